import { readFileSync } from 'node:fs';
import { createServer as createHttpsServer, type Server as HttpsServer } from 'node:https';
import { createServer as createNetServer, type AddressInfo, type Server as NetServer, type Socket } from 'node:net';
import { join } from 'node:path';
import { Pool } from 'undici';
import { afterEach, describe, expect, it } from 'vitest';
import type { BodyStream, Flow, StreamedHead } from '../../src/core/body-stream.js';
import {
  originPool,
  sendRequest,
  type HttpReply,
  type HttpRequest,
  type ReplyLimits,
} from '../../src/core/http-client.js';
import { classifyNetworkError } from '../../src/core/net-errors.js';
import { closedPort, startRecordingServer, type RecordingServer } from '../helpers/recording-server.js';

// The one HTTP client (undici, through sendRequest) that the listener forwards with and every send
// goes through, against real servers: Node's own, TLS on loopback, and raw sockets that answer
// exactly the bytes a test needs.

const TLS = {
  key: readFileSync(join(import.meta.dirname, '../helpers/tls/localhost-key.pem')),
  cert: readFileSync(join(import.meta.dirname, '../helpers/tls/localhost-cert.pem')),
};

let server: RecordingServer | undefined;
let raw: NetServer | undefined;
let tls: HttpsServer | undefined;
let pool: Pool | undefined;
afterEach(async () => {
  await pool?.destroy();
  await server?.close();
  tls?.closeAllConnections();
  await new Promise<void>((resolve) => (tls ? tls.close(() => resolve()) : resolve()));
  await new Promise<void>((resolve) => (raw ? raw.close(() => resolve()) : resolve()));
  pool = server = raw = tls = undefined;
});

const post = (
  body = '{"a":1}',
  headers: HttpRequest['headers'] = ['Content-Type', 'application/json'],
): HttpRequest => ({ method: 'POST', path: '/hook?x=1', headers, body });

function send(target: Pool, request: HttpRequest = post(), limits: Partial<ReplyLimits> = {}): Promise<HttpReply> {
  return sendRequest(target, request, { timeoutMs: 5000, maxBodyBytes: 1024 * 1024, ...limits });
}

function poolFor(origin: string, connections = 4): Pool {
  pool = originPool(origin, connections, 5000);
  return pool;
}

/** Resolves after `n` turns of the event loop, each with its poll for I/O: no clock involved. */
async function nextTurns(n: number): Promise<void> {
  for (let i = 0; i < n; i++) await new Promise<void>((resolve) => setImmediate(resolve));
}

/** A TCP server that answers each request with `answer(socket, request bytes)`; counts connections. */
async function rawServer(
  answer: (socket: Socket, request: string) => void,
): Promise<{ origin: string; connections: () => number }> {
  let connections = 0;
  raw = createNetServer((socket) => {
    connections++;
    let received = '';
    socket.on('data', (chunk) => {
      received += chunk.toString('latin1');
      const end = received.indexOf('\r\n\r\n');
      if (end >= 0 && received.length >= end + 4 + Number(/content-length: (\d+)/i.exec(received)?.[1] ?? 0)) {
        const request = received;
        received = '';
        answer(socket, request);
      }
    });
    socket.on('error', () => {});
  });
  await new Promise<void>((resolve) => raw!.listen(0, '127.0.0.1', resolve));
  return { origin: `http://127.0.0.1:${(raw!.address() as AddressInfo).port}`, connections: () => connections };
}

describe('sendRequest', () => {
  it('sends the method, path, headers in order and case, Host first, Content-Length last and the exact body', async () => {
    const app = await rawServer((socket) => socket.write('HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n'));
    const seen = new Promise<string>((resolve) =>
      raw!.once('connection', (socket: Socket) => socket.once('data', (chunk) => resolve(chunk.toString('latin1')))),
    );
    const body = Buffer.from([0x7b, 0xff, 0x00, 0x7d]);
    await send(poolFor(app.origin), {
      method: 'POST',
      path: '/hook?x=1',
      headers: ['X-B', '2', 'x-a', '1', 'X-B', '3'],
      body,
    });
    const request = await seen;
    const lines = request.slice(0, request.indexOf('\r\n\r\n')).split('\r\n');
    expect(lines[0]).toBe('POST /hook?x=1 HTTP/1.1');
    expect(lines[1]).toBe(`host: ${new URL(app.origin).host}`);
    expect(lines.filter((line) => /^x-/i.test(line))).toEqual(['X-B: 2', 'x-a: 1', 'X-B: 3']);
    expect(lines.at(-1)).toBe('content-length: 4');
    expect(Buffer.from(request.slice(request.indexOf('\r\n\r\n') + 4), 'latin1')).toEqual(body);
  });

  it("gives the answer's headers in their order and case, repeats kept, and its exact bytes", async () => {
    const app = await rawServer((socket) =>
      socket.write(
        'HTTP/1.1 201 Created\r\nSet-Cookie: a=1\r\nX-Odd: v\r\nset-cookie: b=2\r\nContent-Length: 3\r\n\r\n\xff\x00z',
        'latin1',
      ),
    );
    const reply = await send(poolFor(app.origin));
    expect(reply).toMatchObject({
      status: 201,
      streamed: false,
      headers: ['Set-Cookie', 'a=1', 'X-Odd', 'v', 'set-cookie', 'b=2', 'Content-Length', '3'],
    });
    expect(reply.body).toEqual(Buffer.from([0xff, 0x00, 0x7a]));
  });

  it('keeps the connection open for the next request', async () => {
    const app = await rawServer((socket) => socket.write('HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok'));
    const target = poolFor(app.origin, 1);
    for (let i = 0; i < 3; i++) expect((await send(target)).status).toBe(200);
    expect(app.connections()).toBe(1);
  });

  it('a connection the app closed after its answer is not used again: every request back to back is answered', async () => {
    // The app closes each connection right after answering, with no Connection: close to warn.
    const app = await rawServer((socket) => socket.end('HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok'));
    const target = poolFor(app.origin, 1);
    const statuses: number[] = [];
    for (let i = 0; i < 50; i++) statuses.push((await send(target)).status);
    expect(statuses).toEqual(Array(50).fill(200));
  });

  it('bytes the app sends while no request is outstanding answer no later request', async () => {
    // Each answer is followed by a second one that nothing asked for.
    const twice = 'HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\n\r\n';
    const app = await rawServer((socket) => socket.write(twice + twice));
    const target = poolFor(app.origin, 1);
    const statuses: number[] = [];
    for (let i = 0; i < 6; i++) statuses.push((await send(target)).status);
    expect(statuses).toEqual(Array(6).fill(503));
  });

  it('an answer framed twice (Content-Length and chunked), an invalid header and a 101 are errors, never answers', async () => {
    const answers = [
      'HTTP/1.1 200 OK\r\nContent-Length: 30\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n',
      'HTTP/1.1 200 OK\r\nX-Bad\x01: v\r\nContent-Length: 0\r\n\r\n',
      'HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\nsurprise',
    ];
    let next = 0;
    const app = await rawServer((socket) => socket.write(answers[next++]!));
    const target = poolFor(app.origin, 1);
    for (let i = 0; i < answers.length; i++)
      await expect(send(target), answers[i]!.split('\r\n')[0]).rejects.toBeInstanceOf(Error);
  });

  it('keeps the first bytes of a large body and drops the rest', async () => {
    server = await startRecordingServer((_req, res) => res.end('x'.repeat(100_000)));
    expect(await send(poolFor(server.origin), post(), { maxBodyBytes: 10 })).toMatchObject({
      streamed: false,
      body: Buffer.from('x'.repeat(10)),
    });
  });

  it('hands a body larger than maxBodyBytes to the stream: the head and first bytes, then the rest in order; a smaller one stays whole', async () => {
    server = await startRecordingServer((req, res) =>
      res.end(req.body.toString() === 'big' ? `${'x'.repeat(10)}${'y'.repeat(100_000)}` : 'small'),
    );
    const heads: StreamedHead[] = [];
    const parts: Buffer[] = [];
    const stream: BodyStream = {
      start: (head) => heads.push({ ...head }),
      data: (part) => parts.push(Buffer.from(part)),
    };
    const target = poolFor(server.origin);
    expect(await send(target, post('small'), { maxBodyBytes: 10, stream })).toMatchObject({
      streamed: false,
      body: Buffer.from('small'),
    });
    expect(heads).toEqual([]);
    const big = await send(target, post('big'), { maxBodyBytes: 10, stream });
    expect(heads).toHaveLength(1);
    expect(heads[0]).toMatchObject({ status: 200, body: Buffer.from('x'.repeat(10)) });
    expect(heads[0]!.headers.map((h) => h.toLowerCase())).toContain('content-length');
    expect(Buffer.concat(parts).toString()).toBe('y'.repeat(100_000));
    expect(big).toMatchObject({ streamed: true, body: Buffer.from('x'.repeat(10)) });
  });

  it('a streamed body is read only while its reader wants it: nothing comes between pause and resume', async () => {
    const total = 16 * 1024 * 1024;
    // The whole answer at once: the app's side always has bytes waiting for the client to read.
    const app = await rawServer((socket) => {
      socket.write(`HTTP/1.1 200 OK\r\nContent-Length: ${total}\r\n\r\n`);
      socket.write(Buffer.alloc(total, 'z'));
    });
    let flow: Flow | undefined;
    let received = 0;
    let paused!: () => void;
    const pausedNow = new Promise<void>((resolve) => (paused = resolve));
    const stream: BodyStream = {
      start: (head, f) => {
        flow = f;
        received += head.body.length;
        f.pause();
        paused();
      },
      data: (part) => (received += part.length),
    };
    const answer = send(poolFor(app.origin), post(), { maxBodyBytes: 1024, stream });
    await pausedNow;
    await nextTurns(2);
    const whilePaused = received;
    // Each turn of the event loop polls the sockets: a client that had not paused would read on.
    await nextTurns(10);
    expect(received).toBe(whilePaused);
    expect(received).toBeLessThan(total);
    flow!.resume();
    expect(await answer).toMatchObject({ status: 200, streamed: true });
    expect(received).toBe(total);
  });

  it('a streamed answer whose reader stops reading times out once no part has come for the timeout, however long it streamed', async () => {
    const total = 16 * 1024 * 1024;
    const app = await rawServer((socket) => {
      socket.write(`HTTP/1.1 200 OK\r\nContent-Length: ${total}\r\n\r\n`);
      socket.write(Buffer.alloc(total, 'z'));
    });
    // The reader takes the head and first parts, then stops for good (a sender that went quiet).
    let parts = 0;
    const stream: BodyStream = {
      start: (_head, flow) => {
        flow.pause();
      },
      data: () => parts++,
    };
    const answer = send(poolFor(app.origin), post(), { maxBodyBytes: 1024, stream, timeoutMs: 300 });
    await expect(answer).rejects.toSatisfy((e: Error) => classifyNetworkError(e) === 'timeout');
    expect(parts).toBeLessThan(total / 1024);
  });

  it('a refused connection, a reset and garbage are errors a caller can classify', async () => {
    await expect(send(poolFor(`http://127.0.0.1:${await closedPort()}`))).rejects.toSatisfy(
      (e: Error) => classifyNetworkError(e) === 'refused',
    );
    await pool!.destroy();
    const resetting = await rawServer((socket) => socket.destroy());
    await expect(send(poolFor(resetting.origin))).rejects.toSatisfy((e: Error) => classifyNetworkError(e) === 'reset');
    await pool!.destroy();
    await new Promise<void>((resolve) => raw!.close(() => resolve()));
    const garbage = await rawServer((socket) => socket.write('SSH-2.0-OpenSSH\r\n\r\n'));
    await expect(send(poolFor(garbage.origin))).rejects.toBeInstanceOf(Error);
  });

  it('more requests than connections wait their turn and all get answered', async () => {
    server = await startRecordingServer((req, res) => res.end(req.body));
    const target = poolFor(server.origin, 2);
    const answers = await Promise.all(Array.from({ length: 20 }, (_, i) => send(target, post(`{"n":${i}}`))));
    expect(answers.map((a) => a.body.toString())).toEqual(Array.from({ length: 20 }, (_, i) => `{"n":${i}}`));
  });
});

describe('the timeout runs from the moment a request is asked for, time in the queue included', () => {
  /** An app that never answers. */
  function hungApp(onRequest: () => void): { http: () => Promise<string>; https: () => Promise<string> } {
    return {
      http: async () => (await rawServer(onRequest)).origin,
      https: async () => {
        tls = createHttpsServer(TLS, () => onRequest());
        await new Promise<void>((resolve) => tls!.listen(0, '127.0.0.1', resolve));
        return `https://127.0.0.1:${(tls.address() as AddressInfo).port}`;
      },
    };
  }

  for (const scheme of ['http', 'https'] as const) {
    it(`${scheme}: with one connection and a hung app, each of three requests gives up within its own timeout`, async () => {
      const origin = await hungApp(() => {})[scheme]();
      pool = new Pool(origin, { connections: 1, pipelining: 1, connect: { ca: TLS.cert } });
      const timeoutMs = 300;
      const asked = performance.now();
      const settled = await Promise.all(
        [1, 2, 3].map((n) =>
          send(pool!, post(`{"n":${n}}`), { timeoutMs }).then(
            () => ({ outcome: 'answered', after: performance.now() - asked }),
            (error: Error) => ({ outcome: classifyNetworkError(error), after: performance.now() - asked }),
          ),
        ),
      );
      expect(settled.map((s) => s.outcome)).toEqual(['timeout', 'timeout', 'timeout']);
      // Queued behind the first, a timeout that started only once a request was sent would end the
      // second at 2× and the third at 3× the timeout; from the asking, all end together.
      const spread = Math.max(...settled.map((s) => s.after)) - Math.min(...settled.map((s) => s.after));
      expect(spread).toBeLessThan(timeoutMs);
    });
  }

  it('a request that expired in the queue is not sent once the connection is free; the next one is', async () => {
    const arrived: string[] = [];
    const held: Socket[] = [];
    const app = await rawServer((socket, request) => {
      arrived.push(request);
      // The first is held until the test answers it; any later one is answered at once.
      if (arrived.length === 1) held.push(socket);
      else socket.write('HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n');
    });
    const target = poolFor(app.origin, 1);
    const first = send(target, post('{"n":1}'), { timeoutMs: 60_000 });
    const second = send(target, post('{"n":2}'), { timeoutMs: 200 });
    await expect(second).rejects.toSatisfy((e: Error) => classifyNetworkError(e) === 'timeout');
    expect(arrived).toHaveLength(1);
    held[0]!.write('HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n');
    expect((await first).status).toBe(200);
    expect((await send(target, post('{"n":3}'))).status).toBe(200);
    expect(arrived.map((r) => r.slice(r.indexOf('\r\n\r\n') + 4))).toEqual(['{"n":1}', '{"n":3}']);
    // Dropped without closing the connection it waited for: one connection served all three.
    expect(app.connections()).toBe(1);
  });
});

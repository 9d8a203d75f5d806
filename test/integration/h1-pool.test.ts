import { createServer as createNetServer, type Server as NetServer, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import type { BodyStream, Flow, StreamedHead } from '../../src/core/body-stream.js';
import type { H1Response } from '../../src/core/h1/parser.js';
import { H1Pool, type H1PoolOptions, type H1Request } from '../../src/core/h1/pool.js';
import { classifyNetworkError } from '../../src/core/net-errors.js';
import { closedPort, startRecordingServer, type RecordingServer } from '../helpers/recording-server.js';

// The small HTTP/1.1 client the listener forwards with and trigger sends with, against real servers:
// Node's own, and raw sockets that answer exactly the bytes a test needs.

let server: RecordingServer | undefined;
let raw: NetServer | undefined;
let pool: H1Pool | undefined;
afterEach(async () => {
  await pool?.close();
  await server?.close();
  await new Promise<void>((resolve) => (raw ? raw.close(() => resolve()) : resolve()));
  pool = undefined;
  server = undefined;
  raw = undefined;
});

const post = (body = '{"a":1}', headers: H1Request['headers'] = ['Content-Type', 'application/json']): H1Request => ({ method: 'POST', path: '/hook?x=1', headers, body });

function send(target: H1Pool, request: H1Request = post()): Promise<H1Response> {
  return new Promise((resolve, reject) => target.request(request, (error, response) => (error ? reject(error) : resolve(response!))));
}

function poolFor(origin: string, options: Partial<H1PoolOptions> = {}): H1Pool {
  pool = new H1Pool(origin, { connections: 4, timeoutMs: 5000, maxBodyBytes: 1024 * 1024, ...options });
  return pool;
}

/** Resolves after `n` turns of the event loop, each with its poll for I/O: no clock involved. */
async function nextTurns(n: number): Promise<void> {
  for (let i = 0; i < n; i++) await new Promise<void>((resolve) => setImmediate(resolve));
}

/** A TCP server that answers each connection with `answer(socket, request bytes)`; counts connections. */
async function rawServer(answer: (socket: Socket, request: string) => void): Promise<{ origin: string; connections: () => number }> {
  let connections = 0;
  raw = createNetServer((socket) => {
    connections++;
    let received = '';
    socket.on('data', (chunk) => {
      received += chunk.toString('latin1');
      if (/\r\n\r\n/.test(received) && received.length >= received.indexOf('\r\n\r\n') + 4 + Number(/content-length: (\d+)/i.exec(received)?.[1] ?? 0)) {
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

describe('H1Pool', () => {
  it('sends the method, path, headers in order and case, Host, Content-Length and the exact body', async () => {
    server = await startRecordingServer((_req, res) => res.end('{"ok":true}'));
    const body = Buffer.from([0x7b, 0xc3, 0xa9, 0x7d]);
    const response = await send(poolFor(server.origin), post(body as unknown as string, ['X-First', '1', 'x-second', 'two', 'Host', 'evil', 'Content-Length', '999']));
    expect(response).toMatchObject({ status: 200, size: 11 });
    expect(response.body.toString()).toBe('{"ok":true}');
    const [request] = server.requests;
    expect(request).toMatchObject({ method: 'POST', url: '/hook?x=1' });
    expect(request!.body.equals(body)).toBe(true);
    expect(request!.headers).toMatchObject({ host: new URL(server.origin).host, 'x-first': '1', 'x-second': 'two', 'content-length': '4' });
  });

  it('keeps the connection open for the next request', async () => {
    const app = await rawServer((socket) => socket.write('HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok'));
    const target = poolFor(app.origin);
    for (let i = 0; i < 3; i++) expect((await send(target)).body.toString()).toBe('ok');
    expect(app.connections()).toBe(1);
  });

  it('reads a chunked body split at every byte, and a body delimited by the end of the connection', async () => {
    const chunked = 'HTTP/1.1 201 Created\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n7;ext=1\r\n, world\r\n0\r\nX-Trailer: t\r\n\r\n';
    const app = await rawServer((socket) => {
      for (const byte of chunked) socket.write(byte);
    });
    const target = poolFor(app.origin);
    expect(await send(target)).toMatchObject({ status: 201, size: 12, reusable: true });
    expect((await send(target)).body.toString()).toBe('hello, world');
    expect(app.connections()).toBe(1);
    await pool!.close();
    await new Promise<void>((resolve) => raw!.close(() => resolve()));

    const closing = await rawServer((socket) => socket.end('HTTP/1.1 200 OK\r\n\r\nuntil the end'));
    const other = new H1Pool(closing.origin, { connections: 1, timeoutMs: 5000, maxBodyBytes: 100 });
    try {
      expect(await send(other)).toMatchObject({ status: 200, reusable: false });
      expect((await send(other)).body.toString()).toBe('until the end');
      expect(closing.connections()).toBe(2);
    } finally {
      await other.close();
    }
  });

  it('skips interim answers (103 Early Hints), and reads no body after a 204', async () => {
    const app = await rawServer((socket) => socket.write('HTTP/1.1 103 Early Hints\r\nLink: </a>\r\n\r\nHTTP/1.1 204 No Content\r\n\r\n'));
    const target = poolFor(app.origin);
    expect(await send(target)).toMatchObject({ status: 204, size: 0 });
    expect(await send(target)).toMatchObject({ status: 204 });
  });

  it('bytes after a bodiless answer answer no request: the connection is not used again', async () => {
    let n = 0;
    const app = await rawServer((socket) => {
      n++;
      // The first answer is followed by a stray one; the second request must not take it for its own.
      socket.write(n === 1 ? 'HTTP/1.1 204 No Content\r\n\r\nHTTP/1.1 500 Stray\r\nContent-Length: 0\r\n\r\n' : 'HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok');
    });
    const target = poolFor(app.origin, { connections: 1 });
    expect((await send(target)).status).toBe(204);
    expect((await send(target)).status).toBe(200);
    expect(app.connections()).toBe(2);
  });

  it('opens a new connection after Connection: close', async () => {
    const app = await rawServer((socket) => socket.write('HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 0\r\n\r\n'));
    const target = poolFor(app.origin);
    await send(target);
    await send(target);
    expect(app.connections()).toBe(2);
  });

  it('keeps the first bytes of a large body and counts the rest', async () => {
    server = await startRecordingServer((_req, res) => res.end('x'.repeat(100_000)));
    expect(await send(poolFor(server.origin, { maxBodyBytes: 10 }))).toMatchObject({ size: 100_000, body: Buffer.from('x'.repeat(10)) });
  });

  it('hands a body larger than maxBodyBytes to the request\'s stream: the head and first bytes, then the rest in order; a smaller one stays whole', async () => {
    server = await startRecordingServer((req, res) => res.end(req.body.toString() === 'big' ? `${'x'.repeat(10)}${'y'.repeat(100_000)}` : 'small'));
    const heads: StreamedHead[] = [];
    const parts: Buffer[] = [];
    const stream: BodyStream = { start: (head) => heads.push({ ...head }), data: (part) => parts.push(Buffer.from(part)) };
    const target = poolFor(server.origin, { maxBodyBytes: 10 });
    expect(await send(target, { ...post('small'), stream })).toMatchObject({ streamed: false, body: Buffer.from('small') });
    expect(heads).toEqual([]);
    const big = await send(target, { ...post('big'), stream });
    expect(heads).toHaveLength(1);
    expect(heads[0]).toMatchObject({ status: 200, body: Buffer.from('x'.repeat(10)) });
    expect(heads[0]!.headers).toContain('Content-Length');
    expect(Buffer.concat(parts).toString()).toBe('y'.repeat(100_000));
    expect(big).toMatchObject({ streamed: true, size: 100_010, body: Buffer.from('x'.repeat(10)) });
    // Without a stream, the same answer is counted and dropped past the first bytes.
    expect(await send(target, post('big'))).toMatchObject({ streamed: false, size: 100_010, body: Buffer.from('x'.repeat(10)) });
    expect(heads).toHaveLength(1);
  });

  it('a streamed body is read only while its reader wants it: nothing comes between pause and resume', async () => {
    const total = 16 * 1024 * 1024;
    // The whole answer at once: the app's side always has bytes waiting for the pool to read.
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
    const answer = send(poolFor(app.origin, { maxBodyBytes: 1024 }), { ...post(), stream });
    await pausedNow;
    await nextTurns(2);
    const whilePaused = received;
    // Each turn of the event loop polls the sockets: a pool that had not paused would read on.
    await nextTurns(10);
    expect(received).toBe(whilePaused);
    expect(received).toBeLessThan(total);
    flow!.resume();
    expect(await answer).toMatchObject({ status: 200, streamed: true, size: total });
    expect(received).toBe(total);
  });

  it('a refused connection, a reset and garbage are errors a caller can classify', async () => {
    await expect(send(poolFor(`http://127.0.0.1:${await closedPort()}`))).rejects.toSatisfy((e: Error) => classifyNetworkError(e) === 'refused');
    await pool!.close();
    const resetting = await rawServer((socket) => socket.destroy());
    await expect(send(poolFor(resetting.origin))).rejects.toSatisfy((e: Error) => classifyNetworkError(e) === 'reset');
    await pool!.close();
    await new Promise<void>((resolve) => raw!.close(() => resolve()));
    const garbage = await rawServer((socket) => socket.write('SSH-2.0-OpenSSH\r\n\r\n'));
    await expect(send(poolFor(garbage.origin))).rejects.toThrow(/not an HTTP\/1.1 status line/);
  });

  it('the timeout counts from the request, queueing included: a queued request expires unsent', async () => {
    const arrived: string[] = [];
    const held: Socket[] = [];
    const app = await rawServer((socket, request) => {
      arrived.push(request);
      // The first is held until the test answers it; any later one is answered at once.
      if (arrived.length === 1) held.push(socket);
      else socket.write('HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n');
    });
    const target = poolFor(app.origin, { connections: 1, timeoutMs: 60_000 });
    // The first holds the only connection (the app never answers); the second waits behind it.
    const first = send(target, post('{"n":1}'));
    void first.catch(() => {});
    const second = send(target, { ...post('{"n":2}'), timeoutMs: 200 });
    await expect(second).rejects.toSatisfy((e: Error) => classifyNetworkError(e) === 'timeout');
    expect(arrived).toHaveLength(1);
    expect(arrived[0]).toContain('{"n":1}');
    // Once the connection is free, what expired in the queue is not sent after all.
    held[0]!.write('HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n');
    expect((await first).status).toBe(200);
    expect((await send(target, post('{"n":3}'))).status).toBe(200);
    expect(arrived.map((r) => r.slice(r.indexOf('\r\n\r\n') + 4))).toEqual(['{"n":1}', '{"n":3}']);
  });

  it('more requests than connections wait their turn and all get answered', async () => {
    server = await startRecordingServer((req, res) => res.end(req.body));
    const target = poolFor(server.origin, { connections: 2 });
    const answers = await Promise.all(Array.from({ length: 20 }, (_, i) => send(target, post(`{"n":${i}}`))));
    expect(answers.map((a) => a.body.toString())).toEqual(Array.from({ length: 20 }, (_, i) => `{"n":${i}}`));
  });
});

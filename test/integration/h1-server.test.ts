import { request, type IncomingMessage } from 'node:http';
import { connect, type AddressInfo, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { H1Server, type Answer, type Handler, type WholeRequest } from '../../src/core/h1/server.js';

// The listener's own HTTP/1.1 server (core/h1/server.ts), on loopback: what it answers itself, what
// it hands to node:http, and that a client cannot tell the two apart.

interface Seen {
  whole: boolean;
  method: string;
  url: string;
  headers: Record<string, unknown>;
  rawHeaders: string[];
  body: string;
}

let server: H1Server | undefined;
const sockets: Socket[] = [];

afterEach(async () => {
  for (const socket of sockets.splice(0)) socket.destroy();
  if (server) {
    server.closeAll();
    await new Promise<void>((resolve) => server!.server.close(() => resolve()));
  }
  server = undefined;
});

/** A server whose handler records each request and answers with what `reply` says (by default 200 and the body back). */
async function start(options: { maxBodyBytes?: number; requestTimeoutMs?: number; reply?: (req: Seen, res: Answer, raw: IncomingMessage | WholeRequest) => void } = {}) {
  const seen: Seen[] = [];
  const handler: Handler = (req, res) => {
    bodyOf(req, (body) => {
      const entry: Seen = { whole: 'whole' in req, method: req.method ?? '', url: req.url ?? '', headers: { ...req.headers }, rawHeaders: req.rawHeaders, body };
      seen.push(entry);
      if (options.reply) return options.reply(entry, res, req);
      res.writeHead(200, { 'content-type': 'text/plain', 'content-length': Buffer.byteLength(body) });
      res.end(body);
    });
  };
  server = new H1Server({ maxBodyBytes: options.maxBodyBytes ?? 1024, requestTimeoutMs: options.requestTimeoutMs ?? 30_000 }, handler);
  await new Promise<void>((resolve) => server!.server.listen(0, '127.0.0.1', resolve));
  return { port: (server.server.address() as AddressInfo).port, seen };
}

function bodyOf(req: IncomingMessage | WholeRequest, then: (body: string) => void): void {
  if ('whole' in req) return then(req.body.toString('latin1'));
  const chunks: Buffer[] = [];
  req.on('data', (chunk: Buffer) => chunks.push(chunk));
  req.on('end', () => then(Buffer.concat(chunks).toString('latin1')));
}

/** A raw connection: `send` writes bytes, `until` waits for what has come back to satisfy a test, `closed` for the server to close. */
async function open(port: number) {
  const socket = connect(port, '127.0.0.1');
  sockets.push(socket);
  await new Promise<void>((resolve) => socket.once('connect', resolve));
  let text = '';
  const waiters: (() => void)[] = [];
  socket.on('data', (chunk: Buffer) => {
    text += chunk.toString('latin1');
    for (const wake of waiters.splice(0)) wake();
  });
  const closed = new Promise<string>((resolve) => socket.on('close', () => resolve(text)));
  socket.on('error', () => {});
  return {
    socket,
    closed,
    send: (bytes: string) => socket.write(bytes, 'latin1'),
    /** Waits until the answers received so far number `count` whole ones; returns them. */
    async answers(count: number): Promise<string[]> {
      for (;;) {
        const parsed = splitAnswers(text);
        if (parsed.length >= count) return parsed;
        await new Promise<void>((resolve) => waiters.push(resolve));
      }
    },
  };
}

/** Splits a stream of answers framed by Content-Length or chunked coding (enough for these tests). */
function splitAnswers(text: string): string[] {
  const out: string[] = [];
  let at = 0;
  for (;;) {
    const headEnd = text.indexOf('\r\n\r\n', at);
    if (headEnd < 0) return out;
    const head = text.slice(at, headEnd);
    const length = /\r\ncontent-length: (\d+)/i.exec(head);
    let end: number;
    if (length) end = headEnd + 4 + Number(length[1]);
    else if (/\r\ntransfer-encoding: chunked/i.test(head)) {
      const last = text.indexOf('\r\n0\r\n\r\n', headEnd);
      if (last < 0) return out;
      end = last + 7;
    } else end = headEnd + 4;
    if (text.length < end) return out;
    // An interim answer (100 Continue) is not one of the answers counted.
    if (!/^HTTP\/1\.[01] 1\d\d /.test(head)) out.push(text.slice(at, end));
    at = end;
  }
}

const post = (body: string, extra = '') => `POST /hook?x=1 HTTP/1.1\r\nHost: h\r\nX-Case: Kept\r\n${extra}Content-Length: ${Buffer.byteLength(body, 'latin1')}\r\n\r\n${body}`;

describe('the fast path: a POST with a Content-Length', () => {
  it('is answered by this server: the request as node:http would give it, the answer with Date and keep-alive, in one piece', async () => {
    const { port, seen } = await start();
    const client = await open(port);
    client.send(post('{"a":1}'));
    const [answer] = await client.answers(1);
    expect(seen).toEqual([{
      whole: true, method: 'POST', url: '/hook?x=1', headers: { host: 'h', 'x-case': 'Kept', 'content-length': '7' },
      rawHeaders: ['Host', 'h', 'X-Case', 'Kept', 'Content-Length', '7'], body: '{"a":1}',
    }]);
    expect(answer).toMatch(/^HTTP\/1\.1 200 OK\r\n/);
    expect(answer).toMatch(/\r\nDate: \w{3}, \d\d \w{3} \d{4} \d\d:\d\d:\d\d GMT\r\n/);
    expect(answer).toContain('\r\nConnection: keep-alive\r\nKeep-Alive: timeout=5\r\n');
    expect(answer!.endsWith('\r\n\r\n{"a":1}')).toBe(true);
  });

  it('takes requests pipelined on one connection one at a time, answering them in order', async () => {
    const pendingAnswers: (() => void)[] = [];
    const { port, seen } = await start({
      // Each answer waits until the test lets it go: the second request must not be taken before the first is answered.
      reply: (req, res) => pendingAnswers.push(() => res.end(req.body)),
    });
    const client = await open(port);
    client.send(post('first') + post('second'));
    await until(() => pendingAnswers.length === 1);
    // More bytes while the first is being answered: still nothing taken before its answer.
    client.send(post('third'));
    await new Promise((resolve) => client.socket.once('drain', resolve).write('', resolve));
    await new Promise((resolve) => setImmediate(resolve));
    expect(seen.map((s) => s.body)).toEqual(['first']);
    pendingAnswers.shift()!();
    await until(() => pendingAnswers.length === 1);
    expect(seen.map((s) => s.body)).toEqual(['first', 'second']);
    pendingAnswers.shift()!();
    await until(() => pendingAnswers.length === 1);
    pendingAnswers.shift()!();
    const answers = await client.answers(3);
    expect(answers.map((a) => a.slice(a.indexOf('\r\n\r\n') + 4))).toEqual(['first', 'second', 'third']);
  });

  it('puts together a request that comes in pieces, a byte at a time through the head', async () => {
    const { port, seen } = await start();
    const client = await open(port);
    const bytes = post('{"split":true}');
    for (const byte of bytes.slice(0, 60)) {
      client.send(byte);
      await new Promise((resolve) => setImmediate(resolve));
    }
    client.send(bytes.slice(60));
    await client.answers(1);
    expect(seen).toHaveLength(1);
    expect(seen[0]).toMatchObject({ whole: true, body: '{"split":true}' });
  });

  it('answers a client that asks to close, then closes', async () => {
    const { port } = await start();
    const client = await open(port);
    client.send(post('bye', 'Connection: close\r\n'));
    const text = await client.closed;
    expect(text).toContain('\r\nConnection: close\r\n');
    expect(text.endsWith('bye')).toBe(true);
  });

  it('frames an answer of unknown length as chunked, which a client reads whole', async () => {
    const { port } = await start({
      reply: (_req, res) => {
        res.writeHead(200, { 'content-type': 'text/plain' });
        res.write(Buffer.from('part one, '));
        res.write(Buffer.alloc(0));
        res.end('part two');
      },
    });
    const answer = await new Promise<{ headers: Record<string, unknown>; body: string }>((resolve, reject) => {
      const req = request({ host: '127.0.0.1', port, method: 'POST', path: '/', headers: { 'content-length': 2 } }, (res) => {
        let body = '';
        res.setEncoding('latin1').on('data', (part) => (body += part)).on('end', () => resolve({ headers: res.headers, body }));
      });
      req.on('error', reject);
      req.end('hi');
    });
    expect(answer.headers['transfer-encoding']).toBe('chunked');
    expect(answer.body).toBe('part one, part two');
  });

  it('refuses to write a header value that would split the answer', async () => {
    let thrown: unknown;
    const { port } = await start({
      reply: (_req, res) => {
        try {
          res.writeHead(200, { 'x-evil': 'a\r\nInjected: yes' });
        } catch (error) {
          thrown = error;
        }
        res.destroy();
      },
    });
    const client = await open(port);
    client.send(post('x'));
    expect(await client.closed).toBe('');
    expect(thrown).toBeInstanceOf(TypeError);
  });

  it('tells the handler when the client goes away before its answer', async () => {
    let answer: Answer | undefined;
    let gone!: () => void;
    const closed = new Promise<void>((resolve) => (gone = resolve));
    const { port } = await start({
      reply: (_req, res) => {
        answer = res;
        res.once('close', gone);
      },
    });
    const client = await open(port);
    client.send(post('x'));
    await until(() => answer !== undefined);
    expect(answer!.destroyed).toBe(false);
    client.socket.destroy();
    await closed;
    expect(answer!.destroyed).toBe(true);
  });
});

describe('everything else goes to node:http, with the bytes already read', () => {
  const cases: [string, string, string][] = [
    ['a chunked body', 'POST /c HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n', 'abc'],
    ['Expect: 100-continue', 'POST /e HTTP/1.1\r\nHost: h\r\nExpect: 100-continue\r\nContent-Length: 3\r\n\r\nabc', 'abc'],
    ['HTTP/1.0', 'POST /o HTTP/1.0\r\nHost: h\r\nContent-Length: 3\r\n\r\nabc', 'abc'],
    ['a repeated header', 'POST /r HTTP/1.1\r\nHost: h\r\nX-Twice: 1\r\nX-Twice: 2\r\nContent-Length: 3\r\n\r\nabc', 'abc'],
    ['a header value that is not ASCII', 'POST /u HTTP/1.1\r\nHost: h\r\nX-Name: caf\xe9\r\nContent-Length: 3\r\n\r\nabc', 'abc'],
    ['a GET', 'GET /g HTTP/1.1\r\nHost: h\r\n\r\n', ''],
    ['Proxy-Connection', 'POST /p HTTP/1.1\r\nHost: h\r\nProxy-Connection: keep-alive\r\nContent-Length: 3\r\n\r\nabc', 'abc'],
    ['a body over the limit', `POST /big HTTP/1.1\r\nHost: h\r\nContent-Length: 2000\r\n\r\n${'b'.repeat(2000)}`, 'b'.repeat(2000)],
  ];
  it.each(cases)('%s: node:http reads and answers it', async (_name, bytes, body) => {
    const { port, seen } = await start();
    const client = await open(port);
    client.send(bytes);
    const [answer] = await client.answers(1);
    expect(answer).toMatch(/^HTTP\/1\.[01] 200 OK\r\n/);
    expect(seen).toHaveLength(1);
    expect(seen[0]).toMatchObject({ whole: false, body });
  });

  it('a connection that starts on the fast path and then sends a chunked request: both answered, in order', async () => {
    const { port, seen } = await start();
    const client = await open(port);
    client.send(post('one') + 'POST /two HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n3\r\ntwo\r\n0\r\n\r\n' + post('three'));
    const answers = await client.answers(3);
    expect(seen.map((s) => [s.whole, s.body])).toEqual([[true, 'one'], [false, 'two'], [false, 'three']]);
    expect(answers.map((a) => a.endsWith('one') || a.includes('two') || a.endsWith('three'))).toEqual([true, true, true]);
  });

  it('requests node:http refuses get its 400, and reach no handler: two lengths, or a length and chunked', async () => {
    const { port, seen } = await start();
    for (const bytes of [
      'POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab',
      'POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n',
      'POST / HTTP/1.1\r\nHost: h\r\nX-Bad : space\r\nContent-Length: 0\r\n\r\n',
      'POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 3\t\r\n\r\nabc',
    ]) {
      const client = await open(port);
      client.send(bytes);
      expect(await client.closed).toMatch(/^HTTP\/1\.1 400 Bad Request\r\n/);
    }
    expect(seen).toEqual([]);
  });

  it('a request without Host is node:http\'s 400', async () => {
    const { port, seen } = await start();
    const client = await open(port);
    client.send('POST / HTTP/1.1\r\nContent-Length: 0\r\n\r\n');
    expect(await client.closed).toMatch(/^HTTP\/1\.1 400 /);
    expect(seen).toEqual([]);
  });
});

describe('clients that send a lot, or read slowly', () => {
  it('answers thousands of requests pipelined in one write, each answered at once, without nesting a call per answer', async () => {
    let depth = 0;
    let deepest = 0;
    const { port, seen } = await start({
      reply: (req, res) => {
        // A request handed over from inside the answer to the one before would find depth above 0.
        deepest = Math.max(deepest, depth);
        depth++;
        res.end(req.body);
        depth--;
      },
    });
    const client = await open(port);
    const count = 5000;
    client.send(post('x').repeat(count));
    const answers = await client.answers(count);
    expect(answers).toHaveLength(count);
    expect(seen).toHaveLength(count);
    expect(deepest).toBe(0);
  });

  it('takes no request while the client is not reading the answers already written', async () => {
    const big = 'a'.repeat(1024 * 1024);
    const notDrainedAtTake: boolean[] = [];
    const { port, seen } = await start({
      reply: (_req, res, raw) => {
        // Each request, when taken, looks at whether the answers before it still wait for the client.
        notDrainedAtTake.push(raw.socket!.writableNeedDrain);
        res.writeHead(200, { 'content-length': big.length });
        res.end(big);
      },
    });
    const client = await open(port);
    client.socket.pause();
    // More answers than the loopback's buffers hold: the server must wait for the client to read.
    const count = 16;
    client.send(post('x').repeat(count));
    await until(() => seen.length >= 1);
    client.socket.resume();
    await client.answers(count);
    expect(notDrainedAtTake).toHaveLength(count);
    expect(notDrainedAtTake.every((waiting) => !waiting)).toBe(true);
  });

  it('after a request that asked to close, takes nothing more, even what arrives once its answer is written', async () => {
    const big = 'a'.repeat(4 * 1024 * 1024);
    let answered = false;
    const { port, seen } = await start({
      reply: (_req, res) => {
        res.writeHead(200, { 'content-length': big.length });
        res.end(big);
        answered = true;
      },
    });
    const client = await open(port);
    client.socket.pause();
    client.send(post('first', 'Connection: close\r\n'));
    await until(() => answered);
    client.send(post('after'));
    await new Promise((resolve) => client.socket.write('', resolve));
    client.socket.resume();
    await client.closed;
    expect(seen.map((s) => s.body)).toEqual(['first']);
  });
});

describe('time and closing', () => {
  it('a stalled request of a client that is not reading gets its 408 and the connection is closed, not left open', async () => {
    const big = 'a'.repeat(8 * 1024 * 1024);
    let serverSide: Socket | undefined;
    const { port } = await start({
      requestTimeoutMs: 200,
      reply: (_req, res, raw) => {
        serverSide = raw.socket as Socket;
        res.writeHead(200, { 'content-length': big.length });
        res.end(big);
      },
    });
    const client = await open(port);
    client.socket.pause();
    client.send(post('first') + 'POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 10\r\n\r\nabc');
    await until(() => serverSide !== undefined);
    await new Promise((resolve) => serverSide!.once('close', resolve));
    expect(serverSide!.destroyed).toBe(true);
  });

  it('part of a request waits no longer than the request timeout: 408, then the connection closes', async () => {
    const { port, seen } = await start({ requestTimeoutMs: 200 });
    const client = await open(port);
    client.send('POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 10\r\n\r\nabc');
    expect(await client.closed).toMatch(/^HTTP\/1\.1 408 Request Timeout\r\n/);
    expect(seen).toEqual([]);
  });

  it('closeIdle closes an idle connection at once, and a busy one after its answer, which says so', async () => {
    let release: (() => void) | undefined;
    const { port } = await start({
      reply: (req, res) => {
        if (req.body === 'busy') release = () => res.end(req.body);
        else res.end(req.body);
      },
    });
    const idle = await open(port);
    idle.send(post('idle'));
    await idle.answers(1);
    const busy = await open(port);
    busy.send(post('busy'));
    await until(() => release !== undefined);
    // A client in the middle of sending its request (node:http's, as its body is still coming) is still answered.
    const uploading = await open(port);
    const uploadTaken = new Promise((resolve) => server!.server.once('request', resolve));
    uploading.send('POST /up HTTP/1.1\r\nHost: h\r\nContent-Length: 10\r\n\r\n01234');
    await uploadTaken;
    server!.closeIdle();
    uploading.send('56789');
    const uploadAnswer = uploading.answers(1).then(([answer]) => answer);
    expect(await idle.closed).toContain('idle');
    release!();
    await busy.answers(1);
    expect(await uploadAnswer).toMatch(/^HTTP\/1\.1 200 OK\r\n[^]*0123456789$/);
    // A request after that answer is not taken: the connection is closing.
    busy.send(post('after'));
    const text = await busy.closed;
    expect(text).toContain('\r\nConnection: close\r\n');
    expect(text.endsWith('busy')).toBe(true);
  });
});

async function until(condition: () => boolean): Promise<void> {
  while (!condition()) await new Promise((resolve) => setImmediate(resolve));
}

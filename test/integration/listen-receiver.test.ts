import { connect, createServer as createNetServer, type AddressInfo } from 'node:net';
import { readFileSync } from 'node:fs';
import { readFile, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { gzipSync } from 'node:zlib';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isRejected, JournalWriter, readJournal } from '../../src/core/listen/journal.js';
import { resend } from '../../src/core/listen/resend.js';
import { createSender } from '../../src/core/send.js';
import {
  startReceiver,
  type ReceivedRequest,
  type Receiver,
  type ReceiverOptions,
} from '../../src/core/listen/receiver.js';
import type { ForwardResult } from '../../src/core/listen/records.js';
import { parseTarget } from '../../src/core/listen/targets.js';
import { sign } from '../../src/core/signing/signature.js';
import { closedPort, startRecordingServer, type RecordingServer } from '../helpers/recording-server.js';
import { countingRequest, halfSentBody, rawRequest } from '../helpers/raw-http.js';
import { expectMode } from '../helpers/platform.js';

const SECRET = 'whsec_listen_test';
const event = (overrides: Record<string, unknown> = {}) =>
  JSON.stringify({
    id: 'evt_listen1',
    event: 'generation.completed',
    created_at: '2026-11-26T14:55:54Z',
    project_id: 'proj_1',
    data: {
      chonk_id: 'chonk_1',
      chonk_name: 'dim_customers',
      chonk_type: 'entity',
      files_generated: [],
      duration_ms: 5,
    },
    ...overrides,
  });
const signed = (body: string, extra: Record<string, string | string[]> = {}) => ({
  headers: { 'content-type': 'application/json', 'x-datachonk-signature': sign(SECRET, body), ...extra },
  body,
});

class Recorder {
  received: ReceivedRequest[] = [];
  forwards: ForwardResult[] = [];
  completed: { request: ReceivedRequest; results: readonly ForwardResult[] }[] = [];
  warnings: string[] = [];
  reporter = {
    received: (r: ReceivedRequest) => this.received.push(r),
    forwarded: (_r: ReceivedRequest, result: ForwardResult) => this.forwards.push(result),
    completed: (request: ReceivedRequest, results: readonly ForwardResult[]) =>
      this.completed.push({ request, results }),
    warning: (message: string) => this.warnings.push(message),
  };
}

let dir: string;
let app: RecordingServer | undefined;
let receiver: Receiver | undefined;
let journal: JournalWriter | undefined;
let recorder: Recorder;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'datachonk-listen-'));
  recorder = new Recorder();
});
afterEach(async () => {
  await receiver?.close();
  await journal?.close().catch(() => {});
  await app?.close();
  receiver = undefined;
  journal = undefined;
  app = undefined;
  await rm(dir, { recursive: true, force: true });
});

async function listen(options: Partial<ReceiverOptions> = {}): Promise<Receiver> {
  receiver = await startReceiver(
    {
      host: '127.0.0.1',
      port: 0,
      path: '/webhooks/datachonk',
      secrets: [SECRET],
      skipVerify: false,
      targets: app ? [parseTarget(app.origin)] : [],
      forwardTimeoutMs: 5000,
      maxBodyBytes: 5 * 1024 * 1024,
      requestTimeoutMs: 5000,
      drainTimeoutMs: 2000,
      journal,
      now: () => new Date(),
      monotonic: () => performance.now(),
      ...options,
    },
    recorder.reporter,
  );
  return receiver;
}

describe('forwarding', () => {
  it('forwards the raw body byte for byte, with the signature, minus hop-by-hop headers', async () => {
    app = await startRecordingServer();
    const { url } = await listen();
    // Spaces, a newline and unicode: a re-serializing proxy would change these bytes.
    const body = `{ "id": "evt_bytes", "event": "chonk.created", "created_at": "2026-11-26T14:55:54Z",\n  "project_id": "proj_1", "data": { "chonk_name": "kunden_ü" } }`;
    const response = await rawRequest(
      `${url}?attempt=2`,
      signed(body, {
        connection: 'keep-alive, x-hop',
        'x-hop': 'drop me',
        te: 'trailers',
        'keep-alive': 'timeout=5',
        'x-custom': 'kept',
      }),
    );
    expect(response.status).toBe(200);
    const [forwarded] = app.requests;
    expect(forwarded!.body.equals(Buffer.from(body))).toBe(true);
    expect(forwarded!.url).toBe('/webhooks/datachonk?attempt=2');
    expect(forwarded!.headers['x-datachonk-signature']).toBe(sign(SECRET, body));
    expect(forwarded!.headers['x-custom']).toBe('kept');
    expect(forwarded!.headers['x-hop']).toBeUndefined();
    expect(forwarded!.headers.te).toBeUndefined();
    expect(forwarded!.headers['keep-alive']).toBeUndefined();
    expect(forwarded!.headers['x-forwarded-for']).toBe('127.0.0.1');
    expect(forwarded!.headers['x-forwarded-proto']).toBe('http');
    expect(forwarded!.headers.host).toBe(new URL(app.origin).host);
  });

  it("tells the app the listener's own scheme in X-Forwarded-Proto, not the one a client claims, and extends X-Forwarded-For", async () => {
    app = await startRecordingServer();
    const { url } = await listen();
    await rawRequest(url, signed(event(), { 'x-forwarded-proto': 'https', 'x-forwarded-for': '203.0.113.9' }));
    const [forwarded] = app.requests;
    expect(forwarded!.headers['x-forwarded-proto']).toBe('http');
    expect(forwarded!.headers['x-forwarded-for']).toBe('203.0.113.9, 127.0.0.1');
  });

  it("gives the sender the app's answer byte for byte, even bytes that are not UTF-8", async () => {
    const answer = Buffer.from([0x00, 0xff, 0xc3, 0x28, 0x7b, 0x0a, 0xe2, 0x82, 0xac, 0x80]);
    app = await startRecordingServer((_req, res) => {
      res.statusCode = 202;
      res.setHeader('content-type', 'application/octet-stream');
      res.end(answer);
    });
    const { url } = await listen();
    const response = await rawRequest(url, signed(event()));
    expect(response.status).toBe(202);
    expect(response.headers['content-type']).toBe('application/octet-stream');
    expect(response.raw.equals(answer)).toBe(true);
  });

  it("gives the sender the app's headers in their order and case, repeats kept, hop-by-hop ones left out", async () => {
    app = await startRecordingServer((_req, res) => {
      res.writeHead(303, [
        'Retry-After',
        '120',
        'Location',
        '/things/1',
        'Set-Cookie',
        'a=1; Path=/',
        'X-Custom',
        'kept',
        'Set-Cookie',
        'b=2; HttpOnly',
        'Connection',
        'keep-alive, X-Hop',
        'X-Hop',
        'dropped',
        'Keep-Alive',
        'timeout=9',
        'Proxy-Authenticate',
        'Basic realm="x"',
        'Trailer',
        'X-Trail',
        'Upgrade',
        'h2c',
      ]);
      // Chunked, as the Trailer header asks: the listener frames its answer with a Content-Length of its own.
      res.end('moved');
    });
    const { url } = await listen();
    const response = await rawRequest(url, signed(event()));
    expect(response.status).toBe(303);
    expect(response.body).toBe('moved');
    const names = response.rawHeaders.filter((_, i) => i % 2 === 0);
    // Node adds Date and its own Connection to the listener's answer; nothing else is the listener's.
    expect(names.filter((n) => n !== 'Date' && n !== 'Connection')).toEqual([
      'Retry-After',
      'Location',
      'Set-Cookie',
      'X-Custom',
      'Set-Cookie',
      'content-length',
    ]);
    expect(response.headers).toMatchObject({
      'retry-after': '120',
      location: '/things/1',
      'set-cookie': ['a=1; Path=/', 'b=2; HttpOnly'],
      'x-custom': 'kept',
      'content-length': '5',
    });
    expect(response.headers.connection).toBe('close');
    expect(response.headers['transfer-encoding']).toBeUndefined();
  });

  it('adds nothing the app did not send: a 204 gets no Content-Type and no body, a 200 without a type gets none', async () => {
    let status = 204;
    app = await startRecordingServer((_req, res) => {
      res.writeHead(status);
      res.end(status === 204 ? undefined : 'plain');
    });
    const { url } = await listen();
    const noContent = await rawRequest(url, signed(event()));
    expect(noContent.status).toBe(204);
    expect(noContent.headers['content-type']).toBeUndefined();
    expect(noContent.headers['content-length']).toBeUndefined();
    expect(noContent.raw.length).toBe(0);
    status = 200;
    const untyped = await rawRequest(url, signed(event()));
    expect(untyped).toMatchObject({ status: 200, body: 'plain' });
    expect(untyped.headers['content-type']).toBeUndefined();
  });

  it('streams an answer too large to hold: the sender gets its start before the app has finished, then every byte', async () => {
    const part = Buffer.alloc(256 * 1024, 'a');
    let senderHasStart!: () => void;
    const started = new Promise<void>((resolve) => (senderHasStart = resolve));
    app = await startRecordingServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.write(part);
      // The rest only once the sender holds the start: a listener that waited for the whole answer would never pass this.
      void started.then(() => {
        for (let i = 0; i < 16; i++) res.write(part);
        res.end('end');
      });
    });
    const { url } = await listen();
    const answer = await countingRequest(url, signed(event()), (count) => count >= part.length && senderHasStart());
    expect(answer).toMatchObject({
      status: 200,
      received: 17 * part.length + 3,
      headers: { 'content-type': 'text/plain' },
    });
    expect(answer.tail.endsWith('aaaend')).toBe(true);
    // The journal and the terminal get the start of the answer only.
    expect(recorder.forwards[0]).toMatchObject({ status: 200, body: 'a'.repeat(2048) });
  });

  it("keeps a target's own path, and gives the sender the first target's status and body", async () => {
    app = await startRecordingServer((_req, res) => {
      res.statusCode = 500;
      res.setHeader('content-type', 'text/plain');
      res.end('app exploded');
    });
    const second = await startRecordingServer();
    try {
      const { url } = await listen({ targets: [parseTarget(`${app.origin}/custom/hook`), parseTarget(second.origin)] });
      const response = await rawRequest(url, signed(event()));
      expect(response.status).toBe(500);
      expect(response.body).toBe('app exploded');
      await second.waitFor(1);
      expect(app.requests[0]!.url).toBe('/custom/hook');
      expect(second.requests[0]!.url).toBe('/webhooks/datachonk');
    } finally {
      await second.close();
    }
  });

  it('answers 502 and says so when the app is down, and keeps listening', async () => {
    const port = await closedPort();
    const { url } = await listen({ targets: [parseTarget(`localhost:${port}`)] });
    const response = await rawRequest(url, signed(event()));
    expect(response.status).toBe(502);
    expect(recorder.forwards[0]).toMatchObject({
      status: null,
      error: { code: 'refused', message: `connection refused: is your app running on localhost:${port}?` },
    });
    expect((await rawRequest(url, signed(event()))).status).toBe(502);
  });

  it("an app's malformed answer (an invalid header byte) is a 502 to the sender and an outcome in the journal, never left pending", async () => {
    const raw = createNetServer((socket) =>
      socket.once('data', () => socket.write('HTTP/1.1 200 OK\r\nX-Bad\x01: v\r\nContent-Length: 0\r\n\r\n')),
    );
    await new Promise<void>((resolve) => raw.listen(0, '127.0.0.1', resolve));
    try {
      const file = join(dir, 'events.ndjson');
      journal = await JournalWriter.open(file);
      const { url } = await listen({
        journal,
        targets: [parseTarget(`127.0.0.1:${(raw.address() as AddressInfo).port}`)],
      });
      const response = await rawRequest(url, signed(event()));
      expect(response.status).toBe(502);
      expect(response.headers['x-datachonk-answered-by']).toBe('datachonk listen');
      await receiver!.close();
      await journal.close();
      journal = undefined;
      const [entry] = (await readJournal(file)).entries;
      expect(entry!.forwards).toHaveLength(1);
      expect(entry!.forwards[0]!.results[0]).toMatchObject({ status: null, error: { code: expect.any(String) } });
    } finally {
      await new Promise<void>((resolve) => raw.close(() => resolve()));
    }
  });

  it('answers 504 when the app takes longer than the forward timeout', async () => {
    app = await startRecordingServer(() => {});
    const { url } = await listen({ forwardTimeoutMs: 200 });
    const response = await rawRequest(url, signed(event()));
    expect(response.status).toBe(504);
    expect(recorder.forwards[0]!.error?.code).toBe('timeout');
  });

  it('without targets answers 200 {"received":true}', async () => {
    const { url } = await listen();
    const response = await rawRequest(url, signed(event()));
    expect(response).toMatchObject({ status: 200, body: '{"received":true}' });
    expect(recorder.received[0]).toMatchObject({
      event: 'generation.completed',
      eventId: 'evt_listen1',
      verification: { status: 'valid' },
    });
  });

  it('--events acknowledges the others without forwarding them', async () => {
    app = await startRecordingServer();
    const { url } = await listen({ events: new Set(['push.completed']) });
    const response = await rawRequest(url, signed(event()));
    expect(response).toMatchObject({ status: 200, body: '{"received":true,"forwarded":false}' });
    expect(recorder.received[0]!.disposition).toEqual({ kind: 'acknowledged', filtered: true });
    expect(app.requests).toHaveLength(0);
  });

  it('skipping the signature check (--skip-signature-check) forwards unsigned requests, marked', async () => {
    app = await startRecordingServer();
    const { url } = await listen({ skipVerify: true });
    const response = await rawRequest(url, { headers: { 'content-type': 'application/json' }, body: event() });
    expect(response.status).toBe(200);
    expect(app.requests).toHaveLength(1);
    expect(recorder.received[0]!.verification).toMatchObject({
      status: 'skipped',
      reason: expect.stringContaining('missing'),
    });
  });
});

describe('bad input: answered by the listener itself, not forwarded', () => {
  // None of these is worth a warning: each is answered, and listening goes on.
  afterEach(() => {
    expect(recorder.warnings).toEqual([]);
  });

  const body = event();
  const good = sign(SECRET, body);
  const withSignature = (value: string | string[] | undefined) => ({
    headers: { 'content-type': 'application/json', ...(value === undefined ? {} : { 'x-datachonk-signature': value }) },
    body,
  });

  it.each<[string, string | string[] | undefined]>([
    ['missing', undefined],
    ['wrong (another secret)', sign('another', body)],
    ['short', good.slice(0, -1)],
    ['overlong', `${good}a`],
    ['non-hex', `sha256=${good.slice(7, 70)}x`],
    ['duplicated', [good, good]],
  ])('a %s signature gets 401 with a JSON error', async (_name, signature) => {
    app = await startRecordingServer();
    const { url } = await listen();
    const response = await rawRequest(url, withSignature(signature));
    expect(response.status).toBe(401);
    expect(JSON.parse(response.body)).toMatchObject({ error: expect.stringContaining('signature') });
    expect(app.requests).toEqual([]);
  });

  it.each([
    ['in upper-case hex', good.toUpperCase().replace('SHA256=', 'sha256='), 'the signature has uppercase hex digits'],
    ['with an upper-case prefix', good.replace('sha256=', 'SHA256='), 'the signature starts with SHA256='],
  ])(
    'the right signature %s gets 401 naming the near miss, and is never forwarded as verified',
    async (_name, signature, words) => {
      app = await startRecordingServer();
      const { url } = await listen();
      const response = await rawRequest(url, withSignature(signature));
      expect(response.status).toBe(401);
      expect((JSON.parse(response.body) as { error: string }).error).toContain(`invalid signature: ${words}`);
      expect(app.requests).toEqual([]);
    },
  );

  it.each([
    ['a signed body that is not JSON', 'not json at all'],
    ['a signed JSON array', '[1,2,3]'],
    ['signed JSON that is no event', '{"hello":"world"}'],
  ])('%s gets 400 with a JSON error', async (_name, text) => {
    app = await startRecordingServer();
    const { url } = await listen();
    const response = await rawRequest(url, signed(text));
    expect(response.status).toBe(400);
    expect(JSON.parse(response.body)).toHaveProperty('error');
    expect(app.requests).toEqual([]);
  });

  it('bytes that are not HTTP (a TLS hello, as from https:// to the listener) get 400 at once, not a 408 after the request timeout', async () => {
    app = await startRecordingServer();
    const { port } = await listen({ requestTimeoutMs: 60_000 });
    const socket = connect(port, '127.0.0.1');
    const answered = new Promise<string>((resolve) => {
      let text = '';
      socket.on('data', (chunk: Buffer) => (text += chunk.toString('latin1')));
      socket.on('close', () => resolve(text));
    });
    // The first bytes of a TLS 1.2 ClientHello record.
    socket.write(Buffer.from([0x16, 0x03, 0x01, 0x00, 0xa5, 0x01, 0x00, 0x00, 0xa1, 0x03, 0x03]));
    expect(await answered).toMatch(/^HTTP\/1\.1 400 /);
    expect(recorder.received).toEqual([]);
    expect(app.requests).toEqual([]);
  });

  it('a GET gets 405 with Allow: POST', async () => {
    app = await startRecordingServer();
    const { url } = await listen();
    const response = await rawRequest(url, { method: 'GET' });
    expect(response.status).toBe(405);
    expect(response.headers.allow).toBe('POST');
    expect(JSON.parse(response.body)).toHaveProperty('error');
    expect(app.requests).toEqual([]);
  });

  it('a signed event POSTed to another path gets 404', async () => {
    app = await startRecordingServer();
    const { url } = await listen();
    const response = await rawRequest(url.replace('/webhooks/datachonk', '/other'), signed(body));
    expect(response.status).toBe(404);
    expect(JSON.parse(response.body)).toHaveProperty('error');
    expect(app.requests).toEqual([]);
  });

  const big = Buffer.alloc(6 * 1024 * 1024, 'a');
  const status = (pending: Promise<{ status: number }>) =>
    pending.then(
      (r) => r.status,
      (error: NodeJS.ErrnoException) => error.code,
    );

  it('a body over --max-body gets 413', async () => {
    app = await startRecordingServer();
    const { url } = await listen({ maxBodyBytes: 5 * 1024 * 1024 });
    expect(
      await status(
        rawRequest(url, {
          headers: { 'content-type': 'application/json', 'x-datachonk-signature': sign(SECRET, big) },
          body: big,
        }),
      ),
    ).toBe(413);
    expect(app.requests).toEqual([]);
  });

  it('a body over --max-body: the 413 comes while the client is still sending, the rest is read and dropped, and the connection serves the next request', async () => {
    const { url } = await listen({ maxBodyBytes: 1024 });
    const target = new URL(url);
    const socket = connect(Number(target.port), target.hostname);
    let received = '';
    const arrived = (text: string) =>
      new Promise<void>((resolve) => {
        const look = () => (received.includes(text) ? resolve() : socket.once('data', look));
        look();
      });
    socket.on('data', (chunk: Buffer) => (received += chunk.toString('latin1')));
    socket.on('error', () => {});
    const declared = 4 * 1024 * 1024;
    socket.write(
      `POST ${target.pathname} HTTP/1.1\r\nHost: ${target.host}\r\nContent-Length: ${declared}\r\n\r\n${'a'.repeat(64 * 1024)}`,
    );
    await arrived('HTTP/1.1 413 ');
    // Sent after the 413: it must not be reset, and the next request on the connection is answered.
    socket.write('a'.repeat(declared - 64 * 1024));
    socket.write(`GET ${target.pathname} HTTP/1.1\r\nHost: ${target.host}\r\n\r\n`);
    await arrived('HTTP/1.1 405 ');
    socket.destroy();
    expect(received).not.toMatch(/connection: close/i);
  });

  it('a chunked body with no content-length is capped while streaming: 413', async () => {
    app = await startRecordingServer();
    const { url } = await listen({ maxBodyBytes: 5 * 1024 * 1024 });
    expect(
      await status(
        rawRequest(url, { headers: { 'transfer-encoding': 'chunked', 'x-datachonk-signature': good }, body: big }),
      ),
    ).toBe(413);
    expect(app.requests).toEqual([]);
  });

  it('a client that hangs up mid-body is dropped, and the next event is forwarded', async () => {
    app = await startRecordingServer();
    const { url } = await listen();
    await halfSentBody(url, 1000, '{"id":"evt_half', true);
    const next = await rawRequest(url, signed(event({ id: 'evt_after_half' })));
    expect(next.status).toBe(200);
    expect(app.requests.map((r) => JSON.parse(r.body.toString()).id)).toEqual(['evt_after_half']);
    // Seen all the same: reported (and so journalled and shown) as cut short.
    while (!recorder.received.some((r) => r.disposition.kind === 'rejected' && r.disposition.code === 'aborted')) {
      await new Promise((resolve) => setImmediate(resolve));
    }
  });

  it('a client that stalls mid-body gets 408 after the request timeout, holding up no one meanwhile', async () => {
    app = await startRecordingServer();
    const { url } = await listen({ requestTimeoutMs: 1000 });
    const stalled = halfSentBody(url, 1000, '{"id":"evt_stall', false);
    const meanwhile = await rawRequest(url, signed(event({ id: 'evt_meanwhile' })));
    expect(meanwhile.status).toBe(200);
    expect(await stalled).toContain('408');
    expect(app.requests.map((r) => JSON.parse(r.body.toString()).id)).toEqual(['evt_meanwhile']);
    while (!recorder.received.some((r) => r.disposition.kind === 'rejected' && r.disposition.code === 'aborted')) {
      await new Promise((resolve) => setImmediate(resolve));
    }
  });
});

describe('a body sent compressed (Content-Encoding)', () => {
  it('is verified over the bytes as sent, forwarded byte for byte with its Content-Encoding, journalled as sent, and shown decoded', async () => {
    const file = join(dir, 'events.ndjson');
    journal = await JournalWriter.open(file);
    app = await startRecordingServer();
    const { url } = await listen({ journal });
    const gz = gzipSync(event({ id: 'evt_gzip' }));
    const response = await rawRequest(url, {
      headers: {
        'content-type': 'application/json',
        'content-encoding': 'gzip',
        'x-datachonk-signature': sign(SECRET, gz),
      },
      body: gz,
    });
    expect(response.status).toBe(200);
    const [forwarded] = app.requests;
    expect(forwarded!.body.equals(gz)).toBe(true);
    expect(forwarded!.headers['content-encoding']).toBe('gzip');
    expect(forwarded!.headers['x-datachonk-signature']).toBe(sign(SECRET, gz));
    expect(recorder.received[0]).toMatchObject({
      event: 'generation.completed',
      eventId: 'evt_gzip',
      verification: { status: 'valid' },
      bodyBytes: gz.length,
    });
    expect(recorder.received[0]!.payload).toEqual(JSON.parse(event({ id: 'evt_gzip' })));
    await receiver!.close();
    receiver = undefined;
    await journal.close();
    journal = undefined;
    expect(Buffer.from((await readJournal(file)).entries[0]!.request.body, 'base64').equals(gz)).toBe(true);
  });

  it('a decompression bomb gets 413 without being inflated past --max-body, and is not forwarded', async () => {
    app = await startRecordingServer();
    const { url } = await listen({ maxBodyBytes: 64 * 1024 });
    // 16 MB of spaces in about 16 KB: under the limit as sent, far over it decoded.
    const bomb = gzipSync(Buffer.alloc(16 * 1024 * 1024, ' '));
    expect(bomb.length).toBeLessThan(64 * 1024);
    const response = await rawRequest(url, {
      headers: { 'content-encoding': 'gzip', 'x-datachonk-signature': sign(SECRET, bomb) },
      body: bomb,
    });
    expect(response.status).toBe(413);
    expect(JSON.parse(response.body)).toEqual({ error: 'the body decompresses to more than 65536 bytes' });
    expect(recorder.received[0]!.disposition).toMatchObject({ kind: 'rejected', code: 'too-large' });
    expect(app.requests).toHaveLength(0);
  });

  it('a coding the listener cannot undo gets 415 with the ones it can in Accept-Encoding', async () => {
    app = await startRecordingServer();
    const { url } = await listen();
    const body = Buffer.from('(zstd bytes)');
    const response = await rawRequest(url, {
      headers: { 'content-encoding': 'zstd', 'x-datachonk-signature': sign(SECRET, body) },
      body,
    });
    expect(response.status).toBe(415);
    expect(response.headers['accept-encoding']).toBe('gzip, deflate, br');
    expect(app.requests).toHaveLength(0);
  });
});

describe('in flight', () => {
  it('counts a request from its arrival until its answer is sent', async () => {
    let release: () => void = () => {};
    app = await startRecordingServer((_req, res) => (release = () => res.end('{}')));
    const { url } = await listen();
    expect(receiver!.inFlight()).toBe(0);
    const answered = rawRequest(url, signed(event()));
    await app.waitFor(1);
    expect(receiver!.inFlight()).toBe(1);
    release();
    await answered;
    expect(receiver!.inFlight()).toBe(0);
  });
});

describe('journal', () => {
  it("holds each request before it is forwarded, and the app's answer after", async () => {
    const file = join(dir, 'events.ndjson');
    journal = await JournalWriter.open(file);
    let journalWhenForwarded = '';
    app = await startRecordingServer(async (_req, res) => {
      journalWhenForwarded = await readFile(file, 'utf8');
      res.end('{"ok":true}');
    });
    const { url } = await listen({ journal });
    await rawRequest(url, signed(event()));
    await rawRequest(url, { headers: { 'content-type': 'application/json' }, body: event({ id: 'evt_unsigned' }) });
    expect(journalWhenForwarded).toContain('"event_id":"evt_listen1"');
    await receiver!.close();
    receiver = undefined;
    await journal.close();
    journal = undefined;
    const contents = await readJournal(file);
    expect(contents.entries.map((e) => [e.request.event_id, e.request.verification.status])).toEqual([
      ['evt_listen1', 'valid'],
      ['evt_unsigned', 'invalid'],
    ]);
    expect(Buffer.from(contents.entries[0]!.request.body, 'base64').toString()).toBe(event());
    expect(contents.entries[0]!.forwards[0]!.results[0]).toMatchObject({ status: 200, body: '{"ok":true}' });
    expect(contents.entries[1]!.request.response_status).toBe(401);
  });

  it('resend sends the headers the live forward sent: names in their case, in their order, repeats kept', async () => {
    const file = join(dir, 'events.ndjson');
    journal = await JournalWriter.open(file);
    app = await startRecordingServer();
    const { url } = await listen({ journal });
    const body = event();
    await rawRequest(url, {
      headers: {
        'X-Custom-Case': 'One',
        'x-repeat': ['a', 'b'],
        'content-type': 'application/json',
        'x-datachonk-signature': sign(SECRET, body),
      },
      body,
    });
    await receiver!.close();
    receiver = undefined;
    await journal.close();
    journal = undefined;
    const [entry] = (await readJournal(file)).entries;
    const sender = createSender({});
    try {
      await resend(entry!.request, [{ url: app.url }], { timeoutMs: 5000, sender });
    } finally {
      await sender.close();
    }
    const picked = (raw: string[]) =>
      raw.flatMap((v, i) => (i % 2 === 0 && /^x-(custom|repeat)/i.test(v) ? [v, raw[i + 1]!] : []));
    const [live, again] = app.requests;
    expect(picked(live!.rawHeaders)).toEqual(['X-Custom-Case', 'One', 'x-repeat', 'a', 'x-repeat', 'b']);
    expect(picked(again!.rawHeaders)).toEqual(picked(live!.rawHeaders));
  });

  it('holds the requests refused before their body was read too: another path, not a POST, too large', async () => {
    const file = join(dir, 'events.ndjson');
    journal = await JournalWriter.open(file);
    const { url } = await listen({ journal, maxBodyBytes: 64 });
    expect((await rawRequest(url, { method: 'GET' })).status).toBe(405);
    expect((await rawRequest(url.replace('/webhooks/datachonk', '/other'), { body: '{}' })).status).toBe(404);
    expect((await rawRequest(url, { body: 'x'.repeat(100) })).status).toBe(413);
    await receiver!.close();
    receiver = undefined;
    await journal.close();
    journal = undefined;
    const { entries } = await readJournal(file);
    expect(
      entries.map((e) => [
        e.request.method,
        e.request.path,
        e.request.response_status,
        e.request.verification.status,
        e.request.body,
      ]),
    ).toEqual([
      ['GET', '/webhooks/datachonk', 405, 'unchecked', ''],
      ['POST', '/other', 404, 'unchecked', ''],
      ['POST', '/webhooks/datachonk', 413, 'unchecked', ''],
    ]);
    expect(entries.map(isRejected)).toEqual([true, true, true]);
  });

  it('writes the records of one turn together, in order, each commit called back once its line is in the file', async () => {
    const file = join(dir, 'events.ndjson');
    journal = await JournalWriter.open(file);
    const forwards = (rid: string) => ({ type: 'forwards' as const, rid, at: '2026-11-26T00:00:00.000Z', results: [] });
    const seen: string[] = [];
    const committed = (rid: string) =>
      new Promise<void>((resolve, reject) =>
        journal!.commit(forwards(rid), (error) => {
          if (error) return reject(error);
          // The callback runs after the write: the file holds this record already.
          seen.push(`${rid}:${readFileSync(file, 'utf8').includes(`"rid":"${rid}"`)}`);
          resolve();
        }),
      );
    const first = committed('a');
    journal.append(forwards('b'));
    const third = committed('c');
    await Promise.all([first, third]);
    expect(seen.sort()).toEqual(['a:true', 'c:true']);
    const lines = (await readFile(file, 'utf8'))
      .trim()
      .split('\n')
      .map((line) => (JSON.parse(line) as { rid: string }).rid);
    expect(lines).toEqual(['a', 'b', 'c']);
    await journal.close();
    const late = await new Promise<Error | undefined>((resolve) => journal!.commit(forwards('d'), resolve));
    expect(late?.message).toBe('the journal is closed');
    journal = undefined;
  });

  it('skips a torn last line on read', async () => {
    const file = join(dir, 'events.ndjson');
    journal = await JournalWriter.open(file);
    const { url } = await listen({ journal });
    await rawRequest(url, signed(event()));
    await journal.close();
    journal = undefined;
    const { appendFile } = await import('node:fs/promises');
    await appendFile(file, '{"type":"request","rid":"rcv_torn","rece');
    const contents = await readJournal(file);
    expect(contents.entries).toHaveLength(1);
    expect(contents.skipped).toBe(1);
  });

  it('rolls over at its size limit, keeping one older part', async () => {
    const file = join(dir, 'events.ndjson');
    journal = await JournalWriter.open(file, { maxBytes: 2000 });
    const { url } = await listen({ journal });
    for (let i = 0; i < 10; i++) await rawRequest(url, signed(event({ id: `evt_roll${i}` })));
    await journal.close();
    journal = undefined;
    const { stat } = await import('node:fs/promises');
    expect((await stat(`${file}.1`)).size).toBeGreaterThan(0);
    expect((await stat(file)).size).toBeLessThan(4000);
    await expectMode(file, 0o600);
    const ids = (await readJournal(file)).entries.map((e) => e.request.event_id);
    expect(ids.at(-1)).toBe('evt_roll9');
    expect(ids.length).toBeLessThan(10);
  });
});

describe('shutdown', () => {
  it('lets an in-flight forward finish before closing', async () => {
    let release: () => void = () => {};
    app = await startRecordingServer((_req, res) => {
      release = () => res.end('{"late":true}');
    });
    const { url } = await listen();
    const pending = rawRequest(url, signed(event()));
    await app.waitFor(1);
    const closing = receiver!.close();
    receiver = undefined;
    release();
    expect(await pending).toMatchObject({ status: 200, body: '{"late":true}' });
    await closing;
  });

  it('a forward still hanging after the drain time ends: its sender gets a 502 and the journal its outcome', async () => {
    app = await startRecordingServer(() => {});
    journal = await JournalWriter.open(join(dir, 'events.ndjson'));
    const { url } = await listen({ drainTimeoutMs: 50, journal });
    const pending = rawRequest(url, signed(event()));
    await app.waitFor(1);
    await receiver!.close();
    receiver = undefined;
    const answer = await pending;
    expect(answer.status).toBe(502);
    expect(answer.body).toContain(`stopped before ${new URL(app.url).host} answered`);
    await journal.close();
    const [entry] = (await readJournal(join(dir, 'events.ndjson'))).entries;
    // `stopped`, so that events list says why the app never answered.
    expect(entry!.forwards[0]!.results[0]).toMatchObject({
      status: null,
      error: { code: 'stopped', message: expect.stringContaining('stopped before') },
    });
  });

  it('a busy port is a clear failure', async () => {
    const first = await listen();
    await expect(
      startReceiver(
        {
          host: '127.0.0.1',
          port: first.port,
          path: '/x',
          secrets: [SECRET],
          skipVerify: false,
          targets: [],
          forwardTimeoutMs: 1000,
          maxBodyBytes: 100,
          requestTimeoutMs: 1000,
          drainTimeoutMs: 100,
          now: () => new Date(),
          monotonic: () => performance.now(),
        },
        recorder.reporter,
      ),
    ).rejects.toMatchObject({ code: 'port-in-use', facts: { port: first.port, server: 'listener' } });
  });
});

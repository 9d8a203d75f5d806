import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startSampleReceiver, type RunningApp } from '../../src/commands/demo/sample-receiver.js';
import { loadFixture } from '../../src/core/events/payload.js';
import { sign } from '../../src/core/signing/signature.js';
import { rawRequest } from '../helpers/raw-http.js';

// The sample receiver shipped in the package (examples/receiver.mjs), the one the README shows and
// `datachonk demo` runs: checked against the real signer. Run as a program, in test/e2e/demo-cli.test.ts.

const SECRET = 'whsec_sample_receiver';
const body = async (id = 'evt_sample1') => JSON.stringify({ ...(await loadFixture('generation.completed')), id });

let app: RunningApp;
let logged: string[];
beforeEach(async () => {
  logged = [];
  app = await startSampleReceiver({ secret: SECRET, log: (line) => logged.push(line) });
});
afterEach(() => app.close());

const post = (payload: string | Buffer, signature?: string, url = app.url) =>
  rawRequest(url, {
    headers: {
      'content-type': 'application/json',
      ...(signature === undefined ? {} : { 'x-datachonk-signature': signature }),
    },
    body: payload,
  });

describe('the sample receiver', () => {
  it('answers 200 {"received":true} to an event signed with its secret, and logs it', async () => {
    const payload = await body();
    const answer = await post(payload, sign(SECRET, payload));
    expect(answer).toMatchObject({ status: 200, body: '{"received":true}' });
    expect(answer.headers['content-type']).toBe('application/json');
    expect(logged).toEqual(['generation.completed evt_sample1: verified, handled']);
  });

  it('verifies the raw bytes: a body that is not JavaScript-serialized JSON still verifies', async () => {
    const payload = Buffer.from('{ "id" : "evt_spaced", "event" : "chonk.created", "note": "caf\u00e9" }\n');
    const answer = await post(payload, sign(SECRET, payload));
    expect(answer.status).toBe(200);
    expect(logged).toEqual(['chonk.created evt_spaced: verified, handled']);
  });

  it('answers 401 to a signature made with another secret, and to a body changed after signing', async () => {
    const payload = await body();
    expect((await post(payload, sign('whsec_other', payload))).status).toBe(401);
    const tampered = payload.replace('dim_customers', 'dim_customerz');
    expect((await post(tampered, sign(SECRET, payload))).status).toBe(401);
    expect(logged).toEqual([]);
  });

  it.each<[string, (payload: string) => string | undefined]>([
    ['missing', () => undefined],
    ['empty', () => ''],
    ['short', () => 'sha256=abc'],
    ['without its prefix', (payload) => sign(SECRET, payload).slice('sha256='.length)],
    ['in uppercase hex', (payload) => sign(SECRET, payload).replace(/[a-f]/g, (d) => d.toUpperCase())],
    // One of these two arrives as long as a right one in characters but longer in bytes (how an é
    // travels depends on the client: Node's sends it as UTF-8 with a body, the server reads Latin-1),
    // where a comparison of string lengths would let timingSafeEqual throw.
    ['non-ASCII, of 71 characters', () => `sha256=\u00e9${'0'.repeat(63)}`],
    ['non-ASCII, of 70 characters', () => `sha256=\u00e9${'0'.repeat(62)}`],
    ['all non-ASCII', () => '\u00ff'.repeat(71)],
  ])('answers 401 to a signature header that is %s, and keeps answering', async (_what, header) => {
    const payload = await body();
    const answer = await post(payload, header(payload));
    expect(answer).toMatchObject({ status: 401, body: '{"error":"invalid signature"}' });
    expect((await post(payload, sign(SECRET, payload))).status).toBe(200);
  });

  it('answers 200 to a repeated delivery of an event without handling it again', async () => {
    const payload = await body('evt_twice');
    const signature = sign(SECRET, payload);
    const answers = [await post(payload, signature), await post(payload, signature)];
    expect(answers.map((a) => [a.status, a.body])).toEqual([
      [200, '{"received":true}'],
      [200, '{"received":true}'],
    ]);
    expect(logged).toEqual([
      'generation.completed evt_twice: verified, handled',
      'generation.completed evt_twice: a repeat, already handled',
    ]);
  });

  it('answers 400 to a signed body that is not JSON, or is JSON without an event id', async () => {
    for (const payload of ['not json', '{"id":', '', 'null', '[]', '{"event":"generation.completed"}']) {
      const answer = await post(payload, sign(SECRET, payload));
      expect(answer.status, payload).toBe(400);
    }
    expect(logged).toEqual([]);
  });

  it('checks the signature before it reads the body: an unsigned body that is not JSON gets 401', async () => {
    expect((await post('not json', sign('whsec_other', 'not json'))).status).toBe(401);
    expect((await post('not json')).status).toBe(401);
  });

  it('answers 404 at another path, or to another method', async () => {
    const payload = await body();
    expect(
      (await post(payload, sign(SECRET, payload), app.url.replace('/webhooks/datachonk', '/webhooks'))).status,
    ).toBe(404);
    expect((await rawRequest(app.url, { method: 'GET' })).status).toBe(404);
    expect(logged).toEqual([]);
  });
});

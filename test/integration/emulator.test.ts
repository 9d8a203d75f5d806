import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ApiClient } from '../../src/core/api/client.js';
import type { Delivery } from '../../src/core/api/schemas.js';
import { WebhooksApi } from '../../src/core/api/webhooks.js';
import { EMIT_PATH, startEmulator, type Emulator, type EmulatorOptions } from '../../src/emulator/server.js';
import { loadFixture, type JsonObject } from '../../src/core/events/payload.js';
import { parseJson, stringifyJson } from '../../src/core/lossless-json.js';
import { verify } from '../../src/core/signing/signature.js';
import { datachonkHeaders, startRecordingServer } from '../helpers/recording-server.js';
import { startSampleReceiver, type SampleReceiver } from '../helpers/doc-sample-receiver.js';
import { z } from 'zod';
import { failureWords } from '../helpers/program.js';
import { expectMode } from '../helpers/platform.js';

let dir: string;
let emulator: Emulator | undefined;
let receiver: SampleReceiver | undefined;
let attempts: Delivery[];
let waiters: { count: number; resolve: () => void }[];

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'datachonk-emulator-'));
  attempts = [];
  waiters = [];
});
afterEach(async () => {
  await emulator?.close();
  await receiver?.close();
  emulator = undefined;
  receiver = undefined;
  await rm(dir, { recursive: true, force: true });
});

async function start(options: Partial<EmulatorOptions> = {}): Promise<Emulator> {
  emulator = await startEmulator(
    {
      host: '127.0.0.1',
      port: 0,
      dataFile: join(dir, 'emulator.json'),
      retrySchedule: [20, 20, 20],
      deliveryTimeoutMs: 2000,
      version: 'test',
      now: () => new Date(),
      monotonic: () => performance.now(),
      ...options,
    },
    {
      request() {},
      attempt(delivery) {
        attempts.push(delivery);
        for (const w of waiters.filter((x) => attempts.length >= x.count)) w.resolve();
      },
    },
  );
  return emulator;
}

/** Resolves once the emulator has made `count` delivery attempts in all. */
const attemptsReach = (count: number) =>
  new Promise<void>((resolve) => {
    if (attempts.length >= count) resolve();
    else waiters.push({ count, resolve });
  });

const client = (url: string, apiKey = 'dck_any') =>
  new ApiClient({ baseUrl: url, apiKey, userAgent: 'test', maxRetries: 0 });
const emitResult = z.object({ event_id: z.string(), deliveries: z.array(z.unknown()) });

async function emit(url: string, event: 'generation.completed' | 'chonk.created') {
  const payload = { ...(await loadFixture(event)), id: `evt_${Math.random().toString(36).slice(2)}` };
  const c = client(url);
  try {
    return await c.request('POST', EMIT_PATH.replace('/v1/', ''), emitResult, payload);
  } finally {
    await c.close();
  }
}

describe('the API emulator', () => {
  it('offline loop: registrations survive a restart, deliveries verify at the doc sample receiver', async () => {
    const secret = 'whsec_emulated';
    receiver = await startSampleReceiver(secret);
    const first = await start();
    const api = new WebhooksApi(client(first.url));
    const created = await api.create({
      url: receiver.url,
      events: ['generation.completed'],
      secret,
      description: 'sample',
    });
    expect(created).not.toHaveProperty('secret');
    await expectMode(join(dir, 'emulator.json'), 0o600);
    await first.close();

    const second = await start({ port: first.port });
    const again = new WebhooksApi(client(second.url));
    expect((await again.list()).map((w) => w.id)).toEqual([created.id]);

    await emit(second.url, 'generation.completed');
    expect(receiver.accepted.map((e) => e.event)).toEqual(['generation.completed']);
    expect(receiver.rejected).toBe(0);

    const unsubscribed = await emit(second.url, 'chonk.created');
    expect(unsubscribed.deliveries).toHaveLength(0);
    expect(receiver.accepted).toHaveLength(1);
  });

  it('a receiver failing twice gets the third attempt, and nothing after the first success', async () => {
    receiver = await startSampleReceiver('whsec_r');
    receiver.failWith = 500;
    const e = await start();
    const api = new WebhooksApi(client(e.url));
    const { id } = await api.create({ url: receiver.url, events: ['generation.completed'], secret: 'whsec_r' });
    await emit(e.url, 'generation.completed');
    await attemptsReach(2);
    receiver.failWith = undefined;
    await attemptsReach(3);
    const deliveries = await api.deliveries(id);
    expect(deliveries.map((d) => [d.attempt, d.status, d.ok])).toEqual([
      [1, 500, false],
      [2, 500, false],
      [3, 200, true],
    ]);
    expect(deliveries[2]!.next_retry_at).toBeNull();
    expect(receiver.accepted).toHaveLength(3);
    expect(new Set(receiver.accepted.map((a) => a.body.id)).size).toBe(1);
  });

  it('a webhook deleted while its delivery waits for a retry gets no more attempts', async () => {
    receiver = await startSampleReceiver('whsec_r');
    receiver.failWith = 500;
    // The first retry waits long enough for the delete to land before it.
    const e = await start({ retrySchedule: [500, 20, 20] });
    const api = new WebhooksApi(client(e.url));
    const doomed = await api.create({ url: receiver.url, events: ['generation.completed'], secret: 'whsec_r' });
    // A witness on the same schedule: once its retries are done, the doomed one's would have been too.
    const witness = await api.create({ url: receiver.url, events: ['generation.completed'], secret: 'whsec_r' });
    await emit(e.url, 'generation.completed');
    await api.delete(doomed.id);
    await attemptsReach(2 + 3);
    expect(attempts.filter((a) => a.webhook_id === doomed.id).map((a) => a.attempt)).toEqual([1]);
    expect(attempts.filter((a) => a.webhook_id === witness.id).map((a) => a.attempt)).toEqual([1, 2, 3, 4]);
  });

  it('disabled webhooks get nothing; a required --api-key refuses others with 401', async () => {
    receiver = await startSampleReceiver('whsec_d');
    const e = await start({ apiKey: 'dck_only' });
    expect((await failureWords(new WebhooksApi(client(e.url, 'dck_other')).list())).message).toContain(
      'the API key was refused',
    );
    const api = new WebhooksApi(client(e.url, 'dck_only'));
    const { id } = await api.create({ url: receiver.url, events: ['generation.completed'], secret: 'whsec_d' });
    await api.update(id, { status: 'disabled' });
    const c = new ApiClient({ baseUrl: e.url, apiKey: 'dck_only', userAgent: 't' });
    const result = await c.request('POST', '_emulator/events', emitResult, await loadFixture('generation.completed'));
    await c.close();
    expect(result.deliveries).toHaveLength(0);
  });

  it('emits and delivers numbers as typed: a big integer reaches the webhook with its digits, signed over them, with only the documented headers', async () => {
    const app = await startRecordingServer();
    try {
      const e = await start();
      const api = new WebhooksApi(client(e.url));
      await api.create({ url: app.url, events: ['generation.completed'], secret: 'whsec_big' });
      const payload: JsonObject = { ...(await loadFixture('generation.completed')), id: 'evt_big' };
      (payload.data as JsonObject).external_ref = parseJson('12345678901234567890');
      const c = client(e.url);
      await c.request('POST', EMIT_PATH.replace('/v1/', ''), emitResult, payload).finally(() => c.close());
      const [delivered] = await app.waitFor(1);
      const body = delivered!.body.toString('utf8');
      expect(body).toContain('"external_ref":12345678901234567890}');
      expect(body).toBe(stringifyJson(payload));
      expect(verify('whsec_big', delivered!.body, delivered!.headers['x-datachonk-signature'])).toMatchObject({
        ok: true,
      });
      // The headers DataChonk documents, and no x-datachonk-event (the event type is the body's `event`).
      expect(delivered!.headers['content-type']).toBe('application/json');
      expect(datachonkHeaders(delivered!)).toEqual(['x-datachonk-signature']);
    } finally {
      await app.close();
    }
  });

  it('validates registrations like an API would', async () => {
    const e = await start();
    const api = new WebhooksApi(client(e.url));
    expect(await failureWords(api.create({ url: 'not a url', events: ['nope'], secret: '' }))).toMatchObject({
      message: expect.stringMatching(/url: must be an http/),
    });
    expect((await failureWords(api.get('wh_missing'))).message).toContain('webhook wh_missing not found');
  });
});

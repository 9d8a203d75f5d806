import { appendFile, mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { ApiClient } from '../../src/core/api/client.js';
import type { Delivery } from '../../src/core/api/schemas.js';
import { WebhooksApi } from '../../src/core/api/webhooks.js';
import { loadFixture } from '../../src/core/events/payload.js';
import { verify } from '../../src/core/signing/signature.js';
import type { ChaosSpec } from '../../src/emulator/chaos.js';
import type { Timers } from '../../src/emulator/deliveries.js';
import { DeliveryHistory } from '../../src/emulator/history.js';
import { chaosPath, EMIT_PATH, startEmulator, type Emulator, type EmulatorOptions } from '../../src/emulator/server.js';
import { expectMode } from '../helpers/platform.js';
import { startRecordingServer, type RecordingServer } from '../helpers/recording-server.js';

// Chaos delivery (issue 15, item 5), each kind with a scripted random source, so that what chaos does
// is decided by the test; a delay is seen in the order of arrival, never timed.

const SECRET = 'whsec_chaos';
let dir: string;
let emulator: Emulator | undefined;
let apps: RecordingServer[];
let clients: ApiClient[];
let attempts: Delivery[];
let warnings: string[];
/** Resolved when what they wait for has happened: checked at each attempt and each warning. */
let waiters: { ready: () => boolean; resolve: () => void }[];

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'datachonk-chaos-'));
  apps = [];
  clients = [];
  attempts = [];
  warnings = [];
  waiters = [];
});
afterEach(async () => {
  await Promise.all(clients.map((c) => c.close()));
  await emulator?.close();
  emulator = undefined;
  await Promise.all(apps.map((a) => a.close()));
  await rm(dir, { recursive: true, force: true });
});

/** Numbers for the chaos, in the order the emulator draws them; then 0.99 (no chaos at any chance below it). */
function scripted(...values: number[]): () => number {
  return () => values.shift() ?? 0.99;
}

/** Timers the test fires: nothing is due until it says so. */
function manualTimers() {
  const pending: { ms: number; run: () => void; handle: object }[] = [];
  const timers: Timers = {
    set(run, ms) {
      const handle = {};
      pending.push({ ms, run, handle });
      return handle;
    },
    clear(handle) {
      const at = pending.findIndex((p) => p.handle === handle);
      if (at >= 0) pending.splice(at, 1);
    },
  };
  /** Fires the pending timer that is due first, and says after how long it was due. */
  const fireNext = () => {
    const next = [...pending].sort((a, b) => a.ms - b.ms)[0]!;
    pending.splice(pending.indexOf(next), 1);
    next.run();
    return next.ms;
  };
  return { timers, pending, fireNext };
}

async function start(options: Partial<EmulatorOptions> = {}): Promise<Emulator> {
  emulator = await startEmulator(
    {
      host: '127.0.0.1',
      port: 0,
      dataFile: join(dir, 'emulator.json'),
      historyFile: join(dir, 'emulator-deliveries.ndjson'),
      retrySchedule: [20, 20],
      deliveryTimeoutMs: 2000,
      version: 'test',
      now: () => new Date(),
      monotonic: () => performance.now(),
      holdMs: 600_000,
      ...options,
    },
    {
      request() {},
      attempt: (delivery) => {
        attempts.push(delivery);
        settle();
      },
      historyUnwritable: ({ detail }) => {
        warnings.push(detail);
        settle();
      },
    },
  );
  return emulator;
}

function client(e: Emulator): ApiClient {
  const c = new ApiClient({ baseUrl: e.url, apiKey: 'dck_chaos', userAgent: 'test', maxRetries: 0 });
  clients.push(c);
  return c;
}

async function app(): Promise<RecordingServer> {
  const started = await startRecordingServer();
  apps.push(started);
  return started;
}

/** A webhook for generation.completed at `to`, signed with SECRET. */
async function subscribe(e: Emulator, to: RecordingServer): Promise<string> {
  return (await new WebhooksApi(client(e)).create({ url: to.url, events: ['generation.completed'], secret: SECRET }))
    .id;
}

const emitted = z.object({
  event_id: z.string(),
  deliveries: z.array(z.looseObject({ chaos: z.array(z.string()).optional() })),
  deferred: z.array(z.object({ webhook_id: z.string(), chaos: z.array(z.string()), delay_ms: z.number().optional() })),
});

/** Emits generation.completed with this id, as `emulator emit` does. */
async function emit(e: Emulator, id: string) {
  return client(e).request('POST', EMIT_PATH.replace('/v1/', ''), emitted, {
    ...(await loadFixture('generation.completed')),
    id,
  });
}

const ids = (server: RecordingServer) =>
  server.requests.map((r) => (JSON.parse(r.body.toString('utf8')) as { id: string }).id);
const signedWithSecret = (server: RecordingServer) =>
  server.requests.map((r) => verify(SECRET, r.body, r.headers['x-datachonk-signature']));
const history = (e: Emulator, id: string) => new WebhooksApi(client(e)).deliveries(id);

describe('chaos delivery', () => {
  it('duplicate: the same event arrives twice, the same bytes each time, each signed; the history says which is the copy', async () => {
    const e = await start({ chaos: { duplicate: 0.5 }, random: scripted(0.2, 0.7) });
    const to = await app();
    const id = await subscribe(e, to);
    const first = await emit(e, 'evt_twice');
    await emit(e, 'evt_once');
    await to.waitFor(3);
    expect(ids(to)).toEqual(['evt_twice', 'evt_twice', 'evt_once']);
    expect(to.requests[0]!.body.equals(to.requests[1]!.body)).toBe(true);
    expect(signedWithSecret(to)).toEqual(Array(3).fill({ ok: true, secretIndex: 0 }));
    expect(first.deliveries.map((d) => d.chaos)).toEqual([undefined, ['duplicate']]);
    expect((await history(e, id)).map((d) => [d.event_id, d.ok, d.chaos])).toEqual([
      ['evt_twice', true, undefined],
      ['evt_twice', true, ['duplicate']],
      ['evt_once', true, undefined],
    ]);
  });

  it('reorder: an event held back arrives after the next one, which is not held itself', async () => {
    const e = await start({ chaos: { reorder: 0.5 }, random: scripted(0.1) });
    const to = await app();
    const id = await subscribe(e, to);
    const held = await emit(e, 'evt_first');
    expect(held).toMatchObject({ deliveries: [], deferred: [{ webhook_id: id, chaos: ['reorder'] }] });
    await emit(e, 'evt_second');
    await to.waitFor(2);
    expect(ids(to)).toEqual(['evt_second', 'evt_first']);
    expect(signedWithSecret(to)).toEqual(Array(2).fill({ ok: true, secretIndex: 0 }));
    expect((await history(e, id)).map((d) => [d.event_id, d.chaos])).toEqual([
      ['evt_second', undefined],
      ['evt_first', ['reorder']],
    ]);
  });

  it('reorder: an event held back with no event after it goes when its hold is over', async () => {
    const clock = manualTimers();
    const e = await start({ chaos: { reorder: 1 }, random: scripted(0), timers: clock.timers, holdMs: 5000 });
    const to = await app();
    await subscribe(e, to);
    await emit(e, 'evt_alone');
    expect(to.requests).toHaveLength(0);
    expect(clock.fireNext()).toBe(5000);
    await to.waitFor(1);
    expect(ids(to)).toEqual(['evt_alone']);
  });

  it('delay: each first attempt waits for its draw from the range; the shorter delay arrives first', async () => {
    const clock = manualTimers();
    const e = await start({
      chaos: { delay: { min_ms: 100, max_ms: 2100 } },
      random: scripted(0.95, 0),
      timers: clock.timers,
    });
    const to = await app();
    const id = await subscribe(e, to);
    expect((await emit(e, 'evt_late')).deferred).toEqual([{ webhook_id: id, chaos: ['delay'], delay_ms: 2000 }]);
    expect((await emit(e, 'evt_soon')).deferred).toEqual([{ webhook_id: id, chaos: ['delay'], delay_ms: 100 }]);
    // Nothing goes before its delay is over.
    expect(to.requests).toHaveLength(0);
    expect(clock.fireNext()).toBe(100);
    await to.waitFor(1);
    expect(clock.fireNext()).toBe(2000);
    await to.waitFor(2);
    expect(ids(to)).toEqual(['evt_soon', 'evt_late']);
    expect(signedWithSecret(to)).toEqual(Array(2).fill({ ok: true, secretIndex: 0 }));
    expect((await history(e, id)).map((d) => [d.event_id, d.chaos, d.delay_ms])).toEqual([
      ['evt_soon', ['delay'], 100],
      ['evt_late', ['delay'], 2000],
    ]);
  });

  it("fail: the emulator's own attempt fails (a 503, nothing sent), is recorded, and the retry reaches the app", async () => {
    const e = await start({ chaos: { fail: 0.5 }, random: scripted(0.3, 0.8) });
    const to = await app();
    const id = await subscribe(e, to);
    const result = await emit(e, 'evt_retried');
    expect(result.deliveries).toMatchObject([
      { attempt: 1, status: 503, ok: false, chaos: ['fail'], next_retry_at: expect.any(String) },
    ]);
    await to.waitFor(1);
    await until(() => attempts.length === 2);
    expect(ids(to)).toEqual(['evt_retried']);
    expect(signedWithSecret(to)).toEqual([{ ok: true, secretIndex: 0 }]);
    expect((await history(e, id)).map((d) => [d.attempt, d.status, d.ok, d.chaos])).toEqual([
      [1, 503, false, ['fail']],
      [2, 200, true, undefined],
    ]);
  });

  it('timeout: the attempt reaches the app but counts as a timeout, so the app gets the event again', async () => {
    const e = await start({ chaos: { timeout: 0.5 }, random: scripted(0.3, 0.8) });
    const to = await app();
    const id = await subscribe(e, to);
    await emit(e, 'evt_again');
    await to.waitFor(2);
    await until(() => attempts.length === 2);
    expect(ids(to)).toEqual(['evt_again', 'evt_again']);
    expect(signedWithSecret(to)).toEqual(Array(2).fill({ ok: true, secretIndex: 0 }));
    const [timedOut, retried] = await history(e, id);
    expect(timedOut).toMatchObject({
      attempt: 1,
      status: null,
      ok: false,
      chaos: ['timeout'],
      error: expect.stringContaining('200'),
    });
    expect(retried).toMatchObject({ attempt: 2, status: 200, ok: true });
  });

  it("per webhook: a webhook's own chaos replaces the emulator's, \"none\" ({}) turns it off, null follows the emulator's again; kept across a restart", async () => {
    const first = await start({ chaos: { duplicate: 1 }, random: scripted() });
    const [calm, wild] = [await app(), await app()];
    const calmId = await subscribe(first, calm);
    const wildId = await subscribe(first, wild);
    const put = (e: Emulator, id: string, chaos: ChaosSpec | null) =>
      client(e).request('PUT', chaosPath(id).replace('/v1/', ''), z.unknown(), { chaos });
    expect(await put(first, calmId, {})).toEqual({ webhook_id: calmId, chaos: {}, emulator_chaos: { duplicate: 1 } });
    await put(first, wildId, { duplicate: 1, reorder: 0 });
    await first.close();

    const second = await start({ port: first.port, chaos: undefined, random: scripted() });
    await emit(second, 'evt_1');
    await wild.waitFor(2);
    expect([ids(calm), ids(wild)]).toEqual([['evt_1'], ['evt_1', 'evt_1']]);

    await put(second, wildId, null);
    await emit(second, 'evt_2');
    await until(() => attempts.length === 5);
    expect([ids(calm), ids(wild)]).toEqual([
      ['evt_1', 'evt_2'],
      ['evt_1', 'evt_1', 'evt_2'],
    ]);
  });

  it('per webhook: bad chaos is refused like any bad request, and an unknown webhook is a 404', async () => {
    const e = await start();
    const id = await subscribe(e, await app());
    const put = (path: string, body: unknown) =>
      fetch(`${e.url.replace(/\/v1$/, '')}${path}`, {
        method: 'PUT',
        headers: { authorization: 'Bearer k', 'content-type': 'application/json' },
        body: JSON.stringify(body),
      }).then(async (r) => ({ status: r.status, body: (await r.json()) as unknown }));
    expect(await put(chaosPath(id), { chaos: { duplicate: 2 } })).toMatchObject({
      status: 400,
      body: { error: { details: { 'chaos.duplicate': expect.any(String) } } },
    });
    expect(await put(chaosPath(id), { chaos: { delay: { min_ms: 5, max_ms: 1 } } })).toMatchObject({ status: 400 });
    expect(await put(chaosPath('wh_none'), { chaos: null })).toMatchObject({
      status: 404,
      body: { error: { message: 'webhook wh_none not found' } },
    });
  });
});

describe('the delivery history', () => {
  it("persists to a 0600 file and is there again after a restart, without the deleted webhooks'", async () => {
    const first = await start({ retrySchedule: [] });
    const to = await app();
    const kept = await subscribe(first, to);
    const deleted = await subscribe(first, to);
    await emit(first, 'evt_before_restart');
    await new WebhooksApi(client(first)).delete(deleted);
    await first.close();
    await expectMode(join(dir, 'emulator-deliveries.ndjson'), 0o600);

    const second = await start({ port: first.port });
    expect((await history(second, kept)).map((d) => [d.event_id, d.status])).toEqual([['evt_before_restart', 200]]);
    await second.close();
    emulator = undefined;
    const lines = (await readFile(join(dir, 'emulator-deliveries.ndjson'), 'utf8')).trim().split('\n');
    expect(lines.map((l) => (JSON.parse(l) as Delivery).webhook_id)).toEqual([kept]);
  });

  it('keeps the last attempts of each webhook: the file is rewritten with only those, and a torn line is skipped', async () => {
    const file = join(dir, 'deliveries.ndjson');
    const options = { keepPerWebhook: 3, compactEvery: 4, known: () => true, onWriteError: () => {} };
    const written = await DeliveryHistory.open(file, options);
    for (let n = 1; n <= 10; n++) {
      written.record({
        id: `dlv_${n}`,
        webhook_id: 'wh_1',
        event_id: `evt_${n}`,
        event: 'x',
        attempt: 1,
        at: new Date(n).toISOString(),
        status: 200,
        ok: true,
        latency_ms: 1,
      });
      // One at a time, as attempts come: each is appended, and every fourth line the file is rewritten.
      await written.settled();
      expect((await readFile(file, 'utf8')).trim().split('\n').length).toBeLessThanOrEqual(3 + 4);
    }
    // A crash in the middle of a line.
    await appendFile(file, '{"id":"dlv_torn","webhook');
    expect((await DeliveryHistory.open(file, options)).of('wh_1').map((d) => d.id)).toEqual([
      'dlv_8',
      'dlv_9',
      'dlv_10',
    ]);
  });

  it('a history file that cannot be written is said once, and the history goes on in memory', async () => {
    const e = await start({ retrySchedule: [] });
    const to = await app();
    const id = await subscribe(e, to);
    // Where the file would be, a folder: appending to it fails.
    await mkdir(join(dir, 'emulator-deliveries.ndjson'));
    await emit(e, 'evt_1');
    await until(() => warnings.length > 0);
    await emit(e, 'evt_2');
    expect((await history(e, id)).map((d) => d.event_id)).toEqual(['evt_1', 'evt_2']);
    expect(warnings).toHaveLength(1);
  });
});

function settle(): void {
  for (const waiter of waiters.filter((w) => w.ready())) {
    waiters.splice(waiters.indexOf(waiter), 1);
    waiter.resolve();
  }
}

/** Resolves once `ready` holds: at once, or at the attempt or warning that makes it so. */
function until(ready: () => boolean): Promise<void> {
  if (ready()) return Promise.resolve();
  return new Promise((resolve) => waiters.push({ ready, resolve }));
}

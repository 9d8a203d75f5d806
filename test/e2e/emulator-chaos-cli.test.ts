import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadFixture } from '../../src/core/events/payload.js';
import { verify } from '../../src/core/signing/signature.js';
import { seededRandom } from '../../src/core/seeded-random.js';
import { cliPaths, homePerTest, runCli, runCliWatchingForPrompt, startCli } from '../helpers/cli.js';
import { expectMode } from '../helpers/platform.js';
import { startRecordingServer, type RecordingServer } from '../helpers/recording-server.js';

// Chaos delivery and the persistent delivery history (issue 15, item 5), with the built binary: the
// emulator started as a user would, webhooks made and events emitted with the CLI.

const t = homePerTest('datachonk-e2e-chaos-');
const SECRET = 'whsec_chaos_e2e';

interface Delivery {
  event_id: string;
  attempt: number;
  status: number | null;
  ok: boolean;
  chaos?: string[];
  delay_ms?: number;
}

/** An emulator started with `args`, and the environment that points the CLI at it. */
async function emulator(
  args: string[],
): Promise<{ env: Record<string, string>; stderr: string; stop: () => Promise<number | null> }> {
  const started = t.started(await startCli(['emulator', 'start', '--port', '0', ...args], { home: t.home }));
  const env = {
    DATACHONK_API_URL: /emulator on (http:\/\/\S+)/.exec(started.stderr())![1]!,
    DATACHONK_API_KEY: 'dck_e2e_chaos',
  };
  return { env, stderr: started.stderr(), stop: () => started.stop('SIGINT') };
}

async function cli(args: string[], env: Record<string, string>): Promise<string> {
  const result = await runCli(args, { home: t.home, env });
  expect(result.code, result.stderr).toBe(0);
  return result.stdout;
}

/** A webhook for generation.completed at the app; its id. */
const subscribe = async (env: Record<string, string>, app: RecordingServer) =>
  (
    await cli(
      ['--quiet', 'webhooks', 'create', '--url', app.url, '--events', 'generation.completed', '--secret', SECRET],
      env,
    )
  ).trim();
/** Emits generation.completed with this id. */
const emit = (env: Record<string, string>, id: string) =>
  cli(['emulator', 'emit', 'generation.completed', '--set', `id=${id}`], env);
async function emitOverHttp(env: Record<string, string>, id: string): Promise<void> {
  const response = await fetch(`${env.DATACHONK_API_URL}/_emulator/events`, {
    method: 'POST',
    headers: { authorization: `Bearer ${env.DATACHONK_API_KEY}`, 'content-type': 'application/json' },
    body: JSON.stringify({ ...(await loadFixture('generation.completed')), id }),
  });
  expect(response.status).toBe(202);
  await response.arrayBuffer();
}
const deliveries = async (env: Record<string, string>, webhook: string) =>
  (await cli(['--json', 'webhooks', 'deliveries', webhook], env))
    .trim()
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as Delivery);

const ids = (app: RecordingServer) =>
  app.requests.map((r) => (JSON.parse(r.body.toString('utf8')) as { id: string }).id);
const allSigned = (app: RecordingServer) =>
  app.requests.every((r) => verify(SECRET, r.body, r.headers['x-datachonk-signature']).ok);

/** The first seed whose first two numbers are below and then above one half: attempt 1 has the chaos, attempt 2 not. */
function seedForOnceThenNot(): number {
  for (let seed = 0; ; seed++) {
    const random = seededRandom(seed);
    if (random() < 0.5 && random() >= 0.5) return seed;
  }
}

describe('emulator delivery history (the built binary)', () => {
  it('persists across a restart: webhooks deliveries still lists what was delivered before', async () => {
    const app = t.opened(await startRecordingServer());
    const first = await emulator([]);
    const webhook = await subscribe(first.env, app);
    await emit(first.env, 'evt_before_restart');
    expect(await first.stop()).toBe(0);
    await expectMode(join(cliPaths(t.home).stateDir, 'emulator-deliveries.ndjson'), 0o600);

    const second = await emulator([]);
    expect(second.stderr).toContain(`History:       ${join(cliPaths(t.home).stateDir, 'emulator-deliveries.ndjson')}`);
    expect((await deliveries(second.env, webhook)).map((d) => [d.event_id, d.status])).toEqual([
      ['evt_before_restart', 200],
    ]);
    expect(await cli(['webhooks', 'deliveries', webhook], second.env)).toContain('evt_before_restart');
  });
});

describe('emulator chaos (the built binary)', () => {
  it('--chaos duplicate=1: every event arrives twice, signed, and the seed in use is printed', async () => {
    const app = t.opened(await startRecordingServer());
    const { env, stderr } = await emulator(['--memory', '--chaos', 'duplicate=1', '--chaos-seed', '42']);
    expect(stderr).toContain('Chaos:         duplicate=1 (seed 42: --chaos-seed 42 repeats it)');
    const webhook = await subscribe(env, app);
    await emit(env, 'evt_dup');
    await app.waitFor(2);
    expect(ids(app)).toEqual(['evt_dup', 'evt_dup']);
    expect(allSigned(app)).toBe(true);
    expect((await deliveries(env, webhook)).map((d) => d.chaos)).toEqual([undefined, ['duplicate']]);
  });

  it('--chaos reorder=1: an event is held back behind the next one', async () => {
    const app = t.opened(await startRecordingServer());
    const { env } = await emulator(['--memory', '--chaos', 'reorder=1']);
    await subscribe(env, app);
    expect(await emit(env, 'evt_first')).toContain('held back until the next event to it has gone (chaos: reorder)');
    // At once, well within the hold (5 s), whatever the load on the machine: not another process to start.
    await emitOverHttp(env, 'evt_second');
    await app.waitFor(2);
    expect(ids(app)).toEqual(['evt_second', 'evt_first']);
    expect(allSigned(app)).toBe(true);
  });

  it('--chaos delay=1ms-40ms: the first attempt waits a delay from the range, recorded in the history', async () => {
    const app = t.opened(await startRecordingServer());
    const { env } = await emulator(['--memory', '--chaos', 'delay=1ms-40ms']);
    const webhook = await subscribe(env, app);
    expect(await emit(env, 'evt_late')).toMatch(/delayed \(chaos: delay \d+ms\)/);
    await app.waitFor(1);
    const [delivery] = await deliveries(env, webhook);
    expect(delivery).toMatchObject({ event_id: 'evt_late', ok: true, chaos: ['delay'] });
    expect(delivery!.delay_ms).toBeGreaterThanOrEqual(1);
    expect(delivery!.delay_ms).toBeLessThanOrEqual(40);
  });

  it("--chaos fail=0.5: a failure on the emulator's side is recorded, and its retry reaches the app", async () => {
    const app = t.opened(await startRecordingServer());
    const { env } = await emulator([
      '--memory',
      '--chaos',
      'fail=0.5',
      '--chaos-seed',
      String(seedForOnceThenNot()),
      '--retry-schedule',
      '10ms',
    ]);
    const webhook = await subscribe(env, app);
    expect(await emit(env, 'evt_retried')).toMatch(/attempt 1: \[503\].*retrying at .*chaos: fail/);
    await app.waitFor(1);
    expect(ids(app)).toEqual(['evt_retried']);
    expect(allSigned(app)).toBe(true);
    const history = await runCli(['webhooks', 'deliveries', webhook], { home: t.home, env });
    expect(history.stdout).toMatch(/CHAOS/);
    expect((await deliveries(env, webhook)).map((d) => [d.attempt, d.status, d.chaos])).toEqual([
      [1, 503, ['fail']],
      [2, 200, undefined],
    ]);
  });

  it('--chaos timeout=0.5: the app gets the event, the emulator counts a timeout and sends it again', async () => {
    const app = t.opened(await startRecordingServer());
    const { env } = await emulator([
      '--memory',
      '--chaos',
      'timeout=0.5',
      '--chaos-seed',
      String(seedForOnceThenNot()),
      '--retry-schedule',
      '10ms',
    ]);
    const webhook = await subscribe(env, app);
    await emit(env, 'evt_twice');
    await app.waitFor(2);
    expect(ids(app)).toEqual(['evt_twice', 'evt_twice']);
    expect(allSigned(app)).toBe(true);
    expect((await deliveries(env, webhook)).map((d) => [d.attempt, d.status, d.chaos])).toEqual([
      [1, null, ['timeout']],
      [2, 200, undefined],
    ]);
  });

  it('emulator chaos <id>: one webhook gets chaos of its own, and "default" gives it the emulator\'s again', async () => {
    const [wild, calm] = [t.opened(await startRecordingServer()), t.opened(await startRecordingServer())];
    const { env } = await emulator(['--memory']);
    const webhook = await subscribe(env, wild);
    await subscribe(env, calm);
    expect(await cli(['emulator', 'chaos', webhook, 'duplicate=1'], env)).toContain(
      `${webhook} has chaos of its own: duplicate=1`,
    );
    await emit(env, 'evt_1');
    await wild.waitFor(2);
    expect([ids(wild), ids(calm)]).toEqual([['evt_1', 'evt_1'], ['evt_1']]);
    expect(await cli(['emulator', 'chaos', webhook, 'default'], env)).toContain(
      `${webhook} follows the emulator's chaos again: none`,
    );
    await emit(env, 'evt_2');
    await calm.waitFor(2);
    await wild.waitFor(3);
    expect([ids(wild), ids(calm)]).toEqual([
      ['evt_1', 'evt_1', 'evt_2'],
      ['evt_1', 'evt_2'],
    ]);
  });

  it('--chaos-seed repeats a run: the same seed, the same events duplicated', async () => {
    const pattern = async () => {
      const app = t.opened(await startRecordingServer());
      const { env, stop } = await emulator(['--memory', '--chaos', 'duplicate=0.5', '--chaos-seed', '1234']);
      const webhook = await subscribe(env, app);
      // Through the emulator's emit route, as `emulator emit` posts (six processes fewer).
      for (let n = 1; n <= 6; n++) await emitOverHttp(env, `evt_${n}`);
      const copies = (await deliveries(env, webhook)).map((d) => (d.chaos ? 2 : 1)).join('');
      await stop();
      return copies;
    };
    const once = await pattern();
    expect(once).toMatch(/2/);
    expect(once.replace(/2/g, '')).toMatch(/1/);
    expect(await pattern()).toBe(once);
  });

  it.each([
    [
      ['emulator', 'start', '--port', '0', '--memory', '--chaos', 'dupe=0.2'],
      'unknown chaos "dupe": expected one of duplicate, reorder, delay, fail, timeout',
    ],
    [
      ['emulator', 'start', '--port', '0', '--memory', '--chaos', 'fail=2'],
      'fail: expected a chance from 0 to 1 (0.2) or a percentage (20%), got "2"',
    ],
    [
      ['emulator', 'start', '--port', '0', '--memory', '--chaos', 'delay=2s-1s'],
      'delay: the range 2s-1s ends before it starts',
    ],
    [
      ['emulator', 'start', '--port', '0', '--memory', '--chaos-seed', 'x'],
      "option '--chaos-seed <n>' argument 'x' is invalid",
    ],
    [['emulator', 'chaos', 'wh_1', 'reorder'], 'expected reorder=0.2, got "reorder"'],
  ])('%j is a usage error (exit 2) that says what to write', async (args, message) => {
    const result = await runCliWatchingForPrompt(args, { home: t.home, prompt: /Ready!/ });
    expect(result.prompted).toBe(false);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(message);
    expect(result.stderr).not.toMatch(/\n\s+at .+:\d+:\d+/);
  });
});

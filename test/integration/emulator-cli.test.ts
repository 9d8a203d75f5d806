import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadFixture } from '../../src/core/events/payload.js';
import { seededRandom } from '../../src/core/seeded-random.js';
import { verify } from '../../src/core/signing/signature.js';
import { Capture, testContext, type TestContext } from '../helpers/context.js';
import { expectMode } from '../helpers/platform.js';
import { exitCode } from '../helpers/program.js';
import { startRecordingServer, type RecordingServer } from '../helpers/recording-server.js';

// Chaos delivery and the persistent delivery history (issue 15, item 5) through the commands a user
// types: `emulator start` with its flags, webhooks made and events emitted with the CLI, each command
// line run in process through the real program. What the emulator does underneath is in
// emulator-chaos.test.ts; the binary's exit codes and streams in test/e2e/api-cli.test.ts.

const SECRET = 'whsec_chaos_cli';

interface Delivery {
  event_id: string;
  attempt: number;
  status: number | null;
  ok: boolean;
  chaos?: string[];
  delay_ms?: number;
}

interface RunningEmulator {
  env: Record<string, string>;
  stderr: string;
  stop(): Promise<number>;
}

const homes: TestContext[] = [];
const apps: RecordingServer[] = [];
const emulators: RunningEmulator[] = [];
afterEach(async () => {
  await Promise.all(emulators.splice(0).map((e) => e.stop()));
  await Promise.all([...apps.splice(0).map((a) => a.close()), ...homes.splice(0).map((h) => h.cleanup())]);
});

/** A temporary HOME for the test's command lines. */
async function newHome(): Promise<TestContext> {
  const home = await testContext();
  homes.push(home);
  return home;
}

/** A context for one command line in `home`, with `env` added and output of its own. */
const commandIn = (home: TestContext, env: Record<string, string> = {}): TestContext => ({
  ...home,
  env: { ...home.env, ...env },
  stdout: new Capture(),
  stderr: new Capture(),
});

async function app(): Promise<RecordingServer> {
  const started = await startRecordingServer();
  apps.push(started);
  return started;
}

/** `emulator start --port 0 <args>` in `home`, seen Ready; stop() is its Ctrl-C, resolving with the exit code. */
async function emulator(home: TestContext, args: string[]): Promise<RunningEmulator> {
  let interrupt!: (signal: string) => void;
  const interrupted = new Promise<string>((resolve) => (interrupt = resolve));
  const ctx = { ...commandIn(home), waitForShutdown: () => interrupted };
  const exited = exitCode(ctx, ['emulator', 'start', '--port', '0', ...args]);
  const ready = await Promise.race([
    ctx.stderr.waitFor(/emulator on (http:\/\/\S+)/),
    exited.then((code) => {
      throw new Error(`emulator start exited ${code} before it was ready:\n${ctx.stderr.text}`);
    }),
  ]);
  let stopped: Promise<number> | undefined;
  const running: RunningEmulator = {
    env: { DATACHONK_API_URL: ready[1]!, DATACHONK_API_KEY: 'dck_chaos_cli' },
    stderr: ctx.stderr.text,
    stop: () => {
      interrupt('SIGINT');
      return (stopped ??= exited);
    },
  };
  emulators.push(running);
  return running;
}

/** Runs a command line in `home` against the emulator; it must exit 0. Its stdout. */
async function cli(home: TestContext, e: RunningEmulator, args: string[]): Promise<string> {
  const ctx = commandIn(home, e.env);
  expect(await exitCode(ctx, args), ctx.stderr.text).toBe(0);
  return ctx.stdout.text;
}

/** A webhook for generation.completed at the app; its id. */
const subscribe = async (home: TestContext, e: RunningEmulator, to: RecordingServer) =>
  (
    await cli(home, e, [
      '--quiet',
      'webhooks',
      'create',
      '--url',
      to.url,
      '--events',
      'generation.completed',
      '--secret',
      SECRET,
    ])
  ).trim();
/** `emulator emit generation.completed` with this id; what it printed. */
const emit = (home: TestContext, e: RunningEmulator, id: string) =>
  cli(home, e, ['emulator', 'emit', 'generation.completed', '--set', `id=${id}`]);
async function emitOverHttp(e: RunningEmulator, id: string): Promise<void> {
  const response = await fetch(`${e.env.DATACHONK_API_URL}/_emulator/events`, {
    method: 'POST',
    headers: { authorization: `Bearer ${e.env.DATACHONK_API_KEY}`, 'content-type': 'application/json' },
    body: JSON.stringify({ ...(await loadFixture('generation.completed')), id }),
  });
  expect(response.status).toBe(202);
  await response.arrayBuffer();
}
const deliveries = async (home: TestContext, e: RunningEmulator, webhook: string) =>
  (await cli(home, e, ['--json', 'webhooks', 'deliveries', webhook]))
    .trim()
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as Delivery);

const ids = (received: RecordingServer) =>
  received.requests.map((r) => (JSON.parse(r.body.toString('utf8')) as { id: string }).id);
const allSigned = (received: RecordingServer) =>
  received.requests.every((r) => verify(SECRET, r.body, r.headers['x-datachonk-signature']).ok);

/** The first seed whose first two numbers are below and then above one half: attempt 1 has the chaos, attempt 2 not. */
function seedForOnceThenNot(): number {
  for (let seed = 0; ; seed++) {
    const random = seededRandom(seed);
    if (random() < 0.5 && random() >= 0.5) return seed;
  }
}

describe('emulator delivery history', () => {
  it('persists across a restart: webhooks deliveries still lists what was delivered before', async () => {
    const home = await newHome();
    const receiver = await app();
    const first = await emulator(home, []);
    const webhook = await subscribe(home, first, receiver);
    await emit(home, first, 'evt_before_restart');
    expect(await first.stop()).toBe(0);
    const history = join(home.paths.stateDir, 'emulator-deliveries.ndjson');
    await expectMode(history, 0o600);

    const second = await emulator(home, []);
    expect(second.stderr).toContain(`History:       ${history}`);
    expect((await deliveries(home, second, webhook)).map((d) => [d.event_id, d.status])).toEqual([
      ['evt_before_restart', 200],
    ]);
    expect(await cli(home, second, ['webhooks', 'deliveries', webhook])).toContain('evt_before_restart');
  });
});

describe('emulator chaos', () => {
  it('--chaos duplicate=1: every event arrives twice, signed, and the seed in use is printed', async () => {
    const home = await newHome();
    const receiver = await app();
    const e = await emulator(home, ['--memory', '--chaos', 'duplicate=1', '--chaos-seed', '42']);
    expect(e.stderr).toContain('Chaos:         duplicate=1 (seed 42: --chaos-seed 42 repeats it)');
    const webhook = await subscribe(home, e, receiver);
    await emit(home, e, 'evt_dup');
    await receiver.waitFor(2);
    expect(ids(receiver)).toEqual(['evt_dup', 'evt_dup']);
    expect(allSigned(receiver)).toBe(true);
    expect((await deliveries(home, e, webhook)).map((d) => d.chaos)).toEqual([undefined, ['duplicate']]);
  });

  it('--chaos reorder=1: an event is held back behind the next one', async () => {
    const home = await newHome();
    const receiver = await app();
    const e = await emulator(home, ['--memory', '--chaos', 'reorder=1']);
    await subscribe(home, e, receiver);
    expect(await emit(home, e, 'evt_first')).toContain(
      'held back until the next event to it has gone (chaos: reorder)',
    );
    await emitOverHttp(e, 'evt_second');
    await receiver.waitFor(2);
    expect(ids(receiver)).toEqual(['evt_second', 'evt_first']);
    expect(allSigned(receiver)).toBe(true);
  });

  it('--chaos delay=1ms-40ms: the first attempt waits a delay from the range, recorded in the history', async () => {
    const home = await newHome();
    const receiver = await app();
    const e = await emulator(home, ['--memory', '--chaos', 'delay=1ms-40ms']);
    const webhook = await subscribe(home, e, receiver);
    expect(await emit(home, e, 'evt_late')).toMatch(/delayed \(chaos: delay \d+ms\)/);
    await receiver.waitFor(1);
    const [delivery] = await deliveries(home, e, webhook);
    expect(delivery).toMatchObject({ event_id: 'evt_late', ok: true, chaos: ['delay'] });
    expect(delivery!.delay_ms).toBeGreaterThanOrEqual(1);
    expect(delivery!.delay_ms).toBeLessThanOrEqual(40);
  });

  it("--chaos fail=0.5: a failure on the emulator's side is recorded, and its retry reaches the app", async () => {
    const home = await newHome();
    const receiver = await app();
    const seed = String(seedForOnceThenNot());
    const e = await emulator(home, [
      '--memory',
      '--chaos',
      'fail=0.5',
      '--chaos-seed',
      seed,
      '--retry-schedule',
      '10ms',
    ]);
    const webhook = await subscribe(home, e, receiver);
    expect(await emit(home, e, 'evt_retried')).toMatch(/attempt 1: \[503\].*retrying at .*chaos: fail/);
    await receiver.waitFor(1);
    expect(ids(receiver)).toEqual(['evt_retried']);
    expect(allSigned(receiver)).toBe(true);
    expect(await cli(home, e, ['webhooks', 'deliveries', webhook])).toMatch(/CHAOS/);
    expect((await deliveries(home, e, webhook)).map((d) => [d.attempt, d.status, d.chaos])).toEqual([
      [1, 503, ['fail']],
      [2, 200, undefined],
    ]);
  });

  it('--chaos timeout=0.5: the app gets the event, the emulator counts a timeout and sends it again', async () => {
    const home = await newHome();
    const receiver = await app();
    const seed = String(seedForOnceThenNot());
    const e = await emulator(home, [
      '--memory',
      '--chaos',
      'timeout=0.5',
      '--chaos-seed',
      seed,
      '--retry-schedule',
      '10ms',
    ]);
    const webhook = await subscribe(home, e, receiver);
    await emit(home, e, 'evt_twice');
    await receiver.waitFor(2);
    expect(ids(receiver)).toEqual(['evt_twice', 'evt_twice']);
    expect(allSigned(receiver)).toBe(true);
    expect((await deliveries(home, e, webhook)).map((d) => [d.attempt, d.status, d.chaos])).toEqual([
      [1, null, ['timeout']],
      [2, 200, undefined],
    ]);
  });

  it('emulator chaos <id>: one webhook gets chaos of its own, and "default" gives it the emulator\'s again', async () => {
    const home = await newHome();
    const [wild, calm] = [await app(), await app()];
    const e = await emulator(home, ['--memory']);
    const webhook = await subscribe(home, e, wild);
    await subscribe(home, e, calm);
    expect(await cli(home, e, ['emulator', 'chaos', webhook, 'duplicate=1'])).toContain(
      `${webhook} has chaos of its own: duplicate=1`,
    );
    await emit(home, e, 'evt_1');
    await wild.waitFor(2);
    expect([ids(wild), ids(calm)]).toEqual([['evt_1', 'evt_1'], ['evt_1']]);
    expect(await cli(home, e, ['emulator', 'chaos', webhook, 'default'])).toContain(
      `${webhook} follows the emulator's chaos again: none`,
    );
    await emit(home, e, 'evt_2');
    await calm.waitFor(2);
    await wild.waitFor(3);
    expect([ids(wild), ids(calm)]).toEqual([
      ['evt_1', 'evt_1', 'evt_2'],
      ['evt_1', 'evt_2'],
    ]);
  });

  it('--chaos-seed repeats a run: the same seed, the same events duplicated', async () => {
    const pattern = async () => {
      const home = await newHome();
      const receiver = await app();
      const e = await emulator(home, ['--memory', '--chaos', 'duplicate=0.5', '--chaos-seed', '1234']);
      const webhook = await subscribe(home, e, receiver);
      for (let n = 1; n <= 6; n++) await emitOverHttp(e, `evt_${n}`);
      const copies = (await deliveries(home, e, webhook)).map((d) => (d.chaos ? 2 : 1)).join('');
      expect(await e.stop()).toBe(0);
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
  ])('%j is a usage error (exit 2) that says what to write, and starts nothing', async (args, message) => {
    const ctx = commandIn(await newHome());
    expect(await exitCode(ctx, args)).toBe(2);
    expect(ctx.stderr.text).toContain(message);
    expect(ctx.stderr.text).not.toContain('Ready!');
  });
});

describe('emulator emit: its exit code follows what the apps answered', () => {
  it('exit 1 when a delivery failed, naming the webhook and what the app answered; 0 when all were 2xx', async () => {
    const home = await newHome();
    const refusing = await startRecordingServer((_req, res) => {
      res.statusCode = 401;
      res.end('{"error":"invalid signature"}');
    });
    apps.push(refusing);
    const e = await emulator(home, ['--memory']);
    const good = await subscribe(home, e, await app());
    const bad = await subscribe(home, e, refusing);
    const ctx = commandIn(home, e.env);
    expect(await exitCode(ctx, ['emulator', 'emit', 'generation.completed'])).toBe(1);
    expect(ctx.stderr.text).toContain(`error: 1 of 2 deliveries of generation.completed failed: ${bad} answered 401`);
    expect(ctx.stderr.text).toContain("the app verifies with another secret than the webhook's");
    expect(ctx.stderr.text).not.toContain(good);
    expect(await cli(home, e, ['webhooks', 'update', bad, '--disable'])).toBeDefined();
    expect(await cli(home, e, ['emulator', 'emit', 'generation.completed'])).toContain(`-> ${good}`);
  });

  it('a refused connection: exit 1 with why there was no answer', async () => {
    const home = await newHome();
    const gone = await startRecordingServer();
    const e = await emulator(home, ['--memory']);
    const webhook = await subscribe(home, e, gone);
    await gone.close();
    const ctx = commandIn(home, e.env);
    expect(await exitCode(ctx, ['emulator', 'emit', 'generation.completed'])).toBe(1);
    expect(ctx.stderr.text).toMatch(
      new RegExp(`error: 1 of 1 delivery of generation.completed failed: ${webhook}: \\S`),
    );
  });
});

import { afterEach, describe, expect, it } from 'vitest';
import { PROBES } from '../../src/core/check/probes.js';
import { startEndpoint, type Endpoint, type Flaw } from '../helpers/check-endpoints.js';
import { testContext, type TestContext } from '../helpers/context.js';
import { exitCode } from '../helpers/program.js';
import { startSampleReceiver } from '../helpers/doc-sample-receiver.js';

// `datachonk check` in process, through the real program, against endpoints on 127.0.0.1:0 written
// in test/helpers/check-endpoints.ts: a correct one passes every check, and each endpoint wrong in
// one way is caught by the checks that test that, and by no other.

const SECRET = 'whsec_check_integration_s3cret';
const EVERY_CHECK = [...PROBES.map((p) => `${p.group}/${p.name}`), 'latency/answer-time'];

let ctx: TestContext | undefined;
const opened: { close(): Promise<void> }[] = [];

afterEach(async () => {
  for (const server of opened.splice(0)) await server.close();
  await ctx?.cleanup();
  ctx = undefined;
});

async function endpoint(flaw?: Flaw): Promise<Endpoint> {
  const started = await startEndpoint(SECRET, flaw);
  opened.push(started);
  return started;
}

interface Record_ {
  type: string;
  check: string;
  group: string;
  status: 'pass' | 'warn' | 'fail';
  hint_code: string | null;
}

/** Runs `check --json` in process; its exit code and records. */
async function check(
  url: string,
  extra: string[] = [],
): Promise<{ code: number; records: Record_[]; checks: Record_[] }> {
  ctx = await testContext({ env: { DATACHONK_WEBHOOK_SECRET: SECRET } });
  const code = await exitCode(ctx, ['--json', 'check', url, ...extra]);
  const records = ctx.stdout.records as unknown as Record_[];
  return { code, records, checks: records.filter((r) => r.type === 'check') };
}

/** The checks that did not pass: `group/check` → status and hint code. */
function notPassed(checks: readonly Record_[]): Record<string, string> {
  return Object.fromEntries(
    checks.filter((r) => r.status !== 'pass').map((r) => [`${r.group}/${r.check}`, `${r.status} ${r.hint_code}`]),
  );
}

const all = (names: string[], verdict: string) => Object.fromEntries(names.map((name) => [name, verdict]));

describe('check: each endpoint caught by the right checks and no other', () => {
  it('a correct endpoint passes every check, exit 0', async () => {
    const { code, checks, records } = await check((await endpoint()).url);
    expect(checks.map((r) => `${r.group}/${r.check}`)).toEqual(EVERY_CHECK);
    expect(notPassed(checks)).toEqual({});
    expect(records.at(-1)).toMatchObject({
      type: 'summary',
      checks: EVERY_CHECK.length,
      passed: EVERY_CHECK.length,
      warned: 0,
      failed: 0,
      stopped: null,
    });
    expect(code).toBe(0);
  });

  it.each<[Flaw, Record<string, string>, number]>([
    [
      'accepts-everything',
      all(
        PROBES.filter((p) => p.group === 'forgery').map((p) => `forgery/${p.name}`),
        'fail not-verifying',
      ),
      1,
    ],
    [
      'reserialized',
      all(
        ['pretty-printed', 'escaped-slashes', 'unicode-escapes', 'big-integer', 'trailing-newline'].map(
          (n) => `fidelity/${n}`,
        ),
        'warn reserialized-body',
      ),
      0,
    ],
    [
      'crashes-on-short-signatures',
      {
        ...all(
          ['truncated-signature', 'longer-signature', 'sha1-signature', 'empty-signature'].map((n) => `forgery/${n}`),
          'fail length-pitfall',
        ),
        // é is two bytes in Buffer.from(header): another length again.
        'forgery/non-ascii-signature': 'fail non-ascii-crash',
      },
      1,
    ],
    [
      'conflict-on-duplicates',
      all(['duplicates/same-event-twice', 'duplicates/same-event-at-once'], 'fail not-idempotent'),
      1,
    ],
    ['crashes-on-unknown-types', { 'forward-compat/unknown-event-type': 'fail unknown-crash' }, 1],
    ['crashes-on-non-json', { 'bad-input/not-json': 'fail bad-input-crash' }, 1],
  ])('%s', async (flaw, expected, exit) => {
    const { code, checks } = await check((await endpoint(flaw)).url);
    expect(checks).toHaveLength(EVERY_CHECK.length);
    expect(notPassed(checks)).toEqual(expected);
    expect(code).toBe(exit);
  });

  it('slow (250 ms an answer, --slow 50ms): the latency check warns, and only it', async () => {
    const { code, checks } = await check((await endpoint('slow')).url, ['--slow', '50ms']);
    expect(notPassed(checks)).toEqual({ 'latency/answer-time': 'warn slow' });
    expect(code).toBe(0);
  });

  it('--strict: the warnings of a re-serializing endpoint are failures, exit 1', async () => {
    const { code, checks } = await check((await endpoint('reserialized')).url, ['--strict']);
    expect(Object.values(notPassed(checks))).toEqual(Array(5).fill('fail reserialized-body'));
    expect(code).toBe(1);
  });
});

describe('check: one group alone', () => {
  it('--only fidelity against a re-serializing endpoint: its warnings, exit 0 (a plain delivery, unreported, shows the secret is right)', async () => {
    const { code, checks, records } = await check((await endpoint('reserialized')).url, ['--only', 'fidelity']);
    expect(checks.every((r) => r.group === 'fidelity')).toBe(true);
    expect(Object.values(notPassed(checks))).toEqual(Array(5).fill('warn reserialized-body'));
    expect(records.at(-1)).toMatchObject({ stopped: null });
    expect(code).toBe(0);
  });

  it('--only fidelity with another secret stops at that plain delivery: the secret, not the bytes, is wrong', async () => {
    const started = await startEndpoint('whsec_not_the_one', undefined);
    opened.push(started);
    const { code, records } = await check(started.url, ['--only', 'fidelity']);
    expect(records.at(-1)).toMatchObject({ stopped: 'refused-signed' });
    expect(ctx!.stderr.text).toContain('refused a correctly signed event with 401 (delivery/chonk.created)');
    expect(ctx!.stderr.text).toContain(
      'hint: compare `datachonk listen --print-secret` with the secret your app verifies with, then give check that one',
    );
    expect(code).toBe(1);
  });

  it("a redirect to a signed event names the redirect's Location, as trigger and listen do", async () => {
    const { createServer } = await import('node:http');
    const server = createServer((req, res) => {
      req.resume();
      res.writeHead(301, { location: 'https://example.test/real-hooks' }).end();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    opened.push({ close: () => new Promise<void>((resolve) => server.close(() => resolve())) });
    const { port } = server.address() as { port: number };
    const { records } = await check(`http://127.0.0.1:${port}/hooks`, ['--only', 'delivery']);
    expect(records[0]).toMatchObject({
      status: 'fail',
      hint_code: 'redirected',
      hint: 'your app redirected to https://example.test/real-hooks: webhooks are not followed through redirects; send to that URL itself',
    });
  });

  it('--expect-reject: a forgery refused with another 4xx says which status was expected', async () => {
    await check((await endpoint()).url, ['--only', 'forgery', '--expect-reject', '403']);
    expect(ctx!.stdout.text).toContain(
      'it refused with 401, not 403: answer 403 to a bad signature, or pass --expect-reject 401 if that status is deliberate',
    );
  });

  it('--only with no group is a usage error', async () => {
    expect((await check((await endpoint()).url, ['--only', ''])).code).toBe(2);
    expect(ctx!.stderr.text).toContain('name at least one group');
  });
});

describe('check: an endpoint that stops answering', () => {
  it('a request it never answers fails at --timeout, and so does the latency check', async () => {
    const { code, checks } = await check((await endpoint('hangs-on-unknown-types')).url, ['--timeout', '300ms']);
    expect(notPassed(checks)).toEqual({
      'forward-compat/unknown-event-type': 'fail timeout',
      'latency/answer-time': 'fail timeout',
    });
    expect(code).toBe(1);
  });

  it('one that goes down during the run stops it: one failure that says so, the checks not run counted', async () => {
    const { code, records } = await check((await endpoint('dies-on-missing-signature')).url);
    const summary = records.at(-1) as unknown as { stopped: string; not_run: number; checks: number };
    expect(summary.stopped).toBe('went-down');
    expect(summary.not_run).toBeGreaterThan(0);
    expect(summary.checks + summary.not_run).toBe(EVERY_CHECK.length);
    // The request that crashed it broke its connection without an answer: it is named, not whichever found it down.
    expect(ctx!.stderr.text).toMatch(
      /stopped accepting connections during the run \(noticed at [\w-]+\/[\w.-]+\): the connection of (?:[\w/.-]+, )*forgery\/missing-signature(?:, [\w/.-]+)* broke without an answer/,
    );
    expect(code).toBe(1);
  });
});

describe('check: options', () => {
  it('--expect-reject: a forgery refused with another status fails, naming the flag', async () => {
    const { checks } = await check((await endpoint()).url, ['--only', 'forgery', '--expect-reject', '403']);
    expect(new Set(checks.map((r) => `${r.status} ${r.hint_code}`))).toEqual(new Set(['fail reject-status']));
    expect((checks[0] as unknown as { hint: string }).hint).toContain('--expect-reject 401');
  });

  it('--only and --skip choose groups; a comma list and a repeated flag both work', async () => {
    const url = (await endpoint()).url;
    const only = await check(url, ['--only', 'duplicates,bad-input', '--only', 'latency']);
    expect(new Set(only.checks.map((r) => r.group))).toEqual(new Set(['duplicates', 'bad-input', 'latency']));
    const skipped = await check(url, ['--skip', 'delivery', '--skip', 'fidelity,latency']);
    expect(new Set(skipped.checks.map((r) => r.group))).toEqual(
      new Set(['forgery', 'duplicates', 'forward-compat', 'bad-input']),
    );
  });

  it('--only latency still times answers (the deliveries, not reported)', async () => {
    const { checks, code } = await check((await endpoint('slow')).url, ['--only', 'latency', '--slow', '50ms']);
    expect(checks.map((r) => `${r.group}/${r.check} ${r.status}`)).toEqual(['latency/answer-time warn']);
    expect(code).toBe(0);
  });

  it('--allow-unknown: a deliberate 4xx to an unknown event type passes; without it, a failure whose hint names the flag', async () => {
    const url = (await endpoint('refuses-unknown-types')).url;
    const without = await check(url, ['--only', 'forward-compat']);
    expect(notPassed(without.checks)).toEqual({ 'forward-compat/unknown-event-type': 'fail unknown-refused' });
    expect((without.checks[0] as unknown as { hint: string }).hint).toContain('--allow-unknown 422');
    const allowed = await check(url, ['--only', 'forward-compat', '--allow-unknown', '422']);
    expect(notPassed(allowed.checks)).toEqual({});
    expect(allowed.code).toBe(0);
  });
});

describe('check: the doc sample receiver (express.json, JSON.stringify, timingSafeEqual)', () => {
  it('is caught crashing on malformed and missing signatures, acknowledging a non-envelope, and verifying a re-serialized body', async () => {
    const sample = await startSampleReceiver(SECRET);
    opened.push(sample);
    const { code, checks } = await check(sample.url);
    expect(notPassed(checks)).toEqual({
      'forgery/missing-signature': 'fail crash-on-forgery',
      ...all(
        ['truncated-signature', 'longer-signature', 'sha1-signature', 'empty-signature'].map((n) => `forgery/${n}`),
        'fail length-pitfall',
      ),
      'forgery/non-ascii-signature': 'fail non-ascii-crash',
      'bad-input/not-an-envelope': 'fail bad-input-accepted',
      ...all(
        ['pretty-printed', 'escaped-slashes', 'unicode-escapes', 'big-integer', 'trailing-newline'].map(
          (n) => `fidelity/${n}`,
        ),
        'warn reserialized-body',
      ),
    });
    expect(code).toBe(1);
  });
});

describe('check: a first line at once, and what ran when stopped', () => {
  it('says what it checks, and where, before the first answer', async () => {
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    const { startRecordingServer } = await import('../helpers/recording-server.js');
    const app = await startRecordingServer((_req, res) => void held.then(() => res.end('{"ok":true}')));
    opened.push(app);
    ctx = await testContext({ env: { DATACHONK_WEBHOOK_SECRET: SECRET } });
    const done = exitCode(ctx, ['check', app.url, '--only', 'delivery']);
    await app.waitFor(1);
    expect(ctx.stdout.text).toMatch(
      /^Checking http:\/\/127\.0\.0\.1:\d+\/\S* \(secret from \$DATACHONK_WEBHOOK_SECRET; delivery\)\n$/,
    );
    release();
    await done;
  });

  it('Ctrl-C: no check starts after it, the summary of what ran says interrupted, exit 130', async () => {
    let stop!: (signal: string) => void;
    const shutdown = new Promise<string>((resolve) => (stop = resolve));
    const { startRecordingServer } = await import('../helpers/recording-server.js');
    // The first probe runs alone: Ctrl-C while it is in flight, then it is answered.
    const app = await startRecordingServer((_req, res) => {
      stop('SIGINT');
      void shutdown.then(() => res.end('{"ok":true}'));
    });
    opened.push(app);
    ctx = await testContext({ env: { DATACHONK_WEBHOOK_SECRET: SECRET }, shutdown });
    expect(await exitCode(ctx, ['check', app.url])).toBe(130);
    expect(app.requests).toHaveLength(1);
    expect(ctx.stdout.text).toMatch(/1 check: 1 passed, 0 warnings, 0 failed, \d+ not run \(interrupted\) in /);
    expect(ctx.stderr.text).toMatch(/^error: interrupted \(SIGINT\): 1 of \d+ checks ran, \d+ did not\n/);
  });
});

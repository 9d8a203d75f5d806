import { createServer } from 'node:http';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { demoWith } from '../../src/commands/demo/run.js';
import { serve, startSampleReceiver } from '../../src/commands/demo/sample-receiver.js';
import { LISTENERS_DIR } from '../../src/defaults.js';
import { testContext, type TestContext } from '../helpers/context.js';
import { exitCode, failureWords } from '../helpers/program.js';
import { rawRequest } from '../helpers/raw-http.js';

// `datachonk demo` in process: the sample receiver, a listener in front of it and the inspector on
// port 0, the generate-and-push scenario sent through them (its step 3 twice). The built binary, in
// test/e2e/demo-cli.test.ts and, installed from the packed tarball, test/e2e/package.test.ts.

const contexts: TestContext[] = [];
afterEach(async () => {
  await Promise.all(contexts.splice(0).map((ctx) => ctx.cleanup()));
});

async function context(options: Parameters<typeof testContext>[0] = {}): Promise<TestContext> {
  const ctx = await testContext(options);
  contexts.push(ctx);
  return ctx;
}

const SCENARIO_EVENTS = ['chonk.created', 'generation.started', 'generation.completed', 'push.completed'];

describe('datachonk demo --exit', () => {
  it('exits 0 once every event of the scenario was verified by the listener and handled once by the receiver', async () => {
    const ctx = await context({ output: 'json' });
    expect(await exitCode(ctx, ['--json', 'demo', '--exit']), ctx.stderr.text).toBe(0);
    const records = ctx.stdout.records;
    const deliveries = records.filter((r) => r.type === 'delivery');
    expect(deliveries.map((d) => [d.event, d.status, d.ok])).toEqual([
      ['chonk.created', 200, true],
      ['generation.started', 200, true],
      ['generation.completed', 200, true],
      ['generation.completed', 200, true],
      ['push.completed', 200, true],
    ]);
    // The listener verified every delivery and forwarded it; the receiver handled each event once.
    const requests = records.filter((r) => r.type === 'request');
    expect(requests.map((r) => [r.event, r.verification, r.outcome])).toEqual(
      deliveries.map((d) => [d.event, { status: 'valid' }, 'forwarded']),
    );
    const ids = deliveries.map((d) => d.id as string);
    expect(records.filter((r) => r.type === 'receiver').map((r) => r.line)).toEqual([
      `chonk.created ${ids[0]}: verified, handled`,
      `generation.started ${ids[1]}: verified, handled`,
      `generation.completed ${ids[2]}: verified, handled`,
      `generation.completed ${ids[2]}: a repeat, already handled`,
      `push.completed ${ids[4]}: verified, handled`,
    ]);
    expect(ids[3]).toBe(ids[2]);
    expect(records[0]).toMatchObject({ type: 'demo', scenario: 'generate-and-push', steps: SCENARIO_EVENTS });
    expect(records.at(-1)).toEqual({ type: 'summary', sent: 5, ok: 5, failed: 0 });
  });

  it('says what it ran, that it all worked, and what to try next', async () => {
    const ctx = await context();
    expect(await exitCode(ctx, ['demo', '--exit']), ctx.stderr.text).toBe(0);
    const said = ctx.stderr.text;
    expect(said).toMatch(/Receiver: +http:\/\/127\.0\.0\.1:\d+\/webhooks\/datachonk .*examples\/receiver\.mjs/);
    expect(said).toMatch(/Listener: +http:\/\/127\.0\.0\.1:\d+\/webhooks\/datachonk/);
    expect(said).toMatch(/Inspector: +http:\/\/127\.0\.0\.1:\d+\//);
    expect(said).toContain('✔ All 5 deliveries verified by the listener and answered 2xx by the receiver');
    expect(said).toMatch(/node \S+examples\/receiver\.mjs/);
    expect(said).toContain('datachonk listen --forward localhost:3000 --inspect');
    expect(said).toContain('datachonk trigger --scenario generate-and-push');
    expect(said).not.toContain('Stopping');
    // The listener's line for each event, the receiver's among them.
    expect(ctx.stdout.text.match(/--> \S+ \[evt_\w+\].*✔ verified/g)).toHaveLength(5);
    expect(ctx.stdout.text.match(/<-- \[200\] POST http:\/\/127\.0\.0\.1:\d+\/webhooks\/datachonk/g)).toHaveLength(5);
    expect(ctx.stdout.text).toMatch(/receiver: generation\.completed evt_\w+: a repeat, already handled/);
  });

  it('fails naming each delivery the receiver did not answer 2xx', async () => {
    const ctx = await context();
    const failing = demoWith({
      startApp: () =>
        serve(
          createServer((_req, res) =>
            res.writeHead(500, { 'content-type': 'application/json' }).end('{"error":"boom"}'),
          ),
          '/webhooks/datachonk',
        ),
    });
    const words = await failureWords(failing(ctx, { args: [], options: { exit: true } }), 'demo');
    expect(words.kind).toBe('failure');
    expect(words.message).toMatch(/^5 of 5 deliveries were not verified and answered 2xx:\n/);
    expect(words.message).toMatch(/ {2}step 1\/4 chonk\.created \[evt_\w+\]: the receiver answered 500: boom\n/);
    expect(words.message).toMatch(
      / {2}step 3\/4 again generation\.completed \[evt_\w+\]: the receiver answered 500: boom/,
    );
    expect(ctx.stderr.text).toContain('✖ 5 of 5 deliveries not verified and answered 2xx:');
  });

  it('fails when the receiver checks with another secret than the listener: its 401, for each delivery', async () => {
    const ctx = await context();
    const otherSecret = demoWith({
      startApp: (settings) => startSampleReceiver({ ...settings, secret: 'whsec_not_the_listeners' }),
    });
    const words = await failureWords(otherSecret(ctx, { args: [], options: { exit: true } }), 'demo');
    expect(words.message).toMatch(
      /step 2\/4 generation\.started \[evt_\w+\]: the receiver answered 401: invalid signature/,
    );
    // The listener itself verified them all: the line for each says so.
    expect(ctx.stdout.text.match(/✔ verified/g)).toHaveLength(5);
  });

  it('exits 130 when Ctrl-C came before the scenario was sent, having closed what it started', async () => {
    const ctx = await context({ shutdown: Promise.resolve('SIGINT') });
    expect(await exitCode(ctx, ['demo', '--exit'])).toBe(130);
    expect(ctx.stderr.text).toContain("error: interrupted (SIGINT): sent 0 of the scenario's 5 events");
    expect(await readdir(join(ctx.paths.stateDir, LISTENERS_DIR))).toEqual([]);
  });
});

describe('datachonk demo', () => {
  it('keeps running after the scenario until Ctrl-C, then exits 0 with every server closed', async () => {
    let interrupt!: (signal: string) => void;
    const ctx = await context({ output: 'json', shutdown: new Promise((resolve) => (interrupt = resolve)) });
    const exited = exitCode(ctx, ['--json', 'demo']);
    await ctx.stderr.waitFor(/Ready! Listening on/);
    const started = ctx.stdout.records[0]!;
    const urls = [started.receiver_url, started.listener_url, started.inspector_url] as string[];
    // Still serving: the listener takes another event and the receiver answers it.
    expect((await rawRequest(urls[1]!, { body: '{}' })).status).toBe(401);
    expect(await readdir(join(ctx.paths.stateDir, LISTENERS_DIR))).toHaveLength(1);
    interrupt('SIGINT');
    expect(await exited, ctx.stderr.text).toBe(0);
    expect(ctx.stderr.text).toContain('Stopping');
    for (const url of urls) await expect(rawRequest(url, { method: 'GET' }), url).rejects.toThrow(/ECONNREFUSED/);
    expect(await readdir(join(ctx.paths.stateDir, LISTENERS_DIR))).toEqual([]);
  });
});

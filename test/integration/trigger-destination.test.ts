import { createServer } from 'node:http';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { announceListener } from '../../src/core/listen/presence.js';
import { LISTENERS_DIR } from '../../src/defaults.js';
import { testContext, type TestContext } from '../helpers/context.js';
import { exitCode, run } from '../helpers/program.js';
import { closedPort } from '../helpers/recording-server.js';

// `trigger` without --url: where it sends is the listener this user runs (its presence note), the one on
// port 4747 among several, else the default URL; and a run to a port with nothing on it stops.

let contexts: TestContext[] = [];
const stops: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const stop of stops.splice(0)) await stop();
  await Promise.all(contexts.map((c) => c.cleanup()));
  contexts = [];
});

async function context(options: Parameters<typeof testContext>[0] = {}, sharing?: TestContext) {
  const ctx = await testContext(options);
  contexts.push(ctx);
  // The same state folder: the listeners' notes are where a trigger of this user looks.
  if (sharing) ctx.paths = sharing.paths;
  return ctx;
}

/** Runs `listen --port 0` in process (its note written as a real session does) until the test ends. */
async function listen(home?: TestContext, flags: string[] = []) {
  let stop: (signal: string) => void = () => {};
  const ctx = await context({ shutdown: new Promise<string>((resolve) => (stop = resolve)) }, home);
  const done = run(ctx, ['listen', '--port', '0', '--no-journal', ...flags]);
  const [, url] = await Promise.race([
    ctx.stderr.waitFor(/Listening on (\S+)/),
    done.then(() => {
      throw new Error(`listen ended before it was ready:\n${ctx.stderr.text}`);
    }),
  ]);
  await ctx.stderr.waitFor(/Ctrl-C to stop/);
  stops.push(async () => {
    stop('SIGINT');
    await done;
  });
  return { ctx, url: url! };
}

/** trigger's line after where it sends: which secret it signs with (here the dev secret). */
const SIGNING = 'Signing with the local dev secret (the one `datachonk listen` verifies with by default)\n';

describe('trigger without --url', () => {
  it('sends to the one listener this user runs, on whatever port, and says so', async () => {
    const listener = await listen();
    expect(listener.ctx.stderr.text).toContain('Send a test:    datachonk trigger generation.completed (in');
    const sender = await context({}, listener.ctx);
    expect(await exitCode(sender, ['trigger', 'generation.completed'])).toBe(0);
    expect(sender.stderr.text).toBe(
      `Sending to ${listener.url}: the \`datachonk listen\` you are running (pid ${process.pid})\n${SIGNING}`,
    );
    expect(sender.stdout.text).toContain(`[200] POST ${listener.url}`);
    await listener.ctx.stdout.waitFor(/--> generation\.completed/);

    const json = await context({ output: 'json' }, listener.ctx);
    await run(json, ['trigger', 'chonk.created', '--count', '2']);
    expect(json.stderr.text).toBe('');
    expect(json.stdout.records.at(-1)).toMatchObject({
      type: 'summary',
      sent: 2,
      ok: 2,
      url: listener.url,
      url_source: 'listener',
      listener_pid: process.pid,
    });
    expect(json.stdout.records[0]).toMatchObject({ type: 'delivery', url: listener.url, url_source: 'listener' });
  });

  it('with several, none on port 4747: a usage error listing them; --print-payload still needs none', async () => {
    const first = await listen();
    // Notes are kept per process: the second listener's is that of another process of this user's, alive.
    const second = `http://127.0.0.1:${await closedPort()}/webhooks/datachonk`;
    await note(first.ctx, { pid: process.ppid, url: second, started_at: '2999-01-01T00:00:00.000Z' });
    const sender = await context({}, first.ctx);
    expect(await exitCode(sender, ['trigger', 'generation.completed'])).toBe(2);
    expect(sender.stderr.text).toContain(
      `error: 2 \`datachonk listen\` are running, none on the default port, so which one to send to is not clear:\n  ${first.url}\n  ${second}\n`,
    );
    expect(sender.stderr.text).toContain(`hint: give --url, e.g. datachonk trigger --url ${first.url}`);
    expect(await exitCode(sender, ['trigger', 'generation.completed', '--print-payload'])).toBe(0);
    expect(await exitCode(sender, ['trigger', 'generation.completed', '--url', first.url])).toBe(0);
  });

  it('with several, one on port 4747: that one', async () => {
    const other = await listen();
    const url = 'http://127.0.0.1:4747/webhooks/datachonk';
    await note(other.ctx, { pid: process.ppid, url, started_at: new Date().toISOString() });
    // A dry run: nothing is sent to a port this test does not own.
    const sender = await context({}, other.ctx);
    await run(sender, ['trigger', 'generation.completed', '--dry-run']);
    expect(sender.stderr.text).toBe(
      `For ${url}: the one on the default port of the 2 \`datachonk listen\` you are running (--url picks another)\n${SIGNING}`,
    );
    expect(sender.stdout.text).toContain(`POST ${url}`);
  });

  it('with none (a note of a listener that is gone is no listener): the default URL, and a refusal says to start one', async () => {
    const home = await context();
    await note(home, { pid: 2 ** 22 + 7, url: 'http://127.0.0.1:1/x', started_at: '2026-01-01T00:00:00.000Z' });
    const dry = await context({ output: 'json' }, home);
    await run(dry, ['trigger', 'generation.completed', '--dry-run']);
    expect(dry.stdout.records[0]).toMatchObject({ type: 'dry-run', url: 'http://127.0.0.1:4747/webhooks/datachonk' });
  });

  it('with none, and nothing on port 4747: the refusal says to start a listener', async ({ skip }) => {
    // The one test that needs a fixed port free: taken (say, by the developer's own listener), it is skipped, and says so.
    if (!(await portFree(4747))) skip('port 4747 is taken on this machine');
    const home = await context();
    const sender = await context({}, home);
    expect(await exitCode(sender, ['trigger', 'generation.completed'])).toBe(1);
    expect(sender.stderr.text).toContain(
      'Sending to http://127.0.0.1:4747/webhooks/datachonk: the default URL: no `datachonk listen` is running (start one, or give --url)\n',
    );
    expect(sender.stderr.text).toContain(
      'hint: no `datachonk listen` is running: start one in another terminal (datachonk listen --forward localhost:3000), or send straight to your app with --url',
    );
  });
});

describe('trigger to a port with nothing on it', () => {
  it('stops after 10 refusals in a row, says how many and that nothing listens there, exits 1', async () => {
    const port = await closedPort();
    // With a password in the URL, never shown.
    const url = `http://u:s3cret@127.0.0.1:${port}/webhooks/datachonk`;
    const ctx = await context({ output: 'json' });
    expect(await exitCode(ctx, ['--json', 'trigger', 'chonk.created', '--count', '10000000', '--url', url])).toBe(1);
    expect(ctx.stderr.text + ctx.stdout.text).not.toContain('s3cret');
    expect(ctx.stderr.text).toContain(
      `error: nothing is listening at ${url.replace('s3cret', '***')}: 10 of 10 connections were refused, the last 10 in a row, so trigger stopped (10 of 10000000 sent)\n`,
    );
    expect(ctx.stderr.text).toContain(`hint: is your app, or \`datachonk listen\`, running on 127.0.0.1:${port}?`);
    expect(ctx.stdout.records.at(-1)).toMatchObject({ type: 'summary', sent: 10, refused: 10, gave_up: true });
  });

  it('with requests in flight at once, stops as soon as the run of refusals is long enough', async () => {
    const port = await closedPort();
    const ctx = await context({ output: 'quiet' });
    const code = await exitCode(ctx, [
      '--quiet',
      'trigger',
      '--all',
      '--count',
      '100000',
      '--concurrency',
      '8',
      '--url',
      `http://127.0.0.1:${port}/x`,
    ]);
    expect(code).toBe(1);
    const sent = Number(/Sent (\d+)/.exec(ctx.stdout.text)?.[1]);
    expect(sent).toBeGreaterThanOrEqual(10);
    expect(sent).toBeLessThan(10 + 8);
  });
});

/** Leaves a listener's note in the state folder of `home`, removed after the test. */
async function note(home: TestContext, listener: Parameters<typeof announceListener>[1]): Promise<void> {
  stops.push(await announceListener(join(home.paths.stateDir, LISTENERS_DIR), listener));
}

/** Whether 127.0.0.1:port can be bound (then released at once). */
function portFree(port: number): Promise<boolean> {
  const server = createServer();
  return new Promise((resolve) => {
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

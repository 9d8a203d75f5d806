import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { EVENT_TYPES } from '../../src/core/events/catalogue.js';
import { startSampleReceiver, type SampleReceiver } from '../helpers/doc-sample-receiver.js';
import { listeningUrl, runCli, startCli, type RunningCli } from '../helpers/cli.js';
import { closedPort } from '../helpers/recording-server.js';

let home: string;
let listener: RunningCli | undefined;
let app: SampleReceiver | undefined;

beforeEach(async () => {
  home = await mkdtemp(join(tmpdir(), 'datachonk-e2e-listen-'));
});
afterEach(async () => {
  await listener?.stop('SIGKILL');
  await app?.close();
  listener = undefined;
  app = undefined;
  await rm(home, { recursive: true, force: true });
});

const devSecret = async () => (await runCli(['listen', '--print-secret'], { home })).stdout.trim();

describe('datachonk listen (the built binary)', () => {
  it('in front of the doc sample receiver: every event type arrives and verifies; a 500 reaches the sender', async () => {
    app = await startSampleReceiver(await devSecret());
    listener = await startCli(['listen', '--port', '0', '--forward', new URL(app.url).origin], { home });
    const url = listeningUrl(listener.stderr());

    const all = await runCli(['trigger', '--all', '--url', url], { home });
    expect(all.code, all.stderr).toBe(0);
    expect(app.accepted.map((e) => e.event).sort()).toEqual([...EVENT_TYPES].sort());
    expect(app.rejected).toBe(0);
    await listener.waitForStdout(/<-- \[200\] POST .*push\.completed|<-- \[200\]/);

    app.failWith = 500;
    const failing = await runCli(['trigger', 'generation.completed', '--url', url], { home });
    expect(failing.code).toBe(1);
    expect(failing.stderr).toContain('your app answered 500');
    await listener.waitForStdout(/<-- \[500\]/);
  });

  it('a new user, no account, no flags: listen in one terminal, trigger in another', async () => {
    listener = await startCli(['listen'], { home });
    expect(listener.stderr()).toContain('Listening on http://127.0.0.1:4747/webhooks/datachonk');
    expect(listener.stderr()).toContain('the local dev secret');
    expect(listener.stderr()).toContain('Ctrl-C to stop');
    const sent = await runCli(['trigger', 'generation.completed'], { home });
    expect(sent.code, sent.stderr).toBe(0);
    const line = await listener.waitForStdout(/--> generation\.completed/);
    expect(line).toContain('dim_customers (entity), 2 files generated');
    expect(line).toContain('✔ verified');
    expect(await listener.stop('SIGINT')).toBe(0);
  });

  it('app down: the sender gets 502, events list shows it, events resend delivers it once the app is up', async () => {
    const port = await closedPort();
    listener = await startCli(['listen', '--port', '0', '--forward', `localhost:${port}`], { home });
    const url = listeningUrl(listener.stderr());
    const sent = await runCli(['--json', 'trigger', 'generation.completed', '--url', url], { home });
    expect(sent.code).toBe(1);
    const { id } = JSON.parse(sent.stdout) as { id: string; status: number };
    expect(JSON.parse(sent.stdout)).toMatchObject({ status: 502 });
    await listener.waitForStdout(/connection refused: is your app running on localhost/);

    const listed = await runCli(['events', 'list'], { home });
    expect(listed.stdout).toContain(id);
    expect(listed.stdout).toMatch(/valid\s+refused/);

    app = await startSampleReceiver(await devSecret(), port);
    const resent = await runCli(['events', 'resend', id], { home });
    expect(resent.code, resent.stderr).toBe(0);
    expect(resent.stdout).toContain('[200]');
    expect(app.accepted).toHaveLength(1);
    expect(app.accepted[0]!.body.id).toBe(id);

    const shown = await runCli(['events', 'show', id], { home });
    expect(shown.stdout).toContain('x-datachonk-signature');
    expect(shown.stdout).toContain('(resend)');
    const listedAgain = await runCli(['--json', 'events', 'list'], { home });
    expect(JSON.parse(listedAgain.stdout.split('\n')[0]!)).toMatchObject({ id, forward: '200', status: 200 });
  });

  it('--json prints one NDJSON object per request on stdout, the banner on stderr', async () => {
    listener = await startCli(['--json', 'listen', '--port', '0', '--no-journal'], { home });
    const url = listeningUrl(listener.stderr());
    await runCli(['trigger', 'scan.completed', '--url', url], { home });
    await runCli(['trigger', 'scan.completed', '--url', url, '--signature', 'missing'], { home });
    await listener.waitForStdout(/"outcome":"rejected"/);
    const records = listener.stdout().trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(records[0]).toMatchObject({ type: 'request', event: 'scan.completed', outcome: 'acknowledged', verification: { status: 'valid' } });
    expect(records[1]).toMatchObject({ outcome: 'rejected', status: 401 });
    expect(listener.stderr()).toContain('Journal:        off');
    expect(await listener.stop('SIGTERM')).toBe(0);
    await expect(stat(join(home, '.local', 'state', 'datachonk', 'events.ndjson'))).rejects.toThrow();
  });

  it('SIGTERM flushes the journal and exits 0; the journal is 0600 under XDG_STATE_HOME', async () => {
    const state = join(home, 'state');
    listener = await startCli(['listen', '--port', '0'], { home, env: { XDG_STATE_HOME: state } });
    const url = listeningUrl(listener.stderr());
    await runCli(['trigger', 'chonk.created', '--url', url, '--count', '5'], { home });
    expect(await listener.stop('SIGTERM')).toBe(0);
    const file = join(state, 'datachonk', 'events.ndjson');
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    const listed = await runCli(['--json', 'events', 'list'], { home, env: { XDG_STATE_HOME: state } });
    expect(listed.stdout.trim().split('\n')).toHaveLength(5);
  });

  it('a busy port is a clear error and exit 1', async () => {
    listener = await startCli(['listen', '--port', '0'], { home });
    const port = new URL(listeningUrl(listener.stderr())).port;
    const second = await runCli(['listen', '--port', port], { home });
    expect(second.code).toBe(1);
    expect(second.stderr).toContain(`port ${port} on 127.0.0.1 is already in use`);
    expect(second.stderr).not.toMatch(/\n\s+at /);
  });

  it('bad flags are usage errors', async () => {
    const events = await runCli(['listen', '--events', 'generation.complete'], { home });
    expect(events.code).toBe(2);
    expect(events.stderr).toContain('did you mean generation.completed?');
    const forward = await runCli(['listen', '--forward', 'ftp://x'], { home });
    expect(forward.code).toBe(2);
    const missing = await runCli(['events', 'show', 'evt_nope'], { home });
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('datachonk events list');
  });
});

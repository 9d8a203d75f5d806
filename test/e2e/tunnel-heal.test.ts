import { readdir, readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { cliPaths, homePerTest, runCli, startCli } from '../helpers/cli.js';
import { windows } from '../helpers/platform.js';
import { isAlive as alive } from '../helpers/process.js';
import { startRecordingServer } from '../helpers/recording-server.js';

// Issue 15, item 7: `listen --tunnel` heals. The stand-in cloudflared dies when told to (SIGUSR2, mode
// `die`); each later start has a new URL (FAKE_CLOUDFLARED_STARTS) and, with FAKE_CLOUDFLARED_RESTART_MODE,
// another behaviour. The public URL is never checked here (--tunnel-check off): it is on trycloudflare.com,
// which no test may reach; test/integration/listen-session.test.ts checks the checks.

const FAKE = fileURLToPath(new URL('../helpers/fake-cloudflared.mjs', import.meta.url));
// Only node's folder on PATH: no real cloudflared can be found by accident.
const NODE_ONLY_PATH = dirname(process.execPath);
const PUBLIC = (host: string) => `https://${host}.trycloudflare.com/webhooks/datachonk`;

const t = homePerTest('datachonk-e2e-heal-');

/** The emulator, and the environment of a listener that registers with it and runs the stand-in. */
async function world(extra: Record<string, string> = {}) {
  const emulator = t.started(await startCli(['emulator', 'start', '--port', '0', '--memory'], { home: t.home }));
  const api = {
    DATACHONK_API_URL: /emulator on (http:\/\/\S+)/.exec(emulator.stderr())![1]!,
    DATACHONK_API_KEY: 'dck_heal_test',
    PATH: NODE_ONLY_PATH,
  };
  const signals = t.opened(await startRecordingServer());
  const files = { pid: join(t.home, 'cloudflared.pid'), starts: join(t.home, 'cloudflared.starts') };
  const env = {
    ...api,
    CLOUDFLARED_BIN: FAKE,
    FAKE_CLOUDFLARED_MODE: 'die',
    FAKE_CLOUDFLARED_HOST: 'brave-otter-lake',
    FAKE_CLOUDFLARED_PIDFILE: files.pid,
    FAKE_CLOUDFLARED_STARTS: files.starts,
    FAKE_CLOUDFLARED_REPORT_URL: signals.url,
    ...extra,
  };
  const pids: number[] = [];
  return {
    env,
    files,
    /** What the stand-ins reported, in order: `started`, then each signal they caught. */
    reported: () => signals.requests.map((r) => r.body.toString()),
    reports: (n: number) => signals.waitFor(n),
    /** The latest stand-in's pid, killed after the test whatever happened to its listener. */
    async pid() {
      const pid = Number(await readFile(files.pid, 'utf8'));
      pids.push(pid);
      t.later(() => {
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          /* gone already */
        }
      });
      return pid;
    },
    async webhooks() {
      const listed = await runCli(['--json', 'webhooks', 'list'], { home: t.home, env: api });
      return listed.stdout
        .trim()
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l) as { id: string; url: string });
    },
  };
}

const records = (stdout: string) =>
  stdout
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as Record<string, unknown>);

// Windows: the stand-in cloudflared, a shebang script, cannot be spawned by name there, nor sent SIGUSR2.
describe.skipIf(windows)('listen --tunnel when cloudflared dies', () => {
  it('says so, restarts it, moves the same webhook to the new URL and says it (--json: a record each); Ctrl-C cleans up', async () => {
    const w = await world();
    const listener = t.started(
      await startCli(
        ['--json', 'listen', '--port', '0', '--tunnel', '--tunnel-check', 'off', '--tunnel-retry', '1ms,1ms'],
        { home: t.home, env: w.env },
      ),
    );
    const first = await w.pid();
    // stdout and stderr are two pipes: the ready object may come after the Ready block.
    const ready = JSON.parse(await listener.waitForStdout(/"type":"ready"/)) as Record<string, unknown>;
    expect(records(listener.stdout())[0]).toEqual(ready);
    expect(ready).toMatchObject({ type: 'ready', public_url: PUBLIC('brave-otter-lake') });

    process.kill(first, 'SIGUSR2');
    await listener.waitForStdout(/"state":"restored"/);
    const second = await w.pid();
    expect(second).not.toBe(first);
    expect(records(listener.stdout()).filter((r) => r.type === 'tunnel')).toEqual([
      {
        type: 'tunnel',
        state: 'lost',
        reason: 'exited',
        detail: expect.stringContaining('Connection terminated'),
        next_attempt: 1,
        attempts: 2,
        retry_in_ms: 1,
      },
      { type: 'tunnel', state: 'restored', public_url: PUBLIC('brave-otter-lake-2'), webhook_id: ready.webhook_id },
    ]);
    expect(listener.stderr()).toContain(
      'The tunnel is gone: cloudflared quick tunnel exited (code 1); its last lines:',
    );
    expect(listener.stderr()).toContain('Restarting it in 1ms (attempt 1 of 2)…');
    expect(listener.stderr()).toContain(
      `Tunnel restored. Public URL: ${PUBLIC('brave-otter-lake-2')} (webhook ${String(ready.webhook_id)} now points at it)`,
    );
    expect(await w.webhooks()).toEqual([
      expect.objectContaining({ id: ready.webhook_id, url: PUBLIC('brave-otter-lake-2') }),
    ]);
    const note = JSON.parse(
      await readFile(join(cliPaths(t.home).stateDir, 'listeners', `${listener.child.pid}.json`), 'utf8'),
    ) as { public_url: string };
    expect(note.public_url).toBe(PUBLIC('brave-otter-lake-2'));
    expect(await readdir(join(cliPaths(t.home).stateDir, 'tunnels'))).toEqual([`${second}.json`]);

    expect(await listener.stop('SIGINT')).toBe(0);
    expect(await w.webhooks()).toEqual([]);
    expect(w.reported()).toEqual(['started', 'SIGUSR2', 'started', 'SIGINT']);
    expect([alive(first), alive(second)]).toEqual([false, false]);
    expect(await readdir(join(cliPaths(t.home).stateDir, 'tunnels'))).toEqual([]);
  });

  it('Ctrl-C while it waits to restart: no new cloudflared, the webhook deleted, exit 0', async () => {
    const w = await world();
    const listener = t.started(
      await startCli(
        ['--json', 'listen', '--port', '0', '--tunnel', '--tunnel-check', 'off', '--tunnel-retry', '10m'],
        { home: t.home, env: w.env },
      ),
    );
    const first = await w.pid();
    process.kill(first, 'SIGUSR2');
    await listener.waitForStdout(/"state":"lost"/);
    expect(listener.stderr()).toContain('Restarting it in 10m (attempt 1 of 1)…');
    expect(await listener.stop('SIGINT')).toBe(0);
    expect(await w.webhooks()).toEqual([]);
    expect(w.reported()).toEqual(['started', 'SIGUSR2']);
    expect(await readFile(w.files.starts, 'utf8')).toBe('1');
    expect(alive(first)).toBe(false);
  });

  it('Ctrl-C while the new cloudflared starts: it is stopped (SIGINT), no process left, the webhook deleted, exit 0', async () => {
    // The restarted stand-in never gets ready: the listener is still waiting for it when Ctrl-C comes.
    const w = await world({ FAKE_CLOUDFLARED_RESTART_MODE: 'silent' });
    const listener = t.started(
      await startCli(['listen', '--port', '0', '--tunnel', '--tunnel-check', 'off', '--tunnel-retry', '1ms'], {
        home: t.home,
        env: w.env,
      }),
    );
    const first = await w.pid();
    process.kill(first, 'SIGUSR2');
    await w.reports(3);
    const second = await w.pid();
    expect(w.reported()).toEqual(['started', 'SIGUSR2', 'started']);
    expect(await listener.stop('SIGINT')).toBe(0);
    expect(w.reported()).toEqual(['started', 'SIGUSR2', 'started', 'SIGINT']);
    expect([alive(first), alive(second)]).toEqual([false, false]);
    expect(await w.webhooks()).toEqual([]);
    expect(listener.stderr()).not.toContain('Tunnel restored');
  });

  it('gives up after the last restart fails: each failure said, the webhook deleted, exit 1 with a clear message', async () => {
    const w = await world({ FAKE_CLOUDFLARED_RESTART_MODE: 'api-error' });
    const listener = t.started(
      await startCli(['listen', '--port', '0', '--tunnel', '--tunnel-check', 'off', '--tunnel-retry', '1ms,1ms'], {
        home: t.home,
        env: w.env,
      }),
    );
    process.kill(await w.pid(), 'SIGUSR2');
    expect(await listener.exited).toBe(1);
    const stderr = listener.stderr();
    expect(stderr).toContain('The tunnel is gone: cloudflared quick tunnel exited (code 1)');
    expect(stderr).toContain(
      'warning: the tunnel did not restart, trying again in 1ms (attempt 2 of 2): cloudflared exited (code 1) before the tunnel was ready; its last lines:\n',
    );
    expect(stderr).toMatch(/\n {2}\S+ ERR failed to request quick Tunnel/);
    expect(stderr).toContain(
      'warning: the tunnel did not restart, giving up: cloudflared exited (code 1) before the tunnel was ready',
    );
    expect(stderr).toContain(
      'the tunnel stopped and 2 restarts failed, so DataChonk can no longer reach this listener',
    );
    expect(stderr).not.toMatch(/\n\s+at /);
    expect(await readFile(w.files.starts, 'utf8')).toBe('3');
    expect(await w.webhooks()).toEqual([]);
  });
});

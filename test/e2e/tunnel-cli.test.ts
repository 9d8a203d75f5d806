import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { packageBinaryPath } from '../../src/core/tunnel/binary.js';
import { startSampleReceiver } from '../helpers/doc-sample-receiver.js';
import { homePerTest, listeningUrl, runCli, runCliWatchingForPrompt, startCli } from '../helpers/cli.js';
import { windows } from '../helpers/platform.js';
import { isAlive as alive } from '../helpers/process.js';
import { startRecordingServer } from '../helpers/recording-server.js';

const FAKE = fileURLToPath(new URL('../helpers/fake-cloudflared.mjs', import.meta.url));
// Only node's folder on PATH: no real cloudflared can be found by accident.
const NODE_ONLY_PATH = dirname(process.execPath);
// The copy of cloudflared the npm package `cloudflared` keeps, found after CLOUDFLARED_BIN and PATH.
const PACKAGE_COPY = (await packageBinaryPath()) ?? '';

const t = homePerTest('datachonk-e2e-tunnel-');
// The stand-in cloudflared processes a test saw: killed after it, whatever happened to their listener.
const killAfterTest = (pid: number) =>
  t.later(() => {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      /* gone already */
    }
  });

async function startEmulator(): Promise<Record<string, string>> {
  const emulator = t.started(await startCli(['emulator', 'start', '--port', '0', '--memory'], { home: t.home }));
  const url = /emulator on (http:\/\/\S+)/.exec(emulator.stderr())![1]!;
  return { DATACHONK_API_URL: url, DATACHONK_API_KEY: 'dck_tunnel_test', PATH: NODE_ONLY_PATH };
}

async function webhooks(env: Record<string, string>) {
  const listed = await runCli(['--json', 'webhooks', 'list'], { home: t.home, env });
  return listed.stdout
    .trim()
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as { id: string; url: string; events: string[]; description: string });
}

describe('listen --tunnel with a stand-in cloudflared and the emulator', () => {
  // Windows: the stand-in cloudflared, a shebang script, cannot be spawned by name there.
  it.skipIf(windows)(
    'registers the public URL for exactly the events asked, and Ctrl-C deletes it, stops cloudflared, exits 0',
    async () => {
      const env = await startEmulator();
      const pidfile = join(t.home, 'cloudflared.pid');
      // The stand-in reports each signal it catches here: SIGKILL, which it cannot catch, leaves no report.
      const signals = t.opened(await startRecordingServer());
      const listener = t.started(
        await startCli(
          [
            'listen',
            '--port',
            '0',
            '--tunnel',
            '--tunnel-check',
            'off',
            '--events',
            'generation.completed,push.completed',
          ],
          {
            home: t.home,
            env: {
              ...env,
              CLOUDFLARED_BIN: FAKE,
              FAKE_CLOUDFLARED_PIDFILE: pidfile,
              FAKE_CLOUDFLARED_HOST: 'brave-otter-lake',
              FAKE_CLOUDFLARED_REPORT_URL: signals.url,
            },
          },
        ),
      );
      const pid = Number(await readFile(pidfile, 'utf8'));
      killAfterTest(pid);
      const banner = listener.stderr();
      expect(banner).toContain('Public URL:     https://brave-otter-lake.trycloudflare.com/webhooks/datachonk');
      const [hook] = await webhooks(env);
      expect(hook).toMatchObject({
        url: 'https://brave-otter-lake.trycloudflare.com/webhooks/datachonk',
        events: ['generation.completed', 'push.completed'],
      });
      expect(hook!.description).toContain('datachonk listen (ephemeral)');
      expect(banner).toContain(`Webhook:        ${hook!.id}`);
      const sessionSecret = /Webhook secret: (whsec_\S+)/.exec(banner)![1]!;
      const devSecret = (await runCli(['listen', '--print-secret'], { home: t.home })).stdout.trim();
      expect(sessionSecret).not.toBe(devSecret);

      expect(await listener.stop('SIGINT')).toBe(0);
      expect(listener.stderr()).toContain(`Deleted webhook ${hook!.id}`);
      expect(await webhooks(env)).toEqual([]);
      expect(signals.requests.map((r) => r.body.toString())).toEqual(['started', 'SIGINT']);
      expect(alive(pid)).toBe(false);
    },
  );

  // Windows: the stand-in cloudflared, a shebang script, cannot be spawned by name there.
  it.skipIf(windows)(
    'a listener killed with SIGKILL leaves its webhook; the next one removes it and says so',
    async () => {
      const env = await startEmulator();
      const pidfile = join(t.home, 'cloudflared.pid');
      const tunnelEnv = { ...env, CLOUDFLARED_BIN: FAKE, FAKE_CLOUDFLARED_PIDFILE: pidfile };
      let listener = t.started(
        await startCli(['listen', '--port', '0', '--tunnel', '--tunnel-check', 'off'], {
          home: t.home,
          env: tunnelEnv,
        }),
      );
      killAfterTest(Number(await readFile(pidfile, 'utf8')));
      const [left] = await webhooks(env);
      await listener.stop('SIGKILL');

      expect((await webhooks(env)).map((w) => w.id)).toEqual([left!.id]);
      listener = t.started(
        await startCli(['listen', '--port', '0', '--tunnel', '--tunnel-check', 'off'], {
          home: t.home,
          env: tunnelEnv,
        }),
      );
      killAfterTest(Number(await readFile(pidfile, 'utf8')));
      expect(listener.stderr()).toContain(`Removed webhook ${left!.id}`);
      const now = await webhooks(env);
      expect(now).toHaveLength(1);
      expect(now[0]!.id).not.toBe(left!.id);
    },
  );

  // Windows: the stand-in cloudflared, a shebang script, cannot be spawned by name there.
  it.skipIf(windows)('no key: shows the public URL and the command that registers it', async () => {
    const listener = t.started(
      await startCli(['listen', '--port', '0', '--tunnel', '--tunnel-check', 'off'], {
        home: t.home,
        env: { PATH: NODE_ONLY_PATH, CLOUDFLARED_BIN: FAKE },
      }),
    );
    expect(listener.stderr()).toContain(
      'Public URL:     https://seasonal-deck-organisms-sf.trycloudflare.com/webhooks/datachonk',
    );
    expect(listener.stderr()).toMatch(
      /Register it: +datachonk webhooks create --url https:\/\/seasonal-deck-organisms-sf\.trycloudflare\.com\/webhooks\/datachonk --secret whsec_/,
    );
    expect(await listener.stop('SIGTERM')).toBe(0);
  });

  // Where the cloudflared package's install script could download its copy (npm ci with network, as on
  // GitHub's runners), that copy is found: there is no machine without cloudflared to test with.
  it.skipIf(existsSync(PACKAGE_COPY))(
    'no cloudflared and no terminal: fails at once without asking, names cloudflared, no stack trace',
    async () => {
      // stdin stays open: had it asked whether to download cloudflared, it would wait there for an answer.
      const result = await runCliWatchingForPrompt(['listen', '--port', '0', '--tunnel'], {
        home: t.home,
        env: { PATH: NODE_ONLY_PATH },
        prompt: /\[y\/N\]/,
      });
      expect(result.prompted, result.stderr).toBe(false);
      expect(result.code).toBe(1);
      expect(result.stderr).toContain('--tunnel needs cloudflared, and it is not installed');
      expect(result.stderr).toContain('cloudflared');
      expect(result.stderr).toContain('CLOUDFLARED_BIN');
      expect(result.stderr).toContain('datachonk tunnel install');
      expect(result.stderr).not.toMatch(/\n\s+at /);
    },
  );

  // Windows: the stand-in cloudflared, a shebang script, cannot be spawned by name there.
  it.skipIf(windows)(
    'a stand-in that prints an api.trycloudflare.com error and exits: a clear error quoting its last lines',
    async () => {
      const result = await runCli(['listen', '--port', '0', '--tunnel'], {
        home: t.home,
        env: { PATH: NODE_ONLY_PATH, CLOUDFLARED_BIN: FAKE, FAKE_CLOUDFLARED_MODE: 'api-error' },
      });
      expect(result.code).toBe(1);
      expect(result.stderr).toContain('cloudflared exited (code 1) before the tunnel was ready');
      expect(result.stderr).toContain('failed to request quick Tunnel: Post "https://api.trycloudflare.com/tunnel"');
      expect(result.stderr).not.toContain('Public URL');
    },
  );

  // Windows: the stand-in cloudflared, a shebang script, cannot be spawned by name there.
  it.skipIf(windows)(
    'cloudflared dying later, with no restarts to try (--tunnel-retry none): said loudly, webhook deleted, exit 1',
    async () => {
      const env = await startEmulator();
      const pidfile = join(t.home, 'cloudflared.pid');
      const listener = t.started(
        await startCli(['listen', '--port', '0', '--tunnel', '--tunnel-check', 'off', '--tunnel-retry', 'none'], {
          home: t.home,
          env: { ...env, CLOUDFLARED_BIN: FAKE, FAKE_CLOUDFLARED_MODE: 'die', FAKE_CLOUDFLARED_PIDFILE: pidfile },
        }),
      );
      // The stand-in loses its connection when told to (SIGUSR2), once the listener is ready.
      process.kill(Number(await readFile(pidfile, 'utf8')), 'SIGUSR2');
      expect(await listener.exited).toBe(1);
      expect(listener.stderr()).toContain('The tunnel is gone');
      expect(listener.stderr()).toContain('Connection terminated');
      expect(listener.stderr()).toContain('the tunnel stopped, so DataChonk can no longer reach this listener');
      expect(await webhooks(env)).toEqual([]);
    },
  );

  // Windows: a SIGINT from another process terminates the listener there, so its clean exit 0 cannot be seen.
  it.skipIf(windows)(
    'offline loop: emulator, listen --register --forward app, emulator emit reaches the app, verified',
    async () => {
      const env = await startEmulator();
      const devSecret = (await runCli(['listen', '--print-secret'], { home: t.home })).stdout.trim();
      const app = t.opened(await startSampleReceiver(devSecret));
      const listener = t.started(
        await startCli(['listen', '--port', '0', '--register', '--forward', new URL(app.url).origin], {
          home: t.home,
          env,
        }),
      );
      const [registered] = await webhooks(env);
      expect(registered!.url).toBe(listeningUrl(listener.stderr()));
      expect(listener.stderr()).toContain(`Webhook:        ${registered!.id}`);
      const emitted = await runCli(['emulator', 'emit', 'generation.completed'], { home: t.home, env });
      expect(emitted.code, emitted.stderr).toBe(0);
      expect(emitted.stdout).toContain('[200]');
      expect(app.accepted.map((e) => e.event)).toEqual(['generation.completed']);
      expect(app.rejected).toBe(0);
      await listener.waitForStdout(/--> generation\.completed .*✔ verified/);
      expect(await listener.stop('SIGINT')).toBe(0);
      expect(await webhooks(env)).toEqual([]);
    },
  );

  // Windows: a SIGINT from another process terminates the listener there, so its clean exit 0 cannot be seen.
  it.skipIf(windows)('--tunnel-url registers the given tunnel without cloudflared', async () => {
    const env = await startEmulator();
    const listener = t.started(
      await startCli(['listen', '--port', '0', '--tunnel-url', 'https://my-tunnel.ngrok.app'], { home: t.home, env }),
    );
    expect((await webhooks(env))[0]!.url).toBe('https://my-tunnel.ngrok.app/webhooks/datachonk');
    expect(await listener.stop('SIGINT')).toBe(0);
  });
});

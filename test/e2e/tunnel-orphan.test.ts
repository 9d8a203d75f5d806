import { readFile, readdir } from 'node:fs/promises';
import { createServer, type AddressInfo } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { cliPaths, homePerTest, startCli } from '../helpers/cli.js';
import { windows } from '../helpers/platform.js';
import { isAlive as alive } from '../helpers/process.js';

const FAKE = fileURLToPath(new URL('../helpers/fake-cloudflared.mjs', import.meta.url));
// Only node's folder on PATH, and no API key: no real cloudflared, no registration.
const NODE_ONLY_PATH = dirname(process.execPath);

const t = homePerTest('datachonk-e2e-orphan-');

/**
 * A server each stand-in cloudflared holds a connection to while it lives (FAKE_CLOUDFLARED_HOLD_PORT):
 * `ended(n)` resolves when the n-th of them (1-based) has closed it, i.e. that process is gone.
 */
async function lifelines(): Promise<{ port: number; ended(n: number): Promise<void> }> {
  const ends: Promise<void>[] = [];
  const server = createServer((socket) => {
    ends.push(new Promise((resolve) => socket.on('close', () => resolve())));
    socket.on('error', () => {});
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.later(
    () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
      }),
  );
  const connected = (n: number) =>
    new Promise<void>((resolve) => {
      const check = () => (ends.length >= n ? resolve() : server.once('connection', () => setImmediate(check)));
      check();
    });
  return {
    port: (server.address() as AddressInfo).port,
    ended: async (n) => {
      await connected(n);
      await ends[n - 1];
    },
  };
}

// Windows: the stand-in cloudflared, a shebang script, cannot be spawned by name there.
describe.skipIf(windows)('a listener killed with SIGKILL', () => {
  it('leaves its cloudflared running, and the next listen --tunnel stops it and forgets it', async () => {
    const pidfile = join(t.home, 'first.pid');
    const life = await lifelines();
    const env = { PATH: NODE_ONLY_PATH, CLOUDFLARED_BIN: FAKE, FAKE_CLOUDFLARED_HOLD_PORT: String(life.port) };
    const first = t.started(
      await startCli(['listen', '--port', '0', '--tunnel', '--tunnel-check', 'off', '--no-journal'], {
        home: t.home,
        env: { ...env, FAKE_CLOUDFLARED_PIDFILE: pidfile },
      }),
    );
    const orphan = Number(await readFile(pidfile, 'utf8'));
    t.later(() => {
      try {
        process.kill(orphan, 'SIGKILL');
      } catch {
        /* gone already */
      }
    });
    const notes = join(cliPaths(t.home).stateDir, 'tunnels');
    expect(await readdir(notes)).toEqual([`${orphan}.json`]);

    await first.stop('SIGKILL');
    // Node ran nothing on SIGKILL: cloudflared is still there.
    expect(alive(orphan)).toBe(true);

    const secondPid = join(t.home, 'second.pid');
    const second = t.started(
      await startCli(['listen', '--port', '0', '--tunnel', '--tunnel-check', 'off', '--no-journal'], {
        home: t.home,
        env: { ...env, FAKE_CLOUDFLARED_PIDFILE: secondPid },
      }),
    );
    await life.ended(1);
    const current = Number(await readFile(secondPid, 'utf8'));
    expect(await readdir(notes)).toEqual([`${current}.json`]);

    expect(await second.stop('SIGINT')).toBe(0);
    expect(await readdir(notes)).toEqual([]);
    expect(alive(current)).toBe(false);
  });
});

import { readFile, readdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { homePerTest, startCli } from '../helpers/cli.js';
import { isAlive as alive } from '../helpers/process.js';

const FAKE = fileURLToPath(new URL('../helpers/fake-cloudflared.mjs', import.meta.url));
// Only node's folder on PATH, and no API key: no real cloudflared, no registration.
const NODE_ONLY_PATH = dirname(process.execPath);

const t = homePerTest('datachonk-e2e-orphan-');

/** Resolves once the process is gone (a SIGKILLed child is reaped by init a moment later). */
async function gone(pid: number): Promise<void> {
  while (alive(pid)) await new Promise((resolve) => setTimeout(resolve, 20));
}

describe('a listener killed with SIGKILL', () => {
  it('leaves its cloudflared running, and the next listen --tunnel stops it and forgets it', async () => {
    const pidfile = join(t.home, 'first.pid');
    const env = { PATH: NODE_ONLY_PATH, CLOUDFLARED_BIN: FAKE };
    const first = t.started(await startCli(['listen', '--port', '0', '--tunnel', '--no-journal'], { home: t.home, env: { ...env, FAKE_CLOUDFLARED_PIDFILE: pidfile } }));
    const orphan = Number(await readFile(pidfile, 'utf8'));
    t.later(() => {
      try {
        process.kill(orphan, 'SIGKILL');
      } catch { /* gone already */ }
    });
    const notes = join(t.home, '.local', 'state', 'datachonk', 'tunnels');
    expect(await readdir(notes)).toEqual([`${orphan}.json`]);

    await first.stop('SIGKILL');
    // Node ran nothing on SIGKILL: cloudflared is still there.
    expect(alive(orphan)).toBe(true);

    const secondPid = join(t.home, 'second.pid');
    const second = t.started(await startCli(['listen', '--port', '0', '--tunnel', '--no-journal'], { home: t.home, env: { ...env, FAKE_CLOUDFLARED_PIDFILE: secondPid } }));
    await gone(orphan);
    const current = Number(await readFile(secondPid, 'utf8'));
    expect(await readdir(notes)).toEqual([`${current}.json`]);

    expect(await second.stop('SIGINT')).toBe(0);
    expect(await readdir(notes)).toEqual([]);
    expect(alive(current)).toBe(false);
  });
});

import { readFile, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { findCloudflared } from '../../src/core/tunnel/binary.js';
import { parseTunnelUrl, startQuickTunnel, type QuickTunnel } from '../../src/core/tunnel/quick-tunnel.js';
import { isAlive as alive } from '../helpers/process.js';
import { wordsOf } from '../helpers/program.js';

const FAKE = fileURLToPath(new URL('../helpers/fake-cloudflared.mjs', import.meta.url));
let dir: string;
let tunnel: QuickTunnel | undefined;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'datachonk-tunnel-'));
});
afterEach(async () => {
  await tunnel?.stop();
  tunnel = undefined;
  await rm(dir, { recursive: true, force: true });
});


function start(env: Record<string, string> = {}, options: { startTimeoutMs?: number; stopGraceMs?: number } = {}) {
  return startQuickTunnel({
    bin: FAKE, localUrl: 'http://127.0.0.1:4747', env: { PATH: process.env.PATH, ...env },
    startTimeoutMs: options.startTimeoutMs ?? 5000, stopGraceMs: options.stopGraceMs ?? 2000,
  });
}

describe('parseTunnelUrl', () => {
  it.each([
    ['2026-11-26T14:55:55Z INF |  https://seasonal-deck-organisms-sf.trycloudflare.com                  |', 'https://seasonal-deck-organisms-sf.trycloudflare.com'],
    ['https://abc-def.trycloudflare.com', 'https://abc-def.trycloudflare.com'],
    ['ERR failed to request quick Tunnel: Post "https://api.trycloudflare.com/tunnel": dial tcp', undefined],
    ['INF |  https://api.trycloudflare.com  |', undefined],
    ['see https://developers.cloudflare.com/cloudflare-one/connections', undefined],
    ['https://evil.trycloudflare.com.example.org', undefined],
  ])('%s', (line, expected) => {
    expect(parseTunnelUrl(line)).toBe(expected);
  });
});

describe('startQuickTunnel with a stand-in cloudflared', () => {
  it('reads the boxed URL, waits for a registered connection, passes --url, and stops on SIGINT', async () => {
    const pidfile = join(dir, 'pid');
    const argsfile = join(dir, 'args');
    tunnel = await start({ FAKE_CLOUDFLARED_PIDFILE: pidfile, FAKE_CLOUDFLARED_ARGSFILE: argsfile });
    expect(tunnel.url).toBe('https://seasonal-deck-organisms-sf.trycloudflare.com');
    expect(JSON.parse(await readFile(argsfile, 'utf8'))).toEqual(['tunnel', '--no-autoupdate', '--url', 'http://127.0.0.1:4747']);
    const pid = Number(await readFile(pidfile, 'utf8'));
    expect(alive(pid)).toBe(true);
    await tunnel.stop();
    expect(alive(pid)).toBe(false);
  });

  it('an api.trycloudflare.com failure is an error quoting the last lines, never a URL', async () => {
    const error = await start({ FAKE_CLOUDFLARED_MODE: 'api-error' }).then(() => undefined, (e: Error) => e);
    expect(wordsOf(error, 'listen').message).toContain('cloudflared exited (code 1) before the tunnel was ready');
    expect(wordsOf(error, 'listen').message).toContain('failed to request quick Tunnel');
  });

  it('no URL within the timeout: an error, and the process is gone', async () => {
    const pidfile = join(dir, 'pid');
    const error = await start({ FAKE_CLOUDFLARED_MODE: 'silent', FAKE_CLOUDFLARED_PIDFILE: pidfile }, { startTimeoutMs: 300 }).then(() => undefined, (e: Error) => e);
    expect(wordsOf(error, 'listen').message).toContain('no tunnel URL within 0.3s');
    expect(alive(Number(await readFile(pidfile, 'utf8')))).toBe(false);
  });

  it('a cloudflared that ignores SIGINT is killed after the grace period', async () => {
    const pidfile = join(dir, 'pid');
    tunnel = await start({ FAKE_CLOUDFLARED_IGNORE_SIGINT: '1', FAKE_CLOUDFLARED_PIDFILE: pidfile }, { stopGraceMs: 200 });
    await tunnel.stop();
    expect(alive(Number(await readFile(pidfile, 'utf8')))).toBe(false);
  });

  it('reports a cloudflared that dies later, with its last lines', async () => {
    tunnel = await start({ FAKE_CLOUDFLARED_MODE: 'die', FAKE_CLOUDFLARED_DIE_MS: '50' });
    const lost = await tunnel.lost;
    expect(lost.code).toBe(1);
    expect(lost.lastLines.join('\n')).toContain('Connection terminated');
  });

  it('a missing binary is a clear error', async () => {
    const error = await startQuickTunnel({ bin: join(dir, 'nope'), localUrl: 'http://127.0.0.1:1', env: {}, startTimeoutMs: 1000, stopGraceMs: 100 }).then(() => undefined, (e: Error) => e);
    expect(wordsOf(error, 'listen').message).toContain('no such file');
  });
});

describe('findCloudflared', () => {
  it('takes CLOUDFLARED_BIN first, then PATH, then the package copy', async () => {
    expect(await findCloudflared({ CLOUDFLARED_BIN: '/x/cf', PATH: '/usr/bin' }, FAKE)).toEqual({ path: '/x/cf', from: 'CLOUDFLARED_BIN' });
    const { symlink } = await import('node:fs/promises');
    await symlink(FAKE, join(dir, 'cloudflared'));
    expect(await findCloudflared({ PATH: `/nonexistent:${dir}` }, undefined)).toEqual({ path: join(dir, 'cloudflared'), from: 'PATH' });
    expect(await findCloudflared({ PATH: '/nonexistent' }, FAKE)).toEqual({ path: FAKE, from: 'package' });
    expect(await findCloudflared({ PATH: '/nonexistent' }, join(dir, 'missing'))).toBeUndefined();
  });
});

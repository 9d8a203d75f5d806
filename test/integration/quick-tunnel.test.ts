import { copyFile, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { findCloudflared } from '../../src/core/tunnel/binary.js';
import { stopOrphans } from '../../src/core/tunnel/cloudflared.js';
import { parseTunnelUrl, startQuickTunnel, type QuickTunnel } from '../../src/core/tunnel/quick-tunnel.js';
import { windows } from '../helpers/platform.js';
import { isAlive as alive } from '../helpers/process.js';
import { wordsOf } from '../helpers/program.js';
import { startRecordingServer, type RecordingServer } from '../helpers/recording-server.js';

const FAKE = fileURLToPath(new URL('../helpers/fake-cloudflared.mjs', import.meta.url));
let dir: string;
let tunnel: QuickTunnel | undefined;
let reports: RecordingServer | undefined;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'datachonk-tunnel-'));
});
afterEach(async () => {
  vi.useRealTimers();
  await tunnel?.stop();
  tunnel = undefined;
  await reports?.close();
  reports = undefined;
  await rm(dir, { recursive: true, force: true });
});

/** A server the stand-in reports to (FAKE_CLOUDFLARED_REPORT_URL): `started`, then each signal it catches. */
async function signalReports() {
  reports = await startRecordingServer();
  const server = reports;
  return {
    url: server.url,
    /** What it reported so far, in order. */
    reported: () => server.requests.map((r) => r.body.toString()),
    /** Resolves with the nth report (1-based). */
    nth: async (n: number) => (await server.waitFor(n))[n - 1]!.body.toString(),
  };
}

const pidOf = async (pidfile: string) => Number(await readFile(pidfile, 'utf8'));

function start(
  env: Record<string, string> = {},
  options: { startTimeoutMs?: number; stopGraceMs?: number; platform?: NodeJS.Platform } = {},
) {
  return startQuickTunnel({
    bin: FAKE,
    localUrl: 'http://127.0.0.1:4747',
    env: { PATH: process.env.PATH, ...env },
    startTimeoutMs: options.startTimeoutMs ?? 5000,
    stopGraceMs: options.stopGraceMs ?? 2000,
    platform: options.platform,
  });
}

describe('parseTunnelUrl', () => {
  it.each([
    [
      '2026-11-26T14:55:55Z INF |  https://seasonal-deck-organisms-sf.trycloudflare.com                  |',
      'https://seasonal-deck-organisms-sf.trycloudflare.com',
    ],
    ['https://abc-def.trycloudflare.com', 'https://abc-def.trycloudflare.com'],
    ['ERR failed to request quick Tunnel: Post "https://api.trycloudflare.com/tunnel": dial tcp', undefined],
    ['INF |  https://api.trycloudflare.com  |', undefined],
    ['see https://developers.cloudflare.com/cloudflare-one/connections', undefined],
    ['https://evil.trycloudflare.com.example.org', undefined],
  ])('%s', (line, expected) => {
    expect(parseTunnelUrl(line)).toBe(expected);
  });
});

// Windows cannot spawn the stand-in (a shebang script) by name, nor send it SIGUSR2.
describe.skipIf(windows)('startQuickTunnel with a stand-in cloudflared', () => {
  it('reads the boxed URL, waits for a registered connection, and passes --url', async () => {
    const pidfile = join(dir, 'pid');
    const argsfile = join(dir, 'args');
    tunnel = await start({ FAKE_CLOUDFLARED_PIDFILE: pidfile, FAKE_CLOUDFLARED_ARGSFILE: argsfile });
    expect(tunnel.url).toBe('https://seasonal-deck-organisms-sf.trycloudflare.com');
    expect(JSON.parse(await readFile(argsfile, 'utf8'))).toEqual([
      'tunnel',
      '--no-autoupdate',
      '--url',
      'http://127.0.0.1:4747',
    ]);
    expect(alive(await pidOf(pidfile))).toBe(true);
  });

  it('stop() sends SIGINT, and a cloudflared that exits on it gets no SIGKILL', async () => {
    const signals = await signalReports();
    const pidfile = join(dir, 'pid');
    tunnel = await start({ FAKE_CLOUDFLARED_REPORT_URL: signals.url, FAKE_CLOUDFLARED_PIDFILE: pidfile });
    await tunnel.stop();
    expect(signals.reported()).toEqual(['started', 'SIGINT']);
    expect(await tunnel.lost).toMatchObject({ code: 0, signal: null });
    expect(alive(await pidOf(pidfile))).toBe(false);
  });

  it('a cloudflared that ignores SIGINT gets SIGKILL, and only once the grace period is over', async () => {
    const signals = await signalReports();
    const pidfile = join(dir, 'pid');
    const graceMs = 10_000;
    tunnel = await start(
      {
        FAKE_CLOUDFLARED_IGNORE_SIGINT: '1',
        FAKE_CLOUDFLARED_REPORT_URL: signals.url,
        FAKE_CLOUDFLARED_PIDFILE: pidfile,
      },
      { stopGraceMs: graceMs },
    );
    const pid = await pidOf(pidfile);
    // The grace period runs on the test's clock: no waiting, and no race with a slow machine.
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const stopping = tunnel.stop();
    const gone = tunnel.lost.then(({ signal }) => `exited (${signal})`);
    // `started` came before the tunnel was ready; then SIGINT, which it survives.
    expect(await Promise.race([signals.nth(2), gone])).toBe('SIGINT');

    await vi.advanceTimersByTimeAsync(graceMs - 1);
    // A probe it answers only while it lives: killed early, it would be reaped and answer nothing.
    process.kill(pid, 'SIGUSR2');
    expect(await Promise.race([signals.nth(3), gone])).toBe('SIGUSR2');

    await vi.advanceTimersByTimeAsync(1);
    await stopping;
    expect(await gone).toBe('exited (SIGKILL)');
    expect(signals.reported()).toEqual(['started', 'SIGINT', 'SIGUSR2']);
  });

  it('on Windows stop() kills it plainly, with no SIGINT first: there every kill terminates at once', async () => {
    const signals = await signalReports();
    const pidfile = join(dir, 'pid');
    tunnel = await start(
      { FAKE_CLOUDFLARED_REPORT_URL: signals.url, FAKE_CLOUDFLARED_PIDFILE: pidfile },
      { platform: 'win32' },
    );
    await tunnel.stop();
    // Here, on POSIX, a plain kill is SIGTERM, which the stand-in reports; Windows terminates it.
    expect(signals.reported()).toEqual(['started', 'SIGTERM']);
    expect(alive(await pidOf(pidfile))).toBe(false);
  });

  it('an api.trycloudflare.com failure is an error quoting the last lines, never a URL', async () => {
    const error = await start({ FAKE_CLOUDFLARED_MODE: 'api-error' }).then(
      () => undefined,
      (e: Error) => e,
    );
    expect(wordsOf(error, 'listen').message).toContain('cloudflared exited (code 1) before the tunnel was ready');
    expect(wordsOf(error, 'listen').message).toContain('failed to request quick Tunnel');
  });

  it('hands out a kill as soon as cloudflared is spawned, before it is ready (for an exit hook)', async () => {
    let kill: (() => void) | undefined;
    const starting = startQuickTunnel({
      bin: FAKE,
      localUrl: 'http://127.0.0.1:4747',
      env: { PATH: process.env.PATH, FAKE_CLOUDFLARED_MODE: 'silent' },
      startTimeoutMs: 60_000,
      stopGraceMs: 2000,
      onSpawn: (k) => (kill = k),
    }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(kill).toBeTypeOf('function');
    kill!();
    // Killed while it was still starting: the start fails at once, naming the signal.
    expect(wordsOf(await starting, 'listen').message).toContain(
      'cloudflared exited (SIGKILL) before the tunnel was ready',
    );
  });

  it('a start aborted before the tunnel is ready stops cloudflared with SIGINT and rejects with the reason', async () => {
    const signals = await signalReports();
    const pidfile = join(dir, 'pid');
    const abort = new AbortController();
    const starting = startQuickTunnel({
      bin: FAKE,
      localUrl: 'http://127.0.0.1:4747',
      env: {
        PATH: process.env.PATH,
        FAKE_CLOUDFLARED_MODE: 'silent',
        FAKE_CLOUDFLARED_PIDFILE: pidfile,
        FAKE_CLOUDFLARED_REPORT_URL: signals.url,
      },
      startTimeoutMs: 60_000,
      stopGraceMs: 2000,
      signal: abort.signal,
    }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(await signals.nth(1)).toBe('started');
    abort.abort(new Error('the listener is stopping'));
    expect(((await starting) as Error).message).toBe('the listener is stopping');
    expect(signals.reported()).toEqual(['started', 'SIGINT']);
    expect(alive(await pidOf(pidfile))).toBe(false);
  });

  it('no URL within the timeout: an error, and the process is stopped with SIGINT', async () => {
    const signals = await signalReports();
    const pidfile = join(dir, 'pid');
    // The start timeout runs on the test's clock, and only once the stand-in is up and silent.
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const starting = start(
      { FAKE_CLOUDFLARED_MODE: 'silent', FAKE_CLOUDFLARED_PIDFILE: pidfile, FAKE_CLOUDFLARED_REPORT_URL: signals.url },
      { startTimeoutMs: 300 },
    ).then(
      () => undefined,
      (e: Error) => e,
    );
    expect(await signals.nth(1)).toBe('started');
    await vi.advanceTimersByTimeAsync(300);
    const error = await starting;
    expect(wordsOf(error, 'listen').message).toContain('no tunnel URL within 0.3s');
    expect(signals.reported()).toEqual(['started', 'SIGINT']);
    expect(alive(await pidOf(pidfile))).toBe(false);
  });

  it('reports a cloudflared that dies later, with its last lines', async () => {
    const pidfile = join(dir, 'pid');
    tunnel = await start({ FAKE_CLOUDFLARED_MODE: 'die', FAKE_CLOUDFLARED_PIDFILE: pidfile });
    process.kill(await pidOf(pidfile), 'SIGUSR2');
    const lost = await tunnel.lost;
    expect(lost.code).toBe(1);
    expect(lost.lastLines.join('\n')).toContain('Connection terminated');
  });
});

describe('startQuickTunnel', () => {
  it('a missing binary is a clear error', async () => {
    const error = await startQuickTunnel({
      bin: join(dir, 'nope'),
      localUrl: 'http://127.0.0.1:1',
      env: {},
      startTimeoutMs: 1000,
      stopGraceMs: 100,
    }).then(
      () => undefined,
      (e: Error) => e,
    );
    expect(wordsOf(error, 'listen').message).toContain('no such file');
  });
});

describe('findCloudflared', () => {
  it('takes CLOUDFLARED_BIN first, then PATH, then the package copy', async () => {
    expect(await findCloudflared({ CLOUDFLARED_BIN: '/x/cf', PATH: '/usr/bin' }, FAKE)).toEqual({
      path: '/x/cf',
      from: 'CLOUDFLARED_BIN',
    });
    // A copy keeps the stand-in's executable mode; on Windows the name on PATH is cloudflared.exe.
    const onPath = join(dir, windows ? 'cloudflared.exe' : 'cloudflared');
    await copyFile(FAKE, onPath);
    expect(await findCloudflared({ PATH: [join(dir, 'nonexistent'), dir].join(delimiter) }, undefined)).toEqual({
      path: onPath,
      from: 'PATH',
    });
    expect(await findCloudflared({ PATH: '/nonexistent' }, FAKE)).toEqual({ path: FAKE, from: 'package' });
    expect(await findCloudflared({ PATH: '/nonexistent' }, join(dir, 'missing'))).toBeUndefined();
  });
});

describe('stopOrphans', () => {
  /** A note left by a listener that is gone, naming `cloudflared` as its tunnel's pid. */
  async function orphanNote(cloudflared: number): Promise<string> {
    const notes = join(dir, 'tunnels');
    await mkdir(notes);
    await writeFile(join(notes, `${cloudflared}.json`), JSON.stringify({ listener: 2147483646, cloudflared }));
    return notes;
  }

  it('on Linux asks /proc whether the pid still runs a tunnel: a reused pid is left alone', async () => {
    // This test's own pid stands for a pid reused by something else: alive, and no `tunnel --url`.
    const notes = await orphanNote(process.pid);
    const signalled: number[] = [];
    const stopped = await stopOrphans(notes, {
      isAlive: (pid) => pid === process.pid,
      signal: (pid) => signalled.push(pid),
      platform: 'linux',
    });
    expect({ stopped, signalled }).toEqual({ stopped: [], signalled: [] });
    expect(await readdir(notes)).toEqual([]);
  });

  it.each(['darwin', 'win32'] as const)('on %s, with no /proc, trusts the note and kills the pid', async (platform) => {
    const notes = await orphanNote(process.pid);
    const signalled: [number, string][] = [];
    const stopped = await stopOrphans(notes, {
      isAlive: (pid) => pid === process.pid,
      signal: (pid, signal) => signalled.push([pid, signal]),
      platform,
    });
    expect({ stopped, signalled }).toEqual({ stopped: [process.pid], signalled: [[process.pid, 'SIGKILL']] });
    expect(await readdir(notes)).toEqual([]);
  });
});

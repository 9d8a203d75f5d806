import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { TunnelProvider } from './provider.js';
import { startQuickTunnel } from './quick-tunnel.js';

// The cloudflared quick tunnel as a TunnelProvider. A listener killed with SIGKILL cannot stop its
// cloudflared (Node runs nothing then), so each running tunnel leaves a note in the state folder
// (`tunnels/<cloudflared pid>.json`, naming its listener's pid); the next start stops the
// cloudflared of every note whose listener is gone (field-notes.md: child processes die with their parent).

export interface CloudflaredOptions {
  bin: string;
  env: Readonly<Record<string, string | undefined>>;
  /** Where the notes of running tunnels are kept. */
  stateDir: string;
  /** This process's pid, written in each note. */
  pid: number;
  isAlive: (pid: number) => boolean;
  /** Sends a signal to a pid (process.kill). */
  signal: (pid: number, signal: NodeJS.Signals) => void;
  startTimeoutMs: number;
  stopGraceMs: number;
  /** Decides how cloudflared is stopped and whether /proc can tell a pid's command; default: this process's. */
  platform?: NodeJS.Platform | undefined;
  /** Hears of each orphaned cloudflared stopped. */
  onOrphanStopped?: (pid: number) => void;
  /**
   * Hears of each cloudflared as soon as it is spawned, with a synchronous kill, so that the caller can end
   * it if the process exits before the tunnel is even ready (a second Ctrl-C during the start).
   */
  onStarted?: (kill: () => void) => void;
}

interface Note {
  listener: number;
  cloudflared: number;
}

export function cloudflaredProvider(options: CloudflaredOptions): TunnelProvider {
  const dir = join(options.stateDir, 'tunnels');
  return {
    name: 'cloudflared quick tunnel',
    async start(localOrigin, { signal } = {}) {
      await stopOrphans(dir, options);
      const tunnel = await startQuickTunnel({
        bin: options.bin,
        localUrl: localOrigin,
        env: options.env,
        startTimeoutMs: options.startTimeoutMs,
        stopGraceMs: options.stopGraceMs,
        platform: options.platform,
        onSpawn: options.onStarted,
        signal,
      });
      const note = tunnel.pid === undefined ? undefined : join(dir, `${tunnel.pid}.json`);
      if (note) {
        try {
          // The modes do nothing on Windows (no POSIX modes); the state folder is the user's own there.
          await mkdir(dir, { recursive: true, mode: 0o700 });
          await writeFile(note, JSON.stringify({ listener: options.pid, cloudflared: tunnel.pid! } satisfies Note), {
            mode: 0o600,
          });
        } catch (error) {
          // Nobody would stop a tunnel whose start failed: stop it before saying so.
          await tunnel.stop();
          throw error;
        }
      }
      const forget = () => (note ? rm(note, { force: true }) : Promise.resolve());
      const lost = tunnel.lost.then(async ({ code, signal, lastLines }) => {
        await forget();
        return { how: signal ?? `code ${code}`, lastLines };
      });
      return {
        url: tunnel.url,
        lost,
        kill: tunnel.kill,
        stop: async () => {
          await tunnel.stop();
          await forget();
        },
      };
    },
  };
}

/** Stops the cloudflared of every note whose listener is gone, and removes those notes. */
export async function stopOrphans(
  dir: string,
  options: Pick<CloudflaredOptions, 'isAlive' | 'signal' | 'onOrphanStopped' | 'platform'>,
): Promise<number[]> {
  const names = await readdir(dir).catch(() => [] as string[]);
  const stopped: number[] = [];
  for (const name of names.filter((n) => n.endsWith('.json'))) {
    const note = await readNote(join(dir, name));
    if (note && options.isAlive(note.listener)) continue;
    if (
      note &&
      options.isAlive(note.cloudflared) &&
      (await stillATunnel(note.cloudflared, options.platform ?? process.platform))
    ) {
      try {
        // On Windows too: process.kill ends it there with TerminateProcess, whatever the signal.
        options.signal(note.cloudflared, 'SIGKILL');
        stopped.push(note.cloudflared);
        options.onOrphanStopped?.(note.cloudflared);
      } catch {
        // gone in the meantime
      }
    }
    await rm(join(dir, name), { force: true });
  }
  return stopped;
}

async function readNote(file: string): Promise<Note | undefined> {
  try {
    const value = JSON.parse(await readFile(file, 'utf8')) as Partial<Note>;
    return Number.isInteger(value.listener) && Number.isInteger(value.cloudflared) ? (value as Note) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Whether a pid still runs `… tunnel … --url …`: a pid can be reused once its process is gone. Linux
 * tells through /proc; elsewhere (macOS, Windows: no /proc) the note is trusted.
 */
async function stillATunnel(pid: number, platform: NodeJS.Platform): Promise<boolean> {
  if (platform !== 'linux') return true;
  let cmdline: string;
  try {
    cmdline = await readFile(`/proc/${pid}/cmdline`, 'utf8');
  } catch {
    return false;
  }
  const args = cmdline.split('\0');
  return args.includes('tunnel') && args.includes('--url');
}

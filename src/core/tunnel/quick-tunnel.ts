import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { Failure } from '../../failure.js';

/** Lines of cloudflared's output kept, so that a failure can quote them. */
const KEPT_LINES = 15;

// The public URL is printed inside a box: `INF |  https://<words>.trycloudflare.com   |`. A failed
// API call prints `https://api.trycloudflare.com/tunnel`, which must never be taken for it.
const QUICK_TUNNEL_URL = /https:\/\/([a-z0-9]+(?:-[a-z0-9]+)*)\.trycloudflare\.com(?=\s|\||$)/i;

/** The public URL in one line of cloudflared's output, if the line has it. */
export function parseTunnelUrl(line: string): string | undefined {
  const match = QUICK_TUNNEL_URL.exec(line);
  if (!match || match[1]!.toLowerCase() === 'api') return undefined;
  return `https://${match[1]!.toLowerCase()}.trycloudflare.com`;
}

export interface QuickTunnelOptions {
  bin: string;
  /** The local URL cloudflared forwards to, e.g. http://127.0.0.1:4747 */
  localUrl: string;
  /** How long to wait for the URL and the first registered connection. */
  startTimeoutMs: number;
  /** How long after SIGINT before SIGKILL. */
  stopGraceMs: number;
  /** Decides how cloudflared is stopped (`stopChild`); default: this process's platform. */
  platform?: NodeJS.Platform | undefined;
  /** cloudflared's environment. */
  env: Readonly<Record<string, string | undefined>>;
  /** Called once the process runs, before it is ready, with a synchronous kill (for a last-resort exit hook). */
  onSpawn?: ((kill: () => void) => void) | undefined;
  /** Aborted before the tunnel is ready: cloudflared is stopped and the start rejects with the signal's reason. */
  signal?: AbortSignal | undefined;
}

export interface QuickTunnel {
  url: string;
  pid: number | undefined;
  /** Resolves if cloudflared exits on its own, with the last lines it printed. */
  lost: Promise<{ code: number | null; signal: NodeJS.Signals | null; lastLines: string[] }>;
  /** SIGINT, then SIGKILL after the grace period (Windows: a plain kill); resolves once the process is gone. */
  stop(): Promise<void>;
  /** Synchronous last resort for process exit: SIGKILL (on Windows, like any kill, TerminateProcess). */
  kill(): void;
}

/** A running cloudflared child, watched: its exit, its last lines, the URL and connection it printed. */
interface Watched {
  child: ChildProcess;
  exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  exited: () => boolean;
  spawnError: Promise<Error>;
  lastLines: string[];
  /** Resolves with the URL once cloudflared printed it and registered a connection. */
  ready: Promise<string>;
}

/**
 * Starts `cloudflared tunnel --url <localUrl>` and resolves once it has a public URL and a
 * registered connection. Never prompts, never exits: failures are thrown with cloudflared's own
 * last lines.
 */
export async function startQuickTunnel(options: QuickTunnelOptions): Promise<QuickTunnel> {
  const watched = spawnWatched(options);
  const stop = () =>
    stopChild(watched, { graceMs: options.stopGraceMs, platform: options.platform ?? process.platform });
  let timer: NodeJS.Timeout | undefined;
  const aborted = abortion(options.signal);
  const outcome = await Promise.race([
    watched.ready,
    watched.exit.then(() => 'exited' as const),
    watched.spawnError,
    new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), options.startTimeoutMs))),
    aborted.promise,
  ]);
  clearTimeout(timer);
  aborted.dispose();
  if (outcome === 'aborted') {
    await stop();
    throw options.signal!.reason;
  }
  if (outcome instanceof Error) {
    const code = (outcome as NodeJS.ErrnoException).code;
    throw new Failure('tunnel-cannot-start', {
      bin: options.bin,
      detail: code === 'ENOENT' ? 'no such file' : code === 'EACCES' ? 'not executable' : outcome.message,
    });
  }
  if (outcome === 'exited') {
    const { code, signal } = await watched.exit;
    throw new Failure('tunnel-exited-early', { how: signal ?? `code ${code}`, lastLines: [...watched.lastLines] });
  }
  if (outcome === 'timeout') {
    await stop();
    throw new Failure('tunnel-no-url', { seconds: options.startTimeoutMs / 1000, lastLines: [...watched.lastLines] });
  }
  return {
    url: outcome,
    pid: watched.child.pid,
    lost: watched.exit.then(({ code, signal }) => ({ code, signal, lastLines: [...watched.lastLines] })),
    stop,
    kill: () => {
      if (!watched.exited()) watched.child.kill('SIGKILL');
    },
  };
}

/**
 * Resolves once `signal` is aborted (at once if it already is); never without one. `dispose` takes its
 * listener off the signal, which a session shares across restarts (Node warns past 10 listeners).
 */
function abortion(signal: AbortSignal | undefined): { promise: Promise<'aborted'>; dispose(): void } {
  let onAbort = () => {};
  const promise = new Promise<'aborted'>((resolve) => {
    onAbort = () => resolve('aborted');
    if (signal?.aborted) resolve('aborted');
    signal?.addEventListener('abort', onAbort, { once: true });
  });
  return { promise, dispose: () => signal?.removeEventListener('abort', onAbort) };
}

function spawnWatched(options: QuickTunnelOptions): Watched {
  let child: ChildProcess;
  try {
    // --no-autoupdate: a tool run for a session must not replace its binary behind the user's back.
    child = spawn(options.bin, ['tunnel', '--no-autoupdate', '--url', options.localUrl], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: options.env,
    });
  } catch (error) {
    throw new Failure('tunnel-cannot-start', { bin: options.bin, detail: (error as Error).message });
  }
  let exited = false;
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.once('exit', (code, signal) => {
      exited = true;
      resolve({ code, signal });
    });
  });
  options.onSpawn?.(() => {
    if (!exited) child.kill('SIGKILL');
  });
  const lastLines: string[] = [];
  let url: string | undefined;
  let connected = false;
  const ready = new Promise<string>((resolve) => {
    for (const stream of [child.stdout!, child.stderr!]) {
      createInterface({ input: stream, crlfDelay: Infinity }).on('line', (line) => {
        lastLines.push(line);
        if (lastLines.length > KEPT_LINES) lastLines.shift();
        url ??= parseTunnelUrl(line);
        if (/Registered tunnel connection/i.test(line)) connected = true;
        if (url && connected) resolve(url);
      });
    }
  });
  return {
    child,
    exit,
    exited: () => exited,
    spawnError: new Promise<Error>((resolve) => child.on('error', resolve)),
    lastLines,
    ready,
  };
}

/**
 * SIGINT, then SIGKILL after the grace period; resolves once the process is gone. Windows has no
 * signals between processes: any kill there ends the process at once (TerminateProcess, exit code 1),
 * so it gets a plain kill and no grace period to wait out.
 * https://nodejs.org/api/child_process.html#subprocesskillsignal
 */
async function stopChild(
  watched: Watched,
  { graceMs, platform }: { graceMs: number; platform: NodeJS.Platform },
): Promise<void> {
  if (watched.exited()) return;
  if (platform === 'win32') {
    watched.child.kill();
    await watched.exit;
    return;
  }
  // cloudflared drains on SIGINT for up to 30 s; a second signal or SIGKILL ends it.
  watched.child.kill('SIGINT');
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([watched.exit, new Promise<void>((resolve) => (timer = setTimeout(resolve, graceMs)))]);
  clearTimeout(timer);
  if (!watched.exited()) {
    watched.child.kill('SIGKILL');
    await watched.exit;
  }
}

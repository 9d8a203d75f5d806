import type { ChildProcess } from 'node:child_process';

// Node cannot tell that the reader of a pipe has gone until it writes to it: it has no poll() of a file
// descriptor, and a write of zero bytes succeeds on Linux even with no reader. So `listen --json | head -2`
// would hold its port until its next line. GNU tail can (coreutils 8.28+, `tail -f | head`): a
// `tail -f --pid=<ours> /dev/null` that shares our stdout writes nothing, polls that stdout, and dies of
// SIGPIPE when its reader goes; polling every 0.2 s, it also ends within that of us, however we end. Only on
// Linux, where tail is GNU's: elsewhere (macOS and BSD tail, busybox: no --pid; Windows: no tail, or an MSYS
// one that knows no Windows pid) nothing is watched, and the next write says it, as before.

/** What starting the watcher needs of the process: `child_process.spawn`, our pid, whether stdout is a pipe. */
export interface ReaderWatchOptions {
  spawn: (command: string, args: string[], options: { stdio: ['ignore', 'inherit', 'ignore'] }) => ChildProcess;
  pid: number;
  /** process.platform: only Linux is watched. */
  platform: NodeJS.Platform;
  stdoutIsPipe: boolean;
  /** Called once, when the reader of stdout has gone. */
  onGone: () => void;
}

/** Watches for the reader of a piped stdout to go; the returned function stops watching (call it at exit). */
export function watchReader({ spawn, pid, platform, stdoutIsPipe, onGone }: ReaderWatchOptions): () => void {
  if (!stdoutIsPipe || platform !== 'linux') return () => {};
  let child: ChildProcess;
  try {
    child = spawn('tail', ['-f', '-s', '0.2', `--pid=${pid}`, '/dev/null'], { stdio: ['ignore', 'inherit', 'ignore'] });
  } catch {
    return () => {};
  }
  // No tail: nothing is watched.
  child.on('error', () => {});
  child.on('exit', (_code, signal) => {
    if (signal === 'SIGPIPE') onGone();
  });
  // The watcher must not keep a finished command alive, nor our stdout open after we end (a `| jq` would
  // wait for it).
  child.unref();
  return () => {
    if (child.exitCode === null && child.signalCode === null) child.kill();
  };
}

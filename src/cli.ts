// The entry point: makes the world from this process and runs the program. The only place that reads
// process.argv/env, installs signal handlers and decides how the process ends.
import { spawn } from 'node:child_process';
import { fstatSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { resolvePaths } from './config/paths.js';
import type { Context, OutputMode } from './context.js';
import { EXIT_CODES, runProgram, type World } from './program.js';
import { watchReader } from './reader-gone.js';
import { READER_GONE, shutdownHandling } from './shutdown.js';

const version = (JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string })
  .version;

/**
 * The first SIGINT or SIGTERM (on Windows SIGINT or SIGBREAK: Ctrl-C, Ctrl-Break) resolves `wait()`
 * (the command then shuts down cleanly); a second one exits at once. Installed only by commands that
 * wait for it, so Ctrl-C still ends the others.
 */
const shutdown = shutdownHandling({
  signals: process,
  platform: process.platform,
  exit: () => process.exit(EXIT_CODES.interrupted),
});

/**
 * A command that waits for shutdown also stops when the reader of its piped stdout goes, even while it
 * has nothing to write (`listen --json | head -2`); watched from the first wait, until the process exits.
 */
let stopWatching: (() => void) | undefined;
function waitForShutdown(): Promise<string> {
  stopWatching ??= watchReader({
    spawn,
    pid: process.pid,
    platform: process.platform,
    stdoutIsPipe: isPipe(1),
    onGone: () => shutdown.request(READER_GONE),
  });
  return shutdown.wait();
}
process.once('exit', () => stopWatching?.());

function isPipe(fd: number): boolean {
  try {
    return fstatSync(fd).isFIFO();
  } catch {
    return false;
  }
}

function context({ output, debug }: { output: OutputMode; debug: boolean }): Context {
  return {
    env: process.env,
    paths: resolvePaths(process.env, homedir()),
    stdin: process.stdin,
    stdout: process.stdout,
    stderr: process.stderr,
    output,
    debug,
    version,
    now: () => new Date(),
    monotonic: () => performance.now(),
    waitForShutdown,
    onExit: (fn) => process.once('exit', fn),
  };
}

/** Resolves once what was written to a stream has been handed to the system (a pipe may be slow). */
function drained(stream: NodeJS.WriteStream): Promise<void> {
  return new Promise((resolve) => stream.write('', () => resolve()));
}

// A reader that went away (`datachonk … | head`) is no failure. A command that waits for shutdown
// (listen, emulator start, trigger) stops as on SIGTERM, cleaning up (its session webhook, its journal),
// and ends quietly; any other stops at once, as with SIGPIPE.
const readerGone = () => {
  if (!shutdown.request(READER_GONE)) process.exit(process.exitCode ?? EXIT_CODES.ok);
};
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code !== 'EPIPE' && error.code !== 'ERR_STREAM_DESTROYED') throw error;
    readerGone();
  });
}

const world: World = { version, env: process.env, stdout: process.stdout, stderr: process.stderr, context };
const code = await runProgram(process.argv.slice(2), world);
// Set the code and let the process end by itself once stdout and stderr are drained:
// process.exit() here would cut off output still on its way into a pipe.
process.exitCode = code;
await Promise.all([drained(process.stdout), drained(process.stderr)]);
// A handle left open by mistake must not keep a finished command alive.
setTimeout(() => process.exit(code), 2000).unref();

import type { Env, Paths } from './config/paths.js';

/** How a command reports: for people, for scripts (NDJSON on stdout), or not at all. */
export type OutputMode = 'pretty' | 'json' | 'quiet';

/** A stream the tool writes to; `isTTY` decides colours and spinners. */
export interface OutStream {
  write(chunk: string | Uint8Array): unknown;
  isTTY?: boolean | undefined;
  columns?: number | undefined;
}

/**
 * The world a command runs in, built once in cli.ts and passed down, so that nothing below
 * reads process.env, process.argv or the real home folder.
 */
export interface Context {
  env: Env;
  paths: Paths;
  stdin: NodeJS.ReadableStream & { isTTY?: boolean | undefined };
  stdout: OutStream;
  stderr: OutStream;
  output: OutputMode;
  /** -q was given: on stderr only errors and warnings, with --json too (its records stay on stdout). */
  quiet?: boolean | undefined;
  debug: boolean;
  version: string;
  /** Wall clock, for event timestamps. */
  now: () => Date;
  /** Monotonic milliseconds, for latencies. */
  monotonic: () => number;
  /**
   * Resolves on the first Ctrl-C or SIGTERM (on Windows Ctrl-C or Ctrl-Break), with the signal's name,
   * for commands that run until stopped. A second signal ends the program at once (exit 130).
   */
  waitForShutdown: () => Promise<string>;
  /** Runs `fn` synchronously when the process exits, however it exits (for last-resort cleanup). */
  onExit: (fn: () => void) => void;
}

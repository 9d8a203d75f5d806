import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach } from 'vitest';
import { resolvePaths, type Paths } from '../../src/config/paths.js';
import { homeEnv } from './platform.js';

/** The built binary, exactly as npm links it. */
export const BIN = fileURLToPath(new URL('../../bin/datachonk.js', import.meta.url));

/**
 * The environment of a spawned `datachonk`: PATH, its home (HOME, and on Windows USERPROFILE, APPDATA
 * and LOCALAPPDATA, see platform.ts), no colours, and what the test adds.
 */
export function cliEnv(home: string, extra: Record<string, string> = {}): Record<string, string> {
  return { PATH: process.env.PATH ?? '', ...homeEnv(home), NO_COLOR: '1', ...extra };
}

/** Where a `datachonk` spawned with this home (and `extra`, e.g. XDG_STATE_HOME) keeps its files on this platform. */
export function cliPaths(home: string, extra: Record<string, string> = {}): Paths {
  return resolvePaths(cliEnv(home, extra), home);
}

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs the built `datachonk` with a given HOME and no inherited config or secret, so that tests never
 * see the developer's own files.
 */
export function runCli(
  args: string[],
  options: { home: string; env?: Record<string, string>; input?: string },
): Promise<CliResult> {
  const env = cliEnv(options.home, options.env);
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { env, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    // A command that exits without reading its input closes the pipe first: no failure.
    child.stdin.on('error', () => {});
    child.stdin.end(options.input ?? '');
  });
}

/**
 * Runs the built `datachonk` with stdin a pipe that stays open, as a caller without a terminal may leave
 * it: a command that asked a question there would wait for ever. Resolves when the command exits, or as
 * soon as its stderr matches `prompt`, then with `prompted: true` and the command killed.
 */
export function runCliWatchingForPrompt(
  args: string[],
  options: { home: string; env?: Record<string, string>; prompt: RegExp },
): Promise<CliResult & { prompted: boolean }> {
  const env = cliEnv(options.home, options.env);
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { env, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let prompted = false;
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => {
      stderr += d;
      if (!prompted && options.prompt.test(stderr)) {
        prompted = true;
        child.kill('SIGKILL');
      }
    });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr, prompted }));
  });
}

export interface RunningCli {
  child: ReturnType<typeof spawn>;
  /** Everything printed so far. */
  stdout(): string;
  stderr(): string;
  /** Resolves when stdout has a line matching the pattern. */
  waitForStdout(pattern: RegExp): Promise<string>;
  /** Sends a signal and resolves with the exit code. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
  exited: Promise<number | null>;
}

/**
 * Starts a long-running command (listen, emulator) and resolves once `ready` matches its stderr.
 * Rejects with its output if it exits first.
 */
export function startCli(
  args: string[],
  options: { home: string; env?: Record<string, string>; ready?: RegExp },
): Promise<RunningCli> {
  const env = cliEnv(options.home, options.env);
  const child = spawn(process.execPath, [BIN, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  const stdoutWaiters: { pattern: RegExp; resolve: (line: string) => void }[] = [];
  child.stdout.setEncoding('utf8').on('data', (d: string) => {
    stdout += d;
    for (const waiter of [...stdoutWaiters]) {
      const match = stdout.split('\n').find((line) => waiter.pattern.test(line));
      if (match) {
        stdoutWaiters.splice(stdoutWaiters.indexOf(waiter), 1);
        waiter.resolve(match);
      }
    }
  });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const ready = options.ready ?? /Ready!/;
  return new Promise((resolve, reject) => {
    child.stderr.setEncoding('utf8').on('data', (d: string) => {
      const before = stderr;
      stderr += d;
      if (!ready.test(before) && ready.test(stderr)) {
        resolve({
          child,
          stdout: () => stdout,
          stderr: () => stderr,
          waitForStdout(pattern) {
            const match = stdout.split('\n').find((line) => pattern.test(line));
            if (match) return Promise.resolve(match);
            return new Promise((r) => stdoutWaiters.push({ pattern, resolve: r }));
          },
          stop(signal = 'SIGINT') {
            if (child.exitCode === null && child.signalCode === null) child.kill(signal);
            return exited;
          },
          exited,
        });
      }
    });
    void exited.then((code) =>
      reject(new Error(`datachonk ${args.join(' ')} exited ${code} before it was ready:\n${stderr}\n${stdout}`)),
    );
  });
}

/** The URL in a listener's Ready block. */
export function listeningUrl(stderr: string): string {
  const match = /Listening on (http:\/\/\S+)/.exec(stderr);
  if (!match) throw new Error(`no Ready block in:\n${stderr}`);
  return match[1]!;
}

/** A fresh HOME for each test of a file, and what the test started there, cleaned up after it. */
export interface TestHome {
  /** This test's HOME. */
  readonly home: string;
  /** Kills (SIGKILL) a running command after the test, if it is still running. */
  started(cli: RunningCli): RunningCli;
  /** Closes a server after the test. */
  opened<T extends { close(): Promise<unknown> }>(server: T): T;
  /** Runs `cleanup` after the test. */
  later(cleanup: () => unknown): void;
}

/** Registers, for the tests of the calling file, a temporary HOME (`<prefix>…`) per test and its cleanup. */
export function homePerTest(prefix: string): TestHome {
  let home = '';
  const cleanups: (() => unknown)[] = [];
  beforeEach(async () => {
    home = await mkdtemp(join(tmpdir(), prefix));
  });
  afterEach(async () => {
    // Latest first: a listener goes before the app and the emulator it talks to.
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
    await rm(home, { recursive: true, force: true });
  });
  return {
    get home() {
      return home;
    },
    started(cli) {
      cleanups.push(() => cli.stop('SIGKILL'));
      return cli;
    },
    opened(server) {
      cleanups.push(() => server.close());
      return server;
    },
    later(cleanup) {
      cleanups.push(cleanup);
    },
  };
}

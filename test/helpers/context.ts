import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { resolvePaths, type Env } from '../../src/config/paths.js';
import type { Context, OutputMode } from '../../src/context.js';
import { homeEnv } from './platform.js';

/** Collects what a command writes. */
export class Capture {
  chunks: string[] = [];
  isTTY = false;
  private waiters: (() => void)[] = [];
  write(chunk: string) {
    this.chunks.push(chunk);
    for (const wake of this.waiters.splice(0)) wake();
    return true;
  }
  /** Resolves with the match once the text written so far matches `pattern` (checked on every write). */
  async waitFor(pattern: RegExp): Promise<RegExpExecArray> {
    for (;;) {
      const match = pattern.exec(this.text);
      if (match) return match;
      await new Promise<void>((resolve) => this.waiters.push(resolve));
    }
  }
  get text() {
    return this.chunks.join('');
  }
  /** The NDJSON records written so far. */
  get records(): Record<string, unknown>[] {
    return this.text
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line) as Record<string, unknown>);
  }
}

export interface TestContext extends Context {
  stdout: Capture;
  stderr: Capture;
  home: string;
  cleanup(): Promise<void>;
}

/** A Context with a temporary HOME, captured output and no colours. */
export async function testContext(
  options: { output?: OutputMode; env?: Env; stdin?: string; shutdown?: Promise<string> } = {},
): Promise<TestContext> {
  const home = await mkdtemp(join(tmpdir(), 'datachonk-test-'));
  const env: Env = { ...homeEnv(home), ...options.env };
  const stdin = Readable.from(options.stdin === undefined ? [] : [Buffer.from(options.stdin)]) as Context['stdin'];
  return {
    env,
    paths: resolvePaths(env, home),
    stdin,
    stdout: new Capture(),
    stderr: new Capture(),
    output: options.output ?? 'pretty',
    debug: false,
    version: '0.0.0-test',
    now: () => new Date(),
    monotonic: () => performance.now(),
    waitForShutdown: () => options.shutdown ?? new Promise<string>(() => {}),
    onExit: () => {},
    home,
    cleanup: () => rm(home, { recursive: true, force: true }),
  };
}

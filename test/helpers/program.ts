import { DatachonkError } from '../../src/errors.js';
import { isFailure } from '../../src/failure.js';
import { execute, runProgram, type World } from '../../src/program.js';
import { describeFailure, type Words } from '../../src/ui/failures.js';
import type { TestContext } from './context.js';

/** The world of a test context: its streams, its env, and the context itself for every command. */
export function testWorld(ctx: TestContext): World {
  return {
    version: ctx.version,
    env: ctx.env,
    stdout: ctx.stdout,
    stderr: ctx.stderr,
    context: ({ output, debug }) => Object.assign(ctx, { output, debug }),
  };
}

/**
 * Runs a command line in process, through the real program (option parsing included), with the
 * test context; failures are thrown as the command threw them. The context's output mode becomes
 * the global flag (--json, --quiet).
 */
export function run(ctx: TestContext, args: readonly string[]): Promise<void> {
  const mode = ctx.output === 'json' ? ['--json'] : ctx.output === 'quiet' ? ['--quiet'] : [];
  return execute([...mode, ...args], testWorld(ctx));
}

/** Runs a command line in process and returns its exit code, as the binary would exit. */
export function exitCode(ctx: TestContext, args: readonly string[]): Promise<number> {
  return runProgram(args, testWorld(ctx));
}

/** Command-line flags from an object: { url: 'x', dryRun: true, validate: false, set: ['a=1'] } → --url x --dry-run --no-validate --set a=1. */
export function argsOf(flags: Record<string, unknown>): string[] {
  const args: string[] = [];
  for (const [key, value] of Object.entries(flags)) {
    const name = `--${key.replace(/[A-Z]/g, (m) => `-${m.toLowerCase()}`)}`;
    if (value === undefined) continue;
    if (value === true) args.push(name);
    else if (value === false) args.push(`--no-${name.slice(2)}`);
    else if (Array.isArray(value)) for (const item of value) args.push(name, String(item));
    else args.push(name, String(value));
  }
  return args;
}

/** What a person would read of a failure: the UI's words for a Failure, the message of another error. */
export function wordsOf(error: unknown, command = 'trigger'): Words {
  if (isFailure(error)) return describeFailure(error, { command });
  if (error instanceof DatachonkError) return { kind: error.kind, message: error.message, hint: error.hint };
  throw error;
}

/** The words of what `attempt` throws or rejects with; fails the test when it succeeds. */
export async function failureWords(attempt: Promise<unknown> | (() => unknown), command = 'trigger'): Promise<Words> {
  try {
    await (typeof attempt === 'function' ? attempt() : attempt);
  } catch (error) {
    return wordsOf(error, command);
  }
  throw new Error('expected a failure, and it succeeded');
}

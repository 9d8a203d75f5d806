/**
 * How a failure ends the program. The CLI maps each kind to an exit code (see EXIT_CODES in cli.ts);
 * domain code only says what kind of failure it is.
 */
export type FailureKind = 'usage' | 'failure' | 'interrupted';

/** An error meant for a person: `message` says what went wrong, `hint` what to do next. */
export class DatachonkError extends Error {
  override readonly name = 'DatachonkError';
  constructor(
    readonly kind: FailureKind,
    message: string,
    readonly hint?: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** Bad flags, arguments or input files: exit code 2. */
export function usageError(message: string, hint?: string): DatachonkError {
  return new DatachonkError('usage', message, hint);
}

/** Something went wrong while doing what was asked: exit code 1. */
export function failure(message: string, hint?: string, cause?: unknown): DatachonkError {
  return new DatachonkError('failure', message, hint, { cause });
}

/** Stopped by Ctrl-C or SIGTERM before the work was done: exit code 130. */
export function interrupted(message: string, hint?: string): DatachonkError {
  return new DatachonkError('interrupted', message, hint);
}

import type { NetworkFailure } from './core/net-errors.js';
// Failures as data: core and the emulator throw a Failure with a code and the facts of the case;
// ui/failures.ts words it for people and names the flag the user typed. Nothing below src/core or
// src/emulator knows how a flag is spelled (STYLE.md, "Failures are data").

import type { JsonSyntaxError } from './core/json-syntax.js';
import type { RefusalDiagnosis } from './core/refusal.js';
import type { Stack } from './core/stack.js';

/** Where a payload or a piece of one came from. */
export type PayloadSource = 'fixture' | 'fixture-file' | 'data' | 'data-file' | 'scenario-file';

/** A problem with a `path=value` override's path. */
export type OverrideProblem = 'empty-segment' | 'forbidden-segment' | 'not-an-index' | 'past-the-end';

/** One problem in a scenario file: where (a path such as `steps[1].event`, and its line) and what. */
export interface ScenarioIssue {
  path: string;
  line?: number | undefined;
  message: string;
}

/** The facts each failure carries, by code. */
export interface FailureFacts {
  'event-type-unknown': { name: string; suggestion: string | undefined; known: readonly string[] };
  'override-syntax': { text: string };
  'override-path': { path: string; problem: OverrideProblem; segment?: string; index?: number; length?: number };
  /** `step`: the payload of a scenario's step (1-based), not a single event's. */
  'payload-invalid': {
    event: string;
    issues: readonly { path: string; message: string }[];
    step?: { number: number; scenario: string; file: string } | undefined;
  };
  'payload-not-object': { source: PayloadSource; path?: string | undefined };
  'json-invalid': {
    source: PayloadSource;
    path?: string | undefined;
    detail: string;
    at?: JsonSyntaxError | undefined;
  };
  'file-unreadable': { source: PayloadSource; path: string; detail: string };
  'fixture-event-mismatch': { fileEvent: string; event: string };
  'nothing-to-send': Record<string, never>;
  'all-with-event': Record<string, never>;
  'scenario-unknown': { name: string; suggestion: string | undefined; known: readonly string[] };
  'scenario-invalid': { file: string; issues: readonly ScenarioIssue[] };
  'target-invalid': { text: string; problem: 'syntax' | 'scheme' };
  'port-in-use': { host: string; port: number; server: 'listener' | 'emulator' | 'inspector' };
  'cannot-listen': { host: string; port: number; server: 'listener' | 'emulator' | 'inspector'; code: string };
  'emulator-data-unreadable': { file: string; detail: string };
  'emulator-data-damaged': { file: string };
  'journal-unopenable': { file: string; detail: string };
  'api-url-invalid': { url: string };
  'api-url-insecure': { protocol: string; host: string };
  'api-unreachable': { host: string; loopback: boolean; detail: string };
  'api-not-json': { status: number };
  'api-unexpected': { method: string; path: string; field: string; message: string };
  /** The API answered with an error: its status, code, message and request id, as it said them. */
  'api-error': {
    status: number;
    code: string;
    message: string;
    details?: unknown;
    requestId?: string | undefined;
    webhookId?: string | undefined;
  };
  'tunnel-cannot-start': { bin: string; detail: string };
  'tunnel-exited-early': { how: string; lastLines: readonly string[] };
  'tunnel-no-url': { seconds: number; lastLines: readonly string[] };
  /**
   * The listener's tunnel ended by itself (`exited`) or its public URL stopped answering (`unanswered`),
   * and `restarts` restarts failed (0: none were to be tried).
   */
  'tunnel-gone': { reason: 'exited' | 'unanswered'; restarts: number };
  /**
   * `check` stopped at its first answer (the endpoint is unreachable, answers 404/405, refuses a
   * correctly signed event) or when the endpoint went down during the run.
   */
  'check-stopped': {
    reason: 'unreachable' | 'not-found' | 'refused-signed' | 'went-down';
    url: string;
    /** The check whose answer stopped the run: `delivery/chonk.created`. */
    check: string;
    status?: number | undefined;
    /** What the network said, for an unreachable endpoint. */
    detail?: string | undefined;
    network?: NetworkFailure | undefined;
    secretSource: 'flag' | 'env' | 'dev';
    /** went-down: the checks whose connection broke without an answer, the likely cause. */
    suspects?: readonly string[] | undefined;
    /** refused-signed: the same event sent again signed the ways receivers get it wrong, and what was accepted. */
    diagnosis?: RefusalDiagnosis | undefined;
    /** The language the endpoint's answers show. */
    stack?: Stack | undefined;
  };
}

export type FailureCode = keyof FailureFacts;

/** A failure of the domain: a code and its facts; the words are the UI's. */
export class Failure<C extends FailureCode = FailureCode> extends Error {
  override readonly name = 'Failure';
  constructor(
    readonly code: C,
    readonly facts: FailureFacts[C],
    options?: { cause?: unknown },
  ) {
    // The message is for logs and --debug only; people read ui/failures.ts's words.
    super(`${code} ${JSON.stringify(facts)}`, options);
  }
}

export function isFailure<C extends FailureCode>(error: unknown, code?: C): error is Failure<C> {
  return error instanceof Failure && (code === undefined || error.code === code);
}

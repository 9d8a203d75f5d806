import { appReplyCause, type AppReplyCause } from '../app-reply.js';
import { headerValue } from '../headers.js';
import { ANSWERED_BY_HEADER, ANSWERED_BY_LISTENER } from '../listen/forward.js';
import type { NetworkFailure } from '../net-errors.js';
import type { Outcome, Sender } from '../send.js';
import { detectStack, type Stack } from '../stack.js';
import type { WebhookRequest } from './request.js';

/** One delivery, reported as soon as its outcome is known. */
export interface DeliveryReport {
  request: WebhookRequest;
  outcome: Outcome;
  /** Whether the outcome is what the user expected (a response with the expected status). */
  expected: boolean;
}

export interface TriggerSummary {
  sent: number;
  ok: number;
  failed: number;
  p50Ms: number;
  p99Ms: number;
  durationMs: number;
  ratePerSecond: number;
  /** How many deliveries failed at the network level, by cause. */
  errors: Partial<Record<NetworkFailure, number>>;
  /** The first network failure, as a message for people. */
  firstError?: string;
  /** The first status that was not the expected one, and the start of its body. */
  firstUnexpectedStatus?: number;
  firstUnexpectedBody?: string;
  /** Whether a `datachonk listen` answered that status itself (the app never saw the request). */
  firstUnexpectedByListener?: boolean;
  /** The likely cause of that status, when the app answered it. */
  firstUnexpectedCause?: AppReplyCause;
  /** The request that got it, to diagnose a refusal (core/refusal.ts). */
  firstUnexpectedRequest?: WebhookRequest;
  /** The language that answer shows (core/stack.ts). */
  firstUnexpectedStack?: Stack;
  /** Sending stopped early: `giveUpAfter` connections in a row could not be made (nothing listens there). */
  gaveUp?: boolean;
}

export interface TriggerReporter {
  delivery(report: DeliveryReport): void;
}

export interface RunOptions {
  concurrency: number;
  timeoutMs: number;
  /** Whether a status counts as success. */
  expectStatus: (status: number) => boolean;
  /**
   * Whether an answer `datachonk listen` gave itself can count as success. False when a status is expected
   * of the app (`--expect-status 401` through a listener: the listener's 401 says nothing of the app).
   */
  listenerAnswersCount?: boolean;
  sender: Sender;
  /** Monotonic milliseconds. */
  clock: () => number;
  /** Asked before each request: true stops sending (those in flight still finish). */
  stopped?: () => boolean;
  /** Awaited before every request but the first (a delay between sends); `stopped` is asked again after it. */
  pause?: () => Promise<void>;
  /**
   * Stop sending after this many connections in a row could not be made (refused, or a host that does not
   * resolve): nothing listens there, and a `--count` of millions would only flood the same refusal.
   * A failure between answers starts the count again.
   */
  giveUpAfter?: number;
}

/** Outcomes that mean no connection could be made at all. */
const UNREACHABLE: ReadonlySet<NetworkFailure> = new Set(['refused', 'dns']);

/**
 * Sends every request the iterator yields, at most `concurrency` at a time, reporting each outcome.
 * Requests are built lazily so that a large `--count` does not sit in memory.
 */
export async function runDeliveries(
  requests: Iterator<WebhookRequest>,
  options: RunOptions,
  reporter: TriggerReporter,
): Promise<TriggerSummary> {
  const latencies: number[] = [];
  let ok = 0;
  const errors: TriggerSummary['errors'] = {};
  let firstError: string | undefined;
  let firstUnexpected: FirstUnexpected | undefined;
  const started = options.clock();
  let taken = 0;
  let unreachableInARow = 0;
  let gaveUp = false;
  const worker = async () => {
    while (!gaveUp && !options.stopped?.()) {
      const next = requests.next();
      if (next.done) break;
      if (taken++ > 0 && options.pause) {
        await options.pause();
        if (options.stopped?.()) break;
      }
      const request = next.value;
      const outcome = await options.sender.send(request, { timeoutMs: options.timeoutMs });
      const byListener =
        outcome.kind === 'response' && headerValue(outcome.headers(), ANSWERED_BY_HEADER) === ANSWERED_BY_LISTENER;
      const expected =
        outcome.kind === 'response' &&
        options.expectStatus(outcome.status) &&
        (options.listenerAnswersCount !== false || !byListener);
      if (expected) ok++;
      else if (outcome.kind === 'error') {
        errors[outcome.code] = (errors[outcome.code] ?? 0) + 1;
        firstError ??= outcome.message;
      } else firstUnexpected ??= unexpected(outcome, request, byListener);
      unreachableInARow = outcome.kind === 'error' && UNREACHABLE.has(outcome.code) ? unreachableInARow + 1 : 0;
      if (options.giveUpAfter !== undefined && unreachableInARow >= options.giveUpAfter) gaveUp = true;
      latencies.push(outcome.latencyMs);
      reporter.delivery({ request, outcome, expected });
      // What the report caused is heard before the next request goes: a line written to a stdout whose
      // reader has gone (`| head`) fails, and its error, a tick later, stops the run.
      await new Promise((resolve) => setImmediate(resolve));
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, options.concurrency) }, worker));
  const durationMs = options.clock() - started;
  latencies.sort((a, b) => a - b);
  return {
    sent: latencies.length,
    ok,
    failed: latencies.length - ok,
    p50Ms: percentile(latencies, 0.5),
    p99Ms: percentile(latencies, 0.99),
    durationMs,
    ratePerSecond: durationMs > 0 ? (latencies.length * 1000) / durationMs : 0,
    errors,
    ...(firstError === undefined ? {} : { firstError }),
    ...firstUnexpected,
    ...(gaveUp ? { gaveUp } : {}),
  };
}

type FirstUnexpected = Pick<
  TriggerSummary,
  | 'firstUnexpectedStatus'
  | 'firstUnexpectedBody'
  | 'firstUnexpectedByListener'
  | 'firstUnexpectedCause'
  | 'firstUnexpectedRequest'
  | 'firstUnexpectedStack'
>;

/** The summary's facts of the first answer that was not the expected one. */
function unexpected(
  outcome: Extract<Outcome, { kind: 'response' }>,
  request: WebhookRequest,
  byListener: boolean,
): FirstUnexpected {
  const headers = outcome.headers();
  const cause = byListener ? undefined : appReplyCause(outcome.status, headers);
  const stack = byListener ? undefined : detectStack(headers, outcome.body);
  return {
    firstUnexpectedStatus: outcome.status,
    ...(outcome.body ? { firstUnexpectedBody: outcome.body.slice(0, 300) } : {}),
    ...(byListener ? { firstUnexpectedByListener: true } : {}),
    ...(cause ? { firstUnexpectedCause: cause } : {}),
    firstUnexpectedRequest: request,
    ...(stack ? { firstUnexpectedStack: stack } : {}),
  };
}

/** Nearest-rank percentile of sorted values; 0 for none. */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return 0;
  const rank = Math.ceil(p * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1]!;
}

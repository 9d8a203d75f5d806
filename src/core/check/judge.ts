import { formatDuration, type NetworkFailure } from '../net-errors.js';
import type { Probe } from './probes.js';

// How `datachonk check` judges the answers to a probe: pass, warn or fail, what was expected, and a
// typed hint at the cause (ui/check.ts words it, with what to fix). Pure: tested without a server.

export type CheckStatus = 'pass' | 'warn' | 'fail';

/** The likely cause of a check that did not pass. */
export type CheckHint =
  | 'no-answer' // a network failure: refused, reset, DNS
  | 'unreachable' // no answer to the first request: the run stops
  | 'wrong-path' // 404 or 405 to the first request: the run stops
  | 'timeout'
  | 'signed-refused' // 401 or 403 to a correctly signed event: another secret
  | 'signed-not-accepted' // another non-2xx to a correctly signed event
  | 'server-error' // a 5xx to a correctly signed event
  | 'redirected' // a 3xx to a correctly signed event: webhooks are not followed through redirects
  | 'not-verifying' // a 2xx to a forgery
  | 'length-pitfall' // a 5xx to a signature of another length or form
  | 'non-ascii-crash' // a 5xx or a dropped connection to a signature holding a byte above 127
  | 'non-hex-crash' // a 5xx or a dropped connection to a signature that is not hex
  | 'forgery-error' // a 5xx to a malformed signature that names an error of its own (octokit's "signature required")
  | 'crash-on-forgery' // a 5xx to another forgery
  | 'prefix-compare' // a 2xx to a signature cut short or made longer, while the wrong secret and a tampered body were refused
  | 'listener-answered' // a refusal answered by `datachonk listen` itself, not by the app behind it
  | 'signing-mistake' // a signed event refused, the same event signed as a usual mistake accepted (uppercase hex, a re-serialized body)
  | 'non-ascii-refused' // a 4xx to an event with raw UTF-8 text, as DataChonk sends it
  | 'reject-status' // a forgery refused, but not with a status expected
  | 'not-idempotent' // a 2xx to an event, then not to the same event again
  | 'unknown-refused' // a 4xx to an event of a type or with fields not known yet
  | 'unknown-crash' // a 5xx to one
  | 'bad-input-accepted' // a 2xx to a body that is not an event
  | 'bad-input-crash' // a 5xx to one
  | 'bad-input-status' // another non-4xx to one
  | 'reserialized-body' // a 4xx to the same event in other bytes, correctly signed
  | 'slow'; // answers slower than the warning budget

/** What came back for one request: an answer, or none. */
export type EndpointReply =
  | {
      kind: 'response';
      status: number;
      body: string;
      latencyMs: number;
      location?: string | undefined;
      /** Answered by `datachonk listen` itself (its x-datachonk-answered-by marker), not by the app behind it. */
      listener?: true | undefined;
    }
  | { kind: 'error'; code: NetworkFailure; message: string; latencyMs: number };

export interface CheckVerdict {
  status: CheckStatus;
  /** What a correct endpoint answers, in words without flags: "2xx", "a refusal: 400, 401 or 403". */
  expected: string;
  hint?: CheckHint | undefined;
}

/** What the user allows or expects beyond the defaults. */
export interface Expectations {
  /** The statuses that count as refusing a forgery (default 400, 401, 403). */
  expectReject: readonly number[];
  /** 4xx statuses allowed, besides 2xx, for an event of an unknown type or with unknown fields. */
  allowUnknown: readonly number[];
  /** Warnings count as failures. */
  strict: boolean;
  /** The endpoint is a `datachonk listen` on purpose: its own refusals count (default: they fail, the app never saw them). */
  throughListener?: boolean | undefined;
}

export const DEFAULT_EXPECT_REJECT: readonly number[] = [400, 401, 403];

/** "400, 401 or 403". */
export function orList(items: readonly (string | number)[]): string {
  const words = items.map(String);
  return words.length <= 1 ? words.join('') : `${words.slice(0, -1).join(', ')} or ${words.at(-1)}`;
}

/** What a correct endpoint answers to the probe. */
export function expectedOf(probe: Probe, expectations: Expectations): string {
  switch (probe.expectation) {
    case 'refuse-forgery':
      return `a refusal: ${orList(expectations.expectReject)}`;
    case 'accept-unknown':
      return expectations.allowUnknown.length ? `2xx or ${orList(expectations.allowUnknown)}` : '2xx';
    case 'refuse-input':
      return '4xx';
    default:
      return probe.repeat && probe.repeat !== 'once' ? '2xx, both times' : '2xx';
  }
}

const is2xx = (status: number) => status >= 200 && status < 300;
const is4xx = (status: number) => status >= 400 && status < 500;
const is5xx = (status: number) => status >= 500;

/** Judges a probe's answers (two for a duplicate). */
export function judge(probe: Probe, answers: readonly EndpointReply[], expectations: Expectations): CheckVerdict {
  const expected = expectedOf(probe, expectations);
  const verdict = (status: CheckStatus, hint?: CheckHint): CheckVerdict => ({
    status: status === 'warn' && expectations.strict ? 'fail' : status,
    expected,
    ...(hint ? { hint } : {}),
  });
  const missed = answers.find((answer) => answer.kind === 'error');
  if (missed) {
    if (missed.code === 'timeout') return verdict('fail', 'timeout');
    // A connection dropped on a malformed signature: the same pitfall as a 5xx (Python's http.server, Rust's std).
    return verdict('fail', probe.crash && probe.crash !== 'length-pitfall' ? probe.crash : 'no-answer');
  }
  const replies = answers as Extract<EndpointReply, { kind: 'response' }>[];
  const refusal = probe.expectation === 'refuse-forgery' || probe.expectation === 'refuse-input';
  if (refusal && !expectations.throughListener && replies.some((reply) => reply.listener))
    return verdict('fail', 'listener-answered');
  const [hint, status] = judgeStatuses(
    probe,
    replies.map((reply) => reply.status),
    expectations,
  );
  if (hint === 'length-pitfall' && namesItsOwnError(replies.find((reply) => is5xx(reply.status))?.body ?? ''))
    return verdict(status, 'forgery-error');
  return verdict(status, hint);
}

/**
 * Whether a 5xx's body names an error of its own (octokit's "secret, eventPayload & signature required"),
 * rather than nothing, a generic "Internal Server Error", or the timingSafeEqual error the length pitfall throws.
 */
export function namesItsOwnError(body: string): boolean {
  const text = body
    .replace(/<[^>]*>/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
  if (!text || /internal (server )?error|server error|^\W*error\W*$/i.test(text)) return false;
  return !/timingSafeEqual|equal length|same byte length|ERR_CRYPTO_TIMING_SAFE_EQUAL/i.test(text);
}

function judgeStatuses(
  probe: Probe,
  statuses: readonly number[],
  expectations: Expectations,
): [CheckHint | undefined, CheckStatus] {
  const status = statuses.find((s) => !is2xx(s)) ?? statuses[0]!;
  switch (probe.expectation) {
    case 'accept':
      if (statuses.every(is2xx)) return [undefined, 'pass'];
      // One of the two answers was a 2xx: the event is fine, its repetition is not.
      return [statuses.some(is2xx) ? 'not-idempotent' : acceptHint(status), 'fail'];
    case 'refuse-forgery':
      if (expectations.expectReject.includes(status)) return [undefined, 'pass'];
      if (is2xx(status)) return ['not-verifying', 'fail'];
      if (is5xx(status)) return [probe.crash ?? 'crash-on-forgery', 'fail'];
      return ['reject-status', 'fail'];
    case 'accept-unknown':
      if (is2xx(status) || expectations.allowUnknown.includes(status)) return [undefined, 'pass'];
      return [is4xx(status) ? 'unknown-refused' : is5xx(status) ? 'unknown-crash' : 'signed-not-accepted', 'fail'];
    case 'refuse-input':
      if (is4xx(status)) return [undefined, 'pass'];
      return [is2xx(status) ? 'bad-input-accepted' : is5xx(status) ? 'bad-input-crash' : 'bad-input-status', 'fail'];
    case 'accept-exact-bytes':
      if (is2xx(status)) return [undefined, 'pass'];
      // Other bytes of the same event, correctly signed, refused: the signature was checked over something else.
      return is4xx(status) ? ['reserialized-body', 'warn'] : [acceptHint(status), 'fail'];
    case 'accept-as-sent':
      if (is2xx(status)) return [undefined, 'pass'];
      return [is4xx(status) ? 'non-ascii-refused' : acceptHint(status), 'fail'];
  }
}

function acceptHint(status: number): CheckHint {
  if (status === 401 || status === 403) return 'signed-refused';
  if (status >= 300 && status < 400) return 'redirected';
  return is5xx(status) ? 'server-error' : 'signed-not-accepted';
}

/** The latency check, over every answer of the run. */
export interface LatencyFacts {
  /** The slowest answer, and the check it answered. */
  slowest?: { check: string; latencyMs: number } | undefined;
  /** Answers slower than the warning budget. */
  slow: number;
  /** Requests given up at the timeout. */
  timedOut: number;
  answers: number;
}

export function judgeLatency(
  facts: LatencyFacts,
  budget: { slowMs: number; strict: boolean },
): CheckVerdict & { status: CheckStatus } {
  const expected = `every answer within ${formatDuration(budget.slowMs)}`;
  if (facts.timedOut > 0) return { status: 'fail', expected, hint: 'timeout' };
  if (facts.slow > 0) return { status: budget.strict ? 'fail' : 'warn', expected, hint: 'slow' };
  return { status: 'pass', expected };
}

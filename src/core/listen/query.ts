import type { JournalEntry } from './journal.js';
import { isRejected } from './journal.js';
import { globToRegExp } from '../events/pattern.js';

// What became of a journalled request, told apart: the listener's verdict (did it accept the
// request?) and the app's answer (what the app said when it was forwarded). `events list` shows both
// and filters on them.

/** The listener's decision: forwarded or answered itself (accepted), acknowledged unforwarded (filtered), refused (rejected). */
export type Verdict = 'accepted' | 'filtered' | 'rejected';

export function verdictOf(entry: JournalEntry): Verdict {
  if (isRejected(entry)) return 'rejected';
  return entry.request.filtered ? 'filtered' : 'accepted';
}

/** The app's latest answer: its status, a failure to reach it, still waiting, or never asked. */
export type AppAnswer =
  { kind: 'status'; status: number } | { kind: 'failed'; code: string } | { kind: 'pending' } | { kind: 'none' };

/** One target's answer to the latest forward (or resend): a status, or no answer at all. */
export type TargetAnswer = { target: string } & ({ kind: 'status'; status: number } | { kind: 'failed'; code: string });

/** Each target's answer to the latest forward (or resend), in the order they were forwarded to. */
export function targetAnswersOf(entry: JournalEntry): TargetAnswer[] {
  return (entry.forwards.at(-1)?.results ?? []).map((result) =>
    result.status === null
      ? { target: result.target, kind: 'failed', code: result.error?.code ?? 'failed' }
      : { target: result.target, kind: 'status', status: result.status },
  );
}

/**
 * How bad an answer is: no answer (refused, timed out) and 5xx are the worst (the app broke, or never got
 * the event), then 4xx (it refused it), then what is neither an error nor a success (1xx, 3xx), 2xx the best.
 */
function severity(answer: TargetAnswer): number {
  if (answer.kind === 'failed' || answer.status >= 500) return 3;
  if (answer.status >= 400) return 2;
  return answer.status >= 200 && answer.status < 300 ? 0 : 1;
}

/** Each target's answer, the worst first; answers as bad as each other in the order forwarded to. */
export function worstFirst(answers: readonly TargetAnswer[]): TargetAnswer[] {
  return [...answers].sort((a, b) => severity(b) - severity(a));
}

/** The worst of the targets' latest answers (one target's answer when there is one), or why there is none. */
export function appAnswerOf(entry: JournalEntry): AppAnswer {
  const [worst] = worstFirst(targetAnswersOf(entry));
  if (worst)
    return worst.kind === 'failed' ? { kind: 'failed', code: worst.code } : { kind: 'status', status: worst.status };
  return entry.request.targets.length > 0 && verdictOf(entry) === 'accepted' ? { kind: 'pending' } : { kind: 'none' };
}

export interface EntryFilter {
  /** An event type, or a pattern with `*` (generation.*). */
  event?: string | undefined;
  /**
   * The app's answer: a status (404), a class (4xx), `failed` (no answer) or `none` (not forwarded). With
   * several targets, an entry matches when any target's answer does.
   */
  status?: string | undefined;
  verdict?: Verdict | undefined;
  /** Received at or after. */
  since?: Date | undefined;
}

/** The entries that match every part of the filter, in their order. */
export function filterEntries(entries: readonly JournalEntry[], filter: EntryFilter): JournalEntry[] {
  const event = filter.event === undefined ? undefined : globToRegExp(filter.event);
  const since = filter.since?.getTime();
  return entries.filter((entry) => {
    if (event && !event.test(entry.request.event ?? '')) return false;
    if (filter.verdict && verdictOf(entry) !== filter.verdict) return false;
    if (since !== undefined && !(Date.parse(entry.request.received_at) >= since)) return false;
    return filter.status === undefined || statusMatches(entry, filter.status);
  });
}

function statusMatches(entry: JournalEntry, wanted: string): boolean {
  if (wanted === 'none') return appAnswerOf(entry).kind === 'none';
  return targetAnswersOf(entry).some((answer) => answerMatches(answer, wanted));
}

function answerMatches(answer: TargetAnswer, wanted: string): boolean {
  if (answer.kind === 'failed') return wanted === 'failed';
  const status = String(answer.status);
  return /^\dxx$/.test(wanted) ? status[0] === wanted[0] : status === wanted;
}

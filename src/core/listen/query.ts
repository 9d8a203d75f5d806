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

export function appAnswerOf(entry: JournalEntry): AppAnswer {
  const last = entry.forwards.at(-1)?.results[0];
  if (last)
    return last.status === null
      ? { kind: 'failed', code: last.error?.code ?? 'failed' }
      : { kind: 'status', status: last.status };
  return entry.request.targets.length > 0 && verdictOf(entry) === 'accepted' ? { kind: 'pending' } : { kind: 'none' };
}

export interface EntryFilter {
  /** An event type, or a pattern with `*` (generation.*). */
  event?: string | undefined;
  /** The app's answer: a status (404), a class (4xx), `failed` (no answer) or `none` (not forwarded). */
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
    return filter.status === undefined || statusMatches(appAnswerOf(entry), filter.status);
  });
}

function statusMatches(answer: AppAnswer, wanted: string): boolean {
  if (wanted === 'failed') return answer.kind === 'failed';
  if (wanted === 'none') return answer.kind === 'none';
  if (answer.kind !== 'status') return false;
  const status = String(answer.status);
  return /^\dxx$/.test(wanted) ? status[0] === wanted[0] : status === wanted;
}

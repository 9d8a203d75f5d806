import { flattenHeaders, shownHeaderValue } from '../core/headers.js';
import { isRejected, type JournalEntry } from '../core/listen/journal.js';
import type { ForwardResult } from '../core/listen/records.js';
import { explainSignature } from '../ui/signature.js';

// What the page is sent of a journal entry: a summary for the list (and the live stream), the
// details when one is selected. Values go as JSON and the page renders them as text. The secret is
// never in an entry, so it never reaches the page.

/** The headers an inspector replay or edit carries, naming the entry it came from. */
export const REPLAY_OF_HEADER = 'x-datachonk-replay-of';
export const EDITED_HEADER = 'x-datachonk-edited';

export type PageVerdict = 'verified' | 'unverified' | 'rejected';
export const PAGE_STATUSES = ['verified', 'unverified', 'rejected', 'forward-failed'] as const;
export type PageStatus = (typeof PAGE_STATUSES)[number];

export interface Summary {
  rid: string;
  received_at: string;
  event: string | null;
  id: string | null;
  verdict: PageVerdict;
  reason_code: string | null;
  status: number | null;
  forward: { target: string; status: number | null; latency_ms: number } | null;
  replay_of: string | null;
  edited: boolean;
}

const RID = /^rcv_[A-Za-z0-9]+$/;

function header(entry: JournalEntry, name: string): string | undefined {
  const value = entry.request.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

export function verdictOf(entry: JournalEntry): PageVerdict {
  if (isRejected(entry)) return 'rejected';
  return entry.request.verification.status === 'valid' ? 'verified' : 'unverified';
}

function latestForward(entry: JournalEntry): ForwardResult | undefined {
  return entry.forwards.at(-1)?.results[0];
}

export function summarize(entry: JournalEntry): Summary {
  const { request } = entry;
  const forward = latestForward(entry);
  const replayOf = header(entry, REPLAY_OF_HEADER);
  const verification = request.verification;
  return {
    rid: request.rid,
    received_at: request.received_at,
    event: request.event ?? null,
    id: request.event_id ?? null,
    verdict: verdictOf(entry),
    reason_code: verification.diagnosis?.reason ?? verification.code ?? null,
    status: request.response_status ?? forward?.status ?? null,
    forward: forward ? { target: forward.target, status: forward.status, latency_ms: forward.latency_ms } : null,
    replay_of: replayOf && RID.test(replayOf) ? replayOf : null,
    edited: header(entry, EDITED_HEADER) === '1',
  };
}

export interface PageQuery {
  limit: number;
  before?: string | undefined;
  q?: string | undefined;
  type?: string | undefined;
  status?: PageStatus | undefined;
}

/** A page of summaries, newest first, from before `before`, matching the filters. */
export function listEntries(entries: readonly JournalEntry[], query: PageQuery): { entries: Summary[]; more: boolean } {
  let start = entries.length - 1;
  if (query.before) {
    const index = entries.findIndex((entry) => entry.request.rid === query.before);
    start = index < 0 ? -1 : index - 1;
  }
  const q = query.q?.toLowerCase();
  const found: Summary[] = [];
  for (let i = start; i >= 0; i--) {
    const entry = entries[i]!;
    if (!matches(entry, query, q)) continue;
    if (found.length === query.limit) return { entries: found, more: true };
    found.push(summarize(entry));
  }
  return { entries: found, more: false };
}

function matches(entry: JournalEntry, query: PageQuery, q: string | undefined): boolean {
  const { request } = entry;
  if (query.type && request.event !== query.type) return false;
  if (query.status === 'forward-failed') {
    const forward = latestForward(entry);
    if (!forward || (forward.status !== null && forward.status < 400)) return false;
  } else if (query.status && verdictOf(entry) !== query.status) return false;
  if (!q) return true;
  const haystack = [
    request.rid,
    request.event ?? '',
    request.event_id ?? '',
    Buffer.from(request.body, 'base64').toString('utf8'),
  ];
  return haystack.some((text) => text.toLowerCase().includes(q));
}

/** Why Replay of an entry cannot be done at all, or needs asking first; both undefined when it can just be done. */
export interface ReplayStance {
  /** Nothing to replay: the listener refused it before reading a body (another path, not a POST, too large). */
  nothing?: string | undefined;
  /** The listener rejected it: why, in words. Replaying signs it as if it were genuine, so it is asked first. */
  rejected?: string | undefined;
}

export function replayStance(entry: JournalEntry): ReplayStance {
  const { request } = entry;
  if (request.verification.status === 'unchecked') {
    const answered = request.response_status ? `the listener answered ${request.response_status}` : 'it was cut short';
    return {
      nothing: `nothing to replay: ${request.method} ${request.path} was refused before its body was read (${answered}), so no body was kept`,
      rejected: rejectedBecause(entry),
    };
  }
  return { rejected: isRejected(entry) ? rejectedBecause(entry) : undefined };
}

function rejectedBecause(entry: JournalEntry): string {
  const { verification, response_status: status } = entry.request;
  if (verification.status === 'invalid')
    return `its signature did not verify (${verification.reason ?? 'no reason recorded'})`;
  return status === 0 ? 'the sender went away before the listener answered' : `the listener answered ${status}`;
}

/** Pairs of a flat name, value… header list. */
function pairs(flat: readonly string[]): [string, string][] {
  const out: [string, string][] = [];
  for (let i = 0; i + 1 < flat.length; i += 2) out.push([flat[i]!, flat[i + 1]!]);
  return out;
}

/** Everything the page shows of one entry. */
export function details(entry: JournalEntry, all: readonly JournalEntry[]): object {
  const { request } = entry;
  const body = Buffer.from(request.body, 'base64');
  const text = body.toString('utf8');
  const verification = request.verification;
  const words = verification.diagnosis ? explainSignature(verification.diagnosis, 'listen') : undefined;
  const rawHeaders = request.raw_headers ?? flattenHeaders(request.headers);
  const stance = replayStance(entry);
  return {
    ...summarize(entry),
    request: {
      method: request.method,
      path: request.path,
      // Credentials masked: the page shows what came, not the secrets it carried (the journal keeps them).
      headers: pairs(rawHeaders).map(([name, value]) => [name, shownHeaderValue(name, value)]),
      body: text,
      body_is_text: Buffer.from(text, 'utf8').equals(body),
    },
    verification: {
      status: verification.status,
      reason: verification.reason ?? null,
      code: verification.code ?? null,
      diagnosis: verification.diagnosis ?? null,
      cause: words?.cause ?? null,
      hint: words?.hint ?? null,
    },
    forwards: entry.forwards.map((record) => ({
      at: record.at,
      resend: record.resend ?? false,
      results: record.results.map((result) => ({
        ...result,
        headers: pairs(result.headers ?? []),
        body: result.body ?? '',
      })),
    })),
    replay: { nothing: stance.nothing ?? null, rejected: stance.rejected ?? null },
    replays: all.filter((other) => summarize(other).replay_of === request.rid).map((other) => other.request.rid),
  };
}

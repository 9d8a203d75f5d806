import type { JournalFeed } from './feed.js';
import { isRejected, type JournalEntry } from './journal.js';
import { globToRegExp } from '../events/pattern.js';

// `events wait`: the first journalled event that matches, already there or still to come, whichever
// process's listener writes it (the journal is followed, as the inspector follows it). Only events
// the listener accepted count: a forged body must not end a test's wait.

/** One `path=value` condition on the envelope: the path's value, as text, is `text` (or its JSON is). */
export interface MatchCondition {
  path: readonly string[];
  text: string;
}

export interface WaitCriteria {
  /** An event type, or a pattern with `*`. */
  event?: string | undefined;
  match: readonly MatchCondition[];
  /** Only entries received at or after. */
  since?: Date | undefined;
}

/** The entry's envelope when the entry is one the criteria ask for, else undefined. */
export function matchingEnvelope(entry: JournalEntry, criteria: WaitCriteria): Record<string, unknown> | undefined {
  if (isRejected(entry) || !entry.request.event) return undefined;
  if (criteria.since && !(Date.parse(entry.request.received_at) >= criteria.since.getTime())) return undefined;
  if (criteria.event && !globToRegExp(criteria.event).test(entry.request.event)) return undefined;
  let envelope: Record<string, unknown>;
  try {
    envelope = JSON.parse(Buffer.from(entry.request.body, 'base64').toString('utf8')) as Record<string, unknown>;
  } catch {
    return undefined;
  }
  return criteria.match.every((condition) => holds(envelope, condition)) ? envelope : undefined;
}

/** The value at a dot path of a parsed JSON value (own properties only); undefined when there is none. */
export function valueAt(root: unknown, path: readonly string[]): unknown {
  let value = root;
  for (const key of path) {
    if (value === null || typeof value !== 'object' || !Object.hasOwn(value, key)) return undefined;
    value = (value as Record<string, unknown>)[key];
  }
  return value;
}

function holds(envelope: Record<string, unknown>, { path, text }: MatchCondition): boolean {
  const value = valueAt(envelope, path);
  if (value === undefined) return false;
  if (value !== null && typeof value === 'object') {
    try {
      return JSON.stringify(value) === JSON.stringify(JSON.parse(text));
    } catch {
      return false;
    }
  }
  return String(value) === text;
}

/**
 * The newest matching entry already in the feed, or else the first that arrives before `timeoutMs`;
 * undefined on timeout (or when `stopped` settles first).
 */
export async function waitForEntry(
  feed: JournalFeed,
  criteria: WaitCriteria,
  options: { timeoutMs: number; stopped?: Promise<unknown> },
): Promise<JournalEntry | undefined> {
  const existing = feed.entries();
  for (let i = existing.length - 1; i >= 0; i--) if (matchingEnvelope(existing[i]!, criteria)) return existing[i];
  let unsubscribe = () => {};
  let timer: NodeJS.Timeout | undefined;
  try {
    return await new Promise<JournalEntry | undefined>((resolve) => {
      unsubscribe = feed.subscribe((change) => {
        if (change.kind === 'entry' && matchingEnvelope(change.entry, criteria)) resolve(change.entry);
      });
      timer = setTimeout(() => resolve(undefined), options.timeoutMs);
      void options.stopped?.then(() => resolve(undefined));
    });
  } finally {
    unsubscribe();
    clearTimeout(timer);
  }
}

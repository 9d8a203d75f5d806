import type { ListenerNote } from '../listen/presence.js';

// Where a `trigger` without a URL sends: to the listener this user is running (core/listen/presence.ts
// notes), so that a listener on another port, or on port 0, needs no --url; on a shared machine a
// bare trigger then never reaches someone else's listener on the default port.

/** Where a trigger sends, and why there. */
export type Destination =
  /** The URL the user gave. */
  | { source: 'flag'; url: string }
  /** The one listener running. */
  | { source: 'listener'; url: string; pid: number }
  /** Several are running: the one on the default port. */
  | { source: 'default-port'; url: string; pid: number; running: number }
  /** None is running: the default URL, where `datachonk listen` listens by default. */
  | { source: 'default'; url: string };

/** Several listeners, none on the default port: which one is meant cannot be told. */
export interface Ambiguous {
  source: 'several';
  urls: string[];
}

/** The destination of a trigger given `url` (or none), the running listeners' notes and the default URL. */
export function chooseDestination(
  given: string | undefined,
  notes: readonly ListenerNote[],
  defaultUrl: string,
): Destination | Ambiguous {
  if (given !== undefined) return { source: 'flag', url: given };
  if (notes.length === 0) return { source: 'default', url: defaultUrl };
  if (notes.length === 1) return { source: 'listener', url: notes[0]!.url, pid: notes[0]!.pid };
  const port = new URL(defaultUrl).port;
  const onDefault = notes.find((note) => new URL(note.url).port === port);
  if (onDefault) return { source: 'default-port', url: onDefault.url, pid: onDefault.pid, running: notes.length };
  // Oldest first: the order they were started in.
  return {
    source: 'several',
    urls: [...notes].sort((a, b) => a.started_at.localeCompare(b.started_at)).map((n) => n.url),
  };
}

import { open, stat } from 'node:fs/promises';
import { journalRecordSchema, type JournalRecord } from './records.js';
import { readJournal, type JournalEntry } from './journal.js';

// The inspector's view of the journal: every entry in memory (oldest first, and by journal id), kept
// up to date by following the file as listeners append to it, whichever process they run in. A
// subscriber hears each new request and each completed forward. The journal is the one source, so
// the page shows the same history after a restart as before it.

export type FeedChange = { kind: 'entry' | 'update'; entry: JournalEntry };

export interface JournalFeed {
  /** Oldest first. */
  entries(): readonly JournalEntry[];
  get(rid: string): JournalEntry | undefined;
  subscribe(listener: (change: FeedChange) => void): () => void;
  /** Reads what was appended since the last look (also done on its own, every `pollMs`). */
  poll(): Promise<void>;
  close(): void;
}

export interface FeedOptions {
  file: string;
  /** How often the file is looked at for appended records. */
  pollMs: number;
}

/** Loads the journal and follows it. A journal that does not exist yet is empty until a listener makes it. */
export async function openJournalFeed(options: FeedOptions): Promise<JournalFeed> {
  const loaded = await readJournal(options.file);
  const list: JournalEntry[] = [...loaded.entries];
  const byRid = new Map(list.map((entry) => [entry.request.rid, entry]));
  const listeners = new Set<(change: FeedChange) => void>();
  const tail = await startTail(options.file);

  const apply = (record: JournalRecord) => {
    if (record.type === 'request') {
      const entry = { request: record, forwards: [] };
      if (byRid.has(record.rid)) return;
      byRid.set(record.rid, entry);
      list.push(entry);
      for (const listener of listeners) listener({ kind: 'entry', entry });
      return;
    }
    const entry = byRid.get(record.rid);
    if (!entry) return;
    entry.forwards.push(record);
    for (const listener of listeners) listener({ kind: 'update', entry });
  };
  let polling: Promise<void> | undefined;
  const poll = () => (polling ??= tail.read().then((records) => records.forEach(apply)).finally(() => (polling = undefined)));
  const timer = setInterval(() => void poll().catch(() => {}), options.pollMs);
  timer.unref();
  return {
    entries: () => list,
    get: (rid) => byRid.get(rid),
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    poll,
    close: () => clearInterval(timer),
  };
}

/** Follows one file from its current end: records appended to it, and to the new file after a rollover. */
async function startTail(file: string) {
  const now = await stat(file).catch(() => undefined);
  let ino = now?.ino;
  let offset = now?.size ?? 0;
  // Bytes after the last newline: a line still being written (kept as bytes: it may end inside a character).
  let partial = Buffer.alloc(0);
  return {
    async read(): Promise<JournalRecord[]> {
      const info = await stat(file).catch(() => undefined);
      if (!info) return [];
      // Rolled over (a new file under the name) or truncated: the new one is read from its start.
      if (info.ino !== ino || info.size < offset) {
        ino = info.ino;
        offset = 0;
        partial = Buffer.alloc(0);
      }
      if (info.size === offset) return [];
      const handle = await open(file, 'r');
      try {
        const buffer = Buffer.alloc(info.size - offset);
        const { bytesRead } = await handle.read(buffer, 0, buffer.length, offset);
        offset += bytesRead;
        const bytes = Buffer.concat([partial, buffer.subarray(0, bytesRead)]);
        const end = bytes.lastIndexOf(0x0a) + 1;
        partial = bytes.subarray(end);
        return bytes.subarray(0, end).toString('utf8').split('\n').flatMap((line) => parse(line));
      } finally {
        await handle.close();
      }
    },
  };
}

function parse(line: string): JournalRecord[] {
  if (!line) return [];
  try {
    const result = journalRecordSchema.safeParse(JSON.parse(line));
    return result.success ? [result.data] : [];
  } catch {
    return [];
  }
}

import { open, stat, type FileHandle } from 'node:fs/promises';
import { parseJournalLine, type JournalRecord } from './records.js';
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
  const poll = () =>
    (polling ??= tail
      .read()
      .then((records) => records.forEach(apply))
      .finally(() => (polling = undefined)));
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
    close: () => {
      clearInterval(timer);
      void tail.close().catch(() => {});
    },
  };
}

/** One file being read: an open handle, so a file renamed away (rolled over) is still read to its end. */
interface TailedFile {
  handle: FileHandle;
  ino: number;
  offset: number;
  /** Bytes after the last newline: a line still being written (kept as bytes: it may end inside a character). */
  partial: Buffer;
}

/**
 * Follows one file from its current end: records appended to it, and after a rollover the rest of
 * the old file (through the handle still open on it, whatever its name now) then the new file from
 * its start. The old file is read once more at the next look, for a group another listener wrote
 * into it just as it was renamed.
 */
async function startTail(file: string) {
  let current = await openTail(file, 'end');
  let previous: TailedFile | undefined;
  let reading: Promise<JournalRecord[]> | undefined;
  let closed = false;
  const read = async (): Promise<JournalRecord[]> => {
    const records: JournalRecord[] = [];
    // The rolled-over file, read once more after the switch, then let go.
    if (previous) {
      records.push(...(await readRest(previous)));
      await previous.handle.close();
      previous = undefined;
    }
    if (current) records.push(...(await readRest(current)));
    const info = await stat(file).catch(() => undefined);
    if (!info) return records;
    if (current && info.ino === current.ino) {
      // Truncated: read again from the start.
      if (info.size < current.offset) {
        Object.assign(current, { offset: 0, partial: Buffer.alloc(0) });
        records.push(...(await readRest(current)));
      }
      return records;
    }
    previous = current;
    current = await openTail(file, 'start');
    if (current) records.push(...(await readRest(current)));
    return records;
  };
  return {
    /** One read at a time; none after close(). */
    read(): Promise<JournalRecord[]> {
      if (closed) return Promise.resolve([]);
      return (reading = (reading ?? Promise.resolve([])).catch(() => []).then(read));
    },
    /** Waits for a read in progress, then closes every handle it holds. */
    async close(): Promise<void> {
      closed = true;
      await reading?.catch(() => {});
      await Promise.all([previous?.handle.close(), current?.handle.close()]);
    },
  };
}

async function openTail(file: string, from: 'start' | 'end'): Promise<TailedFile | undefined> {
  let handle: FileHandle;
  try {
    handle = await open(file, 'r');
  } catch {
    return undefined;
  }
  try {
    const { ino, size } = await handle.stat();
    return { handle, ino, offset: from === 'end' ? size : 0, partial: Buffer.alloc(0) };
  } catch {
    await handle.close();
    return undefined;
  }
}

/** The whole records appended to the file since the last read. */
async function readRest(tail: TailedFile): Promise<JournalRecord[]> {
  const { size } = await tail.handle.stat();
  if (size <= tail.offset) return [];
  const buffer = Buffer.alloc(size - tail.offset);
  const { bytesRead } = await tail.handle.read(buffer, 0, buffer.length, tail.offset);
  tail.offset += bytesRead;
  const bytes = Buffer.concat([tail.partial, buffer.subarray(0, bytesRead)]);
  const end = bytes.lastIndexOf(0x0a) + 1;
  tail.partial = bytes.subarray(end);
  return bytes
    .subarray(0, end)
    .toString('utf8')
    .split('\n')
    .flatMap((line) => parseJournalLine(line) ?? []);
}

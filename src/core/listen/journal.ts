import { closeSync, createReadStream, fstatSync, openSync, renameSync, writeSync } from 'node:fs';
import { mkdir, stat } from 'node:fs/promises';
import { dirname } from 'node:path';
import { createInterface } from 'node:readline';
import { journalRecordSchema, type ForwardsRecord, type JournalRecord, type RequestRecord } from './records.js';

/** Default size at which the journal rolls over to `<file>.1` (so at most twice this on disk). */
export const DEFAULT_JOURNAL_MAX_BYTES = 64 * 1024 * 1024;

/**
 * Appends records to the NDJSON journal, in groups: the records of one turn of the event loop go to
 * the file in one synchronous write at its end (group commit).
 *
 * `commit` calls back once its record is in the file, so the listener forwards only then and a crash
 * loses nothing that was forwarded. The write is synchronous on purpose: appending a few kilobytes to
 * a local file takes microseconds, where an asynchronous write costs a trip through the thread pool
 * and a promise per request; and one write per turn rather than per record saves a system call per
 * event under load. Both showed in the listener's cost per event (issue 6). `append` is for records
 * that need no callback (a request's outcome): they go in the same group, so the file keeps order.
 */
export class JournalWriter {
  private pending: string[] = [];
  private callbacks: ((error?: Error) => void)[] = [];
  private scheduled: NodeJS.Immediate | undefined;
  private closed = false;

  readonly file: string;
  private fd: number;
  private size: number;
  private readonly maxBytes: number;
  private readonly onError: (error: Error) => void;

  private constructor(opened: { file: string; fd: number; size: number; maxBytes: number; onError: (error: Error) => void }) {
    this.file = opened.file;
    this.fd = opened.fd;
    this.size = opened.size;
    this.maxBytes = opened.maxBytes;
    this.onError = opened.onError;
  }

  /** Opens (or creates, 0600) the journal. `onError` hears of failed `append`s. */
  static async open(file: string, options: { maxBytes?: number; onError?: (error: Error) => void } = {}): Promise<JournalWriter> {
    await mkdir(dirname(file), { recursive: true, mode: 0o700 });
    // Bodies and headers of received requests: private to the user, like the config file.
    const fd = openSync(file, 'a', 0o600);
    return new JournalWriter({ file, fd, size: fstatSync(fd).size, maxBytes: options.maxBytes ?? DEFAULT_JOURNAL_MAX_BYTES, onError: options.onError ?? (() => {}) });
  }

  /** Writes the record with this turn's group, then calls back (with the error, if the write failed). */
  commit(record: JournalRecord, then: (error?: Error) => void): void {
    if (this.closed) {
      then(new Error('the journal is closed'));
      return;
    }
    this.queue(record);
    this.callbacks.push(then);
  }

  /** Writes the record with this turn's group; a failure goes to `onError`. */
  append(record: JournalRecord): void {
    if (this.closed) {
      this.onError(new Error('the journal is closed'));
      return;
    }
    this.queue(record);
  }

  private queue(record: JournalRecord): void {
    this.pending.push(JSON.stringify(record));
    this.scheduled ??= setImmediate(() => this.flush());
  }

  private flush(): void {
    this.scheduled = undefined;
    if (this.pending.length === 0) return;
    const lines = this.pending;
    const callbacks = this.callbacks;
    this.pending = [];
    this.callbacks = [];
    let failure: Error | undefined;
    try {
      const bytes = Buffer.from(`${lines.join('\n')}\n`, 'utf8');
      let offset = 0;
      while (offset < bytes.length) offset += writeSync(this.fd, bytes, offset);
      this.size += bytes.length;
      if (this.size >= this.maxBytes) this.rotate();
    } catch (error) {
      failure = error as Error;
      if (callbacks.length === 0) this.onError(failure);
    }
    for (const then of callbacks) then(failure);
  }

  private rotate(): void {
    closeSync(this.fd);
    renameSync(this.file, `${this.file}.1`);
    this.fd = openSync(this.file, 'a', 0o600);
    this.size = 0;
  }

  /** Writes what is pending, then closes the file. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.scheduled) clearImmediate(this.scheduled);
    try {
      this.flush();
    } finally {
      closeSync(this.fd);
    }
  }
}

/** One received request with what came of its forwards, as read back from the journal. */
export interface JournalEntry {
  request: RequestRecord;
  forwards: ForwardsRecord[];
}

export interface JournalContents {
  /** Oldest first. */
  entries: JournalEntry[];
  /** Lines that could not be read: a torn last line after a crash, or damage. */
  skipped: number;
}

/** Reads the journal (the rolled-over part first); unreadable lines are skipped and counted. */
export async function readJournal(file: string): Promise<JournalContents> {
  const byRid = new Map<string, JournalEntry>();
  let skipped = 0;
  for (const part of [`${file}.1`, file]) {
    try {
      await stat(part);
    } catch {
      continue;
    }
    const lines = createInterface({ input: createReadStream(part, 'utf8'), crlfDelay: Infinity });
    for await (const line of lines) {
      if (line.length === 0) continue;
      const record = parseLine(line);
      if (!record) {
        skipped++;
        continue;
      }
      if (record.type === 'request') byRid.set(record.rid, { request: record, forwards: [] });
      else byRid.get(record.rid)?.forwards.push(record);
    }
  }
  return { entries: [...byRid.values()], skipped };
}

function parseLine(line: string): JournalRecord | undefined {
  try {
    const result = journalRecordSchema.safeParse(JSON.parse(line));
    return result.success ? result.data : undefined;
  } catch {
    return undefined;
  }
}

/** Finds an entry by event id (`evt_…`, the latest delivery of it) or journal id (`rcv_…`). */
export function findEntry(contents: JournalContents, id: string): JournalEntry | undefined {
  for (let i = contents.entries.length - 1; i >= 0; i--) {
    const entry = contents.entries[i]!;
    if (entry.request.rid === id || entry.request.event_id === id) return entry;
  }
  return undefined;
}

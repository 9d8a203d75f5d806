import { createReadStream } from 'node:fs';
import { mkdir, open, rename, stat, type FileHandle } from 'node:fs/promises';
import { dirname } from 'node:path';
import { createInterface } from 'node:readline';
import { journalRecordSchema, type ForwardsRecord, type JournalRecord, type RequestRecord } from './records.js';

/** Default size at which the journal rolls over to `<file>.1` (so at most twice this on disk). */
export const DEFAULT_JOURNAL_MAX_BYTES = 64 * 1024 * 1024;

/**
 * Appends records to the NDJSON journal. Records appended in the same turn of the event loop are
 * written together in one write (group commit): no synchronous I/O per request, and `append`
 * resolves only once its line is in the file, so the listener can forward after that and a crash
 * loses nothing that was forwarded.
 */
export class JournalWriter {
  private pending: string[] = [];
  private waiters: { resolve: () => void; reject: (error: unknown) => void }[] = [];
  private flushing: Promise<void> | undefined;
  private closed = false;

  private constructor(
    readonly file: string,
    private handle: FileHandle,
    private size: number,
    private readonly maxBytes: number,
  ) {}

  static async open(file: string, maxBytes = DEFAULT_JOURNAL_MAX_BYTES): Promise<JournalWriter> {
    await mkdir(dirname(file), { recursive: true, mode: 0o700 });
    // Bodies and headers of received requests: private to the user, like the config file.
    const handle = await open(file, 'a', 0o600);
    const { size } = await handle.stat();
    return new JournalWriter(file, handle, size, maxBytes);
  }

  append(record: JournalRecord): Promise<void> {
    if (this.closed) return Promise.reject(new Error('the journal is closed'));
    this.pending.push(`${JSON.stringify(record)}\n`);
    const written = new Promise<void>((resolve, reject) => this.waiters.push({ resolve, reject }));
    this.flushing ??= new Promise<void>((resolve) => setImmediate(resolve)).then(() => this.flush());
    return written;
  }

  private async flush(): Promise<void> {
    while (this.pending.length > 0) {
      const batch = this.pending.join('');
      const waiters = this.waiters;
      this.pending = [];
      this.waiters = [];
      try {
        await this.handle.write(batch);
        this.size += Buffer.byteLength(batch);
        if (this.size >= this.maxBytes) await this.rotate();
        for (const waiter of waiters) waiter.resolve();
      } catch (error) {
        for (const waiter of waiters) waiter.reject(error);
      }
    }
    this.flushing = undefined;
  }

  private async rotate(): Promise<void> {
    await this.handle.close();
    await rename(this.file, `${this.file}.1`);
    this.handle = await open(this.file, 'a', 0o600);
    this.size = 0;
  }

  /** Writes what is pending, then closes the file. */
  async close(): Promise<void> {
    this.closed = true;
    while (this.flushing) await this.flushing;
    await this.handle.close();
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

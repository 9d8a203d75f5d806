import {
  chmodSync,
  closeSync,
  linkSync,
  createReadStream,
  fchmodSync,
  fstatSync,
  openSync,
  readFileSync,
  readSync,
  renameSync,
  statSync,
  unlinkSync,
  writeSync,
} from 'node:fs';
import { mkdir, stat } from 'node:fs/promises';
import { dirname } from 'node:path';
import { createInterface } from 'node:readline';
import { isAlive } from '../processes.js';
import { parseJournalLine, type ForwardsRecord, type JournalRecord, type RequestRecord } from './records.js';

/** Default size at which the journal rolls over to `<file>.1` (so at most twice this on disk). */
export const DEFAULT_JOURNAL_MAX_BYTES = 64 * 1024 * 1024;

/** What opening the journal found. */
export interface JournalOpened {
  /** The file did not end in a newline (a crash or a full disk cut its last record short). */
  tornLine: boolean;
  /** Permissions that were looser than private and were tightened, e.g. "the folder from 0755 to 0700". */
  tightened: string[];
}

/**
 * Appends records to the NDJSON journal, in groups: the records of one turn of the event loop go to
 * the file in one synchronous write at its end (group commit).
 *
 * `commit` calls back once its record is in the file, so the listener forwards only then and a crash
 * loses nothing that was forwarded. The write is synchronous on purpose: appending a few kilobytes to
 * a local file takes microseconds, where an asynchronous write costs a trip through the thread pool
 * and a promise per request; and one write per turn rather than per record saves a system call per
 * event under load. Both showed in the listener's cost per event. `append` is for records
 * that need no callback (a request's outcome): they go in the same group, so the file keeps order.
 *
 * Several listeners may share one journal. Each group is one write to a file opened for
 * appending, so groups never interleave. The file's size is the file's, not what this process wrote,
 * and only one process rolls it over at a time (under `<file>.lock`); a writer whose file was rolled
 * over by another finds out before its next group and reopens the new one. A group written into the
 * old file in between is in `<file>.1`, which readers read too: nothing is lost before its time.
 */
export class JournalWriter {
  private pending: string[] = [];
  private callbacks: ((error?: Error) => void)[] = [];
  private scheduled: NodeJS.Immediate | undefined;
  private closed = false;
  /** The next group must start on a new line: the file may end in a torn line. */
  private torn: boolean;

  readonly file: string;
  readonly opened: JournalOpened;
  private fd: number;
  private inode: number;
  private readonly maxBytes: number;
  private readonly onError: (error: Error) => void;

  private constructor(
    file: string,
    options: { maxBytes: number; onError: (error: Error) => void; tightened: string[] },
  ) {
    this.file = file;
    this.maxBytes = options.maxBytes;
    this.onError = options.onError;
    const { fd, inode, torn } = openForAppend(file);
    this.fd = fd;
    this.inode = inode;
    this.torn = torn;
    this.opened = { tornLine: torn, tightened: options.tightened };
  }

  /**
   * Opens (or creates, 0600 in a 0700 folder) the journal. `onError` hears of failed `append`s.
   * `platform` (default this process's) says whether there are POSIX modes to tighten.
   */
  static async open(
    file: string,
    options: { maxBytes?: number; onError?: (error: Error) => void; platform?: NodeJS.Platform } = {},
  ): Promise<JournalWriter> {
    await mkdir(dirname(file), { recursive: true, mode: 0o700 });
    // Bodies and headers of received requests: private to the user, like the config file, even
    // when an older version or the user made the folder or the file readable by others. Windows has
    // no such modes (these calls set only the read-only flag, and stat reports 0666 / 0777 for
    // every file and folder): there the user's profile folder keeps it private, and nothing is
    // tightened or reported.
    const posixModes = (options.platform ?? process.platform) !== 'win32';
    const tightened = posixModes ? tighten(dirname(file), 0o700, 'the folder') : [];
    const writer = new JournalWriter(file, {
      maxBytes: options.maxBytes ?? DEFAULT_JOURNAL_MAX_BYTES,
      onError: options.onError ?? (() => {}),
      tightened,
    });
    const fileMode = fstatSync(writer.fd).mode & 0o777;
    if (posixModes && fileMode & 0o077) {
      fchmodSync(writer.fd, 0o600);
      tightened.push(`the file from ${octal(fileMode)} to 0600`);
    }
    return writer;
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
      this.write(`${this.torn ? '\n' : ''}${lines.join('\n')}\n`);
    } catch (error) {
      failure = error as Error;
      if (callbacks.length === 0) this.onError(failure);
    }
    for (const then of callbacks) then(failure);
  }

  private write(text: string): void {
    const size = this.followRollover();
    const bytes = Buffer.from(text, 'utf8');
    let offset = 0;
    try {
      while (offset < bytes.length) offset += writeSync(this.fd, bytes, offset);
    } catch (error) {
      // Some of it may be in the file: start the next group on a line of its own.
      this.torn = offset > 0 || this.torn;
      throw error;
    }
    this.torn = false;
    if (size + bytes.length >= this.maxBytes) this.rollOver();
  }

  /**
   * Reopens the journal when another listener rolled it over since the last group, and returns the
   * size of the file this group goes to.
   */
  private followRollover(): number {
    let current;
    try {
      current = statSync(this.file);
    } catch {
      current = undefined;
    }
    if (current && current.ino === this.inode) return current.size;
    this.reopen();
    return fstatSync(this.fd).size;
  }

  /**
   * Renames the full file to `<file>.1`, unless another listener is at it or has done it. The group
   * is written by then: a failure here is reported, and the next group tries again.
   */
  private rollOver(): void {
    try {
      const lock = takeLock(`${this.file}.lock`);
      if (!lock) return;
      try {
        // No file: another writer has just renamed it and not yet made the new one.
        const current = statSync(this.file, { throwIfNoEntry: false });
        if (current?.ino === this.inode && current.size >= this.maxBytes) renameSync(this.file, `${this.file}.1`);
        // The new file is made before the lock goes, so the next writer to take it finds one.
        this.reopen();
      } finally {
        lock.release();
      }
    } catch (error) {
      this.onError(new Error(`could not roll the journal over to ${this.file}.1: ${(error as Error).message}`));
    }
  }

  private reopen(): void {
    const { fd, inode, torn } = openForAppend(this.file);
    closeSync(this.fd);
    this.fd = fd;
    this.inode = inode;
    this.torn ||= torn;
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

function openForAppend(file: string): { fd: number; inode: number; torn: boolean } {
  const fd = openSync(file, 'a+', 0o600);
  const { ino, size } = fstatSync(fd);
  if (size === 0) return { fd, inode: ino, torn: false };
  const last = Buffer.alloc(1);
  readSync(fd, last, 0, 1, size - 1);
  return { fd, inode: ino, torn: last[0] !== 0x0a };
}

/** Makes `path` no more open than `mode`; says what it changed. Leaves alone what it cannot change. */
function tighten(path: string, mode: number, what: string): string[] {
  try {
    const current = statSync(path).mode & 0o777;
    if ((current & ~mode) === 0) return [];
    chmodSync(path, mode);
    return [`${what} from ${octal(current)} to ${octal(mode)}`];
  } catch {
    return [];
  }
}

const octal = (mode: number) => `0${mode.toString(8)}`;

/**
 * A lock file holding its owner's pid, made whole under another name and then linked into place, so
 * that it never exists empty. A lock left by a process that has died (a SIGKILLed listener) is taken
 * over; a live owner's is respected: the caller tries again with its next group.
 */
function takeLock(path: string): { release(): void } | undefined {
  const mine = `${path}.${process.pid}`;
  const fd = openSync(mine, 'w', 0o600);
  try {
    writeSync(fd, String(process.pid));
  } finally {
    closeSync(fd);
  }
  try {
    for (let attempt = 0; attempt < 2; attempt++) {
      try {
        linkSync(mine, path);
        return { release: () => unlinkSync(path) };
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST' || isHeldByLiveProcess(path)) return undefined;
        // Its owner is gone. (Two writers that find the same dead lock at the same moment could both
        // go on; each still renames only the file it measured, so the worst is one early rollover.)
        unlinkIfThere(path);
      }
    }
    return undefined;
  } finally {
    unlinkSync(mine);
  }
}

function unlinkIfThere(path: string): void {
  try {
    unlinkSync(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
}

function isHeldByLiveProcess(path: string): boolean {
  let pid: number;
  try {
    pid = Number(readFileSync(path, 'utf8'));
  } catch {
    // Released since: the next group tries again.
    return true;
  }
  return Number.isInteger(pid) && pid > 0 && isAlive(pid);
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
      const record = parseJournalLine(line);
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

/** The listener refused it (a bad signature, not JSON, not an event): its body is not to be trusted. */
export function isRejected(entry: JournalEntry): boolean {
  const status = entry.request.response_status;
  // 0: the client went away before the listener could answer.
  return entry.request.verification.status === 'invalid' || (status !== undefined && (status < 200 || status >= 300));
}

/**
 * Finds an entry by journal id (`rcv_…`) or event id (`evt_…`). An event id names the latest
 * delivery of the event that the listener accepted, verified ones first; a rejected request that
 * claims the id (anyone can send one) is found by it only when nothing else claims it.
 */
export function findEntry(contents: JournalContents, id: string): JournalEntry | undefined {
  let accepted: JournalEntry | undefined;
  let rejected: JournalEntry | undefined;
  for (let i = contents.entries.length - 1; i >= 0; i--) {
    const entry = contents.entries[i]!;
    if (entry.request.rid === id) return entry;
    if (entry.request.event_id !== id) continue;
    if (isRejected(entry)) rejected ??= entry;
    else if (entry.request.verification.status === 'valid') return entry;
    else accepted ??= entry;
  }
  return accepted ?? rejected;
}

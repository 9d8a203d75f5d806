import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, stat, writeFile, chmod } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { JournalWriter, readJournal } from '../../src/core/listen/journal.js';
import type { ForwardsRecord } from '../../src/core/listen/records.js';
import { expectMode, windows } from '../helpers/platform.js';

// The journal shared by several listeners (issue 11, items 1 and 2): rollover with several writers,
// and a torn last line.

let dir: string;
let file: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'datachonk-journal-'));
  file = join(dir, 'state', 'events.ndjson');
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** A record of a fixed size, named by writer and sequence number. */
const record = (rid: string): ForwardsRecord => ({
  type: 'forwards',
  rid,
  at: '2026-11-29T00:00:00.000Z',
  results: [{ target: 'x'.repeat(200), status: 200, latency_ms: 1 }],
});
const RECORD_BYTES = Buffer.byteLength(`${JSON.stringify(record('a-0000'))}\n`);

const turn = () => new Promise<void>((resolve) => setImmediate(resolve));
const rids = async () => (await readJournal(file)).entries.map((e) => e.request.rid);

/** The rids in the file, in file order (forwards records only, which readJournal does not list alone). */
async function ridsOnDisk(): Promise<string[]> {
  const out: string[] = [];
  for (const part of [`${file}.1`, file]) {
    const text = await readFile(part, 'utf8').catch(() => '');
    for (const line of text.split('\n')) if (line) out.push((JSON.parse(line) as { rid: string }).rid);
  }
  return out;
}

describe('a journal shared by several writers', () => {
  it('rolls over once per full file, so what is kept is the newest history without a gap', async () => {
    const maxBytes = 10 * RECORD_BYTES;
    const a = await JournalWriter.open(file, { maxBytes });
    const b = await JournalWriter.open(file, { maxBytes });
    const written: string[] = [];
    for (let i = 0; i < 30; i++) {
      for (const [name, writer] of [
        ['a', a],
        ['b', b],
      ] as const) {
        const rid = `${name}-${String(i).padStart(4, '0')}`;
        writer.append(record(rid));
        written.push(rid);
        await turn();
      }
    }
    await a.close();
    await b.close();
    const kept = await ridsOnDisk();
    // At least a full file's worth is kept, and it is the end of what was written, in order.
    expect(kept.length).toBeGreaterThanOrEqual(10);
    expect(kept).toEqual(written.slice(-kept.length));
    expect((await stat(file)).size).toBeLessThan(maxBytes);
  });

  it('three processes appending at once: every line whole, none twice, the newest full file kept', async () => {
    const maxBytes = 40 * RECORD_BYTES;
    const perWriter = 400;
    const script = `
      const { JournalWriter } = await import(${JSON.stringify(new URL('../../dist/core/listen/journal.js', import.meta.url).href)});
      const [file, name, count, maxBytes] = process.argv.slice(1);
      const writer = await JournalWriter.open(file, { maxBytes: Number(maxBytes), onError: (e) => { console.error(e.message); process.exitCode = 3; } });
      const record = ${record.toString()};
      for (let i = 0; i < Number(count); i++) {
        writer.append(record(name + '-' + String(i).padStart(4, '0')));
        if (i % 3 === 0) await new Promise((r) => setImmediate(r));
      }
      await writer.close();
    `;
    const writers = ['p', 'q', 'r'].map(
      (name) =>
        new Promise<number | null>((resolve, reject) => {
          const child = spawn(
            process.execPath,
            ['--input-type=module', '-e', script, file, name, String(perWriter), String(maxBytes)],
            { stdio: ['ignore', 'ignore', 'inherit'] },
          );
          child.on('error', reject);
          child.on('exit', resolve);
        }),
    );
    expect(await Promise.all(writers)).toEqual([0, 0, 0]);
    expect((await readJournal(file)).skipped).toBe(0);
    const kept = await ridsOnDisk();
    expect(new Set(kept).size).toBe(kept.length);
    expect(kept.length).toBeGreaterThanOrEqual(40);
    // Each writer's records are kept from some point on to its last, with none missing in between
    // (a writer that finished early may have rolled out entirely).
    for (const name of ['p', 'q', 'r']) {
      const own = kept.filter((rid) => rid.startsWith(`${name}-`)).map((rid) => Number(rid.slice(2)));
      expect(own).toEqual(Array.from({ length: own.length }, (_, i) => perWriter - own.length + i));
    }
  });

  it('a rollover lock left by a process that died is taken over', async () => {
    const maxBytes = 5 * RECORD_BYTES;
    const writer = await JournalWriter.open(file, { maxBytes });
    // A pid that is not running: a listener killed while it held the lock.
    await writeFile(`${file}.lock`, '2147483646');
    for (let i = 0; i < 6; i++) writer.append(record(`a-${String(i).padStart(4, '0')}`));
    await writer.close();
    expect((await stat(`${file}.1`)).size).toBe(6 * RECORD_BYTES);
    await expect(stat(`${file}.lock`)).rejects.toThrow();
  });

  it('a rollover lock held by a live process is respected: the file grows until it is free', async () => {
    const maxBytes = 5 * RECORD_BYTES;
    const writer = await JournalWriter.open(file, { maxBytes });
    await writeFile(`${file}.lock`, String(process.pid));
    for (let i = 0; i < 6; i++) writer.append(record(`a-${String(i).padStart(4, '0')}`));
    await turn();
    await expect(stat(`${file}.1`)).rejects.toThrow();
    await rm(`${file}.lock`);
    writer.append(record('a-9999'));
    await writer.close();
    expect((await stat(`${file}.1`)).size).toBe(7 * RECORD_BYTES);
  });
});

describe('a torn last line', () => {
  const request = (rid: string) => ({
    type: 'request' as const,
    rid,
    received_at: '2026-11-29T00:00:00.000Z',
    method: 'POST',
    path: '/',
    headers: {},
    body: '',
    verification: { status: 'valid' as const },
    targets: [],
  });

  it('does not swallow the next record: it starts on a line of its own, and the open says it found one', async () => {
    let writer = await JournalWriter.open(file);
    writer.append(request('rcv_before'));
    await writer.close();
    // A crash in the middle of a write.
    await writeFile(file, `${await readFile(file, 'utf8')}{"type":"request","rid":"rcv_torn","rec`);
    writer = await JournalWriter.open(file);
    expect(writer.opened.tornLine).toBe(true);
    writer.append(request('rcv_after'));
    await writer.close();
    const contents = await readJournal(file);
    expect(contents.entries.map((e) => e.request.rid)).toEqual(['rcv_before', 'rcv_after']);
    expect(contents.skipped).toBe(1);
    // Repaired once: the next open finds a whole last line.
    const reopened = await JournalWriter.open(file);
    await reopened.close();
    expect(reopened.opened.tornLine).toBe(false);
  });

  it('an intact journal is not reported torn, and an empty one neither', async () => {
    const first = await JournalWriter.open(file);
    expect(first.opened.tornLine).toBe(false);
    first.append(request('rcv_1'));
    await first.close();
    const second = await JournalWriter.open(file);
    expect(second.opened.tornLine).toBe(false);
    await second.close();
    expect(await rids()).toEqual(['rcv_1']);
  });
});

describe('permissions', () => {
  // Windows: no POSIX modes to loosen or check.
  it.skipIf(windows)(
    'a journal and folder readable by others are made private before anything is written, and the open says so',
    async () => {
      const first = await JournalWriter.open(file);
      await first.close();
      await chmod(join(dir, 'state'), 0o755);
      await chmod(file, 0o644);
      const writer = await JournalWriter.open(file);
      await writer.close();
      expect(writer.opened.tightened).toEqual(['the folder from 0755 to 0700', 'the file from 0644 to 0600']);
      expect((await stat(join(dir, 'state'))).mode & 0o777).toBe(0o700);
      expect((await stat(file)).mode & 0o777).toBe(0o600);
    },
  );

  it('on Windows nothing is tightened or reported: its modes are not POSIX ones (every file reads 0666)', async () => {
    const first = await JournalWriter.open(file);
    await first.close();
    await chmod(join(dir, 'state'), 0o755);
    await chmod(file, 0o644);
    const writer = await JournalWriter.open(file, { platform: 'win32' });
    await writer.close();
    expect(writer.opened.tightened).toEqual([]);
    await expectMode(join(dir, 'state'), 0o755);
    await expectMode(file, 0o644);
  });
});

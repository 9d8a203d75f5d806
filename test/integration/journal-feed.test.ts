import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openJournalFeed, type JournalFeed } from '../../src/core/listen/feed.js';
import { JournalWriter } from '../../src/core/listen/journal.js';
import type { RequestRecord } from '../../src/core/listen/records.js';

// The journal followed as listeners append to it: what the inspector and `events wait` read.

let dir: string;
let writer: JournalWriter | undefined;
let feed: JournalFeed | undefined;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'datachonk-feed-'));
});
afterEach(async () => {
  feed?.close();
  await writer?.close();
  feed = writer = undefined;
  await rm(dir, { recursive: true, force: true });
});

const request = (n: number): RequestRecord => ({
  type: 'request',
  rid: `rcv_${n}`,
  received_at: '2026-12-07T10:00:00.000Z',
  method: 'POST',
  path: '/webhooks/datachonk',
  headers: {},
  body: Buffer.from(`{"n":${n}}`).toString('base64'),
  verification: { status: 'valid' },
  targets: [],
});

/** Commits a record and resolves once it is in the file. */
const commit = (record: RequestRecord) =>
  new Promise<void>((resolve, reject) => writer!.commit(record, (error) => (error ? reject(error) : resolve())));

describe('the journal feed', () => {
  it('sees every record appended between two looks, also when the file rolled over in between', async () => {
    const file = join(dir, 'events.ndjson');
    // Each record is about 250 bytes: the file rolls over every few records.
    writer = await JournalWriter.open(file, { maxBytes: 1000 });
    // Never polls by itself in this test: each look is the test's.
    feed = await openJournalFeed({ file, pollMs: 3_600_000 });
    for (let n = 0; n < 3; n++) await commit(request(n));
    await feed.poll();
    expect(feed.entries().map((e) => e.request.rid)).toEqual(['rcv_0', 'rcv_1', 'rcv_2']);
    // The records after the last look, the rest of the old file and the start of the new one.
    for (let n = 3; n < 6; n++) await commit(request(n));
    await feed.poll();
    expect(feed.entries().map((e) => e.request.rid)).toEqual(['rcv_0', 'rcv_1', 'rcv_2', 'rcv_3', 'rcv_4', 'rcv_5']);
  });

  it('follows the file through many rollovers, a look after every few records, missing none', async () => {
    const file = join(dir, 'events.ndjson');
    writer = await JournalWriter.open(file, { maxBytes: 1000 });
    feed = await openJournalFeed({ file, pollMs: 3_600_000 });
    for (let n = 0; n < 18; n++) {
      await commit(request(n));
      if (n % 3 === 2) await feed.poll();
    }
    await feed.poll();
    expect(feed.entries().map((e) => e.request.rid)).toEqual(Array.from({ length: 18 }, (_, n) => `rcv_${n}`));
  });
});

import { join } from 'node:path';
import { z } from 'zod';
import type { Context } from '../context.js';
import { failure, usageError } from '../errors.js';
import { JOURNAL_FILE } from '../defaults.js';
import { findEntry, JournalWriter, readJournal, type JournalContents, type JournalEntry } from '../core/listen/journal.js';
import { resend } from '../core/listen/resend.js';
import { parseTarget } from '../core/listen/targets.js';
import { createEventsView } from '../ui/events.js';
import { intFlag, parseDuration, parseFlags, secretFlag } from './flags.js';

// `datachonk events list|show|resend`: what `datachonk listen` journalled.

const journalFile = (ctx: Context) => join(ctx.paths.stateDir, JOURNAL_FILE);

export async function list(ctx: Context, rawFlags: unknown): Promise<void> {
  const flags = parseFlags(z.object({ limit: intFlag(1).default(20) }), rawFlags);
  const contents = await readJournal(journalFile(ctx));
  createEventsView(ctx).list(contents.entries.slice(-flags.limit).reverse(), { file: journalFile(ctx), skipped: contents.skipped });
}

export async function show(ctx: Context, id: string): Promise<void> {
  createEventsView(ctx).show(await requireEntry(ctx, id));
}

const resendFlags = z.object({ to: z.string().optional(), secret: secretFlag, timeout: z.string().default('30s') });

export async function resendCommand(ctx: Context, id: string, rawFlags: unknown): Promise<void> {
  const flags = parseFlags(resendFlags, rawFlags);
  const entry = await requireEntry(ctx, id);
  const targets = flags.to ? [parseTarget(flags.to).href] : entry.request.targets;
  if (targets.length === 0) {
    throw usageError(`${id} was not forwarded anywhere when it arrived`, 'name a target: datachonk events resend <id> --to localhost:3000');
  }
  const view = createEventsView(ctx);
  const results = await resend(entry.request, targets, {
    secret: flags.secret, timeoutMs: parseDuration(flags.timeout, '--timeout'), monotonic: ctx.monotonic,
  });
  for (const result of results) view.resent(entry, result);
  // The resend happened and was reported: a journal that cannot take its record costs only that record.
  const writer = await JournalWriter.open(journalFile(ctx)).catch(() => undefined);
  writer?.append({ type: 'forwards', rid: entry.request.rid, at: ctx.now().toISOString(), resend: true, results });
  await writer?.close().catch(() => {});
  const failed = results.filter((r) => r.status === null || r.status < 200 || r.status >= 300);
  if (failed.length > 0) {
    const first = failed[0]!;
    throw failure(`the resend to ${first.target} ${first.status === null ? `failed: ${first.error?.message}` : `got ${first.status}`}`,
      first.error?.code === 'refused' ? 'start your app, then run the same command again' : undefined);
  }
}

async function requireEntry(ctx: Context, id: string): Promise<JournalEntry> {
  const contents: JournalContents = await readJournal(journalFile(ctx));
  const entry = findEntry(contents, id);
  if (!entry) {
    throw failure(`no event ${id} in the journal ${journalFile(ctx)}`, 'run `datachonk events list` to see the ids it holds');
  }
  return entry;
}

import { join } from 'node:path';
import { z } from 'zod';
import type { Context } from '../context.js';
import { failure, usageError } from '../errors.js';
import { resolveSecret } from '../config/secret.js';
import {
  DEFAULT_FORWARD_TIMEOUT, DEFAULT_LISTEN_HOST, DEFAULT_LISTEN_PATH, DEFAULT_LISTEN_PORT, DEFAULT_MAX_BODY, JOURNAL_FILE,
} from '../defaults.js';
import { requireEventType } from '../core/events/payload.js';
import { JournalWriter } from '../core/listen/journal.js';
import { startReceiver } from '../core/listen/receiver.js';
import { parseTarget } from '../core/listen/targets.js';
import { createListenView } from '../ui/listen.js';
import { printResult } from '../ui/output.js';
import { intFlag, parseDuration, parseFlags, parseList, parseSize, secretFlag } from './flags.js';

const flagsSchema = z.object({
  host: z.string().min(1).default(DEFAULT_LISTEN_HOST),
  port: intFlag(0, 65535).default(Number(DEFAULT_LISTEN_PORT)),
  path: z.string().startsWith('/', 'the path must start with /').default(DEFAULT_LISTEN_PATH),
  forward: z.array(z.string()).default([]),
  secret: secretFlag,
  skipVerify: z.boolean().default(false),
  events: z.string().optional(),
  forwardTimeout: z.string().default(DEFAULT_FORWARD_TIMEOUT),
  maxBody: z.string().default(DEFAULT_MAX_BODY),
  journal: z.boolean().default(true),
  verbose: z.boolean().default(false),
  printSecret: z.boolean().default(false),
});

/** `datachonk listen`: receive, verify, show, journal and forward webhooks until Ctrl-C. */
export default async function listen(ctx: Context, rawFlags: unknown): Promise<void> {
  const flags = parseFlags(flagsSchema, rawFlags);
  const { secret, source } = await resolveSecret(flags.secret, ctx.env, ctx.paths.configFile);
  if (flags.printSecret) return printResult(ctx, secret, { secret });

  const events = parseList(flags.events)?.map(requireEventType);
  if (events?.length === 0) throw usageError('--events needs at least one event type', 'for example: --events generation.completed,push.completed');
  const targets = flags.forward.map(parseTarget);
  const journalFile = join(ctx.paths.stateDir, JOURNAL_FILE);
  const journal = flags.journal ? await openJournal(journalFile) : undefined;
  const view = createListenView(ctx, { verbose: flags.verbose });

  const receiver = await startReceiver({
    host: flags.host, port: flags.port, path: flags.path, secret, skipVerify: flags.skipVerify,
    events: events && new Set(events), targets,
    forwardTimeoutMs: parseDuration(flags.forwardTimeout, '--forward-timeout'),
    maxBodyBytes: parseSize(flags.maxBody, '--max-body'),
    requestTimeoutMs: 30_000, drainTimeoutMs: 10_000, journal, now: ctx.now, monotonic: ctx.monotonic,
  }, view).catch(async (error: unknown) => {
    await journal?.close();
    throw error;
  });
  view.ready({
    url: receiver.url, secret, secretSource: source, targets: targets.map((t) => (t.pathname === '/' ? `${t.origin} (+ the received path)` : t.href)), events,
    journalFile: journal?.file, skipVerify: flags.skipVerify,
  });

  await ctx.waitForShutdown();
  view.stopping();
  await receiver.close();
  await journal?.close();
}

async function openJournal(file: string): Promise<JournalWriter> {
  try {
    return await JournalWriter.open(file);
  } catch (error) {
    throw failure(`cannot open the journal ${file}: ${(error as Error).message}`, 'fix its folder\'s permissions, or run with --no-journal');
  }
}

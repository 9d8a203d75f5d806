import { join } from 'node:path';
import type { Context } from '../../context.js';
import { failure, interrupted as interruptedError, usageError } from '../../errors.js';
import { JOURNAL_FILE } from '../../defaults.js';
import { findEntry, isRejected, JournalWriter, readJournal, type JournalEntry } from '../../core/listen/journal.js';
import { filterEntries } from '../../core/listen/query.js';
import { resend as resendEntry, type ResendTarget } from '../../core/listen/resend.js';
import { basicAuthorization, urlCredentials } from '../../core/url-credentials.js';
import { diagnoseResend } from '../../core/listen/resend-refusal.js';
import type { RefusalDiagnosis } from '../../core/refusal.js';
import { detectStack } from '../../core/stack.js';
import { mistakeFix, mistakeWords } from '../../ui/stack-advice.js';
import { knownSecrets } from '../../config/secret.js';
import { forwardUrl, parseTarget } from '../../core/listen/targets.js';
import { createSender } from '../../core/send.js';
import { appReplyCause } from '../../core/app-reply.js';
import type { ForwardResult } from '../../core/listen/records.js';
import { appReplyHint } from '../../ui/app-reply.js';
import { createEventsView } from '../../ui/events.js';
import { note } from '../../ui/output.js';
import { isEventType, suggestEventType } from '../../core/events/catalogue.js';
import type { Action } from '../define.js';
import type { ListSpecs, ResendSpecs, ShowSpecs, WaitSpecs } from './index.js';
import { openJournalFeed } from '../../core/listen/feed.js';
import { waitForEntry } from '../../core/listen/wait.js';
import { formatDuration } from '../../core/net-errors.js';

// `datachonk events list|show|resend`: what `datachonk listen` journalled.

const journalFile = (ctx: Context) => join(ctx.paths.stateDir, JOURNAL_FILE);

export const list: Action<ListSpecs> = async (ctx, { options }) => {
  const contents = await readJournal(journalFile(ctx));
  const since =
    options.since && ('at' in options.since ? options.since.at : new Date(ctx.now().getTime() - options.since.ago));
  const filter = { event: options.event, status: options.status, verdict: options.verdict, since };
  const filtered = Object.values(filter).some((value) => value !== undefined);
  const matching = filtered ? filterEntries(contents.entries, filter) : contents.entries;
  createEventsView(ctx).list(matching.slice(-options.limit).reverse(), {
    file: journalFile(ctx),
    skipped: contents.skipped,
    filtered,
  });
};

export const show: Action<ShowSpecs> = async (ctx, { args: [id], options }) => {
  if (options.raw && ctx.output === 'json') {
    throw usageError(
      '--raw prints the body alone, as received: it cannot be JSON',
      'leave out --json; `--json` alone gives the body as text and as base64',
    );
  }
  const entry = await requireEntry(ctx, id!);
  // The bytes as received only when asked for: by default what came from outside is shown escaped.
  if (options.raw) createEventsView(ctx).rawBody(entry);
  else createEventsView(ctx).show(entry);
};

/**
 * `events wait`: blocks until the journal has a matching event the listener accepted (already there,
 * unless --since, or still to come from a listener in any process), prints it, exit 0; exit 1 on timeout.
 */
export const wait: Action<WaitSpecs> = async (ctx, { options }) => {
  const started = ctx.now();
  const since =
    options.since === undefined
      ? undefined
      : options.since === 'now'
        ? started
        : 'at' in options.since
          ? options.since.at
          : new Date(started.getTime() - options.since.ago);
  const criteria = { event: options.event, match: options.match, since };
  const feed = await openJournalFeed({ file: journalFile(ctx), pollMs: 100 });
  warnUnknownType(ctx, options.event);
  note(ctx, `waiting for an event${describeCriteria(criteria)}, up to ${formatDuration(options.timeout)}…`);
  let interrupted = false;
  const stopped = ctx.waitForShutdown().then(() => (interrupted = true));
  try {
    const entry = await waitForEntry(feed, criteria, { timeoutMs: options.timeout, stopped });
    if (interrupted) throw interruptedError('stopped waiting: no matching event had arrived');
    if (!entry)
      throw failure(
        `no matching event within ${formatDuration(options.timeout)}${describeCriteria(criteria)}`,
        'is `datachonk listen` running, and is the event sent to it? `datachonk events list` shows what it received',
      );
    createEventsView(ctx).waited(entry);
  } finally {
    feed.close();
  }
};

/** A type that is no pattern and not one this version knows is likely a typo: said, and waited for all the same. */
function warnUnknownType(ctx: Context, event: string | undefined): void {
  if (event === undefined || event.includes('*') || isEventType(event)) return;
  const close = suggestEventType(event);
  note(
    ctx,
    `warning: ${event} is not an event type this version knows${close ? ` (did you mean ${close}?)` : ''}; waiting for it all the same`,
  );
}

function describeCriteria(criteria: {
  event?: string | undefined;
  match: readonly { path: readonly string[]; text: string }[];
  since?: Date | undefined;
}): string {
  const parts = [
    ...(criteria.event ? [`type ${criteria.event}`] : []),
    ...criteria.match.map((m) => `${m.path.join('.')}=${m.text}`),
    ...(criteria.since ? [`received since ${criteria.since.toISOString()}`] : []),
  ];
  return parts.length ? ` (${parts.join(', ')})` : '';
}

export const resend: Action<ResendSpecs> = async (ctx, { args: [id], options }) => {
  const entry = await requireEntry(ctx, id!);
  const view = createEventsView(ctx);
  if (entry.request.verification.status === 'unchecked') throw nothingKept(entry);
  if (isRejected(entry)) {
    // Anyone who can reach the listener can send a body with any id: a rejected one is not replayed,
    // and above all not signed (--secret), unless asked for in so many words.
    if (!options.allowRejected) throw rejectedRefusal(entry);
    view.sendingRejected(entry);
  }
  const targets = resendTargets(entry, options.to);
  if (targets.length === 0) {
    throw usageError(
      `${id} was not forwarded anywhere when it arrived`,
      'name a target: datachonk events resend <id> --to localhost:3000',
    );
  }
  const sender = createSender({ connections: targets.length, clock: ctx.monotonic });
  const results = await resendEntry(entry.request, targets, {
    secret: options.secret,
    timeoutMs: options.timeout,
    sender,
  }).finally(() => sender.close());
  for (const result of results) view.resent(entry, result);
  // The resend happened and was reported: a journal that cannot take its record costs only that record.
  const writer = await JournalWriter.open(journalFile(ctx)).catch(() => undefined);
  writer?.append({ type: 'forwards', rid: entry.request.rid, at: ctx.now().toISOString(), resend: true, results });
  await writer?.close().catch(() => {});
  const failed = results.find((r) => r.status === null || r.status < 200 || r.status >= 300);
  if (failed) {
    const timedOut = failed.error?.code === 'timeout' ? ' (--timeout)' : '';
    const authorization = targets.find((t) => t.url === failed.target)?.authorization;
    const diagnosis = await diagnoseRefused(ctx, entry, { ...failed, authorization }, options);
    throw failure(
      `the resend to ${failed.target} ${failed.status === null ? `failed: ${failed.error?.message}${timedOut}` : `got ${failed.status}`}`,
      resendHint(entry, failed, { resigned: options.secret !== undefined, diagnosis }),
    );
  }
};

/** A refusal (401, 403) sent again signed the usual wrong ways, when the secret that signed it is known. */
async function diagnoseRefused(
  ctx: Context,
  entry: JournalEntry,
  failed: ForwardResult & { authorization?: string | undefined },
  options: { secret?: string | undefined; timeout: number },
): Promise<RefusalDiagnosis | undefined> {
  if (failed.status !== 401 && failed.status !== 403) return undefined;
  // The secret that made the signature sent: --secret, else one of those known here (read, never created).
  const known = await knownSecrets('flag', ctx.env, ctx.paths.configFile);
  const secrets = options.secret ? [options.secret] : known.filter((k) => !k.apiKey).map((k) => k.secret);
  const sender = createSender({ connections: 1, clock: ctx.monotonic });
  return diagnoseResend({
    record: entry.request,
    target: failed.target,
    authorization: failed.authorization,
    secrets,
    resigned: options.secret !== undefined,
    timeoutMs: options.timeout,
    sender,
  }).finally(() => sender.close());
}

/** What to do about a resend the app did not take: start it, or the likely cause of its answer. */
function resendHint(
  entry: JournalEntry,
  failed: ForwardResult,
  { resigned, diagnosis }: { resigned: boolean; diagnosis?: RefusalDiagnosis | undefined },
): string | undefined {
  if (failed.error?.code === 'refused') return 'start your app, then run the same command again';
  if (failed.status === null) return undefined;
  if (diagnosis?.mistake) {
    const stack = detectStack(failed.headers ?? [], failed.body ?? '');
    return `${mistakeWords(diagnosis.mistake)}: it accepted the same event signed that way, so the secret is right; ${mistakeFix(diagnosis.mistake, stack)}`;
  }
  const cause = appReplyCause(failed.status, failed.headers);
  const hint = appReplyHint(cause, {
    path: new URL(failed.target).pathname,
    signed: resigned || entry.request.verification.status === 'valid',
    pathFlag: '--to',
  });
  // Sent with its original signature, which only an app with the listener's secret accepts.
  const resign = 're-sign it with the secret that app verifies with: --secret <its secret>';
  const tried = diagnosis && hint ? ` (it refused the same event signed ${diagnosis.tried} usual wrong ways too)` : '';
  if (cause?.kind === 'refused' && !resigned) return hint ? `${hint}${tried}; or ${resign}` : resign;
  return hint && `${hint}${tried}`;
}

/** A request refused before its body was read (another path, not a POST, too large): no body was kept. */
function nothingKept(entry: JournalEntry) {
  const { request } = entry;
  return failure(
    `${request.rid} (${request.method} ${request.path}) was refused before its body was read (the listener answered ${request.response_status}), so no body was kept and there is nothing to resend`,
    'resend a request the listener read: datachonk events list shows them, with their signature checked',
  );
}

function rejectedRefusal(entry: JournalEntry) {
  const { request } = entry;
  const why =
    request.verification.status === 'invalid'
      ? `its signature was invalid: ${request.verification.reason ?? 'no reason recorded'}`
      : `the listener answered ${request.response_status}`;
  return failure(
    `${request.rid} was rejected when it arrived (${why}), so its body cannot be trusted`,
    `to send it anyway, add --allow-rejected; to resend the event DataChonk sent, use the id of an accepted delivery (datachonk events list)`,
  );
}

/**
 * --to follows --forward's rule (a target without a path gets the path and query the event came to; a user
 * name and password go as Basic authorization); else the journalled targets, which keep no credentials.
 */
function resendTargets(entry: JournalEntry, to: URL | undefined): ResendTarget[] {
  if (to) {
    const credentials = urlCredentials(to);
    return [{ url: forwardUrl(to, entry.request.path), authorization: credentials && basicAuthorization(credentials) }];
  }
  // The journal is a file the user may have edited: a target that is not an http(s) URL is named.
  for (const target of entry.request.targets) {
    if (!isHttpTarget(target)) {
      throw failure(
        `the journal entry ${entry.request.rid} has a target that is not an http or https URL: ${JSON.stringify(target)}`,
        'resend it with --to <target> (3000, localhost:3000 or a URL), or fix the entry in the journal',
      );
    }
  }
  return entry.request.targets.map((url) => ({ url }));
}

/** Whether a journalled target is one --forward would take (an http or https URL with a real host). */
function isHttpTarget(target: string): boolean {
  if (!/^https?:\/\//i.test(target)) return false;
  try {
    parseTarget(target);
    return true;
  } catch {
    return false;
  }
}

async function requireEntry(ctx: Context, id: string): Promise<JournalEntry> {
  const entry = findEntry(await readJournal(journalFile(ctx)), id);
  if (!entry)
    throw failure(
      `no event ${id} in the journal ${journalFile(ctx)}`,
      'run `datachonk events list` to see the ids it holds',
    );
  return entry;
}

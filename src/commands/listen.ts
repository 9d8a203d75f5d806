import { hostname } from 'node:os';
import { join } from 'node:path';
import { z } from 'zod';
import type { Context } from '../context.js';
import { failure, usageError } from '../errors.js';
import { generateSecret } from '../config/config-file.js';
import { resolveApiSettings } from '../config/credentials.js';
import { resolveSecret } from '../config/secret.js';
import {
  DEFAULT_FORWARD_TIMEOUT, DEFAULT_LISTEN_HOST, DEFAULT_LISTEN_PATH, DEFAULT_LISTEN_PORT, DEFAULT_MAX_BODY, JOURNAL_FILE,
} from '../defaults.js';
import { WebhooksApi } from '../core/api/webhooks.js';
import { EVENT_TYPES } from '../core/events/catalogue.js';
import { requireEventType } from '../core/events/payload.js';
import { exposeListener, type Exposure } from '../core/listen/expose.js';
import { JournalWriter } from '../core/listen/journal.js';
import { startReceiver } from '../core/listen/receiver.js';
import { parseTarget } from '../core/listen/targets.js';
import { createListenView } from '../ui/listen.js';
import { printResult } from '../ui/output.js';
import { apiClient } from './api.js';
import { requireCloudflared } from './cloudflared.js';
import { httpUrl, intFlag, parseDuration, parseFlags, parseList, parseSize, secretFlag } from './flags.js';

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
  tunnel: z.boolean().default(false),
  tunnelUrl: httpUrl.optional(),
  register: z.boolean().default(false),
  apiKey: z.string().optional(),
  apiUrl: z.string().optional(),
});

/** `datachonk listen`: receive, verify, show, journal and forward webhooks until Ctrl-C. */
export default async function listen(ctx: Context, rawFlags: unknown): Promise<void> {
  const flags = parseFlags(flagsSchema, rawFlags);
  const { secret, source } = await resolveSecret(flags.secret, ctx.env, ctx.paths.configFile);
  if (flags.printSecret) return printResult(ctx, secret, { secret });
  if (flags.tunnel && flags.tunnelUrl) throw usageError('--tunnel starts a tunnel and --tunnel-url uses yours: give one of them');

  const events = parseList(flags.events)?.map(requireEventType);
  if (events?.length === 0) throw usageError('--events needs at least one event type', 'for example: --events generation.completed,push.completed');
  const targets = flags.forward.map(parseTarget);
  const exposure: Exposure = flags.tunnel ? { kind: 'cloudflared', bin: await requireCloudflared(ctx) }
    : flags.tunnelUrl ? { kind: 'tunnel-url', url: flags.tunnelUrl } : { kind: 'local' };
  const wantsRegistration = flags.register || exposure.kind !== 'local';
  const settings = wantsRegistration ? await resolveApiSettings(flags, ctx.env, ctx.paths.configFile) : undefined;
  if (flags.register && !settings?.key) {
    throw usageError('--register needs a DataChonk API key', 'run `datachonk auth login`, set DATACHONK_API_KEY, or pass --api-key');
  }
  const client = settings?.key ? apiClient(ctx, settings.url, settings.key) : undefined;
  // A registered session gets a fresh secret, so the one sent to the API is good for this session
  // only. The listener accepts it and the usual one (local `trigger`s), and forwards what it verified
  // with the fresh one signed again with the usual one: the app is configured once, for every session.
  const sessionSecret = client ? generateSecret() : undefined;

  // Handlers first: a signal that arrives once "Ready" is printed (or during setup) must reach them,
  // not the default action, which would kill the process without cleaning up.
  const stopRequested = ctx.waitForShutdown();
  const view = createListenView(ctx, { verbose: flags.verbose });
  const journal = flags.journal ? await openJournal(join(ctx.paths.stateDir, JOURNAL_FILE), view) : undefined;
  const receiver = await startReceiver({
    host: flags.host, port: flags.port, path: flags.path, secrets: sessionSecret ? [sessionSecret, secret] : [secret], forwardSecret: secret,
    skipVerify: flags.skipVerify, events: events && new Set(events), targets,
    forwardTimeoutMs: parseDuration(flags.forwardTimeout, '--forward-timeout'),
    maxBodyBytes: parseSize(flags.maxBody, '--max-body'),
    requestTimeoutMs: 30_000, drainTimeoutMs: 10_000, journal, now: ctx.now, monotonic: ctx.monotonic,
  }, view).catch(async (error: unknown) => {
    await Promise.all([journal?.close(), client?.close()]);
    throw error;
  });
  const shutdown = async () => {
    view.stopping();
    await exposed?.close();
    await receiver.close();
    view.flush();
    await Promise.all([journal?.close(), client?.close()]);
  };

  let exposed: Awaited<ReturnType<typeof exposeListener>> | undefined;
  try {
    exposed = await exposeListener({
      exposure, listenerUrl: receiver.url, path: flags.path, api: client && new WebhooksApi(client),
      events: events ?? EVENT_TYPES, sessionSecret: sessionSecret ?? secret, owner: { host: hostname(), pid: process.pid },
      now: ctx.now, startTimeoutMs: 30_000, stopGraceMs: 5_000, env: ctx.env, isAlive,
    }, view);
  } catch (error) {
    await shutdown();
    throw error;
  }
  // If the listener dies some other way, take cloudflared with it: no orphan process.
  if (exposed.tunnel) ctx.onExit(exposed.tunnel.kill);
  const registerCommand = wantsRegistration && !client
    ? `datachonk webhooks create --url ${exposed.publicUrl} --secret ${source === 'dev' ? secret : source === 'env' ? '"$DATACHONK_WEBHOOK_SECRET"' : '<your --secret>'}${events ? ` --events ${events.join(',')}` : ''}`
    : undefined;
  view.ready({
    url: receiver.url, secret, secretSource: source, skipVerify: flags.skipVerify, events, journalFile: journal?.file,
    targets: targets.map((t) => (t.pathname === '/' ? `${t.origin} (+ the received path)` : t.href)),
    publicUrl: exposure.kind === 'local' && !client ? undefined : exposed.publicUrl,
    webhookId: exposed.webhook?.id, sessionSecret, registerCommand, quickTunnel: exposure.kind === 'cloudflared',
  });

  const lost = exposed.tunnel?.lost.then((how) => how);
  const reason = await Promise.race([stopRequested.then(() => undefined), lost ?? new Promise<never>(() => {})]);
  if (reason) {
    // Restarting would give a new URL that nothing points at: say so loudly and stop instead.
    const detail = `cloudflared exited (${reason.signal ?? `code ${reason.code}`}); its last lines:\n  ${reason.lastLines.join('\n  ')}`;
    view.tunnelLost(detail);
    await shutdown();
    throw failure('the cloudflared tunnel stopped, so DataChonk can no longer reach this listener', 'run `datachonk listen --tunnel` again for a new tunnel (its URL will differ)');
  }
  await shutdown();
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function openJournal(file: string, view: { warning(message: string): void }): Promise<JournalWriter> {
  try {
    // Delivering matters more than recording: a failed write is said, and listening goes on.
    return await JournalWriter.open(file, { onError: (error) => view.warning(`could not write to the journal ${file}: ${error.message}`) });
  } catch (error) {
    throw failure(`cannot open the journal ${file}: ${(error as Error).message}`, 'fix its folder\'s permissions, or run with --no-journal');
  }
}

import { hostname } from 'node:os';
import { join } from 'node:path';
import type { Context } from '../../context.js';
import { failure, usageError } from '../../errors.js';
import { generateSecret } from '../../config/config-file.js';
import { resolveApiSettings } from '../../config/credentials.js';
import { knownSecrets, type ResolvedSecret } from '../../config/secret.js';
import type { OtherSecret } from '../../core/signing/diagnose.js';
import {
  DEFAULT_TRIGGER_URL,
  JOURNAL_FILE,
  LISTENERS_DIR,
  TUNNEL_CHECK_FAILURES,
  TUNNEL_CHECK_TIMEOUT_MS,
} from '../../defaults.js';
import { runningListeners } from '../../core/listen/presence.js';
import { chooseDestination } from '../../core/trigger/destination.js';
import { WebhooksApi } from '../../core/api/webhooks.js';
import type { ApiClient } from '../../core/api/client.js';
import { EVENT_TYPES } from '../../core/events/catalogue.js';
import { requireEventType } from '../../core/events/payload.js';
import { eventPattern } from '../../core/listen/decide.js';
import type { ForwardRoute } from '../targets.js';
import { startListenSession, type ListenSession, type ListenSessionOptions } from '../../core/listen/session.js';
import { cloudflaredProvider } from '../../core/tunnel/cloudflared.js';
import type { TunnelProvider } from '../../core/tunnel/provider.js';
import { createListenView, readyRecord, type ListenView, type ReadyInfo } from '../../ui/listen.js';
import { writeFileAtomically } from '../../config/atomic-file.js';
import { readFile, rm } from 'node:fs/promises';
import { X509Certificate } from 'node:crypto';
import type { TlsTrust } from '../../core/http-client.js';
import { maskedUrl } from '../../core/url-credentials.js';
import { printResult } from '../../ui/output.js';
import { apiClient, userAgent } from '../api.js';
import { startJournalInspector, type Inspector } from '../../inspector/server.js';
import type { Action } from '../define.js';
import { requireCloudflared } from '../tunnel/run.js';
import type { ListenOptions, ListenSpecs } from './index.js';
import { isAlive } from '../../core/processes.js';
import { signingSecret } from '../secret.js';

/** `datachonk listen`: receive, verify, show, journal and forward webhooks until Ctrl-C. */
const listen: Action<ListenSpecs> = async (ctx, { options }) => {
  const resolved = await signingSecret(ctx, options.secret[0]);
  if (options.printSecret) return printResult(ctx, resolved.secret, { secret: resolved.secret });
  // During a rotation, `--secret new --secret old`: either verifies, and both are the app's.
  const appSecrets = [resolved.secret, ...options.secret.slice(1)];
  const otherSecrets = await knownSecrets(resolved.source, ctx.env, ctx.paths.configFile);
  const events = options.events?.map(requireEventType);
  const client = await registrationClient(ctx, options);
  // A registered session gets a fresh secret, so the one sent to the API is good for this session
  // only. The listener accepts it and the usual one (local `trigger`s), and forwards what it verified
  // with the fresh one signed again with the usual one: the app is configured once, for every session.
  const sessionSecret = client ? generateSecret() : undefined;
  const tunnel = options.tunnel ? provider(ctx, await requireCloudflared(ctx)) : undefined;
  const forwardTls = await forwardTrust(options);

  // Handlers first: a signal that arrives once "Ready" is printed (or during setup) must reach them,
  // not the default action, which would kill the process without cleaning up.
  const stopRequested = ctx.waitForShutdown();
  const view = createListenView(ctx, { verbose: options.verbose });
  if (options.skipVerify)
    view.note(
      '--skip-verify is now --skip-signature-check: it skips signature checks, not TLS certificate checks (for those, see --forward-ca and --forward-insecure)',
    );
  warnAboutRoutes(view, options.forward);
  if (options.forwardInsecure)
    view.warning(
      '--forward-insecure: the certificates of https forward targets are not checked; use it only for apps on your own machine',
    );
  let session: ListenSession;
  try {
    session = await startListenSession(
      sessionOptions(ctx, { options, appSecrets, otherSecrets, sessionSecret, events, client, tunnel, forwardTls }),
      view,
    );
  } catch (error) {
    await client?.close();
    throw error;
  }
  const inspector = await startOwnInspector(ctx, { options, session, secret: resolved.secret }).catch(
    async (error: unknown) => {
      await shutdown(view, session, client);
      throw error;
    },
  );
  const ready = {
    ...readyInfo({ options, resolved, session, sessionSecret, events }),
    inspectorUrl: inspector?.url,
    triggerCommand: await triggerCommand(ctx, session.receiver.url, resolved),
  };
  if (options.readyFile) await writeReadyFile(options.readyFile, ready);
  view.ready(ready);
  const lost = await Promise.race([stopRequested.then(() => undefined), session.lost]);
  await inspector?.close();
  if (options.readyFile) await rm(options.readyFile, { force: true });
  await shutdown(view, session, client);
  // The tunnel was lost and every restart failed (the view has said each step): exit 1.
  if (lost) throw lost;
};

export default listen;

interface Setup {
  options: ListenOptions;
  appSecrets: readonly string[];
  otherSecrets: readonly OtherSecret[];
  sessionSecret: string | undefined;
  events: readonly string[] | undefined;
  client: ApiClient | undefined;
  tunnel: TunnelProvider | undefined;
  forwardTls: TlsTrust | undefined;
}

function sessionOptions(ctx: Context, setup: Setup): ListenSessionOptions {
  const { options, appSecrets, otherSecrets, sessionSecret, events, client, tunnel, forwardTls } = setup;
  return {
    receiver: {
      host: options.host,
      port: options.port,
      path: options.path,
      secrets: sessionSecret ? [sessionSecret, ...appSecrets] : appSecrets,
      appSecrets,
      otherSecrets,
      skipVerify: skipsSignatures(options),
      events: events && new Set(events),
      targets: options.forward.map((route) => route.url),
      targetPatterns: options.forward.map((route) => route.events),
      forwardTimeoutMs: options.forwardTimeout,
      forwardTls,
      maxBodyBytes: options.maxBody,
      now: ctx.now,
      monotonic: ctx.monotonic,
    },
    journalFile: options.journal ? join(ctx.paths.stateDir, JOURNAL_FILE) : undefined,
    presenceDir: join(ctx.paths.stateDir, LISTENERS_DIR),
    tunnel,
    healing: {
      restartDelaysMs: options.tunnelRetry,
      checkIntervalMs: options.tunnelCheck,
      checkFailures: TUNNEL_CHECK_FAILURES,
      checkTimeoutMs: TUNNEL_CHECK_TIMEOUT_MS,
    },
    publicUrl: options.tunnelUrl,
    registration: client && {
      api: new WebhooksApi(client),
      events: events ?? EVENT_TYPES,
      secret: sessionSecret!,
      owner: { host: hostname(), pid: process.pid },
      now: ctx.now,
      isAlive,
    },
  };
}

/** --skip-signature-check, or its old name --skip-verify. */
const skipsSignatures = (options: ListenOptions) => options.skipSignatureCheck || options.skipVerify;

/** --forward-ca (read and checked now: a file that is not a PEM certificate is a usage error) and --forward-insecure. */
async function forwardTrust(options: ListenOptions): Promise<TlsTrust | undefined> {
  if (options.forwardInsecure) return { insecure: true };
  const file = options.forwardCa;
  if (file === undefined) return undefined;
  let pem: string;
  try {
    pem = await readFile(file, 'utf8');
  } catch (error) {
    throw usageError(
      `--forward-ca: cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`,
      'give the path of the CA certificate (PEM) that signed your app\'s certificate; mkcert\'s: "$(mkcert -CAROOT)/rootCA.pem"',
    );
  }
  try {
    if (!pem.includes('-----BEGIN CERTIFICATE-----')) throw new Error('no certificate');
    new X509Certificate(pem);
  } catch {
    throw usageError(
      `--forward-ca: ${file} is not a PEM certificate (-----BEGIN CERTIFICATE----- …)`,
      'give the CA certificate itself, not its key; mkcert\'s is "$(mkcert -CAROOT)/rootCA.pem"',
    );
  }
  return { ca: pem };
}

/**
 * The `datachonk trigger` that reaches this listener: bare when a bare trigger finds it (the only listener
 * running, or the one on the default port), else with its --url; with the secret when it was given by flag.
 */
async function triggerCommand(ctx: Context, url: string, resolved: ResolvedSecret): Promise<string> {
  const notes = await runningListeners(join(ctx.paths.stateDir, LISTENERS_DIR), isAlive);
  const bare = chooseDestination(undefined, notes, DEFAULT_TRIGGER_URL);
  const found = bare.source !== 'several' && bare.url === url;
  return `datachonk trigger generation.completed${found ? '' : ` --url ${url}`}${resolved.source === 'flag' ? ' --secret <your --secret>' : ''}`;
}

/** `--ready-file`: the ready object, written whole once the listener listens (a script waits for it). */
async function writeReadyFile(file: string, info: ReadyInfo): Promise<void> {
  try {
    await writeFileAtomically(file, `${JSON.stringify(readyRecord(info))}\n`, 0o644);
  } catch (error) {
    throw failure(
      `cannot write the ready file ${file}: ${(error as Error).message}`,
      'give --ready-file a path in a folder you can write to',
    );
  }
}

/** `--inspect`: the web inspector over this listener's journal, sending replays and edits through it. */
function startOwnInspector(
  ctx: Context,
  { options, session, secret }: { options: ListenOptions; session: ListenSession; secret: string },
): Promise<Inspector | undefined> {
  if (options.inspect === undefined || !session.journalFile) return Promise.resolve(undefined);
  return startJournalInspector({
    port: options.inspect,
    journalFile: session.journalFile,
    mode: 'listen',
    secret,
    userAgent: userAgent(ctx),
    listenUrl: async () => session.receiver.url,
    targets: options.forward.map((route) => maskedUrl(route.url)),
  });
}

/** A target without a port (port 80, rarely meant); a pattern that takes none of the event types this version knows. */
function warnAboutRoutes(view: ListenView, routes: readonly ForwardRoute[]): void {
  for (const { url } of routes.filter((route) => route.impliedPort)) {
    view.warning(
      `--forward ${url.hostname} has no port, so events go to port 80 (http's default); if your app listens elsewhere, name its port: --forward ${url.hostname}:3000`,
    );
  }
  for (const { events } of routes) {
    if (events !== undefined && !EVENT_TYPES.some((type) => eventPattern(events).test(type))) {
      view.warning(
        `--forward ${events}=…: no event type this version knows matches "${events}" (the types: ${EVENT_TYPES.join(', ')}); events DataChonk adds later will, if it matches them`,
      );
    }
  }
}

/** The targets as the Ready block shows them: pattern → URL, and who gets the rest. */
function routeTexts(routes: readonly ForwardRoute[]): string[] {
  const patterned = routes.some((route) => route.events !== undefined);
  return routes.map(({ url, events }) => {
    // The password masked; a user name stays, so that one can see credentials are sent.
    const where = url.pathname === '/' ? `${maskedOrigin(url)} (+ the received path)` : maskedUrl(url);
    return events !== undefined ? `${events} → ${where}` : patterned ? `the rest → ${where}` : where;
  });
}

/** A target's origin with its user name and masked password: `http://user:***@localhost:3000`. */
function maskedOrigin(url: URL): string {
  const origin = new URL(url.href);
  origin.search = '';
  origin.hash = '';
  return maskedUrl(origin).replace(/\/$/, '');
}

async function shutdown(view: ListenView, current: ListenSession, client: ApiClient | undefined): Promise<void> {
  view.stopping(current.receiver.inFlight());
  await current.close();
  view.flush();
  await client?.close();
}

/** The API client of a session that registers (--register, --tunnel, --tunnel-url with a key). */
async function registrationClient(ctx: Context, options: ListenOptions): Promise<ApiClient | undefined> {
  const wanted = options.register || options.tunnel || options.tunnelUrl !== undefined;
  if (!wanted) return undefined;
  const settings = await resolveApiSettings(options, ctx.env, ctx.paths.configFile);
  if (options.register && !settings.key) {
    throw usageError(
      '--register needs a DataChonk API key',
      'run `datachonk auth login`, set DATACHONK_API_KEY, or pass --api-key',
    );
  }
  return settings.key ? apiClient(ctx, settings.url, settings.key) : undefined;
}

function provider(ctx: Context, bin: string): TunnelProvider {
  // If the listener ends some other way, even during setup, take cloudflared with it: no orphan process.
  // One exit hook for every restart: only the latest cloudflared can still run (the session stops one
  // before it starts the next).
  let killLatest: (() => void) | undefined;
  return cloudflaredProvider({
    bin,
    env: ctx.env,
    stateDir: ctx.paths.stateDir,
    pid: process.pid,
    isAlive,
    startTimeoutMs: 30_000,
    stopGraceMs: 5_000,
    signal: (pid, signal) => process.kill(pid, signal),
    onStarted: (kill) => {
      if (!killLatest) ctx.onExit(() => killLatest?.());
      killLatest = kill;
    },
  });
}

interface ReadySources {
  options: ListenOptions;
  resolved: ResolvedSecret;
  session: ListenSession;
  sessionSecret: string | undefined;
  events: readonly string[] | undefined;
}

function readyInfo({ options, resolved, session, sessionSecret, events }: ReadySources) {
  const exposed = options.tunnel || options.tunnelUrl !== undefined;
  const secretText =
    resolved.source === 'dev'
      ? resolved.secret
      : resolved.source === 'env'
        ? '"$DATACHONK_WEBHOOK_SECRET"'
        : '<your --secret>';
  const registerCommand =
    exposed && !session.webhook
      ? `datachonk webhooks create --url ${session.publicUrl} --secret ${secretText}${events ? ` --events ${events.join(',')}` : ''}`
      : undefined;
  return {
    url: session.receiver.url,
    secret: resolved.secret,
    secretSource: resolved.source,
    moreSecrets: Math.max(0, options.secret.length - 1),
    skipVerify: skipsSignatures(options),
    events,
    journalFile: session.journalFile,
    targets: routeTexts(options.forward),
    forward: options.forward.map((route) => ({ url: maskedUrl(route.url), events: route.events ?? null })),
    publicUrl: session.webhook ? (session.publicUrl ?? session.receiver.url) : session.publicUrl,
    webhookId: session.webhook?.id,
    sessionSecret,
    registerCommand,
    quickTunnel: options.tunnel,
  };
}

import { randomBytes } from 'node:crypto';
import type { Webhook } from '../api/schemas.js';
import type { WebhooksApi } from '../api/webhooks.js';
import { Failure } from '../../failure.js';
import type { Tunnel, TunnelProvider } from '../tunnel/provider.js';
import { JournalWriter } from './journal.js';
import { announceListener, type ListenerNote } from './presence.js';
import { startReceiver, type Receiver, type ReceiverOptions, type ReceiverReporter } from './receiver.js';
import { removeStaleSessions, sessionDescription, type SessionOwner } from './registration.js';
import { TunnelKeeper, type KeeperReporter, type TunnelHealing } from './tunnel-keeper.js';

// One listen session: the receiver, its journal, a tunnel (kept up by tunnel-keeper.ts), a webhook
// registered for the session, and their cleanup in the reverse order. commands/listen parses options and
// renders; this composes.

export interface SessionRegistration {
  api: WebhooksApi;
  events: readonly string[];
  /** The fresh secret the session's webhook is registered with. */
  secret: string;
  owner: SessionOwner;
  now: () => Date;
  isAlive: (pid: number) => boolean;
}

export interface ListenSessionOptions {
  receiver: Omit<ReceiverOptions, 'journal'>;
  /** The journal file; undefined for none. */
  journalFile?: string | undefined;
  /** Expose the listener through this tunnel. */
  tunnel?: TunnelProvider | undefined;
  /** How that tunnel is checked and restarted when lost; undefined: never (a loss ends the session). */
  healing?: TunnelHealing | undefined;
  /** Or: the public URL of a tunnel the user runs. */
  publicUrl?: string | undefined;
  /** Register a webhook for the session. */
  registration?: SessionRegistration | undefined;
  /** Leave a note of the running listener here (presence.ts), removed at close. */
  presenceDir?: string | undefined;
}

/** What a session tells besides each request. */
export interface SessionReporter extends ReceiverReporter, KeeperReporter {
  staleRemoved(webhooks: readonly Webhook[]): void;
  registered(webhook: Webhook): void;
  /** The session's webhook was deleted, or could not be (the error, for the UI to word). */
  unregistered(id: string, error?: unknown): void;
  /** A cleanup step failed; the others still ran. */
  cleanupFailed(error: unknown): void;
}

export interface ListenSession {
  receiver: Receiver;
  journalFile?: string | undefined;
  /** Where DataChonk should POST (the tunnel's or the given URL with the path), if exposed; the latest tunnel's. */
  readonly publicUrl?: string | undefined;
  /** The session's webhook, as last registered or updated. */
  readonly webhook?: Webhook | undefined;
  /** The tunnel running now (none while a lost one is being restarted). */
  readonly tunnel?: Tunnel | undefined;
  /** Resolves if the tunnel is lost and could not be restarted; never otherwise. */
  lost: Promise<Failure<'tunnel-gone'>>;
  /** Deletes the webhook, stops the tunnel, drains and stops the receiver, closes the journal. Safe twice. */
  close(): Promise<void>;
}

/** Starts a session; on a failure midway, what was set up is torn down before the failure is thrown. */
export async function startListenSession(
  options: ListenSessionOptions,
  reporter: SessionReporter,
): Promise<ListenSession> {
  const cleanup: (() => Promise<void>)[] = [];
  const close = async () => {
    for (const step of cleanup.splice(0).reverse())
      await step().catch((error: unknown) => reporter.cleanupFailed(error));
  };
  try {
    const journal = options.journalFile ? await openJournal(options.journalFile, reporter) : undefined;
    if (journal) cleanup.push(() => journal.close());
    // The checks of the tunnel's public URL carry it, so that the listener knows them from anyone's requests.
    const probeToken = options.tunnel ? randomBytes(16).toString('base64url') : undefined;
    const receiver = await startReceiver({ ...options.receiver, journal, probeToken }, reporter);
    cleanup.push(() => receiver.close());
    const keeper = options.tunnel
      ? await TunnelKeeper.start({
          provider: options.tunnel,
          localOrigin: new URL(receiver.url).origin,
          path: options.receiver.path,
          healing: options.healing,
          probeToken: probeToken!,
          reporter,
        })
      : undefined;
    if (keeper) cleanup.push(() => keeper.stop());
    const publicUrl = keeper?.publicUrl ?? givenPublicUrl(options);
    const note = {
      pid: process.pid,
      url: receiver.url,
      public_url: publicUrl,
      started_at: options.receiver.now().toISOString(),
    };
    if (options.presenceDir) cleanup.push(await announceListener(options.presenceDir, note));
    const held = {
      webhook: options.registration
        ? await register(options.registration, publicUrl ?? receiver.url, reporter)
        : undefined,
    };
    if (held.webhook) cleanup.push(() => unregister(options.registration!.api, held.webhook!.id, reporter));
    if (keeper) {
      // First at close: no restart may begin, nor the webhook be moved, while the rest is torn down.
      cleanup.push(() => keeper.quiet());
      keeper.keep(moveTo(options, note, held));
    }
    return {
      receiver,
      journalFile: journal?.file,
      close,
      lost: keeper?.gone ?? new Promise<never>(() => {}),
      get publicUrl() {
        return keeper?.publicUrl ?? publicUrl;
      },
      get webhook() {
        return held.webhook;
      },
      get tunnel() {
        return keeper?.tunnel;
      },
    };
  } catch (error) {
    await close();
    throw error;
  }
}

/**
 * How the session follows its tunnel to a new URL: the presence note names it, and the session's webhook
 * is updated in place (PATCH url), which keeps its id, its secret and the description that marks it as
 * this session's, so the Ready block and the ready object stay true; delete and create would change all
 * three, and leave a moment with no webhook at all.
 */
function moveTo(
  options: ListenSessionOptions,
  note: ListenerNote,
  held: { webhook: Webhook | undefined },
): (publicUrl: string) => Promise<Webhook | undefined> {
  return async (publicUrl) => {
    if (options.presenceDir) await announceListener(options.presenceDir, { ...note, public_url: publicUrl });
    if (held.webhook) held.webhook = await options.registration!.api.update(held.webhook.id, { url: publicUrl });
    return held.webhook;
  };
}

async function openJournal(file: string, reporter: ReceiverReporter): Promise<JournalWriter> {
  let journal: JournalWriter;
  try {
    // Delivering matters more than recording: a failed write is said, and listening goes on.
    journal = await JournalWriter.open(file, {
      onError: (error) => reporter.warning(`could not write to the journal ${file}: ${error.message}`),
    });
  } catch (error) {
    throw new Failure('journal-unopenable', { file, detail: (error as Error).message });
  }
  const { tornLine, tightened } = journal.opened;
  if (tornLine)
    reporter.warning(
      `the last line of the journal ${file} was cut short (a crash or a full disk); it is skipped when read, and new records start on the next line`,
    );
  if (tightened.length > 0)
    reporter.warning(`the journal was readable by other users: tightened ${tightened.join(' and ')}`);
  return journal;
}

/** `--tunnel-url`: with the listener's path when it has none, as given when it has one. */
function givenPublicUrl(options: ListenSessionOptions): string | undefined {
  if (!options.publicUrl) return undefined;
  const base = new URL(options.publicUrl);
  return base.pathname === '/' ? `${base.origin}${options.receiver.path}` : base.href;
}

/** Removes what killed sessions left behind, then registers this one's webhook. */
async function register(registration: SessionRegistration, url: string, reporter: SessionReporter): Promise<Webhook> {
  const stale = await removeStaleSessions(registration.api, registration.owner.host, registration.isAlive);
  if (stale.length > 0) reporter.staleRemoved(stale);
  const webhook = await registration.api.create({
    url,
    events: [...registration.events],
    secret: registration.secret,
    description: sessionDescription(registration.owner, registration.now()),
  });
  reporter.registered(webhook);
  return webhook;
}

async function unregister(api: WebhooksApi, id: string, reporter: SessionReporter): Promise<void> {
  try {
    await api.delete(id);
    reporter.unregistered(id);
  } catch (error) {
    reporter.unregistered(id, error);
  }
}

import type { Webhook } from '../api/schemas.js';
import type { WebhooksApi } from '../api/webhooks.js';
import { Failure } from '../../failure.js';
import type { Tunnel, TunnelLoss, TunnelProvider } from '../tunnel/provider.js';
import { JournalWriter } from './journal.js';
import { announceListener } from './presence.js';
import { startReceiver, type Receiver, type ReceiverOptions, type ReceiverReporter } from './receiver.js';
import { removeStaleSessions, sessionDescription, type SessionOwner } from './registration.js';

// One listen session: the receiver, its journal, a tunnel, a webhook registered for the session, and
// their cleanup in the reverse order. commands/listen parses options and renders; this composes.

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
  /** Or: the public URL of a tunnel the user runs. */
  publicUrl?: string | undefined;
  /** Register a webhook for the session. */
  registration?: SessionRegistration | undefined;
  /** Leave a note of the running listener here (presence.ts), removed at close. */
  presenceDir?: string | undefined;
}

/** What a session tells besides each request. */
export interface SessionReporter extends ReceiverReporter {
  staleRemoved(webhooks: readonly Webhook[]): void;
  tunnelStarting(name: string): void;
  tunnelReady(url: string): void;
  registered(webhook: Webhook): void;
  /** The session's webhook was deleted, or could not be (the error, for the UI to word). */
  unregistered(id: string, error?: unknown): void;
  /** A cleanup step failed; the others still ran. */
  cleanupFailed(error: unknown): void;
}

export interface ListenSession {
  receiver: Receiver;
  journalFile?: string | undefined;
  /** Where DataChonk should POST (the tunnel's or the given URL with the path), if exposed. */
  publicUrl?: string | undefined;
  webhook?: Webhook | undefined;
  tunnel?: Tunnel | undefined;
  /** Resolves if the tunnel ends by itself; never otherwise. */
  lost: Promise<TunnelLoss>;
  /** Deletes the webhook, stops the tunnel, drains and stops the receiver, closes the journal. Safe twice. */
  close(): Promise<void>;
}

/** Starts a session; on a failure midway, what was set up is torn down before the failure is thrown. */
export async function startListenSession(options: ListenSessionOptions, reporter: SessionReporter): Promise<ListenSession> {
  const cleanup: (() => Promise<void>)[] = [];
  const close = async () => {
    for (const step of cleanup.splice(0).reverse()) await step().catch((error: unknown) => reporter.cleanupFailed(error));
  };
  try {
    const journal = options.journalFile ? await openJournal(options.journalFile, reporter) : undefined;
    if (journal) cleanup.push(() => journal.close());
    const receiver = await startReceiver({ ...options.receiver, journal }, reporter);
    cleanup.push(() => receiver.close());
    const exposed = await expose(options, receiver, reporter);
    if (exposed.tunnel) cleanup.push(exposed.tunnel.stop);
    if (options.presenceDir) {
      const note = { pid: process.pid, url: receiver.url, public_url: exposed.publicUrl, started_at: options.receiver.now().toISOString() };
      cleanup.push(await announceListener(options.presenceDir, note));
    }
    const webhook = options.registration ? await register(options.registration, exposed.publicUrl ?? receiver.url, reporter) : undefined;
    if (webhook) cleanup.push(() => unregister(options.registration!.api, webhook.id, reporter));
    return {
      receiver, journalFile: journal?.file, publicUrl: exposed.publicUrl, webhook, tunnel: exposed.tunnel,
      lost: exposed.tunnel?.lost ?? new Promise<never>(() => {}), close,
    };
  } catch (error) {
    await close();
    throw error;
  }
}

async function openJournal(file: string, reporter: ReceiverReporter): Promise<JournalWriter> {
  let journal: JournalWriter;
  try {
    // Delivering matters more than recording: a failed write is said, and listening goes on.
    journal = await JournalWriter.open(file, { onError: (error) => reporter.warning(`could not write to the journal ${file}: ${error.message}`) });
  } catch (error) {
    throw new Failure('journal-unopenable', { file, detail: (error as Error).message });
  }
  const { tornLine, tightened } = journal.opened;
  if (tornLine) reporter.warning(`the last line of the journal ${file} was cut short (a crash or a full disk); it is skipped when read, and new records start on the next line`);
  if (tightened.length > 0) reporter.warning(`the journal was readable by other users: tightened ${tightened.join(' and ')}`);
  return journal;
}

async function expose(options: ListenSessionOptions, receiver: Receiver, reporter: SessionReporter): Promise<{ publicUrl?: string; tunnel?: Tunnel }> {
  const path = options.receiver.path;
  if (options.tunnel) {
    reporter.tunnelStarting(options.tunnel.name);
    const tunnel = await options.tunnel.start(new URL(receiver.url).origin);
    reporter.tunnelReady(tunnel.url);
    return { publicUrl: `${tunnel.url}${path}`, tunnel };
  }
  if (options.publicUrl) {
    const base = new URL(options.publicUrl);
    return { publicUrl: base.pathname === '/' ? `${base.origin}${path}` : base.href };
  }
  return {};
}

/** Removes what killed sessions left behind, then registers this one's webhook. */
async function register(registration: SessionRegistration, url: string, reporter: SessionReporter): Promise<Webhook> {
  const stale = await removeStaleSessions(registration.api, registration.owner.host, registration.isAlive);
  if (stale.length > 0) reporter.staleRemoved(stale);
  const webhook = await registration.api.create({
    url, events: [...registration.events], secret: registration.secret, description: sessionDescription(registration.owner, registration.now()),
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

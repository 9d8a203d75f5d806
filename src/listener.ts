import { randomBytes } from 'node:crypto';
import { isEventType } from './core/events/catalogue.js';
import { RECEIVER_DEFAULTS } from './defaults.js';
import { globToRegExp } from './core/events/pattern.js';
import { JournalWriter } from './core/listen/journal.js';
import { startReceiver, type ReceivedRequest } from './core/listen/receiver.js';
import type { ForwardResult, Verification } from './core/listen/records.js';
import { parseRoute } from './core/listen/targets.js';
import { valueAt } from './core/listen/wait.js';

// The listener as a library, for test suites: `startListener()` in a test's setup, then wait for the
// events your app should have received. The same receiver as `datachonk listen` (it verifies, forwards
// byte for byte, answers the sender with the app's answer), in your test's process, with no output.

export interface ListenerOptions {
  /**
   * Where to forward: `3000`, `localhost:3000`, a URL, or `pattern=target` (`chonk.*=localhost:3000/chonks`)
   * as `listen --forward` takes them. None: every event is answered 200 and kept.
   */
  forward?: string | readonly string[];
  /** The signing secret(s) to verify with (new, then old, during a rotation). Default: a fresh random one, in `secret`. */
  secret?: string | readonly string[];
  /** Default 0: a free port (in `url`). */
  port?: number;
  /** Default 127.0.0.1. */
  host?: string;
  /** Default /webhooks/datachonk. */
  path?: string;
  /** Accept requests whose signature is missing or wrong, as unverified. Default false. */
  skipVerify?: boolean;
  /** How long the app has to answer, in ms. Default 30 000. */
  forwardTimeoutMs?: number;
  /** Larger bodies get 413. Default 5 MiB. */
  maxBodyBytes?: number;
  /** Journal every request to this file, as `datachonk listen` does (`events list` can read it). Default: none. */
  journal?: string;
}

/** An event the listener accepted, with what the app answered. */
export interface ListenerEvent {
  /** The event type, e.g. generation.completed. */
  event: string;
  /** The event id, evt_… */
  id: string;
  /** The envelope as received (`data` and all). */
  payload: Record<string, unknown>;
  /** True when the signature verified (always, unless skipVerify). */
  verified: boolean;
  /** The listener's own id for the request, rcv_… */
  rid: string;
  receivedAt: Date;
  headers: Readonly<Record<string, string | string[] | undefined>>;
  /** One per forward target it went to: the app's status (null when unreachable), latency, the start of its answer. */
  forwards: readonly ForwardResult[];
}

/** Which events `waitFor` takes: a predicate, or a type (or pattern) and `path=value`s of the envelope. */
export type EventMatcher = ((event: ListenerEvent) => boolean) | { event?: string; match?: Record<string, unknown> };

export interface Listener {
  /** Where to send: http://127.0.0.1:<port>/webhooks/datachonk */
  url: string;
  /** The (first) secret it verifies with: sign with this one. */
  secret: string;
  /** Every event accepted so far, oldest first. */
  readonly received: readonly ListenerEvent[];
  /** Every accepted event, from the first, as it completes (its forwards done); ends at close(). */
  events: AsyncIterable<ListenerEvent>;
  /**
   * The first event, already received or still to come, that matches; rejects after `timeout` ms
   * (default 10 000) with an error that says what it waited for.
   */
  waitFor(matcher: EventMatcher, options?: { timeout?: number; since?: 'now' | 'start' }): Promise<ListenerEvent>;
  /** Stops accepting, lets in-flight forwards finish, closes the journal. Safe to call twice. */
  close(): Promise<void>;
}

/** Starts a listener in this process. */
export async function startListener(options: ListenerOptions = {}): Promise<Listener> {
  const secrets =
    typeof options.secret === 'string'
      ? [options.secret]
      : options.secret?.length
        ? [...options.secret]
        : [`whsec_${randomBytes(32).toString('base64url')}`];
  const routes = (typeof options.forward === 'string' ? [options.forward] : (options.forward ?? [])).map(parseRoute);
  const journal = options.journal ? await JournalWriter.open(options.journal, { onError: () => {} }) : undefined;
  const feed = eventFeed();
  const receiver = await startReceiver(
    {
      host: options.host ?? '127.0.0.1',
      port: options.port ?? 0,
      path: options.path ?? '/webhooks/datachonk',
      secrets,
      appSecrets: secrets,
      skipVerify: options.skipVerify ?? false,
      targets: routes.map((r) => r.url),
      targetPatterns: routes.map((r) => r.events),
      forwardTimeoutMs: options.forwardTimeoutMs ?? RECEIVER_DEFAULTS.forwardTimeoutMs,
      maxBodyBytes: options.maxBodyBytes ?? RECEIVER_DEFAULTS.maxBodyBytes,
      journal,
      now: () => new Date(),
      monotonic: () => performance.now(),
    },
    {
      received() {},
      forwarded() {},
      warning() {},
      completed: (request, results) => {
        const event = toEvent(request, results);
        if (event) feed.push(event);
      },
    },
  ).catch(async (error: unknown) => {
    await journal?.close();
    throw error;
  });
  let closed: Promise<void> | undefined;
  return {
    url: receiver.url,
    secret: secrets[0]!,
    get received() {
      return feed.all;
    },
    events: feed.iterate(),
    waitFor: (matcher, waitOptions = {}) =>
      feed.waitFor(toPredicate(matcher), {
        timeoutMs: waitOptions.timeout ?? 10_000,
        fromNow: waitOptions.since === 'now',
        what: describe(matcher),
      }),
    close: () =>
      (closed ??= (async () => {
        await receiver.close();
        await journal?.close();
        feed.end();
      })()),
  };
}

function toEvent(request: ReceivedRequest, forwards: readonly ForwardResult[]): ListenerEvent | undefined {
  if (request.disposition.kind === 'rejected' || !request.event || !request.payload) return undefined;
  const verification: Verification | undefined = request.verification;
  return {
    event: request.event,
    id: request.eventId ?? '',
    payload: request.payload,
    verified: verification?.status === 'valid',
    rid: request.rid,
    receivedAt: request.receivedAt,
    headers: request.headers,
    forwards,
  };
}

function toPredicate(matcher: EventMatcher): (event: ListenerEvent) => boolean {
  if (typeof matcher === 'function') return matcher;
  const type = matcher.event === undefined ? undefined : globToRegExp(matcher.event);
  const conditions = Object.entries(matcher.match ?? {});
  const equal = (actual: unknown, wanted: unknown) =>
    actual === wanted || JSON.stringify(actual) === JSON.stringify(wanted);
  return (event) =>
    (!type || type.test(event.event)) &&
    conditions.every(([path, value]) => equal(valueAt(event.payload, path.split('.')), value));
}

function describe(matcher: EventMatcher): string {
  if (typeof matcher === 'function') return 'an event the predicate takes';
  const parts = [
    matcher.event
      ? `type ${matcher.event}${isEventType(matcher.event) || matcher.event.includes('*') ? '' : ' (not a type this version knows)'}`
      : 'any type',
    ...Object.entries(matcher.match ?? {}).map(([path, value]) => `${path}=${JSON.stringify(value)}`),
  ];
  return parts.join(', ');
}

/** The accepted events: kept, iterable as they come, and waited for. */
function eventFeed() {
  const all: ListenerEvent[] = [];
  const waiters = new Set<(event: ListenerEvent | undefined) => void>();
  let ended = false;
  const next = () =>
    new Promise<ListenerEvent | undefined>((resolve) => {
      const waiter = (event: ListenerEvent | undefined) => {
        waiters.delete(waiter);
        resolve(event);
      };
      waiters.add(waiter);
    });
  return {
    all,
    push(event: ListenerEvent) {
      all.push(event);
      for (const waiter of [...waiters]) waiter(event);
    },
    end() {
      ended = true;
      for (const waiter of [...waiters]) waiter(undefined);
    },
    async *iterate(): AsyncGenerator<ListenerEvent> {
      let index = 0;
      for (;;) {
        if (index < all.length) yield all[index++]!;
        else if (ended) return;
        else await next();
      }
    },
    async waitFor(
      test: (event: ListenerEvent) => boolean,
      options: { timeoutMs: number; fromNow: boolean; what: string },
    ): Promise<ListenerEvent> {
      // By index, not by each push: two events completing in one turn are both looked at.
      let index = options.fromNow ? all.length : 0;
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<'timeout'>(
        (resolve) => (timer = setTimeout(() => resolve('timeout'), options.timeoutMs)),
      );
      try {
        for (;;) {
          while (index < all.length) if (test(all[index++]!)) return all[index - 1]!;
          if (ended) throw new Error(`the listener was closed while waiting for ${options.what}`);
          if ((await Promise.race([next(), timeout])) === 'timeout') {
            throw new Error(
              `no matching event within ${options.timeoutMs} ms (${options.what}); received: ${all.map((e) => e.event).join(', ') || 'nothing'}`,
            );
          }
        }
      } finally {
        clearTimeout(timer);
      }
    },
  };
}

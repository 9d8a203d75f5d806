import { Agent, type Dispatcher } from 'undici';
import { H1Pool } from './h1/pool.js';
import { ResponseCollector } from './http-collect.js';
import { classifyNetworkError, describeNetworkFailure, type NetworkFailure } from './net-errors.js';

// The one way this tool sends a webhook: trigger, events resend and the emulator's deliveries all go
// through a Sender: plain http on the small keep-alive client in core/h1 (one pool per origin),
// https on one undici dispatcher. (The listener's forwarding keeps a pool per target in forward.ts:
// it proxies, where these send.)

/** One request, exactly as it goes on the wire. */
export interface OutgoingRequest {
  url: string;
  method: string;
  /** A header map, or a flat name, value… list (names as received, repeats kept). */
  headers: Record<string, string> | string[];
  body: string | Buffer;
}

/** What came of one request. Never an exception: network failures are outcomes too. */
export type Outcome =
  | { kind: 'response'; status: number; body: string; latencyMs: number; headers: () => readonly string[] }
  | { kind: 'error'; code: NetworkFailure; message: string; latencyMs: number };

export interface SendOptions {
  timeoutMs: number;
  /** Response bodies are kept up to this size (the rest is read and dropped). */
  maxBodyBytes?: number;
}

export interface Sender {
  send(request: OutgoingRequest, options: SendOptions): Promise<Outcome>;
  close(): Promise<void>;
}

/** Response bodies are kept up to this size by default: enough to show, not enough to hurt under load. */
const MAX_BODY_KEPT = 64 * 1024;

/** A sender on keep-alive connection pools sized for the concurrency asked for. */
export function createSender(options: { connections?: number; clock?: () => number } = {}): Sender {
  const connections = options.connections ?? 8;
  const clock = options.clock ?? (() => performance.now());
  let dispatcher: Agent | undefined;
  const pools = new Map<string, H1Pool>();
  return {
    send(request, sendOptions) {
      const target = splitUrl(request.url);
      if (!target.plain) return send((dispatcher ??= new Agent({ connections, pipelining: 1 })), request, { ...sendOptions, clock });
      const maxBodyBytes = sendOptions.maxBodyBytes ?? MAX_BODY_KEPT;
      const key = `${target.origin} ${maxBodyBytes}`;
      let pool = pools.get(key);
      if (!pool) pools.set(key, (pool = new H1Pool(target.origin, { connections, timeoutMs: sendOptions.timeoutMs, maxBodyBytes })));
      return sendPlain(pool, request, { ...sendOptions, clock, path: target.path });
    },
    async close() {
      await Promise.all([...pools.values()].map((pool) => pool.close()));
      await dispatcher?.close();
    },
  };
}

function sendPlain(pool: H1Pool, request: OutgoingRequest, options: SendOptions & { clock: () => number; path: string }): Promise<Outcome> {
  const started = options.clock();
  return new Promise<Outcome>((resolve) => {
    const { method, headers, body } = request;
    pool.request({ method, path: options.path, headers, body, timeoutMs: options.timeoutMs }, (error, response) => {
      const latencyMs = options.clock() - started;
      if (error) {
        const code = classifyNetworkError(error);
        resolve({ kind: 'error', code, message: describeNetworkFailure(code, new URL(request.url), options.timeoutMs, error), latencyMs });
      } else {
        const { headers } = response!;
        resolve({ kind: 'response', status: response!.status, body: response!.body.toString('utf8'), latencyMs, headers: () => headers });
      }
    });
  });
}

function send(dispatcher: Dispatcher, request: OutgoingRequest, options: SendOptions & { clock: () => number }): Promise<Outcome> {
  const started = options.clock();
  return new Promise<Outcome>((resolve) => {
    const target = splitUrl(request.url);
    const collector = new ResponseCollector(options.maxBodyBytes ?? MAX_BODY_KEPT, (error) => {
      const latencyMs = options.clock() - started;
      if (error) {
        const code = classifyNetworkError(error);
        resolve({ kind: 'error', code, message: describeNetworkFailure(code, new URL(request.url), options.timeoutMs, error), latencyMs });
      } else {
        resolve({ kind: 'response', status: collector.status, body: collector.body().toString('utf8'), latencyMs, headers: () => collector.headerList() });
      }
    });
    // dispatch() rather than request(): no URL parsing, stream or promise chain per delivery, which
    // set the pace of `trigger --count` (issue 6). undici's own timeouts, not a timer per request.
    dispatcher.dispatch({
      origin: target.origin, path: target.path, method: request.method as Dispatcher.HttpMethod, headers: request.headers,
      body: request.body, headersTimeout: options.timeoutMs, bodyTimeout: options.timeoutMs,
    }, collector);
  });
}

// Every delivery of a run goes to the same URL: parse it once.
let lastUrl = '';
let lastTarget = { origin: '', path: '', plain: false };

function splitUrl(url: string): { origin: string; path: string; plain: boolean } {
  if (url !== lastUrl) {
    const parsed = new URL(url);
    lastTarget = { origin: parsed.origin, path: `${parsed.pathname}${parsed.search}`, plain: parsed.protocol === 'http:' };
    lastUrl = url;
  }
  return lastTarget;
}

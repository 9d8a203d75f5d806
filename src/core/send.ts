import type { Pool } from 'undici';
import { originPool, sendRequest } from './http-client.js';
import { classifyNetworkError, describeNetworkFailure, type NetworkFailure } from './net-errors.js';

// The one way this tool sends a webhook: trigger, events resend, check and the emulator's deliveries
// all go through a Sender, over a keep-alive pool per origin (http-client.ts). The listener's
// forwards keep a pool per target in listen/forward.ts: it proxies, where these send.

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
  /** Response bodies are held up to this size (the rest is read and dropped). */
  maxBodyBytes?: number;
}

export interface Sender {
  send(request: OutgoingRequest, options: SendOptions): Promise<Outcome>;
  close(): Promise<void>;
}

/** Response bodies are held up to this size by default: enough to show, not enough to hurt under load. */
const MAX_BODY_HELD = 64 * 1024;

/** A sender on keep-alive connection pools sized for the concurrency asked for. */
export function createSender(options: { connections?: number; clock?: () => number } = {}): Sender {
  const connections = options.connections ?? 8;
  const clock = options.clock ?? (() => performance.now());
  const pools = new Map<string, Pool>();
  // A pool's connect timeout is the first request's timeout: a run sends with one.
  const poolFor = (origin: string, timeoutMs: number) => {
    let pool = pools.get(origin);
    if (!pool) pools.set(origin, (pool = originPool(origin, connections, timeoutMs)));
    return pool;
  };
  return {
    async send(request, { timeoutMs, maxBodyBytes = MAX_BODY_HELD }) {
      const url = new URL(request.url);
      const started = clock();
      try {
        const { method, headers, body } = request;
        const reply = await sendRequest(
          poolFor(url.origin, timeoutMs),
          { method, path: `${url.pathname}${url.search}`, headers, body },
          { timeoutMs, maxBodyBytes },
        );
        return {
          kind: 'response',
          status: reply.status,
          body: reply.body.toString('utf8'),
          latencyMs: clock() - started,
          headers: () => reply.headers,
        };
      } catch (error) {
        const code = classifyNetworkError(error);
        return {
          kind: 'error',
          code,
          message: describeNetworkFailure(code, url, timeoutMs, error),
          latencyMs: clock() - started,
        };
      }
    },
    async close() {
      await Promise.all([...pools.values()].map((pool) => pool.close()));
    },
  };
}

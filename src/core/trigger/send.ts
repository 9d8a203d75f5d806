import { Agent, type Dispatcher } from 'undici';
import { ResponseCollector } from '../http-collect.js';
import { classifyNetworkError, describeNetworkFailure, type NetworkFailure } from '../net-errors.js';
import type { WebhookRequest } from './request.js';

/** What came of one delivery attempt. */
export type Outcome =
  | { kind: 'response'; status: number; body: string; latencyMs: number }
  | { kind: 'error'; code: DeliveryErrorCode; message: string; latencyMs: number };

export type DeliveryErrorCode = NetworkFailure;

/** Response bodies are kept up to this size: enough to show, not enough to hurt under load. */
const MAX_BODY_KEPT = 64 * 1024;

/** A keep-alive connection pool sized for the concurrency asked for. */
export function createDispatcher(connections: number): Agent {
  return new Agent({ connections, pipelining: 1 });
}

/** Sends one request and never throws: network failures come back as outcomes. */
export function deliver(request: WebhookRequest, dispatcher: Dispatcher, timeoutMs: number, clock: () => number): Promise<Outcome> {
  const started = clock();
  return new Promise<Outcome>((resolve) => {
    const target = splitUrl(request.url);
    const collector = new ResponseCollector(MAX_BODY_KEPT, (error) => {
      const latencyMs = clock() - started;
      if (error) {
        const code = classifyNetworkError(error);
        resolve({ kind: 'error', code, message: describeNetworkFailure(code, new URL(request.url), timeoutMs, error), latencyMs });
      } else {
        resolve({ kind: 'response', status: collector.status, body: collector.body().toString('utf8'), latencyMs });
      }
    });
    // dispatch() rather than request(): no URL parsing, stream or promise chain per delivery, which
    // set the pace of `trigger --count` (issue 6). undici's own timeouts, not a timer per request.
    dispatcher.dispatch({
      origin: target.origin, path: target.path, method: request.method, headers: request.headers, body: request.body,
      headersTimeout: timeoutMs, bodyTimeout: timeoutMs,
    }, collector);
  });
}

// Every delivery of a run goes to the same URL: parse it once.
let lastUrl = '';
let lastTarget = { origin: '', path: '' };

function splitUrl(url: string): { origin: string; path: string } {
  if (url !== lastUrl) {
    const parsed = new URL(url);
    lastTarget = { origin: parsed.origin, path: `${parsed.pathname}${parsed.search}` };
    lastUrl = url;
  }
  return lastTarget;
}

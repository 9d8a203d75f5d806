import { Agent, request as undiciRequest, type Dispatcher } from 'undici';
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
export async function deliver(request: WebhookRequest, dispatcher: Dispatcher, timeoutMs: number, clock: () => number): Promise<Outcome> {
  const started = clock();
  try {
    const response = await undiciRequest(request.url, {
      method: request.method,
      headers: request.headers,
      body: request.body,
      dispatcher,
      // undici's own timeouts: an AbortSignal.timeout per request is a timer per request.
      headersTimeout: timeoutMs,
      bodyTimeout: timeoutMs,
    });
    const body = await readCapped(response);
    return { kind: 'response', status: response.statusCode, body, latencyMs: clock() - started };
  } catch (error) {
    const code = classifyNetworkError(error);
    return { kind: 'error', code, message: describeNetworkFailure(code, new URL(request.url), timeoutMs, error), latencyMs: clock() - started };
  }
}

async function readCapped(response: Dispatcher.ResponseData): Promise<string> {
  const length = Number(response.headers['content-length']);
  // Known small (the usual case): one read. Otherwise keep at most MAX_BODY_KEPT in memory.
  if (Number.isFinite(length) && length <= MAX_BODY_KEPT) return response.body.text();
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of response.body) {
    const buffer = chunk as Buffer;
    if (size < MAX_BODY_KEPT) chunks.push(buffer.subarray(0, MAX_BODY_KEPT - size));
    size += buffer.length;
  }
  return Buffer.concat(chunks).toString('utf8');
}

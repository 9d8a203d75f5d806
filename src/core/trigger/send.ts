import { Agent, request as undiciRequest, type Dispatcher } from 'undici';
import type { WebhookRequest } from './request.js';

/** What came of one delivery attempt. */
export type Outcome =
  | { kind: 'response'; status: number; body: string; latencyMs: number }
  | { kind: 'error'; code: DeliveryErrorCode; message: string; latencyMs: number };

export type DeliveryErrorCode = 'refused' | 'timeout' | 'reset' | 'dns' | 'other';

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
      signal: AbortSignal.timeout(timeoutMs),
    });
    const body = await readCapped(response.body);
    return { kind: 'response', status: response.statusCode, body, latencyMs: clock() - started };
  } catch (error) {
    const latencyMs = clock() - started;
    return { kind: 'error', ...classify(error, request.url, timeoutMs), latencyMs };
  }
}

async function readCapped(body: Dispatcher.ResponseData['body']): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    const buffer = chunk as Buffer;
    if (size < MAX_BODY_KEPT) chunks.push(buffer.subarray(0, MAX_BODY_KEPT - size));
    size += buffer.length;
  }
  return Buffer.concat(chunks).toString('utf8');
}

function classify(error: unknown, url: string, timeoutMs: number): { code: DeliveryErrorCode; message: string } {
  const target = new URL(url).host;
  const err = error as { name?: string; code?: string; message?: string; cause?: { code?: string } };
  const code = err.code ?? err.cause?.code;
  if (err.name === 'TimeoutError' || err.name === 'AbortError' || code === 'UND_ERR_HEADERS_TIMEOUT' || code === 'UND_ERR_BODY_TIMEOUT') {
    return { code: 'timeout', message: `no response from ${target} within ${formatMs(timeoutMs)}` };
  }
  if (code === 'ECONNREFUSED') return { code: 'refused', message: `connection refused by ${target}` };
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return { code: 'dns', message: `cannot resolve the host ${new URL(url).hostname}` };
  if (code === 'ECONNRESET' || code === 'UND_ERR_SOCKET' || code === 'EPIPE') {
    return { code: 'reset', message: `${target} closed the connection before answering` };
  }
  return { code: 'other', message: `request to ${target} failed: ${err.message ?? String(error)}` };
}

function formatMs(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000}s` : `${ms}ms`;
}

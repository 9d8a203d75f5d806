import type { IncomingHttpHeaders } from 'node:http';
import { Pool } from 'undici';
import { classifyNetworkError, describeNetworkFailure, formatDuration } from '../net-errors.js';
import type { ForwardResult } from './records.js';

// RFC 9110 §7.6.1: hop-by-hop fields, which a proxy must not pass on; `host` is the target's own;
// content-length is set again by undici from the exact bytes; `expect` is refused by undici.
const HOP_BY_HOP = new Set([
  'connection', 'keep-alive', 'proxy-connection', 'te', 'transfer-encoding', 'upgrade', 'trailer',
  'host', 'content-length', 'expect', 'http2-settings',
]);

/** What a forward needs from the received request. */
export interface ForwardInput {
  method: string;
  headers: IncomingHttpHeaders;
  body: Buffer;
  remoteAddress: string | undefined;
}

/** The app's answer to a forward, with its body in full so that the sender can be given it. */
export interface ForwardOutcome {
  result: ForwardResult;
  /** Status to give the sender: the app's, or 502/504 when it could not answer. */
  status: number;
  contentType: string | undefined;
  body: Buffer;
}

/** Characters of the app's response body kept in the journal and shown with --verbose. */
const BODY_KEPT = 2048;

/** The headers that go on to the app: all received ones but hop-by-hop ones, plus X-Forwarded-*. */
export function forwardHeaders(input: ForwardInput): Record<string, string | string[]> {
  const named = new Set(
    String(input.headers.connection ?? '').split(',').map((token) => token.trim().toLowerCase()).filter(Boolean),
  );
  const headers: Record<string, string | string[]> = {};
  for (const [name, value] of Object.entries(input.headers)) {
    if (value === undefined || HOP_BY_HOP.has(name) || named.has(name)) continue;
    headers[name] = value;
  }
  const client = input.remoteAddress?.replace(/^::ffff:/, '');
  if (client) {
    const previous = input.headers['x-forwarded-for'];
    headers['x-forwarded-for'] = previous ? `${String(previous)}, ${client}` : client;
  }
  headers['x-forwarded-proto'] ??= 'http';
  return headers;
}

/**
 * Forwards to one target through a keep-alive undici Pool (one per target, reused for every
 * request). Never throws: a refused, reset or slow app becomes a 502 or 504 outcome.
 */
export class Forwarder {
  private readonly pool: Pool;
  readonly origin: string;

  constructor(readonly target: URL, private readonly timeoutMs: number, private readonly clock: () => number) {
    this.origin = target.origin;
    this.pool = new Pool(target.origin, { connections: 64, pipelining: 1, keepAliveTimeout: 10_000 });
  }

  async forward(url: string, input: ForwardInput): Promise<ForwardOutcome> {
    const started = this.clock();
    try {
      const response = await this.pool.request({
        // `url` is this target's origin followed by the path (see forwardUrl).
        path: url.slice(this.origin.length) || '/',
        method: input.method as 'POST',
        headers: forwardHeaders(input),
        body: input.body,
        headersTimeout: this.timeoutMs,
        bodyTimeout: this.timeoutMs,
      });
      const body = Buffer.from(await response.body.arrayBuffer());
      const contentType = response.headers['content-type'];
      return {
        status: response.statusCode,
        contentType: Array.isArray(contentType) ? contentType[0] : contentType,
        body,
        result: {
          target: url, status: response.statusCode, latency_ms: round(this.clock() - started),
          ...(body.length > 0 ? { body: body.subarray(0, BODY_KEPT).toString('utf8') } : {}),
        },
      };
    } catch (error) {
      const { code, message, status } = classify(error, this.target, this.timeoutMs);
      const body = Buffer.from(JSON.stringify({ error: message }));
      return {
        status, contentType: 'application/json', body,
        result: { target: url, status: null, latency_ms: round(this.clock() - started), error: { code, message } },
      };
    }
  }

  close(): Promise<void> {
    return this.pool.close();
  }
}

function classify(error: unknown, target: URL, timeoutMs: number): { code: string; message: string; status: number } {
  const code = classifyNetworkError(error);
  if (code === 'timeout') return { code, status: 504, message: `no answer from ${target.host} within ${formatDuration(timeoutMs)} (--forward-timeout)` };
  if (code === 'refused') return { code, status: 502, message: `connection refused: is your app running on ${target.host}?` };
  return { code, status: 502, message: describeNetworkFailure(code, target, timeoutMs, error) };
}

function round(n: number): number {
  return Math.round(n * 100) / 100;
}

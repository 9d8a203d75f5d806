import { Agent, request as undiciRequest, type Dispatcher } from 'undici';
import type { z } from 'zod';
import { Failure } from '../../failure.js';
import { stringifyJson, type Json } from '../lossless-json.js';
import { classifyNetworkError, describeNetworkFailure } from '../net-errors.js';
import { errorEnvelopeSchema, successEnvelopeSchema } from './schemas.js';

export interface ApiClientOptions {
  /** e.g. https://api.datachonk.io/v1 */
  baseUrl: string;
  apiKey: string;
  userAgent: string;
  timeoutMs?: number;
  /** Retries after the first attempt, for 429, 503 and connection failures. */
  maxRetries?: number;
  dispatcher?: Dispatcher;
  /** Injected so that tests do not wait. */
  sleep?: (ms: number) => Promise<void>;
}

const LOOPBACK = /^(localhost|127(?:\.\d{1,3}){3}|\[::1\])$/i;
const IDEMPOTENT = new Set(['GET', 'HEAD', 'PUT', 'DELETE']);
const MAX_RETRY_AFTER_MS = 60_000;

/** Checks the API base URL: https, or plain http to this machine only, so a typo cannot leak the key. */
export function checkApiUrl(value: string): URL {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new Failure('api-url-invalid', { url: value });
  }
  if (url.protocol === 'https:') return url;
  if (url.protocol === 'http:' && LOOPBACK.test(url.hostname)) return url;
  throw new Failure('api-url-insecure', { protocol: url.protocol, host: url.host });
}

/** A small client for DataChonk's JSON API: envelope parsing, retries with backoff, clear errors. */
export class ApiClient {
  private readonly base: URL;
  private readonly dispatcher: Dispatcher;
  private readonly ownDispatcher: boolean;
  private readonly sleep: (ms: number) => Promise<void>;

  constructor(private readonly options: ApiClientOptions) {
    this.base = checkApiUrl(options.baseUrl);
    this.ownDispatcher = !options.dispatcher;
    this.dispatcher = options.dispatcher ?? new Agent({ connections: 4 });
    this.sleep = options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
  }

  /** The URL of a path under the base, e.g. `webhooks/wh_1`. */
  url(path: string): string {
    const base = this.base.href.endsWith('/') ? this.base.href : `${this.base.href}/`;
    return new URL(path.replace(/^\//, ''), base).href;
  }

  /**
   * Sends a request and returns the `data` of the success envelope (or the bare JSON body, or
   * undefined for an empty answer), parsed with `schema`.
   */
  async request<T extends z.ZodType>(method: string, path: string, schema: T, body?: unknown): Promise<z.infer<T>> {
    const data = await this.send(method, path, body);
    const result = schema.safeParse(data);
    if (!result.success) {
      const issue = result.error.issues[0]!;
      throw new Failure('api-unexpected', {
        method,
        path,
        field: issue.path.join('.') || '(body)',
        message: issue.message,
      });
    }
    return result.data;
  }

  private async send(method: string, path: string, body: unknown): Promise<unknown> {
    const url = this.url(path);
    const maxRetries = this.options.maxRetries ?? 3;
    const timeoutMs = this.options.timeoutMs ?? 15_000;
    for (let attempt = 0; ; attempt++) {
      let response: Dispatcher.ResponseData;
      try {
        response = await undiciRequest(url, {
          method: method as Dispatcher.HttpMethod,
          dispatcher: this.dispatcher,
          headers: {
            authorization: `Bearer ${this.options.apiKey}`,
            accept: 'application/json',
            'user-agent': this.options.userAgent,
            ...(body === undefined ? {} : { 'content-type': 'application/json' }),
          },
          // stringifyJson: an emitted payload's numbers go as typed (see lossless-json.ts).
          body: body === undefined ? undefined : stringifyJson(body as Json),
          headersTimeout: timeoutMs,
          bodyTimeout: timeoutMs,
        });
      } catch (error) {
        const cause = classifyNetworkError(error);
        // Refused or unresolved: nothing reached the server, so any request may be retried. A broken
        // connection or a timeout may have reached it: retry only what is safe to repeat.
        const nothingSent = cause === 'refused' || cause === 'dns';
        if (attempt < maxRetries && (nothingSent || IDEMPOTENT.has(method))) {
          await this.sleep(backoff(attempt));
          continue;
        }
        const where = new URL(url);
        throw new Failure(
          'api-unreachable',
          {
            host: where.host,
            loopback: cause === 'refused' && LOOPBACK.test(where.hostname),
            detail: describeNetworkFailure(cause, where, timeoutMs, error),
          },
          { cause: error },
        );
      }
      const text = await response.body.text();
      if ((response.statusCode === 429 || response.statusCode === 503) && attempt < maxRetries) {
        // A 429 or 503 means the request was not acted on, so even a POST is safe to send again.
        await this.sleep(retryAfter(response.headers['retry-after']) ?? backoff(attempt));
        continue;
      }
      return parseAnswer(response.statusCode, text);
    }
  }

  async close(): Promise<void> {
    if (this.ownDispatcher) await this.dispatcher.close();
  }
}

function parseAnswer(status: number, text: string): unknown {
  let json: unknown;
  if (text.trim().length > 0) {
    try {
      json = JSON.parse(text);
    } catch {
      if (status >= 400)
        throw new Failure('api-error', {
          status,
          code: httpCode(status),
          message: `HTTP ${status}: ${text.slice(0, 200)}`,
        });
      throw new Failure('api-not-json', { status });
    }
  }
  const error = errorEnvelopeSchema.safeParse(json);
  if (error.success) {
    const e = error.data.error;
    throw new Failure('api-error', {
      status,
      code: e.code,
      message: e.message,
      details: e.details,
      requestId: error.data.meta?.requestId,
    });
  }
  if (status >= 400) {
    const message = (json as { message?: unknown } | undefined)?.message;
    throw new Failure('api-error', {
      status,
      code: httpCode(status),
      message: typeof message === 'string' ? message : `HTTP ${status}`,
      details: json,
    });
  }
  const success = successEnvelopeSchema.safeParse(json);
  return success.success ? success.data.data : json;
}

function httpCode(status: number): string {
  const codes: Record<number, string> = {
    400: 'INVALID_REQUEST',
    401: 'UNAUTHORIZED',
    403: 'FORBIDDEN',
    404: 'NOT_FOUND',
    422: 'INVALID_REQUEST',
    429: 'RATE_LIMITED',
  };
  return codes[status] ?? `HTTP_${status}`;
}

/** 0.5 s, 1 s, 2 s, … with up to 25% jitter. */
function backoff(attempt: number): number {
  const base = 500 * 2 ** attempt;
  return base + Math.floor(Math.random() * base * 0.25);
}

/** Retry-After in seconds or as an HTTP date, capped; undefined when absent or unreadable. */
export function retryAfter(header: string | string[] | undefined, now = Date.now()): number | undefined {
  const value = Array.isArray(header) ? header[0] : header;
  if (!value) return undefined;
  const seconds = Number(value);
  const ms = Number.isFinite(seconds) ? seconds * 1000 : Date.parse(value) - now;
  return Number.isFinite(ms) ? Math.min(Math.max(ms, 0), MAX_RETRY_AFTER_MS) : undefined;
}

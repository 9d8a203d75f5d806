import type { IncomingHttpHeaders } from 'node:http';
import type { Pool } from 'undici';
import type { BodyStream } from '../body-stream.js';
import { flattenHeaders } from '../headers.js';
import { originPool, sendRequest, type TlsTrust } from '../http-client.js';
import { SIGNATURE_HEADER } from '../signing/signature.js';
import { classifyNetworkError, describeNetworkFailure, formatDuration } from '../net-errors.js';
import { basicAuthorization, urlCredentials } from '../url-credentials.js';
import { JOURNALLED_BODY_BYTES, type ForwardResult } from './records.js';

// RFC 9110 §7.6.1: hop-by-hop fields, which a proxy must not pass on; `host` is the target's own;
// content-length is set again by undici from the exact bytes; `expect` is refused by undici.
const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'te',
  'transfer-encoding',
  'upgrade',
  'trailer',
  'host',
  'content-length',
  'expect',
  'http2-settings',
]);

/** What a forward needs from the received request. */
export interface ForwardInput {
  method: string;
  /**
   * The received headers: Node's raw list (`req.rawHeaders`: name, value, name, value…, names as
   * sent, repeats kept) or a parsed object (a journalled request).
   */
  headers: readonly string[] | IncomingHttpHeaders;
  /** Replaces the signature header as received (the listener signed the body again). */
  signature?: string | undefined;
  body: Buffer;
  remoteAddress: string | undefined;
}

/** The app's answer to a forward: what its sender is given, and (in `result`) what is journalled. */
export interface ForwardOutcome {
  result: ForwardResult;
  /** Status to give the sender: the app's, or 502/504 when it could not answer. */
  status: number;
  /** The app's headers as received (flat: name, value…), or the listener's own with a 502/504. */
  headers: readonly string[];
  /** The whole body; when `streamed`, its first bytes only (the rest went to the stream as it came). */
  body: Buffer;
  streamed: boolean;
}

/** Of the app's response headers, the journal keeps this many names and values (50 headers). */
export const HEADERS_KEPT = 100;

/**
 * Bytes of the app's answer held in memory: a larger one is streamed to the sender (the first
 * target's, when the caller gives a stream) or read and dropped (the others'), keeping these first
 * bytes. Bounded memory whatever the app sends, and a small answer still goes
 * to the sender in one write.
 */
const BODY_HELD = 64 * 1024;

/**
 * On every answer the listener makes itself (a rejection, an acknowledgement, a 502/504 for an app
 * it could not reach), never on the app's: a sender can tell who answered (trigger says so).
 */
export const ANSWERED_BY_HEADER = 'x-datachonk-answered-by';
export const ANSWERED_BY_LISTENER = 'datachonk listen';

const ERROR_HEADERS: readonly string[] = ['content-type', 'application/json', ANSWERED_BY_HEADER, ANSWERED_BY_LISTENER];

/**
 * The scheme the listener itself is reached by: the X-Forwarded-Proto the app is sent. A client's own
 * X-Forwarded-Proto is not passed on (anyone can send one), as nginx's `$scheme` and node-http-proxy do.
 */
const OWN_SCHEME = 'http';

/**
 * The headers that go on to the app, as a flat name, value… list: all received ones but hop-by-hop
 * ones (and those the Connection header names), in their order and case, plus X-Forwarded-For (the
 * received one extended with the client's address) and X-Forwarded-Proto (the listener's scheme).
 */
export function forwardHeaders(input: ForwardInput): string[] {
  const raw = Array.isArray(input.headers)
    ? (input.headers as readonly string[])
    : flattenHeaders(input.headers as IncomingHttpHeaders);
  const named = connectionNamed(raw);
  let forwardedFor: string | undefined;
  const out: string[] = [];
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i]!;
    const lower = name.toLowerCase();
    if (HOP_BY_HOP.has(lower) || named?.has(lower)) continue;
    if (lower === SIGNATURE_HEADER && input.signature !== undefined) continue;
    if (lower === 'x-forwarded-for') {
      forwardedFor = forwardedFor === undefined ? raw[i + 1]! : `${forwardedFor}, ${raw[i + 1]!}`;
      continue;
    }
    if (lower === 'x-forwarded-proto') continue;
    out.push(name, raw[i + 1]!);
  }
  if (input.signature !== undefined) out.push(SIGNATURE_HEADER, input.signature);
  const client = input.remoteAddress?.replace(/^::ffff:/, '');
  if (client) forwardedFor = forwardedFor === undefined ? client : `${forwardedFor}, ${client}`;
  if (forwardedFor !== undefined) out.push('x-forwarded-for', forwardedFor);
  out.push('x-forwarded-proto', OWN_SCHEME);
  return out;
}

/** One forward as it goes out: the method, the headers forwardHeaders() made, the exact body. */
export interface OutgoingForward {
  method: string;
  headers: string[];
  body: Buffer;
}

/**
 * Forwards to one target over keep-alive connections (one pool per target, reused for every
 * request). Never rejects: a refused, reset or slow app becomes a 502 or 504 outcome.
 */
export class Forwarder {
  private readonly pool: Pool;
  private readonly timeoutMs: number;
  private readonly clock: () => number;
  /** Basic authorization made once from the target URL's user name and password, when it has them. */
  private readonly authorization: string | undefined;

  constructor(
    readonly target: URL,
    settings: { timeoutMs: number; clock: () => number; tls?: TlsTrust | undefined },
  ) {
    this.timeoutMs = settings.timeoutMs;
    this.clock = settings.clock;
    this.pool = originPool(target.origin, 64, settings.timeoutMs, settings.tls);
    const credentials = urlCredentials(target);
    this.authorization = credentials && basicAuthorization(credentials);
  }

  /** Forwards one request. An answer larger than BODY_HELD goes to `stream` as it comes, when one is given. */
  async forward(url: string, input: OutgoingForward, stream?: BodyStream): Promise<ForwardOutcome> {
    const started = this.clock();
    // `url` is this target's origin followed by the path (see forwardUrl).
    const request = {
      method: input.method,
      path: url.slice(this.target.origin.length) || '/',
      headers: this.authorization ? withAuthorization(input.headers, this.authorization) : input.headers,
      body: input.body,
    };
    try {
      const { status, headers, body, streamed } = await sendRequest(this.pool, request, {
        timeoutMs: this.timeoutMs,
        maxBodyBytes: BODY_HELD,
        stream,
      });
      return {
        status,
        headers,
        body,
        streamed,
        result: {
          target: url,
          status,
          latency_ms: this.elapsed(started),
          headers: headers.length > HEADERS_KEPT ? headers.slice(0, HEADERS_KEPT) : headers,
          ...(body.length > 0 ? { body: body.subarray(0, JOURNALLED_BODY_BYTES).toString('utf8') } : {}),
        },
      };
    } catch (error) {
      const { code, message, status } = classify(error, this.target, this.timeoutMs);
      return {
        status,
        headers: ERROR_HEADERS,
        // The code too: trigger says what to do about it (an untrusted certificate is no app to start).
        body: Buffer.from(JSON.stringify({ error: message, code })),
        streamed: false,
        result: { target: url, status: null, latency_ms: this.elapsed(started), error: { code, message } },
      };
    }
  }

  /** Ends what is still in flight (its senders get a 502): shutdown has waited for it already. */
  close(): Promise<void> {
    return this.pool.destroy();
  }

  private elapsed(started: number): number {
    return Math.round((this.clock() - started) * 100) / 100;
  }
}

/**
 * The headers with this Authorization in place of any received one: the target's own credentials
 * (`--forward http://user:pass@…`) are what its app asked for.
 */
export function withAuthorization(headers: readonly string[], authorization: string): string[] {
  const out: string[] = [];
  for (let i = 0; i < headers.length; i += 2)
    if (headers[i]!.toLowerCase() !== 'authorization') out.push(headers[i]!, headers[i + 1]!);
  out.push('authorization', authorization);
  return out;
}

// The hop-by-hop fields of an answer (RFC 9110 §7.6.1; Proxy-* by prefix), and Content-Length: the
// listener frames the body it sends itself.
const ANSWER_DROPPED = new Set([
  'connection',
  'keep-alive',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
  'content-length',
]);

/**
 * The app's answer headers as its sender gets them: in their order and case, repeats kept
 * (Set-Cookie), without hop-by-hop ones (and those the Connection header names), with
 * Content-Length `length` when given.
 */
export function answerHeaders(headers: readonly string[], length: number | undefined): string[] {
  const named = connectionNamed(headers);
  const out: string[] = [];
  for (let i = 0; i < headers.length; i += 2) {
    const lower = headers[i]!.toLowerCase();
    if (ANSWER_DROPPED.has(lower) || lower.startsWith('proxy-') || named?.has(lower)) continue;
    out.push(headers[i]!, headers[i + 1]!);
  }
  if (length !== undefined) out.push('content-length', String(length));
  return out;
}

/** The header names a Connection header lists (lower case), or undefined when there is none. */
function connectionNamed(headers: readonly string[]): Set<string> | undefined {
  let named: Set<string> | undefined;
  for (let i = 0; i < headers.length; i += 2) {
    if (headers[i]!.toLowerCase() !== 'connection') continue;
    named ??= new Set();
    for (const token of headers[i + 1]!.split(',')) if (token.trim()) named.add(token.trim().toLowerCase());
  }
  return named;
}

function classify(error: unknown, target: URL, timeoutMs: number): { code: string; message: string; status: number } {
  const code = classifyNetworkError(error);
  if (code === 'timeout')
    return { code, status: 504, message: `no answer from ${target.host} within ${formatDuration(timeoutMs)}` };
  if (code === 'refused')
    return { code, status: 502, message: `connection refused: is your app running on ${target.host}?` };
  return { code, status: 502, message: describeNetworkFailure(code, target, timeoutMs, error) };
}

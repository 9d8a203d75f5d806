import type { IncomingHttpHeaders } from 'node:http';
import { Pool, type Dispatcher } from 'undici';
import type { BodyStream } from '../body-stream.js';
import { SIGNATURE_HEADER } from '../signing/signature.js';
import { ResponseCollector } from '../http-collect.js';
import { H1Pool } from '../h1/pool.js';
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

/** Characters of the app's response body kept in the journal and shown with --verbose. */
const BODY_KEPT = 2048;
/** Of the app's response headers, the journal keeps this many names and values (50 headers). */
const HEADERS_KEPT = 100;

/**
 * Bytes of the app's answer held in memory: a larger one is streamed to the sender (the first
 * target's, when the caller gives a stream) or read and dropped (the others'), keeping these first
 * bytes. Bounded memory whatever the app sends (issue 11, item 10), and a small answer still goes
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
  const raw = Array.isArray(input.headers) ? input.headers as readonly string[] : flatten(input.headers as IncomingHttpHeaders);
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

function flatten(headers: IncomingHttpHeaders): string[] {
  const out: string[] = [];
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined) continue;
    if (Array.isArray(value)) for (const v of value) out.push(name, v);
    else out.push(name, value);
  }
  return out;
}

/** One forward as it goes out: the method, the headers forwardHeaders() made, the exact body. */
export interface OutgoingForward {
  method: string;
  headers: string[];
  body: Buffer;
}

/** What came back from the app: its status, headers and body (or its first bytes); or why nothing did. */
type Answer = { error: Error } | { error?: undefined; status: number; headers: readonly string[]; body: Buffer; streamed: boolean };

/**
 * Forwards to one target over keep-alive connections (one pool per target, reused for every
 * request): plain http through the small client in core/h1, https through undici. Never throws: a
 * refused, reset or slow app becomes a 502 or 504 outcome.
 */
export class Forwarder {
  private readonly send: (path: string, input: OutgoingForward, then: (answer: Answer) => void, stream: BodyStream | undefined) => void;
  private readonly close_: () => Promise<void>;
  readonly origin: string;

  constructor(readonly target: URL, private readonly timeoutMs: number, private readonly clock: () => number) {
    this.origin = target.origin;
    if (target.protocol === 'http:') {
      const pool = new H1Pool(target.origin, { connections: 64, timeoutMs, maxBodyBytes: BODY_HELD });
      this.send = (path, input, then, stream) => pool.request({ method: input.method, path, headers: input.headers, body: input.body, stream }, (error, response) => {
        then(error ? { error } : response!);
      });
      this.close_ = () => pool.close();
    } else {
      const pool = new Pool(target.origin, { connections: 64, pipelining: 1, keepAliveTimeout: 10_000, connect: { timeout: timeoutMs } });
      this.send = (path, input, then, stream) => {
        const handler = new ResponseCollector(BODY_HELD, (error) => then(error ? { error } : {
          status: handler.status, headers: handler.headerList(), body: handler.body(), streamed: handler.streamed,
        }), stream);
        pool.dispatch({
          path, method: input.method as Dispatcher.HttpMethod, headers: input.headers, body: input.body,
          headersTimeout: timeoutMs, bodyTimeout: timeoutMs,
        }, handler);
      };
      // destroy(), not close(): close() would wait for forwards still in flight, and shutdown has waited already.
      this.close_ = () => pool.destroy();
    }
  }

  /**
   * Forwards one request; `then` gets the outcome. A callback, not a promise: this runs for every
   * event. An answer larger than BODY_HELD goes to `stream` as it comes, when one is given.
   */
  forwardThen(url: string, input: OutgoingForward, then: (outcome: ForwardOutcome) => void, stream?: BodyStream): void {
    const started = this.clock();
    // `url` is this target's origin followed by the path (see forwardUrl).
    this.send(url.slice(this.origin.length) || '/', input, (answer) => {
      const latency = round(this.clock() - started);
      if (answer.error) {
        const { code, message, status } = classify(answer.error, this.target, this.timeoutMs);
        then({
          status, headers: ERROR_HEADERS, body: Buffer.from(JSON.stringify({ error: message })), streamed: false,
          result: { target: url, status: null, latency_ms: latency, error: { code, message } },
        });
        return;
      }
      const { status, headers, body, streamed } = answer;
      then({
        status, headers, body, streamed,
        result: {
          target: url, status, latency_ms: latency, headers: headers.length > HEADERS_KEPT ? headers.slice(0, HEADERS_KEPT) : [...headers],
          ...(body.length > 0 ? { body: body.subarray(0, BODY_KEPT).toString('utf8') } : {}),
        },
      });
    }, stream);
  }

  close(): Promise<void> {
    return this.close_();
  }
}

// The hop-by-hop fields of an answer (RFC 9110 §7.6.1; Proxy-* by prefix), and Content-Length: the
// listener frames the body it sends itself.
const ANSWER_DROPPED = new Set(['connection', 'keep-alive', 'te', 'trailer', 'transfer-encoding', 'upgrade', 'content-length']);

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
    // The length first: no lower-casing of every name, twice per request, for one that is rarely there.
    if (headers[i]!.length !== 10 || headers[i]!.toLowerCase() !== 'connection') continue;
    named ??= new Set();
    for (const token of headers[i + 1]!.split(',')) if (token.trim()) named.add(token.trim().toLowerCase());
  }
  return named;
}

/** The first value of a header in a flat name, value… list. */
export function headerValue(headers: readonly string[], name: string): string | undefined {
  for (let i = 0; i < headers.length; i += 2) if (headers[i]!.toLowerCase() === name) return headers[i + 1];
  return undefined;
}

function classify(error: unknown, target: URL, timeoutMs: number): { code: string; message: string; status: number } {
  const code = classifyNetworkError(error);
  if (code === 'timeout') return { code, status: 504, message: `no answer from ${target.host} within ${formatDuration(timeoutMs)}` };
  if (code === 'refused') return { code, status: 502, message: `connection refused: is your app running on ${target.host}?` };
  return { code, status: 502, message: describeNetworkFailure(code, target, timeoutMs, error) };
}

function round(n: number): number {
  return Math.round(n * 100) / 100;
}

import type { IncomingHttpHeaders } from 'node:http';

// The narrow HTTP/1.1 request the listener's own server (server.ts) answers itself: a POST in
// origin form, HTTP/1.1, one Host, printable ASCII headers each named once, the body framed by one
// Content-Length (or none: an empty body) no larger than the listener takes. That is what senders
// of webhooks send. Anything else (chunked bodies, Expect, Upgrade, HTTP/1.0, repeated or non-ASCII
// headers, a head over 16 KiB) is not judged here: the connection goes to node:http, which answers
// it with all of HTTP's rules, 400s and 431s included.

/** A request head taken whole. */
export interface RequestHead {
  method: 'POST';
  /** Path and query as received. */
  url: string;
  /** Lower-case names, as node:http gives them. */
  headers: IncomingHttpHeaders;
  /** Names as received, values trimmed: name, value, name, value… */
  rawHeaders: string[];
  /** Bytes of the head, its blank line included. */
  headBytes: number;
  bodyBytes: number;
  /** The client asked to close the connection after this answer. */
  close: boolean;
}

/** Not yet a whole head: wait for more bytes. */
export const INCOMPLETE = 'incomplete';
/** Not the narrow form: node:http takes the connection. */
export const OTHER = 'other';

/** node:http's default limit on a request head (--max-http-header-size). */
export const MAX_HEAD_BYTES = 16 * 1024;

const HEAD_END = Buffer.from('\r\n\r\n');
const REQUEST_LINE = /^POST (\/[\x21-\x7e]*) HTTP\/1\.1$/;
/** A header name (RFC 9110 §5.6.2 token). */
export const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
/** A byte that is not printable ASCII, a tab or part of a CRLF. */
const STRAY = /[^\t\x20-\x7e\r\n]|\r(?!\n)|(?<!\r)\n/;
/** Headers that mean something other than a plain request with a known length. */
const PASSED_ON = new Set(['transfer-encoding', 'expect', 'upgrade', 'proxy-connection', '__proto__']);

/** Whether a Connection header's value asks to close the connection after this message. */
export function asksToClose(connection: string): boolean {
  return /(?:^|,)\s*close\s*(?:,|$)/i.test(connection);
}

/** Reads a request head at the start of `data`. */
export function readRequestHead(data: Buffer, maxBodyBytes: number): RequestHead | typeof INCOMPLETE | typeof OTHER {
  const end = data.indexOf(HEAD_END);
  if (end < 0) return data.length > MAX_HEAD_BYTES ? OTHER : INCOMPLETE;
  if (end + 4 > MAX_HEAD_BYTES) return OTHER;
  const text = data.toString('latin1', 0, end);
  if (STRAY.test(text)) return OTHER;
  const lines = text.split('\r\n');
  const target = REQUEST_LINE.exec(lines[0]!);
  if (!target) return OTHER;
  const head: RequestHead = { method: 'POST', url: target[1]!, headers: {}, rawHeaders: [], headBytes: end + 4, bodyBytes: 0, close: false };
  return readHeaders(lines, head) && head.headers.host !== undefined && head.bodyBytes <= maxBodyBytes ? head : OTHER;
}

/** Fills in the headers; false when one of them is outside the narrow form. */
function readHeaders(lines: string[], head: RequestHead): boolean {
  const { headers, rawHeaders } = head;
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i]!;
    const colon = line.indexOf(':');
    const name = line.slice(0, colon);
    if (colon <= 0 || !TOKEN.test(name)) return false;
    const lower = name.toLowerCase();
    // node:http joins or drops repeated headers by rules of its own: repeats are its to handle.
    if (headers[lower] !== undefined || PASSED_ON.has(lower)) return false;
    const value = line.slice(colon + 1).trim();
    if (lower === 'content-length') {
      // Digits, with spaces around at most (llhttp refuses a tab there).
      if (!/^\d{1,15}$/.test(value) || line.includes('\t')) return false;
      head.bodyBytes = Number(value);
    } else if (lower === 'connection') {
      const tokens = value.toLowerCase().split(',').map((token) => token.trim());
      if (tokens.includes('upgrade')) return false;
      head.close = asksToClose(value);
    }
    headers[lower] = value;
    rawHeaders.push(name, value);
  }
  return true;
}

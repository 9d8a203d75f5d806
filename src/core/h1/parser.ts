// An HTTP/1.1 response parser for the client in pool.ts: status line, headers, and a body framed by
// Content-Length, chunked transfer coding, or the end of the connection (RFC 9112 §6.3). It keeps
// the first `maxBodyBytes` of the body and counts the rest; when asked to (`streams`), it hands the
// rest on as it comes instead, so that no body is ever held whole.
import { KeptPrefix } from '../body-stream.js';
import { asksToClose } from './request-head.js';

/** One parsed response. */
export interface H1Response {
  status: number;
  /** Header names and values as received, flat: name, value, name, value… */
  headers: string[];
  /** The first bytes of the body (up to the limit asked for). */
  body: Buffer;
  /** The whole body's size in bytes, kept or not. */
  size: number;
  /** The body outgrew the limit and what followed its first bytes was handed on (ParserEvents.data). */
  streamed: boolean;
  /** Whether the connection may carry another request. */
  reusable: boolean;
}

/** A protocol error: the peer sent something that is not HTTP/1.1. */
export class H1ProtocolError extends Error {
  readonly code = 'UND_ERR_SOCKET';
}

/** What the parser tells its connection. */
export interface ParserEvents {
  /** A response is complete. */
  done(response: H1Response): void;
  /** With `streams` on, the body outgrew `maxBodyBytes`: the response so far, its body the first bytes. */
  start(response: H1Response): void;
  /** With `streams` on, a part of the body after its first `maxBodyBytes`. */
  data(part: Buffer): void;
}

type Framing = { kind: 'none' } | { kind: 'length'; remaining: number } | { kind: 'chunked' } | { kind: 'close' };

const MAX_HEAD_BYTES = 64 * 1024;
const CRLF = Buffer.from('\r\n');
const HEAD_END = Buffer.from('\r\n\r\n');
const EMPTY = Buffer.alloc(0);

export class ResponseParser {
  private pending: Buffer | undefined;
  private response: H1Response | undefined;
  private framing: Framing = { kind: 'none' };
  /** For chunked bodies: bytes left in the current chunk, or where the decoder is. */
  private chunk: { state: 'size' | 'data' | 'data-end' | 'trailers'; remaining: number } = { state: 'size', remaining: 0 };
  private readonly kept: KeptPrefix;
  /** Whether a body beyond `maxBodyBytes` is handed on (events.start, events.data) rather than dropped; set per request. */
  streams = false;

  constructor(maxBodyBytes: number, private readonly events: ParserEvents) {
    this.kept = new KeptPrefix(maxBodyBytes);
  }

  /** Feeds bytes from the socket; throws H1ProtocolError on malformed input. */
  feed(chunk: Buffer): void {
    let data = this.pending ? Buffer.concat([this.pending, chunk]) : chunk;
    this.pending = undefined;
    while (data.length > 0) {
      if (!this.response) {
        const rest = this.readHead(data);
        if (rest === undefined) return;
        data = rest;
        continue;
      }
      data = this.readBody(data);
    }
  }

  /** The connection ended: completes a close-delimited body, or says the response was cut short. */
  end(): boolean {
    if (this.response && this.framing.kind === 'close') {
      this.finish(false);
      return true;
    }
    return false;
  }

  private readHead(data: Buffer): Buffer | undefined {
    const end = data.indexOf(HEAD_END);
    if (end < 0) {
      if (data.length > MAX_HEAD_BYTES) throw new H1ProtocolError('the response head is larger than 64 KiB');
      this.pending = data;
      return undefined;
    }
    const lines = data.toString('latin1', 0, end).split('\r\n');
    const status = /^HTTP\/1\.([01]) ([1-9]\d\d)(?: |$)/.exec(lines[0]!);
    if (!status) throw new H1ProtocolError(`not an HTTP/1.1 status line: ${lines[0]!.slice(0, 40)}`);
    const code = Number(status[2]);
    const rest = data.subarray(end + 4);
    // Interim answers (100 Continue, 103 Early Hints) come before the real one: skip them.
    if (code < 200 && code !== 101) return rest;
    const headers = parseHeaderLines(lines);
    this.response = { status: code, headers, body: EMPTY, size: 0, reusable: status[1] === '1', streamed: false };
    this.framing = framingOf(code, headers, this.response);
    // A response with no body is complete here; bytes after it answer no request: the connection is not reused.
    if (this.framing.kind === 'none' || (this.framing.kind === 'length' && this.framing.remaining === 0)) this.finish(rest.length === 0);
    return rest;
  }

  private readBody(data: Buffer): Buffer {
    const framing = this.framing;
    if (framing.kind === 'length') {
      const take = Math.min(framing.remaining, data.length);
      this.keep(data.subarray(0, take));
      framing.remaining -= take;
      if (framing.remaining === 0) this.finish(take === data.length);
      return data.subarray(take);
    }
    if (framing.kind === 'close') {
      this.keep(data);
      return Buffer.alloc(0);
    }
    return this.readChunked(data);
  }

  private readChunked(data: Buffer): Buffer {
    while (data.length > 0) {
      const state = this.chunk.state;
      if (state === 'data') {
        const take = Math.min(this.chunk.remaining, data.length);
        this.keep(data.subarray(0, take));
        this.chunk.remaining -= take;
        data = data.subarray(take);
        if (this.chunk.remaining === 0) this.chunk.state = 'data-end';
        continue;
      }
      const eol = data.indexOf(CRLF);
      if (eol < 0) {
        if (data.length > 8 * 1024) throw new H1ProtocolError('a chunk size line is too long');
        this.pending = data;
        return Buffer.alloc(0);
      }
      const line = data.toString('latin1', 0, eol);
      data = data.subarray(eol + 2);
      if (state === 'data-end') {
        if (line !== '') throw new H1ProtocolError('a chunk does not end with CRLF');
        this.chunk.state = 'size';
      } else if (state === 'size') {
        const size = /^([0-9a-fA-F]{1,12})[ \t]*(?:;.*)?$/.exec(line);
        if (!size) throw new H1ProtocolError(`not a chunk size: ${line.slice(0, 20)}`);
        this.chunk = { state: Number.parseInt(size[1]!, 16) === 0 ? 'trailers' : 'data', remaining: Number.parseInt(size[1]!, 16) };
      } else if (line === '') {
        // The empty line after the trailers: the body is complete.
        this.finish(data.length === 0);
        return data;
      }
    }
    return data;
  }

  private keep(part: Buffer): void {
    const response = this.response!;
    response.size += part.length;
    if (part.length === 0) return;
    if (response.streamed) return this.events.data(part);
    const rest = this.kept.take(part);
    if (!rest || !this.streams) return;
    // Too large to hold: the head and the first bytes go now, the rest as it comes.
    response.streamed = true;
    response.body = this.kept.body();
    this.events.start(response);
    this.events.data(rest);
  }

  /** The response is complete; `clean` is false when bytes followed it that no request asked for. */
  private finish(clean: boolean): void {
    const response = this.response!;
    if (!response.streamed) response.body = this.kept.body();
    if (!clean || this.framing.kind === 'close') response.reusable = false;
    this.response = undefined;
    this.kept.clear();
    this.framing = { kind: 'none' };
    this.chunk = { state: 'size', remaining: 0 };
    this.events.done(response);
  }
}

function parseHeaderLines(lines: string[]): string[] {
  const headers: string[] = [];
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i]!;
    const colon = line.indexOf(':');
    if (colon <= 0 || line[0] === ' ' || line[0] === '\t') throw new H1ProtocolError(`not a header line: ${line.slice(0, 40)}`);
    headers.push(line.slice(0, colon), line.slice(colon + 1).trim());
  }
  return headers;
}

/** How the body of a response is delimited (RFC 9112 §6.3), and whether the connection stays open. */
function framingOf(status: number, headers: string[], response: H1Response): Framing {
  let length: string | undefined;
  let chunked = false;
  let otherCoding = false;
  let close = false;
  let keepAlive = false;
  for (let i = 0; i < headers.length; i += 2) {
    const name = headers[i]!.toLowerCase();
    const value = headers[i + 1]!;
    if (name === 'content-length') {
      if (length !== undefined && length !== value) throw new H1ProtocolError('two different Content-Length headers');
      length = value;
    } else if (name === 'transfer-encoding') {
      chunked = /(?:^|,)\s*chunked\s*$/i.test(value);
      otherCoding = !chunked;
    } else if (name === 'connection') {
      close ||= asksToClose(value);
      keepAlive ||= /(?:^|,)\s*keep-alive\s*(?:,|$)/i.test(value);
    }
  }
  // HTTP/1.1 stays open unless told to close; HTTP/1.0 only when told to keep it.
  response.reusable = (response.reusable ? !close : keepAlive && !close) && !otherCoding;
  if (status === 204 || status === 304) return { kind: 'none' };
  if (chunked) return { kind: 'chunked' };
  if (otherCoding) return { kind: 'close' };
  if (length !== undefined) {
    if (!/^\d{1,15}$/.test(length)) throw new H1ProtocolError(`not a Content-Length: ${length.slice(0, 20)}`);
    return { kind: 'length', remaining: Number(length) };
  }
  response.reusable = false;
  return { kind: 'close' };
}

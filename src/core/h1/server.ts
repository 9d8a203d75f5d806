import { createServer, STATUS_CODES, type IncomingHttpHeaders, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { asksToClose, INCOMPLETE, OTHER, readRequestHead, TOKEN, type RequestHead } from './request-head.js';

// The listener's HTTP/1.1 server. A webhook is a small POST with a Content-Length, and node:http's
// server costs about as much per request as everything else the listener does (BENCHMARKS.md): this
// server answers such requests itself (request-head.ts says exactly which), on the socket, one at
// a time per connection, in order, when the whole request (head and body) has arrived by the time its
// head is read. Any other request hands its connection to node:http's own
// connection handler, with the bytes read so far put back, and node:http answers from then on with
// all of HTTP's rules. The handler gets the same two things either way: the request (whole, or
// node:http's stream) and an Answer.

/** A request that arrived whole on the fast path: its body is already in. */
export interface WholeRequest {
  readonly whole: true;
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  rawHeaders: string[];
  body: Buffer;
  socket: Socket;
}

/** What the handler answers with: the part of node:http's ServerResponse the listener uses, which Reply also is. */
export interface Answer {
  readonly headersSent: boolean;
  readonly destroyed: boolean;
  readonly writableEnded: boolean;
  setHeader(name: string, value: string): unknown;
  writeHead(status: number, headers: Record<string, string | number> | string[]): unknown;
  write(chunk: Buffer): boolean;
  end(chunk?: string, encoding?: BufferEncoding): unknown;
  destroy(): unknown;
  once(event: 'close' | 'drain', listener: () => void): unknown;
}

export type Handler = (req: IncomingMessage | WholeRequest, res: Answer) => void;

export interface H1ServerOptions {
  /** A client that has not sent its whole request by then gets 408 and is dropped. */
  requestTimeoutMs: number;
  /** Larger bodies go to node:http (the handler reads them as a stream, and may refuse them early). */
  maxBodyBytes: number;
}

/** An idle keep-alive connection is closed after this long (node:http's default keepAliveTimeout). */
const KEEP_ALIVE_MS = 5000;
const TIMED_OUT = `HTTP/1.1 408 ${STATUS_CODES[408]}\r\nConnection: close\r\n\r\n`;

/** One client connection on the fast path. */
interface Connection {
  socket: Socket;
  /** Bytes received and not yet taken as a request, in the parts they came in. */
  pending: Buffer[];
  pendingBytes: number;
  /** The request being answered; the next waits in `pending` until it is done. */
  reply: Reply | undefined;
  /** When the waiting started: for part of a request, or an idle connection (performance.now()). */
  since: number;
  /** No request yet: an idle wait counts against the request timeout, not the keep-alive one. */
  fresh: boolean;
  /** The client sent its last byte (half-close), or asked to close: close once answered. */
  closeAfter: boolean;
  /** No more requests are taken from it: it is closing. */
  done: boolean;
  /** next() is taking requests: an answer written meanwhile lets its loop go on rather than calling it again. */
  taking: boolean;
  /** This server's listeners on the socket, taken off when node:http takes it. */
  listeners: Record<string, (...args: any[]) => void>;
}

/** Starts nothing: `server` is a node:http Server whose connections this server sees first; listen on it. */
export class H1Server {
  readonly server: Server;
  private readonly connections = new Set<Connection>();
  private readonly handOff: ((socket: Socket) => void) | undefined;
  private sweeper: NodeJS.Timeout | undefined;
  private closing = false;

  constructor(private readonly options: H1ServerOptions, private readonly handler: Handler) {
    this.server = createServer({
      requestTimeout: options.requestTimeoutMs,
      headersTimeout: Math.min(options.requestTimeoutMs, 60_000),
      // Node checks those timeouts on this interval (30 s by default): check often enough to honour them.
      connectionsCheckingInterval: this.checkEveryMs(),
    }, handler as (req: IncomingMessage, res: ServerResponse) => void);
    // node:http's own connection handler, kept to hand connections to. A node:http that does not have
    // exactly one leaves it in place: every request then goes through node:http, as before this server.
    const listeners = this.server.listeners('connection');
    if (listeners.length !== 1) return;
    const nodeConnection = listeners[0] as (this: Server, socket: Socket) => void;
    this.server.removeListener('connection', nodeConnection);
    this.handOff = (socket) => nodeConnection.call(this.server, socket);
    this.server.on('connection', (socket: Socket) => this.accept(socket));
    this.server.on('listening', () => {
      this.sweeper = setInterval(() => this.sweep(), this.checkEveryMs()).unref();
    });
    this.server.on('close', () => clearInterval(this.sweeper));
  }

  /**
   * Closes idle connections now; one being answered closes once its answer is written (with
   * Connection: close), one in the middle of sending a request once that request is answered.
   */
  closeIdle(): void {
    this.closing = true;
    for (const connection of this.connections) if (!connection.reply && connection.pendingBytes === 0) connection.socket.destroy();
    this.server.closeIdleConnections();
  }

  closeAll(): void {
    for (const connection of this.connections) connection.socket.destroy();
    this.server.closeAllConnections();
  }

  private checkEveryMs(): number {
    return Math.min(1000, Math.max(50, Math.floor(this.options.requestTimeoutMs / 4)));
  }

  private accept(socket: Socket): void {
    const connection: Connection = {
      socket, pending: [], pendingBytes: 0, reply: undefined, since: performance.now(), fresh: true,
      closeAfter: false, done: false, taking: false, listeners: {},
    };
    connection.listeners = {
      data: (chunk: Buffer) => this.received(connection, chunk),
      end: () => this.ended(connection),
      drain: () => {
        // The client reads again: the answer streaming to it goes on, or the next request is taken.
        if (connection.reply) connection.reply.drained();
        else this.next(connection);
      },
      error: () => {},
      close: () => {
        this.connections.delete(connection);
        connection.reply?.closed();
      },
    };
    for (const [event, listener] of Object.entries(connection.listeners)) socket.on(event, listener);
    this.connections.add(connection);
  }

  private received(connection: Connection, chunk: Buffer): void {
    // A connection that is closing takes nothing more (node:http too ignores what follows Connection: close).
    if (connection.done) return;
    // A new connection's first request is timed from the connection, not from its first byte.
    if (connection.pendingBytes === 0 && !connection.fresh) connection.since = performance.now();
    connection.pending.push(chunk);
    connection.pendingBytes += chunk.length;
    // Requests wait while one is answered or the client is not reading its answers: bounded.
    if (connection.pendingBytes > this.waitingLimit()) connection.socket.pause();
    if (!connection.reply) this.next(connection);
  }

  private waitingLimit(): number {
    return this.options.maxBodyBytes + 64 * 1024;
  }

  /**
   * Takes the whole requests that are pending, one at a time: each is answered before the next is
   * taken. A loop rather than a call per answer, so that answers written at once (refusals) do not
   * nest calls, however many requests came pipelined. Stops at part of a request, at a request for
   * node:http (which then takes the connection), while the client is not reading its answers, and
   * when the connection is closing.
   */
  private next(connection: Connection): void {
    if (connection.taking) return;
    connection.taking = true;
    try {
      while (this.canTake(connection) && this.take(connection));
    } finally {
      connection.taking = false;
    }
    const { socket } = connection;
    if (socket.isPaused() && !connection.done && connection.pendingBytes <= this.waitingLimit()) socket.resume();
  }

  private canTake(connection: Connection): boolean {
    return !connection.reply && !connection.done && connection.pendingBytes > 0 && !connection.socket.writableNeedDrain;
  }

  /** Takes one request and hands it to the handler; false when there is none whole yet, or node:http took the connection. */
  private take(connection: Connection): boolean {
    const { pending } = connection;
    const data = pending.length === 1 ? pending[0]! : Buffer.concat(pending, connection.pendingBytes);
    connection.pending = [data];
    const head = readRequestHead(data, this.options.maxBodyBytes);
    if (head === INCOMPLETE) return false;
    const end = head === OTHER ? 0 : head.headBytes + head.bodyBytes;
    // Not the narrow form, or a head whose body is still coming: node:http takes the request as it
    // is. A body that never comes whole is then the handler's to see as cut short (journalled, and
    // shown), as every request is, rather than bytes this server would hold and drop unseen.
    if (head === OTHER || data.length < end) {
      this.giveUp(connection);
      return false;
    }
    const rest = data.subarray(end);
    connection.pending = rest.length > 0 ? [rest] : [];
    connection.pendingBytes = rest.length;
    connection.fresh = false;
    if (head.close) connection.closeAfter = true;
    connection.reply = new Reply(this, connection);
    this.handler(wholeRequest(head, data.subarray(head.headBytes, end), connection.socket), connection.reply);
    return true;
  }

  /** The answer is written: the next request, or the end of the connection. */
  answered(connection: Connection): void {
    connection.reply = undefined;
    const { socket } = connection;
    if (this.willClose(connection)) {
      connection.done = true;
      connection.pending = [];
      connection.pendingBytes = 0;
      socket.end(() => socket.destroy());
      return;
    }
    connection.since = performance.now();
    this.next(connection);
  }

  willClose(connection: Connection): boolean {
    return connection.closeAfter || this.closing;
  }

  /** Not a request this server answers: node:http takes the connection, with what was read of it. */
  private giveUp(connection: Connection): void {
    const { socket, pending } = connection;
    this.connections.delete(connection);
    // Nothing here touches the socket again: it is node:http's.
    connection.done = true;
    // Paused, so that the bytes put back wait for node:http's reader rather than going to no one.
    socket.pause();
    for (const [event, listener] of Object.entries(connection.listeners)) socket.removeListener(event, listener);
    socket.unshift(pending.length === 1 ? pending[0]! : Buffer.concat(pending, connection.pendingBytes));
    connection.pending = [];
    this.handOff!(socket);
    socket.resume();
  }

  /** The client sent its last byte. As node:http does, the connection closes: an answer still being made is not sent. */
  private ended(connection: Connection): void {
    connection.closeAfter = true;
    connection.done = true;
    if (connection.reply) connection.socket.end();
    else connection.socket.destroy();
  }

  /** Drops what has waited too long: part of a request (408, as node:http does) or an idle connection. */
  private sweep(): void {
    const now = performance.now();
    for (const connection of this.connections) {
      if (connection.reply) continue;
      const waited = now - connection.since;
      if (connection.pendingBytes > 0 || connection.fresh) {
        if (waited <= this.options.requestTimeoutMs) continue;
        // As node:http does: the 408 goes if it can, and the connection goes at once, whatever the client reads.
        connection.done = true;
        connection.socket.write(TIMED_OUT, 'latin1');
        connection.socket.destroy();
      } else if (waited > KEEP_ALIVE_MS) connection.socket.destroy();
    }
  }
}

function wholeRequest(head: RequestHead, body: Buffer, socket: Socket): WholeRequest {
  return { whole: true, method: head.method, url: head.url, headers: head.headers, rawHeaders: head.rawHeaders, body, socket };
}

/** A header value node:http would refuse to write (its checkInvalidHeaderChar). */
const INVALID_VALUE = /[^\t\x20-\x7e\x80-\xff]/;

/**
 * The answer to one request on the fast path. The head waits until the first body bytes or the end,
 * so that a small answer goes out in one write. Like node:http, it adds Date, says whether the
 * connection stays open, and frames a body of unknown length as chunked.
 */
class Reply implements Answer {
  headersSent = false;
  destroyed = false;
  writableEnded = false;
  private head = '';
  private extra: string[] = [];
  private chunked = false;
  private listeners: { event: 'close' | 'drain'; listener: () => void }[] = [];

  constructor(private readonly server: H1Server, private readonly connection: Connection) {}

  setHeader(name: string, value: string): void {
    const lower = name.toLowerCase();
    const kept: string[] = [];
    for (let i = 0; i < this.extra.length; i += 2) if (this.extra[i]!.toLowerCase() !== lower) kept.push(this.extra[i]!, this.extra[i + 1]!);
    this.extra = [...kept, name, value];
  }

  writeHead(status: number, headers: Record<string, string | number> | string[]): this {
    if (this.headersSent) throw new Error('the answer\'s head was already written');
    const flat = Array.isArray(headers) ? headers : Object.entries(headers).flatMap(([name, value]) => [name, String(value)]);
    const all = this.extra.length > 0 ? [...this.extra, ...flat] : flat;
    this.head = `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? 'unknown'}\r\n${this.headerLines(all, status)}\r\n`;
    this.headersSent = true;
    return this;
  }

  write(chunk: Buffer): boolean {
    if (this.destroyed || this.writableEnded) return false;
    const socket = this.connection.socket;
    socket.cork();
    this.flushHead();
    // An empty chunk would be the chunked body's last.
    const ok = !this.chunked ? socket.write(chunk) : chunk.length === 0 || this.writeChunk(chunk);
    socket.uncork();
    return ok;
  }

  end(chunk?: string, encoding: BufferEncoding = 'utf8'): this {
    if (this.destroyed || this.writableEnded) return this;
    const body = chunk ?? '';
    // As node:http does: an answer ended before its head was written has its length known.
    if (!this.headersSent) this.writeHead(200, { 'content-length': Buffer.byteLength(body, encoding) });
    this.writableEnded = true;
    const socket = this.connection.socket;
    const ascii = encoding === 'latin1' || Buffer.byteLength(body, encoding) === body.length;
    if (!this.chunked && ascii) {
      // The usual case: head and body in one write.
      socket.write(this.head + body, 'latin1');
      this.head = '';
    } else {
      socket.cork();
      this.flushHead();
      if (this.chunked) {
        if (body.length > 0) this.writeChunk(Buffer.from(body, encoding));
        socket.write('0\r\n\r\n', 'latin1');
      } else socket.write(body, encoding);
      socket.uncork();
    }
    this.emit('close');
    this.server.answered(this.connection);
    return this;
  }

  destroy(): void {
    if (this.destroyed) return;
    this.destroyed = true;
    this.connection.socket.destroy();
  }

  once(event: 'close' | 'drain', listener: () => void): this {
    this.listeners.push({ event, listener });
    return this;
  }

  /** The connection closed. */
  closed(): void {
    this.destroyed = true;
    this.emit('close');
  }

  drained(): void {
    this.emit('drain');
  }

  private emit(event: 'close' | 'drain'): void {
    const due = this.listeners.filter((entry) => entry.event === event);
    if (due.length === 0) return;
    this.listeners = this.listeners.filter((entry) => entry.event !== event);
    for (const entry of due) entry.listener();
  }

  private headerLines(headers: readonly string[], status: number): string {
    let lines = '';
    let date = false;
    let length = false;
    let connection = false;
    for (let i = 0; i < headers.length; i += 2) {
      const name = headers[i]!;
      const value = headers[i + 1]!;
      if (!TOKEN.test(name) || INVALID_VALUE.test(value)) throw new TypeError(`invalid character in the answer's header ${JSON.stringify(name)}`);
      const lower = name.length === 4 || name.length === 10 || name.length === 14 ? name.toLowerCase() : '';
      if (lower === 'date') date = true;
      else if (lower === 'content-length') length = true;
      else if (lower === 'connection') {
        connection = true;
        if (asksToClose(value)) this.connection.closeAfter = true;
      }
      lines += `${name}: ${value}\r\n`;
    }
    if (!date) lines += `Date: ${utcDate()}\r\n`;
    if (!connection) lines += this.server.willClose(this.connection) ? 'Connection: close\r\n' : `Connection: keep-alive\r\nKeep-Alive: timeout=${KEEP_ALIVE_MS / 1000}\r\n`;
    if (!length && status !== 204 && status !== 304 && status >= 200) {
      this.chunked = true;
      lines += 'Transfer-Encoding: chunked\r\n';
    }
    return lines;
  }

  private flushHead(): void {
    if (!this.head) return;
    this.connection.socket.write(this.head, 'latin1');
    this.head = '';
  }

  private writeChunk(chunk: Buffer): boolean {
    const socket = this.connection.socket;
    socket.write(`${chunk.length.toString(16)}\r\n`, 'latin1');
    socket.write(chunk);
    return socket.write('\r\n', 'latin1');
  }
}

let dateSecond = -1;
let dateText = '';

/** The Date header's value, made once a second. */
function utcDate(): string {
  const now = Date.now();
  const second = Math.floor(now / 1000);
  if (second !== dateSecond) {
    dateSecond = second;
    dateText = new Date(now).toUTCString();
  }
  return dateText;
}

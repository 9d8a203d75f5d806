import { connect, type Socket } from 'node:net';
import type { BodyStream, Flow } from '../body-stream.js';
import { H1ProtocolError, ResponseParser, type H1Response } from './parser.js';

// A small HTTP/1.1 client for plain-http origins: a pool of keep-alive connections, one request at a
// time on each, and a timeout that runs from the moment a request is asked for, queueing included
// (field-notes.md: "a timeout that starts after a connection-pool queue is no timeout"). It does
// what the listener's forwards and trigger's sends need and no more, at a fraction of undici's cost
// per request (BENCHMARKS.md); https origins stay on undici (send.ts, forward.ts).

/** One request, exactly as it goes on the wire (Host and Content-Length are added here). */
export interface H1Request {
  method: string;
  /** Path and query. */
  path: string;
  /** A flat name, value… list, or a map. Host, Content-Length and Transfer-Encoding given here are left out. */
  headers: readonly string[] | Readonly<Record<string, string>>;
  body: Buffer | string;
  /** This request's own timeout, instead of the pool's. */
  timeoutMs?: number;
  /**
   * Where the answer's body goes once it outgrows the pool's maxBodyBytes (the callback then gets
   * the first bytes, with `streamed`); without it, the rest is read and dropped. While a body
   * streams, the timeout counts from the last part received.
   */
  stream?: BodyStream | undefined;
}

export type H1Callback = (error: Error | undefined, response?: H1Response) => void;

export interface H1PoolOptions {
  /** At most this many connections at once; more requests wait in a queue. */
  connections: number;
  /** From asking to the end of the answer, queueing included. */
  timeoutMs: number;
  /** Bytes of each response body kept (the rest is read and counted, or streamed: H1Request.stream). */
  maxBodyBytes: number;
  /** An idle connection is closed after this long (before the server's own keep-alive timeout). */
  idleMs?: number;
}

/** Thrown into a request's callback when its time ran out. */
export class H1TimeoutError extends Error {
  override readonly name = 'TimeoutError';
}

interface Job {
  head: Buffer;
  callback: H1Callback;
  timer: NodeJS.Timeout;
  done: boolean;
  stream: BodyStream | undefined;
  connection?: Connection | undefined;
}

interface Connection {
  socket: Socket;
  parser: ResponseParser;
  job?: Job | undefined;
  idleTimer?: NodeJS.Timeout | undefined;
}

const SKIPPED = new Set(['host', 'content-length', 'transfer-encoding']);

export class H1Pool {
  private readonly host: string;
  private readonly port: number;
  private readonly hostHeader: string;
  private readonly idle: Connection[] = [];
  private readonly all = new Set<Connection>();
  private readonly queue: Job[] = [];
  private open = 0;
  private closed = false;

  constructor(origin: string, private readonly options: H1PoolOptions) {
    const url = new URL(origin);
    if (url.protocol !== 'http:') throw new Error(`H1Pool speaks plain http only, not ${url.protocol}`);
    this.host = url.hostname.replace(/^\[|\]$/g, '');
    this.port = Number(url.port || 80);
    this.hostHeader = url.host;
  }

  /** Sends a request; the callback runs once, with the response or an error. */
  request(request: H1Request, callback: H1Callback): void {
    const job: Job = { head: this.serialize(request), callback, done: false, timer: undefined as unknown as NodeJS.Timeout, stream: request.stream };
    job.timer = setTimeout(() => this.expire(job), request.timeoutMs ?? this.options.timeoutMs);
    if (this.closed) return this.settle(job, new Error('the connection pool is closed'));
    const connection = this.idle.pop();
    if (connection) return this.assign(connection, job);
    if (this.open < this.options.connections) return this.assign(this.connect(), job);
    this.queue.push(job);
  }

  /** Closes every connection; queued and unanswered requests fail at once. */
  async close(): Promise<void> {
    this.closed = true;
    const stopped = () => socketError('stopped before the app answered', 'ECONNABORTED');
    for (const job of this.queue.splice(0)) this.settle(job, stopped());
    this.idle.length = 0;
    for (const connection of this.all) {
      if (connection.job) this.settle(connection.job, stopped());
      connection.socket.destroy();
    }
  }

  private serialize(request: H1Request): Buffer {
    let head = `${request.method} ${request.path} HTTP/1.1\r\nhost: ${this.hostHeader}\r\n`;
    const headers = request.headers;
    if (Array.isArray(headers)) {
      for (let i = 0; i < headers.length; i += 2) {
        if (!SKIPPED.has(headers[i]!.toLowerCase())) head += `${headers[i]}: ${headers[i + 1]}\r\n`;
      }
    } else {
      for (const [name, value] of Object.entries(headers)) if (!SKIPPED.has(name.toLowerCase())) head += `${name}: ${value}\r\n`;
    }
    const bodyLength = typeof request.body === 'string' ? Buffer.byteLength(request.body) : request.body.length;
    head += `content-length: ${bodyLength}\r\n\r\n`;
    // One buffer, one write: the head as latin1 (header bytes as they came), then the body.
    const bytes = Buffer.allocUnsafe(Buffer.byteLength(head, 'latin1') + bodyLength);
    const at = bytes.write(head, 0, 'latin1');
    if (typeof request.body === 'string') bytes.write(request.body, at, 'utf8');
    else request.body.copy(bytes, at);
    return bytes;
  }

  private connect(): Connection {
    this.open++;
    const socket = connect({ host: this.host, port: this.port, noDelay: true });
    // One set of parser events per connection, not per request: they find the connection's job.
    const connection: Connection = {
      socket,
      parser: new ResponseParser(this.options.maxBodyBytes, {
        done: (response) => this.answered(connection, response),
        start: (response) => this.streamStarted(connection, response),
        data: (part) => this.streamed(connection, part),
      }),
    };
    this.all.add(connection);
    socket.on('data', (chunk: Buffer) => {
      try {
        connection.parser.feed(chunk);
      } catch (error) {
        this.fail(connection, error as Error);
      }
    });
    socket.on('end', () => {
      if (!connection.parser.end()) this.fail(connection, socketError('the app closed the connection before answering', 'UND_ERR_SOCKET'));
    });
    socket.on('error', (error) => this.fail(connection, error));
    socket.on('close', () => this.drop(connection));
    return connection;
  }

  private assign(connection: Connection, job: Job): void {
    clearTimeout(connection.idleTimer);
    connection.job = job;
    job.connection = connection;
    connection.parser.streams = job.stream !== undefined;
    connection.socket.write(job.head);
  }

  /** The answer's body outgrew maxBodyBytes: its reader takes it from here, and may pause this connection. */
  private streamStarted(connection: Connection, response: H1Response): void {
    const job = connection.job;
    if (!job?.stream) throw new H1ProtocolError('the app answered a request it was not sent');
    if (job.done) return;
    job.timer.refresh();
    const { socket } = connection;
    // A pause or resume that comes once the job is over must not touch the connection's next request.
    const flow: Flow = {
      pause: () => (connection.job === job ? void socket.pause() : undefined),
      resume: () => (connection.job === job ? void socket.resume() : undefined),
    };
    job.stream.start(response, flow);
  }

  private streamed(connection: Connection, part: Buffer): void {
    const job = connection.job;
    // The rest of a chunk that came after its job failed: dropped with the connection.
    if (!job?.stream || job.done) return;
    job.timer.refresh();
    job.stream.data(part);
  }

  private answered(connection: Connection, response: H1Response): void {
    const job = connection.job;
    connection.job = undefined;
    if (!job) return this.fail(connection, new H1ProtocolError('the app answered a request it was not sent'));
    this.settle(job, undefined, response);
    // Its reader may have paused it: the connection reads again for whoever uses it next.
    if (response.streamed) connection.socket.resume();
    if (!response.reusable || this.closed) {
      connection.socket.destroy();
      return;
    }
    const next = this.queue.shift();
    if (next) return this.assign(connection, next);
    this.idle.push(connection);
    connection.idleTimer = setTimeout(() => connection.socket.destroy(), this.options.idleMs ?? 4000);
    connection.idleTimer.unref();
  }

  /** The connection broke: its request (if any) fails; the connection is gone. */
  private fail(connection: Connection, error: Error): void {
    const job = connection.job;
    connection.job = undefined;
    if (job) this.settle(job, error);
    connection.socket.destroy();
  }

  private drop(connection: Connection): void {
    clearTimeout(connection.idleTimer);
    const job = connection.job;
    connection.job = undefined;
    if (job) this.settle(job, socketError('the connection closed before the app answered', 'ECONNRESET'));
    const at = this.idle.indexOf(connection);
    if (at >= 0) this.idle.splice(at, 1);
    this.all.delete(connection);
    this.open--;
    // A slot is free: a queued request gets a new connection.
    const next = this.queue.shift();
    if (next && !this.closed) this.assign(this.connect(), next);
  }

  private expire(job: Job): void {
    const queued = this.queue.indexOf(job);
    if (queued >= 0) this.queue.splice(queued, 1);
    this.settle(job, new H1TimeoutError('no answer in time'));
    // A request on the wire that timed out leaves its connection in an unknown state: close it.
    job.connection?.socket.destroy();
  }

  private settle(job: Job, error: Error | undefined, response?: H1Response): void {
    if (job.done) return;
    job.done = true;
    clearTimeout(job.timer);
    job.callback(error, response);
  }
}

function socketError(message: string, code: string): Error {
  return Object.assign(new Error(message), { code });
}

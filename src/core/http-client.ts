import type { IncomingHttpHeaders } from 'node:http';
import * as tls from 'node:tls';
import { Pool, type Dispatcher } from 'undici';
import { KeptPrefix, type BodyStream } from './body-stream.js';
import { flattenHeaders } from './headers.js';

// The one HTTP client of the tool: undici, for http and https alike. The listener's forwards
// (listen/forward.ts) and every send (send.ts: trigger, events resend, check, the emulator's
// deliveries) go through sendRequest(), over a keep-alive Pool per origin.

/** One request, exactly as it goes on the wire; undici writes Host first and Content-Length last. */
export interface HttpRequest {
  method: string;
  /** Path and query. */
  path: string;
  /** A flat name, value… list (names in their case and order, repeats kept), or a map. */
  headers: readonly string[] | Readonly<Record<string, string>>;
  body: Buffer | string;
}

/** What came back: the status, the headers as received and the body (or, when `streamed`, its first bytes). */
export interface HttpReply {
  status: number;
  /** Flat name, value… list: names in their case and order, repeats kept. */
  headers: string[];
  body: Buffer;
  /** The body outgrew `maxBodyBytes` and the rest went to the stream given. */
  streamed: boolean;
}

export interface ReplyLimits {
  /**
   * From this call to the end of the answer, the time spent waiting for a free connection included
   * (field-notes.md: "a timeout that starts after a connection-pool queue is no timeout"). Once a
   * large answer streams, it is the longest pause between two of its parts instead.
   */
  timeoutMs: number;
  /** Bytes of the body kept; the rest is read and dropped, or handed to `stream`. */
  maxBodyBytes: number;
  stream?: BodyStream | undefined;
}

/** A request that was not answered in time. Its name is what classifyNetworkError() looks for. */
export class RequestTimeoutError extends Error {
  override readonly name = 'TimeoutError';
}

/** Which certificates an https origin may present, beyond those the system trusts. */
export interface TlsTrust {
  /** More CA certificates to trust (PEM), in addition to the system's: a local CA such as mkcert's. */
  ca?: string | undefined;
  /** Trust any certificate: no check at all. */
  insecure?: boolean | undefined;
}

/**
 * Keep-alive connections to one origin, one request at a time on each. A connection that takes longer
 * than `connectTimeoutMs` to open fails as a timeout (undici's own default is 10 s).
 */
export function originPool(origin: string, connections: number, connectTimeoutMs: number, trust?: TlsTrust): Pool {
  return new Pool(origin, { connections, pipelining: 1, connect: { timeout: connectTimeoutMs, ...tlsOptions(trust) } });
}

/**
 * The TLS connect options of a trust, made once per pool. An added CA is one secure context made here: given
 * as `ca`, Node would build a context of all ~150 roots on every new connection (about 70 ms each).
 */
function tlsOptions(trust: TlsTrust | undefined): { secureContext?: tls.SecureContext; rejectUnauthorized?: boolean } {
  if (trust?.insecure) return { rejectUnauthorized: false };
  // Node's `ca` replaces the default list: give the defaults again (with NODE_EXTRA_CA_CERTS, where
  // this Node can list them), then the one added.
  if (trust?.ca) return { secureContext: tls.createSecureContext({ ca: [...systemCertificates(), trust.ca] }) };
  return {};
}

function systemCertificates(): readonly string[] {
  // tls.getCACertificates came in Node 22.15 / 23.5 (not in Node 20's types); before it, the bundled roots.
  const list = (tls as { getCACertificates?: (type: 'default') => string[] }).getCACertificates;
  return typeof list === 'function' ? list('default') : tls.rootCertificates;
}

/** Sends one request; resolves with the answer, rejects with undici's error or a RequestTimeoutError. */
export function sendRequest(dispatcher: Dispatcher, request: HttpRequest, limits: ReplyLimits): Promise<HttpReply> {
  return new Promise<HttpReply>((resolve, reject) => {
    const collector = new ResponseCollector(
      limits.maxBodyBytes,
      (error) => {
        if (error) reject(error);
        else
          resolve({
            status: collector.status,
            headers: collector.headerList(),
            body: collector.body(),
            streamed: collector.streamed,
          });
      },
      limits.stream,
    );
    // The collector's timer is the only limit: undici's own timeouts start only once the request is
    // written, and its bodyTimeout does not run while a streamed answer is paused for a slow reader.
    collector.expireIn(limits.timeoutMs);
    dispatcher.dispatch(
      {
        path: request.path,
        method: request.method as Dispatcher.HttpMethod,
        headers: request.headers as string[],
        body: request.body,
      },
      collector,
    );
  });
}

/**
 * An undici dispatch handler that gathers one response: status, headers and body (its first
 * `maxBytes`; the rest is read and dropped, or handed to `stream` when one is given), then calls
 * `done` once: at the end, on error, or when it gives up (expireIn).
 */
export class ResponseCollector implements Dispatcher.DispatchHandler {
  status = 0;
  /** Bytes of body received, kept or not. */
  size = 0;
  /** Whether the body outgrew `maxBytes` and the rest went to the stream. */
  streamed = false;
  private headers: IncomingHttpHeaders = {};
  private rawHeaders: unknown;
  private readonly kept: KeptPrefix;
  private controller: Dispatcher.DispatchController | undefined;
  private timer: NodeJS.Timeout | undefined;
  private failure: Error | undefined;
  private finished = false;

  constructor(
    maxBytes: number,
    private readonly done: (error?: Error) => void,
    private readonly stream?: BodyStream,
  ) {
    this.kept = new KeptPrefix(maxBytes);
  }

  /**
   * Gives up `ms` from now unless the answer has come by then (once it streams, `ms` after its last
   * part): a request still waiting for a connection is then dropped unsent, one in flight is aborted
   * (its connection closed).
   */
  expireIn(ms: number): void {
    this.timer = setTimeout(() => this.giveUp(new RequestTimeoutError(`no answer within ${ms} ms`)), ms);
  }

  onRequestStart(controller: Dispatcher.DispatchController): void {
    this.controller = controller;
    // Given up while it waited for a connection: thrown rather than aborted, undici drops the request
    // unwritten and keeps the connection (an abort here would close it).
    if (this.finished) throw this.failure ?? new Error('given up');
  }

  onResponseStart(controller: Dispatcher.DispatchController, statusCode: number, headers: IncomingHttpHeaders): void {
    this.status = statusCode;
    this.headers = headers;
    this.rawHeaders = controller.rawHeaders;
  }

  onResponseData(controller: Dispatcher.DispatchController, chunk: Buffer): void {
    if (this.finished) return;
    this.size += chunk.length;
    if (this.streamed) {
      // Each part gives the answer time again: a slow reader is no timeout, a stalled one is.
      this.timer?.refresh();
      return this.stream!.data(chunk);
    }
    const rest = this.kept.take(chunk);
    if (!rest || !this.stream) return;
    // Too large to hold: the head and the first bytes go now, the rest as it comes.
    this.streamed = true;
    this.timer?.refresh();
    this.stream.start({ status: this.status, headers: this.headerList(), body: this.body() }, controller);
    this.stream.data(rest);
  }

  onResponseEnd(): void {
    this.finish();
  }

  onResponseError(_controller: Dispatcher.DispatchController, error: Error): void {
    this.finish(error);
  }

  /** The body kept. */
  body(): Buffer {
    return this.kept.body();
  }

  /** The headers as a flat name, value… list: as received (case and order) when undici gives them raw. */
  headerList(): string[] {
    if (Array.isArray(this.rawHeaders))
      return (this.rawHeaders as (Buffer | string)[]).map((item) =>
        typeof item === 'string' ? item : item.toString('latin1'),
      );
    return flattenHeaders(this.headers);
  }

  private giveUp(error: Error): void {
    if (this.finished) return;
    this.failure = error;
    this.finish(error);
    this.controller?.abort(error);
  }

  private finish(error?: Error): void {
    if (this.finished) return;
    this.finished = true;
    clearTimeout(this.timer);
    this.done(error);
  }
}

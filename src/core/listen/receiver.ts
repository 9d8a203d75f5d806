import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { failure } from '../../errors.js';
import { randomId } from '../events/payload.js';
import { envelopeSchema, isEnvelope } from '../events/schemas.js';
import { SIGNATURE_HEADER, sign, verify, type VerifyResult } from '../signing/signature.js';
import { Forwarder, type ForwardOutcome } from './forward.js';
import type { JournalWriter } from './journal.js';
import type { ForwardResult, RequestRecord, Verification } from './records.js';
import { forwardUrl } from './targets.js';

export interface ReceiverOptions {
  host: string;
  port: number;
  /** The path webhooks are accepted on, e.g. /webhooks/datachonk. */
  path: string;
  /** Signing secrets: a request verifies if it is signed with any of them. */
  secrets: readonly string[];
  /**
   * The secret the app verifies with. A request verified with another of `secrets` (a session's
   * registered webhook) is forwarded with its signature made again with this one; the body is
   * never touched. Undefined: signatures always go on as received.
   */
  forwardSecret?: string | undefined;
  /** Accept requests whose signature is missing or wrong, marked as unverified. */
  skipVerify: boolean;
  /** Forward only these event types (others are acknowledged); undefined for all. */
  events?: ReadonlySet<string> | undefined;
  targets: readonly URL[];
  forwardTimeoutMs: number;
  maxBodyBytes: number;
  /** A client that has not sent its whole request by then gets 408 and is dropped. */
  requestTimeoutMs: number;
  /** How long shutdown waits for in-flight forwards. */
  drainTimeoutMs: number;
  journal?: JournalWriter | undefined;
  now: () => Date;
  monotonic: () => number;
}

/** How the listener answered a request that it did not forward. */
export type Disposition =
  | { kind: 'forwarding' }
  | { kind: 'acknowledged'; filtered: boolean }
  | { kind: 'rejected'; status: number; reason: string };

/** A request as the listener saw it, reported before anything is forwarded. */
export interface ReceivedRequest {
  rid: string;
  receivedAt: Date;
  method: string;
  /** Path and query as received. */
  url: string;
  headers: IncomingMessage['headers'];
  bodyBytes: number;
  verification: Verification | undefined;
  event?: string | undefined;
  eventId?: string | undefined;
  payload?: Record<string, unknown> | undefined;
  disposition: Disposition;
}

/** What the listener tells its reporter; it never prints. */
export interface ReceiverReporter {
  received(request: ReceivedRequest): void;
  forwarded(request: ReceivedRequest, result: ForwardResult): void;
  /** Everything about one request is known (all forwards done). */
  completed(request: ReceivedRequest, results: readonly ForwardResult[]): void;
  /** Something went wrong that does not stop the listener (a journal write failed, …). */
  warning(message: string): void;
}

export interface Receiver {
  /** http://host:port<path> */
  url: string;
  port: number;
  /** Stops accepting, lets in-flight requests finish (bounded), closes the pools. */
  close(): Promise<void>;
}

const json = (value: unknown) => JSON.stringify(value);
const FORWARDING: Disposition = { kind: 'forwarding' };
const VALID: Verification = { status: 'valid' };

/** Starts the listener. Rejects with a clear error when the port is taken. */
export async function startReceiver(options: ReceiverOptions, reporter: ReceiverReporter): Promise<Receiver> {
  const forwarders = options.targets.map((target) => new Forwarder(target, options.forwardTimeoutMs, options.monotonic));
  // Requests being handled, and who waits for them to be done (close()). A count, not a set of
  // promises: this path runs for every event, and was measured (issue 6).
  let inFlight = 0;
  let drained: (() => void) | undefined;
  /** One request is done (once, whatever calls it again). */
  const releaser = () => {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      if (--inFlight === 0 && drained) drained();
    };
  };
  const server: Server = createServer({
    requestTimeout: options.requestTimeoutMs,
    headersTimeout: Math.min(options.requestTimeoutMs, 60_000),
    // Node checks those timeouts on this interval (30 s by default): check often enough to honour them.
    connectionsCheckingInterval: Math.min(1000, Math.max(50, Math.floor(options.requestTimeoutMs / 4))),
  }, (req, res) => {
    inFlight++;
    const done = releaser();
    try {
      accept(req, res, done);
    } catch (error) {
      internalError(res, error, done);
    }
  });

  function internalError(res: ServerResponse, error: unknown, done: () => void): void {
    reporter.warning(`internal error while handling a request: ${(error as Error).message}`);
    if (!res.headersSent) send(res, 500, json({ error: 'internal error in datachonk listen' }));
    done();
  }

  /** Checks the path and method, then reads the body. */
  function accept(req: IncomingMessage, res: ServerResponse, done: () => void): void {
    const url = req.url ?? '/';
    const q = url.indexOf('?');
    const pathname = q < 0 ? url : url.slice(0, q);
    const request = newRequest(req, url);
    if (pathname !== options.path) {
      return reject(request, res, done, 404, `not found: datachonk listens on POST ${options.path}`);
    }
    if (req.method !== 'POST') {
      res.setHeader('allow', 'POST');
      return reject(request, res, done, 405, `method ${req.method} not allowed: send a POST`);
    }
    readBody(req, options.maxBodyBytes, (body) => {
      try {
        received(req, res, done, request, body);
      } catch (error) {
        internalError(res, error, done);
      }
    });
  }

  function newRequest(req: IncomingMessage, url: string): ReceivedRequest {
    return {
      rid: randomId('rcv_', 16), receivedAt: options.now(), method: req.method ?? '', url, headers: req.headers, bodyBytes: 0,
      verification: undefined, event: undefined, eventId: undefined, payload: undefined, disposition: FORWARDING,
    };
  }

  /** The whole body is in (or was refused): verify, parse, journal, then forward or answer. */
  function received(req: IncomingMessage, res: ServerResponse, done: () => void, request: ReceivedRequest, body: Buffer | 'too-large' | 'aborted'): void {
    if (body === 'too-large') {
      // Answered while the client may still be sending: close the connection after the answer.
      res.setHeader('connection', 'close');
      return reject(request, res, done, 413, `the body is larger than ${options.maxBodyBytes} bytes (--max-body)`);
    }
    if (body === 'aborted') {
      request.disposition = { kind: 'rejected', status: 0, reason: 'the client stopped before sending the whole body (disconnected or timed out)' };
      reporter.received(request);
      reporter.completed(request, []);
      done();
      return;
    }
    request.bodyBytes = body.length;
    const { result: checked, secret: matched } = verifyAny(options.secrets, body, req.headers[SIGNATURE_HEADER]);
    request.verification = checked.ok ? VALID
      : options.skipVerify ? { status: 'skipped', reason: checked.message } : { status: 'invalid', reason: checked.message };
    if (!checked.ok && !options.skipVerify) {
      // Named in the output and the journal so the user can tell which event failed, but not trusted.
      const claimed = envelopeSchema.safeParse(parseJsonOrUndefined(body));
      if (claimed.success) {
        request.event = claimed.data.event;
        request.eventId = claimed.data.id;
      }
      return reject(request, res, done, 401, `invalid signature: ${checked.message}`, body);
    }
    const parsed = parseJsonOrUndefined(body);
    if (parsed === undefined) return reject(request, res, done, 400, 'the body is not JSON', body);
    const envelope = isEnvelope(parsed) ? { success: true as const, data: parsed } : envelopeSchema.safeParse(parsed);
    if (!envelope.success) {
      const issue = envelope.error.issues[0]!;
      return reject(request, res, done, 400, `the body is not a DataChonk event: ${issue.path.join('.') || '(body)'}: ${issue.message}`, body);
    }
    request.event = envelope.data.event;
    request.eventId = envelope.data.id;
    request.payload = envelope.data;

    const filtered = options.events !== undefined && !options.events.has(envelope.data.event);
    if (filtered || forwarders.length === 0) {
      request.disposition = { kind: 'acknowledged', filtered };
      journal(request, res, done, body, [], 200, undefined, () => {
        reporter.received(request);
        send(res, 200, json(filtered ? { received: true, forwarded: false } : { received: true }));
        reporter.completed(request, []);
        done();
      });
      return;
    }
    const targets = forwarders.map((f) => forwardUrl(f.target, request.url));
    const resigned = matched && options.forwardSecret && matched !== options.forwardSecret ? sign(options.forwardSecret, body) : undefined;
    // Journalled before forwarding, so a crash of the listener or of the app loses nothing.
    journal(request, res, done, body, targets, undefined, resigned, () => forward(req, res, done, request, body, targets, resigned));
  }

  function forward(req: IncomingMessage, res: ServerResponse, done: () => void, request: ReceivedRequest, body: Buffer,
    targets: readonly string[], resigned: string | undefined): void {
    reporter.received(request);
    const input = { method: 'POST', headers: req.rawHeaders, signature: resigned, body, remoteAddress: req.socket.remoteAddress };
    const finish = (results: ForwardResult[]) => {
      // The event is already in the journal; its outcome can wait for the end of this turn.
      options.journal?.append({ type: 'forwards', rid: request.rid, at: options.now().toISOString(), results });
      reporter.completed(request, results);
      done();
    };
    if (forwarders.length === 1) {
      forwarders[0]!.forward(targets[0]!, input).then((outcome) => {
        reporter.forwarded(request, outcome.result);
        send(res, outcome.status, outcome.body, outcome.contentType);
        finish([outcome.result]);
      }).catch((error: unknown) => internalError(res, error, done));
      return;
    }
    const forwards = forwarders.map((forwarder, i) => forwarder.forward(targets[i]!, input).then((outcome) => {
      reporter.forwarded(request, outcome.result);
      return outcome;
    }));
    // The sender gets the first target's answer as soon as it is known.
    void forwards[0]!.then((first) => send(res, first.status, first.body, first.contentType));
    Promise.all(forwards).then((outcomes) => finish(outcomes.map((o) => o.result))).catch((error: unknown) => internalError(res, error, done));
  }

  function reject(request: ReceivedRequest, res: ServerResponse, done: () => void, status: number, reason: string, body?: Buffer): void {
    request.disposition = { kind: 'rejected', status, reason };
    const answer = () => {
      reporter.received(request);
      send(res, status, json({ error: reason }));
      reporter.completed(request, []);
      done();
    };
    // Requests to other paths or with other methods are not webhooks: answered, not journalled.
    if (body) journal(request, res, done, body, [], status, undefined, answer);
    else answer();
  }

  /**
   * Puts the request in the journal, then goes on (`then`): the request is in the file before it is
   * forwarded or answered. Without a journal, goes on at once.
   */
  function journal(request: ReceivedRequest, res: ServerResponse, done: () => void, body: Buffer, targets: readonly string[],
    responseStatus: number | undefined, forwardedSignature: string | undefined, then: () => void): void {
    if (!options.journal) return then();
    const record: RequestRecord = {
      type: 'request',
      rid: request.rid,
      received_at: request.receivedAt.toISOString(),
      method: request.method,
      path: request.url,
      headers: request.headers as RequestRecord['headers'],
      body: body.toString('base64'),
      verification: request.verification ?? { status: 'skipped' },
      targets: [...targets],
    };
    if (responseStatus !== undefined) record.response_status = responseStatus;
    if (request.event) record.event = request.event;
    if (request.eventId) record.event_id = request.eventId;
    if (request.disposition.kind === 'acknowledged' && request.disposition.filtered) record.filtered = true;
    if (forwardedSignature) record.forwarded_signature = forwardedSignature;
    const file = options.journal.file;
    options.journal.commit(record, (error) => {
      // Delivering matters more than recording: say so, and go on.
      if (error) reporter.warning(`could not write to the journal ${file}: ${error.message}`);
      try {
        then();
      } catch (failure) {
        internalError(res, failure, done);
      }
    });
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'EADDRINUSE') {
        reject(failure(`port ${options.port} on ${options.host} is already in use`,
          'is another `datachonk listen` running? pick another port with --port (0 picks a free one)'));
      } else if (error.code === 'EACCES' || error.code === 'EADDRNOTAVAIL') {
        reject(failure(`cannot listen on ${options.host}:${options.port}: ${error.code}`, 'pick another --host or --port'));
      } else reject(error);
    });
    server.listen(options.port, options.host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const host = options.host.includes(':') ? `[${options.host}]` : options.host;

  return {
    url: `http://${host}:${port}${options.path}`,
    port,
    async close() {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      let timer: NodeJS.Timeout | undefined;
      if (inFlight > 0) {
        await new Promise<void>((resolve) => {
          drained = resolve;
          timer = setTimeout(resolve, options.drainTimeoutMs);
        });
      }
      clearTimeout(timer);
      server.closeAllConnections();
      await closed;
      await Promise.all(forwarders.map((f) => f.close().catch(() => {})));
    },
  };
}

/** Verifies with each secret in turn; says which one matched. */
function verifyAny(secrets: readonly string[], body: Buffer, header: string | string[] | undefined): { result: VerifyResult; secret?: string } {
  let first: VerifyResult | undefined;
  for (const secret of secrets) {
    const result = verify(secret, body, header);
    if (result.ok) return { result, secret };
    first ??= result;
  }
  return { result: first ?? verify('', body, header) };
}

function parseJsonOrUndefined(body: Buffer): unknown {
  try {
    return JSON.parse(body.toString('utf8'));
  } catch {
    return undefined;
  }
}

/** Reads the whole body, stopping at the cap: 413 is answered while the client is still sending. */
function readBody(req: IncomingMessage, max: number, then: (body: Buffer | 'too-large' | 'aborted') => void): void {
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > max) {
    req.resume();
    then('too-large');
    return;
  }
  const chunks: Buffer[] = [];
  let size = 0;
  let finished = false;
  const finish = (value: Buffer | 'too-large' | 'aborted') => {
    if (finished) return;
    finished = true;
    then(value);
  };
  req.on('data', (chunk: Buffer) => {
    if (finished) return;
    size += chunk.length;
    if (size > max) {
      chunks.length = 0;
      finish('too-large');
      return;
    }
    chunks.push(chunk);
  });
  req.on('end', () => finish(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size)));
  req.on('error', () => finish('aborted'));
  req.on('close', () => {
    if (!req.complete) finish('aborted');
  });
}

// A string body goes out in one write with the head; a Buffer takes a writev, which costs more. The
// app's bytes go as latin1 text, one character per byte, so they reach the sender unchanged.
function send(res: ServerResponse, status: number, body: Buffer | string, contentType = 'application/json'): void {
  if (res.headersSent || res.destroyed) return;
  if (typeof body === 'string') {
    res.writeHead(status, { 'content-type': contentType, 'content-length': Buffer.byteLength(body) });
    res.end(body);
  } else {
    res.writeHead(status, { 'content-type': contentType, 'content-length': body.length });
    res.end(body.toString('latin1'), 'latin1');
  }
}

import type { IncomingMessage, Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Failure } from '../../failure.js';
import { randomId } from '../events/payload.js';
import { H1Server, type Answer, type WholeRequest } from '../h1/server.js';
import { SIGNATURE_HEADER } from '../signing/signature.js';
import { answer, SenderStream } from './answer.js';
import { DECODABLE } from './content-coding.js';
import { decideBody, decideHead, type Acceptance, type Decision, type ListenRules, type ReceivedBody, type Rejection } from './decide.js';
import { ANSWERED_BY_HEADER, ANSWERED_BY_LISTENER, Forwarder, forwardHeaders } from './forward.js';
import type { JournalWriter } from './journal.js';
import type { ForwardResult, RequestRecord, Verification } from './records.js';
import { isProbe, PROBE_HEADER } from './tunnel-health.js';

// The listener's request path, second half: the executor. Each request is one Exchange; decide.ts
// says what to do with it, and this file does it: journal, forward, answer, report. Callbacks rather
// than promises, as this runs for every event and was measured (BENCHMARKS.md).

export interface ReceiverOptions extends ListenRules {
  host: string;
  port: number;
  forwardTimeoutMs: number;
  /** A client that has not sent its whole request by then gets 408 and is dropped. */
  requestTimeoutMs: number;
  /** How long shutdown waits for in-flight forwards. */
  drainTimeoutMs: number;
  journal?: JournalWriter | undefined;
  /** The session's check of its public URL carries this token (tunnel-health.ts); undefined: no checks. */
  probeToken?: string | undefined;
  now: () => Date;
  monotonic: () => number;
}

/** How the listener answered a request that it did not forward. */
export type Disposition =
  | { kind: 'forwarding' }
  | { kind: 'acknowledged'; filtered: boolean; unrouted?: boolean | undefined }
  | { kind: 'rejected'; status: number; reason: string; code: Rejection['code'] };

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
  /** Requests received and not yet answered and done with. */
  inFlight(): number;
  /** Stops accepting, lets in-flight requests finish (bounded), closes the pools. */
  close(): Promise<void>;
}

/** One request on its way through the listener. */
interface Exchange {
  /** Whole when it came through the listener's own server; node:http's stream otherwise (h1/server.ts). */
  req: IncomingMessage | WholeRequest;
  res: Answer;
  request: ReceivedRequest;
  body?: Buffer | undefined;
  /** Marks the request done (once). */
  done: () => void;
}

/** What the executor works with: the options, the reporter, the forwarders, the in-flight count. */
interface Listener {
  options: ReceiverOptions;
  reporter: ReceiverReporter;
  forwarders: Forwarder[];
  inFlight: number;
  drained?: (() => void) | undefined;
}

const FORWARDING: Disposition = { kind: 'forwarding' };

/** Starts the listener. Rejects with a Failure when the port is taken. */
export async function startReceiver(options: ReceiverOptions, reporter: ReceiverReporter): Promise<Receiver> {
  const listener: Listener = {
    options, reporter, inFlight: 0,
    forwarders: options.targets.map((target) => new Forwarder(target, options.forwardTimeoutMs, options.monotonic)),
  };
  const h1 = new H1Server(
    { requestTimeoutMs: options.requestTimeoutMs, maxBodyBytes: options.maxBodyBytes },
    (req, res) => handle(listener, req, res),
  );
  await listen(h1.server, options);
  const { port } = h1.server.address() as AddressInfo;
  const host = options.host.includes(':') ? `[${options.host}]` : options.host;
  return { url: `http://${host}:${port}${options.path}`, port, inFlight: () => listener.inFlight, close: () => close(listener, h1) };
}

function handle(listener: Listener, req: IncomingMessage | WholeRequest, res: Answer): void {
  // The session's own check that its tunnel still reaches it: answered here, not journalled, not reported.
  if (isProbe(req, listener.options.probeToken)) {
    if (!('whole' in req)) req.resume();
    res.writeHead(204, { [PROBE_HEADER]: listener.options.probeToken!, [ANSWERED_BY_HEADER]: ANSWERED_BY_LISTENER });
    res.end();
    return;
  }
  listener.inFlight++;
  const exchange: Exchange = { req, res, request: newRequest(listener, req), done: releaser(listener) };
  guarded(listener, exchange, () => {
    const refused = decideHead(exchange.request, listener.options);
    if (refused) return act(listener, exchange, refused);
    readBody(req, listener.options.maxBodyBytes, (body) => guarded(listener, exchange, () => received(listener, exchange, body)));
  });
}

function newRequest(listener: Listener, req: IncomingMessage | WholeRequest): ReceivedRequest {
  return {
    rid: randomId('rcv_', 16), receivedAt: listener.options.now(), method: req.method ?? '', url: req.url ?? '/', headers: req.headers,
    bodyBytes: 0, verification: undefined, event: undefined, eventId: undefined, payload: undefined, disposition: FORWARDING,
  };
}

/** The whole body is in (or was refused): decide, then act. */
function received(listener: Listener, exchange: Exchange, body: ReceivedBody): void {
  const { request, req } = exchange;
  if (typeof body !== 'string') {
    exchange.body = body;
    request.bodyBytes = body.length;
  }
  const head = { method: request.method, url: request.url, signature: req.headers[SIGNATURE_HEADER], encoding: req.headers['content-encoding'] };
  act(listener, exchange, decideBody(head, body, listener.options));
}

/** Carries out a decision: journal first (when it is a webhook), then answer or forward. */
function act(listener: Listener, exchange: Exchange, decision: Decision): void {
  const { request } = exchange;
  request.verification = decision.verification;
  if (decision.verdict === 'reject') {
    request.disposition = { kind: 'rejected', status: decision.status, reason: decision.reason, code: decision.code };
    request.event = decision.claimed?.event;
    request.eventId = decision.claimed?.id;
    // Too large: answered while the client may still be sending. The connection stays open and the rest
    // is read and dropped (node:http's request timeout bounds how long): closed at once, the client's
    // unread bytes would reset it, and a client still sending would often lose the 413.
    if (decision.code === 'method-not-allowed') exchange.res.setHeader('allow', 'POST');
    // RFC 9110 §15.5.16: a 415 for a content coding says which ones would do.
    if (decision.code === 'unsupported-encoding') exchange.res.setHeader('accept-encoding', DECODABLE);
    const answer = () => finish(listener, exchange, decision.status, { error: decision.reason });
    // Every request is journalled, refused ones too (a GET, another path, a body too large): events list shows what the listener saw.
    return journal(listener, exchange, decision, answer);
  }
  request.event = decision.envelope.event;
  request.eventId = decision.envelope.id;
  request.payload = decision.envelope;
  if (decision.routes.length === 0) {
    request.disposition = { kind: 'acknowledged', filtered: decision.filtered, unrouted: decision.unrouted };
    const answer = decision.filtered || decision.unrouted ? { received: true, forwarded: false } : { received: true };
    return journal(listener, exchange, decision, () => finish(listener, exchange, 200, answer));
  }
  // Journalled before forwarding, so a crash of the listener or of the app loses nothing.
  journal(listener, exchange, decision, () => forward(listener, exchange, decision));
}

/** Answers a request that is not forwarded, and reports it. */
function finish(listener: Listener, exchange: Exchange, status: number, answer: object): void {
  listener.reporter.received(exchange.request);
  if (status > 0) send(exchange.res, status, JSON.stringify(answer));
  listener.reporter.completed(exchange.request, []);
  exchange.done();
}

/**
 * Forwards to every target; the sender gets the first target's answer as soon as it is known. What is
 * printed is printed after the request is on its way and after the sender has its answer: the
 * reporter's work is not part of the time an event takes to go through (BENCHMARKS.md, latency).
 */
function forward(listener: Listener, exchange: Exchange, decision: Acceptance): void {
  const { request, req, res } = exchange;
  const body = exchange.body!;
  const results: ForwardResult[] = new Array(decision.routes.length);
  let pending = results.length;
  // Reported once, before anything about its forwards (a forward can fail at once, in forwardThen).
  let reported = false;
  const reportReceived = () => {
    if (reported) return;
    reported = true;
    listener.reporter.received(request);
  };
  try {
    // The headers are the same for every target: made once per event.
    const headers = forwardHeaders({ method: 'POST', headers: req.rawHeaders, signature: decision.signature, body, remoteAddress: req.socket.remoteAddress });
    const input = { method: 'POST', headers, body };
    decision.routes.forEach((route, i) => listener.forwarders[route.target]!.forwardThen(route.url, input, (outcome) => guarded(listener, exchange, () => {
      if (i === 0) answer(res, outcome);
      reportReceived();
      listener.reporter.forwarded(request, outcome.result);
      results[i] = outcome.result;
      if (--pending > 0) return;
      // The event is already in the journal; its outcome can wait for the end of this turn.
      listener.options.journal?.append({ type: 'forwards', rid: request.rid, at: listener.options.now().toISOString(), results });
      listener.reporter.completed(request, results);
      exchange.done();
    }), i === 0 ? new SenderStream(res) : undefined));
  } finally {
    // Also when starting a forward threw (an internal error): the request was received all the same.
    reportReceived();
  }
}

/**
 * Puts the request in the journal, then goes on (`then`): the request is in the file before it is
 * forwarded or answered. Without a journal, goes on at once.
 */
function journal(listener: Listener, exchange: Exchange, decision: Decision, then: () => void): void {
  const writer = listener.options.journal;
  if (!writer) return then();
  writer.commit(requestRecord(exchange, decision), (error) => {
    // Delivering matters more than recording: say so, and go on.
    if (error) listener.reporter.warning(`could not write to the journal ${writer.file}: ${error.message}`);
    guarded(listener, exchange, then);
  });
}

function requestRecord({ request, body, req }: Exchange, decision: Decision): RequestRecord {
  const record: RequestRecord = {
    type: 'request', rid: request.rid, received_at: request.receivedAt.toISOString(), method: request.method, path: request.url,
    headers: request.headers as RequestRecord['headers'], raw_headers: req.rawHeaders, body: (body ?? Buffer.alloc(0)).toString('base64'),
    verification: request.verification ?? { status: 'unchecked' }, targets: decision.verdict === 'accept' ? decision.routes.map((route) => route.url) : [],
  };
  if (decision.verdict === 'reject') record.response_status = decision.status;
  else if (decision.routes.length === 0) record.response_status = 200;
  if (request.event) record.event = request.event;
  if (request.eventId) record.event_id = request.eventId;
  if (decision.verdict === 'accept' && decision.filtered) record.filtered = true;
  if (decision.verdict === 'accept' && decision.signature) record.forwarded_signature = decision.signature;
  return record;
}

/** Runs a step; an unexpected error becomes a 500, a warning, and the end of the request. */
function guarded(listener: Listener, exchange: Exchange, step: () => void): void {
  try {
    step();
  } catch (error) {
    internalError(listener, exchange, error);
  }
}

function internalError(listener: Listener, exchange: Exchange, error: unknown): void {
  listener.reporter.warning(`internal error while handling a request: ${(error as Error).message}`);
  if (!exchange.res.headersSent) send(exchange.res, 500, JSON.stringify({ error: 'internal error in datachonk listen' }));
  exchange.done();
}

/** The request is done: once, whatever calls it again. A count, not a set of promises (issue 6). */
function releaser(listener: Listener): () => void {
  let released = false;
  return () => {
    if (released) return;
    released = true;
    if (--listener.inFlight === 0 && listener.drained) listener.drained();
  };
}

function listen(server: Server, options: ReceiverOptions): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'EADDRINUSE') reject(new Failure('port-in-use', { host: options.host, port: options.port, server: 'listener' }));
      else if (error.code === 'EACCES' || error.code === 'EADDRNOTAVAIL') {
        reject(new Failure('cannot-listen', { host: options.host, port: options.port, code: error.code }));
      } else reject(error);
    });
    server.listen(options.port, options.host, () => resolve());
  });
}

async function close(listener: Listener, h1: H1Server): Promise<void> {
  const closed = new Promise<void>((resolve) => h1.server.close(() => resolve()));
  h1.closeIdle();
  let timer: NodeJS.Timeout | undefined;
  if (listener.inFlight > 0) {
    await new Promise<void>((resolve) => {
      listener.drained = resolve;
      timer = setTimeout(resolve, listener.options.drainTimeoutMs);
    });
  }
  clearTimeout(timer);
  // Forwards still waiting after the drain end now, so that their senders get a 502 and the journal
  // their outcome before the connections and the journal close.
  await Promise.all(listener.forwarders.map((f) => f.close().catch(() => {})));
  h1.closeAll();
  await closed;
}

/** Reads the whole body, stopping at the cap: 413 is answered while the client is still sending. */
function readBody(req: IncomingMessage | WholeRequest, max: number, then: (body: ReceivedBody) => void): void {
  // Through the listener's own server, the body came with the head, and within the cap.
  if ('whole' in req) return then(req.body);
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > max) {
    req.resume();
    then('too-large');
    return;
  }
  const chunks: Buffer[] = [];
  let size = 0;
  let finished = false;
  const finish = (value: ReceivedBody) => {
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

/** The listener's own answer: JSON. A string goes out in one write with the head. */
function send(res: Answer, status: number, body: string): void {
  if (res.headersSent || res.destroyed) return;
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), [ANSWERED_BY_HEADER]: ANSWERED_BY_LISTENER });
  res.end(body);
}

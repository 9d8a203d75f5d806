import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { RECEIVER_DEFAULTS } from '../../defaults.js';
import { randomId } from '../events/payload.js';
import type { TlsTrust } from '../http-client.js';
import { listenOn, urlHost } from '../serve.js';
import { SIGNATURE_HEADER } from '../signing/signature.js';
import { answer, SenderStream } from './answer.js';
import { DECODABLE } from './content-coding.js';
import {
  decideBody,
  decideHead,
  type Acceptance,
  type Decision,
  type ListenRules,
  type ReceivedBody,
  type Rejection,
} from './decide.js';
import { ANSWERED_BY_HEADER, ANSWERED_BY_LISTENER, Forwarder, forwardHeaders, type ForwardOutcome } from './forward.js';
import type { JournalWriter } from './journal.js';
import type { ForwardResult, RequestRecord, Verification } from './records.js';
import { isProbe, PROBE_HEADER } from './tunnel-health.js';

// The listener's request path, second half: the executor. node:http parses the request; decide.ts
// says what to do with it; this file does it: journal, then answer or forward, then report.

export interface ReceiverOptions extends ListenRules {
  host: string;
  port: number;
  forwardTimeoutMs: number;
  /** The certificates https targets may present, beyond the system's (--forward-ca, --forward-insecure). */
  forwardTls?: TlsTrust | undefined;
  /** A client that has not sent its whole request by then gets 408 and is dropped. Default 30 s. */
  requestTimeoutMs?: number | undefined;
  /** How long shutdown waits for in-flight forwards. Default 10 s. */
  drainTimeoutMs?: number | undefined;
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

/** A request as the listener saw it and decided on, reported before anything is forwarded. */
export interface ReceivedRequest {
  readonly rid: string;
  readonly receivedAt: Date;
  readonly method: string;
  /** Path and query as received. */
  readonly url: string;
  readonly headers: IncomingMessage['headers'];
  readonly bodyBytes: number;
  /** The bytes received, as they came (for `listen --verbose`). */
  readonly body: Buffer;
  readonly verification: Verification | undefined;
  readonly event?: string | undefined;
  readonly eventId?: string | undefined;
  readonly payload?: Record<string, unknown> | undefined;
  readonly disposition: Disposition;
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

/** The running listener: its options, its reporter, a forwarder per target, the requests in flight. */
interface ReceiverState {
  options: ReceiverOptions;
  reporter: ReceiverReporter;
  forwarders: Forwarder[];
  inFlight: number;
  drained?: (() => void) | undefined;
}

/** Starts the listener. Rejects with a Failure when the port is taken or not ours to use. */
export async function startReceiver(options: ReceiverOptions, reporter: ReceiverReporter): Promise<Receiver> {
  const state: ReceiverState = {
    options,
    reporter,
    inFlight: 0,
    forwarders: options.targets.map(
      (target) =>
        new Forwarder(target, {
          timeoutMs: options.forwardTimeoutMs,
          clock: options.monotonic,
          tls: options.forwardTls,
        }),
    ),
  };
  const requestTimeout = options.requestTimeoutMs ?? RECEIVER_DEFAULTS.requestTimeoutMs;
  const server = createServer(
    {
      requestTimeout,
      headersTimeout: Math.min(requestTimeout, 60_000),
      // An idle keep-alive connection is closed after this long (node:http's default, said here).
      keepAliveTimeout: 5_000,
      // node:http looks at those timeouts on this interval (30 s by default): often enough to honour them.
      connectionsCheckingInterval: Math.min(1000, Math.max(50, Math.floor(requestTimeout / 4))),
    },
    (req, res) => void handle(state, req, res),
  );
  const port = await listenOn(server, { host: options.host, port: options.port, server: 'listener' });
  return {
    url: `http://${urlHost(options.host)}:${port}${options.path}`,
    port,
    inFlight: () => state.inFlight,
    close: () => close(state, server),
  };
}

/** One request, from its head to its last forward. */
async function handle(state: ReceiverState, req: IncomingMessage, res: ServerResponse): Promise<void> {
  // The session's own check that its tunnel still reaches it: answered here, not journalled, not reported.
  const { probeToken } = state.options;
  if (isProbe(req, probeToken)) {
    req.resume();
    res.writeHead(204, { [PROBE_HEADER]: probeToken!, [ANSWERED_BY_HEADER]: ANSWERED_BY_LISTENER }).end();
    return;
  }
  state.inFlight++;
  const arrival: Arrival = {
    rid: randomId('rcv_', 16),
    receivedAt: state.options.now(),
    method: req.method ?? '',
    url: req.url ?? '/',
    headers: req.headers,
  };
  try {
    const refused = decideHead(arrival, state.options);
    const body = refused ? undefined : await readBody(req, state.options.maxBodyBytes);
    const head = {
      method: arrival.method,
      url: arrival.url,
      signature: req.headers[SIGNATURE_HEADER],
      encoding: req.headers['content-encoding'],
    };
    const decision = refused ?? decideBody(head, body!, state.options);
    const bytes = Buffer.isBuffer(body) ? body : Buffer.alloc(0);
    const request = receivedRequest(arrival, decision, bytes);
    // Every request is journalled before it is answered or forwarded, refused ones too (a GET,
    // another path, a body too large): a crash loses nothing, and events list shows what came.
    await journal(state, requestRecord(request, decision, bytes, req.rawHeaders));
    if (decision.verdict === 'reject') refuse(state, request, decision, res);
    else if (decision.routes.length === 0) acknowledge(state, request, decision, res);
    else await forward(state, { request, decision, body: bytes, req, res });
  } catch (error) {
    state.reporter.warning(`internal error while handling a request: ${(error as Error).message}`);
    if (!res.headersSent) ownAnswer(res, 500, { error: 'internal error in datachonk listen' });
  } finally {
    if (--state.inFlight === 0) state.drained?.();
  }
}

/** What is known of a request on arrival, before its body. */
type Arrival = Pick<ReceivedRequest, 'rid' | 'receivedAt' | 'method' | 'url' | 'headers'>;

/** The request as reported and journalled: made once, from what was received and decided. */
function receivedRequest(arrival: Arrival, decision: Decision, body: Buffer): ReceivedRequest {
  // Written out rather than spread: one shape for every request, and cheaper on the request path.
  const { rid, receivedAt, method, url, headers } = arrival;
  const payload = decision.verdict === 'accept' ? decision.envelope : undefined;
  // A rejected body's claims are shown so the user can tell which failed, not trusted.
  const named = payload ?? (decision.verdict === 'reject' ? decision.claimed : undefined);
  return {
    rid,
    receivedAt,
    method,
    url,
    headers,
    bodyBytes: body.length,
    body,
    verification: decision.verification,
    event: named?.event,
    eventId: named?.id,
    payload,
    disposition: dispositionOf(decision),
  };
}

function dispositionOf(decision: Decision): Disposition {
  if (decision.verdict === 'reject') {
    return { kind: 'rejected', status: decision.status, reason: decision.reason, code: decision.code };
  }
  const { routes, filtered, unrouted } = decision;
  return routes.length > 0 ? { kind: 'forwarding' } : { kind: 'acknowledged', filtered, unrouted };
}

/** A request the listener refuses: answered with the reason (no one to answer when the client went away). */
function refuse(state: ReceiverState, request: ReceivedRequest, decision: Rejection, res: ServerResponse): void {
  if (decision.code === 'method-not-allowed') res.setHeader('allow', 'POST');
  // RFC 9110 §15.5.16: a 415 for a content coding says which ones would do.
  if (decision.code === 'unsupported-encoding') res.setHeader('accept-encoding', DECODABLE);
  // A 413 may go while the client is still sending: the connection stays open and the rest is read
  // and dropped (readBody), bounded by the request timeout. Closed at once, the client's unread
  // bytes would reset it, and a client still sending would often lose the 413.
  state.reporter.received(request);
  if (decision.status > 0) ownAnswer(res, decision.status, { error: decision.reason });
  state.reporter.completed(request, []);
}

/** An event that goes nowhere (filtered, or no target takes it): 200, and said so. */
function acknowledge(state: ReceiverState, request: ReceivedRequest, decision: Acceptance, res: ServerResponse): void {
  state.reporter.received(request);
  ownAnswer(
    res,
    200,
    decision.filtered || decision.unrouted ? { received: true, forwarded: false } : { received: true },
  );
  state.reporter.completed(request, []);
}

/** An accepted event on its way to its targets. */
interface Forwarding {
  request: ReceivedRequest;
  decision: Acceptance;
  body: Buffer;
  req: IncomingMessage;
  res: ServerResponse;
}

/**
 * Forwards to every target; the sender gets the first target's answer as soon as it is known. What is
 * reported comes after the request is on its way, and after the sender has its answer: printing is
 * not part of the time an event takes through the listener.
 */
async function forward(state: ReceiverState, { request, decision, body, req, res }: Forwarding): Promise<void> {
  let sent: Promise<ForwardOutcome>[];
  try {
    // The headers are the same for every target: made once per event.
    const headers = forwardHeaders({
      method: 'POST',
      headers: req.rawHeaders,
      signature: decision.signature,
      body,
      remoteAddress: req.socket.remoteAddress,
    });
    const input = { method: 'POST', headers, body };
    sent = decision.routes.map((route, i) =>
      state.forwarders[route.target]!.forward(route.url, input, i === 0 ? new SenderStream(res) : undefined),
    );
  } finally {
    // Reported once, before anything about its forwards; also when starting them failed.
    state.reporter.received(request);
  }
  const results = await Promise.all(
    sent.map(async (forwarding, i) => {
      const outcome = await forwarding;
      if (i === 0) answer(res, outcome);
      state.reporter.forwarded(request, outcome.result);
      return outcome.result;
    }),
  );
  // The event is in the journal already; its outcome goes with the next group of records.
  state.options.journal?.append({ type: 'forwards', rid: request.rid, at: state.options.now().toISOString(), results });
  state.reporter.completed(request, results);
}

/** Puts the record in the journal (when there is one); a failed write is said, and the request goes on. */
function journal(state: ReceiverState, record: RequestRecord): Promise<void> {
  const writer = state.options.journal;
  if (!writer) return Promise.resolve();
  return new Promise<void>((resolve) =>
    writer.commit(record, (error) => {
      // Delivering matters more than recording.
      if (error) state.reporter.warning(`could not write to the journal ${writer.file}: ${error.message}`);
      resolve();
    }),
  );
}

function requestRecord(
  request: ReceivedRequest,
  decision: Decision,
  body: Buffer,
  rawHeaders: string[],
): RequestRecord {
  const record: RequestRecord = {
    type: 'request',
    rid: request.rid,
    received_at: request.receivedAt.toISOString(),
    method: request.method,
    path: request.url,
    headers: request.headers as RequestRecord['headers'],
    raw_headers: rawHeaders,
    body: body.toString('base64'),
    verification: request.verification ?? { status: 'unchecked' },
    targets: decision.verdict === 'accept' ? decision.routes.map((route) => route.url) : [],
  };
  if (decision.verdict === 'reject') record.response_status = decision.status;
  else if (decision.routes.length === 0) record.response_status = 200;
  if (request.event) record.event = request.event;
  if (request.eventId) record.event_id = request.eventId;
  if (decision.verdict === 'accept' && decision.filtered) record.filtered = true;
  if (decision.verdict === 'accept' && decision.signature) record.forwarded_signature = decision.signature;
  return record;
}

async function close(state: ReceiverState, server: ReturnType<typeof createServer>): Promise<void> {
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  server.closeIdleConnections();
  if (state.inFlight > 0) {
    let timer: NodeJS.Timeout | undefined;
    await new Promise<void>((resolve) => {
      state.drained = resolve;
      timer = setTimeout(resolve, state.options.drainTimeoutMs ?? RECEIVER_DEFAULTS.drainTimeoutMs);
    });
    clearTimeout(timer);
  }
  // Forwards still waiting after the drain end now, so that their senders get a 502 and the journal
  // their outcome before the connections and the journal close.
  await Promise.all(state.forwarders.map((f) => f.close().catch(() => {})));
  server.closeAllConnections();
  await closed;
}

/** Reads the whole body, stopping at the cap: a 413 is answered while the client may still be sending. */
function readBody(req: IncomingMessage, max: number): Promise<ReceivedBody> {
  return new Promise<ReceivedBody>((resolve) => {
    const declared = Number(req.headers['content-length']);
    if (Number.isFinite(declared) && declared > max) {
      req.resume();
      return resolve('too-large');
    }
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      if (size > max) return;
      size += chunk.length;
      if (size <= max) return void chunks.push(chunk);
      // Too large: this and the rest are read and dropped.
      chunks.length = 0;
      resolve('too-large');
    });
    req.on('end', () => resolve(size > max ? 'too-large' : Buffer.concat(chunks, size)));
    req.on('error', () => resolve('aborted'));
    req.on('close', () => {
      if (!req.complete) resolve('aborted');
    });
  });
}

/** The listener's own answer: JSON, marked as the listener's. */
function ownAnswer(res: ServerResponse, status: number, body: object): void {
  if (res.headersSent || res.destroyed) return;
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(text),
    [ANSWERED_BY_HEADER]: ANSWERED_BY_LISTENER,
  });
  res.end(text);
}

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

/** Starts the listener. Rejects with a clear error when the port is taken. */
export async function startReceiver(options: ReceiverOptions, reporter: ReceiverReporter): Promise<Receiver> {
  const forwarders = options.targets.map((target) => new Forwarder(target, options.forwardTimeoutMs, options.monotonic));
  const inFlight = new Set<Promise<void>>();
  const server: Server = createServer({
    requestTimeout: options.requestTimeoutMs,
    headersTimeout: Math.min(options.requestTimeoutMs, 60_000),
    // Node checks those timeouts on this interval (30 s by default): check often enough to honour them.
    connectionsCheckingInterval: Math.min(1000, Math.max(50, Math.floor(options.requestTimeoutMs / 4))),
  }, (req, res) => {
    const handled = handle(req, res).catch((error: unknown) => {
      reporter.warning(`internal error while handling a request: ${(error as Error).message}`);
      if (!res.headersSent) send(res, 500, json({ error: 'internal error in datachonk listen' }));
    });
    inFlight.add(handled);
    void handled.finally(() => inFlight.delete(handled));
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const receivedAt = options.now();
    const url = req.url ?? '/';
    const pathname = url.split('?')[0];
    const base = {
      rid: randomId('rcv_', 16), receivedAt, method: req.method ?? '', url, headers: req.headers, bodyBytes: 0, verification: undefined,
    };
    if (pathname !== options.path) {
      return reject(base, res, 404, `not found: datachonk listens on POST ${options.path}`, { journal: false });
    }
    if (req.method !== 'POST') {
      res.setHeader('allow', 'POST');
      return reject(base, res, 405, `method ${req.method} not allowed: send a POST`, { journal: false });
    }
    const body = await readBody(req, options.maxBodyBytes);
    if (body === 'too-large') {
      // Answered while the client may still be sending: close the connection after the answer.
      res.setHeader('connection', 'close');
      return reject(base, res, 413, `the body is larger than ${options.maxBodyBytes} bytes (--max-body)`, { journal: false });
    }
    if (body === 'aborted') {
      const dropped: ReceivedRequest = { ...base, disposition: { kind: 'rejected', status: 0, reason: 'the client stopped before sending the whole body (disconnected or timed out)' } };
      reporter.received(dropped);
      reporter.completed(dropped, []);
      return;
    }
    const { result: checked, secret: matched } = verifyAny(options.secrets, body, req.headers[SIGNATURE_HEADER]);
    const verification: Verification = checked.ok ? { status: 'valid' }
      : options.skipVerify ? { status: 'skipped', reason: checked.message } : { status: 'invalid', reason: checked.message };
    const request: ReceivedRequest = { ...base, bodyBytes: body.length, verification, disposition: { kind: 'forwarding' } };
    if (verification.status === 'invalid') {
      // Named in the output and the journal so the user can tell which event failed, but not trusted.
      const claimed = envelopeSchema.safeParse(parseJsonOrUndefined(body));
      if (claimed.success) Object.assign(request, { event: claimed.data.event, eventId: claimed.data.id });
      return reject(request, res, 401, `invalid signature: ${checked.ok ? '' : checked.message}`, { journal: true, body });
    }
    const parsed = parseJsonOrUndefined(body);
    if (parsed === undefined) return reject(request, res, 400, 'the body is not JSON', { journal: true, body });
    const envelope = isEnvelope(parsed) ? { success: true as const, data: parsed } : envelopeSchema.safeParse(parsed);
    if (!envelope.success) {
      const issue = envelope.error.issues[0]!;
      return reject(request, res, 400, `the body is not a DataChonk event: ${issue.path.join('.') || '(body)'}: ${issue.message}`, { journal: true, body });
    }
    request.event = envelope.data.event;
    request.eventId = envelope.data.id;
    request.payload = envelope.data;

    const filtered = options.events !== undefined && !options.events.has(envelope.data.event);
    if (filtered || forwarders.length === 0) {
      request.disposition = { kind: 'acknowledged', filtered };
      await journal(request, body, [], 200);
      reporter.received(request);
      send(res, 200, json(filtered ? { received: true, forwarded: false } : { received: true }));
      reporter.completed(request, []);
      return;
    }

    const targets = forwarders.map((f) => forwardUrl(f.target, url));
    const resigned = matched && options.forwardSecret && matched !== options.forwardSecret ? sign(options.forwardSecret, body) : undefined;
    // Journalled before forwarding, so a crash of the listener or of the app loses nothing.
    await journal(request, body, targets, undefined, resigned);
    reporter.received(request);
    const headers = resigned ? { ...req.headers, [SIGNATURE_HEADER]: resigned } : req.headers;
    const input = { method: 'POST', headers, body, remoteAddress: req.socket.remoteAddress };
    const forwards = forwarders.map(async (forwarder, i): Promise<ForwardOutcome> => {
      const outcome = await forwarder.forward(targets[i]!, input);
      reporter.forwarded(request, outcome.result);
      return outcome;
    });
    // The sender gets the first target's answer as soon as it is known.
    const first = await forwards[0]!;
    send(res, first.status, first.body, first.contentType);
    const results = (await Promise.all(forwards)).map((o) => o.result);
    if (options.journal) {
      await options.journal.append({ type: 'forwards', rid: request.rid, at: options.now().toISOString(), results })
        .catch((error: unknown) => reporter.warning(`could not write to the journal: ${(error as Error).message}`));
    }
    reporter.completed(request, results);
  }

  function reject(request: ReceivedRequest | Omit<ReceivedRequest, 'disposition'>, res: ServerResponse, status: number, reason: string,
    how: { journal: boolean; body?: Buffer }): Promise<void> {
    const full: ReceivedRequest = { ...request, disposition: { kind: 'rejected', status, reason } };
    const journalled = how.journal && how.body ? journal(full, how.body, [], status) : Promise.resolve();
    return journalled.then(() => {
      reporter.received(full);
      send(res, status, json({ error: reason }));
      reporter.completed(full, []);
    });
  }

  async function journal(request: ReceivedRequest, body: Buffer, targets: string[], responseStatus?: number, forwardedSignature?: string): Promise<void> {
    if (!options.journal) return;
    const record: RequestRecord = {
      type: 'request',
      rid: request.rid,
      received_at: request.receivedAt.toISOString(),
      method: request.method,
      path: request.url,
      headers: request.headers as RequestRecord['headers'],
      body: body.toString('base64'),
      verification: request.verification ?? { status: 'skipped' },
      targets,
      ...(responseStatus === undefined ? {} : { response_status: responseStatus }),
      ...(request.event ? { event: request.event } : {}),
      ...(request.eventId ? { event_id: request.eventId } : {}),
      ...(request.disposition.kind === 'acknowledged' && request.disposition.filtered ? { filtered: true } : {}),
      ...(forwardedSignature ? { forwarded_signature: forwardedSignature } : {}),
    };
    try {
      await options.journal.append(record);
    } catch (error) {
      // Delivering matters more than recording: say so, and go on.
      reporter.warning(`could not write to the journal ${options.journal.file}: ${(error as Error).message}`);
    }
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
      const drained = Promise.all([...inFlight]);
      let timer: NodeJS.Timeout | undefined;
      const timedOut = new Promise<void>((resolve) => (timer = setTimeout(resolve, options.drainTimeoutMs)));
      await Promise.race([drained, timedOut]);
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
function readBody(req: IncomingMessage, max: number): Promise<Buffer | 'too-large' | 'aborted'> {
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > max) {
    req.resume();
    return Promise.resolve('too-large');
  }
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let done = false;
    const finish = (value: Buffer | 'too-large' | 'aborted') => {
      if (done) return;
      done = true;
      resolve(value);
    };
    req.on('data', (chunk: Buffer) => {
      if (done) return;
      size += chunk.length;
      if (size > max) {
        chunks.length = 0;
        finish('too-large');
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => finish(Buffer.concat(chunks, size)));
    req.on('error', () => finish('aborted'));
    req.on('close', () => {
      if (!req.complete) finish('aborted');
    });
  });
}

// A string body goes out in one write with the head; a Buffer takes a writev, which costs more.
function send(res: ServerResponse, status: number, body: Buffer | string, contentType = 'application/json'): void {
  if (res.headersSent || res.destroyed) return;
  res.writeHead(status, { 'content-type': contentType, 'content-length': typeof body === 'string' ? Buffer.byteLength(body) : body.length });
  res.end(body);
}

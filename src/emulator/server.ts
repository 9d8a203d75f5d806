import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import { z } from 'zod';
import { listenOn, urlHost } from '../core/serve.js';
import type { Delivery } from '../core/api/schemas.js';
import { EVENT_TYPES, isEventType } from '../core/events/catalogue.js';
import { randomId } from '../core/events/payload.js';
import { describeJsonSyntaxError, findJsonSyntaxError } from '../core/json-syntax.js';
import { parseJson, stringifyJson } from '../core/lossless-json.js';
import { envelopeSchema } from '../core/events/schemas.js';
import { chaosSchema, type ChaosSpec } from './chaos.js';
import { DeliveryEngine, realTimers, type Timers } from './deliveries.js';
import { DeliveryHistory } from './history.js';
import { publicWebhook, WebhookStore, type StoredWebhook } from './store.js';

/** The emulator-only route `datachonk emulator emit` posts events to. */
export const EMIT_PATH = '/v1/_emulator/events';
/** The emulator-only route of one webhook's own chaos: `/v1/_emulator/webhooks/{id}/chaos`. */
export const chaosPath = (webhookId: string) => `/v1/_emulator/webhooks/${encodeURIComponent(webhookId)}/chaos`;

/** How long an event held back by chaos (reorder) waits for the next event to its webhook, at most. */
export const REORDER_HOLD_MS = 5000;

export interface EmulatorOptions {
  host: string;
  port: number;
  /** Where registrations persist; undefined keeps them in memory only. */
  dataFile?: string | undefined;
  /** Where the delivery history persists; undefined keeps it in memory only. */
  historyFile?: string | undefined;
  /** The chaos of every webhook without its own. */
  chaos?: ChaosSpec | undefined;
  /** What decides the chaos: numbers in [0, 1) (a seeded generator; scripted in tests). Math.random by default. */
  random?: (() => number) | undefined;
  /** When delays and retries are due (tests decide). Real timers by default. */
  timers?: Timers | undefined;
  /** How long an event held back waits for the next one to its webhook: REORDER_HOLD_MS by default. */
  holdMs?: number | undefined;
  /** When set, only this Bearer key is accepted; otherwise any non-empty one. */
  apiKey?: string | undefined;
  retrySchedule: readonly number[];
  deliveryTimeoutMs: number;
  version: string;
  now: () => Date;
  monotonic: () => number;
}

/** What the emulator tells its reporter; it never prints. */
export interface EmulatorReporter {
  request(entry: { method: string; path: string; status: number }): void;
  attempt(delivery: Delivery, webhook: { id: string; url: string }): void;
  /** The history file could not be written: the history goes on in memory only. */
  historyUnwritable?(info: { file: string; detail: string }): void;
}

export interface RecordedApiRequest {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
}

export interface Emulator {
  /** The API base, e.g. http://127.0.0.1:4010/v1 */
  url: string;
  port: number;
  /** The last API requests received (for tests and debugging). */
  requests: RecordedApiRequest[];
  close(): Promise<void>;
}

class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details?: Record<string, unknown>,
  ) {
    super(message);
  }
}

const urlSchema = z.string().refine((value) => {
  try {
    return ['http:', 'https:'].includes(new URL(value).protocol);
  } catch {
    return false;
  }
}, 'must be an http:// or https:// URL');
const eventsSchema = z
  .array(z.string())
  .min(1, 'must name at least one event')
  .refine((events) => events.every(isEventType), {
    message: `must be event types from: ${EVENT_TYPES.join(', ')}`,
  });
const createSchema = z.object({
  url: urlSchema,
  events: eventsSchema,
  secret: z.string().min(1, 'must not be empty'),
  description: z.string().nullable().optional(),
});
const updateSchema = z.object({
  url: urlSchema.optional(),
  events: eventsSchema.optional(),
  secret: z.string().min(1).optional(),
  description: z.string().nullable().optional(),
  status: z.enum(['active', 'disabled']).optional(),
});

const chaosBodySchema = z.strictObject({ chaos: chaosSchema.nullable() });

const RECORDED_MAX = 1000;

/** What the emulator's handlers share. */
interface State {
  options: EmulatorOptions;
  reporter: EmulatorReporter;
  store: WebhookStore;
  engine: DeliveryEngine;
  requests: RecordedApiRequest[];
}

/** Starts the local DataChonk API emulator: the webhooks resource, and a delivery engine. */
export async function startEmulator(options: EmulatorOptions, reporter: EmulatorReporter): Promise<Emulator> {
  const store = await WebhookStore.open(options.dataFile);
  const history = await DeliveryHistory.open(options.historyFile, {
    known: (id) => store.get(id) !== undefined,
    onWriteError: (detail) => reporter.historyUnwritable?.({ file: options.historyFile!, detail }),
  });
  const engine = new DeliveryEngine({
    retrySchedule: options.retrySchedule,
    timeoutMs: options.deliveryTimeoutMs,
    userAgent: `DataChonk-Emulator/${options.version}`,
    now: options.now,
    monotonic: options.monotonic,
    onAttempt: (delivery, webhook) => reporter.attempt(delivery, webhook),
    current: (id) => store.get(id),
    history,
    chaos: options.chaos,
    random: options.random ?? Math.random,
    timers: options.timers ?? realTimers,
    holdMs: options.holdMs ?? REORDER_HOLD_MS,
  });
  const state: State = { options, reporter, store, engine, requests: [] };
  const server = createServer((req, res) => {
    void handle(state, req, res);
  });
  const port = await listenOn(server, { host: options.host, port: options.port, server: 'emulator' });
  return {
    url: `http://${urlHost(options.host)}:${port}/v1`,
    port,
    requests: state.requests,
    async close() {
      await engine.close();
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await closed;
    },
  };
}

async function handle(state: State, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const requestId = randomId('req_', 16);
  const method = req.method ?? 'GET';
  const path = (req.url ?? '/').split('?')[0]!;
  let status = 500;
  try {
    const body = await readText(req);
    state.requests.push({ method, path: req.url ?? '/', headers: req.headers, body });
    if (state.requests.length > RECORDED_MAX) state.requests.shift();
    authorize(state.options.apiKey, req.headers.authorization);
    const result = await route(state, { method, path, body });
    status = result.status;
    if (result.data === undefined) res.writeHead(status).end();
    else sendJson(res, status, { success: true, data: result.data, meta: { requestId } });
  } catch (error) {
    const e = error instanceof HttpError ? error : new HttpError(500, 'INTERNAL', (error as Error).message);
    status = e.status;
    sendJson(res, status, {
      success: false,
      error: { code: e.code, message: e.message, ...(e.details ? { details: e.details } : {}) },
      meta: { requestId },
    });
  } finally {
    state.reporter.request({ method, path, status });
  }
}

function authorize(apiKey: string | undefined, header: string | undefined): void {
  const key = /^Bearer\s+(\S+)$/i.exec(header ?? '')?.[1];
  if (!key)
    throw new HttpError(401, 'UNAUTHORIZED', 'missing API key', { suggestion: 'send Authorization: Bearer <API key>' });
  if (apiKey !== undefined && key !== apiKey) throw new HttpError(401, 'UNAUTHORIZED', 'invalid API key');
}

interface Call {
  method: string;
  path: string;
  body: string;
}

type ApiReply = { status: number; data?: unknown };

async function route(state: State, call: Call): Promise<ApiReply> {
  const { method, path } = call;
  if (path === '/v1/webhooks' || path === '/v1/webhooks/') {
    if (method === 'GET') return { status: 200, data: state.store.list().map(publicWebhook) };
    if (method === 'POST') {
      const input = parse(createSchema, call.body);
      const webhook = await state.store.create(
        { ...input, description: input.description ?? null },
        state.options.now(),
      );
      return { status: 201, data: publicWebhook(webhook) };
    }
    throw new HttpError(405, 'INVALID_REQUEST', `${method} is not allowed on /v1/webhooks`);
  }
  const one = /^\/v1\/webhooks\/([^/]+)(\/deliveries)?$/.exec(path);
  if (one) return routeOne(state, call, { id: decodeURIComponent(one[1]!), deliveries: Boolean(one[2]) });
  if (path === EMIT_PATH && method === 'POST') return { status: 202, data: await emit(state, call.body) };
  const chaos = /^\/v1\/_emulator\/webhooks\/([^/]+)\/chaos$/.exec(path);
  if (chaos && method === 'PUT')
    return { status: 200, data: await setChaos(state, decodeURIComponent(chaos[1]!), call.body) };
  throw new HttpError(404, 'NOT_FOUND', `no route ${method} ${path}`);
}

/** /v1/webhooks/{id} and /v1/webhooks/{id}/deliveries */
async function routeOne(state: State, call: Call, target: { id: string; deliveries: boolean }): Promise<ApiReply> {
  const { method } = call;
  const { id } = target;
  const webhook = state.store.get(id);
  if (!webhook) throw new HttpError(404, 'NOT_FOUND', `webhook ${id} not found`);
  if (target.deliveries) {
    if (method !== 'GET') throw new HttpError(405, 'INVALID_REQUEST', `${method} is not allowed on deliveries`);
    return { status: 200, data: state.engine.deliveriesOf(id) };
  }
  if (method === 'GET') return { status: 200, data: publicWebhook(webhook) };
  if (method === 'PATCH')
    return {
      status: 200,
      data: publicWebhook((await state.store.update(id, parse(updateSchema, call.body), state.options.now()))!),
    };
  if (method === 'DELETE') {
    await state.store.delete(id);
    state.engine.forget(id);
    return { status: 204 };
  }
  throw new HttpError(405, 'INVALID_REQUEST', `${method} is not allowed on /v1/webhooks/${id}`);
}

async function emit(state: State, body: string): Promise<unknown> {
  const payload = parse(envelopeSchema, body);
  // Compact JSON with the keys in the order they came (zod's output may reorder them) and the numbers
  // as they came, as `trigger` sends it.
  const wire = stringifyJson(parseJson(body));
  const targets = state.store
    .list()
    .filter((w: StoredWebhook) => w.status === 'active' && w.events.includes(payload.event));
  const dispatched = await Promise.all(
    targets.map((webhook) => state.engine.deliver(webhook, { body: wire, event: payload.event, eventId: payload.id })),
  );
  return {
    event_id: payload.id,
    event: payload.event,
    deliveries: dispatched.flatMap((d) => ('sent' in d ? d.sent : [])),
    // Put off by chaos: their attempts come later (the emulator prints them, the history keeps them).
    deferred: dispatched.flatMap((d) => ('deferred' in d ? [d.deferred] : [])),
  };
}

/** PUT /v1/_emulator/webhooks/{id}/chaos `{ chaos }`: a webhook's own chaos, or null for the emulator's again. */
async function setChaos(state: State, id: string, body: string): Promise<unknown> {
  const { chaos } = parse(chaosBodySchema, body);
  const webhook = await state.store.setChaos(id, chaos ?? undefined);
  if (!webhook) throw new HttpError(404, 'NOT_FOUND', `webhook ${id} not found`);
  return { webhook_id: id, chaos: webhook.chaos ?? null, emulator_chaos: state.options.chaos ?? null };
}

function parse<T extends z.ZodType>(schema: T, body: string): z.infer<T> {
  let json: unknown;
  try {
    json = body ? JSON.parse(body) : {};
  } catch {
    const at = findJsonSyntaxError(body);
    throw new HttpError(
      400,
      'INVALID_REQUEST',
      `the body is not JSON${at ? `: ${describeJsonSyntaxError(at, { short: true })}` : ''}`,
    );
  }
  const result = schema.safeParse(json);
  if (result.success) return result.data;
  const details = Object.fromEntries(
    result.error.issues.map((issue) => [issue.path.join('.') || 'body', issue.message]),
  );
  throw new HttpError(400, 'INVALID_REQUEST', 'the request is not valid', details);
}

async function readText(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

function sendJson(res: ServerResponse, status: number, value: unknown): void {
  const body = JSON.stringify(value);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
  res.end(body);
}

import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { extname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { EVENT_TYPES } from '../core/events/catalogue.js';
import { listenOn } from '../core/serve.js';
import { createSender } from '../core/send.js';
import { curlFor, replay, sendEdited, signingMismatch, type ActionResult, type ActionSettings } from './actions.js';
import { openJournalFeed, type FeedChange, type JournalFeed } from '../core/listen/feed.js';
import { createGuard, newToken, type Guard } from './guard.js';
import { PAGE_STATUSES, details, listEntries, summarize, type PageStatus, type Summary } from './present.js';

// The inspector: a page (inspector/ in the package) and its JSON API over the journal feed, on
// 127.0.0.1 only. GET reads; the two POSTs send through the listener. Every answer carries a strict
// Content-Security-Policy; the page renders every value as text.

/** Where the page's files are: inspector/ at the package's root (from src/ or dist/ alike). */
export const PAGE_DIR = fileURLToPath(new URL('../../inspector/', import.meta.url));

const csp = (styles = "'self'") =>
  `default-src 'none'; script-src 'self'; style-src ${styles}; connect-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'`;
const CSP = csp();
const TOKEN_PLACEHOLDER = '__DATACHONK_TOKEN__';
const FIRST_ROWS_PLACEHOLDER = '__DATACHONK_FIRST_ROWS__';
const STYLESHEET = '<link rel="stylesheet" href="/assets/app.css">';
/** Events per page, unless the page asks for another number. */
const PAGE_SIZE = 200;
/** Rows written into the HTML as rows: more than a screen holds; the page's script draws the rest. */
const SERVED_ROWS = 40;

/** The page's own row builder (inspector/rows.js), the one the browser runs: one definition of a row. */
interface RowsModule {
  rowTree(summary: Summary): unknown;
  toHtml(tree: unknown): string;
}
let rowsModule: Promise<RowsModule> | undefined;
const loadRows = () => (rowsModule ??= import(pathToFileURL(join(PAGE_DIR, 'rows.js')).href) as Promise<RowsModule>);
const TYPES: Record<string, string> = {
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.html': 'text/html; charset=utf-8',
  '.png': 'image/png',
  '.svg': 'image/svg+xml',
};
const MAX_EDIT_BYTES = 5 * 1024 * 1024;

export interface InspectorOptions {
  host: string;
  port: number;
  feed: JournalFeed;
  /** `listen`: in a listener's process; `inspect`: over the journal, sending through a listener when one runs. */
  mode: 'listen' | 'inspect';
  actions: ActionSettings;
  /** Where the forwards go, as the listener shows them (for the page's header). */
  targets: readonly string[];
  pageDir?: string | undefined;
  /** How often a live page is pinged (a comment line) so that proxies and browsers keep the stream. */
  pingMs?: number;
}

export interface Inspector {
  url: string;
  close(): Promise<void>;
}

interface InspectorState {
  options: InspectorOptions;
  guard: Guard;
  token: string;
  streams: Set<ServerResponse>;
}

/** Starts the inspector; refuses anything but a loopback address. */
export async function startInspector(options: InspectorOptions): Promise<Inspector> {
  const token = newToken();
  const streams = new Set<ServerResponse>();
  let context: InspectorState | undefined;
  const server = createServer((req, res) => {
    void handle(context!, req, res).catch((error: unknown) => sendJson(res, 500, { error: (error as Error).message }));
  });
  const port = await listenOn(server, { host: options.host, port: options.port, server: 'inspector' });
  context = { options, guard: createGuard(port, token), token, streams };
  const unsubscribe = options.feed.subscribe((change) => broadcast(streams, change));
  const ping = setInterval(() => streams.forEach((res) => res.write(': ping\n\n')), options.pingMs ?? 15_000);
  ping.unref();
  return {
    url: `http://127.0.0.1:${port}/`,
    async close() {
      clearInterval(ping);
      unsubscribe();
      for (const res of streams) res.end();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

async function handle(ctx: InspectorState, req: IncomingMessage, res: ServerResponse): Promise<void> {
  res.setHeader('content-security-policy', CSP);
  res.setHeader('x-content-type-options', 'nosniff');
  res.setHeader('referrer-policy', 'no-referrer');
  res.setHeader('cache-control', 'no-store');
  const refused = ctx.guard.refuseHost(req);
  if (refused) return sendJson(res, 403, { error: refused });
  const url = new URL(req.url ?? '/', 'http://inspector');
  if (req.method === 'POST') return post(ctx, req, res, url);
  if (req.method !== 'GET' && req.method !== 'HEAD')
    return sendJson(res, 405, { error: `method ${req.method} not allowed` });
  if (url.pathname === '/') return page(ctx, res);
  if (url.pathname.startsWith('/assets/')) return asset(ctx, res, url.pathname.slice('/assets/'.length));
  if (url.pathname === '/api/info') return info(ctx, res);
  // Guarded as the page itself is (its Host): a page from before a restart reads the current token here.
  if (url.pathname === '/api/token') return sendJson(res, 200, { token: ctx.token });
  if (url.pathname === '/api/events') return list(ctx, res, url);
  if (url.pathname === '/api/stream') return stream(ctx, req, res);
  const match = /^\/api\/events\/(rcv_[A-Za-z0-9]+)(\/body|\/curl)?$/.exec(url.pathname);
  const entry = match ? ctx.options.feed.get(match[1]!) : undefined;
  if (!entry) return sendJson(res, 404, { error: match ? `no journal entry ${match[1]}` : 'not found' });
  if (match![2] === '/body') return download(res, entry.request.rid, Buffer.from(entry.request.body, 'base64'));
  if (match![2] === '/curl') {
    const command = curlFor(entry, ctx.options.actions);
    return command
      ? sendJson(res, 200, { command })
      : sendJson(res, 409, { error: 'this event was not forwarded anywhere: there is no app to send the command to' });
  }
  return sendJson(res, 200, details(entry, ctx.options.feed.entries()));
}

/**
 * The page, ready to show before its script loads: its stylesheet inline (allowed by
 * its hash in this answer's CSP) and the newest rows as HTML, which the page's script then takes over.
 */
async function page(ctx: InspectorState, res: ServerResponse): Promise<void> {
  const dir = ctx.options.pageDir ?? PAGE_DIR;
  const html = await readFile(join(dir, 'index.html'), 'utf8').catch(() => undefined);
  if (html === undefined)
    return sendJson(res, 500, { error: 'the inspector page is missing from this installation of datachonk' });
  const css = html.includes(STYLESHEET)
    ? await readFile(join(dir, 'app.css'), 'utf8').catch(() => undefined)
    : undefined;
  const { rowTree, toHtml } = await loadRows();
  const rows = listEntries(ctx.options.feed.entries(), { limit: SERVED_ROWS })
    .entries.map((summary) => toHtml(rowTree(summary)))
    .join('');
  let filled = html.replaceAll(TOKEN_PLACEHOLDER, ctx.token).replace(FIRST_ROWS_PLACEHOLDER, () => rows);
  if (css !== undefined && !css.includes('</')) {
    filled = filled.replace(STYLESHEET, () => `<style>${css}</style>`);
    res.setHeader(
      'content-security-policy',
      csp(`'self' 'sha256-${createHash('sha256').update(css).digest('base64')}'`),
    );
  }
  respond(res, 200, TYPES['.html']!, filled);
}

async function asset(ctx: InspectorState, res: ServerResponse, name: string): Promise<void> {
  const type = TYPES[extname(name)];
  // Plain file names of the page's folder only: no paths, no dot files.
  const bytes =
    /^[\w-]+(\.[\w-]+)+$/.test(name) && type
      ? await readFile(join(ctx.options.pageDir ?? PAGE_DIR, name)).catch(() => undefined)
      : undefined;
  if (!bytes) return sendJson(res, 404, { error: 'not found' });
  respond(res, 200, type!, bytes);
}

const NO_LISTENER =
  'Replay and Send need a running listener: start `datachonk listen --forward localhost:3000 --inspect` and open the page it prints.';

/** Why Replay and Send cannot work now (no listener; `inspect` signing with another secret than the listener's), or undefined. */
async function cannotSend(ctx: InspectorState): Promise<{ listenUrl?: string; why?: string }> {
  const listenUrl = await ctx.options.actions.listenUrl();
  if (listenUrl === undefined) return { why: NO_LISTENER };
  // In a listener's own process the secret is the listener's; `inspect` may have been given another one.
  const why =
    ctx.options.mode === 'inspect'
      ? signingMismatch(ctx.options.feed.entries(), ctx.options.actions.secret)
      : undefined;
  return { listenUrl, why };
}

async function info(ctx: InspectorState, res: ServerResponse): Promise<void> {
  const { listenUrl, why } = await cannotSend(ctx);
  sendJson(res, 200, {
    mode: ctx.options.mode,
    listen_url: listenUrl ?? null,
    targets: ctx.options.targets,
    can_send: why === undefined,
    send_note: why ?? null,
    event_types: EVENT_TYPES,
  });
}

function list(ctx: InspectorState, res: ServerResponse, url: URL): void {
  const limit = Math.min(500, Math.max(1, Number(url.searchParams.get('limit') ?? PAGE_SIZE) || PAGE_SIZE));
  const status = url.searchParams.get('status') || undefined;
  if (status !== undefined && !PAGE_STATUSES.includes(status as PageStatus))
    return sendJson(res, 400, { error: `status is one of ${PAGE_STATUSES.join(', ')}` });
  const page = listEntries(ctx.options.feed.entries(), {
    limit,
    before: url.searchParams.get('before') || undefined,
    q: url.searchParams.get('q') || undefined,
    type: url.searchParams.get('type') || undefined,
    status: status as PageStatus | undefined,
  });
  sendJson(res, 200, page);
}

function stream(ctx: InspectorState, req: IncomingMessage, res: ServerResponse): void {
  res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', connection: 'keep-alive' });
  res.write(': connected\n\n');
  ctx.streams.add(res);
  req.on('close', () => ctx.streams.delete(res));
}

function broadcast(streams: Set<ServerResponse>, change: FeedChange): void {
  if (streams.size === 0) return;
  const message = `event: ${change.kind}\ndata: ${JSON.stringify(summarize(change.entry))}\n\n`;
  for (const res of streams) res.write(message);
}

async function post(ctx: InspectorState, req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
  const refused = ctx.guard.refuseChange(req);
  if (refused) return sendJson(res, 403, { error: refused.message, code: refused.code });
  const match = /^\/api\/events\/(rcv_[A-Za-z0-9]+)\/(replay|send)$/.exec(url.pathname);
  if (!match) return sendJson(res, 404, { error: 'not found' });
  const entry = ctx.options.feed.get(match[1]!);
  if (!entry) return sendJson(res, 404, { error: `no journal entry ${match[1]}` });
  const asked = await readAsked(req);
  if (!asked) return sendJson(res, 400, { error: USAGE[match[2] as 'replay' | 'send'] });
  const { listenUrl, why } = await cannotSend(ctx);
  // Said before anything is sent: signed with a secret the listener would refuse (401). No listener: sendThrough says.
  if (why && listenUrl !== undefined) return sendJson(res, 409, { error: why, code: 'cannot-sign' });
  const allowRejected = asked.allow_rejected === true;
  if (match[2] === 'replay') return answer(res, await replay(entry, ctx.options.actions, allowRejected));
  if (typeof asked.body !== 'string') return sendJson(res, 400, { error: USAGE.send });
  const edit = { body: asked.body, force: asked.force === true, allowRejected };
  answer(res, await sendEdited(entry, edit, ctx.options.actions));
}

const USAGE = {
  replay: 'send nothing, or a JSON object {"allow_rejected": true} to replay an entry the listener rejected',
  send: 'send a JSON object {"body": "<the edited body>", "force": false, "allow_rejected": false}',
};

/** The request's JSON object (none is an empty one); undefined when it is too large or not one. */
async function readAsked(req: IncomingMessage): Promise<Record<string, unknown> | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_EDIT_BYTES) return undefined;
    chunks.push(chunk as Buffer);
  }
  const text = Buffer.concat(chunks).toString('utf8');
  if (text.trim() === '') return {};
  try {
    const parsed = JSON.parse(text) as unknown;
    return typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)
      ? (parsed as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

const REFUSED_STATUS = { invalid: 422, 'no-listener': 409, 'nothing-to-replay': 409, rejected: 409, unreachable: 502 };

function answer(res: ServerResponse, result: ActionResult): void {
  if (result.ok) return sendJson(res, 202, { status: result.status, by: result.by, body: result.body });
  sendJson(res, REFUSED_STATUS[result.code], {
    error: result.message,
    code: result.code,
    ...(result.issues ? { issues: result.issues } : {}),
    ...(result.rejected ? { rejected: result.rejected } : {}),
  });
}

function download(res: ServerResponse, rid: string, body: Buffer): void {
  res.setHeader('content-disposition', `attachment; filename="${rid}.json"`);
  respond(res, 200, 'application/octet-stream', body);
}

function sendJson(res: ServerResponse, status: number, value: unknown): void {
  respond(res, status, 'application/json; charset=utf-8', JSON.stringify(value));
}

function respond(res: ServerResponse, status: number, type: string, body: string | Buffer): void {
  if (res.headersSent) return void res.end();
  res.writeHead(status, { 'content-type': type, 'content-length': Buffer.byteLength(body) });
  res.end(body);
}

export interface JournalInspectorOptions {
  port: number;
  journalFile: string;
  mode: 'listen' | 'inspect';
  /** Signs replays, edits and curl commands. */
  secret: string;
  listenUrl: () => Promise<string | undefined>;
  targets: readonly string[];
  userAgent: string;
  /** The page's folder (tests give their own). */
  pageDir?: string | undefined;
}

/** The inspector over a journal file, with its feed and its sender: what `listen --inspect` and `inspect` start. */
export async function startJournalInspector(options: JournalInspectorOptions): Promise<Inspector> {
  const feed = await openJournalFeed({ file: options.journalFile, pollMs: 150 });
  const sender = createSender({ connections: 2 });
  try {
    const inspector = await startInspector({
      host: '127.0.0.1',
      port: options.port,
      feed,
      mode: options.mode,
      targets: options.targets,
      pageDir: options.pageDir,
      actions: {
        secret: options.secret,
        sender,
        userAgent: options.userAgent,
        timeoutMs: 60_000,
        listenUrl: options.listenUrl,
      },
    });
    return {
      url: inspector.url,
      async close() {
        await inspector.close();
        feed.close();
        await sender.close();
      },
    };
  } catch (error) {
    feed.close();
    await sender.close();
    throw error;
  }
}

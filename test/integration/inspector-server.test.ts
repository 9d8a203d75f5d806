import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startListenSession, type ListenSession } from '../../src/core/listen/session.js';
import { sign, verify } from '../../src/core/signing/signature.js';
import { startJournalInspector, type Inspector } from '../../src/inspector/server.js';
import { rawRequest } from '../helpers/raw-http.js';
import { datachonkHeaders, startRecordingServer, type RecordingServer } from '../helpers/recording-server.js';

// The inspector's server and API (issue 14) on a real listen session, its journal and an app, all on
// 127.0.0.1 port 0; the page is a stand-in with the token placeholder (the real page has browser tests).

const SECRET = 'whsec_inspector';
const silent = {
  received() {},
  forwarded() {},
  completed() {},
  warning() {},
  staleRemoved() {},
  tunnelStarting() {},
  tunnelReady() {},
  tunnelLost() {},
  tunnelRestartFailed() {},
  tunnelRestored() {},
  registered() {},
  unregistered() {},
  cleanupFailed() {},
};

let dir: string;
let app: RecordingServer;
let session: ListenSession;
let inspector: Inspector;
let origin: string;
let token: string;

async function startAll(
  options: { listening?: boolean; mode?: 'listen' | 'inspect'; secret?: string } = {},
): Promise<void> {
  session = await startListenSession(
    {
      receiver: {
        host: '127.0.0.1',
        port: 0,
        path: '/webhooks/datachonk',
        secrets: [SECRET],
        appSecrets: [SECRET],
        skipVerify: false,
        targets: [new URL(app.origin)],
        forwardTimeoutMs: 5000,
        maxBodyBytes: 1 << 20,
        requestTimeoutMs: 5000,
        drainTimeoutMs: 100,
        now: () => new Date(),
        monotonic: () => performance.now(),
      },
      journalFile: join(dir, 'events.ndjson'),
    },
    silent,
  );
  inspector = await startJournalInspector({
    port: 0,
    journalFile: join(dir, 'events.ndjson'),
    mode: options.mode ?? (options.listening === false ? 'inspect' : 'listen'),
    secret: options.secret ?? SECRET,
    userAgent: 'test',
    targets: [app.origin],
    listenUrl: async () => (options.listening === false ? undefined : session.receiver.url),
    pageDir: join(dir, 'page'),
  });
  origin = inspector.url.replace(/\/$/, '');
  token = /content="([^"]+)"/.exec(await (await fetch(inspector.url)).text())![1]!;
}

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'datachonk-inspector-'));
  await mkdir(join(dir, 'page'));
  await writeFile(
    join(dir, 'page', 'index.html'),
    '<meta name="datachonk-token" content="__DATACHONK_TOKEN__"><script type="module" src="/assets/app.js"></script>',
  );
  await writeFile(join(dir, 'page', 'app.js'), 'export {};');
  app = await startRecordingServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json', 'x-app': 'yes' });
    res.end('{"received":true}');
  });
});

afterEach(async () => {
  await inspector?.close();
  await session?.close();
  await app.close();
  await rm(dir, { recursive: true, force: true });
});

function event(id: string, extra: Record<string, unknown> = {}): string {
  return JSON.stringify({
    id,
    event: 'chonk.deleted',
    created_at: '2026-11-26T10:00:00Z',
    project_id: 'proj_1',
    data: { chonk_id: 'chonk_1', chonk_name: 'dim_x', chonk_type: 'entity' },
    ...extra,
  });
}

async function deliver(body: string, signature = sign(SECRET, body)): Promise<number> {
  const answer = await fetch(session.receiver.url, {
    method: 'POST',
    body,
    headers: { 'content-type': 'application/json', 'x-datachonk-signature': signature },
  });
  await answer.arrayBuffer();
  return answer.status;
}

/** The inspector's API, as its page calls it. */
async function api(path: string, init: RequestInit = {}): Promise<{ status: number; json: Record<string, unknown> }> {
  const answer = await fetch(`${origin}${path}`, init);
  return { status: answer.status, json: (await answer.json()) as Record<string, unknown> };
}

const post = (path: string, body?: unknown) =>
  api(path, {
    method: 'POST',
    headers: { origin, 'x-datachonk-token': token, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });

/** Waits until the feed shows an entry matching `test` (the journal is followed, not pushed). */
async function entryWhere(test: (summary: Record<string, unknown>) => boolean): Promise<Record<string, unknown>> {
  for (;;) {
    const { json } = await api('/api/events?limit=500');
    const found = (json.entries as Record<string, unknown>[]).find(test);
    if (found) return found;
    await new Promise((resolve) => setImmediate(resolve));
  }
}

/** The stream: `opened` once the server has taken it, `events` the first `count` server-sent events as [event, data]. */
function openStream(count: number): { opened: Promise<void>; events: Promise<[string, Record<string, unknown>][]> } {
  let opened!: () => void;
  const openedPromise = new Promise<void>((resolve) => (opened = resolve));
  const events = new Promise<[string, Record<string, unknown>][]>((resolve, reject) => {
    const controller = new AbortController();
    const seen: [string, Record<string, unknown>][] = [];
    void fetch(`${origin}/api/stream`, { signal: controller.signal })
      .then(async (answer) => {
        let buffer = '';
        for await (const chunk of answer.body!) {
          opened();
          buffer += Buffer.from(chunk as Uint8Array).toString('utf8');
          let end;
          while ((end = buffer.indexOf('\n\n')) >= 0) {
            const block = buffer.slice(0, end);
            buffer = buffer.slice(end + 2);
            const name = /^event: (.+)$/m.exec(block)?.[1];
            const data = /^data: (.+)$/m.exec(block)?.[1];
            if (name && data) seen.push([name, JSON.parse(data) as Record<string, unknown>]);
            if (seen.length === count) {
              controller.abort();
              return resolve(seen);
            }
          }
        }
      })
      .catch((error: Error) => (error.name === 'AbortError' ? undefined : reject(error)));
  });
  return { opened: openedPromise, events };
}

describe("the inspector API over a listener's journal", () => {
  it("lists entries newest first with their verdict and forward, and shows one whole: headers in order, body, the app's answer", async () => {
    await startAll();
    expect(await deliver(event('evt_first'))).toBe(200);
    expect(await deliver(event('evt_forged'), sign('whsec_other', event('evt_forged')))).toBe(401);
    const forged = await entryWhere((s) => s.id === 'evt_forged');
    const first = await entryWhere((s) => s.id === 'evt_first' && s.forward !== null);
    expect(forged).toMatchObject({ verdict: 'rejected', reason_code: 'unknown', status: 401, forward: null });
    expect(first).toMatchObject({
      verdict: 'verified',
      event: 'chonk.deleted',
      status: 200,
      forward: { target: `${app.origin}/webhooks/datachonk`, status: 200 },
    });
    const { json: list } = await api('/api/events');
    expect((list.entries as { id: string }[]).map((e) => e.id)).toEqual(['evt_forged', 'evt_first']);

    const { json: whole } = await api(`/api/events/${first.rid as string}`);
    expect(whole).toMatchObject({
      rid: first.rid,
      request: { method: 'POST', path: '/webhooks/datachonk', body: event('evt_first'), body_is_text: true },
      verification: { status: 'valid' },
      replays: [],
    });
    const headers = (whole.request as { headers: [string, string][] }).headers;
    expect(headers.map(([name]) => name.toLowerCase())).toContain('x-datachonk-signature');
    const result = (
      whole.forwards as { results: { status: number; headers: [string, string][]; body: string }[] }[]
    )[0]!.results[0]!;
    expect(result).toMatchObject({ status: 200, body: '{"received":true}' });
    expect(result.headers).toContainEqual(['x-app', 'yes']);
    expect(JSON.stringify(whole)).not.toContain(SECRET);
  });

  it('a forged delivery shows the diagnosis: reason, cause and hint', async () => {
    await startAll();
    const body = event('evt_pretty');
    await deliver(JSON.stringify(JSON.parse(body), null, 2), sign(SECRET, body));
    const summary = await entryWhere((s) => s.id === 'evt_pretty');
    expect(summary).toMatchObject({ verdict: 'rejected', reason_code: 'body_reserialized' });
    const { json } = await api(`/api/events/${summary.rid as string}`);
    expect(json.verification).toMatchObject({
      status: 'invalid',
      code: 'mismatch',
      diagnosis: { reason: 'body_reserialized' },
      hint: expect.stringContaining('raw request bytes'),
    });
  });

  it('streams each new entry, then its update once forwarded, without a reload', async () => {
    await startAll();
    const stream = openStream(2);
    // The stream is open once the server has said so (its first comment); a delivery after that must arrive on it.
    await stream.opened;
    await deliver(event('evt_live'));
    const [[kind, entry], [later, updated]] = (await stream.events) as [
      [string, Record<string, unknown>],
      [string, Record<string, unknown>],
    ];
    expect([kind, entry.id, entry.forward]).toEqual(['entry', 'evt_live', null]);
    expect([later, updated.rid]).toEqual(['update', entry.rid]);
    expect(updated.forward).toMatchObject({ status: 200 });
  });

  it('filters by text, type and status, and pages back with before', async () => {
    await startAll();
    for (const id of ['evt_a1', 'evt_a2', 'evt_a3']) await deliver(event(id));
    await deliver(event('evt_b1'), 'sha256=00');
    await entryWhere((s) => s.id === 'evt_b1');
    const ids = async (query: string) =>
      ((await api(`/api/events?${query}`)).json.entries as { id: string }[]).map((e) => e.id);
    expect(await ids('q=evt_a')).toEqual(['evt_a3', 'evt_a2', 'evt_a1']);
    expect(await ids('status=rejected')).toEqual(['evt_b1']);
    expect(await ids('type=chonk.created')).toEqual([]);
    const { json: page } = await api('/api/events?limit=2');
    expect(page.more).toBe(true);
    const last = (page.entries as { rid: string }[])[1]!.rid;
    expect((await api(`/api/events?limit=2&before=${last}`)).json.entries).toHaveLength(2);
    expect((await api('/api/events?status=nonsense')).status).toBe(400);
  });
});

describe('replay, edit, curl', () => {
  it('replay: the same bytes, signed again, through the listener to the app; the new entry links the original', async () => {
    await startAll();
    const body = event('evt_again');
    await deliver(body);
    const original = await entryWhere((s) => s.id === 'evt_again');
    expect(await post(`/api/events/${original.rid as string}/replay`)).toEqual({
      status: 202,
      json: { status: 200, by: 'app', body: '{"received":true}' },
    });
    const [, replayed] = await app.waitFor(2);
    expect(replayed!.body.toString()).toBe(body);
    expect(verify(SECRET, replayed!.body, replayed!.headers['x-datachonk-signature'])).toMatchObject({ ok: true });
    // The listener's markers for the replay; no x-datachonk-event, which DataChonk does not send.
    expect(replayed!.headers).not.toHaveProperty('x-datachonk-event');
    const copy = await entryWhere((s) => s.replay_of === original.rid);
    expect(copy).toMatchObject({ id: 'evt_again', verdict: 'verified', edited: false });
    expect((await api(`/api/events/${original.rid as string}`)).json.replays).toEqual([copy.rid]);

    // A delivery the listener refused (signed with another secret): not without the user's word (a 409 that says
    // what would happen), then signed with the current one.
    const forgedBody = event('evt_forged_replay');
    await deliver(forgedBody, sign('whsec_someone_else', forgedBody));
    const forged = await entryWhere((s) => s.id === 'evt_forged_replay');
    const forgedPath = `/api/events/${forged.rid as string}/replay`;
    expect((await api(`/api/events/${forged.rid as string}`)).json.replay).toEqual({
      nothing: null,
      rejected: expect.stringMatching(/^its signature did not verify \(the signature does not match/),
    });
    expect(await post(forgedPath)).toMatchObject({
      status: 409,
      json: {
        code: 'rejected',
        rejected: expect.stringContaining('its signature did not verify'),
        error: expect.stringContaining(
          "signs it with the listener's secret and sends it to your app as if it were genuine",
        ),
      },
    });
    expect(await post(forgedPath, { allow_rejected: false })).toMatchObject({
      status: 409,
      json: { code: 'rejected' },
    });
    expect(app.requests).toHaveLength(2);
    expect(await post(forgedPath, { allow_rejected: true })).toEqual({
      status: 202,
      json: { status: 200, by: 'app', body: '{"received":true}' },
    });
    const [, , fixed] = await app.waitFor(3);
    expect(fixed!.body.toString()).toBe(forgedBody);
    expect(verify(SECRET, fixed!.body, fixed!.headers['x-datachonk-signature'])).toMatchObject({ ok: true });
  });

  it('send: an edited body is checked (422 with the issues), sent anyway with force, re-signed, and marked edited', async () => {
    await startAll();
    await deliver(event('evt_edit'));
    const original = await entryWhere((s) => s.id === 'evt_edit');
    const path = `/api/events/${original.rid as string}/send`;
    expect(await post(path, { body: '{not json', force: false })).toMatchObject({
      status: 422,
      json: { issues: [{ path: '(body)' }] },
    });
    const wrong = event('evt_edit', { data: { chonk_id: 'chonk_1', chonk_name: 'dim_x', chonk_type: 'nonsense' } });
    expect(await post(path, { body: wrong, force: false })).toMatchObject({
      status: 422,
      json: { issues: [{ path: 'data.chonk_type' }] },
    });
    expect(app.requests).toHaveLength(1);
    expect(await post(path, { body: wrong, force: true })).toMatchObject({
      status: 202,
      json: { status: 200, by: 'app' },
    });
    const [, sent] = await app.waitFor(2);
    expect(sent!.body.toString()).toBe(wrong);
    expect(verify(SECRET, sent!.body, sent!.headers['x-datachonk-signature'])).toMatchObject({ ok: true });
    expect(sent!.headers).not.toHaveProperty('x-datachonk-event');
    expect(await entryWhere((s) => s.replay_of === original.rid)).toMatchObject({ edited: true, verdict: 'verified' });
    expect((await post(path, { nobody: 1 })).status).toBe(400);
  });

  it('send: an edit of a rejected entry needs allow_rejected, as replay does', async () => {
    await startAll();
    const body = event('evt_forged_edit');
    await deliver(body, sign('whsec_someone_else', body));
    const forged = await entryWhere((s) => s.id === 'evt_forged_edit');
    const path = `/api/events/${forged.rid as string}/send`;
    expect(await post(path, { body, force: false })).toMatchObject({
      status: 409,
      json: { code: 'rejected', error: expect.stringContaining('sending an edit of it signs it') },
    });
    expect(app.requests).toHaveLength(0);
    expect(await post(path, { body, force: false, allow_rejected: true })).toMatchObject({
      status: 202,
      json: { status: 200, by: 'app' },
    });
    await app.waitFor(1);
  });

  it('nothing to replay: a GET (405), another path (404), a body too large (413) are refused, even when allowed', async () => {
    await startAll();
    const base = new URL(session.receiver.url);
    const get = await fetch(base, { method: 'GET' });
    expect(get.status).toBe(405);
    const elsewhere = await fetch(new URL('/elsewhere', base), { method: 'POST', body: event('evt_elsewhere') });
    expect(elsewhere.status).toBe(404);
    const huge = await rawRequest(base.href, { method: 'POST', body: 'x'.repeat((1 << 20) + 10) });
    expect(huge.status).toBe(413);
    await entryWhere(() => true);
    let listed: { rid: string }[] = [];
    while (listed.length < 3) listed = (await api('/api/events')).json.entries as { rid: string }[];
    const shown = await Promise.all(listed.map(async ({ rid }) => (await api(`/api/events/${rid}`)).json));
    expect(
      shown.map((d) => `${(d.request as { method: string }).method} ${(d.request as { path: string }).path}`),
    ).toEqual(['POST /webhooks/datachonk', 'POST /elsewhere', 'GET /webhooks/datachonk']);
    for (const [one, status] of [
      [shown[0]!, 413],
      [shown[1]!, 404],
      [shown[2]!, 405],
    ] as const) {
      const { method, path } = one.request as { method: string; path: string };
      expect((one.replay as { nothing: string }).nothing).toBe(
        `nothing to replay: ${method} ${path} was refused before its body was read (the listener answered ${status}), so no body was kept`,
      );
      expect(await post(`/api/events/${one.rid as string}/replay`, { allow_rejected: true })).toMatchObject({
        status: 409,
        json: { code: 'nothing-to-replay', error: (one.replay as { nothing: string }).nothing },
      });
    }
    expect(app.requests).toHaveLength(0);
    expect((await post(`/api/events/${shown[0]!.rid as string}/replay`, ['not', 'an object'])).status).toBe(400);
  });

  it('a non-2xx answer is reported as such, and whose it was: the listener refusing it (401)', async () => {
    // An inspector signing with a secret the listener does not know, and nothing verified in the journal to tell by.
    await startAll({ mode: 'inspect', secret: 'whsec_not_the_listeners' });
    await deliver(event('evt_unsigned'), 'sha256=00');
    const entry = await entryWhere((s) => s.id === 'evt_unsigned');
    expect((await api('/api/info')).json).toMatchObject({ can_send: true, send_note: null });
    expect(await post(`/api/events/${entry.rid as string}/replay`, { allow_rejected: true })).toMatchObject({
      status: 202,
      json: { status: 401, by: 'listener', body: expect.stringContaining('invalid signature') },
    });
    expect(app.requests).toHaveLength(0);
  });

  it('inspect signing with another secret than the listener verifies with: says so, and sends nothing', async () => {
    await startAll({ mode: 'inspect', secret: 'whsec_not_the_listeners' });
    await deliver(event('evt_verified'));
    const entry = await entryWhere((s) => s.id === 'evt_verified' && s.forward !== null);
    const { json: info } = await api('/api/info');
    expect(info).toMatchObject({
      can_send: false,
      send_note: expect.stringContaining('the listener verifies with another secret than this inspector signs with'),
    });
    expect(info.send_note).toContain('datachonk inspect --secret <secret>');
    for (const [path, body] of [
      ['replay', undefined],
      ['send', { body: event('evt_verified'), force: false }],
    ] as const) {
      expect(await post(`/api/events/${entry.rid as string}/${path}`, body)).toMatchObject({
        status: 409,
        json: { code: 'cannot-sign', error: info.send_note },
      });
    }
    expect(app.requests).toHaveLength(1);
    expect(JSON.stringify(info)).not.toContain('whsec_');
  });

  it('copy as curl: a ready command that the app accepts when run in a shell', async () => {
    await startAll();
    await deliver(event('evt_curl'));
    const entry = await entryWhere((s) => s.id === 'evt_curl');
    const { json } = await api(`/api/events/${entry.rid as string}/curl`);
    const command = json.command as string;
    expect(command).not.toContain(SECRET);
    const code = await new Promise<number | null>((resolve) =>
      spawn('bash', ['-c', `${command} --silent --output /dev/null`], { stdio: 'ignore' }).on('close', resolve),
    );
    expect(code).toBe(0);
    const [, ran] = await app.waitFor(2);
    expect(ran!.body.toString()).toBe(event('evt_curl'));
    expect(verify(SECRET, ran!.body, ran!.headers['x-datachonk-signature'])).toMatchObject({ ok: true });
    expect(datachonkHeaders(ran!)).toEqual(['x-datachonk-signature']);
  });

  it('download: the raw bytes as an attachment', async () => {
    await startAll();
    const body = `${event('evt_raw')}\n`;
    await deliver(body);
    const entry = await entryWhere((s) => s.id === 'evt_raw');
    const answer = await fetch(`${origin}/api/events/${entry.rid as string}/body`);
    expect(answer.headers.get('content-disposition')).toBe(`attachment; filename="${entry.rid as string}.json"`);
    expect(Buffer.from(await answer.arrayBuffer()).toString()).toBe(body);
  });

  it('without a running listener (datachonk inspect), reading works and sending says why it cannot', async () => {
    await startAll({ listening: false });
    await deliver(event('evt_alone'));
    const entry = await entryWhere((s) => s.id === 'evt_alone');
    expect((await api('/api/info')).json).toMatchObject({ mode: 'inspect', can_send: false, listen_url: null });
    expect(await post(`/api/events/${entry.rid as string}/replay`)).toMatchObject({
      status: 409,
      json: { error: expect.stringContaining('no listener is running') },
    });
  });
});

describe('who may use it', () => {
  it('refuses another Host (DNS rebinding) with 403 on every request', async () => {
    await startAll();
    const port = new URL(origin).port;
    for (const path of ['/', '/api/events', '/api/info', '/assets/app.js']) {
      const answer = await rawRequest(`${origin}${path}`, { method: 'GET', headers: { host: `evil.example:${port}` } });
      expect(answer.status, path).toBe(403);
    }
    expect(
      (await rawRequest(`${origin}/api/info`, { method: 'GET', headers: { host: `localhost:${port}` } })).status,
    ).toBe(200);
    expect(
      (await rawRequest(`${origin}/api/info`, { method: 'GET', headers: { host: `127.0.0.1:${Number(port) + 1}` } }))
        .status,
    ).toBe(403);
  });

  it('refuses a state change from another origin, without an origin, or without the token', async () => {
    await startAll();
    await deliver(event('evt_guard'));
    const entry = await entryWhere((s) => s.id === 'evt_guard');
    const path = `${origin}/api/events/${entry.rid as string}/replay`;
    const attempts: Record<string, string>[] = [
      { origin: 'http://evil.example', 'x-datachonk-token': token },
      { 'x-datachonk-token': token },
      { origin },
      { origin, 'x-datachonk-token': `${token}x` },
    ];
    for (const headers of attempts)
      expect((await fetch(path, { method: 'POST', headers })).status, JSON.stringify(Object.keys(headers))).toBe(403);
    expect(app.requests).toHaveLength(1);
    // A wrong token is told apart from a foreign origin: the page may then fetch the current one and retry.
    const wrong = await fetch(path, { method: 'POST', headers: { origin, 'x-datachonk-token': `${token}x` } });
    expect(await wrong.json()).toMatchObject({ code: 'wrong-token' });
    const foreign = await fetch(path, {
      method: 'POST',
      headers: { origin: 'http://evil.example', 'x-datachonk-token': token },
    });
    expect(await foreign.json()).toMatchObject({ code: 'cross-site' });
  });

  it('gives the current token at /api/token to its own pages only (their Host), never across sites', async () => {
    await startAll();
    const port = new URL(origin).port;
    const own = await rawRequest(`${origin}/api/token`, { method: 'GET' });
    expect(own.status).toBe(200);
    expect(JSON.parse(own.body)).toEqual({ token });
    expect(own.headers['access-control-allow-origin']).toBeUndefined();
    const rebound = await rawRequest(`${origin}/api/token`, {
      method: 'GET',
      headers: { host: `evil.example:${port}` },
    });
    expect(rebound.status).toBe(403);
    expect(rebound.body).not.toContain(token);
  });

  it('serves the page with its token and a strict CSP, and only plain file names under /assets/', async () => {
    await startAll();
    const page = await fetch(inspector.url);
    expect(page.headers.get('content-security-policy')).toContain("script-src 'self'");
    expect(page.headers.get('content-security-policy')).toContain("default-src 'none'");
    expect(token).toMatch(/^[\w-]{32}$/);
    expect((await fetch(`${origin}/assets/app.js`)).status).toBe(200);
    for (const path of ['/assets/..%2Findex.html', '/assets/.hidden', '/assets/index.html/..']) {
      expect((await rawRequest(`${origin}${path}`, { method: 'GET' })).status, path).toBe(404);
    }
  });

  it('writes the newest rows into the HTML, and the stylesheet inline under its hash', async () => {
    const css = 'body { color: red; }\n';
    await writeFile(join(dir, 'page', 'app.css'), css);
    await writeFile(
      join(dir, 'page', 'index.html'),
      '<meta name="datachonk-token" content="__DATACHONK_TOKEN__"><link rel="stylesheet" href="/assets/app.css"><tbody>__DATACHONK_FIRST_ROWS__</tbody>',
    );
    await startAll();
    for (let i = 0; i < 45; i++) expect(await deliver(event(`evt_${i}`))).toBe(200);
    await entryWhere((summary) => summary.id === 'evt_44' && summary.forward !== null);
    const answer = await fetch(inspector.url);
    const html = await answer.text();
    const hash = createHash('sha256').update(css).digest('base64');
    expect(answer.headers.get('content-security-policy')).toContain(`style-src 'self' 'sha256-${hash}';`);
    expect(html).toContain(`"><style>${css}</style><tbody>`);
    const rows = html.slice(html.indexOf('<tbody>'), html.indexOf('</tbody>'));
    expect(rows.match(/<tr /g)).toHaveLength(40);
    expect(rows.indexOf('evt_44')).toBeLessThan(rows.indexOf('evt_43'));
    expect(rows).toContain('title="evt_5"');
    expect(rows).not.toContain('title="evt_4"');
  });

  it('leaves a stylesheet with "</" in it as a link, under the plain CSP', async () => {
    await writeFile(join(dir, 'page', 'app.css'), 'body::after { content: "</style>"; }');
    await writeFile(
      join(dir, 'page', 'index.html'),
      '<meta name="datachonk-token" content="__DATACHONK_TOKEN__"><link rel="stylesheet" href="/assets/app.css">',
    );
    await startAll();
    const answer = await fetch(inspector.url);
    expect(await answer.text()).toBe(
      `<meta name="datachonk-token" content="${token}"><link rel="stylesheet" href="/assets/app.css">`,
    );
    expect(answer.headers.get('content-security-policy')).toContain("style-src 'self';");
  });
});

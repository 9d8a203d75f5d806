import { afterEach, describe, expect, it } from 'vitest';
import { ApiClient, retryAfter } from '../../src/core/api/client.js';
import { WebhooksApi } from '../../src/core/api/webhooks.js';
import { EVENT_TYPES } from '../../src/core/events/catalogue.js';
import { startRecordingServer, type RecordingServer, type Responder } from '../helpers/recording-server.js';
import { testContext, type TestContext } from '../helpers/context.js';
import { argsOf, exitCode, failureWords, run } from '../helpers/program.js';

const webhooks = (ctx: TestContext, command: string, ...args: (string | Record<string, unknown>)[]) =>
  run(ctx, ['webhooks', command, ...args.flatMap((a) => (typeof a === 'string' ? [a] : argsOf(a)))]);

const KEY = 'dck_live_secretkey_9f3a';
let server: RecordingServer | undefined;
let ctx: TestContext | undefined;
const sleeps: number[] = [];
afterEach(async () => {
  await server?.close();
  await ctx?.cleanup();
  server = undefined;
  ctx = undefined;
  sleeps.length = 0;
});

const webhook = {
  id: 'wh_1',
  url: 'https://example.com/hook',
  events: ['generation.completed'],
  description: null,
  status: 'active',
  created_at: '2026-11-26T00:00:00Z',
  updated_at: '2026-11-26T00:00:00Z',
};
const envelope = (data: unknown) => JSON.stringify({ success: true, data, meta: { requestId: 'req_abc' } });

async function apiAgainst(respond: Responder): Promise<WebhooksApi> {
  server = await startRecordingServer(respond);
  return new WebhooksApi(
    new ApiClient({
      baseUrl: `${server.origin}/v1`,
      apiKey: KEY,
      userAgent: 'test',
      sleep: async (ms) => void sleeps.push(ms),
    }),
  );
}

const answer =
  (status: number, body?: string, headers: Record<string, string> = {}): Responder =>
  (_req, res) => {
    res.writeHead(status, { 'content-type': 'application/json', ...headers });
    res.end(body);
  };

describe('the webhooks API client', () => {
  it('create sends exactly the documented POST /v1/webhooks', async () => {
    const api = await apiAgainst(answer(201, envelope(webhook)));
    const created = await api.create({
      url: 'https://example.com/hook',
      events: ['generation.completed', 'push.completed'],
      secret: 'whsec_x',
    });
    const [request] = server!.requests;
    expect(request!.method).toBe('POST');
    expect(request!.url).toBe('/v1/webhooks');
    expect(request!.headers.authorization).toBe(`Bearer ${KEY}`);
    expect(request!.headers['content-type']).toBe('application/json');
    expect(JSON.parse(request!.body.toString())).toEqual({
      url: 'https://example.com/hook',
      events: ['generation.completed', 'push.completed'],
      secret: 'whsec_x',
    });
    expect(created.id).toBe('wh_1');
  });

  it('list, get, update and delete hit the assumed routes', async () => {
    let n = 0;
    const api = await apiAgainst((_req, res) => {
      n++;
      if (n === 4) return answer(204)(_req, res);
      answer(200, n === 1 ? envelope([webhook]) : envelope(webhook))(_req, res);
    });
    await api.list();
    await api.get('wh_1');
    await api.update('wh_1', { status: 'disabled', events: undefined });
    await api.delete('wh_1');
    expect(server!.requests.map((r) => `${r.method} ${r.url}`)).toEqual([
      'GET /v1/webhooks',
      'GET /v1/webhooks/wh_1',
      'PATCH /v1/webhooks/wh_1',
      'DELETE /v1/webhooks/wh_1',
    ]);
    expect(JSON.parse(server!.requests[2]!.body.toString())).toEqual({ status: 'disabled' });
  });

  it('accepts a bare JSON body as well as the envelope', async () => {
    const api = await apiAgainst(answer(200, JSON.stringify({ webhooks: [webhook] })));
    expect((await api.list()).map((w) => w.id)).toEqual(['wh_1']);
  });

  it('two 503s then success: create succeeds, honouring Retry-After', async () => {
    let n = 0;
    const api = await apiAgainst((req, res) =>
      (++n <= 2 ? answer(503, '', { 'retry-after': '2' }) : answer(201, envelope(webhook)))(req, res),
    );
    await expect(
      api.create({ url: 'https://example.com/hook', events: ['chonk.created'], secret: 's' }),
    ).resolves.toMatchObject({ id: 'wh_1' });
    expect(server!.requests).toHaveLength(3);
    expect(sleeps).toEqual([2000, 2000]);
  });

  it('gives up after three retries with a clear error', async () => {
    const api = await apiAgainst(
      answer(
        429,
        JSON.stringify({
          success: false,
          error: { code: 'RATE_LIMITED', message: 'slow down' },
          meta: { requestId: 'req_1' },
        }),
      ),
    );
    expect((await failureWords(api.list())).message).toContain('rate limiting');
    expect(server!.requests).toHaveLength(4);
  });

  it('does not resend a POST whose connection broke after it was sent, but does a GET', async () => {
    const api = await apiAgainst((_req, res) => res.socket?.destroy());
    expect(
      await failureWords(api.create({ url: 'https://example.com/hook', events: ['chonk.created'], secret: 's' })),
    ).toMatchObject({ kind: 'failure', message: expect.stringContaining('cannot reach the DataChonk API') });
    expect(server!.requests).toHaveLength(1);
    expect((await failureWords(api.list())).kind).toBe('failure');
    expect(server!.requests).toHaveLength(5);
  });

  it('a 401 says to log in, with code and request id, and never shows the key', async () => {
    const api = await apiAgainst(
      answer(
        401,
        JSON.stringify({
          success: false,
          error: {
            code: 'UNAUTHORIZED',
            message: 'Invalid API key',
            details: { suggestion: 'Create a key in settings' },
          },
          meta: { requestId: 'req_401' },
        }),
      ),
    );
    const error = (await failureWords(api.list())) as { message: string; hint: string };
    expect(error.message).toContain('the API key was refused');
    expect(error.message).toContain('UNAUTHORIZED');
    expect(error.message).toContain('req_401');
    expect(error.hint).toContain('datachonk auth login');
    expect(error.hint).toContain('Create a key in settings');
    expect(`${error.message} ${error.hint}`).not.toContain(KEY);
  });

  it('a 404 names the webhook; a 400 lists the field details', async () => {
    let n = 0;
    const api = await apiAgainst((req, res) =>
      (++n === 1
        ? answer(
            404,
            JSON.stringify({
              success: false,
              error: { code: 'NOT_FOUND', message: 'no such webhook' },
              meta: { requestId: 'req_2' },
            }),
          )
        : answer(
            400,
            JSON.stringify({
              success: false,
              error: { code: 'INVALID_REQUEST', message: 'bad', details: { url: 'must be https' } },
              meta: { requestId: 'req_3' },
            }),
          ))(req, res),
    );
    expect((await failureWords(api.get('wh_gone'))).message).toContain('webhook wh_gone not found');
    expect(
      (await failureWords(api.create({ url: 'http://x', events: ['chonk.created'], secret: 's' }))).message,
    ).toContain('url: must be https');
  });

  it('refuses plain http to anything but this machine', async () => {
    expect(
      (await failureWords(() => new ApiClient({ baseUrl: 'http://api.datachonk.io/v1', apiKey: KEY, userAgent: 't' })))
        .message,
    ).toMatch(/refusing to send the API key/);
    expect(() => new ApiClient({ baseUrl: 'http://localhost:4010/v1', apiKey: KEY, userAgent: 't' })).not.toThrow();
  });

  it('reads Retry-After as seconds or an HTTP date, capped', () => {
    expect(retryAfter('3')).toBe(3000);
    expect(retryAfter(new Date(10_000).toUTCString(), 4000)).toBe(6000);
    expect(retryAfter('86400')).toBe(60_000);
    expect(retryAfter('soon')).toBeUndefined();
  });
});

describe('webhooks commands', () => {
  it('an unknown event is a usage error and no request is sent', async () => {
    server = await startRecordingServer();
    ctx = await testContext({ env: { DATACHONK_API_KEY: KEY, DATACHONK_API_URL: `${server.origin}/v1` } });
    expect(
      await exitCode(ctx, ['webhooks', 'create', '--url', 'https://example.com/h', '--events', 'generation.complete']),
    ).toBe(2);
    expect(ctx.stderr.text).toContain('unknown event type "generation.complete": did you mean generation.completed?');
    expect(server.requests).toHaveLength(0);
  });

  it('create generates a secret when none is given, sends it, and shows it once', async () => {
    server = await startRecordingServer(answer(201, envelope(webhook)));
    ctx = await testContext({
      output: 'json',
      env: { DATACHONK_API_KEY: KEY, DATACHONK_API_URL: `${server.origin}/v1` },
    });
    await webhooks(ctx, 'create', { url: 'https://example.com/h' });
    const sent = JSON.parse(server.requests[0]!.body.toString()) as { secret: string; events: string[] };
    expect(sent.secret).toMatch(/^whsec_/);
    expect(sent.events).toEqual([...EVENT_TYPES]);
    expect(ctx.stdout.records[0]).toMatchObject({ type: 'webhook', id: 'wh_1', secret: sent.secret });
  });

  it('a given secret is not echoed back', async () => {
    server = await startRecordingServer(answer(201, envelope(webhook)));
    ctx = await testContext({
      output: 'json',
      env: { DATACHONK_API_KEY: KEY, DATACHONK_API_URL: `${server.origin}/v1` },
    });
    await webhooks(ctx, 'create', { url: 'https://example.com/h', secret: 'whsec_mine' });
    expect(ctx.stdout.text).not.toContain('whsec_mine');
  });

  it('no key is a usage error that says how to log in', async () => {
    ctx = await testContext();
    await expect(webhooks(ctx, 'list')).rejects.toMatchObject({
      kind: 'usage',
      hint: expect.stringContaining('datachonk auth login'),
    });
  });

  it('delete without a terminal needs --yes', async () => {
    server = await startRecordingServer(answer(204));
    ctx = await testContext({ env: { DATACHONK_API_KEY: KEY, DATACHONK_API_URL: `${server.origin}/v1` } });
    await expect(webhooks(ctx, 'delete', 'wh_1')).rejects.toMatchObject({
      kind: 'usage',
      hint: expect.stringContaining('--yes'),
    });
    expect(server.requests).toHaveLength(0);
    await webhooks(ctx, 'delete', 'wh_1', { yes: true });
    expect(server.requests.map((r) => `${r.method} ${r.url}`)).toEqual(['DELETE /v1/webhooks/wh_1']);
  });
});

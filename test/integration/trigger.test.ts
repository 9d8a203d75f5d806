import { afterEach, describe, expect, it } from 'vitest';
import { readConfig } from '../../src/config/config-file.js';
import { verify } from '../../src/core/signing/signature.js';
import { EVENT_TYPES } from '../../src/core/events/catalogue.js';
import {
  closedPort,
  datachonkHeaders,
  startRecordingServer,
  type RecordingServer,
} from '../helpers/recording-server.js';
import { testContext, type TestContext } from '../helpers/context.js';
import { argsOf, exitCode, run } from '../helpers/program.js';

const trigger = (context: TestContext, event: string | undefined, flags: Record<string, unknown>) =>
  run(context, ['trigger', ...(event ? [event] : []), ...argsOf(flags)]);

let ctx: TestContext;
let server: RecordingServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
  await ctx?.cleanup();
});

describe('trigger against a real server', () => {
  it('sends compact JSON with the signature, content-type and user-agent headers, and no header DataChonk does not send', async () => {
    ctx = await testContext({ output: 'json' });
    server = await startRecordingServer();
    await trigger(ctx, 'generation.completed', { url: server.url, secret: 'whsec_int' });
    const [request] = server.requests;
    const body = request!.body.toString('utf8');
    expect(request!.method).toBe('POST');
    expect(request!.url).toBe('/webhooks/datachonk');
    expect(request!.headers['content-type']).toBe('application/json');
    expect(request!.headers['user-agent']).toBe('datachonk-cli/0.0.0-test');
    // DataChonk's documentation names two headers; this tool adds only its user-agent.
    expect(datachonkHeaders(request!)).toEqual(['x-datachonk-signature']);
    expect(verify('whsec_int', request!.body, request!.headers['x-datachonk-signature'])).toEqual({
      ok: true,
      secretIndex: 0,
    });
    expect(body).toBe(JSON.stringify(JSON.parse(body)));
    const parsed = JSON.parse(body) as { id: string };
    expect(parsed.id).toMatch(/^evt_[0-9A-Za-z]{24}$/);
    expect(ctx.stdout.records).toEqual([
      expect.objectContaining({ type: 'delivery', id: parsed.id, status: 200, ok: true }),
    ]);
  });

  it('uses DATACHONK_WEBHOOK_SECRET, else a stored dev secret that stays the same', async () => {
    ctx = await testContext({ env: { DATACHONK_WEBHOOK_SECRET: 'whsec_env' } });
    server = await startRecordingServer();
    await trigger(ctx, 'chonk.created', { url: server.url });
    expect(verify('whsec_env', server.requests[0]!.body, server.requests[0]!.headers['x-datachonk-signature']).ok).toBe(
      true,
    );

    const plain = await testContext();
    try {
      await trigger(plain, 'chonk.created', { url: server.url });
      await trigger(plain, 'chonk.created', { url: server.url });
      const stored = (await readConfig(plain.paths.configFile)).dev_secret!;
      expect(stored).toMatch(/^whsec_/);
      for (const request of server.requests.slice(1)) {
        expect(verify(stored, request.body, request.headers['x-datachonk-signature']).ok).toBe(true);
      }
    } finally {
      await plain.cleanup();
    }
  });

  it('adds custom headers, and --signature missing/invalid send no or a wrong signature', async () => {
    ctx = await testContext({ output: 'quiet' });
    server = await startRecordingServer();
    await trigger(ctx, 'scan.completed', { url: server.url, secret: 's', header: ['X-Run: 7'], signature: 'missing' });
    await trigger(ctx, 'scan.completed', { url: server.url, secret: 's', signature: 'invalid' });
    expect(server.requests[0]!.headers['x-run']).toBe('7');
    expect(datachonkHeaders(server.requests[0]!)).toEqual([]);
    expect(server.requests[0]!.headers['x-datachonk-signature']).toBeUndefined();
    expect(verify('s', server.requests[1]!.body, server.requests[1]!.headers['x-datachonk-signature'])).toMatchObject({
      reason: 'mismatch',
    });
  });

  it('sends x-datachonk-event only when --header adds it', async () => {
    ctx = await testContext({ output: 'quiet' });
    server = await startRecordingServer();
    await trigger(ctx, 'scan.completed', {
      url: server.url,
      secret: 's',
      header: ['X-DataChonk-Event: scan.completed'],
    });
    expect(server.requests[0]!.headers['x-datachonk-event']).toBe('scan.completed');
  });

  it('sends every type with --all, and --count events each with a fresh id', async () => {
    ctx = await testContext({ output: 'json' });
    server = await startRecordingServer();
    await trigger(ctx, undefined, { url: server.url, secret: 's', all: true, count: '3', concurrency: '4' });
    const bodies = server.requests.map((r) => JSON.parse(r.body.toString()) as { id: string; event: string });
    expect(bodies).toHaveLength(EVENT_TYPES.length * 3);
    expect(new Set(bodies.map((b) => b.id)).size).toBe(bodies.length);
    expect(new Set(bodies.map((b) => b.event))).toEqual(new Set(EVENT_TYPES));
    const summary = ctx.stdout.records.at(-1);
    expect(summary).toMatchObject({ type: 'summary', sent: 24, ok: 24, failed: 0 });
  });

  it('--dry-run sends nothing and prints the request and a curl with --data-binary', async () => {
    ctx = await testContext();
    server = await startRecordingServer();
    await trigger(ctx, 'push.completed', { url: server.url, secret: 's', dryRun: true });
    expect(server.requests).toHaveLength(0);
    expect(ctx.stdout.text).toContain(`POST ${server.url}`);
    expect(ctx.stdout.text).toContain('--data-binary');
    expect(ctx.stdout.text).toContain('x-datachonk-signature: sha256=');
  });
});

describe('trigger outcomes', () => {
  it.each([
    [200, undefined, 'ok'],
    [204, undefined, 'ok'],
    [401, undefined, 'failure'],
    [500, undefined, 'failure'],
    [401, '401', 'ok'],
    [200, '401', 'failure'],
  ])('a %i answer with --expect-status %s is %s', async (status, expectStatus, verdict) => {
    ctx = await testContext({ output: 'quiet' });
    server = await startRecordingServer((_req, res) => {
      res.statusCode = status;
      res.end();
    });
    const run = trigger(ctx, 'generation.completed', { url: server.url, secret: 's', expectStatus });
    if (verdict === 'ok') await expect(run).resolves.toBeUndefined();
    else await expect(run).rejects.toMatchObject({ kind: 'failure' });
  });

  it('a refused connection fails with a hint to start the app or the listener', async () => {
    ctx = await testContext({ output: 'quiet' });
    const port = await closedPort();
    await expect(
      trigger(ctx, 'generation.completed', { url: `http://127.0.0.1:${port}/x`, secret: 's' }),
    ).rejects.toMatchObject({
      kind: 'failure',
      message: expect.stringContaining('connection refused'),
      hint: expect.stringContaining(`running on 127.0.0.1:${port}`),
    });
  });

  it('a server that never answers times out after --timeout', async () => {
    ctx = await testContext({ output: 'json' });
    server = await startRecordingServer(() => {});
    await expect(
      trigger(ctx, 'generation.completed', { url: server.url, secret: 's', timeout: '200ms' }),
    ).rejects.toMatchObject({
      kind: 'failure',
      message: expect.stringContaining('within 200ms'),
    });
    expect(ctx.stdout.records[0]).toMatchObject({ ok: false, error: { code: 'timeout' } });
  });

  it('a server that resets the connection is a failure, not a crash', async () => {
    ctx = await testContext({ output: 'quiet' });
    server = await startRecordingServer((_req, res) => res.socket?.destroy());
    await expect(trigger(ctx, 'generation.completed', { url: server.url, secret: 's' })).rejects.toMatchObject({
      kind: 'failure',
    });
  });

  it('keeps the start of a large answer, read in full, and the query of --url', async () => {
    ctx = await testContext({ output: 'json' });
    const big = 'y'.repeat(200 * 1024);
    server = await startRecordingServer((_req, res) => {
      res.statusCode = 500;
      // Chunked, in several writes: the body arrives in many pieces.
      for (let i = 0; i < big.length; i += 16 * 1024) res.write(big.slice(i, i + 16 * 1024));
      res.end();
    });
    await expect(
      trigger(ctx, 'generation.completed', { url: `${server.url}?tenant=a%20b`, secret: 's' }),
    ).rejects.toMatchObject({ kind: 'failure' });
    expect(server.requests[0]!.url).toBe('/webhooks/datachonk?tenant=a%20b');
    const record = ctx.stdout.records[0] as { status: number; response_body: string };
    expect(record.status).toBe(500);
    expect(record.response_body).toBe(big.slice(0, 64 * 1024));
  });

  it('a load run reports how many failed', async () => {
    ctx = await testContext({ output: 'json' });
    let n = 0;
    server = await startRecordingServer((_req, res) => {
      res.statusCode = ++n % 2 === 0 ? 500 : 200;
      res.end();
    });
    await expect(
      trigger(ctx, 'chonk.created', { url: server.url, secret: 's', count: '10', concurrency: '1' }),
    ).rejects.toMatchObject({
      message: '5 of 10 deliveries did not get a 2xx status',
    });
    expect(ctx.stdout.records.at(-1)).toMatchObject({ type: 'summary', sent: 10, ok: 5, failed: 5 });
  });

  it.each([
    [{ count: '0' }, /--count/],
    [{ concurrency: 'many' }, /--concurrency/],
    [{ timeout: 'soon' }, /--timeout/],
    [{ url: 'ftp://x' }, /--url/],
    [{ header: ['nocolon'] }, /--header.*expected "Name: value", got "nocolon"/],
    [{ header: [': no name'] }, /--header.*expected "Name: value"/],
    [{ expectStatus: '99' }, /--expect-status/],
    [{ secret: '' }, /--secret/],
  ])('bad flags %o are a usage error naming the flag', async (flags, message) => {
    ctx = await testContext({ output: 'quiet' });
    expect(await exitCode(ctx, ['trigger', 'chonk.created', ...argsOf(flags)])).toBe(2);
    expect(ctx.stderr.text).toMatch(message);
  });
});

describe('trigger -q', () => {
  it('prints the results: a line per delivery, and the summary of --all; nothing else', async () => {
    ctx = await testContext({ output: 'quiet' });
    server = await startRecordingServer();
    await trigger(ctx, 'chonk.created', { url: server.url, secret: 's' });
    expect(ctx.stdout.text).toMatch(
      /^✔ chonk\.created \[evt_\w+\] \[200\] POST http:\/\/127\.0\.0\.1:\d+\/webhooks\/datachonk \d/,
    );
    expect(ctx.stdout.text.trim().split('\n')).toHaveLength(1);
    ctx.stdout.chunks.length = 0;
    await trigger(ctx, undefined, { all: true, url: server.url, secret: 's' });
    expect(ctx.stdout.text).toContain(`Sent ${EVENT_TYPES.length}  ok ${EVENT_TYPES.length}  failed 0`);
    expect(ctx.stderr.text).toBe('');
  });
});

describe('trigger stopped by Ctrl-C or SIGTERM', () => {
  it('sends nothing more, lets what is in flight finish, says how many of how many, and exits 130', async () => {
    let stop: (signal: string) => void = () => {};
    ctx = await testContext({ shutdown: new Promise<string>((resolve) => (stop = resolve)) });
    // The app answers the first request only once the signal has come.
    let answerFirst: () => void = () => {};
    server = await startRecordingServer((request, res) => {
      if (server!.requests.length === 1) answerFirst = () => res.end('{}');
      else res.end('{}');
    });
    const code = exitCode(ctx, ['trigger', 'chonk.created', '--count', '50', '--url', server.url, '--secret', 's']);
    await server.waitFor(1);
    stop('SIGINT');
    answerFirst();
    expect(await code).toBe(130);
    expect(server.requests).toHaveLength(1);
    expect(ctx.stderr.text).toContain('error: interrupted (SIGINT): sent 1 of 50 events, 1 as expected, 0 not');
    expect(ctx.stdout.text).toContain('Sent 1  ok 1  failed 0');
  });
});

describe('trigger says who answered', () => {
  it("a 401 from datachonk listen is the listener's, and the app never saw it", async () => {
    const { startReceiver } = await import('../../src/core/listen/receiver.js');
    const receiver = await startReceiver(
      {
        host: '127.0.0.1',
        port: 0,
        path: '/webhooks/datachonk',
        secrets: ['whsec_listener'],
        skipVerify: false,
        targets: [],
        forwardTimeoutMs: 1000,
        maxBodyBytes: 1 << 20,
        requestTimeoutMs: 5000,
        drainTimeoutMs: 100,
        now: () => new Date(),
        monotonic: () => performance.now(),
      },
      { received() {}, forwarded() {}, completed() {}, warning() {} },
    );
    try {
      ctx = await testContext();
      expect(await exitCode(ctx, ['trigger', 'chonk.created', '--url', receiver.url, '--secret', 'whsec_other'])).toBe(
        1,
      );
      const host = new URL(receiver.url).host;
      expect(ctx.stderr.text).toContain(
        `error: the listener at ${host} (datachonk listen) answered 401, not a 2xx status: invalid signature: the signature does not match the body: the secret differs, or the body was changed on the way; your app never saw the request`,
      );
      expect(ctx.stderr.text).toContain('hint: the listener verifies with its own secret');
    } finally {
      await receiver.close();
    }
  });

  it("the listener's own 413 and 502 come with what to do about them", async () => {
    const { startReceiver } = await import('../../src/core/listen/receiver.js');
    const { parseTarget } = await import('../../src/core/listen/targets.js');
    const appPort = await closedPort();
    const receiver = await startReceiver(
      {
        host: '127.0.0.1',
        port: 0,
        path: '/webhooks/datachonk',
        secrets: ['whsec_l'],
        skipVerify: false,
        targets: [parseTarget(`127.0.0.1:${appPort}`)],
        forwardTimeoutMs: 1000,
        maxBodyBytes: 700,
        requestTimeoutMs: 5000,
        drainTimeoutMs: 100,
        now: () => new Date(),
        monotonic: () => performance.now(),
      },
      { received() {}, forwarded() {}, completed() {}, warning() {} },
    );
    try {
      ctx = await testContext();
      expect(await exitCode(ctx, ['trigger', 'chonk.created', '--url', receiver.url, '--secret', 'whsec_l'])).toBe(1);
      // The real cause, in the listener's own words: the app is down (not a status to --expect).
      expect(ctx.stderr.text).toContain(
        `(datachonk listen) could not reach your app, so your app never saw the request: connection refused: is your app running on 127.0.0.1:${appPort}?`,
      );
      expect(ctx.stderr.text).toContain("hint: start your app (or fix the listener's --forward target)");
      expect(ctx.stderr.text).not.toContain('--expect-status');
      ctx.stderr.chunks.length = 0;
      expect(
        await exitCode(ctx, [
          'trigger',
          'generation.completed',
          '--url',
          receiver.url,
          '--secret',
          'whsec_l',
          '--set',
          `data.chonk_name=${'x'.repeat(800)}`,
        ]),
      ).toBe(1);
      expect(ctx.stderr.text).toContain('(datachonk listen) answered 413');
      expect(ctx.stderr.text).toContain('hint: the listener refuses bodies larger than its --max-body');
    } finally {
      await receiver.close();
    }
  });

  it("an app's own 401 is the app's; an HTML error page is named by its title, not dumped", async () => {
    ctx = await testContext();
    server = await startRecordingServer((request, res) => {
      if (request.url.endsWith('/html')) {
        res.writeHead(500, { 'content-type': 'text/html' });
        res.end(
          `<!DOCTYPE html><html><head><title>500 Internal Server Error</title><style>body{}</style></head><body>${'<p>stack</p>'.repeat(500)}</body></html>`,
        );
      } else {
        res.writeHead(401);
        res.end('{"error":"bad signature"}');
      }
    });
    expect(await exitCode(ctx, ['trigger', 'chonk.created', '--url', server.url, '--secret', 's'])).toBe(1);
    expect(ctx.stderr.text).toContain('error: your app answered 401, not a 2xx status: bad signature\n');
    ctx.stderr.chunks.length = 0;
    expect(await exitCode(ctx, ['trigger', 'chonk.created', '--url', `${server.origin}/html`, '--secret', 's'])).toBe(
      1,
    );
    expect(ctx.stderr.text).toContain(
      'error: your app answered 500, not a 2xx status: an HTML page: 500 Internal Server Error\n',
    );
    expect(ctx.stderr.text).not.toContain('stack');
  });
});

describe("trigger says the likely cause of an app's answer", () => {
  it("an app's 401 to an event the listener verified is most often a secret mismatch", async () => {
    const { startReceiver } = await import('../../src/core/listen/receiver.js');
    const { parseTarget } = await import('../../src/core/listen/targets.js');
    server = await startRecordingServer((_req, res) => {
      res.writeHead(401);
      res.end('{"error":"bad signature"}');
    });
    const receiver = await startReceiver(
      {
        host: '127.0.0.1',
        port: 0,
        path: '/webhooks/datachonk',
        secrets: ['whsec_l'],
        skipVerify: false,
        targets: [parseTarget(server.origin)],
        forwardTimeoutMs: 1000,
        maxBodyBytes: 1 << 20,
        requestTimeoutMs: 5000,
        drainTimeoutMs: 100,
        now: () => new Date(),
        monotonic: () => performance.now(),
      },
      { received() {}, forwarded() {}, completed() {}, warning() {} },
    );
    try {
      ctx = await testContext();
      expect(await exitCode(ctx, ['trigger', 'chonk.created', '--url', receiver.url, '--secret', 'whsec_l'])).toBe(1);
      expect(ctx.stderr.text).toContain('error: your app answered 401, not a 2xx status: bad signature\n');
      expect(ctx.stderr.text).toContain(
        'hint: your app refused a correctly signed event: most often it verifies with another secret; compare `datachonk listen --print-secret` with the secret your app verifies with',
      );
      expect(ctx.stderr.text).not.toContain('--expect-status');
    } finally {
      await receiver.close();
    }
  });

  it('a 404 names the path, a 3xx its Location, a 5xx points at the log, each its own hint, also in a load run', async () => {
    ctx = await testContext();
    server = await startRecordingServer((request, res) => {
      if (request.url.startsWith('/moved')) res.writeHead(308, { location: 'https://example.test/hooks' });
      else if (request.url.startsWith('/broken')) res.writeHead(500);
      else res.writeHead(404);
      res.end();
    });
    const hintOf = async (path: string, more: string[] = []) => {
      ctx.stderr.chunks.length = 0;
      expect(
        await exitCode(ctx, [
          'trigger',
          'chonk.created',
          '--url',
          `${server!.origin}${path}`,
          '--secret',
          's',
          ...more,
        ]),
      ).toBe(1);
      return ctx.stderr.text.split('\n').find((line) => line.startsWith('hint: '));
    };
    expect(await hintOf('/wrong/path')).toBe(
      'hint: your app has no route at /wrong/path: check the path it receives webhooks at and the path in --url',
    );
    expect(await hintOf('/moved')).toBe(
      'hint: your app redirected to https://example.test/hooks: webhooks are not followed through redirects; send to that URL itself',
    );
    expect(await hintOf('/broken')).toBe('hint: your app failed on this event: look at its log for the error');
    expect(await hintOf('/broken', ['--count', '2'])).toBe(
      'hint: your app failed on this event: look at its log for the error',
    );
  });

  it("an app's 401 to a signature trigger was asked to break keeps the --expect-status hint", async () => {
    ctx = await testContext();
    server = await startRecordingServer((_request, res) => {
      res.writeHead(401);
      res.end();
    });
    expect(
      await exitCode(ctx, ['trigger', 'chonk.created', '--url', server.url, '--secret', 's', '--signature', 'invalid']),
    ).toBe(1);
    expect(ctx.stderr.text).toContain('hint: use --expect-status if that status is what you meant to test');
    expect(ctx.stderr.text).not.toContain('another secret');
  });
});

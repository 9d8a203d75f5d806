import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { verify } from '../../src/core/signing/signature.js';
import { datachonkHeaders, startRecordingServer, type RecordingServer } from '../helpers/recording-server.js';
import { startEndpoint } from '../helpers/check-endpoints.js';
import { testContext, type TestContext } from '../helpers/context.js';
import { argsOf, exitCode, run } from '../helpers/program.js';

const trigger = (context: TestContext, event: string, flags: Record<string, unknown>) =>
  run(context, ['trigger', event, ...argsOf(flags)]);

let contexts: TestContext[] = [];
let app: RecordingServer | undefined;
afterEach(async () => {
  await app?.close();
  app = undefined;
  await Promise.all(contexts.map((c) => c.cleanup()));
  contexts = [];
});

/** Runs `listen` in process until the returned stop() is called. */
async function runListen(flags: Record<string, unknown>, options: Parameters<typeof testContext>[0] = {}) {
  let stop: (signal: string) => void = () => {};
  const shutdown = new Promise<string>((resolve) => (stop = resolve));
  const ctx = await testContext({ ...options, shutdown });
  contexts.push(ctx);
  const done = run(ctx, ['listen', '--port', '0', ...argsOf(flags)]);
  // The Ready line, or the listener's failure, whichever comes first.
  const [, url] = await Promise.race([
    ctx.stderr.waitFor(/Listening on (\S+)/),
    done.then(() => {
      throw new Error('listen ended before it was ready');
    }),
  ]);
  return {
    ctx,
    url,
    stop: async () => {
      stop('SIGINT');
      await done;
    },
  };
}

describe('listen command', () => {
  it("--verbose prints the request headers and the app's response body", async () => {
    app = await startRecordingServer((_req, res) => res.end('{"handled":"yes"}'));
    const { ctx, url, stop } = await runListen({
      forward: [app.origin],
      verbose: true,
      secret: 'whsec_v',
      journal: false,
    });
    expect(ctx.stderr.text).toContain('Signing secret: whsec_…ec_v (from --secret)');
    const sender = await testContext({ output: 'quiet' });
    contexts.push(sender);
    await trigger(sender, 'push.completed', { url, secret: 'whsec_v' });
    await stop();
    expect(ctx.stdout.text).toContain('--> push.completed');
    expect(ctx.stdout.text).toContain('pushed 9fceb02 to acme/analytics-dbt@datachonk/dim-customers');
    expect(ctx.stdout.text).toContain('x-datachonk-signature: sha256=');
    expect(ctx.stdout.text).toContain('{"handled":"yes"}');
    expect(ctx.stdout.text).toMatch(/<-- \[200\] POST http:\/\/127\.0\.0\.1:\d+\/webhooks\/datachonk \[evt_/);
  });

  it('shows the dev secret in full, and a given secret masked', async () => {
    const dev = await runListen({ journal: false });
    expect(dev.ctx.stderr.text).toMatch(/Signing secret: whsec_[A-Za-z0-9_-]{43} \(the local dev secret/);
    await dev.stop();
    const given = await runListen({ journal: false }, { env: { DATACHONK_WEBHOOK_SECRET: 'whsec_from_env_1234' } });
    expect(given.ctx.stderr.text).toContain('Signing secret: whsec_…1234 (from DATACHONK_WEBHOOK_SECRET)');
    expect(given.ctx.stderr.text).not.toContain('whsec_from_env_1234');
    await given.stop();
  });

  it('events resend --to re-signs with --secret, and list reports it', async () => {
    app = await startRecordingServer();
    const { ctx, url, stop } = await runListen({ secret: 'whsec_old' });
    const sender = await testContext({ output: 'json' });
    contexts.push(sender);
    await trigger(sender, 'chonk.deleted', { url, secret: 'whsec_old' });
    await stop();
    const { id } = sender.stdout.records[0] as { id: string };

    const resender = {
      ...ctx,
      stdout: new (ctx.stdout.constructor as new () => typeof ctx.stdout)(),
      output: 'json' as const,
    };
    // --to without a path, like --forward: the event goes to the path it came to.
    await run(resender, ['events', 'resend', id, '--to', app.origin, '--secret', 'whsec_new']);
    expect(app.requests[0]!.url).toBe('/webhooks/datachonk');
    expect(verify('whsec_new', app.requests[0]!.body, app.requests[0]!.headers['x-datachonk-signature']).ok).toBe(true);
    // What trigger sent, resent: no x-datachonk-event, which DataChonk does not send.
    expect(datachonkHeaders(app.requests[0]!)).toEqual(['x-datachonk-signature']);
    expect(resender.stdout.records[0]).toMatchObject({ type: 'resend', id, status: 200 });

    const lister = {
      ...ctx,
      stdout: new (ctx.stdout.constructor as new () => typeof ctx.stdout)(),
      output: 'json' as const,
    };
    await run(lister, ['events', 'list']);
    expect(lister.stdout.records[0]).toMatchObject({
      id,
      event: 'chonk.deleted',
      verification: 'valid',
      verdict: 'accepted',
      app_status: 200,
    });
  });

  it('events resend --to http://user:pass@…: Basic authorization in place of the received one, the password never shown', async () => {
    app = await startRecordingServer();
    const { ctx, url, stop } = await runListen({ secret: 'whsec_old' });
    const sender = await testContext({ output: 'json' });
    contexts.push(sender);
    await trigger(sender, 'chonk.deleted', { url, secret: 'whsec_old', header: ['Authorization: Bearer from-sender'] });
    await stop();
    const { id } = sender.stdout.records[0] as { id: string };

    const resender = { ...ctx, stdout: new (ctx.stdout.constructor as new () => typeof ctx.stdout)() };
    const to = app.origin.replace('://', '://ci:s3cret@');
    await run(resender, ['events', 'resend', id, '--to', to]);
    expect(app.requests.at(-1)!.headers.authorization).toBe(`Basic ${Buffer.from('ci:s3cret').toString('base64')}`);
    expect(resender.stdout.text + resender.stderr.text).not.toContain('s3cret');
  });

  it('events resend of an event that went nowhere asks for --to', async () => {
    const { ctx, url, stop } = await runListen({});
    const sender = await testContext({ output: 'json' });
    contexts.push(sender);
    await trigger(sender, 'chonk.created', { url, secret: /Signing secret: (\S+)/.exec(ctx.stderr.text)![1] });
    await stop();
    const { id } = sender.stdout.records[0] as { id: string };
    await expect(run(ctx, ['events', 'resend', id])).rejects.toMatchObject({
      kind: 'usage',
      hint: expect.stringContaining('--to'),
    });
  });
  it('a rejected request that reuses an event id neither shadows the event nor gets signed by resend', async () => {
    app = await startRecordingServer();
    const { ctx, url, stop } = await runListen({ secret: 'whsec_real' });
    const sender = await testContext({ output: 'json' });
    contexts.push(sender);
    await trigger(sender, 'chonk.created', { url, secret: 'whsec_real' });
    const { id } = sender.stdout.records[0] as { id: string };
    const forged = JSON.stringify({
      id,
      event: 'chonk.created',
      created_at: '2026-11-29T00:00:00Z',
      project_id: 'proj_forged',
      data: { forged: true },
    });
    const refused = await fetch(url!, {
      method: 'POST',
      body: forged,
      headers: { 'content-type': 'application/json', 'x-datachonk-signature': `sha256=${'0'.repeat(64)}` },
    });
    expect(refused.status).toBe(401);
    await stop();
    const fresh = () => ({
      ...ctx,
      stdout: new (ctx.stdout.constructor as new () => typeof ctx.stdout)(),
      stderr: new (ctx.stderr.constructor as new () => typeof ctx.stderr)(),
    });

    const shown = { ...fresh(), output: 'json' as const };
    await run(shown, ['events', 'show', id]);
    expect(shown.stdout.records[0]).toMatchObject({ event_id: id, verification: { status: 'valid' } });
    expect((shown.stdout.records[0] as { body: string }).body).not.toContain('forged');

    // The event id resends the verified delivery, never the forged body.
    await run(fresh(), ['events', 'resend', id, '--to', app.origin, '--secret', 'whsec_app']);
    expect(app.requests.at(-1)!.body.toString()).not.toContain('forged');

    const listed = { ...fresh(), output: 'json' as const };
    await run(listed, ['events', 'list']);
    const rejected = listed.stdout.records.find((r) => (r as { verification: string }).verification === 'invalid') as {
      rid: string;
      id: string;
    };
    // It claimed the id: recorded as claimed, but it does not take the event's place.
    expect(rejected.id).toBe(id);
    const before = app.requests.length;
    const refusal = fresh();
    await expect(
      run(refusal, ['events', 'resend', rejected.rid, '--to', app.origin, '--secret', 'whsec_app']),
    ).rejects.toMatchObject({
      message: expect.stringContaining(`${rejected.rid} was rejected when it arrived (its signature was invalid`),
      hint: expect.stringContaining('--allow-rejected'),
    });
    expect(app.requests).toHaveLength(before);

    const allowed = fresh();
    await run(allowed, [
      'events',
      'resend',
      rejected.rid,
      '--to',
      app.origin,
      '--secret',
      'whsec_app',
      '--allow-rejected',
    ]);
    expect(allowed.stderr.text).toContain(
      `warning: sending ${rejected.rid} although it was rejected when it arrived (its signature was invalid), as --allow-rejected asks`,
    );
    expect(app.requests.at(-1)!.body.toString()).toContain('forged');
  });

  it('events resend names a journal entry whose target is not an http URL', async () => {
    const { ctx, url, stop } = await runListen({ secret: 'whsec_t', forward: ['127.0.0.1:9'] });
    const sender = await testContext({ output: 'json' });
    contexts.push(sender);
    await trigger(sender, 'chonk.created', { url, secret: 'whsec_t', expectStatus: 502 }).catch(() => {});
    await stop();
    const { id } = sender.stdout.records[0] as { id: string };
    const file = join(ctx.paths.stateDir, 'events.ndjson');
    await writeFile(
      file,
      (await readFile(file, 'utf8')).replaceAll('http://127.0.0.1:9/webhooks/datachonk', 'file:///etc/passwd'),
    );
    await expect(run(ctx, ['events', 'resend', id])).rejects.toMatchObject({
      message: expect.stringMatching(
        /^the journal entry rcv_\S+ has a target that is not an http or https URL: "file:\/\/\/etc\/passwd"$/,
      ),
      hint: expect.stringContaining('--to'),
    });
  });
  it('--skip-signature-check forwards an unsigned event, marked; --skip-verify still does, with a note of the new name', async () => {
    app = await startRecordingServer();
    for (const [flag, notes] of [
      ['skipSignatureCheck', []],
      [
        'skipVerify',
        [
          'note: --skip-verify is now --skip-signature-check: it skips signature checks, not TLS certificate checks (for those, see --forward-ca and --forward-insecure)',
        ],
      ],
    ] as const) {
      const { ctx, url, stop } = await runListen({ forward: [app.origin], [flag]: true, journal: false });
      const sender = await testContext({ output: 'quiet' });
      contexts.push(sender);
      await trigger(sender, 'chonk.created', { url, signature: 'missing' });
      await stop();
      expect(ctx.stderr.text).toContain('Verification:   off (--skip-signature-check): unsigned requests are accepted');
      expect(ctx.stderr.text.split('\n').filter((line) => line.startsWith('note:'))).toEqual(notes);
      expect(ctx.stdout.text).toContain('⚠ unverified');
    }
    expect(app.requests).toHaveLength(2);
    const help = await testContext();
    contexts.push(help);
    await run(help, ['listen', '--help']).catch(() => {});
    expect(help.stdout.text).toContain('--skip-signature-check');
    expect(help.stdout.text).not.toContain('--skip-verify');
  });

  it("a --forward URL's user name and password go as Basic authorization, the password masked wherever the target is shown", async () => {
    app = await startRecordingServer();
    const port = new URL(app.origin).port;
    const readyFile = join((await testContext()).home, 'ready.json');
    const { ctx, url, stop } = await runListen({
      forward: [`http://us%40er:p%40ss@127.0.0.1:${port}`],
      secret: 'whsec_a',
      readyFile,
      inspect: '0',
    });
    const masked = `http://us%40er:***@127.0.0.1:${port}/`;
    const ready = JSON.parse(await readFile(readyFile, 'utf8')) as { forward: { url: string }[] };
    const inspector = /Inspector:\s+(\S+)/.exec(ctx.stderr.text)![1]!.replace(/\/$/, '');
    const info = (await (await fetch(`${inspector}/api/info`)).json()) as { targets: string[] };
    const sender = await testContext({ output: 'quiet' });
    contexts.push(sender);
    // The target's own credentials win over an Authorization that came with the event.
    await trigger(sender, 'chonk.created', { url, secret: 'whsec_a', header: ['Authorization: Bearer other'] });
    await stop();
    expect(app.requests[0]!.headers.authorization).toBe(`Basic ${Buffer.from('us@er:p@ss').toString('base64')}`);
    expect(ready.forward[0]!.url).toBe(masked);
    expect(info.targets).toEqual([masked]);
    expect(ctx.stderr.text).toContain(`Forwarding to:  http://us%40er:***@127.0.0.1:${port} (+ the received path)`);
    for (const text of [ctx.stderr.text, ctx.stdout.text, JSON.stringify(ready), JSON.stringify(info)])
      expect(text).not.toContain('p%40ss');
  });

  it('--json shows the --forward password masked', async () => {
    const { ctx, stop } = await runListen(
      { forward: ['http://user:secretpw@127.0.0.1:9'], journal: false },
      { output: 'json' },
    );
    await stop();
    expect(ctx.stdout.records[0]).toMatchObject({ type: 'ready', forward: [{ url: 'http://user:***@127.0.0.1:9/' }] });
    expect(ctx.stdout.text + ctx.stderr.text).not.toContain('secretpw');
  });

  it('an incoming Authorization or Cookie is masked by --verbose and the inspector, and kept as received in the journal', async () => {
    app = await startRecordingServer();
    const { ctx, url, stop } = await runListen({
      forward: [app.origin],
      secret: 'whsec_h',
      verbose: true,
      inspect: '0',
    });
    const inspector = /Inspector:\s+(\S+)/.exec(ctx.stderr.text)![1]!.replace(/\/$/, '');
    const sender = await testContext({ output: 'json' });
    contexts.push(sender);
    await trigger(sender, 'chonk.created', {
      url,
      secret: 'whsec_h',
      header: ['Authorization: Bearer tok_123456', 'Cookie: sid=abc123; theme=dark'],
    });
    const { json } = await (async () => {
      for (;;) {
        const list = (await (await fetch(`${inspector}/api/events`)).json()) as { entries: { rid: string }[] };
        if (list.entries[0]) {
          const answer = await fetch(`${inspector}/api/events/${list.entries[0].rid}`);
          return { json: (await answer.json()) as { request: { headers: [string, string][] } } };
        }
      }
    })();
    await stop();
    expect(app.requests[0]!.headers.authorization).toBe('Bearer tok_123456');
    expect(ctx.stdout.text).toContain('authorization: Bearer ***');
    expect(ctx.stdout.text).toContain('cookie: ***');
    const shown = Object.fromEntries(json.request.headers.map(([name, value]) => [name.toLowerCase(), value]));
    expect(shown).toMatchObject({ authorization: 'Bearer ***', cookie: '***' });
    for (const text of [ctx.stdout.text, JSON.stringify(json)]) {
      expect(text).not.toContain('tok_123456');
      expect(text).not.toContain('abc123');
    }
    const journal = await readFile(join(ctx.paths.stateDir, 'events.ndjson'), 'utf8');
    expect(journal).toContain('Bearer tok_123456');
    expect(journal).toContain('sid=abc123');
  });

  it('--forward with a bare host warns that it goes to port 80', async () => {
    const { ctx, stop } = await runListen({ forward: ['localhost', '127.0.0.1:3000'], journal: false });
    await stop();
    const warnings = ctx.stderr.text.split('\n').filter((l) => l.startsWith('warning:'));
    expect(warnings).toEqual([
      "warning: --forward localhost has no port, so events go to port 80 (http's default); if your app listens elsewhere, name its port: --forward localhost:3000",
    ]);
  });
  it('events resend refuses a request whose body was never read, and hints --secret when the app answers 401', async () => {
    app = await startRecordingServer((request, res) => {
      res.statusCode = request.headers['x-datachonk-signature'] === undefined ? 200 : 401;
      res.end('{}');
    });
    const { ctx, url, stop } = await runListen({ secret: 'whsec_r', forward: [app.origin] });
    expect((await fetch(url!, { method: 'GET' })).status).toBe(405);
    const sender = await testContext({ output: 'json' });
    contexts.push(sender);
    await trigger(sender, 'chonk.created', { url, secret: 'whsec_r', expectStatus: 401 });
    await stop();
    const listed = {
      ...ctx,
      stdout: new (ctx.stdout.constructor as new () => typeof ctx.stdout)(),
      output: 'json' as const,
    };
    await run(listed, ['events', 'list']);
    const [event, get] = listed.stdout.records as { rid: string; id: string | null }[];
    await expect(
      run(ctx, ['events', 'resend', get!.rid, '--to', app.origin, '--allow-rejected']),
    ).rejects.toMatchObject({
      message: `${get!.rid} (GET /webhooks/datachonk) was refused before its body was read (the listener answered 405), so no body was kept and there is nothing to resend`,
    });
    await expect(run(ctx, ['events', 'resend', event!.id!, '--to', app.origin])).rejects.toMatchObject({
      message: expect.stringContaining('got 401'),
      hint: 'your app refused a correctly signed event: most often it verifies with another secret; compare `datachonk listen --print-secret` with the secret your app verifies with; or re-sign it with the secret that app verifies with: --secret <its secret>',
    });
  });

  it('events resend to an app that compares uppercase hex names that, not the secret', async () => {
    const upper = await startEndpoint('whsec_u', 'uppercase-hex', { server: 'Kestrel' });
    const { ctx, url, stop } = await runListen({ secret: 'whsec_u' });
    const sender = await testContext({ output: 'json' });
    contexts.push(sender);
    await trigger(sender, 'chonk.created', { url, secret: 'whsec_u' });
    await stop();
    const { id } = sender.stdout.records[0] as { id: string };
    try {
      await expect(run(ctx, ['events', 'resend', id, '--to', upper.url, '--secret', 'whsec_u'])).rejects.toMatchObject({
        message: expect.stringContaining('got 401'),
        hint: expect.stringContaining(
          'your endpoint compares uppercase hex: it accepted the same event signed that way, so the secret is right; write lowercase hex: Convert.ToHexString(hash).ToLowerInvariant()',
        ),
      });
    } finally {
      await upper.close();
    }
  });

  it("says the likely cause of the app's answer under its line: a secret, a path, a redirect, a failure", async () => {
    app = await startRecordingServer((request, res) => {
      const path = request.url;
      if (path.startsWith('/moved')) res.writeHead(302, { location: '/elsewhere' });
      else res.writeHead(path.startsWith('/refuse') ? 401 : path.startsWith('/broken') ? 503 : 404);
      res.end();
    });
    const { ctx, url, stop } = await runListen({
      secret: 'whsec_c',
      forward: [
        `chonk.created=${app.origin}/refuse`,
        `chonk.deleted=${app.origin}/nothing-here`,
        `push.*=${app.origin}/moved`,
        `${app.origin}/broken`,
      ],
    });
    const sender = await testContext({ output: 'quiet' });
    contexts.push(sender);
    for (const event of ['chonk.created', 'chonk.deleted', 'push.completed', 'generation.completed'])
      await trigger(sender, event, { url, secret: 'whsec_c' }).catch(() => {});
    await stop();
    const hints = ctx.stdout.text
      .split('\n')
      .filter((line) => line.trim().startsWith('hint:'))
      .map((line) => line.trim());
    expect(hints).toEqual([
      'hint: your app refused a correctly signed event: most often it verifies with another secret; compare `datachonk listen --print-secret` with the secret your app verifies with',
      // trigger's diagnosis of that refusal: its first resend, signed in uppercase hex, refused by the listener
      // itself, which ends it (through a listener the mistakes cannot reach the app).
      'hint: fix the sender to write the header exactly as DataChonk does: sha256=<64 lowercase hex digits>: strict receivers refuse anything else',
      'hint: your app has no route at /nothing-here: check the path it receives webhooks at and the path in --forward',
      'hint: your app redirected to /elsewhere: webhooks are not followed through redirects; send to that URL itself',
      'hint: your app failed on this event: look at its log for the error',
    ]);

    // A resend the app redirects names where to.
    const { id } = {
      id: /\[(evt_\w+)\]/.exec(ctx.stdout.text.split('\n').find((l) => l.includes('push.completed'))!)![1]!,
    };
    await expect(run(ctx, ['events', 'resend', id, '--to', `${app.origin}/moved`])).rejects.toMatchObject({
      message: expect.stringContaining('got 302'),
      hint: 'your app redirected to /elsewhere: webhooks are not followed through redirects; send to that URL itself',
    });
  });
});

describe('events list with several targets', () => {
  it("shows every target's answer, the worst first with a count, and --status matches any of them", async () => {
    app = await startRecordingServer();
    // The second app answers each event type its own way; the first accepts everything.
    const answers: Record<string, number> = { 'chonk.created': 401, 'chonk.deleted': 500, 'scan.completed': 409 };
    const second = await startRecordingServer((request, res) => {
      const { event } = JSON.parse(request.body.toString('utf8')) as { event: string };
      res.statusCode = answers[event] ?? 200;
      res.end();
    });
    try {
      const { ctx, url, stop } = await runListen({ secret: 'whsec_two', forward: [app.origin, second.origin] });
      const sender = await testContext({ output: 'quiet' });
      contexts.push(sender);
      for (const event of ['chonk.created', 'chonk.deleted', 'scan.completed', 'push.completed'])
        await trigger(sender, event, { url, secret: 'whsec_two', expectStatus: 200 }).catch(() => {});
      await stop();
      const list = async (flags: string[], output: 'json' | 'pretty') => {
        const lister = { ...ctx, stdout: new (ctx.stdout.constructor as new () => typeof ctx.stdout)(), output };
        await run(lister, ['events', 'list', ...flags]);
        return lister.stdout;
      };

      const table = (await list([], 'pretty')).text.split('\n');
      const appColumn = (event: string) =>
        table
          .find((line) => line.includes(event))!
          .trim()
          .split(/\s+/)
          .slice(-2);
      expect(appColumn('chonk.created')).toEqual(['401', '(+1)']);
      expect(appColumn('chonk.deleted')).toEqual(['500', '(+1)']);
      expect(appColumn('scan.completed')).toEqual(['409', '(+1)']);
      expect(appColumn('push.completed')).toEqual(['200', '(+1)']);

      const events = async (status: string) =>
        ((await list(['--status', status], 'json')).records as { event: string }[]).map((r) => r.event).sort();
      expect(await events('500')).toEqual(['chonk.deleted']);
      expect(await events('4xx')).toEqual(['chonk.created', 'scan.completed']);
      expect(await events('409')).toEqual(['scan.completed']);
      // The first app answered 200 to each: every entry has a 2xx among its answers.
      expect(await events('2xx')).toHaveLength(4);

      const records = (await list([], 'json')).records as Record<string, unknown>[];
      expect(records.find((r) => r.event === 'chonk.deleted')).toMatchObject({
        app: 'status',
        app_status: 500,
        app_answers: [
          { target: `${app.origin}/webhooks/datachonk`, status: 200, error: null },
          { target: `${second.origin}/webhooks/datachonk`, status: 500, error: null },
        ],
      });
    } finally {
      await second.close();
    }
  });
});

describe('listen --forward to a local https app', () => {
  const CERT = join(import.meta.dirname, '../helpers/tls/localhost-cert.pem');
  const KEY = join(import.meta.dirname, '../helpers/tls/localhost-key.pem');
  let servers: { close(): Promise<void> }[] = [];
  afterEach(async () => {
    await Promise.all(servers.map((s) => s.close()));
    servers = [];
  });

  /** An https app with the test certificate (self-signed, for 127.0.0.1 and localhost) that answers 200. */
  async function httpsApp(): Promise<string> {
    const { createServer } = await import('node:https');
    const server = createServer({ key: await readFile(KEY), cert: await readFile(CERT) }, (req, res) => {
      req.resume();
      res.end('{"ok":true}');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    servers.push({
      close: () =>
        new Promise<void>((resolve) => {
          server.closeAllConnections();
          server.close(() => resolve());
        }),
    });
    return `https://127.0.0.1:${(server.address() as { port: number }).port}`;
  }

  async function send(url: string | undefined) {
    const sender = await testContext();
    contexts.push(sender);
    const code = await exitCode(sender, ['trigger', 'chonk.created', '--url', url!, '--secret', 'whsec_t']);
    return { code, stderr: sender.stderr.text };
  }

  it('an untrusted certificate is named, with both flags and the mkcert line, in the listener and in trigger', async () => {
    const origin = await httpsApp();
    const { ctx, url, stop } = await runListen({ secret: 'whsec_t', forward: [origin], journal: false });
    const sent = await send(url);
    await stop();
    expect(sent.code).toBe(1);
    expect(ctx.stdout.text).toContain(`${origin}/webhooks/datachonk`);
    expect(ctx.stdout.text).toContain(
      `the certificate of 127.0.0.1:${new URL(origin).port} is not trusted (self-signed certificate)`,
    );
    expect(ctx.stdout.text).toContain(
      'hint: trust the CA that signed it with --forward-ca <file> (mkcert: --forward-ca "$(mkcert -CAROOT)/rootCA.pem"), or any certificate with --forward-insecure',
    );
    expect(sent.stderr).toContain('hint: trust the CA that signed it with --forward-ca <file>');
    expect(sent.stderr).not.toContain('start your app');
  });

  it('--forward-ca trusts that CA, besides the system ones', async () => {
    const origin = await httpsApp();
    const { ctx, url, stop } = await runListen({
      secret: 'whsec_t',
      forward: [origin],
      forwardCa: CERT,
      journal: false,
    });
    const sent = await send(url);
    await stop();
    expect(sent.code).toBe(0);
    expect(ctx.stdout.text).toMatch(/<-- \[200\] POST https:\/\/127\.0\.0\.1:\d+\/webhooks\/datachonk/);
    expect(ctx.stderr.text).not.toContain('warning:');
  });

  it('--forward-insecure trusts any certificate, with one warning line at start', async () => {
    const origin = await httpsApp();
    const { ctx, url, stop } = await runListen({
      secret: 'whsec_t',
      forward: [origin],
      forwardInsecure: true,
      journal: false,
    });
    const sent = await send(url);
    await send(url);
    await stop();
    expect(sent.code).toBe(0);
    const warnings = ctx.stderr.text.split('\n').filter((line) => line.startsWith('warning:'));
    expect(warnings).toEqual([
      'warning: --forward-insecure: the certificates of https forward targets are not checked; use it only for apps on your own machine',
    ]);
  });

  it('--forward-ca with a missing, unreadable or non-PEM file is a usage error naming it', async () => {
    const ctx = await testContext();
    contexts.push(ctx);
    const missing = join(ctx.paths.stateDir, 'nope.pem');
    await expect(run(ctx, ['listen', '--port', '0', '--forward-ca', missing])).rejects.toMatchObject({
      kind: 'usage',
      message: expect.stringContaining(missing),
    });
    const notPem = join(ctx.home, 'ca.txt');
    await writeFile(notPem, 'not a certificate\n');
    await expect(run(ctx, ['listen', '--port', '0', '--forward-ca', notPem])).rejects.toMatchObject({
      kind: 'usage',
      message: expect.stringContaining(`${notPem} is not a PEM certificate`),
    });
  });

  it('https to a plain-http port says so, and which URL to forward to instead', async () => {
    app = await startRecordingServer();
    const target = `https://127.0.0.1:${new URL(app.origin).port}/hooks`;
    const { ctx, url, stop } = await runListen({ secret: 'whsec_t', forward: [target], journal: false });
    const sent = await send(url);
    await stop();
    expect(sent.code).toBe(1);
    expect(ctx.stdout.text).toContain(`127.0.0.1:${new URL(app.origin).port} answered in plain HTTP, not TLS`);
    expect(ctx.stdout.text).toContain(
      `hint: the app answered in plain HTTP: forward to ${target.replace('https:', 'http:')}`,
    );
    expect(ctx.stdout.text).not.toContain('SSL routines');
    expect(sent.stderr).toContain('hint: the app answered in plain HTTP: forward to http://');
  });
});

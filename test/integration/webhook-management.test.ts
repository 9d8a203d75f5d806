import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { listenerAt, runningListeners, announceListener } from '../../src/core/listen/presence.js';
import { verify } from '../../src/core/signing/signature.js';
import { startEmulator, type Emulator } from '../../src/emulator/server.js';
import { testContext, type TestContext } from '../helpers/context.js';
import { exitCode, run } from '../helpers/program.js';
import { startRecordingServer, type RecordingServer } from '../helpers/recording-server.js';

// The webhooks commands and emulator emit, run in process against an in-process emulator (in memory, no
// retries). The binary's own handling of them (exit codes, --json on stdout) is in test/e2e/api-cli.test.ts.

let emulator: Emulator | undefined;
const contexts: TestContext[] = [];
const apps: RecordingServer[] = [];
afterEach(async () => {
  await emulator?.close();
  emulator = undefined;
  await Promise.all([...contexts.splice(0).map((c) => c.cleanup()), ...apps.splice(0).map((a) => a.close())]);
});

async function context(options: Parameters<typeof testContext>[0] = {}): Promise<TestContext> {
  if (!emulator) {
    emulator = await startEmulator(
      {
        host: '127.0.0.1',
        port: 0,
        retrySchedule: [],
        deliveryTimeoutMs: 1000,
        version: 'test',
        now: () => new Date(),
        monotonic: () => performance.now(),
      },
      { request() {}, attempt() {} },
    );
  }
  const ctx = await testContext({
    ...options,
    env: { DATACHONK_API_URL: emulator.url, DATACHONK_API_KEY: 'dck_manage', ...options.env },
  });
  contexts.push(ctx);
  return ctx;
}

interface Webhook {
  id: string;
  url: string;
  events: string[];
  description: string | null;
  status: string;
  created_at: string;
  updated_at: string;
  secret?: string;
}

/** The --json record a command line prints (run with ctx's HOME and env, its own stdout). */
async function jsonOf<T = Webhook>(ctx: TestContext, args: string[]): Promise<T> {
  const json = {
    ...ctx,
    stdout: new (ctx.stdout.constructor as new () => typeof ctx.stdout)(),
    output: 'json' as const,
  };
  await run(json, args);
  return json.stdout.records[0] as T;
}

async function createWebhook(
  ctx: TestContext,
  url: string,
  description?: string,
  events = 'push.completed',
): Promise<Webhook> {
  const flags = description ? ['--description', description] : [];
  return jsonOf(ctx, ['webhooks', 'create', '--url', url, '--events', events, ...flags]);
}

const createdId = async (ctx: TestContext, url: string, description?: string) =>
  (await createWebhook(ctx, url, description)).id;

/** A recording app, closed after the test. */
async function app(): Promise<RecordingServer> {
  const started = await startRecordingServer();
  apps.push(started);
  return started;
}

/** The signature header and body of each request an app received. */
const signed = (received: RecordingServer) =>
  received.requests.map((r) => ({ body: r.body, header: r.headers['x-datachonk-signature'] }));

describe('webhooks delete', () => {
  it('declined at the prompt: a cancelled action (exit 1), and the webhook is still there', async () => {
    const ctx = await context({ stdin: 'n\n' });
    const id = await createdId(ctx, 'http://127.0.0.1:9/hook');
    // A terminal to ask on: stdin says it is one, and stderr takes what readline does with a terminal.
    (ctx.stdin as unknown as { isTTY: boolean }).isTTY = true;
    const terminal: object = Object.assign(ctx.stderr, {
      columns: 80,
      on: () => terminal,
      off: () => terminal,
      once: () => terminal,
      removeListener: () => terminal,
    });
    expect(await exitCode(ctx, ['webhooks', 'delete', id])).toBe(1);
    expect(ctx.stderr.text).toContain(`error: cancelled: ${id} was not deleted`);
    const after = await context();
    await run(after, ['webhooks', 'get', id]);
    expect(after.stdout.text).toContain(id);
  });
});

describe('webhooks rotate-secret', () => {
  it('of a webhook registered by a running listen session: warns that the listener keeps the secret it registered', async () => {
    const ctx = await context();
    // The description `listen` gives its session webhooks, naming this (running) process.
    const { hostname } = await import('node:os');
    const id = await createdId(
      ctx,
      'http://127.0.0.1:9/webhooks/datachonk',
      `datachonk listen (ephemeral) host=${hostname()} pid=${process.pid} since 2026-11-29T00:00:00.000Z`,
    );
    await run(ctx, ['webhooks', 'rotate-secret', id]);
    expect(ctx.stderr.text).toContain(
      `warning: ${id} was registered by \`datachonk listen\` (pid ${process.pid}, still running)`,
    );
    expect(ctx.stderr.text).toContain('Stop it and start it again');
  });

  it('of a webhook pointing at a running listener: warns, and says how to give it the new secret', async () => {
    const ctx = await context();
    await announceListener(join(ctx.paths.stateDir, 'listeners'), {
      pid: process.pid,
      url: 'http://127.0.0.1:4747/webhooks/datachonk',
      public_url: 'https://words.trycloudflare.com/webhooks/datachonk',
      started_at: 'x',
    });
    const local = await createdId(ctx, 'http://localhost:4747/webhooks/datachonk/');
    const tunnelled = await createdId(ctx, 'https://words.trycloudflare.com/webhooks/datachonk');
    for (const id of [local, tunnelled]) {
      ctx.stderr.chunks.length = 0;
      await run(ctx, ['webhooks', 'rotate-secret', id]);
      expect(ctx.stderr.text).toContain('is a running `datachonk listen`');
      expect(ctx.stderr.text).toContain('datachonk listen --secret <the new secret>');
    }
  });

  it('of a webhook no listener receives: no warning', async () => {
    const ctx = await context();
    await announceListener(join(ctx.paths.stateDir, 'listeners'), {
      pid: process.pid,
      url: 'http://127.0.0.1:4747/webhooks/datachonk',
      started_at: 'x',
    });
    // Another path, another port, and a listener that is not running any more.
    await announceListener(join(ctx.paths.stateDir, 'listeners'), {
      pid: 2147483646,
      url: 'http://127.0.0.1:5000/hook',
      started_at: 'x',
    });
    for (const url of [
      'http://127.0.0.1:4747/other',
      'http://127.0.0.1:4748/webhooks/datachonk',
      'http://127.0.0.1:5000/hook',
    ]) {
      const id = await createdId(ctx, url);
      await run(ctx, ['webhooks', 'rotate-secret', id]);
    }
    expect(ctx.stderr.text).not.toContain('warning');
  });
});

describe('the notes of running listeners', () => {
  it('match a URL by origin and path, localhost or 127.0.0.1, with or without a trailing slash; dead ones are ignored', async () => {
    const ctx = await context();
    const dir = join(ctx.paths.stateDir, 'listeners');
    const remove = await announceListener(dir, {
      pid: process.pid,
      url: 'http://127.0.0.1:4747/webhooks/datachonk',
      started_at: 'x',
    });
    await announceListener(dir, { pid: 2147483646, url: 'http://127.0.0.1:4800/x', started_at: 'x' });
    const notes = await runningListeners(dir, (pid) => pid === process.pid);
    expect(notes.map((n) => n.pid)).toEqual([process.pid]);
    expect(listenerAt(notes, 'http://localhost:4747/webhooks/datachonk/')?.pid).toBe(process.pid);
    expect(listenerAt(notes, 'http://127.0.0.1:4747/webhooks')).toBeUndefined();
    expect(listenerAt(notes, 'not a url')).toBeUndefined();
    await remove();
    expect(await runningListeners(dir, () => true)).toHaveLength(1);
  });
});

describe('emulator emit', () => {
  it('to no subscriber: says so, exit 0; with --strict exit 1 and how to subscribe, said once', async () => {
    const plain = await context();
    expect(await exitCode(plain, ['emulator', 'emit', 'scan.completed'])).toBe(0);
    expect(plain.stderr.text).toContain(
      'warning: no active webhook is subscribed to scan.completed: nothing was delivered',
    );
    const strict = await context({ output: 'json' });
    expect(await exitCode(strict, ['--json', 'emulator', 'emit', 'scan.completed', '--strict'])).toBe(1);
    // Said once: the error, not a warning as well.
    expect(strict.stderr.text).not.toContain('warning:');
    expect(strict.stderr.text).toContain(
      'error: no active webhook is subscribed to scan.completed, so nothing was delivered',
    );
    expect(strict.stderr.text).toContain('datachonk webhooks create --url <your endpoint> --events scan.completed');
    expect(strict.stdout.records[0]).toMatchObject({ type: 'emitted', deliveries: [] });
  });
});

describe('a yes/no prompt', () => {
  it('Ctrl-C or Ctrl-D at it is a no: the delete is cancelled, not a crash', async () => {
    for (const key of ['\u0003', '\u0004']) {
      const ctx = await context({ stdin: key });
      const id = await createdId(ctx, 'http://127.0.0.1:9/hook');
      (ctx.stdin as unknown as { isTTY: boolean }).isTTY = true;
      const terminal: object = Object.assign(ctx.stderr, {
        columns: 80,
        on: () => terminal,
        off: () => terminal,
        once: () => terminal,
        removeListener: () => terminal,
      });
      expect(await exitCode(ctx, ['webhooks', 'delete', id])).toBe(1);
      expect(ctx.stderr.text).toContain(`error: cancelled: ${id} was not deleted`);
      expect(ctx.stderr.text).not.toContain('unexpected');
    }
  });
});

describe('webhooks update', () => {
  it.each<[string, string[], Partial<Webhook>]>([
    ['--url', ['--url', 'http://127.0.0.1:9/moved'], { url: 'http://127.0.0.1:9/moved' }],
    ['--events', ['--events', 'chonk.created,scan.completed'], { events: ['chonk.created', 'scan.completed'] }],
    ['--description', ['--description', 'the staging app'], { description: 'the staging app' }],
    ['--disable', ['--disable'], { status: 'disabled' }],
  ])('%s changes that field, and only that field, in what webhooks get shows', async (_flag, flags, change) => {
    const ctx = await context();
    const { secret: _shownOnce, ...before } = await createWebhook(ctx, 'http://127.0.0.1:9/hook', 'first');
    expect(await exitCode(ctx, ['webhooks', 'update', before.id, ...flags]), ctx.stderr.text).toBe(0);
    expect(await jsonOf(ctx, ['webhooks', 'get', before.id])).toEqual({
      ...before,
      ...change,
      updated_at: expect.any(String),
    });
  });

  it('--enable resumes a disabled webhook', async () => {
    const ctx = await context();
    const { id } = await createWebhook(ctx, 'http://127.0.0.1:9/hook');
    await run(ctx, ['webhooks', 'update', id, '--disable']);
    expect((await jsonOf(ctx, ['webhooks', 'get', id])).status).toBe('disabled');
    await run(ctx, ['webhooks', 'update', id, '--enable']);
    expect((await jsonOf(ctx, ['webhooks', 'get', id])).status).toBe('active');
  });

  it('--enable with --disable is a usage error (exit 2) that changes nothing', async () => {
    const ctx = await context();
    const { secret: _shownOnce, ...before } = await createWebhook(ctx, 'http://127.0.0.1:9/hook');
    expect(await exitCode(ctx, ['webhooks', 'update', before.id, '--enable', '--disable'])).toBe(2);
    expect(ctx.stderr.text).toContain('--enable');
    expect(ctx.stderr.text).toContain('--disable');
    expect(await jsonOf(ctx, ['webhooks', 'get', before.id])).toEqual(before);
  });

  it('--secret: deliveries are signed with the given secret from then on', async () => {
    const ctx = await context();
    const receiver = await app();
    const { id, secret: old } = await createWebhook(ctx, receiver.url, undefined, 'generation.completed');
    await run(ctx, ['webhooks', 'update', id, '--secret', 'whsec_given_by_the_user']);
    expect(await exitCode(ctx, ['emulator', 'emit', 'generation.completed']), ctx.stderr.text).toBe(0);
    const [delivery] = signed(receiver);
    expect(verify('whsec_given_by_the_user', delivery!.body, delivery!.header)).toEqual({ ok: true, secretIndex: 0 });
    expect(verify(old!, delivery!.body, delivery!.header)).toMatchObject({ ok: false, reason: 'mismatch' });
  });
});

describe('webhooks rotate-secret: the new secret', () => {
  it('is printed once, unlike the old one; webhooks get never shows it', async () => {
    const ctx = await context();
    const { id, secret: old } = await createWebhook(ctx, 'http://127.0.0.1:9/hook');
    const rotated = await context();
    expect(await exitCode(rotated, ['webhooks', 'rotate-secret', id]), rotated.stderr.text).toBe(0);
    const secrets = rotated.stdout.text.match(/whsec_[A-Za-z0-9_-]+/g) ?? [];
    expect(secrets).toHaveLength(1);
    const [secret] = secrets;
    expect(secret).toMatch(/^whsec_[A-Za-z0-9_-]{43}$/);
    expect(secret).not.toBe(old);
    expect(rotated.stderr.text).not.toContain(secret);
    for (const args of [
      ['webhooks', 'get', id],
      ['--json', 'webhooks', 'get', id],
      ['--json', 'webhooks', 'list'],
    ]) {
      const shown = await context();
      await run(shown, args);
      expect(shown.stdout.text + shown.stderr.text).not.toContain(secret);
    }
  });

  it('--plan makes a secret and the steps, and changes nothing; --secret then sets that one without printing it; nothing is dropped', async () => {
    const ctx = await context();
    const receiver = await app();
    const { id, secret: old } = await createWebhook(ctx, receiver.url, undefined, 'generation.completed');

    const plan = await context();
    expect(await exitCode(plan, ['webhooks', 'rotate-secret', id, '--plan']), plan.stderr.text).toBe(0);
    const fresh = /New signing secret for wh_\w+ \(not set yet: nothing has changed\): (whsec_\S+)/.exec(
      plan.stdout.text,
    )![1]!;
    expect(plan.stdout.text).toContain(`constructEvent(body, signature, [NEW_SECRET, OLD_SECRET])`);
    expect(plan.stdout.text).toContain(
      `2. Switch DataChonk to the new secret: datachonk webhooks rotate-secret ${id} --secret ${fresh}`,
    );
    const planJson = await jsonOf<{ type: string; steps: string[] }>(ctx, ['webhooks', 'rotate-secret', id, '--plan']);
    expect(planJson).toMatchObject({ type: 'rotation-plan', id, secret: expect.stringMatching(/^whsec_/) });
    expect(planJson.steps).toHaveLength(3);

    // Nothing changed: a delivery is still signed with the old secret.
    expect(await exitCode(ctx, ['emulator', 'emit', 'generation.completed'])).toBe(0);
    const rotated = await context();
    expect(await exitCode(rotated, ['webhooks', 'rotate-secret', id, '--secret', fresh]), rotated.stderr.text).toBe(0);
    expect(rotated.stdout.text + rotated.stderr.text).not.toContain(fresh);
    expect(rotated.stderr.text).toContain('remove the old one once deliveries verify with the new one');
    expect(await exitCode(ctx, ['emulator', 'emit', 'generation.completed'])).toBe(0);

    // A receiver that accepts both, as step 1 says, verifies every delivery: the first with the old, the next with the new.
    const [before, after] = signed(receiver);
    expect(verify([fresh, old!], before!.body, before!.header)).toEqual({ ok: true, secretIndex: 1 });
    expect(verify([fresh, old!], after!.body, after!.header)).toEqual({ ok: true, secretIndex: 0 });
  });

  it('--plan with --secret is a usage error', async () => {
    const ctx = await context();
    expect(await exitCode(ctx, ['webhooks', 'rotate-secret', 'wh_1', '--plan', '--secret', 'whsec_x'])).toBe(2);
    expect(ctx.stderr.text).toMatch(/--secret.*cannot be used with.*--plan|--plan.*cannot be used with.*--secret/);
  });

  it('signs deliveries from emulator emit from then on: the old secret verifies those before, the new one those after', async () => {
    const ctx = await context();
    const receiver = await app();
    const { id, secret: old } = await createWebhook(ctx, receiver.url, undefined, 'generation.completed');

    expect(await exitCode(ctx, ['emulator', 'emit', 'generation.completed'])).toBe(0);
    const { secret } = await jsonOf(ctx, ['webhooks', 'rotate-secret', id]);
    expect(await exitCode(ctx, ['emulator', 'emit', 'generation.completed'])).toBe(0);

    expect(signed(receiver)).toHaveLength(2);
    const [before, after] = signed(receiver);
    expect(verify(old!, before!.body, before!.header)).toEqual({ ok: true, secretIndex: 0 });
    expect(verify(secret!, after!.body, after!.header)).toEqual({ ok: true, secretIndex: 0 });
    expect(verify(old!, after!.body, after!.header)).toMatchObject({ ok: false, reason: 'mismatch' });
  });
});

import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { listenerAt, runningListeners, announceListener } from '../../src/core/listen/presence.js';
import { startEmulator, type Emulator } from '../../src/emulator/server.js';
import { testContext, type TestContext } from '../helpers/context.js';
import { exitCode, run } from '../helpers/program.js';

// Issue 12, item 8: declining a delete is a cancel, rotate-secret warns of a listener that keeps the
// old secret, emulator emit --strict fails when nobody is subscribed.

let emulator: Emulator | undefined;
const contexts: TestContext[] = [];
afterEach(async () => {
  await emulator?.close();
  emulator = undefined;
  await Promise.all(contexts.splice(0).map((c) => c.cleanup()));
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

async function createWebhook(ctx: TestContext, url: string, description?: string): Promise<string> {
  const json = {
    ...ctx,
    stdout: new (ctx.stdout.constructor as new () => typeof ctx.stdout)(),
    output: 'json' as const,
  };
  await run(json, [
    'webhooks',
    'create',
    '--url',
    url,
    '--events',
    'push.completed',
    ...(description ? ['--description', description] : []),
  ]);
  return (json.stdout.records[0] as { id: string }).id;
}

describe('webhooks delete', () => {
  it('declined at the prompt: a cancelled action (exit 1), and the webhook is still there', async () => {
    const ctx = await context({ stdin: 'n\n' });
    const id = await createWebhook(ctx, 'http://127.0.0.1:9/hook');
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
    const id = await createWebhook(
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
    const local = await createWebhook(ctx, 'http://localhost:4747/webhooks/datachonk/');
    const tunnelled = await createWebhook(ctx, 'https://words.trycloudflare.com/webhooks/datachonk');
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
      const id = await createWebhook(ctx, url);
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
      const id = await createWebhook(ctx, 'http://127.0.0.1:9/hook');
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

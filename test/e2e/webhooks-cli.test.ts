import { describe, expect, it } from 'vitest';
import { verify } from '../../src/core/signing/signature.js';
import { homePerTest, runCli, startCli } from '../helpers/cli.js';
import { startRecordingServer, type RecordingServer } from '../helpers/recording-server.js';

const t = homePerTest('datachonk-e2e-webhooks-');

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

/** A fresh emulator (in memory, no retries), and the environment that points the CLI at it. */
async function emulator(): Promise<Record<string, string>> {
  const started = t.started(
    await startCli(['emulator', 'start', '--port', '0', '--memory', '--retry-schedule', 'none'], { home: t.home }),
  );
  return {
    DATACHONK_API_URL: /emulator on (http:\/\/\S+)/.exec(started.stderr())![1]!,
    DATACHONK_API_KEY: 'dck_e2e_webhooks',
  };
}

async function json(args: string[], env: Record<string, string>): Promise<Webhook> {
  const result = await runCli(['--json', ...args], { home: t.home, env });
  expect(result.code, result.stderr).toBe(0);
  return JSON.parse(result.stdout) as Webhook;
}

const create = (env: Record<string, string>, url = 'http://127.0.0.1:9/hook', events = 'push.completed') =>
  json(['webhooks', 'create', '--url', url, '--events', events, '--description', 'first'], env);
const get = (env: Record<string, string>, id: string) => json(['webhooks', 'get', id], env);

/** The signature header and body of each request an app received. */
const signed = (app: RecordingServer) =>
  app.requests.map((r) => ({ body: r.body, header: r.headers['x-datachonk-signature'] }));

describe('webhooks update (the built binary, against the emulator)', () => {
  it.each<[string, string[], Partial<Webhook>]>([
    ['--url', ['--url', 'http://127.0.0.1:9/moved'], { url: 'http://127.0.0.1:9/moved' }],
    ['--events', ['--events', 'chonk.created,scan.completed'], { events: ['chonk.created', 'scan.completed'] }],
    ['--description', ['--description', 'the staging app'], { description: 'the staging app' }],
    ['--disable', ['--disable'], { status: 'disabled' }],
  ])('%s changes that field, and only that field, in what webhooks get shows', async (_flag, flags, change) => {
    const env = await emulator();
    const { secret: _shownOnce, ...before } = await create(env);
    const updated = await runCli(['webhooks', 'update', before.id, ...flags], { home: t.home, env });
    expect(updated.code, updated.stderr).toBe(0);
    expect(await get(env, before.id)).toEqual({ ...before, ...change, updated_at: expect.any(String) });
  });

  it('--enable resumes a disabled webhook', async () => {
    const env = await emulator();
    const { id } = await create(env);
    await json(['webhooks', 'update', id, '--disable'], env);
    expect((await get(env, id)).status).toBe('disabled');
    await json(['webhooks', 'update', id, '--enable'], env);
    expect((await get(env, id)).status).toBe('active');
  });

  it('--enable with --disable is a usage error (exit 2) that changes nothing', async () => {
    const env = await emulator();
    const { secret: _shownOnce, ...before } = await create(env);
    const both = await runCli(['webhooks', 'update', before.id, '--enable', '--disable'], { home: t.home, env });
    expect(both.code).toBe(2);
    expect(both.stderr).toContain('--enable');
    expect(both.stderr).toContain('--disable');
    expect(await get(env, before.id)).toEqual(before);
  });

  it('--secret: deliveries are signed with the given secret from then on', async () => {
    const env = await emulator();
    const app = t.opened(await startRecordingServer());
    const { id, secret: old } = await create(env, app.url, 'generation.completed');
    await json(['webhooks', 'update', id, '--secret', 'whsec_given_by_the_user'], env);
    const emitted = await runCli(['emulator', 'emit', 'generation.completed'], { home: t.home, env });
    expect(emitted.code, emitted.stderr).toBe(0);
    const [delivery] = signed(app);
    expect(verify('whsec_given_by_the_user', delivery!.body, delivery!.header)).toEqual({ ok: true, secretIndex: 0 });
    expect(verify(old!, delivery!.body, delivery!.header)).toMatchObject({ ok: false, reason: 'mismatch' });
  });
});

describe('webhooks rotate-secret (the built binary, against the emulator)', () => {
  it('prints a new whsec_ secret once, unlike the old one; webhooks get never shows it', async () => {
    const env = await emulator();
    const { id, secret: old } = await create(env);
    const rotated = await runCli(['webhooks', 'rotate-secret', id], { home: t.home, env });
    expect(rotated.code, rotated.stderr).toBe(0);
    const secrets = rotated.stdout.match(/whsec_[A-Za-z0-9_-]+/g) ?? [];
    expect(secrets).toHaveLength(1);
    const [secret] = secrets;
    expect(secret).toMatch(/^whsec_[A-Za-z0-9_-]{43}$/);
    expect(secret).not.toBe(old);
    expect(rotated.stderr).not.toContain(secret);
    for (const args of [
      ['webhooks', 'get', id],
      ['--json', 'webhooks', 'get', id],
      ['--json', 'webhooks', 'list'],
    ]) {
      const shown = await runCli(args, { home: t.home, env });
      expect(shown.stdout + shown.stderr).not.toContain(secret);
    }
  });

  it('--plan makes a secret and the steps, and changes nothing; --secret then sets that one without printing it; nothing is dropped', async () => {
    const env = await emulator();
    const app = t.opened(await startRecordingServer());
    const { id, secret: old } = await create(env, app.url, 'generation.completed');

    const plan = await runCli(['webhooks', 'rotate-secret', id, '--plan'], { home: t.home, env });
    expect(plan.code, plan.stderr).toBe(0);
    const fresh = /New signing secret for wh_\w+ \(not set yet: nothing has changed\): (whsec_\S+)/.exec(
      plan.stdout,
    )![1]!;
    expect(plan.stdout).toContain(`constructEvent(body, signature, [NEW_SECRET, OLD_SECRET])`);
    expect(plan.stdout).toContain(
      `2. Switch DataChonk to the new secret: datachonk webhooks rotate-secret ${id} --secret ${fresh}`,
    );
    const planJson = JSON.parse(
      (await runCli(['--json', 'webhooks', 'rotate-secret', id, '--plan'], { home: t.home, env })).stdout,
    ) as { type: string; steps: string[] };
    expect(planJson).toMatchObject({ type: 'rotation-plan', id, secret: expect.stringMatching(/^whsec_/) });
    expect(planJson.steps).toHaveLength(3);

    // Nothing changed: a delivery is still signed with the old secret.
    expect((await runCli(['emulator', 'emit', 'generation.completed'], { home: t.home, env })).code).toBe(0);
    const rotated = await runCli(['webhooks', 'rotate-secret', id, '--secret', fresh], { home: t.home, env });
    expect(rotated.code, rotated.stderr).toBe(0);
    expect(rotated.stdout + rotated.stderr).not.toContain(fresh);
    expect(rotated.stderr).toContain('remove the old one once deliveries verify with the new one');
    expect((await runCli(['emulator', 'emit', 'generation.completed'], { home: t.home, env })).code).toBe(0);

    // A receiver that accepts both, as step 1 says, verifies every delivery: the first with the old, the next with the new.
    const [before, after] = signed(app);
    expect(verify([fresh, old!], before!.body, before!.header)).toEqual({ ok: true, secretIndex: 1 });
    expect(verify([fresh, old!], after!.body, after!.header)).toEqual({ ok: true, secretIndex: 0 });
  });

  it('--plan with --secret is a usage error', async () => {
    const result = await runCli(['webhooks', 'rotate-secret', 'wh_1', '--plan', '--secret', 'whsec_x'], {
      home: t.home,
    });
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/--secret.*cannot be used with.*--plan|--plan.*cannot be used with.*--secret/);
  });

  it('deliveries from emulator emit verify with the old secret before, and with the new one, not the old, after', async () => {
    const env = await emulator();
    const app = t.opened(await startRecordingServer());
    const { id, secret: old } = await create(env, app.url, 'generation.completed');
    const emit = () => runCli(['emulator', 'emit', 'generation.completed'], { home: t.home, env });

    expect((await emit()).code).toBe(0);
    const { secret } = await json(['webhooks', 'rotate-secret', id], env);
    expect((await emit()).code).toBe(0);

    const [before, after] = signed(app);
    expect(signed(app)).toHaveLength(2);
    expect(verify(old!, before!.body, before!.header)).toEqual({ ok: true, secretIndex: 0 });
    expect(verify(secret!, after!.body, after!.header)).toEqual({ ok: true, secretIndex: 0 });
    expect(verify(old!, after!.body, after!.header)).toMatchObject({ ok: false, reason: 'mismatch' });
  });
});

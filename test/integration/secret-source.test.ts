import { afterEach, describe, expect, it } from 'vitest';
import { readConfig } from '../../src/config/config-file.js';
import { verify } from '../../src/core/signing/signature.js';
import { startRecordingServer, type RecordingServer } from '../helpers/recording-server.js';
import { testContext, type TestContext } from '../helpers/context.js';
import { exitCode } from '../helpers/program.js';

// An empty DATACHONK_WEBHOOK_SECRET is never passed over in silence, and trigger says which secret it
// signed with, by its source and never its value.

let contexts: TestContext[] = [];
let app: RecordingServer | undefined;
afterEach(async () => {
  await app?.close();
  app = undefined;
  await Promise.all(contexts.map((c) => c.cleanup()));
  contexts = [];
});

async function context(options: Parameters<typeof testContext>[0] = {}): Promise<TestContext> {
  const ctx = await testContext(options);
  contexts.push(ctx);
  return ctx;
}

const EMPTY_WARNING =
  'warning: DATACHONK_WEBHOOK_SECRET is set but empty, so it is ignored and the local dev secret is used';

describe('an empty DATACHONK_WEBHOOK_SECRET', () => {
  it.each(['', '  '])('%j: trigger warns, names the variable, and signs with the local dev secret', async (value) => {
    app = await startRecordingServer();
    const ctx = await context({ env: { DATACHONK_WEBHOOK_SECRET: value } });
    expect(await exitCode(ctx, ['trigger', 'push.completed', '--url', app.url])).toBe(0);
    expect(ctx.stderr.text).toContain(EMPTY_WARNING);
    expect(ctx.stderr.text).toContain('Signing with the local dev secret');
    const { dev_secret } = await readConfig(ctx.paths.configFile);
    const [sent] = app.requests;
    expect(verify(dev_secret!, sent!.body, sent!.headers['x-datachonk-signature']).ok).toBe(true);
  });

  it('verify and sign warn too; --secret given: no warning (the variable is not used)', async () => {
    const ctx = await context({ env: { DATACHONK_WEBHOOK_SECRET: '' }, stdin: '{}' });
    expect(await exitCode(ctx, ['sign'])).toBe(0);
    expect(ctx.stderr.text).toContain(EMPTY_WARNING);
    const given = await context({ env: { DATACHONK_WEBHOOK_SECRET: '' }, stdin: '{}' });
    expect(await exitCode(given, ['sign', '--secret', 'whsec_given'])).toBe(0);
    expect(given.stderr.text).toBe('');
  });

  it('listen warns, and its Ready block says the local dev secret', async () => {
    let stop: (signal: string) => void = () => {};
    const ctx = await context({
      env: { DATACHONK_WEBHOOK_SECRET: '' },
      shutdown: new Promise<string>((resolve) => (stop = resolve)),
    });
    const done = exitCode(ctx, ['listen', '--port', '0', '--no-journal']);
    await Promise.race([
      ctx.stderr.waitFor(/Listening on/),
      done.then((code) => {
        throw new Error(`listen ended (exit ${code}): ${ctx.stderr.text}`);
      }),
    ]);
    stop('SIGINT');
    expect(await done).toBe(0);
    expect(ctx.stderr.text).toContain(EMPTY_WARNING);
    expect(ctx.stderr.text).toMatch(/Signing secret: whsec_\S+ \(the local dev secret/);
  });
});

describe('trigger says which secret it signed with', () => {
  it.each([
    [{ DATACHONK_WEBHOOK_SECRET: 'whsec_from_env_1234' }, [], 'Signing with $DATACHONK_WEBHOOK_SECRET'],
    [
      { DATACHONK_WEBHOOK_SECRET: 'whsec_from_env_1234' },
      ['--secret', 'whsec_flag_5678'],
      'Signing with the --secret value',
    ],
    [{}, [], 'Signing with the local dev secret (the one `datachonk listen` verifies with by default)'],
    [{}, ['--signature', 'missing', '--expect-status', '200'], 'Unsigned (--signature missing)'],
    [{}, ['--signature', 'invalid', '--expect-status', '200'], 'With a wrong signature (--signature invalid)'],
  ])('env %j, flags %j: one line on stderr, "%s", never the value', async (env, flags, line) => {
    app = await startRecordingServer();
    const ctx = await context({ env });
    expect(await exitCode(ctx, ['trigger', 'push.completed', '--url', app.url, ...flags])).toBe(0);
    expect(ctx.stderr.text.split('\n').filter((l) => /^(Signing|Unsigned|With a wrong)/.test(l))).toEqual([line]);
    expect(ctx.stderr.text + ctx.stdout.text).not.toMatch(/whsec_from_env_1234|whsec_flag_5678/);
  });

  it('--json: secret_source on each delivery and in the summary; -q: no line', async () => {
    app = await startRecordingServer();
    const ctx = await context({ env: { DATACHONK_WEBHOOK_SECRET: 'whsec_from_env_1234' } });
    expect(await exitCode(ctx, ['--json', 'trigger', 'push.completed', '--count', '2', '--url', app.url])).toBe(0);
    const records = ctx.stdout.records;
    expect(records.map((r) => [r.type, r.secret_source])).toEqual([
      ['delivery', 'env'],
      ['delivery', 'env'],
      ['summary', 'env'],
    ]);
    const quiet = await context();
    expect(await exitCode(quiet, ['-q', 'trigger', 'push.completed', '--url', app.url])).toBe(0);
    expect(quiet.stderr.text).toBe('');
  });
});

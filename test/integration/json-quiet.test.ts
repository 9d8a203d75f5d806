import { afterEach, describe, expect, it } from 'vitest';
import { sign } from '../../src/core/signing/signature.js';
import { testContext, type TestContext } from '../helpers/context.js';
import { exitCode } from '../helpers/program.js';

// `--json -q` (in either order): the JSON records on stdout, and on stderr nothing but errors and warnings.

let contexts: TestContext[] = [];
afterEach(async () => {
  await Promise.all(contexts.map((c) => c.cleanup()));
  contexts = [];
});

async function context(options: Parameters<typeof testContext>[0] = {}): Promise<TestContext> {
  const ctx = await testContext(options);
  contexts.push(ctx);
  return ctx;
}

const BODY = '{"id":1}';

describe('--json with -q', () => {
  it.each([[['--json', '-q']], [['-q', '--json']], [['--json', '--quiet']]])(
    '%j verify: the record on stdout, nothing on stderr',
    async (flags) => {
      const ctx = await context({ stdin: BODY });
      const args = [...flags, 'verify', '--secret', 'whsec_q', '--signature', sign('whsec_q', BODY)];
      expect(await exitCode(ctx, args)).toBe(0);
      expect(ctx.stdout.records).toEqual([{ valid: true }]);
      expect(ctx.stderr.text).toBe('');
    },
  );

  it('--json alone still says the verdict on stderr', async () => {
    const ctx = await context({ stdin: BODY });
    expect(await exitCode(ctx, ['--json', 'verify', '--secret', 'whsec_q', '--signature', sign('whsec_q', BODY)])).toBe(
      0,
    );
    expect(ctx.stderr.text).toContain('the signature is valid');
  });

  it('an error is still said on stderr, with its exit code', async () => {
    const ctx = await context({ stdin: BODY });
    const args = ['--json', '-q', 'verify', '--secret', 'whsec_q', '--signature', sign('whsec_other', BODY)];
    expect(await exitCode(ctx, args)).toBe(1);
    expect(ctx.stdout.records[0]).toMatchObject({ valid: false });
    expect(ctx.stderr.text).toMatch(/^error: invalid signature/);
  });

  it('listen: the ready record on stdout and no Ready block on stderr', async () => {
    let stop: (signal: string) => void = () => {};
    const ctx = await context({ shutdown: new Promise<string>((resolve) => (stop = resolve)) });
    const done = exitCode(ctx, ['--json', '-q', 'listen', '--port', '0', '--no-journal', '--secret', 'whsec_q']);
    await Promise.race([
      ctx.stdout.waitFor(/"type":"ready"/),
      done.then((code) => {
        throw new Error(`listen ended (exit ${code}) before it was ready: ${ctx.stderr.text}`);
      }),
    ]);
    stop('SIGINT');
    expect(await done).toBe(0);
    expect(ctx.stdout.records[0]).toMatchObject({ type: 'ready' });
    expect(ctx.stderr.text).toBe('');
  });
});

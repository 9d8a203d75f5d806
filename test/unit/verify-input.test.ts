import { afterEach, describe, expect, it } from 'vitest';
import { sign } from '../../src/core/signing/signature.js';
import { testContext, type TestContext } from '../helpers/context.js';
import { exitCode } from '../helpers/program.js';

// `datachonk verify` run bare from a terminal says what verify needs, with a verify that runs, not sign's hint.

let ctx: TestContext;
afterEach(() => ctx.cleanup());

/** A context whose stdin is a terminal (nothing piped) unless `stdin` is given. */
async function terminal(stdin?: string): Promise<TestContext> {
  ctx = await testContext({ stdin });
  if (stdin === undefined) ctx.stdin.isTTY = true;
  return ctx;
}

describe('datachonk verify with something missing', () => {
  it.each([
    [['verify'], 'no body and no --signature given'],
    [['verify', '--signature', 'sha256=00'], 'no body given'],
  ])('%j: a usage error naming the body, the signature and the secret, with a verify example', async (args, lacks) => {
    await terminal();
    expect(await exitCode(ctx, args)).toBe(2);
    const said = ctx.stderr.text;
    expect(said).toContain(`error: verify needs the body, its signature and the secret: ${lacks}`);
    expect(said).toContain('--file <path>, or piped on stdin');
    expect(said).toContain('--signature sha256=…');
    expect(said).toContain('$DATACHONK_WEBHOOK_SECRET, else the local dev secret');
    expect(said).toMatch(/\| datachonk verify --secret whsec_test --signature/);
    expect(said).not.toContain('datachonk sign --file');
  });

  it('a piped body without --signature: says the signature is missing', async () => {
    await terminal('{"id":1}');
    expect(await exitCode(ctx, ['verify', '--secret', 'whsec_test'])).toBe(2);
    expect(ctx.stderr.text).toContain('verify needs the body, its signature and the secret: no --signature given');
  });

  it('the example it shows verifies', async () => {
    await terminal('{"id":1}');
    const signature = sign('whsec_test', '{"id":1}');
    expect(await exitCode(ctx, ['verify', '--secret', 'whsec_test', '--signature', signature])).toBe(0);
    expect(ctx.stderr.text).toContain('the signature is valid');
  });
});

import { afterEach, describe, expect, it, vi } from 'vitest';
import { testContext, type TestContext } from '../helpers/context.js';
import { exitCode } from '../helpers/program.js';
import type * as Binary from '../../src/core/tunnel/binary.js';

// `datachonk tunnel install` with the download itself stood in for: no test reaches Cloudflare.
vi.mock('../../src/core/tunnel/binary.js', async (original) => ({
  ...(await original<typeof Binary>()),
  findCloudflared: async () => undefined,
  packageBinaryPath: async () => undefined,
  downloadCloudflared: async () => '/tmp/stand-in/cloudflared',
}));

let ctx: TestContext;
afterEach(() => ctx?.cleanup());

describe('tunnel install', () => {
  it('says once that it downloads cloudflared, with the terms, then where it put it', async () => {
    ctx = await testContext({ env: { PATH: '' } });
    expect(await exitCode(ctx, ['tunnel', 'install'])).toBe(0);
    expect(ctx.stderr.text.match(/Downloading cloudflared/g)).toHaveLength(1);
    expect(ctx.stderr.text).toContain("Downloading cloudflared from Cloudflare's GitHub releases (terms:");
    expect(ctx.stderr.text).toContain('cloudflared installed at /tmp/stand-in/cloudflared');
  });
});

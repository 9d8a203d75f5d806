import type { Context } from '../../context.js';
import { failure } from '../../errors.js';
import { downloadCloudflared, findCloudflared, packageBinaryPath } from '../../core/tunnel/binary.js';
import { confirm } from '../../ui/prompt.js';
import { verdict } from '../../ui/output.js';
import { withSpinner } from '../../ui/spinner.js';
import type { Action } from '../define.js';

const TERMS = 'https://www.cloudflare.com/website-terms/';
const INSTALL_DOCS = 'https://developers.cloudflare.com/cloudflare-one/connections/connect-networks/downloads/';

/**
 * The cloudflared binary to run. When there is none: on a terminal, offer to download it; without
 * one (CI), fail at once, saying how to get it.
 */
export async function requireCloudflared(ctx: Context): Promise<string> {
  const found = await findCloudflared(ctx.env, await packageBinaryPath());
  if (found) return found.path;
  const interactive = Boolean(ctx.stdin.isTTY && ctx.stderr.isTTY);
  if (
    interactive &&
    (await confirm(
      ctx,
      `--tunnel needs cloudflared, which is not installed. Download it from Cloudflare's GitHub releases (terms: ${TERMS})?`,
    ))
  ) {
    return download(ctx, 'Downloading cloudflared');
  }
  throw failure(
    '--tunnel needs cloudflared, and it is not installed',
    `install it (${INSTALL_DOCS}, or \`brew install cloudflared\`), or run \`datachonk tunnel install\`, or set CLOUDFLARED_BIN to its path; or use --tunnel-url with a tunnel you run yourself`,
  );
}

async function download(ctx: Context, text: string): Promise<string> {
  try {
    return await withSpinner(ctx, text, downloadCloudflared);
  } catch (error) {
    throw failure(
      `could not download cloudflared: ${(error as Error).message}`,
      `install it yourself (${INSTALL_DOCS}) and set CLOUDFLARED_BIN`,
    );
  }
}

/** `datachonk tunnel install`: download cloudflared on purpose. */
export const install: Action<Record<string, never>> = async (ctx) => {
  const existing = await findCloudflared(ctx.env, await packageBinaryPath());
  if (existing) {
    verdict(ctx, true, `cloudflared is already installed: ${existing.path} (from ${existing.from})`);
    return;
  }
  // Said once: the spinner's text (or, without a terminal, its one line) is the whole announcement.
  const path = await download(ctx, `Downloading cloudflared from Cloudflare's GitHub releases (terms: ${TERMS})`);
  verdict(ctx, true, `cloudflared installed at ${path}`);
};

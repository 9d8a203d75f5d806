import type { Context } from '../context.js';
import { resolveSecret, type ResolvedSecret } from '../config/secret.js';
import { warnEmptySecretEnv } from '../ui/output.js';

/** The signing secret by its precedence (config/secret.ts), with a warning when an empty variable was passed over. */
export async function signingSecret(ctx: Context, flag: string | undefined): Promise<ResolvedSecret> {
  const resolved = await resolveSecret(flag, ctx.env, ctx.paths.configFile);
  if (resolved.emptyEnv) warnEmptySecretEnv(ctx);
  return resolved;
}

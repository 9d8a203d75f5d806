import { z } from 'zod';
import type { Context } from '../context.js';
import { failure } from '../errors.js';
import { resolveSecret } from '../config/secret.js';
import { verify as verifyBody } from '../core/signing/signature.js';
import { verdict } from '../ui/output.js';
import { parseFlags, secretFlag } from './flags.js';
import { readBody } from './read-body.js';

const flagsSchema = z.object({
  secret: secretFlag,
  signature: z.string({ error: 'give the signature header value to check, e.g. --signature sha256=…' }),
  file: z.string().optional(),
});

/** `datachonk verify`: exit 0 when the signature matches the body, 1 with the reason when not. */
export default async function verify(ctx: Context, rawFlags: unknown): Promise<void> {
  const flags = parseFlags(flagsSchema, rawFlags);
  const { secret, source } = await resolveSecret(flags.secret, ctx.env, ctx.paths.configFile);
  const body = await readBody(ctx, flags.file);
  const result = verifyBody(secret, body, flags.signature);
  if (ctx.output === 'json') {
    ctx.stdout.write(`${JSON.stringify(result.ok ? { valid: true } : { valid: false, reason: result.reason, message: result.message })}\n`);
  }
  if (result.ok) {
    verdict(ctx, true, 'the signature is valid');
    return;
  }
  const hint = result.reason === 'mismatch' && source !== 'flag'
    ? `checked with the secret from ${source === 'env' ? 'DATACHONK_WEBHOOK_SECRET' : 'the local dev secret'}; pass --secret to use another`
    : undefined;
  throw failure(`invalid signature: ${result.message}`, hint);
}

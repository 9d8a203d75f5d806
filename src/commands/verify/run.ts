import { failure } from '../../errors.js';
import { resolveSecret } from '../../config/secret.js';
import { NEAR_MISSES, verify as verifyBody } from '../../core/signing/signature.js';
import { printResult, verdict } from '../../ui/output.js';
import type { Action } from '../define.js';
import { readBody } from '../read-body.js';
import type { VerifySpecs } from './index.js';

/** `datachonk verify`: exit 0 when the signature matches the body, 1 with the reason when not. */
const verify: Action<VerifySpecs> = async (ctx, { options }) => {
  const { secret, source } = await resolveSecret(options.secret, ctx.env, ctx.paths.configFile);
  const body = await readBody(ctx, options.file);
  const result = verifyBody(secret, body, options.signature);
  if (ctx.output === 'json') printResult(ctx, '', result.ok ? { valid: true } : { valid: false, reason: result.reason, message: result.message });
  if (result.ok) {
    verdict(ctx, true, 'the signature is valid');
    return;
  }
  const hint = result.reason === 'mismatch' && source !== 'flag'
    ? `checked with the secret from ${source === 'env' ? 'DATACHONK_WEBHOOK_SECRET' : 'the local dev secret'}; pass --secret to use another`
    : NEAR_MISSES.has(result.reason)
      ? 'fix the sender to write the header exactly as `datachonk sign` prints it: strict receivers refuse anything else'
      : undefined;
  throw failure(`invalid signature: ${result.message}`, hint);
};

export default verify;

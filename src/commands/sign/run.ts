import { resolveSecret } from '../../config/secret.js';
import { usageError } from '../../errors.js';
import { sign as signBody } from '../../core/signing/signature.js';
import { printResult } from '../../ui/output.js';
import type { Action } from '../define.js';
import { readBody } from '../read-body.js';
import type { SignSpecs } from './index.js';

/** `datachonk sign`: prints the x-datachonk-signature value for a body. */
const sign: Action<SignSpecs> = async (ctx, { options }) => {
  const { secret } = await resolveSecret(options.secret, ctx.env, ctx.paths.configFile);
  const body = await readBody(ctx, options.file, () =>
    usageError('no body to read: pipe it in, or name a file', 'for example: datachonk sign --file payload.json'),
  );
  const signature = signBody(secret, body);
  printResult(ctx, signature, { signature });
};

export default sign;

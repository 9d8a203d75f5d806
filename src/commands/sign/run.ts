import { usageError } from '../../errors.js';
import { sign as signBody } from '../../core/signing/signature.js';
import { printResult } from '../../ui/output.js';
import type { Action } from '../define.js';
import { readBody } from '../read-body.js';
import { signingSecret } from '../secret.js';
import type { SignSpecs } from './index.js';

/** `datachonk sign`: prints the x-datachonk-signature value for a body. */
const sign: Action<SignSpecs> = async (ctx, { options }) => {
  const { secret } = await signingSecret(ctx, options.secret);
  const body = await readBody(ctx, options.file, () =>
    usageError('no body to read: pipe it in, or name a file', 'for example: datachonk sign --file payload.json'),
  );
  const signature = signBody(secret, body);
  printResult(ctx, signature, { signature });
};

export default sign;

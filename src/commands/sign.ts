import { z } from 'zod';
import type { Context } from '../context.js';
import { resolveSecret } from '../config/secret.js';
import { sign as signBody } from '../core/signing/signature.js';
import { printResult } from '../ui/output.js';
import { parseFlags, secretFlag } from './flags.js';
import { readBody } from './read-body.js';

const flagsSchema = z.object({ secret: secretFlag, file: z.string().optional() });

/** `datachonk sign`: prints the x-datachonk-signature value for a body. */
export default async function sign(ctx: Context, rawFlags: unknown): Promise<void> {
  const flags = parseFlags(flagsSchema, rawFlags);
  const { secret } = await resolveSecret(flags.secret, ctx.env, ctx.paths.configFile);
  const body = await readBody(ctx, flags.file);
  const signature = signBody(secret, body);
  printResult(ctx, signature, { signature });
}

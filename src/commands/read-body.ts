import { readFile } from 'node:fs/promises';
import type { Context } from '../context.js';
import { usageError } from '../errors.js';

/**
 * The exact bytes to sign or verify: from --file, else from piped stdin. `none` is the error when there
 * is neither (stdin is a terminal): each command says what it needs.
 */
export async function readBody(ctx: Context, file: string | undefined, none: () => Error): Promise<Buffer> {
  if (file) {
    try {
      return await readFile(file);
    } catch (error) {
      throw usageError(
        `cannot read ${file}: ${(error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (error as Error).message}`,
      );
    }
  }
  if (ctx.stdin.isTTY) throw none();
  const chunks: Buffer[] = [];
  for await (const chunk of ctx.stdin) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer));
  return Buffer.concat(chunks);
}

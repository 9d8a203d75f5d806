import { randomBytes } from 'node:crypto';
import { describeJsonSyntaxError, findJsonSyntaxError } from '../core/json-syntax.js';
import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import { failure } from '../errors.js';
import { writeFileAtomically } from './atomic-file.js';

// Loose: fields written by newer versions of the tool are kept on rewrite.
const configSchema = z.looseObject({
  dev_secret: z.string().startsWith('whsec_').optional(),
  api_key: z.string().min(1).optional(),
  api_url: z.string().min(1).optional(),
});

export type Config = z.infer<typeof configSchema>;

/** Reads config.json; a missing file is an empty config, a damaged one a clear error. */
export async function readConfig(file: string): Promise<Config> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return {};
    throw failure(`cannot read the config file ${file}: ${(error as Error).message}`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    const at = findJsonSyntaxError(text);
    throw failure(
      `the config file ${file} is not valid JSON${at ? `: ${describeJsonSyntaxError(at)}` : ''}`,
      'fix it, or delete it to start afresh (the local dev secret is then made anew)',
    );
  }
  const result = configSchema.safeParse(parsed);
  if (!result.success) {
    const issue = result.error.issues[0]!;
    throw failure(
      `the config file ${file} is not valid: ${issue.path.join('.') || '(file)'}: ${issue.message}`,
      'fix it, or delete it to start afresh',
    );
  }
  return result.data;
}

/**
 * Writes config.json atomically (temporary file, then rename) with mode 0600 in a 0700 folder:
 * it holds secrets. On Windows the modes do nothing (chmod sets only the read-only flag there); the
 * file is private because %APPDATA% is in the user's own profile folder.
 */
export async function writeConfig(file: string, config: Config): Promise<void> {
  await writeFileAtomically(file, `${JSON.stringify(config, null, 2)}\n`, 0o600);
}

/** Reads, changes and writes config.json in one step. */
export async function updateConfig(file: string, change: (config: Config) => Config): Promise<Config> {
  const next = change(await readConfig(file));
  await writeConfig(file, next);
  return next;
}

/** A new webhook signing secret: `whsec_` and 32 random bytes in base64url. */
export function generateSecret(): string {
  return `whsec_${randomBytes(32).toString('base64url')}`;
}

/**
 * The local dev secret that `trigger`, `sign` and `listen` share when no secret is given,
 * made on first use.
 */
export async function devSecret(file: string): Promise<{ secret: string; created: boolean }> {
  const config = await readConfig(file);
  if (config.dev_secret) return { secret: config.dev_secret, created: false };
  await writeConfig(file, { ...config, dev_secret: generateSecret() });
  // Two processes starting at once may both write: read back so both use the one that won.
  const stored = (await readConfig(file)).dev_secret;
  if (!stored) throw failure(`could not store the dev secret in ${file}`);
  return { secret: stored, created: true };
}

import type { OtherSecret } from '../core/signing/diagnose.js';
import { devSecret, readConfig } from './config-file.js';
import { API_KEY_ENV } from './credentials.js';
import type { Env } from './paths.js';

/** Where the signing secret in use came from. */
export type SecretSource = 'flag' | 'env' | 'dev';

export interface ResolvedSecret {
  secret: string;
  source: SecretSource;
  /** True when the dev secret was made just now. */
  created: boolean;
  /** DATACHONK_WEBHOOK_SECRET is set but empty (or blank), and was passed over: the caller says so. */
  emptyEnv: boolean;
}

export const SECRET_ENV = 'DATACHONK_WEBHOOK_SECRET';

/**
 * Signing secret precedence: --secret, then DATACHONK_WEBHOOK_SECRET, then the dev secret stored in the
 * config file. An empty or blank variable is passed over as unset (`${VAR:-default}` in a shell), and
 * `emptyEnv` says so: a secret that a CI job failed to fill in must not go unnoticed.
 */
export async function resolveSecret(flag: string | undefined, env: Env, configFile: string): Promise<ResolvedSecret> {
  const source = secretSourceOf(flag, env);
  if (source !== 'dev') return { secret: flag || env[SECRET_ENV]!, source, created: false, emptyEnv: false };
  const dev = await devSecret(configFile);
  return { secret: dev.secret, source, created: dev.created, emptyEnv: !flag && env[SECRET_ENV] !== undefined };
}

/** Where resolveSecret takes the secret from, without reading it. */
export function secretSourceOf(flag: string | undefined, env: Env): SecretSource {
  if (flag) return 'flag';
  return env[SECRET_ENV] && env[SECRET_ENV].trim() !== '' ? 'env' : 'dev';
}

/**
 * The secrets this machine knows besides the one in use, for a signature diagnosis to name the one a
 * signature was made with: `extra` (labelled by the caller), the other of DATACHONK_WEBHOOK_SECRET and
 * the local dev secret, and the API key (env, or stored). Reads; never creates a dev secret. A config
 * file that cannot be read adds nothing: a diagnosis is no place to fail.
 */
export async function knownSecrets(
  inUse: SecretSource,
  env: Env,
  configFile: string,
  extra: readonly OtherSecret[] = [],
): Promise<OtherSecret[]> {
  const config = await readConfig(configFile).catch(() => ({ dev_secret: undefined, api_key: undefined }));
  const known: OtherSecret[] = [...extra];
  if (inUse !== 'env' && env[SECRET_ENV]) known.push({ secret: env[SECRET_ENV], label: `the secret in ${SECRET_ENV}` });
  if (inUse !== 'dev' && config.dev_secret) known.push({ secret: config.dev_secret, label: 'the local dev secret' });
  if (env[API_KEY_ENV]) known.push({ secret: env[API_KEY_ENV], label: `the API key in ${API_KEY_ENV}`, apiKey: true });
  if (config.api_key)
    known.push({ secret: config.api_key, label: 'the API key stored by `datachonk auth login`', apiKey: true });
  return known;
}

import { devSecret } from './config-file.js';
import type { Env } from './paths.js';

/** Where the signing secret in use came from. */
export type SecretSource = 'flag' | 'env' | 'dev';

export interface ResolvedSecret {
  secret: string;
  source: SecretSource;
  /** True when the dev secret was made just now. */
  created: boolean;
}

export const SECRET_ENV = 'DATACHONK_WEBHOOK_SECRET';

/** Signing secret precedence: --secret, then DATACHONK_WEBHOOK_SECRET, then the stored dev secret. */
export async function resolveSecret(flag: string | undefined, env: Env, configFile: string): Promise<ResolvedSecret> {
  if (flag) return { secret: flag, source: 'flag', created: false };
  const fromEnv = env[SECRET_ENV];
  if (fromEnv) return { secret: fromEnv, source: 'env', created: false };
  const dev = await devSecret(configFile);
  return { secret: dev.secret, source: 'dev', created: dev.created };
}

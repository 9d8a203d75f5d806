import { DEFAULT_API_URL } from '../defaults.js';
import { usageError } from '../errors.js';
import { readConfig } from './config-file.js';
import type { Env } from './paths.js';

export const API_KEY_ENV = 'DATACHONK_API_KEY';
export const API_URL_ENV = 'DATACHONK_API_URL';
export { DEFAULT_API_URL };

export type CredentialSource = 'flag' | 'env' | 'file' | 'default';

export interface ApiSettings {
  url: string;
  urlSource: CredentialSource;
  key: string | undefined;
  keySource: CredentialSource | undefined;
}

/** API URL: --api-url, DATACHONK_API_URL, config file, default. Key: --api-key, DATACHONK_API_KEY, config file. */
export async function resolveApiSettings(
  flags: { apiUrl?: string | undefined; apiKey?: string | undefined },
  env: Env,
  configFile: string,
): Promise<ApiSettings> {
  const config = await readConfig(configFile);
  const [url, urlSource]: [string, CredentialSource] = flags.apiUrl
    ? [flags.apiUrl, 'flag']
    : env[API_URL_ENV]
      ? [env[API_URL_ENV]!, 'env']
      : config.api_url
        ? [config.api_url, 'file']
        : [DEFAULT_API_URL, 'default'];
  const [key, keySource]: [string | undefined, CredentialSource | undefined] = flags.apiKey
    ? [flags.apiKey, 'flag']
    : env[API_KEY_ENV]
      ? [env[API_KEY_ENV], 'env']
      : config.api_key
        ? [config.api_key, 'file']
        : [undefined, undefined];
  return { url, urlSource, key, keySource };
}

/** The API key, or a usage error that says how to give one. */
export function requireApiKey(settings: ApiSettings): string {
  if (settings.key) return settings.key;
  throw usageError('no DataChonk API key', `run \`datachonk auth login\`, set ${API_KEY_ENV}, or pass --api-key`);
}

/** Shows enough of a key or secret to recognise it: `dck_…abcd`, `whsec_…abcd`. */
export function maskKey(key: string): string {
  const prefix = /^[a-z]+_/i.exec(key)?.[0] ?? '';
  return `${prefix}…${key.slice(-4)}`;
}

import type { Context } from '../../context.js';
import { failure, usageError } from '../../errors.js';
import { updateConfig } from '../../config/config-file.js';
import { API_KEY_ENV, maskKey, resolveApiSettings } from '../../config/credentials.js';
import { WebhooksApi } from '../../core/api/webhooks.js';
import { note, printResult, verdict } from '../../ui/output.js';
import { askHidden } from '../../ui/prompt.js';
import { joinShown } from '../../ui/style.js';
import { apiClient } from '../api.js';
import type { Action } from '../define.js';
import type { LoginSpecs, StatusSpecs } from './index.js';

// `datachonk auth login|status|logout`: the API key, stored in config.json (0600).

const sourceText = {
  flag: 'from --api-key',
  env: `from ${API_KEY_ENV}`,
  file: 'from the config file',
  default: 'the default',
} as const;

export const login: Action<LoginSpecs> = async (ctx, { options: flags }) => {
  const key = (
    flags.apiKey ?? (ctx.stdin.isTTY ? await askHidden(ctx, 'DataChonk API key: ') : await readPiped(ctx))
  ).trim();
  if (!key)
    throw usageError(
      'no API key given',
      'pass --api-key, pipe it in (`echo $KEY | datachonk auth login`), or type it at the prompt',
    );
  const settings = await resolveApiSettings({ apiUrl: flags.apiUrl }, ctx.env, ctx.paths.configFile);

  // A cheap call proves the key before it is stored.
  const client = apiClient(ctx, settings.url, key);
  try {
    await new WebhooksApi(client).list();
  } finally {
    await client.close();
  }
  await updateConfig(ctx.paths.configFile, (config) => ({
    ...config,
    api_key: key,
    ...(flags.apiUrl ? { api_url: flags.apiUrl } : {}),
  }));
  verdict(ctx, true, `Logged in to ${settings.url}: key ${maskKey(key)} stored in ${ctx.paths.configFile}`);
  if (ctx.output === 'json')
    printResult(ctx, '', { type: 'auth', api_url: settings.url, key: maskKey(key), stored_in: ctx.paths.configFile });
};

export const status: Action<StatusSpecs> = async (ctx, { options: flags }) => {
  const settings = await resolveApiSettings(flags, ctx.env, ctx.paths.configFile);
  const urlSource =
    settings.urlSource === 'env'
      ? 'from DATACHONK_API_URL'
      : settings.urlSource === 'flag'
        ? 'from --api-url'
        : sourceText[settings.urlSource];
  if (ctx.output === 'json') {
    printResult(ctx, '', {
      type: 'auth',
      api_url: settings.url,
      api_url_source: settings.urlSource,
      key: settings.key ? maskKey(settings.key) : null,
      key_source: settings.keySource ?? null,
    });
  } else {
    printResult(
      ctx,
      joinShown(
        [
          `API URL: ${settings.url} (${urlSource})`,
          `API key: ${settings.key ? `${maskKey(settings.key)} (${sourceText[settings.keySource!]}${settings.keySource === 'file' ? ` ${ctx.paths.configFile}` : ''})` : 'none'}`,
        ],
        '\n',
      ),
      {},
    );
  }
  if (!settings.key) throw failure('not logged in', `run \`datachonk auth login\`, or set ${API_KEY_ENV}`);
};

export const logout: Action<Record<string, never>> = async (ctx) => {
  let had = false;
  await updateConfig(ctx.paths.configFile, ({ api_key, ...rest }) => {
    had = api_key !== undefined;
    return rest;
  });
  verdict(ctx, true, had ? `Removed the API key from ${ctx.paths.configFile}` : 'No API key was stored');
  if (ctx.env[API_KEY_ENV]) note(ctx, `${API_KEY_ENV} is still set in your environment and will be used`);
  if (ctx.output === 'json') printResult(ctx, '', { type: 'auth', removed: had });
};

async function readPiped(ctx: Context): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of ctx.stdin) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer));
  return Buffer.concat(chunks).toString('utf8').split('\n')[0] ?? '';
}

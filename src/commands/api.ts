import type { Context } from '../context.js';
import { requireApiKey, resolveApiSettings } from '../config/credentials.js';
import { ApiClient } from '../core/api/client.js';
import { WebhooksApi } from '../core/api/webhooks.js';

/** Flags every API command takes. */
export interface ApiFlags {
  apiUrl?: string | undefined;
  apiKey?: string | undefined;
}

/** A webhooks API client for the settings in effect (flag > env > config file > default). */
export async function webhooksApi(ctx: Context, flags: ApiFlags): Promise<{ api: WebhooksApi; client: ApiClient }> {
  const settings = await resolveApiSettings(flags, ctx.env, ctx.paths.configFile);
  const client = new ApiClient({ baseUrl: settings.url, apiKey: requireApiKey(settings), userAgent: `datachonk-cli/${ctx.version}` });
  return { api: new WebhooksApi(client), client };
}

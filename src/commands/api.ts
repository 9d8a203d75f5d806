import type { Context } from '../context.js';
import { requireApiKey, resolveApiSettings } from '../config/credentials.js';
import { ApiClient, type ApiClientOptions } from '../core/api/client.js';
import { WebhooksApi } from '../core/api/webhooks.js';

/** Flags every API command takes. */
export interface ApiFlags {
  apiUrl?: string | undefined;
  apiKey?: string | undefined;
}

/** The user-agent of every request this tool makes. */
export const userAgent = (ctx: Context) => `datachonk-cli/${ctx.version}`;

/** An API client for a base URL and key, with this tool's user-agent. */
export function apiClient(
  ctx: Context,
  baseUrl: string,
  apiKey: string,
  options: Partial<ApiClientOptions> = {},
): ApiClient {
  return new ApiClient({ baseUrl, apiKey, userAgent: userAgent(ctx), ...options });
}

/** A webhooks API client for the settings in effect (flag > env > config file > default). */
export async function webhooksApi(ctx: Context, flags: ApiFlags): Promise<{ api: WebhooksApi; client: ApiClient }> {
  const settings = await resolveApiSettings(flags, ctx.env, ctx.paths.configFile);
  const client = apiClient(ctx, settings.url, requireApiKey(settings));
  return { api: new WebhooksApi(client), client };
}

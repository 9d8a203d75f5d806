import { z } from 'zod';
import { DatachonkError, failure } from '../../errors.js';
import { ApiError, type ApiClient } from './client.js';
import { deliverySchema, listOf, webhookSchema, type Delivery, type Webhook } from './schemas.js';

export interface CreateWebhook {
  url: string;
  events: string[];
  secret: string;
  description?: string | undefined;
}

export interface UpdateWebhook {
  url?: string | undefined;
  events?: string[] | undefined;
  secret?: string | undefined;
  status?: 'active' | 'disabled' | undefined;
  description?: string | undefined;
}

/** The webhooks resource. Only `create` is documented by DataChonk; the rest is the assumed contract. */
export class WebhooksApi {
  constructor(private readonly client: ApiClient) {}

  /** `POST /v1/webhooks` with exactly the documented `{url, events, secret}` (and `description` when given). */
  create(input: CreateWebhook): Promise<Webhook> {
    const body = { url: input.url, events: input.events, secret: input.secret, ...(input.description === undefined ? {} : { description: input.description }) };
    return this.call(undefined, () => this.client.request('POST', 'webhooks', webhookSchema, body));
  }

  list(): Promise<Webhook[]> {
    return this.call(undefined, () => this.client.request('GET', 'webhooks', listOf(webhookSchema)));
  }

  get(id: string): Promise<Webhook> {
    return this.call(id, () => this.client.request('GET', `webhooks/${encodeURIComponent(id)}`, webhookSchema));
  }

  update(id: string, changes: UpdateWebhook): Promise<Webhook> {
    const body = Object.fromEntries(Object.entries(changes).filter(([, value]) => value !== undefined));
    return this.call(id, () => this.client.request('PATCH', `webhooks/${encodeURIComponent(id)}`, webhookSchema, body));
  }

  async delete(id: string): Promise<void> {
    await this.call(id, () => this.client.request('DELETE', `webhooks/${encodeURIComponent(id)}`, z.unknown()));
  }

  /** Emulator only: the delivery attempts of a webhook. */
  deliveries(id: string): Promise<Delivery[]> {
    return this.call(id, () => this.client.request('GET', `webhooks/${encodeURIComponent(id)}/deliveries`, listOf(deliverySchema)));
  }

  private async call<T>(id: string | undefined, run: () => Promise<T>): Promise<T> {
    try {
      return await run();
    } catch (error) {
      throw explainApiError(error, id);
    }
  }
}

/** Turns an API error answer into a message that says what went wrong and what to do. */
export function explainApiError(error: unknown, webhookId?: string): unknown {
  if (!(error instanceof ApiError)) return error;
  const ref = [error.code, error.requestId && `request ${error.requestId}`].filter(Boolean).join(', ');
  const said = `${error.message} (${ref})`;
  const withSuggestion = (hint: string) => (error.suggestion ? `${error.suggestion}; ${hint}` : hint);
  switch (error.status) {
    case 401:
      return failure(`the API key was refused: ${said}`, withSuggestion('run `datachonk auth login` with a valid key, or set DATACHONK_API_KEY'));
    case 403:
      return failure(`the API key may not do this: ${said}`, withSuggestion('use a key with access to this project'));
    case 404:
      return failure(webhookId ? `webhook ${webhookId} not found (${ref})` : `not found: ${said}`,
        withSuggestion(webhookId ? 'run `datachonk webhooks list` to see the ids' : 'is the API URL right? check `datachonk auth status`'));
    case 400:
    case 422:
      return new DatachonkError('failure', `the API rejected the request: ${said}${fieldDetails(error.details)}`, error.suggestion);
    case 429:
      return failure(`the API is rate limiting this key: ${said}`, withSuggestion('wait a minute and try again'));
    default:
      return failure(`the API failed: HTTP ${error.status}, ${said}`, withSuggestion('try again; if it persists, quote the request id to DataChonk support'));
  }
}

function fieldDetails(details: unknown): string {
  if (!details || typeof details !== 'object') return '';
  const entries = Object.entries(details as Record<string, unknown>).filter(([key]) => key !== 'suggestion');
  if (entries.length === 0) return '';
  return entries.map(([key, value]) => `\n  ${key}: ${typeof value === 'string' ? value : JSON.stringify(value)}`).join('');
}

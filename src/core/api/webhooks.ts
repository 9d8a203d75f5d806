import { z } from 'zod';
import { Failure, isFailure } from '../../failure.js';
import type { ApiClient } from './client.js';
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
    const body = {
      url: input.url,
      events: input.events,
      secret: input.secret,
      ...(input.description === undefined ? {} : { description: input.description }),
    };
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
    return this.call(id, () =>
      this.client.request('GET', `webhooks/${encodeURIComponent(id)}/deliveries`, listOf(deliverySchema)),
    );
  }

  private async call<T>(id: string | undefined, run: () => Promise<T>): Promise<T> {
    try {
      return await run();
    } catch (error) {
      // The webhook the failure is about, so that a 404 can name it.
      if (isFailure(error, 'api-error') && id !== undefined)
        throw new Failure('api-error', { ...error.facts, webhookId: id });
      throw error;
    }
  }
}

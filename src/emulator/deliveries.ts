import type { Delivery } from '../core/api/schemas.js';
import { randomId } from '../core/events/payload.js';
import { createSender } from '../core/send.js';
import { EVENT_HEADER, SIGNATURE_HEADER, sign } from '../core/signing/signature.js';
import type { StoredWebhook } from './store.js';

export interface DeliveryOptions {
  /** Delays before each retry, in ms: [1000, 2000, 4000, 8000, 16000] by default. */
  retrySchedule: readonly number[];
  timeoutMs: number;
  userAgent: string;
  now: () => Date;
  monotonic: () => number;
  onAttempt: (delivery: Delivery, webhook: StoredWebhook) => void;
  /** The webhook as it is now: a retry goes to its current URL and secret, and none to a deleted or disabled one. */
  current: (webhookId: string) => StoredWebhook | undefined;
}

/** One event to deliver: its exact bytes, its type and id. */
export interface OutgoingEvent {
  body: string;
  event: string;
  eventId: string;
}

/** Attempts kept per webhook for GET /deliveries. */
const KEPT_PER_WEBHOOK = 500;

/**
 * Delivers events as DataChonk does: a signed POST of the exact body, retried on failure (non-2xx,
 * timeout, refused) on a schedule, until the first success.
 */
export class DeliveryEngine {
  private readonly sender = createSender({ connections: 8 });
  private readonly attempts = new Map<string, Delivery[]>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private closed = false;

  constructor(private readonly options: DeliveryOptions) {}

  /** Sends to one webhook; resolves with the first attempt, and retries in the background. */
  deliver(webhook: StoredWebhook, event: OutgoingEvent): Promise<Delivery> {
    return this.attempt(webhook, event, 1);
  }

  deliveriesOf(webhookId: string): Delivery[] {
    return [...(this.attempts.get(webhookId) ?? [])];
  }

  private async attempt(webhook: StoredWebhook, { body, event, eventId }: OutgoingEvent, attempt: number): Promise<Delivery> {
    const started = this.options.monotonic();
    const at = this.options.now();
    const outcome = await this.sender.send({
      url: webhook.url,
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'user-agent': this.options.userAgent,
        [SIGNATURE_HEADER]: sign(webhook.secret, body),
        [EVENT_HEADER]: event,
      },
      body,
    }, { timeoutMs: this.options.timeoutMs, maxBodyBytes: 0 });
    const status = outcome.kind === 'response' ? outcome.status : null;
    const error = outcome.kind === 'error' ? outcome.message : undefined;
    const ok = status !== null && status >= 200 && status < 300;
    const delay = this.options.retrySchedule[attempt - 1];
    const retry = !ok && delay !== undefined && !this.closed;
    const delivery: Delivery = {
      id: randomId('dlv_', 16),
      webhook_id: webhook.id,
      event_id: eventId,
      event,
      attempt,
      at: at.toISOString(),
      status,
      ok,
      latency_ms: Math.round((this.options.monotonic() - started) * 100) / 100,
      ...(error ? { error } : {}),
      next_retry_at: retry ? new Date(at.getTime() + delay).toISOString() : null,
    };
    this.record(delivery);
    this.options.onAttempt(delivery, webhook);
    if (retry) {
      const timer = setTimeout(() => {
        this.timers.delete(timer);
        const now = this.options.current(webhook.id);
        if (now?.status === 'active') void this.attempt(now, { body, event, eventId }, attempt + 1);
      }, delay);
      this.timers.add(timer);
    }
    return delivery;
  }

  private record(delivery: Delivery): void {
    const list = this.attempts.get(delivery.webhook_id) ?? [];
    list.push(delivery);
    if (list.length > KEPT_PER_WEBHOOK) list.splice(0, list.length - KEPT_PER_WEBHOOK);
    this.attempts.set(delivery.webhook_id, list);
  }

  /** Cancels pending retries and closes connections. */
  async close(): Promise<void> {
    this.closed = true;
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    await this.sender.close();
  }
}

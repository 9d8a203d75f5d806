import type { Delivery } from '../core/api/schemas.js';
import { randomId } from '../core/events/payload.js';
import { createSender } from '../core/send.js';
import { SIGNATURE_HEADER, sign } from '../core/signing/signature.js';
import { attemptChaos, planDispatch, type ChaosKind, type ChaosSpec, type DispatchPlan } from './chaos.js';
import type { DeliveryHistory } from './history.js';
import type { StoredWebhook } from './store.js';

/** setTimeout and clearTimeout, injectable so that tests decide when a delay or a retry is due. */
export interface Timers {
  set(run: () => void, ms: number): unknown;
  clear(handle: unknown): void;
}

export const realTimers: Timers = {
  set: (run, ms) => setTimeout(run, ms),
  clear: (handle) => clearTimeout(handle as NodeJS.Timeout),
};

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
  /** Where every attempt is recorded. */
  history: DeliveryHistory;
  /** The chaos of the webhooks without chaos of their own. */
  chaos?: ChaosSpec | undefined;
  /** Numbers in [0, 1) that decide the chaos (seeded, or scripted in tests). */
  random: () => number;
  timers: Timers;
  /** How long an event held back (reorder) waits for the next one to the same webhook. */
  holdMs: number;
}

/** One event to deliver: its exact bytes, its type and id. */
export interface OutgoingEvent {
  body: string;
  event: string;
  eventId: string;
}

/** A delivery that chaos put off (held back or delayed): its first attempt comes later. */
export interface Deferred {
  webhook_id: string;
  chaos: ChaosKind[];
  delay_ms?: number;
}

/** What became of one event for one webhook: the first attempts made (two for a duplicate), or a delivery put off. */
export type Dispatched = { sent: Delivery[] } | { deferred: Deferred };

/** One attempt's place in its delivery: its number, what chaos did before it, whether it is a duplicate's. */
interface Step {
  attempt: number;
  tags: ChaosKind[];
  copy: boolean;
  delayMs?: number | undefined;
}

/** An event held back for a webhook: it goes when an event emitted after it has gone (or after holdMs). */
interface Held {
  seq: number;
  release: () => void;
  timer: unknown;
}

/**
 * Delivers events as DataChonk does: a signed POST of the exact body, retried on failure (non-2xx,
 * timeout, refused) on a schedule, until the first success. With chaos, also as DataChonk might on a
 * bad day: twice, late, out of order, or failing on its own side.
 */
export class DeliveryEngine {
  private readonly sender = createSender({ connections: 8 });
  private readonly timers = new Set<unknown>();
  private readonly held = new Map<string, Held>();
  private seq = 0;
  private closed = false;

  constructor(private readonly options: DeliveryOptions) {}

  /** Sends to one webhook; resolves with the first attempts, and retries in the background. */
  async deliver(webhook: StoredWebhook, event: OutgoingEvent): Promise<Dispatched> {
    const seq = ++this.seq;
    const plan = planDispatch(this.chaosOf(webhook), this.options.random, !this.held.has(webhook.id));
    const tags: ChaosKind[] = [
      ...(plan.hold ? ['reorder' as const] : []),
      ...(plan.delayMs !== undefined ? ['delay' as const] : []),
    ];
    const send = () => this.sendFirst(webhook.id, event, { seq, plan, tags });
    const deferred = {
      deferred: {
        webhook_id: webhook.id,
        chaos: tags,
        ...(plan.delayMs !== undefined ? { delay_ms: plan.delayMs } : {}),
      },
    };
    const start = plan.delayMs === undefined ? () => void send() : () => this.later(plan.delayMs!, () => void send());
    if (plan.hold) {
      const release = () => {
        this.forgetTimer(this.held.get(webhook.id)?.timer);
        this.held.delete(webhook.id);
        start();
      };
      this.held.set(webhook.id, { seq, release, timer: this.later(this.options.holdMs, release) });
      return deferred;
    }
    if (plan.delayMs !== undefined) {
      start();
      return deferred;
    }
    return { sent: await send() };
  }

  deliveriesOf(webhookId: string): Delivery[] {
    return this.options.history.of(webhookId);
  }

  /** A deleted webhook: its history goes, and an event held back for it is dropped. */
  forget(webhookId: string): void {
    this.options.history.forget(webhookId);
    this.forgetTimer(this.held.get(webhookId)?.timer);
    this.held.delete(webhookId);
  }

  /** A webhook's own chaos, else the emulator's. */
  private chaosOf(webhook: StoredWebhook): ChaosSpec | undefined {
    return webhook.chaos ?? this.options.chaos;
  }

  /** The first attempt of an event (and of its duplicate), then the event held back before it, if any. */
  private async sendFirst(
    webhookId: string,
    event: OutgoingEvent,
    how: { seq: number; plan: DispatchPlan; tags: ChaosKind[] },
  ): Promise<Delivery[]> {
    const sent: Delivery[] = [];
    const step = { attempt: 1, tags: how.tags, copy: false, delayMs: how.plan.delayMs };
    const copies = how.plan.duplicate
      ? [step, { ...step, tags: [...how.tags, 'duplicate' as const], copy: true }]
      : [step];
    for (const copy of copies) {
      // A delivery put off goes to the webhook as it is by then, and to none deleted or disabled since.
      const webhook = this.options.current(webhookId);
      if (this.closed || webhook?.status !== 'active') break;
      sent.push(await this.attempt(webhook, event, copy));
    }
    const held = this.held.get(webhookId);
    if (held && held.seq < how.seq) held.release();
    return sent;
  }

  private async attempt(webhook: StoredWebhook, outgoing: OutgoingEvent, step: Step): Promise<Delivery> {
    const started = this.options.monotonic();
    const at = this.options.now();
    const trouble = attemptChaos(this.chaosOf(webhook), this.options.random);
    const { status, error } =
      trouble === 'fail'
        ? { status: 503, error: 'simulated: the sender failed (503) before sending' }
        : await this.post(webhook, outgoing, trouble === 'timeout');
    const ok = status !== null && status >= 200 && status < 300;
    const delay = this.options.retrySchedule[step.attempt - 1];
    const retry = !ok && delay !== undefined && !this.closed;
    const tags = trouble ? [...step.tags, trouble] : step.tags;
    const delivery: Delivery = {
      id: randomId('dlv_', 16),
      webhook_id: webhook.id,
      event_id: outgoing.eventId,
      event: outgoing.event,
      attempt: step.attempt,
      at: at.toISOString(),
      status,
      ok,
      latency_ms: Math.round((this.options.monotonic() - started) * 100) / 100,
      ...(error ? { error } : {}),
      next_retry_at: retry ? new Date(at.getTime() + delay).toISOString() : null,
      ...(tags.length > 0 ? { chaos: tags } : {}),
      ...(step.delayMs !== undefined && step.attempt === 1 ? { delay_ms: step.delayMs } : {}),
    };
    this.options.history.record(delivery);
    this.options.onAttempt(delivery, webhook);
    if (retry) {
      // A duplicate's retries are still the duplicate's; what held the first attempt back is over.
      const next: Step = { attempt: step.attempt + 1, tags: step.copy ? ['duplicate'] : [], copy: step.copy };
      this.later(delay, () => {
        const now = this.options.current(webhook.id);
        if (now?.status === 'active') void this.attempt(now, outgoing, next);
      });
    }
    return delivery;
  }

  /** One signed POST; `dropAnswer`: chaos makes it a timeout, whatever the app answered. */
  private async post(
    webhook: StoredWebhook,
    { body }: OutgoingEvent,
    dropAnswer: boolean,
  ): Promise<{ status: number | null; error?: string | undefined }> {
    const outcome = await this.sender.send(
      {
        url: webhook.url,
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'user-agent': this.options.userAgent,
          // What DataChonk sends, no more: no event-type header (the body's `event` says it).
          [SIGNATURE_HEADER]: sign(webhook.secret, body),
        },
        body,
      },
      { timeoutMs: this.options.timeoutMs, maxBodyBytes: 0 },
    );
    if (dropAnswer) {
      const answer = outcome.kind === 'response' ? `${outcome.status}` : outcome.message;
      return { status: null, error: `simulated: a timeout (the answer, ${answer}, was dropped)` };
    }
    return outcome.kind === 'response' ? { status: outcome.status } : { status: null, error: outcome.message };
  }

  /** Runs `run` after `ms`, unless the engine is closed first. */
  private later(ms: number, run: () => void): unknown {
    const handle: unknown = this.options.timers.set(() => {
      this.timers.delete(handle);
      run();
    }, ms);
    this.timers.add(handle);
    return handle;
  }

  private forgetTimer(handle: unknown): void {
    if (handle === undefined) return;
    this.options.timers.clear(handle);
    this.timers.delete(handle);
  }

  /** Cancels pending retries, delays and held events, closes connections and writes the history. */
  async close(): Promise<void> {
    this.closed = true;
    for (const timer of this.timers) this.options.timers.clear(timer);
    this.timers.clear();
    this.held.clear();
    await this.sender.close();
    await this.options.history.settled();
  }
}

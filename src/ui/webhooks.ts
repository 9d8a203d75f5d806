import type { Context } from '../context.js';
import type { Delivery, Webhook } from '../core/api/schemas.js';
import { EVENT_TYPES } from '../core/events/catalogue.js';
import {
  joinShown,
  jsonLine,
  paint,
  shown,
  statusColor,
  visibleLength,
  writeLine,
  type Showable,
  type Shown,
} from './style.js';

const coversAll = (events: readonly string[]) => EVENT_TYPES.every((name) => events.includes(name));

/** Prints a table: header row in bold, columns padded to the widest cell (as shown, escapes included). */
export function table(ctx: Context, header: string[], rows: Showable[][]): void {
  const c = paint(ctx.stdout, ctx.env);
  const cells = rows.map((row) => row.map((cell) => shown`${cell}`));
  const widths = header.map((h, i) => Math.max(h.length, ...cells.map((r) => (r[i] ? visibleLength(r[i]) : 0))));
  const line = (row: Shown[]) =>
    joinShown(
      row.map((cell, i) =>
        i === row.length - 1 ? cell : shown`${cell}${' '.repeat(widths[i]! - visibleLength(cell))}`,
      ),
      '  ',
    );
  writeLine(ctx.stdout, c.bold(line(header.map((h) => shown`${h}`))));
  for (const row of cells) writeLine(ctx.stdout, line(row));
}

export interface WebhooksView {
  one(webhook: Webhook, options?: { title?: string; secret?: string | undefined }): void;
  /** After rotate-secret: the webhook is a running `datachonk listen` session's, which keeps the old secret. */
  listenerHoldsOldSecret(webhook: Webhook, listener: { session: true; pid: number } | { session: false }): void;
  /** rotate-secret --plan: the new secret (not set yet) and the steps that roll both ends. */
  rotationPlan(webhook: Webhook, secret: string): void;
  /** After rotate-secret: what the receiver needs now. */
  rotated(webhook: Webhook, how: { planned: boolean }): void;
  list(webhooks: readonly Webhook[]): void;
  deleted(id: string): void;
  deliveries(deliveries: readonly Delivery[]): void;
}

export function createWebhooksView(ctx: Context): WebhooksView {
  const c = paint(ctx.stdout, ctx.env);
  const json = ctx.output === 'json';
  const out = (text: Shown) => writeLine(ctx.stdout, text);
  return {
    listenerHoldsOldSecret: (webhook, listener) =>
      writeLine(
        ctx.stderr,
        shown`${paint(ctx.stderr, ctx.env).yellow('warning:')} ${oldSecretWarning(webhook, listener)}`,
      ),
    one(webhook, options = {}) {
      // The secret is printed only when this tool just made it: it is shown once, and never again.
      if (json)
        return out(jsonLine({ type: 'webhook', ...webhook, ...(options.secret ? { secret: options.secret } : {}) }));
      if (ctx.output === 'quiet') return out(shown`${webhook.id}`);
      if (options.title) out(shown`${c.green('✔')} ${options.title}`);
      out(shown`  ID:          ${c.bold(webhook.id)}`);
      out(shown`  URL:         ${webhook.url}`);
      out(shown`  Events:      ${webhook.events.join(', ')}`);
      if (webhook.status)
        out(shown`  Status:      ${webhook.status === 'active' ? c.green('active') : c.yellow(webhook.status)}`);
      if (webhook.description) out(shown`  Description: ${webhook.description}`);
      if (webhook.created_at) out(shown`  Created:     ${webhook.created_at}`);
      if (options.secret) {
        out(shown`  Secret:      ${c.bold(options.secret)}`);
        out(
          c.yellow(
            '  Store this signing secret now: it will not be shown again. Your app verifies deliveries with it.',
          ),
        );
      }
    },
    rotationPlan(webhook, secret) {
      const steps = rotationSteps(webhook.id, secret);
      if (json) return out(jsonLine({ type: 'rotation-plan', id: webhook.id, secret, steps }));
      out(
        shown`New signing secret for ${c.bold(webhook.id)} ${c.dim('(not set yet: nothing has changed)')}: ${c.bold(secret)}`,
      );
      out(shown`To rotate without dropping a delivery:`);
      steps.forEach((step, i) => out(shown`  ${String(i + 1)}. ${step}`));
    },
    rotated(webhook, { planned }) {
      if (ctx.output !== 'pretty') return;
      const note = planned
        ? 'If your receiver accepts both secrets (step 1 of --plan), nothing is dropped: remove the old one once deliveries verify with the new one. ' +
          'One that knows only the old secret now answers 401 (DataChonk retries those deliveries): give it the new one now.'
        : 'A receiver that verifies with the old secret only now answers 401 (DataChonk retries those deliveries): give it the new one ' +
          `now, or accept both during the change. Next time, \`datachonk webhooks rotate-secret ${webhook.id} --plan\` first drops nothing.`;
      writeLine(ctx.stderr, paint(ctx.stderr, ctx.env).dim(note));
    },
    list(webhooks) {
      if (json) return webhooks.forEach((w) => out(jsonLine({ type: 'webhook', ...w })));
      if (webhooks.length === 0) {
        writeLine(ctx.stderr, shown`no webhooks yet: create one with \`datachonk webhooks create --url <url>\``);
        return;
      }
      webhooksTable(ctx, webhooks);
    },
    deleted(id) {
      if (json) return out(jsonLine({ type: 'deleted', id }));
      if (ctx.output !== 'quiet') out(shown`${c.green('✔')} Deleted webhook ${id}`);
    },
    deliveries(deliveries) {
      if (json) return deliveries.forEach((d) => out(jsonLine({ type: 'delivery', ...d })));
      if (deliveries.length === 0) {
        writeLine(ctx.stderr, shown`no deliveries yet: send one with \`datachonk emulator emit <event>\``);
        return;
      }
      deliveriesTable(ctx, deliveries);
    },
  };
}

function webhooksTable(ctx: Context, webhooks: readonly Webhook[]): void {
  const c = paint(ctx.stdout, ctx.env);
  table(
    ctx,
    ['ID', 'URL', 'STATUS', 'EVENTS', 'DESCRIPTION'],
    webhooks.map((w) => [
      w.id,
      w.url,
      w.status === 'disabled' ? c.yellow('disabled') : c.green(w.status ?? 'active'),
      coversAll(w.events) ? `all ${EVENT_TYPES.length}` : w.events.join(','),
      w.description ?? '',
    ]),
  );
}

/** The delivery attempts, newest first; the emulator's chaos in a column of its own only when it did something. */
function deliveriesTable(ctx: Context, deliveries: readonly Delivery[]): void {
  const c = paint(ctx.stdout, ctx.env);
  const chaos = deliveries.some((d) => d.chaos?.length);
  table(
    ctx,
    ['TIME', 'EVENT', 'EVENT ID', 'ATTEMPT', 'STATUS', 'LATENCY', 'NEXT RETRY', ...(chaos ? ['CHAOS'] : [])],
    [...deliveries]
      .reverse()
      .map((d) => [
        d.at,
        d.event,
        d.event_id,
        String(d.attempt),
        d.status === null ? c.red(d.error ?? 'failed') : statusColor(c, d.status)(String(d.status)),
        `${Math.round(d.latency_ms)}ms`,
        d.next_retry_at ?? (d.ok ? '' : c.dim('gave up')),
        ...(chaos ? [(d.chaos ?? []).join(',')] : []),
      ]),
  );
}

/** How to move a webhook to a new secret without a delivery failing on the way. */
function rotationSteps(id: string, secret: string): string[] {
  return [
    'Make your receiver accept both secrets, the new one first, and deploy it: constructEvent(body, signature, [NEW_SECRET, OLD_SECRET]) ' +
      "in Node (datachonk's library), or `datachonk listen --secret NEW_SECRET --secret OLD_SECRET` locally.",
    `Switch DataChonk to the new secret: datachonk webhooks rotate-secret ${id} --secret ${secret}`,
    'Once deliveries verify with the new secret (retries of older deliveries may still come signed with the old one), remove the old secret from your receiver.',
  ];
}

/** After rotate-secret, of a webhook a running `datachonk listen` receives: it still verifies with the old secret. */
function oldSecretWarning(webhook: Webhook, listener: { session: true; pid: number } | { session: false }): string {
  if (listener.session) {
    // The session secret is the listener's own: a restart registers a new webhook with a fresh one.
    return (
      `${webhook.id} was registered by \`datachonk listen\` (pid ${listener.pid}, still running), which verifies with the secret it registered ` +
      'and will now answer 401 to these deliveries. Stop it and start it again: it registers a new webhook with a fresh secret and removes this one.'
    );
  }
  return (
    `${webhook.url} is a running \`datachonk listen\`, which verifies with the secret it was started with and will now answer 401 to these deliveries. ` +
    'Stop it and start it again with the new secret: datachonk listen --secret <the new secret> (or set DATACHONK_WEBHOOK_SECRET).'
  );
}

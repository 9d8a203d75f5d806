import type { Context } from '../context.js';
import { isQuiet } from './output.js';
import type { Delivery } from '../core/api/schemas.js';
import type { ChaosSpec } from '../emulator/chaos.js';
import type { EmulatorReporter } from '../emulator/server.js';
import {
  formatMs,
  joinShown,
  jsonLine,
  paint,
  shown,
  statusColor,
  writeLine,
  type Painter,
  type Shown,
} from './style.js';

/** A delivery chaos put off: its first attempt comes later. */
export interface DeferredDelivery {
  webhook_id: string;
  chaos: string[];
  delay_ms?: number | undefined;
}

export interface EmulatorView extends EmulatorReporter {
  ready(info: {
    url: string;
    dataFile: string | undefined;
    historyFile: string | undefined;
    apiKey: string | undefined;
    retrySchedule: string;
    chaos: ChaosSpec | undefined;
    seed: number;
  }): void;
  /** `strict`: an emit that reached nobody fails, and the failure says so (no warning as well). */
  emitted(
    result: { event_id: string; event: string; deliveries: Delivery[]; deferred?: DeferredDelivery[] },
    options?: { strict?: boolean },
  ): void;
  /** `emulator chaos`: a webhook's own chaos (null: it follows the emulator's). */
  chaosSet(result: { webhook_id: string; chaos: ChaosSpec | null; emulator_chaos: ChaosSpec | null }): void;
}

/** A duration as --chaos takes it: 2s, 150ms. */
const asDuration = (ms: number) => (ms % 1000 === 0 && ms > 0 ? `${ms / 1000}s` : `${ms}ms`);

/** Chaos as --chaos takes it, e.g. duplicate=0.2,delay=100ms-2s; "none" when it does nothing. */
export function formatChaos(chaos: ChaosSpec | null | undefined): string {
  const delay = chaos?.delay;
  const values = {
    duplicate: chaos?.duplicate,
    reorder: chaos?.reorder,
    fail: chaos?.fail,
    timeout: chaos?.timeout,
    delay:
      delay &&
      (delay.min_ms === delay.max_ms
        ? asDuration(delay.min_ms)
        : `${asDuration(delay.min_ms)}-${asDuration(delay.max_ms)}`),
  };
  const kinds = ['duplicate', 'reorder', 'delay', 'fail', 'timeout'] as const;
  return (
    kinds
      .filter((kind) => values[kind])
      .map((kind) => `${kind}=${values[kind]}`)
      .join(',') || 'none'
  );
}

/** What chaos did to an attempt, in a few words: "duplicate, delay 740ms". */
const chaosWords = (d: { chaos?: string[] | undefined; delay_ms?: number | undefined }) =>
  (d.chaos ?? [])
    .map((kind) => (kind === 'delay' && d.delay_ms !== undefined ? `delay ${asDuration(d.delay_ms)}` : kind))
    .join(', ');

/** One delivery attempt on one line: when, what, to whom, its answer, the retry and what chaos did. */
function attemptText(c: Painter, d: Delivery, url?: string): Shown {
  const status = d.status === null ? c.red(d.error ?? 'failed') : statusColor(c, d.status)(`[${d.status}]`);
  const retry = d.ok ? '' : d.next_retry_at ? c.yellow(`  retrying at ${d.next_retry_at}`) : c.red('  giving up');
  const chaos = d.chaos?.length ? c.cyan(`  chaos: ${chaosWords(d)}`) : '';
  return shown`${d.at}  ${d.event} ${c.dim(`[${d.event_id}]`)} -> ${d.webhook_id}${url ? shown` ${url}` : ''} attempt ${d.attempt}: ${status} ${c.dim(formatMs(d.latency_ms))}${retry}${chaos}`;
}

export function createEmulatorView(ctx: Context): EmulatorView {
  const c = paint(ctx.stdout, ctx.env);
  const e = paint(ctx.stderr, ctx.env);
  const out = (text: Shown) => writeLine(ctx.stdout, text);
  const json = ctx.output === 'json';
  const quiet = isQuiet(ctx);
  const attemptLine = (d: Delivery, url?: string) => attemptText(c, d, url);
  return {
    ready(info) {
      if (quiet) return;
      writeLine(
        ctx.stderr,
        joinShown(
          [
            shown`${e.green.bold('Ready!')} DataChonk API emulator on ${e.bold(info.url)}`,
            shown`  Registrations: ${info.dataFile ?? e.dim('in memory only')}`,
            shown`  History:       ${info.historyFile ?? e.dim('in memory only')}`,
            shown`  API key:       ${info.apiKey ? 'only the one given with --api-key' : 'any non-empty Bearer key'}`,
            shown`  Retries:       ${info.retrySchedule || 'none'}`,
            shown`  Chaos:         ${formatChaos(info.chaos)} ${e.dim(`(seed ${info.seed}: --chaos-seed ${info.seed} repeats it)`)}`,
            shown`  Use it:        export DATACHONK_API_URL=${info.url}`,
            e.dim('  Ctrl-C to stop'),
          ],
          '\n',
        ),
      );
    },
    request(entry) {
      if (json) return out(jsonLine({ type: 'api-request', ...entry }));
      if (!quiet) out(c.dim(`${new Date().toISOString()}  ${entry.method} ${entry.path} -> ${entry.status}`));
    },
    attempt(delivery, webhook) {
      if (json) return out(jsonLine({ type: 'delivery', url: webhook.url, ...delivery }));
      if (!quiet) out(attemptLine(delivery, webhook.url));
    },
    historyUnwritable({ file, detail }) {
      writeLine(
        ctx.stderr,
        shown`${e.yellow('warning:')} cannot write the delivery history to ${file} (${detail}): it is kept in memory only until the emulator stops`,
      );
    },
    emitted(result, options = {}) {
      const deferred = result.deferred ?? [];
      if (json) out(jsonLine({ type: 'emitted', ...result, deferred }));
      if (result.deliveries.length === 0 && deferred.length === 0) {
        if (options.strict) return;
        writeLine(
          ctx.stderr,
          shown`${e.yellow('warning:')} no active webhook is subscribed to ${result.event}: nothing was delivered`,
        );
        return;
      }
      if (json) return;
      for (const d of result.deliveries) out(attemptLine(d));
      for (const d of deferred) {
        const why = d.chaos.includes('reorder') ? 'held back until the next event to it has gone' : 'delayed';
        out(
          shown`${result.event} ${c.dim(`[${result.event_id}]`)} -> ${d.webhook_id}: ${why} ${c.cyan(`(chaos: ${chaosWords(d)})`)}`,
        );
      }
    },
    chaosSet(result) {
      if (json) return out(jsonLine({ type: 'chaos', ...result }));
      if (quiet) return;
      out(
        result.chaos === null
          ? shown`${c.green('✔')} ${result.webhook_id} follows the emulator's chaos again: ${formatChaos(result.emulator_chaos)}`
          : shown`${c.green('✔')} ${result.webhook_id} has chaos of its own: ${formatChaos(result.chaos)} ${c.dim("(in place of the emulator's)")}`,
      );
    },
  };
}

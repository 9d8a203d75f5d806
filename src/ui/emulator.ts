import type { Context } from '../context.js';
import type { Delivery } from '../core/api/schemas.js';
import type { EmulatorReporter } from '../emulator/server.js';
import { formatMs, joinShown, jsonLine, paint, shown, statusColor, writeLine, type Shown } from './style.js';

export interface EmulatorView extends EmulatorReporter {
  ready(info: { url: string; dataFile: string | undefined; apiKey: string | undefined; retrySchedule: string }): void;
  /** `strict`: an emit that reached nobody fails, and the failure says so (no warning as well). */
  emitted(result: { event_id: string; event: string; deliveries: Delivery[] }, options?: { strict?: boolean }): void;
}

export function createEmulatorView(ctx: Context): EmulatorView {
  const c = paint(ctx.stdout, ctx.env);
  const e = paint(ctx.stderr, ctx.env);
  const out = (text: Shown) => writeLine(ctx.stdout, text);
  const json = ctx.output === 'json';
  const quiet = ctx.output === 'quiet';
  const attemptLine = (d: Delivery, url?: string) => {
    const status = d.status === null ? c.red(d.error ?? 'failed') : statusColor(c, d.status)(`[${d.status}]`);
    const retry = d.ok ? '' : d.next_retry_at ? c.yellow(`  retrying at ${d.next_retry_at}`) : c.red('  giving up');
    return shown`${d.at}  ${d.event} ${c.dim(`[${d.event_id}]`)} -> ${d.webhook_id}${url ? shown` ${url}` : ''} attempt ${d.attempt}: ${status} ${c.dim(formatMs(d.latency_ms))}${retry}`;
  };
  return {
    ready(info) {
      if (quiet) return;
      writeLine(ctx.stderr, joinShown([
        shown`${e.green.bold('Ready!')} DataChonk API emulator on ${e.bold(info.url)}`,
        shown`  Registrations: ${info.dataFile ?? e.dim('in memory only')}`,
        shown`  API key:       ${info.apiKey ? 'only the one given with --api-key' : 'any non-empty Bearer key'}`,
        shown`  Retries:       ${info.retrySchedule || 'none'}`,
        shown`  Use it:        export DATACHONK_API_URL=${info.url}`,
        e.dim('  Ctrl-C to stop'),
      ], '\n'));
    },
    request(entry) {
      if (json) return out(jsonLine({ type: 'api-request', ...entry }));
      if (!quiet) out(c.dim(`${new Date().toISOString()}  ${entry.method} ${entry.path} -> ${entry.status}`));
    },
    attempt(delivery, webhook) {
      if (json) return out(jsonLine({ type: 'delivery', url: webhook.url, ...delivery }));
      if (!quiet) out(attemptLine(delivery, webhook.url));
    },
    emitted(result, options = {}) {
      if (json) out(jsonLine({ type: 'emitted', ...result }));
      if (result.deliveries.length === 0) {
        if (options.strict) return;
        writeLine(ctx.stderr, shown`${e.yellow('warning:')} no active webhook is subscribed to ${result.event}: nothing was delivered`);
        return;
      }
      if (json) return;
      for (const d of result.deliveries) out(attemptLine(d));
    },
  };
}

import type { Context } from '../context.js';
import type { DeliveryReport, TriggerReporter, TriggerSummary } from '../core/trigger/run.js';
import type { WebhookRequest } from '../core/trigger/request.js';
import { bufferedLines } from './buffered.js';
import { canSpin } from './spinner.js';
import { formatMs, jsonLine, multiline, paint, shown, statusColor, truncate, writeLine, type Painter, type Shown } from './style.js';

/** What `trigger` shows: every delivery, the summary of a load run, a dry run. */
export interface TriggerView extends TriggerReporter {
  summary(summary: TriggerSummary): void;
  dryRun(request: WebhookRequest, curl: string): void;
  /** Stops any spinner; call before anything else is printed. */
  stop(): void;
}

/** Unexpected deliveries shown during a load run before the rest are only counted. */
const MAX_FAILURES_SHOWN = 10;

export async function createTriggerView(ctx: Context, options: { total: number }): Promise<TriggerView> {
  if (ctx.output === 'json') return jsonView(ctx);
  // Quiet: the results (a line per delivery, or the summary of a load run) without the spinner.
  return prettyView(ctx, options.total);
}

function jsonView(ctx: Context): TriggerView {
  const out = bufferedLines(ctx.stdout);
  const line = (record: object) => out.line(jsonLine(record));
  return {
    delivery({ request, outcome, expected }) {
      line({
        type: 'delivery',
        event: request.event,
        id: request.id,
        url: request.url,
        ok: expected,
        ...(outcome.kind === 'response'
          ? { status: outcome.status, latency_ms: round(outcome.latencyMs), response_body: outcome.body }
          : { status: null, latency_ms: round(outcome.latencyMs), error: { code: outcome.code, message: outcome.message } }),
      });
    },
    summary(s) {
      line({
        type: 'summary', sent: s.sent, ok: s.ok, failed: s.failed, p50_ms: round(s.p50Ms), p99_ms: round(s.p99Ms),
        duration_ms: round(s.durationMs), rate_per_second: round(s.ratePerSecond),
      });
    },
    dryRun(request, curl) {
      line({ type: 'dry-run', method: request.method, url: request.url, headers: request.headers, body: request.body, curl });
    },
    stop: out.flush,
  };
}

async function prettyView(ctx: Context, total: number): Promise<TriggerView> {
  const c = paint(ctx.stdout, ctx.env);
  const load = total > MAX_FAILURES_SHOWN;
  let done = 0;
  let failuresShown = 0;
  let spinner: { text: string; stop(): void } | undefined;
  if (load && ctx.output !== 'quiet' && canSpin(ctx.stderr)) {
    const { default: ora } = await import('ora');
    // discardStdin off: ora would put the terminal in raw mode, and Ctrl-C would no longer send SIGINT.
    spinner = ora({ text: `sending ${total} events`, stream: ctx.stderr as NodeJS.WritableStream, color: 'cyan', discardStdin: false }).start();
  }
  const print = (text: Shown) => {
    if (spinner) spinner.stop();
    writeLine(ctx.stdout, text);
    if (spinner) (spinner as unknown as { start(): void }).start();
  };
  return {
    delivery(report) {
      done++;
      if (spinner) spinner.text = `sent ${done} of ${total}`;
      if (load && report.expected) return;
      if (load && ++failuresShown > MAX_FAILURES_SHOWN) return;
      print(deliveryLine(c, report));
    },
    summary(s) {
      spinner?.stop();
      spinner = undefined;
      if (load && failuresShown > MAX_FAILURES_SHOWN) {
        writeLine(ctx.stdout, c.dim(`… and ${failuresShown - MAX_FAILURES_SHOWN} more unexpected responses`));
      }
      const failed = s.failed > 0 ? c.red(`failed ${s.failed}`) : `failed ${s.failed}`;
      writeLine(ctx.stdout, shown`${c.bold('Sent')} ${s.sent}  ok ${s.ok}  ${failed}  p50 ${formatMs(s.p50Ms)}  p99 ${formatMs(s.p99Ms)}  ${
        Math.round(s.ratePerSecond)} req/s in ${formatMs(s.durationMs)}`);
    },
    dryRun(request, curl) {
      writeLine(ctx.stdout, c.bold(`${request.method} ${request.url}`));
      for (const [name, value] of Object.entries(request.headers)) writeLine(ctx.stdout, shown`${c.cyan(name)}: ${value}`);
      writeLine(ctx.stdout, shown`\n${request.body}\n\n${c.dim('# the same request with curl (nothing was sent):')}\n${multiline(curl)}`);
    },
    stop() {
      spinner?.stop();
      spinner = undefined;
    },
  };
}

function deliveryLine(c: Painter, { request, outcome, expected }: DeliveryReport): Shown {
  const mark = expected ? c.green('✔') : c.red('✖');
  const head = shown`${mark} ${c.bold(request.event)} ${c.dim(`[${request.id}]`)}`;
  if (outcome.kind === 'error') return shown`${head} ${c.red(outcome.message)}`;
  const status = statusColor(c, outcome.status)(`[${outcome.status}]`);
  const body = outcome.body ? shown`  ${c.dim(truncate(outcome.body, 120))}` : '';
  return shown`${head} ${status} ${request.method} ${request.url} ${c.dim(formatMs(outcome.latencyMs))}${body}`;
}

function round(n: number): number {
  return Math.round(n * 100) / 100;
}

import type { Context } from '../context.js';
import type { SecretSource } from '../config/secret.js';
import type { Destination } from '../core/trigger/destination.js';
import { isQuiet } from './output.js';
import type { DeliveryReport, TriggerReporter, TriggerSummary } from '../core/trigger/run.js';
import { shownHeaders, splitCredentials, type WebhookRequest } from '../core/trigger/request.js';
import type { Scenario } from '../core/trigger/scenario-file.js';
import { bufferedLines } from './buffered.js';
import { canSpin } from './spinner.js';
import {
  formatMs,
  jsonLine,
  multiline,
  paint,
  shown,
  statusColor,
  truncate,
  writeLine,
  type Painter,
  type Shown,
} from './style.js';

/** What `trigger` shows: every delivery, the summary of a load run, a dry run. */
export interface TriggerView extends TriggerReporter {
  /** Before a scenario's sends: its steps and the order they go in. */
  scenario(header: ScenarioHeader): void;
  summary(summary: TriggerSummary): void;
  dryRun(request: WebhookRequest, curl: string): void;
  /** Stops any spinner; call before anything else is printed. */
  stop(): void;
}

/** A scenario about to be sent. */
export interface ScenarioHeader {
  name: string;
  description: string;
  /** The event of each step, in the scenario's order. */
  events: string[];
  /** The step (1-based) of each send, in the order sent: a step twice is a duplicate. */
  order: number[];
  /** The seed of the random choices, when any were made. */
  seed?: number | undefined;
}

/** `trigger --list-scenarios`: each built-in scenario, its description and its events. */
export function printScenarios(ctx: Context, scenarios: readonly Scenario[]): void {
  if (ctx.output === 'json') {
    for (const { name, description, steps } of scenarios) {
      writeLine(ctx.stdout, jsonLine({ type: 'scenario', name, description, steps: steps.map((step) => step.event) }));
    }
    return;
  }
  const c = paint(ctx.stdout, ctx.env);
  const width = Math.max(...scenarios.map((scenario) => scenario.name.length));
  for (const { name, description, steps } of scenarios) {
    writeLine(ctx.stdout, shown`${c.bold(name.padEnd(width))}  ${description}`);
    writeLine(ctx.stdout, shown`${' '.repeat(width)}  ${c.dim(steps.map((step) => step.event).join(' → '))}`);
  }
}

/** The URL of a request as it may be shown (a password from the URL masked). */
const urlOf = (request: WebhookRequest) => request.shownUrl ?? request.url;

/** `step 2/4`, `step 2/4 again` for a scenario's send; nothing for a single event. */
function stepOf(request: WebhookRequest, steps: number): string {
  return request.step ? `step ${request.step.number}/${steps}${request.step.repeat ? ' again' : ''} ` : '';
}

/** Unexpected deliveries shown during a load run before the rest are only counted. */
const MAX_FAILURES_SHOWN = 10;

/** What the view is told of the run: how many requests, where they go and why there, whether it is a dry run. */
export interface TriggerRun {
  total: number;
  destination: Destination;
  dryRun?: boolean;
  /** Which secret the events are signed with, by its source ('unsigned': --signature missing; 'forged': invalid). */
  signedWith?: SecretSource | 'unsigned' | 'forged' | undefined;
}

/** Which secret the events are signed with, by its source, never its value. */
const SIGNED_WITH: Record<SecretSource, string> = {
  flag: 'the --secret value',
  env: '$DATACHONK_WEBHOOK_SECRET',
  dev: 'the local dev secret (the one `datachonk listen` verifies with by default)',
};

export async function createTriggerView(ctx: Context, run: TriggerRun): Promise<TriggerView> {
  if (ctx.output === 'json')
    return jsonView(
      ctx,
      run.destination,
      run.signedWith === 'unsigned' || run.signedWith === 'forged' ? null : run.signedWith,
    );
  if (!isQuiet(ctx)) {
    const c = paint(ctx.stderr, ctx.env);
    // Which listener a bare trigger found (or that it found none): one line on stderr, not for --url.
    if (run.destination.source !== 'flag') writeLine(ctx.stderr, destinationLine(c, run));
    const signed = run.signedWith;
    if (signed)
      writeLine(
        ctx.stderr,
        c.dim(
          signed === 'unsigned'
            ? 'Unsigned (--signature missing)'
            : signed === 'forged'
              ? 'With a wrong signature (--signature invalid)'
              : `Signing with ${SIGNED_WITH[signed]}`,
        ),
      );
  }
  // Quiet: the results (a line per delivery, or the summary of a load run) without the spinner.
  return prettyView(ctx, run.total);
}

/** `Sending to http://…: the \`datachonk listen\` you are running (pid 4242)`. */
function destinationLine(c: Painter, { destination: d, dryRun }: TriggerRun): Shown {
  const why =
    d.source === 'listener'
      ? `the \`datachonk listen\` you are running (pid ${d.pid})`
      : d.source === 'default-port'
        ? `the one on the default port of the ${d.running} \`datachonk listen\` you are running (--url picks another)`
        : d.source === 'default'
          ? 'the default URL: no `datachonk listen` is running (start one, or give --url)'
          : '--url';
  return shown`${c.dim(dryRun ? 'For' : 'Sending to')} ${splitCredentials(d.url).shownUrl}${c.dim(`: ${why}`)}`;
}

/** How --json names where the run went and why: `flag`, `listener`, `default-port` (several running) or `default`. */
function urlSource(d: Destination): object {
  return { url_source: d.source, ...('pid' in d ? { listener_pid: d.pid } : {}) };
}

/** On every delivery and the summary: where the run went and why, and `secret_source` (flag, env, dev, or null: unsigned). */
function jsonView(ctx: Context, destination: Destination, secretSource: SecretSource | null | undefined): TriggerView {
  const source = secretSource === undefined ? {} : { secret_source: secretSource };
  const out = bufferedLines(ctx.stdout);
  const line = (record: object) => out.line(jsonLine(record));
  const step = (request: WebhookRequest) =>
    request.step ? { step: request.step.number, ...(request.step.repeat ? { repeat: true } : {}) } : {};
  return {
    scenario(header) {
      line({
        type: 'scenario',
        name: header.name,
        description: header.description,
        steps: header.events,
        order: header.order,
        ...(header.seed === undefined ? {} : { seed: header.seed }),
      });
    },
    delivery(report) {
      line(deliveryRecord(report, { ...urlSource(destination), ...step(report.request) }, source));
    },
    summary(s) {
      line({
        type: 'summary',
        sent: s.sent,
        ok: s.ok,
        failed: s.failed,
        p50_ms: round(s.p50Ms),
        p99_ms: round(s.p99Ms),
        duration_ms: round(s.durationMs),
        rate_per_second: round(s.ratePerSecond),
        // A password in --url is never shown (request.ts).
        url: splitCredentials(destination.url).shownUrl,
        ...urlSource(destination),
        ...(s.errors.refused ? { refused: s.errors.refused } : {}),
        ...(s.gaveUp ? { gave_up: true } : {}),
        ...source,
      });
    },
    dryRun(request, curl) {
      line({
        type: 'dry-run',
        method: request.method,
        url: urlOf(request),
        ...step(request),
        headers: shownHeaders(request),
        body: request.body,
        curl,
      });
    },
    stop: out.flush,
  };
}

/** A delivery's --json record: what was sent (then `where`), whether as expected (then `signed`), the answer. */
function deliveryRecord({ request, outcome, expected }: DeliveryReport, where: object, signed: object): object {
  return {
    type: 'delivery',
    event: request.event,
    id: request.id,
    url: urlOf(request),
    ...where,
    ok: expected,
    ...signed,
    ...(outcome.kind === 'response'
      ? { status: outcome.status, latency_ms: round(outcome.latencyMs), response_body: outcome.body }
      : {
          status: null,
          latency_ms: round(outcome.latencyMs),
          error: { code: outcome.code, message: outcome.message },
        }),
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
    spinner = ora({
      text: `sending ${total} events`,
      stream: ctx.stderr as NodeJS.WritableStream,
      color: 'cyan',
      discardStdin: false,
    }).start();
  }
  const print = (text: Shown) => {
    if (spinner) spinner.stop();
    writeLine(ctx.stdout, text);
    if (spinner) (spinner as unknown as { start(): void }).start();
  };
  let steps = 0;
  return {
    scenario(header) {
      steps = header.events.length;
      if (ctx.output === 'quiet') return;
      print(scenarioLine(c, header));
    },
    delivery(report) {
      done++;
      if (spinner) spinner.text = `sent ${done} of ${total}`;
      if (load && report.expected) return;
      if (load && ++failuresShown > MAX_FAILURES_SHOWN) return;
      print(deliveryLine(c, report, steps));
    },
    summary(s) {
      spinner?.stop();
      spinner = undefined;
      if (load && failuresShown > MAX_FAILURES_SHOWN) {
        writeLine(ctx.stdout, c.dim(`… and ${failuresShown - MAX_FAILURES_SHOWN} more unexpected responses`));
      }
      const failed = s.failed > 0 ? c.red(`failed ${s.failed}`) : `failed ${s.failed}`;
      writeLine(
        ctx.stdout,
        shown`${c.bold('Sent')} ${s.sent}  ok ${s.ok}  ${failed}  p50 ${formatMs(s.p50Ms)}  p99 ${formatMs(s.p99Ms)}  ${Math.round(
          s.ratePerSecond,
        )} req/s in ${formatMs(s.durationMs)}`,
      );
    },
    dryRun(request, curl) {
      if (request.step) writeLine(ctx.stdout, c.dim(`# ${stepOf(request, steps).trim()}`));
      writeLine(ctx.stdout, c.bold(`${request.method} ${urlOf(request)}`));
      for (const [name, value] of Object.entries(shownHeaders(request)))
        writeLine(ctx.stdout, shown`${c.cyan(name)}: ${value}`);
      writeLine(
        ctx.stdout,
        shown`\n${request.body}\n\n${c.dim('# the same request with curl (nothing was sent):')}\n${multiline(curl)}`,
      );
    },
    stop() {
      spinner?.stop();
      spinner = undefined;
    },
  };
}

function deliveryLine(c: Painter, { request, outcome, expected }: DeliveryReport, steps: number): Shown {
  const mark = expected ? c.green('✔') : c.red('✖');
  const head = shown`${mark} ${c.dim(stepOf(request, steps))}${c.bold(request.event)} ${c.dim(`[${request.id}]`)}`;
  if (outcome.kind === 'error') return shown`${head} ${c.red(outcome.message)}`;
  const status = statusColor(c, outcome.status)(`[${outcome.status}]`);
  const body = outcome.body ? shown`  ${c.dim(truncate(outcome.body, 120))}` : '';
  return shown`${head} ${status} ${request.method} ${urlOf(request)} ${c.dim(formatMs(outcome.latencyMs))}${body}`;
}

/** `Scenario generate-and-push: 4 events, 5 sends in the order 2 1 3 3 4 (seed 42)`. */
function scenarioLine(c: Painter, header: ScenarioHeader): Shown {
  const events = header.events.length;
  const sends = header.order.length === events ? '' : `, ${header.order.length} sends`;
  const inOrder = header.order.every((step, i) => step === i + 1)
    ? 'in order'
    : `in the order ${header.order.join(' ')}`;
  const seed = header.seed === undefined ? '' : ` (seed ${header.seed})`;
  return shown`${c.bold(`Scenario ${header.name}`)}: ${events} event${events === 1 ? '' : 's'}${sends}, ${inOrder}${seed}`;
}

function round(n: number): number {
  return Math.round(n * 100) / 100;
}

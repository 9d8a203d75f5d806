import type { SecretSource } from '../config/secret.js';
import type { Context } from '../context.js';
import type { SessionReporter } from '../core/listen/session.js';
import type { DeliveryReport } from '../core/trigger/run.js';
import type { WebhookRequest } from '../core/trigger/request.js';
import { createListenView } from './listen.js';
import type { ScenarioHeader } from './trigger.js';
import { joinShown, jsonLine, paint, shown, writeLine, type Painter, type Shown } from './style.js';

// `datachonk demo`: the listener's own lines (ui/listen.ts) for each event, the sample receiver's log
// lines among them, and around them what the demo is, how it went, and what to try next.

/** What the demo started, for its first lines. */
export interface DemoStart {
  receiverUrl: string;
  /** The sample receiver's file in the package (examples/receiver.mjs). */
  receiverFile: string;
  listenerUrl: string;
  inspectorUrl: string;
  journalFile: string | undefined;
  secretSource: SecretSource;
  scenario: ScenarioHeader;
}

/** Why one delivery of the scenario was not verified and answered 2xx. */
export type DeliveryProblem =
  /** The listener could not be reached (the message says why). */
  | { kind: 'unreachable'; message: string }
  /** The listener answered itself: refused it (401), or could not reach the receiver (502, 504). */
  | { kind: 'listener'; status: number; said: string }
  /** The receiver answered something else than 2xx. */
  | { kind: 'app'; status: number; said: string };

export interface JudgedDelivery {
  report: DeliveryReport;
  problem?: DeliveryProblem | undefined;
}

export interface DemoView extends SessionReporter {
  started(info: DemoStart): void;
  /** A line the receiver logged. */
  appSaid(line: string): void;
  delivery(judged: JudgedDelivery): void;
  /** The scenario is sent (or was stopped): how it went, and what to try next. */
  finished(judged: readonly JudgedDelivery[], info: DemoStart): void;
  /** It keeps running until Ctrl-C. */
  ready(info: DemoStart): void;
  stopping(inFlight: number): void;
  flush(): void;
}

/** `step 3/4 again generation.completed [evt_…]`: which delivery. */
export function deliveryName(request: WebhookRequest, steps: number): string {
  const step = request.step ? `step ${request.step.number}/${steps}${request.step.repeat ? ' again' : ''} ` : '';
  return `${step}${request.event} [${request.id}]`;
}

/** What went wrong with a delivery, in words. */
export function problemText(problem: DeliveryProblem): string {
  const said = problem.kind !== 'unreachable' && problem.said ? `: ${problem.said}` : '';
  switch (problem.kind) {
    case 'unreachable':
      return `could not reach the listener: ${problem.message}`;
    case 'listener':
      return problem.status === 401
        ? `the listener refused it (401${said}), so the receiver never saw it`
        : `the listener answered ${problem.status} itself${said}: the receiver did not answer it`;
    case 'app':
      return `the receiver answered ${problem.status}${said}`;
  }
}

export function createDemoView(ctx: Context): DemoView {
  const listen = createListenView(ctx, { verbose: false });
  // The listener's lines are gathered per turn of the event loop: written out before any line of ours.
  const out = (text: Shown) => {
    listen.flush();
    writeLine(ctx.stdout, text);
  };
  const err = (text: Shown) => {
    listen.flush();
    writeLine(ctx.stderr, text);
  };
  const after =
    <A extends unknown[]>(report: (...args: A) => void) =>
    (...args: A) => {
      report(...args);
      listen.flush();
    };
  const base = {
    ...listen,
    received: after(listen.received),
    forwarded: after(listen.forwarded),
    completed: after(listen.completed),
    stopping: listen.stopping,
    flush: listen.flush,
  };
  return ctx.output === 'json' ? { ...base, ...jsonParts(ctx, out, err) } : { ...base, ...prettyParts(ctx, out, err) };
}

type Write = (text: Shown) => void;
type OwnParts = Pick<DemoView, 'started' | 'appSaid' | 'delivery' | 'finished' | 'ready'>;

function jsonParts(ctx: Context, out: Write, err: Write): OwnParts {
  const record = (value: object) => out(jsonLine(value));
  return {
    started: (info) =>
      record({
        type: 'demo',
        receiver_url: info.receiverUrl,
        listener_url: info.listenerUrl,
        inspector_url: info.inspectorUrl,
        journal: info.journalFile ?? null,
        secret_source: info.secretSource,
        scenario: info.scenario.name,
        steps: info.scenario.events,
        order: info.scenario.order,
      }),
    appSaid: (line) => record({ type: 'receiver', line }),
    delivery: ({ report: { request, outcome }, problem }) =>
      record({
        type: 'delivery',
        event: request.event,
        id: request.id,
        ...(request.step ? { step: request.step.number, ...(request.step.repeat ? { repeat: true } : {}) } : {}),
        status: outcome.kind === 'response' ? outcome.status : null,
        ok: problem === undefined,
        ...(problem ? { problem: problemText(problem) } : {}),
      }),
    finished: (judged) => {
      const failed = judged.filter((j) => j.problem).length;
      record({ type: 'summary', sent: judged.length, ok: judged.length - failed, failed });
    },
    ready: (info) => err(readyLine(paint(ctx.stderr, ctx.env), info)),
  };
}

function prettyParts(ctx: Context, out: Write, err: Write): OwnParts {
  const c = paint(ctx.stderr, ctx.env);
  const dim = paint(ctx.stdout, ctx.env).dim;
  const people = ctx.output !== 'quiet';
  return {
    started(info) {
      if (people) err(startBlock(c, info));
    },
    appSaid: (line) => out(dim(shown`                     receiver: ${line}`)),
    delivery() {},
    finished(judged, info) {
      err(summary(c, judged, info));
      if (people) err(nextSteps(c, info));
    },
    ready(info) {
      err(people ? readyBlock(c, info) : readyLine(c, info));
    },
  };
}

function startBlock(c: Painter, info: DemoStart): Shown {
  const { scenario } = info;
  const secret =
    info.secretSource === 'dev'
      ? 'the local dev secret (`datachonk listen --print-secret` prints it)'
      : info.secretSource === 'env'
        ? 'the one in DATACHONK_WEBHOOK_SECRET'
        : 'the one given';
  const repeated = scenario.order.find((step, i) => scenario.order.indexOf(step) !== i);
  const twice =
    repeated === undefined
      ? ''
      : `; step ${repeated} goes twice, as DataChonk may deliver an event again (the receiver must handle it once)`;
  return shown`${c.bold('DataChonk demo:')} a receiver, a listener in front of it, and events sent through them, all on this machine.
  Receiver:   ${info.receiverUrl}  ${c.dim(`the sample receiver, ${info.receiverFile}`)}
  Listener:   ${info.listenerUrl}  ${c.dim('`datachonk listen`: verifies each signature, journals, forwards to the receiver')}
  Secret:     ${secret}, for the sender, the listener and the receiver
  Inspector:  ${c.bold(info.inspectorUrl)}  ${c.dim('open it in your browser: every event, replay, edit')}

Sending the scenario ${c.bold(scenario.name)} (${scenario.description}) through the listener${twice}:`;
}

function summary(c: Painter, judged: readonly JudgedDelivery[], info: DemoStart): Shown {
  const steps = info.scenario.events.length;
  const total = info.scenario.order.length;
  const stopped = judged.length < total ? ` (stopped: ${total - judged.length} of ${total} not sent)` : '';
  const failed = judged.filter((j) => j.problem);
  const all = `${judged.length} deliver${judged.length === 1 ? 'y' : 'ies'}`;
  if (failed.length === 0)
    return shown`\n${c.green('✔')} ${judged.length === total ? 'All' : 'The'} ${all} verified by the listener and answered 2xx by the receiver${stopped}`;
  const lines = failed.map(
    ({ report, problem }) => shown`  ${c.red('✖')} ${deliveryName(report.request, steps)}: ${problemText(problem!)}`,
  );
  return shown`\n${c.red('✖')} ${failed.length} of ${all} not verified and answered 2xx${stopped}:\n${joinShown(lines, '\n')}`;
}

function nextSteps(c: Painter, info: DemoStart): Shown {
  const lines = [
    [
      `DATACHONK_WEBHOOK_SECRET=$(datachonk listen --print-secret) node ${info.receiverFile}`,
      '# the receiver, port 3000',
    ],
    ['datachonk listen --forward localhost:3000 --inspect', '# in a second terminal'],
    [`datachonk trigger --scenario ${info.scenario.name}`, '# in a third'],
  ] as const;
  const width = Math.max(...lines.map(([command]) => command.length)) + 3;
  const shownLines = lines.map(([command, comment]) => shown`  ${command.padEnd(width)}${c.dim(comment)}`);
  return shown`\n${c.bold('Next, with your own app (or this receiver) on port 3000')}:\n${joinShown(shownLines, '\n')}`;
}

/** Quiet's and --json's one line on stderr: where it listens (a script may send more). */
function readyLine(c: Painter, info: DemoStart): Shown {
  return shown`${c.green.bold('Ready!')} Listening on ${c.bold(info.listenerUrl)}  Inspector: ${c.bold(info.inspectorUrl)}`;
}

function readyBlock(c: Painter, info: DemoStart): Shown {
  return shown`
${c.green.bold('Ready!')} Listening on ${c.bold(info.listenerUrl)}  ${c.dim('(forwarding to the sample receiver)')}
  Inspector:     ${c.bold(info.inspectorUrl)}
  Send it more:  datachonk trigger generation.completed --url ${info.listenerUrl}
  ${c.dim('Ctrl-C to stop')}`;
}

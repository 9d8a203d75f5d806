import type { Context } from '../context.js';
import { isQuiet } from './output.js';
import { localClock } from './time.js';
import { prettyBody } from './body.js';
import { summarizeEvent } from '../core/events/catalogue.js';
import type { ReceivedRequest } from '../core/listen/receiver.js';
import type { ForwardResult } from '../core/listen/records.js';
import type { SessionReporter } from '../core/listen/session.js';
import type { RestartPlan, TunnelTrouble } from '../core/listen/tunnel-keeper.js';
import { appReplyCause } from '../core/app-reply.js';
import { shownHeaderValue } from '../core/headers.js';
import { describeNetworkFailure, formatDuration } from '../core/net-errors.js';
import type { SecretSource } from '../config/secret.js';
import { maskKey } from '../config/credentials.js';
import { isFailure } from '../failure.js';
import { appReplyHint, tlsHint } from './app-reply.js';
import { bufferedLines } from './buffered.js';
import { describeFailure } from './failures.js';
import { explainSignature } from './signature.js';
import {
  formatMs,
  joinShown,
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

export interface ReadyInfo {
  url: string;
  secret: string;
  secretSource: SecretSource;
  /** More --secret values (the old ones, during a rotation), accepted too. */
  moreSecrets?: number | undefined;
  /** Where events go, as the user named them. */
  targets: readonly string[];
  /** The same, as data: each target's URL and the event pattern it takes (null: the rest). */
  forward: readonly { url: string; events: string | null }[];
  events?: readonly string[] | undefined;
  journalFile?: string | undefined;
  skipVerify: boolean;
  /** Where DataChonk should send, when the listener is exposed or registered. */
  publicUrl?: string | undefined;
  /** The webhook registered for this session, and the fresh secret it signs with. */
  webhookId?: string | undefined;
  sessionSecret?: string | undefined;
  /** Without an API key: the command that registers the public URL. */
  registerCommand?: string | undefined;
  quickTunnel?: boolean | undefined;
  /** The web inspector's page, with --inspect. */
  inspectorUrl?: string | undefined;
  /** The `datachonk trigger` that reaches this listener (with --url when a bare one would not find it). */
  triggerCommand?: string | undefined;
}

export interface ListenView extends SessionReporter {
  ready(info: ReadyInfo): void;
  /** Shutdown begins, with this many requests still in flight. */
  stopping(inFlight: number): void;
  /** Writes out what is buffered for stdout. */
  flush(): void;
  /** A line of advice on stderr (not with --quiet or --json's stdout): `note: …`. */
  note(message: string): void;
}

/** How much of a header value or response body --verbose shows. */
const VERBOSE_MAX = 500;
const VERBOSE_BODY_MAX = 2000;

/** Lines for stdout, gathered per turn of the event loop. */
type Lines = ReturnType<typeof bufferedLines>;

export function createListenView(ctx: Context, options: { verbose: boolean }): ListenView {
  const stdout = bufferedLines(ctx.stdout);
  const base = sessionView(ctx, stdout);
  if (ctx.output === 'json') {
    return {
      ...base,
      received() {},
      forwarded() {},
      completed: (request, results) => stdout.line(jsonLine(jsonRecord(request, results))),
    };
  }
  // Quiet: the results (a line per request and per answer, every rejection), without the banner.
  const verbose = options.verbose && ctx.output !== 'quiet';
  const c = paint(ctx.stdout, ctx.env);
  const clock = localClock(ctx.env);
  const out = stdout.line;
  return {
    ...base,
    received(request) {
      out(receivedLine(c, request, clock.time(request.receivedAt)));
      const why = signatureWhy(request);
      if (why) out(c.dim(shown`                           hint: ${why.hint}`));
      if (verbose) {
        for (const [name, value] of Object.entries(request.headers))
          out(c.dim(shown`    ${name}: ${truncate(shownHeaderValue(name, String(value)), VERBOSE_MAX)}`));
        out(c.dim(verboseBody(request)));
      }
    },
    forwarded(request, result) {
      out(forwardLine(c, request, result, clock.time(ctx.now())));
      const hint = forwardHint(request, result);
      if (hint) out(c.dim(shown`                           hint: ${hint}`));
      if (verbose && result.body) out(c.dim(shown`    ${truncate(result.body, VERBOSE_MAX)}`));
    },
    completed() {},
  };
}

/** What every output mode says of the session itself: ready, tunnel, webhook, warnings, stopping. */
function sessionView(ctx: Context, stdout: Lines): Omit<ListenView, 'received' | 'forwarded' | 'completed'> {
  const err = paint(ctx.stderr, ctx.env);
  const json = ctx.output === 'json';
  const record = (value: object) => (json ? stdout.line(jsonLine(value)) : undefined);
  const banner = (text: Shown) => (isQuiet(ctx) ? undefined : writeLine(ctx.stderr, text));
  const warn = (message: string) => writeLine(ctx.stderr, shown`${err.yellow('warning:')} ${message}`);
  // A typed failure in the words of ui/failures.ts; its message is for logs only.
  const said = (error: unknown) =>
    isFailure(error)
      ? describeFailure(error, { command: 'listen' }).message
      : ((error as Error)?.message ?? String(error));
  return {
    // Quiet still says where it listens: a script needs the URL (and the port 0 picked).
    ready(info) {
      // --json: the ready object is stdout's first line; what setup did (tunnel, webhook) is in it.
      record(readyRecord(info));
      // -q with --json: the ready record says it all.
      const zone = localClock(ctx.env).zone(ctx.now());
      if (!(json && ctx.quiet))
        writeLine(ctx.stderr, isQuiet(ctx) ? readyLine(err, info) : readyBlock(err, info, zone));
    },
    stopping(inFlight) {
      stdout.flush();
      banner(
        err.dim(
          inFlight > 0 ? `Stopping: finishing ${inFlight} request${inFlight === 1 ? '' : 's'} in flight…` : 'Stopping…',
        ),
      );
    },
    flush: stdout.flush,
    warning: warn,
    note: (message) => banner(shown`${err.dim('note:')} ${message}`),
    ...tunnelView(ctx, record, said),
    staleRemoved(webhooks) {
      for (const w of webhooks) {
        banner(shown`Removed webhook ${w.id} (${w.url}), left behind by a listener on this machine that was killed`);
      }
    },
    registered() {},
    cleanupFailed: (error) => warn(`while stopping: ${said(error)}`),
    unregistered(id, error) {
      record({
        type: 'webhook',
        state: error ? 'delete-failed' : 'deleted',
        id,
        ...(error ? { error: said(error) } : {}),
      });
      if (error)
        warn(
          `could not delete webhook ${id}: ${said(error)}; the next \`datachonk listen\` with an API key removes it`,
        );
      else banner(shown`Deleted webhook ${id}`);
    },
  };
}

type TunnelEvents = 'tunnelStarting' | 'tunnelReady' | 'tunnelLost' | 'tunnelRestartFailed' | 'tunnelRestored';

/**
 * The tunnel's life: on stderr in every mode but the start's banner (a lost tunnel and its new URL matter
 * to a script too), and a `tunnel` record for each change with --json.
 */
function tunnelView(
  ctx: Context,
  record: (value: object) => void,
  said: (error: unknown) => string,
): Pick<ListenView, TunnelEvents> {
  const err = paint(ctx.stderr, ctx.env);
  const next = (plan: RestartPlan | undefined) => ({
    next_attempt: plan?.attempt ?? null,
    attempts: plan?.attempts ?? null,
    retry_in_ms: plan?.inMs ?? null,
  });
  const when = (plan: RestartPlan) =>
    `in ${plan.inMs >= 60_000 && plan.inMs % 60_000 === 0 ? `${plan.inMs / 60_000}m` : formatDuration(plan.inMs)} (attempt ${plan.attempt} of ${plan.attempts})`;
  return {
    tunnelStarting: (name) => (isQuiet(ctx) ? undefined : writeLine(ctx.stderr, err.dim(`Starting a ${name}…`))),
    tunnelReady() {},
    tunnelLost(trouble, plan) {
      const detail = troubleText(trouble);
      record({ type: 'tunnel', state: 'lost', reason: trouble.reason, detail, ...next(plan) });
      const title = trouble.reason === 'exited' ? 'The tunnel is gone:' : 'The tunnel stopped answering:';
      // Its last lines keep their line breaks (escaped otherwise: they are cloudflared's, or a stranger's).
      writeLine(
        ctx.stderr,
        shown`${err.red.bold(title)} ${multiline(detail)}${plan ? shown`\nRestarting it ${when(plan)}…` : ''}`,
      );
    },
    tunnelRestartFailed(error, plan) {
      record({ type: 'tunnel', state: 'restart-failed', error: said(error), ...next(plan) });
      // What failed last: its words may quote cloudflared's last lines, kept on their own lines.
      writeLine(
        ctx.stderr,
        shown`${err.yellow('warning:')} the tunnel did not restart, ${plan ? `trying again ${when(plan)}` : 'giving up'}: ${multiline(said(error))}`,
      );
    },
    tunnelRestored({ publicUrl, webhook }) {
      record({ type: 'tunnel', state: 'restored', public_url: publicUrl, webhook_id: webhook?.id ?? null });
      const where = webhook
        ? err.dim(` (webhook ${webhook.id} now points at it)`)
        : err.dim(' (a new URL: point your webhook at it)');
      writeLine(ctx.stderr, shown`${err.green.bold('Tunnel restored.')} Public URL: ${err.bold(publicUrl)}${where}`);
    },
  };
}

/** What happened to a tunnel, in words. */
function troubleText(trouble: TunnelTrouble): string {
  if (trouble.reason === 'exited')
    return `${trouble.tunnel} exited (${trouble.how}); its last lines:\n  ${trouble.lastLines.join('\n  ')}`;
  const last =
    trouble.status !== undefined
      ? `HTTP ${trouble.status}, not from this listener`
      : describeNetworkFailure(trouble.network ?? 'other', new URL(trouble.url), trouble.timeoutMs, 'no answer');
  return `${trouble.checks} checks in a row of ${trouble.url} failed (the last: ${last})`;
}

/**
 * What a script needs once the listener is ready: `listen --json`'s first line, and the --ready-file.
 * Names the secret's source and count, never a secret.
 */
export function readyRecord(info: ReadyInfo): object {
  const url = new URL(info.url);
  return {
    type: 'ready',
    url: info.url,
    port: Number(url.port),
    forward: info.forward,
    events: info.events ?? null,
    secret_source: info.secretSource,
    secrets: 1 + (info.moreSecrets ?? 0),
    skip_signature_check: info.skipVerify,
    // The old name of the same fact, for scripts that read it.
    skip_verify: info.skipVerify,
    public_url: info.publicUrl ?? null,
    webhook_id: info.webhookId ?? null,
    journal: info.journalFile ?? null,
    inspector_url: info.inspectorUrl ?? null,
    trigger_command: info.triggerCommand ?? null,
  };
}

function readyLine(c: Painter, info: ReadyInfo): Shown {
  let line = shown`${c.green.bold('Ready!')} Listening on ${c.bold(info.url)}`;
  if (info.publicUrl && info.publicUrl !== info.url) line = shown`${line}  Public URL: ${c.bold(info.publicUrl)}`;
  return info.inspectorUrl ? shown`${line}  Inspector: ${c.bold(info.inspectorUrl)}` : line;
}

function readyBlock(c: Painter, info: ReadyInfo, zone: string): Shown {
  const secret =
    info.secretSource === 'dev'
      ? shown`${info.secret} ${c.dim('(the local dev secret, which `datachonk trigger` uses too)')}`
      : shown`${maskKey(info.secret)} ${c.dim(info.secretSource === 'flag' ? '(from --secret)' : '(from DATACHONK_WEBHOOK_SECRET)')}`;
  const lines = [shown`${c.green.bold('Ready!')} Listening on ${c.bold(info.url)}`];
  if (info.publicUrl && info.publicUrl !== info.url) lines.push(shown`  Public URL:     ${c.bold(info.publicUrl)}`);
  if (info.quickTunnel)
    lines.push(
      shown`  Tunnel:         cloudflared quick tunnel ${c.dim('(no uptime guarantee, at most 200 requests in flight, a new URL each run)')}`,
    );
  if (info.webhookId) {
    lines.push(
      shown`  Webhook:        ${info.webhookId} ${c.dim('(registered for this session; deleted when you stop)')}`,
    );
    lines.push(
      shown`  Webhook secret: ${info.sessionSecret ?? ''} ${c.dim('(DataChonk signs with it; the listener checks it, then signs what it forwards with the secret below)')}`,
    );
  }
  const more = info.moreSecrets ? c.dim(` and ${info.moreSecrets} more (accepted too, during a rotation)`) : '';
  lines.push(
    shown`  Signing secret: ${secret}${more}`,
    shown`  Verification:   ${info.skipVerify ? c.yellow('off (--skip-signature-check): unsigned requests are accepted and marked') : 'on: unsigned or wrongly signed requests get 401 and are not forwarded'}`,
    shown`  Forwarding to:  ${info.targets.length > 0 ? info.targets.join(', ') : c.dim('nowhere (answering 200; add --forward localhost:3000)')}`,
  );
  if (info.events)
    lines.push(shown`  Events:         ${info.events.join(', ')} ${c.dim('(others are acknowledged, not forwarded)')}`);
  if (info.registerCommand)
    lines.push(
      shown`  Register it:    ${info.registerCommand} ${c.dim('(no API key: run this to have DataChonk send here)')}`,
    );
  lines.push(shown`  Journal:        ${info.journalFile ?? c.dim('off (--no-journal)')}`);
  if (info.triggerCommand)
    lines.push(shown`  Send a test:    ${info.triggerCommand} ${c.dim('(in another terminal)')}`);
  lines.push(shown`  Times:          local, ${zone} ${c.dim('(events list and events show say the same)')}`);
  if (info.inspectorUrl)
    lines.push(
      shown`  Inspector:      ${c.bold(info.inspectorUrl)} ${c.dim('(open it in your browser: every event, replay, edit)')}`,
    );
  lines.push(c.dim('  Ctrl-C to stop'));
  return joinShown(lines, '\n');
}

/** The flag behind a rejection the user can change. */
const REJECT_FLAG: Partial<Record<string, string>> = { 'too-large': ' (--max-body)' };

/** `--verbose`: the body, indented, pretty when JSON, cut after VERBOSE_BODY_MAX characters. */
function verboseBody(request: ReceivedRequest): Shown {
  const coding = request.headers['content-encoding'];
  const text = coding
    ? `(${request.bodyBytes} bytes sent as ${String(coding)}: \`datachonk events show\` decodes it)`
    : prettyBody(request.body.toString('utf8'), VERBOSE_BODY_MAX);
  return multiline(text.replace(/^/gm, '    '));
}

/** A request's line; `at` is its local time (ui/time.ts). */
function receivedLine(c: Painter, request: ReceivedRequest, at: string): Shown {
  const time = c.dim(at);
  const d = request.disposition;
  const why = signatureWhy(request);
  if (d.kind === 'rejected') {
    const status = d.status ? statusColor(c, d.status)(`[${d.status}]`) : c.red('[---]');
    const what = request.eventId
      ? shown`${request.event ?? ''} ${c.dim(`[${request.eventId}]`)}`
      : shown`${request.method} ${request.url}`;
    const reason = why ? `invalid signature (${why.code}): ${why.cause}` : `${d.reason}${REJECT_FLAG[d.code] ?? ''}`;
    return shown`${time}  ${c.red('✖')}   ${status} ${what} ${c.red(`rejected: ${reason}`)}`;
  }
  const summary = truncate(summarizeEvent(request.event ?? '', request.payload?.data), 90);
  const old = request.verification?.secret_index;
  const mark =
    request.verification?.status === 'valid'
      ? c.green(old ? `✔ verified with --secret #${old + 1} (an old secret)` : '✔ verified')
      : c.yellow(
          `⚠ unverified (${why ? `${why.code}: ${why.cause}` : (request.verification?.reason ?? 'no signature')})`,
        );
  const tail =
    d.kind !== 'acknowledged'
      ? ''
      : d.filtered
        ? c.dim('  (not forwarded: filtered out by --events)')
        : d.unrouted
          ? c.dim('  (not forwarded: no --forward route takes this type)')
          : '';
  return shown`${time}  --> ${c.bold(request.event ?? '')} ${c.dim(`[${request.eventId}]`)}${summary ? shown` ${summary}` : ''}  ${mark}${tail}`;
}

/** Why a request's signature failed, in words, when the listener diagnosed it. */
function signatureWhy(request: ReceivedRequest): { code: string; cause: string; hint: string } | undefined {
  const diagnosis = request.verification?.diagnosis;
  return diagnosis ? { code: diagnosis.reason, ...explainSignature(diagnosis, 'listen') } : undefined;
}

function forwardLine(c: Painter, request: ReceivedRequest, result: ForwardResult, at: string): Shown {
  const time = c.dim(at);
  const id = c.dim(`[${request.eventId}]`);
  if (result.status === null) {
    const status = result.error?.code === 'timeout' ? '504' : '502';
    const flag = result.error?.code === 'timeout' ? ' (--forward-timeout)' : '';
    return shown`${time}  <-- ${c.red(`[${status}]`)} POST ${result.target} ${id} ${c.red(`${result.error?.message ?? 'failed'}${flag}`)}`;
  }
  return shown`${time}  <-- ${statusColor(c, result.status)(`[${result.status}]`)} POST ${result.target} ${id} ${c.dim(formatMs(result.latency_ms))}`;
}

/** The likely cause of an app's answer that is not a 2xx, or of a forward that got none, in words. */
function forwardHint(request: ReceivedRequest, result: ForwardResult): string | undefined {
  if (result.status === null) return tlsHint(result.error?.code, result.target);
  if (result.status >= 200 && result.status < 300) return undefined;
  return appReplyHint(appReplyCause(result.status, result.headers), {
    path: new URL(result.target).pathname,
    // Verified, then signed again with the listener's secret: the app got a correct signature.
    signed: request.verification?.status === 'valid',
    pathFlag: '--forward',
  });
}

/** In --json, a failed signature's diagnosis: its code and the hint, as the pretty line says them. */
function signatureRecord(request: ReceivedRequest): object {
  const why = signatureWhy(request);
  return why ? { signature_reason: why.code, signature_cause: why.cause, signature_hint: why.hint } : {};
}

function jsonRecord(request: ReceivedRequest, results: readonly ForwardResult[]): object {
  const d = request.disposition;
  return {
    type: 'request',
    rid: request.rid,
    received_at: request.receivedAt.toISOString(),
    method: request.method,
    path: request.url,
    verification: request.verification ?? null,
    event: request.event ?? null,
    id: request.eventId ?? null,
    outcome:
      d.kind === 'rejected'
        ? 'rejected'
        : d.kind === 'acknowledged'
          ? d.filtered
            ? 'filtered'
            : d.unrouted
              ? 'unrouted'
              : 'acknowledged'
          : 'forwarded',
    ...(d.kind === 'rejected' ? { status: d.status || null, reason: d.reason, reason_code: d.code } : {}),
    ...signatureRecord(request),
    payload: request.payload ?? null,
    forwards: results,
  };
}

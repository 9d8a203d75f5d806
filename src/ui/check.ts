import type { Context } from '../context.js';
import type { SecretSource } from '../config/secret.js';
import type { CheckHint } from '../core/check/judge.js';
import type { CheckReport, CheckResult, Exchange } from '../core/check/run.js';
import { formatDuration } from '../core/net-errors.js';
import { appReplyHint, COMPARE_SECRETS } from './app-reply.js';
import { SIGNATURE_HEADER } from '../core/signing/signature.js';
import type { Stack } from '../core/stack.js';
import { adviceFor, mistakeFix, mistakeWords, stackNote } from './stack-advice.js';
import { formatMs, jsonLine, paint, shown, truncate, writeLine, type Painter, type Shown } from './style.js';

// What `datachonk check` shows: a report grouped by check group, one line per check, and under each
// that did not pass what was sent, what came back and what to fix; `--json` a record per check and a
// summary; `--quiet` the failures and the summary line. The JUnit file (ui/junit.ts) says the same.

/** What the views need besides the report: the run's settings, as the user gave them. */
export interface CheckRun {
  secretSource: SecretSource;
  strict: boolean;
  slowMs: number;
  timeoutMs: number;
  /** The names of the headers added with --header: shown by name, their values never. */
  headerNames: readonly string[];
  /** The statuses a forgery must get (--expect-reject, or the default 400, 401, 403). */
  expectReject: readonly number[];
  /** The language the endpoint's answers show: the fixes are given in it. */
  stack?: Stack | undefined;
  /** --through-listener: the listener's own answers count. */
  throughListener?: boolean | undefined;
}

/** A check explained for people: what came back, and what to fix. */
export interface Explained {
  /** The status or statuses answered, or the network failure: "200, then 409". */
  got: string;
  /** What to fix, when it did not pass. */
  hint?: string | undefined;
}

const SOURCE_WORDS: Record<SecretSource, string> = {
  flag: '--secret',
  env: '$DATACHONK_WEBHOOK_SECRET',
  dev: 'the local dev secret',
};

/** The first line, at once, before any answer: what is checked, where, with which secret (pretty mode). */
export function printCheckStart(
  ctx: Context,
  start: { url: string; groups: readonly string[]; secretSource: SecretSource },
): void {
  if (ctx.output !== 'pretty' || ctx.quiet) return;
  const c = paint(ctx.stdout, ctx.env);
  writeLine(
    ctx.stdout,
    shown`${c.bold('Checking')} ${start.url} ${c.dim(`(secret from ${SOURCE_WORDS[start.secretSource]}; ${start.groups.join(', ')})`)}`,
  );
}

/** Prints the report in the output mode of the context. */
export function printCheckReport(ctx: Context, report: CheckReport, run: CheckRun): void {
  if (ctx.output === 'json') return printJson(ctx, report, run);
  const c = paint(ctx.stdout, ctx.env);
  const quiet = ctx.output === 'quiet';
  let group = '';
  for (const result of report.results) {
    if (quiet && result.status !== 'fail') continue;
    if (!quiet && result.group !== group) writeLine(ctx.stdout, shown`\n${c.bold(result.group)}`);
    group = result.group;
    for (const line of resultLines(c, result, run)) writeLine(ctx.stdout, line);
  }
  if (!quiet) writeLine(ctx.stdout, '');
  const listener = listenerLine(report, run);
  if (listener) writeLine(ctx.stdout, shown`${c.yellow('⚠')} ${listener}`);
  writeLine(ctx.stdout, summaryLine(c, report));
}

/** Said once, when `datachonk listen` answered some requests itself: what was tested is the listener. */
export function listenerLine(report: CheckReport, run: CheckRun): string | undefined {
  if (report.listenerAnswers === 0) return undefined;
  const answers = `${report.listenerAnswers} ${report.listenerAnswers === 1 ? 'answer' : 'answers'}`;
  return run.throughListener
    ? `${answers} came from \`datachonk listen\` itself (--through-listener): those checks tested the listener, not the app behind it`
    : `${answers} came from \`datachonk listen\` itself, not from your app: check is testing the listener in front of your app. Run it at your app's own URL, or pass --through-listener if that is what you meant`;
}

function resultLines(c: Painter, result: CheckResult, run: CheckRun): Shown[] {
  const mark = { pass: c.green('✔'), warn: c.yellow('⚠'), fail: c.red('✖') }[result.status];
  const explained = explain(result, run);
  const head = shown`  ${mark} ${result.check.padEnd(22)} ${explained.got}`;
  if (result.status === 'pass') return [head];
  const lines = [head];
  const pad = (label: string) => c.dim(`      ${label.padEnd(9)}`);
  const sent = result.exchanges[0]?.request;
  if (sent) lines.push(shown`${pad('sent')}${sentLine(result.exchanges[0]!, run)}`);
  for (const exchange of result.exchanges) lines.push(shown`${pad('got')}${gotLine(exchange)}`);
  lines.push(shown`${pad('expected')}${result.expected}`);
  if (explained.hint) lines.push(shown`${pad('fix')}${explained.hint}`);
  return lines;
}

function summaryLine(c: Painter, report: CheckReport): Shown {
  const count = (status: CheckResult['status']) => report.results.filter((r) => r.status === status).length;
  const [passed, warned, failed] = [count('pass'), count('warn'), count('fail')];
  const failedText = failed > 0 ? c.red(`${failed} failed`) : `${failed} failed`;
  const warnedText = warned > 0 ? c.yellow(`${warned} ${warned === 1 ? 'warning' : 'warnings'}`) : '0 warnings';
  const notRun = report.planned - report.results.length;
  const stopped = notRun > 0 ? c.red(`, ${notRun} not run (${report.interrupted ? 'interrupted' : 'stopped'})`) : '';
  const checks = `${report.results.length} ${report.results.length === 1 ? 'check' : 'checks'}`;
  return shown`${c.bold(checks)}: ${passed} passed, ${warnedText}, ${failedText}${stopped} in ${formatMs(report.durationMs)}`;
}

/** `POST /webhooks/datachonk  x-datachonk-signature: sha256=1a2b3c4d…(39 characters)  369 bytes: {"id":…`. */
function sentLine(exchange: Exchange, run: CheckRun): string {
  const { request } = exchange;
  const path = new URL(request.url).pathname;
  const added = run.headerNames.length ? `  + ${run.headerNames.join(', ')}` : '';
  return `${request.method} ${path}  ${signatureText(request.headers[SIGNATURE_HEADER])}${added}  ${Buffer.byteLength(request.body)} bytes: ${truncate(request.body, 80)}`;
}

/** The signature header in short: it is an HMAC, not the secret, but 71 characters say little. */
export function signatureText(value: string | undefined): string {
  if (value === undefined) return `no ${SIGNATURE_HEADER} header`;
  if (value === '') return `${SIGNATURE_HEADER}: "" (empty)`;
  const shortened = value.length > 24 ? `${value.slice(0, 19)}…(${value.length} characters)` : value;
  return `${SIGNATURE_HEADER}: ${shortened}`;
}

function gotLine({ answer }: Exchange): string {
  if (answer.kind === 'error') return `no answer: ${answer.message}`;
  const body = answer.body.trim() ? `  ${truncate(answer.body, 160)}` : '';
  return `${answer.status} in ${formatMs(answer.latencyMs)}${body}`;
}

/** What came back, and what to fix: the words of the pretty report, --json and JUnit. */
export function explain(result: CheckResult, run: CheckRun): Explained {
  const got = result.latency ? latencyGot(result, run) : statusesGot(result);
  return { got, ...(result.hint ? { hint: hintWords(result.hint, result, run) } : {}) };
}

function statusesGot(result: CheckResult): string {
  const one = ({ answer }: Exchange) =>
    answer.kind === 'error' ? `no answer (${answer.message})` : String(answer.status);
  return result.exchanges
    .map(one)
    .join(result.exchanges.length > 1 && result.check.endsWith('at-once') ? ' and ' : ', then ');
}

function latencyGot(result: CheckResult, run: CheckRun): string {
  const { slowest, slow, timedOut, answers } = result.latency!;
  const parts = [slowest ? `slowest ${formatMs(slowest.latencyMs)} (${slowest.check})` : 'no answers'];
  if (slow > 0) parts.push(`${slow} of ${answers} over ${formatDuration(run.slowMs)}`);
  if (timedOut > 0) parts.push(`${timedOut} with no answer within ${formatDuration(run.timeoutMs)}`);
  return parts.join(', ');
}

/** The Location of the first redirect among a check's answers. */
function locationOf(result: CheckResult): string | undefined {
  for (const { answer } of result.exchanges) if (answer.kind === 'response' && answer.location) return answer.location;
  return undefined;
}

/** The first status that was not a 2xx, for the words. */
function statusOf(result: CheckResult): number | undefined {
  const statuses = result.exchanges.flatMap(({ answer }) => (answer.kind === 'response' ? [answer.status] : []));
  return statuses.find((s) => s < 200 || s >= 300) ?? statuses[0];
}

const HINTS: Record<CheckHint, (result: CheckResult, run: CheckRun) => string> = {
  'no-answer': (r) =>
    r.exchanges.every(({ answer }) => answer.kind !== 'error' || answer.code === 'refused')
      ? 'it could not be reached: the endpoint was down by then (see why below)'
      : 'it closed the connection without an answer: did this request crash it? look at its log',
  unreachable: () => 'is your app running, and listening at this address? check the host and port in the URL',
  'wrong-path': () => 'nothing receives webhooks at this path: give the URL your app receives DataChonk webhooks at',
  timeout: (_r, run) =>
    `no answer within --timeout ${formatDuration(run.timeoutMs)}: answer a webhook first and do slow work after; raise --timeout if it really needs longer`,
  'signed-refused': (r, run) =>
    `it refused a correctly signed event${triedWords(r)}: most often it verifies with another secret (check used ${SOURCE_WORDS[run.secretSource]}); ${COMPARE_SECRETS}, then pass --secret or set DATACHONK_WEBHOOK_SECRET`,
  'signing-mistake': (r, run) =>
    `${mistakeWords(r.diagnosis!.mistake!)}: it accepted the same event signed that way, so the secret is right. ${mistakeFix(r.diagnosis!.mistake!, run.stack)}`,
  'signed-not-accepted': () =>
    'answer 2xx to every correctly signed event: DataChonk treats anything else as a failed delivery',
  redirected: (r) => appReplyHint({ kind: 'redirect', location: locationOf(r) }, { path: '', signed: true })!,
  'server-error': () =>
    'it failed on a correctly signed event DataChonk may send: look at its log; DataChonk retries failed deliveries',
  'not-verifying': (_r, run) =>
    `your endpoint does not verify signatures: anyone can send it events. Verify x-datachonk-signature over the raw body and answer 401 when it does not match (${adviceFor(run.stack).compare})${stackNote(run.stack)}: \`datachonk help signatures\` says how`,
  'length-pitfall': (_r, run) =>
    run.stack && run.stack !== 'node'
      ? `it crashed on a signature of another length or form: ${adviceFor(run.stack).compare}; answer 401${stackNote(run.stack)}`
      : "it crashed on a signature of another length or form: crypto.timingSafeEqual throws when its buffers differ in length (and Buffer.from(s, 'hex') stops at the first non-hex character). Check the header is sha256= and 64 lowercase hex digits (length first), then compare; answer 401",
  'non-ascii-crash': (_r, run) =>
    `it crashed (a 5xx, or the connection dropped) on a signature header holding a byte above 127: ${adviceFor(run.stack).compare}; answer 401 to any header that is not sha256= and 64 hex digits${stackNote(run.stack)}`,
  'non-hex-crash': (_r, run) =>
    `it crashed (a 5xx, or the connection dropped) on a signature that is not hex: decoding it (bytes.fromhex, hex.DecodeString, HexFormat.parseHex) throws. Check the header is sha256= and 64 hex digits first, or compare the text: ${adviceFor(run.stack).compare}; answer 401${stackNote(run.stack)}`,
  'forgery-error': (r) =>
    `it failed with ${statusOf(r)} and an error of its own (${ownError(r)}) on ${r.sends}: catch it and answer 401 to a missing, empty or malformed signature`,
  'crash-on-forgery': (r) =>
    r.check === 'missing-signature'
      ? 'it crashed on a request without x-datachonk-signature: answer 401 when the header is missing'
      : 'it crashed on a forged request: answer 401 when the signature does not match',
  'prefix-compare': (r, run) =>
    `it accepted ${r.sends}, though it refused the wrong secret and a tampered body: it compares only a prefix (startsWith, or a loop over the shorter length). Compare the whole value, lengths equal: ${adviceFor(run.stack).compare}${stackNote(run.stack)}`,
  'listener-answered': () =>
    "`datachonk listen` answered this itself (x-datachonk-answered-by), not your app behind it: this tests the listener. Run check at your app's own URL, or pass --through-listener if testing the listener is what you meant",
  'non-ascii-refused': (r, run) =>
    r.diagnosis?.mistake
      ? `${mistakeWords(r.diagnosis.mistake)}: it refused an event with raw UTF-8 text (é), as DataChonk sends it, and accepted it signed over that form. ${mistakeFix(r.diagnosis.mistake, run.stack)}`
      : `it refused an event with raw UTF-8 text (é), as DataChonk sends it: it verifies other bytes than those it received; ${adviceFor(run.stack).rawBody}${stackNote(run.stack)}`,
  'reject-status': (r, run) =>
    `it refused with ${statusOf(r)}, not ${run.expectReject.join(' or ')}: answer ${run.expectReject.join(' or ')} to a bad signature, or pass --expect-reject ${statusOf(r)} if that status is deliberate`,
  'not-idempotent': (r) =>
    `DataChonk retries, so one event (same id) can arrive twice, even at the same time: answer 2xx to a repeat (dedupe by id), not ${statusOf(r)}`,
  'unknown-refused': (r) =>
    `DataChonk may add event types and fields: acknowledge what you do not handle with 2xx, or pass --allow-unknown ${statusOf(r)} if that status is deliberate`,
  'unknown-crash': () =>
    'it crashed on an event type or field it does not know: DataChonk may add them; answer 2xx and ignore what you do not handle',
  'bad-input-accepted': () =>
    'it acknowledged a body that is not a DataChonk event: answer 400 to a body that is not JSON or not an envelope (id, event, created_at, project_id, data)',
  'bad-input-crash': () =>
    'it crashed on a body that is not an event: parse in a try/catch, check the envelope, and answer 400',
  'bad-input-status': () => 'answer 400 to a body that is not JSON or not an event envelope',
  'reserialized-body': (_r, run) =>
    `your endpoint appears to verify a re-serialized body; ${adviceFor(run.stack).rawBody}: DataChonk signs the bytes it sends, whatever their spacing, order or escapes${stackNote(run.stack)}`,
  slow: (r, run) =>
    `${r.latency?.slow} answers took longer than --slow ${formatDuration(run.slowMs)}: answer a webhook first, then do the slow work`,
};

/** ", and the same event signed the 7 usual wrong ways too", when a diagnosis tried them. */
function triedWords(result: CheckResult): string {
  const tried = result.diagnosis?.tried;
  return tried
    ? `, and the same event signed ${tried} usual wrong ways too (uppercase hex, re-serialized bodies, a newline added)`
    : '';
}

/** The error a 5xx answer names, short: a JSON answer's error or message, else its text. */
function ownError(result: CheckResult): string {
  const answer = result.exchanges.find(({ answer }) => answer.kind === 'response' && answer.status >= 500)?.answer;
  const body = answer?.kind === 'response' ? answer.body.trim() : '';
  try {
    const parsed = JSON.parse(body) as { error?: unknown; message?: unknown };
    const said = typeof parsed.error === 'string' ? parsed.error : parsed.message;
    if (typeof said === 'string') return `"${truncate(said, 120)}"`;
  } catch {
    // Not JSON: its text.
  }
  return `"${truncate(
    body
      .replace(/<[^>]*>/g, ' ')
      .replace(/\s+/g, ' ')
      .trim(),
    120,
  )}"`;
}

function hintWords(hint: CheckHint, result: CheckResult, run: CheckRun): string {
  return HINTS[hint](result, run);
}

/** --json: a record per check, then the summary. */
function printJson(ctx: Context, report: CheckReport, run: CheckRun): void {
  for (const result of report.results) writeLine(ctx.stdout, jsonLine(checkRecord(result, run)));
  const count = (status: CheckResult['status']) => report.results.filter((r) => r.status === status).length;
  writeLine(
    ctx.stdout,
    jsonLine({
      type: 'summary',
      url: report.url,
      secret_source: run.secretSource,
      strict: run.strict,
      checks: report.results.length,
      passed: count('pass'),
      warned: count('warn'),
      failed: count('fail'),
      not_run: report.planned - report.results.length,
      stopped: report.stopped?.reason ?? null,
      refusal: report.stopped?.reason === 'refused-signed' ? refusalCode(report.stopped.result) : null,
      stack: report.stack ?? null,
      answered_by_listener: report.listenerAnswers,
      interrupted: report.interrupted ?? false,
      duration_ms: round(report.durationMs),
    }),
  );
}

/** What a refused first delivery's diagnosis found: `uppercase-hex`, `reserialized:python`, `trailing-newline`, or `secret`. */
function refusalCode(result: CheckResult): string | null {
  const mistake = result.diagnosis?.mistake;
  if (!result.diagnosis) return null;
  if (!mistake) return 'secret';
  return mistake.kind === 'reserialized' ? `reserialized:${mistake.form}` : mistake.kind;
}

function checkRecord(result: CheckResult, run: CheckRun): object {
  const { got, hint } = explain(result, run);
  return {
    type: 'check',
    check: result.check,
    group: result.group,
    status: result.status,
    expected: result.expected,
    got,
    hint: hint ?? null,
    hint_code: result.hint ?? null,
    sends: result.sends,
    requests: result.exchanges.map(({ request, answer }) => ({
      signature: request.headers[SIGNATURE_HEADER] ?? null,
      body_bytes: Buffer.byteLength(request.body),
      ...(answer.kind === 'response'
        ? { status: answer.status, latency_ms: round(answer.latencyMs), response_body: answer.body.slice(0, 1000) }
        : { status: null, latency_ms: round(answer.latencyMs), error: { code: answer.code, message: answer.message } }),
    })),
  };
}

function round(n: number): number {
  return Math.round(n * 100) / 100;
}

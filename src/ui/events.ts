import { shownHeaderValue } from '../core/headers.js';
import type { Context } from '../context.js';
import { decodeBody } from '../core/listen/content-coding.js';
import { isRejected, type JournalEntry } from '../core/listen/journal.js';
import { appAnswerOf, targetAnswersOf, verdictOf } from '../core/listen/query.js';
import type { ForwardResult } from '../core/listen/records.js';
import { escapeControls } from './sanitize.js';
import { parseJson, stringifyJson } from '../core/lossless-json.js';
import {
  formatMs,
  jsonLine,
  multiline,
  rawJsonLine,
  paint,
  shown,
  statusColor,
  truncate,
  writeLine,
  type Painter,
  type Shown,
} from './style.js';
import { localClock, type LocalClock } from './time.js';
import { prettyBody } from './body.js';

export interface EventsView {
  list(entries: readonly JournalEntry[], info: { file: string; skipped: number; filtered?: boolean }): void;
  show(entry: JournalEntry): void;
  /** The body alone, its bytes exactly as received: only when the user asked for them (--raw). */
  rawBody(entry: JournalEntry): void;
  /** `events wait` found it: the event (the envelope as one JSON line with --json). */
  waited(entry: JournalEntry): void;
  resent(entry: JournalEntry, result: ForwardResult): void;
  /** `events resend --allow-rejected` is about to send a request the listener rejected. */
  sendingRejected(entry: JournalEntry): void;
}

/** The listener's verdict, with its own answer when it answered without forwarding (401, 400, 200…). */
function listenerText(entry: JournalEntry): string {
  const verdict = verdictOf(entry);
  const status = entry.request.response_status;
  if (verdict === 'accepted' && entry.request.targets.length > 0) return 'forwarded';
  if (status === 0) return `${verdict} (cut short)`;
  return status !== undefined ? `${verdict} ${status}` : verdict;
}

/**
 * The app's latest answer in a word or a status, and the status to colour it by. With several targets,
 * the worst answer and how many others there are: `500 (+1)`.
 */
function appText(entry: JournalEntry): { text: string; status: number | null } {
  const answer = appAnswerOf(entry);
  const others = targetAnswersOf(entry).length - 1;
  const more = others > 0 ? ` (+${others})` : '';
  if (answer.kind === 'status') return { text: `${answer.status}${more}`, status: answer.status };
  if (answer.kind === 'failed') return { text: `${answer.code}${more}`, status: null };
  return { text: answer.kind === 'pending' ? 'pending' : '—', status: null };
}

/** Bytes of a compressed body shown decoded, at most. */
const SHOWN_DECODED = 16 * 1024 * 1024;

/**
 * A journalled body as text: decoded when it came with a Content-Encoding (the journal keeps the
 * bytes as sent, base64), with a note that says so.
 */
function bodyText(request: JournalEntry['request']): { text: string; note?: string } {
  const raw = Buffer.from(request.body, 'base64');
  const header = request.headers['content-encoding'];
  const encoding = Array.isArray(header) ? header.join(', ') : header;
  if (!encoding) return { text: raw.toString('utf8') };
  const decoded = decodeBody(raw, encoding, SHOWN_DECODED);
  if (decoded.ok) return { text: decoded.body.toString('utf8'), note: `sent as ${encoding}, shown decoded` };
  const why =
    decoded.problem === 'too-large'
      ? `more than ${SHOWN_DECODED} bytes decoded`
      : decoded.problem === 'unsupported'
        ? `${decoded.coding} is not decodable here`
        : decoded.message;
  return { text: raw.toString('utf8'), note: `sent as ${encoding}, not decoded: ${why}` };
}

// A rejected request's event id is only claimed (anyone can send one): it goes by its journal id.
const idOf = (entry: JournalEntry) => (isRejected(entry) ? undefined : entry.request.event_id) ?? entry.request.rid;

export function createEventsView(ctx: Context): EventsView {
  const c = paint(ctx.stdout, ctx.env);
  const json = ctx.output === 'json';
  const line = (text: Shown) => writeLine(ctx.stdout, text);
  return {
    list(entries, info) {
      if (info.skipped > 0)
        writeLine(
          ctx.stderr,
          shown`${info.skipped} unreadable journal line(s) skipped (a torn last line after a crash is normal)`,
        );
      // Said on stderr in every mode: stdout stays empty (no records) with --json.
      if (entries.length === 0) {
        if (info.filtered) writeLine(ctx.stderr, shown`no request in the journal ${info.file} matches`);
        else
          writeLine(
            ctx.stderr,
            shown`no events in the journal ${info.file} yet: run \`datachonk listen\`, then send one`,
          );
        return;
      }
      if (json) {
        for (const entry of entries) line(jsonLine(listRecord(entry)));
        return;
      }
      for (const text of listTable(c, entries, localClock(ctx.env))) line(text);
    },
    show(entry) {
      const body = bodyText(entry.request);
      if (json) {
        line(
          jsonLine({
            ...entry.request,
            type: 'journal-entry',
            body: body.text,
            body_base64: entry.request.body,
            forwards: entry.forwards,
          }),
        );
        return;
      }
      for (const text of showBlock(c, entry, body, localClock(ctx.env))) line(text);
    },
    rawBody(entry) {
      ctx.stdout.write(Buffer.from(entry.request.body, 'base64'));
    },
    waited(entry) {
      if (!json) return this.show(entry);
      // The envelope as sent, on one line, its numbers' digits kept (not JSON.parse's doubles).
      line(rawJsonLine(stringifyJson(parseJson(Buffer.from(entry.request.body, 'base64').toString('utf8')))));
    },
    sendingRejected(entry) {
      const r = entry.request;
      const why =
        r.verification.status === 'invalid'
          ? 'its signature was invalid'
          : `the listener answered ${r.response_status}`;
      writeLine(
        ctx.stderr,
        shown`${c.yellow('warning:')} sending ${r.rid} although it was rejected when it arrived (${why}), as --allow-rejected asks`,
      );
    },
    resent(entry, result) {
      if (json) {
        line(jsonLine({ type: 'resend', id: idOf(entry), rid: entry.request.rid, ...result }));
        return;
      }
      line(
        shown`${result.status !== null && result.status < 300 ? c.green('✔') : c.red('✖')} ${c.bold(entry.request.event ?? 'request')} ${c.dim(`[${idOf(entry)}]`)} ${resultText(c, result)}`,
      );
    },
  };
}

/** `events show` for people: the request's head, headers, body (escaped, keeping its lines) and answers. */
function showBlock(c: Painter, entry: JournalEntry, body: ReturnType<typeof bodyText>, clock: LocalClock): Shown[] {
  const r = entry.request;
  const received = new Date(r.received_at);
  const lines = [
    shown`${c.bold(r.event ?? 'request')} ${c.dim(`[${idOf(entry)}]`)}  received ${localTime(clock, r.received_at)} ${c.dim(`(${clock.zone(received)})`)}  ${r.method} ${r.path}`,
    shown`signature: ${r.verification.status}${r.verification.reason ? ` (${r.verification.reason})` : ''}`,
    ...(isRejected(entry)
      ? [
          c.red(
            `rejected: the listener answered ${r.response_status ?? 401} and forwarded nothing; the event and id it claims are not to be trusted`,
          ),
        ]
      : []),
    shown`\n${c.bold('Headers')}`,
    ...Object.entries(r.headers).map(
      ([name, value]) => shown`  ${c.cyan(name)}: ${shownHeaderValue(name, String(value))}`,
    ),
    shown`\n${c.bold('Body')}${body.note ? c.dim(` (${body.note})`) : ''}`,
    multiline(prettyBody(body.text)),
    shown`\n${c.bold('Responses')}`,
  ];
  if (entry.forwards.length === 0)
    lines.push(
      c.dim(r.targets.length ? '  none recorded (the listener stopped before the app answered)' : '  not forwarded'),
    );
  for (const record of entry.forwards) {
    for (const result of record.results)
      lines.push(
        shown`  ${localTime(clock, record.at)}${record.resend ? c.dim(' (resend)') : ''}  ${resultText(c, result)}`,
      );
  }
  return lines;
}

/** The rows of `events list`, its header first. */
function listTable(c: Painter, entries: readonly JournalEntry[], clock: LocalClock): Shown[] {
  const rows = entries.map((entry) => {
    const app = appText(entry);
    return [
      localTime(clock, entry.request.received_at),
      entry.request.event ?? `${entry.request.method} ${entry.request.path}`,
      idOf(entry),
      entry.request.verification.status,
      listenerText(entry),
      app.text,
      app.status,
    ] as const;
  });
  // The zone once, in the header: that of the newest entry (the offset changes with summer time).
  const newest = entries.at(-1)?.request.received_at;
  const titles = [
    `TIME (${clock.zone(newest ? new Date(newest) : new Date())})`,
    'EVENT',
    'ID',
    'SIGNATURE',
    'LISTENER',
  ];
  // Widths are those of the text as shown, escapes included.
  const widths = titles.map((title, i) =>
    Math.max(...rows.map((r) => escapeControls(String(r[i])).length), title.length),
  );
  const pad = (text: string, i: number) => escapeControls(text).padEnd(widths[i]!);
  const lines = [c.bold([...titles.map(pad), 'APP'].join('  '))];
  for (const [time, event, id, verification, listener, text, status] of rows) {
    const verified =
      verification === 'valid'
        ? c.green(pad(verification, 3))
        : verification === 'invalid'
          ? c.red(pad(verification, 3))
          : verification === 'unchecked'
            ? c.dim(pad(verification, 3))
            : c.yellow(pad(verification, 3));
    const verdict = listener.startsWith('rejected')
      ? c.red(pad(listener, 4))
      : listener === 'forwarded'
        ? pad(listener, 4)
        : c.dim(pad(listener, 4));
    const app =
      status === null ? (text === '—' || text === 'pending' ? c.dim(text) : c.red(text)) : statusColor(c, status)(text);
    lines.push(shown`${pad(time, 0)}  ${pad(event, 1)}  ${pad(id, 2)}  ${verified}  ${verdict}  ${app}`);
  }
  return lines;
}

/** A journal's ISO time as local time; a text that is not a time, as it is. */
function localTime(clock: LocalClock, iso: string): string {
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? iso : clock.time(date);
}

function resultText(c: Painter, result: ForwardResult): Shown {
  if (result.status === null)
    return shown`${c.red('[---]')} POST ${result.target} ${c.red(result.error?.message ?? 'failed')}`;
  const body = result.body ? shown`  ${c.dim(truncate(result.body, 120))}` : '';
  return shown`${statusColor(c, result.status)(`[${result.status}]`)} POST ${result.target} ${c.dim(formatMs(result.latency_ms))}${body}`;
}

function listRecord(entry: JournalEntry): object {
  const answer = appAnswerOf(entry);
  return {
    type: 'journal-entry',
    rid: entry.request.rid,
    id: entry.request.event_id ?? null,
    event: entry.request.event ?? null,
    received_at: entry.request.received_at,
    verification: entry.request.verification.status,
    verdict: verdictOf(entry),
    // What the listener answered itself (it did not forward): 401, 400, 404, 200 (acknowledged).
    listener_status: entry.request.response_status ?? null,
    // The app's latest answer: with several targets, the worst of them.
    app: answer.kind === 'failed' ? 'failed' : answer.kind,
    app_status: answer.kind === 'status' ? answer.status : null,
    app_error: answer.kind === 'failed' ? answer.code : null,
    // Every target's latest answer, in the order they were forwarded to.
    app_answers: targetAnswersOf(entry).map((each) => ({
      target: each.target,
      status: each.kind === 'status' ? each.status : null,
      error: each.kind === 'failed' ? each.code : null,
    })),
  };
}

import type { ChalkInstance } from 'chalk';
import type { Context } from '../context.js';
import { decodeBody } from '../core/listen/content-coding.js';
import type { JournalEntry } from '../core/listen/journal.js';
import type { ForwardResult } from '../core/listen/records.js';
import { formatMs, paint, statusColor, truncate } from './style.js';

export interface EventsView {
  list(entries: readonly JournalEntry[], info: { file: string; skipped: number }): void;
  show(entry: JournalEntry): void;
  resent(entry: JournalEntry, result: ForwardResult): void;
}

/** What became of a request, in a word or a status: the app's answer, or why it went nowhere. */
function outcomeOf(entry: JournalEntry): { text: string; status: number | null } {
  const last = entry.forwards.at(-1)?.results[0];
  if (last) return last.status === null ? { text: last.error?.code ?? 'failed', status: null } : { text: String(last.status), status: last.status };
  const { request } = entry;
  if (request.filtered) return { text: 'filtered', status: null };
  if (request.response_status !== undefined) return { text: String(request.response_status), status: request.response_status };
  if (request.targets.length > 0) return { text: 'pending', status: null };
  return { text: '—', status: null };
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
  const why = decoded.problem === 'too-large' ? `more than ${SHOWN_DECODED} bytes decoded` : decoded.problem === 'unsupported' ? `${decoded.coding} is not decodable here` : decoded.message;
  return { text: raw.toString('utf8'), note: `sent as ${encoding}, not decoded: ${why}` };
}

const idOf = (entry: JournalEntry) => entry.request.event_id ?? entry.request.rid;

export function createEventsView(ctx: Context): EventsView {
  const c = paint(ctx.stdout, ctx.env);
  const json = ctx.output === 'json';
  const line = (text: string) => ctx.stdout.write(`${text}\n`);
  return {
    list(entries, info) {
      if (info.skipped > 0) ctx.stderr.write(`${info.skipped} unreadable journal line(s) skipped (a torn last line after a crash is normal)\n`);
      if (json) {
        for (const entry of entries) line(JSON.stringify(listRecord(entry)));
        return;
      }
      if (entries.length === 0) {
        ctx.stderr.write(`no events in the journal ${info.file} yet: run \`datachonk listen\`, then send one\n`);
        return;
      }
      for (const text of listTable(c, entries)) line(text);
    },
    show(entry) {
      const body = bodyText(entry.request);
      if (json) {
        line(JSON.stringify({ ...entry.request, type: 'journal-entry', body: body.text, body_base64: entry.request.body, forwards: entry.forwards }));
        return;
      }
      const r = entry.request;
      line(`${c.bold(r.event ?? 'request')} ${c.dim(`[${idOf(entry)}]`)}  received ${r.received_at}  ${r.method} ${r.path}`);
      line(`signature: ${r.verification.status}${r.verification.reason ? ` (${r.verification.reason})` : ''}`);
      line(c.bold('\nHeaders'));
      for (const [name, value] of Object.entries(r.headers)) line(`  ${c.cyan(name)}: ${String(value)}`);
      line(`${c.bold('\nBody')}${body.note ? c.dim(` (${body.note})`) : ''}`);
      line(body.text);
      line(c.bold('\nResponses'));
      if (entry.forwards.length === 0) line(c.dim(r.targets.length ? '  none recorded (the listener stopped before the app answered)' : '  not forwarded'));
      for (const record of entry.forwards) {
        for (const result of record.results) line(`  ${record.at}${record.resend ? c.dim(' (resend)') : ''}  ${resultText(c, result)}`);
      }
    },
    resent(entry, result) {
      if (json) {
        line(JSON.stringify({ type: 'resend', id: idOf(entry), rid: entry.request.rid, ...result }));
        return;
      }
      line(`${result.status !== null && result.status < 300 ? c.green('✔') : c.red('✖')} ${c.bold(entry.request.event ?? 'request')} ${c.dim(`[${idOf(entry)}]`)} ${resultText(c, result)}`);
    },
  };
}

/** The rows of `events list`, its header first. */
function listTable(c: ChalkInstance, entries: readonly JournalEntry[]): string[] {
  const rows = entries.map((entry) => {
    const outcome = outcomeOf(entry);
    return [
      entry.request.received_at.replace('T', ' ').replace(/\.\d+Z$/, 'Z'),
      entry.request.event ?? `${entry.request.method} ${entry.request.path}`,
      idOf(entry),
      entry.request.verification.status,
      outcome.text,
      outcome.status,
    ] as const;
  });
  const widths = [0, 1, 2, 3].map((i) => Math.max(...rows.map((r) => String(r[i]).length), ['TIME', 'EVENT', 'ID', 'SIGNATURE'][i]!.length));
  const pad = (text: string, i: number) => text.padEnd(widths[i]!);
  const lines = [c.bold([pad('TIME', 0), pad('EVENT', 1), pad('ID', 2), pad('SIGNATURE', 3), 'FORWARD'].join('  '))];
  for (const [time, event, id, verification, text, status] of rows) {
    const verified = verification === 'valid' ? c.green(pad(verification, 3)) : verification === 'invalid' ? c.red(pad(verification, 3)) : c.yellow(pad(verification, 3));
    const forward = status === null ? (text === 'filtered' || text === '—' ? c.dim(text) : c.red(text)) : statusColor(c, status)(text);
    lines.push([pad(time, 0), pad(event, 1), pad(id, 2), verified, forward].join('  '));
  }
  return lines;
}

function resultText(c: ChalkInstance, result: ForwardResult): string {
  if (result.status === null) return `${c.red('[---]')} POST ${result.target} ${c.red(result.error?.message ?? 'failed')}`;
  const body = result.body ? `  ${c.dim(truncate(result.body, 120))}` : '';
  return `${statusColor(c, result.status)(`[${result.status}]`)} POST ${result.target} ${c.dim(formatMs(result.latency_ms))}${body}`;
}

function listRecord(entry: JournalEntry): object {
  const outcome = outcomeOf(entry);
  return {
    type: 'journal-entry',
    rid: entry.request.rid,
    id: entry.request.event_id ?? null,
    event: entry.request.event ?? null,
    received_at: entry.request.received_at,
    verification: entry.request.verification.status,
    forward: outcome.text,
    status: outcome.status,
  };
}

import type { JournalEntry } from '../core/listen/journal.js';
import { describeJsonSyntaxError, findJsonSyntaxError } from '../core/json-syntax.js';
import { validateReceived, type PayloadIssue } from '../core/events/schemas.js';
import { SIGNATURE_HEADER, sign } from '../core/signing/signature.js';
import { buildWebhookRequest, toCurl } from '../core/trigger/request.js';
import type { Sender } from '../core/send.js';
import { EDITED_HEADER, REPLAY_OF_HEADER } from './present.js';

// What the page can ask for besides reading: a replay (the same bytes, signed again with the
// current secret), an edited body (checked against the event's schema, signed, sent), a curl
// command. Replays and edits go through the listener itself, like any delivery: it verifies,
// journals, forwards to the app and prints them, and the page sees the new entry arrive, linked to
// the original by a header.

export interface ActionSettings {
  /** Signs replays, edits and curl commands: the secret the listener (and the app) verify with. */
  secret: string;
  sender: Sender;
  userAgent: string;
  timeoutMs: number;
  /** The listener to send through; undefined when none runs. */
  listenUrl: () => Promise<string | undefined>;
}

export type ActionResult =
  | { ok: true; status: number }
  | { ok: false; code: 'no-listener' | 'unreachable' | 'invalid'; message: string; issues?: PayloadIssue[] };

/** Sends `body` through the listener as a delivery derived from `entry`. */
async function sendThrough(
  entry: JournalEntry,
  body: Buffer,
  settings: ActionSettings,
  edited: boolean,
): Promise<ActionResult> {
  const url = await settings.listenUrl();
  if (!url)
    return {
      ok: false,
      code: 'no-listener',
      message: 'no listener is running to send through: start `datachonk listen --forward …`',
    };
  const original = entry.request.headers;
  const headers: Record<string, string> = {
    'content-type': typeof original['content-type'] === 'string' ? original['content-type'] : 'application/json',
    'user-agent': settings.userAgent,
    [SIGNATURE_HEADER]: sign(settings.secret, body),
    [REPLAY_OF_HEADER]: entry.request.rid,
  };
  if (edited) headers[EDITED_HEADER] = '1';
  const outcome = await settings.sender.send({ url, method: 'POST', headers, body }, { timeoutMs: settings.timeoutMs });
  if (outcome.kind === 'error')
    return { ok: false, code: 'unreachable', message: `the listener at ${url} did not answer: ${outcome.message}` };
  return { ok: true, status: outcome.status };
}

/** The same bytes, signed again with the current secret. */
export function replay(entry: JournalEntry, settings: ActionSettings): Promise<ActionResult> {
  return sendThrough(entry, Buffer.from(entry.request.body, 'base64'), settings, false);
}

/** An edited body: checked (JSON, then the event's schema) unless `force`, then signed and sent. */
export async function sendEdited(
  entry: JournalEntry,
  edit: { body: string; force: boolean },
  settings: ActionSettings,
): Promise<ActionResult> {
  if (!edit.force) {
    const issues = check(edit.body);
    if (issues.length > 0)
      return { ok: false, code: 'invalid', message: "the body does not match the event's schema", issues };
  }
  return sendThrough(entry, Buffer.from(edit.body, 'utf8'), settings, true);
}

function check(body: string): PayloadIssue[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch (error) {
    const at = findJsonSyntaxError(body);
    return [
      {
        path: '(body)',
        message: `not JSON: ${at ? describeJsonSyntaxError(at, { short: true }) : (error as Error).message}`,
      },
    ];
  }
  const result = validateReceived(parsed);
  return result.ok ? [] : result.issues;
}

/** A ready curl command that sends the entry's body, freshly signed, to the app; undefined without a target. */
export function curlFor(
  entry: JournalEntry,
  settings: Pick<ActionSettings, 'secret' | 'userAgent'>,
): string | undefined {
  const url = entry.request.targets[0];
  if (!url) return undefined;
  const body = Buffer.from(entry.request.body, 'base64').toString('utf8');
  const request = buildWebhookRequest(body, entry.request.event ?? '', entry.request.event_id ?? '', {
    url,
    secret: settings.secret,
    signature: 'valid',
    userAgent: settings.userAgent,
    headers: {},
  });
  return toCurl(request);
}

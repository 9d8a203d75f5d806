import type { JournalEntry } from '../core/listen/journal.js';
import { describeJsonSyntaxError, findJsonSyntaxError } from '../core/json-syntax.js';
import { validateReceived, type PayloadIssue } from '../core/events/schemas.js';
import { headerValue } from '../core/headers.js';
import { ANSWERED_BY_HEADER, ANSWERED_BY_LISTENER } from '../core/listen/forward.js';
import { SIGNATURE_HEADER, sign, verify } from '../core/signing/signature.js';
import { buildWebhookRequest, toCurl } from '../core/trigger/request.js';
import type { Sender } from '../core/send.js';
import { EDITED_HEADER, REPLAY_OF_HEADER, replayStance } from './present.js';

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

/** What was answered: by the listener itself (it refused, or the app was unreachable) or by the app it forwarded to. */
export interface Answered {
  ok: true;
  status: number;
  by: 'listener' | 'app';
  /** The start of the answer's body (the listener's `error`, or the app's text). */
  body: string;
}

export type ActionRefusal =
  | 'no-listener'
  | 'unreachable'
  | 'invalid'
  /** The entry has no body to replay (refused before it was read). */
  | 'nothing-to-replay'
  /** The entry was rejected: sending it signed needs the user's word (`allow_rejected`). */
  | 'rejected';

export type ActionResult =
  Answered | { ok: false; code: ActionRefusal; message: string; issues?: PayloadIssue[]; rejected?: string };

/** Shown of an answer's body: enough for an error message, not a page of HTML. */
const ANSWER_CHARS = 300;

/**
 * Why `action` may not be done on `entry` as asked: nothing to replay, or a rejected entry without the user's
 * word to send it all the same (as `events resend --allow-rejected`). Undefined when it may.
 */
function refusal(entry: JournalEntry, action: 'replay' | 'send', allowRejected: boolean): ActionResult | undefined {
  const { nothing, rejected } = replayStance(entry);
  if (nothing && action === 'replay') return { ok: false, code: 'nothing-to-replay', message: nothing };
  if (!rejected || allowRejected) return undefined;
  const doing = action === 'replay' ? 'replaying it' : 'sending an edit of it';
  return {
    ok: false,
    code: 'rejected',
    rejected,
    message: `${entry.request.rid} was rejected when it arrived (${rejected}): ${doing} signs it with the listener's secret and sends it to your app as if it were genuine; to do so, confirm it (allow_rejected: true)`,
  };
}

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
  const byListener = headerValue(outcome.headers(), ANSWERED_BY_HEADER) === ANSWERED_BY_LISTENER;
  return { ok: true, status: outcome.status, by: byListener ? 'listener' : 'app', body: answerText(outcome.body) };
}

/** The listener's `{"error": …}` as its words; the app's body as it came, cut short. */
function answerText(body: string): string {
  try {
    const parsed = JSON.parse(body) as { error?: unknown };
    if (typeof parsed.error === 'string') return parsed.error.slice(0, ANSWER_CHARS);
  } catch {
    // Not JSON: the text itself.
  }
  return body.slice(0, ANSWER_CHARS);
}

/** The same bytes, signed again with the current secret; a rejected entry only with `allowRejected`. */
export async function replay(
  entry: JournalEntry,
  settings: ActionSettings,
  allowRejected = false,
): Promise<ActionResult> {
  return (
    refusal(entry, 'replay', allowRejected) ??
    sendThrough(entry, Buffer.from(entry.request.body, 'base64'), settings, false)
  );
}

/** An edited body: checked (JSON, then the event's schema) unless `force`, then signed and sent. */
export async function sendEdited(
  entry: JournalEntry,
  edit: { body: string; force: boolean; allowRejected: boolean },
  settings: ActionSettings,
): Promise<ActionResult> {
  const refused = refusal(entry, 'send', edit.allowRejected);
  if (refused) return refused;
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

/**
 * Whether `secret` signs as the listener verifies, judged by the newest delivery the listener verified with its
 * first secret: a message when it does not (the replay would be refused with 401), undefined when it does or
 * when there is none to tell by.
 */
export function signingMismatch(entries: readonly JournalEntry[], secret: string): string | undefined {
  for (let i = entries.length - 1; i >= 0; i--) {
    const { request } = entries[i]!;
    const signature = request.headers[SIGNATURE_HEADER];
    if (request.verification.status !== 'valid' || request.verification.secret_index || !signature) continue;
    if (verify(secret, Buffer.from(request.body, 'base64'), signature).ok) return undefined;
    return `Replay and Send are off: the listener verifies with another secret than this inspector signs with (it would answer 401). Start it with the listener's secret: datachonk inspect --secret <secret>`;
  }
  return undefined;
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

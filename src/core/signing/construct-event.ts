import { verify, type RawBody, type Secrets, type VerifyFailureReason } from './signature.js';
import { validateReceived, type Envelope, type PayloadIssue, type WebhookEvent } from '../events/schemas.js';

/** Thrown by constructEvent; `reason` says which check failed. */
export class WebhookVerificationError extends Error {
  override readonly name = 'WebhookVerificationError';
  constructor(
    readonly reason: VerifyFailureReason | 'not-json' | 'invalid-event',
    message: string,
    readonly issues: PayloadIssue[] = [],
  ) {
    super(message);
  }
}

/** What constructEvent adds to the event: set last, so they are this package's whatever the payload holds. */
interface Received {
  /** Which of the secrets given verified the signature (0 when one was given): during a rotation, 1 is the old one. */
  secretIndex: number;
}

/** An event of a type this version knows, its `data` checked: narrow on `event` for its `data` type. */
export type KnownWebhookEvent = WebhookEvent & Received & { known: true };

/**
 * An event of a type this version does not know (DataChonk added it later): a signed, well-formed
 * envelope (`id`, `event`, `created_at`, `project_id`, `data` an object) whose `data` is not checked.
 */
export type UnknownWebhookEvent = Envelope & Received & { known: false };

/** What constructEvent returns: test `known` first, then narrow on `event`. */
export type ReceivedWebhookEvent = KnownWebhookEvent | UnknownWebhookEvent;

/**
 * Verifies the signature over the raw body, then parses and validates the event: a known type
 * against its schema, any other type against the envelope alone, returned with `known: false` so
 * that the caller decides what to do with it. During a secret rotation pass both secrets, the new
 * first (`[newSecret, oldSecret]`): `secretIndex` says which one signed. Pass the raw bytes exactly as received (e.g.
 * `express.raw()` accepting every content type), never a re-serialized body. Throws
 * WebhookVerificationError when the signature, the JSON or the envelope is bad.
 */
export function constructEvent(
  rawBody: RawBody,
  header: string | readonly string[] | undefined | null,
  secrets: Secrets,
): ReceivedWebhookEvent {
  const result = verify(secrets, rawBody, header);
  if (!result.ok) throw new WebhookVerificationError(result.reason, result.message);
  let parsed: unknown;
  try {
    parsed = JSON.parse(typeof rawBody === 'string' ? rawBody : Buffer.from(rawBody).toString('utf8'));
  } catch {
    throw new WebhookVerificationError('not-json', 'the body is not valid JSON');
  }
  const validation = validateReceived(parsed);
  if (!validation.ok) {
    const first = validation.issues[0]!;
    throw new WebhookVerificationError(
      'invalid-event',
      `the body is not a DataChonk event: ${first.path}: ${first.message}`,
      validation.issues,
    );
  }
  const { secretIndex } = result;
  return validation.known
    ? { ...validation.event, secretIndex, known: true }
    : { ...validation.event, secretIndex, known: false };
}

import { verify, type RawBody, type VerifyFailureReason } from './signature.js';
import { validateEvent, type PayloadIssue, type WebhookEvent } from '../events/schemas.js';

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

/**
 * Verifies the signature over the raw body, then parses and validates the event envelope.
 * Pass the raw bytes exactly as received (e.g. `express.raw({ type: 'application/json' })`),
 * never a re-serialized body. Throws WebhookVerificationError when any check fails.
 */
export function constructEvent(rawBody: RawBody, header: string | readonly string[] | undefined | null, secret: string): WebhookEvent {
  const result = verify(secret, rawBody, header);
  if (!result.ok) throw new WebhookVerificationError(result.reason, result.message);
  let parsed: unknown;
  try {
    parsed = JSON.parse(typeof rawBody === 'string' ? rawBody : Buffer.from(rawBody).toString('utf8'));
  } catch {
    throw new WebhookVerificationError('not-json', 'the body is not valid JSON');
  }
  const validation = validateEvent(parsed);
  if (!validation.ok) {
    const first = validation.issues[0]!;
    throw new WebhookVerificationError('invalid-event', `the body is not a DataChonk event: ${first.path}: ${first.message}`, validation.issues);
  }
  return validation.event;
}

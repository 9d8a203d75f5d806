import { createHmac } from 'node:crypto';
import { reserializations, type BodyForm } from './signing/reserialize.js';
import { sign } from './signing/signature.js';

// Why an endpoint refused a correctly signed event. The secret is the usual suspect, but receivers in
// other languages often get the right secret wrong in one of a few ways: they compare uppercase hex
// (C#'s ToString("X2"), Java's printHexBinary), or verify a body they re-serialized (Python's
// json.dumps writes ", " and ": " and \u escapes). Sending the same event again, signed the way each of
// those receivers computes it, names the one the endpoint accepts; when none is, the secret is the
// likely cause. `check`, `trigger` and `events resend` ask this after a refusal, and only then.

/** A way a receiver computes the signature it compares with, other than DataChonk's. */
export type SigningMistake =
  { kind: 'uppercase-hex' } | { kind: 'reserialized'; form: BodyForm } | { kind: 'trailing-newline' };

/** What the diagnosis found: the mistake the endpoint accepted, or none (the secret, most likely). */
export interface RefusalDiagnosis {
  /** The mistake whose signature the endpoint accepted; undefined: none was. */
  mistake?: SigningMistake | undefined;
  /** Requests sent to find out. */
  tried: number;
}

/** The forms a re-serializing receiver most often verifies: Python's json.dumps ways, sorted keys, pretty JSON. */
const FORMS: readonly BodyForm[] = ['python', 'python-compact', 'python-sorted', 'sorted', 'pretty'];

/** The signature of each usual mistake over `body`, leaving out any equal to DataChonk's own (nothing to learn). */
export function mistakenSignatures(secret: string, body: string): { mistake: SigningMistake; signature: string }[] {
  const right = sign(secret, body);
  const hex = createHmac('sha256', secret).update(body).digest('hex').toUpperCase();
  const candidates: { mistake: SigningMistake; signature: string }[] = [
    { mistake: { kind: 'uppercase-hex' }, signature: `sha256=${hex}` },
  ];
  for (const { form, bytes } of reserializations(Buffer.from(body, 'utf8'), FORMS))
    candidates.push({ mistake: { kind: 'reserialized', form }, signature: sign(secret, bytes) });
  candidates.push({ mistake: { kind: 'trailing-newline' }, signature: sign(secret, `${body}\n`) });
  const seen = new Set([right]);
  return candidates.filter(({ signature }) => !seen.has(signature) && seen.add(signature));
}

/** What one resend with a mistaken signature came to: accepted (2xx), refused, or answered by a listener in between. */
export type MistakeAnswer = 'accepted' | 'refused' | 'listener';

/**
 * Sends the event again with each mistaken signature, one after the other, until the endpoint accepts
 * one. `send` sends the same body with that signature header. Undefined: a `datachonk listen` in between
 * answered itself (it re-signs what it forwards, so the mistakes cannot reach the app through it).
 */
export async function diagnoseRefusal(
  request: { secret: string; body: string },
  send: (signature: string) => Promise<MistakeAnswer>,
): Promise<RefusalDiagnosis | undefined> {
  let tried = 0;
  for (const { mistake, signature } of mistakenSignatures(request.secret, request.body)) {
    tried++;
    const answer = await send(signature);
    if (answer === 'listener') return undefined;
    if (answer === 'accepted') return { mistake, tried };
  }
  return { tried };
}

/** A reply's status and whether `datachonk listen` gave it, as a MistakeAnswer. */
export function mistakeAnswer(reply: { status: number; byListener: boolean } | undefined): MistakeAnswer {
  if (reply?.byListener) return 'listener';
  return reply && reply.status >= 200 && reply.status < 300 ? 'accepted' : 'refused';
}

import { headerValue } from '../headers.js';
import { diagnoseRefusal, mistakeAnswer, type RefusalDiagnosis } from '../refusal.js';
import type { Sender } from '../send.js';
import { sign } from '../signing/signature.js';
import { ANSWERED_BY_HEADER, ANSWERED_BY_LISTENER, withAuthorization } from './forward.js';
import { journalledHeaders } from './resend.js';
import type { RequestRecord } from './records.js';

// `events resend` refused (401, 403) by an app: the same bytes sent again, signed the ways receivers get
// it wrong (core/refusal.ts), so that the hint names the mistake or the secret. Only with a secret known
// to have made the signature that was refused: --secret, or the one in use that made the journalled one.

export interface ResendRefusal {
  record: RequestRecord;
  /** The URL that refused it, and the Basic authorization it was sent with (--to http://user:pass@…). */
  target: string;
  authorization?: string | undefined;
  /** Secrets that may have signed it: --secret, else the one in use; the one whose signature was sent is used. */
  secrets: readonly string[];
  /** Whether it was re-signed (--secret) rather than sent with its original signature. */
  resigned: boolean;
  timeoutMs: number;
  sender: Sender;
}

/** The diagnosis of a refused resend; undefined when no secret given made the signature it was sent with. */
export async function diagnoseResend(refusal: ResendRefusal): Promise<RefusalDiagnosis | undefined> {
  const { record } = refusal;
  const body = Buffer.from(record.body, 'base64');
  const secret = refusal.resigned
    ? refusal.secrets[0]
    : refusal.secrets.find((candidate) => sign(candidate, body) === record.forwarded_signature);
  if (secret === undefined) return undefined;
  return diagnoseRefusal({ secret, body: body.toString('utf8') }, async (signature) => {
    const forwarded = journalledHeaders(record, body, signature);
    const headers = refusal.authorization ? withAuthorization(forwarded, refusal.authorization) : forwarded;
    const outcome = await refusal.sender.send(
      { url: refusal.target, method: 'POST', headers, body },
      { timeoutMs: refusal.timeoutMs },
    );
    return mistakeAnswer(
      outcome.kind === 'response'
        ? {
            status: outcome.status,
            byListener: headerValue(outcome.headers(), ANSWERED_BY_HEADER) === ANSWERED_BY_LISTENER,
          }
        : undefined,
    );
  });
}

import { z } from 'zod';
import type { SignatureDiagnosis } from '../signing/diagnose.js';

// The journal: NDJSON, one record per line. A `request` record is written when a request reaches
// the listener's path, before anything is forwarded; a `forwards` record when its forwards are done
// (and again for each `events resend`). Parsed with zod on read, since the file may be old or torn.

export const verificationSchema = z.object({
  /**
   * valid: signature checked; invalid: rejected (401); skipped: accepted unverified (--skip-signature-check);
   * unchecked: refused before it came to that (another path, not a POST, too large, cut short).
   */
  status: z.enum(['valid', 'invalid', 'skipped', 'unchecked']),
  reason: z.string().optional(),
  /** verify's reason code (`mismatch`, `uppercase-hex`, …) when the signature did not verify. */
  code: z.string().optional(),
  /** Which of the app's secrets verified it, when not the first: 1 for the second (the old one, during a rotation). */
  secret_index: z.number().int().positive().optional(),
  /** Why it did not verify, as found by the signature diagnosis (core/signing/diagnose.ts); kept as data, worded by views. */
  diagnosis: z
    .custom<SignatureDiagnosis>((value) => typeof (value as { reason?: unknown } | null)?.reason === 'string')
    .optional(),
});
export type Verification = z.infer<typeof verificationSchema>;

/** Bytes of the app's response body a forward's result keeps (the journal, --verbose, events show). */
export const JOURNALLED_BODY_BYTES = 2048;

export const forwardResultSchema = z.object({
  target: z.string(),
  status: z.number().int().nullable(),
  latency_ms: z.number(),
  error: z.object({ code: z.string(), message: z.string() }).optional(),
  /** The app's response headers: name, value… as it sent them (the first 50). */
  headers: z.array(z.string()).optional(),
  /** The start of the app's response body. */
  body: z.string().optional(),
});
export type ForwardResult = z.infer<typeof forwardResultSchema>;

export const requestRecordSchema = z.object({
  type: z.literal('request'),
  /** The journal's own id for this request (`rcv_…`): every request has one, events or not. */
  rid: z.string(),
  received_at: z.string(),
  method: z.string(),
  path: z.string(),
  remote: z.string().optional(),
  headers: z.record(z.string(), z.union([z.string(), z.array(z.string())])),
  /** The headers exactly as received: name, value, name, value… (names in their case, repeats kept). */
  raw_headers: z.array(z.string()).optional(),
  /** The exact bytes received, base64. */
  body: z.string(),
  verification: verificationSchema,
  /** What the listener answered, when it answered without forwarding. */
  response_status: z.number().int().optional(),
  event: z.string().optional(),
  event_id: z.string().optional(),
  /** Where it was (or will be) forwarded; empty when it was not. */
  targets: z.array(z.string()),
  filtered: z.boolean().optional(),
  /** The signature the app was sent, when the listener signed again with the app's secret. */
  forwarded_signature: z.string().optional(),
});
export type RequestRecord = z.infer<typeof requestRecordSchema>;

export const forwardsRecordSchema = z.object({
  type: z.literal('forwards'),
  rid: z.string(),
  at: z.string(),
  resend: z.boolean().optional(),
  results: z.array(forwardResultSchema),
});
export type ForwardsRecord = z.infer<typeof forwardsRecordSchema>;

export const journalRecordSchema = z.discriminatedUnion('type', [requestRecordSchema, forwardsRecordSchema]);
export type JournalRecord = z.infer<typeof journalRecordSchema>;

/** One line of the journal as a record; undefined for a line that is not one (torn, damaged, empty). */
export function parseJournalLine(line: string): JournalRecord | undefined {
  if (!line) return undefined;
  try {
    const result = journalRecordSchema.safeParse(JSON.parse(line));
    return result.success ? result.data : undefined;
  } catch {
    return undefined;
  }
}

import { createHmac, timingSafeEqual } from 'node:crypto';
import {
  NEAR_MISSES,
  hmac,
  parseHeader,
  toBuffer,
  verify,
  type RawBody,
  type VerifyFailureReason,
} from './signature.js';
import { reserializations, type BodyForm } from './reserialize.js';

// Why a signature did not match. verify() only says that it did not; this tries what senders and
// receivers commonly get wrong, one cause at a time, and names the one that makes it match: the
// body re-serialized before signing or verifying, a newline added or lost, whitespace in the secret,
// another secret the tool knows (an old one, the local dev secret, the API key). Pure: no I/O; the
// callers (`verify --explain`, the listener) say what it found in words.

/** The cause found, as a stable code (`verify --json`'s `reason`, the listener's `reason_code`). */
export type SignatureReason =
  | 'missing_header'
  | 'duplicate_header'
  | 'malformed_header'
  | 'wrong_scheme'
  | 'no_secret'
  | 'not_raw_body'
  | 'body_reserialized'
  | 'body_modified'
  | 'trailing_newline'
  | 'secret_whitespace'
  | 'wrong_secret'
  | 'api_key_as_secret'
  | 'unknown';

export type { BodyForm } from './reserialize.js';

/** A secret the tool knows besides those being checked with. */
export interface OtherSecret {
  secret: string;
  /** Said back when it matches ("the local dev secret"); chosen by the caller, never the secret. */
  label: string;
  /** An API key rather than a signing secret. */
  apiKey?: boolean;
}

export interface DiagnoseInput {
  body: RawBody;
  header: string | readonly string[] | undefined | null;
  /** The secrets the signature was checked with. */
  secrets: readonly string[];
  others?: readonly OtherSecret[];
  /** The bytes the sender is believed to have signed (e.g. from its own log). */
  expectedBody?: RawBody | undefined;
}

/** Where two bodies first differ: byte offset, line and column (1-based), and the byte on each side. */
export interface ByteDifference {
  offset: number;
  line: number;
  column: number;
  /** The byte in the body checked; undefined past its end. */
  got?: number | undefined;
  /** The byte in the expected body; undefined past its end. */
  expected?: number | undefined;
}

export interface SignatureDiagnosis {
  reason: SignatureReason;
  /** verify's own reason: the near miss of a header (`uppercase-hex`, …), `mismatch`, … */
  verify_reason: VerifyFailureReason;
  /** malformed_header: the signature matches once written in DataChonk's exact format. */
  matches_once_formatted?: boolean;
  /** malformed_header (wrong-length): the digits are the start of the right signature. */
  truncated?: boolean;
  /** wrong_scheme: the digits are this HMAC of the body with the secret (`sha1`, `sha512`…). */
  algorithm?: string;
  /** wrong_secret, api_key_as_secret: the label of the secret that matches. */
  matched_secret?: string;
  /** secret_whitespace: `yours`, the secret checked with has whitespace the signer's has not; `theirs`, the reverse. */
  whitespace?: 'yours' | 'theirs';
  /** trailing_newline: the signer's body had one more (`added`) or one fewer (`removed`) newline at its end. */
  newline?: 'added' | 'removed';
  /** body_reserialized: the serialization that was signed. */
  form?: BodyForm;
  /** Given an expected body: where the body checked first differs from it. */
  difference?: ByteDifference;
}

/** The digests senders use besides SHA-256, tried when a header names another scheme. */
const OTHER_ALGORITHMS = ['sha1', 'sha512', 'sha384', 'sha224', 'md5'];

/**
 * Diagnoses a signature that does not verify with any of `secrets`; undefined when it does. Computes
 * a few dozen HMACs of the body: cheap for webhook-sized bodies, so callers on a hot path bound the
 * body size they diagnose.
 */
export function diagnoseSignature(input: DiagnoseInput): SignatureDiagnosis | undefined {
  const result = verify(input.secrets, input.body, input.header);
  if (result.ok) return undefined;
  if (result.reason === 'not-raw-body') return { reason: 'not_raw_body', verify_reason: result.reason };
  const difference =
    input.expectedBody === undefined ? undefined : firstDifference(toBuffer(input.body), toBuffer(input.expectedBody));
  const found = findCause(input, result.reason);
  return difference ? { ...found, difference } : found;
}

function findCause(input: DiagnoseInput, verifyReason: VerifyFailureReason): SignatureDiagnosis {
  const header = typeof input.header === 'string' ? input.header : input.header?.[0];
  switch (verifyReason) {
    case 'missing':
      return { reason: 'missing_header', verify_reason: verifyReason };
    case 'duplicated':
      return { reason: 'duplicate_header', verify_reason: verifyReason };
    case 'no-secret':
      return { reason: 'no_secret', verify_reason: verifyReason };
    case 'other-scheme':
      return { reason: 'wrong_scheme', verify_reason: verifyReason, ...otherAlgorithm(input, header!) };
    case 'wrong-length':
      return { reason: 'malformed_header', verify_reason: verifyReason, truncated: isTruncated(input, header!) };
    case 'mismatch':
      return findMismatch(input, parseHeader(header) as Buffer);
    default:
      return {
        reason: 'malformed_header',
        verify_reason: verifyReason,
        ...(NEAR_MISSES.has(verifyReason) ? formatted(input, header!) : {}),
      };
  }
}

/** For a near miss (uppercase, `SHA256=`, spaces, no prefix): would the same digits, written right, verify? */
function formatted(input: DiagnoseInput, header: string): Pick<SignatureDiagnosis, 'matches_once_formatted'> {
  const digits = digitsOf(header);
  return { matches_once_formatted: verify(input.secrets, input.body, `sha256=${digits}`).ok };
}

function isTruncated(input: DiagnoseInput, header: string): boolean {
  const digits = digitsOf(header);
  // A header with no digits at all is malformed, not wrong-length: `digits` is never empty here.
  return input.secrets.some((secret) => secret && hmac(secret, input.body).toString('hex').startsWith(digits));
}

function otherAlgorithm(input: DiagnoseInput, header: string): Pick<SignatureDiagnosis, 'algorithm'> {
  const digits = digitsOf(header);
  const body = toBuffer(input.body);
  for (const algorithm of OTHER_ALGORITHMS) {
    for (const secret of input.secrets) {
      if (secret && createHmac(algorithm, secret).update(body).digest('hex') === digits) return { algorithm };
    }
  }
  return {};
}

/** The hex digits of a header, lowercased, whatever surrounds them. */
function digitsOf(header: string): string {
  const value = header.trim();
  return value.slice(value.indexOf('=') + 1).toLowerCase();
}

/** A well-formed signature that matches nothing: try each common cause in turn. */
function findMismatch(input: DiagnoseInput, digest: Buffer): SignatureDiagnosis {
  const verifyReason = 'mismatch';
  const body = toBuffer(input.body);
  const secrets = input.secrets.filter((secret) => secret.length > 0);
  const signs = (secret: string, bytes: Buffer) => timingSafeEqual(digest, hmac(secret, bytes));
  const bySecret = (bytes: Buffer) => secrets.some((secret) => signs(secret, bytes));

  for (const secret of secrets) {
    // (Each candidate differs from the secrets checked, or it could not match: verify has just failed with them.)
    if (secret.trim() && signs(secret.trim(), body))
      return { reason: 'secret_whitespace', verify_reason: verifyReason, whitespace: 'yours' };
    if (signs(`${secret}\n`, body))
      return { reason: 'secret_whitespace', verify_reason: verifyReason, whitespace: 'theirs' };
  }
  for (const other of input.others ?? []) {
    if (other.secret && signs(other.secret, body)) {
      return {
        reason: other.apiKey ? 'api_key_as_secret' : 'wrong_secret',
        verify_reason: verifyReason,
        matched_secret: other.label,
      };
    }
  }
  const newline = newlineVariant(body, bySecret);
  if (newline) return { reason: 'trailing_newline', verify_reason: verifyReason, newline };
  for (const { form, bytes } of reserializations(body)) {
    if (bySecret(bytes)) return { reason: 'body_reserialized', verify_reason: verifyReason, form };
  }
  if (input.expectedBody !== undefined && bySecret(toBuffer(input.expectedBody))) {
    return { reason: 'body_modified', verify_reason: verifyReason };
  }
  return { reason: 'unknown', verify_reason: verifyReason };
}

/** Whether the signer's body had a newline more or less at its end than this one. */
function newlineVariant(body: Buffer, matches: (bytes: Buffer) => boolean): 'added' | 'removed' | undefined {
  if (matches(Buffer.concat([body, Buffer.from('\n')]))) return 'added';
  if (body.at(-1) === 0x0a) {
    const crlf = body.at(-2) === 0x0d ? 2 : 1;
    if (matches(body.subarray(0, body.length - crlf))) return 'removed';
  }
  return undefined;
}

/** Where `got` first differs from `expected`; undefined when they are the same bytes. */
export function firstDifference(got: Buffer, expected: Buffer): ByteDifference | undefined {
  const length = Math.min(got.length, expected.length);
  let offset = 0;
  while (offset < length && got[offset] === expected[offset]) offset++;
  if (offset === length && got.length === expected.length) return undefined;
  const before = got.subarray(0, offset);
  const lineStart = before.lastIndexOf(0x0a) + 1;
  let line = 1;
  for (const byte of before) if (byte === 0x0a) line++;
  return { offset, line, column: offset - lineStart + 1, got: got[offset], expected: expected[offset] };
}

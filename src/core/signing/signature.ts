import { createHmac, createSecretKey, timingSafeEqual, type KeyObject } from 'node:crypto';

/** The header DataChonk puts its signature in. */
export const SIGNATURE_HEADER = 'x-datachonk-signature';
/** The header naming the event type (sent by `trigger`; receivers should not rely on it for trust). */
export const EVENT_HEADER = 'x-datachonk-event';

/** Anything a receiver may hold the raw body as. */
export type RawBody = string | Uint8Array;

/** Why a signature check failed; `message` is written for a person. */
export type VerifyFailureReason = 'missing' | 'duplicated' | 'malformed' | 'mismatch' | 'no-secret';

export type VerifyResult =
  | { ok: true }
  | { ok: false; reason: VerifyFailureReason; message: string };

// `sha256=` followed by exactly 64 hex digits. Checked before any comparison because
// `timingSafeEqual` throws on unequal lengths and `Buffer.from(s, 'hex')` silently stops at the
// first non-hex character (field-notes.md, "Signature verification pitfalls").
const SIGNATURE_FORMAT = /^sha256=([0-9a-fA-F]{64})$/;

function toBuffer(body: RawBody): Buffer {
  return typeof body === 'string' ? Buffer.from(body, 'utf8') : Buffer.from(body.buffer, body.byteOffset, body.byteLength);
}

// The listener verifies every request with the same one or two secrets: keep their key objects
// rather than converting the string on every call. Bounded, as a library may see many secrets.
const keys = new Map<string, KeyObject>();

function keyFor(secret: string): KeyObject {
  let key = keys.get(secret);
  if (!key) {
    if (keys.size >= 16) keys.clear();
    key = createSecretKey(Buffer.from(secret, 'utf8'));
    keys.set(secret, key);
  }
  return key;
}

function hmac(secret: string, body: RawBody): Buffer {
  return createHmac('sha256', keyFor(secret)).update(toBuffer(body)).digest();
}

/**
 * Signs a raw body the way DataChonk does: `sha256=<lowercase hex HMAC-SHA256(secret, body)>`.
 * Sign the exact bytes you send; never a re-serialization of them.
 */
export function sign(secret: string, rawBody: RawBody): string {
  return `sha256=${hmac(secret, rawBody).toString('hex')}`;
}

/**
 * Checks a signature header against the raw body. Never throws: every failure comes back with a
 * reason. Accepts the header as Node gives it (`string | string[] | undefined`).
 */
export function verify(secret: string, rawBody: RawBody, header: string | readonly string[] | undefined | null): VerifyResult {
  if (!secret) return fail('no-secret', 'no signing secret was given to check the signature with');
  if (header === undefined || header === null || header.length === 0) {
    return fail('missing', `the ${SIGNATURE_HEADER} header is missing`);
  }
  if (typeof header !== 'string') {
    if (header.length > 1) return duplicated();
    return verify(secret, rawBody, header[0]);
  }
  // Node joins a repeated header with ", ": two signatures must fail, not be half-parsed.
  if (header.includes(',')) return duplicated();
  const match = SIGNATURE_FORMAT.exec(header.trim());
  if (!match) {
    return fail('malformed', `the ${SIGNATURE_HEADER} header is not of the form sha256=<64 hex digits>`);
  }
  const given = Buffer.from(match[1]!, 'hex');
  const expected = hmac(secret, rawBody);
  // Both are 32 bytes here, so timingSafeEqual cannot throw.
  if (!timingSafeEqual(given, expected)) {
    return fail('mismatch', 'the signature does not match the body: the secret differs, or the body was changed on the way');
  }
  return { ok: true };
}

function duplicated(): VerifyResult {
  return fail('duplicated', `the ${SIGNATURE_HEADER} header was sent more than once`);
}

function fail(reason: VerifyFailureReason, message: string): VerifyResult {
  return { ok: false, reason, message };
}

import { createHmac, createSecretKey, timingSafeEqual, type KeyObject } from 'node:crypto';

/**
 * The header DataChonk puts its signature in: with content-type, the only header its webhook
 * documentation names. There is no event-type header: the event type is the verified body's `event`.
 */
export const SIGNATURE_HEADER = 'x-datachonk-signature';

/** Anything a receiver may hold the raw body as. */
export type RawBody = string | Uint8Array;

/**
 * Why a signature check failed; `message` is written for a person. Besides the plain failures, a
 * header that is almost DataChonk's format gets the name of its near miss (a later diagnosis reads
 * it): `whitespace` around it, `uppercase-hex` digits, a `prefix-case` other than `sha256=`, the
 * `wrong-length` of hex, an `other-scheme` such as `sha1=`, or `no-prefix` before the 64 digits.
 * `malformed` is anything further off.
 */
export type VerifyFailureReason =
  | 'missing'
  | 'duplicated'
  | 'malformed'
  | 'mismatch'
  | 'no-secret'
  | 'not-raw-body'
  | 'whitespace'
  | 'uppercase-hex'
  | 'prefix-case'
  | 'wrong-length'
  | 'other-scheme'
  | 'no-prefix';

export type VerifyResult =
  /** `secretIndex`: which of the secrets given matched (0 when one was given). */
  { ok: true; secretIndex: number } | { ok: false; reason: VerifyFailureReason; message: string };

/** One secret, or several during a rotation (the new and the old): a signature made with any of them verifies. */
export type Secrets = string | readonly string[];

export type VerifyFailure = Extract<VerifyResult, { ok: false }>;

/** The reasons that name a near miss of DataChonk's header format. */
export const NEAR_MISSES: ReadonlySet<VerifyFailureReason> = new Set<VerifyFailureReason>([
  'whitespace',
  'uppercase-hex',
  'prefix-case',
  'wrong-length',
  'other-scheme',
  'no-prefix',
]);

// Exactly what DataChonk sends: its doc's sample compares the header byte for byte with
// `sha256=${hmac.digest('hex')}`, so a lowercase prefix, 64 lowercase hex digits and nothing around
// them. Anything else is refused, as a strict receiver would refuse it: forwarding it as verified
// would hide a sender bug until production. Checked before any comparison because
// `timingSafeEqual` throws on unequal lengths and `Buffer.from(s, 'hex')` silently stops at the
// first non-hex character (field-notes.md, "Signature verification pitfalls").
const SIGNATURE_FORMAT = /^sha256=([0-9a-f]{64})$/;
const HEX = /^[0-9a-f]+$/i;
// A scheme label worth naming back (`sha1`, `sha512`, `v1`): short, and safe to print.
const SCHEME = /^[a-z][a-z0-9-]{0,15}$/i;
const FORM = 'sha256=<64 lowercase hex digits>';

export function toBuffer(body: RawBody): Buffer {
  return typeof body === 'string'
    ? Buffer.from(body, 'utf8')
    : Buffer.from(body.buffer, body.byteOffset, body.byteLength);
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

/** HMAC-SHA256 of the body with the secret: the 32 bytes DataChonk's signature carries in hex. */
export function hmac(secret: string, body: RawBody): Buffer {
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
 * reason. Accepts the header as Node gives it (`string | string[] | undefined`). During a secret
 * rotation pass both secrets (`[newSecret, oldSecret]`): `secretIndex` says which one matched.
 */
export function verify(
  secrets: Secrets,
  rawBody: RawBody,
  header: string | readonly string[] | undefined | null,
): VerifyResult {
  const list = typeof secrets === 'string' ? [secrets] : secrets;
  const given = list.filter((secret) => secret.length > 0).length;
  if (given === 0) return fail('no-secret', 'no signing secret was given to check the signature with');
  if (!isRawBody(rawBody)) return notRaw(rawBody);
  const parsed = parseHeader(header);
  if (!Buffer.isBuffer(parsed)) return parsed;
  const body = toBuffer(rawBody);
  for (const [index, secret] of list.entries()) {
    // Both are 32 bytes here, so timingSafeEqual cannot throw.
    if (secret.length > 0 && timingSafeEqual(parsed, hmac(secret, body))) return { ok: true, secretIndex: index };
  }
  const secret = given > 1 ? `made with none of the ${given} secrets` : 'the secret differs';
  return fail('mismatch', `the signature does not match the body: ${secret}, or the body was changed on the way`);
}

/** A string or bytes: what a receiver has before any JSON parsing. */
function isRawBody(body: unknown): body is RawBody {
  return typeof body === 'string' || body instanceof Uint8Array;
}

// The usual mistake: a JSON body parser ran first (req.body is an object), or express.raw() did not
// match the request's Content-Type (req.body is undefined or {}). Said, not thrown: verify never throws.
function notRaw(body: unknown): VerifyFailure {
  const got =
    body === undefined
      ? 'undefined'
      : body === null
        ? 'null'
        : Array.isArray(body)
          ? 'an array'
          : typeof body === 'object'
            ? 'an object'
            : `a ${typeof body}`;
  return fail(
    'not-raw-body',
    `the body to verify must be the raw request bytes (a Buffer or a string), not ${got}: use express.raw({ type: '*/*' }) (or read the request stream) before any JSON parser, and pass req.body`,
  );
}

/** The 32 bytes a header carries, or why it carries none: exactly `sha256=` and 64 lowercase hex digits. */
export function parseHeader(header: string | readonly string[] | undefined | null): Buffer | VerifyFailure {
  if (header === undefined || header === null || header.length === 0) {
    return fail('missing', `the ${SIGNATURE_HEADER} header is missing`);
  }
  if (typeof header !== 'string') {
    if (header.length > 1) return duplicated();
    return parseHeader(header[0]);
  }
  // Node joins a repeated header with ", ": two signatures must fail, not be half-parsed.
  if (header.includes(',')) return duplicated();
  const match = SIGNATURE_FORMAT.exec(header);
  if (!match) return formatFailure(header);
  return Buffer.from(match[1]!, 'hex');
}

/** Why a header is not exactly `sha256=<64 lowercase hex digits>`: its near miss, or malformed. */
function formatFailure(header: string): VerifyFailure {
  const value = header.trim();
  const equals = value.indexOf('=');
  const digits = value.slice(equals + 1);
  const malformed = fail('malformed', `the ${SIGNATURE_HEADER} header is not of the form ${FORM}`);
  if (!HEX.test(digits)) return malformed;
  if (equals < 0)
    return digits.length === 64
      ? fail('no-prefix', `the signature has no sha256= prefix; DataChonk sends ${FORM}`)
      : malformed;
  const scheme = value.slice(0, equals);
  if (scheme.toLowerCase() !== 'sha256') {
    return SCHEME.test(scheme)
      ? fail('other-scheme', `the signature is ${scheme}=…; DataChonk signs with HMAC-SHA256: ${FORM}`)
      : malformed;
  }
  if (digits.length !== 64)
    return fail('wrong-length', `the signature has ${digits.length} hex digits; DataChonk sends ${FORM}`);
  if (scheme !== 'sha256')
    return fail('prefix-case', `the signature starts with ${scheme}=; DataChonk sends a lowercase prefix: ${FORM}`);
  if (digits !== digits.toLowerCase())
    return fail('uppercase-hex', `the signature has uppercase hex digits; DataChonk sends lowercase: ${FORM}`);
  // Only the surroundings are left: `value` itself is exactly the format.
  return fail('whitespace', `the signature has whitespace around it; DataChonk sends ${FORM} and nothing else`);
}

function duplicated(): VerifyFailure {
  return fail('duplicated', `the ${SIGNATURE_HEADER} header was sent more than once`);
}

function fail(reason: VerifyFailureReason, message: string): VerifyFailure {
  return { ok: false, reason, message };
}

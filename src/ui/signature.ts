import type { BodyForm, ByteDifference, SignatureDiagnosis } from '../core/signing/diagnose.js';
import { SIGNATURE_HEADER } from '../core/signing/signature.js';

// A signature diagnosis (core/signing/diagnose.ts) in words: what `verify` and `listen` say when a
// signature does not match. The core finds the cause; this says it, and what to do about it.

/** A diagnosis in words: the cause, and what to do. */
export interface ExplainedSignature {
  /** The cause, in one line. */
  cause: string;
  /** What to do about it, in one line. */
  hint: string;
}

/** Where the words are read: `verify` (with or without an expected body) may point at its own flags; the listener names none of verify's. */
export type ExplainContext = 'verify' | 'verify-expected' | 'listen';

export const FORMS: Record<BodyForm, string> = {
  compact: 'compact JSON, as JSON.stringify(JSON.parse(body)) writes it',
  pretty: 'JSON pretty-printed with 2 spaces',
  'pretty-4': 'JSON pretty-printed with 4 spaces',
  tabs: 'JSON pretty-printed with tabs',
  sorted: 'compact JSON with its keys sorted',
  'sorted-pretty': 'pretty-printed JSON with its keys sorted',
  python: 'JSON as Python\'s json.dumps writes it (", " and ": ", \\u escapes)',
  'python-sorted': "JSON as Python's json.dumps(sort_keys=True) writes it",
  'python-compact': "JSON as Python's json.dumps(separators=(',', ':')) writes it (\\u escapes)",
  php: "JSON as PHP's json_encode writes it (\\/ and \\u escapes)",
};

const NEAR_MISS: Partial<Record<string, string>> = {
  'uppercase-hex': 'in uppercase hex',
  'prefix-case': 'with an uppercase SHA256= prefix',
  whitespace: 'with whitespace around it',
  'no-prefix': 'without the sha256= prefix',
};

const UNKNOWN: Record<ExplainContext, string> = {
  verify:
    'the secret differs, or the body was changed on the way: give the bytes the sender signed with --expected-body to see where they differ',
  'verify-expected':
    'the signature matches neither this body nor the expected one with this secret: the secret differs',
  listen: 'the secret differs, or the body was changed on the way: check that both ends use the same secret',
};

const RAW = 'sign and verify the raw request bytes, never a re-serialization of the parsed JSON';

/** The cause and the hint for a diagnosis. */
export function explainSignature(d: SignatureDiagnosis, context: ExplainContext): ExplainedSignature {
  switch (d.reason) {
    case 'missing_header':
      return {
        cause: `the ${SIGNATURE_HEADER} header is missing`,
        hint: 'the sender did not sign the request, or a proxy on the way dropped the header',
      };
    case 'duplicate_header':
      return {
        cause: `the ${SIGNATURE_HEADER} header came more than once`,
        hint: 'a proxy or the sender added a second signature header: DataChonk sends exactly one',
      };
    case 'not_raw_body':
      return {
        cause: 'the body given to verify is not the raw request bytes',
        hint: "verify before any JSON parser: express.raw({ type: '*/*' }), and pass req.body (a Buffer)",
      };
    case 'no_secret':
      return { cause: 'no signing secret to check with', hint: "give the webhook's signing secret" };
    case 'malformed_header':
      return malformed(d);
    case 'wrong_scheme':
      return d.algorithm
        ? {
            cause: `the signature is HMAC-${d.algorithm.toUpperCase()} of the body with the right secret`,
            hint: 'DataChonk signs with HMAC-SHA256: sha256=<64 lowercase hex digits>',
          }
        : {
            cause: 'the signature names another scheme than sha256=',
            hint: 'DataChonk signs with HMAC-SHA256: sha256=<64 lowercase hex digits>',
          };
    case 'body_reserialized':
      return {
        cause: `the signature was made over the body re-serialized as ${FORMS[d.form!]}, not over these bytes`,
        hint: `the signer or the verifier parsed the JSON and wrote it again: ${RAW}`,
      };
    case 'body_modified':
      return {
        cause: 'the signature matches the expected body, not this one: the body changed after it was signed',
        hint: 'verify the bytes exactly as received: no body parser, no re-encoding, no proxy rewriting them',
      };
    case 'trailing_newline':
      return newline(d);
    case 'secret_whitespace':
      return d.whitespace === 'yours'
        ? {
            cause: 'the signature matches once the secret is trimmed: the secret checked with has whitespace around it',
            hint: 'trim the secret where you read it (a newline from a file or from `echo` into an env var is the usual one)',
          }
        : {
            cause: 'the signature was made with the secret plus a trailing newline',
            hint: 'the signer reads its secret with a newline at the end: trim it there',
          };
    case 'wrong_secret':
      return {
        cause: `the signature was made with ${d.matched_secret}, not with the secret checked with`,
        hint:
          context === 'listen'
            ? `sign with the listener's secret, or give the listener that secret too`
            : 'check with that secret (during a rotation, accept both the new and the old one)',
      };
    case 'api_key_as_secret':
      return {
        cause: `the signature was made with ${d.matched_secret}`,
        hint: "an API key is not a signing secret: sign and verify with the webhook's secret (whsec_…, shown when the webhook was created or its secret rotated)",
      };
    default:
      return { cause: 'the signature does not match, and no common cause explains it', hint: UNKNOWN[context] };
  }
}

function malformed(d: SignatureDiagnosis): ExplainedSignature {
  const form = 'write the header exactly as DataChonk does: sha256=<64 lowercase hex digits>';
  if (d.truncated)
    return {
      cause: 'the signature was cut short: its digits are the start of the right one',
      hint: 'something on the way truncates the header value; DataChonk sends all 64 hex digits',
    };
  const how = NEAR_MISS[d.verify_reason];
  if (how && d.matches_once_formatted)
    return {
      cause: `the signature is right, but written ${how}`,
      hint: `fix the sender to ${form}: strict receivers refuse anything else`,
    };
  if (how)
    return {
      cause: `the signature is written ${how}, and would not match even written right`,
      hint: `${form}, with the right secret over the raw body`,
    };
  return { cause: `the ${SIGNATURE_HEADER} header is not of the form sha256=<64 lowercase hex digits>`, hint: form };
}

function newline(d: SignatureDiagnosis): ExplainedSignature {
  return d.newline === 'added'
    ? {
        cause: 'the signature matches this body with a newline added at its end',
        hint: 'the signed body ended with a newline this one lacks: keep the bytes whole (no trimming, no re-encoding)',
      }
    : {
        cause: 'the signature matches this body without its trailing newline',
        hint: 'a newline was added after signing (echo, an editor saving the file): verify the bytes exactly as received',
      };
}

/** Where the body differs from the expected one, with a few bytes of each around it. */
export function describeDifference(d: ByteDifference, got: Buffer, expected: Buffer): string[] {
  const byte = (value: number | undefined) => {
    if (value === undefined) return 'the end of the body';
    const hex = `0x${value.toString(16).padStart(2, '0')}`;
    return value < 0x80
      ? `${JSON.stringify(String.fromCharCode(value))} (${hex})`
      : `byte ${hex} (part of a UTF-8 character)`;
  };
  const start = Math.max(0, d.offset - 20);
  const around = (bytes: Buffer) =>
    `${start > 0 ? '…' : ''}${JSON.stringify(bytes.subarray(start, d.offset + 20).toString('utf8'))}${d.offset + 20 < bytes.length ? '…' : ''}`;
  return [
    `first difference at byte ${d.offset} (line ${d.line}, column ${d.column}): the body has ${byte(d.got)}, the expected body ${byte(d.expected)}`,
    `  body:          ${around(got)}`,
    `  expected body: ${around(expected)}`,
  ];
}

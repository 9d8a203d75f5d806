import type { SigningMistake } from '../core/refusal.js';
import type { BodyForm } from '../core/signing/reserialize.js';
import type { Stack } from '../core/stack.js';
import { FORMS } from './signature.js';

// The fix for a receiver's mistake in the language its answers show (core/stack.ts finds it): how to
// read the raw body, how to compare in constant time, how to write lowercase hex. Unknown: the advice
// names the idea, with Node's and Python's ways as examples.

export interface StackAdvice {
  /** The language, for the words: "Python". */
  name: string;
  /** How to get the raw request bytes to verify. */
  rawBody: string;
  /** How to compare the signature in constant time, without crashing on any header. */
  compare: string;
  /** How to write the HMAC as lowercase hex. */
  hex: string;
}

const ADVICE: Record<Stack, StackAdvice> = {
  node: {
    name: 'Node',
    rawBody:
      'verify the raw request bytes (express.raw({ type: "application/json" }), not express.json then JSON.stringify)',
    compare:
      'check the header is sha256= and 64 lowercase hex digits first, then crypto.timingSafeEqual over Buffers of equal length',
    hex: "digest('hex') is lowercase: compare it with the header as it is",
  },
  python: {
    name: 'Python',
    rawBody:
      'verify the raw request bytes: request.get_data() in Flask, await request.body() in FastAPI, not json.dumps of the parsed body',
    compare:
      'compare bytes, not str: hmac.compare_digest(expected.encode(), header.encode()) (on str it raises TypeError on a non-ASCII header)',
    hex: 'hmac.new(secret, body, hashlib.sha256).hexdigest() is lowercase: compare it with the header as it is, not .upper()',
  },
  java: {
    name: 'Java',
    rawBody:
      'verify the raw request bytes (@RequestBody byte[], or request.getInputStream()), not a re-serialized object',
    compare:
      'compare bytes with MessageDigest.isEqual(expected.getBytes(US_ASCII), header.getBytes(ISO_8859_1)), after checking the header is sha256= and 64 hex digits',
    hex: 'write lowercase hex (HexFormat.of().formatHex(mac)), not DatatypeConverter.printHexBinary, which writes uppercase',
  },
  csharp: {
    name: 'C#',
    rawBody:
      'verify the raw request bytes (Request.EnableBuffering(), then read Request.Body to the end), not a re-serialized model',
    compare:
      'compare bytes with CryptographicOperations.FixedTimeEquals, after checking the header is sha256= and 64 hex digits',
    hex: 'write lowercase hex: Convert.ToHexString(hash).ToLowerInvariant(), or ToString("x2"), not "X2"',
  },
  php: {
    name: 'PHP',
    rawBody: "verify the raw request bytes: file_get_contents('php://input'), not json_encode(json_decode(…))",
    compare: "hash_equals('sha256=' . hash_hmac('sha256', $body, $secret), $header)",
    hex: 'hash_hmac() writes lowercase hex: compare it as it is, not strtoupper()',
  },
  go: {
    name: 'Go',
    rawBody: 'verify the raw request bytes (io.ReadAll(r.Body), then decode), not a re-marshalled struct',
    compare: 'hmac.Equal([]byte(expected), []byte(header))',
    hex: 'hex.EncodeToString writes lowercase: compare it as it is, not strings.ToUpper',
  },
  ruby: {
    name: 'Ruby',
    rawBody:
      'verify the raw request bytes (request.body.read, request.raw_post in Rails), not to_json of the parsed body',
    compare:
      'Rack::Utils.secure_compare(expected, header) (OpenSSL.fixed_length_secure_compare raises on unequal lengths)',
    hex: 'OpenSSL::HMAC.hexdigest is lowercase: compare it as it is, not .upcase',
  },
};

const ANY: StackAdvice = {
  name: '',
  rawBody:
    'verify the raw request bytes as received, before any JSON parsing (express.raw in Node, request.get_data() in Flask)',
  compare:
    'check the header is sha256= and 64 lowercase hex digits first, then compare bytes in constant time (crypto.timingSafeEqual in Node, hmac.compare_digest over bytes in Python)',
  hex: 'write the HMAC as lowercase hex, as DataChonk does, and compare it as it is',
};

/** The advice for a stack, or the generic one. */
export function adviceFor(stack: Stack | undefined): StackAdvice {
  return stack ? ADVICE[stack] : ANY;
}

/** " (the endpoint looks like Python)", or nothing. */
export function stackNote(stack: Stack | undefined): string {
  return stack ? ` (your endpoint looks like ${ADVICE[stack].name})` : '';
}

/** What a receiver that the endpoint's acceptance shows does wrong, in a few words. */
export function mistakeWords(mistake: SigningMistake): string {
  switch (mistake.kind) {
    case 'uppercase-hex':
      return 'your endpoint compares uppercase hex';
    case 'trailing-newline':
      return 'your endpoint verifies the body with a newline added';
    case 'reserialized':
      return `your endpoint verifies a re-serialized body (${SHORT_FORMS[mistake.form] ?? FORMS[mistake.form]})`;
  }
}

const SHORT_FORMS: Partial<Record<BodyForm, string>> = {
  python: 'Python json.dumps',
  'python-compact': "Python json.dumps(separators=(',', ':'))",
  'python-sorted': 'Python json.dumps(sort_keys=True)',
  sorted: 'its keys sorted',
  pretty: 'pretty-printed with 2 spaces',
};

/** What to do about the mistake, in the endpoint's language. */
export function mistakeFix(mistake: SigningMistake, stack: Stack | undefined): string {
  const advice = adviceFor(stack);
  if (mistake.kind === 'uppercase-hex') return `${advice.hex}${stackNote(stack)}`;
  return `${advice.rawBody}: DataChonk signs the bytes it sends${stackNote(stack)}`;
}

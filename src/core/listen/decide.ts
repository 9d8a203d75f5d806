import { checkEnvelope, type Envelope } from '../events/schemas.js';
import { diagnoseSignature, type OtherSecret } from '../signing/diagnose.js';
import { sign, verify, type VerifyResult } from '../signing/signature.js';
import { DECODABLE, decodeBody } from './content-coding.js';
import type { Verification } from './records.js';
import { globToRegExp } from '../events/pattern.js';
import { forwardUrl } from './targets.js';

// The listener's request path, first half: a pure decision from what was received (request head,
// raw body, settings) to a verdict. No I/O, no clock: receiver.ts acts on the verdict (journal,
// forward, answer, report). Kept apart so that every rule can be tested, and mutated, alone.

/** What the listener decides with. */
export interface ListenRules {
  /** The path webhooks are accepted on, e.g. /webhooks/datachonk. */
  path: string;
  /** Signing secrets: a request verifies if it is signed with any of them. */
  secrets: readonly string[];
  /**
   * The secrets the app verifies with (more than one during a rotation). A request verified with one
   * of them goes on as received; one verified with another of `secrets` (a session's registered
   * webhook) is forwarded with its signature made again with the first of these; the body is never
   * touched. Undefined or empty: signatures always go on as received.
   */
  appSecrets?: readonly string[] | undefined;
  /** Accept requests whose signature is missing or wrong, marked as unverified. */
  skipVerify: boolean;
  /** Forward only these event types (others are acknowledged); undefined for all. */
  events?: ReadonlySet<string> | undefined;
  targets: readonly URL[];
  /**
   * For each target (same order), the event types it takes: a type or a pattern (`chonk.*`). A target
   * without one takes the events that no target's pattern takes (all of them when no target has one).
   */
  targetPatterns?: readonly (string | undefined)[] | undefined;
  maxBodyBytes: number;
  /** Other secrets this machine knows, for the diagnosis of a signature that does not verify to name. */
  otherSecrets?: readonly OtherSecret[] | undefined;
}

/** Bodies up to this size get a signature diagnosis when they fail (a few dozen HMACs: cheap for webhooks, bounded for floods). */
export const DIAGNOSED_BODY_BYTES = 64 * 1024;

/** What the listener needs of a request's head. */
export interface RequestHead {
  method: string;
  /** Path and query as received. */
  url: string;
  /** The signature header as Node gives it. */
  signature: string | string[] | undefined;
  /** The Content-Encoding header, when the body was sent compressed. */
  encoding?: string | undefined;
}

/** Why a request was refused. */
export type RejectCode =
  | 'not-found'
  | 'method-not-allowed'
  | 'too-large'
  | 'aborted'
  | 'bad-signature'
  | 'unsupported-encoding'
  | 'bad-encoding'
  | 'not-json'
  | 'not-an-event';

export interface Rejection {
  verdict: 'reject';
  code: RejectCode;
  /** What the sender is answered; 0 when nobody is left to answer (the client went away). */
  status: number;
  /** Said to the sender and journalled: plain words, no flag names. */
  reason: string;
  verification?: Verification | undefined;
  /** The event and id a rejected body claims: shown so the user can tell which failed, not trusted. */
  claimed?: { event: string; id: string } | undefined;
}

/** One forward of an event: which target (its index in the rules' targets) and the URL to send to. */
export interface Route {
  target: number;
  /** The target's URL with the received path and query. */
  url: string;
}

export interface Acceptance {
  verdict: 'accept';
  verification: Verification;
  envelope: Envelope;
  /** Where to forward it, in the targets' order; empty when acknowledged. */
  routes: Route[];
  /** Not forwarded because of the event filter. */
  filtered: boolean;
  /** Not forwarded because no target's route takes its type (and no target takes the rest). */
  unrouted?: boolean | undefined;
  /** The signature to forward instead of the received one (signed again with the app's secret). */
  signature?: string | undefined;
}

export type Decision = Rejection | Acceptance;

/** What the body turned out to be: its bytes, or why there are none. */
export type ReceivedBody = Buffer | 'too-large' | 'aborted';

const VALID: Verification = { status: 'valid' };

/** Decides on the head alone: wrong path or method is refused before the body is read. */
export function decideHead(
  head: Pick<RequestHead, 'method' | 'url'>,
  rules: Pick<ListenRules, 'path'>,
): Rejection | undefined {
  const q = head.url.indexOf('?');
  const pathname = q < 0 ? head.url : head.url.slice(0, q);
  if (pathname !== rules.path) return reject('not-found', 404, `not found: datachonk listens on POST ${rules.path}`);
  if (head.method !== 'POST')
    return reject('method-not-allowed', 405, `method ${head.method} not allowed: send a POST`);
  return undefined;
}

/**
 * Decides on a request whose head passed: verify (over the bytes as received), decode (when the body
 * came compressed: only to read it, the bytes go on as they came), parse, check the envelope, route.
 */
export function decideBody(head: RequestHead, body: ReceivedBody, rules: ListenRules): Decision {
  if (body === 'too-large') return reject('too-large', 413, `the body is larger than ${rules.maxBodyBytes} bytes`);
  if (body === 'aborted')
    return reject('aborted', 0, 'the client stopped before sending the whole body (disconnected or timed out)');
  const { result, secret } = verifyAny(rules.secrets, body, head.signature);
  const decoded = decode(body, head.encoding, rules.maxBodyBytes);
  const failed = result.ok
    ? undefined
    : { reason: result.message, code: result.reason, ...diagnosis(head, body, rules) };
  if (failed && !rules.skipVerify) {
    const rejection = reject('bad-signature', 401, `invalid signature: ${failed.reason}`);
    rejection.verification = { status: 'invalid', ...failed };
    const claimed = Buffer.isBuffer(decoded) ? checkEnvelope(parseJson(decoded)) : undefined;
    if (claimed?.ok) rejection.claimed = { event: claimed.envelope.event, id: claimed.envelope.id };
    return rejection;
  }
  const verification: Verification = failed ? { status: 'skipped', ...failed } : validWith(secret, rules);
  if (!Buffer.isBuffer(decoded)) return { ...decoded, verification };
  const parsed = parseJson(decoded);
  if (parsed === undefined) return { ...reject('not-json', 400, 'the body is not JSON'), verification };
  const checked = checkEnvelope(parsed);
  if (!checked.ok) {
    const reason = `the body is not a DataChonk event: ${checked.issue.path}: ${checked.issue.message}`;
    return { ...reject('not-an-event', 400, reason), verification };
  }
  const filtered = rules.events !== undefined && !rules.events.has(checked.envelope.event);
  const routes = filtered ? [] : routesFor(checked.envelope.event, head.url, rules);
  const appSecret = rules.appSecrets?.[0];
  const resign =
    secret !== undefined && appSecret !== undefined && !rules.appSecrets!.includes(secret) && routes.length > 0;
  return {
    verdict: 'accept',
    verification,
    envelope: checked.envelope,
    routes,
    filtered,
    ...(!filtered && routes.length === 0 && rules.targets.length > 0 ? { unrouted: true } : {}),
    signature: resign ? sign(appSecret, body) : undefined,
  };
}

/** The body to read the event from: as received, or decoded from its Content-Encoding; or why it cannot be read. */
function decode(body: Buffer, encoding: string | undefined, maxBodyBytes: number): Buffer | Rejection {
  const decoded = decodeBody(body, encoding, maxBodyBytes);
  if (decoded.ok) return decoded.body;
  if (decoded.problem === 'too-large')
    return reject('too-large', 413, `the body decompresses to more than ${maxBodyBytes} bytes`);
  if (decoded.problem === 'corrupt')
    return reject('bad-encoding', 400, `the body is not valid ${decoded.coding}: ${decoded.message}`);
  return reject(
    'unsupported-encoding',
    415,
    `the body is encoded with ${decoded.coding}, which the listener cannot decode: send it as ${DECODABLE} or unencoded`,
  );
}

function reject(code: RejectCode, status: number, reason: string): Rejection {
  return { verdict: 'reject', code, status, reason };
}

/** The targets an event goes to: those whose pattern takes it, else those with no pattern. */
export function routesFor(event: string, url: string, rules: Pick<ListenRules, 'targets' | 'targetPatterns'>): Route[] {
  const patterns = rules.targetPatterns;
  const route = (target: number): Route => ({ target, url: forwardUrl(rules.targets[target]!, url) });
  if (!patterns?.some((p) => p !== undefined)) return rules.targets.map((_t, i) => route(i));
  const matching: number[] = [];
  const rest: number[] = [];
  for (let i = 0; i < rules.targets.length; i++) {
    const pattern = patterns[i];
    if (pattern === undefined) rest.push(i);
    else if (eventPattern(pattern).test(event)) matching.push(i);
  }
  return (matching.length > 0 ? matching : rest).map(route);
}

const compiled = new Map<string, RegExp>();

/** An event type pattern (`*` for any characters) as a RegExp, compiled once. */
export function eventPattern(pattern: string): RegExp {
  let regexp = compiled.get(pattern);
  if (!regexp) compiled.set(pattern, (regexp = globToRegExp(pattern)));
  return regexp;
}

/** A valid verification; it names the app's secret that verified it when that is not the first (an old one). */
function validWith(secret: string | undefined, rules: ListenRules): Verification {
  const index = secret === undefined ? -1 : (rules.appSecrets?.indexOf(secret) ?? -1);
  return index > 0 ? { status: 'valid', secret_index: index } : VALID;
}

/** Why a signature failed, for a body small enough to diagnose on the request path. */
function diagnosis(head: RequestHead, body: Buffer, rules: ListenRules): Pick<Verification, 'diagnosis'> {
  if (body.length > DIAGNOSED_BODY_BYTES) return {};
  const found = diagnoseSignature({ body, header: head.signature, secrets: rules.secrets, others: rules.otherSecrets });
  return found ? { diagnosis: found } : {};
}

/** Verifies with each secret in turn; says which one matched. */
function verifyAny(
  secrets: readonly string[],
  body: Buffer,
  header: string | string[] | undefined,
): { result: VerifyResult; secret?: string } {
  const result = verify(secrets, body, header);
  return result.ok ? { result, secret: secrets[result.secretIndex] } : { result };
}

function parseJson(body: Buffer): unknown {
  try {
    return JSON.parse(body.toString('utf8'));
  } catch {
    return undefined;
  }
}

import { createHmac } from 'node:crypto';
import { EVENT_TYPES, type EventType } from '../events/catalogue.js';
import { buildPayload } from '../events/build.js';
import { loadFixture, newEventId, randomId, type JsonObject } from '../events/payload.js';
import { indentJson, isJsonObject, RawNumber, stringifyJson } from '../lossless-json.js';
import { sign } from '../signing/signature.js';
import type { CheckGroup } from './groups.js';

// The probes of `datachonk check`, as data: what each sends (exact bytes and signature header), and
// how its answers are judged (judge.ts). Each is built from the event registry's fixtures with a
// fresh event id, but for the duplicates, which send one event twice as a retrying DataChonk would.
// Adding a check: one entry below (docs/ARCHITECTURE.md, "A check"), and its line in the README.

/** How a probe's answers are judged (judge.ts). */
export type Expectation =
  'accept' | 'refuse-forgery' | 'accept-unknown' | 'refuse-input' | 'accept-exact-bytes' | 'accept-as-sent';

/** How its request is sent: once, twice one after the other, or twice at the same time. */
export type Repeat = 'once' | 'in-a-row' | 'at-once';

/** What a probe sends: the exact body, and the signature header's value (undefined: no header). */
export interface ProbeRequest {
  body: string;
  event: string;
  id: string;
  signature: string | undefined;
}

/** What probes are made of: the fixtures of every event type, the secret, and the time now. */
export interface Material {
  secret: string;
  fixtures: ReadonlyMap<EventType, JsonObject>;
  now: Date;
}

export interface Probe {
  group: Exclude<CheckGroup, 'latency'>;
  /** Unique across groups: `truncated-signature`, `generation.completed`. */
  name: string;
  /** What is sent, in a few words (the report, --json, JUnit). */
  sends: string;
  expectation: Expectation;
  /**
   * A forged signature of another length or form than DataChonk's: `crypto.timingSafeEqual` throws
   * on buffers of unequal length, and `Buffer.from(s, 'hex')` stops at the first non-hex character.
   */
  malformed?: boolean;
  /** The likely cause when the endpoint crashes on it (a 5xx, or the connection dropped): a malformed signature's pitfall. */
  crash?: 'length-pitfall' | 'non-ascii-crash' | 'non-hex-crash';
  /** A refusal (401, 403) is diagnosed: the same event sent again signed the ways receivers get it wrong (core/refusal.ts). */
  diagnose?: boolean;
  repeat?: Repeat;
  build(material: Material): ProbeRequest;
}

/** A probe before its group and expectation are added. */
type Entry = Pick<Probe, 'name' | 'sends' | 'build' | 'malformed' | 'crash' | 'diagnose' | 'repeat'>;

/** An event type DataChonk does not send (yet): the forward-compatibility probe's. */
export const UNKNOWN_EVENT = 'chonk.archived';

/** A 64-bit integer, which JSON.parse reads as 12345678901234567000. */
const BIG_INTEGER = '12345678901234567890';

/** The fixtures of every event type, read once per run. */
export async function loadMaterial(secret: string, now: Date): Promise<Material> {
  const fixtures = new Map<EventType, JsonObject>();
  for (const event of EVENT_TYPES) fixtures.set(event, await loadFixture(event));
  return { secret, fixtures, now };
}

/** An event of a type, from its fixture, with a fresh id and created_at. */
function fresh(material: Material, event: EventType = 'generation.completed'): JsonObject {
  return buildPayload(
    { template: material.fixtures.get(event)!, overrides: [] },
    { id: newEventId(), createdAt: material.now },
  );
}

/** A payload sent as `body` (default: compact, as DataChonk sends it), correctly signed over those bytes. */
function signed(material: Material, payload: JsonObject, body = stringifyJson(payload)): ProbeRequest {
  return { body, event: String(payload.event), id: String(payload.id), signature: sign(material.secret, body) };
}

/** A compact event with the signature header `forge` makes from its body and the secret. */
function forged(forge: (body: string, secret: string) => string | undefined): (material: Material) => ProbeRequest {
  return (material) => {
    const payload = fresh(material);
    const body = stringifyJson(payload);
    return { body, event: String(payload.event), id: String(payload.id), signature: forge(body, material.secret) };
  };
}

function dataOf(payload: JsonObject): JsonObject {
  return isJsonObject(payload.data) ? payload.data : {};
}

/** The same members in the opposite order, the envelope's and its data's. */
function reversed(payload: JsonObject): JsonObject {
  const flip = (object: JsonObject) => Object.fromEntries(Object.entries(object).reverse());
  return flip({ ...payload, data: flip(dataOf(payload)) });
}

const hmacHex = (algorithm: string, secret: string, body: string) =>
  createHmac(algorithm, secret).update(body).digest('hex');

const delivery: Probe[] = EVENT_TYPES.map((event) => ({
  group: 'delivery',
  name: event,
  sends: `a ${event} event, signed`,
  expectation: 'accept',
  build: (m) => signed(m, fresh(m, event)),
}));

const forgery: Probe[] = (
  [
    {
      name: 'missing-signature',
      sends: 'an event with no x-datachonk-signature header',
      build: forged(() => undefined),
    },
    {
      name: 'wrong-secret',
      sends: 'an event signed with another secret',
      build: forged((body) => sign(randomId('whsec_', 32), body)),
    },
    {
      name: 'tampered-body',
      sends: 'an event whose project_id was changed after it was signed',
      build: (m) => {
        const payload = fresh(m);
        const { signature } = signed(m, payload);
        return { ...signed(m, { ...payload, project_id: 'proj_attacker' }), signature };
      },
    },
    {
      name: 'truncated-signature',
      sends: 'the right signature cut to 32 hex digits',
      malformed: true,
      build: forged((body, secret) => sign(secret, body).slice(0, 39)),
    },
    {
      name: 'longer-signature',
      sends: 'the right signature with two more hex digits',
      malformed: true,
      build: forged((body, secret) => `${sign(secret, body)}00`),
    },
    {
      name: 'sha1-signature',
      sends: 'sha1=<HMAC-SHA1 of the body>, another scheme',
      malformed: true,
      build: forged((body, secret) => `sha1=${hmacHex('sha1', secret, body)}`),
    },
    {
      name: 'empty-signature',
      sends: 'an empty x-datachonk-signature header',
      malformed: true,
      build: forged(() => ''),
    },
    {
      name: 'garbage-signature',
      sends: 'sha256= and 64 characters that are not hex',
      malformed: true,
      crash: 'non-hex-crash',
      build: forged(() => `sha256=${'not-hex!'.repeat(8)}`),
    },
    {
      name: 'non-ascii-signature',
      sends: 'the right signature with its last digit replaced by é (the byte 0xE9)',
      malformed: true,
      crash: 'non-ascii-crash',
      // A latin1 string: undici writes each character as one byte, so 0xE9 goes on the wire as is (field-notes.md:
      // Python's hmac.compare_digest on str raises TypeError on it, Rust's HeaderValue::to_str fails).
      build: forged((body, secret) => `${sign(secret, body).slice(0, -1)}\u00e9`),
    },
  ] satisfies Entry[]
).map((probe): Probe => ({
  group: 'forgery',
  expectation: 'refuse-forgery',
  ...(probe.malformed && !probe.crash ? { crash: 'length-pitfall' as const } : {}),
  ...probe,
}));

const duplicates: Probe[] = (
  [
    { name: 'same-event-twice', sends: 'one signed event (same id, same bytes) twice in a row', repeat: 'in-a-row' },
    {
      name: 'same-event-at-once',
      sends: 'one signed event (same id, same bytes) twice at the same time',
      repeat: 'at-once',
    },
  ] satisfies Omit<Entry, 'build'>[]
).map((probe): Probe => ({ group: 'duplicates', expectation: 'accept', build: (m) => signed(m, fresh(m)), ...probe }));

const forwardCompat: Probe[] = (
  [
    {
      name: 'unknown-event-type',
      sends: `a signed event of a type DataChonk may add later (${UNKNOWN_EVENT})`,
      build: (m) => signed(m, { ...fresh(m, 'chonk.deleted'), event: UNKNOWN_EVENT }),
    },
    {
      name: 'unknown-fields',
      sends: 'a signed event with fields DataChonk may add later, in the envelope and in data',
      build: (m) => {
        const payload = fresh(m);
        return signed(m, {
          ...payload,
          data: { ...dataOf(payload), warehouse_region: 'eu-west-1' },
          api_version: '2026-01-01',
        });
      },
    },
  ] satisfies Entry[]
).map((probe): Probe => ({ group: 'forward-compat', expectation: 'accept-unknown', ...probe }));

const badInput: Probe[] = (
  [
    {
      name: 'not-json',
      sends: 'the first half of an event (not JSON), correctly signed',
      build: (m) => {
        const { body, ...rest } = signed(m, fresh(m));
        const half = body.slice(0, Math.floor(body.length / 2));
        return { ...rest, body: half, signature: sign(m.secret, half) };
      },
    },
    {
      name: 'not-an-envelope',
      sends: "an event's data alone (JSON, but no id, event or created_at), correctly signed",
      build: (m) => {
        const payload = fresh(m);
        return signed(m, payload, stringifyJson(dataOf(payload)));
      },
    },
  ] satisfies Entry[]
).map((probe): Probe => ({ group: 'bad-input', expectation: 'refuse-input', ...probe }));

/** The same event as other bytes, each signed over the bytes sent: all valid JSON of the same value. */
const fidelity: Probe[] = (
  [
    {
      name: 'pretty-printed',
      sends: 'the event indented over several lines',
      build: (m) => {
        const p = fresh(m);
        return signed(m, p, indentJson(p));
      },
    },
    {
      name: 'keys-reordered',
      sends: "the event with its members (and data's) in the opposite order",
      build: (m) => signed(m, reversed(fresh(m))),
    },
    {
      name: 'escaped-slashes',
      sends: 'the event with every / written \\/',
      build: (m) => {
        const p = fresh(m);
        return signed(m, p, stringifyJson(p).replaceAll('/', '\\/'));
      },
    },
    {
      name: 'raw-utf8',
      sends: 'a chonk name with é as raw UTF-8 bytes, as DataChonk sends it',
      diagnose: true,
      build: (m) => {
        const p = fresh(m);
        return signed(m, { ...p, data: { ...dataOf(p), chonk_name: 'dim_café_orders' } });
      },
    },
    {
      name: 'unicode-escapes',
      sends: 'a chonk name with é written \\u00e9',
      build: (m) => {
        const p = fresh(m);
        const payload = { ...p, data: { ...dataOf(p), chonk_name: 'dim_café_orders' } };
        return signed(m, payload, stringifyJson(payload).replaceAll('é', '\\u00e9'));
      },
    },
    {
      name: 'big-integer',
      sends: `a 64-bit integer (${BIG_INTEGER}) in a field of data`,
      build: (m) => {
        const p = fresh(m);
        return signed(m, { ...p, data: { ...dataOf(p), sequence: new RawNumber(BIG_INTEGER) } });
      },
    },
    {
      name: 'trailing-newline',
      sends: 'the compact event followed by a newline',
      build: (m) => {
        const p = fresh(m);
        return signed(m, p, `${stringifyJson(p)}\n`);
      },
    },
  ] satisfies Entry[]
).map((probe): Probe => ({
  group: 'fidelity',
  // DataChonk sends raw UTF-8 (JSON.stringify escapes nothing above 127): refusing it fails real deliveries.
  expectation: probe.name === 'raw-utf8' ? 'accept-as-sent' : 'accept-exact-bytes',
  ...probe,
}));

/** Every probe, in the order they run and are reported. */
export const PROBES: readonly Probe[] = [
  ...delivery,
  ...forgery,
  ...duplicates,
  ...forwardCompat,
  ...badInput,
  ...fidelity,
];

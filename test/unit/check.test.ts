import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { describe, expect, it } from 'vitest';
import {
  DEFAULT_EXPECT_REJECT,
  judge,
  judgeLatency,
  type EndpointReply,
  type Expectations,
} from '../../src/core/check/judge.js';
import { loadMaterial, PROBES, UNKNOWN_EVENT, type Probe } from '../../src/core/check/probes.js';
import type { CheckReport } from '../../src/core/check/run.js';
import { EVENT_TYPES, isEventType } from '../../src/core/events/catalogue.js';
import { verify } from '../../src/core/signing/signature.js';
import type { CheckRun } from '../../src/ui/check.js';
import { junitXml, xmlAttribute, xmlText } from '../../src/ui/junit.js';

// The probes of `datachonk check` (what each sends), the judge of their answers and the JUnit file,
// without a server.

const SECRET = 'whsec_unit_check';
const material = await loadMaterial(SECRET, new Date('2026-11-29T10:00:00Z'));
const probe = (name: string): Probe => PROBES.find((p) => p.name === name)!;
const built = PROBES.map((p) => ({ probe: p, request: p.build(material) }));

describe('the probes', () => {
  it('have unique names, and a delivery for every event type of the registry', () => {
    expect(new Set(PROBES.map((p) => p.name)).size).toBe(PROBES.length);
    expect(PROBES.filter((p) => p.group === 'delivery').map((p) => p.name)).toEqual(EVENT_TYPES);
    expect(isEventType(UNKNOWN_EVENT)).toBe(false);
  });

  it('each sends an event of its own id (a fresh one every build)', () => {
    const ids = built.map(({ request }) => request.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(probe('same-event-twice').build(material).id).not.toBe(probe('same-event-twice').build(material).id);
  });

  it('every probe but the forgeries is signed correctly over the exact bytes it sends', () => {
    for (const { probe: p, request } of built.filter(({ probe: p }) => p.group !== 'forgery')) {
      expect(verify(SECRET, request.body, request.signature), p.name).toEqual({ ok: true, secretIndex: 0 });
    }
  });

  it.each([
    ['missing-signature', 'missing'],
    ['wrong-secret', 'mismatch'],
    ['tampered-body', 'mismatch'],
    ['truncated-signature', 'wrong-length'],
    ['longer-signature', 'wrong-length'],
    ['sha1-signature', 'other-scheme'],
    ['empty-signature', 'missing'],
    ['garbage-signature', 'malformed'],
  ])('forgery %s is refused by a correct verifier as %s', (name, reason) => {
    const request = probe(name).build(material);
    expect(verify(SECRET, request.body, request.signature)).toMatchObject({ ok: false, reason });
    expect(JSON.parse(request.body)).toMatchObject({ id: request.id, event: 'generation.completed' });
  });

  it('the tampered body differs from the signed one only in project_id', () => {
    const request = probe('tampered-body').build(material);
    expect(JSON.parse(request.body).project_id).toBe('proj_attacker');
  });

  it.each(['pretty-printed', 'escaped-slashes', 'unicode-escapes', 'big-integer', 'trailing-newline'])(
    'fidelity %s: bytes that JSON.stringify(JSON.parse(body)) does not give back',
    (name) => {
      const { body } = probe(name).build(material);
      expect(JSON.stringify(JSON.parse(body))).not.toBe(body);
      expect(JSON.parse(body)).toMatchObject({ event: 'generation.completed', project_id: 'proj_xyz789' });
    },
  );

  it('fidelity: each variant is written as it says', () => {
    const body = (name: string) => probe(name).build(material).body;
    expect(body('pretty-printed')).toMatch(/^\{\n {2}"id": "evt_/);
    expect(body('escaped-slashes')).toContain('models\\/marts\\/core\\/dim_customers.sql');
    expect(body('unicode-escapes')).toContain('"dim_caf\\u00e9_orders"');
    expect(body('big-integer')).toContain('"sequence":12345678901234567890}');
    expect(body('trailing-newline')).toMatch(/}\n$/);
  });

  it('fidelity keys-reordered: the members in another order than DataChonk sends (a JS re-serializer keeps it)', () => {
    const { body } = probe('keys-reordered').build(material);
    const compact = probe('generation.completed').build(material).body;
    expect(Object.keys(JSON.parse(body))).toEqual(Object.keys(JSON.parse(compact)).reverse());
    expect(Object.keys(JSON.parse(body).data)).toEqual(Object.keys(JSON.parse(compact).data).reverse());
    expect(JSON.stringify(JSON.parse(body))).toBe(body);
  });

  it('bad input: not JSON, and JSON that is not an envelope', () => {
    expect(() => JSON.parse(probe('not-json').build(material).body)).toThrow();
    const notEnvelope = JSON.parse(probe('not-an-envelope').build(material).body);
    expect(notEnvelope).not.toHaveProperty('id');
    expect(notEnvelope).not.toHaveProperty('event');
  });

  it('forward compatibility: an unknown type, and unknown fields in the envelope and in data', () => {
    expect(JSON.parse(probe('unknown-event-type').build(material).body).event).toBe(UNKNOWN_EVENT);
    const extra = JSON.parse(probe('unknown-fields').build(material).body);
    expect(extra).toHaveProperty('api_version');
    expect(extra.data).toHaveProperty('warehouse_region');
  });
});

const ok = (status: number): EndpointReply => ({ kind: 'response', status, body: '', latencyMs: 1 });
const defaults: Expectations = { expectReject: DEFAULT_EXPECT_REJECT, allowUnknown: [], strict: false };
const verdictOf = (name: string, answers: EndpointReply[], expectations: Partial<Expectations> = {}) => {
  const { status, hint } = judge(probe(name), answers, { ...defaults, ...expectations });
  return `${status}${hint ? ` ${hint}` : ''}`;
};

describe('the judge', () => {
  it.each<[string, number[], Partial<Expectations>, string]>([
    ['generation.completed', [200], {}, 'pass'],
    ['generation.completed', [204], {}, 'pass'],
    ['generation.completed', [401], {}, 'fail signed-refused'],
    ['generation.completed', [500], {}, 'fail server-error'],
    ['generation.completed', [302], {}, 'fail redirected'],
    ['wrong-secret', [401], {}, 'pass'],
    ['wrong-secret', [400], {}, 'pass'],
    ['wrong-secret', [200], {}, 'fail not-verifying'],
    ['wrong-secret', [500], {}, 'fail crash-on-forgery'],
    ['truncated-signature', [500], {}, 'fail length-pitfall'],
    ['garbage-signature', [502], {}, 'fail non-hex-crash'],
    ['wrong-secret', [422], {}, 'fail reject-status'],
    ['wrong-secret', [422], { expectReject: [422] }, 'pass'],
    ['wrong-secret', [401], { expectReject: [403] }, 'fail reject-status'],
    ['same-event-twice', [200, 200], {}, 'pass'],
    ['same-event-twice', [200, 409], {}, 'fail not-idempotent'],
    ['same-event-at-once', [409, 200], {}, 'fail not-idempotent'],
    ['same-event-twice', [500, 500], {}, 'fail server-error'],
    ['unknown-event-type', [202], {}, 'pass'],
    ['unknown-event-type', [422], {}, 'fail unknown-refused'],
    ['unknown-event-type', [422], { allowUnknown: [422] }, 'pass'],
    ['unknown-fields', [500], {}, 'fail unknown-crash'],
    ['not-json', [400], {}, 'pass'],
    ['not-json', [422], {}, 'pass'],
    ['not-json', [200], {}, 'fail bad-input-accepted'],
    ['not-an-envelope', [500], {}, 'fail bad-input-crash'],
    ['pretty-printed', [200], {}, 'pass'],
    ['pretty-printed', [401], {}, 'warn reserialized-body'],
    ['pretty-printed', [401], { strict: true }, 'fail reserialized-body'],
    ['big-integer', [500], {}, 'fail server-error'],
  ])('%s answered %j (%j): %s', (name, statuses, expectations, expected) => {
    expect(verdictOf(name, statuses.map(ok), expectations)).toBe(expected);
  });

  it('no answer is a failure: a timeout, or any other network failure', () => {
    expect(verdictOf('wrong-secret', [{ kind: 'error', code: 'timeout', message: 'x', latencyMs: 10 }])).toBe(
      'fail timeout',
    );
    expect(verdictOf('generation.completed', [{ kind: 'error', code: 'reset', message: 'x', latencyMs: 1 }])).toBe(
      'fail no-answer',
    );
  });

  it('says what a correct endpoint answers, with the statuses the user chose', () => {
    expect(judge(probe('wrong-secret'), [ok(401)], defaults).expected).toBe('a refusal: 400, 401 or 403');
    expect(judge(probe('unknown-event-type'), [ok(200)], { ...defaults, allowUnknown: [404, 422] }).expected).toBe(
      '2xx or 404 or 422',
    );
    expect(judge(probe('same-event-at-once'), [ok(200), ok(200)], defaults).expected).toBe('2xx, both times');
  });

  it('latency: slow answers warn (fail when strict), a timeout fails', () => {
    const facts = { slow: 0, timedOut: 0, answers: 3 };
    expect(judgeLatency(facts, { slowMs: 2000, strict: false })).toMatchObject({
      status: 'pass',
      expected: 'every answer within 2s',
    });
    expect(judgeLatency({ ...facts, slow: 1 }, { slowMs: 50, strict: false })).toMatchObject({
      status: 'warn',
      hint: 'slow',
    });
    expect(judgeLatency({ ...facts, slow: 1 }, { slowMs: 50, strict: true })).toMatchObject({
      status: 'fail',
      hint: 'slow',
    });
    expect(judgeLatency({ ...facts, timedOut: 1 }, { slowMs: 50, strict: false })).toMatchObject({
      status: 'fail',
      hint: 'timeout',
    });
  });
});

describe('the JUnit file', () => {
  const run: CheckRun = {
    secretSource: 'env',
    strict: false,
    slowMs: 2000,
    timeoutMs: 10_000,
    headerNames: [],
    expectReject: [400, 401, 403],
  };
  const request = {
    method: 'POST' as const,
    url: 'http://127.0.0.1:1/x',
    headers: { 'x-datachonk-signature': 'sha256=ab' },
    body: '{}',
    event: 'e',
    id: 'evt_1',
  };
  // What an endpoint may answer: markup, quotes, controls XML 1.0 forbids, a lone surrogate, a CDATA end.
  const hostile = 'crash <b>"&\'</b> \u0000\u0001\u001b[31m\u0008 \ud800 ]]> \u009b \ufffe done';
  const report: CheckReport = {
    url: 'http://127.0.0.1:1/x?a=1&b="2"',
    planned: 3,
    durationMs: 12.5,
    notRun: [],
    listenerAnswers: 0,
    results: [
      {
        group: 'delivery',
        check: 'generation.completed',
        sends: 's',
        status: 'pass',
        expected: '2xx',
        exchanges: [{ request, answer: { kind: 'response', status: 200, body: 'ok', latencyMs: 2 } }],
      },
      {
        group: 'forgery',
        check: 'truncated-signature',
        sends: 's',
        status: 'fail',
        expected: 'a refusal: 400, 401 or 403',
        hint: 'length-pitfall',
        exchanges: [{ request, answer: { kind: 'response', status: 500, body: hostile, latencyMs: 3 } }],
      },
      {
        group: 'fidelity',
        check: 'pretty-printed',
        sends: 's',
        status: 'warn',
        expected: '2xx',
        hint: 'reserialized-body',
        exchanges: [{ request, answer: { kind: 'response', status: 401, body: hostile, latencyMs: 4 } }],
      },
    ],
  };

  it('is XML that a strict parser accepts, whatever the endpoint answered', () => {
    const xml = junitXml(report, run);
    expect(XMLValidator.validate(xml)).toBe(true);

    expect(xml).not.toMatch(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\ud800-\udfff\ufffe\uffff]/);
  });

  it('one testsuite per group, one testcase per check; failures carry a message, warnings their words in system-out', () => {
    const parsed = new XMLParser({
      ignoreAttributes: false,
      attributeNamePrefix: '',
      isArray: (name) => ['testsuite', 'testcase'].includes(name),
    }).parse(junitXml(report, run));
    const suites = parsed.testsuites.testsuite as { name: string; testcase: Record<string, unknown>[] }[];
    expect(parsed.testsuites).toMatchObject({ tests: '3', failures: '1' });
    expect(suites.map((s) => s.name)).toEqual(['delivery', 'forgery', 'fidelity']);
    const [truncated] = suites[1]!.testcase as { failure: { message: string; '#text': string } }[];
    expect(truncated!.failure.message).toContain(
      'expected a refusal: 400, 401 or 403, got 500: it crashed on a signature of another length',
    );
    expect(truncated!.failure['#text']).toContain('crash <b>"&\'</b> \\u0000\\u0001\\u001b[31m\\u0008 \\ud800 ]]>');
    const [pretty] = suites[2]!.testcase as { 'system-out': string; failure?: unknown }[];
    expect(pretty!.failure).toBeUndefined();
    expect(pretty!['system-out']).toContain(
      'warning: expected 2xx, got 401: your endpoint appears to verify a re-serialized body; verify the raw request bytes',
    );
  });

  it('escapes text and attributes, keeping newlines in attributes as references', () => {
    expect(xmlText('a<b>&c\u0007')).toBe('a&lt;b&gt;&amp;c\\u0007');
    expect(xmlAttribute('say "hi"\nthen\ttab')).toBe('say &quot;hi&quot;&#10;then&#9;tab');
  });
});

import { brotliCompressSync, deflateRawSync, deflateSync, gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { isFailure } from '../../src/failure.js';
import {
  DIAGNOSED_BODY_BYTES,
  decideBody,
  decideHead,
  type ListenRules,
  type RequestHead,
} from '../../src/core/listen/decide.js';
import { forwardUrl, parseRoute, parseTarget } from '../../src/core/listen/targets.js';
import { sign } from '../../src/core/signing/signature.js';

// The listener's verdict on one request, rule by rule: the code, the status the sender gets, the
// words it reads, what is journalled, where the event goes and with which signature.

const PATH = '/webhooks/datachonk';
const APP = 'whsec_app';
const SESSION = 'whsec_session';

const envelope = {
  id: 'evt_1',
  event: 'generation.completed',
  created_at: '2024-01-15T10:30:00Z',
  project_id: 'proj_1',
  data: { chonk_name: 'dim_x', extra: [1] },
};
const BODY = Buffer.from(JSON.stringify(envelope));

const rules = (over: Partial<ListenRules> = {}): ListenRules => ({
  path: PATH,
  secrets: [APP],
  skipVerify: false,
  targets: [new URL('http://localhost:3000')],
  maxBodyBytes: 1024,
  ...over,
});
const head = (over: Partial<RequestHead> = {}): RequestHead => ({
  method: 'POST',
  url: PATH,
  signature: sign(APP, BODY),
  ...over,
});

const MISMATCH = 'the signature does not match the body: the secret differs, or the body was changed on the way';
const MISSING = 'the x-datachonk-signature header is missing';
const NO_SECRET = 'no signing secret was given to check the signature with';

describe('decideHead', () => {
  it('lets a POST to the webhook path through, with or without a query', () => {
    expect(decideHead({ method: 'POST', url: PATH }, { path: PATH })).toBeUndefined();
    expect(decideHead({ method: 'POST', url: `${PATH}?attempt=2&x=?` }, { path: PATH })).toBeUndefined();
  });

  it.each([
    ['/'],
    ['/webhooks'],
    [`${PATH}/`],
    [`${PATH}x`],
    [`${PATH}/extra`],
    ['/WEBHOOKS/DATACHONK'],
    [`/x?path=${PATH}`],
    [`?${PATH}`],
  ])('answers 404 for %s, naming the path it listens on, and journals nothing', (url) => {
    expect(decideHead({ method: 'POST', url }, { path: PATH })).toEqual({
      verdict: 'reject',
      code: 'not-found',
      status: 404,
      reason: `not found: datachonk listens on POST ${PATH}`,
    });
  });

  it('checks the path before the method', () => {
    expect(decideHead({ method: 'GET', url: '/favicon.ico' }, { path: PATH })).toMatchObject({
      code: 'not-found',
      status: 404,
    });
  });

  it.each(['GET', 'PUT', 'HEAD', 'post'])('answers 405 to %s on the webhook path', (method) => {
    expect(decideHead({ method, url: `${PATH}?a=1` }, { path: PATH })).toEqual({
      verdict: 'reject',
      code: 'method-not-allowed',
      status: 405,
      reason: `method ${method} not allowed: send a POST`,
    });
  });
});

describe('decideBody: bodies that never arrived', () => {
  it('answers 413 to a body over the limit, naming the limit, whatever its signature', () => {
    expect(decideBody(head({ signature: undefined }), 'too-large', rules({ maxBodyBytes: 2048 }))).toEqual({
      verdict: 'reject',
      code: 'too-large',
      status: 413,
      reason: 'the body is larger than 2048 bytes',
    });
  });

  it('answers nobody (status 0) when the client went away mid-body', () => {
    expect(decideBody(head(), 'aborted', rules({ skipVerify: true }))).toEqual({
      verdict: 'reject',
      code: 'aborted',
      status: 0,
      reason: 'the client stopped before sending the whole body (disconnected or timed out)',
    });
  });
});

describe('decideBody: the signature', () => {
  it('accepts a body signed with the secret, as verified', () => {
    expect(decideBody(head(), BODY, rules())).toEqual({
      verdict: 'accept',
      verification: { status: 'valid' },
      envelope,
      routes: [{ target: 0, url: `http://localhost:3000${PATH}` }],
      filtered: false,
      signature: undefined,
    });
  });

  it("answers 401 with verify's words, journals it, and shows the event and id the body claims", () => {
    expect(decideBody(head({ signature: sign('whsec_other', BODY) }), BODY, rules())).toEqual({
      verdict: 'reject',
      code: 'bad-signature',
      status: 401,
      reason: `invalid signature: ${MISMATCH}`,
      verification: {
        status: 'invalid',
        reason: MISMATCH,
        code: 'mismatch',
        diagnosis: { reason: 'unknown', verify_reason: 'mismatch' },
      },
      claimed: { event: 'generation.completed', id: 'evt_1' },
    });
  });

  it('says why a signature failed: the diagnosis, with the other secrets it knows, for bodies up to the bound', () => {
    const pretty = Buffer.from(JSON.stringify(JSON.parse(BODY.toString()), null, 2));
    expect(decideBody(head({ signature: sign(APP, BODY) }), pretty, rules()).verification).toMatchObject({
      status: 'invalid',
      code: 'mismatch',
      diagnosis: { reason: 'body_reserialized', form: 'compact' },
    });
    const otherSecrets = [{ secret: 'whsec_dev', label: 'the local dev secret' }];
    expect(
      decideBody(head({ signature: sign('whsec_dev', BODY) }), BODY, rules({ otherSecrets })).verification,
    ).toMatchObject({ diagnosis: { reason: 'wrong_secret', matched_secret: 'the local dev secret' } });
    expect(decideBody(head({ signature: 'sha256=zz' }), BODY, rules({ skipVerify: true })).verification).toMatchObject({
      status: 'skipped',
      diagnosis: { reason: 'malformed_header' },
    });
    const big = Buffer.from(JSON.stringify({ ...JSON.parse(BODY.toString()), pad: 'x'.repeat(DIAGNOSED_BODY_BYTES) }));
    const decision = decideBody(
      head({ signature: sign('whsec_dev', big) }),
      big,
      rules({ otherSecrets, maxBodyBytes: 2 * DIAGNOSED_BODY_BYTES }),
    );
    expect(decision.verification).toEqual({ status: 'invalid', reason: MISMATCH, code: 'mismatch' });
  });

  it.each([
    ['is not JSON', Buffer.from('{"id":')],
    ['is not an event', Buffer.from('{"id":"evt_1"}')],
  ])('claims nothing for an unsigned body that %s', (_name, body) => {
    const decision = decideBody(head({ signature: undefined }), body, rules());
    expect(decision).toMatchObject({ code: 'bad-signature', reason: `invalid signature: ${MISSING}` });
    expect(decision).not.toHaveProperty('claimed');
  });

  it('refuses a repeated signature header even when one of the values is right', () => {
    const good = sign(APP, BODY);
    expect(decideBody(head({ signature: [good, good] }), BODY, rules())).toMatchObject({
      code: 'bad-signature',
      status: 401,
      verification: { status: 'invalid', reason: 'the x-datachonk-signature header was sent more than once' },
    });
  });

  it.each([
    [
      'in upper-case hex',
      (s: string) => s.toUpperCase().replace('SHA256=', 'sha256='),
      'uppercase-hex',
      'the signature has uppercase hex digits; DataChonk sends lowercase',
    ],
    ['with whitespace around it', (s: string) => ` ${s}\t`, 'whitespace', 'the signature has whitespace around it'],
    [
      'with an upper-case prefix',
      (s: string) => s.replace('sha256=', 'SHA256='),
      'prefix-case',
      'the signature starts with SHA256=',
    ],
  ])(
    'answers 401 to the right signature %s, naming the near miss, as a strict receiver would refuse it',
    (_name, alter, code, words) => {
      const decision = decideBody(head({ signature: alter(sign(APP, BODY)) }), BODY, rules());
      expect(decision).toMatchObject({
        verdict: 'reject',
        code: 'bad-signature',
        status: 401,
        verification: { status: 'invalid', code },
      });
      expect(decision.verdict === 'reject' && decision.reason).toContain(`invalid signature: ${words}`);
    },
  );

  it('with skipVerify, forwards a near miss marked skipped, never valid', () => {
    const upper = sign(APP, BODY).toUpperCase().replace('SHA256=', 'sha256=');
    expect(decideBody(head({ signature: upper }), BODY, rules({ skipVerify: true }))).toMatchObject({
      verdict: 'accept',
      verification: { status: 'skipped', code: 'uppercase-hex' },
    });
  });

  it('accepts a body signed with any of the secrets, whatever their order', () => {
    expect(
      decideBody(head({ signature: sign(SESSION, BODY) }), BODY, rules({ secrets: [APP, SESSION] })),
    ).toMatchObject({ verdict: 'accept', verification: { status: 'valid' } });
    expect(
      decideBody(head({ signature: sign(SESSION, BODY) }), BODY, rules({ secrets: [SESSION, APP] })),
    ).toMatchObject({ verdict: 'accept', verification: { status: 'valid' } });
  });

  it('passes over an empty secret in the list, and says mismatch when none matches', () => {
    const decision = decideBody(head({ signature: sign('whsec_third', BODY) }), BODY, rules({ secrets: ['', APP] }));
    expect(decision).toMatchObject({ code: 'bad-signature', reason: `invalid signature: ${MISMATCH}` });
    expect(decideBody(head({ signature: sign(APP, BODY) }), BODY, rules({ secrets: ['', APP] }))).toMatchObject({
      verdict: 'accept',
      verification: { status: 'valid' },
    });
    expect(
      decideBody(head({ signature: sign('whsec_third', BODY) }), BODY, rules({ secrets: [APP, ''] })),
    ).toMatchObject({ code: 'bad-signature', reason: `invalid signature: ${MISMATCH}` });
  });

  it('with no secret at all, refuses every request as unverifiable', () => {
    expect(decideBody(head(), BODY, rules({ secrets: [] }))).toMatchObject({
      code: 'bad-signature',
      status: 401,
      verification: { status: 'invalid', reason: NO_SECRET },
    });
  });

  it('with skipVerify, accepts a bad or missing signature marked skipped, with the reason', () => {
    expect(decideBody(head({ signature: 'sha256=zz' }), BODY, rules({ skipVerify: true }))).toEqual({
      verdict: 'accept',
      envelope,
      routes: [{ target: 0, url: `http://localhost:3000${PATH}` }],
      filtered: false,
      signature: undefined,
      verification: {
        status: 'skipped',
        reason: 'the x-datachonk-signature header is not of the form sha256=<64 lowercase hex digits>',
        code: 'malformed',
        diagnosis: { reason: 'malformed_header', verify_reason: 'malformed' },
      },
    });
    expect(decideBody(head({ signature: undefined }), BODY, rules({ skipVerify: true, secrets: [] }))).toMatchObject({
      verdict: 'accept',
      verification: { status: 'skipped', reason: NO_SECRET },
    });
  });

  it('with skipVerify, still calls a good signature valid', () => {
    const decision = decideBody(head(), BODY, rules({ skipVerify: true }));
    expect(decision.verification).toEqual({ status: 'valid' });
  });
});

describe('decideBody: the body', () => {
  it('answers 400 to a signed body that is not JSON, keeping the verification', () => {
    const body = Buffer.from('hello');
    expect(decideBody(head({ signature: sign(APP, body) }), body, rules())).toEqual({
      verdict: 'reject',
      code: 'not-json',
      status: 400,
      reason: 'the body is not JSON',
      verification: { status: 'valid' },
    });
  });

  it('answers 400 to an unsigned non-JSON body under skipVerify, marked skipped', () => {
    expect(decideBody(head({ signature: undefined }), Buffer.from(''), rules({ skipVerify: true }))).toMatchObject({
      code: 'not-json',
      status: 400,
      verification: { status: 'skipped', reason: MISSING },
    });
  });

  const notAnEvent = (payload: unknown) => {
    const body = Buffer.from(JSON.stringify(payload));
    return decideBody(head({ signature: sign(APP, body) }), body, rules());
  };

  it.each([
    ['id', 'event_1', 'id: expected an id starting with "evt_"'],
    ['id', undefined, 'id: Invalid input: expected string, received undefined'],
    ['event', '', 'event: Too small: expected string to have >=1 characters'],
    ['event', 5, 'event: Invalid input: expected string, received number'],
    ['created_at', 'yesterday', 'created_at: Invalid ISO datetime'],
    ['created_at', '2024-01-15T10:30:00', 'created_at: Invalid ISO datetime'],
    ['project_id', 'p_1', 'project_id: expected an id starting with "proj_"'],
    ['project_id', 'proj_', 'project_id: expected an id starting with "proj_"'],
    ['data', [], 'data: Invalid input: expected record, received array'],
    ['data', null, 'data: Invalid input: expected record, received null'],
  ])('answers 400 to an event whose %s is %j, naming the field', (field, value, words) => {
    expect(notAnEvent({ ...envelope, [field]: value })).toEqual({
      verdict: 'reject',
      code: 'not-an-event',
      status: 400,
      reason: `the body is not a DataChonk event: ${words}`,
      verification: { status: 'valid' },
    });
  });

  it('answers 400 to JSON that is not an object, located at the payload', () => {
    expect(notAnEvent([envelope])).toMatchObject({
      code: 'not-an-event',
      reason: 'the body is not a DataChonk event: (payload): Invalid input: expected object, received array',
    });
  });

  it('accepts any event type with a good envelope, and a created_at with an offset, without checking data', () => {
    const other = {
      ...envelope,
      event: 'invoice.paid',
      created_at: '2024-01-15T10:30:00+02:00',
      data: { anything: true },
    };
    expect(notAnEvent(other)).toMatchObject({ verdict: 'accept', envelope: other });
  });
});

describe('decideBody: a body sent with a Content-Encoding', () => {
  const GZ = gzipSync(BODY);
  const sent = (body: Buffer, encoding: string, secret = APP) => head({ signature: sign(secret, body), encoding });

  it('verifies the bytes as received and reads the event from them decoded; the bytes go on as they came', () => {
    expect(decideBody(sent(GZ, 'gzip'), GZ, rules())).toEqual({
      verdict: 'accept',
      verification: { status: 'valid' },
      envelope,
      routes: [{ target: 0, url: `http://localhost:3000${PATH}` }],
      filtered: false,
      signature: undefined,
    });
    // Signed again for the app: over the bytes it is sent, the compressed ones.
    expect(decideBody(sent(GZ, 'gzip', SESSION), GZ, rules({ secrets: [SESSION], appSecrets: [APP] }))).toMatchObject({
      signature: sign(APP, GZ),
    });
  });

  it.each([
    ['x-gzip', gzipSync(BODY)],
    ['deflate', deflateSync(BODY)],
    ['deflate', deflateRawSync(BODY)],
    ['br', brotliCompressSync(BODY)],
    ['GZIP', gzipSync(BODY)],
    ['gzip, br', brotliCompressSync(gzipSync(BODY))],
    ['identity', BODY],
  ])('reads a body sent as %s', (encoding, body) => {
    expect(decideBody(sent(body, encoding), body, rules())).toMatchObject({ verdict: 'accept', envelope });
  });

  it('answers 401 to a body signed before it was compressed: the signature covers the bytes as sent; the event it claims is read decoded', () => {
    expect(decideBody(head({ signature: sign(APP, BODY), encoding: 'gzip' }), GZ, rules())).toMatchObject({
      code: 'bad-signature',
      status: 401,
      claimed: { event: 'generation.completed', id: 'evt_1' },
    });
  });

  it('answers 413 to a body that decompresses past the limit (a decompression bomb), and journals it', () => {
    const bomb = gzipSync(Buffer.alloc(1025, ' '));
    expect(bomb.length).toBeLessThan(1024);
    expect(decideBody(sent(bomb, 'gzip'), bomb, rules({ maxBodyBytes: 1024 }))).toEqual({
      verdict: 'reject',
      code: 'too-large',
      status: 413,
      reason: 'the body decompresses to more than 1024 bytes',
      verification: { status: 'valid' },
    });
    expect(decideBody(sent(GZ, 'gzip'), GZ, rules({ maxBodyBytes: BODY.length }))).toMatchObject({ verdict: 'accept' });
  });

  it('answers 415 to a coding it cannot undo, naming the ones it can', () => {
    expect(decideBody(sent(GZ, 'gzip, zstd'), GZ, rules())).toEqual({
      verdict: 'reject',
      code: 'unsupported-encoding',
      status: 415,
      verification: { status: 'valid' },
      reason:
        'the body is encoded with zstd, which the listener cannot decode: send it as gzip, deflate, br or unencoded',
    });
  });

  it('answers 400 to a body that is not what its Content-Encoding says', () => {
    expect(decideBody(sent(BODY, 'gzip'), BODY, rules())).toEqual({
      verdict: 'reject',
      code: 'bad-encoding',
      status: 400,
      verification: { status: 'valid' },
      reason: 'the body is not valid gzip: incorrect header check',
    });
  });
});

describe('decideBody: routes and the event filter', () => {
  const targets = [
    new URL('http://localhost:3000'),
    new URL('http://127.0.0.1:4000/hooks'),
    new URL('https://app.test/in?k=1'),
  ];

  it('routes to every target: the received path and query where a target has no path, its own path otherwise', () => {
    const decision = decideBody(head({ url: `${PATH}?attempt=2` }), BODY, rules({ targets }));
    expect(decision).toMatchObject({
      verdict: 'accept',
      filtered: false,
      routes: [
        `http://localhost:3000${PATH}?attempt=2`,
        'http://127.0.0.1:4000/hooks?attempt=2',
        'https://app.test/in?k=1',
      ].map((url, target) => ({ target, url })),
    });
  });

  it('routes by event pattern: the targets whose pattern takes the event, else those without a pattern', () => {
    const three = rules({
      targets: [
        new URL('http://localhost:3000/chonks'),
        new URL('http://localhost:4000/gen'),
        new URL('http://localhost:5000'),
      ],
      targetPatterns: ['chonk.*', 'generation.*', undefined],
    });
    const signed = (event: string) => {
      const body = Buffer.from(JSON.stringify({ ...envelope, event }));
      return [head({ signature: sign(APP, body) }), body] as const;
    };
    const routed = (event: string) => decideBody(...signed(event), three);
    expect(routed('generation.completed')).toMatchObject({
      verdict: 'accept',
      routes: [{ target: 1, url: 'http://localhost:4000/gen' }],
    });
    expect(routed('chonk.created')).toMatchObject({ routes: [{ target: 0, url: 'http://localhost:3000/chonks' }] });
    expect(routed('push.completed')).toMatchObject({ routes: [{ target: 2, url: `http://localhost:5000${PATH}` }] });
    // Two patterns that take it: both get it; exact types work as patterns.
    const overlapping = rules({
      targets: [new URL('http://a.test'), new URL('http://b.test'), new URL('http://c.test')],
      targetPatterns: ['generation.completed', '*.completed', undefined],
    });
    expect(decideBody(head(), BODY, overlapping)).toMatchObject({ routes: [{ target: 0 }, { target: 1 }] });
    // No target for the rest: an event no pattern takes is acknowledged, not forwarded.
    const onlyChonks = rules({ targets: [new URL('http://a.test')], targetPatterns: ['chonk.*'] });
    expect(decideBody(head(), BODY, onlyChonks)).toMatchObject({
      verdict: 'accept',
      routes: [],
      filtered: false,
      unrouted: true,
    });
    expect(decideBody(head(), BODY, rules({ targets: [] }))).not.toHaveProperty('unrouted');
    // `.` is literal, not any character.
    expect(decideBody(...signed('chonkXcreated'), onlyChonks)).toMatchObject({ routes: [] });
  });

  it('acknowledges without routes when there is no target', () => {
    expect(decideBody(head(), BODY, rules({ targets: [] }))).toMatchObject({
      verdict: 'accept',
      routes: [],
      filtered: false,
    });
  });

  it('forwards events the filter names', () => {
    const events = new Set(['chonk.created', 'generation.completed']);
    expect(decideBody(head(), BODY, rules({ targets, events }))).toMatchObject({
      filtered: false,
      routes: [`http://localhost:3000${PATH}`, 'http://127.0.0.1:4000/hooks', 'https://app.test/in?k=1'].map(
        (url, target) => ({ target, url }),
      ),
    });
  });

  it('acknowledges, unrouted and marked filtered, an event the filter does not name', () => {
    expect(decideBody(head(), BODY, rules({ targets, events: new Set(['chonk.created']) }))).toEqual({
      verdict: 'accept',
      verification: { status: 'valid' },
      envelope,
      routes: [],
      filtered: true,
      signature: undefined,
    });
    expect(decideBody(head(), BODY, rules({ events: new Set() }))).toMatchObject({ filtered: true, routes: [] });
  });
});

describe('decideBody: signing again for the app', () => {
  const twoSecrets = { secrets: [SESSION, APP], appSecrets: [APP] };

  it("signs again with the app's secret a request verified with another secret", () => {
    const decision = decideBody(head({ signature: sign(SESSION, BODY) }), BODY, rules(twoSecrets));
    expect(decision).toMatchObject({ verdict: 'accept', signature: sign(APP, BODY) });
  });

  it('whatever the order of the secrets', () => {
    const decision = decideBody(
      head({ signature: sign(SESSION, BODY) }),
      BODY,
      rules({ ...twoSecrets, secrets: [APP, SESSION] }),
    );
    expect(decision).toMatchObject({ verdict: 'accept', signature: sign(APP, BODY) });
  });

  it("keeps the received signature when the request was signed with the app's secret", () => {
    const decision = decideBody(head({ signature: sign(APP, BODY) }), BODY, rules(twoSecrets));
    expect(decision).toMatchObject({ verdict: 'accept', verification: { status: 'valid' } });
    expect(decision).toHaveProperty('signature', undefined);
  });

  it("during a rotation, keeps the signature of a request signed with any of the app's secrets, and signs a session's with the first", () => {
    const rotation = { secrets: [SESSION, APP, 'whsec_old'], appSecrets: [APP, 'whsec_old'] };
    const old = decideBody(head({ signature: sign('whsec_old', BODY) }), BODY, rules(rotation));
    expect(old).toMatchObject({ verdict: 'accept', verification: { status: 'valid', secret_index: 1 } });
    expect(decideBody(head({ signature: sign(APP, BODY) }), BODY, rules(rotation)).verification).toEqual({
      status: 'valid',
    });
    expect(old).toHaveProperty('signature', undefined);
    expect(decideBody(head({ signature: sign(SESSION, BODY) }), BODY, rules(rotation))).toMatchObject({
      signature: sign(APP, BODY),
    });
  });

  it('keeps the received signature when there is no app secret', () => {
    const decision = decideBody(head({ signature: sign(SESSION, BODY) }), BODY, rules({ secrets: [SESSION, APP] }));
    expect(decision).toMatchObject({ verdict: 'accept' });
    expect(decision).toHaveProperty('signature', undefined);
  });

  it('never signs an unverified request (skipVerify)', () => {
    const decision = decideBody(
      head({ signature: sign('whsec_forged', BODY) }),
      BODY,
      rules({ ...twoSecrets, skipVerify: true }),
    );
    expect(decision).toMatchObject({ verdict: 'accept', verification: { status: 'skipped' } });
    expect(decision).toHaveProperty('signature', undefined);
  });

  it('signs nothing when nothing is forwarded: filtered, or no target', () => {
    const filtered = decideBody(
      head({ signature: sign(SESSION, BODY) }),
      BODY,
      rules({ ...twoSecrets, events: new Set(['chonk.created']) }),
    );
    expect(filtered).toMatchObject({ filtered: true });
    expect(filtered).toHaveProperty('signature', undefined);
    const untargeted = decideBody(
      head({ signature: sign(SESSION, BODY) }),
      BODY,
      rules({ ...twoSecrets, targets: [] }),
    );
    expect(untargeted).toHaveProperty('signature', undefined);
  });

  it('signs the exact received bytes, not a re-serialization', () => {
    const spaced = Buffer.from(JSON.stringify(envelope, null, 2));
    const decision = decideBody(head({ signature: sign(SESSION, spaced) }), spaced, rules(twoSecrets));
    expect(decision).toMatchObject({ signature: sign(APP, spaced) });
    expect(sign(APP, spaced)).not.toBe(sign(APP, BODY));
  });
});

describe('parseTarget', () => {
  it.each([
    ['3000', 'http://localhost:3000/'],
    [' 3000\n', 'http://localhost:3000/'],
    [':3000', 'http://localhost:3000/'],
    [':3000/hooks?k=1', 'http://localhost:3000/hooks?k=1'],
    ['localhost:3000', 'http://localhost:3000/'],
    ['127.0.0.1:4000/cb?next=http://x', 'http://127.0.0.1:4000/cb?next=http://x'],
    ['app.test', 'http://app.test/'],
    ['https://app.test/in', 'https://app.test/in'],
    ['HTTPS://App.Test:8443', 'https://app.test:8443/'],
    ['my_app:3000', 'http://my_app:3000/'],
  ])('reads %j as %s', (text, href) => {
    expect(parseTarget(text).href).toBe(href);
  });

  it.each([
    ['localhost', true],
    ['app.test/hooks', true],
    ['localhost:3000', false],
    ['3000', false],
    ['http://localhost', false],
    ['https://app.test', false],
    ['[::1]:8080', false],
    ['[::1]', true],
    ['localhost:80', false],
    ['localhost:80/x', false],
    ['app.test?x=1', true],
    ['app.test/a:1', true],
    [':3000/hooks', false],
    ['HTTPS://App.Test:8443', false],
    [' localhost:3000 ', false],
    ['3000/hooks', true],
  ])('%j leaves the port implied: %s', (text, implied) => {
    expect(parseRoute(text).impliedPort).toBe(implied);
    expect(parseRoute(`chonk.*=${text}`).impliedPort).toBe(implied);
  });

  it('reads a route with spaces around it as typed without them', () => {
    expect(parseRoute('  chonk.*=localhost:3000/chonks  ')).toEqual({
      url: new URL('http://localhost:3000/chonks'),
      events: 'chonk.*',
      impliedPort: false,
    });
  });

  const failureOf = (text: string) => {
    try {
      parseTarget(text);
    } catch (error) {
      if (isFailure(error, 'target-invalid')) return error.facts;
      throw error;
    }
    throw new Error(`parseTarget accepted ${text}`);
  };

  it.each([['localhost:abc'], ['http://'], ['http://[::1'], [' :99999 '], ['ht!tp://x'], ['http://a b']])(
    'refuses %j as a syntax problem, quoting it as typed',
    (text) => {
      expect(failureOf(text)).toEqual({ text, problem: 'syntax' });
    },
  );

  it.each([['ftp://files.test'], ['file:///tmp/x'], ['ws://localhost:3000']])('refuses %j for its scheme', (text) => {
    expect(failureOf(text)).toEqual({ text, problem: 'scheme' });
  });
});

describe('forwardUrl', () => {
  it('gives a target without a path the received path and query', () => {
    expect(forwardUrl(new URL('http://localhost:3000'), `${PATH}?a=1&b=?`)).toBe(
      `http://localhost:3000${PATH}?a=1&b=?`,
    );
    expect(forwardUrl(new URL('http://localhost:3000/'), PATH)).toBe(`http://localhost:3000${PATH}`);
    expect(forwardUrl(new URL('http://localhost:3000'), '?a=1')).toBe('http://localhost:3000?a=1');
  });

  it("keeps a target's own path and query", () => {
    expect(forwardUrl(new URL('http://localhost:3000/hooks'), `${PATH}?a=1`)).toBe('http://localhost:3000/hooks?a=1');
    expect(forwardUrl(new URL('http://localhost:3000/hooks'), '?a=1')).toBe('http://localhost:3000/hooks?a=1');
    expect(forwardUrl(new URL('http://localhost:3000/hooks?mine=1'), `${PATH}?a=1`)).toBe(
      'http://localhost:3000/hooks?mine=1',
    );
    expect(forwardUrl(new URL('http://localhost:3000/?mine=1'), `${PATH}?a=1`)).toBe(
      `http://localhost:3000${PATH}?mine=1`,
    );
  });
});

import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildPayload } from '../../src/core/events/build.js';
import { EVENT_TYPES, isEventType } from '../../src/core/events/catalogue.js';
import { validateEvent } from '../../src/core/events/schemas.js';
import { startReceiver, type Receiver } from '../../src/core/listen/receiver.js';
import { parseTarget } from '../../src/core/listen/targets.js';
import { NEAR_MISSES, sign, verify } from '../../src/core/signing/signature.js';
import { planPayloads } from '../../src/core/trigger/plan.js';
import { wordsOf } from '../helpers/program.js';
import { startRecordingServer, type RecordingServer } from '../helpers/recording-server.js';
import { rawRequest } from '../helpers/raw-http.js';

const RUNS = Number(process.env.RELIABILITY_FUZZ_RUNS ?? 300);

describe('verify', () => {
  const secret = fc.string({ minLength: 1 });
  const body = fc.uint8Array({ maxLength: 512 });

  it('accepts what sign makes, as a string or as the one element of an array', () => {
    fc.assert(
      fc.property(secret, body, (s, b) => {
        expect(verify(s, b, sign(s, b))).toEqual({ ok: true, secretIndex: 0 });
        expect(verify(s, b, [sign(s, b)])).toEqual({ ok: true, secretIndex: 0 });
      }),
      { numRuns: RUNS * 10 },
    );
  });

  it('a one-byte change of the body, another secret, or one changed hex digit is a mismatch', () => {
    fc.assert(
      fc.property(
        secret,
        fc.uint8Array({ minLength: 1, maxLength: 512 }),
        fc.nat(),
        fc.integer({ min: 7, max: 70 }),
        (s, b, at, digit) => {
          const signature = sign(s, b);
          const changed = Uint8Array.from(b);
          changed[at % changed.length] = (changed[at % changed.length]! + 1) % 256;
          const otherDigit = `${signature.slice(0, digit)}${signature[digit] === '0' ? '1' : '0'}${signature.slice(digit + 1)}`;
          for (const result of [
            verify(s, changed, signature),
            verify(`${s}x`, b, signature),
            verify(s, b, otherDigit),
          ]) {
            expect(result).toMatchObject({ ok: false, reason: 'mismatch' });
          }
        },
      ),
      { numRuns: RUNS * 10 },
    );
  });

  it('any other header is refused, never thrown at, with the reason its shape calls for', () => {
    const header = fc.oneof(
      fc.constant(undefined),
      fc.constant(''),
      fc.string(),
      fc.array(fc.string(), { minLength: 2, maxLength: 3 }),
      fc.stringMatching(/^[0-9a-f]{64}$/).map((hex) => `sha256=${hex}`),
    );
    fc.assert(
      fc.property(secret, body, header, (s, b, h) => {
        const result = verify(s, b, h);
        fc.pre(h !== sign(s, b));
        const expected =
          h === undefined || h === ''
            ? 'missing'
            : Array.isArray(h) || h.includes(',')
              ? 'duplicated'
              : /^sha256=[0-9a-f]{64}$/.test(h)
                ? 'mismatch'
                : 'a format failure';
        expect(result.ok).toBe(false);
        const reason = result.ok ? undefined : result.reason;
        if (expected === 'a format failure') expect(reason === 'malformed' || NEAR_MISSES.has(reason!)).toBe(true);
        else expect(reason).toBe(expected);
      }),
      { numRuns: RUNS * 10 },
    );
  });

  it('the right signature, padded or in the wrong case, is refused, naming the first near miss it has', () => {
    const misses = fc.record({
      prefix: fc.boolean(),
      hex: fc.boolean(),
      space: fc.constantFrom('', ' ', '\t', '\n', ' \r\n'),
    });
    fc.assert(
      fc.property(secret, body, misses, fc.boolean(), (s, b, miss, after) => {
        const right = sign(s, b);
        const hex = right.slice('sha256='.length);
        const changedHex = miss.hex ? hex.toUpperCase() : hex;
        fc.pre(miss.prefix || changedHex !== hex || miss.space !== '');
        const bare = `${miss.prefix ? 'SHA256' : 'sha256'}=${changedHex}`;
        const header = after ? `${bare}${miss.space}` : `${miss.space}${bare}`;
        const expected = miss.prefix ? 'prefix-case' : changedHex !== hex ? 'uppercase-hex' : 'whitespace';
        expect(verify(s, b, header)).toMatchObject({ ok: false, reason: expected });
      }),
      { numRuns: RUNS * 10 },
    );
  });
});

describe('payload overrides', () => {
  const segment = fc.oneof(
    fc.constantFrom(
      'id',
      'data',
      'event',
      'project_id',
      'created_at',
      '0',
      '1',
      '__proto__',
      'constructor',
      'files_generated',
      'chonk_type',
      '',
    ),
    fc.string({ maxLength: 8 }),
  );
  const setArg = fc
    .tuple(
      fc.array(segment, { minLength: 1, maxLength: 4 }),
      fc.oneof(
        fc.string(),
        fc.jsonValue().map((v) => JSON.stringify(v)),
      ),
    )
    .map(([path, value]) => `${path.join('.')}=${value}`);
  const now = new Date('2026-11-26T10:00:00Z');

  /** What a usage error about this payload must name: its unknown event type, or its first invalid field. */
  const whatIsWrong = (payload: Record<string, unknown>): string | undefined => {
    if (typeof payload.event === 'string' && !isEventType(payload.event))
      return `unknown event type "${payload.event}"`;
    const validation = validateEvent(payload);
    return validation.ok ? undefined : `${validation.issues[0]!.path}: `;
  };

  /** Whether an error message names one of the --set arguments, its path, or a leading part of it. */
  const namesASet = (message: string, sets: readonly string[]) =>
    sets.some((arg) => {
      const path = arg
        .slice(0, Math.max(0, arg.indexOf('=')))
        .replace(/\[(\d+)\]/g, '.$1')
        .split('.');
      return (
        message.includes(`"${arg}"`) || path.some((_, i) => message.includes(`"${path.slice(0, i + 1).join('.')}"`))
      );
    });

  it('--set gives a payload that validates, or a usage error naming the bad --set or the invalid field', async () => {
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...EVENT_TYPES), fc.array(setArg, { maxLength: 4 }), async (event, sets) => {
        const plan = (validate: boolean) => planPayloads({ event, all: false, sets, validate }, now);
        let unchecked: Awaited<ReturnType<typeof planPayloads>>;
        try {
          unchecked = await plan(false);
        } catch (error) {
          // Not even a payload: the --set itself is bad (syntax, a forbidden key, a path through a value).
          const words = wordsOf(error);
          expect(words.kind).toBe('usage');
          expect(words.message).toMatch(/^--set /);
          expect(namesASet(words.message, sets), words.message).toBe(true);
          return;
        }
        const payload = buildPayload(unchecked.recipes[0]!, { id: 'evt_fuzz', createdAt: now });
        const checked = await plan(true).then(
          (recipes) => recipes,
          (error: unknown) => error,
        );
        const problem = whatIsWrong(payload);
        if (problem === undefined) {
          expect(checked).toHaveProperty('recipes');
          expect(buildPayload((checked as typeof unchecked).recipes[0]!, { id: 'evt_fuzz', createdAt: now })).toEqual(
            payload,
          );
        } else {
          expect(wordsOf(checked)).toMatchObject({ kind: 'usage', message: expect.stringContaining(problem) });
        }
        expect(({} as Record<string, unknown>).polluted).toBeUndefined();
      }),
      { numRuns: RUNS },
    );
  });

  it('any JSON as a --data patch gives a payload that validates, or a usage error saying what is wrong', async () => {
    await fc.assert(
      fc.asyncProperty(fc.jsonValue(), async (value) => {
        const data = JSON.stringify(value);
        const checked = await planPayloads(
          { event: 'generation.completed', all: false, sets: [], validate: true, data },
          now,
        ).then(
          (r) => r,
          (e: unknown) => e,
        );
        const isObject = value !== null && typeof value === 'object' && !Array.isArray(value);
        if (!isObject) {
          expect(wordsOf(checked)).toMatchObject({ kind: 'usage', message: 'the --data value must be a JSON object' });
          return;
        }
        const unchecked = await planPayloads(
          { event: 'generation.completed', all: false, sets: [], validate: false, data },
          now,
        );
        const payload = buildPayload(unchecked.recipes[0]!, { id: 'evt_fuzz', createdAt: now });
        const problem = whatIsWrong(payload);
        if (problem === undefined) {
          expect(checked).toHaveProperty('recipes');
        } else {
          expect(wordsOf(checked)).toMatchObject({ kind: 'usage', message: expect.stringContaining(problem) });
        }
      }),
      { numRuns: RUNS },
    );
  });
});

describe('the listener under hostile input', () => {
  const SECRET = 'whsec_fuzz';
  let app: RecordingServer;
  let receiver: Receiver;
  beforeAll(async () => {
    app = await startRecordingServer();
    receiver = await startReceiver(
      {
        host: '127.0.0.1',
        port: 0,
        path: '/webhooks/datachonk',
        secrets: [SECRET],
        skipVerify: false,
        targets: [parseTarget(app.origin)],
        forwardTimeoutMs: 2000,
        maxBodyBytes: 64 * 1024,
        requestTimeoutMs: 2000,
        drainTimeoutMs: 500,
        now: () => new Date(),
        monotonic: () => performance.now(),
      },
      { received() {}, forwarded() {}, completed() {}, warning() {} },
    );
  });
  afterAll(async () => {
    await receiver.close();
    await app.close();
  });

  const token = fc.stringMatching(/^[a-z][a-z0-9-]{0,15}$/);
  const headers = fc.dictionary(
    token.filter(
      (h) => !['content-length', 'transfer-encoding', 'host', 'connection', 'expect', 'upgrade'].includes(h),
    ),
    fc.string({ maxLength: 40 }).map((s) => s.replace(/[^\x20-\x7e]/g, '')),
  );
  const body = fc.oneof(
    fc.uint8Array({ maxLength: 2048 }).map((b) => Buffer.from(b)),
    fc.jsonValue().map((v) => Buffer.from(JSON.stringify(v) ?? 'null')),
  );
  // Missing, anything printable, or well-formed but made with another secret.
  const badSignature = fc.oneof(
    fc.constant(undefined),
    fc.string({ maxLength: 80 }).map((s) => s.replace(/[^\x20-\x7e]/g, '')),
    fc.stringMatching(/^[0-9a-f]{64}$/).map((h) => `sha256=${h}`),
  );

  it('random bytes, headers and methods never get a 5xx from the listener, and are never forwarded', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom('POST', 'GET', 'PUT', 'DELETE', 'PATCH', 'OPTIONS'),
        fc.constantFrom('/webhooks/datachonk', '/webhooks/datachonk?x=1', '/', '/other', '/webhooks/datachonk/extra'),
        headers,
        body,
        badSignature,
        async (method, path, headers, body, signature) => {
          const sendsBody = method !== 'GET';
          const response = await rawRequest(`${receiver.url.replace('/webhooks/datachonk', '')}${path}`, {
            method,
            headers: { ...headers, ...(signature === undefined ? {} : { 'x-datachonk-signature': signature }) },
            ...(sendsBody ? { body } : {}),
          });
          expect(response.status).toBeLessThan(500);
        },
      ),
      { numRuns: RUNS },
    );
    expect(app.requests).toHaveLength(0);
  });

  it('any body POSTed to the webhook path without a valid signature gets 401 with a JSON error, and is not forwarded', async () => {
    await fc.assert(
      fc.asyncProperty(headers, body, badSignature, async (headers, body, signature) => {
        const response = await rawRequest(receiver.url, {
          headers: { ...headers, ...(signature === undefined ? {} : { 'x-datachonk-signature': signature }) },
          body,
        });
        expect(response.status).toBe(401);
        expect(JSON.parse(response.body)).toMatchObject({ error: expect.stringMatching(/signature/) });
        expect(app.requests).toHaveLength(0);
      }),
      { numRuns: RUNS },
    );
  });
});

import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildPayload } from '../../src/core/events/build.js';
import { EVENT_TYPES } from '../../src/core/events/catalogue.js';
import { validateEvent } from '../../src/core/events/schemas.js';
import { startReceiver, type Receiver } from '../../src/core/listen/receiver.js';
import { parseTarget } from '../../src/core/listen/targets.js';
import { sign, verify } from '../../src/core/signing/signature.js';
import { planPayloads } from '../../src/core/trigger/plan.js';
import { wordsOf } from '../helpers/program.js';
import { startRecordingServer, type RecordingServer } from '../helpers/recording-server.js';
import { rawRequest } from '../helpers/raw-http.js';

const RUNS = Number(process.env.RELIABILITY_FUZZ_RUNS ?? 300);

describe('verify', () => {
  it('never throws, and accepts exactly what sign makes', () => {
    fc.assert(fc.property(fc.string({ minLength: 1 }), fc.uint8Array(), fc.oneof(fc.string(), fc.constant(undefined), fc.array(fc.string())), (secret, body, header) => {
      expect(verify(secret, body, sign(secret, body))).toEqual({ ok: true });
      const result = verify(secret, body, header);
      expect(result.ok).toBe(header === sign(secret, body) || (Array.isArray(header) && header.length === 1 && header[0] === sign(secret, body)));
    }), { numRuns: RUNS * 10 });
  });

  it('rejects any other well-formed signature and any one-byte change of the body', () => {
    fc.assert(fc.property(fc.string({ minLength: 1 }), fc.uint8Array({ minLength: 1 }), fc.nat(), (secret, body, at) => {
      const changed = Uint8Array.from(body);
      changed[at % changed.length] = (changed[at % changed.length]! + 1) % 256;
      expect(verify(secret, changed, sign(secret, body)).ok).toBe(false);
      expect(verify(`${secret}x`, body, sign(secret, body)).ok).toBe(false);
    }), { numRuns: RUNS * 10 });
  });
});

describe('payload overrides', () => {
  const segment = fc.oneof(fc.constantFrom('id', 'data', 'event', 'project_id', 'created_at', '0', '1', '__proto__', 'constructor', 'files_generated', 'chonk_type', ''), fc.string({ maxLength: 8 }));
  const setArg = fc.tuple(fc.array(segment, { minLength: 1, maxLength: 4 }), fc.oneof(fc.string(), fc.jsonValue().map((v) => JSON.stringify(v)))).map(([path, value]) => `${path.join('.')}=${value}`);

  it('--set paths and values give a payload or a usage error, never a crash', async () => {
    await fc.assert(fc.asyncProperty(fc.constantFrom(...EVENT_TYPES), fc.array(setArg, { maxLength: 4 }), fc.boolean(), async (event, sets, validate) => {
      try {
        const recipes = await planPayloads({ event, all: false, sets, validate }, new Date());
        const payload = buildPayload(recipes[0]!, { id: 'evt_fuzz', createdAt: new Date() });
        if (validate) expect(validateEvent(payload).ok || sets.some((s) => s.startsWith('id=') || s.startsWith('created_at='))).toBe(true);
        expect(typeof JSON.stringify(payload)).toBe('string');
      } catch (error) {
        expect(wordsOf(error).kind).toBe('usage');
      }
      expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    }), { numRuns: RUNS });
  });

  it('any JSON as a --data patch or a fixture file gives a payload or a usage error', async () => {
    await fc.assert(fc.asyncProperty(fc.jsonValue(), async (value) => {
      try {
        await planPayloads({ event: 'generation.completed', all: false, sets: [], validate: true, data: JSON.stringify(value) }, new Date());
      } catch (error) {
        expect(wordsOf(error).kind).toBe('usage');
      }
    }), { numRuns: RUNS });
  });
});

describe('the listener under hostile input', () => {
  const SECRET = 'whsec_fuzz';
  let app: RecordingServer;
  let receiver: Receiver;
  beforeAll(async () => {
    app = await startRecordingServer();
    receiver = await startReceiver({
      host: '127.0.0.1', port: 0, path: '/webhooks/datachonk', secrets: [SECRET], skipVerify: false, targets: [parseTarget(app.origin)],
      forwardTimeoutMs: 2000, maxBodyBytes: 64 * 1024, requestTimeoutMs: 2000, drainTimeoutMs: 500,
      now: () => new Date(), monotonic: () => performance.now(),
    }, { received() {}, forwarded() {}, completed() {}, warning() {} });
  });
  afterAll(async () => {
    await receiver.close();
    await app.close();
  });

  const token = fc.stringMatching(/^[a-z][a-z0-9-]{0,15}$/);
  it('random bytes, headers and methods never get a 5xx from the listener, and are never forwarded', async () => {
    await fc.assert(fc.asyncProperty(
      fc.constantFrom('POST', 'GET', 'PUT', 'DELETE', 'PATCH', 'OPTIONS'),
      fc.constantFrom('/webhooks/datachonk', '/webhooks/datachonk?x=1', '/', '/other', '/webhooks/datachonk/extra'),
      fc.dictionary(token.filter((h) => !['content-length', 'transfer-encoding', 'host', 'connection', 'expect', 'upgrade'].includes(h)), fc.string({ maxLength: 40 }).map((s) => s.replace(/[^\x20-\x7e]/g, ''))),
      fc.oneof(fc.uint8Array({ maxLength: 2048 }).map((b) => Buffer.from(b)), fc.jsonValue().map((v) => Buffer.from(JSON.stringify(v) ?? 'null'))),
      fc.oneof(fc.constant(undefined), fc.string({ maxLength: 80 }).map((s) => s.replace(/[^\x20-\x7e]/g, '')), fc.stringMatching(/^[0-9a-f]{64}$/).map((h) => `sha256=${h}`)),
      async (method, path, headers, body, signature) => {
        const sendsBody = method !== 'GET';
        const response = await rawRequest(`${receiver.url.replace('/webhooks/datachonk', '')}${path}`, {
          method,
          headers: { ...headers, ...(signature === undefined ? {} : { 'x-datachonk-signature': signature }) },
          ...(sendsBody ? { body } : {}),
        });
        expect(response.status).toBeLessThan(500);
      },
    ), { numRuns: RUNS });
    expect(app.requests).toHaveLength(0);
  });
});

import { describe, expect, expectTypeOf, it } from 'vitest';
import { constructEvent, sign, verify, WebhookVerificationError } from '../../src/index.js';
import type { KnownWebhookEvent, UnknownWebhookEvent } from '../../src/index.js';

const secret = 'whsec_unit';
const body = JSON.stringify({
  id: 'evt_1',
  event: 'chonk.deleted',
  created_at: '2026-11-26T10:00:00Z',
  project_id: 'proj_1',
  data: { chonk_id: 'chonk_1', chonk_name: 'stg_x', chonk_type: 'staging' },
});

describe('constructEvent', () => {
  it('returns the typed event, marked known, when the signature and the envelope are good', () => {
    const event = constructEvent(Buffer.from(body), sign(secret, body), secret);
    expect(event).toEqual({ ...JSON.parse(body), secretIndex: 0, known: true });
  });

  it('during a rotation, takes the new and the old secret and says which one signed', () => {
    const [fresh, old] = ['whsec_new', 'whsec_old'];
    expect(constructEvent(body, sign(fresh, body), [fresh, old]).secretIndex).toBe(0);
    expect(constructEvent(body, sign(old, body), [fresh, old]).secretIndex).toBe(1);
    expect(() => constructEvent(body, sign('whsec_other', body), [fresh, old])).toThrow(
      expect.objectContaining({ reason: 'mismatch' }),
    );
    expect(() => constructEvent(body, sign(old, body), [])).toThrow(expect.objectContaining({ reason: 'no-secret' }));
  });

  describe('an event type this version does not know (DataChonk added it later)', () => {
    const future = {
      id: 'evt_9',
      event: 'chonk.archived',
      created_at: '2027-01-02T03:04:05+01:00',
      project_id: 'proj_1',
      data: { chonk_id: 'chonk_1', archived_by: { user: 'u_1' } },
      delivery_attempt: 2,
    };
    const futureBody = JSON.stringify(future);

    it('is returned as a generic event, marked known: false, with every field as sent', () => {
      expect(constructEvent(futureBody, sign(secret, futureBody), secret)).toEqual({
        ...future,
        secretIndex: 0,
        known: false,
      });
      expect(constructEvent(Buffer.from(futureBody), sign(secret, futureBody), secret).known).toBe(false);
    });

    it('still needs the right signature, and still throws before parsing when it is wrong', () => {
      expect(() => constructEvent(futureBody, sign('other', futureBody), secret)).toThrow(WebhookVerificationError);
      expect(() => constructEvent(futureBody, undefined, secret)).toThrow(
        expect.objectContaining({ reason: 'missing' }),
      );
    });

    it.each<[string, Record<string, unknown>, string]>([
      ['an id without evt_', { id: 'event_9' }, 'id'],
      ['no created_at', { created_at: undefined }, 'created_at'],
      ['a created_at that is no date', { created_at: 'yesterday' }, 'created_at'],
      ['a project_id without proj_', { project_id: 'p_1' }, 'project_id'],
      ['data that is not an object', { data: [1, 2] }, 'data'],
      ['no data', { data: undefined }, 'data'],
    ])('with %s is refused as invalid-event, naming the field', (_name, change, path) => {
      const bad = JSON.stringify({ ...future, ...change });
      let thrown: unknown;
      try {
        constructEvent(bad, sign(secret, bad), secret);
      } catch (error) {
        thrown = error;
      }
      expect(thrown).toBeInstanceOf(WebhookVerificationError);
      expect(thrown).toMatchObject({ reason: 'invalid-event', issues: [expect.objectContaining({ path })] });
      expect((thrown as Error).message).toMatch(new RegExp(`^the body is not a DataChonk event: ${path}: `));
    });

    it.each<[string, unknown, string]>([
      ['missing', undefined, 'undefined'],
      ['null', null, 'null'],
      ['a number', 5, 'number'],
      ['an array naming a known type', ['generation.completed'], 'array'],
    ])('an event type that is %s is refused, saying a string was expected', (_name, type, received) => {
      const bad = JSON.stringify({ ...future, event: type });
      expect(() => constructEvent(bad, sign(secret, bad), secret)).toThrow(
        expect.objectContaining({
          reason: 'invalid-event',
          message: `the body is not a DataChonk event: event: Invalid input: expected string, received ${received}`,
        }),
      );
    });

    it.each([
      ['null', 'null'],
      ['5', 'number'],
      ['"chonk.archived"', 'string'],
      ['[]', 'array'],
    ])('a signed JSON %s is no event', (text, received) => {
      expect(() => constructEvent(text, sign(secret, text), secret)).toThrow(
        expect.objectContaining({
          reason: 'invalid-event',
          message: `the body is not a DataChonk event: (payload): Invalid input: expected object, received ${received}`,
        }),
      );
    });

    it('an empty event type is a malformed envelope, not an unknown type', () => {
      const empty = JSON.stringify({ ...future, event: '' });
      expect(() => constructEvent(empty, sign(secret, empty), secret)).toThrow(
        expect.objectContaining({ reason: 'invalid-event' }),
      );
    });

    it('a known type whose data does not match its schema is still refused, not passed off as unknown', () => {
      const bad = JSON.stringify({ ...future, event: 'generation.completed' });
      expect(() => constructEvent(bad, sign(secret, bad), secret)).toThrow(
        expect.objectContaining({
          reason: 'invalid-event',
          message: expect.stringMatching(/^the body is not a DataChonk event: data\./),
        }),
      );
    });

    it.each(['toString', '__proto__', 'constructor', 'hasOwnProperty'])(
      'a type named like an Object member (%s) is an unknown type',
      (type) => {
        const odd = JSON.stringify({ ...future, event: type });
        expect(constructEvent(odd, sign(secret, odd), secret)).toMatchObject({ event: type, known: false });
      },
    );

    it("the package's known flag wins over a payload field of that name", () => {
      const claims = JSON.stringify({ ...future, known: true });
      expect(constructEvent(claims, sign(secret, claims), secret).known).toBe(false);
      const knownClaims = JSON.stringify({ ...JSON.parse(body), known: false });
      expect(constructEvent(knownClaims, sign(secret, knownClaims), secret).known).toBe(true);
    });

    it('lets TypeScript narrow: known first, then the event type', () => {
      const handled: string[] = [];
      for (const payload of [body, futureBody]) {
        const event = constructEvent(payload, sign(secret, payload), secret);
        if (!event.known) {
          expectTypeOf(event).toEqualTypeOf<UnknownWebhookEvent>();
          expectTypeOf(event.event).toEqualTypeOf<string>();
          handled.push(`unknown ${event.event}`);
          continue;
        }
        expectTypeOf(event).toEqualTypeOf<KnownWebhookEvent>();
        switch (event.event) {
          case 'chonk.deleted':
            expectTypeOf(event.data.chonk_name).toEqualTypeOf<string>();
            handled.push(`deleted ${event.data.chonk_name}`);
            break;
          default:
            handled.push(event.event);
        }
      }
      expect(handled).toEqual(['deleted stg_x', 'unknown chonk.archived']);
    });
  });

  it.each<[string, string, string | string[] | undefined]>([
    ['a signature made with another secret', 'mismatch', sign('other', body)],
    ['a signature that is not sha256=<64 hex digits>', 'malformed', 'sha256=zz'],
    [
      'the right signature in upper-case hex',
      'uppercase-hex',
      sign(secret, body).toUpperCase().replace('SHA256=', 'sha256='),
    ],
    ['the right signature with whitespace around it', 'whitespace', ` ${sign(secret, body)}`],
    ['no signature', 'missing', undefined],
    ['two signatures', 'duplicated', [sign(secret, body), sign(secret, body)]],
  ])('throws a WebhookVerificationError for %s, with the reason %s', (_name, reason, header) => {
    let thrown: unknown;
    try {
      constructEvent(body, header, secret);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(WebhookVerificationError);
    expect(thrown).toMatchObject({ reason });
  });

  it('rejects signed bodies that are not JSON, or not an event', () => {
    const notJson = 'hello';
    expect(() => constructEvent(notJson, sign(secret, notJson), secret)).toThrow(/not valid JSON/);
    const array = '[1,2]';
    expect(() => constructEvent(array, sign(secret, array), secret)).toThrow(/not a DataChonk event/);
  });
});

describe('a body that is not the raw bytes (a JSON parser ran first, or express.raw() did not match)', () => {
  it.each([
    ['undefined', undefined, 'not undefined'],
    ['an object', { id: 'evt_1' }, 'not an object'],
    ['null', null, 'not null'],
    ['a number', 42, 'not a number'],
  ])(
    'verify says so for %s, and never throws; constructEvent throws a WebhookVerificationError',
    (_name, body, words) => {
      const result = verify(secret, body as never, sign(secret, '{}'));
      expect(result).toMatchObject({ ok: false, reason: 'not-raw-body', message: expect.stringContaining(words) });
      expect((result as { message: string }).message).toContain('express.raw(');
      expect(() => constructEvent(body as never, sign(secret, '{}'), secret)).toThrow(WebhookVerificationError);
      expect(() => constructEvent(body as never, sign(secret, '{}'), secret)).toThrow(
        expect.objectContaining({ reason: 'not-raw-body' }),
      );
    },
  );
});

import { describe, expect, it } from 'vitest';
import { delayRange, httpUrl, maskPassword, SecretInputError } from '../../src/commands/parsers.js';
import {
  buildWebhookRequest,
  shownHeaders,
  splitCredentials,
  toCurl,
  type RequestOptions,
} from '../../src/core/trigger/request.js';
import { runDeliveries } from '../../src/core/trigger/run.js';
import type { Outcome, Sender } from '../../src/core/send.js';

const base: Omit<RequestOptions, 'url'> = { secret: 'whsec_x', signature: 'valid', userAgent: 'ua', headers: {} };
const basic = (userPass: string) => `Basic ${Buffer.from(userPass, 'utf8').toString('base64')}`;

describe('credentials in the URL', () => {
  it('are taken out of the URL, percent-decoded, and shown with the password masked', () => {
    expect(splitCredentials('http://al%40ice:p%3Ass%20w@127.0.0.1:9/hooks?x=1')).toEqual({
      url: 'http://127.0.0.1:9/hooks?x=1',
      shownUrl: 'http://al%40ice:***@127.0.0.1:9/hooks?x=1',
      credentials: { user: 'al@ice', password: 'p:ss w' },
    });
    expect(splitCredentials('http://bob@h/x')).toEqual({
      url: 'http://h/x',
      shownUrl: 'http://bob@h/x',
      credentials: { user: 'bob', password: '' },
    });
    // A % that starts no escape is taken as typed.
    expect(splitCredentials('http://u:100%zz@h/').credentials).toEqual({ user: 'u', password: '100%zz' });
    expect(splitCredentials('http://h:1/x')).toEqual({ url: 'http://h:1/x', shownUrl: 'http://h:1/x' });
  });

  it('become a Basic Authorization header; shown masked; curl asks for the password', () => {
    const target = splitCredentials('http://al%40ice:s3cr%C3%A9t@127.0.0.1:9/hooks');
    const request = buildWebhookRequest('{}', 'chonk.created', 'evt_1', { ...base, ...target });
    expect(request.url).toBe('http://127.0.0.1:9/hooks');
    expect(request.headers.authorization).toBe(basic('al@ice:s3crét'));
    expect(request.basicAuth).toEqual({ user: 'al@ice', password: true });
    expect(shownHeaders(request).authorization).toBe('Basic ***');
    const curl = toCurl(request);
    expect(curl).toContain("curl -X POST 'http://127.0.0.1:9/hooks' \\\n  -u 'al@ice' \\\n");
    expect(curl).not.toContain('authorization');
    for (const shown of [curl, JSON.stringify(shownHeaders(request)), request.shownUrl!]) {
      expect(shown).not.toContain('s3cr');
      expect(shown).not.toContain(request.headers.authorization!.slice(6));
    }
  });

  it('a user without a password: curl is told there is none', () => {
    const request = buildWebhookRequest('{}', 'chonk.created', 'evt_1', {
      ...base,
      ...splitCredentials('http://bob@h/x'),
    });
    expect(request.headers.authorization).toBe(basic('bob:'));
    expect(toCurl(request)).toContain("-u 'bob:'");
  });

  it("an Authorization header given wins, and is then the user's own (not masked as the URL's)", () => {
    const request = buildWebhookRequest('{}', 'chonk.created', 'evt_1', {
      ...base,
      ...splitCredentials('http://u:p@h/x'),
      headers: { Authorization: 'Bearer tok' },
    });
    expect(request.headers.authorization).toBe('Bearer tok');
    expect(request.basicAuth).toBeUndefined();
    expect(toCurl(request)).toContain("-H 'authorization: Bearer tok'");
  });

  it('no credentials: the request is as before', () => {
    const request = buildWebhookRequest('{}', 'chonk.created', 'evt_1', { ...base, ...splitCredentials('http://h/x') });
    expect(request.headers.authorization).toBeUndefined();
    expect(request.shownUrl).toBeUndefined();
    expect(shownHeaders(request)).toBe(request.headers);
  });

  it('a URL refused by --url never repeats its password', () => {
    expect(maskPassword('htp://bob:hunter2@x/y')).toBe('htp://bob:***@x/y');
    expect(maskPassword('//bob:hunter2@x')).toBe('//bob:***@x');
    expect(maskPassword('htp://bob:p@ss@x/y@z')).toBe('htp://bob:***@x/y@z');
    expect(maskPassword('htp://bob@acme:pw@x')).toBe('htp://bob@acme:***@x');
    expect(maskPassword('htp://bob@x:80/y')).toBe('htp://bob@x:80/y');
    expect(maskPassword('http://x/a:b@c')).toBe('http://x/a:b@c');
    expect(() => httpUrl('htp://bob:hunter2@x/y')).toThrow(SecretInputError);
    expect(() => httpUrl('htp://bob:hunter2@x/y')).toThrow('got "htp://bob:***@x/y"');
    expect(() => httpUrl('ftp://x')).toThrow('expected an http:// or https:// URL, got "ftp://x"');
    expect(httpUrl('http://bob:hunter2@x/y')).toBe('http://bob:hunter2@x/y');
  });
});

describe('--delay', () => {
  it.each([
    ['200ms', { minMs: 200, maxMs: 200 }],
    ['1s', { minMs: 1000, maxMs: 1000 }],
    ['1.5s', { minMs: 1500, maxMs: 1500 }],
    ['100ms-1s', { minMs: 100, maxMs: 1000 }],
    ['0ms-2m', { minMs: 0, maxMs: 120_000 }],
  ])('%s', (text, range) => expect(delayRange(text)).toEqual(range));

  it.each([
    ['5', 'expected a time with its unit like 200ms or 1s, or a range like 100ms-1s, got "5"'],
    ['1s-100ms', 'the range 1s-100ms ends before it starts'],
    ['61m', 'expected at most 1 hour'],
    ['100ms-', 'expected a time with its unit'],
  ])('%s is refused', (text, message) => expect(() => delayRange(text)).toThrow(message));
});

describe('a pause between sends', () => {
  it('holds back every send but the first until it ends', async () => {
    const sent: string[] = [];
    const sender: Sender = {
      send: async (request) => {
        sent.push((request as unknown as { id: string }).id);
        return { kind: 'response', status: 200, body: '', latencyMs: 1, headers: () => [] } satisfies Outcome;
      },
      close: async () => {},
    };
    const pauses: (() => void)[] = [];
    let paused!: () => void;
    const pauseAsked = () => new Promise<void>((resolve) => (paused = resolve));
    let asked = pauseAsked();
    const requests = ['a', 'b', 'c'].map((id) => ({
      method: 'POST' as const,
      url: 'http://h/x',
      headers: {},
      body: '{}',
      event: 'chonk.created',
      id,
    }));
    const run = runDeliveries(
      requests.values(),
      {
        concurrency: 1,
        timeoutMs: 1000,
        sender,
        clock: () => 0,
        expectStatus: () => true,
        pause: () =>
          new Promise<void>((resolve) => {
            pauses.push(resolve);
            paused();
          }),
      },
      { delivery() {} },
    );
    await asked;
    expect(sent).toEqual(['a']);
    asked = pauseAsked();
    pauses[0]!();
    await asked;
    expect(sent).toEqual(['a', 'b']);
    pauses[1]!();
    expect(await run).toMatchObject({ sent: 3, ok: 3 });
    expect(sent).toEqual(['a', 'b', 'c']);
    expect(pauses).toHaveLength(2);
  });

  it('a stop during a pause sends nothing more', async () => {
    let stopped = false;
    const sent: string[] = [];
    const sender: Sender = {
      send: async (request) => {
        sent.push((request as unknown as { id: string }).id);
        return { kind: 'response', status: 200, body: '', latencyMs: 1, headers: () => [] };
      },
      close: async () => {},
    };
    const requests = ['a', 'b', 'c'].map((id) => ({
      method: 'POST' as const,
      url: 'http://h/x',
      headers: {},
      body: '{}',
      event: 'chonk.created',
      id,
    }));
    const summary = await runDeliveries(
      requests.values(),
      {
        concurrency: 1,
        timeoutMs: 1000,
        sender,
        clock: () => 0,
        expectStatus: () => true,
        stopped: () => stopped,
        pause: async () => {
          stopped = true;
        },
      },
      { delivery() {} },
    );
    expect(sent).toEqual(['a']);
    expect(summary.sent).toBe(1);
  });
});

describe('a run to where nothing listens', () => {
  const refused: Outcome = { kind: 'error', code: 'refused', message: 'connection refused', latencyMs: 1 };
  const answered: Outcome = { kind: 'response', status: 200, body: '', latencyMs: 1, headers: () => [] };
  /** A sender whose nth request (0-based) gets `outcomeOf(n)`. */
  const senderOf = (outcomeOf: (n: number) => Outcome) => {
    let n = 0;
    return { send: () => Promise.resolve(outcomeOf(n++)), close: () => Promise.resolve() } satisfies Sender;
  };
  const requests = (count: number) =>
    Array.from({ length: count }, (_, i) => ({
      method: 'POST' as const,
      url: 'http://h/x',
      headers: {},
      body: '{}',
      event: 'chonk.created',
      id: `evt_${i}`,
    })).values();
  const options = { concurrency: 1, timeoutMs: 1000, clock: () => 0, expectStatus: () => true, giveUpAfter: 10 };

  it('stops after giveUpAfter refusals in a row', async () => {
    const summary = await runDeliveries(
      requests(1000),
      { ...options, sender: senderOf(() => refused) },
      {
        delivery() {},
      },
    );
    expect(summary).toMatchObject({ sent: 10, failed: 10, errors: { refused: 10 }, gaveUp: true });
  });

  it('goes on when the refusals come between answers (an app that refuses only some)', async () => {
    // Nine refusals, an answer, nine refusals…: never ten in a row.
    const sender = senderOf((n) => (n % 10 === 9 ? answered : refused));
    const summary = await runDeliveries(requests(100), { ...options, sender }, { delivery() {} });
    expect(summary).toMatchObject({ sent: 100, ok: 10, failed: 90, errors: { refused: 90 } });
    expect(summary.gaveUp).toBeUndefined();
  });
});

import { shownHeaderValue } from '../../src/core/headers.js';
import { describe, expect, it } from 'vitest';
import { answerHeaders, forwardHeaders } from '../../src/core/listen/forward.js';

const pairs = (flat: string[]) =>
  flat.reduce<[string, string][]>((out, v, i) => (i % 2 ? out : [...out, [v, flat[i + 1]!]]), []);

describe('forwardHeaders', () => {
  it('keeps the received headers in order, case and repeats, and drops hop-by-hop ones', () => {
    const out = forwardHeaders({
      method: 'POST',
      body: Buffer.alloc(0),
      remoteAddress: '::ffff:127.0.0.1',
      headers: [
        'Host',
        'x',
        'X-Custom',
        'a',
        'Connection',
        'keep-alive, X-Drop',
        'X-Drop',
        'gone',
        'x-custom',
        'b',
        'Content-Length',
        '2',
        'Transfer-Encoding',
        'chunked',
        'X-DataChonk-Signature',
        'sha256=abc',
      ],
    });
    expect(pairs(out)).toEqual([
      ['X-Custom', 'a'],
      ['x-custom', 'b'],
      ['X-DataChonk-Signature', 'sha256=abc'],
      ['x-forwarded-for', '127.0.0.1'],
      ['x-forwarded-proto', 'http'],
    ]);
  });

  it('replaces the signature when the listener signed again, and extends X-Forwarded-For', () => {
    const out = forwardHeaders({
      method: 'POST',
      body: Buffer.alloc(0),
      remoteAddress: '10.0.0.2',
      signature: 'sha256=new',
      headers: { 'x-datachonk-signature': 'sha256=old', 'x-forwarded-for': '1.2.3.4' },
    });
    expect(pairs(out)).toEqual([
      ['x-datachonk-signature', 'sha256=new'],
      ['x-forwarded-for', '1.2.3.4, 10.0.0.2'],
      ['x-forwarded-proto', 'http'],
    ]);
  });

  it("sets X-Forwarded-Proto from the listener's own scheme: a client's claim (any case, repeated) is not passed on", () => {
    const out = forwardHeaders({
      method: 'POST',
      body: Buffer.alloc(0),
      remoteAddress: '127.0.0.1',
      headers: ['X-Forwarded-Proto', 'https', 'x-custom', 'a', 'x-forwarded-proto', 'wss'],
    });
    expect(pairs(out)).toEqual([
      ['x-custom', 'a'],
      ['x-forwarded-for', '127.0.0.1'],
      ['x-forwarded-proto', 'http'],
    ]);
  });
});

describe('answerHeaders', () => {
  it("keeps the app's headers in order, case and repeats, drops hop-by-hop ones and its framing, and sets the length given", () => {
    const out = answerHeaders(
      [
        'Retry-After',
        '120',
        'Set-Cookie',
        'a=1',
        'Connection',
        'close, X-Hop',
        'X-Hop',
        'gone',
        'set-cookie',
        'b=2',
        'Keep-Alive',
        'timeout=5',
        'Proxy-Authenticate',
        'Basic',
        'proxy-connection',
        'x',
        'TE',
        'trailers',
        'Trailer',
        'X-T',
        'Transfer-Encoding',
        'chunked',
        'Upgrade',
        'h2c',
        'Content-Length',
        '999',
        'X-Custom',
        'kept',
      ],
      3,
    );
    expect(pairs(out)).toEqual([
      ['Retry-After', '120'],
      ['Set-Cookie', 'a=1'],
      ['set-cookie', 'b=2'],
      ['X-Custom', 'kept'],
      ['content-length', '3'],
    ]);
  });

  it('adds no Content-Length when none is given, and nothing else', () => {
    expect(answerHeaders(['Location', '/x'], undefined)).toEqual(['Location', '/x']);
    expect(answerHeaders([], undefined)).toEqual([]);
  });
});

describe('credentials in headers, as they are shown', () => {
  it.each([
    ['Authorization', 'Bearer tok_1', 'Bearer ***'],
    ['authorization', 'Basic dXNlcjpwdw==', 'Basic ***'],
    ['Proxy-Authorization', 'Digest a=1', 'Digest ***'],
    ['Authorization', 'tok_only', '***'],
    ['Cookie', 'sid=abc; theme=dark', '***'],
    ['X-Other', 'Bearer x', 'Bearer x'],
  ])('%s: %s is shown as %s', (name, value, shown) => {
    expect(shownHeaderValue(name, value)).toBe(shown);
  });
});

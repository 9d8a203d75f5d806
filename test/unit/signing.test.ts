import { sign as octokitSign, verify as octokitVerify } from '@octokit/webhooks-methods';
import { describe, expect, it } from 'vitest';
import { sign, verify } from '../../src/core/signing/signature.js';

// GitHub's published test vector for X-Hub-Signature-256, the same scheme DataChonk uses.
const GITHUB_SECRET = "It's a Secret to Everybody";
const GITHUB_BODY = 'Hello, World!';
const GITHUB_SIGNATURE = 'sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17';

describe('sign', () => {
  it('matches the known-answer vector', () => {
    expect(sign(GITHUB_SECRET, GITHUB_BODY)).toBe(GITHUB_SIGNATURE);
  });

  it('signs bytes and the same text identically', () => {
    expect(sign(GITHUB_SECRET, Buffer.from(GITHUB_BODY))).toBe(GITHUB_SIGNATURE);
    expect(sign(GITHUB_SECRET, new TextEncoder().encode(GITHUB_BODY))).toBe(GITHUB_SIGNATURE);
  });

  it('signs a view into a larger buffer over the view only', () => {
    const big = Buffer.from(`xx${GITHUB_BODY}yy`);
    expect(sign(GITHUB_SECRET, big.subarray(2, 2 + GITHUB_BODY.length))).toBe(GITHUB_SIGNATURE);
  });

  it('agrees with @octokit/webhooks-methods on unicode bodies', async () => {
    const body = JSON.stringify({ name: 'dim_kunden_ü_日本', n: 1 });
    expect(sign('whsec_abc', body)).toBe(await octokitSign('whsec_abc', body));
  });
});

describe('verify', () => {
  it('accepts the known-answer vector', () => {
    expect(verify(GITHUB_SECRET, GITHUB_BODY, GITHUB_SIGNATURE)).toEqual({ ok: true, secretIndex: 0 });
  });

  it('accepts what @octokit/webhooks-methods signs, and octokit accepts what we sign', async () => {
    const body = '{"id":"evt_1","event":"chonk.created"}';
    expect(verify('s3cret', body, await octokitSign('s3cret', body)).ok).toBe(true);
    expect(await octokitVerify('s3cret', body, sign('s3cret', body))).toBe(true);
  });

  it('accepts a header given as a one-element array (as Node may hand it over)', () => {
    expect(verify(GITHUB_SECRET, GITHUB_BODY, [GITHUB_SIGNATURE]).ok).toBe(true);
  });

  it('refuses the known-answer vector in upper-case hex: DataChonk sends lowercase, and so must a sender', () => {
    expect(
      verify(GITHUB_SECRET, GITHUB_BODY, GITHUB_SIGNATURE.toUpperCase().replace('SHA256=', 'sha256=')),
    ).toMatchObject({ ok: false, reason: 'uppercase-hex' });
  });

  const hex = GITHUB_SIGNATURE.slice('sha256='.length);
  const bad: [string, string | string[] | undefined | null, string][] = [
    ['missing (undefined)', undefined, 'missing'],
    ['missing (null)', null, 'missing'],
    ['empty', '', 'missing'],
    ['empty array', [], 'missing'],
    ['short', `sha256=${hex.slice(0, 63)}`, 'wrong-length'],
    ['overlong', `sha256=${hex}0`, 'wrong-length'],
    ['padded', ` ${GITHUB_SIGNATURE} `, 'whitespace'],
    ['upper-case prefixed', `SHA256=${hex}`, 'prefix-case'],
    ['non-hex', `sha256=${hex.slice(0, 63)}g`, 'malformed'],
    ['non-hex first character (Buffer.from would stop there)', `sha256=z${hex.slice(1)}`, 'malformed'],
    ['without the prefix', hex, 'no-prefix'],
    ['another algorithm', `sha1=${hex.slice(0, 40)}`, 'other-scheme'],
    ['duplicated, as Node joins it', `${GITHUB_SIGNATURE}, ${GITHUB_SIGNATURE}`, 'duplicated'],
    ['duplicated, as an array', [GITHUB_SIGNATURE, GITHUB_SIGNATURE], 'duplicated'],
    ['wrong', `sha256=${'0'.repeat(64)}`, 'mismatch'],
  ];
  for (const [name, header, reason] of bad) {
    it(`rejects a ${name} signature without throwing, saying why`, () => {
      const result = verify(GITHUB_SECRET, GITHUB_BODY, header);
      expect(result.ok).toBe(false);
      if (!result.ok) {
        expect(result.reason).toBe(reason);
        expect(result.message.length).toBeGreaterThan(10);
      }
    });
  }

  it('rejects a body changed by one byte', () => {
    expect(verify(GITHUB_SECRET, `${GITHUB_BODY} `, GITHUB_SIGNATURE)).toMatchObject({ ok: false, reason: 'mismatch' });
  });

  it('rejects the right signature under another secret', () => {
    expect(verify('another secret', GITHUB_BODY, GITHUB_SIGNATURE)).toMatchObject({ ok: false, reason: 'mismatch' });
  });

  it('refuses to check with an empty secret', () => {
    expect(verify('', GITHUB_BODY, sign('', GITHUB_BODY))).toMatchObject({ ok: false, reason: 'no-secret' });
  });
});

import { createHmac } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { diagnoseSignature, firstDifference, type DiagnoseInput } from '../../src/core/signing/diagnose.js';
import { reserializations, serialize } from '../../src/core/signing/reserialize.js';
import { sign } from '../../src/core/signing/signature.js';

const SECRET = 'whsec_diag';
// What DataChonk sends: compact, with a non-ASCII name, a slash and a big integer in it.
const BODY =
  '{"id":"evt_1","event":"chonk.created","data":{"chonk_name":"dim_kunden_é","path":"models/x.sql","rows":12345678901234567890,"b":1,"a":2}}';

function diagnose(header: DiagnoseInput['header'], extra: Partial<DiagnoseInput> = {}) {
  return diagnoseSignature({ body: BODY, header, secrets: [SECRET], ...extra });
}

describe('diagnoseSignature: the header', () => {
  it('finds nothing wrong with a signature that verifies, with any of the secrets', () => {
    expect(diagnose(sign(SECRET, BODY))).toBeUndefined();
    expect(diagnose(sign('whsec_old', BODY), { secrets: [SECRET, 'whsec_old'] })).toBeUndefined();
  });

  it('says missing, duplicated and no secret', () => {
    expect(diagnose(undefined)).toEqual({ reason: 'missing_header', verify_reason: 'missing' });
    expect(diagnose([sign(SECRET, BODY), sign(SECRET, BODY)])).toEqual({
      reason: 'duplicate_header',
      verify_reason: 'duplicated',
    });
    expect(diagnose(sign(SECRET, BODY), { secrets: [] })).toEqual({ reason: 'no_secret', verify_reason: 'no-secret' });
  });

  it('says malformed_header for a near miss, and whether the digits written right would verify', () => {
    const digits = sign(SECRET, BODY).slice(7);
    expect(diagnose(`sha256=${digits.toUpperCase()}`)).toEqual({
      reason: 'malformed_header',
      verify_reason: 'uppercase-hex',
      matches_once_formatted: true,
    });
    expect(diagnose(`SHA256=${digits}`)).toMatchObject({
      reason: 'malformed_header',
      verify_reason: 'prefix-case',
      matches_once_formatted: true,
    });
    expect(diagnose(digits)).toMatchObject({
      reason: 'malformed_header',
      verify_reason: 'no-prefix',
      matches_once_formatted: true,
    });
    expect(diagnose(` sha256=${digits}`)).toMatchObject({
      reason: 'malformed_header',
      verify_reason: 'whitespace',
      matches_once_formatted: true,
    });
    expect(diagnose(`sha256=${digits} `)).toMatchObject({
      reason: 'malformed_header',
      verify_reason: 'whitespace',
      matches_once_formatted: true,
    });
    // As Node gives a header: an array of one.
    expect(diagnose([`sha256=${digits.toUpperCase()}`])).toMatchObject({
      reason: 'malformed_header',
      verify_reason: 'uppercase-hex',
      matches_once_formatted: true,
    });
    const other = sign('whsec_other', BODY).slice(7);
    expect(diagnose(`sha256=${other.toUpperCase()}`)).toMatchObject({
      reason: 'malformed_header',
      matches_once_formatted: false,
    });
    expect(diagnose('not a signature')).toEqual({ reason: 'malformed_header', verify_reason: 'malformed' });
  });

  it('says whether a signature of the wrong length is the start of the right one', () => {
    const digits = sign(SECRET, BODY).slice(7);
    expect(diagnose(`sha256=${digits.slice(0, 32)}`)).toEqual({
      reason: 'malformed_header',
      verify_reason: 'wrong-length',
      truncated: true,
    });
    expect(diagnose(`sha256=${digits.slice(1, 33)}`)).toEqual({
      reason: 'malformed_header',
      verify_reason: 'wrong-length',
      truncated: false,
    });
    expect(diagnose(`sha256=${digits.slice(0, 32)}`, { secrets: ['whsec_new', SECRET] })).toMatchObject({
      truncated: true,
    });
  });

  it('says wrong_scheme, and names the algorithm the sender used with the right secret', () => {
    const sha1 = createHmac('sha1', SECRET).update(BODY).digest('hex');
    expect(diagnose(`sha1=${sha1}`)).toEqual({
      reason: 'wrong_scheme',
      verify_reason: 'other-scheme',
      algorithm: 'sha1',
    });
    const sha512 = createHmac('sha512', SECRET).update(BODY).digest('hex');
    expect(diagnose(`sha512=${sha512}`)).toMatchObject({ algorithm: 'sha512' });
    expect(diagnose(`sha1=${createHmac('sha1', 'other').update(BODY).digest('hex')}`)).toEqual({
      reason: 'wrong_scheme',
      verify_reason: 'other-scheme',
    });
  });
});

describe('diagnoseSignature: a well-formed signature that does not match', () => {
  it("says secret_whitespace when the secret checked with has whitespace the signer's has not, or the reverse", () => {
    expect(diagnose(sign(SECRET, BODY), { secrets: [`${SECRET}\n`] })).toMatchObject({
      reason: 'secret_whitespace',
      whitespace: 'yours',
    });
    expect(diagnose(sign(SECRET, BODY), { secrets: [` ${SECRET} `] })).toMatchObject({
      reason: 'secret_whitespace',
      whitespace: 'yours',
    });
    expect(diagnose(sign(`${SECRET}\n`, BODY))).toMatchObject({ reason: 'secret_whitespace', whitespace: 'theirs' });
  });

  it('says wrong_secret or api_key_as_secret, naming the other secret by its label only', () => {
    const others = [
      { secret: 'whsec_dev', label: 'the local dev secret' },
      { secret: 'dck_live_key', label: 'the stored API key', apiKey: true },
    ];
    const wrong = diagnose(sign('whsec_dev', BODY), { others });
    expect(wrong).toEqual({
      reason: 'wrong_secret',
      verify_reason: 'mismatch',
      matched_secret: 'the local dev secret',
    });
    expect(diagnose(sign('dck_live_key', BODY), { others })).toEqual({
      reason: 'api_key_as_secret',
      verify_reason: 'mismatch',
      matched_secret: 'the stored API key',
    });
    expect(JSON.stringify(wrong)).not.toContain('whsec_dev');
  });

  it("says trailing_newline when the signer's body had a newline more or less", () => {
    expect(diagnose(sign(SECRET, `${BODY}\n`))).toMatchObject({ reason: 'trailing_newline', newline: 'added' });
    expect(diagnoseSignature({ body: `${BODY}\n`, header: sign(SECRET, BODY), secrets: [SECRET] })).toMatchObject({
      reason: 'trailing_newline',
      newline: 'removed',
    });
    expect(diagnoseSignature({ body: `${BODY}\r\n`, header: sign(SECRET, BODY), secrets: [SECRET] })).toMatchObject({
      reason: 'trailing_newline',
      newline: 'removed',
    });
    // Not a newline's doing: a body ending in one, or not, signed over something else entirely.
    expect(
      diagnoseSignature({ body: `${BODY}\n`, header: sign('whsec_nobody', BODY), secrets: [SECRET] }),
    ).toMatchObject({ reason: 'unknown' });
    expect(diagnose(sign(SECRET, BODY.slice(0, -1)))).toMatchObject({ reason: 'unknown' });
  });

  it.each([
    ['compact', (v: unknown) => JSON.stringify(v)],
    ['pretty', (v: unknown) => JSON.stringify(v, null, 2)],
    ['pretty-4', (v: unknown) => JSON.stringify(v, null, 4)],
    ['tabs', (v: unknown) => JSON.stringify(v, null, '\t')],
  ] as const)(
    'says body_reserialized (%s) when the signature is over JSON.stringify of the parsed body',
    (form, stringify) => {
      const pretty = JSON.stringify(JSON.parse(BODY), null, 3);
      expect(
        diagnoseSignature({ body: pretty, header: sign(SECRET, stringify(JSON.parse(BODY))), secrets: [SECRET] }),
      ).toEqual({ reason: 'body_reserialized', verify_reason: 'mismatch', form });
    },
  );

  it("says body_reserialized for sorted keys, Python's json.dumps and PHP's json_encode", () => {
    const python =
      '{"id": "evt_1", "event": "chonk.created", "data": {"chonk_name": "dim_kunden_\\u00e9", "path": "models/x.sql", "rows": 12345678901234567000, "b": 1, "a": 2}}';
    expect(diagnose(sign(SECRET, python))).toMatchObject({ reason: 'body_reserialized', form: 'python' });
    const php =
      '{"id":"evt_1","event":"chonk.created","data":{"chonk_name":"dim_kunden_\\u00e9","path":"models\\/x.sql","rows":12345678901234567000,"b":1,"a":2}}';
    expect(diagnose(sign(SECRET, php))).toMatchObject({ reason: 'body_reserialized', form: 'php' });
    const sorted =
      '{"data":{"a":2,"b":1,"chonk_name":"dim_kunden_é","path":"models/x.sql","rows":12345678901234567000},"event":"chonk.created","id":"evt_1"}';
    expect(diagnose(sign(SECRET, sorted))).toMatchObject({ reason: 'body_reserialized', form: 'sorted' });
    const sortedPretty = JSON.stringify(JSON.parse(sorted), null, 2);
    expect(diagnose(sign(SECRET, sortedPretty))).toMatchObject({ reason: 'body_reserialized', form: 'sorted-pretty' });
    const pythonSorted =
      '{"data": {"a": 2, "b": 1, "chonk_name": "dim_kunden_\\u00e9", "path": "models/x.sql", "rows": 12345678901234567000}, "event": "chonk.created", "id": "evt_1"}';
    expect(diagnose(sign(SECRET, pythonSorted))).toMatchObject({ reason: 'body_reserialized', form: 'python-sorted' });
    // With the second of two secrets (a rotation's old one).
    expect(diagnose(sign(SECRET, sorted), { secrets: ['whsec_new', SECRET] })).toMatchObject({
      reason: 'body_reserialized',
      form: 'sorted',
    });
  });

  it('says body_modified when the signature matches the expected body, and where the bodies first differ', () => {
    const expected = BODY.replace('evt_1', 'evt_2');
    expect(diagnose(sign(SECRET, expected), { expectedBody: expected })).toEqual({
      reason: 'body_modified',
      verify_reason: 'mismatch',
      difference: { offset: 11, line: 1, column: 12, got: 0x31, expected: 0x32 },
    });
  });

  it('says unknown when nothing it tries matches, still with the first difference when given a body', () => {
    expect(diagnose(sign('whsec_nobody', BODY))).toEqual({ reason: 'unknown', verify_reason: 'mismatch' });
    expect(diagnose(sign('whsec_nobody', BODY), { expectedBody: `${BODY}x` })).toMatchObject({
      reason: 'unknown',
      difference: { offset: Buffer.byteLength(BODY), got: undefined, expected: 0x78 },
    });
  });
});

describe('firstDifference', () => {
  it('gives the offset, line and column of the first differing byte', () => {
    expect(firstDifference(Buffer.from('ab\ncd'), Buffer.from('ab\nce'))).toEqual({
      offset: 4,
      line: 2,
      column: 2,
      got: 0x64,
      expected: 0x65,
    });
    expect(firstDifference(Buffer.from('same'), Buffer.from('same'))).toBeUndefined();
    expect(firstDifference(Buffer.from('ab'), Buffer.from('abc'))).toEqual({
      offset: 2,
      line: 1,
      column: 3,
      got: undefined,
      expected: 0x63,
    });
  });
});

describe('reserializations', () => {
  it('writes the JavaScript forms exactly as JSON.stringify does', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        const text = JSON.stringify(value);
        const forms = Object.fromEntries(
          [...reserializations(Buffer.from(text))].map(({ form, bytes }) => [form, bytes.toString('utf8')]),
        );
        const parsed: unknown = JSON.parse(text);
        expect(forms.compact).toBe(JSON.stringify(parsed));
        expect(forms.pretty).toBe(JSON.stringify(parsed, null, 2));
        expect(forms['pretty-4']).toBe(JSON.stringify(parsed, null, 4));
        expect(forms.tabs).toBe(JSON.stringify(parsed, null, '\t'));
      }),
    );
  });

  it('makes nothing of a body that is not JSON', () => {
    expect([...reserializations(Buffer.from('not json'))]).toEqual([]);
  });

  it('escapes like Python and PHP: non-ASCII as \\u escapes, PHP also slashes', () => {
    const style = { indent: '', itemSeparator: ', ', keySeparator: ': ', sortKeys: true };
    expect(serialize({ b: ['é/', 1], a: {} }, style)).toBe('{"a": {}, "b": ["é/", 1]}');
    const forms = Object.fromEntries(
      [...reserializations(Buffer.from('{"k":"é/😀"}'))].map(({ form, bytes }) => [form, bytes.toString('utf8')]),
    );
    expect(forms.python).toBe('{"k": "\\u00e9/\\ud83d\\ude00"}');
    expect(forms.php).toBe('{"k":"\\u00e9\\/\\ud83d\\ude00"}');
  });
});

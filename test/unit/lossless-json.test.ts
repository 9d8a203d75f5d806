import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  cloneJson,
  keepsText,
  parseJson,
  RawNumber,
  stringifyJson,
  toNativeJson,
  type Json,
  type JsonObject,
} from '../../src/core/lossless-json.js';

const roundTrip = (text: string) => stringifyJson(parseJson(text));

describe('numbers a JavaScript number would change are sent as typed', () => {
  it.each([
    ['an integer beyond 2^53', '12345678901234567890'],
    ['a negative one', '-12345678901234567890'],
    ['2^53 + 1', '9007199254740993'],
    ['an integer JSON.stringify would write as 1e+23', '100000000000000000000000'],
    ['more decimals than a double holds', '1.0000000000000000001'],
    ['0.30000000000000001 (a double reads 0.3)', '0.30000000000000001'],
    ['beyond the largest double', '1e400'],
    ['below the smallest', '-1E-400'],
    ['a big integer with a fraction', '12345678901234567890.5'],
  ])('%s: %s', (_name, text) => {
    expect(roundTrip(text)).toBe(text);
    expect(roundTrip(`{"data":{"n":${text},"list":[${text},1]}}`)).toBe(`{"data":{"n":${text},"list":[${text},1]}}`);
    expect(parseJson(text)).toEqual(new RawNumber(text));
  });

  it.each([
    ['9007199254740991', '9007199254740991'],
    ['9007199254740992', '9007199254740992'],
    ['1.0', '1'],
    ['1.50', '1.5'],
    ['1E2', '100'],
    ['-0', '0'],
    ['0.1', '0.1'],
    ['1e21', '1e+21'],
    ['1.5e300', '1.5e+300'],
    ['5e-324', '5e-324'],
    ['0e400', '0'],
  ])('a number a double holds is written as JSON.stringify writes it: %s as %s', (text, written) => {
    expect(roundTrip(text)).toBe(written);
    expect(roundTrip(text)).toBe(JSON.stringify(JSON.parse(text)));
    expect(typeof parseJson(text)).toBe('number');
  });

  it('any integer keeps its digits', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: -(10n ** 40n), max: 10n ** 40n }), (n) => {
        expect(roundTrip(`[${n}]`)).toBe(`[${n}]`);
      }),
    );
  });

  it('any decimal is written as typed, or as JSON.stringify writes the same double, never as another double', () => {
    const digits = fc.stringMatching(/^[0-9]{1,25}$/);
    const decimal = fc
      .tuple(
        fc.boolean(),
        fc.stringMatching(/^(0|[1-9][0-9]{0,24})$/),
        fc.option(digits),
        fc.option(fc.integer({ min: -400, max: 400 })),
      )
      .map(
        ([minus, whole, fraction, exponent]) =>
          `${minus ? '-' : ''}${whole}${fraction === null ? '' : `.${fraction}`}${exponent === null ? '' : `e${exponent}`}`,
      );
    fc.assert(
      fc.property(decimal, (text) => {
        const written = roundTrip(text);
        if (written !== text) expect(written).toBe(JSON.stringify(JSON.parse(text)));
        expect(Object.is(Number(written), Number(text)) || (Number(text) === 0 && Number(written) === 0)).toBe(true);
      }),
      { numRuns: 2000 },
    );
  });

  it('a double as JSON.stringify writes it, or any decimal of 15 digits (which a double holds), is never kept as text', () => {
    fc.assert(
      fc.property(fc.double({ noNaN: true, noDefaultInfinity: true }), (x) => {
        expect(keepsText(JSON.stringify(x))).toBe(false);
        // Normal doubles only: a subnormal or one near the largest has fewer than 15 digits to give.
        fc.pre(Math.abs(x) > 1e-300 && Math.abs(x) < 1e300);
        expect(keepsText(x.toPrecision(15))).toBe(false);
      }),
    );
  });
});

describe('everything else is JSON.parse and JSON.stringify', () => {
  it('any JSON value round-trips byte for byte, compact or indented', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        const compact = JSON.stringify(value);
        expect(parseJson(compact)).toStrictEqual(JSON.parse(compact));
        expect(roundTrip(compact)).toBe(compact);
        const indented = JSON.stringify(value, null, 2);
        expect(roundTrip(indented)).toBe(compact);
        expect(stringifyJson(value as Json)).toBe(compact);
      }),
      { numRuns: 1000 },
    );
  });

  it('the same value with a big integer in it comes out the same, with the integer as typed', () => {
    fc.assert(
      fc.property(fc.jsonValue(), fc.bigInt({ min: 2n ** 53n + 1n, max: 2n ** 80n }), (value, big) => {
        const text = `{"value":${JSON.stringify(value, null, 1)},"big":${big}}`;
        expect(roundTrip(text)).toBe(`{"value":${JSON.stringify(value)},"big":${big}}`);
        expect(toNativeJson(parseJson(text))).toStrictEqual(JSON.parse(text));
      }),
      { numRuns: 500 },
    );
  });

  it('rejects exactly what JSON.parse rejects, with its message', () => {
    const nearlyJson = fc
      .tuple(fc.json(), fc.nat(), fc.string({ maxLength: 2 }))
      .map(
        ([text, at, junk]) => `${text.slice(0, at % (text.length + 1))}${junk}${text.slice(at % (text.length + 1))}`,
      );
    fc.assert(
      fc.property(fc.oneof(fc.string(), nearlyJson), (text) => {
        let expected: unknown;
        try {
          JSON.parse(text);
        } catch (error) {
          expected = error;
        }
        if (expected === undefined) expect(() => parseJson(text)).not.toThrow();
        else expect(() => parseJson(text)).toThrow((expected as Error).message);
      }),
      { numRuns: 1000 },
    );
  });

  it('keeps __proto__ as a member and the last of duplicate keys, in first place, as JSON.parse does', () => {
    const text = '{"a":1,"__proto__":{"polluted":true},"b":"12345678901234567890","a":12345678901234567890}';
    const value = parseJson(text) as JsonObject;
    expect(Object.keys(value)).toEqual(['a', '__proto__', 'b']);
    expect(Object.getPrototypeOf(value)).toBe(Object.prototype);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(stringifyJson(value)).toBe(
      '{"a":12345678901234567890,"__proto__":{"polluted":true},"b":"12345678901234567890"}',
    );
    expect(stringifyJson(cloneJson(value))).toBe(stringifyJson(value));
  });

  it('digits inside strings, escaped quotes included, are left alone', () => {
    const text = '{"s":"\\"12345678901234567890","t":["1e400\\\\",1e400]}';
    expect(parseJson(text)).toEqual({ s: '"12345678901234567890', t: ['1e400\\', new RawNumber('1e400')] });
    expect(roundTrip(text)).toBe(text);
  });

  it('parses nesting as deep as JSON.parse does, without recursion', () => {
    const depth = 100_000;
    const text = `${'['.repeat(depth)}12345678901234567890${']'.repeat(depth)}`;
    let value = parseJson(text);
    for (let i = 0; i < depth; i++) value = (value as Json[])[0]!;
    expect(value).toEqual(new RawNumber('12345678901234567890'));
  });

  it('a stray JSON.stringify writes the nearest double, as before, not an object', () => {
    expect(JSON.stringify(parseJson('[12345678901234567890,1e400]'))).toBe('[12345678901234567000,null]');
  });

  it('cloneJson copies objects and arrays deeply', () => {
    const value = parseJson('{"a":{"b":[1,{"c":12345678901234567890}]}}') as JsonObject;
    const copy = cloneJson(value);
    expect(copy).toEqual(value);
    ((copy.a as JsonObject).b as Json[]).push(2);
    expect(stringifyJson(value)).toBe('{"a":{"b":[1,{"c":12345678901234567890}]}}');
  });
});

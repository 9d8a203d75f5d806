import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { findJsonSyntaxError } from '../../src/core/json-syntax.js';
import { seededRandom } from '../../src/core/seeded-random.js';

// A JSON syntax error as a line and a column, not a byte position.

describe('findJsonSyntaxError', () => {
  it.each([
    ['{"a":}', 1, 6, 'expected a value, found "}"'],
    ['{"a":1,\n  "b": x}', 2, 8, 'expected a value, found "x"'],
    ['', 1, 1, 'the text ends where a value was expected'],
    ['{"a":1', 1, 7, 'the text ends before the closing }'],
    ['{"a":1}}', 1, 8, 'more text after the JSON value ends'],
    ['{"a": "b\n"}', 1, 9, 'a line break or control character inside a string'],
    ["{'a':1}", 1, 2, 'expected a key in double quotes, found "\'" (JSON strings and keys take double quotes)'],
    ['[1,2,]', 1, 6, 'a comma before ] (JSON takes no trailing comma)'],
    ['{"a":1,}', 1, 8, 'a comma before } (JSON takes no trailing comma)'],
    ['{"a" 1}', 1, 6, 'expected a colon after the key, found "1"'],
    ['{"a":"\\q"}', 1, 7, 'a backslash that starts no escape JSON knows'],
    ['{\r\n "a":"x', 2, 6, 'a string that is never closed'],
    ['{"a":1}\n\n  x', 3, 3, 'more text after the JSON value ends'],
    ['[1 2]', 1, 4, 'expected a comma or ], found "2"'],
  ])('%j: line %i, column %i: %s', (text, line, column, problem) => {
    expect(() => JSON.parse(text)).toThrow();
    const found = findJsonSyntaxError(text)!;
    expect([found.line, found.column]).toEqual([line, column]);
    expect(found.problem).toContain(problem);
    expect(found.lineText).toBe(text.split('\n')[line - 1]!.replace(/\r$/, ''));
  });

  it('finds nothing in valid JSON', () => {
    for (const text of ['  {"a":[1,{"b":null}],"c":"\\u00e9\\n"}  ', '[]', '{}', '-0.5e+3', 'true', '"x"', '[[[[]]]]'])
      expect(findJsonSyntaxError(text), text).toBeUndefined();
  });

  it('scans a text nested 100,000 deep, as JSON.parse reads it, without overflowing the stack', () => {
    const deep = (open: string, close: string) => `${open.repeat(100_000)}1${close.repeat(100_000)}`;
    expect(findJsonSyntaxError(deep('[', ']'))).toBeUndefined();
    expect(findJsonSyntaxError(deep('{"a":', '}'))).toBeUndefined();
    expect(findJsonSyntaxError('['.repeat(100_000))).toMatchObject({ line: 1, column: 100_001 });
  });

  it('agrees with JSON.parse on a fixture broken at random, a thousand times', () => {
    const fixture = readFileSync(new URL('../../fixtures/generation.completed.json', import.meta.url), 'utf8');
    const random = seededRandom(7);
    const pieces = ['', ',', '"', '}', ']', '{', '[', ':', '\\', '\n', 'x', '1', ' '];
    for (let n = 0; n < 1000; n++) {
      const at = Math.floor(random() * fixture.length);
      const cut = Math.floor(random() * 3);
      const text = fixture.slice(0, at) + pieces[Math.floor(random() * pieces.length)] + fixture.slice(at + cut);
      let parses = true;
      try {
        JSON.parse(text);
      } catch {
        parses = false;
      }
      expect(findJsonSyntaxError(text) === undefined, JSON.stringify(text)).toBe(parses);
    }
  });
});

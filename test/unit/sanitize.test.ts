import { readdir, readFile } from 'node:fs/promises';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { escapeControls, jsonText, UNPRINTABLE } from '../../src/ui/sanitize.js';
import { joinShown, jsonLine, multiline, paint, shown, visibleLength } from '../../src/ui/style.js';

// What a terminal would act on never reaches it from outside: ESC and the other C0 controls, DEL,
// the C1 controls (the 8-bit CSI U+009B among them) and the bidi overrides are shown escaped.

/** Every character the sanitizer must escape (newline and tab aside, which a laid-out text keeps). */

const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/;

const UNSAFE_BUT_LAYOUT = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/;

/** Code points weighted towards the dangerous ranges, lone surrogates included. */
const char = fc
  .oneof(
    fc.integer({ min: 0, max: 0xa0 }),
    fc.integer({ min: 0x2020, max: 0x2070 }),
    fc.integer({ min: 0, max: 0x10ffff }),
  )
  .map((code) => String.fromCodePoint(code));
const hostile = fc.string({ unit: char, maxLength: 40 });

describe('escapeControls', () => {
  it.each([
    ['ESC of an OSC title sequence', '\u001b]0;pwned\u0007', '\\x1b]0;pwned\\x07'],
    ['a CSI that clears the screen', '\u001b[2J\u001b[H', '\\x1b[2J\\x1b[H'],
    [
      'an OSC 8 link',
      '\u001b]8;;https://evil.example\u001b\\click\u001b]8;;\u001b\\',
      '\\x1b]8;;https://evil.example\\x1b\\click\\x1b]8;;\\x1b\\',
    ],
    ['NUL, backspace and a carriage return', 'a\u0000b\bc\rd', 'a\\x00b\\x08c\\rd'],
    ['newline and tab, on one line', 'a\nb\tc', 'a\\nb\\tc'],
    ['DEL', 'a\u007fb', 'a\\x7fb'],
    [
      'the C1 controls, first, 8-bit CSI and last',
      '\u0080 \u009b2J \u009d0;t\u009c \u009f',
      '\\u0080 \\u009b2J \\u009d0;t\\u009c \\u009f',
    ],
    ['the bidi embeddings and overrides', '\u202a\u202b\u202c\u202d\u202e', '\\u202a\\u202b\\u202c\\u202d\\u202e'],
    ['the bidi isolates', 'evt_\u2066abc\u2067\u2068\u2069', 'evt_\\u2066abc\\u2067\\u2068\\u2069'],
  ])('escapes %s', (_what, text, expected) => {
    expect(escapeControls(text)).toBe(expected);
  });

  it('leaves printable text alone: accents, CJK, emoji, no-break space, backslashes', () => {
    const text = 'dim_customers café 数据 🦛 \u00a0 C:\\path "quoted"';
    expect(escapeControls(text)).toBe(text);
    expect(escapeControls(text, { layout: true })).toBe(text);
  });

  it('layout: keeps newlines and tabs, escapes all else, the carriage return included', () => {
    expect(escapeControls('{\n\t"a": "\u001b[31m"\r\n}', { layout: true })).toBe('{\n\t"a": "\\x1b[31m"\\r\n}');
  });

  it('no output holds a control or bidi character (but newlines and tabs with layout)', () => {
    fc.assert(
      fc.property(hostile, (text) => {
        expect(escapeControls(text)).not.toMatch(UNSAFE);
        expect(escapeControls(text, { layout: true })).not.toMatch(UNSAFE_BUT_LAYOUT);
      }),
      { numRuns: 2000 },
    );
  });

  it('changes nothing in a text that has nothing to escape', () => {
    fc.assert(
      fc.property(hostile, (text) => {
        const clean = escapeControls(text);
        expect(escapeControls(clean)).toBe(clean);
      }),
      { numRuns: 500 },
    );
  });
});

describe('jsonText', () => {
  it('escapes DEL, C1 and bidi characters as \\uXXXX, which JSON.stringify leaves raw, and stays the same JSON', () => {
    const record = { event: 'a\u001b]0;t\u0007\u009b2J\u202eb\u007f' };
    const text = jsonText(record);
    expect(text).toBe('{"event":"a\\u001b]0;t\\u0007\\u009b2J\\u202eb\\u007f"}');
    expect(JSON.parse(text)).toEqual(record);
  });

  it('any JSON value: the same value back, and no control or bidi character in the text', () => {
    const value = fc.jsonValue({ maxDepth: 3, stringUnit: char });
    fc.assert(
      fc.property(value, (v) => {
        const text = jsonText({ payload: v });
        expect(text).not.toMatch(UNSAFE);
        expect(JSON.parse(text)).toEqual(JSON.parse(JSON.stringify({ payload: v })));
      }),
      { numRuns: 500 },
    );
  });

  it('a value nested too deeply for JSON.stringify becomes a placeholder; the rest of the record is kept', () => {
    const deep = JSON.parse(`${'['.repeat(100_000)}${']'.repeat(100_000)}`) as unknown;
    const text = jsonText({ type: 'request', id: 'evt_1', payload: { data: deep } });
    expect(JSON.parse(text)).toEqual({ type: 'request', id: 'evt_1', payload: UNPRINTABLE });
  });
});

describe('Shown text', () => {
  const colours = { FORCE_COLOR: '1' };
  const stream = { write: () => true, isTTY: true };

  it('a template escapes its values, onto one line, and keeps its own words', () => {
    expect(shown`--> ${'evt\n\u001b[2J'} done\n`.text).toBe('--> evt\\n\\x1b[2J done\n');
  });

  it('a painter escapes what it paints, and only its own colours reach the text', () => {
    const c = paint(stream, colours);
    const line = shown`${c.bold('\u001b]0;title\u0007')} ${c.green.bold(`[${'\u009b2J'}]`)} ${c.dim(shown`x ${'\u202e'}`)}`;
    expect(line.text).toContain('\u001b[1m\\x1b]0;title\\x07\u001b[22m');
    expect(line.text.replace(/\u001b\[[0-9;]*m/g, '')).toBe('\\x1b]0;title\\x07 [\\u009b2J] x \\u202e');
    expect(visibleLength(line)).toBe('\\x1b]0;title\\x07 [\\u009b2J] x \\u202e'.length);
  });

  it("whatever the values, a line holds no control character but the painter's own colour sequences", () => {
    const c = paint(stream, colours);
    fc.assert(
      fc.property(hostile, hostile, (a, b) => {
        const withoutColours = (text: string) => text.replace(/\u001b\[[0-9;]*m/g, '');
        const line = joinShown([shown`${c.red(a)} ${b}`, c.yellow.bold(shown`${a}${b}`)], ' ');
        expect(withoutColours(line.text)).not.toMatch(UNSAFE);
        expect(withoutColours(c.dim(multiline(a)).text)).not.toMatch(UNSAFE_BUT_LAYOUT);
      }),
      { numRuns: 500 },
    );
  });

  it('multiline keeps the lines and tabs of a body, and escapes the rest', () => {
    expect(multiline('{\n\t"a": "\u009b"\n}').text).toBe('{\n\t"a": "\\u009b"\n}');
  });

  it('a JSON line is jsonText', () => {
    expect(jsonLine({ a: '\u009b' }).text).toBe('{"a":"\\u009b"}');
  });
});

describe('the views', () => {
  it('write to a stream only through writeLine and bufferedLines, which escape (the exceptions named)', async () => {
    const root = new URL('../../src/', import.meta.url);
    const files = (await readdir(root, { recursive: true })).filter((f) => /^(ui|commands)\/.*\.ts$/.test(f));
    const writes: Record<string, number> = {};
    for (const file of files) {
      const count = ((await readFile(new URL(file, root), 'utf8')).match(/\.write\(/g) ?? []).length;
      if (count > 0) writes[file] = count;
    }
    expect(writes).toEqual({
      'ui/style.ts': 1, // writeLine itself
      'ui/buffered.ts': 1, // bufferedLines, which takes only Shown text
      'ui/events.ts': 1, // events show --raw: the body's bytes, because the user asked for them
      'ui/prompt.ts': 1, // the hidden question, escaped
    });
  });
});

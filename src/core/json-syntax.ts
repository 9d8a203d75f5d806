// Where a JSON text goes wrong, as a person finds it: a line, a column and what was expected there.
// JSON.parse says a byte position at best (and on Node 20 often only quotes the text), so a text it
// refused is scanned again here. Only run on a text JSON.parse refused; no recursion, so as deep as it goes.

/** A JSON syntax error: 1-based line and column (in UTF-16 code units), the problem, and its line. */
export interface JsonSyntaxError {
  line: number;
  column: number;
  problem: string;
  /** The text of that line, without its line break. */
  lineText: string;
}

const WHITESPACE = /[ \t\n\r]*/y;
const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
const LITERAL = /true|false|null/y;
const HEX4 = /[0-9a-fA-F]{4}/y;

/** Where `text` stops being JSON, or undefined when it is JSON. */
export function findJsonSyntaxError(text: string): JsonSyntaxError | undefined {
  const found = new Scanner(text).scan();
  return found && locate(text, found.offset, found.problem);
}

function locate(text: string, offset: number, problem: string): JsonSyntaxError {
  const start = text.lastIndexOf('\n', offset - 1) + 1;
  const end = text.indexOf('\n', offset);
  const line = text.slice(0, start).split('\n').length;
  const lineText = text.slice(start, end === -1 ? undefined : end).replace(/\r$/, '');
  return { line, column: offset - start + 1, problem, lineText };
}

type Found = { offset: number; problem: string } | undefined;

const CLOSE = { '{': '}', '[': ']' } as const;

class Scanner {
  private i = 0;
  private readonly stack: ('{' | '[')[] = [];
  constructor(private readonly text: string) {}

  scan(): Found {
    for (;;) {
      const problem = this.value();
      if (problem) return problem;
      const after = this.afterValue();
      if (after !== 'value') return after;
    }
  }

  /** One value: a scalar, or the openings of arrays and objects (with their first keys) down to one. */
  private value(): Found {
    // A loop, not a call per opening: a text 100,000 arrays deep is scanned as JSON.parse reads it.
    for (;;) {
      this.space();
      const ch = this.text[this.i];
      if (ch !== '{' && ch !== '[') break;
      this.stack.push(ch);
      this.i++;
      this.space();
      if (this.text[this.i] === CLOSE[ch]) {
        this.stack.pop();
        this.i++;
        return undefined;
      }
      const problem = ch === '{' ? this.key() : undefined;
      if (problem) return problem;
    }
    if (this.text[this.i] === '"') return this.string();
    for (const pattern of [NUMBER, LITERAL]) {
      pattern.lastIndex = this.i;
      if (pattern.test(this.text)) {
        this.i = pattern.lastIndex;
        return undefined;
      }
    }
    return this.unexpected('a value');
  }

  /** After a value: a comma and the next value ('value'), closings, or the end. */
  private afterValue(): Found | 'value' {
    for (;;) {
      this.space();
      const top = this.stack.at(-1);
      const ch = this.text[this.i];
      if (!top) return ch === undefined ? undefined : this.fail('more text after the JSON value ends');
      if (ch === ',') {
        this.i++;
        if (top === '{') return this.key() ?? 'value';
        this.space();
        return this.text[this.i] === ']' ? this.fail('a comma before ] (JSON takes no trailing comma)') : 'value';
      }
      if (ch === CLOSE[top]) {
        this.stack.pop();
        this.i++;
        continue;
      }
      if (ch === undefined) return this.fail(`the text ends before the closing ${CLOSE[top]}`);
      return this.unexpected(`a comma or ${CLOSE[top]}`);
    }
  }

  /** A key and its colon. */
  private key(): Found {
    this.space();
    const ch = this.text[this.i];
    if (ch === '}') return this.fail('a comma before } (JSON takes no trailing comma)');
    if (ch !== '"') return this.unexpected('a key in double quotes');
    const problem = this.string();
    if (problem) return problem;
    this.space();
    if (this.text[this.i] !== ':') return this.unexpected('a colon after the key');
    this.i++;
    return undefined;
  }

  private string(): Found {
    const open = this.i;
    for (let j = open + 1; ; j++) {
      const code = this.text.charCodeAt(j);
      if (Number.isNaN(code)) return { offset: open, problem: 'a string that is never closed (no ending ")' };
      if (code === 0x22) {
        this.i = j + 1;
        return undefined;
      }
      if (code < 0x20)
        return { offset: j, problem: 'a line break or control character inside a string (write it as \\n, \\t…)' };
      if (code === 0x5c) {
        const next = this.text[j + 1];
        HEX4.lastIndex = j + 2;
        if (next === 'u' && HEX4.test(this.text)) j += 5;
        else if (next !== undefined && '"\\/bfnrt'.includes(next)) j++;
        else return { offset: j, problem: 'a backslash that starts no escape JSON knows (\\n, \\", \\\\, \\u00e9…)' };
      }
    }
  }

  private space(): void {
    WHITESPACE.lastIndex = this.i;
    WHITESPACE.test(this.text);
    this.i = WHITESPACE.lastIndex;
  }

  private fail(problem: string): Found {
    return { offset: this.i, problem };
  }

  private unexpected(expected: string): Found {
    const ch = this.text[this.i];
    if (ch === undefined) return this.fail(`the text ends where ${expected} was expected`);
    const hint = ch === "'" ? ' (JSON strings and keys take double quotes)' : '';
    return this.fail(`expected ${expected}, found ${JSON.stringify(ch)}${hint}`);
  }
}

/** Room for the offending line under an error message on a terminal of 80 columns. */
const EXCERPT_WIDTH = 70;

/**
 * The error in words: `line 2, column 8: expected a value, found "x"`, then (unless `short`) the line,
 * cut around the column when long, with a caret under the column.
 */
export function describeJsonSyntaxError(at: JsonSyntaxError, options: { short?: boolean } = {}): string {
  const where = `line ${at.line}, column ${at.column}: ${at.problem}`;
  if (options.short || at.lineText.trim() === '') return where;
  // Control characters would be shown escaped, longer than one column: a space keeps the caret in place.
  // eslint-disable-next-line no-control-regex -- the control characters are what is replaced
  const plain = at.lineText.replace(/[\u0000-\u001f\u007f-\u009f]/g, ' ');
  const start =
    plain.length > EXCERPT_WIDTH
      ? Math.max(0, Math.min(at.column - 1 - EXCERPT_WIDTH / 2, plain.length - EXCERPT_WIDTH))
      : 0;
  const end = Math.min(plain.length, start + EXCERPT_WIDTH);
  const cutBefore = start > 0 ? '…' : '';
  const excerpt = `${cutBefore}${plain.slice(start, end)}${end < plain.length ? '…' : ''}`;
  const gutter = String(at.line);
  const caret = ' '.repeat(at.column - 1 - start + cutBefore.length);
  return `${where}\n  ${gutter} | ${excerpt}\n  ${' '.repeat(gutter.length)} | ${caret}^`;
}

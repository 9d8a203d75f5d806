// JSON that keeps the numbers a user typed. `JSON.parse` reads every number into a double, so
// 12345678901234567890 comes back as 12345678901234567000 and 1e400 as Infinity (which
// `JSON.stringify` then writes as null). The payloads we sign and send must carry the digits as typed
//, and Node 20 has no reviver with the source text (that is Node 21+), so such a
// number is kept as a `RawNumber` holding its text, and `stringifyJson` writes that text back.
// Every other number stays a plain number and is written exactly as `JSON.stringify` writes it.

/** A JSON number kept as the text it was written in, because a JavaScript number would change it. */
export class RawNumber {
  constructor(readonly text: string) {}

  /** What `JSON.parse` would have read: the nearest double (for a stray `JSON.stringify`). */
  toJSON(): number {
    return Number(this.text);
  }
}

/** A JSON value as it appears in a payload. */
export type Json = null | boolean | number | string | RawNumber | Json[] | { [key: string]: Json };
export type JsonObject = { [key: string]: Json };

const NUMBER = /^(-?)(\d+)(?:\.(\d+))?(?:[eE]([+-]?\d+))?$/;

/** The exact decimal value of a JSON number's text, in one spelling: `-123e-2` for -1.230. */
function decimalValue(text: string): string {
  const [, sign, whole, fraction = '', exponent = '0'] = NUMBER.exec(text)!;
  const significant = `${whole}${fraction}`.replace(/^0+/, '');
  if (significant === '') return '0';
  const digits = significant.replace(/0+$/, '');
  const scale = BigInt(exponent) - BigInt(fraction.length) + BigInt(significant.length - digits.length);
  return `${sign}${digits}e${scale}`;
}

/**
 * Whether a JSON number's text must be kept: a double cannot hold its value (1e400, 0.30000000000000001,
 * 9007199254740993), or it is an integer beyond 2^53 that `JSON.stringify` would write otherwise
 * (100000000000000000000000 as 1e+23, which many readers take for a float). Other spellings of a value
 * a double holds (1.0, 1E2, -0) are written as `JSON.stringify` writes them, as before.
 */
export function keepsText(text: string): boolean {
  const value = Number(text);
  if (!Number.isFinite(value)) return true;
  const written = JSON.stringify(value);
  if (written === text) return false;
  if (/^-?\d+$/.test(text) && !Number.isSafeInteger(value)) return true;
  return decimalValue(text) !== decimalValue(written);
}

// Strings first, so that digits inside them are never taken for numbers.
const STRING_OR_NUMBER = /"(?:[^"\\]|\\[\s\S])*"|-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?/g;
const TOKEN =
  /[ \t\n\r]*(?:("(?:[^"\\]|\\[\s\S])*")|(-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?)|(true|false|null)|([{}[\]:,]))/y;

/**
 * Parses JSON as `JSON.parse` does (the same errors, the same objects), except that a number whose
 * text a double would change comes back as a `RawNumber`.
 */
export function parseJson(text: string): Json {
  const value = JSON.parse(text) as Json;
  for (const [token] of text.matchAll(STRING_OR_NUMBER)) {
    if (!token.startsWith('"') && keepsText(token)) return build(text);
  }
  return value;
}

interface Frame {
  node: JsonObject | Json[];
  key?: string | undefined;
}

/** Builds the value of a text already checked by `JSON.parse`; without recursion, as deep as it. */
function build(text: string): Json {
  const tokens = new RegExp(TOKEN);
  const stack: Frame[] = [];
  let root: Json = null;
  for (let match = tokens.exec(text); match; match = tokens.exec(text)) {
    const [, string, number, literal, mark] = match;
    if (mark === ':' || mark === ',') continue;
    if (mark === '}' || mark === ']') {
      stack.pop();
      continue;
    }
    const top = stack[stack.length - 1];
    if (string !== undefined && top && !Array.isArray(top.node) && top.key === undefined) {
      top.key = JSON.parse(string) as string;
      continue;
    }
    const value: Json =
      mark === '{'
        ? {}
        : mark === '['
          ? []
          : number !== undefined
            ? keepsText(number)
              ? new RawNumber(number)
              : Number(number)
            : (JSON.parse((string ?? literal)!) as Json);
    if (!top) root = value;
    else if (Array.isArray(top.node)) top.node.push(value);
    else {
      setMember(top.node, top.key!, value);
      top.key = undefined;
    }
    if (mark === '{' || mark === '[') stack.push({ node: value as JsonObject | Json[] });
  }
  return root;
}

/** Sets an own member, as `JSON.parse` does: a `__proto__` key is a member, not the prototype. */
function setMember(object: JsonObject, key: string, value: Json): void {
  Object.defineProperty(object, key, { value, writable: true, enumerable: true, configurable: true });
}

/**
 * Writes JSON as `JSON.stringify` does (compact, keys in order, undefined members left out), with each
 * `RawNumber` written as its text.
 */
export function stringifyJson(value: Json): string {
  if (value instanceof RawNumber) return value.text;
  if (Array.isArray(value))
    return `[${Array.from(value, (item: Json | undefined) => (item === undefined ? 'null' : stringifyJson(item))).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const members: string[] = [];
    for (const [key, item] of Object.entries(value)) {
      if (item !== undefined) members.push(`${JSON.stringify(key)}:${stringifyJson(item)}`);
    }
    return `{${members.join(',')}}`;
  }
  return JSON.stringify(value);
}

/**
 * Writes JSON as `JSON.stringify(value, null, 2)` does (for a file people edit), with each `RawNumber`
 * written as its text.
 */
export function indentJson(value: Json, indent = ''): string {
  if (value instanceof RawNumber) return value.text;
  const inner = `${indent}  `;
  if (Array.isArray(value)) {
    const items = Array.from(
      value,
      (item: Json | undefined) => `${inner}${item === undefined ? 'null' : indentJson(item, inner)}`,
    );
    return items.length === 0 ? '[]' : `[\n${items.join(',\n')}\n${indent}]`;
  }
  if (value !== null && typeof value === 'object') {
    const members = Object.entries(value)
      .filter(([, item]) => item !== undefined)
      .map(([key, item]) => `${inner}${JSON.stringify(key)}: ${indentJson(item, inner)}`);
    return members.length === 0 ? '{}' : `{\n${members.join(',\n')}\n${indent}}`;
  }
  return JSON.stringify(value);
}

/** Whether a value is a JSON object (not an array, not a kept number). */
export function isJsonObject(value: Json | undefined): value is JsonObject {
  return value !== null && typeof value === 'object' && !Array.isArray(value) && !(value instanceof RawNumber);
}

/** Whether a value nests arrays and objects more than `max` levels deep (counted without recursion). */
export function nestsDeeperThan(value: Json, max: number): boolean {
  const stack: [Json, number][] = [[value, 0]];
  while (stack.length > 0) {
    const [node, depth] = stack.pop()!;
    if (!Array.isArray(node) && !isJsonObject(node)) continue;
    if (depth >= max) return true;
    for (const item of Array.isArray(node) ? node : Object.values(node)) stack.push([item, depth + 1]);
  }
  return false;
}

/** A deep copy (a `RawNumber` is immutable and shared). */
export function cloneJson<T extends Json>(value: T): T {
  if (Array.isArray(value)) return value.map((item) => cloneJson(item)) as T;
  if (!isJsonObject(value)) return value;
  const copy: JsonObject = {};
  for (const [key, item] of Object.entries(value)) setMember(copy, key, cloneJson(item));
  return copy as T;
}

/** The value as `JSON.parse` would have read it: each `RawNumber` as the nearest double. */
export function toNativeJson(value: Json): Json {
  if (value instanceof RawNumber) return Number(value.text);
  if (Array.isArray(value)) return value.map(toNativeJson);
  if (!isJsonObject(value)) return value;
  const copy: JsonObject = {};
  for (const [key, item] of Object.entries(value)) setMember(copy, key, toNativeJson(item));
  return copy;
}

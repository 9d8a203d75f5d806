// Parsers for option values: each turns the text typed into the value the action receives, or throws
// an Error saying what is expected. Commander puts the flag in front ("option '--count <n>' argument
// '0' is invalid. …") and exits 2. Light on purpose: --help loads this file.

import type { ChaosSpec } from '../emulator/chaos.js';

/** A whole number from `min` to `max`. */
export function wholeNumber(min: number, max: number): (text: string) => number {
  return (text) => {
    const value = Number(text.trim());
    if (!/^-?\d+$/.test(text.trim()) || value < min || value > max) {
      throw new Error(`expected a whole number from ${min} to ${max}, got "${text}"`);
    }
    return value;
  };
}

/** `30s`, `500ms`, `2m` or a bare number of seconds, to milliseconds. */
export function duration(text: string): number {
  const match = /^(\d+(?:\.\d+)?)(ms|s|m)?$/.exec(text.trim());
  if (!match) throw new Error(`expected a duration like 10s, 500ms or 2m, got "${text}"`);
  const value = Number(match[1]);
  const unit = match[2] ?? 's';
  const ms = unit === 'ms' ? value : unit === 's' ? value * 1000 : value * 60_000;
  if (ms <= 0) throw new Error('expected a duration of more than zero');
  return Math.round(ms);
}

/** A comma-separated list of durations (`1s,2s,4s`), or "none" for an empty one. */
export function durations(text: string): number[] {
  return text
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s && s !== 'none')
    .map(duration);
}

/** A duration, or "off" for 0 (never). */
export function durationOrOff(text: string): number {
  return text.trim() === 'off' ? 0 : duration(text);
}

/** `5MiB`, `512KiB`, `1MB`, `100kb` or a number of bytes, to bytes. */
export function size(text: string): number {
  const match = /^(\d+(?:\.\d+)?)\s*(b|kb|kib|k|mb|mib|m|gb|gib|g)?$/i.exec(text.trim());
  if (!match) throw new Error(`expected a size like 5MiB, 512KiB or a number of bytes, got "${text}"`);
  const unit = (match[2] ?? 'b').toLowerCase();
  const factor = unit.startsWith('k') ? 1024 : unit.startsWith('m') ? 1024 ** 2 : unit.startsWith('g') ? 1024 ** 3 : 1;
  const bytes = Math.floor(Number(match[1]) * factor);
  if (bytes < 1) throw new Error('expected at least 1 byte');
  return bytes;
}

/**
 * A refusal that must not quote the text typed (commander would: "argument '…' is invalid"), because
 * it holds a password; define.ts reports it with the flag alone.
 */
export class SecretInputError extends Error {}

/** An http:// or https:// URL, as typed. A password in it is never repeated in the error. */
export function httpUrl(text: string): string {
  let url: URL | undefined;
  try {
    url = new URL(text);
  } catch {
    // reported below
  }
  if (url?.protocol === 'http:' || url?.protocol === 'https:') return text;
  const masked = maskPassword(text);
  if (masked !== text) throw new SecretInputError(`expected an http:// or https:// URL, got "${masked}"`);
  throw new Error(`expected an http:// or https:// URL, got "${text}"`);
}

/** `scheme://user:***@host…`: the password of a URL's user information masked, even in a URL that does not parse. */
export function maskPassword(text: string): string {
  return text.replace(/^([^/?#]*\/\/[^/?#:]*:)[^/?#]*@/, '$1***@');
}

/** A pause between sends: `200ms`, `1s`, or a range to draw from, `100ms-1s`. */
export function delayRange(text: string): { minMs: number; maxMs: number } {
  const match = /^(\d+(?:\.\d+)?(?:ms|s|m))(?:-(\d+(?:\.\d+)?(?:ms|s|m)))?$/.exec(text.trim());
  if (!match)
    throw new Error(`expected a time with its unit like 200ms or 1s, or a range like 100ms-1s, got "${text}"`);
  const ms = (part: string) =>
    Math.round(Number(/^[\d.]+/.exec(part)![0]) * (part.endsWith('ms') ? 1 : part.endsWith('s') ? 1000 : 60_000));
  const minMs = ms(match[1]!);
  const maxMs = match[2] === undefined ? minMs : ms(match[2]);
  if (maxMs < minMs) throw new Error(`the range ${text} ends before it starts: write the shorter time first`);
  if (maxMs > 3_600_000) throw new Error('expected at most 1 hour (60m) between sends');
  return { minMs, maxMs };
}

/** Any text but the empty one (a secret, a key). */
export function nonEmpty(text: string): string {
  if (text.length === 0) throw new Error('may not be empty');
  return text;
}

/** A comma-separated list with at least one item. */
export function commaList(text: string): string[] {
  const items = text
    .split(',')
    .map((item) => item.trim())
    .filter(Boolean);
  if (items.length === 0) throw new Error('expected at least one item, comma-separated');
  return items;
}

/** A path that starts with /. */
export function urlPath(text: string): string {
  if (!text.startsWith('/')) throw new Error(`expected a path starting with /, got "${text}"`);
  return text;
}

const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

/** `"Name: value"`, to [name, value]. A CR or LF would smuggle a second header: refused. */
export function header(text: string): [string, string] {
  const colon = text.indexOf(':');
  const name = colon > 0 ? text.slice(0, colon).trim() : '';
  if (!HEADER_NAME.test(name)) throw new Error(`expected "Name: value", got "${text}" (for example: "X-Test-Run: 42")`);
  const value = text.slice(colon + 1).trim();
  if (/[\r\n\0]/.test(value)) throw new Error('a header value may not contain a line break');
  return [name, value];
}

/** The app's answer to match: a status (404), a class (4xx), `failed` (no answer) or `none` (not forwarded). */
export function statusPattern(text: string): string {
  const value = text.trim().toLowerCase();
  if (/^[1-5](\d\d|xx)$/.test(value) || value === 'failed' || value === 'none') return value;
  throw new Error(`expected a status (404), a class (2xx, 4xx, 5xx), failed or none, got "${text}"`);
}

/** A moment: a duration ago (`10m`, `2h`, `1d`) or a date and time (`2026-11-29T10:00:00Z`, `2026-11-29`). */
export type Moment = { ago: number } | { at: Date };

export function moment(text: string): Moment {
  const ago = /^(\d+(?:\.\d+)?)(s|m|h|d)$/.exec(text.trim());
  if (ago)
    return {
      ago: Math.round(
        Number(ago[1]) * { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }[ago[2] as 's' | 'm' | 'h' | 'd'],
      ),
    };
  const at = new Date(text.trim());
  if (/^\d{4}-\d\d-\d\d/.test(text.trim()) && !Number.isNaN(at.getTime())) return { at };
  throw new Error(`expected a time ago (30s, 10m, 2h, 1d) or a date (2026-11-29, 2026-11-29T10:00:00Z), got "${text}"`);
}

/** One of `choices`, as typed. */
export function oneOf<C extends string>(choices: readonly C[]): (text: string) => C {
  return (text) => {
    if ((choices as readonly string[]).includes(text)) return text as C;
    throw new Error(`expected one of ${choices.join(', ')}, got "${text}"`);
  };
}

/** `--match path=value`: a dot path into the envelope and the value, as text, it must have. */
export function matchCondition(text: string): { path: string[]; text: string } {
  const equals = text.indexOf('=');
  const path = equals > 0 ? text.slice(0, equals).split('.') : [];
  if (path.length === 0 || path.some((part) => part.length === 0)) {
    throw new Error('expected path=value, e.g. data.chonk_id=chonk_123 or event=generation.completed');
  }
  return { path, text: text.slice(equals + 1) };
}

/** `--since`: `now`, or as moment() takes it. */
export function sinceMoment(text: string): Moment | 'now' {
  return text === 'now' ? 'now' : moment(text);
}

const CHAOS_KINDS = ['duplicate', 'reorder', 'delay', 'fail', 'timeout'] as const;
const CHAOS_EXAMPLE = 'duplicate=0.2,reorder=0.3,delay=100ms-2s,fail=0.1,timeout=0.05';

/**
 * The emulator's chaos: `kind=value` pairs, comma-separated (`duplicate=0.2,delay=100ms-2s`), where a
 * chance is 0 to 1 or a percentage and a delay a duration or a range of two; `none` for no chaos.
 */
export function chaosSpec(text: string): ChaosSpec {
  if (text.trim() === 'none') return {};
  const spec: Record<string, unknown> = {};
  for (const part of text
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)) {
    const [kind = '', setting, extra] = part.split('=').map((s) => s.trim());
    if (!(CHAOS_KINDS as readonly string[]).includes(kind)) {
      throw new Error(
        `unknown chaos "${kind}": expected one of ${CHAOS_KINDS.join(', ')} (for example ${CHAOS_EXAMPLE})`,
      );
    }
    if (!setting || extra !== undefined)
      throw new Error(`expected ${kind}=${kind === 'delay' ? '100ms-2s' : '0.2'}, got "${part}"`);
    if (kind in spec) throw new Error(`${kind} is given twice`);
    spec[kind] = kind === 'delay' ? chaosDelayRange(setting) : chance(kind, setting);
  }
  if (Object.keys(spec).length === 0)
    throw new Error(`expected kind=value pairs, for example ${CHAOS_EXAMPLE}, or none`);
  return spec as ChaosSpec;
}

/** `0.2`, `20%`: a chance from 0 to 1. */
function chance(kind: string, text: string): number {
  const match = /^(\d+(?:\.\d+)?|\.\d+)(%?)$/.exec(text);
  const value = match ? Number(match[1]) / (match[2] ? 100 : 1) : NaN;
  if (!(value >= 0 && value <= 1))
    throw new Error(`${kind}: expected a chance from 0 to 1 (0.2) or a percentage (20%), got "${text}"`);
  return value;
}

/** `500ms` or `100ms-2s` (a bare number is seconds, as elsewhere): a range in ms. */
function chaosDelayRange(text: string): { min_ms: number; max_ms: number } {
  const ms = (part: string) => {
    const match = /^(\d+(?:\.\d+)?)(ms|s|m)?$/.exec(part.trim());
    if (!match) throw new Error(`delay: expected a duration (500ms) or a range (100ms-2s), got "${text}"`);
    return Math.round(Number(match[1]) * { ms: 1, s: 1000, m: 60_000 }[(match[2] ?? 's') as 'ms' | 's' | 'm']);
  };
  const [low = '', high, extra] = text.split('-');
  if (extra !== undefined) throw new Error(`delay: expected a duration (500ms) or a range (100ms-2s), got "${text}"`);
  const range = { min_ms: ms(low), max_ms: high === undefined ? ms(low) : ms(high) };
  if (range.min_ms > range.max_ms)
    throw new Error(`delay: the range ${text} ends before it starts; put the shorter duration first`);
  return range;
}

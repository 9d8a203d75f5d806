import { z } from 'zod';
import { usageError } from '../errors.js';

// Shared parsers for command-line flags. Each command parses its flags with zod here, so a bad flag
// is a usage error (exit 2) that names the flag, before any work is done.

/** `30s`, `500ms`, `2m` or a bare number of seconds, to milliseconds. */
export function parseDuration(text: string, flag: string): number {
  const match = /^(\d+(?:\.\d+)?)(ms|s|m)?$/.exec(text.trim());
  if (!match) throw usageError(`${flag} expects a duration like 10s, 500ms or 2m, got "${text}"`);
  const value = Number(match[1]);
  const unit = match[2] ?? 's';
  const ms = unit === 'ms' ? value : unit === 's' ? value * 1000 : value * 60_000;
  if (ms <= 0) throw usageError(`${flag} must be more than zero`);
  return Math.round(ms);
}

/** `5MiB`, `512KiB`, `1MB`, `100kb` or a number of bytes, to bytes. */
export function parseSize(text: string, flag: string): number {
  const match = /^(\d+(?:\.\d+)?)\s*(b|kb|kib|k|mb|mib|m|gb|gib|g)?$/i.exec(text.trim());
  if (!match) throw usageError(`${flag} expects a size like 5MiB, 512KiB or a number of bytes, got "${text}"`);
  const unit = (match[2] ?? 'b').toLowerCase();
  const factor = unit.startsWith('k') ? 1024 : unit.startsWith('m') ? 1024 ** 2 : unit.startsWith('g') ? 1024 ** 3 : 1;
  const bytes = Math.floor(Number(match[1]) * factor);
  if (bytes < 1) throw usageError(`${flag} must be at least 1 byte`);
  return bytes;
}

/** A comma-separated list flag, e.g. --events a,b. */
export function parseList(text: string | undefined): string[] | undefined {
  if (text === undefined) return undefined;
  return text.split(',').map((item) => item.trim()).filter(Boolean);
}

const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

/** `--header "Name: value"` flags to a header map. */
export function parseHeaders(values: readonly string[]): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const raw of values) {
    const colon = raw.indexOf(':');
    const name = colon > 0 ? raw.slice(0, colon).trim() : '';
    if (!HEADER_NAME.test(name)) {
      throw usageError(`--header expects "Name: value", got "${raw}"`, 'for example: --header "X-Test-Run: 42"');
    }
    headers[name.toLowerCase()] = raw.slice(colon + 1).trim();
  }
  return headers;
}

/** Parses flags with a zod schema; the first problem becomes a usage error naming the flag. */
export function parseFlags<T extends z.ZodType>(schema: T, flags: unknown): z.infer<T> {
  const result = schema.safeParse(flags);
  if (result.success) return result.data;
  const issue = result.error.issues[0]!;
  const flag = issue.path.length > 0 ? `--${String(issue.path[0]).replace(/[A-Z]/g, (m) => `-${m.toLowerCase()}`)}` : 'flags';
  throw usageError(`${flag}: ${issue.message}`);
}

/** An integer flag given as text by commander. */
export const intFlag = (min: number, max = Number.MAX_SAFE_INTEGER) =>
  z.coerce.number({ error: 'expected a whole number' }).int('expected a whole number').min(min).max(max);

/** An http(s) URL. */
export const httpUrl = z.string().refine((value) => {
  try {
    const url = new URL(value);
    return url.protocol === 'http:' || url.protocol === 'https:';
  } catch {
    return false;
  }
}, 'expected an http:// or https:// URL');

/** A non-empty secret, when given. */
export const secretFlag = z.string().min(1, 'the secret may not be empty').optional();

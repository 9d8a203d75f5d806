import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { Failure, type PayloadSource } from '../../failure.js';
import { findJsonSyntaxError } from '../json-syntax.js';
import { isJsonObject, nestsDeeperThan, parseJson, RawNumber, type Json, type JsonObject } from '../lossless-json.js';
import { EVENT_TYPES, isEventType, suggestEventType, type EventType } from './catalogue.js';

export type { Json, JsonObject } from '../lossless-json.js';

// Resolves to <package>/fixtures/ from both src/core/events/ and dist/core/events/.
const FIXTURES_DIR = fileURLToPath(new URL('../../../fixtures/', import.meta.url));

/** The path of the built-in fixture of an event type. */
export function fixturePath(event: EventType): string {
  return `${FIXTURES_DIR}${event}.json`;
}

/** Checks an event name and explains a mistyped one. */
export function requireEventType(name: string): EventType {
  if (isEventType(name)) return name;
  throw new Failure('event-type-unknown', { name, suggestion: suggestEventType(name), known: EVENT_TYPES });
}

/** Reads and parses a JSON object from a file, with failures that name the file. */
export async function readJsonFile(path: string, source: PayloadSource): Promise<JsonObject> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new Failure('file-unreadable', {
      source,
      path,
      detail: code === 'ENOENT' ? 'no such file' : (error as Error).message,
    });
  }
  return parseJsonObject(text, source, path);
}

/**
 * Parses a JSON object, turning a syntax error into a failure that names its source. Numbers that a
 * JavaScript number would change are kept as typed (see lossless-json.ts).
 */
export function parseJsonObject(text: string, source: PayloadSource, path?: string): JsonObject {
  let value: Json;
  try {
    value = parseJson(text);
  } catch (error) {
    const at = findJsonSyntaxError(text);
    throw new Failure('json-invalid', { source, path, detail: (error as Error).message, at });
  }
  if (!isJsonObject(value)) throw new Failure('payload-not-object', { source, path });
  // Building, validating and sending walk the payload recursively: a value thousands of levels deep
  // would overflow the stack there, and no event nests more than a few.
  if (nestsDeeperThan(value, MAX_PAYLOAD_DEPTH))
    throw new Failure('json-invalid', {
      source,
      path,
      detail: `it nests more than ${MAX_PAYLOAD_DEPTH} levels deep (DataChonk's events nest a few)`,
    });
  return value;
}

/** How deep a payload given by the user may nest arrays and objects. */
export const MAX_PAYLOAD_DEPTH = 512;

/** The built-in fixture of an event type, freshly read (callers may mutate it). */
export async function loadFixture(event: EventType): Promise<JsonObject> {
  return readJsonFile(fixturePath(event), 'fixture');
}

const ID_ALPHABET = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

// Random bytes are drawn 4 KiB at a time: the listener makes an id per request, and one
// randomBytes call per id showed up in its profile.
let pool = Buffer.alloc(0);
let offset = 0;

/** A random id: the prefix and `length` base62 characters. */
export function randomId(prefix: string, length: number): string {
  if (offset + length > pool.length) {
    pool = randomBytes(4096);
    offset = 0;
  }
  let id = prefix;
  // 256 % 62 leaves a slight bias; ids need uniqueness, not uniform randomness.
  for (let i = 0; i < length; i++) id += ID_ALPHABET[pool[offset + i]! % 62];
  offset += length;
  return id;
}

/** A fresh event id: `evt_` and 24 random base62 characters. */
export function newEventId(): string {
  return randomId('evt_', 24);
}

/** One `--set path=value` override. */
export interface Override {
  path: string[];
  value: Json;
}

const FORBIDDEN_SEGMENTS = new Set(['__proto__', 'prototype', 'constructor']);

/**
 * Parses `path=value`. The path is dot-separated (`data.files_generated.0.lines`; `[0]` works too).
 * A value that parses as JSON is used as JSON (numbers as typed), anything else as a string.
 */
export function parseOverride(arg: string): Override {
  const eq = arg.indexOf('=');
  if (eq <= 0) throw new Failure('override-syntax', { text: arg });
  const path = parseOverridePath(arg.slice(0, eq));
  const rawValue = arg.slice(eq + 1);
  let value: Json;
  try {
    value = parseJson(rawValue);
  } catch {
    value = rawValue;
  }
  return { path, value };
}

/** Splits an override's dot path (`data.files_generated.0.lines`, `[0]` too) into its keys. */
export function parseOverridePath(rawPath: string): string[] {
  const path = rawPath.replace(/\[(\d+)\]/g, '.$1').split('.');
  if (path.some((segment) => segment === ''))
    throw new Failure('override-path', { path: rawPath, problem: 'empty-segment' });
  const bad = path.find((segment) => FORBIDDEN_SEGMENTS.has(segment));
  if (bad) throw new Failure('override-path', { path: rawPath, problem: 'forbidden-segment', segment: bad });
  return path;
}

/** Applies one override in place, creating objects (or arrays, before a numeric key) on the way. */
export function applyOverride(target: JsonObject, { path, value }: Override): void {
  let node: Json = target;
  for (let i = 0; i < path.length - 1; i++) {
    const key = path[i]!;
    const container = node as JsonObject | Json[];
    let next = (container as Record<string, Json>)[key];
    if (next === null || typeof next !== 'object' || next instanceof RawNumber) {
      next = /^\d+$/.test(path[i + 1]!) ? [] : {};
      assign(container, key, next, path.slice(0, i + 1));
    }
    node = next;
  }
  assign(node as JsonObject | Json[], path[path.length - 1]!, value, path);
}

function assign(container: JsonObject | Json[], key: string, value: Json, path: string[]): void {
  if (Array.isArray(container)) {
    if (!/^\d+$/.test(key))
      throw new Failure('override-path', { path: path.join('.'), problem: 'not-an-index', segment: key });
    const index = Number(key);
    if (index > container.length) {
      throw new Failure('override-path', {
        path: path.join('.'),
        problem: 'past-the-end',
        index,
        length: container.length,
      });
    }
    container[index] = value;
    return;
  }
  container[key] = value;
}

/** Merges `patch` into `base` in place: objects recursively, anything else (arrays too) replaced. */
export function deepMerge(base: JsonObject, patch: JsonObject): JsonObject {
  for (const [key, value] of Object.entries(patch)) {
    if (FORBIDDEN_SEGMENTS.has(key)) continue;
    const current = base[key];
    if (isJsonObject(current) && isJsonObject(value)) deepMerge(current, value);
    else base[key] = value;
  }
  return base;
}

import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { usageError } from '../../errors.js';
import { EVENT_TYPES, isEventType, suggestEventType, type EventType } from './catalogue.js';

/** A JSON value as it appears in a payload. */
export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export type JsonObject = { [key: string]: Json };

// Resolves to <package>/fixtures/ from both src/core/events/ and dist/core/events/.
const FIXTURES_DIR = fileURLToPath(new URL('../../../fixtures/', import.meta.url));

/** The path of the built-in fixture of an event type. */
export function fixturePath(event: EventType): string {
  return `${FIXTURES_DIR}${event}.json`;
}

/** Checks an event name and explains a mistyped one. */
export function requireEventType(name: string): EventType {
  if (isEventType(name)) return name;
  const suggestion = suggestEventType(name);
  throw usageError(
    `unknown event type "${name}"${suggestion ? `: did you mean ${suggestion}?` : ''}`,
    `valid event types: ${EVENT_TYPES.join(', ')} (see \`datachonk trigger --list\`)`,
  );
}

/** Reads and parses a JSON file, with errors that name the file. */
export async function readJsonFile(path: string, what: string): Promise<Json> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw usageError(`cannot read ${what} ${path}: ${code === 'ENOENT' ? 'no such file' : (error as Error).message}`);
  }
  return parseJson(text, `${what} ${path}`);
}

/** Parses JSON text, turning a syntax error into a usage error that names its source. */
export function parseJson(text: string, source: string): Json {
  try {
    return JSON.parse(text) as Json;
  } catch (error) {
    throw usageError(`${source} is not valid JSON: ${(error as Error).message}`);
  }
}

/** The built-in fixture of an event type, freshly read (callers may mutate it). */
export async function loadFixture(event: EventType): Promise<JsonObject> {
  return requireObject(await readJsonFile(fixturePath(event), 'fixture'), `fixture ${event}`);
}

export function requireObject(value: Json, source: string): JsonObject {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw usageError(`${source} must be a JSON object`);
  }
  return value;
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
 * A value that parses as JSON is used as JSON, anything else as a string.
 */
export function parseOverride(arg: string): Override {
  const eq = arg.indexOf('=');
  if (eq <= 0) {
    throw usageError(`--set expects path=value, got "${arg}"`, 'for example: --set data.chonk_name=dim_orders');
  }
  const rawPath = arg.slice(0, eq);
  const rawValue = arg.slice(eq + 1);
  const path = rawPath.replace(/\[(\d+)\]/g, '.$1').split('.');
  if (path.some((segment) => segment === '')) {
    throw usageError(`--set path "${rawPath}" has an empty segment`, 'use dots between keys: data.files_generated.0.lines=10');
  }
  const bad = path.find((segment) => FORBIDDEN_SEGMENTS.has(segment));
  if (bad) throw usageError(`--set path "${rawPath}" may not contain "${bad}"`);
  let value: Json;
  try {
    value = JSON.parse(rawValue) as Json;
  } catch {
    value = rawValue;
  }
  return { path, value };
}

/** Applies one override in place, creating objects (or arrays, before a numeric key) on the way. */
export function applyOverride(target: JsonObject, { path, value }: Override): void {
  let node: Json = target;
  for (let i = 0; i < path.length - 1; i++) {
    const key = path[i]!;
    const container = node as JsonObject | Json[];
    let next = (container as Record<string, Json>)[key];
    if (next === null || typeof next !== 'object') {
      next = /^\d+$/.test(path[i + 1]!) ? [] : {};
      assign(container, key, next, path.slice(0, i + 1));
    }
    node = next;
  }
  assign(node as JsonObject | Json[], path[path.length - 1]!, value, path);
}

function assign(container: JsonObject | Json[], key: string, value: Json, path: string[]): void {
  if (Array.isArray(container)) {
    if (!/^\d+$/.test(key)) {
      throw usageError(`--set path "${path.join('.')}": "${key}" is not an array index`);
    }
    const index = Number(key);
    if (index > container.length) {
      throw usageError(`--set path "${path.join('.')}": index ${index} is past the end of an array of ${container.length}`);
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
    if (isPlainObject(current) && isPlainObject(value)) deepMerge(current, value);
    else base[key] = value;
  }
  return base;
}

function isPlainObject(value: Json | undefined): value is JsonObject {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/**
 * The exact bytes DataChonk's documented sample receiver can verify: it checks the signature over
 * `JSON.stringify(req.body)` after `express.json()`, so the wire form must be compact JSON with the
 * keys in order, i.e. JSON.stringify of the payload itself (datachonk-facts.md).
 */
export function serializePayload(payload: JsonObject): string {
  return JSON.stringify(payload);
}

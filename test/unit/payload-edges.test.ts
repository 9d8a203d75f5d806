import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { buildPayload, compileRecipe, type PayloadRecipe } from '../../src/core/events/build.js';
import {
  applyOverride,
  MAX_PAYLOAD_DEPTH,
  parseJsonObject,
  parseOverride,
  readJsonFile,
  type JsonObject,
} from '../../src/core/events/payload.js';
import { isFailure } from '../../src/failure.js';
import { stringifyJson } from '../../src/core/lossless-json.js';

// The edges of payload building that the mutation run found untested: the facts a failure carries,
// paths through values that are not containers, multi-digit indexes, and the compiled recipe of a
// template whose fields come in another order.

const failureOf = (attempt: () => unknown) => {
  try {
    attempt();
  } catch (error) {
    if (isFailure(error)) return { code: error.code, facts: error.facts };
    throw error;
  }
  throw new Error('no failure');
};

const set = (payload: JsonObject, arg: string) => {
  applyOverride(payload, parseOverride(arg));
  return payload;
};

let dir: string | undefined;
afterEach(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
  dir = undefined;
});

describe('payload failures carry their facts', () => {
  it('a missing file is "no such file"; another read error keeps its message', async () => {
    dir = await mkdtemp(join(tmpdir(), 'datachonk-payload-'));
    await expect(readJsonFile(join(dir, 'absent.json'), 'data-file')).rejects.toMatchObject({
      code: 'file-unreadable',
      facts: { source: 'data-file', path: join(dir, 'absent.json'), detail: 'no such file' },
    });
    // A folder where a file was expected: not ENOENT, so the system's own words.
    await expect(readJsonFile(dir, 'fixture-file')).rejects.toMatchObject({
      code: 'file-unreadable',
      facts: { source: 'fixture-file', path: dir, detail: expect.stringContaining('EISDIR') },
    });
  });

  it('JSON that is not an object names its source and path', async () => {
    expect(failureOf(() => parseJsonObject('[1]', 'data-file', 'x.json'))).toEqual({
      code: 'payload-not-object',
      facts: { source: 'data-file', path: 'x.json' },
    });
    dir = await mkdtemp(join(tmpdir(), 'datachonk-payload-'));
    await writeFile(join(dir, 'ok.json'), '{"a":1}');
    expect(await readJsonFile(join(dir, 'ok.json'), 'data-file')).toEqual({ a: 1 });
  });

  it('a payload nested deeper than MAX_PAYLOAD_DEPTH is refused as such, before anything recurses over it', () => {
    const nested = (depth: number) => `{"data":${'['.repeat(depth - 1)}${']'.repeat(depth - 1)}}`;
    expect(parseJsonObject(nested(MAX_PAYLOAD_DEPTH), 'data')).toBeTruthy();
    expect(failureOf(() => parseJsonObject(nested(MAX_PAYLOAD_DEPTH + 1), 'data'))).toMatchObject({
      code: 'json-invalid',
      facts: {
        source: 'data',
        detail: `it nests more than ${MAX_PAYLOAD_DEPTH} levels deep (DataChonk's events nest a few)`,
      },
    });
    // 20,000 levels: refused, not a stack overflow in what comes after.
    expect(failureOf(() => parseJsonObject(nested(20_000), 'data'))).toMatchObject({ code: 'json-invalid' });
  });

  it('an override with nothing before its = is a syntax error quoting it', () => {
    expect(failureOf(() => parseOverride('=1'))).toEqual({ code: 'override-syntax', facts: { text: '=1' } });
    expect(failureOf(() => parseOverride('no-equals'))).toEqual({
      code: 'override-syntax',
      facts: { text: 'no-equals' },
    });
    expect(parseOverride('a==1')).toEqual({ path: ['a'], value: '=1' });
  });

  it.each(['__proto__', 'prototype', 'constructor'])('a path through %s is refused', (segment) => {
    expect(failureOf(() => parseOverride(`data.${segment}.x=1`))).toEqual({
      code: 'override-path',
      facts: { path: `data.${segment}.x`, problem: 'forbidden-segment', segment },
    });
  });

  it('a key that is not a whole number, into an array, is not an index', () => {
    for (const key of ['1a', 'a1', 'x']) {
      expect(failureOf(() => set({ list: [1, 2] }, `list.${key}=3`))).toEqual({
        code: 'override-path',
        facts: { path: `list.${key}`, problem: 'not-an-index', segment: key },
      });
    }
  });
});

describe('override paths', () => {
  it('takes indexes of more than one digit, in brackets or dotted', () => {
    const list = Array.from({ length: 12 }, (_, i) => i);
    expect((set({ list: [...list] }, 'list[11]=x').list as unknown[])[11]).toBe('x');
    expect((set({ list: [...list] }, 'list.10=y').list as unknown[])[10]).toBe('y');
  });

  it('goes through a null, a string or a number by replacing it with a container', () => {
    expect(set({ data: null }, 'data.a.b=1')).toEqual({ data: { a: { b: 1 } } });
    expect(set({ data: 'text' }, 'data.a=1')).toEqual({ data: { a: 1 } });
    expect(set({ data: 5 }, 'data.0=1')).toEqual({ data: [1] });
  });

  it('makes an array only before a whole-number key', () => {
    expect(set({}, 'a.0=1')).toEqual({ a: [1] });
    // A new array is empty: index 1 or 12 of it is past its end.
    expect(failureOf(() => set({}, 'a.1=1'))).toMatchObject({ facts: { problem: 'past-the-end', index: 1 } });
    expect(failureOf(() => set({}, 'a.12=1'))).toMatchObject({ facts: { problem: 'past-the-end', index: 12 } });
    expect(set({}, 'a.1b=1')).toEqual({ a: { '1b': 1 } });
    expect(set({}, 'a.b1=1')).toEqual({ a: { b1: 1 } });
  });
});

describe('compileRecipe', () => {
  const fresh = { id: 'evt_fresh1', createdAt: new Date('2026-12-07T10:11:12.345Z') };
  const same = (recipe: PayloadRecipe) =>
    expect(compileRecipe(recipe)(fresh).body).toBe(stringifyJson(buildPayload(recipe, fresh)));

  it('makes the same bytes as building the payload, whatever the order of id and created_at', () => {
    same({ template: { created_at: 'x', event: 'chonk.created', id: 'y', data: {} }, overrides: [] });
    same({ template: { id: 'y', event: 'chonk.created', created_at: 'x', data: {} }, overrides: [] });
  });

  it('puts the id where the id is, not in the first empty string', () => {
    same({
      template: { note: '', event: 'chonk.created', id: 'y', created_at: 'x', data: { empty: '' } },
      overrides: [],
    });
  });

  it('keeps an id or a date pinned with --set', () => {
    const recipe = {
      template: { id: 'y', event: 'chonk.created', created_at: 'x', data: {} },
      overrides: [parseOverride('id=evt_pinned'), parseOverride('created_at=2020-01-01T00:00:00Z')],
    };
    same(recipe);
    expect(compileRecipe(recipe)(fresh).id).toBe('evt_pinned');
  });
});

import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { buildPayload } from '../../src/core/events/build.js';
import { EVENT_TYPES } from '../../src/core/events/catalogue.js';
import {
  applyOverride,
  deepMerge,
  parseJsonObject,
  parseOverride,
  type JsonObject,
} from '../../src/core/events/payload.js';
import { stringifyJson } from '../../src/core/lossless-json.js';
import { pathOutside } from '../../src/core/events/schemas.js';
import { z } from 'zod';
import { planPayloads } from '../../src/core/trigger/plan.js';
import { failureWords, run } from '../helpers/program.js';
import { testContext, type TestContext } from '../helpers/context.js';

const set = (payload: JsonObject, arg: string) => {
  applyOverride(payload, parseOverride(arg));
  return payload;
};

describe('--set', () => {
  it('parses JSON values as JSON and anything else as a string', () => {
    expect(parseOverride('data.duration_ms=42').value).toBe(42);
    expect(parseOverride('data.flag=true').value).toBe(true);
    expect(parseOverride('data.none=null').value).toBeNull();
    expect(parseOverride('data.list=[1,2]').value).toEqual([1, 2]);
    expect(parseOverride('data.chonk_name=dim_orders').value).toBe('dim_orders');
    expect(parseOverride('data.quoted="42"').value).toBe('42');
    expect(parseOverride('data.expr=a=b').value).toBe('a=b');
    expect(parseOverride('data.empty=').value).toBe('');
  });

  it('sets top-level fields, nested fields and array elements', () => {
    const payload: JsonObject = { id: 'evt_1', data: { files: [{ path: 'a', lines: 1 }] } };
    set(payload, 'id=evt_mine');
    set(payload, 'data.files.0.lines=10');
    set(payload, 'data.files[1].path=b');
    expect(payload).toEqual({ id: 'evt_mine', data: { files: [{ path: 'a', lines: 10 }, { path: 'b' }] } });
  });

  it('creates missing objects, and arrays before a numeric key', () => {
    expect(set({}, 'data.extra.tags.0=x')).toEqual({ data: { extra: { tags: ['x'] } } });
  });

  it.each([
    ['no equals sign', 'data.name'],
    ['empty path', '=x'],
    ['empty segment', 'data..name=x'],
    ['prototype pollution', '__proto__.polluted=1'],
    ['constructor', 'data.constructor.prototype=1'],
  ])('refuses %s with a usage error', async (_name, arg) => {
    expect(await failureWords(() => parseOverride(arg))).toMatchObject({
      kind: 'usage',
      message: expect.stringContaining('--set'),
    });
  });

  it('refuses an index far past the end of an array', async () => {
    expect((await failureWords(() => set({ a: [] }, 'a.5=1'))).message).toMatch(/past the end/);
  });

  it('refuses a non-numeric key into an array', async () => {
    expect((await failureWords(() => set({ a: [1] }, 'a.x=1'))).message).toMatch(/not an array index/);
  });
});

describe('deepMerge', () => {
  it('merges objects recursively and replaces arrays and scalars', () => {
    const base: JsonObject = { a: { b: 1, c: [1, 2] }, d: 'x' };
    expect(deepMerge(base, { a: { c: [3] }, d: 'y', e: true })).toEqual({ a: { b: 1, c: [3] }, d: 'y', e: true });
  });

  it('ignores __proto__ keys from JSON input', () => {
    const merged = deepMerge({}, JSON.parse('{"__proto__":{"polluted":true}}') as JsonObject);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.keys(merged)).toEqual([]);
  });
});

describe('planPayloads', () => {
  let ctx: TestContext;
  afterEach(() => ctx?.cleanup());
  const now = new Date('2026-11-26T14:55:54.321Z');

  it('gives each built payload a fresh id and a second-precision created_at, keeping key order', async () => {
    const {
      recipes: [recipe],
    } = await planPayloads({ event: 'generation.completed', all: false, sets: [], validate: true }, now);
    const payload = buildPayload(recipe!, { id: 'evt_fresh', createdAt: now });
    expect(payload.id).toBe('evt_fresh');
    expect(payload.created_at).toBe('2026-11-26T14:55:54Z');
    expect(Object.keys(payload)).toEqual(['id', 'event', 'created_at', 'project_id', 'data']);
  });

  it('applies --data before --set, so --set wins', async () => {
    const {
      recipes: [recipe],
    } = await planPayloads(
      {
        event: 'generation.completed',
        all: false,
        validate: true,
        data: '{"data":{"chonk_name":"from_data","duration_ms":7}}',
        sets: ['data.chonk_name=from_set'],
      },
      now,
    );
    const payload = buildPayload(recipe!, { id: 'evt_x', createdAt: now });
    expect(payload.data).toMatchObject({ chonk_name: 'from_set', duration_ms: 7, chonk_type: 'entity' });
  });

  it('reads --data @file and --fixture files', async () => {
    ctx = await testContext();
    const dataFile = join(ctx.home, 'patch.json');
    const fixtureFile = join(ctx.home, 'fixture.json');
    await writeFile(dataFile, '{"data":{"branch":"main"}}');
    await writeFile(
      fixtureFile,
      JSON.stringify({
        id: 'evt_f',
        event: 'chonk.deleted',
        created_at: '2024-01-01T00:00:00Z',
        project_id: 'proj_f',
        data: { chonk_id: 'chonk_1', chonk_name: 'old', chonk_type: 'source' },
      }),
    );
    const {
      recipes: [fromFixture],
    } = await planPayloads({ all: false, fixtureFile, sets: [], validate: true }, now);
    expect(buildPayload(fromFixture!, { id: 'evt_y', createdAt: now }).data).toMatchObject({ chonk_name: 'old' });
    const {
      recipes: [patched],
    } = await planPayloads(
      { event: 'push.completed', all: false, data: `@${dataFile}`, sets: [], validate: true },
      now,
    );
    expect(buildPayload(patched!, { id: 'evt_z', createdAt: now }).data).toMatchObject({ branch: 'main' });
  });

  it('turns an invalid result into a usage error naming the field', async () => {
    const attempt = planPayloads(
      { event: 'generation.completed', all: false, sets: ['data.duration_ms=slow'], validate: true },
      now,
    );
    expect(await failureWords(attempt)).toMatchObject({
      kind: 'usage',
      message: expect.stringContaining('data.duration_ms'),
    });
  });

  it('lets --no-validate through with the same invalid payload', async () => {
    const { recipes } = await planPayloads(
      { event: 'generation.completed', all: false, sets: ['data.duration_ms=slow'], validate: false },
      now,
    );
    expect(buildPayload(recipes[0]!, { id: 'evt_q', createdAt: now }).data).toMatchObject({ duration_ms: 'slow' });
  });

  it('plans every event type with --all', async () => {
    const { recipes } = await planPayloads({ all: true, sets: [], validate: true }, now);
    expect(recipes.map((r) => r.template.event)).toEqual([...EVENT_TYPES]);
  });

  it.each([
    ['no event', { all: false }, /name the event type/],
    ['a typo', { event: 'generation.complete', all: false }, /did you mean generation.completed/],
    ['--all with an event', { event: 'chonk.created', all: true }, /--all/],
    ['bad --data JSON', { event: 'chonk.created', all: false, data: '{nope' }, /--data value is not valid JSON/],
    ['--data that is an array', { event: 'chonk.created', all: false, data: '[1]' }, /must be a JSON object/],
    ['a missing --data file', { event: 'chonk.created', all: false, data: '@/nonexistent/x.json' }, /no such file/],
  ])('refuses %s with a usage error', async (_name, request, message) => {
    expect(await failureWords(planPayloads({ sets: [], validate: true, ...request }, now))).toMatchObject({
      kind: 'usage',
      message: expect.stringMatching(message),
    });
  });
});

describe('compileRecipe', () => {
  const now = new Date('2026-11-26T14:55:54.321Z');
  it.each([
    ['a fixture', []],
    ['an overridden id', ['id=evt_pinned']],
    ['an overridden created_at', ['created_at=2020-01-01T00:00:00Z']],
    ['nested overrides', ['data.chonk_name=dim_orders', 'data.files_generated.0.lines=7']],
  ])('makes the same bytes as JSON.stringify(buildPayload()) for %s', async (_name, sets) => {
    const { compileRecipe } = await import('../../src/core/events/build.js');
    const {
      recipes: [recipe],
    } = await planPayloads({ event: 'generation.completed', all: false, sets, validate: true }, now);
    const fresh = { id: 'evt_fresh123', createdAt: now };
    const compiled = compileRecipe(recipe!)(fresh);
    const expected = buildPayload(recipe!, fresh);
    expect(compiled.body).toBe(JSON.stringify(expected));
    expect(compiled.id).toBe(expected.id);
    expect(compiled.event).toBe('generation.completed');
  });
});

describe('numbers are sent as typed', () => {
  let ctx: TestContext;
  afterEach(() => ctx?.cleanup());
  const now = new Date('2026-11-26T14:55:54.321Z');
  const bodyOf = async (request: Parameters<typeof planPayloads>[0]) => {
    const { compileRecipe } = await import('../../src/core/events/build.js');
    const {
      recipes: [recipe],
    } = await planPayloads(request, now);
    return compileRecipe(recipe!)({ id: 'evt_n', createdAt: now }).body;
  };

  it('from --set, --data, --data @file and --fixture, into the bytes sent', async () => {
    ctx = await testContext();
    const sets = ['data.external_ref=12345678901234567890', 'data.tiny=1e-400'];
    const data = '{"data":{"ratio":1.0000000000000000001,"huge":[1e400, -98765432109876543210]}}';
    const inline = await bodyOf({ event: 'generation.completed', all: false, validate: true, sets, data });
    expect(inline).toContain('"external_ref":12345678901234567890,"tiny":1e-400');
    expect(inline).toContain('"ratio":1.0000000000000000001,"huge":[1e400,-98765432109876543210]');
    expect(inline).toContain('"duration_ms":1234,');

    const dataFile = join(ctx.home, 'patch.json');
    await writeFile(dataFile, '{"data":{"external_ref":12345678901234567891}}');
    expect(
      await bodyOf({ event: 'push.completed', all: false, validate: true, sets: [], data: `@${dataFile}` }),
    ).toContain('"external_ref":12345678901234567891');

    const fixtureFile = join(ctx.home, 'fixture.json');
    await writeFile(
      fixtureFile,
      '{"event":"chonk.deleted","project_id":"proj_f","data":{"chonk_id":"chonk_1","chonk_name":"old",' +
        '"chonk_type":"source","external_ref":12345678901234567892}}',
    );
    expect(await bodyOf({ all: false, validate: true, sets: [], fixtureFile })).toContain(
      '"external_ref":12345678901234567892}',
    );
  });

  it('--set can go on through a kept number, and --data replaces one, as with any number', async () => {
    const sets = ['data.n=12345678901234567890', 'data.n.x=12345678901234567891'];
    expect(await bodyOf({ event: 'chonk.created', all: false, validate: true, sets })).toContain(
      '"n":{"x":12345678901234567891}',
    );
    const base = parseJsonObject('{"n":12345678901234567890}', 'data');
    expect(stringifyJson(deepMerge(base, { n: { x: 1 } }))).toBe('{"n":{"x":1}}');
  });

  it('a big integer in an integer field is "too big", as a receiver\'s JSON.parse reads it, not "an object"', async () => {
    const attempt = planPayloads(
      { event: 'generation.completed', all: false, sets: ['data.duration_ms=12345678901234567890'], validate: true },
      now,
    );
    const words = await failureWords(attempt);
    expect(words).toMatchObject({
      kind: 'usage',
      message: expect.stringContaining('data.duration_ms: Too big: expected int to be <=9007199254740991'),
    });
    expect(
      await bodyOf({
        event: 'generation.completed',
        all: false,
        validate: false,
        sets: ['data.duration_ms=12345678901234567890'],
      }),
    ).toContain('"duration_ms":12345678901234567890');
  });
});

describe('forwardUrl', () => {
  it.each([
    ['http://localhost:3000', '/webhooks/datachonk?a=1', 'http://localhost:3000/webhooks/datachonk?a=1'],
    ['http://localhost:3000/', '/webhooks/datachonk', 'http://localhost:3000/webhooks/datachonk'],
    ['http://localhost:3000/hooks', '/webhooks/datachonk?a=1', 'http://localhost:3000/hooks?a=1'],
    ['http://localhost:3000/hooks?mine=1', '/webhooks/datachonk?a=1', 'http://localhost:3000/hooks?mine=1'],
    ['https://app.example.com', '/x', 'https://app.example.com/x'],
  ])('%s + %s -> %s', async (target, received, expected) => {
    const { forwardUrl, parseTarget } = await import('../../src/core/listen/targets.js');
    expect(forwardUrl(parseTarget(target), received)).toBe(expected);
  });

  it.each([
    ['3000', 'http://localhost:3000/'],
    [':3000', 'http://localhost:3000/'],
    ['localhost:3000', 'http://localhost:3000/'],
    ['127.0.0.1:4000/h', 'http://127.0.0.1:4000/h'],
  ])('parseTarget(%s) is %s', async (text, href) => {
    const { parseTarget } = await import('../../src/core/listen/targets.js');
    expect(parseTarget(text).href).toBe(href);
  });
});

describe('--set paths the event has no field for', () => {
  const now = new Date('2026-11-26T14:55:54.321Z');
  const plan = (sets: string[], event?: string) =>
    planPayloads({ event, all: event === undefined, sets, validate: false }, now);

  it('a typo is sent, and warned of with the field meant', async () => {
    const { recipes, warnings } = await plan(['data.chonk_typo=1'], 'generation.completed');
    expect(warnings).toEqual([
      { path: 'data.chonk_typo', events: ['generation.completed'], suggestion: 'data.chonk_type' },
    ]);
    expect(buildPayload(recipes[0]!, { id: 'evt_t', createdAt: now }).data).toMatchObject({ chonk_typo: 1 });
  });

  it('fields that exist, array items and their fields, and envelope fields are not warned of', async () => {
    const { warnings } = await plan(
      ['data.chonk_name=x', 'data.files_generated.0.lines=3', 'id=evt_pinned', 'project_id=proj_x'],
      'generation.completed',
    );
    expect(warnings).toEqual([]);
  });

  it('a field under a field that does not exist, a wrong top-level key, and a path through a scalar', async () => {
    const { warnings } = await plan(
      ['dta.chonk_name=x', 'data.files_generated.0.line=3', 'data.chonk_name.first=x'],
      'generation.completed',
    );
    expect(warnings).toEqual([
      { path: 'dta.chonk_name', events: ['generation.completed'], suggestion: 'data' },
      {
        path: 'data.files_generated.0.line',
        events: ['generation.completed'],
        suggestion: 'data.files_generated.0.lines',
      },
      { path: 'data.chonk_name.first', events: ['generation.completed'], suggestion: undefined },
    ]);
  });

  it('a new field unlike any other gets no suggestion; with --all, the types that lack it are named once', async () => {
    const { warnings } = await plan(['data.external_ref=abc']);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatchObject({ path: 'data.external_ref', suggestion: undefined });
    expect(warnings[0]!.events).toEqual([...EVENT_TYPES]);
  });
});

describe('trigger --set with a typo', () => {
  let ctx: TestContext;
  afterEach(() => ctx?.cleanup());

  it('says so on stderr, names the field meant, and still sends', async () => {
    ctx = await testContext({ output: 'json' });
    await run(ctx, [
      'trigger',
      'generation.completed',
      '--dry-run',
      '--url',
      'http://127.0.0.1:9/x',
      '--set',
      'data.chonk_typo=1',
    ]);
    expect(ctx.stderr.text).toBe(
      'warning: --set data.chonk_typo: generation.completed has no such field, so it is sent as an extra field; did you mean --set data.chonk_type=…?\n',
    );
    expect((ctx.stdout.records[0] as { body: string }).body).toContain('"chonk_typo":1');
  });
});

describe('where a path leaves a schema', () => {
  const schema = z.looseObject({
    name: z.string(),
    tags: z.array(z.looseObject({ label: z.string() })),
    counts: z.record(z.string(), z.looseObject({ total: z.number() })),
    either: z.union([z.looseObject({ left: z.number() }), z.looseObject({ right: z.number() })]),
    piped: z.looseObject({ inner: z.string() }).pipe(z.looseObject({ inner: z.string() })),
    caught: z.looseObject({ kept: z.string() }).catch({ kept: 'x' }),
    maybe: z.looseObject({ deep: z.string() }).optional().nullable().default(null),
    anything: z.unknown(),
  });
  it.each<[string, ReturnType<typeof pathOutside>]>([
    ['name', undefined],
    ['tags.0.label', undefined],
    ['tags.12', undefined],
    ['counts.any_key.total', undefined],
    ['either.left', undefined],
    ['either.right', undefined],
    ['piped.inner', undefined],
    ['caught.kept', undefined],
    ['maybe.deep', undefined],
    ['anything.goes.deeper.still', undefined],
    ['nme', { known: [], suggestion: 'name' }],
    ['tags.first', { known: ['tags'], suggestion: undefined }],
    ['tags.0.lable', { known: ['tags', '0'], suggestion: 'label' }],
    ['counts.k.totl', { known: ['counts', 'k'], suggestion: 'total' }],
    ['either.rigt', { known: ['either'], suggestion: 'right' }],
    ['piped.iner', { known: ['piped'], suggestion: 'inner' }],
    ['caught.kep', { known: ['caught'], suggestion: 'kept' }],
    ['maybe.dep', { known: ['maybe'], suggestion: 'deep' }],
    ['name.first', { known: ['name'], suggestion: undefined }],
  ])('%s', (path, expected) => {
    expect(pathOutside(schema, path.split('.'))).toEqual(expected);
  });
});

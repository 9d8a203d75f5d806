import { readdir, readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import {
  editDistance,
  EVENT_TYPES,
  EVENTS,
  isEventType,
  suggestEventType,
  summarizeEvent,
} from '../../src/core/events/catalogue.js';
import {
  chonkTypeSchema,
  errorCodeSchema,
  materializationSchema,
  warehouseSchema,
} from '../../src/core/events/fields.js';
import { fixturePath, loadFixture } from '../../src/core/events/payload.js';
import { checkEnvelope, dataSchemas, validateEvent } from '../../src/core/events/schemas.js';

// The event registry, entry by entry: DataChonk's words for each type, what each `data` schema
// accepts and refuses, the summary line the listener prints for it, and the fixtures and the event
// table of docs/receiving.md that must agree with it.

const envelope = { id: 'evt_1', created_at: '2024-01-15T10:30:00Z', project_id: 'proj_1' };

/** The problems validateEvent finds in `data` for `event`, as "path: message"; [] when it is valid. */
function problems(event: string, data: unknown): string[] {
  const result = validateEvent({ ...envelope, event, data });
  return result.ok ? [] : result.issues.map((i) => `${i.path}: ${i.message}`);
}
const paths = (event: string, data: unknown) => problems(event, data).map((p) => p.slice(0, p.indexOf(':')));

const chonk = { chonk_id: 'chonk_456', chonk_name: 'dim_customers', chonk_type: 'entity' };
const column = (name: string) => ({ schema: 'stripe', table: 'charges', column: name });
/** A valid `data` of each type, small. */
const valid = {
  'chonk.created': { ...chonk, materialization: 'table', description: null },
  'chonk.updated': {
    ...chonk,
    materialization: 'view',
    changes: [{ field: 'materialization', from: 'table', to: 'view' }],
  },
  'chonk.deleted': { ...chonk },
  'generation.started': { ...chonk, dbt_version: '1.8' },
  'generation.completed': {
    ...chonk,
    files_generated: [{ path: 'models/dim_customers.sql', lines: 45 }],
    duration_ms: 1234,
  },
  'generation.failed': { ...chonk, error: { code: 'INVALID_SOURCE', message: 'no such table' }, duration_ms: 842 },
  'scan.completed': {
    warehouse: 'snowflake',
    database: 'ANALYTICS',
    tables: [
      {
        schema: 'stripe',
        name: 'charges',
        type: 'view',
        row_count: 0,
        columns: [{ name: 'id', type: 'VARCHAR', primary_key: true, nullable: false }],
      },
    ],
    foreign_keys: [{ from: column('customer_id'), to: column('id') }],
    relationships: [{ from: column('customer_id'), to: column('id'), confidence: 1 }],
    duration_ms: 5310,
  },
  'push.completed': {
    chonk_ids: ['chonk_456'],
    repository: 'acme/analytics-dbt',
    branch: 'main',
    commit_sha: '9fceb02d0ae598e95dc970b74767f19372d61af8',
    commit_message: '',
    files_pushed: ['models/dim_customers.sql'],
    pull_request_url: null,
  },
} as const;
const withData = <T extends keyof typeof valid>(event: T, over: Record<string, unknown>) => ({
  ...valid[event],
  ...over,
});

describe('the registry', () => {
  it("holds DataChonk's eight event types, in its doc's order, with its doc's descriptions", () => {
    // shared/reference/datachonk-webhooks-doc.txt, the table of events.
    expect(Object.fromEntries(EVENT_TYPES.map((name) => [name, EVENTS[name].description]))).toEqual({
      'chonk.created': 'A new chonk was created',
      'chonk.updated': "A chonk's configuration was updated",
      'chonk.deleted': 'A chonk was deleted',
      'generation.started': 'Code generation began',
      'generation.completed': 'Code generation finished successfully',
      'generation.failed': 'Code generation encountered an error',
      'scan.completed': 'Schema scan finished',
      'push.completed': 'Code was pushed to Git repository',
    });
    expect(Object.keys(EVENTS)).toEqual(EVENT_TYPES);
  });

  it("marks only generation.completed's data as documented by DataChonk", () => {
    expect(EVENT_TYPES.filter((name) => EVENTS[name].documented)).toEqual(['generation.completed']);
  });

  it("knows its own names and nothing else, not even Object's", () => {
    for (const name of EVENT_TYPES) expect(isEventType(name)).toBe(true);
    for (const name of ['Chonk.created', 'chonk', '', 'toString', 'constructor', '__proto__'])
      expect(isEventType(name), name).toBe(false);
  });

  it('derives one data schema per type', () => {
    expect(Object.keys(dataSchemas)).toEqual(EVENT_TYPES);
    for (const name of EVENT_TYPES) expect(dataSchemas[name]).toBe(EVENTS[name].data);
  });
});

describe("each type's data schema", () => {
  it.each(EVENT_TYPES)('%s: accepts a small valid data, and keeps fields it does not know', (event) => {
    expect(problems(event, valid[event])).toEqual([]);
    const result = validateEvent({ ...envelope, event, data: { ...valid[event], added_later: 1 } });
    expect(result.ok && result.event.data).toMatchObject({ added_later: 1 });
  });

  it("discriminates by event: one type's data is not another's", () => {
    expect(paths('chonk.deleted', valid['push.completed'])).toEqual([
      'data.chonk_id',
      'data.chonk_name',
      'data.chonk_type',
    ]);
    expect(problems('invoice.paid', {})).toEqual([expect.stringMatching(/^event: /)]);
  });

  it("knows DataChonk's chonk types, materializations, warehouses and error codes (datachonk-facts.md)", () => {
    expect(chonkTypeSchema.options).toEqual(['source', 'staging', 'entity', 'fact', 'metric']);
    expect(materializationSchema.options).toEqual(['none', 'view', 'table', 'incremental', 'ephemeral']);
    expect(warehouseSchema.options).toEqual([
      'postgresql',
      'mysql',
      'snowflake',
      'bigquery',
      'redshift',
      'databricks',
      'duckdb',
    ]);
    expect(errorCodeSchema.options).toEqual([
      'UNAUTHORIZED',
      'FORBIDDEN',
      'NOT_FOUND',
      'RATE_LIMITED',
      'INVALID_REQUEST',
      'INVALID_SOURCE',
      'GENERATION_FAILED',
      'CONNECTION_FAILED',
    ]);
    for (const chonk_type of chonkTypeSchema.options)
      expect(problems('chonk.deleted', withData('chonk.deleted', { chonk_type }))).toEqual([]);
    for (const materialization of materializationSchema.options) {
      expect(problems('chonk.created', withData('chonk.created', { materialization }))).toEqual([]);
    }
    for (const warehouse of warehouseSchema.options)
      expect(problems('scan.completed', withData('scan.completed', { warehouse }))).toEqual([]);
    for (const code of errorCodeSchema.options) {
      expect(problems('generation.failed', withData('generation.failed', { error: { code, message: 'm' } }))).toEqual(
        [],
      );
    }
    expect(paths('chonk.deleted', withData('chonk.deleted', { chonk_type: 'mart' }))).toEqual(['data.chonk_type']);
    expect(paths('chonk.deleted', withData('chonk.deleted', { chonk_type: '' }))).toEqual(['data.chonk_type']);
  });

  it('wants chonk ids that start with chonk_, followed by at least one id character', () => {
    expect(problems('chonk.deleted', withData('chonk.deleted', { chonk_id: 'evt_456' }))).toEqual([
      'data.chonk_id: expected an id starting with "chonk_"',
    ]);
    expect(paths('chonk.deleted', withData('chonk.deleted', { chonk_id: 'chonk_' }))).toEqual(['data.chonk_id']);
    expect(paths('chonk.deleted', withData('chonk.deleted', { chonk_id: 'chonk_a b' }))).toEqual(['data.chonk_id']);
    expect(paths('chonk.deleted', withData('chonk.deleted', { chonk_id: 'xchonk_1' }))).toEqual(['data.chonk_id']);
    expect(problems('chonk.deleted', withData('chonk.deleted', { chonk_id: 'chonk_Ab-9_' }))).toEqual([]);
    expect(paths('chonk.deleted', withData('chonk.deleted', { chonk_name: '' }))).toEqual(['data.chonk_name']);
  });

  it('chonk.created: a materialization and a description that may be null', () => {
    expect(problems('chonk.created', withData('chonk.created', { description: 'text' }))).toEqual([]);
    expect(
      paths('chonk.created', withData('chonk.created', { description: undefined, materialization: 'mart' })),
    ).toEqual(['data.materialization', 'data.description']);
  });

  it('chonk.updated: at least one change, each naming its field', () => {
    expect(paths('chonk.updated', withData('chonk.updated', { changes: [] }))).toEqual(['data.changes']);
    expect(paths('chonk.updated', withData('chonk.updated', { changes: [{ from: 1, to: 2 }] }))).toEqual([
      'data.changes.0.field',
    ]);
    expect(paths('chonk.updated', withData('chonk.updated', { changes: [{ field: '', from: 1, to: 2 }] }))).toEqual([
      'data.changes.0.field',
    ]);
    expect(
      problems(
        'chonk.updated',
        withData('chonk.updated', { changes: [{ field: 'description', from: null, to: 'x' }] }),
      ),
    ).toEqual([]);
  });

  it.each(['1.6', '1.7', '1.8', '1.9'])('generation.started: accepts dbt %s', (dbt_version) => {
    expect(problems('generation.started', withData('generation.started', { dbt_version }))).toEqual([]);
  });

  it.each(['1.5', '2.0', '1.10', '1.6.1', 'v1.6', '11.6', '1.6 ', ' 1.6'])(
    'generation.started: refuses dbt %j, saying which versions',
    (dbt_version) => {
      expect(problems('generation.started', withData('generation.started', { dbt_version }))).toEqual([
        'data.dbt_version: expected a dbt version from 1.6 to 1.9',
      ]);
    },
  );

  it('generation.completed: files with a path and a whole, non-negative line count', () => {
    expect(paths('generation.completed', withData('generation.completed', { files_generated: [{}] }))).toEqual([
      'data.files_generated.0.path',
      'data.files_generated.0.lines',
    ]);
    expect(
      paths(
        'generation.completed',
        withData('generation.completed', { files_generated: [{ path: 'a', lines: 1.5 }], duration_ms: -1 }),
      ),
    ).toEqual(['data.files_generated.0.lines', 'data.duration_ms']);
    expect(
      problems('generation.completed', withData('generation.completed', { files_generated: [], duration_ms: 0 })),
    ).toEqual([]);
  });

  it('generation.failed: an error with a known code and a message; a suggestion is optional', () => {
    expect(paths('generation.failed', withData('generation.failed', { error: {} }))).toEqual([
      'data.error.code',
      'data.error.message',
    ]);
    expect(
      paths(
        'generation.failed',
        withData('generation.failed', { error: { code: 'OOPS', message: '', suggestion: 1 } }),
      ),
    ).toEqual(['data.error.code', 'data.error.message', 'data.error.suggestion']);
    expect(
      problems(
        'generation.failed',
        withData('generation.failed', { error: { code: 'NOT_FOUND', message: 'm', suggestion: 's' } }),
      ),
    ).toEqual([]);
  });

  it('scan.completed: tables, their columns, foreign keys and relationships are each checked', () => {
    const scan = valid['scan.completed'];
    expect(paths('scan.completed', withData('scan.completed', { tables: [{}] }))).toEqual([
      'data.tables.0.schema',
      'data.tables.0.name',
      'data.tables.0.type',
      'data.tables.0.row_count',
      'data.tables.0.columns',
    ]);
    expect(
      paths(
        'scan.completed',
        withData('scan.completed', { tables: [{ ...scan.tables[0], type: 'table', columns: [{}] }] }),
      ),
    ).toEqual([
      'data.tables.0.columns.0.name',
      'data.tables.0.columns.0.type',
      'data.tables.0.columns.0.primary_key',
      'data.tables.0.columns.0.nullable',
    ]);
    expect(
      paths('scan.completed', withData('scan.completed', { tables: [{ ...scan.tables[0], type: 'index' }] })),
    ).toEqual(['data.tables.0.type']);
    expect(paths('scan.completed', withData('scan.completed', { foreign_keys: [{}] }))).toEqual([
      'data.foreign_keys.0.from',
      'data.foreign_keys.0.to',
    ]);
    expect(
      paths('scan.completed', withData('scan.completed', { foreign_keys: [{ from: {}, to: column('id') }] })),
    ).toEqual(['data.foreign_keys.0.from.schema', 'data.foreign_keys.0.from.table', 'data.foreign_keys.0.from.column']);
    expect(
      paths('scan.completed', withData('scan.completed', { relationships: [{ from: column('a'), to: column('b') }] })),
    ).toEqual(['data.relationships.0.confidence']);
    expect(
      paths(
        'scan.completed',
        withData('scan.completed', { relationships: [{ from: column('a'), to: column('b'), confidence: 1.01 }] }),
      ),
    ).toEqual(['data.relationships.0.confidence']);
    expect(paths('scan.completed', withData('scan.completed', { relationships: [{ confidence: 0 }] }))).toEqual([
      'data.relationships.0.from',
      'data.relationships.0.to',
    ]);
    expect(paths('scan.completed', withData('scan.completed', { warehouse: 'oracle', database: '' }))).toEqual([
      'data.warehouse',
      'data.database',
    ]);
  });

  it('push.completed: chonk ids, and a 40-digit lower-case hex commit sha', () => {
    expect(paths('push.completed', withData('push.completed', { chonk_ids: ['evt_1'] }))).toEqual(['data.chonk_ids.0']);
    const sha = valid['push.completed'].commit_sha;
    for (const commit_sha of [
      sha.slice(1),
      `${sha}0`,
      `g${sha.slice(1)}`,
      `${sha.slice(1)}g`,
      sha.toUpperCase(),
      ` ${sha}`,
    ]) {
      expect(problems('push.completed', withData('push.completed', { commit_sha })), commit_sha).toEqual([
        'data.commit_sha: expected a 40-character lowercase hex commit sha',
      ]);
    }
    expect(
      paths('push.completed', withData('push.completed', { pull_request_url: 'not a url', files_pushed: [''] })),
    ).toEqual(['data.files_pushed.0', 'data.pull_request_url']);
  });
});

describe('fixtures', () => {
  for (const event of EVENT_TYPES) {
    it(`${event}: the fixture is a valid ${event} event`, async () => {
      const fixture = await loadFixture(event);
      const result = validateEvent(fixture);
      expect(result.ok ? [] : result.issues).toEqual([]);
      expect(fixture.event).toBe(event);
    });
  }

  it("generation.completed is exactly the payload in DataChonk's doc", async () => {
    const documented = {
      id: 'evt_abc123',
      event: 'generation.completed',
      created_at: '2024-01-15T10:30:00Z',
      project_id: 'proj_xyz789',
      data: {
        chonk_id: 'chonk_456',
        chonk_name: 'dim_customers',
        chonk_type: 'entity',
        files_generated: [
          { path: 'models/marts/core/dim_customers.sql', lines: 45 },
          { path: 'models/marts/core/_core__models.yml', lines: 28 },
        ],
        duration_ms: 1234,
      },
    };
    // Key order matters too: receivers verify over JSON.stringify of the parsed body.
    expect(JSON.stringify(JSON.parse(await readFile(fixturePath('generation.completed'), 'utf8')))).toBe(
      JSON.stringify(documented),
    );
  });

  it('there is exactly one fixture per event type', async () => {
    const dir = fixturePath('generation.completed').replace(/generation\.completed\.json$/, '');
    const files = (await readdir(dir)).filter((f) => f.endsWith('.json')).sort();
    expect(files).toEqual(EVENT_TYPES.map((e) => `${e}.json`).sort());
  });
});

describe('the registry is the one source', () => {
  /** The event table of docs/receiving.md: name -> { fields (top-level keys of data), source }. */
  async function readmeTable(): Promise<Map<string, { fields: string[]; source: string }>> {
    const readme = await readFile(new URL('../../docs/receiving.md', import.meta.url), 'utf8');
    const section = readme.slice(readme.indexOf('## Event payloads'));
    const rows = new Map<string, { fields: string[]; source: string }>();
    for (const match of section.matchAll(/^\| `([a-z]+\.[a-z]+)` \| (.+) \| (.+) \|$/gm)) {
      // Top-level names only: drop what is nested in [...], {...} and (...).
      let flat = match[2]!.replaceAll('`', '');
      for (let previous = ''; previous !== flat;) {
        previous = flat;
        flat = flat.replace(/\[[^[\]{}()]*\]|\{[^[\]{}()]*\}|\([^[\]{}()]*\)/g, '');
      }
      rows.set(match[1]!, {
        fields: flat
          .split(',')
          .map((f) => f.replace('?', '').trim())
          .filter(Boolean),
        source: match[3]!,
      });
    }
    return rows;
  }

  it('docs/receiving.md lists every event type with its data fields and whether DataChonk documents them', async () => {
    const rows = await readmeTable();
    expect([...rows.keys()].sort()).toEqual([...EVENT_TYPES].sort());
    for (const name of EVENT_TYPES) {
      const row = rows.get(name)!;
      expect(row.fields, name).toEqual(Object.keys((EVENTS[name].data as unknown as { shape: object }).shape));
      expect(row.source.includes('documented'), name).toBe(EVENTS[name].documented);
    }
  });
});

describe('the envelope', () => {
  it('accepts a created_at with a UTC offset, as well as Z', () => {
    for (const created_at of ['2024-01-15T10:30:00+02:00', '2024-01-15T10:30:00-05:30', '2024-01-15T10:30:00.123Z']) {
      expect(checkEnvelope({ ...envelope, created_at, event: 'x', data: {} }).ok, created_at).toBe(true);
    }
    expect(
      validateEvent({
        ...envelope,
        created_at: '2024-01-15T10:30:00+02:00',
        event: 'chonk.deleted',
        data: valid['chonk.deleted'],
      }).ok,
    ).toBe(true);
  });

  it('accepts any event type with a well-formed envelope, and gives it back as it was, keys in their order', () => {
    const result = checkEnvelope({ ...envelope, event: 'anything.new', data: {} });
    expect(result).toMatchObject({ ok: true, envelope: { event: 'anything.new' } });
    expect(Object.keys(result.ok ? result.envelope : {})).toEqual(['id', 'created_at', 'project_id', 'event', 'data']);
  });

  it.each([
    ['created_at', '2024-02-30T10:30:00Z'],
    ['created_at', '2024-01-15T24:00:00Z'],
    ['created_at', 'yesterday'],
    ['id', 'event_1'],
    ['project_id', 'p_1'],
    ['data', []],
  ])('rejects a bad %s (%j) and names it', (field, value) => {
    const result = checkEnvelope({ ...envelope, event: 'x', data: {}, [field]: value });
    expect(result.ok ? undefined : result.issue.path).toBe(field);
  });

  it('locates a problem with the payload itself at "(payload)"', () => {
    expect(checkEnvelope(null)).toEqual({
      ok: false,
      issue: { path: '(payload)', message: 'Invalid input: expected object, received null' },
    });
    expect(validateEvent('x')).toMatchObject({ ok: false, issues: [{ path: '(payload)' }] });
  });
});

describe('summaries', () => {
  it.each([
    ['chonk.created', valid['chonk.created'], 'dim_customers (entity)'],
    [
      'chonk.updated',
      withData('chonk.updated', { changes: [{ field: 'materialization' }, { field: 'description' }] }),
      'dim_customers (entity), changed materialization, description',
    ],
    ['chonk.deleted', valid['chonk.deleted'], 'dim_customers (entity)'],
    ['generation.started', valid['generation.started'], 'dim_customers (entity), dbt 1.8'],
    [
      'generation.completed',
      withData('generation.completed', { files_generated: [{}, {}] }),
      'dim_customers (entity), 2 files generated',
    ],
    ['generation.failed', valid['generation.failed'], 'dim_customers (entity), INVALID_SOURCE: no such table'],
    ['scan.completed', withData('scan.completed', { tables: [{}, {}, {}] }), 'snowflake ANALYTICS, 3 tables scanned'],
    ['push.completed', valid['push.completed'], 'pushed 9fceb02 to acme/analytics-dbt@main'],
  ])('%s: %j -> %s', (event, data, line) => {
    expect(summarizeEvent(event, data)).toBe(line);
  });

  it('uses the singular for one, and counts zero', () => {
    expect(summarizeEvent('generation.completed', { files_generated: [{}] })).toBe('1 file generated');
    expect(summarizeEvent('generation.completed', { files_generated: [] })).toBe('0 files generated');
    expect(summarizeEvent('scan.completed', { tables: [{}] })).toBe('1 table scanned');
  });

  it('names a chonk by its name, else its id, with its type when it has one', () => {
    expect(summarizeEvent('chonk.deleted', { chonk_id: 'chonk_1', chonk_type: 'fact' })).toBe('chonk_1 (fact)');
    expect(summarizeEvent('chonk.deleted', { chonk_id: 'chonk_1', chonk_name: '' })).toBe('chonk_1');
    expect(summarizeEvent('chonk.deleted', { chonk_id: 'chonk_1', chonk_name: 42, chonk_type: true })).toBe('chonk_1');
    expect(summarizeEvent('chonk.deleted', { chonk_type: 'fact' })).toBe('');
    expect(summarizeEvent('chonk.deleted', {})).toBe('');
  });

  it('leaves out what is missing or not of the expected kind, without a dangling comma', () => {
    expect(summarizeEvent('chonk.updated', { chonk_name: 'x', changes: [] })).toBe('x');
    expect(summarizeEvent('chonk.updated', { chonk_name: 'x', changes: 'all' })).toBe('x');
    expect(summarizeEvent('chonk.updated', { changes: [null, 5, { field: 7 }, { field: '' }, { field: 'a' }] })).toBe(
      'changed a',
    );
    expect(summarizeEvent('chonk.updated', { changes: [null] })).toBe('');
    expect(summarizeEvent('generation.started', { chonk_name: 'x', dbt_version: 1.8 })).toBe('x');
    expect(summarizeEvent('generation.completed', { chonk_name: 'x', files_generated: 2 })).toBe('x');
    expect(summarizeEvent('generation.failed', { chonk_name: 'x' })).toBe('x');
    expect(summarizeEvent('generation.failed', { error: null })).toBe('');
    expect(summarizeEvent('generation.failed', { error: { code: 'NOT_FOUND' } })).toBe('NOT_FOUND');
    expect(summarizeEvent('generation.failed', { error: { message: 'gone' } })).toBe('gone');
    expect(summarizeEvent('scan.completed', { database: 'ANALYTICS' })).toBe('ANALYTICS');
    expect(summarizeEvent('scan.completed', { warehouse: 'duckdb', tables: {} })).toBe('duckdb');
    expect(summarizeEvent('scan.completed', {})).toBe('');
  });

  it('push.completed: says what it has of the sha, the repository and the branch', () => {
    expect(summarizeEvent('push.completed', { commit_sha: 'abcdef0123' })).toBe('pushed abcdef0');
    expect(summarizeEvent('push.completed', { repository: 'acme/dbt', branch: 'main' })).toBe('pushed acme/dbt@main');
    expect(summarizeEvent('push.completed', { repository: 'acme/dbt' })).toBe('pushed acme/dbt');
    expect(summarizeEvent('push.completed', { branch: 'main', commit_sha: 'abc' })).toBe('pushed abc to main');
    expect(summarizeEvent('push.completed', { commit_sha: '', repository: '' })).toBe('');
  });

  it('summarizes a type it does not know by its chonk', () => {
    expect(summarizeEvent('chonk.renamed', { chonk_name: 'dim_x', chonk_type: 'entity', anything: 1 })).toBe(
      'dim_x (entity)',
    );
    expect(summarizeEvent('toString', { chonk_id: 'chonk_9' })).toBe('chonk_9');
  });

  it('summarizes anything but a plain object as nothing', () => {
    const named = { chonk_name: 'dim_x' };
    for (const data of [null, undefined, 42, 'dim_x', [named], Object.assign(() => undefined, named)]) {
      expect(summarizeEvent('chonk.created', data)).toBe('');
      expect(summarizeEvent('chonk.renamed', data)).toBe('');
    }
  });
});

describe('suggestions for a mistyped event type', () => {
  it.each([
    ['chonk.dreated', 'chonk.created'],
    ['Chonk.Deleted', 'chonk.deleted'],
    ['chonkcreated', 'chonk.created'],
    ['generation.complete', 'generation.completed'],
    ['generation_completed', 'generation.completed'],
    ['PUSH.COMPLETED', 'push.completed'],
  ])('are the closest name, ignoring case: %s -> %s', (typo, expected) => {
    expect(suggestEventType(typo)).toBe(expected);
  });

  it('are nothing for an unrelated word', () => {
    expect(suggestEventType('invoice.paid')).toBeUndefined();
  });

  it('on a tie, the earlier name in the registry', () => {
    // Two edits from both chonk.created and chonk.deleted.
    expect([editDistance('chonk.deated', 'chonk.created'), editDistance('chonk.deated', 'chonk.deleted')]).toEqual([
      2, 2,
    ]);
    expect(suggestEventType('chonk.deated')).toBe('chonk.created');
  });

  it("allow up to a third of the name's length in edits", () => {
    // 10 characters: 3 edits allowed. "chonkcreat" is 3 from chonk.created, "chonkcrea" (9) is 4.
    expect(editDistance('chonkcreat', 'chonk.created')).toBe(3);
    expect(suggestEventType('chonkcreat')).toBe('chonk.created');
    expect(suggestEventType('chonkcrea')).toBeUndefined();
    expect(suggestEventType('scan')).toBeUndefined();
    expect(suggestEventType('')).toBeUndefined();
  });
});

describe('editDistance', () => {
  it.each([
    ['', '', 0],
    ['', 'abc', 3],
    ['abc', '', 3],
    ['abc', 'abc', 0],
    ['kitten', 'sitting', 3],
    ['flaw', 'lawn', 2],
    ['ab', 'ba', 2],
    ['a', 'b', 1],
    ['abcdef', 'azced', 3],
  ])('%j -> %j is %i', (a, b, distance) => {
    expect(editDistance(a, b)).toBe(distance);
    expect(editDistance(b, a)).toBe(distance);
  });
});

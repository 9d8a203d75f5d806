import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { EVENTS, EVENT_TYPES, suggestEventType, summarizeEvent } from '../../src/core/events/catalogue.js';
import { fixturePath, loadFixture } from '../../src/core/events/payload.js';
import { checkEnvelope, validateEvent } from '../../src/core/events/schemas.js';

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
    const { readdir } = await import('node:fs/promises');
    const dir = fixturePath('generation.completed').replace(/generation\.completed\.json$/, '');
    const files = (await readdir(dir)).filter((f) => f.endsWith('.json')).sort();
    expect(files).toEqual(EVENT_TYPES.map((e) => `${e}.json`).sort());
  });
});

describe('schemas', () => {
  it('names the field that is wrong', async () => {
    const fixture = await loadFixture('generation.completed');
    (fixture.data as Record<string, unknown>).duration_ms = 'slow';
    const result = validateEvent(fixture);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.issues.map((i) => i.path)).toContain('data.duration_ms');
  });

  it('rejects an unknown chonk type, a bad id prefix and a non-ISO created_at', async () => {
    const fixture = await loadFixture('chonk.created');
    Object.assign(fixture, { id: 'event_1', created_at: 'yesterday' });
    (fixture.data as Record<string, unknown>).chonk_type = 'mart';
    const result = validateEvent(fixture);
    expect(result.ok ? [] : result.issues.map((i) => i.path).sort()).toEqual(['created_at', 'data.chonk_type', 'id']);
  });

  it('keeps fields it does not know (DataChonk may add some)', async () => {
    const fixture = await loadFixture('push.completed');
    (fixture.data as Record<string, unknown>).dbt_cloud_run_id = 77;
    const result = validateEvent(fixture);
    expect(result.ok && (result.event.data as Record<string, unknown>).dbt_cloud_run_id).toBe(77);
  });
});

describe('suggestEventType', () => {
  it.each([
    ['generation.complete', 'generation.completed'],
    ['generation_completed', 'generation.completed'],
    ['chonk.create', 'chonk.created'],
    ['scan.complete', 'scan.completed'],
    ['PUSH.COMPLETED', 'push.completed'],
  ])('suggests %s -> %s', (typo, expected) => {
    expect(suggestEventType(typo)).toBe(expected);
  });

  it('suggests nothing for an unrelated word', () => {
    expect(suggestEventType('invoice.paid')).toBeUndefined();
  });
});

describe('the registry is the one source', () => {
  /** The README's event table: name -> { fields (top-level keys of data), source }. */
  async function readmeTable(): Promise<Map<string, { fields: string[]; source: string }>> {
    const readme = await readFile(new URL('../../README.md', import.meta.url), 'utf8');
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

  it('the README lists every event type with its data fields and whether DataChonk documents them', async () => {
    const rows = await readmeTable();
    expect([...rows.keys()].sort()).toEqual([...EVENT_TYPES].sort());
    for (const name of EVENT_TYPES) {
      const row = rows.get(name)!;
      expect(row.fields, name).toEqual(Object.keys((EVENTS[name].data as unknown as { shape: object }).shape));
      expect(row.source.includes('documented'), name).toBe(EVENTS[name].documented);
    }
  });

  it('summarizes each type from its definition, and a type it does not know by its chonk', () => {
    expect(
      summarizeEvent('generation.completed', { chonk_name: 'dim_x', chonk_type: 'entity', files_generated: [{}, {}] }),
    ).toBe('dim_x (entity), 2 files generated');
    expect(summarizeEvent('push.completed', { commit_sha: 'abcdef0123', repository: 'acme/dbt', branch: 'main' })).toBe(
      'pushed abcdef0 to acme/dbt@main',
    );
    expect(summarizeEvent('chonk.renamed', { chonk_id: 'chonk_9' })).toBe('chonk_9');
    expect(summarizeEvent('generation.completed', 'not an object')).toBe('');
  });
});

describe('the envelope check', () => {
  const valid = {
    id: 'evt_1',
    event: 'anything.new',
    created_at: '2024-01-15T10:30:00Z',
    project_id: 'proj_1',
    data: {},
  };

  it('accepts any event type with a well-formed envelope, and gives it back as it was, keys in their order', () => {
    const result = checkEnvelope(valid);
    expect(result).toMatchObject({ ok: true, envelope: { event: 'anything.new' } });
    expect(Object.keys(result.ok ? result.envelope : {})).toEqual(['id', 'event', 'created_at', 'project_id', 'data']);
  });

  it.each([
    ['created_at', '2024-02-30T10:30:00Z'],
    ['created_at', '2024-01-15T24:00:00Z'],
    ['id', 'event_1'],
    ['project_id', 'p_1'],
    ['data', []],
  ])('rejects a bad %s (%j) and names it', (field, value) => {
    const result = checkEnvelope({ ...valid, [field]: value });
    expect(result.ok ? undefined : result.issue.path).toBe(field);
  });
});

import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { EVENT_TYPES, suggestEventType } from '../../src/core/events/catalogue.js';
import { fixturePath, loadFixture } from '../../src/core/events/payload.js';
import { validateEvent } from '../../src/core/events/schemas.js';

describe('fixtures', () => {
  for (const event of EVENT_TYPES) {
    it(`${event}: the fixture is a valid ${event} event`, async () => {
      const fixture = await loadFixture(event);
      const result = validateEvent(fixture);
      expect(result.ok ? [] : result.issues).toEqual([]);
      expect(fixture.event).toBe(event);
    });
  }

  it('generation.completed is exactly the payload in DataChonk\'s doc', async () => {
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
    expect(JSON.stringify(JSON.parse(await readFile(fixturePath('generation.completed'), 'utf8')))).toBe(JSON.stringify(documented));
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

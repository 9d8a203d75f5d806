import { describe, expect, it } from 'vitest';
import type { JournalEntry } from '../../src/core/listen/journal.js';
import { matchingEnvelope, type WaitCriteria } from '../../src/core/listen/wait.js';

// Which journalled requests end an `events wait`.

const envelope = {
  id: 'evt_1',
  event: 'generation.completed',
  created_at: '2026-11-29T10:00:00Z',
  project_id: 'proj_1',
  data: {
    chonk_id: 'chonk_9',
    chonk_name: 'dim_customers',
    files_generated: [{ path: 'a.sql', lines: 3 }],
    duration_ms: 12,
    ok: true,
    rows: 12345678901234567000,
  },
};

function entry(
  extra: { body?: string; verification?: 'valid' | 'invalid' | 'skipped'; status?: number; at?: string } = {},
): JournalEntry {
  const body = extra.body ?? JSON.stringify(envelope).replace('12345678901234567000', '12345678901234567890');
  return {
    request: {
      type: 'request',
      rid: 'rcv_1',
      received_at: extra.at ?? '2026-11-29T10:00:01.000Z',
      method: 'POST',
      path: '/webhooks/datachonk',
      headers: {},
      body: Buffer.from(body).toString('base64'),
      verification: { status: extra.verification ?? 'valid' },
      event: 'generation.completed',
      event_id: 'evt_1',
      targets: [],
      ...(extra.status ? { response_status: extra.status } : {}),
    },
    forwards: [],
  };
}

const criteria = (extra: Partial<WaitCriteria>): WaitCriteria => ({ match: [], ...extra });
const m = (path: string, text: string) => ({ path: path.split('.'), text });

describe('matchingEnvelope', () => {
  it('matches on the type or a pattern, and returns the envelope', () => {
    expect(matchingEnvelope(entry(), criteria({ event: 'generation.completed' }))).toMatchObject({ id: 'evt_1' });
    expect(matchingEnvelope(entry(), criteria({ event: 'generation.*' }))).toBeDefined();
    expect(matchingEnvelope(entry(), criteria({ event: 'chonk.*' }))).toBeUndefined();
    expect(matchingEnvelope(entry(), criteria({ event: 'generation' }))).toBeUndefined();
  });

  it('matches every path=value: strings, numbers, booleans as text, objects as JSON; a missing path never', () => {
    expect(
      matchingEnvelope(
        entry(),
        criteria({ match: [m('data.chonk_name', 'dim_customers'), m('data.duration_ms', '12'), m('data.ok', 'true')] }),
      ),
    ).toBeDefined();
    expect(
      matchingEnvelope(
        entry(),
        criteria({ match: [m('data.chonk_name', 'dim_customers'), m('data.duration_ms', '13')] }),
      ),
    ).toBeUndefined();
    expect(matchingEnvelope(entry(), criteria({ match: [m('data.files_generated.0.path', 'a.sql')] }))).toBeDefined();
    expect(
      matchingEnvelope(entry(), criteria({ match: [m('data.files_generated', '[{"path":"a.sql","lines":3}]')] })),
    ).toBeDefined();
    expect(matchingEnvelope(entry(), criteria({ match: [m('data.files_generated', '[]')] }))).toBeUndefined();
    expect(matchingEnvelope(entry(), criteria({ match: [m('data.nothing', 'undefined')] }))).toBeUndefined();
    expect(matchingEnvelope(entry(), criteria({ match: [m('data.chonk_name.length', '13')] }))).toBeUndefined();
  });

  it('never matches what the listener rejected, a body that is not JSON, or one received before `since`', () => {
    expect(matchingEnvelope(entry({ verification: 'invalid', status: 401 }), criteria({}))).toBeUndefined();
    expect(matchingEnvelope(entry({ verification: 'skipped' }), criteria({}))).toBeDefined();
    expect(matchingEnvelope(entry({ body: '{not json' }), criteria({}))).toBeUndefined();
    expect(matchingEnvelope(entry(), criteria({ since: new Date('2026-11-29T10:00:01.000Z') }))).toBeDefined();
    expect(matchingEnvelope(entry(), criteria({ since: new Date('2026-11-29T10:00:01.001Z') }))).toBeUndefined();
  });
});

import { describe, expect, it } from 'vitest';
import type { JournalEntry } from '../../src/core/listen/journal.js';
import { appAnswerOf, filterEntries, targetAnswersOf, verdictOf, worstFirst } from '../../src/core/listen/query.js';
import { moment, statusPattern } from '../../src/commands/parsers.js';

// What events list shows and filters on: the listener's verdict and the app's answer, apart.

const entry = (rid: string, request: Partial<JournalEntry['request']>, status?: number | null): JournalEntry => ({
  request: {
    type: 'request',
    rid,
    received_at: '2026-11-29T10:00:00.000Z',
    method: 'POST',
    path: '/webhooks/datachonk',
    headers: {},
    body: '',
    verification: { status: 'valid' },
    targets: ['http://localhost:3000/webhooks/datachonk'],
    event: 'generation.completed',
    event_id: `evt_${rid}`,
    ...request,
  },
  forwards:
    status === undefined
      ? []
      : [
          {
            type: 'forwards',
            rid,
            at: 'x',
            results: [
              status === null
                ? { target: 't', status: null, latency_ms: 1, error: { code: 'timeout', message: 'm' } }
                : { target: 't', status, latency_ms: 1 },
            ],
          },
        ],
});

const ok = entry('ok', {}, 200);
const appError = entry('app500', { event: 'push.completed', received_at: '2026-11-29T12:00:00.000Z' }, 500);
const timedOut = entry('timeout', { event: 'generation.started' }, null);
const forged = entry('forged', { verification: { status: 'invalid' }, targets: [], response_status: 401 });
const notJson = entry('notjson', { targets: [], response_status: 400, event: undefined });
const filtered = entry('filtered', { targets: [], filtered: true, response_status: 200, event: 'scan.completed' });
const all = [ok, appError, timedOut, forged, notJson, filtered];
const rids = (entries: JournalEntry[]) => entries.map((e) => e.request.rid);

describe('verdict and app answer', () => {
  it("a rejection is the listener's, never the app's answer", () => {
    expect(all.map(verdictOf)).toEqual(['accepted', 'accepted', 'accepted', 'rejected', 'rejected', 'filtered']);
    expect(all.map(appAnswerOf)).toEqual([
      { kind: 'status', status: 200 },
      { kind: 'status', status: 500 },
      { kind: 'failed', code: 'timeout' },
      { kind: 'none' },
      { kind: 'none' },
      { kind: 'none' },
    ]);
    expect(appAnswerOf(entry('waiting', {}))).toEqual({ kind: 'pending' });
  });
});

describe('filters', () => {
  it.each<[string, Parameters<typeof filterEntries>[1], string[]]>([
    ['an event type', { event: 'push.completed' }, ['app500']],
    ['a pattern', { event: 'generation.*' }, ['ok', 'timeout', 'forged']],
    ['a status', { status: '500' }, ['app500']],
    ['a class', { status: '2xx' }, ['ok']],
    ['no answer', { status: 'failed' }, ['timeout']],
    ['not forwarded', { status: 'none' }, ['forged', 'notjson', 'filtered']],
    ['a verdict', { verdict: 'rejected' }, ['forged', 'notjson']],
    ['since', { since: new Date('2026-11-29T11:00:00Z') }, ['app500']],
    ['all at once', { event: 'generation.*', verdict: 'accepted', status: 'failed' }, ['timeout']],
  ])('by %s', (_name, filter, expected) => {
    expect(rids(filterEntries(all, filter))).toEqual(expected);
  });
});

describe('several targets', () => {
  /** An entry forwarded to one target per answer: a status, or `refused`/`timeout` for none. */
  const forwardedTo = (rid: string, ...answers: (number | string)[]): JournalEntry => {
    const base = entry(rid, { targets: answers.map((_, i) => `http://app${i}`) });
    const results = answers.map((answer, i) =>
      typeof answer === 'number'
        ? { target: `http://app${i}`, status: answer, latency_ms: 1 }
        : { target: `http://app${i}`, status: null, latency_ms: 1, error: { code: answer, message: 'm' } },
    );
    return { ...base, forwards: [{ type: 'forwards', rid, at: 'x', results }] };
  };
  const shown = (e: JournalEntry) =>
    worstFirst(targetAnswersOf(e)).map((a) => (a.kind === 'status' ? a.status : a.code));

  it.each<[(number | string)[], (number | string)[]]>([
    [
      [200, 500],
      [500, 200],
    ],
    [
      [200, 401, 500],
      [500, 401, 200],
    ],
    [
      [401, 'refused'],
      ['refused', 401],
    ],
    [
      [409, 'timeout', 503],
      ['timeout', 503, 409],
    ],
    [
      [204, 302],
      [302, 204],
    ],
    [
      [302, 404],
      [404, 302],
    ],
    [
      [200, 201],
      [200, 201],
    ],
  ])('answers %o are shown worst first: %o', (answers, expected) => {
    expect(shown(forwardedTo('e', ...answers))).toEqual(expected);
  });

  it('the app answer is the worst; the latest forward (a resend) counts, not an earlier one', () => {
    expect(appAnswerOf(forwardedTo('e', 200, 401))).toEqual({ kind: 'status', status: 401 });
    expect(appAnswerOf(forwardedTo('e', 401, 'refused'))).toEqual({ kind: 'failed', code: 'refused' });
    const resent = forwardedTo('e', 500, 500);
    resent.forwards.push({
      type: 'forwards',
      rid: 'e',
      at: 'y',
      resend: true,
      results: [{ target: 't', status: 200, latency_ms: 1 }],
    });
    expect(appAnswerOf(resent)).toEqual({ kind: 'status', status: 200 });
  });

  it('--status matches an entry when any target answered so', () => {
    const entries = [forwardedTo('a', 200, 500), forwardedTo('b', 401, 200), forwardedTo('c', 200, 'refused')];
    const matching = (status: string) => rids(filterEntries(entries, { status }));
    expect(matching('500')).toEqual(['a']);
    expect(matching('5xx')).toEqual(['a']);
    expect(matching('401')).toEqual(['b']);
    expect(matching('2xx')).toEqual(['a', 'b', 'c']);
    expect(matching('failed')).toEqual(['c']);
    expect(matching('none')).toEqual([]);
  });
});

describe('the option values', () => {
  it('--status takes a status, a class, failed or none', () => {
    expect(['404', '4XX', 'failed', 'none'].map(statusPattern)).toEqual(['404', '4xx', 'failed', 'none']);
    for (const bad of ['99', '4x', 'ok', '600'])
      expect(() => statusPattern(bad)).toThrow(/expected a status \(404\), a class/);
  });

  it('--since takes a time ago or a date', () => {
    expect(moment('10m')).toEqual({ ago: 600_000 });
    expect(moment('1d')).toEqual({ ago: 86_400_000 });
    expect(moment('2026-11-29T10:00:00Z')).toEqual({ at: new Date('2026-11-29T10:00:00Z') });
    for (const bad of ['yesterday', '10', '2026-13-45']) expect(() => moment(bad)).toThrow(/expected a time ago/);
  });
});

describe('events list with filters (in process)', () => {
  it('applies --event, --status, --verdict and --since before --limit, and says when nothing matches', async () => {
    const { testContext } = await import('../helpers/context.js');
    const { run } = await import('../helpers/program.js');
    const { mkdir, writeFile } = await import('node:fs/promises');
    const ctx = await testContext({ output: 'json' });
    try {
      const lines = all.flatMap((e) => [e.request, ...e.forwards]).map((r) => JSON.stringify(r));
      await mkdir(ctx.paths.stateDir, { recursive: true });
      await writeFile(`${ctx.paths.stateDir}/events.ndjson`, `${lines.join('\n')}\n`);
      await run(ctx, ['events', 'list', '--verdict', 'rejected', '--limit', '1']);
      expect(ctx.stdout.records.map((r) => r.rid)).toEqual(['notjson']);
      ctx.stdout.chunks.length = 0;
      await run(ctx, ['events', 'list', '--event', 'generation.*', '--status', '2xx', '--since', '2026-11-29']);
      expect(ctx.stdout.records.map((r) => r.rid)).toEqual(['ok']);
      ctx.stdout.chunks.length = 0;
      await run(ctx, ['events', 'list', '--status', '404']);
      expect(ctx.stdout.text).toBe('');
      expect(ctx.stderr.text).toContain('matches');
    } finally {
      await ctx.cleanup();
    }
  });
});

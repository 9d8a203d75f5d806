import { gzipSync } from 'node:zlib';
import { afterEach, describe, expect, it } from 'vitest';
import { EVENT_TYPES } from '../../src/core/events/catalogue.js';
import type { JournalEntry } from '../../src/core/listen/journal.js';
import type { ReceivedRequest } from '../../src/core/listen/receiver.js';
import { Failure, type FailureCode, type FailureFacts } from '../../src/failure.js';
import { createEventsView } from '../../src/ui/events.js';
import { describeFailure } from '../../src/ui/failures.js';
import { createListenView } from '../../src/ui/listen.js';
import { createTriggerView } from '../../src/ui/trigger.js';
import { createWebhooksView } from '../../src/ui/webhooks.js';
import { testContext, type TestContext } from '../helpers/context.js';

// The views: each output mode renders the same typed events, and decides nothing.

let ctx: TestContext;
afterEach(async () => ctx?.cleanup());

const receivedAt = new Date(2026, 10, 29, 14, 55, 54);
const request = (overrides: Partial<ReceivedRequest>): ReceivedRequest => ({
  rid: 'rcv_1', receivedAt, method: 'POST', url: '/webhooks/datachonk', headers: { 'x-test': 'yes' }, bodyBytes: 10,
  verification: { status: 'valid' }, event: 'generation.completed', eventId: 'evt_1',
  payload: { data: { chonk_name: 'dim_customers', chonk_type: 'entity', files_generated: [{}, {}] } },
  disposition: { kind: 'forwarding' }, ...overrides,
});

describe('the listen view', () => {
  it('pretty: one line per event with its summary, one per answer, tied by id', async () => {
    ctx = await testContext();
    const view = createListenView(ctx, { verbose: false });
    view.received(request({}));
    view.forwarded(request({}), { target: 'http://localhost:3000/webhooks/datachonk', status: 200, latency_ms: 8.1 });
    view.flush();
    const [sent, answered] = ctx.stdout.text.trim().split('\n');
    expect(sent).toBe('2026-11-29 14:55:54  --> generation.completed [evt_1] dim_customers (entity), 2 files generated  ✔ verified');
    expect(answered).toMatch(/  <-- \[200\] POST http:\/\/localhost:3000\/webhooks\/datachonk \[evt_1\] 8\.1ms$/);
  });

  it('pretty: a rejection names its reason, and the flag behind it when there is one', async () => {
    ctx = await testContext();
    const view = createListenView(ctx, { verbose: false });
    view.received(request({ event: undefined, eventId: undefined, disposition: { kind: 'rejected', status: 413, reason: 'the body is larger than 10 bytes', code: 'too-large' } }));
    view.forwarded(request({}), { target: 'http://localhost:3000/x', status: null, latency_ms: 30_000, error: { code: 'timeout', message: 'no answer from localhost:3000 within 30s' } });
    view.flush();
    expect(ctx.stdout.text).toContain('[413] POST /webhooks/datachonk rejected: the body is larger than 10 bytes (--max-body)');
    expect(ctx.stdout.text).toContain('[504] POST http://localhost:3000/x [evt_1] no answer from localhost:3000 within 30s (--forward-timeout)');
  });

  it('--verbose adds the headers and the app\'s answer', async () => {
    ctx = await testContext();
    const view = createListenView(ctx, { verbose: true });
    view.received(request({}));
    view.forwarded(request({}), { target: 'http://a/x', status: 200, latency_ms: 1, body: '{"handled":true}' });
    view.flush();
    expect(ctx.stdout.text).toContain('    x-test: yes');
    expect(ctx.stdout.text).toContain('    {"handled":true}');
  });

  it('json: one record per request when it is complete, with the rejection\'s reason code', async () => {
    ctx = await testContext({ output: 'json' });
    const view = createListenView(ctx, { verbose: false });
    const rejected = request({ disposition: { kind: 'rejected', status: 401, reason: 'invalid signature: …', code: 'bad-signature' } });
    view.received(rejected);
    view.completed(rejected, []);
    view.flush();
    expect(ctx.stdout.records).toEqual([expect.objectContaining({
      type: 'request', rid: 'rcv_1', outcome: 'rejected', status: 401, reason_code: 'bad-signature', id: 'evt_1',
    })]);
  });

  it('a webhook that could not be deleted is said in words, not as a failure code', async () => {
    ctx = await testContext({ output: 'json' });
    const view = createListenView(ctx, { verbose: false });
    view.unregistered('wh_1', new Failure('api-unreachable', { host: '127.0.0.1:4010', loopback: true, detail: 'connection refused by 127.0.0.1:4010' }));
    view.flush();
    expect(ctx.stderr.text).toContain('could not delete webhook wh_1: cannot reach the DataChonk API: connection refused by 127.0.0.1:4010');
    expect(ctx.stderr.text).not.toContain('api-unreachable');
    expect(ctx.stdout.records).toEqual([{ type: 'webhook', state: 'delete-failed', id: 'wh_1', error: 'cannot reach the DataChonk API: connection refused by 127.0.0.1:4010' }]);
  });

  it('quiet: no event lines and no banner, warnings still', async () => {
    ctx = await testContext({ output: 'quiet' });
    const view = createListenView(ctx, { verbose: false });
    view.received(request({}));
    view.stopping();
    view.warning('the journal is full');
    view.flush();
    expect(ctx.stdout.text).toBe('');
    expect(ctx.stderr.text).toBe('warning: the journal is full\n');
  });
});

const entry = (overrides: Partial<JournalEntry['request']>, forwards: JournalEntry['forwards'] = []): JournalEntry => ({
  request: {
    type: 'request', rid: 'rcv_1', received_at: '2026-11-29T14:55:54.123Z', method: 'POST', path: '/webhooks/datachonk', headers: {},
    body: Buffer.from('{"a":1}').toString('base64'), verification: { status: 'valid' }, targets: ['http://localhost:3000/webhooks/datachonk'],
    event: 'chonk.created', event_id: 'evt_1', ...overrides,
  },
  forwards,
});

describe('the events view', () => {
  it('lists each entry with its signature verdict and what became of it', async () => {
    ctx = await testContext();
    createEventsView(ctx).list([
      entry({}, [{ type: 'forwards', rid: 'rcv_1', at: 'x', results: [{ target: 't', status: 200, latency_ms: 1 }] }]),
      entry({ rid: 'rcv_2', event_id: 'evt_2', targets: [], verification: { status: 'invalid' }, response_status: 401 }),
      entry({ rid: 'rcv_3', event_id: 'evt_3' }),
    ], { file: 'events.ndjson', skipped: 0 });
    expect(ctx.stdout.text.split('\n').map((l) => l.replace(/\s+/g, ' ').trim()).filter(Boolean)).toEqual([
      'TIME EVENT ID SIGNATURE FORWARD',
      '2026-11-29 14:55:54Z chonk.created evt_1 valid 200',
      '2026-11-29 14:55:54Z chonk.created evt_2 invalid 401',
      '2026-11-29 14:55:54Z chonk.created evt_3 valid pending',
    ]);
  });

  it('says where the journal is when it is empty, and counts skipped lines', async () => {
    ctx = await testContext();
    createEventsView(ctx).list([], { file: '/x/events.ndjson', skipped: 2 });
    expect(ctx.stderr.text).toContain('2 unreadable journal line(s) skipped');
    expect(ctx.stderr.text).toContain('no events in the journal /x/events.ndjson yet');
  });

  it('show: the body as it came, and each answer', async () => {
    ctx = await testContext({ output: 'json' });
    createEventsView(ctx).show(entry({}));
    expect(ctx.stdout.records[0]).toMatchObject({ type: 'journal-entry', body: '{"a":1}', body_base64: 'eyJhIjoxfQ==' });
  });

  it('show: a body sent compressed is shown decoded, and says so; its bytes as sent stay in body_base64', async () => {
    const gz = gzipSync('{"a":1}');
    const compressed = entry({ headers: { 'content-encoding': 'gzip' }, body: gz.toString('base64') });
    ctx = await testContext({ output: 'json' });
    createEventsView(ctx).show(compressed);
    expect(ctx.stdout.records[0]).toMatchObject({ body: '{"a":1}', body_base64: gz.toString('base64') });
    ctx = await testContext();
    createEventsView(ctx).show(compressed);
    expect(ctx.stdout.text).toContain('Body (sent as gzip, shown decoded)\n{"a":1}\n');
  });
});

describe('the trigger view', () => {
  it('pretty: a line per delivery with its status and the app\'s answer', async () => {
    ctx = await testContext();
    const view = await createTriggerView(ctx, { total: 1 });
    view.delivery({
      request: { method: 'POST', url: 'http://a/x', headers: {}, body: '{}', event: 'push.completed', id: 'evt_9' },
      outcome: { kind: 'response', status: 401, body: '{"error":"bad"}', latencyMs: 3 }, expected: false,
    });
    expect(ctx.stdout.text).toBe('✖ push.completed [evt_9] [401] POST http://a/x 3.0ms  {"error":"bad"}\n');
  });
});

describe('the webhooks view', () => {
  it('says "all N" for a webhook with every event type, and lists them otherwise', async () => {
    ctx = await testContext();
    createWebhooksView(ctx).list([
      { id: 'wh_1', url: 'https://a', events: [...EVENT_TYPES], status: 'active' },
      { id: 'wh_2', url: 'https://b', events: ['push.completed'], status: 'disabled' },
    ]);
    expect(ctx.stdout.text).toContain(`all ${EVENT_TYPES.length}`);
    expect(ctx.stdout.text).toMatch(/wh_2\s+https:\/\/b\s+disabled\s+push\.completed/);
  });

  it('prints a secret it just made once, with the warning to store it', async () => {
    ctx = await testContext();
    createWebhooksView(ctx).one({ id: 'wh_1', url: 'https://a', events: ['push.completed'] }, { title: 'Created webhook', secret: 'whsec_new' });
    expect(ctx.stdout.text).toContain('Secret:      whsec_new');
    expect(ctx.stdout.text).toContain('it will not be shown again');
  });
});

describe('the words of failures', () => {
  const samples: { [C in FailureCode]: FailureFacts[C] } = {
    'event-type-unknown': { name: 'generation.complete', suggestion: 'generation.completed', known: EVENT_TYPES },
    'override-syntax': { text: 'nope' },
    'override-path': { path: 'a..b', problem: 'empty-segment' },
    'payload-invalid': { event: 'chonk.created', issues: [{ path: 'data.chonk_type', message: 'Invalid option' }] },
    'payload-not-object': { source: 'data' },
    'json-invalid': { source: 'data-file', path: 'x.json', detail: 'Unexpected end' },
    'file-unreadable': { source: 'fixture-file', path: 'f.json', detail: 'no such file' },
    'fixture-event-mismatch': { fileEvent: 'push.completed', event: 'chonk.created' },
    'nothing-to-send': {},
    'all-with-event': {},
    'target-invalid': { text: 'ftp://x', problem: 'scheme' },
    'port-in-use': { host: '127.0.0.1', port: 4747, server: 'listener' },
    'cannot-listen': { host: '10.9.9.9', port: 80, code: 'EADDRNOTAVAIL' },
    'emulator-data-unreadable': { file: 'e.json', detail: 'EACCES' },
    'emulator-data-damaged': { file: 'e.json' },
    'journal-unopenable': { file: 'j.ndjson', detail: 'EACCES' },
    'api-url-invalid': { url: 'nope' },
    'api-url-insecure': { protocol: 'http:', host: 'api.example.com' },
    'api-unreachable': { host: '127.0.0.1:4010', loopback: true, detail: 'connection refused by 127.0.0.1:4010' },
    'api-not-json': { status: 200 },
    'api-unexpected': { method: 'GET', path: 'webhooks', field: '0.id', message: 'Required' },
    'api-error': { status: 404, code: 'NOT_FOUND', message: 'no such webhook', requestId: 'req_1', webhookId: 'wh_1' },
    'tunnel-cannot-start': { bin: '/x/cloudflared', detail: 'no such file' },
    'tunnel-exited-early': { how: 'code 1', lastLines: ['ERR failed'] },
    'tunnel-no-url': { seconds: 30, lastLines: [] },
  };

  it.each(Object.entries(samples))('%s has words that name what went wrong', (code, facts) => {
    const words = describeFailure(new Failure(code as FailureCode, facts as never), { command: 'trigger' });
    expect(words.message.length).toBeGreaterThan(10);
    expect(['usage', 'failure']).toContain(words.kind);
  });

  it('input mistakes are usage errors, trouble while working is a failure', () => {
    const kind = (code: FailureCode) => describeFailure(new Failure(code, samples[code] as never), { command: 'trigger' }).kind;
    expect(kind('override-syntax')).toBe('usage');
    expect(kind('payload-invalid')).toBe('usage');
    expect(kind('port-in-use')).toBe('failure');
    expect(kind('tunnel-exited-early')).toBe('failure');
  });

  it('names the flag of the command the user ran', () => {
    const failure = new Failure('target-invalid', { text: 'ftp://x', problem: 'scheme' });
    expect(describeFailure(failure, { command: 'listen' }).message).toBe('--forward: "ftp://x" must be an http:// or https:// URL');
    expect(describeFailure(failure, { command: 'events resend' }).message).toBe('--to: "ftp://x" must be an http:// or https:// URL');
    const none = new Failure('nothing-to-send', {});
    expect(describeFailure(none, { command: 'trigger' }).hint).toContain('--list');
    expect(describeFailure(none, { command: 'emulator emit' }).hint).not.toContain('--list');
  });

  it('an API error names the webhook it is about, and carries DataChonk\'s suggestion into the hint', () => {
    const words = describeFailure(new Failure('api-error', samples['api-error']), { command: 'webhooks get' });
    expect(words).toMatchObject({ kind: 'failure', message: 'webhook wh_1 not found (NOT_FOUND, request req_1)' });
    const refused = describeFailure(new Failure('api-error', { status: 401, code: 'UNAUTHORIZED', message: 'bad key', details: { suggestion: 'rotate it' } }), { command: 'x' });
    expect(refused.hint).toBe('rotate it; run `datachonk auth login` with a valid key, or set DATACHONK_API_KEY');
  });

  it('quotes a tunnel\'s last lines, or says it printed nothing', () => {
    expect(describeFailure(new Failure('tunnel-exited-early', samples['tunnel-exited-early']), { command: 'listen' }).message).toContain('\n  ERR failed');
    expect(describeFailure(new Failure('tunnel-no-url', samples['tunnel-no-url']), { command: 'listen' }).message).toContain('(it printed nothing)');
  });
});

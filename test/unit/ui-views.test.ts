import { gzipSync } from 'node:zlib';
import { afterEach, describe, expect, it } from 'vitest';
import { EVENT_TYPES } from '../../src/core/events/catalogue.js';
import type { JournalEntry } from '../../src/core/listen/journal.js';
import type { ReceivedRequest } from '../../src/core/listen/receiver.js';
import { Failure, type FailureCode, type FailureFacts } from '../../src/failure.js';
import { createEmulatorView } from '../../src/ui/emulator.js';
import { createEventsView } from '../../src/ui/events.js';
import { describeFailure } from '../../src/ui/failures.js';
import { createListenView } from '../../src/ui/listen.js';
import { createTriggerView } from '../../src/ui/trigger.js';
import { createWebhooksView } from '../../src/ui/webhooks.js';
import { UNPRINTABLE } from '../../src/ui/sanitize.js';
import { testContext, type TestContext } from '../helpers/context.js';
import { exitCode } from '../helpers/program.js';

// The views: each output mode renders the same typed events, and decides nothing.

let ctx: TestContext;
afterEach(async () => ctx?.cleanup());

const receivedAt = new Date(2026, 10, 29, 14, 55, 54);
const request = (overrides: Partial<ReceivedRequest>): ReceivedRequest => ({
  rid: 'rcv_1',
  receivedAt,
  method: 'POST',
  url: '/webhooks/datachonk',
  headers: { 'x-test': 'yes' },
  bodyBytes: 10,
  body: Buffer.from('{"id":"evt_1"}'),
  verification: { status: 'valid' },
  event: 'generation.completed',
  eventId: 'evt_1',
  payload: { data: { chonk_name: 'dim_customers', chonk_type: 'entity', files_generated: [{}, {}] } },
  disposition: { kind: 'forwarding' },
  ...overrides,
});

describe('the listen view', () => {
  it('pretty: one line per event with its summary, one per answer, tied by id', async () => {
    ctx = await testContext();
    const view = createListenView(ctx, { verbose: false });
    view.received(request({}));
    view.forwarded(request({}), { target: 'http://localhost:3000/webhooks/datachonk', status: 200, latency_ms: 8.1 });
    view.flush();
    const [sent, answered] = ctx.stdout.text.trim().split('\n');
    expect(sent).toBe(
      '2026-11-29 14:55:54  --> generation.completed [evt_1] dim_customers (entity), 2 files generated  ✔ verified',
    );
    expect(answered).toMatch(/ {2}<-- \[200\] POST http:\/\/localhost:3000\/webhooks\/datachonk \[evt_1\] 8\.1ms$/);
  });

  it('pretty: a rejection names its reason, and the flag behind it when there is one', async () => {
    ctx = await testContext();
    const view = createListenView(ctx, { verbose: false });
    view.received(
      request({
        event: undefined,
        eventId: undefined,
        disposition: { kind: 'rejected', status: 413, reason: 'the body is larger than 10 bytes', code: 'too-large' },
      }),
    );
    view.forwarded(request({}), {
      target: 'http://localhost:3000/x',
      status: null,
      latency_ms: 30_000,
      error: { code: 'timeout', message: 'no answer from localhost:3000 within 30s' },
    });
    view.flush();
    expect(ctx.stdout.text).toContain(
      '[413] POST /webhooks/datachonk rejected: the body is larger than 10 bytes (--max-body)',
    );
    expect(ctx.stdout.text).toContain(
      '[504] POST http://localhost:3000/x [evt_1] no answer from localhost:3000 within 30s (--forward-timeout)',
    );
  });

  it("--verbose adds the headers and the app's answer", async () => {
    ctx = await testContext();
    const view = createListenView(ctx, { verbose: true });
    view.received(request({}));
    view.forwarded(request({}), { target: 'http://a/x', status: 200, latency_ms: 1, body: '{"handled":true}' });
    view.flush();
    expect(ctx.stdout.text).toContain('    x-test: yes');
    expect(ctx.stdout.text).toContain('    {"handled":true}');
  });

  it('--verbose shows the body: pretty JSON with its digits as sent, escaped, cut with how many bytes are left', async () => {
    ctx = await testContext();
    const view = createListenView(ctx, { verbose: true });
    view.received(request({ body: Buffer.from('{"id":"evt_1","n":12345678901234567890}') }));
    const long = JSON.stringify({ data: 'x'.repeat(3000) });
    view.received(request({ body: Buffer.from(long) }));
    view.received(request({ body: Buffer.from('plain \u001b[31m text') }));
    view.flush();
    const text = ctx.stdout.text;
    expect(text).toContain('    {\n      "id": "evt_1",\n      "n": 12345678901234567890\n    }\n');
    expect(text).not.toContain('\u001b');
    expect(text).toContain('    … 1016 more bytes\n');
    expect(text).toContain('    plain \\x1b[31m text\n');
  });

  it("json: one record per request when it is complete, with the rejection's reason code", async () => {
    ctx = await testContext({ output: 'json' });
    const view = createListenView(ctx, { verbose: false });
    const rejected = request({
      disposition: { kind: 'rejected', status: 401, reason: 'invalid signature: …', code: 'bad-signature' },
    });
    view.received(rejected);
    view.completed(rejected, []);
    view.flush();
    expect(ctx.stdout.records).toEqual([
      expect.objectContaining({
        type: 'request',
        rid: 'rcv_1',
        outcome: 'rejected',
        status: 401,
        reason_code: 'bad-signature',
        id: 'evt_1',
      }),
    ]);
  });

  it('a webhook that could not be deleted is said in words, not as a failure code', async () => {
    ctx = await testContext({ output: 'json' });
    const view = createListenView(ctx, { verbose: false });
    view.unregistered(
      'wh_1',
      new Failure('api-unreachable', {
        host: '127.0.0.1:4010',
        loopback: true,
        detail: 'connection refused by 127.0.0.1:4010',
      }),
    );
    view.flush();
    expect(ctx.stderr.text).toContain(
      'could not delete webhook wh_1: cannot reach the DataChonk API: connection refused by 127.0.0.1:4010',
    );
    expect(ctx.stderr.text).not.toContain('api-unreachable');
    expect(ctx.stdout.records).toEqual([
      {
        type: 'webhook',
        state: 'delete-failed',
        id: 'wh_1',
        error: 'cannot reach the DataChonk API: connection refused by 127.0.0.1:4010',
      },
    ]);
  });

  it("a tunnel that dies, restarts and comes back: each step said on stderr, in every mode but the start's banner", async () => {
    ctx = await testContext({ output: 'quiet' });
    const view = createListenView(ctx, { verbose: false });
    view.tunnelStarting('fake tunnel');
    view.tunnelLost(
      { reason: 'exited', tunnel: 'cloudflared quick tunnel', how: 'code 1', lastLines: ['ERR one', 'ERR two'] },
      { attempt: 1, attempts: 3, inMs: 1000 },
    );
    view.tunnelRestartFailed(new Failure('tunnel-exited-early', { how: 'code 1', lastLines: ['ERR no'] }), {
      attempt: 2,
      attempts: 3,
      inMs: 2000,
    });
    view.tunnelRestored({
      publicUrl: 'https://new-words.example/webhooks/datachonk',
      webhook: { id: 'wh_1', url: 'https://new-words.example/webhooks/datachonk', events: [] },
    });
    view.tunnelLost(
      {
        reason: 'unanswered',
        url: 'https://new-words.example/webhooks/datachonk',
        checks: 3,
        timeoutMs: 10_000,
        status: 530,
      },
      undefined,
    );
    view.tunnelLost(
      {
        reason: 'unanswered',
        url: 'https://new-words.example/webhooks/datachonk',
        checks: 3,
        timeoutMs: 10_000,
        network: 'timeout',
      },
      undefined,
    );
    view.tunnelRestartFailed(new Error('the API said no'), undefined);
    expect(ctx.stderr.text.split('\n')).toEqual([
      'The tunnel is gone: cloudflared quick tunnel exited (code 1); its last lines:',
      '  ERR one',
      '  ERR two',
      'Restarting it in 1s (attempt 1 of 3)…',
      'warning: the tunnel did not restart, trying again in 2s (attempt 2 of 3): cloudflared exited (code 1) before the tunnel was ready; its last lines:',
      '  ERR no',
      'Tunnel restored. Public URL: https://new-words.example/webhooks/datachonk (webhook wh_1 now points at it)',
      'The tunnel stopped answering: 3 checks in a row of https://new-words.example/webhooks/datachonk failed (the last: HTTP 530, not from this listener)',
      'The tunnel stopped answering: 3 checks in a row of https://new-words.example/webhooks/datachonk failed (the last: no response from new-words.example within 10s)',
      'warning: the tunnel did not restart, giving up: the API said no',
      '',
    ]);
    expect(ctx.stdout.text).toBe('');
  });

  it('json: a tunnel record for each step, the next restart in it; nothing in words but the detail and the error', async () => {
    ctx = await testContext({ output: 'json' });
    const view = createListenView(ctx, { verbose: false });
    view.tunnelLost(
      { reason: 'exited', tunnel: 'cloudflared quick tunnel', how: 'SIGKILL', lastLines: ['ERR gone'] },
      { attempt: 1, attempts: 2, inMs: 1000 },
    );
    view.tunnelRestartFailed(new Error('no luck'), undefined);
    view.tunnelRestored({ publicUrl: 'https://b.example/webhooks/datachonk', webhook: undefined });
    view.flush();
    expect(ctx.stdout.records).toEqual([
      {
        type: 'tunnel',
        state: 'lost',
        reason: 'exited',
        detail: 'cloudflared quick tunnel exited (SIGKILL); its last lines:\n  ERR gone',
        next_attempt: 1,
        attempts: 2,
        retry_in_ms: 1000,
      },
      {
        type: 'tunnel',
        state: 'restart-failed',
        error: 'no luck',
        next_attempt: null,
        attempts: null,
        retry_in_ms: null,
      },
      { type: 'tunnel', state: 'restored', public_url: 'https://b.example/webhooks/datachonk', webhook_id: null },
    ]);
    expect(ctx.stderr.text).toContain(
      'Tunnel restored. Public URL: https://b.example/webhooks/datachonk (a new URL: point your webhook at it)',
    );
  });

  it('stopping says how many requests are still in flight, and no more than "Stopping…" when none is', async () => {
    ctx = await testContext();
    const view = createListenView(ctx, { verbose: false });
    view.stopping(0);
    view.stopping(1);
    view.stopping(3);
    expect(ctx.stderr.text).toBe(
      'Stopping…\nStopping: finishing 1 request in flight…\nStopping: finishing 3 requests in flight…\n',
    );
  });

  it('quiet: the URL line, event and answer lines and warnings; no banner details, no verbose, no stopping line', async () => {
    ctx = await testContext({ output: 'quiet' });
    const view = createListenView(ctx, { verbose: true });
    view.ready({
      url: 'http://127.0.0.1:4747/webhooks/datachonk',
      secret: 'whsec_x',
      secretSource: 'dev',
      targets: [],
      forward: [],
      skipVerify: false,
      publicUrl: 'https://w.example/webhooks/datachonk',
    });
    view.received(request({}));
    view.forwarded(request({}), {
      target: 'http://localhost:3000/webhooks/datachonk',
      status: 200,
      latency_ms: 8.1,
      body: '{"app":"body"}',
    });
    view.received(
      request({
        event: undefined,
        eventId: undefined,
        disposition: { kind: 'rejected', status: 401, reason: 'invalid signature: mismatch', code: 'bad-signature' },
      }),
    );
    view.stopping(0);
    view.warning('the journal is full');
    view.flush();
    const lines = ctx.stdout.text.trim().split('\n');
    expect(lines).toHaveLength(3);
    expect(lines[0]).toContain('--> generation.completed [evt_1]');
    expect(lines[1]).toMatch(/<-- \[200\] POST http:\/\/localhost:3000\/webhooks\/datachonk \[evt_1\] 8\.1ms$/);
    expect(lines[2]).toContain('[401] POST /webhooks/datachonk rejected: invalid signature: mismatch');
    expect(ctx.stderr.text).toBe(
      'Ready! Listening on http://127.0.0.1:4747/webhooks/datachonk  Public URL: https://w.example/webhooks/datachonk\nwarning: the journal is full\n',
    );
  });
});

const entry = (overrides: Partial<JournalEntry['request']>, forwards: JournalEntry['forwards'] = []): JournalEntry => ({
  request: {
    type: 'request',
    rid: 'rcv_1',
    received_at: '2026-11-29T14:55:54.123Z',
    method: 'POST',
    path: '/webhooks/datachonk',
    headers: {},
    body: Buffer.from('{"a":1}').toString('base64'),
    verification: { status: 'valid' },
    targets: ['http://localhost:3000/webhooks/datachonk'],
    event: 'chonk.created',
    event_id: 'evt_1',
    ...overrides,
  },
  forwards,
});

describe('the events view', () => {
  it("lists each entry: its signature, what the listener did (forwarded, or its own answer), and the app's answer apart", async () => {
    // Local time, the zone said once in the header (the journal keeps UTC).
    ctx = await testContext({ env: { TZ: 'Europe/Paris' } });
    createEventsView(ctx).list(
      [
        entry({}, [
          { type: 'forwards', rid: 'rcv_1', at: 'x', results: [{ target: 't', status: 200, latency_ms: 1 }] },
        ]),
        entry({
          rid: 'rcv_2',
          event_id: 'evt_2',
          targets: [],
          verification: { status: 'invalid' },
          response_status: 401,
        }),
        entry({ rid: 'rcv_3', event_id: 'evt_3' }),
        entry({ rid: 'rcv_4', event_id: 'evt_4', targets: [], filtered: true, response_status: 200 }),
        entry({ rid: 'rcv_5', event_id: 'evt_5', targets: [], response_status: 200 }),
        entry({ rid: 'rcv_6', event_id: 'evt_6' }, [
          {
            type: 'forwards',
            rid: 'rcv_6',
            at: 'x',
            results: [{ target: 't', status: null, latency_ms: 1, error: { code: 'refused', message: 'x' } }],
          },
        ]),
      ],
      { file: 'events.ndjson', skipped: 0 },
    );
    expect(
      ctx.stdout.text
        .split('\n')
        .map((l) => l.replace(/\s+/g, ' ').trim())
        .filter(Boolean),
    ).toEqual([
      'TIME (Europe/Paris, UTC+01:00) EVENT ID SIGNATURE LISTENER APP',
      '2026-11-29 15:55:54 chonk.created evt_1 valid forwarded 200',
      // A rejected request goes by its journal id: the event id it claims is not to be trusted.
      '2026-11-29 15:55:54 chonk.created rcv_2 invalid rejected 401 —',
      '2026-11-29 15:55:54 chonk.created evt_3 valid forwarded pending',
      '2026-11-29 15:55:54 chonk.created evt_4 valid filtered 200 —',
      '2026-11-29 15:55:54 chonk.created evt_5 valid accepted 200 —',
      '2026-11-29 15:55:54 chonk.created evt_6 valid forwarded refused',
    ]);
  });

  it("--json: the verdict and the listener's own answer apart from the app's", async () => {
    ctx = await testContext({ output: 'json' });
    createEventsView(ctx).list(
      [
        entry({}, [
          { type: 'forwards', rid: 'rcv_1', at: 'x', results: [{ target: 't', status: 503, latency_ms: 1 }] },
        ]),
        entry({ rid: 'rcv_2', targets: [], verification: { status: 'invalid' }, response_status: 401 }),
      ],
      { file: 'events.ndjson', skipped: 0 },
    );
    expect(ctx.stdout.records).toEqual([
      expect.objectContaining({
        rid: 'rcv_1',
        verdict: 'accepted',
        listener_status: null,
        app: 'status',
        app_status: 503,
        app_error: null,
      }),
      expect.objectContaining({
        rid: 'rcv_2',
        verdict: 'rejected',
        listener_status: 401,
        app: 'none',
        app_status: null,
        app_error: null,
      }),
    ]);
  });

  it('says where the journal is when it is empty, and counts skipped lines', async () => {
    ctx = await testContext();
    createEventsView(ctx).list([], { file: '/x/events.ndjson', skipped: 2 });
    expect(ctx.stderr.text).toContain('2 unreadable journal line(s) skipped');
    expect(ctx.stderr.text).toContain('no events in the journal /x/events.ndjson yet');
  });

  it('show: the body pretty-printed, its digits as sent', async () => {
    ctx = await testContext();
    createEventsView(ctx).show(entry({ body: Buffer.from('{"a":1,"n":1e400}').toString('base64') }));
    expect(ctx.stdout.text).toContain('Body\n{\n  "a": 1,\n  "n": 1e400\n}\n');
  });

  it('show: the body as it came, and each answer', async () => {
    ctx = await testContext({ output: 'json' });
    createEventsView(ctx).show(entry({}));
    expect(ctx.stdout.records[0]).toMatchObject({
      type: 'journal-entry',
      body: '{"a":1}',
      body_base64: 'eyJhIjoxfQ==',
    });
  });

  it('show: a body sent compressed is shown decoded, and says so; its bytes as sent stay in body_base64', async () => {
    const gz = gzipSync('{"a":1}');
    const compressed = entry({ headers: { 'content-encoding': 'gzip' }, body: gz.toString('base64') });
    ctx = await testContext({ output: 'json' });
    createEventsView(ctx).show(compressed);
    expect(ctx.stdout.records[0]).toMatchObject({ body: '{"a":1}', body_base64: gz.toString('base64') });
    ctx = await testContext();
    createEventsView(ctx).show(compressed);
    expect(ctx.stdout.text).toContain('Body (sent as gzip, shown decoded)\n{\n  "a": 1\n}\n');
  });
});

describe('times: local, the zone said once, the same in the listener and the journal views', () => {
  const at = new Date('2026-11-29T14:55:54.123Z');

  it("the listener's lines in local time, and its Ready block names the zone", async () => {
    ctx = await testContext({ env: { TZ: 'Europe/Paris' } });
    ctx.now = () => at;
    const view = createListenView(ctx, { verbose: false });
    view.ready({
      url: 'http://127.0.0.1:4747/x',
      secret: 'whsec_x',
      secretSource: 'dev',
      targets: [],
      forward: [],
      skipVerify: false,
    });
    view.received(request({ receivedAt: at }));
    view.forwarded(request({ receivedAt: at }), { target: 'http://localhost:3000/x', status: 200, latency_ms: 1 });
    view.flush();
    expect(ctx.stderr.text).toMatch(/\n {2}Times: {10}local, Europe\/Paris, UTC\+01:00 /);
    const lines = ctx.stdout.text.trim().split('\n');
    expect(lines.map((line) => line.slice(0, 21))).toEqual(['2026-11-29 15:55:54  ', '2026-11-29 15:55:54  ']);
  });

  it('events show: the same local time, with its zone', async () => {
    ctx = await testContext({ env: { TZ: 'Europe/Paris' } });
    createEventsView(ctx).show(entry({}));
    expect(ctx.stdout.text).toContain('received 2026-11-29 15:55:54 (Europe/Paris, UTC+01:00)');
  });
});

describe('the trigger view', () => {
  it("pretty: a line per delivery with its status and the app's answer", async () => {
    ctx = await testContext();
    const view = await createTriggerView(ctx, { total: 1, destination: { source: 'flag', url: 'http://a/x' } });
    view.delivery({
      request: { method: 'POST', url: 'http://a/x', headers: {}, body: '{}', event: 'push.completed', id: 'evt_9' },
      outcome: { kind: 'response', status: 401, body: '{"error":"bad"}', latencyMs: 3, headers: () => [] },
      expected: false,
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
    createWebhooksView(ctx).one(
      { id: 'wh_1', url: 'https://a', events: ['push.completed'] },
      { title: 'Created webhook', secret: 'whsec_new' },
    );
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
    'scenario-unknown': { name: 'generate-and-pus', suggestion: 'generate-and-push', known: ['generate-and-push'] },
    'scenario-invalid': {
      file: 'my.yaml',
      issues: [{ path: 'steps[1].event', line: 7, message: 'unknown event type "x"' }],
    },
    'target-invalid': { text: 'ftp://x', problem: 'scheme' },
    'port-in-use': { host: '127.0.0.1', port: 4747, server: 'listener' },
    'cannot-listen': { host: '10.9.9.9', port: 80, server: 'listener', code: 'EADDRNOTAVAIL' },
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
    'tunnel-gone': { reason: 'exited', restarts: 8 },
    'check-stopped': {
      reason: 'unreachable',
      url: 'http://127.0.0.1:9/x',
      check: 'delivery/chonk.created',
      detail: 'connection refused by 127.0.0.1:9',
      network: 'refused',
      secretSource: 'env',
    },
  };

  it.each(Object.entries(samples))('%s has words that name what went wrong', (code, facts) => {
    const words = describeFailure(new Failure(code as FailureCode, facts as never), { command: 'trigger' });
    expect(words.message.length).toBeGreaterThan(10);
    expect(['usage', 'failure']).toContain(words.kind);
  });

  it('input mistakes are usage errors, trouble while working is a failure', () => {
    const kind = (code: FailureCode) =>
      describeFailure(new Failure(code, samples[code] as never), { command: 'trigger' }).kind;
    expect(kind('override-syntax')).toBe('usage');
    expect(kind('payload-invalid')).toBe('usage');
    expect(kind('port-in-use')).toBe('failure');
    expect(kind('tunnel-exited-early')).toBe('failure');
  });

  it('names the flag of the command the user ran', () => {
    const failure = new Failure('target-invalid', { text: 'ftp://x', problem: 'scheme' });
    expect(describeFailure(failure, { command: 'listen' }).message).toBe(
      '--forward: "ftp://x" must be an http:// or https:// URL',
    );
    expect(describeFailure(failure, { command: 'events resend' }).message).toBe(
      '--to: "ftp://x" must be an http:// or https:// URL',
    );
    const none = new Failure('nothing-to-send', {});
    expect(describeFailure(none, { command: 'trigger' }).hint).toContain('--list');
    expect(describeFailure(none, { command: 'emulator emit' }).hint).not.toContain('--list');
  });

  it("an API error names the webhook it is about, and carries DataChonk's suggestion into the hint", () => {
    const words = describeFailure(new Failure('api-error', samples['api-error']), { command: 'webhooks get' });
    expect(words).toMatchObject({ kind: 'failure', message: 'webhook wh_1 not found (NOT_FOUND, request req_1)' });
    const refused = describeFailure(
      new Failure('api-error', {
        status: 401,
        code: 'UNAUTHORIZED',
        message: 'bad key',
        details: { suggestion: 'rotate it' },
      }),
      { command: 'x' },
    );
    expect(refused.hint).toBe('rotate it; run `datachonk auth login` with a valid key, or set DATACHONK_API_KEY');
  });

  it('a tunnel gone for good says whether restarts were tried, and what to do', () => {
    const tried = describeFailure(new Failure('tunnel-gone', { reason: 'unanswered', restarts: 1 }), {
      command: 'listen',
    });
    expect(tried).toMatchObject({
      kind: 'failure',
      message: 'the tunnel stopped answering and 1 restart failed, so DataChonk can no longer reach this listener',
    });
    expect(tried.hint).toContain('--tunnel-retry');
    const none = describeFailure(new Failure('tunnel-gone', { reason: 'exited', restarts: 0 }), { command: 'listen' });
    expect(none.message).toBe('the tunnel stopped, so DataChonk can no longer reach this listener');
  });

  it("quotes a tunnel's last lines, or says it printed nothing", () => {
    expect(
      describeFailure(new Failure('tunnel-exited-early', samples['tunnel-exited-early']), { command: 'listen' })
        .message,
    ).toContain('\n  ERR failed');
    expect(
      describeFailure(new Failure('tunnel-no-url', samples['tunnel-no-url']), { command: 'listen' }).message,
    ).toContain('(it printed nothing)');
  });
});

// Issue 11, item 4: anyone who reaches the listener (or an API, or the journal) chooses these texts.
describe('what came from outside is shown escaped, in every view', () => {
  /** An OSC title, a screen clear, an OSC 8 link, an 8-bit CSI and a right-to-left override. */
  const EVIL = '\u001b]0;pwned\u0007\u001b[2J\u001b]8;;https://evil.example\u001b\\link\u009b31m\u202e';
  const SHOWN = '\\x1b]0;pwned\\x07\\x1b[2J\\x1b]8;;https://evil.example\\x1b\\link\\u009b31m\\u202e';
  /** Anything a terminal acts on, once the views' own colours are taken out (a laid-out body keeps its tabs). */

  const RAW = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/;
  const ours = (text: string) => text.replace(/\u001b\[[0-9;]*m/g, '');
  /** Colours on, as on a terminal: only the views' own SGR sequences may carry an ESC. */
  const coloured = async (output: 'pretty' | 'json' = 'pretty') => {
    const context = await testContext({ output, env: { FORCE_COLOR: '1' } });
    context.stdout.isTTY = true;
    context.stderr.isTTY = true;
    return context;
  };
  const expectEscaped = (text: string) => {
    expect(ours(text)).not.toMatch(RAW);
    expect(ours(text)).toContain(SHOWN);
  };

  it("listen: the event name, headers, rejected path, the app's answer and errors", async () => {
    ctx = await coloured();
    const view = createListenView(ctx, { verbose: true });
    const hostile = request({ event: EVIL, headers: { 'x-evil': EVIL }, payload: { data: { chonk_name: EVIL } } });
    view.received(hostile);
    view.received(
      request({
        event: undefined,
        eventId: undefined,
        url: `/webhooks/datachonk?${EVIL}`,
        disposition: { kind: 'rejected', status: 404, reason: 'not found', code: 'not-found' },
      }),
    );
    view.forwarded(hostile, { target: 'http://localhost:3000/x', status: 200, latency_ms: 1, body: EVIL });
    view.forwarded(hostile, {
      target: 'http://localhost:3000/x',
      status: null,
      latency_ms: 1,
      error: { code: 'other', message: EVIL },
    });
    view.warning(EVIL);
    view.tunnelLost(
      { reason: 'exited', tunnel: 'cloudflared quick tunnel', how: 'code 1', lastLines: [EVIL] },
      undefined,
    );
    view.flush();
    expectEscaped(ctx.stdout.text);
    expect(ctx.stdout.text.match(/\\x1b\]0;pwned/g)).toHaveLength(6);
    expectEscaped(ctx.stderr.text);
  });

  it('listen --json: C1 and bidi characters are \\u escapes, which JSON.stringify alone leaves raw', async () => {
    ctx = await coloured('json');
    const view = createListenView(ctx, { verbose: false });
    const hostile = request({ event: EVIL, headers: { 'x-evil': EVIL } });
    view.completed(hostile, [{ target: 'http://a/x', status: 200, latency_ms: 1, body: EVIL }]);
    view.tunnelLost(
      { reason: 'exited', tunnel: 'cloudflared quick tunnel', how: 'code 1', lastLines: [EVIL] },
      undefined,
    );
    view.flush();
    expect(ctx.stdout.text).not.toMatch(RAW);
    expect(ctx.stdout.text).toContain('\\u009b31m\\u202e');
    expect(ctx.stdout.records[0]).toMatchObject({ event: EVIL, forwards: [{ body: EVIL }] });
  });

  it('listen --json: a payload nested too deeply to print is a placeholder; the line is printed, and the next one', async () => {
    ctx = await testContext({ output: 'json' });
    const view = createListenView(ctx, { verbose: false });
    const deep = JSON.parse(`{"x":${'['.repeat(100_000)}${']'.repeat(100_000)}}`) as Record<string, unknown>;
    view.completed(request({ payload: { data: deep } }), []);
    view.completed(request({ rid: 'rcv_2' }), []);
    view.flush();
    expect(ctx.stdout.records.map((r) => [r.rid, r.payload === UNPRINTABLE])).toEqual([
      ['rcv_1', true],
      ['rcv_2', false],
    ]);
  });

  it('listen, pretty: a payload nested too deeply is summed up like any other', async () => {
    ctx = await testContext();
    const view = createListenView(ctx, { verbose: false });
    const deep = JSON.parse(`${'['.repeat(100_000)}${']'.repeat(100_000)}`) as unknown;
    view.received(request({ payload: { data: { chonk_name: 'dim_x', chonk_type: 'entity', files_generated: deep } } }));
    view.flush();
    expect(ctx.stdout.text).toContain('--> generation.completed [evt_1] dim_x (entity), 1 file generated  ✔ verified');
  });

  it('events show: the body keeps its lines and tabs, all else is escaped; so are headers, path and answers', async () => {
    ctx = await coloured();
    const body = `{\n\t"event": "${EVIL}"\n}`;
    createEventsView(ctx).show(
      entry(
        {
          event: EVIL,
          path: `/x?${EVIL}`,
          headers: { 'x-evil': EVIL },
          body: Buffer.from(body).toString('base64'),
          verification: { status: 'invalid', reason: EVIL },
        },
        [
          {
            type: 'forwards',
            rid: 'rcv_1',
            at: 'x',
            results: [{ target: 't', status: 500, latency_ms: 1, body: EVIL }],
          },
        ],
      ),
    );
    expectEscaped(ctx.stdout.text);
    expect(ours(ctx.stdout.text)).toContain(`Body\n{\n\t"event": "${SHOWN}"\n}\n`);
    expect(ours(ctx.stdout.text).match(/\\x1b\]0;pwned/g)).toHaveLength(6);
  });

  it('events show: Authorization and Cookie values are masked (the journal keeps them for resend; --json too)', async () => {
    ctx = await coloured();
    const headers = { authorization: 'Bearer tok_secret', cookie: 'session=abc', 'x-other': 'shown' };
    createEventsView(ctx).show(entry({ headers }, []));
    const shownText = ours(ctx.stdout.text);
    expect(shownText).toContain('authorization: Bearer ***');
    expect(shownText).toContain('cookie: ***');
    expect(shownText).toContain('x-other: shown');
    expect(shownText).not.toMatch(/tok_secret|abc/);
  });

  it('events show --json and events list: escaped, the table still lined up', async () => {
    ctx = await coloured('json');
    createEventsView(ctx).show(entry({ event: EVIL, body: Buffer.from(EVIL).toString('base64') }));
    expect(ctx.stdout.text).not.toMatch(RAW);
    expect(ctx.stdout.records[0]).toMatchObject({ event: EVIL, body: EVIL });
    ctx = await coloured();
    createEventsView(ctx).list(
      [entry({ event: EVIL }), entry({ rid: 'rcv_2', event_id: 'evt_2', event: 'chonk.created' })],
      { file: EVIL, skipped: 0 },
    );
    expectEscaped(ctx.stdout.text);
    const [, first, second] = ours(ctx.stdout.text).split('\n');
    expect(first!.indexOf('evt_1')).toBe(second!.indexOf('evt_2'));
  });

  it('webhooks: what the API says of a webhook (URL, description, status), in the table, the block and JSON', async () => {
    ctx = await coloured();
    const hostile = {
      id: `wh_${EVIL}`,
      url: `https://a/${EVIL}`,
      events: ['push.completed'],
      status: EVIL as 'active',
      description: EVIL,
      created_at: EVIL,
    };
    createWebhooksView(ctx).list([
      hostile,
      { id: 'wh_2', url: 'https://b', events: ['push.completed'], description: 'plain' },
    ]);
    createWebhooksView(ctx).one(hostile);
    createWebhooksView(ctx).deliveries([
      {
        id: 'd',
        webhook_id: 'wh',
        event_id: EVIL,
        event: EVIL,
        attempt: 1,
        at: EVIL,
        status: null,
        ok: false,
        latency_ms: 1,
        error: EVIL,
        chaos: [EVIL],
      },
    ]);
    expectEscaped(ctx.stdout.text);
    const [, first, second] = ours(ctx.stdout.text).split('\n');
    expect(first!.indexOf(`https://a/${SHOWN}`)).toBe(second!.indexOf('https://b'));
    ctx = await coloured('json');
    createWebhooksView(ctx).list([hostile]);
    expect(ctx.stdout.text).not.toMatch(RAW);
    expect(ctx.stdout.records[0]).toMatchObject({ description: EVIL });
  });

  it("trigger: the app's answer and a dry run of a user's payload", async () => {
    ctx = await coloured();
    const view = await createTriggerView(ctx, { total: 1, destination: { source: 'flag', url: 'http://a/x' } });
    const req = {
      method: 'POST' as const,
      url: `http://a/${EVIL}`,
      headers: { 'x-evil': EVIL },
      body: `{"a":"${EVIL}"}`,
      event: EVIL,
      id: 'evt_9',
    };
    view.delivery({
      request: req,
      outcome: { kind: 'response', status: 200, body: EVIL, latencyMs: 3, headers: () => [] },
      expected: true,
    });
    view.delivery({
      request: req,
      outcome: { kind: 'error', code: 'other', message: EVIL, latencyMs: 3 },
      expected: false,
    });
    view.dryRun(req, `curl \\\n  --data-binary '${EVIL}'`);
    expectEscaped(ctx.stdout.text);
    expect(ours(ctx.stdout.text)).toContain(`curl \\\n  --data-binary '${SHOWN}'`);
  });

  it('emulator: requests, delivery attempts and emitted results', async () => {
    ctx = await coloured();
    const view = createEmulatorView(ctx);
    const delivery = {
      id: 'd',
      webhook_id: EVIL,
      event_id: 'evt_1',
      event: EVIL,
      attempt: 1,
      at: EVIL,
      status: null,
      ok: false,
      latency_ms: 1,
      error: EVIL,
    };
    view.request({ method: 'GET', path: `/v1/${EVIL}`, status: 404 } as never);
    view.attempt(delivery, { url: EVIL } as never);
    view.emitted({ event_id: 'evt_1', event: EVIL, deliveries: [delivery] });
    view.emitted({ event_id: 'evt_1', event: EVIL, deliveries: [] });
    // The emulator's chaos: what it did to an attempt, a delivery put off, a webhook's own chaos.
    view.attempt({ ...delivery, chaos: [EVIL, 'delay'], delay_ms: 5 }, { url: EVIL } as never);
    view.emitted({
      event_id: 'evt_1',
      event: EVIL,
      deliveries: [],
      deferred: [{ webhook_id: EVIL, chaos: [EVIL], delay_ms: 1 }],
    });
    view.chaosSet({ webhook_id: EVIL, chaos: {}, emulator_chaos: null });
    expect(ours(ctx.stdout.text)).toContain(`chaos: ${SHOWN}, delay 5ms`);
    expectEscaped(ctx.stdout.text);
    expectEscaped(ctx.stderr.text);
  });

  it("an API's error message stays on one line, escaped", () => {
    const words = describeFailure(
      new Failure('api-error', {
        status: 400,
        code: EVIL,
        message: `bad\nerror: ${EVIL}`,
        details: { url: EVIL, suggestion: EVIL },
      }),
      { command: 'webhooks create' },
    );
    expect(words.message).toBe(`the API rejected the request: bad\\nerror: ${SHOWN} (${SHOWN})\n  url: ${SHOWN}`);
    expect(words.hint).toBe(SHOWN);
  });

  it("a failure quoting what was typed is printed escaped, as are commander's own errors", async () => {
    ctx = await coloured();
    expect(await exitCode(ctx, ['events', 'show', `evt_${EVIL}`])).toBe(1);
    expect(await exitCode(ctx, ['events', 'list', `--${EVIL}`])).toBe(2);
    expectEscaped(ctx.stderr.text);
    expect(ours(ctx.stderr.text)).toContain(`error: no event evt_${SHOWN} in the journal`);
  });
});

import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { verify } from '../../src/core/signing/signature.js';
import { homePerTest, runCli } from '../helpers/cli.js';
import { startRecordingServer, type RecordedRequest } from '../helpers/recording-server.js';

// `datachonk trigger --scenario`, the built binary against a recording server: the sequence's ids,
// times and signatures as they arrive, the orders that make it hard, and the user's own files.

const SECRET = 'whsec_scenario_e2e';
const t = homePerTest('datachonk-scenario-');

interface Event {
  id: string;
  event: string;
  created_at: string;
  data: { chonk_id?: string; chonk_ids?: string[]; chonk_name?: string };
}

const parsed = (request: RecordedRequest) => JSON.parse(request.body.toString('utf8')) as Event;
const chonkOf = (event: Event) => event.data.chonk_id ?? event.data.chonk_ids?.[0];
const noStackTrace = (text: string) => expect(text).not.toMatch(/\n\s+at .+:\d+:\d+/);

async function app() {
  return t.opened(await startRecordingServer());
}

describe('trigger --scenario with a built-in scenario', () => {
  it('generate-and-push: four events in order, one chonk_id, created_at ascending, each signed, a fresh id each', async () => {
    const server = await app();
    const result = await runCli(
      ['trigger', '--scenario', 'generate-and-push', '--url', server.url, '--secret', SECRET],
      { home: t.home },
    );
    expect(result.code, result.stderr).toBe(0);
    expect(server.requests).toHaveLength(4);
    const events = server.requests.map(parsed);
    expect(events.map((e) => e.event)).toEqual([
      'chonk.created',
      'generation.started',
      'generation.completed',
      'push.completed',
    ]);
    // No event-type header (DataChonk sends none): the body's `event` is the type.
    expect(server.requests.map((r) => r.headers['x-datachonk-event'])).toEqual([
      undefined,
      undefined,
      undefined,
      undefined,
    ]);
    const chonk = chonkOf(events[0]!);
    expect(chonk).toMatch(/^chonk_[0-9A-Za-z]{12}$/);
    expect(events.map(chonkOf)).toEqual([chonk, chonk, chonk, chonk]);
    expect(events.slice(0, 3).map((e) => e.data.chonk_name)).toEqual([
      'dim_customers',
      'dim_customers',
      'dim_customers',
    ]);
    const times = events.map((e) => Date.parse(e.created_at));
    for (let i = 1; i < times.length; i++) expect(times[i]).toBeGreaterThan(times[i - 1]!);
    expect(new Set(events.map((e) => e.id)).size).toBe(4);
    for (const request of server.requests)
      expect(verify(SECRET, request.body, request.headers['x-datachonk-signature'])).toEqual({
        ok: true,
        secretIndex: 0,
      });
    expect(result.stdout).toContain('Scenario generate-and-push: 4 events, in order\n');
    expect(result.stdout).toMatch(/✔ step 1\/4 chonk\.created \[evt_\w+\] \[200\]/);
    expect(result.stdout).toMatch(/Sent 4 {2}ok 4 {2}failed 0/);
  });

  it('a second run draws another chonk_id', async () => {
    const server = await app();
    for (let i = 0; i < 2; i++)
      expect(
        (await runCli(['trigger', '--scenario', 'scan-then-create', '--url', server.url], { home: t.home })).code,
      ).toBe(0);
    const [first, second] = [server.requests[1]!, server.requests[3]!].map((r) => chonkOf(parsed(r)));
    expect(first).not.toBe(second);
  });

  it('--duplicate 1 sends one event twice: the same id, the same bytes, the same signature; --json says which', async () => {
    const server = await app();
    const result = await runCli(
      [
        '--json',
        'trigger',
        '--scenario',
        'generation-fails',
        '--duplicate',
        '1',
        '--seed',
        '11',
        '--url',
        server.url,
        '--secret',
        SECRET,
      ],
      { home: t.home },
    );
    expect(result.code, result.stderr).toBe(0);
    expect(server.requests).toHaveLength(4);
    const ids = server.requests.map((r) => parsed(r).id);
    const twice = ids.find((id, i) => ids.indexOf(id) !== i)!;
    expect(new Set(ids).size).toBe(3);
    const [a, b] = server.requests.filter((r) => parsed(r).id === twice);
    expect(a!.body.equals(b!.body)).toBe(true);
    expect(a!.headers['x-datachonk-signature']).toBe(b!.headers['x-datachonk-signature']);
    expect(verify(SECRET, b!.body, b!.headers['x-datachonk-signature'])).toEqual({ ok: true, secretIndex: 0 });
    const records = result.stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(records[0]).toMatchObject({
      type: 'scenario',
      name: 'generation-fails',
      steps: ['chonk.created', 'generation.started', 'generation.failed'],
      seed: 11,
    });
    const deliveries = records.filter((r) => r.type === 'delivery');
    expect(deliveries.map((d) => d.id)).toEqual(ids);
    expect(deliveries.filter((d) => d.repeat === true).map((d) => d.id)).toEqual([twice]);
    expect(deliveries.map((d) => d.step)).toEqual(records[0]!.order);
    expect(records.at(-1)).toMatchObject({ type: 'summary', sent: 4, ok: 4 });
  });

  it('--reverse sends the last step first; created_at still tells the true order', async () => {
    const server = await app();
    const result = await runCli(['trigger', '--scenario', 'generate-and-push', '--reverse', '--url', server.url], {
      home: t.home,
    });
    expect(result.code, result.stderr).toBe(0);
    const events = server.requests.map(parsed);
    expect(events.map((e) => e.event)).toEqual([
      'push.completed',
      'generation.completed',
      'generation.started',
      'chonk.created',
    ]);
    const times = events.map((e) => Date.parse(e.created_at));
    for (let i = 1; i < times.length; i++) expect(times[i]).toBeLessThan(times[i - 1]!);
    expect(result.stdout).toContain('in the order 4 3 2 1\n');
  });

  it('--shuffle prints its seed, and --seed gives the same order again', async () => {
    const server = await app();
    const first = await runCli(['trigger', '--scenario', 'generate-and-push', '--shuffle', '--url', server.url], {
      home: t.home,
    });
    expect(first.code, first.stderr).toBe(0);
    const seed = /\(seed (\d+)\)/.exec(first.stdout)?.[1];
    expect(seed).toBeDefined();
    const order = server.requests.map((r) => parsed(r).event);
    const again = await runCli(
      ['trigger', '--scenario', 'generate-and-push', '--shuffle', '--seed', seed!, '--url', server.url],
      { home: t.home },
    );
    expect(again.code, again.stderr).toBe(0);
    expect(server.requests.slice(4).map((r) => parsed(r).event)).toEqual(order);
    expect(again.stdout).toContain(`(seed ${seed})`);
  });

  it('--delay with a range sends every event, in order', async () => {
    const server = await app();
    const result = await runCli(
      ['trigger', '--scenario', 'scan-then-create', '--delay', '1ms-5ms', '--url', server.url],
      { home: t.home },
    );
    expect(result.code, result.stderr).toBe(0);
    expect(server.requests.map((r) => parsed(r).event)).toEqual(['scan.completed', 'chonk.created']);
  });

  it('an app that refuses one event: exit 1, and a shuffled run says its seed', async () => {
    const server = t.opened(
      await startRecordingServer((request, res) => {
        res.statusCode = parsed(request).event === 'generation.started' ? 500 : 200;
        res.end('{}');
      }),
    );
    const result = await runCli(
      ['trigger', '--scenario', 'generate-and-push', '--shuffle', '--seed', '5', '--url', server.url],
      { home: t.home },
    );
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('error: 1 of 4 deliveries did not get a 2xx status');
    expect(result.stderr).toContain('--seed 5 sends them in the same order again');
    expect(result.stdout).toMatch(/✖ step 2\/4 generation\.started \[evt_\w+\] \[500\]/);
    noStackTrace(result.stderr);
  });

  it('--dry-run prints every send of the order and sends nothing', async () => {
    const server = await app();
    const result = await runCli(
      ['--json', 'trigger', '--scenario', 'generate-and-push', '--reverse', '--dry-run', '--url', server.url],
      { home: t.home },
    );
    expect(result.code, result.stderr).toBe(0);
    const records = result.stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { type: string; step?: number });
    expect(records.filter((r) => r.type === 'dry-run').map((r) => r.step)).toEqual([4, 3, 2, 1]);
    expect(server.requests).toHaveLength(0);
  });
});

describe('trigger --list-scenarios', () => {
  it('lists each built-in with its description and events; --json a record each', async () => {
    const pretty = await runCli(['trigger', '--list-scenarios'], { home: t.home });
    expect(pretty.code).toBe(0);
    expect(pretty.stdout).toMatch(
      /^generate-and-push {2}a chonk is created, its dbt code generated, then pushed to Git\n {19}chonk\.created → generation\.started → generation\.completed → push\.completed\n/,
    );
    const json = await runCli(['--json', 'trigger', '--list-scenarios'], { home: t.home });
    const records = json.stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { type: string; name: string; steps: string[] });
    expect(records.map((r) => [r.type, r.name, r.steps.length])).toEqual([
      ['scenario', 'generate-and-push', 4],
      ['scenario', 'generation-fails', 3],
      ['scenario', 'scan-then-create', 2],
    ]);
  });
});

describe('a scenario file of your own', () => {
  const ORDERS = `# two events for dim_orders
name: orders
description: dim_orders is created, then deleted
vars:
  chonk_id: { random: chonk_ }
  chonk_name: dim_orders
steps:
  - event: chonk.created
    set:
      data.chonk_id: \${chonk_id}
      data.chonk_name: \${chonk_name}
      data.chonk_type: fact
      data.materialization: incremental
  - event: chonk.deleted
    after: 10m
    set:
      data.chonk_id: \${chonk_id}
      data.chonk_name: \${chonk_name}
      data.chonk_type: fact
`;

  it('is sent as written, its variables shared, --set on every step (with a warning where a step has no such field)', async () => {
    const server = await app();
    const file = join(t.home, 'orders.yaml');
    await writeFile(file, ORDERS);
    const result = await runCli(
      [
        'trigger',
        '--scenario',
        file,
        '--url',
        server.url,
        '--secret',
        SECRET,
        '--set',
        'project_id=proj_e2e',
        '--set',
        'data.materialization=table',
      ],
      { home: t.home },
    );
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toContain(
      'warning: --set data.materialization: chonk.deleted has no such field, so it is sent as an extra field',
    );
    const events = server.requests.map(
      (r) => JSON.parse(r.body.toString('utf8')) as Event & { project_id: string; data: Record<string, unknown> },
    );
    expect(events.map((e) => e.event)).toEqual(['chonk.created', 'chonk.deleted']);
    expect(events[0]!.data).toMatchObject({ chonk_name: 'dim_orders', chonk_type: 'fact', materialization: 'table' });
    expect(events[1]!.data.chonk_id).toBe(events[0]!.data.chonk_id);
    expect(events.map((e) => e.project_id)).toEqual(['proj_e2e', 'proj_e2e']);
    expect(Date.parse(events[1]!.created_at) - Date.parse(events[0]!.created_at)).toBe(600_000);
    for (const request of server.requests)
      expect(verify(SECRET, request.body, request.headers['x-datachonk-signature']).ok).toBe(true);
    expect(result.stdout).toContain('Scenario orders: 2 events, in order');
  });

  it("a bad file is a usage error (exit 2) naming the file, each problem's line and path; nothing is sent", async () => {
    const server = await app();
    const file = join(t.home, 'bad.yaml');
    await writeFile(
      file,
      ORDERS.replace('event: chonk.deleted', 'event: chonk.delete').replace(
        'data.chonk_name: ${chonk_name}',
        'data.chonk_name: ${chonk_nam}',
      ),
    );
    const result = await runCli(['trigger', '--scenario', file, '--url', server.url], { home: t.home });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(`error: the scenario file ${file} is not valid:\n`);
    expect(result.stderr).toContain(
      '  line 11, steps[0].set.data.chonk_name: no variable "chonk_nam": did you mean ${chonk_name}? (vars: chonk_id, chonk_name)\n',
    );
    expect(result.stderr).toContain(
      '  line 14, steps[1].event: unknown event type "chonk.delete": did you mean chonk.deleted?\n',
    );
    expect(result.stderr).toContain('hint: the format is in docs/trigger.md ("Scenarios")');
    expect(result.stdout).toBe('');
    expect(server.requests).toHaveLength(0);
    noStackTrace(result.stderr);
  });

  it('YAML that does not parse, an unknown built-in, a missing file: exit 2, said plainly', async () => {
    const file = join(t.home, 'broken.yml');
    await writeFile(file, 'steps:\n  - event: chonk.created\n    set: { data.chonk_name: [x\n');
    const broken = await runCli(['trigger', '--scenario', file, '--dry-run'], { home: t.home });
    expect(broken.code).toBe(2);
    expect(broken.stderr).toMatch(new RegExp(`error: the scenario file ${file} is not valid:\\n  line \\d+: .+`));
    const unknown = await runCli(['trigger', '--scenario', 'generate-and-pus', '--dry-run'], { home: t.home });
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('error: unknown scenario "generate-and-pus": did you mean generate-and-push?');
    const missing = await runCli(['trigger', '--scenario', './nope.yaml', '--dry-run'], { home: t.home });
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('error: cannot read the scenario file ./nope.yaml: no such file');
    for (const result of [broken, unknown, missing]) noStackTrace(result.stderr);
  });
});

describe('trigger --scenario with options that do not go with it', () => {
  it.each([
    [
      ['--scenario', 'generate-and-push', 'chonk.created'],
      '--scenario names the events to send: leave out the event name',
    ],
    [
      ['--scenario', 'generate-and-push', '--count', '2'],
      "option '--scenario <name|file>' cannot be used with option '--count <n>'",
    ],
    [
      ['--scenario', 'generate-and-push', '--all'],
      "option '--scenario <name|file>' cannot be used with option '--all'",
    ],
    [
      ['--scenario', 'generate-and-push', '--data', '{}'],
      "option '--scenario <name|file>' cannot be used with option '--data <json|@file>'",
    ],
    [
      ['--scenario', 'generate-and-push', '--shuffle', '--reverse'],
      "option '--shuffle' cannot be used with option '--reverse'",
    ],
    [
      ['chonk.created', '--duplicate', '2'],
      "--duplicate changes the order of a scenario's events: add --scenario <name|file>",
    ],
    [['--scenario', 'generate-and-push', '--delay', '5'], 'expected a time with its unit like 200ms or 1s'],
  ])('%j: exit 2, %s', async (args, message) => {
    const result = await runCli(['trigger', ...args, '--url', 'http://127.0.0.1:9/x'], { home: t.home });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(message);
    noStackTrace(result.stderr);
  });
});

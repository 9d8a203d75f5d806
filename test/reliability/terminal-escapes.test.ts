import { describe, expect, it } from 'vitest';
import { sign } from '../../src/core/signing/signature.js';
import { homePerTest, listeningUrl, runCli, startCli, type CliResult, type RunningCli } from '../helpers/cli.js';
import { rawRequest } from '../helpers/raw-http.js';
import { startRecordingServer } from '../helpers/recording-server.js';

// Issue 11, item 4: whoever reaches the listener (with --host 0.0.0.0 or --tunnel, the public) chooses
// the event name, body and headers, signed or not; an API chooses what it says of a webhook. None of
// it may reach a terminal as a control sequence: not from listen, nor events list|show, nor webhooks.

const t = homePerTest('datachonk-e2e-escapes-');
const SECRET = 'whsec_e2e_escapes';
const env = { DATACHONK_WEBHOOK_SECRET: SECRET };

/** An OSC title, a screen clear, an OSC 8 link, an 8-bit CSI and a right-to-left override. */
const EVIL = '\u001b]0;pwned\u0007\u001b[2J\u001b]8;;https://evil.example\u001b\\link\u009b31m\u202e';
const SHOWN = '\\x1b]0;pwned\\x07\\x1b[2J\\x1b]8;;https://evil.example\\x1b\\link\\u009b31m\\u202e';
/** What a terminal would act on (no colours here: NO_COLOR is set, so there is no ESC of ours either). */

const RAW = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/;

const expectClean = (...outputs: string[]) => {
  for (const output of outputs) expect(output).not.toMatch(RAW);
};

const event = (id: string, name: string) =>
  JSON.stringify({
    id,
    event: name,
    created_at: '2026-11-29T14:55:54Z',
    project_id: 'proj_1',
    data: { chonk_name: EVIL, note: `line one\n\t${EVIL}` },
  });

/**
 * A header with an 8-bit CSI: Node's client sends it as UTF-8 (C2 9B), and the listener's Node reads
 * header bytes as latin1, so it arrives as "Â" and the CSI U+009B. (A character past U+00FF, as a bidi
 * override, cannot arrive in a header at all.)
 */
const HEADER = 'a\u009b2J';
const HEADER_RECEIVED = 'a\u00c2\u009b2J';
const HEADER_SHOWN = 'a\u00c2\\u009b2J';

/** What the public may send: a signed event named EVIL, the same unsigned, and a signed body that is no JSON at all. */
async function sendHostile(url: string): Promise<{ signed: string; unsigned: string; notJson: string }> {
  const signed = event('evt_signed1', EVIL);
  const unsigned = event('evt_unsigned1', EVIL);
  const notJson = `not json ${EVIL}`;
  const header = { 'x-evil': HEADER };
  expect(
    (await rawRequest(url, { headers: { ...header, 'x-datachonk-signature': sign(SECRET, signed) }, body: signed }))
      .status,
  ).toBe(200);
  expect(
    (
      await rawRequest(url, {
        headers: { ...header, 'x-datachonk-signature': sign('whsec_other', unsigned) },
        body: unsigned,
      })
    ).status,
  ).toBe(401);
  expect(
    (await rawRequest(url, { headers: { ...header, 'x-datachonk-signature': sign(SECRET, notJson) }, body: notJson }))
      .status,
  ).toBe(400);
  return { signed, unsigned, notJson };
}

async function listener(args: string[]): Promise<RunningCli> {
  return t.started(await startCli(['listen', '--port', '0', ...args], { home: t.home, env }));
}

const cli = (args: string[]): Promise<CliResult> => runCli(args, { home: t.home, env });

describe('nothing from outside reaches a terminal raw (the built binary)', () => {
  it('listen --verbose, then events list and events show: every hostile text is shown escaped', async () => {
    const app = t.opened(await startRecordingServer((_req, res) => res.end(`{"app":"${EVIL}"}`)));
    const running = await listener(['--verbose', '--forward', app.origin]);
    await sendHostile(listeningUrl(running.stderr()));
    await running.waitForStdout(/rejected: the body is not JSON/);
    expect(await running.stop('SIGINT')).toBe(0);
    expectClean(running.stdout(), running.stderr());
    expect(running.stdout()).toContain(`--> ${SHOWN} [evt_signed1] ${SHOWN}`);
    expect(running.stdout()).toContain(`${SHOWN} [evt_unsigned1] rejected: invalid signature`);
    expect(running.stdout()).toContain(`x-evil: ${HEADER_SHOWN}`);
    expect(running.stdout()).toContain(`{"app":"${SHOWN}"}`);

    const listed = await cli(['events', 'list']);
    expect(listed.code, listed.stderr).toBe(0);
    expectClean(listed.stdout, listed.stderr);
    expect(listed.stdout.match(new RegExp(SHOWN.replace(/[\\[\]]/g, '\\$&'), 'g'))).toHaveLength(2);
    for (const id of ['evt_signed1', 'evt_unsigned1']) {
      const show = await cli(['events', 'show', id]);
      expect(show.code, show.stderr).toBe(0);
      expectClean(show.stdout, show.stderr);
      // The body, pretty-printed, keeps its layout: the JSON's own escapes (\n, \t, \u…) stay escapes.
      expect(show.stdout).toContain('"chonk_name": "\\u001b]0;pwned\\u0007\\u001b[2J');
      expect(show.stdout).toContain('\\u009b31m\\u202e');
      expect(show.stdout).toContain(`x-evil: ${HEADER_SHOWN}`);
    }
    const records = (await cli(['--json', 'events', 'list'])).stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { rid: string; event: string | null });
    const notJson = await cli(['events', 'show', records.find((r) => r.event === null)!.rid]);
    expect(notJson.code, notJson.stderr).toBe(0);
    expectClean(notJson.stdout);
    expect(notJson.stdout).toContain(`Body\nnot json ${SHOWN}\n`);
  });

  it('listen --json and events show --json: valid JSON with C1 and bidi as \\u escapes, the texts intact once parsed', async () => {
    const running = t.started(await startCli(['--json', 'listen', '--port', '0'], { home: t.home, env }));
    await sendHostile(listeningUrl(running.stderr()));
    await running.waitForStdout(/"reason_code":"not-json"/);
    expect(await running.stop('SIGINT')).toBe(0);
    expectClean(running.stdout(), running.stderr());
    const [ready, ...records] = running
      .stdout()
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(ready).toMatchObject({ type: 'ready' });
    expect(records.map((r) => r.event)).toEqual([EVIL, EVIL, null]);
    expect(records[0]).toMatchObject({ payload: { data: { chonk_name: EVIL } } });
    expect(running.stdout()).toContain('\\u009b31m\\u202e');

    const show = await cli(['--json', 'events', 'show', 'evt_signed1']);
    expect(show.code, show.stderr).toBe(0);
    expectClean(show.stdout, show.stderr);
    expect(JSON.parse(show.stdout)).toMatchObject({ event: EVIL, headers: { 'x-evil': HEADER_RECEIVED } });
  });

  it("events show --raw prints the body's exact bytes, only when asked; with --json it is a usage error", async () => {
    const running = await listener([]);
    const { signed } = await sendHostile(listeningUrl(running.stderr()));
    expect(await running.stop('SIGINT')).toBe(0);
    const shown = await cli(['events', 'show', 'evt_signed1']);
    expect(shown.stdout).not.toContain(signed);
    const raw = await cli(['events', 'show', 'evt_signed1', '--raw']);
    expect(raw.code, raw.stderr).toBe(0);
    expect(raw.stdout).toBe(signed);
    const both = await cli(['--json', 'events', 'show', 'evt_signed1', '--raw']);
    expect(both.code).toBe(2);
    expect(both.stderr).toContain('--raw prints the body alone');
    expect(both.stdout).toBe('');
  });

  it('a signed body nested 100,000 levels deep: forwarded intact, its --json line printed with a placeholder, the listener still up', async () => {
    const app = t.opened(await startRecordingServer());
    const running = t.started(
      await startCli(['--json', 'listen', '--port', '0', '--forward', app.origin], { home: t.home, env }),
    );
    const url = listeningUrl(running.stderr());
    const deep = `{"id":"evt_deep1","event":"generation.completed","created_at":"2026-11-29T14:55:54Z","project_id":"proj_1","data":{"x":${'['.repeat(100_000)}${']'.repeat(100_000)}}}`;
    expect(
      (await rawRequest(url, { headers: { 'x-datachonk-signature': sign(SECRET, deep) }, body: deep })).status,
    ).toBe(200);
    expect((await app.waitFor(1))[0]!.body.toString()).toBe(deep);
    const line = JSON.parse(await running.waitForStdout(/evt_deep1/)) as Record<string, unknown>;
    expect(line).toMatchObject({
      id: 'evt_deep1',
      outcome: 'forwarded',
      payload: '[nested too deeply to print]',
      forwards: [{ status: 200 }],
    });
    expect(running.stderr()).not.toContain('internal error');

    const next = event('evt_after1', 'generation.completed');
    expect(
      (await rawRequest(url, { headers: { 'x-datachonk-signature': sign(SECRET, next) }, body: next })).status,
    ).toBe(200);
    await running.waitForStdout(/evt_after1/);
    expect(await running.stop('SIGINT')).toBe(0);
    const show = await cli(['events', 'show', 'evt_deep1']);
    expect(show.code, show.stderr).toBe(0);
    expect(show.stdout).toContain('"data":{"x":[[[[');
  });

  it('webhooks list and get: a description and URL from the API holding escapes are shown escaped', async () => {
    const emulator = t.started(
      await startCli(['emulator', 'start', '--port', '0', '--memory', '--retry-schedule', 'none'], { home: t.home }),
    );
    const api = {
      DATACHONK_API_URL: /emulator on (http:\/\/\S+)/.exec(emulator.stderr())![1]!,
      DATACHONK_API_KEY: 'dck_e2e_escapes',
    };
    const run = (args: string[]) => runCli(args, { home: t.home, env: api });
    const created = await run([
      '--json',
      'webhooks',
      'create',
      '--url',
      'http://127.0.0.1:9/hook',
      '--events',
      'push.completed',
      '--description',
      EVIL,
    ]);
    expect(created.code, created.stderr).toBe(0);
    const { id } = JSON.parse(created.stdout) as { id: string };
    for (const args of [
      ['webhooks', 'list'],
      ['webhooks', 'get', id],
      ['--json', 'webhooks', 'list'],
    ]) {
      const result = await run(args);
      expect(result.code, result.stderr).toBe(0);
      expectClean(result.stdout, result.stderr);
      expect(result.stdout).toContain(args[0] === '--json' ? '\\u009b31m\\u202e' : SHOWN);
    }
    expectClean(emulator.stdout(), emulator.stderr());
  });
});

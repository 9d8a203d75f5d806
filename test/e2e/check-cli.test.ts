import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { describe, expect, it } from 'vitest';
import { PROBES } from '../../src/core/check/probes.js';
import { startEndpoint, type Flaw } from '../helpers/check-endpoints.js';
import { homePerTest, runCli } from '../helpers/cli.js';
import { closedPort } from '../helpers/recording-server.js';

// `datachonk check` as a user runs it in CI: the built binary, a temporary HOME, endpoints on
// 127.0.0.1:0 (test/helpers/check-endpoints.ts), the secret in the environment.

const SECRET = 'whsec_e2e_check_Zq8vN3p';
const CHECKS = PROBES.length + 1;
const t = homePerTest('datachonk-check-');

async function endpoint(flaw?: Flaw) {
  return t.opened(await startEndpoint(SECRET, flaw));
}

const check = (args: string[], env: Record<string, string> = { DATACHONK_WEBHOOK_SECRET: SECRET }) =>
  runCli(['check', ...args], { home: t.home, env });

const noStackTrace = (text: string) => expect(text).not.toMatch(/\n\s+at .+:\d+:\d+/);

/** The JUnit file, validated and parsed. */
async function junit(file: string) {
  const xml = await readFile(file, 'utf8');
  expect(XMLValidator.validate(xml)).toBe(true);
  expect(xml).not.toContain(SECRET);
  const parsed = new XMLParser({
    ignoreAttributes: false,
    attributeNamePrefix: '',
    isArray: (name) => ['testsuite', 'testcase'].includes(name),
  }).parse(xml);
  const cases = (
    parsed.testsuites.testsuite as { testcase: { name: string; failure?: { message: string } }[] }[]
  ).flatMap((s) => s.testcase);
  return { root: parsed.testsuites as { tests: string; failures: string; skipped: string }, cases };
}

describe('datachonk check (the built binary)', () => {
  it('a correct endpoint: every group reported, exit 0, and a JUnit file of passing testcases', async () => {
    const url = (await endpoint()).url;
    const file = join(t.home, 'report.xml');
    const { code, stdout, stderr } = await check([url, '--junit', file]);
    expect(code, stderr).toBe(0);
    expect(stdout).toContain(
      `Checking ${url} (secret from $DATACHONK_WEBHOOK_SECRET; delivery, forgery, duplicates, forward-compat, bad-input, fidelity, latency)`,
    );
    for (const group of ['delivery', 'forgery', 'duplicates', 'forward-compat', 'bad-input', 'fidelity', 'latency'])
      expect(stdout).toMatch(new RegExp(`^${group}$`, 'm'));
    expect(stdout).toContain(`${CHECKS} checks: ${CHECKS} passed, 0 warnings, 0 failed`);
    const { root, cases } = await junit(file);
    expect(root).toMatchObject({ tests: String(CHECKS), failures: '0' });
    expect(cases).toHaveLength(CHECKS);
    expect(cases.filter((c) => c.failure)).toEqual([]);
  });

  it('an endpoint that accepts everything: exit 1, each forgery a JUnit failure with a message, the secret nowhere', async () => {
    const url = (await endpoint('accepts-everything')).url;
    const file = join(t.home, 'report.xml');
    const { code, stdout, stderr } = await check([
      url,
      '--junit',
      file,
      '--header',
      'Authorization: Bearer tok_app_Wq7e',
    ]);
    expect(code).toBe(1);
    expect(stderr).toContain('error: 9 of 31 checks failed');
    // A header given with --header is named, its value (a token, often) never shown.
    expect(stdout).toContain('+ Authorization');
    expect(`${stdout}${stderr}${await readFile(file, 'utf8')}`).not.toContain('tok_app_Wq7e');
    expect(stdout).toContain('your endpoint does not verify signatures');
    noStackTrace(stderr);
    const { root, cases } = await junit(file);
    expect(root).toMatchObject({ tests: String(CHECKS), failures: '9' });
    const failed = cases.filter((c) => c.failure);
    expect(failed.map((c) => c.name)).toEqual(PROBES.filter((p) => p.group === 'forgery').map((p) => p.name));
    for (const c of failed)
      expect(c.failure!.message).toMatch(
        /^expected a refusal: 400, 401 or 403, got 200: your endpoint does not verify signatures/,
      );
    expect(`${stdout}${stderr}`).not.toContain(SECRET);
  });

  it('a user name and password in the URL go as Basic authorization, the password never shown', async () => {
    const authorization = `Basic ${Buffer.from('ci-user:pa@ss-Kq2w').toString('base64')}`;
    const { url } = t.opened(await startEndpoint(SECRET, undefined, { authorization }));
    const withCredentials = url.replace('http://', 'http://ci-user:pa%40ss-Kq2w@');
    const file = join(t.home, 'report.xml');
    const pretty = await check([withCredentials, '--only', 'delivery', '--junit', file]);
    expect(pretty.code, pretty.stderr).toBe(0);
    expect(pretty.stdout).toContain(`Checking ${url.replace('http://', 'http://ci-user:***@')} (`);
    const json = await check(['--json', withCredentials, '--only', 'delivery']);
    expect(json.code, json.stderr).toBe(0);
    expect(JSON.parse(json.stdout.trim().split('\n').at(-1)!)).toMatchObject({
      type: 'summary',
      url: url.replace('http://', 'http://ci-user:***@'),
    });
    const everything = `${pretty.stdout}${pretty.stderr}${json.stdout}${json.stderr}${await readFile(file, 'utf8')}`;
    const wrong = await check([withCredentials.replace('http://', 'htps://'), '--only', 'delivery']);
    expect(wrong.code).toBe(2);
    expect(wrong.stderr).toContain('"htps://ci-user:***@');
    for (const secret of ['pa@ss-Kq2w', 'pa%40ss-Kq2w', authorization.slice(6)])
      expect(`${everything}${wrong.stderr}`).not.toContain(secret);
  });

  it('--json: one record per check (check, group, status, expected, got, hint), then a summary; no secret, nothing else on stdout', async () => {
    const url = (await endpoint('crashes-on-non-json')).url;
    const { code, stdout } = await check([url, '--json', '--secret', SECRET], {});
    expect(code).toBe(1);
    expect(stdout).not.toContain(SECRET);
    const records = stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    const checks = records.slice(0, -1);
    expect(checks).toHaveLength(CHECKS);
    for (const record of checks) {
      expect(record).toMatchObject({
        type: 'check',
        check: expect.any(String),
        group: expect.any(String),
        status: expect.stringMatching(/^(pass|warn|fail)$/),
        expected: expect.any(String),
        got: expect.any(String),
      });
      expect(record).toHaveProperty('hint');
    }
    expect(checks.find((r) => r.check === 'not-json')).toMatchObject({
      group: 'bad-input',
      status: 'fail',
      expected: '4xx',
      got: '500',
      hint_code: 'bad-input-crash',
      hint: expect.stringContaining('answer 400'),
    });
    expect(records.at(-1)).toEqual(
      expect.objectContaining({
        type: 'summary',
        secret_source: 'flag',
        checks: CHECKS,
        passed: CHECKS - 1,
        warned: 0,
        failed: 1,
        stopped: null,
      }),
    );
  });

  it('--quiet: only the failures and the summary line', async () => {
    const url = (await endpoint('conflict-on-duplicates')).url;
    const { code, stdout } = await check([url, '--quiet']);
    expect(code).toBe(1);
    expect(stdout).not.toContain('Checking');
    expect(stdout.split('\n').filter((line) => /^ {2}[✔⚠✖]/.test(line))).toEqual([
      expect.stringMatching(/✖ same-event-twice +200, then 409/),
      expect.stringMatching(/✖ same-event-at-once +(200 and 409|409 and 200)/),
    ]);
    expect(stdout.trim().split('\n').at(-1)).toMatch(/^31 checks: 29 passed, 0 warnings, 2 failed in /);
  });

  it('an endpoint that is down: one clear failure naming the URL, exit 1, not a wall of failures', async () => {
    const url = `http://127.0.0.1:${await closedPort()}/webhooks/datachonk`;
    const file = join(t.home, 'report.xml');
    const { code, stdout, stderr } = await check([url, '--junit', file]);
    expect(code).toBe(1);
    expect(stderr).toContain(`error: cannot reach ${url}: connection refused`);
    expect(stderr).toContain('hint: is your app running, and listening on 127.0.0.1:');
    expect(stdout.match(/✖/g)).toHaveLength(1);
    expect(stdout).toContain('1 check: 0 passed, 0 warnings, 1 failed, 30 not run (stopped)');
    noStackTrace(stderr);
    // Every check asked for is in the file: the one that ran failed, the others not run are skipped.
    const written = await junit(file);
    expect(written.cases).toHaveLength(31);
    expect(written.cases.filter((c) => typeof c === 'object' && 'skipped' in c)).toHaveLength(30);
    expect(written.root).toMatchObject({ tests: '31', failures: '1', skipped: '30' });
  });

  it("another secret than the endpoint's: one clear failure that says where the secret came from", async () => {
    const url = (await endpoint()).url;
    const { code, stderr } = await check([url], {});
    expect(code).toBe(1);
    expect(stderr).toContain('refused a correctly signed event with 401');
    expect(stderr).toContain('from the local dev secret');
    expect(stderr).toContain('--secret');
  });

  it('a path nothing answers: one clear failure (wrong path?), exit 1', async () => {
    const url = (await endpoint()).url.replace('/webhooks/datachonk', '/webhooks');
    const { code, stdout, stderr } = await check([url]);
    expect(code).toBe(1);
    expect(stderr).toContain(`error: ${url} answered 404 to a webhook POST: nothing receives webhooks at that path`);
    expect(stderr).toContain('hint: is the path right?');
    expect(stdout.match(/✖/g)).toHaveLength(1);
  });

  it.each([
    [
      ['--only', 'forgery,nope'],
      'unknown group "nope"; the groups are delivery, forgery, duplicates, forward-compat, bad-input, fidelity, latency',
    ],
    [['--timeout', '10x'], 'expected a duration like 10s, 500ms or 2m, got "10x"'],
    [['--slow', '0'], 'expected a duration of more than zero'],
    [
      ['--only', 'forgery', '--skip', 'delivery'],
      "option '--only <groups>' cannot be used with option '--skip <groups>'",
    ],
    [['--expect-reject', '200'], 'expected a whole number from 400 to 499'],
    [['--junit', '/nonexistent-folder/report.xml'], 'cannot write the --junit file /nonexistent-folder/report.xml'],
  ])('%j is a usage error (exit 2): %s', async (args, message) => {
    const url = (await endpoint()).url;
    const { code, stderr } = await check([url, ...args]);
    expect(stderr).toContain(message);
    expect(code).toBe(2);
    noStackTrace(stderr);
  });

  it('a URL that is not http(s) is a usage error (exit 2) with an example', async () => {
    const { code, stderr } = await check(['localhost:3000']);
    expect(code).toBe(2);
    expect(stderr).toContain('"localhost:3000" is not an http:// or https:// URL');
    expect(stderr).toContain('datachonk check http://localhost:3000/webhooks/datachonk');
  });
});

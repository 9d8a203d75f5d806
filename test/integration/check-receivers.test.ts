import { afterEach, describe, expect, it } from 'vitest';
import { startListener } from '../../src/listener.js';
import { startEndpoint, type Flaw } from '../helpers/check-endpoints.js';
import { testContext, type TestContext } from '../helpers/context.js';
import { exitCode } from '../helpers/program.js';
import { startPythonReceiver, type PythonMode } from '../helpers/python-receiver.js';

// `datachonk check` against receivers of other stacks, each wrong the way receivers in that language
// often are: a real Python one (python3's http.server, hmac.compare_digest on str, json.dumps), and
// Node ones that imitate the others by their behaviour and their Server header. Each must be told the
// real cause, in its language; and a `datachonk listen` in front of an app must be recognised.

const SECRET = 'whsec_check_receivers_s3cret';

let ctx: TestContext | undefined;
const opened: { close(): Promise<void> }[] = [];

afterEach(async () => {
  for (const server of opened.splice(0)) await server.close();
  await ctx?.cleanup();
  ctx = undefined;
});

interface Record_ {
  type: string;
  check: string;
  group: string;
  status: 'pass' | 'warn' | 'fail';
  hint: string | null;
  hint_code: string | null;
  [key: string]: unknown;
}

async function check(url: string, extra: string[] = []) {
  ctx = await testContext({ env: { DATACHONK_WEBHOOK_SECRET: SECRET } });
  const code = await exitCode(ctx, ['--json', 'check', url, ...extra]);
  const records = ctx.stdout.records as unknown as Record_[];
  const checks = records.filter((r) => r.type === 'check');
  return { code, checks, summary: records.at(-1)!, stderr: ctx.stderr.text };
}

function notPassed(checks: readonly Record_[]): Record<string, string> {
  return Object.fromEntries(
    checks.filter((r) => r.status !== 'pass').map((r) => [`${r.group}/${r.check}`, `${r.status} ${r.hint_code}`]),
  );
}

const hintOf = (checks: readonly Record_[], name: string) => checks.find((r) => r.check === name)?.hint ?? '';

async function python(mode: PythonMode) {
  const receiver = await startPythonReceiver(SECRET, mode);
  opened.push(receiver);
  return receiver.url;
}

async function node(flaw: Flaw, server?: string) {
  const endpoint = await startEndpoint(SECRET, flaw, server ? { server } : {});
  opened.push(endpoint);
  return endpoint.url;
}

describe('check: the first refusal is diagnosed before the run stops', () => {
  it('a Python receiver verifying json.dumps(body): the re-serialized body is named, not the secret', async () => {
    const { code, summary, stderr } = await check(await python('dumps'));
    expect(summary).toMatchObject({ stopped: 'refused-signed', refusal: 'reserialized:python', stack: 'python' });
    expect(stderr).toContain(
      'but accepted the same event signed another way: your endpoint verifies a re-serialized body (Python json.dumps); the secret is right',
    );
    expect(stderr).toContain('request.get_data()');
    expect(stderr).not.toContain('does not verify with the secret');
    expect(code).toBe(1);
  });

  it('a Java receiver comparing uppercase hex (Server: Jetty): "compares uppercase hex", the fix in Java', async () => {
    const { code, summary, stderr } = await check(await node('uppercase-hex', 'Jetty(12.0.5)'));
    expect(summary).toMatchObject({ stopped: 'refused-signed', refusal: 'uppercase-hex', stack: 'java' });
    expect(stderr).toContain('your endpoint compares uppercase hex; the secret is right');
    expect(stderr).toContain('HexFormat.of().formatHex');
    expect(code).toBe(1);
  });

  it('another secret: every usual mistake refused too, so the secret is named', async () => {
    const started = await startEndpoint('whsec_not_the_one');
    opened.push(started);
    const { summary, stderr } = await check(started.url);
    expect(summary).toMatchObject({ stopped: 'refused-signed', refusal: 'secret' });
    expect(stderr).toMatch(/signed \d usual wrong ways too .*: it does not verify with the secret check used/);
  });
});

describe('check: non-ASCII and non-hex signatures, raw UTF-8 bodies', () => {
  it('a Python receiver comparing str with hmac.compare_digest drops the connection on a non-ASCII header: that alone fails, with the Python fix', async () => {
    const { code, checks } = await check(await python('raw'));
    expect(notPassed(checks)).toEqual({ 'forgery/non-ascii-signature': 'fail non-ascii-crash' });
    expect(hintOf(checks, 'non-ascii-signature')).toContain(
      'compare bytes, not str: hmac.compare_digest(expected.encode(), header.encode())',
    );
    expect(code).toBe(1);
  });

  it('a compact json.dumps re-serializer passes \\u escapes by coincidence, and fails raw UTF-8, named', async () => {
    const { checks } = await check(await python('dumps-compact'));
    expect(notPassed(checks)).toMatchObject({ 'fidelity/raw-utf8': 'fail non-ascii-refused' });
    expect(notPassed(checks)['fidelity/unicode-escapes']).toBeUndefined();
    expect(hintOf(checks, 'raw-utf8')).toContain(
      "your endpoint verifies a re-serialized body (Python json.dumps(separators=(',', ':')))",
    );
  });

  it('Werkzeug answering 500 to a non-ASCII header (str compare): the fix is given in Python, not Node', async () => {
    const { checks, summary } = await check(await node('str-compare', 'Werkzeug/3.0.1 Python/3.12.1'));
    expect(notPassed(checks)).toEqual({ 'forgery/non-ascii-signature': 'fail non-ascii-crash' });
    expect(summary).toMatchObject({ stack: 'python' });
    const hint = hintOf(checks, 'non-ascii-signature');
    expect(hint).toContain('hmac.compare_digest(expected.encode(), header.encode())');
    expect(hint).toContain('your endpoint looks like Python');
    expect(hint).not.toContain('timingSafeEqual');
  });

  it('a receiver decoding hex first (bytes.fromhex, hex.DecodeString) fails on a non-hex signature', async () => {
    const { checks } = await check(await node('decodes-hex'));
    expect(notPassed(checks)).toEqual({
      'forgery/garbage-signature': 'fail non-hex-crash',
      'forgery/non-ascii-signature': 'fail non-ascii-crash',
      // Its own error, said as it answered it.
      'forgery/empty-signature': 'fail forgery-error',
      'forgery/sha1-signature': 'fail forgery-error',
    });
    expect(hintOf(checks, 'sha1-signature')).toContain('"non-hexadecimal number found in fromhex() arg"');
  });
});

describe('check: what a verifying endpoint that fails forgeries really does', () => {
  it('a startsWith comparison: "compares only a prefix", not "does not verify"', async () => {
    const { checks } = await check(await node('prefix-compare'));
    expect(notPassed(checks)).toEqual({
      'forgery/truncated-signature': 'fail prefix-compare',
      'forgery/empty-signature': 'fail prefix-compare',
    });
    expect(hintOf(checks, 'truncated-signature')).toContain('it compares only a prefix');
  });

  it("octokit's own error on an empty signature is said as it answered, not blamed on timingSafeEqual", async () => {
    const { checks } = await check(await node('throws-own-error'));
    expect(notPassed(checks)).toEqual({ 'forgery/empty-signature': 'fail forgery-error' });
    const hint = hintOf(checks, 'empty-signature');
    expect(hint).toContain('"[@octokit/webhooks-methods] secret, eventPayload & signature required"');
    expect(hint).not.toContain('timingSafeEqual');
  });
});

describe('check: through `datachonk listen`', () => {
  async function listenerInFrontOf(flaw: Flaw) {
    const app = await node(flaw);
    const listener = await startListener({ forward: app, secret: SECRET });
    opened.push(listener);
    return listener.url;
  }

  it("in front of an app that verifies nothing: the listener's refusals fail, and check says it is testing the listener", async () => {
    const { code, checks, summary } = await check(await listenerInFrontOf('accepts-everything'));
    const failed = notPassed(checks);
    expect(Object.keys(failed).filter((name) => name.startsWith('forgery/'))).toHaveLength(
      checks.filter((r) => r.group === 'forgery').length,
    );
    expect(new Set(Object.values(failed))).toEqual(new Set(['fail listener-answered']));
    expect(summary.answered_by_listener as number).toBeGreaterThan(0);
    expect(code).toBe(1);
    await ctx!.cleanup();
    ctx = await testContext({ env: { DATACHONK_WEBHOOK_SECRET: SECRET } });
    await exitCode(ctx, ['check', summary.url as string, '--only', 'forgery']);
    expect(ctx.stdout.text).toContain(
      'came from `datachonk listen` itself, not from your app: check is testing the listener in front of your app',
    );
  });

  it('--through-listener: testing the listener is intended, its refusals pass', async () => {
    const { code, checks } = await check(await listenerInFrontOf('accepts-everything'), ['--through-listener']);
    expect(notPassed(checks)).toEqual({});
    expect(code).toBe(0);
  });
});

describe('trigger: a refusal diagnosed, a listener counted as the listener', () => {
  async function trigger(url: string, extra: string[] = []) {
    ctx = await testContext({ env: { DATACHONK_WEBHOOK_SECRET: SECRET } });
    const code = await exitCode(ctx, ['trigger', 'generation.completed', '--url', url, ...extra]);
    return { code, stderr: ctx.stderr.text };
  }

  it('a Python receiver verifying json.dumps(body): the hint names it, not the secret', async () => {
    const { code, stderr } = await trigger(await python('dumps'));
    expect(stderr).toContain('your endpoint verifies a re-serialized body (Python json.dumps)');
    expect(stderr).toContain('so the secret is right');
    expect(stderr).not.toContain('another secret');
    expect(code).toBe(1);
  });

  it('a receiver comparing uppercase hex (Server: Kestrel): named, the fix in C#', async () => {
    const { stderr } = await trigger(await node('uppercase-hex', 'Kestrel'));
    expect(stderr).toContain('your endpoint compares uppercase hex');
    expect(stderr).toContain('ToLowerInvariant()');
  });

  it('another secret: still the secret, after the usual mistakes were refused too', async () => {
    const started = await startEndpoint('whsec_not_the_one');
    opened.push(started);
    const { stderr } = await trigger(started.url);
    expect(stderr).toMatch(
      /most often it verifies with another secret.*\(it refused the same event signed \d usual wrong ways too\)/,
    );
  });

  it("--signature invalid --expect-status 401 through a listener: the listener's 401 is not the app's, exit 1", async () => {
    const app = await node('accepts-everything');
    const listener = await startListener({ forward: app, secret: SECRET });
    opened.push(listener);
    const { code, stderr } = await trigger(listener.url, ['--signature', 'invalid', '--expect-status', '401']);
    expect(stderr).toContain('answered 401 itself, not your app: your app never saw the request');
    expect(stderr).toContain('--through-listener');
    expect(code).toBe(1);
    await ctx!.cleanup();
    const intended = await trigger(listener.url, [
      '--signature',
      'invalid',
      '--expect-status',
      '401',
      '--through-listener',
    ]);
    expect(intended.code).toBe(0);
  });
});

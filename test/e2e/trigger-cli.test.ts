import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { EVENT_TYPES } from '../../src/core/events/catalogue.js';
import { sign, verify } from '../../src/core/signing/signature.js';
import { startSampleReceiver, type SampleReceiver } from '../helpers/doc-sample-receiver.js';
import { cliPaths, homePerTest, runCli } from '../helpers/cli.js';
import { expectMode } from '../helpers/platform.js';
import { closedPort, startRecordingServer } from '../helpers/recording-server.js';

const SECRET = 'whsec_e2e_secret';
const t = homePerTest('datachonk-e2e-');
let receiver: SampleReceiver;
beforeEach(async () => {
  receiver = t.opened(await startSampleReceiver(SECRET));
});

const noStackTrace = (text: string) => expect(text).not.toMatch(/\n\s+at .+:\d+:\d+/);

describe('datachonk trigger against the DataChonk doc sample receiver', () => {
  it('every event type is accepted', async () => {
    const result = await runCli(['trigger', '--all', '--url', receiver.url, '--secret', SECRET], { home: t.home });
    expect(result.stderr).toBe('Signing with the --secret value\n');
    expect(result.code).toBe(0);
    expect(receiver.accepted.map((e) => e.event).sort()).toEqual([...EVENT_TYPES].sort());
    expect(receiver.rejected).toBe(0);
  });

  it('every event type is accepted with --set overrides', async () => {
    for (const event of EVENT_TYPES) {
      const result = await runCli(
        [
          'trigger',
          event,
          '--url',
          receiver.url,
          '--secret',
          SECRET,
          '--set',
          'project_id=proj_e2e',
          '--set',
          'data.note=überprüft ✓',
          '--set',
          'data.weight=1.5',
        ],
        { home: t.home },
      );
      expect(result.code, result.stderr).toBe(0);
    }
    expect(receiver.accepted).toHaveLength(EVENT_TYPES.length);
    for (const received of receiver.accepted) {
      expect(received.body.project_id).toBe('proj_e2e');
      expect(received.data).toMatchObject({ note: 'überprüft ✓', weight: 1.5 });
    }
  });

  it('--signature invalid --expect-status 401 exits 0 (the app rejects forgeries)', async () => {
    const result = await runCli(
      [
        'trigger',
        'generation.completed',
        '--url',
        receiver.url,
        '--secret',
        SECRET,
        '--signature',
        'invalid',
        '--expect-status',
        '401',
      ],
      { home: t.home },
    );
    expect(result.code).toBe(0);
    expect(receiver.rejected).toBe(1);
    expect(receiver.accepted).toHaveLength(0);
  });

  it('a wrong --secret exits 1 and says what the app answered', async () => {
    const result = await runCli(['trigger', 'generation.completed', '--url', receiver.url, '--secret', 'whsec_wrong'], {
      home: t.home,
    });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('your app answered 401');
    expect(result.stdout).toContain('[401]');
    noStackTrace(result.stderr);
  });

  it('an app answering 500 exits 1', async () => {
    receiver.failWith = 500;
    const result = await runCli(['trigger', 'push.completed', '--url', receiver.url, '--secret', SECRET], {
      home: t.home,
    });
    expect(result.code).toBe(1);
    expect(receiver.accepted).toHaveLength(1);
  });
});

describe('datachonk trigger sends numbers as typed', () => {
  const BIG = '12345678901234567890';

  it.each([
    ['--set', ['--set', `data.external_ref=${BIG}`]],
    ['--data', ['--data', `{"data":{"external_ref":${BIG}}}`]],
  ])('%s data.external_ref=12345678901234567890 arrives with those digits, signed over them', async (_flag, args) => {
    const app = t.opened(await startRecordingServer());
    const result = await runCli(['trigger', 'generation.completed', '--url', app.url, '--secret', SECRET, ...args], {
      home: t.home,
    });
    expect(result.code, result.stderr).toBe(0);
    const [received] = await app.waitFor(1);
    const body = received!.body.toString('utf8');
    expect(body).toContain(`"external_ref":${BIG}}`);
    expect(body).not.toContain('12345678901234567000');
    expect(verify(SECRET, received!.body, received!.headers['x-datachonk-signature'])).toEqual({
      ok: true,
      secretIndex: 0,
    });
  });

  it('--dry-run --json prints the same digits in the body it signed, and in its curl command', async () => {
    const result = await runCli(
      [
        '--json',
        'trigger',
        'generation.completed',
        '--dry-run',
        '--secret',
        SECRET,
        '--set',
        `data.external_ref=${BIG}`,
        '--data',
        '{"data":{"ratio":1.0000000000000000001,"far":1e400}}',
      ],
      { home: t.home },
    );
    expect(result.code, result.stderr).toBe(0);
    const record = JSON.parse(result.stdout) as { body: string; headers: Record<string, string>; curl: string };
    expect(record.body).toContain(`"ratio":1.0000000000000000001,"far":1e400,"external_ref":${BIG}}`);
    expect(record.curl).toContain(`"external_ref":${BIG}}`);
    expect(verify(SECRET, record.body, record.headers['x-datachonk-signature'])).toEqual({ ok: true, secretIndex: 0 });
  });
});

describe('datachonk trigger on its own', () => {
  it('generation.complete exits 2 and suggests generation.completed', async () => {
    const result = await runCli(['trigger', 'generation.complete'], { home: t.home });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('did you mean generation.completed?');
    expect(result.stdout).toBe('');
    noStackTrace(result.stderr);
  });

  it('an invalid payload exits 2 naming the field; --no-validate sends it', async () => {
    const bad = await runCli(
      ['trigger', 'generation.completed', '--url', receiver.url, '--set', 'data.chonk_type=mart'],
      { home: t.home },
    );
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('data.chonk_type');
    expect(receiver.accepted).toHaveLength(0);
    const sent = await runCli(
      [
        'trigger',
        'generation.completed',
        '--url',
        receiver.url,
        '--secret',
        SECRET,
        '--set',
        'data.chonk_type=mart',
        '--no-validate',
      ],
      { home: t.home },
    );
    expect(sent.code).toBe(0);
    expect(receiver.accepted[0]!.data.chonk_type).toBe('mart');
  });

  it('nothing listening exits 1 and asks whether the app or the listener runs', async () => {
    const port = await closedPort();
    const result = await runCli(['trigger', 'generation.completed', '--url', `http://127.0.0.1:${port}/webhooks`], {
      home: t.home,
    });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`is your app, or \`datachonk listen\`, running on 127.0.0.1:${port}?`);
    noStackTrace(result.stderr);
  });

  it('--json puts only NDJSON on stdout: a record per delivery, then the summary', async () => {
    const result = await runCli(
      ['--json', 'trigger', '--all', '--count', '2', '--url', receiver.url, '--secret', SECRET],
      { home: t.home },
    );
    expect(result.code).toBe(0);
    const records = result.stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { type: string; event?: string });
    const sent = 2 * EVENT_TYPES.length;
    const delivered = records.filter((r) => r.type === 'delivery');
    expect(delivered).toHaveLength(sent);
    for (const event of EVENT_TYPES) expect(delivered.filter((r) => r.event === event)).toHaveLength(2);
    expect(records.at(-1)).toMatchObject({ type: 'summary', sent, ok: sent, failed: 0 });
  });

  it('sign makes the dev secret on first use, in a 0600 file in a 0700 folder, and signs with it', async () => {
    const body = join(t.home, 'body.json');
    await writeFile(body, '{"hello":"world"}');
    const signed = await runCli(['sign', '--file', body], { home: t.home });
    expect(signed.code).toBe(0);
    const { configFile, configDir } = cliPaths(t.home);
    await expectMode(configFile, 0o600);
    await expectMode(configDir, 0o700);
    const { dev_secret: devSecret } = JSON.parse(await readFile(configFile, 'utf8')) as { dev_secret: string };
    expect(devSecret).toMatch(/^whsec_[A-Za-z0-9_-]{43}$/);
    expect(signed.stdout.trim()).toBe(sign(devSecret, '{"hello":"world"}'));
  });

  it('verify checks with the dev secret: valid from a file or stdin, a changed body or a malformed signature exits 1', async () => {
    const body = join(t.home, 'body.json');
    await writeFile(body, '{"hello":"world"}');
    const signature = (await runCli(['sign', '--file', body], { home: t.home })).stdout.trim();

    const ok = await runCli(['verify', '--signature', signature, '--file', body], { home: t.home });
    expect(ok.code).toBe(0);
    expect(ok.stderr).toContain('the signature is valid');
    const piped = await runCli(['verify', '--signature', signature], { home: t.home, input: '{"hello":"world"}' });
    expect(piped.code).toBe(0);
    const tampered = await runCli(['verify', '--signature', signature], { home: t.home, input: '{"hello":"World"}' });
    expect(tampered.code).toBe(1);
    expect(tampered.stderr).toContain('does not match');
    const malformed = await runCli(['verify', '--signature', 'sha256=abc!', '--file', body], { home: t.home });
    expect(malformed.code).toBe(1);
    expect(malformed.stderr).toContain('not of the form sha256=<64 lowercase hex digits>');
  });

  it('verify refuses the right signature in upper-case hex or with whitespace, naming the near miss, exit 1', async () => {
    const body = join(t.home, 'body.json');
    await writeFile(body, '{"hello":"world"}');
    const signature = (await runCli(['sign', '--file', body], { home: t.home })).stdout.trim();
    const upper = signature.toUpperCase().replace('SHA256=', 'sha256=');

    const pretty = await runCli(['verify', '--signature', upper, '--file', body], { home: t.home });
    expect(pretty.code).toBe(1);
    expect(pretty.stderr).toContain('invalid signature: the signature is right, but written in uppercase hex');
    expect(pretty.stderr).toContain(
      'fix the sender to write the header exactly as DataChonk does: sha256=<64 lowercase hex digits>',
    );
    noStackTrace(pretty.stderr);
    const json = await runCli(['--json', 'verify', '--signature', ` ${signature}`, '--file', body], { home: t.home });
    expect(json.code).toBe(1);
    expect(JSON.parse(json.stdout)).toMatchObject({
      valid: false,
      reason: 'malformed_header',
      verify_reason: 'whitespace',
      message: expect.stringContaining('whitespace around it'),
    });
  });

  it('honours XDG_CONFIG_HOME for the dev secret', async () => {
    const xdg = join(t.home, 'xdg');
    const result = await runCli(['sign'], { home: t.home, input: 'x', env: { XDG_CONFIG_HOME: xdg } });
    expect(result.code).toBe(0);
    const file = join(xdg, 'datachonk', 'config.json');
    expect(JSON.parse(await readFile(file, 'utf8'))).toHaveProperty('dev_secret');
    await expectMode(file, 0o600);
  });

  it('a damaged config file is a clear error, not a stack trace', async () => {
    const dir = cliPaths(t.home).configDir;
    await import('node:fs/promises').then((fs) => fs.mkdir(dir, { recursive: true }));
    await writeFile(join(dir, 'config.json'), '{oops');
    const result = await runCli(['trigger', 'chonk.created', '--dry-run'], { home: t.home });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('is not valid JSON');
    noStackTrace(result.stderr);
  });

  it('--version prints the package version', async () => {
    const { version } = JSON.parse(await readFile(new URL('../../package.json', import.meta.url), 'utf8')) as {
      version: string;
    };
    const result = await runCli(['--version'], { home: t.home });
    expect(result.stdout.trim()).toBe(version);
  });

  it('--help shows the exit-code table', async () => {
    const help = (await runCli(['--help'], { home: t.home })).stdout;
    const table = help.slice(help.indexOf('Exit codes:'));
    for (const [code, meaning] of [
      ['0', 'success'],
      ['1', 'failure'],
      ['2', 'usage error'],
      ['130', 'interrupted'],
    ]) {
      expect(table).toMatch(new RegExp(`\\n\\s+${code}\\s+${meaning}`));
    }
  });

  it('--list gives every event type a line of its own, with a description', async () => {
    const list = await runCli(['trigger', '--list'], { home: t.home });
    const listed = list.stdout
      .trim()
      .split('\n')
      .map((line) => /^(\S+)\s+\S/.exec(line)?.[1]);
    expect(listed).toEqual([...EVENT_TYPES]);
  });

  it('an unknown flag is a usage error naming it', async () => {
    const unknown = await runCli(['trigger', '--nope'], { home: t.home });
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain("unknown option '--nope'");
  });

  it('--signature with a bad mode is a usage error', async () => {
    const result = await runCli(['trigger', 'chonk.created', '--signature', 'bogus'], { home: t.home });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('Allowed choices are valid, invalid, missing');
  });
});

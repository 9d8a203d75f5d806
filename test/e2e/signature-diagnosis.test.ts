import { createHmac } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { sign } from '../../src/core/signing/signature.js';
import { homePerTest, listeningUrl, runCli, startCli } from '../helpers/cli.js';
import { startRecordingServer } from '../helpers/recording-server.js';

// Issue 13, items 2-4 with the built binary: `verify --explain`/`--json` name the cause of a failed
// signature; the listener says it on each rejected line and in --json; `listen --secret` twice
// accepts both ends of a rotation.

const t = homePerTest('datachonk-e2e-diagnosis-');
const SECRET = 'whsec_diagnosis_e2e';
const RAW =
  '{"id":"evt_diag1","event":"chonk.deleted","created_at":"2026-11-26T10:00:00Z","project_id":"proj_1","data":{"chonk_id":"chonk_1","chonk_name":"dim_é","chonk_type":"entity"}}';
const PRETTY = JSON.stringify(JSON.parse(RAW), null, 2);

async function file(name: string, text: string): Promise<string> {
  const path = join(t.home, name);
  await writeFile(path, text);
  return path;
}

/** `datachonk --json verify` of `body` against `signature`: its record, exit code and everything it wrote. */
async function verifyJson(
  body: string,
  signature: string,
  extra: { args?: string[]; env?: Record<string, string> } = {},
) {
  const args = [
    '--json',
    'verify',
    '--signature',
    signature,
    '--file',
    await file('body.json', body),
    ...(extra.args ?? ['--secret', SECRET]),
  ];
  const result = await runCli(args, { home: t.home, env: extra.env });
  return { ...result, record: JSON.parse(result.stdout) as Record<string, unknown> };
}

describe('datachonk verify: the cause of a signature that does not match', () => {
  it.each<[string, () => Promise<Awaited<ReturnType<typeof verifyJson>>>, Record<string, unknown>]>([
    [
      'a body re-serialized pretty',
      () => verifyJson(PRETTY, sign(SECRET, RAW)),
      { reason: 'body_reserialized', form: 'compact' },
    ],
    ['a newline added by an editor', () => verifyJson(`${RAW}\n`, sign(SECRET, RAW)), { reason: 'trailing_newline' }],
    [
      'a secret read with its newline',
      () => verifyJson(RAW, sign(SECRET, RAW), { args: ['--secret', `${SECRET}\n`] }),
      { reason: 'secret_whitespace' },
    ],
    [
      'an old secret given with --also-secret',
      () =>
        verifyJson(RAW, sign('whsec_old_one', RAW), { args: ['--secret', SECRET, '--also-secret', 'whsec_old_one'] }),
      { reason: 'wrong_secret', matched_secret: 'the --also-secret value' },
    ],
    [
      'the secret in the environment, while checking with --secret',
      () => verifyJson(RAW, sign('whsec_from_env', RAW), { env: { DATACHONK_WEBHOOK_SECRET: 'whsec_from_env' } }),
      { reason: 'wrong_secret', matched_secret: 'the secret in DATACHONK_WEBHOOK_SECRET' },
    ],
    [
      'the API key used as the secret',
      () => verifyJson(RAW, sign('dck_test_key_123', RAW), { env: { DATACHONK_API_KEY: 'dck_test_key_123' } }),
      { reason: 'api_key_as_secret', matched_secret: 'the API key in DATACHONK_API_KEY' },
    ],
    [
      'an HMAC-SHA1 signature',
      () => verifyJson(RAW, `sha1=${createHmac('sha1', SECRET).update(RAW).digest('hex')}`),
      { reason: 'wrong_scheme', algorithm: 'sha1' },
    ],
    [
      'uppercase hex',
      () => verifyJson(RAW, sign(SECRET, RAW).toUpperCase().replace('SHA256', 'sha256')),
      { reason: 'malformed_header', verify_reason: 'uppercase-hex' },
    ],
    [
      'another secret nobody knows',
      () => verifyJson(RAW, sign('whsec_nobody', RAW)),
      { reason: 'unknown', verify_reason: 'mismatch' },
    ],
  ])('%s', async (_name, run, expected) => {
    const result = await run();
    expect(result.code).toBe(1);
    expect(result.record).toMatchObject({ valid: false, ...expected });
    expect(result.record.hint).toEqual(expect.any(String));
    for (const secret of ['whsec_old_one', 'whsec_from_env', 'dck_test_key_123', SECRET]) {
      expect(result.stdout + result.stderr).not.toContain(secret);
    }
  });

  it('names the local dev secret when the signature was made with it', async () => {
    const dev = (await runCli(['listen', '--print-secret'], { home: t.home })).stdout.trim();
    const result = await verifyJson(RAW, sign(dev, RAW));
    expect(result.record).toMatchObject({ reason: 'wrong_secret', matched_secret: 'the local dev secret' });
    expect(result.stdout + result.stderr).not.toContain(dev);
  });

  it('--explain says the cause, the fix and what it tried, and still exits 1', async () => {
    const args = [
      'verify',
      '--explain',
      '--secret',
      SECRET,
      '--signature',
      sign(SECRET, RAW),
      '--file',
      await file('pretty.json', PRETTY),
    ];
    const result = await runCli(args, { home: t.home });
    expect(result.code).toBe(1);
    expect(result.stdout).toContain('reason:   body_reserialized');
    expect(result.stdout).toContain('JSON.stringify(JSON.parse(body))');
    expect(result.stdout).toMatch(/fix: +the signer or the verifier parsed the JSON/);
    expect(result.stdout).toContain('checked:  with the --secret value, over the bytes of');
    expect(result.stderr).toMatch(/^error: invalid signature: the signature was made over the body re-serialized/m);
    expect(result.stdout + result.stderr).not.toContain(SECRET);
  });

  it('--expected-body: body_modified, and where the bodies first differ', async () => {
    const changed = RAW.replace('dim_é', 'dim_e');
    const args = [
      'verify',
      '--secret',
      SECRET,
      '--signature',
      sign(SECRET, RAW),
      '--file',
      await file('got.json', changed),
      '--expected-body',
      await file('sent.json', RAW),
    ];
    const result = await runCli(args, { home: t.home });
    expect(result.code).toBe(1);
    const offset = Buffer.from(RAW).indexOf('é');
    expect(result.stderr).toContain(
      `first difference at byte ${offset} (line 1, column ${offset + 1}): the body has "e" (0x65), the expected body byte 0xc3 (part of a UTF-8 character)`,
    );
    expect(result.stderr).toContain('the signature matches the expected body, not this one');
    const json = await runCli(['--json', ...args], { home: t.home });
    expect(JSON.parse(json.stdout)).toMatchObject({
      reason: 'body_modified',
      first_difference: { offset, line: 1, column: offset + 1, got: 0x65, expected: 0xc3 },
    });
  });

  it('a missing expected body is a usage error', async () => {
    const result = await runCli(
      [
        'verify',
        '--secret',
        SECRET,
        '--signature',
        sign(SECRET, RAW),
        '--file',
        await file('b.json', RAW),
        '--expected-body',
        join(t.home, 'none.json'),
      ],
      { home: t.home },
    );
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('cannot read the expected body');
  });
});

describe('datachonk listen: why a delivery was refused, and a rotation', () => {
  it('names the reason code and a hint on the rejected line, and in --json', async () => {
    const pretty = t.started(await startCli(['listen', '--port', '0', '--secret', SECRET], { home: t.home }));
    const json = t.started(
      await startCli(['--json', 'listen', '--port', '0', '--secret', SECRET], { home: t.home, ready: /Listening on/ }),
    );
    for (const listener of [pretty, json]) {
      const answer = await fetch(listeningUrl(listener.stderr()), {
        method: 'POST',
        body: PRETTY,
        headers: { 'x-datachonk-signature': sign(SECRET, RAW) },
      });
      expect(answer.status).toBe(401);
      // The sender is told it failed, not the diagnosis: that is for whoever runs the listener.
      expect(await answer.text()).not.toContain('body_reserialized');
    }
    const line = await pretty.waitForStdout(/rejected: invalid signature \(body_reserialized\)/);
    expect(line).toContain('[evt_diag1]');
    await pretty.waitForStdout(/hint: the signer or the verifier parsed the JSON and wrote it again/);
    const record = JSON.parse(await json.waitForStdout(/"type":"request"/)) as Record<string, unknown>;
    expect(record).toMatchObject({
      outcome: 'rejected',
      signature_reason: 'body_reserialized',
      signature_hint: expect.stringContaining('raw request bytes'),
      verification: {
        status: 'invalid',
        code: 'mismatch',
        diagnosis: { reason: 'body_reserialized', form: 'compact' },
      },
    });
  });

  it('--secret twice: both the new and the old secret verify, the old one is named, and signatures go on as received', async () => {
    const app = t.opened(await startRecordingServer());
    const args = [
      'listen',
      '--port',
      '0',
      '--forward',
      app.origin,
      '--secret',
      'whsec_new_one',
      '--secret',
      'whsec_old_one',
    ];
    const listener = t.started(await startCli(args, { home: t.home }));
    expect(listener.stderr()).toContain('and 1 more (accepted too, during a rotation)');
    expect(listener.stderr()).not.toContain('whsec_old_one');
    const url = listeningUrl(listener.stderr());
    for (const [secret, id] of [
      ['whsec_new_one', 'evt_new1'],
      ['whsec_old_one', 'evt_old1'],
    ] as const) {
      const body = RAW.replace('evt_diag1', id);
      const answer = await fetch(url, {
        method: 'POST',
        body,
        headers: { 'x-datachonk-signature': sign(secret, body) },
      });
      expect(answer.status).toBe(200);
    }
    expect(await listener.waitForStdout(/--> chonk\.deleted \[evt_new1\]/)).toMatch(/✔ verified$/);
    expect(await listener.waitForStdout(/--> chonk\.deleted \[evt_old1\]/)).toContain(
      '✔ verified with --secret #2 (an old secret)',
    );
    const [first, second] = await app.waitFor(2);
    expect(first!.headers['x-datachonk-signature']).toBe(sign('whsec_new_one', first!.body));
    expect(second!.headers['x-datachonk-signature']).toBe(sign('whsec_old_one', second!.body));
  });
});

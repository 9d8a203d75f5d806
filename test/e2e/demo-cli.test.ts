import { spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { SAMPLE_RECEIVER_FILE } from '../../src/commands/demo/sample-receiver.js';
import { cliEnv, cliPaths, homePerTest, runCli } from '../helpers/cli.js';

// `datachonk demo --exit` from the built binary, as a smoke test runs it, and the sample receiver run
// as a program (`node examples/receiver.mjs`), with the secret a user's datachonk has. In process:
// test/integration/demo-command.test.ts and sample-receiver.test.ts.

const t = homePerTest('datachonk-e2e-demo-');

describe('datachonk demo (the built binary)', () => {
  it('--exit runs the whole loop in a new HOME and exits 0', async () => {
    const result = await runCli(['demo', '--exit'], { home: t.home });
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toContain('✔ All 5 deliveries verified by the listener and answered 2xx by the receiver');
    expect(result.stdout.match(/✔ verified/g)).toHaveLength(5);
    // It made the local dev secret, as `listen` would, and journalled what it received.
    const config = JSON.parse(await readFile(cliPaths(t.home).configFile, 'utf8')) as { dev_secret?: string };
    expect(config.dev_secret).toMatch(/^whsec_/);
    const listed = await runCli(['--json', 'events', 'list'], { home: t.home });
    expect(listed.stdout.trim().split('\n')).toHaveLength(5);
  });
});

interface Program {
  /** What it printed once it listened, or the exit code when it ended first. */
  started: Promise<{ url: string } | { code: number | null; stderr: string }>;
  kill(): void;
}

/** `node examples/receiver.mjs` with this HOME, PORT=0 and `env`. */
function receiverProgram(env: Record<string, string> = {}): Program {
  const child = spawn(process.execPath, [SAMPLE_RECEIVER_FILE], {
    env: cliEnv(t.home, { PORT: '0', ...env }),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  t.later(() => child.kill());
  let stdout = '';
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  const started = new Promise<{ url: string } | { code: number | null; stderr: string }>((resolve) => {
    child.stdout.setEncoding('utf8').on('data', (d: string) => {
      stdout += d;
      const url = /Listening on (http:\/\/\S+)/.exec(stdout)?.[1];
      if (url) resolve({ url: url.replace('localhost', '127.0.0.1') });
    });
    child.on('close', (code) => resolve({ code, stderr }));
  });
  return { started, kill: () => child.kill() };
}

async function listening(program: Program): Promise<string> {
  const started = await program.started;
  if (!('url' in started)) throw new Error(`the receiver exited ${started.code}:\n${started.stderr}`);
  return started.url;
}

describe('node examples/receiver.mjs', () => {
  it("verifies with the local dev secret, as the README runs it: trigger's events get 200, another secret's 401", async () => {
    const secret = (await runCli(['listen', '--print-secret'], { home: t.home })).stdout.trim();
    const url = await listening(receiverProgram({ DATACHONK_WEBHOOK_SECRET: secret }));
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/webhooks\/datachonk$/);
    const sent = await runCli(['trigger', 'generation.completed', '--url', url], { home: t.home });
    expect(sent.code, sent.stderr).toBe(0);
    const forged = await runCli(['trigger', 'generation.completed', '--url', url, '--secret', 'whsec_other'], {
      home: t.home,
    });
    expect(forged.code).toBe(1);
    expect(forged.stderr).toContain('answered 401');
  });

  it('verifies with DATACHONK_WEBHOOK_SECRET when it is set', async () => {
    await runCli(['listen', '--print-secret'], { home: t.home });
    const url = await listening(receiverProgram({ DATACHONK_WEBHOOK_SECRET: 'whsec_from_env' }));
    const env = { DATACHONK_WEBHOOK_SECRET: 'whsec_from_env' };
    expect((await runCli(['trigger', 'push.completed', '--url', url], { home: t.home, env })).code).toBe(0);
    expect((await runCli(['trigger', 'push.completed', '--url', url], { home: t.home })).code).toBe(1);
  });

  it('without DATACHONK_WEBHOOK_SECRET, says how to run it and exits 1', async () => {
    const started = await receiverProgram().started;
    expect(started).toEqual({
      code: 1,
      stderr: 'No secret: run it as DATACHONK_WEBHOOK_SECRET=$(datachonk listen --print-secret) node receiver.mjs\n',
    });
  });
});

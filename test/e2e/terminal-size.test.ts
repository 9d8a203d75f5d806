import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { BIN, homePerTest } from '../helpers/cli.js';
import { startRecordingServer } from '../helpers/recording-server.js';

// `trigger --count` in a pseudo-terminal (issue 12, item 1): through `script`, as a CI job runs it. A
// terminal that reports a size of 0×0 once made the spinner erase lines forever; the command must
// end, in a sizeless terminal as in an 80×24 one.

const SCRIPT = '/usr/bin/script';
const t = homePerTest('datachonk-pty-');
const quote = (arg: string) => `'${arg.replaceAll("'", "'\\''")}'`;

/**
 * Runs a shell command line in a new pseudo-terminal (util-linux `script`); resolves with its exit
 * code and output. `typing` is written to the terminal once `whenToType` resolves (a Ctrl-C).
 */
function inTerminal(
  commandLine: string,
  home: string,
  typing?: { text: string; when: Promise<unknown> },
): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(SCRIPT, ['-q', '-e', '-c', commandLine, '/dev/null'], {
      env: { PATH: process.env.PATH ?? '', HOME: home, TERM: 'xterm-256color', NO_COLOR: '1' },
      stdio: [typing ? 'pipe' : 'ignore', 'pipe', 'pipe'],
      // A run that never ends is killed, so that the failure is an exit code, not a process left behind.
      timeout: 15_000,
      killSignal: 'SIGKILL',
    });
    let output = '';
    child.stdout!.setEncoding('utf8').on('data', (d: string) => (output += d));
    child.stderr!.setEncoding('utf8').on('data', (d: string) => (output += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, output }));
    if (typing) void typing.when.then(() => child.stdin!.write(typing.text));
  });
}

describe.skipIf(process.platform !== 'linux' || !existsSync(SCRIPT))('trigger --count in a pseudo-terminal', () => {
  it.each([
    ['0×0 (no size)', ''],
    ['80×24', 'stty cols 80 rows 24; '],
  ])('of %s: sends them all, prints the summary and ends', async (_size, setSize) => {
    const app = t.opened(await startRecordingServer());
    const trigger = [
      process.execPath,
      BIN,
      'trigger',
      'generation.completed',
      '--count',
      '20',
      '--url',
      app.url,
      '--secret',
      'whsec_pty',
    ]
      .map(quote)
      .join(' ');
    const { code, output } = await inTerminal(`${setSize}exec ${trigger}`, t.home);
    expect(code, output).toBe(0);
    expect(app.requests).toHaveLength(20);
    expect(output).toMatch(/Sent 20 {2}ok 20 {2}failed 0/);
    // A spinner that redraws forever writes megabytes; a finished run a few lines.
    expect(output.length).toBeLessThan(20_000);
  });

  it('of 80×24, with the spinner running: Ctrl-C stops sending, says how many of how many, exit 130', async () => {
    // A run far too long to finish within the test: only the Ctrl-C, typed at the terminal, can end it.
    const app = t.opened(await startRecordingServer((_req, res) => setImmediate(() => res.end('{}'))));
    const trigger = [
      process.execPath,
      BIN,
      'trigger',
      'generation.completed',
      '--count',
      '100000',
      '--url',
      app.url,
      '--secret',
      'whsec_pty',
    ]
      .map(quote)
      .join(' ');
    const { code, output } = await inTerminal(`stty cols 80 rows 24; exec ${trigger}`, t.home, {
      text: '\x03',
      when: app.waitFor(50),
    });
    expect(output, output).toMatch(/interrupted \(SIGINT\): sent \d+ of 100000 events/);
    expect(code).toBe(130);
    expect(app.requests.length).toBeLessThan(100_000);
  });
});

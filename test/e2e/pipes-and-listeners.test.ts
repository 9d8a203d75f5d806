import { spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BIN, cliEnv, homePerTest, listeningUrl, runCli, startCli } from '../helpers/cli.js';
import { windows } from '../helpers/platform.js';
import { startRecordingServer } from '../helpers/recording-server.js';

const t = homePerTest('datachonk-e2e-pipes-');

/**
 * Runs a bash pipeline with `datachonk` (the built binary) and resolves with its stdout, stderr and exit
 * code; `onStderr` hears stderr as it comes (head's output, a pipe to us, comes only when head ends).
 */
function bash(script: string, onStderr?: (text: string) => void) {
  const shell = spawn('bash', ['-c', script], {
    env: { ...cliEnv(t.home), DATACHONK: `"${process.execPath}" "${BIN}"` },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  shell.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
  shell.stderr.setEncoding('utf8').on('data', (d: string) => {
    stderr += d;
    onStderr?.(stderr);
  });
  return new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) =>
    shell.on('close', (code) => resolve({ code, stdout, stderr })),
  );
}

// Windows: no bash, no POSIX pipes to head.
describe.skipIf(windows)('into `| head`', () => {
  it('trigger stops sending when head has its lines, and exits 0 without a word', async () => {
    const app = t.opened(await startRecordingServer());
    const count = 100_000;
    // --json: a line per delivery (a pretty load run prints only what failed, and its summary).
    const run = await bash(
      `eval "$DATACHONK --json trigger chonk.created --count ${count} --url ${app.url} --secret s" | head -2; echo "status \${PIPESTATUS[0]}"`,
    );
    expect(run.stdout).toMatch(/^\{"type":"delivery".*\n\{"type":"delivery".*\nstatus 0\n$/);
    expect(run.stderr).toBe('');
    // Far fewer than asked: it stopped once head was gone.
    expect(app.requests.length).toBeLessThan(count / 10);
  });

  it('listen --json | head -2 ends as soon as head has its two lines, with no further request', async () => {
    const app = t.opened(await startRecordingServer());
    let sent: Promise<unknown> | undefined;
    const run = await bash(
      `eval "$DATACHONK --json listen --port 0 --forward ${app.origin} --no-journal" | head -2; echo "status \${PIPESTATUS[0]}"`,
      (stderr) => {
        // Once it is ready, one event: head then has its two lines (the ready record and the request's).
        const ready = /Listening on (\S+)/.exec(stderr);
        if (ready && !sent) sent = runCli(['trigger', 'generation.completed', '--url', ready[1]!], { home: t.home });
      },
    );
    await sent;
    expect(run.stdout.split('\n')[1]).toMatch(/^\{"type":"request"/);
    expect(run.stdout).toContain('status 0\n');
    expect(app.requests).toHaveLength(1);
  });
  it('check | head -1 still runs every check: its exit code and --junit report are the verdict', async () => {
    const app = t.opened(await startRecordingServer());
    const report = join(t.home, 'report.xml');
    const run = await bash(
      `eval "$DATACHONK check ${app.url} --only delivery --junit ${report}" | head -1; echo "status \${PIPESTATUS[0]}"`,
    );
    expect(run.stdout).toMatch(/^Checking .*\nstatus 0\n$/);
    expect(run.stderr).toBe('');
    // Every delivery check ran and is in the report: the reader going away stopped nothing.
    expect((await readFile(report, 'utf8')).match(/<testcase /g)).toHaveLength(app.requests.length);
  });
});

describe('into a pipe its reader closes', () => {
  it('trigger sends nothing after the line that found the reader gone, and exits 0 quietly', async () => {
    let release: () => void = () => {};
    const app = t.opened(
      await startRecordingServer((_req, res) => {
        // The third answer waits until the reader has gone.
        if (app.requests.length === 3) release = () => res.end('{}');
        else res.end('{}');
      }),
    );
    const child = spawn(process.execPath, [BIN, 'trigger', 'chonk.created', '--count', '10', '--url', app.url], {
      env: cliEnv(t.home),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
    let out = '';
    await new Promise<void>((resolve) =>
      child.stdout.setEncoding('utf8').on('data', (d: string) => {
        out += d;
        if (out.split('\n').length > 2) resolve();
      }),
    );
    await app.waitFor(3);
    child.stdout.destroy();
    release();
    expect(await exited).toBe(0);
    // Which secret it signs with, said before it sent (stderr is still read); nothing after.
    expect(stderr).toBe('Signing with the local dev secret (the one `datachonk listen` verifies with by default)\n');
    // The third delivery's line found no reader: no fourth request.
    expect(app.requests).toHaveLength(3);
  });
});

describe('two listeners of one user, each on port 0', () => {
  it('a bare trigger asks which, listing both; the second Ready block gives its --url', async () => {
    const first = t.started(await startCli(['listen', '--port', '0', '--no-journal'], { home: t.home }));
    const second = t.started(await startCli(['listen', '--port', '0', '--no-journal'], { home: t.home }));
    const [a, b] = [listeningUrl(first.stderr()), listeningUrl(second.stderr())];
    expect(first.stderr()).toContain('Send a test:    datachonk trigger generation.completed (in another terminal)');
    expect(second.stderr()).toContain(`Send a test:    datachonk trigger generation.completed --url ${b} (in`);
    const bare = await runCli(['trigger', 'generation.completed'], { home: t.home });
    expect(bare.code).toBe(2);
    expect(bare.stderr).toContain(
      `are running, none on the default port, so which one to send to is not clear:\n  ${a}\n  ${b}\n`,
    );
    const given = await runCli(['trigger', 'generation.completed', '--url', b], { home: t.home });
    expect(given.code, given.stderr).toBe(0);
    // One stopped: the other is the one a bare trigger finds.
    expect(await first.stop()).toBe(0);
    const found = await runCli(['trigger', 'generation.completed'], { home: t.home });
    expect(found.code, found.stderr).toBe(0);
    expect(found.stderr).toContain(
      `Sending to ${b}: the \`datachonk listen\` you are running (pid ${second.child.pid})`,
    );
  });
});

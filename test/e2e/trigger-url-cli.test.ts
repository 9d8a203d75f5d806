import { describe, expect, it } from 'vitest';
import { homePerTest, listeningUrl, runCli, startCli } from '../helpers/cli.js';
import { closedPort, startRecordingServer } from '../helpers/recording-server.js';

// Issue 15, item 8: `trigger --url http://user:pass@…` sends Basic authorization and never shows the
// password; a listener whose app is down is named as the cause of its 502.

const t = homePerTest('datachonk-trigger-url-');
const noStackTrace = (text: string) => expect(text).not.toMatch(/\n\s+at .+:\d+:\d+/);

const PASSWORD = 'hunter2-p@ss';
const ENCODED = encodeURIComponent(PASSWORD);

describe('trigger --url with a user name and password', () => {
  it('sends them as Basic authorization, to the URL without them', async () => {
    const app = t.opened(await startRecordingServer());
    const url = app.url.replace('http://', `http://bob%40acme:${ENCODED}@`);
    const result = await runCli(['trigger', 'chonk.created', '--url', url], { home: t.home });
    expect(result.code, result.stderr).toBe(0);
    const [received] = await app.waitFor(1);
    expect(received!.headers.authorization).toBe(`Basic ${Buffer.from(`bob@acme:${PASSWORD}`).toString('base64')}`);
    expect(received!.url).toBe('/webhooks/datachonk');
  });

  it('never prints the password: not in the lines, --json, --dry-run, its curl, --print-payload or a scenario', async () => {
    const app = t.opened(await startRecordingServer());
    const url = app.url.replace('http://', `http://bob:${ENCODED}@`);
    const runs = await Promise.all(
      [
        ['trigger', 'chonk.created', '--url', url],
        ['--json', 'trigger', 'chonk.created', '--url', url],
        ['trigger', 'chonk.created', '--url', url, '--dry-run'],
        ['--json', 'trigger', 'chonk.created', '--url', url, '--dry-run'],
        ['trigger', 'chonk.created', '--url', url, '--print-payload'],
        ['--json', 'trigger', '--scenario', 'scan-then-create', '--url', url],
        ['trigger', '--scenario', 'scan-then-create', '--url', url, '--dry-run'],
      ].map((args) => runCli(args, { home: t.home })),
    );
    const basic = Buffer.from(`bob:${PASSWORD}`).toString('base64');
    for (const result of runs) {
      expect(result.code, result.stderr).toBe(0);
      for (const secret of [PASSWORD, ENCODED, 'hunter2', basic])
        expect(result.stdout + result.stderr).not.toContain(secret);
    }
    const [pretty, json, dryRun, dryJson] = runs;
    expect(pretty!.stdout).toContain(`POST ${app.url.replace('http://', 'http://bob:***@')}`);
    expect(JSON.parse(json!.stdout)).toMatchObject({ url: app.url.replace('http://', 'http://bob:***@'), status: 200 });
    expect(dryRun!.stdout).toContain('authorization: Basic ***\n');
    expect(dryRun!.stdout).toContain(`curl -X POST '${app.url}' \\\n  -u 'bob' \\\n`);
    expect(JSON.parse(dryJson!.stdout)).toMatchObject({ headers: { authorization: 'Basic ***' } });
    expect(app.requests).toHaveLength(1 + 1 + 2);
  });

  it('a --url that is not http(s) is refused without repeating its password', async () => {
    const result = await runCli(['trigger', 'chonk.created', '--url', `htp://bob:${PASSWORD}@127.0.0.1:9/x`], {
      home: t.home,
    });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(
      `error: option '--url <url>' argument is invalid. expected an http:// or https:// URL, got "htp://bob:***@127.0.0.1:9/x"`,
    );
    expect(result.stderr).not.toContain('hunter2');
    noStackTrace(result.stderr);
  });
});

describe('trigger through a listener whose app is down', () => {
  it("names the cause, in the listener's words: it could not reach the app; no hint about --expect-status", async () => {
    const appPort = await closedPort();
    const listener = t.started(
      await startCli(['listen', '--port', '0', '--forward', `127.0.0.1:${appPort}`], { home: t.home }),
    );
    const url = listeningUrl(listener.stderr());
    const host = new URL(url).host;
    const cause = `could not reach your app, so your app never saw the request: connection refused: is your app running on 127.0.0.1:${appPort}?`;

    const one = await runCli(['trigger', 'generation.completed', '--url', url], { home: t.home });
    expect(one.code).toBe(1);
    expect(one.stderr).toContain(`error: the listener at ${host} (datachonk listen) ${cause}\n`);
    expect(one.stderr).toContain("hint: start your app (or fix the listener's --forward target), then send again");

    const many = await runCli(['trigger', '--scenario', 'generation-fails', '--url', url], { home: t.home });
    expect(many.code).toBe(1);
    expect(many.stderr).toContain(
      `error: 3 of 3 deliveries did not get a 2xx status; the first: the listener at ${host} (datachonk listen) ${cause}\n`,
    );
    for (const result of [one, many]) {
      expect(result.stderr).not.toContain('--expect-status');
      noStackTrace(result.stderr);
    }
  });
});

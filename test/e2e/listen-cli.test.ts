import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { EVENT_TYPES } from '../../src/core/events/catalogue.js';
import { sign } from '../../src/core/signing/signature.js';
import { startSampleReceiver } from '../helpers/doc-sample-receiver.js';
import { cliPaths, homePerTest, listeningUrl, runCli, startCli } from '../helpers/cli.js';
import { expectMode, windows } from '../helpers/platform.js';
import { closedPort, startRecordingServer } from '../helpers/recording-server.js';

const t = homePerTest('datachonk-e2e-listen-');

const devSecret = async () => (await runCli(['listen', '--print-secret'], { home: t.home })).stdout.trim();
const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
/** The delivery records of `--json trigger`, without the summary. */
const deliveries = (stdout: string) =>
  stdout
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as { type: string; event: string; id: string })
    .filter((r) => r.type === 'delivery');

describe('datachonk listen (the built binary)', () => {
  it('in front of the doc sample receiver: every event type arrives verified, and each forward is shown with its status', async () => {
    const app = t.opened(await startSampleReceiver(await devSecret()));
    const listener = t.started(
      await startCli(['listen', '--port', '0', '--forward', new URL(app.url).origin], { home: t.home }),
    );
    const url = listeningUrl(listener.stderr());

    const all = await runCli(['--json', 'trigger', '--all', '--url', url], { home: t.home });
    expect(all.code, all.stderr).toBe(0);
    const sent = deliveries(all.stdout);
    expect(sent.map((r) => r.event).sort()).toEqual([...EVENT_TYPES].sort());
    expect(app.accepted.map((e) => e.body.id).sort()).toEqual(sent.map((r) => r.id).sort());
    expect(app.rejected).toBe(0);
    for (const { event, id } of sent) {
      expect(await listener.waitForStdout(new RegExp(`--> ${escape(event)} \\[${id}\\]`))).toContain('✔ verified');
      await listener.waitForStdout(new RegExp(`<-- \\[200\\] POST ${escape(app.url)} \\[${id}\\]`));
    }
  });

  it('an app answering 500: the sender gets the 500 and exits 1, and the listener shows it', async () => {
    const app = t.opened(await startSampleReceiver(await devSecret()));
    app.failWith = 500;
    const listener = t.started(
      await startCli(['listen', '--port', '0', '--forward', new URL(app.url).origin], { home: t.home }),
    );
    const failing = await runCli(['trigger', 'generation.completed', '--url', listeningUrl(listener.stderr())], {
      home: t.home,
    });
    expect(failing.code).toBe(1);
    expect(failing.stderr).toContain('your app answered 500');
    const id = /\[(evt_\w+)\]/.exec(failing.stdout)![1]!;
    expect(app.accepted.map((e) => e.body.id)).toEqual([id]);
    await listener.waitForStdout(new RegExp(`<-- \\[500\\] POST ${escape(app.url)} \\[${id}\\]`));
  });

  it('--json prints the ready object first; --ready-file holds the same, written once listening and removed at the end', async () => {
    const file = join(t.home, 'ready', 'listener.json');
    const listener = t.started(
      await startCli(['--json', 'listen', '--port', '0', '--forward', '3000', '--ready-file', file], {
        home: t.home,
        ready: /Listening on/,
      }),
    );
    const first = await listener.waitForStdout(/./);
    const ready = JSON.parse(first) as Record<string, unknown>;
    expect(ready).toMatchObject({
      type: 'ready',
      url: listeningUrl(listener.stderr()),
      port: Number(new URL(listeningUrl(listener.stderr())).port),
      forward: [{ url: 'http://localhost:3000/', events: null }],
      secret_source: 'dev',
      secrets: 1,
      skip_verify: false,
      public_url: null,
      inspector_url: null,
    });
    expect(JSON.parse(await readFile(file, 'utf8'))).toEqual(ready);
    expect(first).not.toContain('whsec_');
    if (!windows) {
      expect(await listener.stop('SIGINT')).toBe(0);
      await expect(stat(file)).rejects.toMatchObject({ code: 'ENOENT' });
    }
  });

  it('routes by event pattern: each app gets its events, the rest go to the target without a pattern; resend follows the route', async () => {
    const [chonks, gen, rest] = [
      t.opened(await startRecordingServer()),
      t.opened(await startRecordingServer()),
      t.opened(await startRecordingServer()),
    ];
    const listener = t.started(
      await startCli(
        [
          'listen',
          '--port',
          '0',
          '--forward',
          `chonk.*=${chonks.origin}/chonks`,
          '--forward',
          `generation.*=${gen.origin}/gen`,
          '--forward',
          rest.origin,
        ],
        { home: t.home },
      ),
    );
    expect(listener.stderr()).toContain(
      `Forwarding to:  chonk.* → ${chonks.origin}/chonks, generation.* → ${gen.origin}/gen, the rest → ${rest.origin} (+ the received path)`,
    );
    const url = listeningUrl(listener.stderr());
    const ids: Record<string, string> = {};
    for (const event of ['chonk.created', 'generation.completed', 'push.completed', 'chonk.deleted']) {
      const sent = await runCli(['--json', 'trigger', event, '--url', url], { home: t.home });
      expect(sent.code, sent.stderr).toBe(0);
      ids[event] = (JSON.parse(sent.stdout) as { id: string }).id;
    }
    const events = (app: typeof chonks) =>
      app.requests.map((r) => (JSON.parse(r.body.toString()) as { event: string }).event);
    expect(events(chonks)).toEqual(['chonk.created', 'chonk.deleted']);
    expect(chonks.requests.map((r) => r.url)).toEqual(['/chonks', '/chonks']);
    expect(events(gen)).toEqual(['generation.completed']);
    expect(events(rest)).toEqual(['push.completed']);

    const resent = await runCli(['events', 'resend', ids['generation.completed']!], { home: t.home });
    expect(resent.code, resent.stderr).toBe(0);
    expect(events(gen)).toEqual(['generation.completed', 'generation.completed']);
    expect(rest.requests).toHaveLength(1);
  });

  it('a --forward pattern that takes no known event type is warned about', async () => {
    const listener = t.started(
      await startCli(['listen', '--port', '0', '--forward', 'chonk.creatd=3000'], { home: t.home }),
    );
    expect(listener.stderr()).toContain(
      'warning: --forward chonk.creatd=…: no event type this version knows matches "chonk.creatd"',
    );
    const sent = await runCli(['--json', 'trigger', 'chonk.created', '--url', listeningUrl(listener.stderr())], {
      home: t.home,
    });
    expect(JSON.parse(sent.stdout)).toMatchObject({ status: 200 });
    expect(await listener.waitForStdout(/--> chonk\.created/)).toContain(
      '(not forwarded: no --forward route takes this type)',
    );
  });

  it('trigger sends by default to the address listen listens on by default', async () => {
    // Both defaults are read, not bound: port 4747 may well be taken by a listener the developer runs.
    const dryRun = await runCli(['--json', 'trigger', 'generation.completed', '--dry-run'], { home: t.home });
    const triggerDefault = (JSON.parse(dryRun.stdout) as { url: string }).url;
    const help = (await runCli(['listen', '--help'], { home: t.home })).stdout.replace(/\s+/g, ' ');
    const listenDefault = (flag: string) =>
      new RegExp(`${flag} <\\w+> [^(]*(?:\\([^)]*\\) )*?\\(default: "?([^")]*)"?\\)`).exec(help)?.[1];
    expect(`http://${listenDefault('--host')}:${listenDefault('--port')}${listenDefault('--path')}`).toBe(
      triggerDefault,
    );
  });

  // Windows: a SIGINT or SIGTERM from another process terminates the listener there, so its clean exit 0 cannot be seen.
  it.skipIf(windows)(
    'a new user, no account, no secret: listen in one terminal, trigger in another, verified with the dev secret',
    async () => {
      const listener = t.started(await startCli(['listen', '--port', '0'], { home: t.home }));
      expect(listener.stderr()).toMatch(/Listening on http:\/\/127\.0\.0\.1:\d+\/webhooks\/datachonk\n/);
      expect(listener.stderr()).toContain(
        `Signing secret: ${await devSecret()} (the local dev secret, which \`datachonk trigger\` uses too)\n`,
      );
      expect(listener.stderr()).toContain('Ctrl-C to stop');
      const sent = await runCli(['trigger', 'generation.completed', '--url', listeningUrl(listener.stderr())], {
        home: t.home,
      });
      expect(sent.code, sent.stderr).toBe(0);
      const line = await listener.waitForStdout(/--> generation\.completed/);
      expect(line).toContain('dim_customers (entity), 2 files generated');
      expect(line).toContain('✔ verified');
      expect(await listener.stop('SIGINT')).toBe(0);
    },
  );

  it('app down: the sender gets 502, events list shows it, events resend delivers it once the app is up', async () => {
    const port = await closedPort();
    const listener = t.started(
      await startCli(['listen', '--port', '0', '--forward', `localhost:${port}`], { home: t.home }),
    );
    const url = listeningUrl(listener.stderr());
    const sent = await runCli(['--json', 'trigger', 'generation.completed', '--url', url], { home: t.home });
    expect(sent.code).toBe(1);
    const { id } = JSON.parse(sent.stdout) as { id: string; status: number };
    expect(JSON.parse(sent.stdout)).toMatchObject({ status: 502 });
    await listener.waitForStdout(/connection refused: is your app running on localhost/);

    const listed = await runCli(['events', 'list'], { home: t.home });
    expect(listed.stdout).toMatch(new RegExp(`generation\\.completed\\s+${id}\\s+valid\\s+forwarded\\s+refused`));

    const secret = await devSecret();
    const app = t.opened(await startSampleReceiver(secret, port));
    const resent = await runCli(['events', 'resend', id], { home: t.home });
    expect(resent.code, resent.stderr).toBe(0);
    expect(resent.stdout).toContain('[200]');
    expect(app.accepted).toHaveLength(1);
    expect(app.accepted[0]!.body.id).toBe(id);

    const shown = await runCli(['events', 'show', id], { home: t.home });
    // trigger sends JSON.stringify(payload), so the app's parsed body re-serializes to the signed bytes.
    expect(shown.stdout).toContain(`x-datachonk-signature: ${sign(secret, JSON.stringify(app.accepted[0]!.body))}`);
    expect(shown.stdout).toContain('(resend)');
    const listedAgain = await runCli(['--json', 'events', 'list'], { home: t.home });
    expect(JSON.parse(listedAgain.stdout.split('\n')[0]!)).toMatchObject({ id, verdict: 'accepted', app_status: 200 });
  });

  // Windows: a SIGINT or SIGTERM from another process terminates the listener there, so its clean exit 0 cannot be seen.
  it.skipIf(windows)(
    '--json prints the ready object, then one NDJSON object per request on stdout, the banner on stderr',
    async () => {
      const listener = t.started(await startCli(['--json', 'listen', '--port', '0', '--no-journal'], { home: t.home }));
      const url = listeningUrl(listener.stderr());
      await runCli(['trigger', 'scan.completed', '--url', url], { home: t.home });
      await runCli(['trigger', 'scan.completed', '--url', url, '--signature', 'missing'], { home: t.home });
      await listener.waitForStdout(/"outcome":"rejected"/);
      const records = listener
        .stdout()
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as Record<string, unknown>);
      expect(records[0]).toMatchObject({ type: 'ready', url, journal: null });
      expect(records[1]).toMatchObject({
        type: 'request',
        event: 'scan.completed',
        outcome: 'acknowledged',
        verification: { status: 'valid' },
      });
      expect(records[2]).toMatchObject({ outcome: 'rejected', status: 401 });
      expect(records).toHaveLength(3);
      expect(listener.stderr()).toContain('Journal:        off');
      expect(await listener.stop('SIGTERM')).toBe(0);
      await expect(stat(join(cliPaths(t.home).stateDir, 'events.ndjson'))).rejects.toThrow();
    },
  );

  // Windows: a SIGINT or SIGTERM from another process terminates the listener there, so its clean exit 0 cannot be seen.
  it.skipIf(windows)('SIGTERM flushes the journal and exits 0; the journal is 0600 under XDG_STATE_HOME', async () => {
    const state = join(t.home, 'state');
    const listener = t.started(
      await startCli(['listen', '--port', '0'], { home: t.home, env: { XDG_STATE_HOME: state } }),
    );
    const url = listeningUrl(listener.stderr());
    const sent = await runCli(['--json', 'trigger', 'chonk.created', '--url', url, '--count', '5'], { home: t.home });
    expect(await listener.stop('SIGTERM')).toBe(0);
    const file = join(state, 'datachonk', 'events.ndjson');
    await expectMode(file, 0o600);
    const listed = await runCli(['--json', 'events', 'list'], { home: t.home, env: { XDG_STATE_HOME: state } });
    const journalled = listed.stdout
      .trim()
      .split('\n')
      .map((l) => (JSON.parse(l) as { id: string }).id);
    expect(journalled.sort()).toEqual(
      deliveries(sent.stdout)
        .map((r) => r.id)
        .sort(),
    );
    expect(journalled).toHaveLength(5);
  });

  it('a busy port is a clear error and exit 1', async () => {
    const listener = t.started(await startCli(['listen', '--port', '0'], { home: t.home }));
    const port = new URL(listeningUrl(listener.stderr())).port;
    const second = await runCli(['listen', '--port', port], { home: t.home });
    expect(second.code).toBe(1);
    expect(second.stderr).toContain(`port ${port} on 127.0.0.1 is already in use`);
    expect(second.stderr).not.toMatch(/\n\s+at /);
  });

  it('a mistyped --events name is a usage error that suggests the right one', async () => {
    const events = await runCli(['listen', '--events', 'generation.complete'], { home: t.home });
    expect(events.code).toBe(2);
    expect(events.stderr).toContain('did you mean generation.completed?');
  });

  it('a --forward target that is not http(s) is a usage error naming it', async () => {
    const forward = await runCli(['listen', '--forward', 'ftp://x'], { home: t.home });
    expect(forward.code).toBe(2);
    expect(forward.stderr).toContain('"ftp://x"');
    expect(forward.stderr).toMatch(/http:\/\/ or https:\/\//);
  });

  it('events show of an id not in the journal fails and points to events list', async () => {
    const missing = await runCli(['events', 'show', 'evt_nope'], { home: t.home });
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('evt_nope');
    expect(missing.stderr).toContain('datachonk events list');
  });
});

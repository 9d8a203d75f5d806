import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { homePerTest, listeningUrl, runCli, startCli } from '../helpers/cli.js';

// `listen --inspect` and `datachonk inspect` with the built binary (issue 14, item 1): where the page
// is, and what the inspector can do with or without a listener running. The page itself has browser tests.

const t = homePerTest('datachonk-e2e-inspect-');
const inspectorUrl = (stderr: string) => /Inspector(?::| on) +(http:\/\/127\.0\.0\.1:\d+\/)/.exec(stderr)![1]!;

describe('datachonk listen --inspect / datachonk inspect', () => {
  it('listen --inspect 0: the Ready block and --json say where the page is, and the page is served', async () => {
    const listener = t.started(await startCli(['listen', '--port', '0', '--inspect', '0'], { home: t.home }));
    const url = inspectorUrl(listener.stderr());
    expect(listener.stderr()).toMatch(/ {2}Inspector: {6}http:\/\/127\.0\.0\.1:\d+\/ \(open it in your browser/);
    const info = (await (await fetch(`${url}api/info`)).json()) as Record<string, unknown>;
    expect(info).toMatchObject({ mode: 'listen', can_send: true, listen_url: listeningUrl(listener.stderr()) });

    const json = t.started(
      await startCli(['--json', 'listen', '--port', '0', '--inspect', '0'], { home: t.home, ready: /Listening on/ }),
    );
    const record = JSON.parse(await json.waitForStdout(/"type":"ready"/)) as { inspector_url: string };
    expect(record.inspector_url).toBe(inspectorUrl(json.stderr()));
  });

  it('inspect: reads the journal; sends through the running listener, or says there is none', async () => {
    const alone = t.started(await startCli(['inspect', '--port', '0'], { home: t.home, ready: /Ready! Inspector on/ }));
    expect(alone.stderr()).toContain('No listener is running: replay and edit need one');
    expect(await (await fetch(`${inspectorUrl(alone.stderr())}api/info`)).json()).toMatchObject({
      mode: 'inspect',
      can_send: false,
    });

    const listener = t.started(await startCli(['listen', '--port', '0'], { home: t.home }));
    const withListener = t.started(
      await startCli(['inspect', '--port', '0'], { home: t.home, ready: /Ready! Inspector on/ }),
    );
    expect(withListener.stderr()).toContain(
      `Replays and edits go through the listener at ${listeningUrl(listener.stderr())}`,
    );
    expect(await withListener.stop('SIGINT')).toBe(0);
  });

  it('a taken port is a clear error; --inspect with --no-journal is a usage error', async () => {
    const blocker = createServer().listen(0, '127.0.0.1');
    await new Promise((resolve) => blocker.once('listening', resolve));
    const { port } = blocker.address() as AddressInfo;
    try {
      const taken = await runCli(['inspect', '--port', String(port)], { home: t.home });
      expect(taken.code).toBe(1);
      expect(taken.stderr).toContain(`port ${port} on 127.0.0.1 is already in use`);
      expect(taken.stderr).toContain('pick another port: --port <port>');
      const listen = await runCli(['listen', '--port', '0', '--inspect', String(port)], { home: t.home });
      expect(listen.code).toBe(1);
      expect(listen.stderr).toContain('pick another port: --inspect <port>');
    } finally {
      blocker.close();
    }
    const both = await runCli(['listen', '--inspect', '--no-journal'], { home: t.home });
    expect(both.code).toBe(2);
    expect(both.stderr).toMatch(
      /--inspect.*cannot be used with.*--no-journal|--no-journal.*cannot be used with.*--inspect/,
    );
  });
});

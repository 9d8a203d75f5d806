import { describe, expect, it } from 'vitest';
import { homePerTest, listeningUrl, runCli, startCli } from '../helpers/cli.js';

const t = homePerTest('datachonk-e2e-pipe-listen-');

describe('listen --json into a reader that goes away (`| head -1`)', () => {
  it('stops as on SIGTERM: exit 0, and the session webhook it registered is deleted', async () => {
    const emulator = t.started(await startCli(['emulator', 'start', '--port', '0', '--memory'], { home: t.home }));
    const apiUrl = /emulator on (http:\/\/\S+)/.exec(emulator.stderr())![1]!;
    const env = { DATACHONK_API_URL: apiUrl, DATACHONK_API_KEY: 'dck_pipe' };
    const listener = t.started(
      await startCli(['--json', 'listen', '--port', '0', '--register'], { home: t.home, env }),
    );
    const listed = async () =>
      (await runCli(['--json', 'webhooks', 'list'], { home: t.home, env })).stdout.trim().split('\n').filter(Boolean);
    expect(await listed()).toHaveLength(1);

    // The reader goes away; the next record the listener writes finds no one to read it.
    listener.child.stdout!.destroy();
    const sent = await runCli(['trigger', 'generation.completed', '--url', listeningUrl(listener.stderr())], {
      home: t.home,
    });
    expect(sent.code, sent.stderr).toBe(0);

    expect(await listener.exited).toBe(0);
    expect(listener.stderr()).toContain('Deleted webhook');
    expect(await listed()).toEqual([]);
  });
});

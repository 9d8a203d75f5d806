import { describe, expect, it } from 'vitest';
import { sign } from '../../src/core/signing/signature.js';
import { homePerTest, listeningUrl, runCli, startCli } from '../helpers/cli.js';

// `datachonk events wait` with the built binary (issue 15, item 2): the listener in one process, the
// wait in another, as a test suite uses them.

const t = homePerTest('datachonk-e2e-wait-');

async function trigger(url: string, event: string, set: string[] = []): Promise<string> {
  const sent = await runCli(['--json', 'trigger', event, '--url', url, ...set.flatMap((s) => ['--set', s])], {
    home: t.home,
  });
  expect(sent.code, sent.stderr).toBe(0);
  return (JSON.parse(sent.stdout) as { id: string }).id;
}

describe('datachonk events wait', () => {
  it('blocks until the listener (another process) receives a matching event, prints its envelope, exit 0', async () => {
    const listener = t.started(await startCli(['listen', '--port', '0'], { home: t.home }));
    const url = listeningUrl(listener.stderr());
    const earlier = await trigger(url, 'generation.completed');
    const waiting = t.started(
      await startCli(
        [
          '--json',
          'events',
          'wait',
          '--event',
          'generation.*',
          '--match',
          'data.chonk_name=dim_orders',
          '--since',
          'now',
          '--timeout',
          '60s',
        ],
        { home: t.home, ready: /waiting for an event/ },
      ),
    );
    expect(waiting.stderr()).toContain(
      'waiting for an event (type generation.*, data.chonk_name=dim_orders, received since',
    );
    await trigger(url, 'chonk.created', ['data.chonk_name=dim_orders']);
    await trigger(url, 'generation.completed');
    const wanted = await trigger(url, 'generation.completed', ['data.chonk_name=dim_orders']);
    expect(await waiting.exited).toBe(0);
    const printed = JSON.parse(waiting.stdout()) as { id: string; event: string; data: { chonk_name: string } };
    expect(printed).toMatchObject({ id: wanted, event: 'generation.completed', data: { chonk_name: 'dim_orders' } });
    expect(printed.id).not.toBe(earlier);
  });

  it('without --since, an event already in the journal ends the wait at once (the newest that matches)', async () => {
    const listener = t.started(await startCli(['listen', '--port', '0'], { home: t.home }));
    const url = listeningUrl(listener.stderr());
    await trigger(url, 'push.completed');
    const newest = await trigger(url, 'push.completed');
    const found = await runCli(['--json', 'events', 'wait', '--event', 'push.completed', '--timeout', '30s'], {
      home: t.home,
    });
    expect(found.code, found.stderr).toBe(0);
    expect(JSON.parse(found.stdout)).toMatchObject({ id: newest });
    const pretty = await runCli(['events', 'wait', '--event', 'push.completed'], { home: t.home });
    expect(pretty.stdout).toContain(`push.completed [${newest}]`);
  });

  it('a forged delivery never ends it; on timeout it exits 1 and says what it waited for', async () => {
    const listener = t.started(await startCli(['listen', '--port', '0'], { home: t.home }));
    const body = JSON.stringify({
      id: 'evt_forged',
      event: 'scan.completed',
      created_at: '2026-11-29T10:00:00Z',
      project_id: 'proj_1',
      data: {},
    });
    const answer = await fetch(listeningUrl(listener.stderr()), {
      method: 'POST',
      body,
      headers: { 'x-datachonk-signature': sign('whsec_not_it', body) },
    });
    expect(answer.status).toBe(401);
    await listener.waitForStdout(/rejected/);
    const waited = await runCli(['events', 'wait', '--event', 'scan.completed', '--timeout', '300ms'], {
      home: t.home,
    });
    expect(waited.code).toBe(1);
    expect(waited.stderr).toContain('error: no matching event within 300ms (type scan.completed)');
    expect(waited.stderr).toContain('hint: is `datachonk listen` running');
  });

  it('a type it does not know is warned about with the closest one', async () => {
    const waited = await runCli(['events', 'wait', '--event', 'generaton.completed', '--timeout', '10ms'], {
      home: t.home,
    });
    expect(waited.stderr).toContain(
      'warning: generaton.completed is not an event type this version knows (did you mean generation.completed?)',
    );
    expect(waited.code).toBe(1);
  });

  it('a --match without = is a usage error', async () => {
    const result = await runCli(['events', 'wait', '--match', 'data.chonk_id'], { home: t.home });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('expected path=value');
  });
});

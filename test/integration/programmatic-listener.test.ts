import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { readJournal } from '../../src/core/listen/journal.js';
import { sign, verify } from '../../src/core/signing/signature.js';
import { startListener, type Listener, type ListenerEvent } from '../../src/listener.js';
import { startRecordingServer, type RecordingServer } from '../helpers/recording-server.js';

// startListener, the listener as a library (issue 15, item 3), with real apps on 127.0.0.1 port 0.

let listener: Listener | undefined;
const apps: RecordingServer[] = [];
afterEach(async () => {
  await listener?.close();
  listener = undefined;
  await Promise.all(apps.splice(0).map((app) => app.close()));
});

async function app(): Promise<RecordingServer> {
  const started = await startRecordingServer();
  apps.push(started);
  return started;
}

function body(id: string, event = 'chonk.deleted', data: Record<string, unknown> = {}): string {
  return JSON.stringify({
    id,
    event,
    created_at: '2026-11-29T10:00:00Z',
    project_id: 'proj_1',
    data: { chonk_id: 'chonk_1', chonk_name: 'x', chonk_type: 'entity', ...data },
  });
}

async function send(to: Listener, text: string, secret = to.secret): Promise<number> {
  const answer = await fetch(to.url, {
    method: 'POST',
    body: text,
    headers: { 'x-datachonk-signature': sign(secret, text) },
  });
  await answer.arrayBuffer();
  return answer.status;
}

describe('startListener', () => {
  it("verifies with a fresh secret, forwards byte for byte, and keeps each accepted event with the app's answer", async () => {
    const target = await app();
    listener = await startListener({ forward: target.origin });
    expect(listener.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/webhooks\/datachonk$/);
    expect(listener.secret).toMatch(/^whsec_[\w-]{43}$/);
    expect(await send(listener, body('evt_a'))).toBe(200);
    expect(await send(listener, body('evt_forged'), 'whsec_other')).toBe(401);
    const [delivered] = await target.waitFor(1);
    expect(delivered!.body.toString()).toBe(body('evt_a'));
    expect(verify(listener.secret, delivered!.body, delivered!.headers['x-datachonk-signature'])).toMatchObject({
      ok: true,
    });
    expect(listener.received.map((e) => e.id)).toEqual(['evt_a']);
    expect(listener.received[0]).toMatchObject({
      event: 'chonk.deleted',
      verified: true,
      forwards: [{ status: 200 }],
      payload: { id: 'evt_a' },
    });
  });

  it('waitFor: an event already received, or the first to come; by type pattern and path=value, or a predicate', async () => {
    listener = await startListener();
    await send(listener, body('evt_1', 'chonk.created', { chonk_name: 'dim_a' }));
    expect((await listener.waitFor({ event: 'chonk.*' })).id).toBe('evt_1');
    const later = listener.waitFor({ event: 'generation.completed', match: { 'data.chonk_name': 'dim_b' } });
    const fromNow = listener.waitFor({ event: 'chonk.*' }, { since: 'now' });
    await send(listener, body('evt_2', 'generation.completed', { chonk_name: 'dim_a' }));
    await send(listener, body('evt_3', 'generation.completed', { chonk_name: 'dim_b' }));
    await send(listener, body('evt_4', 'chonk.updated'));
    expect((await later).id).toBe('evt_3');
    expect((await fromNow).id).toBe('evt_4');
    expect((await listener.waitFor((e) => e.id === 'evt_2')).event).toBe('generation.completed');
  });

  it('waitFor rejects after its timeout, saying what it waited for and what came', async () => {
    listener = await startListener();
    await send(listener, body('evt_x', 'chonk.created'));
    await expect(listener.waitFor({ event: 'push.completed' }, { timeout: 50 })).rejects.toThrow(
      'no matching event within 50 ms (type push.completed); received: chonk.created',
    );
  });

  it('events: every accepted event in order, ending at close()', async () => {
    listener = await startListener();
    const seen: ListenerEvent[] = [];
    const reading = (async () => {
      for await (const event of listener!.events) seen.push(event);
    })();
    await send(listener, body('evt_1'));
    await send(listener, body('evt_2'), 'whsec_wrong');
    await send(listener, body('evt_3'));
    await listener.waitFor((e) => e.id === 'evt_3');
    await listener.close();
    await reading;
    expect(seen.map((e) => e.id)).toEqual(['evt_1', 'evt_3']);
  });

  it("takes routes, a rotation's secrets, and a journal that events list can read", async () => {
    const [chonks, rest] = [await app(), await app()];
    const dir = await mkdtemp(join(tmpdir(), 'datachonk-lib-listener-'));
    try {
      listener = await startListener({
        forward: [`chonk.*=${chonks.origin}`, rest.origin],
        secret: ['whsec_new', 'whsec_old'],
        journal: join(dir, 'events.ndjson'),
      });
      expect(listener.secret).toBe('whsec_new');
      expect(await send(listener, body('evt_c', 'chonk.created'), 'whsec_old')).toBe(200);
      expect(await send(listener, body('evt_g', 'generation.started', { dbt_version: '1.8' }))).toBe(200);
      expect(chonks.requests.map((r) => JSON.parse(r.body.toString()).id)).toEqual(['evt_c']);
      expect(rest.requests.map((r) => JSON.parse(r.body.toString()).id)).toEqual(['evt_g']);
      await listener.close();
      expect((await readJournal(join(dir, 'events.ndjson'))).entries.map((e) => e.request.event_id)).toEqual([
        'evt_c',
        'evt_g',
      ]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

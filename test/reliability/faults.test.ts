import type { ServerResponse } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { startReceiver, type Receiver } from '../../src/core/listen/receiver.js';
import { parseTarget } from '../../src/core/listen/targets.js';
import { sign } from '../../src/core/signing/signature.js';
import { closedPort, startRecordingServer, type RecordingServer, type Responder } from '../helpers/recording-server.js';
import { rawRequest } from '../helpers/raw-http.js';

const SECRET = 'whsec_faults';
let receiver: Receiver | undefined;
const servers: RecordingServer[] = [];
afterEach(async () => {
  await receiver?.close();
  receiver = undefined;
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

const quiet = { received() {}, forwarded() {}, completed() {}, warning() {} };
let n = 0;
const signedEvent = () => {
  const body = JSON.stringify({
    id: `evt_fault${++n}`,
    event: 'chonk.deleted',
    created_at: '2026-11-26T10:00:00Z',
    project_id: 'proj_1',
    data: { chonk_id: 'chonk_1', chonk_name: 'x', chonk_type: 'source' },
  });
  return { headers: { 'content-type': 'application/json', 'x-datachonk-signature': sign(SECRET, body) }, body };
};

async function listenTo(target: string, forwardTimeoutMs = 500): Promise<string> {
  receiver = await startReceiver(
    {
      host: '127.0.0.1',
      port: 0,
      path: '/webhooks/datachonk',
      secrets: [SECRET],
      skipVerify: false,
      targets: [parseTarget(target)],
      forwardTimeoutMs,
      maxBodyBytes: 1024 * 1024,
      requestTimeoutMs: 5000,
      drainTimeoutMs: 1000,
      now: () => new Date(),
      monotonic: () => performance.now(),
    },
    quiet,
  );
  return receiver.url;
}

async function app(respond: Responder): Promise<RecordingServer> {
  const server = await startRecordingServer(respond);
  servers.push(server);
  return server;
}

describe('faults at the app', () => {
  it.each<[string, () => Promise<string>, number, number?]>([
    // Windows reports a refused connection on loopback only after retrying for about 2 s (Linux at
    // once): a longer forward timeout, so that the refusal does not lose the race with it there.
    ['refuses connections', async () => `127.0.0.1:${await closedPort()}`, 502, 10_000],
    ['hangs past --forward-timeout', async () => (await app(() => {})).origin, 504],
    [
      'resets the connection mid-response',
      async () =>
        (
          await app((_req, res) => {
            res.writeHead(200, { 'content-length': 100 });
            // Cut once the status line, headers and part of the body are on their way.
            res.write('{"partial":', () => res.socket?.destroy());
          })
        ).origin,
      502,
    ],
    [
      'answers 500',
      async () =>
        (
          await app((_req, res) => {
            res.statusCode = 500;
            res.end();
          })
        ).origin,
      500,
    ],
  ])(
    'the app %s: the sender gets the right status, and the listener keeps serving',
    async (_name, target, status, forwardTimeoutMs) => {
      const url = await listenTo(await target(), forwardTimeoutMs);
      for (let i = 0; i < 3; i++) expect((await rawRequest(url, signedEvent())).status).toBe(status);
      // Still serving: a GET gets the listener's own 405 straight away.
      expect((await rawRequest(url, { method: 'GET' })).status).toBe(405);
    },
  );

  it("the app answers slowly: the listener serves others meanwhile, and the sender gets the app's answer", async () => {
    const held: ServerResponse[] = [];
    const slow = await app((_req, res) => held.push(res));
    // A timeout far beyond the test: what matters is what happens while the app holds its answers.
    const url = await listenTo(slow.origin, 60_000);
    const first = rawRequest(url, signedEvent());
    await slow.waitFor(1);
    const second = rawRequest(url, signedEvent());
    await slow.waitFor(2);
    expect((await rawRequest(url, { method: 'GET' })).status).toBe(405);
    for (const res of held) res.end('{"slow":true}');
    for (const response of [await first, await second])
      expect(response).toMatchObject({ status: 200, body: '{"slow":true}' });
  });
});

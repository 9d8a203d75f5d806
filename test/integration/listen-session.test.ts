import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ApiClient } from '../../src/core/api/client.js';
import { WebhooksApi } from '../../src/core/api/webhooks.js';
import type { Webhook } from '../../src/core/api/schemas.js';
import { runningListeners } from '../../src/core/listen/presence.js';
import { startListenSession, type ListenSessionOptions, type SessionReporter } from '../../src/core/listen/session.js';
import type { Tunnel, TunnelLoss, TunnelProvider } from '../../src/core/tunnel/provider.js';
import { startEmulator, type Emulator } from '../../src/emulator/server.js';
import { isFailure } from '../../src/failure.js';
import { windows } from '../helpers/platform.js';
import { rawRequest } from '../helpers/raw-http.js';

// The listen session composes the receiver, a tunnel (here an in-process fake provider), a webhook
// registered for the session, and their cleanup in reverse order.

let emulator: Emulator | undefined;
let client: ApiClient | undefined;
afterEach(async () => {
  await client?.close();
  await emulator?.close();
  client = undefined;
  emulator = undefined;
});

/** A tunnel provider in process: records what happens to it; `lose` ends the tunnel by itself. */
function fakeProvider(log: string[]) {
  let lose: (loss: TunnelLoss) => void = () => {};
  const provider: TunnelProvider = {
    name: 'fake tunnel',
    async start(origin) {
      log.push(`tunnel start ${origin.replace(/:\d+$/, ':PORT')}`);
      const tunnel: Tunnel = {
        url: 'https://fake-words.example',
        lost: new Promise<TunnelLoss>((resolve) => (lose = resolve)),
        stop: async () => void log.push('tunnel stop'),
        kill: () => void log.push('tunnel kill'),
      };
      return tunnel;
    },
  };
  return { provider, lose: (loss: TunnelLoss) => lose(loss) };
}

function recordingReporter(log: string[]): SessionReporter {
  return {
    received() {}, forwarded() {}, completed() {}, warning: (message) => void log.push(`warning ${message}`),
    staleRemoved: (webhooks: readonly Webhook[]) => void log.push(`stale ${webhooks.length}`),
    tunnelStarting: (name) => void log.push(`starting ${name}`),
    tunnelReady: (url) => void log.push(`ready ${url}`),
    registered: (webhook) => void log.push(`registered ${webhook.url}`),
    unregistered: (id, error) => void log.push(`unregistered${error ? ' failed' : ''}`),
    cleanupFailed: (error) => void log.push(`cleanup failed ${(error as Error).message}`),
  };
}

const receiver: ListenSessionOptions['receiver'] = {
  host: '127.0.0.1', port: 0, path: '/webhooks/datachonk', secrets: ['whsec_s'], skipVerify: false, targets: [],
  forwardTimeoutMs: 1000, maxBodyBytes: 1024, requestTimeoutMs: 1000, drainTimeoutMs: 100, now: () => new Date(), monotonic: () => performance.now(),
};

async function api(): Promise<WebhooksApi> {
  emulator = await startEmulator({
    host: '127.0.0.1', port: 0, retrySchedule: [], deliveryTimeoutMs: 1000, version: 'test', now: () => new Date(), monotonic: () => performance.now(),
  }, { request() {}, attempt() {} });
  client = new ApiClient({ baseUrl: emulator.url, apiKey: 'dck_session', userAgent: 'test', maxRetries: 0 });
  return new WebhooksApi(client);
}

const registration = (webhooks: WebhooksApi) => ({
  api: webhooks, events: ['generation.completed'], secret: 'whsec_session', owner: { host: 'test-host', pid: 4242 },
  now: () => new Date(), isAlive: () => true,
});

describe('a listen session', () => {
  it('registers the tunnel\'s public URL, and close() unregisters, stops the tunnel, then the receiver, in that order', async () => {
    const log: string[] = [];
    const webhooks = await api();
    const { provider } = fakeProvider(log);
    const session = await startListenSession({ receiver, tunnel: provider, registration: registration(webhooks) }, recordingReporter(log));
    expect(session.publicUrl).toBe('https://fake-words.example/webhooks/datachonk');
    expect(await webhooks.list()).toEqual([expect.objectContaining({ url: 'https://fake-words.example/webhooks/datachonk', events: ['generation.completed'] })]);
    await session.close();
    expect(log).toEqual([
      'starting fake tunnel', 'tunnel start http://127.0.0.1:PORT', 'ready https://fake-words.example',
      'registered https://fake-words.example/webhooks/datachonk', 'unregistered', 'tunnel stop',
    ]);
    expect(await webhooks.list()).toEqual([]);
    // The receiver is closed too: its port no longer answers.
    await expect(rawRequest(session.receiver.url)).rejects.toMatchObject({ code: 'ECONNREFUSED' });
  });

  it('a tunnel that ends by itself resolves lost with what it said', async () => {
    const log: string[] = [];
    const { provider, lose } = fakeProvider(log);
    const session = await startListenSession({ receiver, tunnel: provider }, recordingReporter(log));
    lose({ how: 'code 1', lastLines: ['ERR connection lost'] });
    expect(await session.lost).toEqual({ how: 'code 1', lastLines: ['ERR connection lost'] });
    await session.close();
  });

  it('a failure midway tears down what was set up before it is thrown', async () => {
    const log: string[] = [];
    const { provider } = fakeProvider(log);
    const refusing = { list: async () => [], create: async () => { throw new Error('the API said no'); } } as unknown as WebhooksApi;
    const error = await startListenSession({ receiver, tunnel: provider, registration: registration(refusing) }, recordingReporter(log))
      .then(() => undefined, (e: unknown) => e);
    expect((error as Error).message).toBe('the API said no');
    expect(log.at(-1)).toBe('tunnel stop');
  });

  it('a --tunnel-url is used with the listener\'s path when it has none, as given when it has one', async () => {
    const bare = await startListenSession({ receiver, publicUrl: 'https://my.ngrok.example' }, recordingReporter([]));
    expect(bare.publicUrl).toBe('https://my.ngrok.example/webhooks/datachonk');
    await bare.close();
    const pathed = await startListenSession({ receiver, publicUrl: 'https://my.ngrok.example/hooks/in' }, recordingReporter([]));
    expect(pathed.publicUrl).toBe('https://my.ngrok.example/hooks/in');
    await pathed.close();
  });

  it('a journal that cannot be opened is a typed failure naming the file', async () => {
    // A file where the journal's folder should be.
    const notADir = join(await mkdtemp(join(tmpdir(), 'datachonk-session-')), 'file');
    await writeFile(notADir, '');
    const journalFile = join(notADir, 'events.ndjson');
    const error = await startListenSession({ receiver, journalFile }, recordingReporter([])).then(() => undefined, (e: unknown) => e);
    expect(isFailure(error, 'journal-unopenable') && error.facts.file).toBe(journalFile);
    await rm(dirname(notADir), { recursive: true, force: true });
  });
  // Windows: no POSIX modes to loosen, so nothing to tighten or report.
  it.skipIf(windows)('a journal with a torn last line and loose permissions is reported once, when the session opens it', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'datachonk-session-'));
    const journalFile = join(dir, 'events.ndjson');
    await writeFile(journalFile, '{"type":"request","rid":"rcv_cut', { mode: 0o644 });
    const log: string[] = [];
    const session = await startListenSession({ receiver, journalFile }, recordingReporter(log));
    await session.close();
    expect(log).toEqual([
      `warning the last line of the journal ${journalFile} was cut short (a crash or a full disk); it is skipped when read, and new records start on the next line`,
      'warning the journal was readable by other users: tightened the file from 0644 to 0600',
    ]);
    await rm(dir, { recursive: true, force: true });
  });
  it('leaves a note of the running listener with its URLs while it runs, and removes it at close', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'datachonk-session-'));
    const presenceDir = join(dir, 'listeners');
    const session = await startListenSession({ receiver, presenceDir, publicUrl: 'https://mine.example' }, recordingReporter([]));
    const notes = await runningListeners(presenceDir, () => true);
    expect(notes).toEqual([{ pid: process.pid, url: session.receiver.url, public_url: 'https://mine.example/webhooks/datachonk', started_at: expect.any(String) }]);
    await session.close();
    expect(await runningListeners(presenceDir, () => true)).toEqual([]);
    await rm(dir, { recursive: true, force: true });
  });
});

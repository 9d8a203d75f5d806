import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { ApiClient } from '../../src/core/api/client.js';
import { WebhooksApi, type UpdateWebhook } from '../../src/core/api/webhooks.js';
import type { Webhook } from '../../src/core/api/schemas.js';
import { loadFixture } from '../../src/core/events/payload.js';
import { runningListeners } from '../../src/core/listen/presence.js';
import { startListenSession, type ListenSessionOptions, type SessionReporter } from '../../src/core/listen/session.js';
import type { TunnelHealing } from '../../src/core/listen/tunnel-keeper.js';
import type { Tunnel, TunnelLoss, TunnelProvider } from '../../src/core/tunnel/provider.js';
import { EMIT_PATH, startEmulator, type Emulator } from '../../src/emulator/server.js';
import { Failure, isFailure } from '../../src/failure.js';
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
    received: (request) => void log.push(`received ${request.event ?? `${request.method} ${request.url}`}`),
    forwarded() {},
    completed() {},
    warning: (message) => void log.push(`warning ${message}`),
    staleRemoved: (webhooks: readonly Webhook[]) => void log.push(`stale ${webhooks.length}`),
    tunnelStarting: (name) => void log.push(`starting ${name}`),
    tunnelReady: (url) => void log.push(`ready ${url}`),
    tunnelLost: (trouble, plan) =>
      void log.push(
        `lost ${trouble.reason === 'exited' ? trouble.how : `${trouble.checks} checks, ${trouble.status ?? trouble.network}`}: ${
          plan ? `restart ${plan.attempt}/${plan.attempts} in ${plan.inMs}ms` : 'no restart'
        }`,
      ),
    tunnelRestartFailed: (error, plan) =>
      void log.push(
        `restart failed (${isFailure(error) ? error.code : (error as Error).message}): ${plan ? `restart ${plan.attempt}/${plan.attempts}` : 'giving up'}`,
      ),
    tunnelRestored: ({ publicUrl, webhook }) =>
      void log.push(`restored ${publicUrl}${webhook ? ` ${webhook.id} ${webhook.url}` : ''}`),
    registered: (webhook) => void log.push(`registered ${webhook.url}`),
    unregistered: (id, error) => void log.push(`unregistered${error ? ' failed' : ''}`),
    cleanupFailed: (error) => void log.push(`cleanup failed ${(error as Error).message}`),
  };
}

const receiver: ListenSessionOptions['receiver'] = {
  host: '127.0.0.1',
  port: 0,
  path: '/webhooks/datachonk',
  secrets: ['whsec_s'],
  skipVerify: false,
  targets: [],
  forwardTimeoutMs: 1000,
  maxBodyBytes: 1024,
  requestTimeoutMs: 1000,
  drainTimeoutMs: 100,
  now: () => new Date(),
  monotonic: () => performance.now(),
};

async function api(): Promise<WebhooksApi> {
  emulator = await startEmulator(
    {
      host: '127.0.0.1',
      port: 0,
      retrySchedule: [],
      deliveryTimeoutMs: 1000,
      version: 'test',
      now: () => new Date(),
      monotonic: () => performance.now(),
    },
    { request() {}, attempt() {} },
  );
  client = new ApiClient({ baseUrl: emulator.url, apiKey: 'dck_session', userAgent: 'test', maxRetries: 0 });
  return new WebhooksApi(client);
}

const registration = (webhooks: WebhooksApi) => ({
  api: webhooks,
  events: ['generation.completed'],
  secret: 'whsec_session',
  owner: { host: 'test-host', pid: 4242 },
  now: () => new Date(),
  isAlive: () => true,
});

describe('a listen session', () => {
  it("registers the tunnel's public URL, and close() unregisters, stops the tunnel, then the receiver, in that order", async () => {
    const log: string[] = [];
    const webhooks = await api();
    const { provider } = fakeProvider(log);
    const session = await startListenSession(
      { receiver, tunnel: provider, registration: registration(webhooks) },
      recordingReporter(log),
    );
    expect(session.publicUrl).toBe('https://fake-words.example/webhooks/datachonk');
    expect(await webhooks.list()).toEqual([
      expect.objectContaining({
        url: 'https://fake-words.example/webhooks/datachonk',
        events: ['generation.completed'],
      }),
    ]);
    await session.close();
    expect(log).toEqual([
      'starting fake tunnel',
      'tunnel start http://127.0.0.1:PORT',
      'ready https://fake-words.example',
      'registered https://fake-words.example/webhooks/datachonk',
      'unregistered',
      'tunnel stop',
    ]);
    expect(await webhooks.list()).toEqual([]);
    // The receiver is closed too: its port no longer answers.
    await expect(rawRequest(session.receiver.url)).rejects.toMatchObject({ code: 'ECONNREFUSED' });
  });

  it('a tunnel that ends by itself, with no restarts to try, is said and resolves lost with a typed failure', async () => {
    const log: string[] = [];
    const { provider, lose } = fakeProvider(log);
    const session = await startListenSession({ receiver, tunnel: provider }, recordingReporter(log));
    lose({ how: 'code 1', lastLines: ['ERR connection lost'] });
    const lost = await session.lost;
    expect(isFailure(lost, 'tunnel-gone') && lost.facts).toEqual({ reason: 'exited', restarts: 0 });
    expect(log).toContain('lost code 1: no restart');
    await session.close();
  });

  it('a failure midway tears down what was set up before it is thrown', async () => {
    const log: string[] = [];
    const { provider } = fakeProvider(log);
    const refusing = {
      list: async () => [],
      create: async () => {
        throw new Error('the API said no');
      },
    } as unknown as WebhooksApi;
    const error = await startListenSession(
      { receiver, tunnel: provider, registration: registration(refusing) },
      recordingReporter(log),
    ).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect((error as Error).message).toBe('the API said no');
    expect(log.at(-1)).toBe('tunnel stop');
  });

  it("a --tunnel-url is used with the listener's path when it has none, as given when it has one", async () => {
    const bare = await startListenSession({ receiver, publicUrl: 'https://my.ngrok.example' }, recordingReporter([]));
    expect(bare.publicUrl).toBe('https://my.ngrok.example/webhooks/datachonk');
    await bare.close();
    const pathed = await startListenSession(
      { receiver, publicUrl: 'https://my.ngrok.example/hooks/in' },
      recordingReporter([]),
    );
    expect(pathed.publicUrl).toBe('https://my.ngrok.example/hooks/in');
    await pathed.close();
  });

  it('a journal that cannot be opened is a typed failure naming the file', async () => {
    // A file where the journal's folder should be.
    const notADir = join(await mkdtemp(join(tmpdir(), 'datachonk-session-')), 'file');
    await writeFile(notADir, '');
    const journalFile = join(notADir, 'events.ndjson');
    const error = await startListenSession({ receiver, journalFile }, recordingReporter([])).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(isFailure(error, 'journal-unopenable') && error.facts.file).toBe(journalFile);
    await rm(dirname(notADir), { recursive: true, force: true });
  });
  // Windows: no POSIX modes to loosen, so nothing to tighten or report.
  it.skipIf(windows)(
    'a journal with a torn last line and loose permissions is reported once, when the session opens it',
    async () => {
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
    },
  );
  it('leaves a note of the running listener with its URLs while it runs, and removes it at close', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'datachonk-session-'));
    const presenceDir = join(dir, 'listeners');
    const session = await startListenSession(
      { receiver, presenceDir, publicUrl: 'https://mine.example' },
      recordingReporter([]),
    );
    const notes = await runningListeners(presenceDir, () => true);
    expect(notes).toEqual([
      {
        pid: process.pid,
        url: session.receiver.url,
        public_url: 'https://mine.example/webhooks/datachonk',
        started_at: expect.any(String),
      },
    ]);
    await session.close();
    expect(await runningListeners(presenceDir, () => true)).toEqual([]);
    await rm(dir, { recursive: true, force: true });
  });
});

// Issue 15, item 7: a tunnel that heals. Each start of this provider opens a new stand-in for Cloudflare's
// edge on 127.0.0.1 (so a new public URL each time, as a quick tunnel has), which passes requests on to the
// listener while it is up, and answers 530 (Cloudflare's answer for a tunnel it no longer knows) once down.

interface Edge {
  origin: string;
  /** Requests it received so far. */
  count(): number;
  /** Resolves once it has received `n` requests. */
  served(n: number): Promise<void>;
  down(): void;
  close(): Promise<void>;
}

async function startEdge(listenerOrigin: string): Promise<Edge> {
  let up = true;
  let count = 0;
  const waiters: { n: number; resolve: () => void }[] = [];
  const server = createServer((req, res) => {
    count++;
    for (const w of waiters.filter((x) => count >= x.n)) w.resolve();
    if (!up) return void res.writeHead(530, { 'content-type': 'text/plain' }).end('error code: 1033');
    const onward = httpRequest(
      new URL(req.url ?? '/', listenerOrigin),
      { method: req.method, headers: req.headers },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    onward.on('error', () => res.writeHead(502).end());
    req.pipe(onward);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    count: () => count,
    served: (n) => (count >= n ? Promise.resolve() : new Promise((resolve) => waiters.push({ n, resolve }))),
    down: () => void (up = false),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A log whose entries can be awaited: `until(prefix)` resolves once an entry starts with it. */
function awaitableLog(): string[] & { until(prefix: string): Promise<void> } {
  const waiters: { prefix: string; resolve: () => void }[] = [];
  const log = Object.assign([] as string[], {
    until: (prefix: string) =>
      log.some((e) => e.startsWith(prefix))
        ? Promise.resolve()
        : new Promise<void>((resolve) => waiters.push({ prefix, resolve })),
  });
  log.push = (...entries: string[]) => {
    const length = Array.prototype.push.apply(log, entries);
    for (const w of waiters.filter((x) => entries.some((e) => e.startsWith(x.prefix)))) w.resolve();
    return length;
  };
  return log;
}

/**
 * A provider whose n-th start opens edge n (its URL the public one). `refuse` names the starts that fail;
 * `hang` those that wait until their signal is aborted. `lose(n)` ends tunnel n by itself.
 */
function healingProvider(log: string[], { refuse = [], hang = [] }: { refuse?: number[]; hang?: number[] } = {}) {
  const edges: Edge[] = [];
  const losers: ((loss: TunnelLoss) => void)[] = [];
  let starts = 0;
  const provider: TunnelProvider = {
    name: 'fake tunnel',
    async start(origin, { signal } = {}) {
      const n = ++starts;
      log.push(`tunnel start #${n}`);
      if (refuse.includes(n))
        throw new Failure('tunnel-exited-early', { how: 'code 1', lastLines: ['ERR no quick tunnel'] });
      if (hang.includes(n)) {
        return new Promise<never>((_resolve, reject) =>
          signal?.addEventListener('abort', () => {
            log.push(`tunnel start #${n} aborted`);
            reject(signal.reason);
          }),
        );
      }
      const edge = await startEdge(origin);
      edges[n] = edge;
      return {
        url: edge.origin,
        lost: new Promise<TunnelLoss>((resolve) => (losers[n] = resolve)),
        kill() {},
        stop: async () => {
          log.push(`tunnel stop #${n}`);
          await edge.close();
        },
      };
    },
  };
  return {
    provider,
    edge: (n: number) => edges[n]!,
    lose: (n: number) => losers[n]!({ how: 'code 1', lastLines: ['ERR connection terminated'] }),
  };
}

const healing = (overrides: Partial<TunnelHealing> = {}): TunnelHealing => ({
  restartDelaysMs: [0],
  checkIntervalMs: 0,
  checkFailures: 2,
  checkTimeoutMs: 5000,
  ...overrides,
});
const path = receiver.path;
// The emulator signs with the session's secret: the listener must accept it.
const sessionReceiver = { ...receiver, secrets: ['whsec_session', 'whsec_s'] };

async function emit(event: 'generation.completed'): Promise<unknown> {
  const payload = { ...(await loadFixture(event)), id: `evt_${Math.random().toString(36).slice(2)}` };
  return client!.request('POST', EMIT_PATH.replace('/v1/', ''), z.unknown(), payload);
}

describe('a listen session whose tunnel is lost', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'datachonk-heal-'));
  });
  afterEach(async () => rm(dir, { recursive: true, force: true }));

  it('restarts it after the wait, moves the same webhook to the new URL, and deliveries reach the listener again', async () => {
    const log = awaitableLog();
    const webhooks = await api();
    const tunnels = healingProvider(log);
    const presenceDir = join(dir, 'listeners');
    const session = await startListenSession(
      {
        receiver: sessionReceiver,
        tunnel: tunnels.provider,
        healing: healing({ restartDelaysMs: [0, 0] }),
        registration: registration(webhooks),
        presenceDir,
      },
      recordingReporter(log),
    );
    const [before] = await webhooks.list();
    expect(before!.url).toBe(`${tunnels.edge(1).origin}${path}`);
    await emit('generation.completed');
    expect(log.filter((e) => e.startsWith('received'))).toEqual(['received generation.completed']);

    tunnels.lose(1);
    await log.until('restored');
    const moved = `${tunnels.edge(2).origin}${path}`;
    expect(log.slice(log.indexOf('lost code 1: restart 1/2 in 0ms'))).toEqual([
      'lost code 1: restart 1/2 in 0ms',
      'tunnel stop #1',
      'starting fake tunnel',
      'tunnel start #2',
      `ready ${tunnels.edge(2).origin}`,
      `restored ${moved} ${before!.id} ${moved}`,
    ]);
    expect(await webhooks.list()).toEqual([
      expect.objectContaining({ id: before!.id, url: moved, events: ['generation.completed'] }),
    ]);
    expect(session.publicUrl).toBe(moved);
    expect(session.webhook).toMatchObject({ id: before!.id, url: moved });
    expect((await runningListeners(presenceDir, () => true))[0]!.public_url).toBe(moved);

    await emit('generation.completed');
    expect(log.filter((e) => e.startsWith('received'))).toEqual([
      'received generation.completed',
      'received generation.completed',
    ]);
    expect(tunnels.edge(2).count()).toBe(1);
    await session.close();
    expect(log.slice(-2)).toEqual(['unregistered', 'tunnel stop #2']);
    expect(await webhooks.list()).toEqual([]);
  });

  it('a public URL that stops answering is lost after the checks fail in a row: the old tunnel is stopped, then a new one started', async () => {
    const log = awaitableLog();
    const tunnels = healingProvider(log);
    const journalFile = join(dir, 'events.ndjson');
    const session = await startListenSession(
      {
        receiver,
        journalFile,
        tunnel: tunnels.provider,
        healing: healing({ checkIntervalMs: 1, checkFailures: 2 }),
      },
      recordingReporter(log),
    );
    // Checks go through the edge to the listener, which answers them itself.
    await tunnels.edge(1).served(3);
    tunnels.edge(1).down();
    await log.until('restored');
    expect(log.slice(log.findIndex((e) => e.startsWith('lost')))).toEqual([
      'lost 2 checks, 530: restart 1/1 in 0ms',
      'tunnel stop #1',
      'starting fake tunnel',
      'tunnel start #2',
      `ready ${tunnels.edge(2).origin}`,
      `restored ${tunnels.edge(2).origin}${path}`,
    ]);
    // The new URL is checked in turn; no check was ever reported or journalled as a request.
    await tunnels.edge(2).served(2);
    await session.close();
    expect(log.filter((e) => e.startsWith('received'))).toEqual([]);
    expect(await readFile(journalFile, 'utf8')).toBe('');
  });

  it('checks of a URL that never answered restart nothing (a new name may not resolve yet, a proxy may stand between)', async () => {
    const log = awaitableLog();
    const tunnels = healingProvider(log);
    const session = await startListenSession(
      { receiver, tunnel: tunnels.provider, healing: healing({ checkIntervalMs: 1, checkFailures: 2 }) },
      recordingReporter(log),
    );
    tunnels.edge(1).down();
    // Three times the checks that would mean a loss, had it answered once; a loss would end the wait sooner.
    await Promise.race([tunnels.edge(1).served(6), log.until('lost')]);
    expect(log.filter((e) => e.startsWith('lost') || e.startsWith('tunnel start'))).toEqual(['tunnel start #1']);
    await session.close();
  });

  it('a restart that fails is said and tried again after the next wait; after the last one lost resolves, typed', async () => {
    const log = awaitableLog();
    const tunnels = healingProvider(log, { refuse: [2, 3] });
    const session = await startListenSession(
      { receiver, tunnel: tunnels.provider, healing: healing({ restartDelaysMs: [0, 0] }) },
      recordingReporter(log),
    );
    tunnels.lose(1);
    const lost = await session.lost;
    expect(isFailure(lost, 'tunnel-gone') && lost.facts).toEqual({ reason: 'exited', restarts: 2 });
    expect(log.slice(log.indexOf('lost code 1: restart 1/2 in 0ms'))).toEqual([
      'lost code 1: restart 1/2 in 0ms',
      'tunnel stop #1',
      'starting fake tunnel',
      'tunnel start #2',
      'restart failed (tunnel-exited-early): restart 2/2',
      'starting fake tunnel',
      'tunnel start #3',
      'restart failed (tunnel-exited-early): giving up',
    ]);
    await session.close();
  });

  it('a webhook that cannot be moved is tried again with the same new tunnel', async () => {
    const log = awaitableLog();
    const webhooks = await api();
    let refusals = 1;
    const flaky = Object.assign(Object.create(webhooks) as WebhooksApi, {
      update: async (id: string, changes: UpdateWebhook) => {
        if (refusals-- > 0) throw new Error('the API is down');
        return webhooks.update(id, changes);
      },
    });
    const tunnels = healingProvider(log);
    const session = await startListenSession(
      {
        receiver,
        tunnel: tunnels.provider,
        healing: healing({ restartDelaysMs: [0, 0] }),
        registration: registration(flaky),
      },
      recordingReporter(log),
    );
    tunnels.lose(1);
    await log.until('restored');
    expect(log.filter((e) => /^(tunnel start|restart failed|restored)/.test(e))).toEqual([
      'tunnel start #1',
      'tunnel start #2',
      'restart failed (the API is down): restart 2/2',
      expect.stringMatching(/^restored .* wh_/),
    ]);
    expect((await webhooks.list())[0]!.url).toBe(`${tunnels.edge(2).origin}${path}`);
    await session.close();
  });

  it('close during the wait before a restart: no restart, the webhook deleted', async () => {
    const log = awaitableLog();
    const webhooks = await api();
    const tunnels = healingProvider(log);
    const session = await startListenSession(
      {
        receiver,
        tunnel: tunnels.provider,
        healing: healing({ restartDelaysMs: [3_600_000] }),
        registration: registration(webhooks),
      },
      recordingReporter(log),
    );
    tunnels.lose(1);
    await log.until('lost');
    await session.close();
    expect(log.filter((e) => e.startsWith('tunnel start'))).toEqual(['tunnel start #1']);
    expect(log).toContain('unregistered');
    expect(await webhooks.list()).toEqual([]);
  });

  it("close during a restart's start: the start is aborted, the webhook deleted", async () => {
    const log = awaitableLog();
    const webhooks = await api();
    const tunnels = healingProvider(log, { hang: [2] });
    const session = await startListenSession(
      { receiver, tunnel: tunnels.provider, healing: healing(), registration: registration(webhooks) },
      recordingReporter(log),
    );
    tunnels.lose(1);
    await log.until('tunnel start #2');
    await session.close();
    expect(log).toContain('tunnel start #2 aborted');
    expect(log.filter((e) => e.startsWith('restart') || e.startsWith('restored'))).toEqual([]);
    expect(await webhooks.list()).toEqual([]);
  });
});

import { join } from 'node:path';
import type { Context } from '../../context.js';
import { failure, interrupted } from '../../errors.js';
import { knownSecrets } from '../../config/secret.js';
import { READER_GONE } from '../../shutdown.js';
import { signingSecret } from '../secret.js';
import { DEFAULT_LISTEN_PATH, JOURNAL_FILE, LISTENERS_DIR, RECEIVER_DEFAULTS } from '../../defaults.js';
import { headerValue } from '../../core/headers.js';
import { ANSWERED_BY_HEADER, ANSWERED_BY_LISTENER } from '../../core/listen/forward.js';
import { startListenSession, type ListenSession, type ListenSessionOptions } from '../../core/listen/session.js';
import { createSender } from '../../core/send.js';
import { seededRandom } from '../../core/seeded-random.js';
import { buildWebhookRequest } from '../../core/trigger/request.js';
import { runDeliveries, type DeliveryReport } from '../../core/trigger/run.js';
import { startJournalInspector, type Inspector } from '../../inspector/server.js';
import {
  createDemoView,
  deliveryName,
  problemText,
  type DemoStart,
  type DemoView,
  type DeliveryProblem,
  type JudgedDelivery,
} from '../../ui/demo.js';
import { userAgent } from '../api.js';
import type { Action } from '../define.js';
import { bodyExcerpt, type Batch } from '../trigger/run.js';
import { scenarioBatch } from '../trigger/scenario.js';
import type { DemoOptions, DemoSpecs } from './index.js';
import {
  SAMPLE_RECEIVER_FILE,
  startSampleReceiver,
  type ReceiverSettings,
  type RunningApp,
} from './sample-receiver.js';

/** The scenario that shows the most: one chonk created, generated and pushed (four event types). */
const SCENARIO = 'generate-and-push';
// With this seed the duplicate is step 3 (generation.completed), sent again right after itself: a
// delivery DataChonk retried because the answer to the first was lost.
const SEED = 15;
const SEND_TIMEOUT_MS = RECEIVER_DEFAULTS.forwardTimeoutMs + 5_000;

/** What the demo runs that a test may change: the app the listener forwards to. */
export interface DemoParts {
  startApp: (settings: ReceiverSettings) => Promise<RunningApp>;
}

/** The demo with other parts (a test's app that answers 500, or checks another secret). */
export function demoWith(parts: DemoParts): Action<DemoSpecs> {
  return (ctx, { options }) => runDemo(ctx, options, parts);
}

/**
 * `datachonk demo`: the sample receiver, a listener in front of it (the session `datachonk listen` runs)
 * with its inspector, and a scenario sent through them as `trigger` sends it; then it runs until Ctrl-C,
 * or with --exit ends, failing unless every delivery was verified and answered 2xx.
 */
const demo: Action<DemoSpecs> = demoWith({ startApp: startSampleReceiver });
export default demo;

async function runDemo(ctx: Context, options: DemoOptions, parts: DemoParts): Promise<void> {
  // Handlers first: a Ctrl-C during setup or the scenario must reach them.
  const stopRequested = ctx.waitForShutdown();
  let stoppedBy: string | undefined;
  // The reader of stdout gone (`demo --exit | head`) does not stop the scenario: its verdict is still the exit code.
  void stopRequested.then((signal) => (stoppedBy = signal === READER_GONE && options.exit ? undefined : signal));
  const resolved = await signingSecret(ctx, undefined);
  const view = createDemoView(ctx);
  const setup = { secret: resolved.secret, source: resolved.source, view, parts, announceStop: !options.exit };
  const loop = await startLoop(ctx, setup);
  let result: ScenarioResult;
  try {
    const batch = await scenario(ctx, loop.shown.listenerUrl, resolved.secret);
    const info: DemoStart = { ...loop.shown, secretSource: resolved.source, scenario: batch.scenario! };
    view.started(info);
    const judged = await send(ctx, { batch, view, stopped: () => stoppedBy !== undefined });
    result = { judged, total: batch.total, steps: info.scenario.events.length };
    view.finished(judged, info);
    if (!options.exit && stoppedBy === undefined) {
      view.ready(info);
      await stopRequested;
    }
  } finally {
    await loop.close();
  }
  if (options.exit) verdict(result, stoppedBy);
}

interface ScenarioResult {
  judged: readonly JudgedDelivery[];
  /** How many sends the scenario makes, and its steps. */
  total: number;
  steps: number;
}

/** With --exit: interrupted (130) before the scenario was sent, a failure (1) naming each delivery that went wrong. */
function verdict({ judged, total, steps }: ScenarioResult, stoppedBy: string | undefined): void {
  if (stoppedBy !== undefined && judged.length < total)
    throw interrupted(`interrupted (${stoppedBy}): sent ${judged.length} of the scenario's ${total} events`);
  const failed = judged.filter((j) => j.problem);
  if (failed.length === 0) return;
  const which = failed.map((j) => `${deliveryName(j.report.request, steps)}: ${problemText(j.problem!)}`);
  throw failure(
    `${failed.length} of ${judged.length} deliveries were not verified and answered 2xx:\n  ${which.join('\n  ')}`,
    'the lines above show what the listener and the receiver did with each; `datachonk events list` lists them again',
  );
}

interface Loop {
  shown: Pick<DemoStart, 'receiverUrl' | 'receiverFile' | 'listenerUrl' | 'inspectorUrl' | 'journalFile'>;
  close(): Promise<void>;
}

interface LoopSetup {
  secret: string;
  source: DemoStart['secretSource'];
  view: DemoView;
  parts: DemoParts;
  /** Say "Stopping…" (not after --exit's summary: stopping is what it was asked for). */
  announceStop: boolean;
}

/** The receiver, the listener forwarding to it and the inspector; each stopped if a later one fails to start. */
async function startLoop(ctx: Context, setup: LoopSetup): Promise<Loop> {
  const { view } = setup;
  const stops: (() => Promise<void>)[] = [];
  const close = async () => {
    for (const stop of stops.splice(0).reverse()) await stop();
  };
  try {
    const app = await setup.parts.startApp({ secret: setup.secret, log: (line) => view.appSaid(line) });
    stops.push(() => app.close());
    const session = await startListenSession(await sessionOptions(ctx, setup, app.url), view);
    stops.push(async () => {
      if (setup.announceStop) view.stopping(session.receiver.inFlight());
      await session.close();
      view.flush();
    });
    const inspector = await ownInspector(ctx, { session, secret: setup.secret, app });
    stops.push(() => inspector.close());
    return {
      shown: {
        receiverUrl: app.url,
        receiverFile: SAMPLE_RECEIVER_FILE,
        listenerUrl: session.receiver.url,
        inspectorUrl: inspector.url,
        journalFile: session.journalFile,
      },
      close,
    };
  } catch (error) {
    await close();
    throw error;
  }
}

/** What `datachonk listen --port 0 --forward <the receiver>` would start, with the secret the receiver has. */
async function sessionOptions(ctx: Context, setup: LoopSetup, appUrl: string): Promise<ListenSessionOptions> {
  return {
    receiver: {
      host: '127.0.0.1',
      port: 0,
      path: DEFAULT_LISTEN_PATH,
      secrets: [setup.secret],
      appSecrets: [setup.secret],
      otherSecrets: await knownSecrets(setup.source, ctx.env, ctx.paths.configFile),
      skipVerify: false,
      targets: [new URL(appUrl)],
      forwardTimeoutMs: RECEIVER_DEFAULTS.forwardTimeoutMs,
      maxBodyBytes: RECEIVER_DEFAULTS.maxBodyBytes,
      now: ctx.now,
      monotonic: ctx.monotonic,
    },
    journalFile: join(ctx.paths.stateDir, JOURNAL_FILE),
    presenceDir: join(ctx.paths.stateDir, LISTENERS_DIR),
  };
}

/** The inspector `listen --inspect 0` serves: over the journal, its replays sent through the listener. */
function ownInspector(
  ctx: Context,
  { session, secret, app }: { session: ListenSession; secret: string; app: RunningApp },
): Promise<Inspector> {
  return startJournalInspector({
    port: 0,
    journalFile: session.journalFile!,
    mode: 'listen',
    secret,
    userAgent: userAgent(ctx),
    listenUrl: async () => session.receiver.url,
    targets: [app.url],
  });
}

/** The built-in scenario's requests to the listener, signed as `trigger --scenario … --duplicate 1` signs them. */
function scenario(ctx: Context, url: string, secret: string): Promise<Batch> {
  const flags = {
    scenario: SCENARIO,
    set: [],
    validate: true,
    shuffle: false,
    reverse: false,
    duplicate: 1,
    delay: undefined,
  };
  const options = { url, secret, signature: 'valid' as const, userAgent: userAgent(ctx), headers: {} };
  return scenarioBatch(ctx, {
    flags,
    seed: SEED,
    random: seededRandom(SEED),
    requestMaker: async () => (event) => buildWebhookRequest(event.body, event.event, event.id, options),
  });
}

/** Sends the scenario one request at a time, each judged as it is answered. */
async function send(
  ctx: Context,
  run: { batch: Batch; view: DemoView; stopped: () => boolean },
): Promise<JudgedDelivery[]> {
  const judged: JudgedDelivery[] = [];
  const sender = createSender({ connections: 1, clock: ctx.monotonic });
  const report = (delivery: DeliveryReport) => {
    const verdict = { report: delivery, problem: problemOf(delivery) };
    judged.push(verdict);
    run.view.delivery(verdict);
  };
  await runDeliveries(
    run.batch.requests(),
    {
      concurrency: 1,
      timeoutMs: SEND_TIMEOUT_MS,
      expectStatus: (status) => status >= 200 && status < 300,
      sender,
      clock: ctx.monotonic,
      stopped: run.stopped,
    },
    { delivery: report },
  ).finally(() => sender.close());
  return judged;
}

/**
 * What went wrong with a delivery, if anything. A 2xx that the listener did not answer itself is the
 * receiver's: the listener forwards only what it verified (it refuses the rest with 401), so it was verified.
 */
function problemOf({ outcome }: DeliveryReport): DeliveryProblem | undefined {
  if (outcome.kind === 'error') return { kind: 'unreachable', message: outcome.message };
  const byListener = headerValue(outcome.headers(), ANSWERED_BY_HEADER) === ANSWERED_BY_LISTENER;
  const said = outcome.body ? bodyExcerpt(outcome.body) : '';
  if (byListener) return { kind: 'listener', status: outcome.status, said };
  return outcome.status >= 200 && outcome.status < 300 ? undefined : { kind: 'app', status: outcome.status, said };
}

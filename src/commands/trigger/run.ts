import { randomInt } from 'node:crypto';
import { join } from 'node:path';
import type { Context } from '../../context.js';
import { DEFAULT_TRIGGER_URL, LISTENERS_DIR, TRIGGER_GIVE_UP_AFTER } from '../../defaults.js';
import { runningListeners } from '../../core/listen/presence.js';
import { isAlive } from '../../core/processes.js';
import { chooseDestination, type Destination } from '../../core/trigger/destination.js';
import { READER_GONE } from '../../shutdown.js';
import { failure, interrupted, usageError } from '../../errors.js';
import { secretSourceOf } from '../../config/secret.js';
import { buildPayload, compileRecipe, type SerializedEvent } from '../../core/events/build.js';
import { newEventId } from '../../core/events/payload.js';
import { pickDelay } from '../../core/trigger/order.js';
import { seededRandom } from '../../core/seeded-random.js';
import { planPayloads } from '../../core/trigger/plan.js';
import { buildWebhookRequest, splitCredentials, toCurl, type WebhookRequest } from '../../core/trigger/request.js';
import { runDeliveries, type TriggerSummary } from '../../core/trigger/run.js';
import { createSender } from '../../core/send.js';
import { diagnoseRefusal, mistakeAnswer, type RefusalDiagnosis } from '../../core/refusal.js';
import { headerValue } from '../../core/headers.js';
import { ANSWERED_BY_HEADER, ANSWERED_BY_LISTENER } from '../../core/listen/forward.js';
import { SIGNATURE_HEADER } from '../../core/signing/signature.js';
import { mistakeFix, mistakeWords } from '../../ui/stack-advice.js';
import { printEventTypes } from '../../ui/output.js';
import { appReplyHint, tlsHint } from '../../ui/app-reply.js';
import { printPayload } from '../../ui/payload.js';
import { warnUnknownFields } from '../../ui/payload-warnings.js';
import { createTriggerView, type ScenarioHeader } from '../../ui/trigger.js';
import { userAgent } from '../api.js';
import type { Action } from '../define.js';
import type { TriggerOptions, TriggerSpecs } from './index.js';
import { signingSecret } from '../secret.js';

/** What one run sends. */
export interface Batch {
  /** How many requests `requests` yields. */
  total: number;
  requests: () => Iterator<WebhookRequest>;
  /** What a dry run prints: each event type once, or a scenario's every send. */
  dryRun: () => WebhookRequest[];
  scenario?: ScenarioHeader | undefined;
}

/** Makes the signed request of one serialized event, as the flags say (URL, secret, headers). */
export type RequestMaker = (event: SerializedEvent) => WebhookRequest;

/** `datachonk trigger`: build, sign and send events; exit 1 when an answer is not the expected one. */
const trigger: Action<TriggerSpecs> = async (ctx, { args: [event], options: flags }) => {
  if (flags.list) return printEventTypes(ctx);
  if (flags.listScenarios) return (await import('./scenario.js')).listScenarios(ctx);
  refuseMixes(event, flags);
  const seed = flags.seed ?? randomInt(0, 2 ** 32);
  const random = seededRandom(seed);
  // Found only when a request is made: --print-payload needs no listener, and says nothing of one.
  let destination: Destination | undefined;
  const makeRequests = async () => requestMaker(ctx, flags, (destination = await findDestination(ctx, flags.url)));
  const batch = flags.scenario
    ? await (await import('./scenario.js')).scenarioBatch(ctx, { flags, seed, random, requestMaker: makeRequests })
    : await eventBatch(ctx, { event, flags, requestMaker: makeRequests });
  if (batch) await sendBatch(ctx, { batch, flags, random, destination: destination! });
};

export default trigger;

/** Usage errors for options that only go with others (commander's conflicts say the rest). */
function refuseMixes(event: string | undefined, flags: TriggerOptions): void {
  if (flags.all && event) throw usageError('--all sends every event type: leave out the event name');
  if (flags.scenario && event)
    throw usageError(
      '--scenario names the events to send: leave out the event name',
      'its events are listed by `datachonk trigger --list-scenarios`',
    );
  const reorders = (['shuffle', 'reverse', 'duplicate'] as const).filter(
    (key) => flags[key] !== undefined && flags[key] !== false,
  );
  if (reorders.length > 0 && !flags.scenario) {
    throw usageError(
      `--${reorders[0]} changes the order of a scenario's events: add --scenario <name|file>`,
      'see `datachonk trigger --list-scenarios`',
    );
  }
}

/**
 * Where to send: --url, else the `datachonk listen` this user runs (the one on the default port when there
 * are several), else the default URL. Several and none on the default port: the user must say which.
 */
async function findDestination(ctx: Context, url: string | undefined): Promise<Destination> {
  const notes = url === undefined ? await runningListeners(join(ctx.paths.stateDir, LISTENERS_DIR), isAlive) : [];
  const chosen = chooseDestination(url, notes, DEFAULT_TRIGGER_URL);
  if (chosen.source !== 'several') return chosen;
  throw usageError(
    `${chosen.urls.length} \`datachonk listen\` are running, none on the default port, so which one to send to is not clear:\n${chosen.urls.map((u) => `  ${u}`).join('\n')}`,
    `give --url, e.g. datachonk trigger --url ${chosen.urls[0]!} …`,
  );
}

/** The flags' requests: built-in fixtures or a file, each type `--count` times with fresh ids. */
async function eventBatch(
  ctx: Context,
  {
    event,
    flags,
    requestMaker,
  }: { event: string | undefined; flags: TriggerOptions; requestMaker: () => Promise<RequestMaker> },
): Promise<Batch | undefined> {
  const { recipes, warnings } = await planPayloads(
    { event, all: flags.all, fixtureFile: flags.fixture, data: flags.data, sets: flags.set, validate: flags.validate },
    ctx.now(),
  );
  warnUnknownFields(ctx, warnings);
  if (flags.printPayload) {
    printPayload(ctx, buildPayload(recipes[0]!, { id: newEventId(), createdAt: ctx.now() }));
    return undefined;
  }
  const makeRequest = await requestMaker();
  const requestFor = (next: ReturnType<typeof compileRecipe>) =>
    makeRequest(next({ id: newEventId(), createdAt: ctx.now() }));
  return {
    total: recipes.length * flags.count,
    dryRun: () => recipes.map((recipe) => requestFor(compileRecipe(recipe))),
    *requests() {
      for (const recipe of recipes) {
        const next = compileRecipe(recipe);
        for (let i = 0; i < flags.count; i++) yield requestFor(next);
      }
    },
  };
}

async function requestMaker(ctx: Context, flags: TriggerOptions, destination: Destination): Promise<RequestMaker> {
  const { secret } = flags.signature === 'missing' ? { secret: '' } : await signingSecret(ctx, flags.secret);
  // A user name and password in the URL go as Basic authorization, and are never shown (the password masked).
  const target = splitCredentials(destination.url);
  const options = {
    ...target,
    secret,
    signature: flags.signature,
    userAgent: userAgent(ctx),
    headers: Object.fromEntries(flags.header),
  };
  return ({ body, event, id }) => buildWebhookRequest(body, event, id, options);
}

/** Sends a batch (or prints it, for a dry run) and says how it went. */
async function sendBatch(
  ctx: Context,
  run: { batch: Batch; flags: TriggerOptions; random: () => number; destination: Destination },
): Promise<void> {
  const { batch, flags, destination } = run;
  const dryRun = flags.dryRun ? batch.dryRun() : undefined;
  const signedWith =
    flags.signature === 'missing'
      ? 'unsigned'
      : flags.signature === 'invalid'
        ? 'forged'
        : secretSourceOf(flags.secret, ctx.env);
  const view = await createTriggerView(ctx, {
    total: dryRun?.length ?? batch.total,
    destination,
    dryRun: !!dryRun,
    signedWith,
  });
  if (batch.scenario) view.scenario(batch.scenario);
  if (dryRun) {
    for (const request of dryRun) view.dryRun(request, toCurl(request));
    view.stop();
    return;
  }
  const stop = stopOnShutdown(ctx, flags.delay && { delay: flags.delay, random: run.random });
  const sender = createSender({ connections: flags.concurrency, clock: ctx.monotonic });
  const expectStatus = flags.expectStatus;
  const summary = await runDeliveries(
    batch.requests(),
    {
      concurrency: flags.concurrency,
      timeoutMs: flags.timeout,
      sender,
      clock: ctx.monotonic,
      stopped: () => stop.reason !== undefined,
      expectStatus: (status) => (expectStatus === undefined ? status >= 200 && status < 300 : status === expectStatus),
      // The status expected of the app, answered by the listener in front of it, says nothing of the app.
      listenerAnswersCount: expectStatus === undefined || flags.throughListener,
      giveUpAfter: TRIGGER_GIVE_UP_AFTER,
      ...(stop.pause ? { pause: stop.pause } : {}),
    },
    view,
  ).finally(() => sender.close());
  // The reader of stdout has gone (`| head`): it has what it wanted; nothing more to say, exit 0.
  if (stop.reason === READER_GONE) return view.stop();
  if (batch.total > 1 || stop.reason) view.summary(summary);
  view.stop();
  const { total } = batch;
  if (stop.reason)
    throw interrupted(
      `interrupted (${stop.reason}): sent ${summary.sent} of ${total} event${total === 1 ? '' : 's'}, ${summary.ok} as expected, ${summary.failed} not`,
    );
  if (summary.gaveUp) throw nothingListening(summary, { total, destination });
  if (summary.failed > 0)
    throw explainFailures(summary, {
      total,
      expectStatus,
      destination,
      seed: batch.scenario?.seed,
      signed: flags.signature === 'valid',
      diagnosis: await diagnose(ctx, { summary, flags, total, destination }),
    });
}

/**
 * One correctly signed event refused (401, 403) by the app itself: sent again signed the ways receivers get
 * it wrong (core/refusal.ts), a handful of requests, so that the hint names the mistake or the secret.
 */
async function diagnose(
  ctx: Context,
  run: { summary: TriggerSummary; flags: TriggerOptions; total: number; destination: Destination },
): Promise<RefusalDiagnosis | undefined> {
  const { summary, flags } = run;
  const request = summary.firstUnexpectedRequest;
  if (run.total !== 1 || flags.signature !== 'valid' || summary.firstUnexpectedCause?.kind !== 'refused' || !request)
    return undefined;
  // Through a listener the mistakes cannot reach the app: it verifies them and re-signs what it forwards.
  if (run.destination.source === 'listener') return undefined;
  const { secret } = await signingSecret(ctx, flags.secret);
  const sender = createSender({ connections: 1, clock: ctx.monotonic });
  return diagnoseRefusal({ secret, body: request.body }, async (signature) => {
    const again = await sender.send(
      { ...request, headers: { ...request.headers, [SIGNATURE_HEADER]: signature } },
      { timeoutMs: flags.timeout },
    );
    return mistakeAnswer(
      again.kind === 'response'
        ? {
            status: again.status,
            byListener: headerValue(again.headers(), ANSWERED_BY_HEADER) === ANSWERED_BY_LISTENER,
          }
        : undefined,
    );
  }).finally(() => sender.close());
}

/**
 * Ctrl-C or SIGTERM (or the reader of stdout gone): send nothing more, let what is in flight finish. A
 * `--delay` pause is cut short by it. A second signal ends the process at once.
 */
function stopOnShutdown(
  ctx: Context,
  delay: { delay: NonNullable<TriggerOptions['delay']>; random: () => number } | undefined,
): { readonly reason: string | undefined; pause?: () => Promise<void> } {
  const state: { reason: string | undefined; wake?: () => void } = { reason: undefined };
  void ctx.waitForShutdown().then((reason) => {
    state.reason = reason;
    state.wake?.();
  });
  const pause =
    delay &&
    (() =>
      new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, pickDelay(delay.delay, delay.random));
        state.wake = () => {
          clearTimeout(timer);
          resolve();
        };
      }));
  return {
    get reason() {
      return state.reason;
    },
    ...(pause ? { pause } : {}),
  };
}

/** Nothing answers at the URL: the run stopped after TRIGGER_GIVE_UP_AFTER refusals in a row. */
function nothingListening(summary: TriggerSummary, run: { total: number; destination: Destination }) {
  const host = new URL(run.destination.url).host;
  const refused = summary.errors.refused ?? 0;
  const unresolved = summary.errors.dns ? `, ${summary.errors.dns} could not resolve the host` : '';
  return failure(
    `nothing is listening at ${splitCredentials(run.destination.url).shownUrl}: ${refused} of ${summary.sent} connection${summary.sent === 1 ? ' was' : 's were'} refused${unresolved}, the last ${TRIGGER_GIVE_UP_AFTER} in a row, so trigger stopped (${summary.sent} of ${run.total} sent)`,
    networkHint(summary, { host, destination: run.destination }),
  );
}

interface Expected {
  total: number;
  expectStatus: TriggerOptions['expectStatus'];
  destination: Destination;
  /** The seed of a scenario's random order, to give it again. */
  seed?: number | undefined;
  /** Whether the events carried a correct signature (not --signature invalid or missing). */
  signed: boolean;
  /** A refused event sent again signed the usual wrong ways: what the app accepted. */
  diagnosis?: RefusalDiagnosis | undefined;
}

function explainFailures(summary: TriggerSummary, run: Expected) {
  const expected = run.expectStatus === undefined ? 'a 2xx status' : `status ${run.expectStatus}`;
  const host = new URL(run.destination.url).host;
  const again =
    run.seed === undefined ? '' : `${run.total > 1 ? '; ' : ''}--seed ${run.seed} sends them in the same order again`;
  const hint = (text: string | undefined) => (text || again ? `${text ?? ''}${again}` : undefined);
  const cause = listenerCause(summary, host, run.expectStatus);
  if (run.total > 1) {
    return failure(
      `${summary.failed} of ${summary.sent} deliveries did not get ${expected}${cause ? `; the first: ${cause}` : ''}`,
      hint(networkHint(summary, { host, destination: run.destination }) ?? statusHint(summary, run)),
    );
  }
  if (summary.firstError)
    return failure(
      `could not deliver the event: ${summary.firstError}`,
      networkHint(summary, { host, destination: run.destination }),
    );
  if (cause) return failure(cause, statusHint(summary, run));
  const status = summary.firstUnexpectedStatus;
  const said = summary.firstUnexpectedBody ? `: ${bodyExcerpt(summary.firstUnexpectedBody)}` : '';
  // Who answered matters: a 401 from `datachonk listen` means the app never saw the request.
  const who = summary.firstUnexpectedByListener
    ? `the listener at ${host} (datachonk listen) answered ${status}`
    : `your app answered ${status}`;
  const after =
    summary.firstUnexpectedByListener && status !== undefined && status < 500 ? '; your app never saw the request' : '';
  return failure(`${who}, not ${expected}${said}${after}`, statusHint(summary, run));
}

/**
 * The listener's 502 or 504, said as what happened: it could not reach the app, or the app did not
 * answer it in time. Its own words (the `error` of its JSON answer) name the app's address and the cause.
 */
function listenerCause(summary: TriggerSummary, host: string, expectStatus: number | undefined): string | undefined {
  if (!summary.firstUnexpectedByListener) return undefined;
  const said = summary.firstUnexpectedBody ? `: ${bodyExcerpt(summary.firstUnexpectedBody)}` : '';
  const listener = `the listener at ${host} (datachonk listen)`;
  if (summary.firstUnexpectedStatus === expectStatus)
    return `${listener} answered ${expectStatus} itself, not your app: your app never saw the request, so this says nothing of it${said}`;
  if (summary.firstUnexpectedStatus === 502)
    return `${listener} could not reach your app, so your app never saw the request${said}`;
  if (summary.firstUnexpectedStatus === 504) return `your app did not answer ${listener} in time${said}`;
  return undefined;
}

function networkHint(
  summary: TriggerSummary,
  { host, destination }: { host: string; destination: Destination },
): string | undefined {
  // A bare trigger found no listener and tried the default URL: say so, and how to start one.
  if (summary.errors.refused && destination.source === 'default')
    return 'no `datachonk listen` is running: start one in another terminal (datachonk listen --forward localhost:3000), or send straight to your app with --url';
  if (summary.errors.refused) return `is your app, or \`datachonk listen\`, running on ${host}?`;
  return summary.errors.timeout ? 'is your app stuck? raise --timeout if it needs longer' : undefined;
}

/** What to do about a status the listener answered itself, by status. */
const LISTENER_HINTS: Record<number, string> = {
  401: "the listener verifies with its own secret: give trigger the same one (--secret, or DATACHONK_WEBHOOK_SECRET for both), or see the secret in the listener's Ready block",
  413: 'the listener refuses bodies larger than its --max-body: start it with a larger one (datachonk listen --max-body 10MiB)',
  502: "start your app (or fix the listener's --forward target), then send again: the listener passes each event on to it",
  504: 'is your app stuck? start the listener with a longer --forward-timeout if it needs longer',
};

function statusHint(summary: TriggerSummary, run: Expected): string | undefined {
  const status = summary.firstUnexpectedStatus;
  if (summary.firstUnexpectedByListener && status === run.expectStatus)
    return "send to your app's own URL with --url to test it, or pass --through-listener if testing the listener is what you meant";
  const mistake = run.diagnosis?.mistake;
  if (mistake)
    return `${mistakeWords(mistake)}: it accepted the same event signed that way, so the secret is right; ${mistakeFix(mistake, summary.firstUnexpectedStack)}`;
  if (summary.firstUnexpectedByListener && status !== undefined && LISTENER_HINTS[status])
    return (status === 502 && tlsHint(listenerCode(summary.firstUnexpectedBody))) || LISTENER_HINTS[status];
  // The app's answer: its likely cause first (a 401 to a signed event is most often another secret).
  const cause = appReplyHint(summary.firstUnexpectedCause, {
    path: new URL(run.destination.url).pathname,
    signed: run.signed,
    pathFlag: '--url',
  });
  if (cause && run.diagnosis)
    return `${cause} (it refused the same event signed ${run.diagnosis.tried} usual wrong ways too)`;
  if (cause) return cause;
  return run.expectStatus === undefined && summary.firstUnexpectedStatus
    ? 'use --expect-status if that status is what you meant to test'
    : undefined;
}

/** The `code` of the listener's JSON answer (why it could not reach the app), when it has one. */
function listenerCode(body: string | undefined): string | undefined {
  try {
    const code = (JSON.parse(body ?? '') as { code?: unknown }).code;
    return typeof code === 'string' ? code : undefined;
  } catch {
    return undefined;
  }
}

/** What a response body says, short: the `error` of a JSON answer, the title or text of an HTML page, else its start. */
export function bodyExcerpt(body: string): string {
  const text = body.trim();
  try {
    const parsed = JSON.parse(text) as { error?: unknown; message?: unknown };
    const said =
      typeof parsed.error === 'string' ? parsed.error : typeof parsed.message === 'string' ? parsed.message : undefined;
    if (said) return clip(said);
  } catch {
    // Not JSON: below.
  }
  if (/^<(!doctype|html|head|body|\?xml)/i.test(text)) {
    const title = /<title[^>]*>([^<]*)<\/title>/i.exec(text)?.[1] ?? /<h1[^>]*>([^<]*)<\/h1>/i.exec(text)?.[1];
    const words = (title ?? text.replace(/<(script|style)[\s\S]*?<\/\1>/gi, ' ').replace(/<[^>]*>/g, ' '))
      .replace(/\s+/g, ' ')
      .trim();
    return `an HTML page: ${clip(words)}`;
  }
  return clip(text.replace(/\s+/g, ' '));
}

function clip(text: string, max = 160): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

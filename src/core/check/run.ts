import { headerValue } from '../headers.js';
import { ANSWERED_BY_HEADER, ANSWERED_BY_LISTENER } from '../listen/forward.js';
import { diagnoseRefusal, mistakeAnswer, type RefusalDiagnosis } from '../refusal.js';
import type { Sender } from '../send.js';
import { detectStack, type Stack } from '../stack.js';
import { SIGNATURE_HEADER } from '../signing/signature.js';
import { buildWebhookRequest, type Target, type WebhookRequest } from '../trigger/request.js';
import type { CheckGroup } from './groups.js';
import {
  judge,
  judgeLatency,
  type EndpointReply,
  type CheckHint,
  type CheckStatus,
  type Expectations,
  type LatencyFacts,
} from './judge.js';
import { loadMaterial, PROBES, type Material, type Probe } from './probes.js';

// The runner of `datachonk check`: sends the probes of the groups asked for through the one sender
// (send.ts), a few at a time, judges each, and adds the latency check over every answer. The first
// probe goes alone: an endpoint that is down, at another path, or on another secret stops the run
// there with one clear failure, not a wall of identical ones.

/** `Target`: where the requests go (without credentials), how to show it, and its credentials (splitCredentials). */
export interface CheckSettings extends Expectations, Target {
  secret: string;
  userAgent: string;
  /** Extra request headers (an endpoint behind an auth header). */
  headers: Readonly<Record<string, string>>;
  groups: ReadonlySet<CheckGroup>;
  timeoutMs: number;
  /** Answers slower than this are a warning. */
  slowMs: number;
}

export interface CheckWorld {
  sender: Sender;
  /** Monotonic milliseconds. */
  clock: () => number;
  now: () => Date;
  /** Probes in flight at once (a duplicate sent at once counts one). */
  concurrency?: number;
  /** True once the user asked to stop (Ctrl-C): no probe is started after, those in flight finish. */
  interrupted?: () => boolean;
}

/** One request of a probe and what came of it. */
export interface Exchange {
  request: WebhookRequest;
  answer: EndpointReply;
  /** The language its answer shows (core/stack.ts). */
  stack?: Stack | undefined;
}

export interface CheckResult {
  group: CheckGroup;
  check: string;
  /** What was sent, in a few words. */
  sends: string;
  status: CheckStatus;
  expected: string;
  hint?: CheckHint | undefined;
  exchanges: Exchange[];
  /** The latency check's figures. */
  latency?: LatencyFacts | undefined;
  /** A refused signed event sent again signed the ways receivers get it wrong: what the endpoint accepted. */
  diagnosis?: RefusalDiagnosis | undefined;
}

/** Why a run stopped early: the endpoint cannot be reached, is not at this path, verifies with another secret, or went down. */
export type StopReason = 'unreachable' | 'not-found' | 'refused-signed' | 'went-down';

export interface CheckReport {
  url: string;
  /** In the order of the groups and their checks. */
  results: CheckResult[];
  /** The checks asked for (more than the results when the run stopped early). */
  planned: number;
  stopped?: { reason: StopReason; result: CheckResult; suspects?: string[] } | undefined;
  /** The user stopped the run (Ctrl-C): the results are those of the checks that ran. */
  interrupted?: true | undefined;
  /** The checks asked for that did not run (the run stopped first), in order. */
  notRun: { group: CheckGroup; check: string }[];
  durationMs: number;
  /** The language the endpoint's answers show, when one does. */
  stack?: Stack | undefined;
  /** Answers `datachonk listen` gave itself: the endpoint is a listener in front of the app, not the app. */
  listenerAnswers: number;
}

/** Runs the checks of the groups asked for against the endpoint. */
export async function runChecks(settings: CheckSettings, world: CheckWorld): Promise<CheckReport> {
  const started = world.clock();
  const reported = PROBES.filter((probe) => settings.groups.has(probe.group));
  // The latency check alone still needs answers to time: the deliveries, not reported.
  const deliveries = PROBES.filter((probe) => probe.group === 'delivery');
  // A plain delivery goes first, reported or not: only its answer tells a wrong secret, path or address
  // from an endpoint that refuses the other probes' bytes (fidelity) or types (forward-compat) on purpose.
  const probes =
    reported.length === 0 ? deliveries : reported[0]!.group === 'delivery' ? reported : [deliveries[0]!, ...reported];
  const material = await loadMaterial(settings.secret, world.now());
  const planned = reported.length + (settings.groups.has('latency') ? 1 : 0);
  const send = (probe: Probe, first = false) => runProbe(probe, { material, settings, world, first });
  const done = new Map<Probe, CheckResult>();
  const first = await send(probes[0]!, true);
  let stopped = stopAtFirst(probes[0]!, first);
  done.set(probes[0]!, stopped?.result ?? first);
  const interrupted = () => world.interrupted?.() === true;
  if (!stopped) {
    await eachBounded(probes.slice(1), world.concurrency ?? 4, async (probe) => {
      if (stopped || interrupted()) return;
      const result = await send(probe);
      done.set(probe, result);
      // Refused after the first answer: it went down (did a request crash it?). Send nothing more.
      if (result.exchanges.some((e) => e.answer.kind === 'error' && e.answer.code === 'refused'))
        stopped ??= { reason: 'went-down', result };
    });
  }
  if (stopped?.reason === 'went-down') stopped = { ...stopped, suspects: suspects(done) };
  const results = prefixCompared(reported.flatMap((probe) => done.get(probe) ?? []));
  const exchanges = [...done.values()].flatMap((result) => result.exchanges);
  const cut = Boolean(stopped) || interrupted();
  if (!cut && settings.groups.has('latency')) results.push(latencyResult([...done.values()], settings));
  const notRun: CheckReport['notRun'] = reported
    .filter((probe) => !done.has(probe))
    .map(({ group, name }) => ({ group, check: name }));
  if (cut && settings.groups.has('latency')) notRun.push({ group: 'latency', check: 'answer-time' });
  return {
    url: settings.shownUrl ?? settings.url,
    results,
    planned,
    notRun,
    ...(stopped ? { stopped } : {}),
    ...(interrupted() ? { interrupted: true as const } : {}),
    durationMs: world.clock() - started,
    stack: exchanges.find((exchange) => exchange.stack)?.stack,
    listenerAnswers: exchanges.filter(({ answer }) => answer.kind === 'response' && answer.listener).length,
  };
}

/**
 * A signature cut short or made longer accepted while the wrong secret and a tampered body were refused:
 * the endpoint verifies, but compares only a prefix (`startsWith`, or a loop over the shorter length).
 */
function prefixCompared(results: CheckResult[]): CheckResult[] {
  const refused = (name: string) => results.some((r) => r.check === name && r.status === 'pass');
  if (!refused('wrong-secret') || !refused('tampered-body')) return results;
  const cut = new Set(['truncated-signature', 'longer-signature', 'empty-signature']);
  return results.map((r) => (cut.has(r.check) && r.hint === 'not-verifying' ? { ...r, hint: 'prefix-compare' } : r));
}

/**
 * The checks that may have crashed an endpoint that went down: those whose connection broke without an
 * answer (reset, hang up), rather than refused because it was down already.
 */
function suspects(done: ReadonlyMap<Probe, CheckResult>): string[] {
  return [...done.values()]
    .filter((result) => result.exchanges.some(({ answer }) => answer.kind === 'error' && answer.code !== 'refused'))
    .map((result) => `${result.group}/${result.check}`);
}

/** The first probe's answer stops the run when nothing else could pass. */
function stopAtFirst(probe: Probe, result: CheckResult): CheckReport['stopped'] {
  const answer = result.exchanges[0]!.answer;
  if (answer.kind === 'error')
    return {
      reason: 'unreachable',
      result: { ...result, hint: answer.code === 'timeout' ? 'timeout' : 'unreachable' },
    };
  if (answer.status === 404 || answer.status === 405)
    return { reason: 'not-found', result: { ...result, status: 'fail', hint: 'wrong-path' } };
  const signed = probe.expectation !== 'refuse-forgery';
  if (signed && (answer.status === 401 || answer.status === 403)) return { reason: 'refused-signed', result };
  return undefined;
}

async function runProbe(
  probe: Probe,
  run: { material: Material; settings: CheckSettings; world: CheckWorld; first: boolean },
): Promise<CheckResult> {
  const { settings, world } = run;
  const built = probe.build(run.material);
  const request = buildWebhookRequest(built.body, built.event, built.id, {
    url: settings.url,
    shownUrl: settings.shownUrl,
    credentials: settings.credentials,
    secret: '',
    signature: 'missing',
    userAgent: settings.userAgent,
    headers: settings.headers,
  });
  if (built.signature !== undefined) request.headers[SIGNATURE_HEADER] = built.signature;
  const once = async (sent = request): Promise<Exchange> =>
    exchangeOf(sent, await world.sender.send(sent, { timeoutMs: settings.timeoutMs, maxBodyBytes: 16 * 1024 }));
  let exchanges: Exchange[];
  if (probe.repeat === 'at-once') exchanges = await Promise.all([once(), once()]);
  else if (probe.repeat === 'in-a-row') {
    const firstTime = await once();
    exchanges = firstTime.answer.kind === 'error' ? [firstTime] : [firstTime, await once()];
  } else exchanges = [await once()];
  const verdict = judge(
    probe,
    exchanges.map((e) => e.answer),
    settings,
  );
  const result: CheckResult = { group: probe.group, check: probe.name, sends: probe.sends, ...verdict, exchanges };
  const answer = exchanges[0]!.answer;
  const refused = answer.kind === 'response' && (answer.status === 401 || answer.status === 403) && !answer.listener;
  if (!refused || !(run.first || probe.diagnose) || probe.expectation === 'refuse-forgery') return result;
  const diagnosis = await diagnoseRefusal({ secret: run.material.secret, body: built.body }, async (signature) => {
    const { answer: again } = await once({
      ...request,
      headers: { ...request.headers, [SIGNATURE_HEADER]: signature },
    });
    return mistakeAnswer(
      again.kind === 'response' ? { status: again.status, byListener: !!again.listener } : undefined,
    );
  });
  if (!diagnosis) return result;
  return { ...result, diagnosis, ...(diagnosis.mistake && run.first ? { hint: 'signing-mistake' as const } : {}) };
}

function exchangeOf(request: WebhookRequest, outcome: Awaited<ReturnType<Sender['send']>>): Exchange {
  if (outcome.kind === 'error')
    return {
      request,
      answer: { kind: 'error', code: outcome.code, message: outcome.message, latencyMs: outcome.latencyMs },
    };
  const headers = outcome.headers();
  const location = outcome.status >= 300 && outcome.status < 400 ? headerValue(headers, 'location') : undefined;
  const listener = headerValue(headers, ANSWERED_BY_HEADER) === ANSWERED_BY_LISTENER ? (true as const) : undefined;
  const answer: EndpointReply = {
    kind: 'response',
    status: outcome.status,
    body: outcome.body,
    latencyMs: outcome.latencyMs,
    location,
    ...(listener ? { listener } : {}),
  };
  const stack = listener ? undefined : detectStack(headers, outcome.body);
  return { request, answer, ...(stack ? { stack } : {}) };
}

/** The latency check: every answer of the run (the deliveries' too, when only latency was asked for). */
function latencyResult(results: readonly CheckResult[], settings: CheckSettings): CheckResult {
  const facts: LatencyFacts = { slow: 0, timedOut: 0, answers: 0 };
  for (const result of results) {
    for (const { answer } of result.exchanges) {
      if (answer.kind === 'error') {
        if (answer.code === 'timeout') facts.timedOut++;
        continue;
      }
      facts.answers++;
      if (answer.latencyMs > settings.slowMs) facts.slow++;
      if (!facts.slowest || answer.latencyMs > facts.slowest.latencyMs)
        facts.slowest = { check: `${result.group}/${result.check}`, latencyMs: answer.latencyMs };
    }
  }
  const verdict = judgeLatency(facts, settings);
  return {
    group: 'latency',
    check: 'answer-time',
    sends: 'nothing more: times the answers to the other checks',
    ...verdict,
    exchanges: [],
    latency: facts,
  };
}

/** Runs `work` on each item, at most `limit` at a time. */
async function eachBounded<T>(items: readonly T[], limit: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await work(items[next++]!);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}

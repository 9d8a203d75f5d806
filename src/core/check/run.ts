import { headerValue } from '../headers.js';
import type { Sender } from '../send.js';
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
  const send = (probe: Probe) => runProbe(probe, { material, settings, world });
  const done = new Map<Probe, CheckResult>();
  const first = await send(probes[0]!);
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
  const results = reported.flatMap((probe) => done.get(probe) ?? []);
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
  };
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
  run: { material: Material; settings: CheckSettings; world: CheckWorld },
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
  const once = async (): Promise<Exchange> => ({
    request,
    answer: answerOf(await world.sender.send(request, { timeoutMs: settings.timeoutMs, maxBodyBytes: 16 * 1024 })),
  });
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
  return { group: probe.group, check: probe.name, sends: probe.sends, ...verdict, exchanges };
}

function answerOf(outcome: Awaited<ReturnType<Sender['send']>>): EndpointReply {
  if (outcome.kind === 'error')
    return { kind: 'error', code: outcome.code, message: outcome.message, latencyMs: outcome.latencyMs };
  const location =
    outcome.status >= 300 && outcome.status < 400 ? headerValue(outcome.headers(), 'location') : undefined;
  return { kind: 'response', status: outcome.status, body: outcome.body, latencyMs: outcome.latencyMs, location };
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

#!/usr/bin/env node
// npm run bench: throughput, CPU per event, latency, startup and memory of datachonk, measured on
// loopback against what a user would otherwise use, and written to BENCHMARKS.md. Run after
// `npm run build`. Targets and guards are reported met or not met, never asserted. The forwarding
// figures are a guard against regressions, not a goal: see docs/decisions/one-http-stack.md.
//
// Every run sends its own run id in the query string and the app counts per run id (scripts/bench/
// app.mjs), so "nothing lost" is an equality per run: requests sent == requests the app received.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, openSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import { paced } from './bench/paced.mjs';
import { measureCheck } from './bench/check.mjs';
import { measureInspector } from './bench/inspector.mjs';
import { measureStartup } from './bench/startup.mjs';
import { cpuMs, median, percentile, sampleRss } from './bench/stats.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const bin = join(root, 'bin', 'datachonk.js');
const SECRET = 'whsec_benchmark_secret';
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
const CONNECTIONS = 32;
const TRIGGER_COUNT = Number(process.env.BENCH_TRIGGER_COUNT ?? 20_000);
const LATENCY_RATE = 100;
const LATENCY_EVENTS = Number(process.env.BENCH_LATENCY_EVENTS ?? 1_500);
const STARTUP_RUNS = Number(process.env.BENCH_STARTUP_RUNS ?? 20);
const MEMORY_EVENTS = Number(process.env.BENCH_MEMORY_EVENTS ?? 100_000);
const CHECK_RUNS = Number(process.env.BENCH_CHECK_RUNS ?? 10);
const RSS_EVERY_MS = 200;
const home = mkdtempSync(join(tmpdir(), 'datachonk-bench-'));
const env = { ...process.env, HOME: home, NO_COLOR: '1' };
const children = [];
process.on('exit', () => {
  for (const child of children) child.kill('SIGKILL');
  rmSync(home, { recursive: true, force: true });
});

function start(args, { readyOn = 'stdout', extraEnv = {}, stdoutFile } = {}) {
  return new Promise((resolve, reject) => {
    const out = stdoutFile ? openSync(stdoutFile, 'w') : 'pipe';
    const child = spawn(process.execPath, args, { env: { ...env, ...extraEnv }, stdio: ['ignore', out, 'pipe'] });
    children.push(child);
    let text = '';
    const stream = readyOn === 'stdout' ? child.stdout : child.stderr;
    stream.setEncoding('utf8').on('data', (d) => {
      text += d;
      const port =
        readyOn === 'stdout' ? /^(\d+)\n/.exec(text)?.[1] : /Listening on http:\/\/127\.0\.0\.1:(\d+)/.exec(text)?.[1];
      if (port) resolve({ child, port: Number(port) });
    });
    child.on('exit', (code) => reject(new Error(`${args.join(' ')} exited ${code}: ${text}`)));
  });
}

// The exact request `trigger` sends, from its own --dry-run: autocannon, the latency probe and
// trigger itself then send the same body and headers (trigger gives each event a fresh id and
// timestamp of the same length).
function triggerRequest(url) {
  const result = spawnSync(
    process.execPath,
    [bin, '--json', 'trigger', 'generation.completed', '--dry-run', '--url', url, '--secret', SECRET],
    { env, encoding: 'utf8' },
  );
  if (result.status !== 0) throw new Error(`trigger --dry-run exited ${result.status}: ${result.stderr}`);
  const { body, headers } = JSON.parse(result.stdout);
  return { body, headers };
}

const withRun = (url, run) => `${url}${url.includes('?') ? '&' : '?'}run=${run}`;
const received = async (appPort, run) =>
  JSON.parse(await (await fetch(`http://127.0.0.1:${appPort}/count?run=${run}`)).text());

// One autocannon run of `amount` requests (or `duration` seconds for a warm-up). With `amount`,
// autocannon waits for every response, so nothing is in flight when it ends and the app's count for
// the run can be compared with what was sent exactly. The rate is the responses divided by the time
// from the start to the last response: autocannon only notices the end on its next sampling tick.
function cannon(url, request, options) {
  return new Promise((resolve, reject) => {
    const begun = performance.now();
    let last = begun;
    const tracker = autocannon(
      {
        url,
        method: 'POST',
        connections: CONNECTIONS,
        body: request.body,
        headers: request.headers,
        sampleInt: 100,
        ...options,
      },
      (error, result) => {
        if (error) return reject(error);
        const answered = result.requests.total;
        resolve({
          rps: answered / ((last - begun) / 1000),
          p50: result.latency.p50,
          p99: result.latency.p99,
          sent: result.requests.sent,
          answered,
          ok: result['2xx'],
          errors: result.errors + result.timeouts + result.non2xx,
        });
      },
    );
    tracker.on('response', () => {
      last = performance.now();
    });
  });
}

// Other work on the machine skews every figure; the load average says how much there was.
const loadAtStart = loadavg()[0];
const request = triggerRequest('http://127.0.0.1:1/webhooks/datachonk');
const bodyBytes = Buffer.byteLength(request.body);
const machine = `Node ${process.version}, ${cpus().length} cores (${cpus()[0]?.model ?? 'unknown'})`;
console.log(`datachonk benchmark: ${machine}`);
console.log(
  `trigger's body (${bodyBytes} bytes), ${CONNECTIONS} connections, ${ROUNDS} interleaved rounds of about ${SECONDS}s per target\n`,
);

// 1. Throughput and CPU per event through each target, interleaved (and rotated each round) so that
// machine noise hits them alike.
const app = await start([join(root, 'scripts/bench/app.mjs')]);
const proxy = await start([join(root, 'scripts/bench/proxy.mjs'), String(app.port)]);
const listen = await start([bin, 'listen', '--port', '0', '--forward', `127.0.0.1:${app.port}`, '--secret', SECRET], {
  readyOn: 'stderr',
  stdoutFile: join(home, 'listen-output.txt'),
});
const listenRss = sampleRss(listen.child.pid, RSS_EVERY_MS);
const targets = {
  direct: { port: app.port, process: app },
  'node-http-proxy': { port: proxy.port, process: proxy },
  'datachonk listen': { port: listen.port, process: listen },
};
const names = Object.keys(targets);
const urlOf = (name) => `http://127.0.0.1:${targets[name].port}/webhooks/datachonk`;
// Rounds send a fixed number of requests (see cannon), about SECONDS' worth at the target's last rate.
const size = (rps) => Math.max(2_000, Math.round((rps * SECONDS) / 1_000) * 1_000);
const amounts = {};
for (const name of names) {
  const warm = await cannon(withRun(urlOf(name), `warmup-${name.replace(/\W/g, '')}`), request, { duration: 2 });
  amounts[name] = size(warm.rps);
}
const runs = Object.fromEntries(names.map((name) => [name, []]));
for (let round = 0; round < ROUNDS; round++) {
  for (const name of [...names.slice(round % names.length), ...names.slice(0, round % names.length)]) {
    const run = `load-${round}-${name.replace(/\W/g, '')}`;
    const pid = targets[name].process.child.pid;
    const cpuBefore = cpuMs(pid);
    const result = await cannon(withRun(urlOf(name), run), request, { amount: amounts[name] });
    const cpuAfter = cpuMs(pid);
    const app_ = await received(app.port, run);
    runs[name].push({
      ...result,
      received: app_.requests,
      bytes: app_.bytes,
      cpuUs:
        cpuBefore === undefined || cpuAfter === undefined || app_.requests === 0
          ? undefined
          : ((cpuAfter - cpuBefore) * 1000) / app_.requests,
    });
    console.log(
      `  round ${round + 1} ${name.padEnd(17)} ${Math.round(result.rps)} req/s, sent ${result.sent}, app received ${app_.requests}`,
    );
    amounts[name] = size(result.rps); // the next round lasts about SECONDS even when the machine's pace changed
  }
}
const summary = Object.fromEntries(
  names.map((name) => {
    const list = runs[name];
    return [
      name,
      {
        rps: median(list.map((r) => r.rps)),
        rpsMin: Math.min(...list.map((r) => r.rps)),
        rpsMax: Math.max(...list.map((r) => r.rps)),
        p50: median(list.map((r) => r.p50)),
        p99: median(list.map((r) => r.p99)),
        cpuUs: list.some((r) => r.cpuUs === undefined) ? undefined : median(list.map((r) => r.cpuUs)),
        sent: list.reduce((n, r) => n + r.sent, 0),
        answered: list.reduce((n, r) => n + r.answered, 0),
        received: list.reduce((n, r) => n + r.received, 0),
        errors: list.reduce((n, r) => n + r.errors, 0),
        exact: list.every((r) => r.errors === 0 && r.sent === r.answered && r.sent === r.received),
        lost: list.reduce((n, r) => n + Math.max(0, r.sent - r.received), 0),
        extra: list.reduce((n, r) => n + Math.max(0, r.received - r.sent), 0),
      },
    ];
  }),
);
const listenVsProxy = summary['datachonk listen'].rps / summary['node-http-proxy'].rps;
// The same ratio within each round, where both ran minutes apart at most: what the machine's load did
// between rounds cancels out. The guard reads this one.
const roundRatios = runs['datachonk listen'].map((r, i) => r.rps / runs['node-http-proxy'][i].rps);
const roundRatio = median(roundRatios);
const listenVsDirect = summary['datachonk listen'].rps / summary.direct.rps;

// 2. Latency at a steady trickle: one keep-alive connection, LATENCY_RATE requests a second, the
// three targets interleaved in ROUNDS slices. What `listen` adds is its percentile minus direct's.
console.log(`\n  latency probe: ${LATENCY_EVENTS} requests per target at ${LATENCY_RATE}/s on one connection`);
const probe = Object.fromEntries(
  names.map((name) => [name, { latencies: [], errors: 0, connections: 0, late: 0, seconds: 0, sent: 0, received: 0 }]),
);
for (let round = 0; round < ROUNDS; round++) {
  const count = Math.floor(LATENCY_EVENTS / ROUNDS) + (round < LATENCY_EVENTS % ROUNDS ? 1 : 0);
  for (const name of [...names.slice(round % names.length), ...names.slice(0, round % names.length)]) {
    const run = `latency-${round}-${name.replace(/\W/g, '')}`;
    const result = await paced(`http://127.0.0.1:${targets[name].port}`, withRun('/webhooks/datachonk', run), {
      ...request,
      rate: LATENCY_RATE,
      count,
    });
    const p = probe[name];
    p.latencies.push(...result.latencies);
    p.errors += result.errors;
    p.connections += result.connections;
    p.late += result.late;
    p.seconds += result.seconds;
    p.sent += count;
    p.received += (await received(app.port, run)).requests;
  }
}
const latency = Object.fromEntries(
  names.map((name) => {
    const p = probe[name];
    return [
      name,
      { ...p, p50: percentile(p.latencies, 50), p99: percentile(p.latencies, 99), rate: p.sent / p.seconds },
    ];
  }),
);
for (const name of names) {
  latency[name].added50 = latency[name].p50 - latency.direct.p50;
  latency[name].added99 = latency[name].p99 - latency.direct.p99;
}
const listenRssLoad = listenRss.stop();
proxy.child.kill();
listen.child.kill('SIGINT');

// 3. trigger --count N --concurrency 32 against autocannon sending N requests of the same body over
// 32 connections to the same app, interleaved.
console.log(`\n  trigger --count ${TRIGGER_COUNT} --concurrency ${CONNECTIONS} against autocannon`);
const triggerRuns = [];
const cannonRuns = [];
for (let round = 0; round < ROUNDS; round++) {
  const run = `trigger-${round}`;
  const started = performance.now();
  const result = spawnSync(
    process.execPath,
    [
      bin,
      '--json',
      'trigger',
      'generation.completed',
      '--count',
      String(TRIGGER_COUNT),
      '--concurrency',
      String(CONNECTIONS),
      '--url',
      withRun(urlOf('direct'), run),
      '--secret',
      SECRET,
    ],
    { env, encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 },
  );
  const wallSeconds = (performance.now() - started) / 1000;
  if (result.status !== 0) throw new Error(`trigger exited ${result.status}: ${result.stderr}`);
  const s = JSON.parse(result.stdout.trim().split('\n').at(-1));
  const app_ = await received(app.port, run);
  triggerRuns.push({
    rate: s.rate_per_second,
    wallRate: TRIGGER_COUNT / wallSeconds,
    sent: s.sent,
    ok: s.ok,
    failed: s.failed,
    received: app_.requests,
    bytes: app_.bytes,
  });
  const cannonRun = `autocannon-${round}`;
  const c = await cannon(withRun(urlOf('direct'), cannonRun), request, { amount: TRIGGER_COUNT });
  const capp = await received(app.port, cannonRun);
  cannonRuns.push({ ...c, received: capp.requests, bytes: capp.bytes });
  console.log(
    `  round ${round + 1} trigger ${Math.round(s.rate_per_second)} req/s, autocannon ${Math.round(c.rps)} req/s`,
  );
}
const trigger = {
  rate: median(triggerRuns.map((r) => r.rate)),
  wallRate: median(triggerRuns.map((r) => r.wallRate)),
  sent: triggerRuns.reduce((n, r) => n + r.sent, 0),
  ok: triggerRuns.reduce((n, r) => n + r.ok, 0),
  failed: triggerRuns.reduce((n, r) => n + r.failed, 0),
  received: triggerRuns.reduce((n, r) => n + r.received, 0),
  bodyBytes:
    triggerRuns.reduce((n, r) => n + r.bytes, 0) /
    Math.max(
      1,
      triggerRuns.reduce((n, r) => n + r.received, 0),
    ),
};
const cannonTotals = {
  rate: median(cannonRuns.map((r) => r.rps)),
  sent: cannonRuns.reduce((n, r) => n + r.sent, 0),
  answered: cannonRuns.reduce((n, r) => n + r.answered, 0),
  errors: cannonRuns.reduce((n, r) => n + r.errors, 0),
  received: cannonRuns.reduce((n, r) => n + r.received, 0),
  bodyBytes:
    cannonRuns.reduce((n, r) => n + r.bytes, 0) /
    Math.max(
      1,
      cannonRuns.reduce((n, r) => n + r.received, 0),
    ),
};
const triggerExact =
  triggerRuns.every((r) => r.failed === 0 && r.sent === TRIGGER_COUNT && r.ok === r.sent && r.received === r.sent) &&
  cannonRuns.every((r) => r.errors === 0 && r.sent === r.answered && r.received === r.sent);
const triggerRatio = trigger.rate / cannonTotals.rate;

// 4. Startup (fails the benchmark when a command exits non-zero).
console.log('\n  startup');
const startup = measureStartup(bin, { runs: STARTUP_RUNS, env });
const startupWorst =
  Math.max(startup['datachonk --version'].median, startup['datachonk trigger --help'].median) /
  startup['node -e 0'].median;

// 4b. `datachonk check`: the full suite against a healthy local app (issue 13: at most 2 s).
console.log('\n  check');
const checkBench = await measureCheck(bin, { runs: CHECK_RUNS, env });

// 4c. The inspector over 10,000 journalled events (issue 14: the page loads in under 300 ms, stays responsive).
console.log('\n  inspector');
const inspectorBench = await measureInspector(bin, { events: 10_000, runs: 7 });
const pageLoad = inspectorBench.browser.loads;

// 5. Listener memory through many events, journal on, RSS sampled all along.
console.log(`\n  memory: ${MEMORY_EVENTS} events through a fresh listener`);
const memHome = mkdtempSync(join(tmpdir(), 'datachonk-bench-mem-'));
const mem = await start([bin, 'listen', '--port', '0', '--forward', `127.0.0.1:${app.port}`, '--secret', SECRET], {
  readyOn: 'stderr',
  extraEnv: { HOME: memHome },
  stdoutFile: join(memHome, 'out.txt'),
});
const memUrl = `http://127.0.0.1:${mem.port}/webhooks/datachonk`;
const half = Math.floor(MEMORY_EVENTS / 2);
const memRss = sampleRss(mem.child.pid, RSS_EVERY_MS);
const memFirst = await cannon(withRun(memUrl, 'memory-1'), request, { amount: half });
memRss.mark();
const memSecond = await cannon(withRun(memUrl, 'memory-2'), request, { amount: MEMORY_EVENTS - half });
const memory = memRss.stop();
const memSent = memFirst.sent + memSecond.sent;
const memReceived = (await received(app.port, 'memory-1')).requests + (await received(app.port, 'memory-2')).requests;
const memErrors = memFirst.errors + memSecond.errors;
const journalDir = join(memHome, '.local', 'state', 'datachonk');
const journalBytes = ['events.ndjson', 'events.ndjson.1'].reduce((n, f) => {
  try {
    return n + statSync(join(journalDir, f)).size;
  } catch {
    return n;
  }
}, 0);
mem.child.kill('SIGINT');
app.child.kill();
rmSync(memHome, { recursive: true, force: true });
const [rssFirst, rssSecond] = memory.segments;
const rssGrowth = rssSecond.peak - rssFirst.peak;

// Report.
const f = (n, d = 0) =>
  n === undefined || Number.isNaN(n)
    ? 'n/a'
    : n.toLocaleString('en-US', { maximumFractionDigits: d, minimumFractionDigits: d });
const verdict = (ok) => (ok ? 'met' : '**not met**');
const listenS = summary['datachonk listen'];
const lt = latency['datachonk listen'];
const px = latency['node-http-proxy'];
const lines = [
  '# Benchmarks',
  '',
  `Written by \`npm run bench\` (scripts/bench.mjs) on ${new Date().toISOString().slice(0, 10)}: ${machine}. Everything runs on loopback on`,
  'one machine, so the load generator, the app and the forwarder share the cores; figures move between runs.',
  `1-minute load average before the run ${f(loadAtStart, 2)}, after it ${f(loadavg()[0], 2)}; the benchmark's own processes count in the second.`,
  '',
  '## Targets and guards',
  '',
  '| target | figure | result |',
  '|---|---|---|',
  `| guard: \`listen\` req/s >= 0.9x node-http-proxy, round by round (the median of the ${ROUNDS} interleaved rounds' own ratios) | round by round ${roundRatios.map((r) => f(r, 2)).join(', ')}, median ${f(roundRatio, 2)}x (medians ${f(listenS.rps)} vs ${f(summary['node-http-proxy'].rps)} req/s = ${f(listenVsProxy, 2)}x) | ${verdict(roundRatio >= 0.9)} |`,
  `| nothing lost, nothing extra: every round of every target, sent == app received, no errors | ${names.map((n) => `${n}: sent ${f(summary[n].sent)}, received ${f(summary[n].received)}, lost ${f(summary[n].lost)}, extra ${f(summary[n].extra)}, errors ${summary[n].errors}`).join('; ')} | ${verdict(names.every((n) => summary[n].exact))} |`,
  `| reported: CPU per forwarded event, \`listen\` beside node-http-proxy | ${f(listenS.cpuUs)} vs ${f(summary['node-http-proxy'].cpuUs)} µs | – |`,
  `| reported: latency added at 100 events/s, \`listen\` beside node-http-proxy, p50 and p99 | p50 ${f(lt.added50, 3)} vs ${f(px.added50, 3)} ms; p99 ${f(lt.added99, 3)} vs ${f(px.added99, 3)} ms | – |`,
  `| reported: \`trigger --count ${TRIGGER_COUNT} --concurrency ${CONNECTIONS}\` beside autocannon, same body | ${f(trigger.rate)} vs ${f(cannonTotals.rate)} req/s = ${f(triggerRatio, 2)}x (by wall time, process start included: ${f(trigger.wallRate)} req/s = ${f(trigger.wallRate / cannonTotals.rate, 2)}x) | – |`,
  `| startup <= 1.5x \`node -e 0\` (median of ${STARTUP_RUNS}) | worst ${f(startupWorst, 2)}x | ${verdict(startupWorst <= 1.5)} |`,
  `| \`check\`: the full suite against a healthy local app <= 2 s (process start included, worst of ${CHECK_RUNS}) | median ${f(checkBench.wallMedian)} ms, worst ${f(checkBench.wallMax)} ms | ${verdict(checkBench.wallMax <= 2000)} |`,
  `| inspector page, 10,000 journalled events: first rows laid out on screen < 300 ms after its navigation start (median of 7, Chromium, a new tab each time) | ${pageLoad ? `median ${f(pageLoad.median)} ms, worst ${f(pageLoad.max)} ms` : inspectorBench.browser.skipped} | ${pageLoad ? verdict(pageLoad.median < 300) : 'not measured'} |`,
  `| inspector stays responsive with 10,000 events: holds a page of them, every one reachable | ${inspectorBench.browser.rows ?? '?'} rows held; ${f(inspectorBench.counted)} of ${f(inspectorBench.events)} paged through the API | ${verdict((inspectorBench.browser.rows ?? Infinity) < inspectorBench.events && inspectorBench.counted === inspectorBench.events)} |`,
  `| listener RSS < 150 MB, sampled through the load and through ${f(MEMORY_EVENTS)} events | peak ${f(listenRssLoad.peak, 1)} MB under load, ${f(memory.peak, 1)} MB through the ${f(MEMORY_EVENTS)} | ${verdict(Math.max(listenRssLoad.peak, memory.peak) < 150)} |`,
  `| listener RSS flat: peak over the second half at most 20 MB above the first half's | ${f(rssFirst.peak, 1)} then ${f(rssSecond.peak, 1)} MB (${rssGrowth >= 0 ? '+' : ''}${f(rssGrowth, 1)} MB) | ${verdict(rssGrowth <= 20)} |`,
  '',
  `## Forwarding: ${CONNECTIONS} connections, trigger's ${bodyBytes}-byte signed \`generation.completed\`, ${ROUNDS} interleaved rounds`,
  '',
  `autocannon sends a fixed number of requests per round, about ${SECONDS} s worth at the target's rate in its previous round`,
  '(the first sized by a 2 s warm-up), and waits for every response, so no request is in flight when a round ends.',
  'Each round carries its own run id and the app counts per run id: "sent" is autocannon\'s count of requests issued,',
  '"answered" its count of responses, "received" the app\'s count for that round. Nothing lost means sent == answered',
  '== received in every round, with no errors; "lost" sums sent − received over the rounds where it is positive,',
  '"extra" received − sent. req/s is the responses divided by the time from the start to the last response. CPU µs',
  'per event is the CPU time the app (direct) or the forwarder used during the round divided by the events the app',
  'received (Linux only); it does not depend on how the processes share the cores.',
  '',
  '| target | req/s (median) | req/s (min–max) | p50 ms | p99 ms | CPU µs per event | sent | answered | app received | lost | extra | errors |',
  '|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
  ...names.map((n) => {
    const s = summary[n];
    return `| ${n} | ${f(s.rps)} | ${f(s.rpsMin)}–${f(s.rpsMax)} | ${f(s.p50, 1)} | ${f(s.p99, 1)} | ${f(s.cpuUs)} | ${f(s.sent)} | ${f(s.answered)} | ${f(s.received)} | ${f(s.lost)} | ${f(s.extra)} | ${s.errors} |`;
  }),
  '',
  `Per round, req/s: ${names.map((n) => `${n} ${runs[n].map((r) => f(r.rps)).join(', ')}`).join('; ')}.`,
  `listen vs direct: ${f(listenVsDirect, 2)}x. \`datachonk listen\` runs with verification, pretty output to a file and the journal on;`,
  'node-http-proxy with a keep-alive agent and no verification.',
  `Listener RSS through the forwarding rounds and the latency probe: peak ${f(listenRssLoad.peak, 1)} MB, ${f(listenRssLoad.last, 1)} MB at the end (${listenRssLoad.samples} samples, every ${RSS_EVERY_MS} ms).`,
  '',
  `## Latency: a steady ${LATENCY_RATE} events/s on one keep-alive connection`,
  '',
  `A paced client (scripts/bench/paced.mjs: one undici connection, pipelining 1) sends ${f(LATENCY_EVENTS)} requests per target, the`,
  `targets interleaved in ${ROUNDS} slices; latency runs from handing the request to the client to the end of the response`,
  'body. "added" is the target\'s percentile minus direct\'s. `listen` runs with verification, the journal and pretty',
  'output to a file.',
  '',
  '| target | requests | achieved rate /s | connections | late sends | p50 ms | p99 ms | added p50 ms | added p99 ms | errors | app received |',
  '|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
  ...names.map((n) => {
    const l = latency[n];
    return `| ${n} | ${f(l.sent)} | ${f(l.rate, 1)} | ${l.connections} | ${l.late} | ${f(l.p50, 3)} | ${f(l.p99, 3)} | ${n === 'direct' ? '–' : f(l.added50, 3)} | ${n === 'direct' ? '–' : f(l.added99, 3)} | ${l.errors} | ${f(l.received)} |`;
  }),
  '',
  '"connections" counts the connections the client opened (one per slice when the server kept it alive); "late sends"',
  'left more than 1 ms after their slot on the schedule.',
  '',
  `## trigger against autocannon: ${f(TRIGGER_COUNT)} requests, ${CONNECTIONS} in flight, the same body, ${ROUNDS} interleaved rounds`,
  '',
  `Both send trigger's request (autocannon takes it from \`trigger --dry-run --json\`; trigger gives each event a fresh id`,
  "of the same length) to the app directly. trigger's rate is its own summary's; autocannon's is counted as above.",
  '',
  '| sender | req/s (median) | per round | sent | ok / answered | app received | mean body bytes at the app |',
  '|---|---:|---|---:|---:|---:|---:|',
  `| \`trigger --count ${TRIGGER_COUNT} --concurrency ${CONNECTIONS}\` | ${f(trigger.rate)} | ${triggerRuns.map((r) => f(r.rate)).join(', ')} | ${f(trigger.sent)} | ${f(trigger.ok)} | ${f(trigger.received)} | ${f(trigger.bodyBytes, 1)} |`,
  `| autocannon, ${CONNECTIONS} connections | ${f(cannonTotals.rate)} | ${cannonRuns.map((r) => f(r.rps)).join(', ')} | ${f(cannonTotals.sent)} | ${f(cannonTotals.answered)} | ${f(cannonTotals.received)} | ${f(cannonTotals.bodyBytes, 1)} |`,
  '',
  `trigger by wall time, process start included: ${f(trigger.wallRate)} req/s (median). Counts exact (sent == received, no failures): ${triggerExact ? 'yes' : '**no**'}.`,
  '',
  `## Startup: median of ${STARTUP_RUNS} interleaved runs after 3 warm-ups; any non-zero exit stops the benchmark`,
  '',
  '| command | median ms | vs node -e 0 |',
  '|---|---:|---:|',
  ...Object.entries(startup).map(
    ([name, s]) => `| \`${name}\` | ${f(s.median, 1)} | ${f(s.median / startup['node -e 0'].median, 2)}x |`,
  ),
  '',
  `## check: ${checkBench.checks} checks against a healthy app on 127.0.0.1, ${CHECK_RUNS} runs after a warm-up`,
  '',
  '| figure | median ms | worst ms |',
  '|---|---:|---:|',
  `| \`datachonk check <url> --json\`, process start included | ${f(checkBench.wallMedian)} | ${f(checkBench.wallMax)} |`,
  `| the suite itself (the summary's \`duration_ms\`) | ${f(checkBench.suiteMedian)} | ${f(checkBench.suiteMax)} |`,
  '',
  `## Inspector: ${f(inspectorBench.events)} journalled events, \`datachonk inspect\` (ready in ${f(inspectorBench.ready)} ms)`,
  '',
  '| figure | median ms | worst ms |',
  '|---|---:|---:|',
  ...Object.entries(inspectorBench.api).map(([name, t]) => `| API: ${name} | ${f(t.median, 1)} | ${f(t.max, 1)} |`),
  ...(pageLoad
    ? [
        `| page: navigation start to the first rows laid out on screen (the page's clock) | ${f(pageLoad.median)} | ${f(pageLoad.max)} |`,
        `| page: navigation start to the script's whole first page (200 rows) laid out | ${f(inspectorBench.browser.wholes.median)} | ${f(inspectorBench.browser.wholes.max)} |`,
        `| page: goto called to the first rows laid out, seen from outside (a new tab each time) | ${f(inspectorBench.browser.walls.median)} | ${f(inspectorBench.browser.walls.max)} |`,
      ]
    : []),
  ...(inspectorBench.browser.more
    ? [`| page: "Load more" | ${f(inspectorBench.browser.more.median)} | ${f(inspectorBench.browser.more.max)} |`]
    : []),
  '',
  `## Listener memory: ${f(MEMORY_EVENTS)} events through a fresh listener, journal on, RSS sampled every ${RSS_EVERY_MS} ms`,
  '',
  '| figure | value |',
  '|---|---:|',
  `| RSS peak, first ${f(half)} events | ${f(rssFirst.peak, 1)} MB |`,
  `| RSS peak, next ${f(MEMORY_EVENTS - half)} events | ${f(rssSecond.peak, 1)} MB |`,
  `| RSS at the end | ${f(memory.last, 1)} MB |`,
  `| samples | ${memory.samples} |`,
  `| journal on disk | ${f(journalBytes / 1024 / 1024, 1)} MB |`,
  `| sent / app received / errors | ${f(memSent)} / ${f(memReceived)} / ${memErrors} |`,
  '',
];
writeFileSync(join(root, 'BENCHMARKS.md'), `${lines.join('\n')}\n`);
console.log(`\n${lines.slice(5).join('\n')}`);
console.log('written to BENCHMARKS.md');
process.exit(0);

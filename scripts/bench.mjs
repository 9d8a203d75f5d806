#!/usr/bin/env node
// npm run bench: throughput, latency, startup and memory of datachonk, measured on loopback against
// what a user would otherwise use, and written to BENCHMARKS.md. Run after `npm run build`.
//
// Targets (issue 6): listen >= 0.30x direct and >= 1.25x node-http-proxy with zero errors and every
// event received; trigger >= 0.5x autocannon; startup <= 1.5x `node -e 0`; listener RSS < 150 MB
// after 100,000 events and not growing with the journal. Reported, not asserted.
import { spawn, spawnSync } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync, openSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';

const root = fileURLToPath(new URL('..', import.meta.url));
const bin = join(root, 'bin', 'datachonk.js');
const SECRET = 'whsec_benchmark_secret';
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
const CONNECTIONS = 32;
const MEMORY_EVENTS = Number(process.env.BENCH_MEMORY_EVENTS ?? 100_000);
const home = mkdtempSync(join(tmpdir(), 'datachonk-bench-'));
const children = [];
process.on('exit', () => {
  for (const child of children) child.kill('SIGKILL');
  rmSync(home, { recursive: true, force: true });
});

// A signed generation.completed event of 500 bytes, compact JSON as DataChonk sends it.
function event500() {
  const payload = {
    id: 'evt_bench0000000000000000000', event: 'generation.completed', created_at: '2026-11-26T14:55:54Z', project_id: 'proj_bench',
    data: { chonk_id: 'chonk_456', chonk_name: 'dim_customers', chonk_type: 'entity',
      files_generated: [{ path: 'models/marts/core/dim_customers.sql', lines: 45 }, { path: 'models/marts/core/_core__models.yml', lines: 28 }], duration_ms: 1234, note: '' },
  };
  payload.data.note = 'x'.repeat(500 - JSON.stringify(payload).length);
  const body = JSON.stringify(payload);
  return { body, signature: `sha256=${createHmac('sha256', SECRET).update(body).digest('hex')}` };
}

function start(args, { readyOn = 'stdout', env = {}, stdoutFile } = {}) {
  return new Promise((resolve, reject) => {
    const out = stdoutFile ? openSync(stdoutFile, 'w') : 'pipe';
    const child = spawn(process.execPath, args, { env: { ...process.env, HOME: home, NO_COLOR: '1', ...env }, stdio: ['ignore', out, 'pipe'] });
    children.push(child);
    let text = '';
    const stream = readyOn === 'stdout' ? child.stdout : child.stderr;
    stream.setEncoding('utf8').on('data', (d) => {
      text += d;
      const port = readyOn === 'stdout' ? /^(\d+)\n/.exec(text)?.[1] : /Listening on http:\/\/127\.0\.0\.1:(\d+)/.exec(text)?.[1];
      if (port) resolve({ child, port: Number(port) });
    });
    child.on('exit', (code) => reject(new Error(`${args.join(' ')} exited ${code}: ${text}`)));
  });
}

function cannon(url, { body, signature }, options) {
  return new Promise((resolve, reject) => {
    autocannon({
      url, method: 'POST', connections: CONNECTIONS, body,
      headers: { 'content-type': 'application/json', 'x-datachonk-signature': signature, 'x-datachonk-event': 'generation.completed' },
      ...options,
    }, (error, result) => (error ? reject(error) : resolve(result)));
  });
}

const appCount = async (port) => Number(await (await fetch(`http://127.0.0.1:${port}/count`)).text());
const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};
// CPU time a process has used, in ms (Linux: /proc; elsewhere undefined). Divided by the requests a
// target served, it gives what one forwarded event costs, a figure that does not depend on how the
// load generator, the app and the forwarder share the cores.
const ticks = Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout?.trim()) || 100;
const cpuMs = (pid) => {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / ticks;
  } catch {
    return undefined;
  }
};
const rssMb = (pid) => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))[1]) / 1024;

const ev = event500();
console.log(`datachonk benchmark: Node ${process.version}, ${cpus().length} cores (${cpus()[0]?.model ?? 'unknown'})`);
console.log(`body ${Buffer.byteLength(ev.body)} bytes, ${CONNECTIONS} connections, ${ROUNDS} rounds of ${SECONDS}s per target, interleaved\n`);

// 1. Throughput through each target, interleaved so that machine noise hits them alike.
const app = await start([join(root, 'scripts/bench/app.mjs')]);
const proxy = await start([join(root, 'scripts/bench/proxy.mjs'), String(app.port)]);
const listen = await start([bin, 'listen', '--port', '0', '--forward', `127.0.0.1:${app.port}`, '--secret', SECRET], {
  readyOn: 'stderr', stdoutFile: join(home, 'listen-output.txt'),
});
const targets = {
  direct: `http://127.0.0.1:${app.port}/webhooks/datachonk`,
  'node-http-proxy': `http://127.0.0.1:${proxy.port}/webhooks/datachonk`,
  'datachonk listen': `http://127.0.0.1:${listen.port}/webhooks/datachonk`,
};
const runs = Object.fromEntries(Object.keys(targets).map((name) => [name, []]));
for (const [name, url] of Object.entries(targets)) await cannon(url, ev, { duration: 1 }); // warm-up
for (let round = 0; round < ROUNDS; round++) {
  for (const [name, url] of Object.entries(targets)) {
    const before = await appCount(app.port);
    const forwarder = name === 'direct' ? app : name === 'node-http-proxy' ? proxy : listen;
    const cpuBefore = cpuMs(forwarder.child.pid);
    const result = await cannon(url, ev, { duration: SECONDS });
    const cpuAfter = cpuMs(forwarder.child.pid);
    const received = (await appCount(app.port)) - before;
    runs[name].push({
      rps: result.requests.average, p50: result.latency.p50, p99: result.latency.p99,
      cpuUs: cpuBefore === undefined || cpuAfter === undefined ? undefined : ((cpuAfter - cpuBefore) * 1000) / result.requests.total,
      errors: result.errors + result.timeouts + result.non2xx, sent: result.requests.total, received,
    });
    process.stdout.write(`  round ${round + 1} ${name.padEnd(17)} ${Math.round(result.requests.average)} req/s\n`);
  }
}
const summary = Object.fromEntries(Object.entries(runs).map(([name, list]) => [name, {
  rps: median(list.map((r) => r.rps)), p50: median(list.map((r) => r.p50)), p99: median(list.map((r) => r.p99)),
  cpuUs: list[0].cpuUs === undefined ? undefined : median(list.map((r) => r.cpuUs)),
  errors: list.reduce((n, r) => n + r.errors, 0), sent: list.reduce((n, r) => n + r.sent, 0), received: list.reduce((n, r) => n + r.received, 0),
}]));
const listenVsDirect = summary['datachonk listen'].rps / summary.direct.rps;
const listenVsProxy = summary['datachonk listen'].rps / summary['node-http-proxy'].rps;
proxy.child.kill();
listen.child.kill('SIGINT');

// 2. trigger --count 5000 --concurrency 32 against autocannon at 32 connections on the same app.
// autocannon's `amount` runs end on whole-second ticks, so its rate is taken from a timed run.
const triggerRuns = [];
const triggerWallRuns = [];
const cannonRuns = [];
for (let round = 0; round < ROUNDS; round++) {
  const started = process.hrtime.bigint();
  const result = spawnSync(process.execPath, [bin, '--json', 'trigger', 'generation.completed', '--count', '5000', '--concurrency', String(CONNECTIONS),
    '--url', targets.direct, '--secret', SECRET, '--set', `data.note=${'x'.repeat(180)}`], { env: { ...process.env, HOME: home, NO_COLOR: '1' }, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  if (result.status !== 0) throw new Error(`trigger failed: ${result.stderr}`);
  triggerWallRuns.push(5000 / seconds);
  triggerRuns.push(JSON.parse(result.stdout.trim().split('\n').at(-1)).rate_per_second);
  cannonRuns.push((await cannon(targets.direct, ev, { duration: 2 })).requests.average);
}
const triggerRate = median(triggerRuns);
const triggerWallRate = median(triggerWallRuns);
const cannonRate = median(cannonRuns);

// 3. Startup.
const startup = { 'node -e 0': [], 'datachonk --version': [], 'datachonk trigger --help': [] };
const startupArgs = { 'node -e 0': ['-e', '0'], 'datachonk --version': [bin, '--version'], 'datachonk trigger --help': [bin, 'trigger', '--help'] };
for (let i = 0; i < 23; i++) {
  for (const [name, args] of Object.entries(startupArgs)) {
    const started = process.hrtime.bigint();
    spawnSync(process.execPath, args, { stdio: 'ignore' });
    if (i >= 3) startup[name].push(Number(process.hrtime.bigint() - started) / 1e6);
  }
}
const startupMedians = Object.fromEntries(Object.entries(startup).map(([k, v]) => [k, median(v)]));
const startupWorst = Math.max(startupMedians['datachonk --version'], startupMedians['datachonk trigger --help']) / startupMedians['node -e 0'];

// 4. Listener memory after many events, journal on.
const memHome = mkdtempSync(join(tmpdir(), 'datachonk-bench-mem-'));
const mem = await start([bin, 'listen', '--port', '0', '--forward', `127.0.0.1:${app.port}`, '--secret', SECRET], {
  readyOn: 'stderr', env: { HOME: memHome }, stdoutFile: join(memHome, 'out.txt'),
});
const memUrl = `http://127.0.0.1:${mem.port}/webhooks/datachonk`;
const half = Math.floor(MEMORY_EVENTS / 2);
const beforeMem = await appCount(app.port);
await cannon(memUrl, ev, { amount: half });
const rssHalf = rssMb(mem.child.pid);
await cannon(memUrl, ev, { amount: MEMORY_EVENTS - half });
const rssFull = rssMb(mem.child.pid);
const memReceived = (await appCount(app.port)) - beforeMem;
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

// Report.
const f = (n, d = 0) => n.toLocaleString('en-US', { maximumFractionDigits: d, minimumFractionDigits: d });
const verdict = (ok) => (ok ? 'met' : '**not met**');
const lines = [
  '# Benchmarks',
  '',
  `Measured by \`npm run bench\` on ${new Date().toISOString().slice(0, 10)}: Node ${process.version}, ${cpus().length} cores (${cpus()[0]?.model ?? 'unknown'}), everything on loopback on one machine (the load generator shares the cores).`,
  '',
  `## Forwarding: ${CONNECTIONS} connections, a signed ${Buffer.byteLength(ev.body)}-byte event, median of ${ROUNDS} interleaved ${SECONDS}s runs`,
  '',
  '| target | req/s | p50 ms | p99 ms | errors | sent | app received | CPU µs per request |',
  '|---|---:|---:|---:|---:|---:|---:|---:|',
  ...Object.entries(summary).map(([name, s]) => `| ${name} | ${f(s.rps)} | ${f(s.p50, 1)} | ${f(s.p99, 1)} | ${s.errors} | ${f(s.sent)} | ${f(s.received)} | ${s.cpuUs === undefined ? 'n/a' : f(s.cpuUs)} |`),
  '',
  '`datachonk listen` runs with verification, pretty output to a file and the journal on; node-http-proxy with a keep-alive agent and no verification.',
  'CPU µs per request: the CPU time the app (direct) or the forwarder process used during the run, divided by the requests served (Linux only).',
  '',
  '| target | figure | result |',
  '|---|---|---|',
  `| listen vs direct | ${f(listenVsDirect, 2)}x | >= 0.30x: ${verdict(listenVsDirect >= 0.3)} |`,
  `| listen vs node-http-proxy | ${f(listenVsProxy, 2)}x | >= 1.25x: ${verdict(listenVsProxy >= 1.25)} |`,
  `| listen errors, events lost | ${summary['datachonk listen'].errors} errors; sent ${f(summary['datachonk listen'].sent)}, app received ${f(summary['datachonk listen'].received)} | zero errors, all received: ${verdict(summary['datachonk listen'].errors === 0 && summary['datachonk listen'].received >= summary['datachonk listen'].sent)} |`,
  `| trigger --count 5000 --concurrency 32 vs autocannon (32 connections) | ${f(triggerRate)} vs ${f(cannonRate)} req/s = ${f(triggerRate / cannonRate, 2)}x (trigger's own rate; ${f(triggerWallRate)} req/s by wall time, process start included) | >= 0.5x: ${verdict(triggerRate / cannonRate >= 0.5)} |`,
  `| startup, median of 20 | node -e 0 ${f(startupMedians['node -e 0'], 1)} ms; --version ${f(startupMedians['datachonk --version'], 1)} ms; trigger --help ${f(startupMedians['datachonk trigger --help'], 1)} ms; worst ${f(startupWorst, 2)}x | <= 1.5x: ${verdict(startupWorst <= 1.5)} |`,
  `| listener RSS after ${f(MEMORY_EVENTS)} events | ${f(rssHalf, 1)} MB at ${f(half)}, ${f(rssFull, 1)} MB at ${f(MEMORY_EVENTS)}; journal on disk ${f(journalBytes / 1024 / 1024, 1)} MB; app received ${f(memReceived)} | < 150 MB, not growing with the journal: ${verdict(rssFull < 150 && rssFull - rssHalf < 20)} |`,
  '',
];
writeFileSync(join(root, 'BENCHMARKS.md'), `${lines.join('\n')}\n`);
console.log(`\n${lines.slice(4).join('\n')}`);
console.log('\nwritten to BENCHMARKS.md');
process.exit(0);

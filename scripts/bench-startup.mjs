#!/usr/bin/env node
// Startup benchmark: median wall time of `datachonk --version` and `datachonk trigger --help`
// against a bare `node -e 0`, interleaved so that machine noise hits all three alike.
// Target (issue 2): each at most 1.5x the bare node start. Run after `npm run build`.
import { spawnSync } from 'node:child_process';
import { cpus } from 'node:os';
import { fileURLToPath } from 'node:url';

const bin = fileURLToPath(new URL('../bin/datachonk.js', import.meta.url));
const runs = Number(process.env.BENCH_RUNS ?? 30);
const cases = {
  'node -e 0': ['-e', '0'],
  'datachonk --version': [bin, '--version'],
  'datachonk trigger --help': [bin, 'trigger', '--help'],
};

const times = Object.fromEntries(Object.keys(cases).map((name) => [name, []]));
const env = { ...process.env, NO_COLOR: '1' };
for (let i = 0; i < runs + 3; i++) {
  for (const [name, args] of Object.entries(cases)) {
    const started = process.hrtime.bigint();
    const result = spawnSync(process.execPath, args, { env, stdio: ['ignore', 'ignore', 'pipe'] });
    const ms = Number(process.hrtime.bigint() - started) / 1e6;
    if (result.status !== 0) throw new Error(`${name} exited ${result.status}: ${result.stderr}`);
    if (i >= 3) times[name].push(ms); // the first runs warm the file cache
  }
}

const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};
const base = median(times['node -e 0']);
console.log(`Startup, median of ${runs} runs (Node ${process.version}, ${cpus().length} cores)`);
let worst = 0;
for (const [name, values] of Object.entries(times)) {
  const m = median(values);
  const ratio = m / base;
  if (name !== 'node -e 0') worst = Math.max(worst, ratio);
  console.log(`  ${name.padEnd(26)} ${m.toFixed(1).padStart(7)} ms  ${ratio.toFixed(2)}x`);
}
console.log(`target: <= 1.50x node -e 0; worst ${worst.toFixed(2)}x: ${worst <= 1.5 ? 'met' : 'NOT met'}`);

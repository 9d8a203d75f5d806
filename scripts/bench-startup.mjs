#!/usr/bin/env node
// Startup benchmark alone: median wall time of `datachonk --version` and `datachonk trigger --help`
// against a bare `node -e 0` (see scripts/bench/startup.mjs; `npm run bench` runs the same).
// Target: each at most 1.5x the bare node start. Exits 1 when a command fails. Run after `npm run build`.
import { cpus } from 'node:os';
import { fileURLToPath } from 'node:url';
import { measureStartup } from './bench/startup.mjs';

const bin = fileURLToPath(new URL('../bin/datachonk.js', import.meta.url));
const runs = Number(process.env.BENCH_RUNS ?? 30);

let result;
try {
  result = measureStartup(bin, { runs });
} catch (error) {
  console.error(error.message);
  process.exit(1);
}
const base = result['node -e 0'].median;
console.log(`Startup, median of ${runs} runs (Node ${process.version}, ${cpus().length} cores)`);
let worst = 0;
for (const [name, { median }] of Object.entries(result)) {
  const ratio = median / base;
  if (name !== 'node -e 0') worst = Math.max(worst, ratio);
  console.log(`  ${name.padEnd(26)} ${median.toFixed(1).padStart(7)} ms  ${ratio.toFixed(2)}x`);
}
console.log(`target: <= 1.50x node -e 0; worst ${worst.toFixed(2)}x: ${worst <= 1.5 ? 'met' : 'NOT met'}`);

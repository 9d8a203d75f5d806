#!/usr/bin/env node
// `datachonk check` alone: the full suite against a healthy local app (scripts/bench/check.mjs; `npm run
// bench` runs the same). Target (issue 13): at most 2 s. Run after `npm run build`.
import { cpus } from 'node:os';
import { fileURLToPath } from 'node:url';
import { measureCheck } from './bench/check.mjs';

const bin = fileURLToPath(new URL('../bin/datachonk.js', import.meta.url));
const runs = Number(process.env.BENCH_CHECK_RUNS ?? 10);
const r = await measureCheck(bin, { runs });
console.log(
  `datachonk check, ${r.checks} checks against a healthy app on 127.0.0.1, ${runs} runs (Node ${process.version}, ${cpus().length} cores)`,
);
console.log(
  `  whole command, process start included: median ${r.wallMedian.toFixed(0)} ms, max ${r.wallMax.toFixed(0)} ms`,
);
console.log(
  `  the suite itself (--json summary duration_ms): median ${r.suiteMedian.toFixed(0)} ms, max ${r.suiteMax.toFixed(0)} ms`,
);
console.log(`target: <= 2 s; worst ${(r.wallMax / 1000).toFixed(2)} s: ${r.wallMax <= 2000 ? 'met' : 'NOT met'}`);

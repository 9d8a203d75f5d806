#!/usr/bin/env node
// The inspector alone (scripts/bench/inspector.mjs; `npm run bench` runs the same): 10,000 journalled
// events. Targets (issue 14): the page loads in under 300 ms; it stays responsive (it never holds all
// the events at once). Exits 1 when the API does not give back every event. Run after `npm run build`.
import { cpus } from 'node:os';
import { fileURLToPath } from 'node:url';
import { measureInspector } from './bench/inspector.mjs';

const bin = fileURLToPath(new URL('../bin/datachonk.js', import.meta.url));
const events = Number(process.env.BENCH_INSPECTOR_EVENTS ?? 10_000);
const runs = Number(process.env.BENCH_INSPECTOR_RUNS ?? 10);
const r = await measureInspector(bin, { events, runs });
console.log(
  `Inspector with ${events} journalled events, ${runs} runs each (Node ${process.version}, ${cpus().length} cores)`,
);
console.log(`  datachonk inspect ready (journal loaded): ${r.ready.toFixed(0)} ms`);
console.log(
  `  events paged through the API: ${r.counted} of ${events} ${r.counted === events ? '(all)' : '(MISSING SOME)'}`,
);
for (const [name, { median, max }] of Object.entries(r.api))
  console.log(`  ${name.padEnd(24)} median ${median.toFixed(1)} ms, max ${max.toFixed(1)} ms`);
if (r.browser.skipped) console.log(`  browser: skipped, ${r.browser.skipped}`);
else {
  const b = r.browser;
  console.log(
    `  browser: navigation start to the first rows laid out on screen (its own clock): median ${b.loads.median.toFixed(0)} ms, max ${b.loads.max.toFixed(0)} ms; rows held: ${b.rows} of ${events}`,
  );
  console.log(
    `  browser: navigation start to the script's whole first page laid out: median ${b.wholes.median.toFixed(0)} ms, max ${b.wholes.max.toFixed(0)} ms`,
  );
  console.log(
    `  browser: the first rows seen from outside (goto called to the rows laid out, a new tab each time): median ${b.walls.median.toFixed(0)} ms, max ${b.walls.max.toFixed(0)} ms`,
  );
  if (b.more)
    console.log(
      `  browser: "load more" (${b.more.clicks} clicks): median ${b.more.median.toFixed(0)} ms, max ${b.more.max.toFixed(0)} ms`,
    );
  console.log(
    `target: page loads in < 300 ms: median ${b.loads.median.toFixed(0)} ms: ${b.loads.median < 300 ? 'met' : 'NOT met'}; responsive with ${events}: holds ${b.rows} rows: ${b.rows < events ? 'met' : 'NOT met'}`,
  );
}
if (r.counted !== events) process.exitCode = 1;

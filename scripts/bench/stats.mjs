// Small statistics and /proc helpers shared by the benchmark scripts.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

export const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};

/** Nearest-rank percentile (p in 0..100) of unsorted values. */
export const percentile = (values, p) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
};

// CPU time a process has used, in ms (Linux: /proc; elsewhere undefined). Divided by the events a
// target forwarded, it gives what one event costs, a figure that does not depend on how the load
// generator, the app and the forwarder share the cores.
const ticks = Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout?.trim()) || 100;
export const cpuMs = (pid) => {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / ticks;
  } catch {
    return undefined;
  }
};

/** Resident set size of another process in MB (Linux), or undefined. */
export const rssMb = (pid) => {
  try {
    return Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))[1]) / 1024;
  } catch {
    return undefined;
  }
};

/**
 * Samples a process's RSS every `everyMs` until stopped; `mark()` starts a new segment, so one
 * sampler can report the peak of each half of a run. Returns `{ mark, stop }`; `stop()` gives
 * `{ peak, last, samples, segments: [{ peak, samples }] }`.
 */
export function sampleRss(pid, everyMs = 200) {
  const segments = [{ peak: 0, samples: 0 }];
  let last;
  const take = () => {
    const mb = rssMb(pid);
    if (mb === undefined) return;
    last = mb;
    const segment = segments.at(-1);
    segment.peak = Math.max(segment.peak, mb);
    segment.samples++;
  };
  take();
  const timer = setInterval(take, everyMs);
  return {
    mark() {
      take();
      segments.push({ peak: 0, samples: 0 });
      take();
    },
    stop() {
      take();
      clearInterval(timer);
      return {
        peak: Math.max(...segments.map((s) => s.peak)),
        last,
        samples: segments.reduce((n, s) => n + s.samples, 0),
        segments,
      };
    },
  };
}

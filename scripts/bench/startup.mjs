// Startup: wall time of `datachonk --version` and `datachonk trigger --help` against a bare
// `node -e 0`, interleaved so that machine noise hits all three alike. A run that exits non-zero
// stops the benchmark: a fast crash must never pass for a fast start.
import { spawnSync } from 'node:child_process';
import { median } from './stats.mjs';

/**
 * Runs each case `runs` times after `warmup` unrecorded rounds (they warm the file cache) and returns
 * `{ [name]: { median, runs } }` in ms. Throws when any run exits non-zero or is killed.
 */
export function measureStartup(bin, { runs = 20, warmup = 3, env = process.env } = {}) {
  const cases = {
    'node -e 0': ['-e', '0'],
    'datachonk --version': [bin, '--version'],
    'datachonk trigger --help': [bin, 'trigger', '--help'],
  };
  const times = Object.fromEntries(Object.keys(cases).map((name) => [name, []]));
  for (let i = 0; i < runs + warmup; i++) {
    for (const [name, args] of Object.entries(cases)) {
      const started = process.hrtime.bigint();
      const result = spawnSync(process.execPath, args, {
        env: { ...env, NO_COLOR: '1' },
        stdio: ['ignore', 'ignore', 'pipe'],
        encoding: 'utf8',
      });
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      if (result.error) throw new Error(`startup benchmark: ${name} could not run: ${result.error.message}`);
      if (result.status !== 0) {
        throw new Error(
          `startup benchmark: \`${name}\` exited ${result.status ?? result.signal}; run \`npm run build\` and try it by hand.\n${result.stderr}`,
        );
      }
      if (i >= warmup) times[name].push(ms);
    }
  }
  return Object.fromEntries(
    Object.entries(times).map(([name, values]) => [name, { median: median(values), runs: values.length }]),
  );
}

import { defineConfig } from 'vitest/config';
import LoadFailureReporter from './test/helpers/load-failure-reporter.js';

// The fast, in-process unit tests alone: what the mutation run (stryker.config.mjs) executes for
// every mutant, so that it never builds, spawns the binary or starts servers.
export default defineConfig({
  test: {
    include: ['test/unit/**/*.test.ts'],
    reporters: ['default', new LoadFailureReporter()],
  },
});

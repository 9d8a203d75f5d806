import { defineConfig } from 'vitest/config';

// The fast, in-process unit tests alone: what the mutation run (stryker.config.mjs) executes for
// every mutant, so that it never builds, spawns the binary or starts servers.
export default defineConfig({
  test: {
    include: ['test/unit/**/*.test.ts'],
  },
});

import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Vitest's default is one worker fewer than the cores: one, on a 2-core machine. Most test files
    // wait on processes and sockets rather than compute, so three at once finish sooner (docs/TESTING.md).
    maxWorkers: 3,
    // A backstop for a test that hangs, not a measure: tests await what they wait for. e2e tests spawn
    // the built binary several times each, and under load (three files at a time beside two busy loops,
    // as CI's machine may be) one that spawns six processes took over 20 s.
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});

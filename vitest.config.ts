import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Vitest's default is one worker fewer than the cores: one, on a 2-core machine. Most test files
    // wait on processes and sockets rather than compute, so three at once finish sooner (docs/TESTING.md).
    maxWorkers: 3,
    // e2e tests spawn the built binary; give them room on a 2-core CI machine.
    testTimeout: 20_000,
    hookTimeout: 20_000,
  },
});

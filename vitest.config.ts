import { defineConfig } from 'vitest/config';
import { BaseSequencer, type TestSpecification } from 'vitest/node';

// The two longest files (about 50 s each) start first, so that neither is the last one running on its
// own: on a fresh clone vitest has no timings yet and orders by file size. The rest keep vitest's order:
// starting every heavy file at once made them slower (2 cores), 168 s against 147 s.
const FIRST = ['test/browser/', 'test/e2e/examples.test.ts'];

class LongestFirst extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const rank = (file: TestSpecification) => {
      const at = FIRST.findIndex((prefix) => file.moduleId.replaceAll('\\', '/').includes(`/${prefix}`));
      return at === -1 ? FIRST.length : at;
    };
    // Array#sort is stable: within a rank, vitest's own order (slowest first, once it has timings).
    return (await super.sort(files)).sort((a, b) => rank(a) - rank(b));
  }
}

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Vitest's default is one worker fewer than the cores: one, on a 2-core machine. Most test files
    // wait on processes and sockets rather than compute, so three at once finish sooner (docs/TESTING.md).
    maxWorkers: 3,
    sequence: { sequencer: LongestFirst },
    // A backstop for a test that hangs, not a measure: tests await what they wait for. e2e tests spawn
    // the built binary several times each, and under load (three files at a time beside two busy loops,
    // as CI's machine may be) one that spawns six processes took over 20 s.
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});

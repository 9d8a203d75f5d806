import type { RunnerTestCase } from 'vitest';
import type { Reporter, Vitest } from 'vitest/node';

/**
 * Turns a test file that failed to load into one failed test. Stryker's vitest runner scores a
 * mutant from the tests it collected, and a file whose imports throw collects none, so a mutant
 * that stops a module from loading (EVENTS = {}, say) was reported as surviving
 * (stryker-js#6150). Used by vitest.unit.config.ts, the config of the mutation run.
 */
export default class LoadFailureReporter implements Reporter {
  private vitest: Vitest | undefined;

  onInit(vitest: Vitest) {
    this.vitest = vitest;
  }

  onTestRunEnd() {
    for (const file of this.vitest?.state.getFiles() ?? []) {
      if (file.result?.state !== 'fail' || file.tasks.length > 0) continue;
      // A minimal test task: what Stryker reads of one (name, file, suite, result).
      file.tasks.push({
        type: 'test',
        id: `${file.id}_load`,
        name: 'the file loads',
        fullName: `${file.name} > the file loads`,
        mode: 'run',
        file,
        suite: file,
        result: { state: 'fail', errors: file.result.errors ?? [] },
        meta: {},
        annotations: [],
        artifacts: [],
        timeout: 0,
      } as unknown as RunnerTestCase);
    }
  }
}

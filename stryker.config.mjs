// Mutation testing of the core: signing, the event registry and payloads, and the listener's request
// decision. `npm run mutate`; not part of `npm test`. Scores are in docs/TESTING.md.
/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
export default {
  testRunner: 'vitest',
  vitest: { configFile: 'vitest.unit.config.ts' },
  mutate: [
    'src/core/signing/**/*.ts',
    'src/core/events/**/*.ts',
    'src/core/listen/decide.ts',
    'src/core/listen/targets.ts',
  ],
  // Only the tests that cover a mutant run for it.
  coverageAnalysis: 'perTest',
  reporters: ['clear-text', 'progress', 'html', 'json'],
  htmlReporter: { fileName: 'reports/mutation/index.html' },
  jsonReporter: { fileName: 'reports/mutation/mutation.json' },
  clearTextReporter: { allowColor: false, logTests: false, maxTestsToLog: 0 },
  tempDirName: '.stryker-tmp',
  thresholds: { high: 90, low: 85, break: null },
};

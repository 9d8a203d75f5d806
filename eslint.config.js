// ESLint: typescript-eslint's recommended rules, the type-aware ones that catch a promise nobody
// waits for, and the rules that keep the layers apart (docs/ARCHITECTURE.md). Formatting is
// Prettier's (.prettierrc.json), not ESLint's.
import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';

const layers = {
  // Domain code never prints, prompts, reads the process's environment or exits: commands inject the world.
  domain: [
    {
      group: ['**/ui/*', '**/commands/*', '**/cli.js', '**/program.js'],
      message: 'core and the emulator report through interfaces; only commands reach ui/',
    },
  ],
  // Only ui/ colours and spins.
  terminal: [{ group: ['chalk', 'ora'], message: "chalk and ora are ui/'s: render through a view" }],
};
const processWorld = ['env', 'argv', 'exit', 'stdout', 'stderr', 'stdin'].map((property) => ({
  object: 'process',
  property,
  message: 'cli.ts builds the world (env, streams, exit): take it from the Context',
}));

export default tseslint.config(
  { ignores: ['dist/', 'reports/', 'coverage/', '.stryker-tmp/', 'node_modules/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': ['error', { checksVoidReturn: { arguments: false } }],
      '@typescript-eslint/await-thenable': 'error',
      '@typescript-eslint/switch-exhaustiveness-check': ['error', { considerDefaultExhaustiveForUnions: true }],
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' },
      ],
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
      // A server's handler may read a variable that is assigned once the server listens.
      'prefer-const': ['error', { ignoreReadBeforeAssign: true }],
    },
  },
  {
    files: ['src/**/*.ts'],
    ignores: ['src/cli.ts'],
    rules: {
      'no-console': 'error',
      'no-restricted-properties': ['error', ...processWorld],
    },
  },
  {
    files: ['src/**/*.ts'],
    ignores: ['src/ui/**'],
    rules: { 'no-restricted-imports': ['error', { patterns: layers.terminal }] },
  },
  {
    files: ['src/core/**/*.ts', 'src/emulator/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', { patterns: [...layers.terminal, ...layers.domain] }] },
  },
  {
    files: ['test/**/*.ts'],
    rules: {
      // Test doubles and fixtures stand in for loosely typed things on purpose.
      '@typescript-eslint/no-explicit-any': 'off',
      '@typescript-eslint/no-non-null-assertion': 'off',
      // Terminal escapes are what several tests are about.
      'no-control-regex': 'off',
    },
  },
  {
    files: ['inspector/**/*.js'],
    languageOptions: { globals: globals.browser, sourceType: 'module' },
  },
  {
    files: [
      'scripts/**/*.mjs',
      'examples/**/*.mjs',
      'docs/receivers/**/*.mjs',
      'bin/**/*.js',
      'test/**/*.mjs',
      '*.config.{js,mjs}',
    ],
    languageOptions: { globals: globals.node },
  },
  {
    // Its measurements run inside the page (page.evaluate).
    files: ['scripts/bench/inspector.mjs'],
    languageOptions: { globals: { ...globals.node, ...globals.browser } },
  },
);

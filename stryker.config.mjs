// Mutation testing of the restore core: `npm run mutation` (see specs/testing.md).
// Mutants are checked by the TypeScript compiler first, then killed (or not)
// by the fast test set in vitest.mutation.config.ts.
/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
export default {
  testRunner: 'vitest',
  // forks: the tests need --expose-gc (execArgv), which worker threads refuse.
  vitest: { configFile: 'vitest.mutation.config.ts', pool: 'forks' },
  checkers: ['typescript'],
  tsconfigFile: 'tsconfig.json',
  coverageAnalysis: 'perTest',
  mutate: [
    // What a rewind puts back: glue bindings, memories, globals, tables.
    'src/glue/state.ts',
    'src/state-snapshot.ts',
    'src/memory/**/*.ts',
    'src/core/linker.ts',
    // Host state reset between runs: stdio, per-run input, file system.
    'shims/cli.ts',
    'shims/host.ts',
    'shims/vfs.ts',
  ],
  ignorePatterns: ['.tools', 'scratch', 'bench/results', 'reports', '.cache'],
  // 2 cores: one type checker and one test runner; the checker's slot goes
  // to a second test runner once every mutant is checked.
  concurrency: 2,
  timeoutMS: 60_000,
  reporters: ['clear-text', 'progress-append-only', 'html', 'json'],
  htmlReporter: { fileName: 'reports/mutation/index.html' },
  jsonReporter: { fileName: 'reports/mutation/mutation.json' },
  thresholds: { high: 90, low: 85, break: null },
  tempDirName: '.stryker-tmp',
  cleanTempDir: 'always',
};

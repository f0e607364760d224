// Mutation testing of the restore core, one area at a time:
// `bash scripts/mutation.sh AREA` (see specs/testing.md). Mutants are checked
// by the TypeScript compiler first, then killed (or not) by the area's fast
// test set in vitest.mutation.config.ts (MUTATION_AREA).
const AREAS = {
  // What a rewind puts back in the instance, and the rewriter that makes it possible.
  core: ['src/state-snapshot.ts', 'src/memory/**/*.ts', 'src/core/linker.ts', 'src/core/global-cell.ts'],
  rewrite: ['src/rewrite/tables.ts', 'src/rewrite/memory-access.ts', 'src/rewrite/instrument.ts'],
  // The volume's undo journal.
  fs: ['shims/fs/volume.ts', 'shims/fs/inode.ts', 'shims/fs/data.ts'],
  // Host state reset between runs and its verifyRestore fingerprint.
  host: ['shims/host.ts', 'shims/host-state.ts', 'shims/clocks.ts', 'shims/random.ts'],
  // jco glue bindings.
  glue: ['src/glue/state.ts'],
};
const area = process.env.MUTATION_AREA ?? 'core';
// MUTATION_QUICK=1: no type checker (type-invalid mutants then run and are
// judged by the tests) and no static mutants (module-level constants, which
// need a full reload per mutant): several times faster on a busy machine.
const quick = process.env.MUTATION_QUICK === '1';
// MUTATION_STATIC=1 keeps the static mutants in quick mode (each then runs
// every test of the area after a reload; for re-runs over a few lines).
const withStatic = process.env.MUTATION_STATIC === '1';
if (!AREAS[area]) throw new Error(`MUTATION_AREA must be one of ${Object.keys(AREAS).join(', ')}`);

/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
export default {
  testRunner: 'vitest',
  // forks: the tests need --expose-gc (execArgv), which worker threads refuse.
  vitest: { configFile: 'vitest.mutation.config.ts', pool: 'forks' },
  checkers: quick ? [] : ['typescript'],
  ignoreStatic: quick && !withStatic,
  tsconfigFile: 'tsconfig.json',
  coverageAnalysis: 'perTest',
  mutate: AREAS[area],
  ignorePatterns: ['.tools', 'scratch', 'bench/results', 'reports', '.cache', '.stryker-tmp*'],
  // The machine has 2 cores shared with other work: one test runner.
  concurrency: 1,
  timeoutMS: 60_000,
  reporters: ['clear-text', 'progress-append-only', 'html', 'json'],
  htmlReporter: { fileName: `reports/mutation/${area}/index.html` },
  jsonReporter: { fileName: `reports/mutation/${area}/mutation.json` },
  thresholds: { high: 90, low: 85, break: null },
  // One sandbox directory per area, so that two areas can run side by side.
  tempDirName: `.stryker-tmp-${area}`,
  cleanTempDir: 'always',
};

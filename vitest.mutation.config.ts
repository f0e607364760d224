// The tests that exercise the restore core (glue state, snapshot, memory,
// linker, host stdio/fs reset), at a reduced run count: Stryker runs the
// covering tests once per mutant, so this set has to stay fast.
// Used by `npm run mutation` (stryker.config.mjs).
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: [
      'test/handles.test.ts',
      'test/reuse.test.ts',
      'test/host.test.ts',
      'test/faults.test.ts',
      'test/leakage.test.ts',
      'test/conformance.test.ts',
      'test/growth.test.ts',
    ],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    pool: 'forks',
    execArgv: ['--expose-gc'],
    globalSetup: ['test/global-setup.ts'],
    // Tests that repeat runs many times (reuse, growth) scale their counts by this.
    env: { REWIND_TEST_SCALE: '0.02' },
  },
});

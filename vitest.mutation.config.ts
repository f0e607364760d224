// The tests that exercise the restore core (glue state, snapshot, memory,
// linker, host stdio/fs reset), at a reduced run count: Stryker runs the
// covering tests once per mutant and stops at the first failure, so this set
// has to stay fast, and it runs in the listed order (cheap unit tests first).
// Used by `npm run mutation` (stryker.config.mjs).
import { BaseSequencer, type TestSpecification } from 'vitest/node';
import { defineConfig } from 'vitest/config';

const FILES = [
  'test/handles-glue-state.test.ts',
  'test/handles.test.ts',
  'test/host.test.ts',
  'test/reuse.test.ts',
  'test/conformance.test.ts',
  'test/leakage.test.ts',
  'test/faults.test.ts',
  'test/growth.test.ts',
];

class ListedOrder extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const rank = (f: TestSpecification) => FILES.findIndex((name) => f.moduleId.endsWith(name));
    return [...files].sort((a, b) => rank(a) - rank(b));
  }
}

export default defineConfig({
  test: {
    include: FILES,
    testTimeout: 120_000,
    hookTimeout: 120_000,
    pool: 'forks',
    execArgv: ['--expose-gc'],
    globalSetup: ['test/global-setup.ts'],
    sequence: { sequencer: ListedOrder },
    // Tests that repeat runs many times (reuse, growth) scale their counts by this.
    env: { REWIND_TEST_SCALE: '0.02' },
  },
});

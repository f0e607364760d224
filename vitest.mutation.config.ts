// The fast tests that kill mutants of one area of the restore core
// (MUTATION_AREA, see stryker.config.mjs and scripts/mutation.sh). Stryker
// runs the covering tests once per mutant and stops at the first failure, so
// each set stays small and runs in the listed order (cheapest first).
import { BaseSequencer, type TestSpecification } from 'vitest/node';
import { defineConfig } from 'vitest/config';

export const AREA_TESTS: Record<string, string[]> = {
  // Tracked memory and the linker as units, then the snapshot and the rewriter end to end, rewritten in-process
  // (cached on disk unless the rewriter carries mutants: see mutation-core.test.ts).
  core: ['test/mutation-memory.test.ts', 'test/mutation-linker.test.ts', 'test/mutation-globals.test.ts', 'test/mutation-core.test.ts'],
  // The rewriter: module shapes as units, then every instruction end to end (rewritten per test).
  rewrite: ['test/mutation-rewrite.test.ts', 'test/mutation-globals.test.ts', 'test/mutation-core.test.ts'],
  // The volume's undo journal, as unit tests (milliseconds per mutant).
  fs: ['test/mutation-fs-model.test.ts', 'test/mutation-volume.test.ts'],
  // Host reset and the verifyRestore fingerprint, as units.
  host: ['test/mutation-host.test.ts', 'test/mutation-volume.test.ts'],
  glue: ['test/handles-glue-state.test.ts', 'test/handles.test.ts'],
};

const FILES = AREA_TESTS[process.env.MUTATION_AREA ?? 'core'];
if (!FILES) throw new Error(`MUTATION_AREA must be one of ${Object.keys(AREA_TESTS).join(', ')}`);

class ListedOrder extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const rank = (f: TestSpecification) => FILES!.findIndex((name) => f.moduleId.endsWith(name));
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
    env: { REWIND_TEST_SCALE: '0.02' },
  },
});

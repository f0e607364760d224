import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 600_000,
    hookTimeout: 600_000,
    pool: 'forks',
    // Memory-trend tests (soak, growth) force a full GC before each sample. A worker that dies of
    // a fatal V8 error (out of memory, a failed check) leaves a diagnostic report, which .ci/run
    // prints: vitest itself says only "Worker exited unexpectedly".
    execArgv: ['--expose-gc', '--report-on-fatalerror', '--report-directory=.cache/node-reports'],
    maxWorkers: 2,
    globalSetup: ['test/global-setup.ts'],
  },
});

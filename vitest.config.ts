import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 600_000,
    hookTimeout: 600_000,
    pool: 'forks',
    // Memory-trend tests (soak, growth) force a full GC before each sample.
    execArgv: ['--expose-gc'],
    maxWorkers: 2,
    globalSetup: ['test/global-setup.ts'],
  },
});

import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // The quick artifacts every site test needs are computed once per run (test/helpers.ts).
    globalSetup: ['./test/global-setup.ts'],
    // Stage and site tests train real (small) models and build the real site.
    testTimeout: 120_000,
    hookTimeout: 180_000,
    // Two cores: training tests compete for them, so keep at most two files running.
    maxWorkers: 2,
    reporters: ['default', './test/summary-reporter.ts'],
  },
});

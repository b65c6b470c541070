import { defineConfig } from 'vitest/config';

/**
 * One project per kind of test, by folder (test/<name>/): `npm test` runs them
 * all, `npm run test:unit` (vitest run --project unit) only the fast ones.
 * - unit: pure and fast, no stage CLI run, no site build (seconds in all);
 * - stages: real stage runs on tiny budgets, through the CLI and runOne, and
 *   the wasm training kernels against the cpu backend;
 * - site: site builds from real artifacts, and the site's figure code;
 * - tooling: cache keys, npm run sync, diff, bench and the project's checks;
 * - browser: the built report in Chromium, and the PDF printer.
 * test/helpers/ holds the shared plumbing.
 */
const project = (name: string) => ({ extends: true, test: { name, include: [`test/${name}/**/*.test.ts`] } });

export default defineConfig({
  test: {
    // Runs once per test run whatever the projects: a scratch directory shared by every file, where the
    // quick artifacts and the quick site the site and browser tests read are computed once (test/helpers/helpers.ts).
    globalSetup: ['./test/helpers/global-setup.ts'],
    // Stage and site tests train real (small) models and build the real site: liveness guards, not budgets.
    testTimeout: 120_000,
    hookTimeout: 180_000,
    // Two cores: training tests compete for them, so keep at most two files running, across all projects.
    maxWorkers: 2,
    reporters: ['default', './test/helpers/summary-reporter.ts'],
    projects: ['unit', 'stages', 'site', 'tooling', 'browser'].map(project),
  },
});

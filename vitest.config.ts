import { defineConfig } from 'vitest/config';

/** Tests that drive the built app in Chromium through playwright-core (not vitest's browser mode). */
const BROWSER_TESTS = 'tests/browser/**/*.test.ts';

export default defineConfig({
  test: {
    testTimeout: 120_000,
    hookTimeout: 300_000,
    pool: 'forks',
    globalSetup: ['tests/helpers/globalSetup.ts'],
    // Reporters belong to the run, not to a project: the summary line is printed once.
    reporters: ['default', './tests/helpers/summaryReporter.ts'],
    projects: [
      { extends: true, test: { name: 'unit', include: ['tests/**/*.test.ts'], exclude: [BROWSER_TESTS] } },
      // The app is built once per run, only when browser tests run.
      { extends: true, test: { name: 'browser', include: [BROWSER_TESTS], globalSetup: ['tests/browser/globalSetup.ts'] } },
    ],
  },
});

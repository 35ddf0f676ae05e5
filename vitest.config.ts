import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['tests/**/*.test.ts'],
    testTimeout: 120_000,
    hookTimeout: 300_000,
    pool: 'forks',
    globalSetup: ['tests/helpers/globalSetup.ts'],
    reporters: ['default', './tests/helpers/summaryReporter.ts'],
  },
});

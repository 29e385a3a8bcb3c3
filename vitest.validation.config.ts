import { defineConfig } from 'vitest/config';

/**
 * `npm run validate`: checks against the real traces in ../shared/data, kept apart from the main
 * suite so that `npm test` never depends on files outside the repository.
 */
export default defineConfig({
  test: {
    include: ['test-validation/**/*.test.ts'],
    // Parsing the full traces (5.6 MB for SDSC-SP2) takes seconds on a 2-core machine.
    testTimeout: 300_000,
    hookTimeout: 300_000,
  },
});

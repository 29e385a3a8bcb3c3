import { defineConfig } from 'vitest/config';

/**
 * `npm run validate`: checks against the real traces in ../shared/data, kept apart from the main
 * suite so that `npm test` never depends on files outside the repository.
 */
export default defineConfig({
  test: {
    include: ['test-validation/**/*.test.ts'],
    // Builds dist/ when it is older than src/: the FGD checks run the CLI, the trace scenarios run
    // in worker threads from dist/.
    globalSetup: ['test/global-setup.ts'],
    // Parsing the full traces (5.6 MB for SDSC-SP2) takes seconds on a 2-core machine.
    testTimeout: 300_000,
    hookTimeout: 300_000,
  },
});

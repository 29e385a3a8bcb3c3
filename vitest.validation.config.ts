import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { defineConfig } from 'vitest/config';
import { dataDir } from './src/data/dir.js';

/**
 * The traces the checks read: $ORCHSIM_DATA, else the project's mirror ../shared/data when it is
 * there (it has the data directory's layout), else the default data directory (what `orchsim
 * data pull` fills). Handed to the tests, and to the scenarios they run, as ORCHSIM_DATA.
 */
const shared = resolve('../shared/data');
const data = process.env.ORCHSIM_DATA || (existsSync(shared) ? shared : dataDir());

/**
 * `npm run validate`: checks against the real traces, kept apart from the main suite so that
 * `npm test` never depends on files outside the repository.
 */
export default defineConfig({
  test: {
    include: ['test-validation/**/*.test.ts'],
    env: { ORCHSIM_DATA: data },
    // Builds dist/ when it is older than src/: the FGD checks run the CLI, the trace scenarios run
    // in worker threads from dist/.
    globalSetup: ['test/global-setup.ts'],
    // Parsing the full traces (5.6 MB for SDSC-SP2) takes seconds on a 2-core machine.
    testTimeout: 300_000,
    hookTimeout: 300_000,
  },
});

import { availableParallelism } from 'node:os';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/global-setup.ts'],
    // Two test files at a time even on 2 cores (vitest's default there is one: cores - 1): most
    // files wait on CLI children or a browser part of the time, and beside other busy processes
    // a second worker keeps the suite's share of the machine.
    maxWorkers: Math.max(2, availableParallelism() - 1),
    // The CLI tests spawn the built binary; give them room on a 2-core machine.
    testTimeout: 60_000,
    hookTimeout: 120_000,
  },
});

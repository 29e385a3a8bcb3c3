import { availableParallelism } from 'node:os';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/global-setup.ts'],
    setupFiles: ['test/fast-check-setup.ts'],
    // Two test files at a time even on 2 cores (vitest's default there is one: cores - 1): most
    // files wait on CLI children or a browser part of the time, and beside other busy processes
    // a second worker keeps the suite's share of the machine.
    maxWorkers: Math.max(2, availableParallelism() - 1),
    // Timeouts catch a hung test, not a slow machine: the CLI tests take 1-10 s on an idle 2-core
    // machine and ten times that when it is shared with other builds (a 6 s plan test took over
    // 60 s at load 13), so a limit near their usual time would fail them for the machine's speed.
    testTimeout: 300_000,
    hookTimeout: 300_000,
  },
});

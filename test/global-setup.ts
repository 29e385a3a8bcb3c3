import { execFileSync } from 'node:child_process';

/**
 * The CLI tests run the built binary (dist/cli/main.js) as a user would; build it once per test
 * run so they never exercise stale output.
 */
export default function setup(): void {
  execFileSync(process.execPath, ['node_modules/typescript/bin/tsc', '-p', 'tsconfig.build.json'], { stdio: 'inherit' });
}

import { execFileSync } from 'node:child_process';
import { chmodSync } from 'node:fs';

/**
 * The CLI tests run the built binary (dist/cli/main.js) as a user would; build it once per test
 * run so they never exercise stale output.
 */
export default function setup(): void {
  execFileSync(process.execPath, ['node_modules/typescript/bin/tsc', '-p', 'tsconfig.build.json'], { stdio: 'inherit' });
  // tsc writes the file anew without the executable bit that npm install gave the package's bin:
  // without it, `npx orchsim` after `npm test` fails with "Permission denied".
  chmodSync('dist/cli/main.js', 0o755);
}

import { execFile } from 'node:child_process';
import { chmodSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';

const MAIN = 'dist/cli/main.js';

/** Every file below `dir`, as paths. */
function files(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true }).filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name));
}

/**
 * dist/ is up to date when every source file has its compiled file, written after the newest
 * source and after the tsconfig files (tsc writes every output anew on each build). A build that
 * failed removes dist/cli/main.js (below), so it never counts as up to date.
 */
function distIsCurrent(): boolean {
  try {
    // scripts/: the build itself (scripts/vendor-bundles.mjs rewrites what tsc wrote).
    const inputs = [...files('src'), ...files('scripts'), 'tsconfig.json', 'tsconfig.build.json', 'package.json'];
    const newestInput = Math.max(...inputs.map((f) => statSync(f).mtimeMs));
    const outputs = files('src').filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts')).map((f) => join('dist', f.slice('src/'.length).replace(/\.ts$/, '.js')));
    return [MAIN, ...outputs].every((f) => statSync(f).mtimeMs >= newestInput);
  } catch {
    return false; // a compiled file is missing
  }
}

/**
 * The CLI tests run the built binary (dist/cli/main.js) as a user would; build it before the run
 * so they never exercise stale output, unless dist/ is already newer than every source (the
 * build takes 10-30 s of the 2-core machine).
 */
export default async function setup(): Promise<void> {
  if (!distIsCurrent()) {
    try {
      await promisify(execFile)(process.execPath, ['scripts/build.mjs']);
    } catch (e) {
      const { stdout, stderr } = e as { stdout?: string; stderr?: string };
      throw new Error(`npm run build failed:\n${stdout ?? ''}${stderr ?? ''}`);
    }
  }
  // A dist/ built by tsc alone lacks the bin's executable bit (see scripts/build.mjs).
  chmodSync(MAIN, 0o755);
}

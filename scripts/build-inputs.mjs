// What `npm run build` makes dist/ from, as one digest: a build whose inputs are the ones the
// current dist/ was made from leaves it as it is. This matters on the README's first command:
// `npm ci` builds (the prepare script), then the first `npx orchsim` installs the project folder
// into npx's cache as a file: dependency, which runs prepare again - a second full build (12 s
// of CPU here) for the same files.
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';

/** Where a build records the digest of its inputs (inside dist/, so it goes with what it describes). */
export const INPUTS_FILE = 'dist/.build-inputs';

/** Every file below `dir`, sorted, as paths. */
function files(root, dir) {
  return readdirSync(join(root, dir), { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile())
    .map((e) => relative(root, join(e.parentPath, e.name)))
    .sort();
}

/**
 * The digest of everything the build reads: src/ and scripts/, the package and lock files (the
 * compiler's and bundler's versions), the tsconfig files, the scenario the code caches are
 * trained on, the Node version and architecture (a V8 code cache holds for one V8 only) and every
 * ORCHSIM_* variable of the environment (the build's switches, e.g. ORCHSIM_NO_CORE_BUNDLE=1).
 */
export function buildInputsDigest(root = '.', env = process.env) {
  const hash = createHash('sha256');
  const inputs = [...files(root, 'src'), ...files(root, 'scripts'), 'package.json', 'package-lock.json', 'tsconfig.json', 'tsconfig.build.json', 'scenarios/default.yaml'];
  for (const f of inputs) {
    const path = join(root, f);
    hash.update(`${f}\0`);
    hash.update(existsSync(path) ? readFileSync(path) : '(none)');
    hash.update('\0');
  }
  hash.update(`${process.version} ${process.arch} ${process.platform}\0`);
  for (const k of Object.keys(env).filter((x) => x.startsWith('ORCHSIM_')).sort()) hash.update(`${k}=${env[k]}\0`);
  return hash.digest('hex');
}

/** Whether dist/ is complete (its bin is there: a failed build removes it) and made from `digest`. */
export function distMadeFrom(digest, root = '.') {
  try {
    return existsSync(join(root, 'dist/cli/main.js')) && readFileSync(join(root, INPUTS_FILE), 'utf8') === digest;
  } catch {
    return false;
  }
}

#!/usr/bin/env node
// `npm run build`: compiles src/ into a folder beside dist/ and renames it into place, so a CLI
// call during a build (a test's, or a user's in another terminal) runs the old build or the new
// one, never half of one: only the moment between two renames has no dist/ at all. A failed
// build leaves the old dist/ without its bin (dist/cli/main.js), so it never passes for current.
import { execFile } from 'node:child_process';
import { chmodSync, existsSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { entryBundles } from './entry-bundles.mjs';
import { coreBundle } from './core-bundle.mjs';
import { vendorBundles, writeCodeCaches } from './vendor-bundles.mjs';
import { buildInputsDigest, distMadeFrom, INPUTS_FILE } from './build-inputs.mjs';

process.chdir(fileURLToPath(new URL('..', import.meta.url)));
const staging = `dist.build-${process.pid}`;
const old = `dist.old-${process.pid}`;
// Folders a killed build left behind (its process is gone).
for (const name of readdirSync('.')) {
  const pid = /^dist\.(?:build|old)-(\d+)$/.exec(name)?.[1];
  if (pid === undefined) continue;
  let alive = true;
  try {
    process.kill(Number(pid), 0);
  } catch (e) {
    alive = e.code === 'EPERM';
  }
  if (!alive) rmSync(name, { recursive: true, force: true });
}
// Nothing to do where dist/ was made from these very inputs (scripts/build-inputs.mjs says why);
// `npm run build -- --force` builds anyway.
const digest = buildInputsDigest();
if (!process.argv.includes('--force') && distMadeFrom(digest)) {
  process.stderr.write(`dist/ is up to date: made from these sources, scripts, lock file and Node ${process.version} (npm run build -- --force rebuilds)\n`);
  process.exit(0);
}
try {
  await promisify(execFile)(process.execPath, ['node_modules/typescript/bin/tsc', '-p', 'tsconfig.build.json', '--outDir', staging]);
} catch (e) {
  rmSync(staging, { recursive: true, force: true });
  rmSync('dist/cli/main.js', { force: true });
  process.stderr.write(`tsc -p tsconfig.build.json failed:\n${e.stdout ?? ''}${e.stderr ?? ''}`);
  process.exit(1);
}
// The entries' code in one script, dist/orchsim.cjs (or, with that off, bundled with shared
// chunks), then zod, yaml and commander as one file each in dist/vendor/, then the code caches
// (start-up time; scripts/core-bundle.mjs, entry-bundles.mjs, vendor-bundles.mjs).
try {
  const core = await coreBundle(staging, process.cwd());
  if (core === undefined) {
    process.stderr.write('core bundle: off (ORCHSIM_NO_CORE_BUNDLE=1, or esbuild cannot be loaded)\n');
    const bundled = await entryBundles(staging);
    // Said only when the step was off or skipped.
    if (!bundled.includes(' chunks in ')) process.stderr.write(`${bundled}\n`);
  }
  const note = await vendorBundles(staging, process.cwd());
  // Said only when something was left out (the step off or skipped, or no code caches).
  if (!note.startsWith('vendor bundles: zod') || note.includes('no code caches')) process.stderr.write(`${note}\n`);
  // The core's code cache, where the vendor step (which writes every loaded script's) was off.
  if (core !== undefined && !note.startsWith('vendor bundles: zod')) {
    const caches = await writeCodeCaches(staging, process.cwd());
    if (caches.startsWith('no code caches')) process.stderr.write(`${caches}\n`);
  }
} catch (e) {
  rmSync(staging, { recursive: true, force: true });
  rmSync('dist/cli/main.js', { force: true });
  process.stderr.write(`bundling dist/ failed:\n${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(1);
}
// tsc writes files without the executable bit that npm install gave the package's bin: without
// it, `npx orchsim` fails with "Permission denied".
chmodSync(`${staging}/cli/main.js`, 0o755);
writeFileSync(`${staging}/${INPUTS_FILE.slice('dist/'.length)}`, digest);
if (existsSync('dist')) renameSync('dist', old);
renameSync(staging, 'dist');
rmSync(old, { recursive: true, force: true });

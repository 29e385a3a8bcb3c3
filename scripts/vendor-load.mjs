// dist/vendor/load.js (the build copies this file there): loads one bundled package,
// dist/vendor/NAME.cjs, with the V8 code cache the build wrote beside it (NAME.v8cache).
//
// Why: V8 parses and compiles every ES module's source text when it is loaded, and each function
// again the first time it runs; for zod, yaml and commander that was most of what a short command
// spends in them. A code cache (the bytecode of the functions a run through the CLI compiled, made
// by vm.Script#createCachedData) skips that work. The code run is the same either way: where the
// cache does not fit this Node (another V8 version or other flags), V8 rejects it and compiles
// the source as usual. ORCHSIM_NO_CODE_CACHE=1 turns the cache off (read once, at load).
import { readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Script } from 'node:vm';

const useCache = process.env.ORCHSIM_NO_CODE_CACHE !== '1';
/** The scripts loaded in this process, by package (writeCodeCaches). */
const scripts = new Map();

/** The exports of dist/vendor/NAME.cjs, run as Node runs a CommonJS module. */
export function loadVendored(name) {
  const file = fileURLToPath(new URL(`./${name}.cjs`, import.meta.url));
  let cachedData;
  if (useCache) {
    try {
      cachedData = readFileSync(new URL(`./${name}.v8cache`, import.meta.url));
    } catch {
      // No cache (a build that could not write one): compiled from source.
    }
  }
  // The wrapper shares the source's first line, as Node's own CommonJS wrapper: line numbers
  // unchanged. The script's name, in stack traces, is the same wherever the package lies: V8
  // (Node 20) keeps the name a code cache was made under, the build's folder, over the one given.
  const script = new Script(`(function (exports, require, module, __filename, __dirname) {${readFileSync(file, 'utf8')}\n})`, { filename: `orchsim/dist/vendor/${name}.cjs`, cachedData });
  scripts.set(name, script);
  const module = { exports: {} };
  script.runInThisContext().call(module.exports, module.exports, createRequire(file), module, file, dirname(file));
  return module.exports;
}

/** The build's last step: each loaded package's code cache, with every function compiled so far. */
export function writeCodeCaches() {
  for (const [name, script] of scripts) writeFileSync(new URL(`./${name}.v8cache`, import.meta.url), script.createCachedData());
  return [...scripts.keys()];
}

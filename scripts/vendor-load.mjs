// dist/vendor/load.js (the build copies this file there): loads one bundled package,
// dist/vendor/NAME.cjs, or orchsim's own modules, dist/orchsim.cjs (scripts/core-bundle.mjs), with
// the V8 code cache the build wrote beside it (NAME.v8cache, orchsim.v8cache).
//
// Why: V8 parses and compiles every ES module's source text when it is loaded, and each function
// again the first time it runs; for zod, yaml and commander that was most of what a short command
// spends in them. A code cache (the bytecode of the functions a run through the CLI compiled, made
// by vm.Script#createCachedData) skips that work. The code run is the same either way: where the
// cache does not fit this Node (another V8 version or other flags), V8 rejects it and compiles
// the source as usual. ORCHSIM_NO_CODE_CACHE=1 turns the cache off (read once, at load).
import { readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, isAbsolute } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Script } from 'node:vm';

const useCache = process.env.ORCHSIM_NO_CODE_CACHE !== '1';
/** The scripts loaded in this process, by name, with their caches' URLs (writeCodeCaches). */
const scripts = new Map();

/**
 * Runs `file` (a CommonJS bundle) as Node runs a CommonJS module, with the code cache the build
 * wrote for it (`cache`); `extra` are further names its wrapper gives it, with their values.
 */
function runScript(key, file, cache, name, require, extra = {}, encoding = 'utf8') {
  let cachedData;
  if (useCache) {
    try {
      cachedData = readFileSync(cache);
    } catch {
      // No cache (a build that could not write one): compiled from source.
    }
  }
  // The wrapper shares the source's first line, as Node's own CommonJS wrapper: line numbers
  // unchanged. The script's name, in stack traces, is the same wherever the package lies: V8
  // (Node 20) keeps the name a code cache was made under, the build's folder, over the one given.
  const params = ['exports', 'require', 'module', '__filename', '__dirname', ...Object.keys(extra)].join(', ');
  const script = new Script(`(function (${params}) {${readFileSync(file, encoding)}\n})`, { filename: name, cachedData });
  scripts.set(key, { script, cache });
  const module = { exports: {} };
  script.runInThisContext().call(module.exports, module.exports, require, module, file, dirname(file), ...Object.values(extra));
  return module.exports;
}

/** The exports of dist/vendor/NAME.cjs. */
export function loadVendored(name) {
  const file = fileURLToPath(new URL(`./${name}.cjs`, import.meta.url));
  return runScript(name, file, new URL(`./${name}.v8cache`, import.meta.url), `orchsim/dist/vendor/${name}.cjs`, createRequire(file));
}

/** What a test's loader hook asks to hear of: each module of dist/orchsim.cjs as it runs (by its URL). */
const moduleHook = globalThis[Symbol.for('orchsim.moduleLoaded')];
let core;

/**
 * dist/orchsim.cjs (scripts/core-bundle.mjs): orchsim's own modules, run once per thread, whoever
 * asks (the bin, the library a user's plugin imports, the worker scripts); by entry, a function
 * that runs the entry's module and returns its exports.
 */
export function loadCore() {
  if (core !== undefined) return core;
  const file = fileURLToPath(new URL('../orchsim.cjs', import.meta.url));
  const distUrl = new URL('../', import.meta.url);
  const nodeRequire = createRequire(file);
  const require = moduleHook ? (id) => (isAbsolute(nodeRequire.resolve(id)) && moduleHook(pathToFileURL(nodeRequire.resolve(id)).href), nodeRequire(id)) : nodeRequire;
  core = runScript('orchsim', file, new URL('../orchsim.v8cache', import.meta.url), 'orchsim/dist/orchsim.cjs', require, {
    __orchsimDistUrl: distUrl,
    // Packages and a user's files are imported from here, as the modules of dist/ imported them.
    __orchsimImport: (specifier) => import(specifier),
    __orchsimModuleRun: moduleHook && ((path) => moduleHook(new URL(path, distUrl).href)),
    // The build writes it in ASCII (scripts/core-bundle.mjs): read without decoding UTF-8.
  }, 'latin1');
  return core;
}

/** The build's last step: each loaded package's code cache, with every function compiled so far. */
export function writeCodeCaches() {
  for (const { script, cache } of scripts.values()) writeFileSync(cache, script.createCachedData());
  return [...scripts.keys()];
}

// dist/vendor/load.cjs (the build copies this file there; dist/vendor/load.js re-exports it for ES
// modules): loads one bundled package, dist/vendor/NAME.cjs, or orchsim's own modules,
// dist/orchsim.cjs (scripts/core-bundle.mjs), with the V8 code cache the build wrote beside it
// (NAME.v8cache, orchsim.v8cache).
//
// Why: V8 parses and compiles every ES module's source text when it is loaded, and each function
// again the first time it runs; for zod, yaml and commander that was most of what a short command
// spends in them. A code cache (the bytecode of the functions a run through the CLI compiled, made
// by vm.Script#createCachedData) skips that work. The code run is the same either way: where the
// cache does not fit this Node (another V8 version or other flags), V8 rejects it and compiles
// the source as usual. ORCHSIM_NO_CODE_CACHE=1 turns the cache off (read once, at load).
//
// CommonJS, so that the bin (dist/cli/main.js, CommonJS too: scripts/core-bundle.mjs) starts
// without Node's ES module loader (bench/README.md section 17, fourth pass). One instance per
// thread either way: an ES module importing load.js gets this module from Node's CommonJS cache,
// the one the bin required, so the script runs once whoever loads it first.
'use strict';
const { readFileSync, writeFileSync } = require('node:fs');
const { createRequire } = require('node:module');
const { dirname, isAbsolute, join } = require('node:path');
const { pathToFileURL } = require('node:url');
const { Script } = require('node:vm');

const useCache = process.env.ORCHSIM_NO_CODE_CACHE !== '1';
/** The scripts loaded in this process, by name, with their caches' paths (writeCodeCaches). */
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
function loadVendored(name) {
  const file = join(__dirname, `${name}.cjs`);
  return runScript(name, file, join(__dirname, `${name}.v8cache`), `orchsim/dist/vendor/${name}.cjs`, createRequire(file));
}

/** What a test's loader hook asks to hear of: each module of dist/orchsim.cjs as it runs (by its URL). */
const moduleHook = globalThis[Symbol.for('orchsim.moduleLoaded')];
let core;

/**
 * dist/orchsim.cjs (scripts/core-bundle.mjs): orchsim's own modules, run once per thread, whoever
 * asks (the bin, the library a user's plugin imports, the worker scripts); by entry, a function
 * that runs the entry's module and returns its exports.
 */
function loadCore() {
  if (core !== undefined) return core;
  const file = join(__dirname, '../orchsim.cjs');
  const distUrl = pathToFileURL(join(__dirname, '../'));
  const nodeRequire = createRequire(file);
  const require = moduleHook ? (id) => (isAbsolute(nodeRequire.resolve(id)) && moduleHook(pathToFileURL(nodeRequire.resolve(id)).href), nodeRequire(id)) : nodeRequire;
  core = runScript('orchsim', file, join(__dirname, '../orchsim.v8cache'), 'orchsim/dist/orchsim.cjs', require, {
    __orchsimDistUrl: distUrl,
    // Packages and a user's files are imported from here, as the modules of dist/ imported them
    // (a dynamic import() in a CommonJS module resolves from its file, as it did from load.js).
    __orchsimImport: (specifier) => import(specifier),
    __orchsimModuleRun: moduleHook && ((path) => moduleHook(new URL(path, distUrl).href)),
    // The build writes it in ASCII (scripts/core-bundle.mjs): read without decoding UTF-8.
  }, 'latin1');
  return core;
}

/** The build's last step: each loaded package's code cache, with every function compiled so far. */
function writeCodeCaches() {
  for (const { script, cache } of scripts.values()) writeFileSync(cache, script.createCachedData());
  return [...scripts.keys()];
}

module.exports = { loadVendored, loadCore, writeCodeCaches };

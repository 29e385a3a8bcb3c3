// Start-up, third pass: orchsim's own code - every module of dist/'s entries (the CLI, the library,
// 'orchsim/testing', the worker scripts) - and the packages every command loads (zod, yaml,
// commander, seedrandom) in one CommonJS script, dist/orchsim.cjs, that dist/vendor/load.js runs
// with a V8 code cache; each entry file of dist/ becomes a small ES module that takes its exports
// from it.
//
// Why: the second pass loaded validate's code as some 40 ES module chunks, and Node 20 has no code
// cache for ES modules: each chunk was resolved, read, parsed and linked, and each function
// compiled when it first ran (bench/README.md section 17, third pass: about half the CPU time
// orchsim added to Node's own start). A script run through vm.Script takes the bytecode the
// build's own `orchsim validate` compiled (scripts/vendor-load.cjs), as the vendor bundles did.
//
// Each module still runs when it did: esbuild wraps every module in a function run on first
// require (its `__esm` helper), and each dynamic import() of a module of orchsim becomes a call of
// that function, so validate runs the modules it ran before and no others (lazy-imports.test.ts
// lists them through the hook below). One copy of each module per thread: the entries all take
// their exports from the one script load.js ran, so a user's plugin module importing 'orchsim'
// gets the classes and registries the CLI checks it against (instanceof, PluginRegistry). Other
// packages stay where they are: required (CommonJS ones) or imported (dynamic imports, through
// load.js's import(), resolved from dist/ as before); a user's plugin module is imported the same
// way. `import.meta.url` in a module becomes the URL its file has in dist/.
//
// Switch: ORCHSIM_NO_CORE_BUNDLE=1 at build time keeps the second pass's layout (ES module
// chunks, scripts/entry-bundles.mjs); it is also kept, with a note, where esbuild cannot be loaded.
import { readFileSync, writeFileSync, mkdirSync, existsSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ENTRIES } from './entry-bundles.mjs';
import { VENDORED, PLUGINS, installLoader } from './vendor-bundles.mjs';
import { dropRedundantNames } from './redundant-names.mjs';

/** The entries that export nothing (the bin, the workers' scripts): not run at build time. */
const RUNS_WHEN_LOADED = new Set(['cli/main.js', 'cli/plugin-check-worker.js', 'experiments/compare-worker.js', 'experiments/fgd-worker.js', 'experiments/run-worker.js']);

/** The folder of dist/ whose entries are CommonJS scripts (the bin's). */
const COMMONJS_FOLDER = 'cli/';

/** The free names the script's wrapper (load.js) gives it. */
const DIST_URL = '__orchsimDistUrl';
const IMPORT = '__orchsimImport';
const MODULE_RUN = '__orchsimModuleRun';

/**
 * esbuild's helper that runs a wrapped module once: made to say which module runs, for
 * lazy-imports.test.ts (load.js passes a function only where a test's hook asks for one).
 */
const ESM_HELPER = /(return fn\s*&&\s*\()(res\s*=\s*\(0,\s*fn\[__getOwnPropNames\(fn\)\[0\]\]\)\(fn\s*=\s*0\))/g;
const ESM_HELPER_LOGGED = `$1${MODULE_RUN}&&${MODULE_RUN}(__getOwnPropNames(fn)[0]),$2`;

/** A dynamic import() whose specifier is not a literal relative path (a package, a user's file). */
const OUTSIDE_IMPORT = /\bimport\((?!\s*['"]\.)/g;

/**
 * The script with its few characters outside ASCII (esbuild escapes those of strings, not of
 * regular expression literals: units such as "µs", "≥") written as \uXXXX escapes, which mean the
 * same there: an ASCII file is read into a one-byte string without decoding (load.js reads it as
 * latin1), some 30 ms less for 1.5 MB than UTF-8 with a few wide characters.
 */
function asciiOnly(text) {
  // By UTF-16 unit: a character beyond the first plane becomes its surrogate pair, as JS reads it.
  return text.replace(/[^\x00-\x7f]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/**
 * esbuild's output without the `__name` calls that change no function's name (scripts/redundant-names.mjs),
 * unless ORCHSIM_NO_NAME_TRIM=1 or TypeScript (its parser) cannot be loaded: then as it is.
 */
function trimNames(text, root) {
  if (process.env.ORCHSIM_NO_NAME_TRIM === '1') return { text, note: 'names: every __name call kept (ORCHSIM_NO_NAME_TRIM=1)' };
  let ts;
  try {
    ts = createRequire(join(root, 'package.json'))('typescript');
  } catch {
    return { text, note: 'names: every __name call kept (TypeScript cannot be loaded)' };
  }
  const r = dropRedundantNames(text, ts);
  return { text: r.text, note: `names: ${r.dropped} redundant __name calls left out, ${r.kept} kept` };
}

/**
 * Bundles `buildDir`'s entries (tsc's output) into `buildDir`/orchsim.cjs and turns each entry into
 * a module taking its exports from it; writes `buildDir`/chunks/modules.json (the script and the
 * modules in it). Returns what it did, for the build's log, or undefined where it is off (the
 * build then makes the chunks); throws when esbuild fails.
 */
export async function coreBundle(buildDir, root) {
  const outDir = resolve(buildDir);
  if (process.env.ORCHSIM_NO_CORE_BUNDLE === '1') return undefined;
  let esbuild;
  try {
    esbuild = await import('esbuild');
  } catch {
    return undefined;
  }
  const relPath = (file) => relative(outDir, file).split(sep).join('/');
  const vendored = new RegExp(`^(${Object.keys(VENDORED).join('|')})$`);
  const result = await esbuild.build({
    stdin: {
      contents: `module.exports = {\n${ENTRIES.map((e) => `  ${JSON.stringify(e)}: () => require(${JSON.stringify(`./${e}`)}),`).join('\n')}\n};\n`,
      resolveDir: outDir,
      sourcefile: 'entries.cjs',
      loader: 'js',
    },
    absWorkingDir: outDir,
    bundle: true,
    format: 'cjs',
    platform: 'node',
    target: 'node20',
    keepNames: true,
    // Less to read, and to hash and check against the code cache; names kept (some are read).
    minifyWhitespace: true,
    minifySyntax: true,
    write: false,
    outfile: join(outDir, 'orchsim.cjs'),
    metafile: true,
    logLevel: 'error',
    // ES module code is strict; the script's wrapper is a plain function, so the bundle says so.
    banner: { js: '"use strict";' },
    plugins: [
      ...Object.values(PLUGINS).flat(),
      {
        name: 'orchsim-core',
        setup(build) {
          // Packages other than the four bundled ones stay outside, as they were.
          build.onResolve({ filter: /^[^./]/ }, (args) => (args.path.startsWith('node:') || vendored.test(args.path.split('/')[0]) ? undefined : { path: args.path, external: true }));
          build.onLoad({ filter: /\.js$/ }, (args) => {
            if (!args.path.startsWith(outDir + sep)) return undefined;
            const url = `new URL(${JSON.stringify(relPath(args.path))}, ${DIST_URL}).href`;
            const text = readFileSync(args.path, 'utf8').replaceAll('import.meta.url', url).replace(OUTSIDE_IMPORT, `${IMPORT}(`);
            return { contents: text, loader: 'js' };
          });
        },
      },
    ],
  });
  const out = result.outputFiles.find((f) => f.path.endsWith('orchsim.cjs'));
  if (out.text.match(ESM_HELPER)?.length !== 1) throw new Error('core bundle: esbuild\'s __esm helper is not the one scripts/core-bundle.mjs expects');
  const named = trimNames(out.text, root);
  writeFileSync(out.path, asciiOnly(named.text.replace(ESM_HELPER, ESM_HELPER_LOGGED)), 'latin1');
  installLoader(outDir, root);
  // Each entry's names, from the script itself (the library and orchsim/testing run here).
  const { loadCore } = await import(pathToFileURL(join(outDir, 'vendor/load.js')).href);
  const entries = loadCore();
  for (const entry of ENTRIES) {
    const names = RUNS_WHEN_LOADED.has(entry) ? [] : Object.keys(entries[entry]());
    const file = join(outDir, entry);
    const bang = entry === 'cli/main.js' ? '#!/usr/bin/env node\n' : '';
    const load = relative(dirname(file), join(outDir, 'vendor/load.js')).split(sep).join('/');
    const named = names.filter((k) => k !== 'default');
    const commonJs = entry.startsWith(COMMONJS_FOLDER);
    if (commonJs && names.length > 0) throw new Error(`core bundle: ${entry} exports names, but ${COMMONJS_FOLDER} holds CommonJS entries that export nothing`);
    writeFileSync(file, commonJs ? [
      `${bang}// ${entry}: its module in dist/orchsim.cjs, run by load.cjs with its code cache (scripts/core-bundle.mjs).`,
      `require(${JSON.stringify(`${load}`.replace(/\.js$/, '.cjs'))}).loadCore()[${JSON.stringify(entry)}]();`,
      '',
    ].join('\n') : [
      `${bang}// ${entry}: its module in dist/orchsim.cjs, run by load.js with its code cache (scripts/core-bundle.mjs).`,
      `import { loadCore } from ${JSON.stringify(load.startsWith('.') ? load : `./${load}`)};`,
      `${names.length > 0 ? 'const m = ' : ''}loadCore()[${JSON.stringify(entry)}]();`,
      ...named.map((k, i) => `const x${i} = m[${JSON.stringify(k)}];`),
      ...(named.length > 0 ? [`export { ${named.map((k, i) => `x${i} as ${k}`).join(', ')} };`] : []),
      ...(names.includes('default') ? ['export default m.default;'] : []),
      '',
    ].join('\n'));
    // tsc's source map of an entry no longer describes it.
    if (existsSync(`${file}.map`)) rmSync(`${file}.map`);
  }
  // The bin and the plugin-check worker, the entries in cli/, are CommonJS (the folder says so):
  // a CommonJS main starts without Node's ES module loader, which the bin needs for nothing else
  // (its resolution, reads and the loader's own modules: 15-30 ms of a `--help` or `validate`,
  // bench/README.md section 17, fourth pass). tsc's other files in cli/ are imported by no one.
  writeFileSync(join(outDir, COMMONJS_FOLDER, 'package.json'), `${JSON.stringify({ type: 'commonjs' })}\n`);
  const modules = Object.keys(result.metafile.inputs).filter((i) => !i.includes('node_modules') && i !== '<stdin>').sort();
  mkdirSync(join(outDir, 'chunks'), { recursive: true });
  writeFileSync(join(outDir, 'chunks/modules.json'), `${JSON.stringify({ 'orchsim.cjs': modules }, null, 1)}\n`);
  return `core bundle: ${ENTRIES.length} entries, ${modules.length} modules and ${Object.keys(VENDORED).join(', ')} in orchsim.cjs (${(named.text.length / 1e6).toFixed(1)} MB; ${named.note})`;
}

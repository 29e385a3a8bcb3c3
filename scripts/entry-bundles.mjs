// Start-up: orchsim's compiled entry points - the CLI (dist/cli/main.js), the library
// (dist/index.js, what user plugins import as 'orchsim'), 'orchsim/testing' and the worker
// threads' scripts - are bundled with esbuild into ES modules that share their code through
// chunks in dist/chunks/, in place of the some 130 files tsc wrote that `orchsim validate` loads.
//
// Why: Node's ES module loader resolves, stats, reads, compiles and links every file on its own;
// for validate that was about a third of the process's CPU time (bench/README.md section 17).
// Loaded as 40 chunks the same code costs less.
//
// One copy of each module: every entry imports the same chunks (esbuild's code splitting), so a
// user's plugin module importing 'orchsim' (dist/index.js) gets the very classes and registries
// the CLI checks it against (instanceof, PluginRegistry), as with tsc's files. A dynamic import()
// stays one (a chunk loaded when the command reaches it). The packages stay imports (zod, yaml and
// commander are then pointed at dist/vendor/ by scripts/vendor-bundles.mjs). Nothing in the code
// changes but its layout: `import.meta.url` in a module becomes the URL its file had in dist/
// (the worker scripts, package.json and scenarios/default.yaml are found from it), and names are
// kept (keepNames) where esbuild renames a clash between modules.
//
// tsc's other files stay in dist/ beside the bundles (the .d.ts files, and benchmarks that import
// modules by path), unused by the entries. Switch: ORCHSIM_NO_BUNDLE=1 at build time leaves tsc's
// files as they are (also skipped, with a note, where esbuild cannot be loaded).
import { readFileSync, rmSync, writeFileSync, mkdirSync, existsSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';

/** Files loaded by path rather than imported: each must be an entry, so it shares the chunks. */
export const ENTRIES = [
  'cli/main.js',
  'index.js',
  'testing/index.js',
  'cli/plugin-check-worker.js',
  'experiments/compare-worker.js',
  'experiments/fgd-worker.js',
  'experiments/run-worker.js',
];

/** The free name bundled code reads dist/'s URL from; each output that uses it defines it. */
const DIST_URL = '__orchsimDistUrl';

/** `import.meta.url` of the module at `rel` (a path under dist/), as the bundled code computes it. */
function moduleUrlExpression(rel) {
  return `new URL(${JSON.stringify(rel)}, ${DIST_URL}).href`;
}

/**
 * Bundles the entries under `buildDir` (tsc's output) in place; writes dist/chunks/modules.json,
 * which chunk holds which of tsc's files (test/cli/lazy-imports.test.ts reads it). Returns what it
 * did, for the build's log; throws when esbuild fails (the build then fails).
 */
export async function entryBundles(buildDir) {
  const outDir = resolve(buildDir);
  if (process.env.ORCHSIM_NO_BUNDLE === '1') return 'entry bundles: off (ORCHSIM_NO_BUNDLE=1)';
  let esbuild;
  try {
    esbuild = await import('esbuild');
  } catch {
    return 'entry bundles: skipped (esbuild cannot be loaded; dist/ is tsc\'s files)';
  }
  const relPath = (file) => relative(outDir, file).split(sep).join('/');
  const result = await esbuild.build({
    entryPoints: ENTRIES.map((e) => join(outDir, e)),
    outbase: outDir,
    outdir: outDir,
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    packages: 'external',
    keepNames: true,
    chunkNames: 'chunks/[name]-[hash]',
    write: false,
    allowOverwrite: true,
    metafile: true,
    logLevel: 'error',
    plugins: [{
      name: 'module-urls',
      setup(build) {
        build.onLoad({ filter: /\.js$/ }, (args) => {
          if (!args.path.startsWith(outDir + sep)) return undefined;
          const text = readFileSync(args.path, 'utf8');
          return { contents: text.replaceAll('import.meta.url', moduleUrlExpression(relPath(args.path))), loader: 'js' };
        });
      },
    }],
  });
  rmSync(join(outDir, 'chunks'), { recursive: true, force: true });
  for (const out of result.outputFiles) {
    const rel = relPath(out.path);
    let text = out.text;
    if (text.includes(DIST_URL)) {
      const up = '../'.repeat(rel.split('/').length - 1) || './';
      const define = `const ${DIST_URL} = new URL(${JSON.stringify(up)}, import.meta.url);\n`;
      // After the bin's #! line, which must stay first.
      const bang = text.startsWith('#!') ? text.indexOf('\n') + 1 : 0;
      text = text.slice(0, bang) + define + text.slice(bang);
    }
    mkdirSync(dirname(out.path), { recursive: true });
    writeFileSync(out.path, text);
    // tsc's source map of an entry no longer describes it.
    if (existsSync(`${out.path}.map`)) rmSync(`${out.path}.map`);
  }
  const modules = {};
  for (const [out, meta] of Object.entries(result.metafile.outputs)) {
    modules[relPath(resolve(out))] = Object.keys(meta.inputs).map((i) => relPath(resolve(i))).sort();
  }
  writeFileSync(join(outDir, 'chunks/modules.json'), `${JSON.stringify(modules, null, 1)}\n`);
  const chunks = Object.keys(modules).filter((k) => k.startsWith('chunks/')).length;
  return `entry bundles: ${ENTRIES.length} entries, ${chunks} chunks in ${relative(process.cwd(), join(outDir, 'chunks'))}/`;
}

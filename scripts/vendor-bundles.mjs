// Start-up: the packages every CLI command loads - zod (95 ES modules), yaml (about 60 CommonJS
// files), commander and seedrandom (8 CommonJS files) - are each bundled into one file in
// dist/vendor/, loaded with a V8 code cache, and the compiled code imports them from there instead
// of from node_modules.
//
// - One file per package: Node's ES module loader resolves, stats, reads and links each file on
//   its own (bench/README.md section 17), so one file loads faster with the same code inside.
//   esbuild copies the packages' code and changes nothing in it (whitespace and syntax only; names
//   are kept, as some are read at run time), except that zod's messages in languages other than
//   English are left out, commander loads child_process when it first spawns and seedrandom
//   crypto when it first autoseeds (below).
// - A code cache per bundle (scripts/vendor-load.cjs, copied to dist/vendor/load.cjs): the
//   bytecode of the functions an `orchsim validate` of the default scenario compiled, written by
//   the build, so a command skips most of the parsing and compiling of these packages.
//
// Only the build's JavaScript is rewritten: the .d.ts files still name the packages, which stay
// dependencies (their types, and the tests that import src/ run on them). Switches:
// ORCHSIM_NO_VENDOR_BUNDLES=1 at build time builds without this step (dist/ then imports the
// packages, as plain tsc output does; it is also skipped, with a note, where esbuild cannot be
// loaded); ORCHSIM_NO_CODE_CACHE=1 at run time loads the bundles without their code cache.
import { execFile } from 'node:child_process';
import { copyFileSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, relative, resolve, sep } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';

/** The bundled packages, each with the entry its bundle exports. */
export const VENDORED = {
  zod: () => "export * from 'zod';\nexport { default } from 'zod';\n",
  commander: () => "export * from 'commander';\n",
  // CommonJS without an ES entry: its exports are named one by one, as Node's loader finds them.
  yaml: (require) => `export { ${Object.keys(require('yaml')).filter((k) => k !== 'default').join(', ')} } from 'yaml';\nexport { default } from 'yaml';\n`,
  // CommonJS, eight files read and compiled one by one by Node's CommonJS loader on every start;
  // orchsim imports its default export (the seeded ARC4 generator) only.
  seedrandom: () => "export { default } from 'seedrandom';\n",
};

/**
 * zod's `locales` namespace holds its messages in some fifty languages, and importing zod evaluates
 * every one (about half of its code, and of its import time). orchsim never picks a locale: zod
 * uses English, its default, so the bundle's `locales` holds English alone.
 */
const ZOD_ENGLISH_ONLY = {
  name: 'zod-english-only',
  setup(build) {
    build.onLoad({ filter: /[\\/]zod[\\/]v4[\\/]locales[\\/]index\.js$/ }, (args) => ({ contents: "export { default as en } from './en.js';\n", resolveDir: join(args.path, '..') }));
  },
};

/**
 * A built-in module a package requires when it loads but uses only later, if ever, replaced in its
 * bundle by an object that requires the module on first use: the same calls, made later. Loading
 * one costs a command 10-25 ms. commander requires node:child_process for executable subcommands
 * (a spawn), which orchsim has none of; seedrandom requires crypto for autoseeding (randomBytes),
 * which orchsim never does (every stream has a seed).
 */
function lazyBuiltin(pkg, builtin) {
  const filter = new RegExp(`^(node:)?${builtin}$`);
  const importer = new RegExp(`[\\\\/]${pkg}[\\\\/]`);
  return {
    name: `${pkg}-lazy-${builtin}`,
    setup(build) {
      build.onResolve({ filter }, (args) => (importer.test(args.importer) ? { path: builtin, namespace: 'lazy-builtin' } : undefined));
      build.onLoad({ filter: /.*/, namespace: 'lazy-builtin' }, () => ({
        contents: `let loaded;\nmodule.exports = new Proxy({}, { get: (_, key) => (loaded ??= require('node:${builtin}'))[key] });\n`,
        loader: 'js',
      }));
    },
  };
}

/** The esbuild plugins of each package's bundle. */
export const PLUGINS = { zod: [ZOD_ENGLISH_ONLY], commander: [lazyBuiltin('commander', 'child_process')], seedrandom: [lazyBuiltin('seedrandom', 'crypto')] };

/** Every .js file under `dir`. */
function jsFiles(dir) {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && e.name.endsWith('.js'))
    .map((e) => join(e.parentPath ?? e.path, e.name));
}

/**
 * The ES module the compiled code imports for a package: its names, taken from the bundle's
 * exports (some are reserved words, such as zod's `null` and `enum`: exported under another name).
 */
function shimModule(name, exportNames) {
  const named = exportNames.filter((k) => k !== 'default' && k !== '__esModule');
  return [
    `// ${name}, bundled by scripts/vendor-bundles.mjs and loaded with its code cache (load.js).`,
    "import { loadVendored } from './load.js';",
    `const m = loadVendored(${JSON.stringify(name)});`,
    ...named.map((k, i) => `const x${i} = m[${JSON.stringify(k)}];`),
    `export { ${named.map((k, i) => `x${i} as ${k}`).join(', ')} };`,
    'export default m.default;',
    '',
  ].join('\n');
}

/**
 * Writes the loader into `outDir`/vendor: load.cjs (scripts/vendor-load.cjs), and load.js, which
 * gives ES modules its exports. An ES module importing a CommonJS one gets it from Node's CommonJS
 * cache, so the bin's require and every ES module's import share one loader, and one script.
 */
export function installLoader(outDir, root) {
  const vendorDir = join(outDir, 'vendor');
  mkdirSync(vendorDir, { recursive: true });
  copyFileSync(join(root, 'scripts/vendor-load.cjs'), join(vendorDir, 'load.cjs'));
  writeFileSync(join(vendorDir, 'load.js'), [
    '// dist/vendor/load.cjs for ES modules: the same module instance as the bin\'s (scripts/vendor-bundles.mjs).',
    "import load from './load.cjs';",
    'export const { loadVendored, loadCore, writeCodeCaches } = load;',
    '',
  ].join('\n'));
}

/**
 * Bundles the packages into `outDir`/vendor and points the compiled files under `outDir` at them,
 * then writes the code caches. Returns what it did, for the build's log; throws when a bundle
 * fails (the build then fails). A code cache that cannot be written only leaves it out.
 */
export async function vendorBundles(buildDir, root) {
  const outDir = resolve(buildDir);
  if (process.env.ORCHSIM_NO_VENDOR_BUNDLES === '1') return 'vendor bundles: off (ORCHSIM_NO_VENDOR_BUNDLES=1)';
  let esbuild;
  try {
    esbuild = await import('esbuild');
  } catch {
    return 'vendor bundles: skipped (esbuild cannot be loaded; dist/ imports the packages)';
  }
  const require = createRequire(join(root, 'package.json'));
  const vendorDir = join(outDir, 'vendor');
  for (const [name, entry] of Object.entries(VENDORED)) {
    const bundle = join(vendorDir, `${name}.cjs`);
    await esbuild.build({
      stdin: { contents: entry(require), resolveDir: root, sourcefile: `vendor-${name}.js`, loader: 'js' },
      bundle: true,
      format: 'cjs',
      platform: 'node',
      target: 'node20',
      minifyWhitespace: true,
      minifySyntax: true,
      plugins: PLUGINS[name] ?? [],
      outfile: bundle,
      logLevel: 'error',
    });
    writeFileSync(join(vendorDir, `${name}.js`), shimModule(name, Object.keys(createRequire(bundle)(bundle))));
  }
  installLoader(outDir, root);
  // `from 'zod'` and `import('zod')` in the compiled code (tsc's quotes, or esbuild's: the entry
  // bundles); never a subpath (none is imported at run time).
  const specifier = new RegExp(`(\\bfrom |\\bimport\\()(['"])(${Object.keys(VENDORED).join('|')})\\2`, 'g');
  let rewritten = 0;
  for (const file of jsFiles(outDir)) {
    if (file.startsWith(vendorDir + sep)) continue;
    const text = readFileSync(file, 'utf8');
    const next = text.replace(specifier, (_, lead, quote, pkg) => {
      const target = relative(join(file, '..'), join(vendorDir, `${pkg}.js`)).split(sep).join('/');
      return `${lead}${quote}${target.startsWith('.') ? target : `./${target}`}${quote}`;
    });
    if (next !== text) {
      writeFileSync(file, next);
      rewritten++;
    }
  }
  const caches = await writeCodeCaches(outDir, root);
  return `vendor bundles: ${Object.keys(VENDORED).join(', ')} in ${relative(root, vendorDir)}/, imported by ${rewritten} files; ${caches}`;
}

/**
 * Runs `orchsim validate scenarios/default.yaml` from the new build, in a process of its own, and
 * writes each bundle's code cache as it exits: the cache holds the functions that run compiled.
 */
export async function writeCodeCaches(outDir, root) {
  const load = pathToFileURL(join(outDir, 'vendor/load.js')).href;
  const main = pathToFileURL(join(outDir, 'cli/main.js')).href;
  const script = `
    import { writeCodeCaches } from ${JSON.stringify(load)};
    process.argv = [process.argv[0], ${JSON.stringify(join(outDir, 'cli/main.js'))}, 'validate', 'scenarios/default.yaml'];
    process.on('exit', () => writeCodeCaches());
    await import(${JSON.stringify(main)});`;
  try {
    await promisify(execFile)(process.execPath, ['--input-type=module', '-e', script], { cwd: root, env: { ...process.env, ORCHSIM_NO_CODE_CACHE: '1' } });
  } catch (e) {
    return `no code caches (${e instanceof Error ? e.message.split('\n')[0] : String(e)})`;
  }
  return `code caches: ${readdirSync(join(outDir, 'vendor')).filter((f) => f.endsWith('.v8cache')).join(', ')}`;
}

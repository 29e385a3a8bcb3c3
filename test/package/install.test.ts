import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Exited, run } from '../helpers/cli.js';

// `npm pack`, then `npm ci --offline` of the tarball into an empty project in a temporary
// folder, then use it there as a user would: `npx orchsim`, imports from 'orchsim' and
// 'orchsim/testing', and their types under tsc. Nothing here touches the network.
//
// How the install stays offline: npm's cache (`npm config get cache`) holds every tarball the
// project's own `npm install`/`npm ci` downloaded, addressed by content (sha512). A lockfile
// whose entries carry `resolved` and `integrity` is installed from those tarballs by integrity
// alone, without the registry. So the empty project gets a lockfile: orchsim itself as a `file:`
// entry for the tarball, and for orchsim's dependencies (and fast-check and @types/node, which a
// user installs next to it) the entries of this project's package-lock.json, at the same
// node_modules paths. A plain `npm install --offline ./orchsim-X.tgz` does not work: it resolves
// the ranges anew from full packuments, and the cache holds only the abbreviated ones a locked
// install fetched (`ENOTCACHED`).

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const TSC = join(ROOT, 'node_modules/typescript/bin/tsc');

interface LockEntry {
  version: string;
  name?: string;
  resolved?: string;
  integrity?: string;
  dev?: boolean;
  devOptional?: boolean;
  peer?: boolean;
  dependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  peerDependenciesMeta?: Record<string, { optional?: boolean }>;
  [key: string]: unknown;
}

interface PackageJson {
  name: string;
  version: string;
  license: string;
  engines: Record<string, string>;
  bin: Record<string, string>;
  dependencies: Record<string, string>;
  devDependencies: Record<string, string>;
  peerDependencies: Record<string, string>;
  peerDependenciesMeta: Record<string, { optional?: boolean }>;
}

interface Packed {
  filename: string;
  size: number;
  unpackedSize: number;
  entryCount: number;
  files: { path: string; size: number }[];
}

/** The environment of the npm children: the caller's, less the npm_* variables `npm test` sets for its own project, offline. */
function npmEnv(cache: string): NodeJS.ProcessEnv {
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.toLowerCase().startsWith('npm_')));
  return { ...env, npm_config_cache: cache, npm_config_offline: 'true', npm_config_audit: 'false', npm_config_fund: 'false', npm_config_update_notifier: 'false' };
}

/**
 * The lockfile entries a project with `deps` at its root needs, taken from `lock`: each
 * dependency where Node would find it (the nearest node_modules up from its dependent), its own
 * dependencies, optional dependencies and required peers, recursively. Names the lock lacks are
 * returned as missing (optional ones are left out, as npm does on other platforms).
 */
function closure(lock: Record<string, LockEntry>, deps: Record<string, string>): { entries: Map<string, LockEntry>; missing: string[] } {
  const locate = (from: string, name: string): string | undefined => {
    for (let base = from; ; ) {
      const at = `${base ? `${base}/` : ''}node_modules/${name}`;
      if (lock[at]) return at;
      if (!base) return undefined;
      const i = base.lastIndexOf('/node_modules/');
      base = i < 0 ? '' : base.slice(0, i);
    }
  };
  const entries = new Map<string, LockEntry>();
  const missing: string[] = [];
  const visit = (from: string, names: Iterable<string>, optional: boolean) => {
    for (const name of names) {
      const at = locate(from, name);
      if (at === undefined) {
        if (!optional) missing.push(`${name} (needed by ${from || 'the root'})`);
        continue;
      }
      if (entries.has(at)) continue;
      const entry = lock[at]!;
      entries.set(at, entry);
      visit(at, Object.keys(entry.dependencies ?? {}), false);
      visit(at, Object.keys(entry.optionalDependencies ?? {}), true);
      visit(at, Object.keys(entry.peerDependencies ?? {}).filter((n) => !entry.peerDependenciesMeta?.[n]?.optional), false);
    }
  };
  visit('', Object.keys(deps), false);
  return { entries, missing };
}

/** package.json and package-lock.json of an empty project that depends on the packed tarball. */
function userProject(pkg: PackageJson, lock: Record<string, LockEntry>, tarball: string, tarballIntegrity: string) {
  // What a user of orchsim/testing with TypeScript installs next to orchsim (fast-check is its peer).
  const alongside = { 'fast-check': pkg.devDependencies['fast-check']!, '@types/node': pkg.devDependencies['@types/node']! };
  const { entries, missing } = closure(lock, { ...pkg.dependencies, ...alongside });
  const spec = `file:${tarball}`;
  const dependencies = { orchsim: spec, ...alongside };
  const packages: Record<string, unknown> = {
    '': { name: 'orchsim-user', version: '1.0.0', dependencies },
    'node_modules/orchsim': {
      version: pkg.version, resolved: spec, integrity: tarballIntegrity, license: pkg.license,
      dependencies: pkg.dependencies, bin: pkg.bin, engines: pkg.engines, peerDependencies: pkg.peerDependencies, peerDependenciesMeta: pkg.peerDependenciesMeta,
    },
  };
  for (const [at, entry] of [...entries].sort(([a], [b]) => a.localeCompare(b))) {
    // This project's lock leaves out registry URLs (omit-lockfile-registry-resolved); npm fetches
    // a tarball by its integrity from the cache whatever the URL says, so the default registry's
    // URL does (no registry is contacted offline). Dependency-type flags are the user project's to work out.
    const { dev: _dev, devOptional: _devOptional, peer: _peer, ...rest } = entry;
    const name = entry.name ?? at.slice(at.lastIndexOf('node_modules/') + 'node_modules/'.length);
    packages[at] = { ...rest, resolved: entry.resolved ?? `https://registry.npmjs.org/${name}/-/${name.split('/').pop()}-${entry.version}.tgz` };
  }
  return {
    missing,
    packageJson: { name: 'orchsim-user', version: '1.0.0', private: true, type: 'module', dependencies },
    packageLock: { name: 'orchsim-user', version: '1.0.0', lockfileVersion: 3, requires: true, packages },
  };
}

const output = (r: Exited) => `exit ${r.code}\n--- stdout\n${r.stdout}\n--- stderr\n${r.stderr}`;

describe('the npm package: packed, installed offline into an empty project, used there', () => {
  let work = '';
  let project = '';
  let env: NodeJS.ProcessEnv = {};
  let packed: Packed;
  let pkg: PackageJson;
  /** Why the install could not run here (the npm cache lacks a tarball), or undefined when it ran. */
  let notInstalled: string | undefined;

  beforeAll(async () => {
    // dist/ is built by the global setup; --ignore-scripts keeps `npm pack` from building it again (prepare).
    work = await mkdtemp(join(tmpdir(), 'orchsim-pack-'));
    project = join(work, 'project');
    const cache = (await run('npm', ['config', 'get', 'cache'], { cwd: ROOT })).stdout.trim();
    expect(cache, 'npm config get cache').not.toBe('');
    env = npmEnv(cache);

    const pack = await run('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', work], { cwd: ROOT, env });
    expect(pack.code, output(pack)).toBe(0);
    packed = (JSON.parse(pack.stdout) as Packed[])[0]!;
    pkg = JSON.parse(await readFile(join(ROOT, 'package.json'), 'utf8')) as PackageJson;

    const tarball = join(work, packed.filename);
    const integrity = `sha512-${createHash('sha512').update(await readFile(tarball)).digest('base64')}`;
    const lock = (JSON.parse(await readFile(join(ROOT, 'package-lock.json'), 'utf8')) as { packages: Record<string, LockEntry> }).packages;
    const user = userProject(pkg, lock, tarball, integrity);
    expect(user.missing, 'package-lock.json lacks dependencies of package.json: run npm install').toEqual([]);
    await mkdir(project);
    await writeFile(join(project, 'package.json'), JSON.stringify(user.packageJson, null, 2));
    await writeFile(join(project, 'package-lock.json'), JSON.stringify(user.packageLock, null, 2));

    const install = await run('npm', ['ci', '--offline', '--no-audit', '--no-fund'], { cwd: project, env });
    if (install.code !== 0 && /ENOTCACHED/.test(install.stderr)) {
      // Only a cache that never saw this project's install lacks a tarball (e.g. node_modules
      // copied in, or `npm ci --omit=dev`): the test cannot go online to fill it.
      notInstalled = `the npm cache (${cache}) lacks a tarball of package-lock.json and this test installs offline only; an \`npm install\` or \`npm ci\` of this project fills it`;
      console.warn(`skipped: ${notInstalled}\n${install.stderr.split('\n').filter((l) => /ENOTCACHED|request to/.test(l)).slice(0, 2).join('\n')}`);
      return;
    }
    expect(install.code, output(install)).toBe(0);
  });

  afterAll(async () => {
    if (work) await rm(work, { recursive: true, force: true });
  });

  it('ships the compiled code with its types, the scenarios, the examples, the JSON Schemas, README and LICENSE; no sources, tests, maps or bench', () => {
    // dist/vendor/: zod, yaml and commander bundled, with their V8 code caches (scripts/vendor-bundles.mjs);
    // dist/orchsim.cjs: the entries' modules in one script, with its code cache (scripts/core-bundle.mjs);
    // dist/cli/package.json: says the bin is CommonJS (it starts without the ES module loader).
    const paths = packed.files.map((f) => f.path);
    const unexpected = paths.filter(
      (p) => !['package.json', 'README.md', 'LICENSE', 'dist/cli/package.json'].includes(p) && !/^dist\/.+\.(js|d\.ts)$/.test(p) && !/^dist\/(vendor\/[a-z]+|orchsim)\.(cjs|v8cache)$/.test(p) && !/^scenarios\/.+\.ya?ml$/.test(p) && !p.startsWith('examples/') && !/^schema\/[a-z]+\.schema\.json$/.test(p),
    );
    expect(unexpected).toEqual([]);
    // What the package needs at run time and for its types: both entry points, the bin, the built-in scenario;
    // for editors, the scenario files' JSON Schema (their `$schema=../schema/...` line points at it).
    for (const p of ['dist/index.js', 'dist/index.d.ts', 'dist/testing/index.js', 'dist/testing/index.d.ts', 'dist/cli/main.js', 'scenarios/default.yaml', 'schema/scenario.schema.json']) expect(paths).toContain(p);
    // Trace replays read data: files that `orchsim data pull` fetches; they stay with the repository.
    expect(paths.filter((p) => p.startsWith('scenarios/traces/'))).toEqual([]);
    expect(pkg.engines).toEqual({ node: '>=20' });
  });

  it('`npx orchsim run` runs the built-in scenario, and a plugin scenario loads its TypeScript plugin', async (ctx) => {
    if (notInstalled) ctx.skip(notInstalled);
    const installed = JSON.parse(await readFile(join(project, 'node_modules/orchsim/package.json'), 'utf8')) as PackageJson;
    expect(installed.engines.node).toBe('>=20');

    const r = await run('npx', ['orchsim', 'run'], { cwd: project, env });
    expect(r.code, output(r)).toBe(0);
    expect(r.stdout).toMatch(/^orchsim run: default \(seed 42, profile default/);
    expect(r.stdout).toMatch(/^cluster\s+300 nodes/m);

    const v = await run('npx', ['orchsim', 'validate', 'node_modules/orchsim/examples/plugins/scenario.yaml'], { cwd: project, env });
    expect(v.code, output(v)).toBe(0);
    expect(v.stdout).toMatch(/valid .*plugins PreferZone, GpuModelAllowList/);
  });

  it("imports from 'orchsim' and 'orchsim/testing' in an ES module and runs them", async (ctx) => {
    if (notInstalled) ctx.skip(notInstalled);
    const script = `
      import fc from 'fast-check';
      import { run, BUILTIN_PROFILES } from 'orchsim';
      import { checkPlacementInvariants, podSpecArb } from 'orchsim/testing';
      const out = run('node_modules/orchsim/scenarios/zone-spread.yaml', { seed: 3 });
      const report = checkPlacementInvariants(BUILTIN_PROFILES.find((p) => p.name === 'default'), { numRuns: 20, seed: 1 });
      console.log(JSON.stringify({ scenario: out.result.scenario, ok: report.ok, pods: fc.sample(podSpecArb(), 3).length }));
    `;
    await writeFile(join(project, 'use.mjs'), script);
    const r = await run(process.execPath, ['use.mjs'], { cwd: project, env });
    expect(r.code, output(r)).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual({ scenario: 'zone-spread', ok: true, pods: 3 });
  });

  it('the types of both entry points resolve under tsc (nodenext), and are real types, not any', async (ctx) => {
    if (notInstalled) ctx.skip(notInstalled);
    const source = `
      import { run, BUILTIN_PROFILES, InputError, type ProfileConfig, type RunOutput } from 'orchsim';
      import { checkPlacementInvariants, podSpecArb, type PlacementReport } from 'orchsim/testing';
      const profile: ProfileConfig | undefined = BUILTIN_PROFILES.find((p) => p.name === 'default');
      const out: RunOutput = run('scenario.yaml', { seed: 1 });
      const name: string = out.result.scenario;
      const report: PlacementReport = checkPlacementInvariants(profile!, { numRuns: 5 });
      const ok: boolean = report.ok;
      // Were a type any, these expected errors would not happen, and tsc would report the directives unused.
      // @ts-expect-error a result has no such field
      out.result.noSuchField;
      // @ts-expect-error numRuns is a number
      checkPlacementInvariants(profile!, { numRuns: 'many' });
      console.log(name, ok, podSpecArb, InputError);
    `;
    const tsconfig = { compilerOptions: { module: 'nodenext', moduleResolution: 'nodenext', target: 'es2022', strict: true, noEmit: true, types: ['node'] }, files: ['types.ts'] };
    await writeFile(join(project, 'types.ts'), source);
    await writeFile(join(project, 'tsconfig.json'), JSON.stringify(tsconfig));
    const r = await run(process.execPath, [TSC, '-p', 'tsconfig.json'], { cwd: project, env });
    expect(r.code, output(r)).toBe(0);
  });
});

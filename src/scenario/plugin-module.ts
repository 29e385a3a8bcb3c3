/**
 * A user's plugin module, as `orchsim serve --plugin ./my-plugin.js`, `orchsim run --plugin` and a
 * scenario's `plugins:` load it. The module's default export (or its named exports) is:
 *
 *   { plugins: PluginEntry[],            // registered next to the built-in plugins
 *     profiles?: ProfileConfig[] }       // or `profile: ProfileConfig`
 *
 * Without a profile, the module's plugins are served in the built-in default profile, each
 * with score weight 1 - the way a new plugin is usually enabled in KubeSchedulerConfiguration.
 */
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { readFileSync } from 'node:fs';
import type { ClusterAutoscalerFactory, HorizontalAutoscalerFactory } from '../api/autoscaling.js';
import type { ProfileConfig } from '../api/framework.js';
import { CLUSTER_AUTOSCALERS, HORIZONTAL_AUTOSCALERS } from '../autoscalers/registry.js';
import { BUILTIN_PROFILES, builtinPlugins, builtinProfiles } from '../schedulers/builtins.js';
import { PluginRegistry, ProfileRegistry, type PluginEntry } from '../schedulers/registry.js';
import { InputError, type InputIssue } from '../util/errors.js';
import { guardedClusterFactory, guardedHorizontalFactory, guardedPluginFactory } from './plugin-guard.js';

/** An autoscaler policy a module exports: a name scenarios use and the factory. */
export interface AutoscalerEntry<F> {
  readonly name: string;
  readonly factory: F;
}

export interface PluginModule {
  readonly file: string;
  /** SHA-256 of the file's bytes (a resumed experiment refuses a module that changed). */
  readonly sha256: string;
  readonly plugins: readonly PluginEntry[];
  readonly profiles: readonly ProfileConfig[];
  /** `horizontalAutoscalers` and `clusterAutoscalers` exports (src/api/autoscaling.ts factories). */
  readonly horizontalAutoscalers: readonly AutoscalerEntry<HorizontalAutoscalerFactory>[];
  readonly clusterAutoscalers: readonly AutoscalerEntry<ClusterAutoscalerFactory>[];
}

type Obj = Record<string, unknown>;

function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Loads and checks the module; every problem is an InputError naming the file and the export. */
export async function loadPluginModule(file: string): Promise<PluginModule> {
  const problem = (path: (string | number)[], message: string) => new InputError({ file, path, message });
  let mod: Obj;
  try {
    const url = pathToFileURL(resolve(file)).href;
    // TypeScript modules load through tsx (esbuild's transform, Node 18+), loaded only when needed.
    mod = (/\.[cm]?ts$/.test(file) ? await (await import('tsx/esm/api')).tsImport(url, import.meta.url) : await import(url)) as Obj;
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ERR_MODULE_NOT_FOUND' && String((e as Error).message).includes(resolve(file))) throw problem([], 'no such file (expected a JavaScript or TypeScript module exporting plugins)');
    throw problem([], `cannot load the module: ${e instanceof Error ? e.message : String(e)}`);
  }
  const root = isObj(mod['default']) ? (mod['default'] as Obj) : mod;
  // Factories wrapped so that, in a thread with a call watch, each call reports itself (plugin-guard.ts).
  const autoscalers = <F>(key: 'horizontalAutoscalers' | 'clusterAutoscalers', guard: (name: string, f: F) => F): AutoscalerEntry<F>[] => {
    const raw = root[key];
    if (raw === undefined) return [];
    if (!Array.isArray(raw)) throw problem([key], `expected a list of {name, factory}`);
    return raw.map((a: unknown, i) => {
      if (!isObj(a) || typeof a['name'] !== 'string' || a['name'] === '') throw problem([key, i, 'name'], 'expected an autoscaler entry with a non-empty string name');
      if (typeof a['factory'] !== 'function') throw problem([key, i, 'factory'], `expected autoscaler "${a['name']}" to have a factory function (see src/api/autoscaling.ts)`);
      return { name: a['name'], factory: guard(a['name'], a['factory'] as F) };
    });
  };
  const horizontalAutoscalers = autoscalers<HorizontalAutoscalerFactory>('horizontalAutoscalers', guardedHorizontalFactory);
  const clusterAutoscalers = autoscalers<ClusterAutoscalerFactory>('clusterAutoscalers', guardedClusterFactory);
  const rawPlugins = root['plugins'] ?? (horizontalAutoscalers.length + clusterAutoscalers.length > 0 ? [] : undefined);
  if (!Array.isArray(rawPlugins) || (rawPlugins.length === 0 && horizontalAutoscalers.length + clusterAutoscalers.length === 0)) {
    throw problem(['plugins'], 'expected an export `plugins`: a non-empty list of {name, factory, extensionPoints?, description?} (or autoscaler exports `horizontalAutoscalers`, `clusterAutoscalers`)');
  }
  const plugins: PluginEntry[] = rawPlugins.map((p: unknown, i) => {
    if (!isObj(p) || typeof p['name'] !== 'string' || p['name'] === '') throw problem(['plugins', i, 'name'], 'expected a plugin entry with a non-empty string name');
    if (typeof p['factory'] !== 'function') throw problem(['plugins', i, 'factory'], `expected plugin "${p['name']}" to have a factory(args, handle) function returning the plugin object`);
    return {
      name: p['name'],
      description: typeof p['description'] === 'string' ? p['description'] : '',
      extensionPoints: Array.isArray(p['extensionPoints']) ? (p['extensionPoints'] as string[]) : [],
      factory: guardedPluginFactory(p['name'], p['factory'] as PluginEntry['factory']),
    };
  });
  let profiles: ProfileConfig[] = [];
  if (root['profiles'] !== undefined) {
    if (!Array.isArray(root['profiles'])) throw problem(['profiles'], 'expected a list of profiles');
    profiles = root['profiles'] as ProfileConfig[];
  } else if (root['profile'] !== undefined) {
    profiles = [root['profile'] as ProfileConfig];
  }
  profiles.forEach((p, i) => {
    if (!isObj(p) || typeof p.name !== 'string' || !Array.isArray(p.plugins)) throw problem(['profiles', i], 'expected a profile {name, plugins: [{name, weight?, args?}]}');
  });
  // node:crypto only when a module is loaded: commands without plugin modules skip loading it (10 ms).
  const { createHash } = await import('node:crypto');
  return { file, sha256: createHash('sha256').update(readFileSync(resolve(file))).digest('hex'), plugins, profiles, horizontalAutoscalers, clusterAutoscalers };
}

/** The profile served for a module without one: the default profile plus its plugins at weight 1. */
export function profileWithPlugins(base: ProfileConfig, module: PluginModule, name: string): ProfileConfig {
  return { ...base, name, description: `${base.name} profile with the plugins of ${module.file}`, plugins: [...base.plugins, ...module.plugins.map((p) => ({ name: p.name, weight: 1 }))] };
}

/** Where a module was named: a scenario's `plugins:` entry (with its position) or a --plugin flag. */
export interface ModuleSource {
  readonly file: string;
  /** The issue to report when the module cannot be used, at the place that named it. */
  readonly namedAt?: Pick<InputIssue, 'file' | 'line' | 'column' | 'path'> | undefined;
}

/** The built-in plugins and profiles plus the users' modules' ones: what a run resolves names in. */
export interface PolicySet {
  readonly plugins: PluginRegistry;
  readonly profiles: ProfileRegistry;
  readonly autoscalers: AutoscalerRegistries;
  readonly modules: readonly PluginModule[];
}

/** Horizontal and cluster autoscaler policies by name (a scenario's `autoscaling.policy`, `clusterAutoscaler.policy`). */
export interface AutoscalerRegistries {
  readonly horizontal: ReadonlyMap<string, HorizontalAutoscalerFactory>;
  readonly cluster: ReadonlyMap<string, ClusterAutoscalerFactory>;
}

export const BUILTIN_AUTOSCALERS: AutoscalerRegistries = { horizontal: HORIZONTAL_AUTOSCALERS, cluster: CLUSTER_AUTOSCALERS };

/** The built-ins alone. */
export function builtinPolicies(): PolicySet {
  return { plugins: builtinPlugins(), profiles: builtinProfiles(), autoscalers: BUILTIN_AUTOSCALERS, modules: [] };
}

/**
 * Loads the modules (each file once, in order) and registers their plugins and profiles next to
 * the built-in ones. A plugin or profile named like a built-in, or like one of another module, is
 * bad input naming the module and the export.
 */
export async function loadPolicies(sources: readonly ModuleSource[]): Promise<PolicySet> {
  const set = builtinPolicies();
  if (sources.length === 0) return set;
  const builtinProfileNames = new Set(BUILTIN_PROFILES.map((p) => p.name));
  const horizontal = new Map(HORIZONTAL_AUTOSCALERS);
  const cluster = new Map(CLUSTER_AUTOSCALERS);
  const owner = new Map<string, string>();
  const modules: PluginModule[] = [];
  const seen = new Set<string>();
  for (const source of sources) {
    const key = resolve(source.file);
    if (seen.has(key)) continue;
    seen.add(key);
    let mod: PluginModule;
    try {
      mod = await loadPluginModule(source.file);
    } catch (e) {
      // Said at the place that named the module too, when that is a scenario file.
      if (e instanceof InputError && source.namedAt) throw new InputError([...e.issues, { ...source.namedAt, message: `the plugin module named here cannot be used (${e.issues[0]?.message ?? 'see above'})` }]);
      throw e;
    }
    mod.plugins.forEach((p, i) => {
      const other = owner.get(`plugin/${p.name}`);
      if (set.plugins.has(p.name)) {
        throw new InputError({ file: mod.file, path: ['plugins', i, 'name'], message: other ? `plugin "${p.name}" is also exported by ${other}; give one of them another name` : `plugin "${p.name}" is already a built-in plugin; give yours another name` });
      }
      set.plugins.register(p);
      owner.set(`plugin/${p.name}`, mod.file);
    });
    mod.profiles.forEach((p, i) => {
      const other = owner.get(`profile/${p.name}`);
      if (builtinProfileNames.has(p.name) || other) {
        throw new InputError({ file: mod.file, path: ['profiles', i, 'name'], message: other ? `profile "${p.name}" is also exported by ${other}; give one of them another name` : `profile "${p.name}" is already a built-in profile; give yours another name` });
      }
      set.profiles.register(p);
      owner.set(`profile/${p.name}`, mod.file);
    });
    for (const [key, registry] of [['horizontalAutoscalers', horizontal], ['clusterAutoscalers', cluster]] as const) {
      mod[key].forEach((a, i) => {
        const other = owner.get(`${key}/${a.name}`);
        if (registry.has(a.name)) {
          throw new InputError({ file: mod.file, path: [key, i, 'name'], message: other ? `autoscaler "${a.name}" is also exported by ${other}; give one of them another name` : `autoscaler "${a.name}" is already a built-in one; give yours another name` });
        }
        (registry as Map<string, unknown>).set(a.name, a.factory);
        owner.set(`${key}/${a.name}`, mod.file);
      });
    }
    modules.push(mod);
  }
  return { ...set, autoscalers: { horizontal, cluster }, modules };
}

/** Policy sets loaded in this process (main thread or worker), by their modules. */
const loadedSets = new Map<string, PolicySet>();
const setKey = (sources: readonly ModuleSource[]) => JSON.stringify(sources.map((s) => resolve(s.file)));

/**
 * loadPolicies, once per list of modules in this process: worker threads and the main thread
 * each load a plan's modules before running its tasks, which then find them with loadedPolicies.
 */
export async function ensurePolicies(sources: readonly ModuleSource[]): Promise<PolicySet> {
  const key = setKey(sources);
  let set = loadedSets.get(key);
  if (!set) loadedSets.set(key, (set = await loadPolicies(sources)));
  return set;
}

/** The policy set ensurePolicies loaded for these modules (the built-ins when there are none). */
export function loadedPolicies(sources: readonly ModuleSource[]): PolicySet {
  if (sources.length === 0) return builtinPolicies();
  const set = loadedSets.get(setKey(sources));
  if (!set) throw new Error(`plugin modules ${sources.map((s) => s.file).join(', ')} were not loaded before the run (ensurePolicies)`);
  return set;
}

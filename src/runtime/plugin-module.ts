/**
 * A user's plugin module, as `orchsim serve --plugin ./my-plugin.js` loads it. The module's
 * default export (or its named exports) is:
 *
 *   { plugins: PluginEntry[],            // registered next to the built-in plugins
 *     profiles?: ProfileConfig[] }       // or `profile: ProfileConfig`
 *
 * Without a profile, the module's plugins are served in the built-in default profile, each
 * with score weight 1 - the way a new plugin is usually enabled in KubeSchedulerConfiguration.
 */
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { ProfileConfig } from '../api/framework.js';
import type { PluginEntry } from '../schedulers/registry.js';
import { InputError } from '../util/errors.js';

export interface PluginModule {
  readonly file: string;
  readonly plugins: readonly PluginEntry[];
  readonly profiles: readonly ProfileConfig[];
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
    mod = (await import(pathToFileURL(resolve(file)).href)) as Obj;
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ERR_MODULE_NOT_FOUND' && String((e as Error).message).includes(resolve(file))) throw problem([], 'no such file (expected a JavaScript module exporting plugins)');
    throw problem([], `cannot load the module: ${e instanceof Error ? e.message : String(e)}`);
  }
  const root = isObj(mod['default']) ? (mod['default'] as Obj) : mod;
  const rawPlugins = root['plugins'];
  if (!Array.isArray(rawPlugins) || rawPlugins.length === 0) throw problem(['plugins'], 'expected an export `plugins`: a non-empty list of {name, factory, extensionPoints?, description?}');
  const plugins: PluginEntry[] = rawPlugins.map((p: unknown, i) => {
    if (!isObj(p) || typeof p['name'] !== 'string' || p['name'] === '') throw problem(['plugins', i, 'name'], 'expected a plugin entry with a non-empty string name');
    if (typeof p['factory'] !== 'function') throw problem(['plugins', i, 'factory'], `expected plugin "${p['name']}" to have a factory(args, handle) function returning the plugin object`);
    return {
      name: p['name'],
      description: typeof p['description'] === 'string' ? p['description'] : '',
      extensionPoints: Array.isArray(p['extensionPoints']) ? (p['extensionPoints'] as string[]) : [],
      factory: p['factory'] as PluginEntry['factory'],
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
  return { file, plugins, profiles };
}

/** The profile served for a module without one: the default profile plus its plugins at weight 1. */
export function profileWithPlugins(base: ProfileConfig, module: PluginModule, name: string): ProfileConfig {
  return { ...base, name, description: `${base.name} profile with the plugins of ${module.file}`, plugins: [...base.plugins, ...module.plugins.map((p) => ({ name: p.name, weight: 1 }))] };
}

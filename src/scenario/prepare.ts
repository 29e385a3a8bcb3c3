/**
 * Loading, validating and resolving a scenario, and building its first run's scheduler: all that
 * orchsim validate does. Running it is in index.ts (runPrepared), which loads the simulation.
 */
import { dirname, resolve as resolvePath } from 'node:path';
import { builtinProfiles } from '../schedulers/builtins.js';
import { loadPolicies, type AutoscalerRegistries, type ModuleSource, type PolicySet } from './plugin-module.js';
import type { PluginRegistry, ProfileRegistry } from '../schedulers/registry.js';
import { inputErrorAt, issueAt } from '../util/errors.js';
import { BUILTIN_SCENARIO, defaultScenarioText } from './default.js';
import { loadScenarioFile, parseYaml, readYamlFile, validateScenario, type LoadedScenario, type Locator } from './load.js';
import { resolveScenario, type ResolvedScenario } from './resolve.js';
import { PreparedRun } from './prepared-run.js';
import type { RunOptions } from './runner.js';

/** Loads a scenario file, or the built-in default when `file` is undefined. */
export function loadScenario(file?: string): LoadedScenario {
  if (file === undefined) {
    const { value, locate } = parseYaml(defaultScenarioText(), BUILTIN_SCENARIO);
    return { file: BUILTIN_SCENARIO, doc: validateScenario(value, BUILTIN_SCENARIO, locate), locate };
  }
  return loadScenarioFile(file);
}

/**
 * A scenario parsed but not yet validated (the built-in default when `file` is undefined), for
 * callers that change it first (comparison arms, sweep grids); validate with prepareScenarioValue.
 */
export function parseScenario(file?: string): { file: string; value: unknown; locate: Locator } {
  if (file === undefined) return { file: BUILTIN_SCENARIO, ...parseYaml(defaultScenarioText(), BUILTIN_SCENARIO) };
  const { value, locate } = readYamlFile(file);
  // Checked as written first, so a mistake in the file itself is reported at its position.
  validateScenario(value, file, locate);
  return { file, value, locate };
}

export interface PrepareOptions {
  readonly seed?: number | undefined;
  readonly profile?: string | undefined;
  /** Overrides the scenario's `orchestrator:` (orchsim run --orchestrator). */
  readonly orchestrator?: 'kubernetes' | 'swarm' | undefined;
  readonly profiles?: ProfileRegistry | undefined;
  /** The plugins profiles may name (the built-ins when absent). */
  readonly plugins?: PluginRegistry | undefined;
  /** The autoscaler policies the scenario may name (the built-ins when absent). */
  readonly autoscalers?: AutoscalerRegistries | undefined;
  /**
   * The document was changed by a sweep variant, a comparison arm or a plan candidate: a cluster
   * sized to no node is then a point of the grid, which runs, not a mistake in the file.
   */
  readonly varied?: boolean | undefined;
}

/**
 * A scenario ready to run: loaded, validated, resolved, and its profile instantiated for the
 * first run (so bad plugin names or arguments are reported before anything runs).
 */
export interface PreparedScenario {
  readonly loaded: LoadedScenario;
  readonly resolved: ResolvedScenario;
  /** Options for runScenario: the first run takes the scheduler built here (see PreparedRun). */
  readonly runOptions: RunOptions;
}

/** Loads, validates and resolves a scenario and builds its first run's scheduler. */
export function prepareScenario(file: string | undefined, options: PrepareOptions = {}): PreparedScenario {
  return prepareLoaded(loadScenario(file), options);
}

/** prepareScenario for a parsed scenario value (validated here). */
export function prepareScenarioValue(value: unknown, file: string, locate: Locator, options: PrepareOptions = {}): PreparedScenario {
  return prepareLoaded({ file, doc: validateScenario(value, file, locate), locate }, options);
}

function prepareLoaded(loaded: LoadedScenario, options: PrepareOptions): PreparedScenario {
  if ((loaded.doc.plugins?.length ?? 0) > 0 && options.plugins === undefined) {
    // The synchronous path cannot import modules: say so rather than report its plugins unknown.
    throw inputErrorAt(loaded.file, loaded.locate, ['plugins'], 'the plugin modules were not loaded: prepare the scenario with prepareScenarioWithPlugins (as orchsim run does)');
  }
  const resolved = resolveScenario(loaded.doc, loaded.file, loaded.locate, options.profiles ?? builtinProfiles(), options);
  return { loaded, resolved, runOptions: { registry: options.plugins, autoscalers: options.autoscalers, prepared: PreparedRun.of(resolved, options.plugins) } };
}

/**
 * The plugin modules a scenario names (`plugins:`, relative to the scenario file) after those
 * given on the command line (--plugin), each with where it was named.
 */
export function pluginSources(loaded: LoadedScenario, flags: readonly string[] = []): ModuleSource[] {
  const fromFile = (loaded.doc.plugins ?? []).map((p, i): ModuleSource => {
    return { file: resolvePath(dirname(loaded.file), p), namedAt: issueAt(loaded.file, loaded.locate, ['plugins', i], '') };
  });
  return [...flags.map((file) => ({ file })), ...fromFile];
}

/**
 * prepareScenario with users' plugin modules: those named by the scenario and by `pluginFiles`
 * (--plugin) are loaded first, so its profiles may name their plugins and profiles.
 */
export async function prepareScenarioWithPlugins(file: string | undefined, options: PrepareOptions & { readonly pluginFiles?: readonly string[] | undefined } = {}): Promise<PreparedScenario & { readonly policies: PolicySet }> {
  const loaded = loadScenario(file);
  const policies = await loadPolicies(pluginSources(loaded, options.pluginFiles));
  return { ...prepareLoaded(loaded, { ...options, profiles: policies.profiles, plugins: policies.plugins, autoscalers: policies.autoscalers }), policies };
}

import { builtinProfiles } from '../schedulers/builtins.js';
import type { ProfileRegistry } from '../schedulers/registry.js';
import { BUILTIN_SCENARIO, defaultScenarioText } from './default.js';
import { loadScenarioFile, parseYaml, readYamlFile, validateScenario, type LoadedScenario, type Locator } from './load.js';
import { resolveScenario, type ResolvedScenario } from './resolve.js';
import { buildFramework, runScenario, type RunOptions, type RunOutput } from './runner.js';
import { RandomStreams } from '../util/random.js';

export { BUILTIN_SCENARIO } from './default.js';
export type { ResolvedScenario } from './resolve.js';
export type { RunOutput, RunResult } from './runner.js';

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
  readonly profiles?: ProfileRegistry | undefined;
  /**
   * The document was changed by a sweep variant, a comparison arm or a plan candidate: a cluster
   * sized to no node is then a point of the grid, which runs, not a mistake in the file.
   */
  readonly varied?: boolean | undefined;
}

/**
 * Loads, validates and resolves a scenario, and instantiates its profile once so that bad
 * plugin names or arguments are reported before anything runs.
 */
export function prepareScenario(file: string | undefined, options: PrepareOptions = {}): { loaded: LoadedScenario; resolved: ResolvedScenario; runOptions: RunOptions } {
  return prepareLoaded(loadScenario(file), options);
}

/** prepareScenario for a parsed scenario value (validated here). */
export function prepareScenarioValue(value: unknown, file: string, locate: Locator, options: PrepareOptions = {}): { loaded: LoadedScenario; resolved: ResolvedScenario; runOptions: RunOptions } {
  return prepareLoaded({ file, doc: validateScenario(value, file, locate), locate }, options);
}

function prepareLoaded(loaded: LoadedScenario, options: PrepareOptions): { loaded: LoadedScenario; resolved: ResolvedScenario; runOptions: RunOptions } {
  const resolved = resolveScenario(loaded.doc, loaded.file, loaded.locate, options.profiles ?? builtinProfiles(), options);
  const inline = options.profile === undefined && typeof loaded.doc.scheduler.profile !== 'string';
  const localIndex = (loaded.doc.scheduler.profiles ?? []).findIndex((p) => p.name === resolved.profile.name);
  const path = inline ? ['scheduler', 'profile'] : localIndex >= 0 ? ['scheduler', 'profiles', localIndex] : undefined;
  const runOptions: RunOptions = { profileSource: { file: loaded.file, locate: loaded.locate, path } };
  buildFramework(resolved.profile, new RandomStreams(resolved.seed), undefined, runOptions.profileSource);
  return { loaded, resolved, runOptions };
}

export function runPrepared(p: { resolved: ResolvedScenario; runOptions: RunOptions }, extra: Pick<RunOptions, 'onProgress'> = {}): RunOutput {
  return runScenario(p.resolved, { ...p.runOptions, ...extra });
}

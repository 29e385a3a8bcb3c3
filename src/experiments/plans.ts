import { existsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { z } from 'zod';
import { loadScenario } from '../scenario/index.js';
import { readYamlFile, zodIssues } from '../scenario/load.js';
import { fileJsonSchema, knownKeysAt, type JsonSchema } from '../scenario/json-schema.js';
import { InputError, inputErrorAt } from '../util/errors.js';
import { FORBIDDEN_KEYS, forbiddenKeyPath, formatCount } from '../workloads/input-limits.js';
import type { Locator } from '../scenario/load.js';
import type { Arm, ExperimentPlan, Variant } from './compare.js';
import { MAX_ARMS, MAX_RUNS, MAX_VARIANTS } from './results-files.js';

/** Seeds of an experiment: the scenario's seed and the ones after it (so seed 1 of N is `orchsim run`'s). */
export function seedsFrom(first: number, count: number): number[] {
  return Array.from({ length: count }, (_, i) => (first + i) % 2 ** 32);
}

const DEFAULT_SEEDS = 10;
const DEFAULT_CONFIDENCE = 0.95;
export { MAX_VARIANTS } from './results-files.js';

/** At most this many dotted paths in a sweep's grid. */
export const MAX_GRID_PATHS = 100;

const FORBIDDEN_MESSAGE = 'is not allowed as a key or path segment (it names the prototype of an object, not a field of the scenario)';

/**
 * Refuses an arm's `set:` whose keys (at any depth) include a prototype's name: merged key by key
 * into the scenario, `__proto__` would change the object instead of a field. At the key's position.
 */
function checkArmSets(arms: readonly { set?: unknown }[], file: string, locate: Locator, armsPath: readonly (string | number)[]): void {
  arms.forEach((a, i) => {
    const bad = a.set === undefined ? undefined : forbiddenKeyPath(a.set, [...armsPath, i, 'set']);
    if (bad) throw inputErrorAt(file, (p) => locate(p, { key: true }), bad, `${JSON.stringify(bad[bad.length - 1])} ${FORBIDDEN_MESSAGE}`);
  });
}

/** Refuses more runs than MAX_RUNS (each is a task in memory and a line of runs.jsonl). */
function checkRunCount(variants: number, arms: number, seeds: number, file: string, path: (string | number)[]): void {
  if (arms > MAX_ARMS) throw new InputError({ file, path, message: `${formatCount(arms)} arms; at most ${formatCount(MAX_ARMS)}` });
  const runs = variants * arms * seeds;
  if (runs > MAX_RUNS) throw new InputError({ file, path, message: `${formatCount(runs)} runs (variants x arms x seeds); at most ${formatCount(MAX_RUNS)}` });
}

function checkArms(arms: readonly Arm[], baseline: string | undefined, file: string, path: (string | number)[]): string {
  const seen = new Set<string>();
  for (const a of arms) {
    if (seen.has(a.name)) throw new InputError({ file, path, message: `two arms are named "${a.name}": arm names must be unique` });
    if (a.name.includes('|')) throw new InputError({ file, path, message: `arm name "${a.name}" must not contain "|"` });
    seen.add(a.name);
  }
  const base = baseline ?? arms[0]!.name;
  if (!seen.has(base)) throw new InputError({ file, path, message: `baseline "${base}" is not one of the arms (${[...seen].join(', ')})` });
  return base;
}

export interface CompareOptions {
  readonly profiles?: readonly string[] | undefined;
  readonly seeds?: number | undefined;
  readonly baseline?: string | undefined;
  readonly confidence?: number | undefined;
  /** Plugin modules (--plugin) the runs load besides the scenario's own `plugins:`. */
  readonly plugins?: readonly string[] | undefined;
}

/**
 * The plan of `orchsim compare`: the arms from --profiles, else from the scenario's `compare:`
 * block; one variant (the scenario as written).
 */
export function comparePlan(scenarioFile: string | undefined, options: CompareOptions = {}): ExperimentPlan {
  const loaded = loadScenario(scenarioFile);
  const doc = loaded.doc;
  const block = doc.compare;
  let arms: Arm[];
  if (options.profiles && options.profiles.length > 0) {
    arms = options.profiles.map((p) => ({ name: p, profile: p }));
  } else if (block && ((block.arms?.length ?? 0) > 0 || (block.profiles?.length ?? 0) > 0)) {
    arms = [...(block.profiles ?? []).map((p) => ({ name: p, profile: p })), ...(block.arms ?? []).map((a) => ({ name: a.name, ...(a.profile ? { profile: a.profile } : {}), ...(a.set ? { set: a.set } : {}) }))];
  } else {
    throw new InputError({ file: loaded.file, path: ['compare'], message: 'nothing to compare: give --profiles a,b (scheduler profiles) or a `compare:` block with `profiles` or `arms`' });
  }
  if (!options.profiles || options.profiles.length === 0) checkArmSets(block?.arms ?? [], loaded.file, loaded.locate, ['compare', 'arms']);
  const baseline = checkArms(arms, options.baseline ?? block?.baseline, loaded.file, options.profiles ? [] : ['compare']);
  const count = options.seeds ?? block?.seeds ?? DEFAULT_SEEDS;
  checkRunCount(1, arms.length, count, loaded.file, ['compare']);
  return {
    kind: 'compare',
    scenario: doc.name ?? loaded.file,
    scenarioFile,
    arms: arms.map((a) => a.name),
    armSpecs: arms,
    baseline,
    variants: [{ name: 'base', params: {} }],
    seeds: seedsFrom(doc.seed, count),
    confidence: options.confidence ?? block?.confidence ?? DEFAULT_CONFIDENCE,
    ...pluginPaths(options.plugins),
  };
}

/** --plugin modules as absolute paths (a worker or a resumed run finds them from anywhere). */
function pluginPaths(plugins: readonly string[] | undefined): { plugins?: readonly string[] } {
  return plugins && plugins.length > 0 ? { plugins: plugins.map((f) => resolve(f)) } : {};
}

const armSchema = z.strictObject({
  name: z.string().min(1),
  profile: z.string().min(1).optional(),
  set: z.record(z.string(), z.unknown()).optional(),
});

const sweepSchema = z.strictObject({
  /** The scenario to vary, relative to the sweep file; the built-in default when absent. */
  scenario: z.string().min(1).optional(),
  name: z.string().min(1).optional(),
  profiles: z.array(z.string().min(1)).optional(),
  arms: z.array(armSchema).optional(),
  baseline: z.string().min(1).optional(),
  seeds: z.number().int().min(1).max(100_000).default(DEFAULT_SEEDS),
  confidence: z.number().gt(0).lt(1).default(DEFAULT_CONFIDENCE),
  /** Dotted scenario paths to the values to try; the variants are every combination. */
  grid: z.record(z.string().regex(/^[^.\s]+(\.[^.\s]+)*$/, 'expected a dotted path like cluster.pools.0.count'), z.array(z.unknown()).min(1)).default({}),
});

let sweepJson: JsonSchema | undefined;

/** The JSON Schema of a sweep file (built once, when first asked for). */
export function sweepFileSchema(): JsonSchema {
  sweepJson ??= fileJsonSchema(sweepSchema, {
    title: 'orchsim sweep',
    description: 'A parameter sweep run by `orchsim sweep`: a scenario, profiles or arms, seeds, and a grid of dotted scenario paths with the values to try (README.md, "Comparing, sweeping and reporting").',
  });
  return sweepJson;
}

/** The plan of `orchsim sweep SWEEP.yaml`: the grid's combinations x arms x seeds. */
export function sweepPlan(file: string, plugins?: readonly string[]): ExperimentPlan {
  const { value, locate } = readYamlFile(file);
  const r = sweepSchema.safeParse(value ?? {});
  if (!r.success) throw new InputError(zodIssues(r.error.issues, file, locate, [], (path) => knownKeysAt(sweepFileSchema(), value, path)));
  const s = r.data;
  const scenarioFile = s.scenario === undefined ? undefined : resolve(dirname(file), s.scenario);
  if (scenarioFile !== undefined && !existsSync(scenarioFile)) {
    throw inputErrorAt(file, locate, ['scenario'], `scenario file not found: ${scenarioFile}`);
  }
  const doc = loadScenario(scenarioFile).doc;
  const arms: Arm[] = [...(s.profiles ?? []).map((p) => ({ name: p, profile: p })), ...(s.arms ?? []).map((a) => ({ name: a.name, ...(a.profile ? { profile: a.profile } : {}), ...(a.set ? { set: a.set } : {}) }))];
  if (arms.length === 0) arms.push({ name: 'scenario' });
  checkArmSets(s.arms ?? [], file, locate, ['arms']);
  const baseline = checkArms(arms, s.baseline, file, ['arms']);
  const keys = Object.keys(s.grid);
  if (keys.length > MAX_GRID_PATHS) throw inputErrorAt(file, locate, ['grid'], `${formatCount(keys.length)} grid paths; at most ${MAX_GRID_PATHS}`);
  for (const k of keys) {
    const segment = k.split('.').find((part) => FORBIDDEN_KEYS.has(part));
    if (segment !== undefined) throw inputErrorAt(file, (p) => locate(p, { key: true }), ['grid', k], `grid path ${JSON.stringify(k)}: the segment ${JSON.stringify(segment)} ${FORBIDDEN_MESSAGE}`);
  }
  let total = 1;
  for (const k of keys) total *= s.grid[k]!.length;
  if (total > MAX_VARIANTS) throw inputErrorAt(file, locate, ['grid'], `the grid has ${formatCount(total)} combinations; at most ${formatCount(MAX_VARIANTS)}`);
  checkRunCount(total, arms.length, s.seeds, file, ['seeds']);
  const variants: Variant[] = [];
  const combine = (i: number, params: Record<string, unknown>) => {
    if (i === keys.length) {
      variants.push({ name: keys.length === 0 ? 'base' : `v${variants.length + 1}`, params });
      return;
    }
    for (const v of s.grid[keys[i]!]!) combine(i + 1, { ...params, [keys[i]!]: v });
  };
  combine(0, {});
  return {
    kind: 'sweep',
    scenario: s.name ?? doc.name ?? scenarioFile ?? 'built-in default',
    scenarioFile,
    arms: arms.map((a) => a.name),
    armSpecs: arms,
    baseline,
    variants,
    seeds: seedsFrom(doc.seed, s.seeds),
    confidence: s.confidence,
    source: file,
    ...pluginPaths(plugins),
  };
}

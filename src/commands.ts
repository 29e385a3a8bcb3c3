import { runCapacityPlan, type CapacityPlanOptions, type CapacityPlanResults } from './experiments/capacity.js';
import { runExperiment, type ExperimentOptions, type ExperimentPlan } from './experiments/compare.js';
import { comparePlan, sweepFileSchema, type CompareOptions } from './experiments/plans.js';
import type { RunRecord } from './experiments/records.js';
import { parseSlo, type Slo } from './experiments/slo.js';
import type { ComparisonResults } from './experiments/comparison.js';
import { prepareScenario, runPrepared, type PrepareOptions, type RunOutput } from './scenario/index.js';
import { scenarioFileSchema, type JsonSchema } from './scenario/json-schema.js';
import type { SchemaKind } from './scenario/schema-kinds.js';

/**
 * What orchsim's commands do, as plain functions that return data: the CLI (src/cli) parses
 * options, calls these and prints what they return. Bad input throws InputError (its issues
 * name the file, line and path) before anything runs.
 */

export interface RunOptions {
  /** Instead of the scenario's seed. */
  readonly seed?: number | undefined;
  /** A scheduler profile instead of the scenario's: a built-in one or one of its `scheduler.profiles`. */
  readonly profile?: string | undefined;
  /** Called as simulated time advances, with the fraction of the horizon done. */
  readonly onProgress?: ((fraction: number) => void) | undefined;
}

/**
 * `orchsim run`: one run of a scenario file (the built-in default scenario when `scenario` is
 * undefined). Same scenario and seed, same result. For the resolved scenario before the run
 * (its horizon, nodes and profile), call prepareScenario and runPrepared instead; for a scenario
 * with plugin modules (`plugins:`, or --plugin), prepareScenarioWithPlugins (async: it imports
 * them) and runPrepared, as the CLI does.
 */
export function run(scenario?: string, options: RunOptions = {}): RunOutput {
  const prepare: PrepareOptions = { seed: options.seed, profile: options.profile };
  return runPrepared(prepareScenario(scenario, prepare), { onProgress: options.onProgress });
}

export interface CompareRunOptions extends CompareOptions {
  /** Worker threads, one run each (default 1: runs in this thread). */
  readonly workers?: number | undefined;
  /** Where plan.json and runs.jsonl go; a rerun with the same directory resumes. */
  readonly outDir?: string | undefined;
  /** After each finished run: runs done and the total. */
  readonly onRun?: ((done: number, total: number) => void) | undefined;
  /** Seconds one call into a plugin module may take (default 1; 0: no limit). */
  readonly pluginTimeoutSeconds?: number | undefined;
  /** An input warning (a field read but not modelled), once each, before any run. */
  readonly onWarning?: ExperimentOptions['onWarning'];
  /** Each finished run's output, e.g. to write its metrics.om (see ExperimentOptions.onRunOutput). */
  readonly onRunOutput?: ExperimentOptions['onRunOutput'];
}

export interface Comparison {
  readonly plan: ExperimentPlan;
  /** Mean and confidence interval per arm and metric, paired differences against the baseline. */
  readonly results: ComparisonResults;
  /** One record per run, in plan order (variant, arm, seed). */
  readonly records: readonly RunRecord[];
  /** Runs done now, and runs found finished in outDir. */
  readonly ran: number;
  readonly skipped: number;
}

/**
 * `orchsim compare`: scheduler profiles (`profiles`), or the arms of the scenario's `compare:`
 * block, over the same seeds (common random numbers).
 */
export async function compare(scenario?: string, options: CompareRunOptions = {}): Promise<Comparison> {
  const plan = comparePlan(scenario, options);
  const outcome = await runExperiment(plan, { workers: options.workers ?? 1, outDir: options.outDir, onRun: options.onRun, pluginTimeoutSeconds: options.pluginTimeoutSeconds, onWarning: options.onWarning, onRunOutput: options.onRunOutput });
  return { plan, results: outcome.results!, records: outcome.records, ran: outcome.ran, skipped: outcome.skipped };
}

export interface PlanOptions extends Omit<CapacityPlanOptions, 'scenarioFile' | 'slos' | 'seeds' | 'confidence' | 'workers' | 'savedRunsOnly'> {
  /** The scenario file; the built-in default scenario when undefined. */
  readonly scenario?: string | undefined;
  /** SLOs as `orchsim plan --slo` takes them ("availability>=0.999", "pendingP99<=60s") or parsed. */
  readonly slos: readonly (string | Slo)[];
  /** Seeds per candidate (default 10). */
  readonly seeds?: number | undefined;
  /** One-sided confidence that each SLO holds (default 0.95). */
  readonly confidence?: number | undefined;
  /** Worker threads (default 1). */
  readonly workers?: number | undefined;
}

export interface CapacityPlan {
  readonly results: CapacityPlanResults;
  /** The runs behind the results, in the order the search used them. */
  readonly records: readonly RunRecord[];
  /** The records outDir's runs.jsonl keeps (those used first, then any others found there). */
  readonly saved: readonly RunRecord[];
  readonly ran: number;
  readonly reused: number;
}

/**
 * `orchsim plan`: the smallest (or, with prices, cheapest) sizes of some node pools whose SLOs
 * hold at the requested confidence over the seeds.
 */
export function plan(options: PlanOptions): Promise<CapacityPlan> {
  const { scenario, slos, seeds, confidence, workers, ...rest } = options;
  return runCapacityPlan({
    ...rest,
    scenarioFile: scenario,
    slos: slos.map((s) => (typeof s === 'string' ? parseSlo(s) : s)),
    seeds: seeds ?? 10,
    confidence: confidence ?? 0.95,
    workers: workers ?? 1,
  });
}

export { SCHEMA_KINDS, type SchemaKind } from './scenario/schema-kinds.js';

/**
 * `orchsim schema`: the JSON Schema (draft-07) of a scenario or sweep file, generated from the
 * zod schema the loader validates with, for editors (completion, hover text, validation).
 */
export function fileSchema(kind: SchemaKind = 'scenario'): JsonSchema {
  return kind === 'sweep' ? sweepFileSchema() : scenarioFileSchema();
}

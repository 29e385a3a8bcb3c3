import { appendFileSync, existsSync, mkdirSync } from 'node:fs';
import { MAX_PLAN_BYTES, PLAN_FILE, readRuns, RUNS_FILE } from './results-files.js';
import { dirname, join, resolve } from 'node:path';
import { summarizeComparison, type ComparisonPlan, type ComparisonResults } from './comparison.js';
import { writeFilesAtomically } from '../util/files.js';
import { parseScenario, prepareScenarioValue } from '../scenario/index.js';
import type { Locator } from '../scenario/load.js';
import { runScenario } from '../scenario/runner.js';
import { ensurePolicies, loadedPolicies, type ModuleSource } from '../scenario/plugin-module.js';
import { InputError, issueAt, type InputIssue } from '../util/errors.js';
import { runPool } from './pool.js';
import { callBudget } from '../util/call-watch.js';
import { failedRunRecord, RECORD_FORMAT, toRunRecord, type RunRecord } from './records.js';
import { FORBIDDEN_KEYS, readLimitedText } from '../workloads/input-limits.js';
import { PluginError } from '../api/framework.js';
import type { RunOutput } from '../scenario/runner.js';

/**
 * Comparisons and sweeps: every arm (a scheduler profile, or changes merged into the scenario
 * such as another autoscaler) runs with the same seeds, so with the same arrivals and failures
 * (common random numbers), for every variant (a sweep grid point). One run per task, on worker
 * threads; each finished run is appended to `runs.jsonl`, so an interrupted experiment resumes
 * where it stopped; a shard runs the tasks whose position in the full task list is its index
 * modulo the shard count.
 */

export interface Arm {
  readonly name: string;
  /** Scheduler profile (built-in or from the scenario's scheduler.profiles). */
  readonly profile?: string | undefined;
  /** Merged into the scenario: mappings key by key, lists and values replaced. */
  readonly set?: Readonly<Record<string, unknown>> | undefined;
}

export interface Variant {
  readonly name: string;
  /** Dotted scenario paths ("cluster.pools.0.count") to the values this variant sets. */
  readonly params: Readonly<Record<string, unknown>>;
}

export interface ExperimentPlan extends ComparisonPlan {
  /** The scenario file; undefined for the built-in default scenario. */
  readonly scenarioFile: string | undefined;
  readonly armSpecs: readonly Arm[];
  /** Where the variants came from (a sweep file), for error messages. */
  readonly source?: string | undefined;
  /** Plugin modules given on the command line (--plugin), as absolute paths; the scenario's own `plugins:` come with it. */
  readonly plugins?: readonly string[] | undefined;
}

/** One run: everything a worker needs (plain data, so it can be posted to a worker thread). */
export interface RunTask {
  readonly scenarioFile: string | undefined;
  readonly variant: Variant;
  readonly arm: Arm;
  readonly seed: number;
  readonly source?: string | undefined;
  readonly plugins?: readonly string[] | undefined;
  /** Record a run a plugin failed instead of stopping (compare and sweep; not a capacity plan). */
  readonly keepFailures?: boolean | undefined;
  /** Keep the run's output (its series, the cluster sampled by zone and service too) for the caller: see TaskResult. */
  readonly keepOutput?: boolean | undefined;
}

/**
 * What a worker sends back for a task that keeps its output: the record and the run's output
 * (its time series, for the caller to write as it likes: compare --openmetrics). `output` is
 * dropped once handed over, so a long sweep does not hold every run's series.
 */
export interface TaskResult {
  readonly record: RunRecord;
  output?: RunOutput | undefined;
}

/** A task's outcome as a worker posts it: the record, or a TaskResult for a task that keeps its output. */
export type TaskOutcome = RunRecord | TaskResult;
const isTaskResult = (r: TaskOutcome): r is TaskResult => 'record' in r;

/** The tasks of a plan in their canonical order: variant, then arm, then seed. */
export function planTasks(plan: ExperimentPlan): RunTask[] {
  const tasks: RunTask[] = [];
  const variants = plan.variants as readonly Variant[];
  for (const variant of variants) {
    for (const arm of plan.armSpecs) {
      for (const seed of plan.seeds) tasks.push({ scenarioFile: plan.scenarioFile, variant, arm, seed, source: plan.source, keepFailures: true, ...(plan.plugins?.length ? { plugins: plan.plugins } : {}) });
    }
  }
  return tasks;
}

/** The tasks of shard `index` (0-based) of `count`: every count-th task from position index. */
export function shardTasks<T>(tasks: readonly T[], index: number, count: number): T[] {
  if (!(Number.isInteger(count) && count >= 1 && Number.isInteger(index) && index >= 0 && index < count)) {
    throw new RangeError(`shard ${index} of ${count}: expected 0 <= shard < shards`);
  }
  return tasks.filter((_, i) => i % count === index);
}

// ---- building a task's scenario ----------------------------------------------------------------

const isMapping = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);

/** `base` with `set` merged in: mappings key by key, anything else replaced. Copies what it changes. */
export function mergeInto(base: unknown, set: Readonly<Record<string, unknown>>): unknown {
  if (!isMapping(base)) return structuredClone(set);
  const out: Record<string, unknown> = { ...base };
  for (const [k, v] of Object.entries(set)) {
    // Checked with positions when the plan is made (plans.ts); here so that no caller can skip it.
    if (FORBIDDEN_KEYS.has(k)) throw new InputError({ file: '(arm set)', path: [k], message: `the key ${JSON.stringify(k)} is not allowed in set: (it names the prototype of an object)` });
    const own = Object.hasOwn(out, k) ? out[k] : undefined;
    out[k] = isMapping(v) && isMapping(own) ? mergeInto(own, v) : structuredClone(v);
  }
  return out;
}

/**
 * `value` with each dotted path set ("cluster.pools.0.count": segments that are whole numbers
 * index lists). Mappings on the way are created when missing; a list index must exist.
 */
export function setPaths(value: unknown, params: Readonly<Record<string, unknown>>, source: string): unknown {
  const root = structuredClone(value) as Record<string, unknown>;
  for (const [path, v] of Object.entries(params)) {
    const keys = path.split('.');
    let node: unknown = root;
    keys.forEach((key, i) => {
      const last = i === keys.length - 1;
      const where = keys.slice(0, i + 1).join('.');
      // Checked with positions when the plan is made (plans.ts); here so that no caller can skip it.
      if (FORBIDDEN_KEYS.has(key)) throw new InputError({ file: source, path: [path], message: `${where}: the segment ${JSON.stringify(key)} is not allowed (it names the prototype of an object)` });
      if (Array.isArray(node)) {
        const index = /^\d+$/.test(key) ? Number(key) : NaN;
        if (!(index < node.length)) throw new InputError({ file: source, path: [path], message: `${where}: no list item ${key} (the list has ${node.length})` });
        if (last) node[index] = structuredClone(v);
        else node = node[index];
      } else if (isMapping(node)) {
        if (last) node[key] = structuredClone(v);
        else {
          if (!Object.hasOwn(node, key) || node[key] === undefined) node[key] = {};
          node = node[key];
        }
      } else {
        throw new InputError({ file: source, path: [path], message: `${keys.slice(0, i).join('.')} is a ${node === null ? 'null' : typeof node}, not a mapping or list` });
      }
    });
  }
  return root;
}

/** Parsed scenarios per file, once per process (each worker keeps its own). */
const parsed = new Map<string, { file: string; value: unknown; locate: Locator }>();
function parsedScenario(file: string | undefined): { file: string; value: unknown; locate: Locator } {
  const key = file ?? '';
  let p = parsed.get(key);
  if (!p) parsed.set(key, (p = parseScenario(file)));
  return p;
}

/**
 * The plugin modules a task's runs load: its --plugin modules, then the scenario file's own
 * `plugins:` (relative to the file), each with where it was named. Load them with
 * ensurePolicies before prepareTask or runTask.
 */
export function taskModules(task: RunTask): ModuleSource[] {
  const p = parsedScenario(task.scenarioFile);
  const named = (p.value as { plugins?: unknown } | null)?.plugins;
  const fromFile = Array.isArray(named)
    ? named.filter((f): f is string => typeof f === 'string').map((f, i): ModuleSource => ({ file: resolve(dirname(p.file), f), namedAt: issueAt(p.file, p.locate, ['plugins', i], '') }))
    : [];
  return [...(task.plugins ?? []).map((file) => ({ file })), ...fromFile];
}

/** A task's scenario, validated and resolved (throws InputError on a bad variant or arm). */
export function prepareTask(task: RunTask): ReturnType<typeof prepareScenarioValue> {
  const p = parsedScenario(task.scenarioFile);
  const modules = taskModules(task);
  const policies = modules.length > 0 ? loadedPolicies(modules) : undefined;
  let value = p.value;
  if (Object.keys(task.variant.params).length > 0) value = setPaths(value, task.variant.params, task.source ?? p.file);
  if (task.arm.set) value = mergeInto(value, task.arm.set);
  // A variant or arm changes the document, so positions are of the original file only.
  const changed = value !== p.value;
  try {
    return prepareScenarioValue(value, p.file, p.locate, { seed: task.seed, profile: task.arm.profile, varied: changed, profiles: policies?.profiles, plugins: policies?.plugins, autoscalers: policies?.autoscalers });
  } catch (e) {
    if (e instanceof InputError && changed) {
      const what = [Object.keys(task.variant.params).length > 0 ? `variant ${task.variant.name}` : '', task.arm.set ? `arm ${task.arm.name}` : ''].filter(Boolean).join(', ');
      throw new InputError(e.issues.map((i) => ({ ...i, message: `${i.message} (in ${what})` })));
    }
    throw e;
  }
}

/** What identifies a task's run record. */
function taskKey(task: RunTask) {
  return { variant: task.variant.name, params: task.variant.params, arm: task.arm.name, seed: task.seed };
}

/** The record of a run whose plugin failed, when the task keeps failures (else undefined: stop). */
export function failedTaskRecord(task: RunTask, message: string): RunRecord | undefined {
  return task.keepFailures ? failedRunRecord(taskKey(task), message) : undefined;
}

export function runTask(task: RunTask): RunRecord {
  const r = runTaskOutcome({ ...task, keepOutput: false });
  return isTaskResult(r) ? r.record : r;
}

/** Runs a task: its record, with the run's output when the task keeps it (see TaskResult). */
export function runTaskOutcome(task: RunTask): TaskOutcome {
  const prepared = prepareTask(task);
  const key = taskKey(task);
  try {
    const out = runScenario(prepared.resolved, { ...prepared.runOptions, sampledState: task.keepOutput === true });
    const record = toRunRecord(key, out);
    return task.keepOutput ? { record, output: out } : record;
  } catch (e) {
    // A user's plugin failed this run: in a comparison it is recorded and the other runs go on
    // (the arm is reported failed); a capacity plan stops (its search needs every answer).
    if (task.keepFailures && e instanceof PluginError) return failedRunRecord(key, e.message);
    throw e;
  }
}

// ---- the results directory -----------------------------------------------------------------

export { PLAN_FILE, readPlan, readRuns, RESULTS_FILE, RUNS_FILE } from './results-files.js';

/** A plugin module as plan.json records it: its path and the SHA-256 of its content. */
export interface ModuleRecord {
  readonly file: string;
  readonly sha256: string;
}

/** The plan as stored in plan.json (what identifies an experiment's runs), with the plugin modules its runs load. */
export function planJSON(plan: ExperimentPlan, modules: readonly ModuleRecord[] = []): string {
  const { kind, scenario, scenarioFile, arms, armSpecs, baseline, variants, seeds, confidence } = plan;
  return JSON.stringify({ format: RECORD_FORMAT, kind, scenario, scenarioFile: scenarioFile ?? null, arms, armSpecs, baseline, variants, seeds, confidence, ...(modules.length > 0 ? { modules } : {}) }, null, 2) + '\n';
}

/** A plan.json's modules that changed since (same path, other content), as a message; undefined when none did. */
export function changedModules(planText: string, modules: readonly ModuleRecord[]): string | undefined {
  let stored: unknown;
  try {
    stored = (JSON.parse(planText) as { modules?: unknown }).modules;
  } catch {
    return undefined;
  }
  if (!Array.isArray(stored)) return undefined;
  const changed = modules.filter((m) => stored.some((s: { file?: unknown; sha256?: unknown }) => s.file === m.file && s.sha256 !== m.sha256));
  return changed.length > 0 ? `plugin module ${changed.map((m) => m.file).join(', ')} changed since these runs were made` : undefined;
}

/** Records in the plan's task order, one per task id (the first kept), only those of the plan. */
export function orderRecords(plan: ExperimentPlan, records: readonly RunRecord[]): RunRecord[] {
  const byId = new Map<string, RunRecord>();
  for (const r of records) if (!byId.has(r.id)) byId.set(r.id, r);
  const out: RunRecord[] = [];
  for (const t of planTasks(plan)) {
    const r = byId.get(`${t.variant.name}|${t.arm.name}|${t.seed}`);
    if (r) out.push(r);
  }
  return out;
}

export const runsJSONL = (records: readonly RunRecord[]): string => records.map((r) => JSON.stringify(r) + '\n').join('');

export interface ExperimentOptions {
  readonly workers: number;
  /** Results directory: plan.json, runs.jsonl (appended as runs finish), results.json. */
  readonly outDir?: string | undefined;
  readonly shard?: { readonly index: number; readonly count: number } | undefined;
  /** After each finished run: runs done (this session and before) and the total for this shard. */
  readonly onRun?: ((done: number, total: number) => void) | undefined;
  /** An input warning (a field read but not modelled), once each, before any run. */
  readonly onWarning?: ((warning: InputIssue) => void) | undefined;
  /**
   * Seconds one call into a user's plugin or autoscaler may take (default 1; 0 for no limit).
   * Only runs with plugin modules are watched; a run whose call outlasts it is recorded failed.
   */
  readonly pluginTimeoutSeconds?: number | undefined;
  /**
   * Called in this thread with each finished run's output (its series, the cluster sampled by
   * zone and service too), e.g. to write its metrics.om. Runs found finished are not rerun, and
   * a run a plugin failed has no output.
   */
  readonly onRunOutput?: ((run: { readonly variant: string; readonly arm: string; readonly seed: number }, output: RunOutput) => void) | undefined;
}

export interface ExperimentOutcome {
  /** This shard's records (all of them when not sharded), in plan order. */
  readonly records: RunRecord[];
  /** The summary over all the plan's records; undefined for a shard (merge the shards). */
  readonly results: ComparisonResults | undefined;
  /** Runs done now and runs found finished in the directory. */
  readonly ran: number;
  readonly skipped: number;
}

const workerUrl = new URL('./compare-worker.js', import.meta.url);

/**
 * Runs a plan (or one shard of it): checks every (variant, arm) scenario first, so bad input
 * stops everything before a run; resumes from the directory's runs.jsonl; appends each finished
 * run; at the end rewrites runs.jsonl in plan order and writes results.json (unsharded).
 */
export async function runExperiment(plan: ExperimentPlan, options: ExperimentOptions): Promise<ExperimentOutcome> {
  const all = planTasks(plan);
  const mine = options.shard ? shardTasks(all, options.shard.index, options.shard.count) : all;
  // Bad input before any run: each (variant, arm) once, its plugin modules loaded first.
  const checked = new Set<string>();
  const warned = new Set<string>();
  const modules = new Map<string, ModuleRecord>();
  for (const t of mine) {
    const key = `${t.variant.name}|${t.arm.name}`;
    if (checked.has(key)) continue;
    checked.add(key);
    for (const m of (await ensurePolicies(taskModules(t))).modules) modules.set(m.file, { file: m.file, sha256: m.sha256 });
    const { resolved } = prepareTask(t);
    // Input warnings (fields read but not modelled), each said once however many arms share it.
    for (const w of resolved.warnings ?? []) {
      // By file and path: a variant's copy of the scenario has no line positions, and an arm's
      // message may differ (the profiles it lists).
      const text = `${w.file}\u0000${(w.path ?? []).join('.')}`;
      if (!warned.has(text)) {
        warned.add(text);
        options.onWarning?.(w);
      }
    }
  }
  let previous: RunRecord[] = [];
  const dir = options.outDir;
  const runsFile = dir ? join(dir, RUNS_FILE) : undefined;
  if (dir) {
    const planText = planJSON(plan, [...modules.values()]);
    const planFile = join(dir, PLAN_FILE);
    if (existsSync(planFile)) {
      const read = readLimitedText(planFile, MAX_PLAN_BYTES, 'plan files');
      if ('error' in read) throw new InputError({ file: planFile, path: [], message: read.error });
      const stored = read.text;
      const changed = changedModules(stored, [...modules.values()]);
      if (changed) throw new InputError({ file: planFile, path: ['modules'], message: `${changed}; its earlier runs would mix with new ones: use another --out directory, or remove this one` });
      if (stored !== planText) throw new InputError({ file: planFile, path: [], message: `${dir} holds the runs of another experiment (its plan differs); use another --out directory, or remove this one` });
    }
    const found = readRuns(runsFile!);
    previous = found.records;
    mkdirSync(dir, { recursive: true });
    // Start from a clean file: the finished runs (a cut-off last line dropped), then append.
    writeFilesAtomically(dir, { [PLAN_FILE]: planText, [RUNS_FILE]: runsJSONL(orderRecords(plan, previous)) });
  }
  const done = new Set(previous.map((r) => r.id));
  const onRunOutput = options.onRunOutput;
  const todo = mine.filter((t) => !done.has(`${t.variant.name}|${t.arm.name}|${t.seed}`)).map((t) => (onRunOutput ? { ...t, keepOutput: true } : t));
  const skipped = mine.length - todo.length;
  const outcomes = await runPool<RunTask, TaskOutcome>(todo, {
    workers: options.workers,
    workerUrl,
    inline: runTaskOutcome,
    callBudgetSeconds: callBudget(modules.size, options.pluginTimeoutSeconds),
    onTimeout: (task, e) => failedTaskRecord(task, e.message),
    onResult: (n, _total, outcome) => {
      const record = isTaskResult(outcome) ? outcome.record : outcome;
      if (runsFile) appendFileSync(runsFile, JSON.stringify(record) + '\n');
      if (isTaskResult(outcome) && outcome.output) {
        onRunOutput?.({ variant: record.variant, arm: record.arm, seed: record.seed }, outcome.output);
        outcome.output = undefined;
      }
      options.onRun?.(skipped + n, mine.length);
    },
  });
  const fresh = outcomes.map((o) => (isTaskResult(o) ? o.record : o));
  const mineIds = new Set(mine.map((t) => `${t.variant.name}|${t.arm.name}|${t.seed}`));
  const records = orderRecords(plan, [...previous, ...fresh]).filter((r) => mineIds.has(r.id));
  const results = options.shard && options.shard.count > 1 ? undefined : summarizeComparison(plan, records);
  // runs.jsonl in plan order; results.json is written by the caller together with the report
  // (writeComparisonReport), so the two never disagree.
  if (dir) writeFilesAtomically(dir, { [RUNS_FILE]: runsJSONL(orderRecords(plan, [...previous, ...fresh])) });
  return { records, results, ran: fresh.length, skipped };
}

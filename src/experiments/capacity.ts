import { createHash } from 'node:crypto';
import { appendFileSync, existsSync, mkdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, resolve as resolvePath } from 'node:path';
import { writeFilesAtomically } from '../util/files.js';
import { prepareScenario } from '../scenario/index.js';
import { ensurePolicies } from '../scenario/plugin-module.js';
import { InputError, inputErrorAt, type InputIssue } from '../util/errors.js';
import { MAX_NODES } from '../workloads/input-limits.js';
import { MAX_PLAN_BYTES, MAX_SEEDS } from './results-files.js';
import { readLimitedText } from '../workloads/input-limits.js';
import { changedModules, failedTaskRecord, prepareTask, taskModules, PLAN_FILE, type ModuleRecord, readRuns, RUNS_FILE, runsJSONL, runTask, type RunTask } from './compare.js';
import { costOf, nodesOf, searchCheapest, searchGrid, type SearchSpace, type Sizes } from './capacity-search.js';
import { seedsFrom } from './plans.js';
import { WorkerPool } from './pool.js';
import { callBudget } from '../util/call-watch.js';
import { RECORD_FORMAT, type RunRecord } from './records.js';
import { checkSlo, parseSlo, type Slo, type SloCheck } from './slo.js';

/**
 * `orchsim plan`: the smallest (or cheapest) sizes of some node pools for which every SLO holds
 * at the requested confidence over the seeds, under everything else the scenario has (failures,
 * spikes, autoscalers). Every candidate runs the same seeds (common random numbers), seeds in
 * order, and stops as soon as an SLO can no longer hold; the search (capacity-search.ts) asks
 * about as few candidates as it can. Runs go to runs.jsonl as they finish, so an interrupted
 * plan resumes, and a plan with other SLOs over the same pools reuses the runs.
 */

export interface PlanPool {
  readonly name: string;
  readonly lo?: number | undefined;
  readonly hi?: number | undefined;
}

export interface CapacityPlanOptions {
  /** The scenario file; undefined for the built-in default. */
  readonly scenarioFile: string | undefined;
  readonly pools: readonly PlanPool[];
  readonly slos: readonly Slo[];
  readonly seeds: number;
  /** One-sided confidence of the SLO bounds, in (0.5, 1). */
  readonly confidence: number;
  /** Largest cluster cost per hour to consider (needs prices). */
  readonly budget?: number | undefined;
  /** Decide every candidate in the ranges with every seed, instead of searching. */
  readonly grid?: boolean | undefined;
  readonly workers: number;
  /** Plugin modules given on the command line (--plugin); the scenario's own `plugins:` come with it. */
  readonly plugins?: readonly string[] | undefined;
  readonly outDir?: string | undefined;
  /** Only runs found in outDir may be used (rebuilding a report): a missing one is an error. */
  readonly savedRunsOnly?: boolean | undefined;
  /** After each candidate is decided. */
  readonly onCandidate?: ((c: PlanCandidate, runs: number) => void) | undefined;
  /** After each run finishes: the candidate, its seeds with results so far, of how many. */
  readonly onRun?: ((candidate: string, seedsDone: number, seeds: number) => void) | undefined;
  /** Seconds one call into a plugin module may take (default 1; 0: no limit). */
  readonly pluginTimeoutSeconds?: number | undefined;
  /** An input warning (a field read but not modelled), once each, before any run. */
  readonly onWarning?: ((warning: InputIssue) => void) | undefined;
}

export interface PlanCandidate {
  /** "web=12" or "web=12,db=3". */
  readonly name: string;
  readonly sizes: Readonly<Record<string, number>>;
  /** Nodes of the searched pools (autoscaled ones at their maximum). */
  readonly nodes: number;
  /** Price per hour of the whole cluster (autoscaled pools at their maximum); null without prices. */
  readonly cost: number | null;
  /** Seeds run before the verdict (fewer than planned when an SLO failed early). */
  readonly seedsRun: number;
  readonly verdict: 'pass' | 'fail';
  /** Failed before every seed ran (the remaining seeds could not have saved it). */
  readonly early: boolean;
  readonly checks: readonly SloCheck[];
}

export interface PlanPoolInfo {
  readonly name: string;
  /** Its index in cluster.pools. */
  readonly index: number;
  /** Nodes in the scenario as written (the initial nodes of an autoscaled pool). */
  readonly count: number;
  /** Sized by the cluster autoscaler: the plan sizes its node groups' maximum. */
  readonly autoscaled: boolean;
  /** Node groups (one per zone) of an autoscaled pool; 1 otherwise. */
  readonly groups: number;
  /** The size in the scenario as written: count, or the groups' maximum when autoscaled. */
  readonly size: number;
  readonly lo: number;
  readonly hi: number | null;
  readonly pricePerHour: number | null;
}

export interface CapacityPlanResults {
  readonly format: typeof PLAN_RESULTS_FORMAT;
  readonly kind: 'plan';
  readonly scenario: string;
  readonly scenarioFile: string | null;
  readonly pools: readonly PlanPoolInfo[];
  readonly slos: readonly Slo[];
  readonly seeds: readonly number[];
  readonly confidence: number;
  readonly budget: number | null;
  /** What "smallest" means: the cheapest per hour, or the fewest nodes (no prices). */
  readonly objective: 'cost' | 'nodes';
  readonly search: 'bisection' | 'grid';
  /** The best candidate that passes; null when none in the ranges (and budget) does. */
  readonly answer: PlanCandidate | null;
  /** The answer with one node fewer in one pool, each as decided (they failed). */
  readonly fewer: readonly PlanCandidate[];
  /** Every candidate decided, in the order the search asked. */
  readonly candidates: readonly PlanCandidate[];
  /**
   * An open-ended search that stopped doubling because two sizes gave exactly the same results
   * on every seed run: more nodes change nothing. Null otherwise.
   */
  readonly saturated: { readonly smaller: string; readonly larger: string } | null;
  /** Runs behind the answer (the sum of seedsRun). */
  readonly runs: number;
  /**
   * A user's plugin failed a run the search needed (it threw, scored out of range or outlasted
   * its time budget): the search stopped there, with no answer; the candidates decided before it
   * are kept. Absent when nothing failed.
   */
  readonly failure?: PlanFailure | undefined;
  /** What the full grid over the sizes searched would have taken: candidates x seeds. */
  readonly gridRuns: number;
  readonly gridRanges: readonly { readonly name: string; readonly lo: number; readonly hi: number }[];
}

export interface PlanFailure {
  readonly candidate: string;
  readonly seed: number;
  readonly message: string;
}

/** Thrown out of the search when a run it needs failed (see CapacityPlanResults.failure). */
class SearchStopped extends Error {
  constructor(readonly failure: PlanFailure) {
    super(failure.message);
  }
}

export const PLAN_RESULTS_FORMAT = 1;
const ARM = { name: 'scenario' } as const;

/** Candidate name: pool=size, comma-separated, in the order of --pool. */
export const candidateName = (names: readonly string[], sizes: Sizes): string => names.map((n, i) => `${n}=${sizes[i]}`).join(',');

// Metrics that are null in a run only when there was nothing to measure (no incident, no pod):
// an SLO on them holds vacuously. Any other metric without a value in every run of the first
// candidate means the scenario cannot measure it (no service, no load model, no prices).
const VACUOUS = new Set(['mttd', 'mttr', 'pending.mean', 'pending.p95', 'pending.p99', 'waiting.mean', 'waiting.p99', 'incidents.count']);

// SLOs that more nodes make harder to meet: a utilization floor (the same requests over more
// allocatable) and a ceiling on what the nodes cost.
// Metrics that change with the node count even when the extra nodes go unused.
const FOLLOW_NODES = new Set(['utilization.cpu', 'utilization.memory', 'utilization.gpu', 'nodeHours', 'cost']);

const HARDER_WITH_NODES = new Map<string, '>=' | '<='>([
  ['utilization.cpu', '>='],
  ['utilization.memory', '>='],
  ['utilization.gpu', '>='],
  ['nodeHours', '<='],
  ['cost', '<='],
]);

function checkOptions(o: CapacityPlanOptions): void {
  const bad = (message: string, file = 'command line'): never => {
    throw new InputError({ file, path: [], message });
  };
  if (o.pools.length === 0) bad('name the pools to size: --pool NAME[,NAME]', '--pool');
  if (o.slos.length === 0) bad('give at least one SLO, e.g. --slo availability>=0.999', '--slo');
  if (!(Number.isInteger(o.seeds) && o.seeds >= 2)) bad(`--seeds ${o.seeds}: a plan needs at least 2 seeds for a confidence bound`, '--seeds');
  if (!(o.confidence > 0.5 && o.confidence < 1)) bad(`--confidence ${o.confidence}: expected a level between 0.5 and 1, e.g. 0.95`, '--confidence');
  if (!o.grid) {
    const harder = o.slos.find((slo) => HARDER_WITH_NODES.get(slo.metric) === slo.op);
    if (harder) {
      bad(`${harder.text}: ${harder.metric} gets harder to meet with more nodes, so the sizes that meet every SLO need not include the larger ones, and the search assumes they do. Decide every size with --grid (and --pool NAME=LO..HI)${harder.metric === 'cost' ? ', or bound the price per hour with --budget' : ''}`, '--slo');
    }
  }
  const names = new Set<string>();
  for (const p of o.pools) {
    if (names.has(p.name)) bad(`pool ${p.name} is named twice`, '--pool');
    names.add(p.name);
  }
}

/** The plan's pools in the scenario, the search space, and what identifies its runs. */
async function planSpace(o: CapacityPlanOptions): Promise<{ scenario: string; seed: number; pools: PlanPoolInfo[]; space: SearchSpace; identity: string }> {
  checkOptions(o);
  // Loaded, validated and resolved once: the document for the pools, the resolved nodes for the
  // node limit (manifests and openb node lists count too), the seed. Its plugin modules first.
  const policies = await ensurePolicies(taskModules({ scenarioFile: o.scenarioFile, variant: { name: 'check', params: {} }, arm: ARM, seed: 0, plugins: o.plugins }));
  const { loaded, resolved } = prepareScenario(o.scenarioFile, { profiles: policies.profiles, plugins: policies.plugins, autoscalers: policies.autoscalers });
  const doc = loaded.doc;
  const pools = doc.cluster.pools;
  const infos: PlanPoolInfo[] = o.pools.map((p) => {
    const index = pools.findIndex((x) => x.name === p.name);
    if (index < 0) {
      throw new InputError({ file: '--pool', path: [], message: `no pool "${p.name}" in ${loaded.file} (its pools: ${pools.map((x) => x.name).join(', ') || 'none'})` });
    }
    const pool = pools[index]!;
    // An autoscaled pool is sized by its node groups' maximum (one group per zone): how far the
    // cluster autoscaler may grow it. Its minimum is the smallest such size.
    const groups = pool.autoscaling ? Math.max(1, pool.zones?.length ?? 0) : 1;
    const lo = Math.max(p.lo ?? 0, pool.autoscaling?.min ?? 0);
    if (p.hi !== undefined && p.hi < lo) {
      throw new InputError({ file: '--pool', path: [], message: `${p.name}=${p.lo ?? 0}..${p.hi}: the range is empty${lo > (p.lo ?? 0) ? ` (the pool's autoscaling min is ${lo})` : ''}` });
    }
    return {
      name: p.name,
      index,
      count: pool.count,
      autoscaled: pool.autoscaling !== undefined,
      groups,
      size: pool.autoscaling ? pool.autoscaling.max : pool.count,
      lo,
      hi: p.hi ?? null,
      pricePerHour: pool.pricePerHour ?? null,
    };
  });
  const priced = infos.filter((p) => p.pricePerHour !== null).length;
  if (priced > 0 && priced < infos.length) {
    const missing = infos.find((p) => p.pricePerHour === null)!;
    throw inputErrorAt(loaded.file, loaded.locate, ['cluster', 'pools', missing.index, 'pricePerHour'], `pool ${missing.name} has no pricePerHour: give every planned pool a price to find the cheapest mix, or none to find the fewest nodes`);
  }
  const objective = priced > 0 ? 'cost' : 'nodes';
  if (o.budget !== undefined && objective !== 'cost') throw new InputError({ file: '--budget', path: [], message: `a budget needs prices: give the planned pools a pricePerHour in ${loaded.file}` });
  const planned = new Set(infos.map((p) => p.index));
  // The pools not planned at their reach (autoscaled ones at their maxima), as for the planned
  // ones: for the node limit, and the cost per hour (pools without a price cost nothing).
  const reach = (p: (typeof pools)[number]) => (p.autoscaling ? Math.max(p.count, Math.max(1, p.zones?.length ?? 0) * p.autoscaling.max) : p.count);
  const notFromPools = resolved.nodes.length - pools.reduce((a, p) => a + p.count, 0);
  const fixedNodes = notFromPools + pools.reduce((a, p, i) => a + (planned.has(i) ? 0 : reach(p)), 0);
  const fixedCost = objective === 'cost' ? pools.reduce((a, p, i) => a + (planned.has(i) ? 0 : reach(p) * (p.pricePerHour ?? 0)), 0) : 0;
  const several = infos.length > 1;
  const space: SearchSpace = {
    objective,
    fixedCost,
    budget: o.budget,
    maxNodes: MAX_NODES - fixedNodes,
    pools: infos.map((p) => ({
      name: p.name,
      lo: p.lo,
      // Several pools need a box to search; without a range, up to twice the scenario's size.
      hi: p.hi ?? (several || o.grid ? Math.max(p.lo, 2 * p.size, 1) : undefined),
      start: p.size,
      price: objective === 'cost' ? p.pricePerHour! : 0,
      nodesPerStep: p.groups,
    })),
  };
  const identity = JSON.stringify({
    format: RECORD_FORMAT,
    kind: 'plan',
    scenarioFile: o.scenarioFile ?? null,
    scenarioSha256: scenarioHash(o.scenarioFile, doc),
    pools: infos.map((p) => ({ name: p.name, index: p.index })),
    // --plugin modules by content (the scenario's own are in its hash, as files it names).
    ...(o.plugins?.length ? { modules: policies.modules.filter((m) => o.plugins!.some((f) => resolvePath(f) === resolvePath(m.file))).map((m) => ({ file: m.file, sha256: m.sha256 })) } : {}),
  });
  return { scenario: doc.name ?? loaded.file, seed: doc.seed, pools: infos.map((p, i) => ({ ...p, hi: space.pools[i]!.hi ?? null })), space, identity };
}

/**
 * A hash of the scenario as validated and of every file it names (manifests, traces), so runs
 * saved before either changed are not reused: any string in the document that names an
 * existing file next to the scenario is read.
 */
function scenarioHash(file: string | undefined, value: unknown): string {
  const hash = createHash('sha256').update(JSON.stringify(value));
  if (file === undefined) return hash.digest('hex');
  const base = dirname(file);
  const seen = new Set<string>();
  const visit = (v: unknown): void => {
    if (typeof v === 'string') {
      const path = resolvePath(base, v);
      if (v.length > 0 && v.length < 4096 && !seen.has(path) && existsSync(path) && statSync(path).isFile()) {
        seen.add(path);
        hash.update(`\0${v}\0`).update(readFileSync(path));
      }
    } else if (Array.isArray(v)) v.forEach(visit);
    else if (v !== null && typeof v === 'object') Object.values(v).forEach(visit);
  };
  visit(value);
  return hash.digest('hex');
}

/** plan.json: what identifies the runs (a rerun with other SLOs reuses them), and the options. */
function planFileText(identity: string, o: CapacityPlanOptions): string {
  return JSON.stringify({
    ...(JSON.parse(identity) as object),
    ranges: o.pools.map((p) => ({ name: p.name, lo: p.lo ?? null, hi: p.hi ?? null })),
    slos: o.slos.map((s) => s.text),
    seeds: o.seeds,
    confidence: o.confidence,
    budget: o.budget ?? null,
    search: o.grid ? 'grid' : 'bisection',
  }, null, 2) + '\n';
}

/**
 * The options of the capacity plan whose --out directory `dir` is (from its plan.json), to
 * rebuild its results and report from its runs; undefined when dir holds another experiment.
 */
export function readCapacityPlan(dir: string): Omit<CapacityPlanOptions, 'workers' | 'outDir'> | undefined {
  const file = join(dir, PLAN_FILE);
  if (!existsSync(file)) return undefined;
  const read = readLimitedText(file, MAX_PLAN_BYTES, 'plan files');
  if ('error' in read) throw new InputError({ file, path: [], message: read.error });
  let p: Record<string, unknown>;
  try {
    p = JSON.parse(read.text) as Record<string, unknown>;
  } catch {
    return undefined;
  }
  if (p === null || typeof p !== 'object' || p.kind !== 'plan') return undefined;
  const ranges = p.ranges as { name: string; lo: number | null; hi: number | null }[] | undefined;
  const bound = (x: unknown) => x === null || x === undefined || (Number.isInteger(x) && (x as number) >= 0);
  const rangesOk = Array.isArray(ranges) && ranges.every((r: unknown) => r !== null && typeof r === 'object' && typeof (r as { name?: unknown }).name === 'string' && bound((r as { lo?: unknown }).lo) && bound((r as { hi?: unknown }).hi));
  const slosOk = Array.isArray(p.slos) && p.slos.every((x) => typeof x === 'string');
  if (!rangesOk || !slosOk || !(Number.isInteger(p.seeds) && (p.seeds as number) >= 1 && (p.seeds as number) <= MAX_SEEDS) || !(typeof p.confidence === 'number' && p.confidence > 0 && p.confidence < 1)
    || !(p.budget === undefined || p.budget === null || (typeof p.budget === 'number' && p.budget >= 0)) || !(p.scenarioFile === undefined || p.scenarioFile === null || typeof p.scenarioFile === 'string')) {
    throw new InputError({ file, path: [], message: 'expected the plan.json of `orchsim plan` with ranges (name, lo, hi), slos (text), seeds (1 to 100000) and confidence (between 0 and 1)' });
  }
  return {
    scenarioFile: (p.scenarioFile as string | null) ?? undefined,
    pools: ranges.map((r) => ({ name: r.name, lo: r.lo ?? undefined, hi: r.hi ?? undefined })),
    slos: (p.slos as string[]).map((t) => parseSlo(t, file)),
    seeds: p.seeds as number,
    confidence: p.confidence,
    budget: (p.budget as number | null) ?? undefined,
    grid: p.search === 'grid',
    ...(Array.isArray(p.modules) ? { plugins: (p.modules as { file: string }[]).map((m) => m.file) } : {}),
  };
}

function identityOf(planText: string): string {
  const p = JSON.parse(planText) as Record<string, unknown>;
  return JSON.stringify({ format: p.format, kind: p.kind, scenarioFile: p.scenarioFile, scenarioSha256: p.scenarioSha256, pools: p.pools, ...(p.modules ? { modules: p.modules } : {}) });
}

const workerUrl = new URL('./compare-worker.js', import.meta.url);

/**
 * Runs a capacity plan; returns its results, the records behind them (in the order used), and
 * the records runs.jsonl is to keep (see the end).
 */
export async function runCapacityPlan(o: CapacityPlanOptions): Promise<{ results: CapacityPlanResults; records: RunRecord[]; saved: RunRecord[]; ran: number; reused: number }> {
  const { scenario, seed, pools, space, identity } = await planSpace(o);
  const names = pools.map((p) => p.name);
  const seeds = seedsFrom(seed, o.seeds);
  const taskOf = (sizes: Sizes, seed: number): RunTask => {
    const params: Record<string, number> = {};
    pools.forEach((p, i) => {
      const n = sizes[i]!;
      if (!p.autoscaled) params[`cluster.pools.${p.index}.count`] = n;
      else {
        // The initial nodes must fit under the new maximum (round-robin over the groups).
        params[`cluster.pools.${p.index}.autoscaling.max`] = n;
        params[`cluster.pools.${p.index}.count`] = Math.min(p.count, n * p.groups);
      }
    });
    // keepFailures: a run a plugin failed comes back as a record with its failure (the search
    // stops at it, below) rather than ending the worker batch without a word of which candidate.
    return { scenarioFile: o.scenarioFile, variant: { name: candidateName(names, sizes), params }, arm: ARM, seed, keepFailures: true, ...(o.plugins?.length ? { plugins: o.plugins } : {}) };
  };
  // Bad input before any run: the scenario at its own sizes (each candidate is checked too).
  const first = prepareTask(taskOf(space.pools.map((p) => Math.min(Math.max(p.start, p.lo), p.hi ?? Infinity)), seeds[0]!));
  // Input warnings (fields read but not modelled), once, before any run.
  for (const w of first.resolved.warnings ?? []) o.onWarning?.(w);

  // Runs found in the directory (a resumed plan, or one with other SLOs).
  const cache = new Map<string, RunRecord>();
  const previous: RunRecord[] = [];
  const dir = o.outDir;
  const runsFile = dir ? join(dir, RUNS_FILE) : undefined;
  if (dir) {
    const planFile = join(dir, PLAN_FILE);
    const planText = planFileText(identity, o);
    if (existsSync(planFile)) {
      let saved: Record<string, unknown> | undefined;
      try {
        saved = JSON.parse(identityOf(readFileSync(planFile, 'utf8'))) as Record<string, unknown>;
      } catch {
        saved = undefined;
      }
      if (JSON.stringify(saved) !== identity) {
        const mine = JSON.parse(identity) as Record<string, unknown>;
        const changed = saved !== undefined && saved.kind === 'plan' && saved.scenarioFile === mine.scenarioFile && JSON.stringify(saved.pools) === JSON.stringify(mine.pools);
        const modules = saved && changed && saved.scenarioSha256 === mine.scenarioSha256 ? changedModules(JSON.stringify(saved), (mine.modules as ModuleRecord[] | undefined) ?? []) : undefined;
        throw new InputError({
          file: planFile,
          path: [],
          message: modules
            ? `${modules}: the runs in ${dir} are not its runs any more; use another --out directory, or remove this one`
            : changed
            ? `the scenario ${mine.scenarioFile ?? ''} (or a file it reads) changed since the runs in ${dir}: they are not its runs any more; use another --out directory, or remove this one`
            : `${dir} holds the runs of another plan or experiment (another scenario or pools); use another --out directory, or remove this one`,
        });
      }
    }
    for (const r of readRuns(runsFile!).records) {
      if (!cache.has(r.id)) previous.push(r);
      cache.set(r.id, r);
    }
    mkdirSync(dir, { recursive: true });
    writeFilesAtomically(dir, { [PLAN_FILE]: planText, [RUNS_FILE]: runsJSONL([...cache.values()]) });
  }

  const moduleCount = (await ensurePolicies(taskModules(taskOf(space.pools.map((p) => p.lo), seeds[0]!)))).modules.length;
  const pool = new WorkerPool<RunTask, RunRecord>({
    workers: o.workers,
    workerUrl,
    inline: runTask,
    callBudgetSeconds: callBudget(moduleCount, o.pluginTimeoutSeconds),
    onTimeout: (task, e) => failedTaskRecord(task, e.message),
  });
  const decided = new Map<string, PlanCandidate>();
  const order: PlanCandidate[] = [];
  const used: RunRecord[] = [];
  // A fingerprint of each candidate's runs, to tell when more nodes changed nothing.
  const valuesOf = new Map<string, string>();
  let ran = 0;
  let reused = 0;
  let checkedPresence = false;

  const evaluate = async (sizes: Sizes, allSeeds: boolean): Promise<PlanCandidate> => {
    const name = candidateName(names, sizes);
    const known = decided.get(name);
    if (known) return known;
    // Checked here, whatever the number of workers: a candidate the scenario cannot take (an
    // autoscaling range, the node limit) is bad input, reported as such.
    prepareTask(taskOf(sizes, seeds[0]!));
    const records: RunRecord[] = [];
    let verdict: { checks: SloCheck[]; done: boolean } = { checks: [], done: false };
    const judge = (upTo: readonly RunRecord[]) => {
      const checks = o.slos.map((slo) => checkSlo(slo, upTo.map((r) => r.metrics[slo.metric] ?? null), seeds.length, o.confidence));
      const done = upTo.length === seeds.length || (!allSeeds && checks.some((c) => c.verdict === 'fail'));
      return { checks, done };
    };
    const idOf = (t: RunTask) => `${t.variant.name}|${ARM.name}|${t.seed}`;
    while (!verdict.done) {
      // Seeds in order, the verdict taken after each one, so it does not depend on the number
      // of workers (a worker may run a seed the verdict then does not need). Runs found in the
      // directory cost nothing; the others run `workers` at a time.
      const next = taskOf(sizes, seeds[records.length]!);
      const found = cache.get(idOf(next));
      if (found) {
        records.push(found);
        reused++;
        verdict = judge(records);
        continue;
      }
      if (o.savedRunsOnly) {
        throw new InputError({ file: join(dir ?? '.', RUNS_FILE), path: [], message: `the plan needs run ${idOf(next)}, which is not there (an interrupted plan): rerun \`orchsim plan\` with this --out to finish it` });
      }
      const batch = [next];
      for (let i = records.length + 1; i < seeds.length && batch.length < o.workers; i++) {
        const t = taskOf(sizes, seeds[i]!);
        if (cache.has(idOf(t))) break;
        batch.push(t);
      }
      const before = records.length;
      const fresh = await pool.run(batch, (done, _total, record) => {
        ran++;
        // A failed run is not kept: rerun with a fixed plugin (or a longer --plugin-timeout),
        // it must run again.
        if (runsFile && record.failure === undefined) appendFileSync(runsFile, JSON.stringify(record) + '\n');
        o.onRun?.(name, before + done, seeds.length);
      });
      for (const r of fresh) {
        if (verdict.done) continue;
        if (r.failure !== undefined) throw new SearchStopped({ candidate: name, seed: r.seed, message: r.failure });
        cache.set(r.id, r);
        records.push(r);
        verdict = judge(records);
      }
    }
    if (!checkedPresence) {
      checkedPresence = true;
      o.slos.forEach((slo, i) => {
        if (verdict.checks[i]!.n === 0 && !VACUOUS.has(slo.metric)) {
          throw new InputError({ file: '--slo', path: [], message: `${slo.text}: no run of ${scenario} has a value for ${slo.metric} (${slo.label}); ${slo.metric.startsWith('availability') ? 'it needs a service' : slo.metric === 'requests.served' || slo.metric.startsWith('slo.') ? 'it needs a service with a `load` model' : 'the scenario does not measure it'}` });
        }
      });
    }
    const candidate: PlanCandidate = {
      name,
      sizes: Object.fromEntries(names.map((n, i) => [n, sizes[i]!])),
      nodes: nodesOf(space, sizes),
      cost: space.objective === 'cost' ? costOf(space, sizes) : null,
      seedsRun: records.length,
      verdict: verdict.checks.every((c) => c.verdict === 'pass') ? 'pass' : 'fail',
      early: records.length < seeds.length,
      checks: verdict.checks,
    };
    decided.set(name, candidate);
    // Every metric but those that follow the node count itself, on every seed run: if a larger
    // size leaves all of them as they were (pods scheduled, waits, availability, requests), its
    // extra nodes went unused. An SLO value alone would not do: availability is 0 at every size
    // too small to hold minAvailable replicas.
    valuesOf.set(name, JSON.stringify(records.map((r) => Object.entries(r.metrics).filter(([k]) => !FOLLOW_NODES.has(k)))));
    order.push(candidate);
    used.push(...records);
    o.onCandidate?.(candidate, used.length);
    return candidate;
  };

  let answerSizes: Sizes | undefined;
  let saturated: CapacityPlanResults['saturated'] = null;
  let failure: PlanFailure | undefined;
  try {
    const decide = async (sizes: Sizes) => (await evaluate(sizes, Boolean(o.grid))).verdict === 'pass';
    answerSizes = o.grid
      ? await searchGrid(space, decide)
      : await searchCheapest(space, decide, {
          unchanged: (a, b) => {
            const x = valuesOf.get(candidateName(names, a));
            return x !== undefined && x === valuesOf.get(candidateName(names, b));
          },
          onSaturated: (a, b) => (saturated = { smaller: candidateName(names, a), larger: candidateName(names, b) }),
        });
  } catch (e) {
    if (!(e instanceof SearchStopped)) throw e;
    failure = e.failure;
    answerSizes = undefined;
  } finally {
    await pool.close();
  }
  const answer = answerSizes ? decided.get(candidateName(names, answerSizes))! : null;
  const fewer = answerSizes
    ? answerSizes.flatMap((n, i) => {
        const c = decided.get(candidateName(names, answerSizes!.map((m, j) => (j === i ? n - 1 : m))));
        return c ? [c] : [];
      })
    : [];
  // The box the search moved in: the full grid over it is what the search saved.
  const gridRanges = pools.map((p, i) => {
    const sizes = order.map((c) => c.sizes[p.name]!);
    return { name: p.name, lo: space.pools[i]!.lo, hi: space.pools[i]!.hi ?? Math.max(space.pools[i]!.lo, ...sizes) };
  });
  const gridCandidates = gridRanges.reduce((a, r) => a * (r.hi - r.lo + 1), 1);
  const results: CapacityPlanResults = {
    format: PLAN_RESULTS_FORMAT,
    kind: 'plan',
    scenario,
    scenarioFile: o.scenarioFile ?? null,
    pools,
    slos: o.slos,
    seeds,
    confidence: o.confidence,
    budget: o.budget ?? null,
    objective: space.objective,
    search: o.grid ? 'grid' : 'bisection',
    answer,
    fewer,
    saturated,
    candidates: order,
    runs: used.length,
    gridRuns: gridCandidates * seeds.length,
    gridRanges,
    ...(failure ? { failure } : {}),
  };
  // What runs.jsonl keeps: the runs behind the results, then the runs found there that these
  // results did not need (another plan's SLOs may), but not the ones a worker ran past an early
  // stop in this session - so the file does not depend on the number of workers.
  const usedIds = new Set(used.map((r) => r.id));
  return { results, records: used, saved: [...used, ...previous.filter((r) => !usedIds.has(r.id))], ran, reused };
}

/** results.json of a plan (NaN and infinities, which JSON lacks, as null). */
export function planResultsJSON(results: CapacityPlanResults): string {
  return JSON.stringify(results, (_k, v: unknown) => (typeof v === 'number' && !Number.isFinite(v) ? null : v), 2) + '\n';
}

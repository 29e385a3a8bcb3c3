import type { ProfileConfig } from '../api/framework.js';
import { gpuRequest } from '../api/gpu.js';
import type { PodInfo, PodSpec } from '../api/pod.js';
import type { PluginModule, PolicySet } from '../scenario/plugin-module.js';
import { builtinPlugins } from '../schedulers/builtins.js';
import { Framework } from '../schedulers/framework.js';
import { computeTypicalPods, FragmentationModel, type TypicalPod } from '../schedulers/plugins/fgd.js';
import type { NodeSpec } from '../api/node.js';
import { ClusterState } from '../sim/cluster.js';
import { InputError } from '../util/errors.js';
import { RandomStreams, type RandomStream } from '../util/random.js';
import { switchedOn } from '../util/switches.js';
import { formatCount, MAX_PODS_PER_WORKLOAD } from '../workloads/input-limits.js';
import { openbPodSpec, type OpenbPod } from '../workloads/openb.js';
import { FGD_POLICIES, isBuiltinFgdPolicy, type FgdPolicy } from './fgd-policies.js';

/**
 * The FGD paper's experiment (../shared/docs/FGD.md sections 2 and 7): a GPU cluster, a pod
 * list shuffled and tuned to a multiple of GPU capacity, each pod scheduled once in order with
 * one policy, GPU allocation and fragmentation recorded after every attempt and bucketed by
 * arrived demand. No clock: pods never leave.
 */

export { FGD_POLICIES, isBuiltinFgdPolicy, type FgdPolicy } from './fgd-policies.js';

/**
 * The order results are shown in: the built-in policies in FGD_POLICIES order, then users'
 * policies in the order they first appear in `names`; each once.
 */
export function fgdPolicyOrder(names: Iterable<string>): string[] {
  const all = [...names];
  const present = new Set(all);
  return [...FGD_POLICIES.filter((p) => present.has(p)), ...new Set(all.filter((n) => !isBuiltinFgdPolicy(n)))];
}

/** Published means on the default trace, seeds 42..51, tune 1.3 (FGD.md section 8). */
export const PUBLISHED_DEFAULT: Readonly<Record<FgdPolicy, { allocation100: number; allocation130: number; fragmentation100: number }>> = {
  Random: { allocation100: 86.3, allocation130: 87.47, fragmentation100: 13.49 },
  DotProd: { allocation100: 90.62, allocation130: 90.85, fragmentation100: 9.3 },
  GpuClustering: { allocation100: 91.65, allocation130: 91.88, fragmentation100: 8.21 },
  GpuPacking: { allocation100: 91.78, allocation130: 92.0, fragmentation100: 8.13 },
  BestFit: { allocation100: 92.86, allocation130: 93.08, fragmentation100: 7.05 },
  FGD: { allocation100: 95.23, allocation130: 95.39, fragmentation100: 4.73 },
};

/** Curves cover arrived demand 0..130 % (FGD.md section 7). */
export const CURVE_MAX = 130;

export interface PreparedExperiment {
  readonly nodes: readonly NodeSpec[];
  /** The pod list sorted by name (`orig`). */
  readonly orig: readonly PodInfo[];
  /** Typical pods of `orig`, before tuning (FGD.md section 5). */
  readonly typicalPods: readonly TypicalPod[];
  /** Total GPU capacity in milli-GPU (TOT). */
  readonly totalGpuMilli: number;
}

/** Sorts by name, builds specs (shared between equal pods) and computes the typical pods. */
export function prepareExperiment(nodes: readonly NodeSpec[], pods: readonly OpenbPod[]): PreparedExperiment {
  const sorted = [...pods].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const orig = sorted.map((p, id) => ({ id, name: p.name, spec: openbPodSpec(p) }));
  const typicalPods = computeTypicalPods(sorted.map((p) => ({
    cpu: p.cpuMilli,
    gpuMilli: p.numGpu > 0 ? p.gpuMilli : 0,
    gpuCount: p.numGpu,
    spec: p.numGpu > 0 ? p.gpuSpec : '',
  })));
  const totalGpuMilli = nodes.reduce((s, n) => s + Math.floor(n.allocatable.milliGPU / 1000) * 1000, 0);
  return { nodes, orig, typicalPods, totalGpuMilli };
}

/** Total GPU demand D = m * k of a pod, and its per-GPU share m. */
/** Pods in one run's tuned order: MAX_PODS_PER_WORKLOAD, the limit a scenario's workload has too. */
export const MAX_TUNED_PODS = MAX_PODS_PER_WORKLOAD;

function tuneError(tune: number, message: string): InputError {
  return new InputError({ file: '--tune', path: [], message: `${tune}: ${message}` });
}

function demand(p: PodInfo): number {
  return p.spec.requests.milliGPU;
}
function perGpuShare(p: PodInfo): number {
  return gpuRequest(p.spec.requests)?.milliPerGpu ?? 0;
}

/**
 * The pod order of one run (FGD.md section 2, steps 4-5): `orig` shuffled (Fisher-Yates), then
 * tuned to `tune` x capacity: while short, append pods drawn with replacement from `orig`,
 * stopping at the first whose per-GPU share m would overshoot; while over, remove random pods.
 */
export function tunedOrder(e: PreparedExperiment, tune: number, shuffle: RandomStream, draw: RandomStream): PodInfo[] {
  const list = [...e.orig];
  for (let i = list.length - 1; i > 0; i--) {
    const j = Math.floor(shuffle.next() * (i + 1));
    const t = list[i]!;
    list[i] = list[j]!;
    list[j] = t;
  }
  const target = tune * e.totalGpuMilli;
  let total = list.reduce((s, p) => s + demand(p), 0);
  if (total < target) {
    // Only a GPU pod can stop the loop below: a trace without one would append pods for ever.
    if (!e.orig.some((p) => perGpuShare(p) > 0)) throw tuneError(tune, `no pod of the trace asks for a GPU, so its GPU demand (${total} milli-GPU) cannot be tuned up to ${tune} x capacity (${e.totalGpuMilli} milli-GPU)`);
    // The stop test uses m, not D: CPU-only pods (m = 0) never stop the loop (a quirk that matters).
    for (;;) {
      const p = e.orig[Math.floor(draw.next() * e.orig.length)]!;
      if (total + perGpuShare(p) > target) break;
      // A trace of few GPU pods among many others (or a huge --tune) would grow without bound.
      if (list.length >= MAX_TUNED_PODS) throw tuneError(tune, `tuning the trace up to ${tune} x capacity takes more than ${formatCount(MAX_TUNED_PODS)} pods (the limit); lower --tune or use a trace with more GPU pods`);
      list.push(p);
      total += demand(p);
    }
  } else if (total > target) {
    // Remove random positions of what is left (the k-th remaining pod, k drawn over their
    // number) until demand <= target. Found in a Fenwick tree of the pods still present rather
    // than by splicing: a small --tune on a large trace removes most pods, and splicing each
    // would take time quadratic in the trace.
    const present = new FenwickPresence(list.length);
    let remaining = list.length;
    while (total > target) {
      const at = present.removeKth(Math.floor(draw.next() * remaining));
      remaining--;
      total -= demand(list[at]!);
    }
    return list.filter((_, i) => present.has(i));
  }
  return list;
}

/** Positions 0..n-1, all present at first; the k-th present one found and removed in O(log n). */
class FenwickPresence {
  private readonly tree: Int32Array;
  private readonly gone: Uint8Array;
  private readonly top: number;

  constructor(private readonly n: number) {
    this.tree = new Int32Array(n + 1);
    // Every position present: node i covers (i - lowbit(i), i].
    for (let i = 1; i <= n; i++) this.tree[i] = i & -i;
    this.gone = new Uint8Array(n);
    let top = 1;
    while (top * 2 <= n) top *= 2;
    this.top = top;
  }

  has(i: number): boolean {
    return this.gone[i] === 0;
  }

  /** Removes and returns the position of the k-th (0-based) present one. */
  removeKth(k: number): number {
    let pos = 0;
    let rest = k + 1;
    for (let step = this.top; step > 0; step >>= 1) {
      const next = pos + step;
      if (next <= this.n && this.tree[next]! < rest) {
        pos = next;
        rest -= this.tree[next]!;
      }
    }
    // pos is the last 1-based index whose prefix count is below k + 1: position pos (0-based) is the k-th.
    this.gone[pos] = 1;
    for (let i = pos + 1; i <= this.n; i += i & -i) this.tree[i]!--;
    return pos;
  }
}

/** Round half to even, as Python's round() (FGD.md section 7's bucketing). */
export function roundHalfEven(v: number): number {
  const r = Math.round(v);
  return Math.abs(v - Math.trunc(v)) === 0.5 ? 2 * Math.round(v / 2) : r;
}
const round2 = (v: number) => roundHalfEven(v * 100) / 100;

/**
 * The curve of FGD.md section 7 from per-bucket sums: for X = 0..130 the mean of the rows with
 * x == X; with none, the rows of X-1..X+1; with none either, NaN; `scale` maps the mean, and the
 * result is rounded to 2 decimals.
 */
export function bucketCurve(sum: ArrayLike<number>, count: ArrayLike<number>, scale: (mean: number) => number): number[] {
  const out: number[] = [];
  for (let X = 0; X <= CURVE_MAX; X++) {
    let n = count[X] ?? 0;
    let s = sum[X] ?? 0;
    if (n === 0) {
      for (const k of [X - 1, X + 1]) {
        n += count[k] ?? 0;
        s += sum[k] ?? 0;
      }
    }
    out.push(n > 0 ? round2(scale(s / n)) : NaN);
  }
  return out;
}

export interface FgdRun {
  /** A built-in policy (FgdPolicy) or a user's, by name. */
  readonly policy: string;
  readonly seed: number;
  readonly attempted: number;
  readonly placed: number;
  /** GPU allocation (% of capacity) per arrived-demand bucket 0..130; NaN where no row fell. */
  readonly allocation: number[];
  /** Fragmentation (% of capacity) per bucket, measured with FGD's typical pods whatever the policy. */
  readonly fragmentation: number[];
  /** Final state: allocated cpu, memory and GPU as fractions of the cluster's. */
  readonly final: { readonly cpu: number; readonly memory: number; readonly gpu: number };
}

/**
 * The profile of a built-in policy, or of a plugin (a module's) run as a policy the same way.
 */
export function policyProfile(policy: string, typicalPods: readonly TypicalPod[], memoize = true): ProfileConfig {
  // FGD.md section 4: the fit filters, only the policy's score, every node scored, ties to the
  // smallest node rank. NodeResourcesFit checks cpu, memory and GPU devices and models.
  return {
    name: policy,
    percentageOfNodesToScore: 100,
    tieBreak: 'rank',
    plugins: [
      { name: 'NodeResourcesFit', weight: 0 },
      { name: policy, weight: 1, args: policy === 'FGD' ? { typicalPods, memoize } : undefined },
    ],
  };
}

/** Where a policy name comes from: a built-in policy, or a user's module's profile or plugin. */
export type FgdPolicySource =
  | { readonly kind: 'builtin' }
  | { readonly kind: 'profile'; readonly module: PluginModule; readonly index: number; readonly profile: ProfileConfig }
  | { readonly kind: 'plugin'; readonly module: PluginModule; readonly index: number };

/**
 * What a policy name means: a built-in policy; else a profile a module exports; else a plugin a
 * module exports (a profile and a plugin of the same name: the profile). Undefined when unknown.
 */
export function fgdPolicySource(name: string, modules: readonly PluginModule[]): FgdPolicySource | undefined {
  if (isBuiltinFgdPolicy(name)) return { kind: 'builtin' };
  for (const module of modules) {
    const index = module.profiles.findIndex((p) => p.name === name);
    if (index >= 0) return { kind: 'profile', module, index, profile: module.profiles[index]! };
  }
  for (const module of modules) {
    const index = module.plugins.findIndex((p) => p.name === name);
    if (index >= 0) return { kind: 'plugin', module, index };
  }
  return undefined;
}

/** Every name `--policies` accepts: the built-in policies, then each module's profiles and plugins. */
export function knownFgdPolicies(modules: readonly PluginModule[]): string[] {
  return [...new Set([...FGD_POLICIES, ...modules.flatMap((m) => [...m.profiles.map((p) => p.name), ...m.plugins.map((p) => p.name)])])];
}

/**
 * The profile a policy runs with. A built-in policy, or a module's plugin, with policyProfile: the
 * fit filters, that plugin alone as the score (weight 1, no arguments), every node scored, ties to
 * the smallest node rank. A module's profile as written, with the protocol's every node scored and
 * ties by rank where it sets neither; the built-in FGD plugin in it, given no arguments, measures
 * fragmentation against the trace's typical pods as the FGD policy does.
 */
export function fgdPolicyProfile(name: string, modules: readonly PluginModule[], typicalPods: readonly TypicalPod[], memoize = true): ProfileConfig {
  const source = fgdPolicySource(name, modules);
  if (!source) throw unknownFgdPolicy(name, modules);
  if (source.kind !== 'profile') return policyProfile(name, typicalPods, memoize);
  const p = source.profile;
  return {
    ...p,
    percentageOfNodesToScore: p.percentageOfNodesToScore ?? 100,
    tieBreak: p.tieBreak ?? 'rank',
    plugins: p.plugins.map((c) => (c.name === 'FGD' && c.args === undefined ? { ...c, args: { typicalPods, memoize } } : c)),
  };
}

/** Bad input at --policies: an unknown name, with the known ones. */
export function unknownFgdPolicy(name: string, modules: readonly PluginModule[]): InputError {
  const where = modules.length > 0 ? ' or a profile or plugin of a --plugin module' : ' (or load your own with --plugin)';
  return new InputError({ file: '--policies', path: [], message: `unknown policy "${name}": expected a built-in policy${where} (known: ${knownFgdPolicies(modules).join(', ')})` });
}

/**
 * The policies to run, checked: each name known (else bad input listing the known ones), in
 * fgdPolicyOrder, each once. A module's profile named like a built-in policy is ambiguous there,
 * and bad input naming the module.
 */
export function resolveFgdPolicies(names: readonly string[], modules: readonly PluginModule[]): string[] {
  for (const name of names) {
    if (!fgdPolicySource(name, modules)) throw unknownFgdPolicy(name, modules);
    if (isBuiltinFgdPolicy(name)) {
      for (const m of modules) {
        const i = m.profiles.findIndex((p) => p.name === name);
        if (i >= 0) throw new InputError({ file: m.file, path: ['profiles', i, 'name'], message: `profile "${name}" has the name of a built-in FGD policy; give it another name to run it in experiment fgd` });
      }
    }
  }
  return fgdPolicyOrder(names);
}

/**
 * Whether a run of a built-in policy skips the scheduling cycle of a pod whose spec found no node
 * earlier in the run (ORCHSIM_NO_FGD_KNOWN_MISFITS=1 turns it off; read when a run starts).
 * Exact: the policy's only filter is NodeResourcesFit, whose verdict on a node reads the pod's
 * requests and the node's free CPU, memory, device frees, pod count and GPU model, and in a run
 * pods are only ever bound (none leaves, no device fails), so a node that rejected a spec rejects
 * it for the rest of the run. A cycle that finds no node has no other effect the run can see:
 * no score runs, so nothing draws a random number, and the scan starts where it did (it looked at
 * every node). In the default trace about a quarter of the pods of a run find no node, nearly all
 * of a spec that failed before (151 specs). test/experiments/fgd-known-misfits.test.ts runs random
 * traces with it on and off and requires identical runs. The idea is upstream's: a pod that failed
 * waits until a cluster event could make it fit (QueueingHints, pkg/scheduler/framework/
 * plugins/noderesources/fit.go isSchedulableAfterPodEvent); in this experiment none comes.
 */
export function fgdKnownMisfitsDefault(): boolean {
  return switchedOn('ORCHSIM_NO_FGD_KNOWN_MISFITS');
}

/** One run = (policy, seed). Deterministic for a given input, policy, seed and tune. */
export function runFgdExperiment(e: PreparedExperiment, policy: string, seed: number, tune: number, options: { memoize?: boolean; policies?: PolicySet | undefined; knownMisfits?: boolean } = {}): FgdRun {
  const streams = new RandomStreams(seed);
  const order = tunedOrder(e, tune, streams.get('experiment/shuffle'), streams.get('experiment/tune'));
  const cluster = new ClusterState(e.nodes.length);
  for (const n of e.nodes) cluster.addNode(n);
  // Users' policies come from their modules (loaded in this thread before: ensurePolicies).
  const modules = options.policies?.modules ?? [];
  const profile = modules.length === 0 ? policyProfile(policy, e.typicalPods, options.memoize ?? true) : fgdPolicyProfile(policy, modules, e.typicalPods, options.memoize ?? true);
  const framework = new Framework(profile, options.policies?.plugins ?? builtinPlugins(), { random: (name) => streams.get(name) });
  const tieBreak = streams.get('scheduler/tie-break');
  // Specs that found no node (fgdKnownMisfitsDefault): only with a built-in policy's profile,
  // whose filters are known; a user's profile or plugin may filter on anything.
  const misfits = (options.knownMisfits ?? fgdKnownMisfitsDefault()) && modules.length === 0 && isBuiltinFgdPolicy(policy) ? new Set<PodSpec>() : undefined;

  // Fragmentation of the whole cluster, kept up to date node by node.
  const model = new FragmentationModel(e.typicalPods);
  const nodeFrag = new Float64Array(cluster.nodes.length);
  const free = new Float64Array(64);
  const fragOf = (i: number) => {
    const n = cluster.nodes[i]!;
    for (let g = 0; g < n.gpuCount; g++) free[g] = n.gpuFree(g);
    return model.fragmentation(n.allocatable.milliCPU - n.requested.milliCPU, free, n.gpuCount, n.gpuModel);
  };
  let frag = 0;
  for (let i = 0; i < nodeFrag.length; i++) frag += nodeFrag[i] = fragOf(i);

  // Per-bucket sums of the rows (FGD.md section 7).
  const TOT = e.totalGpuMilli;
  const buckets = CURVE_MAX + 2;
  const ySum = new Float64Array(buckets);
  const fragSum = new Float64Array(buckets);
  const count = new Float64Array(buckets);
  let arrived = 0;
  let placed = 0;
  for (const pod of order) {
    arrived += demand(pod);
    const node = misfits !== undefined && misfits.has(pod.spec) ? -1 : framework.schedule(pod, cluster, tieBreak);
    if (node < 0) misfits?.add(pod.spec);
    else {
      cluster.bind(pod, node, framework.lastGPUs);
      placed++;
      const f = fragOf(node);
      frag += f - nodeFrag[node]!;
      nodeFrag[node] = f;
    }
    const x = roundHalfEven((100 * arrived) / TOT);
    if (x >= 0 && x < buckets) {
      ySum[x] = ySum[x]! + round2((100 * cluster.totalReqGPU) / TOT);
      fragSum[x] = fragSum[x]! + frag;
      count[x] = count[x]! + 1;
    }
  }
  const allocation = bucketCurve(ySum, count, (y) => y);
  const fragmentation = bucketCurve(fragSum, count, (f) => (100 * f) / TOT);
  return {
    policy,
    seed,
    attempted: order.length,
    placed,
    allocation,
    fragmentation,
    final: {
      cpu: cluster.totalReqCPU / cluster.totalAllocCPU,
      memory: cluster.totalReqMem / cluster.totalAllocMem,
      gpu: cluster.totalReqGPU / cluster.totalAllocGPU,
    },
  };
}

export interface PolicySummary {
  readonly allocation: { readonly '100': number; readonly '130': number };
  readonly fragmentation: { readonly '100': number; readonly '130': number };
  readonly seeds: readonly number[];
  /** Per-seed values at 100 % and 130 %, in seed order. */
  readonly perSeed: readonly { readonly seed: number; readonly allocation100: number; readonly allocation130: number; readonly fragmentation100: number; readonly fragmentation130: number }[];
  /** Mean curves over seeds, buckets 0..130. */
  readonly meanAllocation: readonly number[];
  readonly meanFragmentation: readonly number[];
}

function meanOver(values: readonly number[]): number {
  const ok = values.filter((v) => !Number.isNaN(v));
  return ok.length === 0 ? NaN : ok.reduce((a, b) => a + b, 0) / ok.length;
}

/** Mean over seeds per policy, in fgdPolicyOrder (built-ins first); runs may come in any order. */
export function summarize(runs: readonly FgdRun[]): Record<string, PolicySummary> {
  const out: Record<string, PolicySummary> = {};
  for (const policy of fgdPolicyOrder(runs.map((r) => r.policy))) {
    const mine = runs.filter((r) => r.policy === policy).sort((a, b) => a.seed - b.seed);
    if (mine.length === 0) continue;
    const curve = (pick: (r: FgdRun) => number[]) => Array.from({ length: CURVE_MAX + 1 }, (_, X) => round2(meanOver(mine.map((r) => pick(r)[X]!))));
    const meanAllocation = curve((r) => r.allocation);
    const meanFragmentation = curve((r) => r.fragmentation);
    out[policy] = {
      allocation: { '100': meanAllocation[100]!, '130': meanAllocation[130]! },
      fragmentation: { '100': meanFragmentation[100]!, '130': meanFragmentation[130]! },
      seeds: mine.map((r) => r.seed),
      perSeed: mine.map((r) => ({ seed: r.seed, allocation100: r.allocation[100]!, allocation130: r.allocation[130]!, fragmentation100: r.fragmentation[100]!, fragmentation130: r.fragmentation[130]! })),
      meanAllocation,
      meanFragmentation,
    };
  }
  return out;
}

import { ClusterEvent, type GpuSelectPlugin, type ScorePlugin } from '../../api/framework.js';
import { gpuRequest } from '../../api/gpu.js';
import type { NodeInfo } from '../../api/node.js';
import type { PodInfo } from '../../api/pod.js';
import { MILLI_PER_GPU } from '../../api/units.js';
import { PluginArgsError } from '../registry.js';
import { argsObject, rejectUnknownKeys } from './args.js';

/**
 * Fragmentation Gradient Descent (Weng et al., "Beware of Fragmentation: Scheduling
 * GPU-Sharing Workloads with Fragmentation Gradient Descent", USENIX ATC'23), as specified in
 * ../shared/docs/FGD.md section 5: place a pod where it increases the expected GPU
 * fragmentation of the node the least, fragmentation being measured against a distribution of
 * typical pods.
 */
export const NAME = 'FGD';

/** A typical pod: cpu (milli), per-GPU share m (milli; 0 = CPU-only), GPU count k, accepted models, probability. */
export interface TypicalPod {
  readonly cpu: number;
  readonly gpuMilli: number;
  readonly gpuCount: number;
  /** Accepted GPU models; empty = any. */
  readonly models: readonly string[];
  readonly weight: number;
}

/** A pod as FGD.md section 5 groups them: (cpu, m, k, model-constraint string). */
export interface TypicalPodKey {
  readonly cpu: number;
  readonly gpuMilli: number;
  readonly gpuCount: number;
  /** The raw constraint string, e.g. "V100M16|V100M32"; '' when none. */
  readonly spec: string;
}

/**
 * Typical pods of a workload (FGD.md section 5): group by (cpu, m, k, spec), sort by count
 * descending and, on equal counts, by key descending (cpu, then m, then k, then spec); keep the
 * shortest prefix whose cumulative count reaches `coverage` of the pods; p_t = count_t / (count
 * of the kept prefix).
 */
export function computeTypicalPods(pods: readonly TypicalPodKey[], coverage = 0.95): TypicalPod[] {
  return typicalPodGroups(pods, coverage).kept;
}

/** The grouping behind computeTypicalPods, with its counts (FGD.md's check values). */
export function typicalPodGroups(pods: readonly TypicalPodKey[], coverage = 0.95): { groups: number; covered: number; kept: TypicalPod[] } {
  const groups = new Map<string, { key: TypicalPodKey; count: number }>();
  for (const p of pods) {
    const k = `${p.cpu}\u0000${p.gpuMilli}\u0000${p.gpuCount}\u0000${p.spec}`;
    const g = groups.get(k);
    if (g) g.count++;
    else groups.set(k, { key: p, count: 1 });
  }
  const sorted = [...groups.values()].sort((a, b) => {
    if (a.count !== b.count) return b.count - a.count;
    const x = a.key;
    const y = b.key;
    if (x.cpu !== y.cpu) return y.cpu - x.cpu;
    if (x.gpuMilli !== y.gpuMilli) return y.gpuMilli - x.gpuMilli;
    if (x.gpuCount !== y.gpuCount) return y.gpuCount - x.gpuCount;
    return x.spec < y.spec ? 1 : x.spec > y.spec ? -1 : 0;
  });
  const target = coverage * pods.length;
  const kept: typeof sorted = [];
  let covered = 0;
  for (const g of sorted) {
    if (covered >= target) break;
    kept.push(g);
    covered += g.count;
  }
  return {
    groups: sorted.length,
    covered,
    kept: kept.map(({ key, count }) => ({
      cpu: key.cpu,
      gpuMilli: key.gpuMilli,
      gpuCount: key.gpuCount,
      models: key.spec === '' ? [] : key.spec.split('|'),
      weight: count / covered,
    })),
  };
}

/**
 * The fragmentation measure F(n) of FGD.md section 5, prepared for fast repeated evaluation:
 * typical pods are grouped by per-GPU share m (ascending) so one pass over a node's device frees,
 * sorted ascending, gives for every m both "how many devices have at least m" and "the sum of
 * the frees below m".
 */
export class FragmentationModel {
  /** Distinct shares m > 0, ascending. */
  private readonly shares: Float64Array;
  /** For share group s: typical pods [groupStart[s], groupStart[s+1]) in the flat arrays below. */
  private readonly groupStart: Int32Array;
  private readonly cpu: Float64Array;
  private readonly count: Float64Array;
  private readonly weight: Float64Array;
  private readonly models: (readonly string[])[];
  /** Total weight of CPU-only typical pods: each counts all free GPU as fragmented. */
  private readonly cpuOnlyWeight: number;
  private readonly sortedFree = new Float64Array(64);

  constructor(readonly typicalPods: readonly TypicalPod[]) {
    const gpuPods = typicalPods.filter((t) => t.gpuMilli > 0).sort((a, b) => a.gpuMilli - b.gpuMilli);
    this.cpuOnlyWeight = typicalPods.filter((t) => t.gpuMilli <= 0).reduce((s, t) => s + t.weight, 0);
    const shares: number[] = [];
    const starts: number[] = [];
    gpuPods.forEach((t, i) => {
      if (shares.length === 0 || shares[shares.length - 1] !== t.gpuMilli) {
        shares.push(t.gpuMilli);
        starts.push(i);
      }
    });
    starts.push(gpuPods.length);
    this.shares = Float64Array.from(shares);
    this.groupStart = Int32Array.from(starts);
    this.cpu = Float64Array.from(gpuPods, (t) => t.cpu);
    this.count = Float64Array.from(gpuPods, (t) => t.gpuCount);
    this.weight = Float64Array.from(gpuPods, (t) => t.weight);
    this.models = gpuPods.map((t) => t.models);
  }

  /**
   * F(n) in milli-GPU for a node with `cpuLeft` milli-CPU and device frees `free[0..n)` (any
   * order; the array is not modified), with GPU model `model`.
   */
  fragmentation(cpuLeft: number, free: ArrayLike<number>, n: number, model: string | undefined): number {
    const g = this.sortedFree;
    let total = 0;
    for (let i = 0; i < n; i++) {
      // Insertion sort: at most 8 devices per node in practice.
      const v = free[i]!;
      total += v;
      let j = i - 1;
      while (j >= 0 && g[j]! > v) {
        g[j + 1] = g[j]!;
        j--;
      }
      g[j + 1] = v;
    }
    if (total === 0) return 0;
    let f = this.cpuOnlyWeight * total;
    const shares = this.shares;
    const starts = this.groupStart;
    let below = 0; // devices with free < current share
    let belowSum = 0; // their free sum
    for (let s = 0; s < shares.length; s++) {
      const m = shares[s]!;
      while (below < n && g[below]! < m) belowSum += g[below++]!;
      const fitting = n - below;
      for (let t = starts[s]!; t < starts[s + 1]!; t++) {
        const models = this.models[t]!;
        // The pod could run here: only the devices too small for it are fragments. Otherwise
        // (no room, no CPU, or a model it refuses) all free GPU counts as fragmented.
        const usable = fitting >= this.count[t]! && cpuLeft >= this.cpu[t]! && (models.length === 0 || (model !== undefined && models.includes(model)));
        f += this.weight[t]! * (usable ? belowSum : total);
      }
    }
    return f;
  }
}

/** sigmoid, as the FGD score uses it. */
export function sigmoid(x: number): number {
  return 1 / (1 + Math.exp(-x));
}

/** The FGD score of a change of fragmentation from `before` to `after`: trunc(100 * sigmoid((before - after) / 1000)). */
export function fgdScore(before: number, after: number): number {
  return Math.trunc(100 * sigmoid((before - after) / 1000));
}

interface NodeEval {
  score: number;
  /** For a share pod: the device giving the best score (lowest index on ties). */
  gpu: number;
}

/**
 * Scores a pod on a node (FGD.md section 5). A share pod is tried on every device that fits it
 * and the best is kept (first index on ties); others take the fitting devices in ascending
 * order of free (stable by index).
 */
export function evaluateFgd(model: FragmentationModel, pod: PodInfo, node: NodeInfo, scratch: Float64Array, before?: number): NodeEval {
  const n = node.gpuCount;
  for (let i = 0; i < n; i++) scratch[i] = node.gpuFree(i);
  const cpuLeft = node.allocatable.milliCPU - node.requested.milliCPU;
  const f0 = before ?? model.fragmentation(cpuLeft, scratch, n, node.gpuModel);
  const cpuAfter = cpuLeft - pod.spec.requests.milliCPU;
  const req = gpuRequest(pod.spec.requests);
  if (!req) return { score: fgdScore(f0, model.fragmentation(cpuAfter, scratch, n, node.gpuModel)), gpu: -1 };
  const m = req.milliPerGpu;
  if (m < MILLI_PER_GPU) {
    let best = -1;
    let bestScore = -1;
    // Devices with equal free give the same node after placement: evaluate each value once
    // (the values already seen are kept in scratch[n..]).
    let nSeen = 0;
    outer: for (let i = 0; i < n; i++) {
      const g = scratch[i]!;
      if (g < m) continue;
      for (let s = 0; s < nSeen; s++) if (scratch[n + s] === g) continue outer;
      scratch[n + nSeen++] = g;
      scratch[i] = g - m;
      const sc = fgdScore(f0, model.fragmentation(cpuAfter, scratch, n, node.gpuModel));
      scratch[i] = g;
      if (sc > bestScore) {
        bestScore = sc;
        best = i;
      }
    }
    return { score: Math.max(0, bestScore), gpu: best };
  }
  // Whole GPUs: the k fitting devices of least free, stable by index. Fitting means fully free,
  // so all have the same free and the order is the index order.
  let taken = 0;
  for (let i = 0; i < n && taken < req.count; i++) {
    if (scratch[i]! >= m) {
      scratch[i] = scratch[i]! - m;
      taken++;
    }
  }
  return { score: fgdScore(f0, model.fragmentation(cpuAfter, scratch, n, node.gpuModel)), gpu: -1 };
}

export function parseTypicalPods(plugin: string, raw: unknown): TypicalPod[] {
  const obj = argsObject(plugin, raw);
  rejectUnknownKeys(plugin, obj, ['typicalPods', 'memoize']);
  const list = obj.typicalPods;
  if (!Array.isArray(list) || list.length === 0) {
    throw new PluginArgsError(plugin, ['typicalPods'], 'expected a non-empty list of {cpu, gpuMilli, gpuCount, models?, weight} (the workload FGD measures fragmentation against)');
  }
  return list.map((t: unknown, i: number) => {
    const o = argsObject(plugin, t);
    rejectUnknownKeys(plugin, o, ['cpu', 'gpuMilli', 'gpuCount', 'models', 'weight'], ['typicalPods', i]);
    const num = (k: string, min: number) => {
      const v = o[k];
      if (typeof v !== 'number' || !Number.isFinite(v) || v < min) throw new PluginArgsError(plugin, ['typicalPods', i, k], `expected a number >= ${min}`);
      return v;
    };
    const models = o.models ?? [];
    if (!Array.isArray(models) || models.some((m) => typeof m !== 'string')) throw new PluginArgsError(plugin, ['typicalPods', i, 'models'], 'expected a list of GPU model names');
    return { cpu: num('cpu', 0), gpuMilli: num('gpuMilli', 0), gpuCount: num('gpuCount', 0), models: models as string[], weight: num('weight', 0) };
  });
}

/** Most pod shapes remembered per node before its memo starts afresh (bounds memory). */
const MAX_SHAPES_PER_NODE = 1024;

/**
 * The FGD plugin: Score and the share-GPU choice at Reserve. Two memos, both exact, both off with
 * `memoize: false`:
 * - F(n) of each node's current state, recomputed only when the node's free CPU or devices changed;
 * - each node's evaluation (score and chosen device) per pod shape, kept while that state holds.
 *   An evaluation reads only the node's free CPU, device frees and model, and the pod's CPU and
 *   GPU request (evaluateFgd), so a pod of a shape already evaluated on an unchanged node gets
 *   the same answer. A run places one pod per cycle, so all nodes but one keep their memos: in
 *   the FGD experiment the score costs a lookup on most nodes (bench/README.md section 4).
 */
export function fgd(rawArgs: unknown): ScorePlugin & GpuSelectPlugin {
  const model = new FragmentationModel(parseTypicalPods(NAME, rawArgs));
  // args.memoize: false turns both memos off (for measuring what they save, and for the
  // property test that they change nothing).
  const memoize = (argsObject(NAME, rawArgs).memoize ?? true) !== false;
  // Device frees, then (for shares) the distinct frees already tried: 2 x the most devices.
  const scratch = new Float64Array(256);
  // Per-node cache of F(n): the state it was computed for (cpu left, device frees, model) and
  // the value; and the evaluations of that state by pod shape (score * 256 + device + 1).
  const cacheKey: number[][] = [];
  const cacheModel: (string | undefined)[] = [];
  const cacheValue: number[] = [];
  const evaluations: (Map<string, number> | undefined)[] = [];
  const current = (node: NodeInfo): number => {
    const cpuLeft = node.allocatable.milliCPU - node.requested.milliCPU;
    const key = cacheKey[node.index];
    let same = memoize && key !== undefined && key[0] === cpuLeft && key.length === node.gpuCount + 1 && cacheModel[node.index] === node.gpuModel;
    if (same) for (let i = 0; i < node.gpuCount; i++) if (key![i + 1] !== node.gpuFree(i)) { same = false; break; }
    if (same) return cacheValue[node.index]!;
    const k = [cpuLeft];
    for (let i = 0; i < node.gpuCount; i++) {
      scratch[i] = node.gpuFree(i);
      k.push(scratch[i]!);
    }
    const v = model.fragmentation(cpuLeft, scratch, node.gpuCount, node.gpuModel);
    cacheKey[node.index] = k;
    cacheModel[node.index] = node.gpuModel;
    cacheValue[node.index] = v;
    // Guarded: clearing a Map allocates a new table even when it is empty.
    const stale = evaluations[node.index];
    if (stale !== undefined && stale.size > 0) stale.clear();
    return v;
  };
  // The shape of the pod last seen (pods of one workload share their spec object).
  let lastSpec: PodInfo['spec'] | undefined;
  let lastShape = '';
  const shapeOf = (pod: PodInfo): string => {
    if (pod.spec !== lastSpec) {
      const req = gpuRequest(pod.spec.requests);
      lastSpec = pod.spec;
      lastShape = `${pod.spec.requests.milliCPU}/${req ? `${req.milliPerGpu}x${req.count}` : '-'}`;
    }
    return lastShape;
  };
  // An evaluation packed in one number (score * 256 + device + 1), so the memo's hit allocates nothing.
  const evaluate = (pod: PodInfo, node: NodeInfo): number => {
    const before = current(node);
    if (!memoize) {
      const e = evaluateFgd(model, pod, node, scratch, before);
      return e.score * 256 + e.gpu + 1;
    }
    const shape = shapeOf(pod);
    let memo = evaluations[node.index];
    const known = memo?.get(shape);
    if (known !== undefined) return known;
    const e = evaluateFgd(model, pod, node, scratch, before);
    const packed = e.score * 256 + e.gpu + 1;
    if (!memo) evaluations[node.index] = memo = new Map();
    else if (memo.size >= MAX_SHAPES_PER_NODE) memo.clear();
    memo.set(shape, packed);
    return packed;
  };
  return {
    name: NAME,
    events: ClusterEvent.AssignedPodDelete | ClusterEvent.NodeAdd | ClusterEvent.NodeUpdate,
    score: (_state, pod, node) => evaluate(pod, node) >> 8,
    selectGPUs(_state, pod, node) {
      const req = gpuRequest(pod.spec.requests);
      if (!req || req.milliPerGpu >= MILLI_PER_GPU) return undefined;
      const gpu = (evaluate(pod, node) & 255) - 1;
      return gpu >= 0 ? [gpu] : undefined;
    },
  };
}

import { ClusterEvent, type GpuSelectPlugin, type ScorePlugin } from '../../api/framework.js';
import { gpuRequest } from '../../api/gpu.js';
import type { ClusterSnapshot, NodeInfo } from '../../api/node.js';
import type { PodInfo } from '../../api/pod.js';
import { MILLI_PER_GPU } from '../../api/units.js';
import { PluginArgsError } from '../registry.js';
import { argsObject, rejectUnknownKeys } from './args.js';
import { gpuScoreCacheDefault } from './gpu-node-state.js';
import { switchedOn } from '../../util/switches.js';

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
  rejectUnknownKeys(plugin, obj, ['typicalPods', 'memoize', 'nodeVersions']);
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

/**
 * Whether FGD's memo trusts snapshots that keep node versions (ClusterSnapshot.nodeVersions: the
 * simulator's ClusterState gives a node a new one whenever its pods or device frees change, device
 * faults included), unless the plugin argument `nodeVersions` says otherwise: one typed-array read
 * per node instead of its free CPU and every device's free. ORCHSIM_NO_FGD_NODE_VERSIONS=1 turns
 * it off (read when the plugin is built); test/schedulers/fgd-node-versions.test.ts runs random
 * clusters, pods and device faults with it on and off and requires the same placements.
 */
export function fgdNodeVersionsDefault(): boolean {
  return switchedOn('ORCHSIM_NO_FGD_NODE_VERSIONS');
}

/**
 * Most (pod shape, node) evaluations remembered: 2^21 (32 MB); shapes first seen beyond it are
 * evaluated every time (1,700 shapes at 1,213 nodes, 200 at 10,000).
 */
const MAX_MEMO_CELLS = 1 << 21;

/** A copy of `a` with room for `n` entries, the new ones `fill`. */
function grownTo(a: Float64Array, n: number, fill: number): Float64Array {
  const b = new Float64Array(n);
  b.set(a);
  if (fill !== 0) b.fill(fill, a.length);
  return b;
}

/**
 * The FGD plugin: Score and the share-GPU choice at Reserve. Two memos, both exact, both off with
 * `memoize: false`:
 * - F(n) of each node's current state, recomputed only when the node changed: its version
 *   changed (snapshots that keep node versions, unless `nodeVersions: false`), or else its free
 *   CPU, device frees or model differ from those F(n) was computed for;
 * - each node's evaluation (score and chosen device) per pod shape, kept while that state holds.
 *   An evaluation reads only the node's free CPU, device frees and model, and the pod's CPU and
 *   GPU request (evaluateFgd), so a pod of a shape already evaluated on an unchanged node gets
 *   the same answer. A run places one pod per cycle, so all nodes but one keep their memos: in
 *   the FGD experiment the score costs a lookup on most nodes (bench/README.md section 4).
 */
export function fgd(rawArgs: unknown): ScorePlugin & GpuSelectPlugin {
  const model = new FragmentationModel(parseTypicalPods(NAME, rawArgs));
  const args = argsObject(NAME, rawArgs);
  // args.memoize: false turns both memos off (for measuring what they save, and for the
  // property test that they change nothing).
  const memoize = (args.memoize ?? true) !== false;
  if (args.nodeVersions !== undefined && typeof args.nodeVersions !== 'boolean') throw new PluginArgsError(NAME, ['nodeVersions'], 'expected true or false');
  const useVersions = (args.nodeVersions ?? fgdNodeVersionsDefault()) !== false;
  // Device frees, then (for shares) the distinct frees already tried: 2 x the most devices.
  const scratch = new Float64Array(256);
  // Per node index: the version F(n) was computed for (NaN: none, or computed by state), the
  // state it was computed for when compared by state (cpu left, device frees; and the model),
  // F(n), and a stamp new at every recomputation (evaluations are kept per stamp).
  let slots = 0;
  let memoVersion: Float64Array = new Float64Array(0);
  let value: Float64Array = new Float64Array(0);
  let stampOf: Float64Array = new Float64Array(0);
  const cacheKey: (number[] | undefined)[] = [];
  const cacheModel: (string | undefined)[] = [];
  let stamps = 0;
  const room = (i: number): void => {
    if (i < slots) return;
    slots = Math.max(i + 1, slots * 2, 64);
    memoVersion = grownTo(memoVersion, slots, NaN);
    value = grownTo(value, slots, 0);
    stampOf = grownTo(stampOf, slots, 0);
  };
  const fragmentationOf = (node: NodeInfo, cpuLeft: number): number => {
    for (let i = 0; i < node.gpuCount; i++) scratch[i] = node.gpuFree(i);
    return model.fragmentation(cpuLeft, scratch, node.gpuCount, node.gpuModel);
  };
  /** F(n) of the node as it is, from the memo when the node has not changed. */
  const current = (node: NodeInfo, versions: Float64Array | undefined): number => {
    const i = node.index;
    room(i);
    const cpuLeft = node.allocatable.milliCPU - node.requested.milliCPU;
    if (versions !== undefined) {
      const version = versions[i]!;
      if (memoVersion[i] === version) return value[i]!;
      memoVersion[i] = version;
      // The state compared below is no longer what value[i] was computed for.
      cacheKey[i] = undefined;
    } else {
      const key = cacheKey[i];
      let same = key !== undefined && key[0] === cpuLeft && key.length === node.gpuCount + 1 && cacheModel[i] === node.gpuModel;
      if (same) for (let g = 0; g < node.gpuCount; g++) if (key![g + 1] !== node.gpuFree(g)) { same = false; break; }
      if (same) return value[i]!;
      const k = [cpuLeft];
      for (let g = 0; g < node.gpuCount; g++) k.push(node.gpuFree(g));
      cacheKey[i] = k;
      cacheModel[i] = node.gpuModel;
      // Nor may a version trust value[i] now.
      memoVersion[i] = NaN;
    }
    const v = fragmentationOf(node, cpuLeft);
    value[i] = v;
    stampOf[i] = ++stamps;
    return v;
  };
  // Pod shapes by number; the shape of the pod last seen (pods of one workload share their spec object).
  const shapes = new Map<string, number>();
  let lastSpec: PodInfo['spec'] | undefined;
  let lastShape = 0;
  const shapeOf = (pod: PodInfo): number => {
    if (pod.spec !== lastSpec) {
      const req = gpuRequest(pod.spec.requests);
      const key = `${pod.spec.requests.milliCPU}/${req ? `${req.milliPerGpu}x${req.count}` : '-'}`;
      let id = shapes.get(key);
      if (id === undefined) shapes.set(key, (id = shapes.size));
      lastSpec = pod.spec;
      lastShape = id;
    }
    return lastShape;
  };
  // Per shape: for each node index, the stamp of the node's state an evaluation was made for and
  // the evaluation packed in one number (score * 256 + device + 1), so a hit allocates nothing.
  const tables: (Float64Array | undefined)[] = [];
  let cells = 0;
  const evaluate = (pod: PodInfo, node: NodeInfo, snapshot: ClusterSnapshot): number => {
    if (!memoize) {
      const e = evaluateFgd(model, pod, node, scratch);
      return e.score * 256 + e.gpu + 1;
    }
    const before = current(node, useVersions ? snapshot.nodeVersions : undefined);
    const i = node.index;
    const shape = shapeOf(pod);
    let table = tables[shape];
    if (table === undefined || table.length < 2 * slots) {
      const grow = slots - (table === undefined ? 0 : table.length / 2);
      if (cells + grow <= MAX_MEMO_CELLS) {
        cells += grow;
        tables[shape] = table = grownTo(table ?? new Float64Array(0), 2 * slots, 0);
      } else table = undefined;
    }
    // Stamps start at 1 and current() has given this node one: a zero entry never matches.
    if (table !== undefined && table[2 * i] === stampOf[i]) return table[2 * i + 1]!;
    const e = evaluateFgd(model, pod, node, scratch, before);
    const packed = e.score * 256 + e.gpu + 1;
    if (table !== undefined) {
      table[2 * i] = stampOf[i]!;
      table[2 * i + 1] = packed;
    }
    return packed;
  };
  return {
    name: NAME,
    // An evaluation reads only the pod's shape and the node (see above): raw scores reused per
    // (spec, node version) by the framework's equivalence cache, before the memos are asked.
    nodeLocal: gpuScoreCacheDefault(),
    events: ClusterEvent.AssignedPodDelete | ClusterEvent.NodeAdd | ClusterEvent.NodeUpdate,
    score: (_state, pod, node, snapshot) => evaluate(pod, node, snapshot) >> 8,
    selectGPUs(_state, pod, node, snapshot) {
      const req = gpuRequest(pod.spec.requests);
      if (!req || req.milliPerGpu >= MILLI_PER_GPU) return undefined;
      const gpu = (evaluate(pod, node, snapshot) & 255) - 1;
      return gpu >= 0 ? [gpu] : undefined;
    },
  };
}

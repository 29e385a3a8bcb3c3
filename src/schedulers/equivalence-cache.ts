import { PluginError, type CycleState, type FilterPlugin, type Status } from '../api/framework.js';
import type { ClusterSnapshot, NodeChangeLog, NodeInfo, Taint } from '../api/node.js';
import type { PodInfo, PodSpec } from '../api/pod.js';
import { switchedOn } from '../util/switches.js';

/**
 * The equivalence cache: Filter verdicts and raw Scores of node-local plugins (Plugin.nodeLocal)
 * remembered per (pod spec object, node version) and reused until the node changes. Batch streams
 * and a workload's replicas share one spec object, so the second pod of a stream finds every
 * node it looks at already judged, except the nodes that changed since.
 *
 * The idea is the Borg paper's equivalence classes (section 3.4), which kube-scheduler carried
 * for a while as the "equivalence class cache" (pkg/scheduler/core/equivalence_cache.go, later
 * pkg/scheduler/core/equivalence/eqivalence.go; kubernetes/kubernetes#17390, #30844): predicate
 * results per pod equivalence hash and node, invalidated from the informers' event handlers. It
 * was removed in 2018 (kubernetes/kubernetes#71013) because lock contention and a three-level
 * cache made it slower than running the predicates for simple pods. Here the scheduler is the
 * only reader, nothing is invalidated from outside (a node's own fields say when it changed), and
 * a lookup is two typed-array reads.
 *
 * A node's version changes whenever anything a node-local plugin reads may have changed: the
 * NodeInfo object in the slot, its generation, its taints (by identity: they are replaced, never
 * mutated) and unschedulable. NodeInfo.generation changes with the node's pods (so its requests)
 * and with the node itself (a slot's name, labels, allocatable and pod capacity are set only when
 * a node takes the slot, with a new generation); the simulator's node lifecycle controller and
 * cordons change taints and unschedulable without one, so those two are compared here, and so
 * are a GPU node's device frees (a device fault or repair changes them without one either). A node
 * without a generation gets a new version at every look, so nothing is reused for it.
 *
 * A snapshot that keeps node versions itself (ClusterSnapshot.nodeVersions: the simulator's
 * ClusterState gives a node a new one on every such change) is trusted instead, one read per
 * node; snapshots without them (the runtime's) get the comparison above.
 *
 * Off with ORCHSIM_NO_EQUIVALENCE_CACHE=1 (read when a framework is built) or the framework's
 * `equivalenceCache: false` option; test/schedulers/equivalence-cache.test.ts runs random
 * clusters and pods with it on and off and requires the same placements and rejections.
 */

/**
 * Whether frameworks take node versions from snapshots that keep them (ClusterSnapshot.nodeVersions,
 * kept by the simulator's ClusterState) unless told otherwise: one typed-array read per node
 * instead of the node's object, generation, taints and unschedulable (four reads on three cache
 * lines). ORCHSIM_NO_NODE_VERSIONS=1 turns it off (the cache then compares the node's fields).
 */
export function nodeVersionsDefault(): boolean {
  return switchedOn('ORCHSIM_NO_NODE_VERSIONS');
}

/**
 * Whether the cache takes GPU pods too (ORCHSIM_NO_GPU_EQUIVALENCE=1 leaves them out: every
 * cycle of a GPU pod then runs the filters on every node it looks at, as before issue 23's third
 * FGD pass). A GPU pod's verdict reads the node's device frees, which a device fault or repair
 * changes with no new generation; node versions cover that (ClusterState gives the node a new
 * one), and versionOf compares the device frees. test/schedulers/gpu-equivalence.test.ts runs
 * random GPU clusters, pods, device faults and what-ifs with it on and off.
 */
export function gpuEquivalenceDefault(): boolean {
  return switchedOn('ORCHSIM_NO_GPU_EQUIVALENCE');
}

/** Whether frameworks cache node-local verdicts unless told otherwise (ORCHSIM_NO_EQUIVALENCE_CACHE=1 turns it off). */
export function equivalenceCacheDefault(): boolean {
  return switchedOn('ORCHSIM_NO_EQUIVALENCE_CACHE');
}

/**
 * How many spec objects keep their verdicts (least recently used first out). Each costs about
 * 45 bytes per node (53 with fused scores' totals), and a spec evicted and seen again pays for
 * new tables, so the cap follows the cluster: 2^20 node entries (about 45-55 MB) shared out, at least 32 and at most 1,024 specs
 * (100 specs at 10,000 nodes, 500 at 2,000).
 */
export function maxCachedSpecs(nodes: number): number {
  return Math.max(32, Math.min(1024, Math.floor(2 ** 20 / Math.max(nodes, 1))));
}

/** Verdicts of one pod spec on every node it was checked against. */
export class SpecVerdicts {
  /** The node version the entry at a node index was computed for (NaN: none). */
  version: Float64Array;
  /**
   * Position in the profile's filter list of the first node-local filter that rejects the pod
   * on the node, or the number of filters when all of them pass.
   */
  failAt: Int32Array;
  /** That filter's status (null when all pass). */
  failStatus: (Status | null)[];
  /** Raw score per score slot of the profile and node index (NaN: not computed at this version). */
  readonly scores: (Float64Array | undefined)[];
  /**
   * The weighted total score per node index for the score slots that ran in the spec's last
   * cycle (fused-scores.ts; NaN: not computed at this version, NO_TOTAL: cannot be fused,
   * REJECTED: a node-local filter rejects the pod there).
   */
  totals: Float64Array | undefined;
  /** Which score slots PreScore skipped in the spec's last cycle (bit per slot; -1: none yet): what `totals` are for. */
  totalsMask = -1;

  constructor(
    /** Bit mask of the node-local filters that ran for this spec (their PreFilter did not skip). */
    readonly filterMask: number,
    size: number,
    scoreSlots: number,
  ) {
    this.version = new Float64Array(size).fill(NaN);
    this.failAt = new Int32Array(size);
    this.failStatus = new Array<Status | null>(size).fill(null);
    this.scores = new Array<Float64Array | undefined>(scoreSlots).fill(undefined);
  }

  /** The totals, created on first use. */
  totalsOf(): Float64Array {
    return (this.totals ??= new Float64Array(this.version.length).fill(NaN));
  }

  /** The change log syncTotals last read, and how many writes of it it had read. */
  private syncedLog: NodeChangeLog | undefined;
  private syncedCount = 0;

  /**
   * Resets the totals of the nodes whose version was written since the last call (NaN: the
   * fused scan then looks at the node one at a time, version compared), from `log`, the
   * snapshot's ClusterSnapshot.nodeChanges; every node whose entry version differs from
   * `versions` when the log is another or has overwritten what was not read. After it, a
   * total or REJECTED mark is kept only where the entry's version is the node's.
   */
  syncTotals(log: NodeChangeLog, versions: Float64Array): void {
    const totals = this.totalsOf();
    const count = log.count;
    const ring = log.ring;
    const n = totals.length;
    if (this.syncedLog === log && count - this.syncedCount <= ring.length) {
      const wrap = ring.length - 1;
      for (let k = this.syncedCount; k < count; k++) {
        const i = ring[k & wrap]!;
        if (i < n) totals[i] = NaN;
      }
    } else {
      const version = this.version;
      const m = Math.min(n, versions.length);
      for (let i = 0; i < m; i++) if (version[i] !== versions[i]) totals[i] = NaN;
      if (m < n) totals.fill(NaN, m);
      this.syncedLog = log;
    }
    this.syncedCount = count;
  }

  /**
   * The totals are being written against a snapshot without a change log (maybe another
   * cluster's versions): the next syncTotals compares every node's version.
   */
  unsync(): void {
    this.syncedLog = undefined;
  }

  /** A new skip mask: the totals were for other plugins. */
  setTotalsMask(mask: number): void {
    this.totalsMask = mask;
    this.totals?.fill(NaN);
  }

  get size(): number {
    return this.version.length;
  }

  /** Makes room for node indexes below `size`. */
  grow(size: number): void {
    const old = this.version.length;
    if (size <= old) return;
    const n = Math.max(size, old * 2);
    const version = new Float64Array(n).fill(NaN);
    version.set(this.version);
    this.version = version;
    const failAt = new Int32Array(n);
    failAt.set(this.failAt);
    this.failAt = failAt;
    this.failStatus.length = n;
    this.failStatus.fill(null, old);
    for (let s = 0; s < this.scores.length; s++) {
      const before = this.scores[s];
      if (before === undefined) continue;
      const a = new Float64Array(n).fill(NaN);
      a.set(before);
      this.scores[s] = a;
    }
    if (this.totals !== undefined) {
      const a = new Float64Array(n).fill(NaN);
      a.set(this.totals);
      this.totals = a;
    }
  }

  /** Forgets the raw scores of every slot (all NaN again: scoresOf creates them anew). */
  dropScores(): void {
    if (this.scoresKept !== true) return;
    const scores = this.scores;
    for (let s = 0; s < scores.length; s++) if (scores[s] !== undefined) scores[s] = undefined;
    this.scoresKept = false;
  }

  /** The raw scores of score slot `s`, created on first use. */
  scoresOf(s: number): Float64Array {
    let a = this.scores[s];
    if (a === undefined) {
      this.scores[s] = a = new Float64Array(this.version.length).fill(NaN);
      this.scoresKept = true;
    }
    return a;
  }

  /**
   * Whether any slot of `scores` holds an array (false: all undefined). A spec the fused scan
   * serves keeps none, and recordVerdict and dropScores then skip their loop over the slots.
   */
  scoresKept = false;
}

/**
 * The per-node versions and the verdicts of the most recently used specs, for one framework.
 */
export class EquivalenceCache {
  // What each node slot held when its version was last given: struct of arrays, read in scan
  // order by every cycle.
  private seenNode: (NodeInfo | undefined)[] = [];
  private seenTaints: (readonly Taint[] | undefined)[] = [];
  private seenGeneration = new Float64Array(0);
  private seenUnschedulable = new Uint8Array(0);
  /** A GPU node's device frees when its version was given (undefined for a node without devices). */
  private seenDevices: (Float64Array | undefined)[] = [];
  private versions = new Float64Array(0);
  private lastVersion = 0;
  /** Specs seen once: a spec gets an entry the second time it is scheduled (a one-off pod costs nothing). */
  private seenOnce = new WeakSet<PodSpec>();
  /** Insertion order is recency order (an entry used is moved to the end). */
  private readonly entries = new Map<PodSpec, SpecVerdicts>();
  /**
   * The spec used last and its entry, the newest in `entries`: used again (a stream's next pod,
   * a waiting pod retried), it is already at the end, so the Map is not touched. Moving it there
   * anyway (delete, set) costs a hash lookup each and leaves a deleted slot that makes the table
   * rehash now and then.
   */
  private newestSpec: PodSpec | undefined;
  private newestEntry: SpecVerdicts | undefined;
  /**
   * The active filters `others`, `positions` and `preparedMask` were made for: most cycles of a
   * run skip the same PreFilters, so they are made again only when the list differs.
   */
  private readonly preparedFor: FilterPlugin[] = [];
  private preparedMask = 0;
  private prepared = false;
  /** The PreFilters epoch of the list prepared last (-1: a list given without one; compared at the next call). */
  private preparedEpoch = -1;

  /** After prepare(): the active filters that are not node-local, and their positions in the profile's filters. */
  readonly others: FilterPlugin[] = [];
  readonly positions: Int32Array;

  constructor(
    /** The profile's filters, in order. */
    private readonly filters: readonly FilterPlugin[],
    private readonly scoreSlots: number,
    /** Take node versions from snapshots that keep them (nodeVersionsDefault). */
    private readonly useNodeVersions = true,
    /** Cache GPU pods' verdicts too (gpuEquivalenceDefault; read when the framework is built). */
    private readonly gpuPods = gpuEquivalenceDefault(),
    /** prepare() trusts a list given with an unchanged epoch without comparing it (fused-scores.ts cycleSetupMemoDefault). */
    private readonly setupMemo = true,
  ) {
    this.positions = new Int32Array(filters.length);
  }

  /**
   * The snapshot's node versions, when it keeps them and they are not turned off; else
   * undefined and versionOf gives them. The snapshot's are positive and versionOf's negative,
   * so a verdict recorded under one is never taken for the other's.
   */
  snapshotVersions(snapshot: ClusterSnapshot): Float64Array | undefined {
    // Compared with true: V8 tests a field it does not know to be a boolean the generic way, every cycle.
    return this.useNodeVersions === true ? snapshot.nodeVersions : undefined;
  }

  /**
   * The verdicts for this cycle's pod given the active filters (its PreFilters' Skips taken
   * off), or undefined: the spec's first cycle, or a GPU pod with `gpuPods` off. Also fills
   * `others` and `positions`.
   */
  prepare(pod: PodInfo, active: readonly FilterPlugin[], size: number, epoch = -1): SpecVerdicts | undefined {
    if (!this.gpuPods && pod.spec.requests.milliGPU > 0) return undefined;
    // The same list as last time, unchanged since (PreFilters.activeEpoch): nothing to compare.
    if (epoch < 0 || epoch !== this.preparedEpoch) this.prepareFilters(active, epoch);
    return this.entryFor(pod.spec, this.preparedMask, size);
  }

  /** `others`, `positions` and `preparedMask` for the active filters `active`, made again only when the list differs from the last. */
  private prepareFilters(active: readonly FilterPlugin[], epoch: number): void {
    const preparedFor = this.preparedFor;
    let same = this.prepared && preparedFor.length === active.length;
    for (let j = 0; same && j < active.length; j++) same = preparedFor[j] === active[j];
    // A list given with its epoch is taken as unchanged until the epoch moves; one without is compared every time.
    this.preparedEpoch = this.setupMemo ? epoch : -1;
    if (!same) {
      this.prepared = false;
      this.preparedMask = nodeLocalFilterMask(this.filters, active);
      const others = this.others;
      others.length = 0;
      for (const f of active) {
        if (f.nodeLocal === true) continue;
        this.positions[others.length] = this.filters.indexOf(f);
        others.push(f);
      }
      preparedFor.length = 0;
      for (const f of active) preparedFor.push(f);
      this.prepared = true;
    }
  }

  /**
   * The verdicts of `spec` for the node-local filters in `filterMask`, sized for node indexes
   * below `size`; undefined the first time a spec is seen.
   */
  entryFor(spec: PodSpec, filterMask: number, size: number): SpecVerdicts | undefined {
    if (spec === this.newestSpec) {
      const newest = this.newestEntry!;
      if (newest.filterMask === filterMask) {
        // Checked here: grow() itself is not inlined, and this runs every cycle.
        if (size > newest.version.length) newest.grow(size);
        return newest;
      }
    }
    const entries = this.entries;
    let e = entries.get(spec);
    if (e === undefined) {
      if (!this.seenOnce.has(spec)) {
        this.seenOnce.add(spec);
        return undefined;
      }
    } else {
      entries.delete(spec);
      // A node-local PreFilter decides on the spec alone, so this does not happen with the
      // built-in plugins; start afresh rather than trust verdicts of another filter set.
      if (e.filterMask !== filterMask) e = undefined;
    }
    if (e === undefined) {
      e = new SpecVerdicts(filterMask, size, this.scoreSlots);
      if (entries.size >= maxCachedSpecs(size)) entries.delete(entries.keys().next().value!);
    } else e.grow(size);
    entries.set(spec, e);
    this.newestSpec = spec;
    this.newestEntry = e;
    return e;
  }

  /** The node's version: the same number as long as nothing a node-local plugin reads changed. */
  versionOf(node: NodeInfo): number {
    const i = node.index;
    if (
      this.seenGeneration[i] === node.generation &&
      this.seenNode[i] === node &&
      this.seenTaints[i] === node.taints &&
      this.seenUnschedulable[i] === (node.unschedulable ? 1 : 0) &&
      (node.gpuCount === 0 || this.sameDevices(i, node))
    ) return this.versions[i]!;
    return this.renew(node);
  }

  /** Whether the node's device frees are those seen when its version was given. */
  private sameDevices(i: number, node: NodeInfo): boolean {
    const seen = this.seenDevices[i];
    if (seen === undefined || seen.length !== node.gpuCount) return false;
    for (let g = 0; g < seen.length; g++) if (seen[g] !== node.gpuFree(g)) return false;
    return true;
  }

  private renew(node: NodeInfo): number {
    const i = node.index;
    if (i >= this.versions.length) this.growNodes(i + 1);
    // An undefined generation becomes NaN, which equals nothing: such a node is new at every look.
    this.seenGeneration[i] = node.generation ?? NaN;
    this.seenNode[i] = node;
    this.seenTaints[i] = node.taints;
    this.seenUnschedulable[i] = node.unschedulable ? 1 : 0;
    const g = node.gpuCount;
    if (g > 0) {
      let seen = this.seenDevices[i];
      if (seen === undefined || seen.length !== g) this.seenDevices[i] = seen = new Float64Array(g);
      for (let d = 0; d < g; d++) seen[d] = node.gpuFree(d);
    } else this.seenDevices[i] = undefined;
    // Negative: apart from the snapshots' versions (snapshotVersions).
    return (this.versions[i] = --this.lastVersion);
  }

  private growNodes(size: number): void {
    const n = Math.max(size, 2 * this.versions.length, 64);
    const generation = new Float64Array(n).fill(NaN);
    generation.set(this.seenGeneration);
    this.seenGeneration = generation;
    const unschedulable = new Uint8Array(n);
    unschedulable.set(this.seenUnschedulable);
    this.seenUnschedulable = unschedulable;
    const versions = new Float64Array(n);
    versions.set(this.versions);
    this.versions = versions;
    while (this.seenNode.length < n) {
      this.seenNode.push(undefined);
      this.seenTaints.push(undefined);
      this.seenDevices.push(undefined);
    }
  }
}

/** Bit mask of the node-local filters among `active` (positions in `all`, the profile's filters). */
export function nodeLocalFilterMask(all: readonly FilterPlugin[], active: readonly FilterPlugin[]): number {
  let mask = 0;
  for (const f of active) {
    if (f.nodeLocal !== true) continue;
    mask |= 1 << all.indexOf(f);
  }
  return mask;
}

/**
 * Runs the node-local filters of `mask` (positions in `filters`, in profile order) on one node
 * until one rejects, and records the verdict in `entry` at `version`. Returns the position of
 * the rejecting filter, or filters.length when all pass. The node's raw scores are forgotten.
 */
export function judgeNode(entry: SpecVerdicts, filters: readonly FilterPlugin[], mask: number, state: CycleState, pod: PodInfo, node: NodeInfo, snapshot: ClusterSnapshot, version: number): number {
  const i = node.index;
  let k = filters.length;
  let status: Status | null = null;
  for (let f = 0; f < filters.length; f++) {
    if ((mask & (1 << f)) === 0) continue;
    const p = filters[f]!;
    try {
      status = p.filter(state, pod, node, snapshot);
    } catch (e) {
      throw e instanceof PluginError ? e : new PluginError(p.name, 'Filter', pod.name, node.name, e);
    }
    if (status !== null) {
      k = f;
      break;
    }
  }
  return recordVerdict(entry, i, version, k, status);
}

/**
 * Records node `i`'s verdict for the spec at `version` (k: the index of the filter that rejected
 * it, or the filter count where none did) and forgets its cached raw scores and total, which were for an
 * older version. Returns k. Shared by judgeNode and the fast scan's judgeAt (cached-scan.ts).
 */
export function recordVerdict(entry: SpecVerdicts, i: number, version: number, k: number, status: Status | null): number {
  entry.version[i] = version;
  entry.failAt[i] = k;
  entry.failStatus[i] = status;
  // Compared with true (as snapshotVersions' flag): this runs for every node judged.
  if (entry.scoresKept === true) {
    const scores = entry.scores;
    for (let s = 0; s < scores.length; s++) {
      const a = scores[s];
      if (a !== undefined) a[i] = NaN;
    }
  }
  const totals = entry.totals;
  if (totals !== undefined) totals[i] = NaN;
  return k;
}

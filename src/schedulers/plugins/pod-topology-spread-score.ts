import { MAX_NODE_SCORE } from '../../api/framework.js';
import type { Labels } from '../../api/labels.js';
import { hasHostnameLabel, WellKnownLabel, type ClusterSnapshot, type NodeInfo } from '../../api/node.js';
import type { PodInfo } from '../../api/pod.js';
import type { IncrementalSpreadScoreCounts, SpreadScoreCounts } from './spread-domain-counts.js';
import { countOnNode, type NodePodCounter } from './pod-topology-spread-counter.js';
import type { PreScoreArrays } from './pod-topology-spread-arrays.js';
import { fitsNodeAffinity } from './node-affinity.js';
import { labelValue, NAME, scoreForCount, topologyNormalizingWeight, type SpreadConstraint } from './pod-topology-spread.js';

/**
 * PodTopologySpread's scoring half (pkg/scheduler/framework/plugins/podtopologyspread/scoring.go):
 * the topology domains as small integers per node (which PreFilter's state uses too), PreScore's
 * state and its passes over the feasible nodes, Score and NormalizeScore. The plugin itself, its
 * arguments and the Filter half are in pod-topology-spread.ts.
 */

/**
 * The domains of one topology key as small integers, per node: a node's value of the key
 * (absent: -1), remembered per node slot while its labels object is the same one (labels are
 * never mutated in place). PreScore runs over every node for every attempt; this spares it a
 * label lookup and a string-keyed map per node.
 */
export class TopologyDomains {
  private readonly ids = new Map<string, number>();
  private labels: (Labels | undefined)[] = [];
  private domain = new Int32Array(0);

  constructor(readonly key: string) {}

  /** Domains numbered so far (ids are 0..size-1). */
  get size(): number {
    return this.ids.size;
  }

  /** The id of a value of the key (numbered on first sight). */
  idOf(value: string): number {
    let id = this.ids.get(value);
    if (id === undefined) {
      id = this.ids.size;
      this.ids.set(value, id);
    }
    return id;
  }

  /** The node's domain, -1 when it has no such label. */
  of(node: NodeInfo): number {
    const i = node.index;
    if (i < this.domain.length && this.labels[i] === node.labels) return this.domain[i]!;
    return this.learn(node);
  }

  /**
   * of() for a node not remembered with these labels. Apart from of() so that the hit, which
   * PreScore and Filter inline at every node, stays small (the optimizing compiler inlines and
   * recompiles less; bench/README.md, "Autoscaled week, sixth pass").
   */
  private learn(node: NodeInfo): number {
    const i = node.index;
    const labels = node.labels;
    if (i >= this.domain.length) {
      const grown = new Int32Array(Math.max(i + 1, 2 * this.domain.length, 64));
      grown.set(this.domain);
      this.domain = grown;
    }
    const value = labelValue(labels, this.key);
    const id = value === undefined ? -1 : this.idOf(value);
    this.labels[i] = labels;
    this.domain[i] = id;
    return id;
  }
}

/** TopologyDomains by topology key, kept by a plugin instance across cycles. */
export type TopologyDomainsByKey = Map<string, TopologyDomains>;

export function domainsOf(byKey: TopologyDomainsByKey, key: string): TopologyDomains {
  let d = byKey.get(key);
  if (d === undefined) byKey.set(key, (d = new TopologyDomains(key)));
  return d;
}

/** What PreScore computes for Score and NormalizeScore (preScoreState), indexed by constraint. */
export interface SpreadPreScoreState {
  readonly constraints: readonly SpreadConstraint[];
  readonly isHostname: Uint8Array;
  /** TopologyNormalizingWeight per constraint. */
  readonly weights: Float64Array;
  /** The domains of each constraint's key (undefined for hostname constraints). */
  readonly domains: readonly (TopologyDomains | undefined)[];
  /**
   * TopologyValueToPodCounts by domain id (not used for hostname constraints); NaN for a domain
   * with no feasible node, which is never scored.
   */
  readonly counts: readonly (Float64Array | undefined)[];
  /** For hostname constraints: matching pods on each feasible node, by node index. */
  readonly hostCounts: readonly (Int32Array | undefined)[];
  /** IgnoredNodes by node index: feasible nodes missing a topology key (when all keys are required). */
  readonly ignoredNode: Uint8Array;
  /** The same, by position in the `feasible` array (NormalizeScore sees scores in that order). */
  readonly ignoredAt: Uint8Array;
  /** The feasible nodes PreScore saw, and how many (the framework's list is reused from cycle to cycle). */
  readonly feasible: readonly NodeInfo[];
  readonly feasibleCount: number;
  /**
   * By position in `feasible` and constraint (position * constraints + constraint), what Score
   * reads of the node: a hostname constraint's count of matching pods, a domain's id for the
   * others, -1 where the node lacks the key (no part in its score); not written for ignored nodes.
   */
  readonly at: Int32Array;
  /** Set when a plugin took the arrays back for reuse (PreScoreArrays): the state may not be read again. */
  spent?: boolean;
}

/**
 * initPreScoreState + PreScore. Domains are those of the feasible nodes; counts are summed over
 * every node of the snapshot that passes the pod's required node affinity. `requireAllTopologies`
 * is false only for system-default constraints, so that nodes without a zone label still get
 * hostname spreading; then a node without a key lands in the "" domain for the weight (as
 * upstream, whose map lookup yields "" for a missing label).
 */
export function computeSpreadPreScoreState(
  pod: PodInfo, feasible: readonly NodeInfo[], snapshot: ClusterSnapshot,
  constraints: readonly SpreadConstraint[], requireAllTopologies: boolean, countPods: NodePodCounter = countOnNode,
  domainsByKey: TopologyDomainsByKey = new Map(), incremental?: IncrementalSpreadScoreCounts, arrays?: PreScoreArrays,
): SpreadPreScoreState {
  // The hot part (the pass over the feasible nodes) is in a function of its own, as are the
  // set-up and the plain totals: each compiles small, and a recompile of one (a new node shape,
  // a first one-off spec) does not recompile the others (bench/README.md, "Autoscaled week,
  // sixth pass").
  const w = preScoreWork(constraints, requireAllTopologies, domainsByKey, snapshot.nodes.length, feasible.length, arrays);
  const n = constraints.length;
  // Kept per spec (from the second pod of a spec on): the domain totals, and each node's count
  // for the hostname constraints, both from one pass over the nodes that recounts only changed ones.
  const kept = incremental?.totals(pod, snapshot, constraints, w, countPods);
  const ignored = feasiblePass(pod, feasible, constraints, w, kept, countPods);
  const weights = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    weights[i] = topologyNormalizingWeight(w.isHostname[i] === 1 ? feasible.length - ignored : w.topoSize[i]!);
  }
  if (kept !== undefined) keptTotals(w.counts, kept.totals);
  else if (w.anyDomainConstraint) plainTotals(pod, snapshot, constraints, w, countPods);
  return {
    constraints, isHostname: w.isHostname, weights, domains: w.domains, counts: w.counts, hostCounts: w.hostCounts, ignoredNode: w.ignoredNode, ignoredAt: w.ignoredAt,
    feasible, feasibleCount: feasible.length, at: w.at,
  };
}

/** computeSpreadPreScoreState's arrays while it runs (also the PreScoreDomains the kept totals read). */
interface PreScoreWork {
  readonly isHostname: Uint8Array;
  readonly domains: (TopologyDomains | undefined)[];
  /** Per constraint, the id of the "" domain (where a node without the key counts). */
  readonly emptyDomain: Int32Array;
  readonly requireAllTopologies: boolean;
  readonly hostCounts: (Int32Array | undefined)[];
  readonly ignoredNode: Uint8Array;
  readonly ignoredAt: Uint8Array;
  readonly topoSize: Int32Array;
  readonly counts: (Float64Array | undefined)[];
  /**
   * Each node's domain id per constraint, read once per node from the domains' per-node memo
   * (0 for a hostname constraint); -1 exactly when the node lacks the key, which is
   * nodeHasTopologyKeys (PreScore asks this of every node for every pod, so the ids are not
   * looked up twice).
   */
  readonly ids: Int32Array;
  /** SpreadPreScoreState.at. */
  readonly at: Int32Array;
  readonly anyDomainConstraint: boolean;
}

function preScoreWork(
  constraints: readonly SpreadConstraint[], requireAllTopologies: boolean, domainsByKey: TopologyDomainsByKey, nodeCount: number, feasibleCount: number,
  arrays: PreScoreArrays | undefined,
): PreScoreWork {
  const n = constraints.length;
  const isHostname = new Uint8Array(n);
  const domains: (TopologyDomains | undefined)[] = [];
  const emptyDomain = new Int32Array(n);
  const hostCounts: (Int32Array | undefined)[] = [];
  let anyDomainConstraint = false;
  for (let i = 0; i < n; i++) {
    const host = constraints[i]!.topologyKey === WellKnownLabel.hostname;
    isHostname[i] = host ? 1 : 0;
    const d = host ? undefined : domainsOf(domainsByKey, constraints[i]!.topologyKey);
    domains.push(d);
    emptyDomain[i] = d === undefined || requireAllTopologies ? -1 : d.idOf('');
    hostCounts.push(!host ? undefined : arrays !== undefined ? arrays.int32Of(nodeCount) : new Int32Array(nodeCount));
    if (!host) anyDomainConstraint = true;
  }
  const ignoredNode = arrays !== undefined ? arrays.uint8Of(nodeCount) : new Uint8Array(nodeCount);
  const ignoredAt = arrays !== undefined ? arrays.byPosition(feasibleCount) : new Uint8Array(feasibleCount);
  const at = arrays !== undefined ? arrays.int32ByPosition(feasibleCount * n) : new Int32Array(feasibleCount * n);
  const counts: (Float64Array | undefined)[] = [];
  for (let i = 0; i < n; i++) counts.push(domains[i] === undefined ? undefined : new Float64Array(domains[i]!.size).fill(NaN));
  return {
    isHostname, domains, emptyDomain, requireAllTopologies, hostCounts, ignoredNode, ignoredAt, topoSize: new Int32Array(n), counts, ids: new Int32Array(n), at, anyDomainConstraint,
  };
}

/** Reads the node's domain ids into w.ids; whether it has every topology key. */
function readIds(w: PreScoreWork, n: number, node: NodeInfo): boolean {
  const ids = w.ids;
  let all = true;
  for (let i = 0; i < n; i++) {
    if (w.isHostname[i] === 1) {
      if (hasHostnameLabel(node.labels)) ids[i] = 0;
      else {
        ids[i] = -1;
        all = false;
      }
    } else {
      const id = w.domains[i]!.of(node);
      ids[i] = id;
      if (id < 0) all = false;
    }
  }
  return all;
}

/**
 * The pass over the feasible nodes: ignored nodes marked, the hostname constraints' counts of
 * each node, the scored domains of the others. Returns the number of ignored nodes.
 */
function feasiblePass(
  pod: PodInfo, feasible: readonly NodeInfo[], constraints: readonly SpreadConstraint[], w: PreScoreWork, kept: SpreadScoreCounts | undefined, countPods: NodePodCounter,
): number {
  const n = constraints.length;
  const ns = pod.spec.namespace;
  const { isHostname, hostCounts, ids, emptyDomain, counts, topoSize, requireAllTopologies, at } = w;
  let ignored = 0;
  for (let p = 0; p < feasible.length; p++) {
    const node = feasible[p]!;
    if (!readIds(w, n, node) && requireAllTopologies) {
      w.ignoredNode[node.index] = 1;
      w.ignoredAt[p] = 1;
      ignored++;
      continue;
    }
    for (let i = 0; i < n; i++) {
      let id = ids[i]!;
      if (isHostname[i] === 1) {
        // Upstream counts a node's own pods in Score; done here so Score is O(constraints).
        const keptCount = kept !== undefined ? kept.hostCount(node, i) : -1;
        const count = keptCount >= 0 ? keptCount : countPods(node, constraints[i]!.selector, ns);
        hostCounts[i]![node.index] = count;
        at[p * n + i] = id < 0 ? -1 : count;
        continue;
      }
      at[p * n + i] = id;
      if (id < 0) id = emptyDomain[i]!;
      let m = counts[i]!;
      // A value first seen now.
      if (id >= m.length) m = growCounts(w, i);
      if (Number.isNaN(m[id]!)) {
        m[id] = 0;
        topoSize[i]!++;
      }
    }
  }
  return ignored;
}

/** Constraint i's counts grown to the number of its domains (a value first seen in this PreScore). */
function growCounts(w: PreScoreWork, i: number): Float64Array {
  const m = w.counts[i]!;
  const grown = new Float64Array(w.domains[i]!.size).fill(NaN);
  grown.set(m);
  w.counts[i] = grown;
  return grown;
}

/** The same sums, kept per spec: each scored domain takes its total over the counted nodes. */
function keptTotals(counts: readonly (Float64Array | undefined)[], totalsOf: readonly Float64Array[]): void {
  for (let i = 0; i < counts.length; i++) {
    const m = counts[i];
    if (m === undefined) continue;
    const totals = totalsOf[i]!;
    for (let id = 0; id < m.length; id++) if (!Number.isNaN(m[id]!)) m[id] = id < totals.length ? totals[id]! : 0;
  }
}

/** The domain totals by a walk over every node (a spec's first pod, or without the kept counts). */
function plainTotals(pod: PodInfo, snapshot: ClusterSnapshot, constraints: readonly SpreadConstraint[], w: PreScoreWork, countPods: NodePodCounter): void {
  const n = constraints.length;
  const ns = pod.spec.namespace;
  const nodes = snapshot.nodes;
  for (let k = 0; k < nodes.length; k++) {
    const node = nodes[k]!;
    if (!fitsNodeAffinity(pod, node)) continue;
    if (!readIds(w, n, node) && w.requireAllTopologies) continue;
    for (let i = 0; i < n; i++) {
      if (w.isHostname[i] === 1) continue;
      let id = w.ids[i]!;
      if (id < 0) id = w.emptyDomain[i]!;
      const m = w.counts[i]!;
      // A domain with no feasible node is never scored: skip the counting.
      if (!(id < m.length) || Number.isNaN(m[id]!)) continue;
      m[id] = m[id]! + countPods(node, constraints[i]!.selector, ns);
    }
  }
}

/** Score: sum over constraints of count * weight + (maxSkew - 1), rounded; 0 for ignored nodes. */
export function scoreSpread(s: SpreadPreScoreState, node: NodeInfo): number {
  if (s.spent === true) throw new Error(`${NAME}: Score after NormalizeScore (the PreScore state's arrays were reused)`);
  if (s.ignoredNode[node.index] === 1) return 0;
  const constraints = s.constraints;
  let score = 0;
  for (let i = 0; i < constraints.length; i++) {
    const c = constraints[i]!;
    let count: number;
    if (s.isHostname[i] === 1) {
      // A hostname constraint's key is the hostname label (isHostname).
      if (!hasHostnameLabel(node.labels)) continue;
      count = s.hostCounts[i]![node.index] ?? 0;
    } else {
      const id = s.domains[i]!.of(node);
      if (id < 0) continue;
      const m = s.counts[i]!;
      count = id < m.length && !Number.isNaN(m[id]!) ? m[id]! : 0;
    }
    score += scoreForCount(count, c.maxSkew, s.weights[i]!);
  }
  // int64(math.Round(score)); scores are non-negative, where Math.round agrees with Go's Round.
  return Math.round(score);
}

/**
 * Score of every node of `feasible` into out[0..feasible.length): scoreSpread's numbers, in the
 * same order of additions. For the list PreScore saw, from what PreScore read of each node
 * (SpreadPreScoreState.at), with no call, label or node-index read per node; for another list,
 * node by node.
 */
export function scoreSpreadAll(s: SpreadPreScoreState, feasible: readonly NodeInfo[], out: Float64Array): void {
  if (s.spent === true) throw new Error(`${NAME}: Score after NormalizeScore (the PreScore state's arrays were reused)`);
  if (s.feasible !== feasible || s.feasibleCount !== feasible.length) {
    for (let p = 0; p < feasible.length; p++) out[p] = scoreSpread(s, feasible[p]!);
    return;
  }
  const { constraints, isHostname, counts, weights, ignoredAt, at } = s;
  const n = constraints.length;
  for (let p = 0; p < feasible.length; p++) {
    if (ignoredAt[p] === 1) {
      out[p] = 0;
      continue;
    }
    let score = 0;
    for (let i = 0; i < n; i++) {
      const v = at[p * n + i]!;
      if (v < 0) continue;
      let count = v;
      if (isHostname[i] !== 1) {
        const m = counts[i]!;
        count = v < m.length && !Number.isNaN(m[v]!) ? m[v]! : 0;
      }
      score += scoreForCount(count, constraints[i]!.maxSkew, weights[i]!);
    }
    out[p] = Math.round(score);
  }
}

/**
 * NormalizeScore: fewer matching pods is better. `100 * (max + min - s) / max` (integer division)
 * over non-ignored nodes; all 100 when max is 0; ignored nodes get 0.
 */
export function normalizeSpreadScores(scores: Float64Array, count: number, ignoredAt: Uint8Array): void {
  let min = Infinity;
  let max = 0;
  for (let i = 0; i < count; i++) {
    if (ignoredAt[i] === 1) continue;
    const s = scores[i]!;
    if (s < min) min = s;
    if (s > max) max = s;
  }
  for (let i = 0; i < count; i++) {
    if (ignoredAt[i] === 1) scores[i] = 0;
    else if (max === 0) scores[i] = MAX_NODE_SCORE;
    else scores[i] = Math.trunc((MAX_NODE_SCORE * (max + min - scores[i]!)) / max);
  }
}

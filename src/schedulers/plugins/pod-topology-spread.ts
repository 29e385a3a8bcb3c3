import { ClusterEvent,
  MAX_NODE_SCORE, SKIP, unresolvable, unschedulable,
  type CycleState, type FilterPlugin, type PreFilterPlugin, type PreScorePlugin, type ScorePlugin, type Status,
} from '../../api/framework.js';
import { matchesLabelSelector, type LabelSelector, type Labels } from '../../api/labels.js';
import { hasHostnameLabel, WellKnownLabel, type ClusterSnapshot, type NodeInfo } from '../../api/node.js';
import type { PodInfo, PodSpec, TopologySpreadConstraint } from '../../api/pod.js';
import { PluginArgsError } from '../registry.js';
import { IncrementalSpreadCounts, incrementalSpreadCountsDefault, IncrementalSpreadScoreCounts, type SpreadScoreCounts } from './spread-domain-counts.js';
import { argsObject, rejectUnknownKeys } from './args.js';
import { cycleStateReuseDefault } from '../cycle-state.js';
import { cachedNodePodCounter, countOnNode, isEmptySelector, type NodePodCounter } from './pod-topology-spread-counter.js';
import { PreScoreArrays } from './pod-topology-spread-arrays.js';
import { fitsNodeAffinity } from './node-affinity.js';

/**
 * PodTopologySpread (kube-scheduler pkg/scheduler/framework/plugins/podtopologyspread, v1.30):
 * DoNotSchedule constraints are a filter on skew, ScheduleAnyway constraints a score that
 * prefers domains with fewer matching pods.
 */

export const NAME = 'PodTopologySpread';

/** ErrReasonConstraintsNotMatch (podtopologyspread/filtering.go): the skew would exceed maxSkew. */
export const REASON_CONSTRAINTS_NOT_MATCH = unschedulable("node(s) didn't match pod topology spread constraints");
/** ErrReasonNodeLabelNotMatch: the node lacks a constraint's topologyKey; no eviction can fix that. */
export const REASON_NODE_LABEL_NOT_MATCH = unresolvable("node(s) didn't match pod topology spread constraints (missing required label)");

/** CycleState keys, as upstream ("PreFilter" + Name, "PreScore" + Name). */
export const PRE_FILTER_STATE_KEY = 'PreFilter' + NAME;
export const PRE_SCORE_STATE_KEY = 'PreScore' + NAME;

export type DefaultingType = 'System' | 'List';

export interface PodTopologySpreadArgs {
  readonly defaultingType: DefaultingType;
  /** Only with defaultingType List; they carry no labelSelector (it is the pod's owner selector). */
  readonly defaultConstraints: readonly TopologySpreadConstraint[];
}

/** systemDefaultConstraints (podtopologyspread/plugin.go): hostname maxSkew 3, zone maxSkew 5. */
export const SYSTEM_DEFAULT_CONSTRAINTS: readonly TopologySpreadConstraint[] = Object.freeze([
  { topologyKey: WellKnownLabel.hostname, whenUnsatisfiable: 'ScheduleAnyway', maxSkew: 3 },
  { topologyKey: WellKnownLabel.zone, whenUnsatisfiable: 'ScheduleAnyway', maxSkew: 5 },
]);

export type UnsatisfiableAction = TopologySpreadConstraint['whenUnsatisfiable'];

/**
 * A constraint after defaulting (topologySpreadConstraint in common.go). `selector` undefined is
 * Kubernetes' nil selector, which matches nothing. NodeAffinityPolicy is always Honor and
 * NodeTaintsPolicy always Ignore (the API defaults; the simulator's PodSpec has no such fields).
 */
export interface SpreadConstraint {
  readonly maxSkew: number;
  readonly topologyKey: string;
  readonly selector: LabelSelector | undefined;
  /** 1 when unset (common.go: "If MinDomains is nil, we treat MinDomains as 1"). */
  readonly minDomains: number;
}

// ---------------------------------------------------------------------------------------------
// Arguments (validation_pluginargs.go ValidatePodTopologySpreadArgs)

const CONSTRAINT_KEYS = ['maxSkew', 'topologyKey', 'whenUnsatisfiable', 'minDomains', 'labelSelector'] as const;

export function parsePodTopologySpreadArgs(raw: unknown): PodTopologySpreadArgs {
  const obj = argsObject(NAME, raw);
  rejectUnknownKeys(NAME, obj, ['defaultingType', 'defaultConstraints']);
  const defaultingType = obj.defaultingType ?? 'System';
  if (defaultingType !== 'System' && defaultingType !== 'List') {
    throw new PluginArgsError(NAME, ['defaultingType'], `expected System or List, got ${JSON.stringify(obj.defaultingType)}`);
  }
  const rawList = obj.defaultConstraints ?? [];
  if (!Array.isArray(rawList)) throw new PluginArgsError(NAME, ['defaultConstraints'], 'expected a list of constraints');
  if (defaultingType === 'System' && rawList.length > 0) {
    throw new PluginArgsError(NAME, ['defaultConstraints'], 'must be empty when defaultingType is "System"');
  }
  const seen = new Set<string>();
  const defaultConstraints = rawList.map((item: unknown, i: number): TopologySpreadConstraint => {
    const path = ['defaultConstraints', i];
    const c = argsObject(NAME, item);
    rejectUnknownKeys(NAME, c, CONSTRAINT_KEYS, path);
    if (typeof c.maxSkew !== 'number' || !Number.isInteger(c.maxSkew) || c.maxSkew <= 0) {
      throw new PluginArgsError(NAME, [...path, 'maxSkew'], `expected an integer > 0, got ${JSON.stringify(c.maxSkew)}`);
    }
    if (typeof c.topologyKey !== 'string' || c.topologyKey === '') {
      throw new PluginArgsError(NAME, [...path, 'topologyKey'], 'expected a non-empty label key');
    }
    const when = c.whenUnsatisfiable;
    if (when !== 'DoNotSchedule' && when !== 'ScheduleAnyway') {
      throw new PluginArgsError(NAME, [...path, 'whenUnsatisfiable'], `expected DoNotSchedule or ScheduleAnyway, got ${JSON.stringify(when)}`);
    }
    if (c.labelSelector !== undefined) {
      // Upstream wording: the selector is deduced for each pod from its owner.
      throw new PluginArgsError(NAME, [...path, 'labelSelector'], 'constraint must not define a selector, as they deduced for each pod');
    }
    if (c.minDomains !== undefined) {
      if (typeof c.minDomains !== 'number' || !Number.isInteger(c.minDomains) || c.minDomains <= 0) {
        throw new PluginArgsError(NAME, [...path, 'minDomains'], `expected an integer > 0, got ${JSON.stringify(c.minDomains)}`);
      }
      // Pod API validation: minDomains only means something for a hard constraint.
      if (when !== 'DoNotSchedule') throw new PluginArgsError(NAME, [...path, 'minDomains'], 'can only be set when whenUnsatisfiable is DoNotSchedule');
    }
    const pair = `${c.topologyKey}\u0000${when}`;
    if (seen.has(pair)) throw new PluginArgsError(NAME, path, `duplicate {topologyKey: ${c.topologyKey}, whenUnsatisfiable: ${when}}`);
    seen.add(pair);
    return { maxSkew: c.maxSkew, topologyKey: c.topologyKey, whenUnsatisfiable: when, ...(c.minDomains !== undefined ? { minDomains: c.minDomains as number } : {}) };
  });
  return { defaultingType, defaultConstraints };
}

// ---------------------------------------------------------------------------------------------
// Pure helpers

/** A label value, or undefined when the key is absent (own keys only: "constructor" is a valid key). */
function labelValue(labels: Labels, key: string): string | undefined {
  return Object.hasOwn(labels, key) ? labels[key] : undefined;
}

/**
 * The constraints of one kind (`action`) that apply to the pod (getConstraints /
 * initPreScoreState): the pod's own when it has any, else the cluster defaults with the pod's
 * owner selector. A pod without an owner selector (or with an empty one) gets no defaults, as
 * upstream where helper.DefaultSelector comes back empty.
 */
export function effectiveConstraints(spec: PodSpec, action: UnsatisfiableAction, defaults: readonly TopologySpreadConstraint[]): SpreadConstraint[] {
  const own = spec.topologySpreadConstraints;
  const out: SpreadConstraint[] = [];
  if (own !== undefined && own.length > 0) {
    for (const c of own) {
      if (c.whenUnsatisfiable !== action) continue;
      out.push({ maxSkew: c.maxSkew, topologyKey: c.topologyKey, selector: c.labelSelector, minDomains: c.minDomains ?? 1 });
    }
    return out;
  }
  const owner = spec.ownerSelector;
  if (owner === undefined || isEmptySelector(owner)) return out;
  for (const c of defaults) {
    if (c.whenUnsatisfiable !== action) continue;
    out.push({ maxSkew: c.maxSkew, topologyKey: c.topologyKey, selector: owner, minDomains: c.minDomains ?? 1 });
  }
  return out;
}

export { cachedNodePodCounter, countMatchingPods, isEmptySelector, type NodePodCounter } from './pod-topology-spread-counter.js';

/** nodeLabelsMatchSpreadConstraints: the node has every constraint's topologyKey. */
export function nodeHasTopologyKeys(labels: Labels, constraints: readonly SpreadConstraint[]): boolean {
  for (let i = 0; i < constraints.length; i++) {
    if (!Object.hasOwn(labels, constraints[i]!.topologyKey)) return false;
  }
  return true;
}

/** Whether the incoming pod counts towards its own constraint (selfMatchNum in Filter). */
export function selfMatches(c: SpreadConstraint, podLabels: Labels): boolean {
  return c.selector !== undefined && matchesLabelSelector(c.selector, podLabels);
}

/**
 * The global minimum of matching pods over eligible domains (preFilterState.minMatchNum): 0 when
 * there are fewer eligible domains than minDomains (or none at all).
 */
export function minMatchNum(domainCounts: ReadonlyMap<string, number>, minDomains: number): number {
  if (domainCounts.size === 0 || domainCounts.size < minDomains) return 0;
  let min = Infinity;
  for (const n of domainCounts.values()) if (n < min) min = n;
  return min;
}

/** The skew if the pod lands in a domain holding `matchNum` matching pods. */
export function skew(matchNum: number, selfMatch: boolean, globalMin: number): number {
  return matchNum + (selfMatch ? 1 : 0) - globalMin;
}

/**
 * topologyNormalizingWeight (scoring.go): log(size + 2), so counts in a topology with few domains
 * are not watered down by one with many.
 */
export function topologyNormalizingWeight(size: number): number {
  return Math.log(size + 2);
}

/** scoreForCount: `maxSkew - 1` is added so that small skews matter less. */
export function scoreForCount(count: number, maxSkew: number, weight: number): number {
  return count * weight + (maxSkew - 1);
}

// ---------------------------------------------------------------------------------------------
// Filter

/** What PreFilter computes for Filter (preFilterState), indexed by constraint. */
export interface SpreadPreFilterState {
  readonly constraints: readonly SpreadConstraint[];
  /** TpValueToMatchNum: matching pods per topology value, over the eligible nodes. */
  readonly matchNum: readonly ReadonlyMap<string, number>[];
  /** The global minimum, with the minDomains rule applied. */
  readonly minMatchNum: Float64Array;
  /** 1 when the incoming pod matches the constraint's selector. */
  readonly selfMatch: Uint8Array;
  /**
   * Optional, for Filter's speed: each constraint's topology domains and matchNum by domain id
   * (0 for a domain with no counted node, as matchNum.get(value) ?? 0), so Filter reads no label
   * map per node.
   */
  readonly domains?: readonly TopologyDomains[] | undefined;
  readonly matchByDomain?: readonly Float64Array[] | undefined;
}

/** Adds domains and matchByDomain to a PreFilter state (see SpreadPreFilterState). */
export function withDomainIds(s: SpreadPreFilterState, byKey: TopologyDomainsByKey): SpreadPreFilterState {
  const domains: TopologyDomains[] = [];
  const matchByDomain: Float64Array[] = [];
  for (let i = 0; i < s.constraints.length; i++) {
    const d = domainsOf(byKey, s.constraints[i]!.topologyKey);
    const m = s.matchNum[i]!;
    for (const value of m.keys()) d.idOf(value);
    const byId = new Float64Array(d.size);
    for (const [value, n] of m) byId[d.idOf(value)] = n;
    domains.push(d);
    matchByDomain.push(byId);
  }
  return { ...s, domains, matchByDomain };
}

const EMPTY_PRE_FILTER_STATE: SpreadPreFilterState = Object.freeze({
  constraints: [], matchNum: [], minMatchNum: new Float64Array(0), selfMatch: new Uint8Array(0),
});

/**
 * calPreFilterState: counts matching pods per domain over every node of the snapshot that
 * passes the pod's nodeSelector / required node affinity (NodeAffinityPolicy Honor; taints are
 * ignored, NodeTaintsPolicy Ignore) and has all the constraints' topology keys.
 * O(total pods x constraints).
 */
export function computeSpreadPreFilterState(
  pod: PodInfo, snapshot: ClusterSnapshot, constraints: readonly SpreadConstraint[], countPods: NodePodCounter = countOnNode,
  incremental?: IncrementalSpreadCounts,
): SpreadPreFilterState {
  const n = constraints.length;
  const selfMatch = new Uint8Array(n);
  for (let i = 0; i < n; i++) selfMatch[i] = selfMatches(constraints[i]!, pod.spec.labels) ? 1 : 0;
  const kept = incremental?.matchNum(pod, snapshot, constraints, countPods);
  const matchNum: Map<string, number>[] = kept ?? constraints.map(() => new Map());
  const ns = pod.spec.namespace;
  const nodes = snapshot.nodes;
  for (let k = 0; kept === undefined && k < nodes.length; k++) {
    const node = nodes[k]!;
    if (!fitsNodeAffinity(pod, node)) continue;
    if (!nodeHasTopologyKeys(node.labels, constraints)) continue;
    let lastSelector: LabelSelector | undefined;
    let lastCount = 0;
    for (let i = 0; i < n; i++) {
      const c = constraints[i]!;
      // System/List defaults share one selector object: count each node's pods once for all of them.
      const count = i > 0 && c.selector === lastSelector ? lastCount : countPods(node, c.selector, ns);
      lastSelector = c.selector;
      lastCount = count;
      const value = node.labels[c.topologyKey]!;
      const m = matchNum[i]!;
      m.set(value, (m.get(value) ?? 0) + count);
    }
  }
  const min = new Float64Array(n);
  for (let i = 0; i < n; i++) min[i] = minMatchNum(matchNum[i]!, constraints[i]!.minDomains);
  return { constraints, matchNum, minMatchNum: min, selfMatch };
}

/**
 * Filter: for every DoNotSchedule constraint, the node must carry the topology key, and
 * `matchNum(node's domain) + selfMatch - globalMin <= maxSkew`. O(constraints), no allocation.
 */
export function filterSpread(s: SpreadPreFilterState, node: NodeInfo): Status | null {
  const constraints = s.constraints;
  const domains = s.domains;
  if (domains !== undefined) {
    const byDomain = s.matchByDomain!;
    for (let i = 0; i < constraints.length; i++) {
      const id = domains[i]!.of(node);
      if (id < 0) return REASON_NODE_LABEL_NOT_MATCH;
      const counts = byDomain[i]!;
      // A domain numbered after PreFilter (or with no counted node) holds no matching pod.
      const matchNum = id < counts.length ? counts[id]! : 0;
      if (matchNum + s.selfMatch[i]! - s.minMatchNum[i]! > constraints[i]!.maxSkew) return REASON_CONSTRAINTS_NOT_MATCH;
    }
    return null;
  }
  for (let i = 0; i < constraints.length; i++) {
    const c = constraints[i]!;
    const value = labelValue(node.labels, c.topologyKey);
    if (value === undefined) return REASON_NODE_LABEL_NOT_MATCH;
    const matchNum = s.matchNum[i]!.get(value) ?? 0;
    if (matchNum + s.selfMatch[i]! - s.minMatchNum[i]! > c.maxSkew) return REASON_CONSTRAINTS_NOT_MATCH;
  }
  return null;
}

// ---------------------------------------------------------------------------------------------
// Score

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

function domainsOf(byKey: TopologyDomainsByKey, key: string): TopologyDomains {
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

// ---------------------------------------------------------------------------------------------
// The plugin

function readState<T>(state: CycleState, key: string): T {
  const s = state.get(key);
  if (s === undefined) throw new Error(`${NAME}: no "${key}" in the cycle state (did ${key.startsWith('PreFilter') ? 'PreFilter' : 'PreScore'} run?)`);
  return s as T;
}

export function podTopologySpread(rawArgs?: unknown): PreFilterPlugin & FilterPlugin & PreScorePlugin & ScorePlugin {
  const args = parsePodTopologySpreadArgs(rawArgs);
  const systemDefaulted = args.defaultingType === 'System';
  const defaults = systemDefaulted ? SYSTEM_DEFAULT_CONSTRAINTS : args.defaultConstraints;
  const countPods = cachedNodePodCounter();
  const incremental = incrementalSpreadCountsDefault() ? new IncrementalSpreadCounts() : undefined;
  const incrementalScore = incremental !== undefined ? new IncrementalSpreadScoreCounts() : undefined;
  const domains: TopologyDomainsByKey = new Map();
  const writeEmpty = !cycleStateReuseDefault();
  // PreScore's arrays, reused from one cycle to the next (PreScoreArrays), and the last PreScore's
  // state with its cycle state, so Score for each node finds it without a map lookup.
  const arrays = incremental !== undefined ? new PreScoreArrays() : undefined;
  let lastState: CycleState | undefined;
  let lastPreScore: SpreadPreScoreState | undefined;
  // The constraints follow from the spec alone (the defaults are fixed per instance), and a
  // workload's pods share their spec: remember them per spec instead of building the list at
  // every PreFilter and PreScore. Off with the incremental counts (ORCHSIM_NO_SPREAD_COUNTS=1).
  const hard = incremental !== undefined ? new WeakMap<PodSpec, readonly SpreadConstraint[]>() : undefined;
  const soft = incremental !== undefined ? new WeakMap<PodSpec, readonly SpreadConstraint[]>() : undefined;
  const constraintsOf = (spec: PodSpec, action: UnsatisfiableAction, memo: WeakMap<PodSpec, readonly SpreadConstraint[]> | undefined): readonly SpreadConstraint[] => {
    if (memo === undefined) return effectiveConstraints(spec, action, defaults);
    let c = memo.get(spec);
    if (c === undefined) memo.set(spec, (c = effectiveConstraints(spec, action, defaults)));
    return c;
  };
  return {
    name: NAME,
    // Pods added or removed change domain counts; nodes change the domains (podtopologyspread EventsToRegister).
    events: ClusterEvent.AssignedPodAdd | ClusterEvent.AssignedPodDelete | ClusterEvent.NodeAdd | ClusterEvent.NodeUpdate,
    // Skips when the spec has no DoNotSchedule constraint (the defaults are fixed per instance),
    // writing nothing unless it writes upstream's empty state.
    preFilterSkipsBySpec: !writeEmpty,
    preFilter(state, pod, snapshot) {
      const constraints = constraintsOf(pod.spec, 'DoNotSchedule', hard);
      if (constraints.length === 0) {
        // Upstream writes an empty state too, so a Filter that runs anyway lets every node pass;
        // here a Filter whose PreFilter skipped never runs, and an untouched state is reused (cycle-state.ts).
        if (writeEmpty) state.set(PRE_FILTER_STATE_KEY, EMPTY_PRE_FILTER_STATE);
        return SKIP;
      }
      const counted = computeSpreadPreFilterState(pod, snapshot, constraints, countPods, incremental);
      state.set(PRE_FILTER_STATE_KEY, incremental !== undefined ? withDomainIds(counted, domains) : counted);
      return null;
    },
    // No state after a PreFilter that skipped without writing it: the empty state's verdict (every node passes).
    filter: (state, _pod, node) => filterSpread((state.get(PRE_FILTER_STATE_KEY) as SpreadPreFilterState | undefined) ?? (writeEmpty ? readState<SpreadPreFilterState>(state, PRE_FILTER_STATE_KEY) : EMPTY_PRE_FILTER_STATE), node),
    preScore(state, pod, feasible, snapshot) {
      lastState = undefined;
      lastPreScore = undefined;
      if (snapshot.nodes.length === 0) return SKIP;
      const constraints = constraintsOf(pod.spec, 'ScheduleAnyway', soft);
      if (constraints.length === 0) return SKIP;
      // Only system-default spreading lets nodes without every topology label be scored.
      const requireAllTopologies = (pod.spec.topologySpreadConstraints?.length ?? 0) > 0 || !systemDefaulted;
      const s = computeSpreadPreScoreState(pod, feasible, snapshot, constraints, requireAllTopologies, countPods, domains, incrementalScore, arrays);
      state.set(PRE_SCORE_STATE_KEY, s);
      if (arrays !== undefined) {
        lastState = state;
        lastPreScore = s;
      }
      return null;
    },
    score: (state, _pod, node) => scoreSpread(state === lastState ? lastPreScore! : readState<SpreadPreScoreState>(state, PRE_SCORE_STATE_KEY), node),
    scoreAll: (state, _pod, feasible, _snapshot, out) => scoreSpreadAll(state === lastState ? lastPreScore! : readState<SpreadPreScoreState>(state, PRE_SCORE_STATE_KEY), feasible, out),
    normalizeScore(state, _pod, scores, count) {
      const s = state === lastState ? lastPreScore! : readState<SpreadPreScoreState>(state, PRE_SCORE_STATE_KEY);
      if (s.spent === true) throw new Error(`${NAME}: NormalizeScore twice (the PreScore state's arrays were reused)`);
      normalizeSpreadScores(scores, count, s.ignoredAt);
      if (arrays !== undefined && s === lastPreScore) {
        // The cycle's last read of the state: its arrays serve the next cycle.
        s.spent = true;
        arrays.give(s.hostCounts, s.ignoredNode, s.ignoredAt, s.at);
        lastState = undefined;
        lastPreScore = undefined;
      }
    },
  };
}

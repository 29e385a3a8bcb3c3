import { ClusterEvent,
  SKIP, unresolvable, unschedulable,
  type CycleState, type FilterPlugin, type PreFilterPlugin, type PreScorePlugin, type ScorePlugin, type Status,
} from '../../api/framework.js';
import { matchesLabelSelector, type LabelSelector, type Labels } from '../../api/labels.js';
import { WellKnownLabel, type ClusterSnapshot, type NodeInfo } from '../../api/node.js';
import type { PodInfo, PodSpec, TopologySpreadConstraint } from '../../api/pod.js';
import { PluginArgsError } from '../registry.js';
import { IncrementalSpreadCounts, incrementalSpreadCountsDefault, IncrementalSpreadScoreCounts } from './spread-domain-counts.js';
import { argsObject, rejectUnknownKeys } from './args.js';
import { cycleStateReuseDefault } from '../cycle-state.js';
import { cachedNodePodCounter, countOnNode, isEmptySelector, type NodePodCounter } from './pod-topology-spread-counter.js';
import { PreScoreArrays } from './pod-topology-spread-arrays.js';
import { fitsNodeAffinity } from './node-affinity.js';
import { computeSpreadPreScoreState, domainsOf, normalizeSpreadScores, scoreSpread, scoreSpreadAll, TopologyDomains, type SpreadPreScoreState, type TopologyDomainsByKey } from './pod-topology-spread-score.js';

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
export function labelValue(labels: Labels, key: string): string | undefined {
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
export { computeSpreadPreScoreState, normalizeSpreadScores, scoreSpread, scoreSpreadAll, TopologyDomains, type SpreadPreScoreState, type TopologyDomainsByKey } from './pod-topology-spread-score.js';

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

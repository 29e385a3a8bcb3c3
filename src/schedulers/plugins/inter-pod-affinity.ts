import { ClusterEvent,
  MAX_NODE_SCORE, SKIP, unresolvable, unschedulable,
  type CycleState, type FilterPlugin, type PreFilterPlugin, type PreScorePlugin, type ScorePlugin, type Status,
} from '../../api/framework.js';
import { matchesLabelSelector, type LabelSelector, type Labels } from '../../api/labels.js';
import type { ClusterSnapshot, NodeInfo } from '../../api/node.js';
import type { PodAffinityTerm, PodInfo, PodSpec, WeightedPodAffinityTerm } from '../../api/pod.js';
import { PluginArgsError } from '../registry.js';
import { argsObject, rejectUnknownKeys } from './args.js';

/**
 * InterPodAffinity (kube-scheduler pkg/scheduler/framework/plugins/interpodaffinity, v1.30):
 * required pod affinity / anti-affinity per topology domain as a filter (both the incoming
 * pod's terms and the required anti-affinity of pods already running), preferred terms and
 * existing pods' terms as a weighted score.
 */

export const NAME = 'InterPodAffinity';

/** ErrReasonAffinityRulesNotMatch (interpodaffinity/filtering.go); unresolvable upstream. */
export const REASON_AFFINITY_RULES_NOT_MATCH = unresolvable("node(s) didn't match pod affinity rules");
/** ErrReasonAntiAffinityRulesNotMatch: preemption of the matching pods could help. */
export const REASON_ANTI_AFFINITY_RULES_NOT_MATCH = unschedulable("node(s) didn't match pod anti-affinity rules");
/** ErrReasonExistingAntiAffinityRulesNotMatch. */
export const REASON_EXISTING_ANTI_AFFINITY_RULES_NOT_MATCH = unschedulable("node(s) didn't satisfy existing pods anti-affinity rules");

/** CycleState keys, as upstream ("PreFilter" + Name, "PreScore" + Name). */
export const PRE_FILTER_STATE_KEY = 'PreFilter' + NAME;
export const PRE_SCORE_STATE_KEY = 'PreScore' + NAME;

/** InterPodAffinityArgs defaults (apis/config/v1/defaults.go): hardPodAffinityWeight 1. */
export const DEFAULT_HARD_POD_AFFINITY_WEIGHT = 1;

export interface InterPodAffinityArgs {
  /** Score weight given to an existing pod's required affinity term that the incoming pod matches (0..100). */
  readonly hardPodAffinityWeight: number;
  /** Skip scoring entirely when the incoming pod has no preferred (anti-)affinity terms. */
  readonly ignorePreferredTermsOfExistingPods: boolean;
}

/** ValidateInterPodAffinityArgs: hardPodAffinityWeight in [0, 100]. */
export function parseInterPodAffinityArgs(raw: unknown): InterPodAffinityArgs {
  const obj = argsObject(NAME, raw);
  rejectUnknownKeys(NAME, obj, ['hardPodAffinityWeight', 'ignorePreferredTermsOfExistingPods']);
  const w = obj.hardPodAffinityWeight ?? DEFAULT_HARD_POD_AFFINITY_WEIGHT;
  if (typeof w !== 'number' || !Number.isInteger(w) || w < 0 || w > 100) {
    throw new PluginArgsError(NAME, ['hardPodAffinityWeight'], `not in valid range [0, 100]: ${JSON.stringify(obj.hardPodAffinityWeight)}`);
  }
  const ignore = obj.ignorePreferredTermsOfExistingPods ?? false;
  if (typeof ignore !== 'boolean') {
    throw new PluginArgsError(NAME, ['ignorePreferredTermsOfExistingPods'], `expected a boolean, got ${JSON.stringify(ignore)}`);
  }
  return { hardPodAffinityWeight: w, ignorePreferredTermsOfExistingPods: ignore };
}

// ---------------------------------------------------------------------------------------------
// Terms (framework.AffinityTerm, built by NewPodInfo)

/** A term with its namespaces resolved: empty in the spec means the owning pod's namespace. */
export interface AffinityTerm {
  /** undefined = nil selector, which matches no pod; `{}` matches every pod. */
  readonly selector: LabelSelector | undefined;
  readonly namespaces: readonly string[];
  readonly topologyKey: string;
}

export interface WeightedAffinityTerm extends AffinityTerm {
  readonly weight: number;
}

export interface PodAffinityTerms {
  readonly requiredAffinity: readonly AffinityTerm[];
  readonly requiredAntiAffinity: readonly AffinityTerm[];
  readonly preferredAffinity: readonly WeightedAffinityTerm[];
  readonly preferredAntiAffinity: readonly WeightedAffinityTerm[];
}

const NO_TERMS: PodAffinityTerms = Object.freeze({ requiredAffinity: [], requiredAntiAffinity: [], preferredAffinity: [], preferredAntiAffinity: [] });

function resolveTerm(spec: PodSpec, t: PodAffinityTerm): AffinityTerm {
  const namespaces = t.namespaces !== undefined && t.namespaces.length > 0 ? t.namespaces : [spec.namespace];
  return { selector: t.labelSelector, namespaces, topologyKey: t.topologyKey };
}

function resolveWeighted(spec: PodSpec, terms: readonly WeightedPodAffinityTerm[] | undefined): WeightedAffinityTerm[] {
  return (terms ?? []).map((w) => ({ ...resolveTerm(spec, w.podAffinityTerm), weight: w.weight }));
}

/**
 * Resolved terms per spec. Pods of one workload share their (immutable) spec object, so terms
 * are resolved once per workload rather than once per pod per cycle: a performance cache.
 */
const termsBySpec = new WeakMap<PodSpec, PodAffinityTerms>();

/** podWithAffinity (framework/types.go): the pod has pod affinity or pod anti-affinity. */
export function hasPodAffinity(spec: PodSpec): boolean {
  const a = spec.affinity;
  return a !== undefined && (a.podAffinity !== undefined || a.podAntiAffinity !== undefined);
}

export function podAffinityTerms(spec: PodSpec): PodAffinityTerms {
  if (!hasPodAffinity(spec)) return NO_TERMS;
  let t = termsBySpec.get(spec);
  if (t === undefined) {
    const aff = spec.affinity!.podAffinity;
    const anti = spec.affinity!.podAntiAffinity;
    t = {
      requiredAffinity: (aff?.requiredDuringSchedulingIgnoredDuringExecution ?? []).map((x) => resolveTerm(spec, x)),
      requiredAntiAffinity: (anti?.requiredDuringSchedulingIgnoredDuringExecution ?? []).map((x) => resolveTerm(spec, x)),
      preferredAffinity: resolveWeighted(spec, aff?.preferredDuringSchedulingIgnoredDuringExecution),
      preferredAntiAffinity: resolveWeighted(spec, anti?.preferredDuringSchedulingIgnoredDuringExecution),
    };
    termsBySpec.set(spec, t);
  }
  return t;
}

/** AffinityTerm.Matches: the pod is in one of the term's namespaces and its labels match. */
export function termMatches(term: AffinityTerm, pod: PodSpec): boolean {
  return term.selector !== undefined && term.namespaces.includes(pod.namespace) && matchesLabelSelector(term.selector, pod.labels);
}

/** podMatchesAllAffinityTerms: false for no terms. */
export function podMatchesAllTerms(terms: readonly AffinityTerm[], pod: PodSpec): boolean {
  if (terms.length === 0) return false;
  for (let i = 0; i < terms.length; i++) if (!termMatches(terms[i]!, pod)) return false;
  return true;
}

/** Counts per topology key, then per topology value (topologyToMatchedTermCount / scoreMap). */
export type TopologyCounts = Map<string, Map<string, number>>;

function labelValue(labels: Labels, key: string): string | undefined {
  return Object.hasOwn(labels, key) ? labels[key] : undefined;
}

/** Adds `delta` to (key, node's value of key); a node without the key contributes nothing. */
export function addTopologyCount(m: TopologyCounts, nodeLabels: Labels, key: string, delta: number): void {
  const value = labelValue(nodeLabels, key);
  if (value === undefined) return;
  let byValue = m.get(key);
  if (byValue === undefined) m.set(key, (byValue = new Map()));
  byValue.set(value, (byValue.get(value) ?? 0) + delta);
}

export function topologyCount(m: TopologyCounts, key: string, value: string): number {
  return m.get(key)?.get(value) ?? 0;
}

// ---------------------------------------------------------------------------------------------
// Filter

/** What PreFilter computes for Filter (preFilterState). */
export interface AffinityPreFilterState {
  readonly requiredAffinity: readonly AffinityTerm[];
  readonly requiredAntiAffinity: readonly AffinityTerm[];
  /** Existing pods matching ALL of the incoming pod's required affinity terms, per term's topology. */
  readonly affinityCounts: TopologyCounts;
  /** Existing pods matching each of the incoming pod's required anti-affinity terms. */
  readonly antiAffinityCounts: TopologyCounts;
  /** Existing pods whose required anti-affinity terms match the incoming pod, as parallel arrays. */
  readonly existingAntiAffinityKeys: readonly string[];
  readonly existingAntiAffinityValues: readonly ReadonlyMap<string, number>[];
  /**
   * The first pod of a group: no pod anywhere matches all its affinity terms, but it matches
   * them itself, so it may go to any node that has the topology keys.
   */
  readonly firstOfGroup: boolean;
}

/**
 * PreFilter: one pass over every pod of the snapshot (getExistingAntiAffinityCounts and
 * getIncomingAffinityAntiAffinityCounts). Returns undefined when nothing applies: the pod has no
 * required terms and no existing pod's required anti-affinity matches it.
 */
export function computeAffinityPreFilterState(pod: PodInfo, snapshot: ClusterSnapshot): AffinityPreFilterState | undefined {
  const incoming = pod.spec;
  const { requiredAffinity, requiredAntiAffinity } = podAffinityTerms(incoming);
  const checkIncoming = requiredAffinity.length > 0 || requiredAntiAffinity.length > 0;
  // Upstream's Skip (interpodaffinity/filtering.go PreFilter: no existing anti-affinity counts and
  // no required terms of its own) decided before anything is allocated: with no pod in the
  // cluster holding required anti-affinity, no count can be made, and most cycles end here.
  if (!checkIncoming && snapshot.havePodsWithRequiredAntiAffinity.length === 0) return undefined;
  const existingAnti: TopologyCounts = new Map();
  const affinityCounts: TopologyCounts = new Map();
  const antiAffinityCounts: TopologyCounts = new Map();
  // Without terms of its own, only pods with required anti-affinity can matter (as upstream,
  // which walks HavePodsWithRequiredAntiAffinityList); otherwise every pod must be seen.
  const nodes = checkIncoming ? snapshot.nodes : snapshot.havePodsWithRequiredAntiAffinity;
  for (let k = 0; k < nodes.length; k++) {
    const node = nodes[k]!;
    const labels = node.labels;
    const pods = checkIncoming ? node.pods : node.podsWithRequiredAntiAffinity;
    for (let j = 0; j < pods.length; j++) {
      const spec = pods[j]!.spec;
      // (a) existing pods' required anti-affinity against the incoming pod.
      if (spec.affinity?.podAntiAffinity?.requiredDuringSchedulingIgnoredDuringExecution !== undefined) {
        const anti = podAffinityTerms(spec).requiredAntiAffinity;
        for (let t = 0; t < anti.length; t++) {
          const term = anti[t]!;
          if (termMatches(term, incoming)) addTopologyCount(existingAnti, labels, term.topologyKey, 1);
        }
      }
      if (!checkIncoming) continue;
      // (c) an existing pod counts for affinity only when it matches all the terms.
      if (podMatchesAllTerms(requiredAffinity, spec)) {
        for (let t = 0; t < requiredAffinity.length; t++) addTopologyCount(affinityCounts, labels, requiredAffinity[t]!.topologyKey, 1);
      }
      // (b) anti-affinity counts per term.
      for (let t = 0; t < requiredAntiAffinity.length; t++) {
        const term = requiredAntiAffinity[t]!;
        if (termMatches(term, spec)) addTopologyCount(antiAffinityCounts, labels, term.topologyKey, 1);
      }
    }
  }
  if (existingAnti.size === 0 && !checkIncoming) return undefined;
  return {
    requiredAffinity,
    requiredAntiAffinity,
    affinityCounts,
    antiAffinityCounts,
    existingAntiAffinityKeys: [...existingAnti.keys()],
    existingAntiAffinityValues: [...existingAnti.values()],
    firstOfGroup: affinityCounts.size === 0 && podMatchesAllTerms(requiredAffinity, incoming),
  };
}

/** satisfyPodAffinity: every term's domain holds a pod matching all terms, or first of a group. */
export function satisfiesPodAffinity(s: AffinityPreFilterState, node: NodeInfo): boolean {
  const terms = s.requiredAffinity;
  let podsExist = true;
  for (let i = 0; i < terms.length; i++) {
    const key = terms[i]!.topologyKey;
    const value = labelValue(node.labels, key);
    // All topology labels must exist on the node, even for the first pod of a group.
    if (value === undefined) return false;
    if (topologyCount(s.affinityCounts, key, value) <= 0) podsExist = false;
  }
  return podsExist || s.firstOfGroup;
}

/** satisfyPodAntiAffinity: no pod matching a term in that term's domain of the node. */
export function satisfiesPodAntiAffinity(s: AffinityPreFilterState, node: NodeInfo): boolean {
  if (s.antiAffinityCounts.size === 0) return true;
  const terms = s.requiredAntiAffinity;
  for (let i = 0; i < terms.length; i++) {
    const key = terms[i]!.topologyKey;
    const value = labelValue(node.labels, key);
    if (value !== undefined && topologyCount(s.antiAffinityCounts, key, value) > 0) return false;
  }
  return true;
}

/**
 * satisfyExistingPodsAntiAffinity: no existing pod with a matching required anti-affinity term
 * in the node's domain. Upstream loops over the node's labels; looping over the (few) topology
 * keys that have counts is equivalent and does not depend on how many labels a node has.
 */
export function satisfiesExistingPodsAntiAffinity(s: AffinityPreFilterState, node: NodeInfo): boolean {
  const keys = s.existingAntiAffinityKeys;
  for (let i = 0; i < keys.length; i++) {
    const value = labelValue(node.labels, keys[i]!);
    if (value !== undefined && (s.existingAntiAffinityValues[i]!.get(value) ?? 0) > 0) return false;
  }
  return true;
}

/** Filter, in upstream order: affinity, anti-affinity, existing pods' anti-affinity. */
export function filterInterPodAffinity(s: AffinityPreFilterState, node: NodeInfo): Status | null {
  if (!satisfiesPodAffinity(s, node)) return REASON_AFFINITY_RULES_NOT_MATCH;
  if (!satisfiesPodAntiAffinity(s, node)) return REASON_ANTI_AFFINITY_RULES_NOT_MATCH;
  if (!satisfiesExistingPodsAntiAffinity(s, node)) return REASON_EXISTING_ANTI_AFFINITY_RULES_NOT_MATCH;
  return null;
}

// ---------------------------------------------------------------------------------------------
// Score

/** What PreScore computes for Score: the topologyScore map as parallel arrays (key -> value -> score). */
export interface AffinityPreScoreState {
  readonly keys: readonly string[];
  readonly scores: readonly ReadonlyMap<string, number>[];
}

function processTerms(m: TopologyCounts, terms: readonly WeightedAffinityTerm[], pod: PodSpec, nodeLabels: Labels, sign: 1 | -1): void {
  for (let i = 0; i < terms.length; i++) {
    const t = terms[i]!;
    if (termMatches(t, pod)) addTopologyCount(m, nodeLabels, t.topologyKey, sign * t.weight);
  }
}

/**
 * PreScore / processExistingPod: for every existing pod, add to its node's domains
 * +weight for each of the incoming pod's preferred affinity terms it matches, -weight for each
 * preferred anti-affinity term; +hardPodAffinityWeight for each of its required affinity terms
 * the incoming pod matches; +/-weight for its preferred affinity / anti-affinity terms the
 * incoming pod matches. Unless the incoming pod has preferred terms, only pods with pod
 * (anti-)affinity can contribute (NodeInfo.PodsWithAffinity). Undefined when nothing applies.
 */
export function computeAffinityPreScoreState(pod: PodInfo, snapshot: ClusterSnapshot, args: InterPodAffinityArgs): AffinityPreScoreState | undefined {
  const incoming = pod.spec;
  const { preferredAffinity, preferredAntiAffinity } = podAffinityTerms(incoming);
  const hasConstraints = preferredAffinity.length > 0 || preferredAntiAffinity.length > 0;
  if (args.ignorePreferredTermsOfExistingPods && !hasConstraints) return undefined;
  // Nothing can contribute: no preferred terms of its own and no pod with affinity terms anywhere.
  if (!hasConstraints && snapshot.havePodsWithAffinity.length === 0) return undefined;
  const hardWeight = args.hardPodAffinityWeight;
  const m: TopologyCounts = new Map();
  // Without preferred terms of its own, only pods with affinity terms contribute: walk just those.
  const nodes = hasConstraints ? snapshot.nodes : snapshot.havePodsWithAffinity;
  for (let k = 0; k < nodes.length; k++) {
    const node = nodes[k]!;
    const labels = node.labels;
    const pods = hasConstraints ? node.pods : node.podsWithAffinity;
    for (let j = 0; j < pods.length; j++) {
      const spec = pods[j]!.spec;
      const withAffinity = hasPodAffinity(spec);
      if (!hasConstraints && !withAffinity) continue;
      if (hasConstraints) {
        processTerms(m, preferredAffinity, spec, labels, 1);
        processTerms(m, preferredAntiAffinity, spec, labels, -1);
      }
      if (!withAffinity) continue;
      const existing = podAffinityTerms(spec);
      if (hardWeight > 0) {
        const req = existing.requiredAffinity;
        for (let t = 0; t < req.length; t++) {
          if (termMatches(req[t]!, incoming)) addTopologyCount(m, labels, req[t]!.topologyKey, hardWeight);
        }
      }
      processTerms(m, existing.preferredAffinity, incoming, labels, 1);
      processTerms(m, existing.preferredAntiAffinity, incoming, labels, -1);
    }
  }
  if (m.size === 0) return undefined;
  return { keys: [...m.keys()], scores: [...m.values()] };
}

/** Score: the sum, over the topology keys the node has, of its domain's score. O(keys). */
export function scoreInterPodAffinity(s: AffinityPreScoreState, node: NodeInfo): number {
  let score = 0;
  const keys = s.keys;
  for (let i = 0; i < keys.length; i++) {
    const value = labelValue(node.labels, keys[i]!);
    if (value !== undefined) score += s.scores[i]!.get(value) ?? 0;
  }
  return score;
}

/** NormalizeScore: min-max, `int(100 * ((s - min) / (max - min)))`; all 0 when max == min. */
export function normalizeAffinityScores(scores: Float64Array, count: number): void {
  let min = Infinity;
  let max = -Infinity;
  for (let i = 0; i < count; i++) {
    const s = scores[i]!;
    if (s > max) max = s;
    if (s < min) min = s;
  }
  const diff = max - min;
  for (let i = 0; i < count; i++) {
    scores[i] = diff > 0 ? Math.trunc(MAX_NODE_SCORE * ((scores[i]! - min) / diff)) : 0;
  }
}

// ---------------------------------------------------------------------------------------------
// The plugin

export function interPodAffinity(rawArgs?: unknown): PreFilterPlugin & FilterPlugin & PreScorePlugin & ScorePlugin {
  const args = parseInterPodAffinityArgs(rawArgs);
  const read = <T>(state: CycleState, key: string): T => {
    const s = state.get(key);
    if (s === undefined) throw new Error(`${NAME}: no "${key}" in the cycle state (did ${key.startsWith('PreFilter') ? 'PreFilter' : 'PreScore'} run?)`);
    return s as T;
  };
  return {
    name: NAME,
    // A matching pod appearing or leaving, or node labels, can satisfy the terms (interpodaffinity EventsToRegister).
    events: ClusterEvent.AssignedPodAdd | ClusterEvent.AssignedPodDelete | ClusterEvent.NodeAdd | ClusterEvent.NodeUpdate,
    // computeAffinityPreFilterState's Skip: with no pod holding required anti-affinity, the spec's own terms decide it.
    preFilterSkipsBySpecWithoutAntiAffinity: true,
    preFilter(state, pod, snapshot) {
      const s = computeAffinityPreFilterState(pod, snapshot);
      if (s === undefined) return SKIP;
      state.set(PRE_FILTER_STATE_KEY, s);
      return null;
    },
    filter: (state, _pod, node) => filterInterPodAffinity(read<AffinityPreFilterState>(state, PRE_FILTER_STATE_KEY), node),
    preScore(state, pod, feasible, snapshot) {
      if (feasible.length === 0) return SKIP;
      const s = computeAffinityPreScoreState(pod, snapshot, args);
      if (s === undefined) return SKIP;
      state.set(PRE_SCORE_STATE_KEY, s);
      return null;
    },
    score: (state, _pod, node) => scoreInterPodAffinity(read<AffinityPreScoreState>(state, PRE_SCORE_STATE_KEY), node),
    normalizeScore: (_state, _pod, scores, count) => normalizeAffinityScores(scores, count),
  };
}

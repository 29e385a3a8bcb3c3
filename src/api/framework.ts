import type { ClusterSnapshot, NodeInfo } from './node.js';
import type { PodInfo } from './pod.js';

/**
 * Scheduling framework types, mirroring pkg/scheduler/framework/interface.go.
 * A plugin is one object implementing any subset of the extension points below; the profile
 * decides which plugins run and with what score weight.
 */

/** MinNodeScore and MaxNodeScore (framework/interface.go). */
export const MIN_NODE_SCORE = 0;
export const MAX_NODE_SCORE = 100;

export type StatusCode =
  /** The pod does not fit now; preemption or a cluster change may help. */
  | 'Unschedulable'
  /** The pod cannot fit on this node whatever happens to other pods (e.g. a selector mismatch). */
  | 'UnschedulableAndUnresolvable'
  /** From PreFilter/PreScore: the plugin has nothing to do for this pod; skip its Filter/Score. */
  | 'Skip'
  /** Something went wrong inside the plugin. */
  | 'Error';

/** A non-success result. Success is `null`, so the hot path allocates nothing. */
export interface Status {
  readonly code: StatusCode;
  readonly reason: string;
}

export function unschedulable(reason: string): Status {
  return Object.freeze({ code: 'Unschedulable', reason });
}
export function unresolvable(reason: string): Status {
  return Object.freeze({ code: 'UnschedulableAndUnresolvable', reason });
}
export const SKIP: Status = Object.freeze({ code: 'Skip', reason: 'skip' });

/** Per-cycle scratch space shared between a plugin's extension points (framework.CycleState). */
export type CycleState = Map<string, unknown>;

/**
 * Cluster events that can make an unschedulable pod schedulable (framework.ClusterEvent), as a
 * bit mask. A plugin lists the events that can resolve its own rejections
 * (EnqueueExtensions.EventsToRegister); the queue retries a pod only on those events.
 */
export const ClusterEvent = {
  /** A pod was bound to a node. */
  AssignedPodAdd: 1,
  /** A pod left a node (finished, deleted, evicted). */
  AssignedPodDelete: 2,
  NodeAdd: 4,
  /** Node labels, taints, allocatable or schedulability changed. */
  NodeUpdate: 8,
  /**
   * A pod was created (Pod/Add). Only the Coscheduling plugin registers it (a group short of
   * minMember pods waits for its siblings); it is signalled only in runs with pod groups, and
   * is not part of ALL_CLUSTER_EVENTS, so runs without gangs are retried as before.
   */
  PodAdd: 16,
} as const;
/** Every event: what a plugin that registers nothing is retried on. */
export const ALL_CLUSTER_EVENTS = 15;

export interface Plugin {
  readonly name: string;
  /** Bit mask of ClusterEvent that can resolve this plugin's rejections; absent means all. */
  readonly events?: number | undefined;
  /**
   * The plugin's Filter verdict and raw Score (before NormalizeScore) for a pod on a node depend
   * on the pod's spec and on that node alone - its name, labels, taints, unschedulable,
   * allocatable, allowedPodNumber and its pods (requested, nonZeroRequested, podCount) - and its
   * PreFilter/PreScore verdicts on the pod's spec alone: not on other nodes, the cycle state
   * other plugins write, a clock or a random draw, nor on GPU devices' free capacity (a device
   * fault changes it with no new generation). The framework then reuses them for pods that share
   * one spec object until the node changes (src/schedulers/equivalence-cache.ts). Absent: false.
   */
  readonly nodeLocal?: boolean | undefined;
  /**
   * For a PreFilter plugin: whether its PreFilter returns Skip depends on the pod's spec alone
   * (for all the pods that share one spec object it skips for every one or for none), and when
   * it returns Skip it writes nothing to the cycle state and changes nothing another call could
   * see. The framework then calls it once for a spec and takes the Skip as given for the next
   * pods of the same spec (src/schedulers/pre-filters.ts). Absent: false (called every cycle).
   */
  readonly preFilterSkipsBySpec?: boolean | undefined;
  /**
   * For a PreFilter plugin: as preFilterSkipsBySpec, but only while the snapshot holds no pod with
   * required pod anti-affinity (ClusterSnapshot.havePodsWithRequiredAntiAffinity is empty): then
   * whether it returns Skip depends on the pod's spec alone, and when it does it writes nothing
   * (InterPodAffinity: upstream's Skip is "no required terms of its own and no existing pod's
   * anti-affinity to count"). The framework takes a Skip seen in such a cycle as given for the next
   * pods of the same spec while the snapshot still has no such pod. Absent: false.
   */
  readonly preFilterSkipsBySpecWithoutAntiAffinity?: boolean | undefined;
}

export interface PreFilterPlugin extends Plugin {
  /** Runs once per cycle before Filter. Return SKIP to skip this plugin's Filter, or a failure to reject the pod everywhere. */
  preFilter(state: CycleState, pod: PodInfo, snapshot: ClusterSnapshot): Status | null;
}

export interface FilterPlugin extends Plugin {
  /** null when the pod fits on the node. Must not allocate on success: it runs for every node. */
  filter(state: CycleState, pod: PodInfo, node: NodeInfo, snapshot: ClusterSnapshot): Status | null;
  /**
   * Optional, for a snapshot with nodeRecords (src/api/node-record.ts): the same verdict as
   * filter(state, pod, snapshot.nodes[index], snapshot), from the node's record where it can, so
   * the node's objects are not read. The framework calls it only where it would call filter.
   */
  filterAt?(state: CycleState, pod: PodInfo, snapshot: ClusterSnapshot, index: number): Status | null;
  /**
   * Optional, with filterAt: a field of the node record (REC_*, src/api/node-record.ts) whose 0
   * means every pod passes this filter on the node (no taint, not cordoned), so the framework
   * reads it and does not call filterAt there (a call through a plugin list is some hundred
   * instructions; the M/M/c judges a node twice a pod). filterAt must give null wherever it is 0.
   */
  passesWhereZero?: number;
}

export interface PreScorePlugin extends Plugin {
  /** Runs once per cycle over the feasible nodes. Return SKIP to skip this plugin's Score. */
  preScore(state: CycleState, pod: PodInfo, feasible: readonly NodeInfo[], snapshot: ClusterSnapshot): Status | null;
}

export interface ScorePlugin extends Plugin {
  /** Raw score of one feasible node; after NormalizeScore it must lie in 0..100. */
  score(state: CycleState, pod: PodInfo, node: NodeInfo, snapshot: ClusterSnapshot): number;
  /** Optional, as FilterPlugin.filterAt: the same number as score(state, pod, snapshot.nodes[index], snapshot). */
  scoreAt?(state: CycleState, pod: PodInfo, snapshot: ClusterSnapshot, index: number): number;
  /**
   * Optional: the raw scores of all of `feasible` at once, out[i] the number
   * score(state, pod, feasible[i], snapshot) would give (0 <= i < feasible.length), in place of
   * a call per node. The framework calls it where it would call score for every feasible node
   * of a cycle (a plugin that is not node-local).
   */
  scoreAll?(state: CycleState, pod: PodInfo, feasible: readonly NodeInfo[], snapshot: ClusterSnapshot, out: Float64Array): void;
  /** Rewrites scores[0..count) in place into 0..100 (ScoreExtensions.NormalizeScore). */
  normalizeScore?(state: CycleState, pod: PodInfo, scores: Float64Array, count: number): void;
}

/**
 * Reserve-time device choice: which GPUs of the chosen node a GPU pod gets. The first plugin of
 * the profile that returns indexes decides; if none does, the default is best fit
 * (selectGpusBestFit). The indexes must be devices that fit the request.
 */
export interface GpuSelectPlugin extends Plugin {
  selectGPUs(state: CycleState, pod: PodInfo, node: NodeInfo, snapshot: ClusterSnapshot): readonly number[] | undefined;
}

/**
 * A PostFilter plugin: runs when no node fits. The only one is DefaultPreemption, whose search
 * needs to take pods off nodes, which the simulator does (src/sim/preemption.ts): the plugin
 * carries its arguments.
 */
export interface PostFilterPlugin extends Plugin {
  readonly preemption: { readonly minCandidateNodesPercentage: number; readonly minCandidateNodesAbsolute: number };
}

export function isPostFilter(p: Plugin): p is PostFilterPlugin {
  return typeof (p as Partial<PostFilterPlugin>).preemption === 'object';
}

export function isGpuSelect(p: Plugin): p is GpuSelectPlugin {
  return typeof (p as Partial<GpuSelectPlugin>).selectGPUs === 'function';
}

export function isPreFilter(p: Plugin): p is PreFilterPlugin {
  return typeof (p as Partial<PreFilterPlugin>).preFilter === 'function';
}
export function isFilter(p: Plugin): p is FilterPlugin {
  return typeof (p as Partial<FilterPlugin>).filter === 'function';
}
export function isPreScore(p: Plugin): p is PreScorePlugin {
  return typeof (p as Partial<PreScorePlugin>).preScore === 'function';
}
export function isScore(p: Plugin): p is ScorePlugin {
  return typeof (p as Partial<ScorePlugin>).score === 'function';
}

/** A pod in the scheduling queue, as QueueSort compares it (framework.QueuedPodInfo). */
export interface QueuedPodInfo {
  readonly pod: PodInfo;
  /** When the pod was first added to the queue (InitialAttemptTimestamp, approximated by creation). */
  readonly initialAttemptTimestamp: number;
}

/**
 * QueueSort (framework.QueueSortPlugin), decomposed so the simulator's heap keys stay fixed:
 * pods compare by priority (higher first), then `sortTime` (earlier first), then
 * `namespace/name`. `sortTime` is read when the pod enters activeQ. Without a QueueSort plugin
 * the queue is PrioritySort's: priority, then the time the pod entered the queue.
 */
export interface QueueSortPlugin extends Plugin {
  sortTime(pod: QueuedPodInfo, snapshot: ClusterSnapshot): number;
}

/** Permit's answer for a pod: allowed (null), rejected (a Status), or wait up to `timeout` seconds. */
export type PermitResult = Status | { readonly code: 'Wait'; readonly timeout: number } | null;

/**
 * What the framework gives plugins of the waiting pods (framework.Handle:
 * IterateOverWaitingPods, GetWaitingPod, WaitingPod.Allow/Reject) and of the queue
 * (PodsToActivate). The simulator implements it over its waiting-pods map.
 */
export interface WaitingPodsHandle {
  /** Pods waiting at Permit now, in the order they started waiting. */
  waitingPods(): readonly PodInfo[];
  /** WaitingPod.Allow(plugin): when every plugin that asked it to wait has allowed it, it is bound. */
  allow(pod: PodInfo, plugin: string): void;
  /** WaitingPod.Reject(plugin, msg): it is unreserved and goes back to the queue. */
  reject(pod: PodInfo, plugin: string, reason: string): void;
  /** Moves these pods, if queued (backoff or unschedulable), to activeQ (framework.PodsToActivate). */
  activate(pods: readonly PodInfo[]): void;
}

/** Permit (framework.PermitPlugin): runs after Reserve, with the pod's resources held on `node`. */
export interface PermitPlugin extends Plugin {
  permit(state: CycleState, pod: PodInfo, node: NodeInfo, snapshot: ClusterSnapshot, handle: WaitingPodsHandle): PermitResult;
}

/** Reserve's undo (framework.ReservePlugin.Unreserve): a reserved pod was rejected or deleted. */
export interface UnreservePlugin extends Plugin {
  unreserve(pod: PodInfo, node: NodeInfo, snapshot: ClusterSnapshot, handle: WaitingPodsHandle): void;
}

/**
 * A PostFilter plugin that acts on the waiting pods rather than preempting (Coscheduling's):
 * runs when no node fits the pod, before DefaultPreemption; it never makes the pod fit.
 */
export interface WaitingPostFilterPlugin extends Plugin {
  postFilter(pod: PodInfo, snapshot: ClusterSnapshot, handle: WaitingPodsHandle): void;
}

export function isQueueSort(p: Plugin): p is QueueSortPlugin {
  return typeof (p as Partial<QueueSortPlugin>).sortTime === 'function';
}
export function isPermit(p: Plugin): p is PermitPlugin {
  return typeof (p as Partial<PermitPlugin>).permit === 'function';
}
export function isUnreserve(p: Plugin): p is UnreservePlugin {
  return typeof (p as Partial<UnreservePlugin>).unreserve === 'function';
}
export function isWaitingPostFilter(p: Plugin): p is WaitingPostFilterPlugin {
  return typeof (p as Partial<WaitingPostFilterPlugin>).postFilter === 'function';
}

/** A plugin factory: the registry maps a plugin name to one of these. */
export type PluginFactory = (args: unknown) => Plugin;

/** One plugin in a profile: its name, its score weight (0 disables its Score) and its arguments. */
export interface PluginConfig {
  readonly name: string;
  readonly weight?: number | undefined;
  readonly args?: unknown;
}

/**
 * How the winner is chosen among nodes with the top total score:
 * - `random`: uniformly at random from a seeded stream (Kubernetes selectHost, reservoir sampling);
 * - `first`: the first such node in scan order (deterministic without any random draw);
 * - `rank`: the node with the smallest rank in a random permutation of the nodes (sorted by
 *   name) drawn once per run: the FGD simulator's rule, which favours the same nodes all run.
 */
export type TieBreak = 'random' | 'first' | 'rank';

/** A scheduler profile is data (KubeSchedulerProfile): plugins with weights and arguments. */
export interface ProfileConfig {
  readonly name: string;
  readonly description?: string | undefined;
  readonly plugins: readonly PluginConfig[];
  /** 0 (default) = adaptive (50 - nodes/125, floor 5); 1..100 = that percentage. */
  readonly percentageOfNodesToScore?: number | undefined;
  readonly tieBreak?: TieBreak | undefined;
}

/** A uniform random source in [0, 1). Policies get one handed in; they never make their own. */
export interface RandomSource {
  next(): number;
}

/** Why a pod fits nowhere: nodes per rejection reason, and the plugins that rejected it. */
export interface FitError {
  readonly pod: string;
  readonly numAllNodes: number;
  readonly reasons: ReadonlyMap<string, number>;
  /** Names of the plugins that rejected at least one node (UnschedulablePlugins). */
  readonly unschedulablePlugins: ReadonlySet<string>;
  /** Union of ClusterEvent bits those plugins registered: the events worth a retry. */
  readonly events: number;
}

/** A pod on a node, as preemption weighs it. */
export interface VictimInfo {
  readonly pod: import('./pod.js').PodInfo;
  readonly priority: number;
  /** status.startTime (seconds); of two pods of one priority, the one that started earlier is more important. */
  readonly startTime: number;
}

/**
 * The PodDisruptionBudgets of candidate victims: the budget a pod belongs to (undefined: none)
 * and how many more disruptions it allows now.
 */
export interface DisruptionBudgets {
  budgetOf(pod: import('./pod.js').PodInfo): string | undefined;
  allowed(budget: string): number;
}

/**
 * What a preemption search needs of the cluster beyond the snapshot (the simulator provides
 * it): the pods of a node with their priorities and start times, and taking pods off a node and
 * putting them back for the dry runs, which the caller undoes afterwards in any case.
 */
export interface PreemptionHandle {
  podsOn(node: import('./node.js').NodeInfo): readonly VictimInfo[];
  remove(pod: import('./pod.js').PodInfo, node: import('./node.js').NodeInfo): void;
  restore(pod: import('./pod.js').PodInfo, node: import('./node.js').NodeInfo): void;
  readonly budgets?: DisruptionBudgets | undefined;
  /**
   * Whether any pod on a node has a priority below this one; when none has, no node can offer a
   * victim and the search is skipped (the same answer, without the dry runs). Optional.
   */
  hasPodBelow?(priority: number): boolean;
}

/** Where a preemptor is nominated and the pods to delete for it (PostFilterResult). */
export interface PreemptionResult {
  readonly node: number;
  readonly victims: readonly import('./pod.js').PodInfo[];
  readonly numPDBViolations: number;
}

/**
 * What the engine drives: anything that picks a node for a pod from a snapshot. The framework
 * (src/schedulers/framework.ts) implements it; so can a user's own scheduler.
 */
export interface Scheduler {
  readonly name: string;
  /** Index of the chosen node in snapshot.nodes, or -1 when the pod fits nowhere. */
  schedule(pod: import('./pod.js').PodInfo, snapshot: import('./node.js').ClusterSnapshot, random: RandomSource): number;
  /** After a failed schedule(): why, and which cluster events could help (all events if absent). */
  readonly lastFitError?: FitError | undefined;
  /** Nodes whose filters ran in the last cycle (for metrics), if the scheduler counts them. */
  readonly lastEvaluated?: number | undefined;
  /** After a successful schedule() of a GPU pod: the device indexes chosen at Reserve. */
  readonly lastGPUs?: readonly number[] | undefined;
  /**
   * After a failed schedule(): the nodes (snapshot indexes) rejected as Unschedulable rather
   * than UnschedulableAndUnresolvable, where preemption might help. Absent: the scheduler does
   * not say, and preemption considers no node.
   */
  readonly lastResolvableNodes?: readonly number[] | undefined;
  /** DefaultPreemption's arguments when the profile enables preemption (PostFilter). */
  readonly preemption?: PostFilterPlugin['preemption'] | undefined;
  /**
   * PostFilter after a failed schedule(): the node to nominate the pod to and the lower-priority
   * pods to delete there, or undefined when preemption cannot help (or is not enabled).
   */
  preempt?(pod: import('./pod.js').PodInfo, snapshot: import('./node.js').ClusterSnapshot, handle: PreemptionHandle, random: RandomSource): PreemptionResult | undefined;
  /**
   * The scheduler's own PreFilter and Filter plugins, without scoring: the nodes of `candidates`
   * (in order) where the pod fits, at most `limit` of them. Cluster autoscalers use it to ask
   * "would this pod fit on that (template) node?" (cluster-autoscaler's PredicateChecker).
   */
  findFeasible?(pod: import('./pod.js').PodInfo, snapshot: import('./node.js').ClusterSnapshot, candidates: readonly import('./node.js').NodeInfo[], limit: number): import('./node.js').NodeInfo[];
  /** The profile's QueueSort, when it has one (every profile of a run must share it, as upstream requires). */
  readonly queueSort?: QueueSortPlugin | undefined;
  /**
   * Permit, when the profile has Permit plugins: the pod is already reserved on `node`. A reject
   * names the plugin and the events that could help; a wait gives the earliest timeout of the
   * plugins that asked to wait and their names (each must allow).
   */
  permit?(pod: PodInfo, node: NodeInfo, snapshot: ClusterSnapshot, handle: WaitingPodsHandle): PermitOutcome;
  /** Unreserve of every plugin that has it, in reverse profile order (RunReservePluginsUnreserve). */
  unreserve?(pod: PodInfo, node: NodeInfo, snapshot: ClusterSnapshot, handle: WaitingPodsHandle): void;
  /** The waiting-pods PostFilter plugins, after a failed schedule() and before preemption. */
  postFilterWaiting?(pod: PodInfo, snapshot: ClusterSnapshot, handle: WaitingPodsHandle): void;
}

/** RunPermitPlugins' verdict (framework/runtime/framework.go). */
export type PermitOutcome =
  | { readonly code: 'Allow' }
  | { readonly code: 'Reject'; readonly plugin: string; readonly reason: string; readonly events: number }
  | { readonly code: 'Wait'; readonly timeout: number; readonly plugins: readonly string[]; readonly events: number };

/** Simulated seconds in a message: to the millisecond, no trailing zeros (76.869, 120). */
export function simulatedSeconds(time: number): string {
  return String(Number(time.toFixed(3)));
}

/** A plugin threw: reported with the plugin, the pod and the node it was handling. */
export class PluginError extends Error {
  constructor(
    readonly plugin: string,
    readonly point: string,
    readonly pod: string,
    readonly node: string | undefined,
    override readonly cause: unknown,
    /** Simulated seconds when it happened (the simulator adds it; the extender has none). */
    readonly time?: number | undefined,
  ) {
    super(`plugin ${plugin} ${point} failed for pod ${pod}${node !== undefined ? ` on node ${node}` : ''}${time !== undefined ? ` at simulated time ${simulatedSeconds(time)} s` : ''}: ${cause instanceof Error ? cause.message : String(cause)}`);
    this.name = 'PluginError';
  }

  /** The same failure, with the simulated time it happened at. */
  at(time: number): PluginError {
    return new PluginError(this.plugin, this.point, this.pod, this.node, this.cause, time);
  }
}

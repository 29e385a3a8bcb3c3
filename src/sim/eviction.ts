import type { DisruptionBudgetSpec, EvictionOutcome } from '../api/disruption.js';
import { PodPhase } from '../api/pod.js';
import type { PodTable } from './pods.js';

/**
 * PodDisruptionBudget objects as the store keeps them (spec and status), and the eviction
 * subresource's decision (KUBERNETES.md 7.6; kubernetes pkg/registry/core/pod/storage/eviction.go).
 * The disruption controller (controllers/disruption.ts) writes the status and the member pods;
 * the lifecycle API's `evict` reads them, as the eviction REST handler reads the PDB's status.
 */

/** Counts of eviction requests against one budget. */
export interface EvictionCounts {
  attempted: number;
  /** 201: the pod was deleted. */
  allowed: number;
  /** 429 TooManyRequests: "Cannot evict pod as it would violate the pod's disruption budget." */
  blocked: number;
  /** 500 or 403: the pod has more than one budget, or too many evictions await deletion. */
  failed: number;
}

export interface DisruptionBudgetRecord {
  readonly index: number;
  readonly spec: DisruptionBudgetSpec;
  /** Pods the selector matches that are not gone (the controller keeps this). */
  readonly members: Set<number>;
  /** status.expectedPods, desiredHealthy, currentHealthy, disruptionsAllowed. */
  expected: number;
  desiredHealthy: number;
  currentHealthy: number;
  disruptionsAllowed: number;
  /** False while the budget cannot be computed (a pod with no scalable controller): disruptionsAllowed is 0 (disruption.go failSafe). */
  synced: boolean;
  /**
   * status.disruptedPods: pods approved for eviction and when. A pod listed here is not counted
   * healthy until deleted or DeletionTimeout (2 min) passes; here an evicted pod is deleted at
   * once (no termination grace period), so an entry lasts until its pod is gone.
   */
  readonly disruptedPods: Map<number, number>;
  readonly evictions: EvictionCounts;
}

/** eviction.go MaxDisruptedPodSize: a budget with more pods pending deletion refuses evictions (403). */
export const MAX_DISRUPTED_POD_SIZE = 2000;

/** disruption.go DeletionTimeout: an approved eviction not carried out by then stops counting against the budget. */
export const DELETION_TIMEOUT = 120;

export interface EvictionDecision {
  readonly outcome: EvictionOutcome;
  /** The pod's budget (undefined: none, or several). */
  readonly budget: DisruptionBudgetRecord | undefined;
  /** Whether the approval consumes one of the budget's disruptions (checkAndDecrement). */
  readonly decrement: boolean;
  readonly reason: string;
}

/**
 * Where in `budgets` the first PodDisruptionBudget at or after position `from` that selects the
 * pod is; -1 when none. The eviction API refuses a pod that two select, so its callers look again
 * from the next position.
 */
export function selectingBudgetAt(budgets: readonly DisruptionBudgetRecord[], id: number, from = 0): number {
  for (let k = from; k < budgets.length; k++) if (budgets[k]!.members.has(id)) return k;
  return -1;
}

/**
 * Whether the eviction API deletes the pod now (eviction.go, Create):
 * - a pod that is Pending (not started), Succeeded or Failed is deleted without a budget check
 *   (canIgnorePDB); in the simulator a pod bound but never started is Pending in Kubernetes terms;
 * - no budget: deleted; more than one: 500 "This pod has more than one PodDisruptionBudget";
 * - a pod that is not Ready: with unhealthyPodEvictionPolicy AlwaysAllow, deleted; with
 *   IfHealthyBudget, deleted when currentHealthy >= desiredHealthy > 0, else 429; neither case
 *   consumes a disruption;
 * - a Ready pod: checkAndDecrement: 403 past MaxDisruptedPodSize, 429 when disruptionsAllowed is
 *   0, else approved (disruptionsAllowed - 1, the pod listed in disruptedPods).
 */
export function decideEviction(pods: PodTable, id: number, budgets: readonly DisruptionBudgetRecord[]): EvictionDecision {
  const phase = pods.phase[id];
  const notStarted = phase === PodPhase.Pending || (phase === PodPhase.Bound && Number.isNaN(pods.startedAt[id]!));
  if (notStarted || phase === PodPhase.Succeeded || phase === PodPhase.Failed) return { outcome: 'evicted', budget: undefined, decrement: false, reason: 'pod not running: no budget check (canIgnorePDB)' };
  const at = selectingBudgetAt(budgets, id);
  if (at >= 0 && selectingBudgetAt(budgets, id, at + 1) >= 0) return { outcome: 'error', budget: undefined, decrement: false, reason: 'This pod has more than one PodDisruptionBudget, which the eviction subresource does not support.' };
  const budget = at >= 0 ? budgets[at] : undefined;
  if (!budget) return { outcome: 'evicted', budget, decrement: false, reason: 'no PodDisruptionBudget' };
  const ready = pods.ready[id] === 1;
  if (!ready) {
    if (budget.spec.unhealthyPodEvictionPolicy === 'AlwaysAllow') return { outcome: 'evicted', budget, decrement: false, reason: 'unready pod, unhealthyPodEvictionPolicy AlwaysAllow' };
    if (budget.currentHealthy >= budget.desiredHealthy && budget.desiredHealthy > 0) return { outcome: 'evicted', budget, decrement: false, reason: 'unready pod, budget healthy' };
    return { outcome: 'blocked', budget, decrement: false, reason: `Cannot evict pod as it would violate the pod's disruption budget ${budget.spec.name} (unready pod, IfHealthyBudget)` };
  }
  if (budget.disruptedPods.size > MAX_DISRUPTED_POD_SIZE) return { outcome: 'error', budget, decrement: false, reason: `DisruptedPods map too big - too many evictions not confirmed by PDB controller` };
  if (budget.disruptionsAllowed <= 0) return { outcome: 'blocked', budget, decrement: false, reason: `Cannot evict pod as it would violate the pod's disruption budget ${budget.spec.name}` };
  return { outcome: 'evicted', budget, decrement: true, reason: `budget ${budget.spec.name} allowed ${budget.disruptionsAllowed}` };
}

/** kubectl pkg/drain/drain.go EvictErrorRetryDelay: a 429 is retried after 5 s. */
export const EVICT_ERROR_RETRY_DELAY = 5;

/**
 * One drain of nodes through the eviction API: a planned drain (kubectl drain) or a cluster
 * autoscaler's scale-down of a node.
 * - completed: every pod evicted (`finished` is when);
 * - timed-out: still refused when --timeout passed (kubectl: "global timeout reached");
 * - blocked: still refused when the maintenance window closed or the autoscaler gave up;
 * - failed: an eviction answered an error other than 429 (several budgets);
 * - waiting: still retrying at the horizon (a drain that may never finish).
 */
export interface DrainRecord {
  readonly source: string;
  readonly nodes: readonly string[];
  readonly started: number;
  finished: number;
  outcome: 'waiting' | 'completed' | 'timed-out' | 'blocked' | 'failed';
  /** Eviction requests refused with 429, retries included. */
  blockedEvictions: number;
}

/** The disruption part of a run's result: budgets at the horizon, evictions, drains. */
export interface DisruptionResult {
  readonly budgets: readonly {
    readonly name: string;
    readonly namespace: string;
    /** Status at the horizon. */
    readonly expected: number;
    readonly desiredHealthy: number;
    readonly currentHealthy: number;
    readonly disruptionsAllowed: number;
    readonly evictions: EvictionCounts;
  }[];
  /** Eviction requests against the budgets, all budgets together. */
  readonly evictions: EvictionCounts;
  readonly drains: {
    readonly started: number;
    readonly completed: number;
    readonly timedOut: number;
    readonly blocked: number;
    readonly failed: number;
    /** Still retrying at the horizon (a drain that may never finish). */
    readonly waiting: number;
    /** Seconds each drain waited: from its start to its end, or to the horizon. */
    readonly waitSeconds: { readonly mean: number; readonly max: number };
    readonly list: readonly { readonly source: string; readonly nodes: readonly string[]; readonly started: number; readonly finished: number | null; readonly outcome: DrainRecord['outcome']; readonly waitedSeconds: number; readonly blockedEvictions: number }[];
  };
}

/** The disruption result, when the run has budgets (without them every eviction succeeds at once and nothing is reported). */
export function disruptionResult(budgets: readonly DisruptionBudgetRecord[], drains: readonly DrainRecord[], horizon: number): DisruptionResult | undefined {
  if (budgets.length === 0) return undefined;
  const total: EvictionCounts = { attempted: 0, allowed: 0, blocked: 0, failed: 0 };
  for (const b of budgets) {
    total.attempted += b.evictions.attempted;
    total.allowed += b.evictions.allowed;
    total.blocked += b.evictions.blocked;
    total.failed += b.evictions.failed;
  }
  const list = drains.map((d) => ({
    source: d.source,
    nodes: d.nodes,
    started: d.started,
    finished: Number.isNaN(d.finished) ? null : d.finished,
    outcome: d.outcome,
    waitedSeconds: (Number.isNaN(d.finished) ? horizon : d.finished) - d.started,
    blockedEvictions: d.blockedEvictions,
  }));
  const count = (o: DrainRecord['outcome']) => list.filter((d) => d.outcome === o).length;
  const waits = list.map((d) => d.waitedSeconds);
  return {
    budgets: budgets.map((b) => ({
      name: b.spec.name, namespace: b.spec.namespace, expected: b.expected, desiredHealthy: b.desiredHealthy, currentHealthy: b.currentHealthy, disruptionsAllowed: b.disruptionsAllowed, evictions: { ...b.evictions },
    })),
    evictions: total,
    drains: {
      started: list.length,
      completed: count('completed'),
      timedOut: count('timed-out'),
      blocked: count('blocked'),
      failed: count('failed'),
      waiting: count('waiting'),
      waitSeconds: { mean: waits.length ? waits.reduce((a, b) => a + b, 0) / waits.length : 0, max: waits.length ? Math.max(...waits) : 0 },
      list,
    },
  };
}

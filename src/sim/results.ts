import type { ResourceQuotaResult } from './controllers/resource-quota.js';
import type { StrandedCapacity } from './stranded.js';
import type { SwarmSchedulingResult } from './controllers/swarm/scheduler.js';
import type { Workload } from '../api/workload.js';
import type { Incident, IncidentMetrics } from './failures.js';
import type { LoadEventOutcome } from './service-traffic.js';
import { quantileSorted } from '../util/stats.js';
import type { DisruptionResult } from './eviction.js';
import type { QueueingResult } from './kueue/recorder.js';

/** What one run returns: data, formatted elsewhere (STYLE.md habit 6). */


/** One scaling action, for the result's action log. */
export interface ScalingAction {
  readonly time: number;
  /** `hpa/<service>` or the cluster autoscaler's name. */
  readonly scaler: string;
  readonly action: 'scale-up' | 'scale-down' | 'node-ready' | 'scale-up-failed' | 'node-removed' | 'scale-down-failed';
  /** The service, node group or node acted on. */
  readonly target: string;
  readonly from: number;
  readonly to: number;
  readonly reason: string;
}

export interface ServiceScaling {
  readonly name: string;
  readonly replicas: { readonly initial: number; readonly min: number; readonly max: number; readonly mean: number; readonly final: number };
  readonly hpa: { readonly minReplicas: number; readonly maxReplicas: number } | null;
  readonly requests: { readonly offered: number; readonly served: number; readonly dropped: number; readonly servedFraction: number } | null;
  readonly slo: { readonly servedFraction: number; readonly violationMinutes: number } | null;
  readonly loadEvents: readonly LoadEventOutcome[];
}

export interface PoolCost {
  readonly name: string;
  readonly autoscaled: boolean;
  readonly pricePerHour: number;
  /** Billed from the scale-up request (the VM is launched) to the node's removal. */
  readonly nodeHours: number;
  readonly cost: number;
  readonly nodes: { readonly min: number; readonly max: number; readonly final: number };
}

export interface AutoscalingResult {
  readonly actions: readonly ScalingAction[];
  readonly services: readonly ServiceScaling[];
  readonly pools: readonly PoolCost[];
  readonly nodeHours: number;
  readonly cost: number;
  /** Sampled every sampleInterval: time, nodes, provisioning, then per scaled service replicas, ready, rps, served fraction. */
  readonly timeseries: { readonly columns: readonly string[]; readonly rows: readonly (readonly number[])[] };
}

export interface DistributionSummary {
  readonly count: number;
  readonly mean: number;
  readonly p50: number;
  readonly p95: number;
  readonly p99: number;
  readonly max: number;
}

/** Scheduling by one profile (schedulerName), in runs where pods name more than one scheduler. */
export interface ProfileSchedulingMetrics {
  /** The pods' spec.schedulerName ("default-scheduler" for the scenario's default profile). */
  readonly schedulerName: string;
  /** The profile placing them; absent when no profile has the name (its pods stay Pending). */
  readonly profile?: string | undefined;
  readonly pods: number;
  readonly scheduled: number;
  /** Pods still pending at the horizon. */
  readonly pending: number;
  readonly attempts: number;
  readonly failedAttempts: number;
  readonly pendingSeconds: DistributionSummary;
}

export interface PodCounts {
  readonly submitted: number;
  readonly scheduled: number;
  readonly unschedulable: number;
  readonly completed: number;
  readonly pending: number;
  readonly bound: number;
  readonly running: number;
  readonly failed: number;
  /** Deleted on purpose: removed by a scale-down, or evicted from a node the autoscaler drained. */
  readonly deleted: number;
}

/** Per-workload counts and pending times. */
export interface WorkloadMetrics {
  readonly name: string;
  readonly kind: Workload['kind'];
  readonly submitted: number;
  readonly scheduled: number;
  readonly completed: number;
  readonly pending: number;
  readonly pendingSeconds: DistributionSummary;
}

/** Per-service availability over its window (from the first time all replicas were ready). */
export interface ServiceAvailability {
  readonly name: string;
  readonly desired: number;
  readonly minAvailable: number;
  /** Fraction of the window with ready replicas >= desired. */
  readonly availability: number;
  /** Fraction of the window with ready replicas >= minAvailable. */
  readonly availabilityMin: number;
  readonly downtimeMinutes: number;
  readonly downtimeMinutesMin: number;
  /** Seconds from the service's start to the first time all replicas were ready (NaN if never). */
  readonly rolloutSeconds: number;
  readonly windowSeconds: number;
}

/** One rollout of a Deployment (a template change, an undo, a rollback on failure), as measured. */
export interface RolloutOutcome {
  readonly workload: string;
  /** The revision rolled out. */
  readonly revision: number;
  readonly cause: 'update' | 'undo' | 'rollback-on-failure';
  readonly start: number;
  /** When it completed, was superseded or rolled back (NaN while in progress at the horizon). */
  readonly end: number;
  readonly durationSeconds: number;
  /** `paused`: a Swarm update stopped by its failure_action (pause), or a rollback that failed. */
  readonly outcome: 'complete' | 'superseded' | 'rolled-back' | 'in-progress' | 'deadline-exceeded' | 'paused';
  /** When the Progressing condition turned ProgressDeadlineExceeded (NaN: never). */
  readonly deadlineExceededAt: number;
  /** A later undo (or rollbackOnFailure) took this revision back. */
  readonly rolledBack: boolean;
  /** spec.replicas when it started. */
  readonly replicas: number;
  /** Fewest available (ready for minReadySeconds) and ready pods, and most pods, during it. */
  readonly minAvailable: number;
  readonly minReady: number;
  readonly maxPods: number;
  /** Served fraction of the requests offered during it (NaN without a load model). */
  readonly servedFraction: number;
  /** Nodes the cluster autoscaler added during it, and node-hours and cost above the nodes billed at its start (until it ended). */
  readonly nodesAdded: number;
  readonly surgeNodeHours: number;
  readonly surgeCost: number;
}

export const TIMESERIES_COLUMNS = ['time', 'cpu', 'memory', 'gpu', 'pending', 'running', 'completed'] as const;

export interface SimulationResult {
  readonly horizon: number;
  readonly nodes: number;
  readonly allocatable: { readonly milliCPU: number; readonly memory: number; readonly milliGPU: number };
  readonly utilization: { readonly cpu: number; readonly memory: number; readonly gpu: number };
  readonly pods: PodCounts;
  readonly pendingSeconds: DistributionSummary;
  /** Pending-time quantiles at 0, 1, ..., 100 % (type 7), for distribution charts; empty with no samples. */
  readonly pendingCdf: readonly number[];
  /**
   * Waits for a node of every pod created: the scheduled pods' pending times, and the pods still
   * pending at the horizon with their wait so far (right-censored: their true wait is longer).
   * So an undersized cluster whose queue never drains does not look fast (pendingSeconds counts
   * scheduled pods only).
   */
  readonly waitingSeconds: DistributionSummary;
  readonly scheduling: { readonly attempts: number; readonly failedAttempts: number; readonly nodesEvaluated: number };
  readonly workloads: readonly WorkloadMetrics[];
  readonly incidents: IncidentMetrics;
  readonly incidentList: readonly Incident[];
  readonly availability: readonly ServiceAvailability[];
  readonly events: number;
  /** Rows of TIMESERIES_COLUMNS. */
  readonly timeseries: readonly (readonly number[])[];
  /** Replicas, nodes, requests and cost, when the run has load models, autoscalers or prices. */
  readonly autoscaling?: AutoscalingResult | undefined;
  /** What the scheduler's preemptions cost, when there were any. */
  readonly preemption?: PreemptionMetrics | undefined;
  /** The node agents' pods and the capacity they take, when the run has DaemonSets. */
  readonly daemonSets?: DaemonSetMetrics | undefined;
  /** PodDisruptionBudgets, evictions and drains, when the scenario has budgets. */
  readonly disruption?: DisruptionResult | undefined;
  /** The Deployments' rollouts, when the scenario has any. */
  readonly rollouts?: readonly RolloutOutcome[] | undefined;
  /** Scheduling per profile, when pods name more than one scheduler profile. */
  readonly schedulers?: readonly ProfileSchedulingMetrics[] | undefined;
  /** Free capacity no submitted pod could use for want of another resource on its node (with a time series). */
  readonly stranded?: StrandedCapacity | undefined;
  /** ResourceQuotas: pods held for room, their waits, the peak use against the hard limits. */
  readonly resourceQuotas?: readonly ResourceQuotaResult[] | undefined;
  /** Docker Swarm runs: the scheduler's ticks and why tasks found no node. */
  readonly swarm?: SwarmSchedulingResult | undefined;
  /** Kueue's queues: admission waits, quota usage and borrowing, fair shares, when the scenario has queueing. */
  readonly queueing?: QueueingResult | undefined;
  /** Gangs (PodGroups), in runs that have any. */
  readonly gangs?: GangMetrics | undefined;
}

/** Gang scheduling: PodGroups and what waiting for them cost (src/sim/gang-metrics.ts). */
export interface GangMetrics {
  /** PodGroups with at least one pod created by the horizon. */
  readonly submitted: number;
  /** Groups whose bound members reached minMember. */
  readonly scheduled: number;
  /** Times a group's wait at Permit timed out (each rejects the group's waiting pods). */
  readonly timedOut: number;
  /** Pods rejected at Permit or while waiting there (timeouts, PostFilter, a sibling's rejection). */
  readonly rejectedPods: number;
  /** From a group's first pod created to its minMember-th member bound, over the scheduled groups (seconds). */
  readonly waitSeconds: DistributionSummary;
  /**
   * Requests held without doing a gang's work: by pods reserved at Permit, and by bound members
   * of a gang that has not yet reached minMember bound. Core-seconds and GPU-seconds, and their
   * share of the allocatable over the run; `reserved*` is the part held at Permit.
   */
  readonly heldIdle: {
    readonly cpuCoreSeconds: number;
    readonly gpuSeconds: number;
    readonly cpuShare: number;
    readonly gpuShare: number;
    readonly reservedCpuCoreSeconds: number;
    readonly reservedGpuSeconds: number;
  };
}

export interface PreemptionMetrics {
  /** Pods that preempted (PostFilter chose victims for them). */
  readonly preemptors: number;
  /** Pods deleted to make room, in all and per workload (workload order, those with victims). */
  readonly victims: number;
  readonly victimsByWorkload: Readonly<Record<string, number>>;
  /** Work the victims had done since they started, lost (batch and Job pods: cpu and GPU hours). */
  readonly lostCpuHours: number;
  readonly lostGpuHours: number;
  /** Waits of the preemptors that were then bound, from creation (seconds). */
  readonly preemptorWaitSeconds: DistributionSummary;
}

/** DaemonSet pods at the horizon: the capacity every node gives its agents before any workload. */
export interface DaemonSetMetrics {
  /** Daemon pods on a node, and daemon pods still waiting for theirs (it has no room). */
  readonly pods: number;
  readonly pending: number;
  /** What the daemon pods on nodes request, and its share of the live nodes' allocatable. */
  readonly requested: { readonly milliCPU: number; readonly memory: number };
  readonly share: { readonly cpu: number; readonly memory: number };
}

/** Quantiles at every whole percent (101 values) of sorted samples, or none without samples. */
export function percentiles(sorted: Float64Array): number[] {
  if (sorted.length === 0) return [];
  return Array.from({ length: 101 }, (_, k) => quantileSorted(sorted, k / 100));
}

/**
 * The sum of the values, in order. A function of its own: a long array's loop is compiled on the
 * stack (OSR) where summarize ran it, and that code, entered again at every later call, gave up
 * after the loop where it had no feedback yet - about 80 times per run of the autoscaled week
 * (bench/README.md, "Autoscaled week, sixth pass").
 */
function sumOf(values: Float64Array): number {
  let sum = 0;
  for (let i = 0; i < values.length; i++) sum += values[i]!;
  return sum;
}

/** Mean and quantiles of sorted pending times; all 0 when there are no samples. */
export function summarize(sorted: Float64Array): DistributionSummary {
  const n = sorted.length;
  if (n === 0) return { count: 0, mean: 0, p50: 0, p95: 0, p99: 0, max: 0 };
  return {
    count: n,
    mean: sumOf(sorted) / n,
    p50: quantileSorted(sorted, 0.5),
    p95: quantileSorted(sorted, 0.95),
    p99: quantileSorted(sorted, 0.99),
    max: sorted[n - 1]!,
  };
}

import type { RandomSource } from './framework.js';
import type { Labels } from './labels.js';
import type { NodeInfo, Taint } from './node.js';
import type { PodInfo } from './pod.js';
import type { Resources } from './resources.js';

/**
 * The autoscaler policy API. Like scheduler plugins, autoscalers see plain views and return
 * decisions; the simulator drives them in simulated time and a production controller loop could
 * drive them against a real cluster. They never read a clock or a random source other than the
 * ones handed in. Shapes and defaults follow autoscaling/v2 and the cluster-autoscaler FAQ
 * (../shared/docs/KUBERNETES.md sections 4 and 5).
 */

// ---- Horizontal Pod Autoscaler (autoscaling/v2) -------------------------------------------

/**
 * A metric target: Utilization is a percentage of the pods' requests (Resource metrics only);
 * AverageValue is per pod; Value is the metric's total (External metrics only).
 */
export type MetricTarget =
  | { readonly type: 'Utilization'; readonly averageUtilization: number }
  | { readonly type: 'AverageValue'; readonly averageValue: number }
  | { readonly type: 'Value'; readonly value: number };

/**
 * One metric of an HPA: Resource (name `cpu` or `memory`, read per pod), Pods (a per-pod custom
 * metric such as `requests_per_second`) or External (one value for the whole target).
 */
export interface MetricSpec {
  readonly type: 'Resource' | 'Pods' | 'External';
  readonly name: string;
  readonly target: MetricTarget;
}

export interface HPAScalingPolicy {
  readonly type: 'Pods' | 'Percent';
  readonly value: number;
  readonly periodSeconds: number;
}

export interface HPAScalingRules {
  readonly stabilizationWindowSeconds: number;
  readonly selectPolicy: 'Max' | 'Min' | 'Disabled';
  readonly policies: readonly HPAScalingPolicy[];
}

export interface HorizontalPodAutoscalerSpec {
  readonly minReplicas: number;
  readonly maxReplicas: number;
  readonly metrics: readonly MetricSpec[];
  readonly behavior: { readonly scaleUp: HPAScalingRules; readonly scaleDown: HPAScalingRules };
  /** --horizontal-pod-autoscaler-tolerance: no change while |ratio - 1| <= tolerance. */
  readonly tolerance: number;
  /** --horizontal-pod-autoscaler-cpu-initialization-period (seconds). */
  readonly cpuInitializationPeriod: number;
  /** --horizontal-pod-autoscaler-initial-readiness-delay (seconds). */
  readonly initialReadinessDelay: number;
}

/** Kubernetes defaults (autoscaling/v2 HorizontalPodAutoscalerBehavior, kube-controller-manager flags). */
export const DEFAULT_SCALE_UP_RULES: HPAScalingRules = {
  stabilizationWindowSeconds: 0,
  selectPolicy: 'Max',
  policies: [
    { type: 'Percent', value: 100, periodSeconds: 15 },
    { type: 'Pods', value: 4, periodSeconds: 15 },
  ],
};
export const DEFAULT_SCALE_DOWN_RULES: HPAScalingRules = {
  stabilizationWindowSeconds: 300,
  selectPolicy: 'Max',
  policies: [{ type: 'Percent', value: 100, periodSeconds: 15 }],
};
export const HPA_DEFAULTS = {
  syncPeriod: 15,
  tolerance: 0.1,
  cpuInitializationPeriod: 300,
  initialReadinessDelay: 30,
} as const;

/** A metric sample of one pod, as the metrics API returns it. */
export interface PodMetricSample {
  readonly value: number;
  /** When the sample was taken, and the window it averages over (seconds). */
  readonly timestamp: number;
  readonly window: number;
}

/** What the HPA sees of one pod of its scale target (pod lister + metrics client). */
export interface ScaledPod {
  readonly name: string;
  /** Kubernetes phase: Pending until the containers run (unscheduled or starting). */
  readonly phase: 'Pending' | 'Running' | 'Failed';
  /** Has a deletionTimestamp. */
  readonly deleting: boolean;
  /** The Ready condition. */
  readonly ready: boolean;
  /** status.startTime (when the kubelet took the pod); NaN while unscheduled. */
  readonly startTime: number;
  /** lastTransitionTime of the Ready condition; NaN when it never changed. */
  readonly readyTransitionTime: number;
  /** Effective requests (Utilization targets divide by them). */
  readonly requests: Resources;
  /** The sample of a metric (cpu in milli-CPU, memory in bytes, Pods metrics as named); undefined = missing. */
  metric(name: string): PodMetricSample | undefined;
}

/** The scale target (a Deployment) at one sync. */
export interface ScaleTargetStatus {
  /** spec.replicas now. */
  readonly currentReplicas: number;
  readonly pods: readonly ScaledPod[];
  /** An External metric's value; undefined = missing. */
  external(name: string): number | undefined;
}

export interface HorizontalScaleDecision {
  readonly desiredReplicas: number;
  /** Why this count (e.g. "cpu above target", "ScaleUpLimit", "DesiredWithinRange", "TooFewReplicas"). */
  readonly reason: string;
}

/** One HPA object: keeps its own recommendation history and scale events between syncs. */
export interface HorizontalAutoscaler {
  readonly spec: HorizontalPodAutoscalerSpec;
  /** One reconcile at simulated time `now`; the caller applies `desiredReplicas`. */
  sync(target: ScaleTargetStatus, now: number): HorizontalScaleDecision;
  /**
   * Optional: sync() whose decision is one object reused by every call (read it before the next
   * one), its reason built only when read. The HPA controller uses it when present: a sync runs
   * every 15 s for every HPA and the reason is read only when the count changes (issue 23).
   */
  syncInPlace?(target: ScaleTargetStatus, now: number): HorizontalScaleDecision;
  /**
   * Optional, with syncIfSteady: the spec's metric when it has one only, a Resource metric with a
   * Utilization target: its resource, how many milli-units one unit of its samples is (the
   * replica calculator's milliScale) and the calculator's rule for adding pods to a tally (the
   * controller adds the young pods through it, as tallyPods would). Undefined otherwise:
   * syncIfSteady then always declines.
   */
  readonly steadyMetric?: { readonly resource: string; readonly scale: number; readonly addPods: TallyQuery['addPods'] } | undefined;
  /**
   * Optional: the sync of a target whose pods are all counted by the replica calculator (none
   * pending, unready, missing a sample or a request): `counted` > 0 of them, with their usage and
   * requests of steadyMetric's resource summed in milli-units as its tally sums them. When sync()
   * would keep the count (the metric proposes it, as at most syncs, or the stabilization window
   * holds another proposal back), records the sync as sync() would and returns true: the decision
   * is to keep the count. Otherwise it changes nothing sync() would read and returns false, and
   * the caller syncs as usual. The HPA controller uses it when present (issue 23): such a sync
   * needs neither the pod views nor a decision object.
   */
  syncIfSteady?(currentReplicas: number, counted: number, usage: number, requests: number, now: number): boolean;
}

export type HorizontalAutoscalerFactory = (spec: HorizontalPodAutoscalerSpec) => HorizontalAutoscaler;

// ---- Cluster autoscaling (node groups) -----------------------------------------------------

/** The node a group adds: what a template NodeInfo is built from. */
export interface NodeTemplate {
  readonly labels: Labels;
  readonly taints: readonly Taint[];
  readonly allocatable: Resources;
  readonly allowedPodNumber: number;
  readonly gpuModel?: string | undefined;
}

export interface NodeGroupSpec {
  readonly name: string;
  readonly min: number;
  readonly max: number;
  readonly template: NodeTemplate;
  /** Price of one node per hour (any currency). */
  readonly pricePerHour: number;
  /** For the priority expander: higher is preferred. */
  readonly priority: number;
}

export interface NodeGroupStatus {
  readonly spec: NodeGroupSpec;
  /** Registered nodes plus nodes still provisioning (the cloud's target size). */
  readonly targetSize: number;
  /** Nodes requested but not yet ready. */
  readonly provisioning: number;
  /** Time of the group's last failed scale-up (a node not ready within max-node-provision-time); NaN if none. */
  readonly lastScaleUpFailure: number;
}

export interface ScalableNode {
  /** Live view of the node (requested, pods...). */
  readonly node: NodeInfo;
  /** Its node group; undefined for nodes no autoscaler owns. */
  readonly group: string | undefined;
  readonly ready: boolean;
  /** When it became ready (registered). */
  readonly readySince: number;
}

/**
 * Who owns a pod: bare pods (no controller) cannot be moved by a drain; DaemonSet pods are not
 * moved either, they go with their node (drainability/rules/daemonset in cluster-autoscaler).
 */
export interface PodController {
  readonly kind: 'Deployment' | 'Job' | 'DaemonSet' | 'None';
  readonly name: string;
}

/**
 * A what-if copy of the cluster for one scan: speculative binds, node additions from templates
 * and removals, all reverted when `ClusterAutoscalerContext.simulate` returns.
 */
export interface ClusterSimulation {
  /** The what-if nodes: real ones (minus removed) and added ones. */
  readonly nodes: readonly NodeInfo[];
  /**
   * Adds a node built from a group's template, with the DaemonSet pods that would run on it
   * (cluster-autoscaler builds template NodeInfos so: simulator/node_info_utils.go with
   * daemonset.GetDaemonSetPodsForNode).
   */
  addNode(group: string): NodeInfo;
  /**
   * Removes a node; returns its pods, now unbound (place them elsewhere or drop them), but for
   * its DaemonSet pods, which go with it (a drain leaves them: cluster-autoscaler's
   * drainability/rules/daemonset, kubectl drain --ignore-daemonsets).
   */
  removeNode(node: NodeInfo): readonly PodInfo[];
  /** Runs the scheduler's own PreFilter and Filter plugins for the pod on this node. */
  fits(pod: PodInfo, node: NodeInfo): boolean;
  /**
   * The first of `candidates` (default: all what-if nodes, in order) where the pod fits. Within
   * one what-if, a candidate array passed again is taken to be unchanged (do not mutate it).
   */
  findNode(pod: PodInfo, candidates?: readonly NodeInfo[]): NodeInfo | undefined;
  /** Binds the pod to the node in the what-if cluster (the caller checked `fits`). */
  place(pod: PodInfo, node: NodeInfo): void;
}

/** What a cluster autoscaler sees at one scan. */
export interface ClusterAutoscalerContext {
  readonly now: number;
  readonly groups: readonly NodeGroupStatus[];
  /** Every node of the cluster, ready or not (provisioning nodes are not nodes yet). */
  readonly nodes: readonly ScalableNode[];
  /** Pods the scheduler tried and could not place (PodScheduled=False, reason Unschedulable). */
  readonly unschedulablePods: readonly PodInfo[];
  /**
   * ClusterSnapshot.nodeVersions of the cluster (src/api/node.ts), by NodeInfo.index: a node
   * whose entry is unchanged is unchanged - its pods in their order, generation, labels, taints,
   * cordon, allocatable, pod capacity and GPU devices - and a what-if's revert restores the
   * entries with the nodes. Readiness is not part of it (ScalableNode.ready). Optional: without
   * it a policy reads the nodes themselves.
   */
  readonly nodeVersions?: Float64Array | undefined;
  /**
   * A number that moves whenever any node gets a new version (nodeVersions) or changes
   * readiness, read when called (a what-if moves it too, and its revert does not take it back).
   * Equal at the end of one scan and the start of the next, with the same `nodes` list: every
   * node is as it was, readiness included. Optional.
   */
  clusterVersion?(): number;
  controllerOf(pod: PodInfo): PodController;
  /**
   * How many more pods of this pod's PodDisruptionBudget may be evicted now (Infinity when no
   * budget covers it). Evicting counts against it only once done, so a policy planning several
   * evictions of one budget keeps its own tally.
   */
  disruptionsAllowed(pod: PodInfo): number;
  /**
   * Runs `fn` against a what-if cluster (upstream's ClusterSnapshot Fork), then reverts it
   * (ClusterSnapshot.Revert, cluster-autoscaler/simulator/clustersnapshot): the cluster is left
   * exactly as it was - every node with its pods in their order and its NodeInfo.generation. So
   * a policy may remember what it computed per node generation across what-ifs, and needs no
   * what-if to learn what a revert does.
   */
  simulate<T>(fn: (sim: ClusterSimulation) => T): T;
}

export interface ScaleUp {
  readonly group: string;
  readonly count: number;
  readonly reason: string;
}

export interface NodeDeletion {
  readonly node: string;
  readonly reason: string;
}

export interface ClusterScaleDecision {
  readonly scaleUps: readonly ScaleUp[];
  /** Nodes to cordon, drain (pods evicted and recreated by their controllers) and delete. */
  readonly deletions: readonly NodeDeletion[];
}

export const NO_CLUSTER_SCALING: ClusterScaleDecision = { scaleUps: [], deletions: [] };

export interface ClusterAutoscaler {
  readonly name: string;
  /** Seconds between scans (cluster-autoscaler --scan-interval, default 10 s). */
  readonly scanInterval: number;
  reconcile(ctx: ClusterAutoscalerContext, random: RandomSource): ClusterScaleDecision;
}

export type ClusterAutoscalerFactory = (groups: readonly NodeGroupSpec[], options: unknown) => ClusterAutoscaler;

// ---- The HPA replica calculator's pod tally (src/autoscalers/hpa-replica-calculator.ts), which a
// target may keep itself (src/sim/controllers/hpa.ts) ---------------------------------------

/**
 * The same grouping as sums (a sync runs every 15 s for every HPA, so no per-pod maps): counts,
 * summed samples and requests per group, and the summed scale-down fallback of the missing pods
 * (each truncated, as upstream's per-pod int64 arithmetic).
 */
export interface PodTally {
  counted: number;
  usage: number;
  requests: number;
  unready: number;
  unreadyRequests: number;
  missing: number;
  missingRequests: number;
  missingFallback: number;
  /** A pod without a request for the resource (the metric is then invalid). */
  missingRequest: boolean;
}

/** Sets every sum of a tally to 0 (tallies are reused from sync to sync). */
export function clearTally(t: PodTally): void {
  t.counted = 0;
  t.usage = 0;
  t.requests = 0;
  t.unready = 0;
  t.unreadyRequests = 0;
  t.missing = 0;
  t.missingRequests = 0;
  t.missingFallback = 0;
  t.missingRequest = false;
}

/** What a tally is of: one metric of one HPA at one sync (tallyPods' arguments). */
export interface TallyQuery {
  readonly metricName: string;
  /** The resource whose requests are summed (Utilization targets); undefined: requests count 0. */
  readonly resource: string | undefined;
  /** Whether the cpu readiness rules apply (a cpu Resource metric). */
  readonly cpuReadiness: boolean;
  readonly scale: number;
  readonly fallbackUtilization: number;
  readonly now: number;
  readonly calc: Pick<HorizontalPodAutoscalerSpec, 'tolerance' | 'cpuInitializationPeriod' | 'initialReadinessDelay'>;
  /**
   * The calculator's rule for adding pods to a tally (classifyPod, inline): given to the target
   * with the query, so a target that keeps counts applies the very same rule to the pods it
   * has not counted yet.
   */
  readonly addPods: (pods: readonly ScaledPod[], n: number, query: TallyQuery, into: PodTally) => void;
}

/**
 * A target that can tally its pods itself (the HPA controller keeps most of a Deployment's pods
 * as running counts, src/sim/controllers/hpa.ts). `tallyPods` fills `into` exactly as the walk
 * over `pods` would, or returns false and the walk runs.
 */
export interface TalliedTarget extends ScaleTargetStatus {
  tallyPods?(query: TallyQuery, into: PodTally): boolean;
}

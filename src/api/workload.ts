import type { HorizontalAutoscaler } from './autoscaling.js';
import type { Distribution, RandomDraws } from './distribution.js';
import type { PodSpec } from './pod.js';
import type { SwarmServiceSettings } from './swarm.js';
import type { GangSettings } from './podgroup.js';

/**
 * Workloads as the engine consumes them: the input contract, like the Deployment and Job types
 * of k8s.io/api that both controllers and clients are written against. The generators and
 * readers in src/workloads and the scenario layer build these; the engine (src/sim) runs them
 * and never knows where a workload came from. Both sides depend on this file, neither on the
 * other.
 */

/**
 * Containers crash while running: after a time drawn from `timeBetweenCrashes` (from each start),
 * a process exit (seen at once) or, with probability `hangFraction`, a hang found by the liveness
 * probe after `livenessPeriod` x `livenessFailureThreshold` (10 s x 3 by default).
 */
export interface CrashModel {
  readonly timeBetweenCrashes: Distribution;
  readonly hangFraction: number;
  readonly livenessPeriod: number;
  readonly livenessFailureThreshold: number;
}

/**
 * A container probe's timing (core/v1 Probe). What it checks (httpGet, exec, tcpSocket, grpc) is
 * not modelled: a probe passes once the app is up, i.e. after the workload's start-up delay.
 * Defaults are upstream's (pkg/apis/core/v1/defaults.go SetDefaults_Probe): initialDelaySeconds
 * 0, periodSeconds 10, timeoutSeconds 1, successThreshold 1, failureThreshold 3.
 */
export interface ProbeTiming {
  readonly initialDelaySeconds: number;
  readonly periodSeconds: number;
  readonly timeoutSeconds: number;
  /** Consecutive successes to pass (1 for liveness and startup probes, as validation requires). */
  readonly successThreshold: number;
  readonly failureThreshold: number;
}

/** pkg/apis/core/v1/defaults.go SetDefaults_Probe. */
export const PROBE_DEFAULTS: ProbeTiming = { initialDelaySeconds: 0, periodSeconds: 10, timeoutSeconds: 1, successThreshold: 1, failureThreshold: 3 };

/** A readiness probe, and a way to model a service that is never fully ready. */
export interface ReadinessProbeModel extends ProbeTiming {
  /** Share of container starts whose readiness probe never passes: the replica runs but never serves (0 by default). */
  readonly neverReadyFraction: number;
}

/** The probes of a pod's containers (one set per pod: orchsim models a pod as one container). */
export interface ContainerProbes {
  readonly readiness?: ReadinessProbeModel | undefined;
  readonly startup?: ProbeTiming | undefined;
  readonly liveness?: ProbeTiming | undefined;
}

/** Produces batch arrival times. Implementations live in src/workloads/arrivals.ts. */
export interface ArrivalProcess {
  /** Absolute time of the first arrival at or after `start`... then of each next one after `previous`; Infinity when done. */
  next(previous: number, rng: RandomDraws): number;
}

/** Produces the spec of each new batch pod (sizes may be drawn; equal sizes share one spec object). */
export interface PodSpecSource {
  next(rng: RandomDraws): PodSpec;
}

/** A change of a service's request rate worth measuring the reaction to (a spike, a step, a burst). */
export interface LoadEvent {
  readonly kind: 'spike' | 'step' | 'burst';
  /** Onset, the end of the ramp (full height), and the end of the event. */
  readonly at: number;
  readonly peakAt: number;
  readonly end: number;
  readonly factor: number;
}

/** Requests per second offered to a service over simulated time (src/workloads/load.ts builds them). */
export interface RequestRate {
  rate(t: number): number;
  readonly events: readonly LoadEvent[];
}

/**
 * A service's traffic: requests are spread over the ready replicas; each serves at most
 * `capacityPerReplica` per second (the excess is dropped). CPU use follows the load: a replica
 * serving at capacity uses `utilizationAtCapacity` of its CPU request, at most `maxUtilization`.
 */
export interface ServiceLoad {
  readonly curve: RequestRate;
  readonly capacityPerReplica: number;
  readonly utilizationAtCapacity: number;
  readonly maxUtilization: number;
  /** Memory use as a fraction of the request (constant). */
  readonly memoryUtilization: number;
  /** The served-fraction objective: time below it counts as SLO violation. */
  readonly slo: number;
  /** Integration step of the load accounting (seconds). */
  readonly step: number;
}

/** Deployment-like: `replicas` pods kept running by a controller from `startAt` on. */
export interface ServiceWorkload {
  readonly kind: 'service';
  readonly name: string;
  readonly spec: PodSpec;
  readonly replicas: number;
  readonly startAt: number;
  /** Delay from bind to Running (image pull + start). */
  readonly startup: Distribution;
  /** Ready replicas the service needs at least (a PodDisruptionBudget's minAvailable); default 1. */
  readonly minAvailable?: number | undefined;
  readonly crashes?: CrashModel | undefined;
  /** Readiness, startup and liveness probes (none: Ready when the containers start). */
  readonly probes?: ContainerProbes | undefined;
  readonly load?: ServiceLoad | undefined;
  /** A HorizontalPodAutoscaler on this Deployment, synced every `hpaSyncPeriod` seconds (15 s). */
  readonly autoscaler?: HorizontalAutoscaler | undefined;
  readonly hpaSyncPeriod?: number | undefined;
  /** spec.strategy, minReadySeconds and progressDeadlineSeconds as declared (defaults when absent). */
  readonly deployment?: DeploymentSettings | undefined;
  /** Template changes and rollbacks over time: the Deployment controller (deployments.ts) runs services that have them. */
  readonly rollout?: DeploymentRollout | undefined;
  /** How Docker Swarm runs it (placement, restart policy, update and rollback config); its defaults when absent. Kubernetes ignores it. */
  readonly swarm?: SwarmServiceSettings | undefined;
}

/** What a ReplicaSet stamps its pods from: the pod spec, and how its containers start and crash. */
export interface PodTemplate {
  readonly spec: PodSpec;
  readonly startup: Distribution;
  readonly crashes?: CrashModel | undefined;
  readonly probes?: ContainerProbes | undefined;
}

/** intstr.IntOrString of a rolling update: a pod count, or a percentage of spec.replicas ("25%"). */
export type IntOrPercent = number | `${number}%`;

/** spec.strategy of a Deployment (apps/v1 DeploymentStrategy). */
export type DeploymentStrategy =
  | { readonly type: 'RollingUpdate'; readonly maxSurge: IntOrPercent; readonly maxUnavailable: IntOrPercent }
  | { readonly type: 'Recreate' };

/** A change of the pod template: fields left out keep their current value (`crashes: null` removes crashes). */
export interface TemplatePatch {
  readonly requests?: Partial<Record<'milliCPU' | 'memory' | 'milliGPU' | 'ephemeralStorage', number>> | undefined;
  readonly startup?: Distribution | undefined;
  readonly crashes?: CrashModel | null | undefined;
  /** Probes by kind: left out keeps the current one, null removes it. */
  readonly probes?: {
    readonly readiness?: ReadinessProbeModel | null | undefined;
    readonly startup?: ProbeTiming | null | undefined;
    readonly liveness?: ProbeTiming | null | undefined;
  } | undefined;
}

/** A rollout event: the template changes (`kubectl set`, `kubectl apply`), or `kubectl rollout undo [--to-revision]`. */
export type RolloutEvent =
  | { readonly at: number; readonly kind: 'update'; readonly patch: TemplatePatch }
  | { readonly at: number; readonly kind: 'undo'; readonly toRevision?: number | undefined };

/** A Deployment's update settings (defaults in KUBERNETES.md 7.1: RollingUpdate 25%/25%, minReadySeconds 0, progressDeadlineSeconds 600). */
export interface DeploymentSettings {
  readonly strategy: DeploymentStrategy;
  readonly minReadySeconds: number;
  readonly progressDeadlineSeconds: number;
  /** Roll back to the previous revision when the progress deadline is exceeded (what CD tools such as Argo Rollouts do; Kubernetes does not). */
  readonly rollbackOnFailure: boolean;
}

/** The Kubernetes defaults (pkg/apis/apps/v1/defaults.go SetDefaults_Deployment). */
export const DEFAULT_DEPLOYMENT_SETTINGS: DeploymentSettings = {
  strategy: { type: 'RollingUpdate', maxSurge: '25%', maxUnavailable: '25%' },
  minReadySeconds: 0,
  progressDeadlineSeconds: 600,
  rollbackOnFailure: false,
};

/** A Deployment's settings and its rollout events, in time order. */
export interface DeploymentRollout extends DeploymentSettings {
  readonly events: readonly RolloutEvent[];
}

/** Job-like: `completions` pods must succeed, at most `parallelism` at a time. */
export interface JobWorkload {
  readonly kind: 'job';
  readonly name: string;
  readonly spec: PodSpec;
  readonly completions: number;
  readonly parallelism: number;
  readonly startAt: number;
  readonly duration: Distribution;
  readonly startup: Distribution;
  /** Failed pods retried at most this many times (Job spec.backoffLimit, default 6). */
  readonly backoffLimit?: number | undefined;
  /** Kueue LocalQueue (label kueue.x-k8s.io/queue-name): the Job is suspended until Kueue admits its Workload. */
  readonly queue?: string | undefined;
  /**
   * A gang: the Job's pods form one PodGroup named after the Job (created when the Job starts);
   * `spec` carries the scheduling.x-k8s.io/pod-group label.
   */
  readonly gang?: GangSettings | undefined;
  readonly crashes?: CrashModel | undefined;
  readonly probes?: ContainerProbes | undefined;
  /** How Docker Swarm runs it (placement, restart policy, update and rollback config); its defaults when absent. Kubernetes ignores it. */
  readonly swarm?: SwarmServiceSettings | undefined;
}

/** An open stream of independent batch pods. */
export interface BatchWorkload {
  readonly kind: 'batch';
  readonly name: string;
  readonly arrivals: ArrivalProcess;
  readonly pods: PodSpecSource;
  /** Run time once Running. */
  readonly duration: Distribution;
  readonly startup: Distribution;
  /** Stop after this many pods (Infinity: until the horizon or the arrival process ends). */
  readonly maxPods: number;
  /** Kueue LocalQueue: each arrival is a Workload of `podSetCount` pods (default 1), created when Kueue admits it. */
  readonly queue?: string | undefined;
  readonly podSetCount?: number | undefined;
  /**
   * Gangs: each arrival creates `size` pods (counted against maxPods) forming one PodGroup,
   * named `<workload>-<arrival index>`, labelled scheduling.x-k8s.io/pod-group.
   */
  readonly gang?: (GangSettings & { readonly size: number }) | undefined;
  readonly crashes?: CrashModel | undefined;
  readonly probes?: ContainerProbes | undefined;
  /** How Docker Swarm runs it (placement, restart policy, update and rollback config); its defaults when absent. Kubernetes ignores it. */
  readonly swarm?: SwarmServiceSettings | undefined;
}

/** Explicit pods at given times (bare Pod manifests, trace replay). duration Infinity = runs until the horizon. */
export interface PodListWorkload {
  readonly kind: 'pods';
  readonly name: string;
  readonly pods: readonly { readonly at: number; readonly name?: string | undefined; readonly spec: PodSpec; readonly duration: number }[];
  readonly startup: Distribution;
  readonly crashes?: CrashModel | undefined;  readonly probes?: ContainerProbes | undefined;
}

/**
 * DaemonSet-like: one pod on every node that should run it (node selector, node affinity,
 * tolerations), for the whole run, on nodes added later too. `spec` is the pod template as
 * written; the daemon controller adds upstream's default daemon tolerations and pins each pod
 * to its node (src/sim/daemon-pods.ts).
 */
export interface DaemonSetWorkload {
  readonly kind: 'daemonset';
  readonly name: string;
  readonly spec: PodSpec;
  /** Delay from bind to Running (image pull + start). */
  readonly startup: Distribution;
  /** hostNetwork pods also tolerate node.kubernetes.io/network-unavailable. */
  readonly hostNetwork?: boolean | undefined;
  readonly crashes?: CrashModel | undefined;
  readonly probes?: ContainerProbes | undefined;
  /** How Docker Swarm runs it (placement, restart policy, update and rollback config); its defaults when absent. Kubernetes ignores it. */
  readonly swarm?: SwarmServiceSettings | undefined;
}

export type Workload = ServiceWorkload | JobWorkload | BatchWorkload | PodListWorkload | DaemonSetWorkload;

import type { PodInfo } from './pod.js';

/**
 * Gangs: PodGroups of the coscheduling plugin (kubernetes-sigs/scheduler-plugins
 * apis/scheduling/v1alpha1/types.go). A pod belongs to the group named by its
 * `scheduling.x-k8s.io/pod-group` label, in the pod's own namespace.
 */

/** v1alpha1.PodGroupLabel: `scheduling.x-k8s.io` + `/pod-group`. */
export const POD_GROUP_LABEL = 'scheduling.x-k8s.io/pod-group';

/**
 * 60 s: the wait of a pod at Permit when its PodGroup sets no scheduleTimeoutSeconds - the
 * plugin's permitWaitingTimeSeconds default (apis/config/v1/defaults.go
 * defaultPermitWaitingTimeSeconds) and pkg/util/podgroup.go DefaultWaitTime.
 */
export const DEFAULT_SCHEDULE_TIMEOUT_SECONDS = 60;

/** PodGroupSpec as declared (minResources is not modelled). */
export interface PodGroupSpec {
  readonly name: string;
  readonly namespace: string;
  /** The pods that must be placed together (kubebuilder minimum 1). */
  readonly minMember: number;
  /** spec.scheduleTimeoutSeconds; undefined: the plugin's permitWaitingTimeSeconds. */
  readonly scheduleTimeoutSeconds?: number | undefined;
}

/** A gang declared on a Job or a batch stream (the scenario shorthand; the engine creates the PodGroup). */
export interface GangSettings {
  /** Default: the Job's parallelism, or the batch stream's gang size. */
  readonly minMember: number;
  readonly scheduleTimeoutSeconds?: number | undefined;
}

/** What a plugin sees of a PodGroup: its spec and what the scheduler's PodGroupManager keeps of it. */
export interface PodGroupView {
  /** `namespace/name` (GetPodGroupFullName). */
  readonly fullName: string;
  readonly spec: PodGroupSpec;
  /** metadata.creationTimestamp, simulated seconds. */
  readonly creationTime: number;
  /** The last time a scheduling attempt of the group failed (MarkPodGroupScheduleFailure); NaN: none since the last success. */
  readonly lastFailure: number;
  /** Pods carrying the group's label that exist (the pod lister's count; succeeded pods still exist). */
  readonly pods: number;
  /** Pods reserved at Permit or bound (assignedPodsByPG): succeeded pods stay counted, deleted ones do not. */
  readonly assigned: number;
  /** The group is backed off until this time (podGroupBackoffSeconds after a PostFilter rejection); 0: not. */
  readonly backoffUntil: number;
}

/** The PodGroups of the cluster, as the scheduler's informers see them. */
export interface PodGroupLister {
  /** The pod's group full name from its label; undefined when the pod has no label. */
  groupName(pod: PodInfo): string | undefined;
  /** The PodGroup object; undefined when none of that name exists. */
  get(fullName: string): PodGroupView | undefined;
  /** The existing pods of a group (any phase but deleted), in creation order. */
  podsOf(fullName: string): readonly PodInfo[];
  /** Simulated seconds now (the PodGroupManager's caches expire by it). */
  readonly now: number;
  /** MarkPodGroupScheduleFailure: the group sorts by this failure's time until a Permit succeeds. */
  markScheduleFailure(fullName: string): void;
  /** ClearPodGroupScheduleFailure. */
  clearScheduleFailure(fullName: string): void;
  /** BackoffPodGroup: PreFilter rejects the group's pods for `seconds`. */
  backoff(fullName: string, seconds: number): void;
}

/** Full name of the group a pod's label names (GetPodGroupFullName); undefined without the label. */
export function podGroupFullName(pod: PodInfo): string | undefined {
  const name = pod.spec.labels[POD_GROUP_LABEL];
  return name === undefined || name === '' ? undefined : `${pod.spec.namespace}/${name}`;
}

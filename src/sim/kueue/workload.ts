import type { PodSpec } from '../../api/pod.js';
import type { QueueResource } from '../../api/queueing.js';
import type { Usage } from './quota.js';

/**
 * A Kueue Workload object (kueue.x-k8s.io/v1beta1 Workload) as the store keeps it: the unit Kueue
 * admits whole. A queued Job has one (its pods are created when it is admitted: the Job is
 * suspended until then); a queued batch stream has one per arrival. One podSet of `count` pods
 * of one spec (a gang of several pods is a podSet count > 1).
 */
export interface KueueWorkload {
  readonly id: number;
  /** The orchsim workload (Job or batch stream) it belongs to, by index. */
  readonly wi: number;
  readonly name: string;
  readonly namespace: string;
  /** spec.queueName: the LocalQueue, in the workload's namespace. */
  readonly queue: string;
  /** The pods' priority (Workload spec.priority from the PriorityClass). */
  readonly priority: number;
  /** The podSet's pod template and count. */
  readonly spec: PodSpec;
  readonly count: number;
  /** Batch workloads: each pod's run time, drawn at arrival (so admission order cannot shift the draws). */
  readonly durations?: readonly number[] | undefined;
  readonly createdAt: number;
  state: 'pending' | 'admitted' | 'finished';
  /** status.admission while admitted (kept after eviction for the record: the last admission). */
  admission: Admission | undefined;
  /** When it last entered the queue: creation, or its last eviction (upstream's QueuedWaitTime starts there). */
  queuedAt: number;
  admittedAt: number;
  evictions: number;
}

/** status.admission: the ClusterQueue, the flavor of each resource and the quota it holds. */
export interface Admission {
  readonly clusterQueue: string;
  readonly flavors: Readonly<Partial<Record<QueueResource, string>>>;
  /** The quota reserved, as [flavor-resource, amount] (see quota.ts). */
  readonly usage: Usage;
  /** The pods' spec with the flavors' nodeLabels as node selectors and their tolerations (podset info injection). */
  readonly podSpec: PodSpec;
}

/** Why Kueue evicted an admitted workload (Evicted condition reasons, workload_types.go). */
export type EvictionReason = 'Preempted';

import type { PodPhase } from '../api/pod.js';
import type { SimNode } from './cluster.js';
import type { Admission, EvictionReason } from './kueue/workload.js';
import type { ScalingAction } from './results.js';
import type { ServiceTraffic } from './service-traffic.js';
import type { Workload } from '../api/workload.js';

// The store's shared records and the notifications its lifecycle API (lifecycle.ts) delivers:
// the types every controller and metric subscribes with, apart from the store's code.

/**
 * A workload object and its status, as the API server keeps a Deployment or a Job: what the
 * controllers share about it. Each controller keeps its own bookkeeping apart.
 */
export interface WorkloadRecord {
  readonly index: number;
  readonly w: Workload;
  /** Pods created so far (pod names count up from it). */
  created: number;
  /** Services: spec.replicas now (the HPA changes it). */
  desired: number;
  /** Services: ready replicas now (status.readyReplicas). */
  ready: number;
  /** Services: the pods of its ReplicaSet that are not gone. */
  readonly podIds: Set<number>;
  /** Services with a load model: the offered load and the requests served so far. */
  readonly traffic: ServiceTraffic | undefined;
}

/** Why a pod left: it failed (evicted, killed, its node gone) or was deleted on purpose (scale-down, drain by the autoscaler). */
export type RemovalReason = 'failed' | 'deleted';

/**
 * What a subscriber hears: informer-style notifications, delivered synchronously in the order
 * subscribers registered, after the store changed (`beforeChange` comes before a change of the
 * cluster's totals, so time-weighted metrics integrate the old state up to now).
 */
export interface StoreHooks {
  beforeChange: ((now: number) => void)[];
  podCreated: ((id: number) => void)[];
  podBound: ((id: number, node: number, waited: number) => void)[];
  /** The scheduler reserved the pod on a node at Permit (resources held; still Pending), or released it. */
  podReserved: ((id: number, node: number) => void)[];
  /** A pod's scheduling gate was lifted (ResourceQuota admission let it in): it may be scheduled now. */
  podUngated: ((id: number) => void)[];
  podUnreserved: ((id: number, node: number) => void)[];
  /** Bound -> Running, or Running -> Bound while a crashed container waits for its restart. */
  podPhaseChanged: ((id: number, from: PodPhase, to: PodPhase) => void)[];
  /** Something the HPA's pod views copy changed (phase, readiness, restarts). */
  podChanged: ((id: number) => void)[];
  /** The containers stopped serving (the pod stays where it is). */
  containersStopped: ((id: number, now: number) => void)[];
  podSucceeded: ((id: number) => void)[];
  /** The pod left its node or the queue; `from` is its phase before. */
  podRemoved: ((id: number, from: PodPhase, reason: RemovalReason) => void)[];
  /** A service's ready replicas changed (`before` is the old count). */
  readyChanged: ((wr: WorkloadRecord, now: number, before: number) => void)[];
  /** A service's spec.replicas changed (`before` is the old value). */
  desiredChanged: ((wr: WorkloadRecord, now: number, before: number) => void)[];
  nodeAdded: ((node: SimNode) => void)[];
  nodeRemoved: ((index: number, now: number) => void)[];
  /** A node's machine went down (the first of overlapping failures) or came back (the last). */
  nodeDown: ((node: number, incident: number, now: number) => void)[];
  nodeUp: ((node: number, now: number) => void)[];
  /** The control plane's view of a node changed: Ready or not (Kubernetes' Ready condition, Swarm's READY / DOWN status). */
  nodeStatusChanged: ((node: number, ready: boolean, now: number) => void)[];
  /** A node was cordoned or drained, or its last drain ended (Swarm's Spec.Availability: active / pause / drain). */
  nodeAvailabilityChanged: ((node: number, now: number) => void)[];
  /** A cluster event (ClusterEvent bits) that may make room for waiting pods. */
  clusterChanged: ((event: number) => void)[];
  /** Billing of a pool: nodes billed (launched VMs) and nodes present changed. */
  billed: ((pool: string, delta: number, present: number) => void)[];
  scalingAction: ((action: ScalingAction) => void)[];
  /** A scheduling attempt of a pod: nodes the filters evaluated, and whether it failed. */
  attempt: ((id: number, evaluated: number, failed: boolean) => void)[];
  /** The scheduler preempted `victim` to make room for `preemptor` (its containers stop now; it leaves after its grace period). */
  podPreempted: ((victim: number, preemptor: number, now: number) => void)[];
  /** Kueue Workload objects (kueue/workload.ts): created (a queued Job or arrival), admitted, evicted (quota released, requeued), finished. */
  kueueWorkloadCreated: ((id: number) => void)[];
  kueueWorkloadAdmitted: ((id: number) => void)[];
  kueueWorkloadEvicted: ((id: number, reason: EvictionReason, admission: Admission) => void)[];
  kueueWorkloadFinished: ((id: number, admission: Admission | undefined) => void)[];
}

export type Hook = keyof StoreHooks;

/**
 * Kueue's queueing objects (kueue.x-k8s.io/v1beta1), as the simulator's Kueue controller reads
 * them: ResourceFlavors, ClusterQueues with their quotas, cohorts, preemption and fair-sharing
 * settings, and LocalQueues. Field names and defaults are upstream's
 * (apis/kueue/v1beta1/clusterqueue_types.go, resourceflavor_types.go, localqueue_types.go).
 *
 * Quantities are in orchsim's units: `cpu` in milli-cores, `memory` in bytes, `nvidia.com/gpu`
 * in milli-GPU (one whole GPU = 1000, as everywhere in orchsim), `pods` a count.
 *
 * Imports nothing from other layers but the API's own types.
 */
import type { LabelSelector, Labels } from './labels.js';
import type { Taint } from './node.js';
import type { Toleration } from './pod.js';

/** The resources a ClusterQueue may cover (others a workload requests make it inadmissible there). */
export const QUEUE_RESOURCES = ['cpu', 'memory', 'nvidia.com/gpu', 'pods'] as const;
export type QueueResource = (typeof QUEUE_RESOURCES)[number];

/** The label a Job (or a Pod) names its LocalQueue with (kueue constants.QueueLabel). */
export const QUEUE_NAME_LABEL = 'kueue.x-k8s.io/queue-name';

/** ResourceFlavor spec: the node labels and taints of the nodes it stands for; tolerations admitted pods get. */
export interface ResourceFlavor {
  readonly name: string;
  readonly nodeLabels: Labels;
  readonly nodeTaints: readonly Taint[];
  readonly tolerations: readonly Toleration[];
}

/** One resource's quota in one flavor (ResourceQuota); limits absent = unlimited (nil upstream). */
export interface ResourceQuota {
  readonly name: QueueResource;
  readonly nominalQuota: number;
  /** At most this much above nominal may be borrowed from the cohort (only with a cohort). */
  readonly borrowingLimit?: number | undefined;
  /** At most this much of the nominal quota is lent to the cohort (the rest is kept for the ClusterQueue). */
  readonly lendingLimit?: number | undefined;
}

export interface FlavorQuotas {
  readonly name: string;
  readonly resources: readonly ResourceQuota[];
}

/** Resources whose flavors are chosen together, flavors tried in order (ResourceGroup). */
export interface ResourceGroup {
  readonly coveredResources: readonly QueueResource[];
  readonly flavors: readonly FlavorQuotas[];
}

export type QueueingStrategy = 'StrictFIFO' | 'BestEffortFIFO';
/** withinClusterQueue takes Never | LowerPriority | LowerOrNewerEqualPriority; reclaimWithinCohort Never | LowerPriority | Any. */
export type PreemptionPolicy = 'Never' | 'LowerPriority' | 'LowerOrNewerEqualPriority' | 'Any';

export interface ClusterQueuePreemption {
  readonly withinClusterQueue: PreemptionPolicy;
  readonly reclaimWithinCohort: PreemptionPolicy;
  readonly borrowWithinCohort: { readonly policy: 'Never' | 'LowerPriority'; readonly maxPriorityThreshold?: number | undefined };
}

/** FlavorFungibility: whether the flavor search stops at a flavor that needs borrowing or preemption. */
export interface FlavorFungibility {
  readonly whenCanBorrow: 'MayStopSearch' | 'TryNextFlavor';
  readonly whenCanPreempt: 'MayStopSearch' | 'TryNextFlavor';
}

export interface ClusterQueue {
  readonly name: string;
  /** Cohort name; ClusterQueues of one cohort lend each other unused quota. */
  readonly cohort?: string | undefined;
  /** Namespaces whose LocalQueues may point here (matched against the namespace's name label); all when absent. */
  readonly namespaceSelector?: LabelSelector | undefined;
  readonly queueingStrategy: QueueingStrategy;
  readonly resourceGroups: readonly ResourceGroup[];
  readonly preemption: ClusterQueuePreemption;
  /** fairSharing.weight (default 1); 0 = borrows only what nobody else wants. */
  readonly fairSharingWeight: number;
  readonly flavorFungibility: FlavorFungibility;
}

/** A namespaced queue users submit to; it points at one ClusterQueue. */
export interface LocalQueue {
  readonly namespace: string;
  readonly name: string;
  readonly clusterQueue: string;
}

/** Kueue Configuration fairSharing.preemptionStrategies (only these lists are valid upstream). */
export type FairSharingStrategy = 'LessThanOrEqualToFinalShare' | 'LessThanInitialShare';

export interface QueueingConfig {
  readonly flavors: readonly ResourceFlavor[];
  readonly clusterQueues: readonly ClusterQueue[];
  readonly localQueues: readonly LocalQueue[];
  /** Kueue Configuration fairSharing: admission by dominant resource share and fair-sharing preemption. */
  readonly fairSharing: { readonly enabled: boolean; readonly preemptionStrategies: readonly FairSharingStrategy[] };
  /** Seconds between a change and the admission cycle that reacts to it (0: at once, as upstream's loop). */
  readonly cycleLatency: number;
}

/** Upstream defaults (+kubebuilder:default markers in clusterqueue_types.go). */
export const CLUSTER_QUEUE_DEFAULTS = {
  queueingStrategy: 'BestEffortFIFO' as QueueingStrategy,
  preemption: { withinClusterQueue: 'Never', reclaimWithinCohort: 'Never', borrowWithinCohort: { policy: 'Never' } } as ClusterQueuePreemption,
  flavorFungibility: { whenCanBorrow: 'MayStopSearch', whenCanPreempt: 'TryNextFlavor' } as FlavorFungibility,
  fairSharingWeight: 1,
};

/** config/v1beta1 defaults: fairSharing.preemptionStrategies [LessThanOrEqualToFinalShare, LessThanInitialShare]. */
export const DEFAULT_FAIR_SHARING_STRATEGIES: readonly FairSharingStrategy[] = ['LessThanOrEqualToFinalShare', 'LessThanInitialShare'];

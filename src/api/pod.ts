import type { LabelSelector, Labels, NodeSelectorTerm } from './labels.js';
import type { Resources } from './resources.js';

export type TaintEffect = 'NoSchedule' | 'PreferNoSchedule' | 'NoExecute';

export interface Toleration {
  /** Empty key with operator Exists tolerates every taint. */
  readonly key?: string | undefined;
  readonly operator?: 'Exists' | 'Equal' | undefined;
  readonly value?: string | undefined;
  /** Empty effect tolerates every effect. */
  readonly effect?: TaintEffect | undefined;
  readonly tolerationSeconds?: number | undefined;
}

export interface PreferredSchedulingTerm {
  readonly weight: number;
  readonly preference: NodeSelectorTerm;
}

export interface NodeAffinity {
  readonly requiredDuringSchedulingIgnoredDuringExecution?: { readonly nodeSelectorTerms: readonly NodeSelectorTerm[] } | undefined;
  readonly preferredDuringSchedulingIgnoredDuringExecution?: readonly PreferredSchedulingTerm[] | undefined;
}

export interface PodAffinityTerm {
  readonly labelSelector?: LabelSelector | undefined;
  /** Namespaces the selector applies to; empty means the pod's own namespace. */
  readonly namespaces?: readonly string[] | undefined;
  readonly topologyKey: string;
}

export interface WeightedPodAffinityTerm {
  readonly weight: number;
  readonly podAffinityTerm: PodAffinityTerm;
}

export interface PodAffinity {
  readonly requiredDuringSchedulingIgnoredDuringExecution?: readonly PodAffinityTerm[] | undefined;
  readonly preferredDuringSchedulingIgnoredDuringExecution?: readonly WeightedPodAffinityTerm[] | undefined;
}

export interface Affinity {
  readonly nodeAffinity?: NodeAffinity | undefined;
  readonly podAffinity?: PodAffinity | undefined;
  readonly podAntiAffinity?: PodAffinity | undefined;
}

export interface TopologySpreadConstraint {
  readonly maxSkew: number;
  readonly topologyKey: string;
  readonly whenUnsatisfiable: 'DoNotSchedule' | 'ScheduleAnyway';
  readonly labelSelector?: LabelSelector | undefined;
  readonly minDomains?: number | undefined;
}

/**
 * What the scheduler sees of a pod. Pods created by the same workload share one spec object,
 * so per-pod memory is a few numbers; compare specs by identity where that is enough.
 */
export interface PodSpec {
  readonly namespace: string;
  readonly labels: Labels;
  /** Effective request: max(max over init containers, sum over containers) + overhead. */
  readonly requests: Resources;
  readonly priority: number;
  /** Never: the pod waits rather than preempting lower-priority pods (default PreemptLowerPriority). */
  readonly preemptionPolicy?: 'Never' | 'PreemptLowerPriority' | undefined;
  /** Seconds a deleted pod keeps its node while it shuts down (default 30, DefaultTerminationGracePeriodSeconds). */
  readonly terminationGracePeriodSeconds?: number | undefined;
  readonly nodeSelector?: Labels | undefined;
  /**
   * metadata.annotations the simulator reads: karpenter.sh/do-not-disrupt ("true": Karpenter
   * leaves the pod's node alone) and cluster-autoscaler.kubernetes.io/safe-to-evict ("false": the
   * cluster autoscaler does not scale its node down).
   */
  readonly annotations?: Labels | undefined;
  readonly affinity?: Affinity | undefined;
  readonly tolerations?: readonly Toleration[] | undefined;
  readonly topologySpreadConstraints?: readonly TopologySpreadConstraint[] | undefined;
  /** GPU models the pod accepts (matched against the node's GPU model); undefined = any. */
  readonly gpuModels?: readonly string[] | undefined;
  /** Pre-set spec.nodeName: the pod is only feasible on that node (NodeName plugin). */
  readonly nodeName?: string | undefined;
  /**
   * spec.schedulerName: the scheduler profile that places the pod (KubeSchedulerConfiguration
   * profiles[].schedulerName). Undefined or "default-scheduler": the scenario's default profile.
   */
  readonly schedulerName?: string | undefined;
  /**
   * Selector of the controller that owns the pod (a Deployment's ReplicaSet, a Job). Kubernetes
   * derives the system-default topology spread constraints from it; a pod without one gets none.
   */
  readonly ownerSelector?: LabelSelector | undefined;
}

/** v1.DefaultSchedulerName (staging/src/k8s.io/api/core/v1/types.go): pods without a schedulerName get it. */
export const DEFAULT_SCHEDULER_NAME = 'default-scheduler';

/** A pod instance: an id, a name and a (shared) spec. */
export interface PodInfo {
  /** Dense id, unique within one cluster snapshot or simulation. */
  readonly id: number;
  readonly name: string;
  readonly spec: PodSpec;
}

/** Kubernetes pod phases, plus Bound (assigned to a node, not yet started) as the simulator tracks it. */
export const PodPhase = {
  Pending: 0,
  Bound: 1,
  Running: 2,
  Succeeded: 3,
  Failed: 4,
} as const;
export type PodPhase = (typeof PodPhase)[keyof typeof PodPhase];
export const POD_PHASE_NAMES: readonly string[] = ['Pending', 'Bound', 'Running', 'Succeeded', 'Failed'];

/** karpenter.sh/do-not-disrupt (karpenter pkg/apis/v1/labels.go DoNotDisruptAnnotationKey). */
export const ANNOTATION_DO_NOT_DISRUPT = 'karpenter.sh/do-not-disrupt';
/** cluster-autoscaler.kubernetes.io/safe-to-evict (cluster-autoscaler utils/drain SafeToEvictKey). */
export const ANNOTATION_SAFE_TO_EVICT = 'cluster-autoscaler.kubernetes.io/safe-to-evict';

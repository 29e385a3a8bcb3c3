import type { Labels } from './labels.js';
import type { PodInfo, PodSpec, TaintEffect } from './pod.js';
import type { Resources } from './resources.js';
import type { SwarmNodeMeta } from './swarm.js';
import type { PodGroupLister } from './podgroup.js';

export interface Taint {
  readonly key: string;
  readonly value?: string | undefined;
  readonly effect: TaintEffect;
}

/** Well-known labels (kubernetes.io docs, "Well-Known Labels, Annotations and Taints"). */
export const WellKnownLabel = {
  hostname: 'kubernetes.io/hostname',
  zone: 'topology.kubernetes.io/zone',
  region: 'topology.kubernetes.io/region',
  instanceType: 'node.kubernetes.io/instance-type',
} as const;

/**
 * Whether `labels` has the hostname label: Object.hasOwn(labels, WellKnownLabel.hostname),
 * written with `in`. Node 20's optimizing compiler turns `in` with a constant key into a check
 * of the object's hidden class, but calls a builtin for Object.hasOwn, and PodTopologySpread
 * asks this of every feasible node in PreScore and again in Score (~2 % of the autoscaled week:
 * bench/README.md, "Autoscaled week, eighth pass"). The same answer for every labels object: the
 * key is no property of Object.prototype, and labels are plain (or null-prototype) objects with
 * their own keys, never objects that inherit labels (test/schedulers/hostname-label.test.ts).
 */
export function hasHostnameLabel(labels: Labels): boolean {
  return 'kubernetes.io/hostname' in labels;
}

/**
 * What a plugin sees of a node: its identity, labels, taints and allocatable, plus live
 * aggregates of the pods bound to it. The simulator and the production runtime both implement
 * this; a plugin must treat it as read-only and must not keep it past the call.
 */
export interface NodeInfo {
  /** Dense index of the node in its snapshot (0..nodeCount-1). */
  readonly index: number;
  readonly name: string;
  readonly labels: Labels;
  readonly taints: readonly Taint[];
  /** spec.unschedulable (cordoned). */
  readonly unschedulable: boolean;
  readonly allocatable: Resources;
  /** allocatable.pods: how many pods the node accepts (default 110). */
  readonly allowedPodNumber: number;
  /** Sum of the effective requests of the pods bound to the node. */
  readonly requested: Resources;
  /**
   * Like `requested`, but a pod with no cpu or memory request counts as 100m / 200Mi
   * (DefaultMilliCPURequest, DefaultMemoryRequest in pkg/scheduler/util) - used by scoring only.
   */
  readonly nonZeroRequested: Resources;
  readonly podCount: number;
  /** Pods bound to the node. */
  readonly pods: readonly PodInfo[];
  /**
   * NodeInfo.Generation: changes whenever the node's pods (or the node itself) change; two equal
   * generations of a node slot mean the same node with the same pods in the same order (a
   * what-if's revert restores it, with the pods). So a plugin may cache per-node figures computed
   * from `pods` keyed by it. Optional: without it, plugins recompute every time.
   */
  readonly generation?: number;
  /** GPU model of the node's devices (label nvidia.com/gpu.product), if it has GPUs. */
  readonly gpuModel: string | undefined;
  /** Number of GPU devices (allocatable nvidia.com/gpu). */
  readonly gpuCount: number;
  /** Free milli-GPU of device i, 0..1000 (devices can be shared by several pods). */
  gpuFree(i: number): number;
  /** The bound pods that have pod affinity or anti-affinity terms (NodeInfo.PodsWithAffinity). */
  readonly podsWithAffinity: readonly PodInfo[];
  /** The bound pods with required anti-affinity terms (NodeInfo.PodsWithRequiredAntiAffinity). */
  readonly podsWithRequiredAntiAffinity: readonly PodInfo[];
}

/**
 * A node as declared by a scenario, a Node manifest or a trace: the input the simulator builds a
 * node from, and what the production runtime reads from the API server.
 */
export interface NodeSpec {
  readonly name: string;
  readonly labels: Labels;
  readonly taints: readonly Taint[];
  readonly unschedulable: boolean;
  readonly allocatable: Resources;
  readonly allowedPodNumber?: number | undefined;
  /** Name of the node pool it came from, for reports and billing. */
  readonly pool?: string | undefined;
  /** The autoscaled node group it belongs to, if any. */
  readonly group?: string | undefined;
  /** GPU model of its devices; defaults to the label nvidia.com/gpu.product. */
  readonly gpuModel?: string | undefined;
  /** What one node of its pool costs per hour (for cost metrics); 0 when unknown. */
  readonly pricePerHour?: number | undefined;
  /** Docker Swarm's view of the node (role, platform, engine labels); SWARM_DEFAULT_NODE_META when absent. */
  readonly swarm?: SwarmNodeMeta | undefined;
}

/** A consistent view of the cluster for one scheduling cycle. */
export interface ClusterSnapshot {
  readonly nodes: readonly NodeInfo[];
  /** Nodes with at least one pod with affinity terms (Snapshot.HavePodsWithAffinityList); any order. */
  readonly havePodsWithAffinity: readonly NodeInfo[];
  /** Nodes with at least one pod with required anti-affinity (HavePodsWithRequiredAntiAffinityList); any order. */
  readonly havePodsWithRequiredAntiAffinity: readonly NodeInfo[];
  nodeByName(name: string): NodeInfo | undefined;
  /** The PodGroups (gangs) of the cluster; absent where there are none. */
  readonly podGroups?: PodGroupLister | undefined;
  /**
   * Per node index, the node's version: a positive number, never given twice in the process,
   * replaced whenever anything a node-local plugin (Plugin.nodeLocal) may read of the node
   * changes - its pods (so its requests), labels, allocatable, pod capacity, taints,
   * unschedulable, a node taking or leaving the slot, its GPU devices' free capacity (pods and
   * device faults and repairs alike). The same version at an index means the node is as it was then (a what-if's
   * rollback may restore one). Only for snapshots whose `nodes[i].index` is i (the scheduler's
   * scan then takes a node's index from its position). Optional: without it the equivalence
   * cache compares the node's fields itself (src/schedulers/equivalence-cache.ts).
   */
  readonly nodeVersions?: Float64Array | undefined;
  /**
   * Per node index, the numbers node-local plugins read of the node, in one record per node
   * (layout: src/api/node-record.ts), always equal to what `nodes[i]` reports. Only for
   * snapshots whose `nodes[i].index` is i. Optional: plugins' filterAt/scoreAt read it.
   */
  readonly nodeRecords?: Float64Array | undefined;
  /**
   * Every write of a `nodeVersions` entry (a new version or a what-if's restore), in order: lets
   * a reader that remembers where it stopped find the nodes changed since without comparing
   * every node's version (the fused scan, src/schedulers/cached-scan.ts). Optional, and only
   * with `nodeVersions`.
   */
  readonly nodeChanges?: NodeChangeLog | undefined;
}

/**
 * ClusterSnapshot.nodeChanges: the node indexes whose version was written, the k-th write
 * (counted from 0 over the log's life) at ring[k & (ring.length - 1)] (a power of two long),
 * until `ring.length` later writes overwrite it.
 */
export interface NodeChangeLog {
  readonly ring: Int32Array;
  /** Writes so far. */
  readonly count: number;
}

/** Defaults for pods without a cpu/memory request when scoring (pkg/scheduler/util/pod_resources.go). */
export const DEFAULT_MILLI_CPU_REQUEST = 100;
export const DEFAULT_MEMORY_REQUEST = 200 * 1024 * 1024;
/** Default allocatable pods per node (kubelet --max-pods). */
export const DEFAULT_MAX_PODS = 110;

/** A pod counts as "with affinity" when it has any pod affinity or anti-affinity (upstream podWithAffinity). */
export function hasPodAffinityTerms(spec: PodSpec): boolean {
  const a = spec.affinity;
  return a !== undefined && (a.podAffinity !== undefined || a.podAntiAffinity !== undefined);
}

export function hasRequiredPodAntiAffinity(spec: PodSpec): boolean {
  const req = spec.affinity?.podAntiAffinity?.requiredDuringSchedulingIgnoredDuringExecution;
  return req !== undefined && req.length > 0;
}

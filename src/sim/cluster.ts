import type { PodGroupLister } from '../api/podgroup.js';
import type { Labels } from '../api/labels.js';
import { GPU_MODEL_LABEL, gpuRequest, selectGpusBestFit } from '../api/gpu.js';
import { DEFAULT_MAX_PODS, hasPodAffinityTerms, hasRequiredPodAntiAffinity, type ClusterSnapshot, type NodeInfo, type NodeSpec, type Taint } from '../api/node.js';
import { DEFAULT_MEMORY_REQUEST, DEFAULT_MILLI_CPU_REQUEST } from '../api/node.js';
import type { PodInfo } from '../api/pod.js';
import type { Resources } from '../api/resources.js';
import type { Bytes, MilliCPU, MilliGPU } from '../api/units.js';
import type { SwarmNodeMeta } from '../api/swarm.js';
import { capacityFor, grown } from '../util/typed-arrays.js';
import { NodeChanges } from './node-change-log.js';
import {
  NODE_RECORD_STRIDE, REC_ALLOC_CPU, REC_ALLOC_EPHEMERAL, REC_ALLOC_MEMORY, REC_ALLOWED_PODS, REC_NZ_CPU, REC_NZ_MEMORY, REC_POD_COUNT,
  REC_REQ_CPU, REC_REQ_EPHEMERAL, REC_REQ_MEMORY, REC_TAINTS, REC_UNSCHEDULABLE,
} from '../api/node-record.js';

/** The taint of a removed node's empty slot (cluster-autoscaler's deletion taint, kept for ever). */
export const TAINT_NODE_REMOVED: Taint = Object.freeze({ key: 'ToBeDeletedByClusterAutoscaler', effect: 'NoSchedule' });
/**
 * A removed node's allocatable. Not frozen (Resources is read-only by type): V8 gives a frozen
 * object a map of its own, and the first read of it (the week's first scale-down) made V8
 * generalize the fields of every Resources object and throw away the compiled code of every
 * function that reads one (the scoring plugins', fitsRequest...), to compile it again.
 */
const NO_RESOURCES: Resources = { milliCPU: 0 as MilliCPU, memory: 0 as Bytes, milliGPU: 0 as MilliGPU, ephemeralStorage: 0 as Bytes };

/**
 * Per-node totals live in typed arrays indexed by node id (struct of arrays); a NodeInfo object
 * per node exposes them through getters, so plugins read live values with no copying and a
 * scheduling cycle allocates nothing per node.
 */
export class ClusterState implements ClusterSnapshot {
  /** Every node slot by index (removed nodes stay as empty slots; see removeNode). */
  nodes: SimNode[] = [];
  readonly havePodsWithAffinity: SimNode[] = [];
  readonly havePodsWithRequiredAntiAffinity: SimNode[] = [];
  /** The run's PodGroups, once it has any (the lifecycle API sets it). */
  podGroups: PodGroupLister | undefined;
  private readonly byName = new Map<string, SimNode>();
  /** Slots of removed nodes, by GPU device count, ready for reuse (indexes stay dense and stable). */
  private readonly freeSlots = new Map<number, number[]>();
  /** Nodes present (not removed). */
  liveNodes = 0;
  private capacity: number;
  // Requested totals (sum of bound pods' effective requests), non-zero requested (scoring
  // defaults for pods without cpu/memory requests) and pod counts live in nodeRecords (below);
  // requested GPU here.
  reqGPU: Float64Array;
  /**
   * ClusterSnapshot.nodeVersions: SimNode gives its slot a new version on every change a
   * node-local plugin could see, so the equivalence cache checks a node with one read.
   */
  nodeVersions: Float64Array;
  /** ClusterSnapshot.nodeChanges: every write of nodeVersions is noted here (renewVersion, restoreVersion). */
  readonly nodeChanges = new NodeChanges();
  /**
   * ClusterSnapshot.nodeRecords (src/api/node-record.ts): each node's pod count, requested and
   * non-zero requested cpu, memory and ephemeral storage (kept here, nowhere else: account), and
   * copies of the node's own fields, written wherever those change (SimNode's setters and reset).
   * The node's views read it, so a node's numbers are on one or two cache lines.
   */
  nodeRecords: Float64Array;
  /** Free milli-GPU of every device, flat: node i's devices start at gpuOffset[i]. */
  gpuFree: Float64Array = new Float64Array(64);
  gpuOffset: Int32Array;
  private gpuDevices = 0;
  /** Active faults per failed device (flat device index). */
  private readonly gpuFaults = new Map<number, number>();
  /** Devices held by each GPU pod (pod id -> device indexes on its node). */
  private readonly gpuAssignments = new Map<number, readonly number[]>();
  /**
   * Per pod id (ids >= 0): its position in its node's `pods` list, so a removal finds it with no
   * per-node Map (a Map that gains and loses a key per pod reallocates its table as it goes). A
   * hint, checked on use: a pod that is not where it says is looked up in the list. Written only
   * for positions from UNHINTED_SLOTS on (the first ones are searched, NodeInfo.removePod).
   */
  podSlots: Int32Array;
  /**
   * Bound pods by priority (only priorities with pods; `boundCounts[i]` pods of `boundPriorities[i]`,
   * in no order): lets preemption see at once that no pod is below a preemptor. Two short arrays
   * searched from the end rather than a Map: a run has a few priority classes, and bind and
   * unbind touch the count once per pod (a Map's get and set were ~1% of the M/M/c process).
   */
  private readonly boundPriorities: number[] = [];
  private readonly boundCounts: number[] = [];
  /** Cluster-wide sums, kept incrementally for utilization metrics. */
  totalAllocCPU = 0;
  totalAllocMem = 0;
  totalAllocGPU = 0;
  totalReqCPU = 0;
  totalReqMem = 0;
  totalReqGPU = 0;

  /** `podCapacity`: pod ids the pod-slot hints make room for up front (e.g. the run's pod table's). */
  constructor(initialCapacity = 64, podCapacity = 1024) {
    this.capacity = Math.max(1, initialCapacity);
    this.podSlots = new Int32Array(Math.max(1024, podCapacity));
    this.reqGPU = new Float64Array(this.capacity);
    this.nodeVersions = new Float64Array(this.capacity);
    this.nodeRecords = new Float64Array(this.capacity * NODE_RECORD_STRIDE);
    this.gpuOffset = new Int32Array(this.capacity);
    // The cluster-wide sums are doubles from here on, and written: account() adds `sign * r.milliGPU`,
    // -0 for a pod without GPUs leaving, a heap number, so the first pod to go turned
    // totalReqGPU from a small-integer field into a double one (a pod's memory in bytes does the
    // same to totalReqMem at the first bind). V8 then gives the cluster a new hidden class and
    // throws away the compiled code of every function that had checked the old one - the
    // scheduler's filters and scores, PodTopologySpread's PreScore, the fused scan: 15 functions
    // compiled again, hours into the autoscaled week (bench/README.md, "Autoscaled week, sixth
    // pass"). A fractional value written once and replaced makes each field a double before
    // any code is compiled; the values are the same numbers.
    this.totalAllocCPU = 0.5;
    this.totalAllocMem = 0.5;
    this.totalAllocGPU = 0.5;
    this.totalReqCPU = 0.5;
    this.totalReqMem = 0.5;
    this.totalReqGPU = 0.5;
    this.totalAllocCPU = 0;
    this.totalAllocMem = 0;
    this.totalAllocGPU = 0;
    this.totalReqCPU = 0;
    this.totalReqMem = 0;
    this.totalReqGPU = 0;
    // The node list is replaced when a node goes (removeNode) or a slot is reused (addNode).
    // Replace it once here too: V8 treats a field never written after construction as a
    // constant, and the first replacement (the first scale-down, days into a run) would throw
    // away the compiled code of every function that read it (the what-ifs, the drain cache,
    // PodTopologySpread's PreScore...), to compile it again.
    this.nodes = this.nodes.slice();
  }

  nodeByName(name: string): SimNode | undefined {
    return this.byName.get(name);
  }

  /**
   * Adds a node. A removed node's slot with the same number of GPU devices is reused, so node
   * indexes stay dense (0..n-1) however many nodes come and go. The node list is replaced, not
   * mutated, so a scheduler's cached scan order sees the change.
   */
  addNode(spec: NodeSpec): SimNode {
    if (this.byName.has(spec.name)) throw new Error(`duplicate node name "${spec.name}"`);
    const devices = Math.floor(spec.allocatable.milliGPU / 1000);
    const reuse = this.freeSlots.get(devices)?.pop();
    let node: SimNode;
    if (reuse !== undefined) {
      node = this.nodes[reuse]!;
      node.reset(spec);
      this.gpuFree.fill(1000, this.gpuOffset[reuse]!, this.gpuOffset[reuse]! + devices);
      this.nodes = this.nodes.slice();
    } else {
      const index = this.nodes.length;
      if (index === this.capacity) this.grow();
      // Devices: allocatable nvidia.com/gpu whole devices, each 1000 milli and fully free.
      this.gpuOffset[index] = this.gpuDevices;
      if (this.gpuDevices + devices > this.gpuFree.length) this.gpuFree = grown(this.gpuFree, capacityFor(this.gpuFree.length, this.gpuDevices + devices));
      this.gpuFree.fill(1000, this.gpuDevices, this.gpuDevices + devices);
      this.gpuDevices += devices;
      node = new SimNode(this, index, spec, devices);
      this.nodes.push(node);
    }
    this.byName.set(spec.name, node);
    this.liveNodes++;
    this.totalAllocCPU += spec.allocatable.milliCPU;
    this.totalAllocMem += spec.allocatable.memory;
    this.totalAllocGPU += spec.allocatable.milliGPU;
    return node;
  }

  /**
   * Removes an empty node (drain it first). Its slot stays as a node nothing can use - no
   * labels, zero allocatable, room for no pod, cordoned and tainted - until a later addNode
   * reuses it.
   */
  removeNode(index: number): void {
    const node = this.nodes[index]!;
    if (node.removed) throw new Error(`node ${node.name} is already removed`);
    if (node.pods.length > 0) throw new Error(`node ${node.name} still has ${node.pods.length} pod(s)`);
    this.byName.delete(node.name);
    this.liveNodes--;
    this.totalAllocCPU -= node.allocatable.milliCPU;
    this.totalAllocMem -= node.allocatable.memory;
    this.totalAllocGPU -= node.allocatable.milliGPU;
    const base = this.gpuOffset[index]!;
    this.gpuFree.fill(0, base, base + node.gpuCount);
    for (let g = 0; g < node.gpuCount; g++) this.gpuFaults.delete(base + g);
    node.markRemoved();
    // Reuse the lowest slot first, so the layout does not depend on removal order: each list is
    // kept in descending order (addNode pops its lowest) by inserting at the place a binary search
    // finds - a what-if's rollback removes the nodes it added, and sorting with a comparator on
    // each removal was ~1% of the autoscaled week.
    const list = this.freeSlots.get(node.gpuCount);
    if (list === undefined) this.freeSlots.set(node.gpuCount, [index]);
    else insertDescending(list, index);
    this.nodes = this.nodes.slice();
  }

  /**
   * Adds the pod's requests to the node; a GPU pod takes `gpus` (device indexes chosen at
   * Reserve; best fit when not given). The caller has checked that it fits; devices that do not
   * fit are an error, never an over-commit.
   */
  bind(pod: PodInfo, nodeIndex: number, gpus?: readonly number[]): void {
    const node = this.nodes[nodeIndex]!;
    const req = gpuRequest(pod.spec.requests);
    if (req) {
      const chosen = gpus ?? selectGpusBestFit(node, req);
      if (!chosen || chosen.length !== req.count || new Set(chosen).size !== chosen.length) {
        throw new Error(`pod ${pod.name}: cannot assign ${req.count} GPU(s) of ${req.milliPerGpu}m on node ${node.name}`);
      }
      const base = this.gpuOffset[nodeIndex]!;
      for (const g of chosen) {
        if (!(g >= 0 && g < node.gpuCount) || this.gpuFree[base + g]! < req.milliPerGpu) {
          throw new Error(`pod ${pod.name}: GPU ${g} of node ${node.name} cannot take ${req.milliPerGpu}m`);
        }
      }
      for (const g of chosen) this.gpuFree[base + g] = this.gpuFree[base + g]! - req.milliPerGpu;
      this.gpuAssignments.set(pod.id, [...chosen]);
    }
    this.account(pod, nodeIndex, 1);
    node.addPod(pod);
    const priority = pod.spec.priority;
    const at = this.boundAt(priority);
    if (at >= 0) this.boundCounts[at]!++;
    else {
      this.boundPriorities.push(priority);
      this.boundCounts.push(1);
    }
    if (hasPodAffinityTerms(pod.spec)) {
      if (node.podsWithAffinity.length === 0) this.havePodsWithAffinity.push(node);
      node.podsWithAffinity.push(pod);
      if (hasRequiredPodAntiAffinity(pod.spec)) {
        if (node.podsWithRequiredAntiAffinity.length === 0) this.havePodsWithRequiredAntiAffinity.push(node);
        node.podsWithRequiredAntiAffinity.push(pod);
      }
    }
  }

  /** The index of `priority` in boundPriorities, or -1 (a loop: lastIndexOf is a builtin call). */
  private boundAt(priority: number): number {
    const priorities = this.boundPriorities;
    for (let i = priorities.length - 1; i >= 0; i--) if (priorities[i] === priority) return i;
    return -1;
  }

  /** Whether some bound pod has a priority below `priority` (else no node has a preemption victim for it). */
  hasPodBelow(priority: number): boolean {
    const priorities = this.boundPriorities;
    for (let i = 0; i < priorities.length; i++) if (priorities[i]! < priority) return true;
    return false;
  }

  unbind(pod: PodInfo, nodeIndex: number): void {
    this.account(pod, nodeIndex, -1);
    const node = this.nodes[nodeIndex]!;
    // No lookup in a run without GPU pods (unbind runs once per pod).
    const gpus = this.gpuAssignments.size > 0 ? this.gpuAssignments.get(pod.id) : undefined;
    if (gpus) {
      const m = gpuRequest(pod.spec.requests)!.milliPerGpu;
      const base = this.gpuOffset[nodeIndex]!;
      for (const g of gpus) this.gpuFree[base + g] = this.gpuFree[base + g]! + m;
      this.gpuAssignments.delete(pod.id);
    }
    node.removePod(pod);
    const at = this.boundAt(pod.spec.priority);
    if (--this.boundCounts[at]! === 0) {
      // The last entry takes the emptied one's place (hasPodBelow does not depend on the order).
      this.boundPriorities[at] = this.boundPriorities[this.boundPriorities.length - 1]!;
      this.boundCounts[at] = this.boundCounts[this.boundCounts.length - 1]!;
      this.boundPriorities.pop();
      this.boundCounts.pop();
    }
    if (hasPodAffinityTerms(pod.spec)) {
      removeItem(node.podsWithAffinity, pod);
      if (node.podsWithAffinity.length === 0) removeItem(this.havePodsWithAffinity, node);
      if (hasRequiredPodAntiAffinity(pod.spec)) {
        removeItem(node.podsWithRequiredAntiAffinity, pod);
        if (node.podsWithRequiredAntiAffinity.length === 0) removeItem(this.havePodsWithRequiredAntiAffinity, node);
      }
    }
  }

  /**
   * A device fault: the device gives no capacity until repaired. Returns the pods holding it
   * (the caller removes them first; their release must not give the device capacity back).
   */
  podsOnGpu(nodeIndex: number, device: number): PodInfo[] {
    return this.nodes[nodeIndex]!.pods.filter((p) => this.gpuAssignments.get(p.id)?.includes(device));
  }

  /**
   * Faults on a device are counted: it gives capacity back only when the last overlapping fault
   * is repaired. No pod can hold a failed device (its free capacity is 0 while failed).
   */
  setGpuFailed(nodeIndex: number, device: number, failed: boolean): void {
    const d = this.gpuOffset[nodeIndex]! + device;
    const faults = (this.gpuFaults.get(d) ?? 0) + (failed ? 1 : -1);
    if (faults < 0) throw new Error(`GPU ${device} of node ${this.nodes[nodeIndex]!.name} repaired more often than it failed`);
    if (faults === 0) this.gpuFaults.delete(d);
    else this.gpuFaults.set(d, faults);
    // The device's free capacity changes: the node gets a new version (ClusterSnapshot.nodeVersions).
    if (failed && faults === 1) {
      this.gpuFree[d] = 0;
      this.renewVersion(nodeIndex);
    }
    if (!failed && faults === 0) {
      this.gpuFree[d] = 1000;
      this.renewVersion(nodeIndex);
    }
  }

  /** The devices a bound GPU pod holds, or undefined. */
  gpusOf(pod: PodInfo): readonly number[] | undefined {
    return this.gpuAssignments.get(pod.id);
  }

  private account(pod: PodInfo, i: number, sign: 1 | -1): void {
    // The record's layout and the default cpu request as literal locals, their types tying them to
    // the exported numbers (as fitsRequestRecord's): an imported binding is a module cell, loaded
    // and checked for the hole at each use, about six instructions each, twice a pod.
    const stride: typeof NODE_RECORD_STRIDE = 12, podCountAt: typeof REC_POD_COUNT = 0, requestedCPUAt: typeof REC_REQ_CPU = 4, requestedMemoryAt: typeof REC_REQ_MEMORY = 5;
    const nonZeroCPUAt: typeof REC_NZ_CPU = 6, nonZeroMemoryAt: typeof REC_NZ_MEMORY = 7, requestedEphemeralAt: typeof REC_REQ_EPHEMERAL = 11;
    const defaultCPU: typeof DEFAULT_MILLI_CPU_REQUEST = 100;
    const r = pod.spec.requests;
    const rec = this.nodeRecords;
    const b = i * stride;
    rec[b + requestedCPUAt] = rec[b + requestedCPUAt]! + sign * r.milliCPU;
    rec[b + requestedMemoryAt] = rec[b + requestedMemoryAt]! + sign * r.memory;
    this.reqGPU[i] = this.reqGPU[i]! + sign * r.milliGPU;
    rec[b + requestedEphemeralAt] = rec[b + requestedEphemeralAt]! + sign * r.ephemeralStorage;
    rec[b + nonZeroCPUAt] = rec[b + nonZeroCPUAt]! + sign * (r.milliCPU === 0 ? defaultCPU : r.milliCPU);
    rec[b + nonZeroMemoryAt] = rec[b + nonZeroMemoryAt]! + sign * (r.memory === 0 ? DEFAULT_MEMORY_REQUEST : r.memory);
    rec[b + podCountAt] = rec[b + podCountAt]! + sign;
    this.totalReqCPU += sign * r.milliCPU;
    this.totalReqMem += sign * r.memory;
    this.totalReqGPU += sign * r.milliGPU;
    if (r.scalar) this.nodes[i]!.addScalar(r.scalar, sign);
  }

  /** Requested cpu per node index, a copy (for tests and tools: nodes[i].requested reads it live). */
  get reqCPU(): Float64Array {
    return this.recordColumn(REC_REQ_CPU);
  }

  /** Requested memory per node index, a copy (as reqCPU). */
  get reqMem(): Float64Array {
    return this.recordColumn(REC_REQ_MEMORY);
  }

  /** Pods per node index, a copy (as reqCPU). */
  get podCounts(): Float64Array {
    return this.recordColumn(REC_POD_COUNT);
  }

  private recordColumn(field: number): Float64Array {
    const out = new Float64Array(this.nodes.length);
    for (let i = 0; i < out.length; i++) out[i] = this.nodeRecords[i * NODE_RECORD_STRIDE + field]!;
    return out;
  }

  /** A new version for node `index` (ClusterSnapshot.nodeVersions), noted in nodeChanges. */
  renewVersion(index: number): void {
    this.nodeVersions[index] = nextNodeVersion();
    this.nodeChanges.note(index);
  }

  /** A what-if's rollback: node `index` gets back the version it had (noted in nodeChanges like a new one). */
  restoreVersion(index: number, version: number): void {
    this.nodeVersions[index] = version;
    this.nodeChanges.note(index);
  }

  private grow(): void {
    const c = this.capacity * 2;
    this.reqGPU = grown(this.reqGPU, c);
    this.nodeVersions = grown(this.nodeVersions, c);
    this.nodeRecords = grown(this.nodeRecords, c * NODE_RECORD_STRIDE);
    this.gpuOffset = grown(this.gpuOffset, c);
    this.capacity = c;
  }
}

/** Removes one item by swapping in the last (order is not meaningful in these lists). Lists stay short. */
function removeItem<T>(list: T[], item: T): void {
  const i = list.indexOf(item);
  if (i < 0) throw new Error('internal: item not in list');
  const last = list.pop()!;
  if (i < list.length) list[i] = last;
}

/** Live view of a node's requested resources, read from the cluster's typed arrays. */
class RequestedView implements Resources {
  /** The node's record in the cluster's nodeRecords. */
  private readonly b: number;
  constructor(private readonly c: ClusterState, private readonly i: number, private readonly node: SimNode) {
    this.b = i * NODE_RECORD_STRIDE;
  }
  get milliCPU(): MilliCPU { return this.c.nodeRecords[this.b + REC_REQ_CPU]! as MilliCPU; }
  get memory(): Bytes { return this.c.nodeRecords[this.b + REC_REQ_MEMORY]! as Bytes; }
  get milliGPU(): MilliGPU { return this.c.reqGPU[this.i]! as MilliGPU; }
  get ephemeralStorage(): Bytes { return this.c.nodeRecords[this.b + REC_REQ_EPHEMERAL]! as Bytes; }
  get scalar(): Readonly<Record<string, number>> | undefined { return this.node.scalarRequested; }
}

class NonZeroRequestedView implements Resources {
  private readonly b: number;
  constructor(private readonly c: ClusterState, private readonly i: number, private readonly node: SimNode) {
    this.b = i * NODE_RECORD_STRIDE;
  }
  get milliCPU(): MilliCPU { return this.c.nodeRecords[this.b + REC_NZ_CPU]! as MilliCPU; }
  get memory(): Bytes { return this.c.nodeRecords[this.b + REC_NZ_MEMORY]! as Bytes; }
  get milliGPU(): MilliGPU { return this.c.reqGPU[this.i]! as MilliGPU; }
  get ephemeralStorage(): Bytes { return this.c.nodeRecords[this.b + REC_REQ_EPHEMERAL]! as Bytes; }
  get scalar(): Readonly<Record<string, number>> | undefined { return this.node.scalarRequested; }
}

/** Upstream's nextGeneration(): one counter for every node of the process, so a generation is never reused. */
let lastGeneration = 0;
const nextGeneration = (): number => ++lastGeneration;
/** ClusterSnapshot.nodeVersions: one counter for every cluster of the process, so a version is never reused. */
let lastNodeVersion = 0;
const nextNodeVersion = (): number => ++lastNodeVersion;
/** The last node version given (unchanged since a moment: no node of any cluster has changed since; the cluster autoscaler's scans). */
export const nodeVersionClock = (): number => lastNodeVersion;

export class SimNode implements NodeInfo {
  // Identity fields change only when a removed node's slot is reused (reset) or on removal.
  name!: string;
  labels!: Labels;
  // Behind accessors so that every writer (the node lifecycle controller, cordons, drains) gives
  // the node a new version.
  private currentTaints!: readonly Taint[];
  private currentUnschedulable!: boolean;
  /** The taints the node was declared with. */
  specTaints!: readonly Taint[];
  /** spec.unschedulable as declared (a drain's end restores it). */
  specUnschedulable!: boolean;
  /** Drains in progress (overlapping drains keep the node cordoned until the last ends). */
  drains = 0;
  allocatable!: Resources;
  allowedPodNumber!: number;
  readonly requested: Resources;
  readonly nonZeroRequested: Resources;
  pool!: string | undefined;
  pricePerHour!: number;
  gpuModel!: string | undefined;
  /** Docker Swarm's view of the node (role, platform, engine labels), as declared. */
  swarm!: SwarmNodeMeta | undefined;
  readonly gpuCount: number;
  /** A removed node's empty slot (see ClusterState.removeNode). */
  removed = false;
  /** Bumped on every change of the node's pods and on reset/removal (NodeInfo.generation). */
  generation = 0;
  /** Pods bound here; removal swaps with the last entry, positions kept in the cluster's `podSlots`. */
  readonly pods: PodInfo[] = [];
  readonly podsWithAffinity: PodInfo[] = [];
  readonly podsWithRequiredAntiAffinity: PodInfo[] = [];
  scalarRequested: Record<string, number> | undefined;

  constructor(private readonly cluster: ClusterState, readonly index: number, spec: NodeSpec, gpuCount: number) {
    this.gpuCount = gpuCount;
    this.requested = new RequestedView(cluster, index, this);
    this.nonZeroRequested = new NonZeroRequestedView(cluster, index, this);
    this.reset(spec);
  }

  /** Replaced (never mutated) when the node lifecycle controller taints or untaints the node. */
  get taints(): readonly Taint[] {
    return this.currentTaints;
  }

  set taints(taints: readonly Taint[]) {
    this.currentTaints = taints;
    this.cluster.nodeRecords[this.index * NODE_RECORD_STRIDE + REC_TAINTS] = taints.length;
    this.changed();
  }

  get unschedulable(): boolean {
    return this.currentUnschedulable;
  }

  set unschedulable(unschedulable: boolean) {
    this.currentUnschedulable = unschedulable;
    this.cluster.nodeRecords[this.index * NODE_RECORD_STRIDE + REC_UNSCHEDULABLE] = unschedulable ? 1 : 0;
    this.changed();
  }

  /** The record's copies of the node's allocatable and pod capacity (ClusterState.nodeRecords). */
  private recordCapacity(): void {
    const rec = this.cluster.nodeRecords;
    const b = this.index * NODE_RECORD_STRIDE;
    rec[b + REC_ALLOWED_PODS] = this.allowedPodNumber;
    rec[b + REC_ALLOC_CPU] = this.allocatable.milliCPU;
    rec[b + REC_ALLOC_MEMORY] = this.allocatable.memory;
    rec[b + REC_ALLOC_EPHEMERAL] = this.allocatable.ephemeralStorage;
  }

  /** A new version for the node's slot (ClusterSnapshot.nodeVersions). */
  private changed(): void {
    this.cluster.renewVersion(this.index);
  }

  /** Takes on a node spec: at creation, and when a removed node's slot is reused (same device count). */
  reset(spec: NodeSpec): void {
    this.name = spec.name;
    this.labels = spec.labels;
    this.taints = spec.taints;
    this.specTaints = spec.taints;
    this.specUnschedulable = spec.unschedulable;
    this.unschedulable = spec.unschedulable;
    this.drains = 0;
    this.allocatable = spec.allocatable;
    this.allowedPodNumber = spec.allowedPodNumber ?? DEFAULT_MAX_PODS;
    this.pool = spec.pool;
    this.pricePerHour = spec.pricePerHour ?? 0;
    this.gpuModel = this.gpuCount > 0 ? spec.gpuModel ?? spec.labels[GPU_MODEL_LABEL] : undefined;
    this.swarm = spec.swarm;
    this.removed = false;
    this.generation = nextGeneration();
    this.recordCapacity();
    this.changed();
  }

  markRemoved(): void {
    this.removed = true;
    this.labels = {};
    this.taints = [TAINT_NODE_REMOVED];
    this.specTaints = this.taints;
    this.unschedulable = true;
    this.specUnschedulable = true;
    this.allocatable = NO_RESOURCES;
    this.allowedPodNumber = 0;
    this.scalarRequested = undefined;
    this.generation = nextGeneration();
    this.recordCapacity();
    this.changed();
  }

  get podCount(): number {
    return this.cluster.nodeRecords[this.index * NODE_RECORD_STRIDE + REC_POD_COUNT]!;
  }

  gpuFree(i: number): number {
    return this.cluster.gpuFree[this.cluster.gpuOffset[this.index]! + i]!;
  }

  addPod(pod: PodInfo): void {
    const id = pod.id;
    const slot = this.pods.length;
    if (id >= 0 && slot >= UNHINTED_SLOTS) {
      const c = this.cluster;
      if (id >= c.podSlots.length) c.podSlots = grown(c.podSlots, capacityFor(c.podSlots.length, id));
      c.podSlots[id] = slot;
    }
    this.pods.push(pod);
    this.generation = nextGeneration();
    this.changed();
  }

  removePod(pod: PodInfo): void {
    const pods = this.pods;
    const slots = this.cluster.podSlots;
    const id = pod.id;
    // The first positions have no hint: searched (a pod is in the list once).
    let slot = -1;
    for (let s = 0; s < pods.length && s < UNHINTED_SLOTS; s++) {
      if (pods[s] === pod) {
        slot = s;
        break;
      }
    }
    if (slot < 0) {
      slot = id >= 0 && id < slots.length ? slots[id]! : -1;
      // The hint is stale only for pods without an id of their own (templates, tests): search.
      if (slot < UNHINTED_SLOTS || slot >= pods.length || pods[slot] !== pod) slot = pods.indexOf(pod);
    }
    if (slot < 0) throw new Error(`pod ${pod.name} is not bound to node ${this.name}`);
    const last = pods.pop()!;
    if (last !== pod) {
      pods[slot] = last;
      if (slot >= UNHINTED_SLOTS && last.id >= 0 && last.id < slots.length) slots[last.id] = slot;
    }
    this.generation = nextGeneration();
    this.changed();
  }

  addScalar(scalar: Readonly<Record<string, number>>, sign: 1 | -1): void {
    const s = (this.scalarRequested ??= {});
    for (const k in scalar) s[k] = (s[k] ?? 0) + sign * scalar[k]!;
  }
}

/**
 * A node's first pod positions, found by a search of those few entries on removal rather than
 * through ClusterState.podSlots: a node that never holds more pods (the M/M/c's servers hold one)
 * never writes or reads a pod's hint, and the hint column's pages are never touched - 4 bytes a
 * pod, about 200 page faults in a 200,000-pod run.
 */
const UNHINTED_SLOTS = 8;

/** Inserts `value` into `list`, which is in descending order and does not hold it, keeping the order. */
function insertDescending(list: number[], value: number): void {
  let lo = 0;
  let hi = list.length;
  // The first position whose entry is below `value`.
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (list[mid]! > value) lo = mid + 1;
    else hi = mid;
  }
  if (lo === list.length) list.push(value);
  else list.splice(lo, 0, value);
}

import { GPU_MODEL_LABEL, gpuRequest, selectGpusBestFit } from '../api/gpu.js';
import {
  DEFAULT_MAX_PODS, DEFAULT_MEMORY_REQUEST, DEFAULT_MILLI_CPU_REQUEST, hasPodAffinityTerms, hasRequiredPodAntiAffinity,
  type ClusterSnapshot, type NodeInfo, type Taint,
} from '../api/node.js';
import type { Labels } from '../api/labels.js';
import type { PodInfo } from '../api/pod.js';
import { resources, type Resources } from '../api/resources.js';
import { MILLI_PER_GPU } from '../api/units.js';
import type { NodeSpec } from '../api/node.js';

let generations = 0;

/**
 * A node as the production runtime sees it: a v1 Node (converted to a NodeSpec) plus the pods
 * bound to it, with the aggregates a plugin reads computed once. Immutable: when the node or
 * its pods change, the runtime builds a new one (with a new generation).
 *
 * GPU devices are not visible in the Kubernetes API, so which device each pod holds is
 * reconstructed by replaying the node's pods in order through the default best-fit choice,
 * as the simulator assigns them when no plugin picks devices.
 */
export class RuntimeNode implements NodeInfo {
  readonly name: string;
  readonly labels: Labels;
  readonly taints: readonly Taint[];
  readonly unschedulable: boolean;
  readonly allocatable: Resources;
  readonly allowedPodNumber: number;
  readonly requested: Resources;
  readonly nonZeroRequested: Resources;
  readonly podCount: number;
  readonly generation = ++generations;
  readonly gpuModel: string | undefined;
  readonly gpuCount: number;
  readonly podsWithAffinity: readonly PodInfo[];
  readonly podsWithRequiredAntiAffinity: readonly PodInfo[];
  private readonly free: Float64Array;
  private quoted: string | undefined;
  private quotedUtf8: Buffer | undefined;
  private hostPrefix: Buffer | undefined;

  constructor(readonly index: number, readonly spec: NodeSpec, readonly pods: readonly PodInfo[]) {
    this.name = spec.name;
    this.labels = spec.labels;
    this.taints = spec.taints;
    this.unschedulable = spec.unschedulable;
    this.allocatable = spec.allocatable;
    this.allowedPodNumber = spec.allowedPodNumber ?? DEFAULT_MAX_PODS;
    this.gpuCount = Math.floor(spec.allocatable.milliGPU / MILLI_PER_GPU);
    this.gpuModel = this.gpuCount > 0 ? spec.gpuModel ?? spec.labels[GPU_MODEL_LABEL] : undefined;
    this.free = new Float64Array(this.gpuCount).fill(MILLI_PER_GPU);

    let cpu = 0, mem = 0, gpu = 0, eph = 0, nzCPU = 0, nzMem = 0;
    let scalar: Record<string, number> | undefined;
    const withAffinity: PodInfo[] = [];
    const withAntiAffinity: PodInfo[] = [];
    for (const pod of pods) {
      const r = pod.spec.requests;
      cpu += r.milliCPU;
      mem += r.memory;
      gpu += r.milliGPU;
      eph += r.ephemeralStorage;
      nzCPU += r.milliCPU === 0 ? DEFAULT_MILLI_CPU_REQUEST : r.milliCPU;
      nzMem += r.memory === 0 ? DEFAULT_MEMORY_REQUEST : r.memory;
      if (r.scalar) {
        scalar ??= {};
        for (const k in r.scalar) scalar[k] = (scalar[k] ?? 0) + r.scalar[k]!;
      }
      if (hasPodAffinityTerms(pod.spec)) {
        withAffinity.push(pod);
        if (hasRequiredPodAntiAffinity(pod.spec)) withAntiAffinity.push(pod);
      }
      const req = gpuRequest(r);
      // A pod the replay cannot place (devices over-committed outside the scheduler) holds none.
      const devices = req && selectGpusBestFit(this, req);
      if (req && devices) for (const d of devices) this.free[d] = this.free[d]! - req.milliPerGpu;
    }
    this.podCount = pods.length;
    this.requested = resources({ milliCPU: cpu, memory: mem, milliGPU: gpu, ephemeralStorage: eph, ...(scalar ? { scalar } : {}) });
    this.nonZeroRequested = resources({ milliCPU: nzCPU, memory: nzMem, milliGPU: gpu, ephemeralStorage: eph, ...(scalar ? { scalar } : {}) });
    this.podsWithAffinity = withAffinity;
    this.podsWithRequiredAntiAffinity = withAntiAffinity;
  }

  gpuFree(i: number): number {
    return this.free[i]!;
  }

  /** The name as a JSON string, for responses (computed once per view). */
  get quotedName(): string {
    return (this.quoted ??= JSON.stringify(this.name));
  }

  /** quotedName as UTF-8 bytes, for filter responses (see response-bytes.ts). */
  get quotedBytes(): Buffer {
    return (this.quotedUtf8 ??= Buffer.from(this.quotedName, 'utf8'));
  }

  /** `{"Host":"<name>","Score":` as UTF-8 bytes, for prioritize responses. */
  get hostPrefixBytes(): Buffer {
    return (this.hostPrefix ??= Buffer.from(`{"Host":${this.quotedName},"Score":`, 'utf8'));
  }
}

/** The nodes of one request (or of the cache) as a ClusterSnapshot. */
export class RuntimeSnapshot implements ClusterSnapshot {
  readonly havePodsWithAffinity: readonly NodeInfo[];
  readonly havePodsWithRequiredAntiAffinity: readonly NodeInfo[];
  private readonly byName = new Map<string, NodeInfo>();

  /** `nodes[i].index` must be i. */
  constructor(readonly nodes: readonly NodeInfo[]) {
    for (const n of nodes) this.byName.set(n.name, n);
    this.havePodsWithAffinity = nodes.filter((n) => n.podsWithAffinity.length > 0);
    this.havePodsWithRequiredAntiAffinity = nodes.filter((n) => n.podsWithRequiredAntiAffinity.length > 0);
  }

  nodeByName(name: string): NodeInfo | undefined {
    return this.byName.get(name);
  }
}

import type { PodSpec } from '../api/pod.js';
import { NODE_RECORD_STRIDE, REC_ALLOC_CPU, REC_ALLOC_MEMORY, REC_ALLOWED_PODS, REC_POD_COUNT, REC_REQ_CPU, REC_REQ_MEMORY, REC_UNSCHEDULABLE } from '../api/node-record.js';
import type { ClusterState } from './cluster.js';

/** Stranded capacity, as fractions of the allocatable of the nodes that could take pods, averaged over the samples. */
export interface StrandedCapacity {
  readonly cpu: number;
  readonly memory: number;
  /** null when the cluster has no GPUs or no pod asked for one. */
  readonly gpu: number | null;
  readonly samples: number;
}

/**
 * Stranded capacity: free resources that no submitted pod could use, because another resource
 * of the same node ran short (the "stranding" of cluster-management papers, e.g. Borg's and
 * Alibaba's: a machine whose memory is full strands its idle cores). At each time-series sample,
 * on every node that takes pods (Ready and schedulable):
 *
 * - its free cpu is stranded when its free memory is below the smallest memory request of any
 *   pod submitted so far, or it has no pod slot left;
 * - its free memory is stranded when its free cpu is below the smallest cpu request, or no pod slot is left;
 * - its whole free GPUs are stranded when its free cpu or memory is below the smallest request of
 *   a GPU pod.
 *
 * It measures what packing leaves behind, orchestrator aside: Kubernetes' scoring and Swarm's
 * task-count spread strand differently on the same cluster and workload.
 */
export class StrandedRecorder {
  private minCPU = Infinity;
  private minMem = Infinity;
  private minGpuPodCPU = Infinity;
  private minGpuPodMem = Infinity;
  private sumCPU = 0;
  private sumMem = 0;
  private sumGPU = 0;
  private gpuSamples = 0;
  private samples = 0;

  /** A pod was submitted: its requests may lower the thresholds. */
  podCreated(spec: PodSpec): void {
    const r = spec.requests;
    if (r.milliCPU < this.minCPU) this.minCPU = r.milliCPU;
    if (r.memory < this.minMem) this.minMem = r.memory;
    if (r.milliGPU > 0) {
      if (r.milliCPU < this.minGpuPodCPU) this.minGpuPodCPU = r.milliCPU;
      if (r.memory < this.minGpuPodMem) this.minGpuPodMem = r.memory;
    }
  }

  /** One sample of the cluster; `ready` says whether the control plane sees a node Ready. */
  sample(c: ClusterState, ready: (node: number) => boolean): void {
    if (this.minCPU === Infinity) return;
    let allocCPU = 0;
    let allocMem = 0;
    let gpus = 0;
    let cpu = 0;
    let mem = 0;
    let gpu = 0;
    // The numbers from the nodes' records (ClusterSnapshot.nodeRecords: the same values the
    // node objects report, on one or two cache lines per node instead of four getters' objects).
    const rec = c.nodeRecords;
    const nodes = c.nodes;
    for (let i = 0; i < nodes.length; i++) {
      const n = nodes[i]!;
      const b = i * NODE_RECORD_STRIDE;
      if (n.removed || rec[b + REC_UNSCHEDULABLE] !== 0 || !ready(i)) continue;
      const nodeCPU = rec[b + REC_ALLOC_CPU]!;
      const nodeMem = rec[b + REC_ALLOC_MEMORY]!;
      const freeCPU = nodeCPU - rec[b + REC_REQ_CPU]!;
      const freeMem = nodeMem - rec[b + REC_REQ_MEMORY]!;
      const full = rec[b + REC_POD_COUNT]! >= rec[b + REC_ALLOWED_PODS]!;
      allocCPU += nodeCPU;
      allocMem += nodeMem;
      gpus += n.gpuCount;
      if (freeCPU > 0 && (full || freeMem < this.minMem)) cpu += freeCPU;
      if (freeMem > 0 && (full || freeCPU < this.minCPU)) mem += freeMem;
      if (n.gpuCount > 0 && this.minGpuPodCPU !== Infinity && (full || freeCPU < this.minGpuPodCPU || freeMem < this.minGpuPodMem)) {
        for (let g = 0; g < n.gpuCount; g++) if (n.gpuFree(g) >= 1000) gpu++;
      }
    }
    this.samples++;
    this.sumCPU += allocCPU > 0 ? cpu / allocCPU : 0;
    this.sumMem += allocMem > 0 ? mem / allocMem : 0;
    if (gpus > 0 && this.minGpuPodCPU !== Infinity) {
      this.gpuSamples++;
      this.sumGPU += gpu / gpus;
    }
  }

  result(): StrandedCapacity | undefined {
    if (this.samples === 0) return undefined;
    return { cpu: this.sumCPU / this.samples, memory: this.sumMem / this.samples, gpu: this.gpuSamples > 0 ? this.sumGPU / this.gpuSamples : null, samples: this.samples };
  }
}

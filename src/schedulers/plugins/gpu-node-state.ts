import type { NodeInfo } from '../../api/node.js';
import type { PodSpec } from '../../api/pod.js';
import { switchedOn } from '../../util/switches.js';

/**
 * Shared quantities of the GPU-sharing policies (FGD.md section 6): the node's CPU left `c`,
 * its free GPU milli `Gfree`, and the pod's total GPU demand D = m * k.
 */
export function cpuLeft(node: NodeInfo): number {
  return node.allocatable.milliCPU - node.requested.milliCPU;
}

export function gpuFreeTotal(node: NodeInfo): number {
  let s = 0;
  for (let i = 0; i < node.gpuCount; i++) s += node.gpuFree(i);
  return s;
}

export function gpuDemand(spec: PodSpec): number {
  return spec.requests.milliGPU;
}

/** Normalizers of the FGD simulator's score plugins: 128 cores, 8 GPUs (FGD.md section 6). */
export const MAX_CPU_MILLI = 128_000;
export const MAX_GPU_MILLI = 8_000;

/**
 * Whether the GPU-sharing policies' scores (BestFit, DotProd, GpuClustering, GpuPacking, FGD) are
 * node-local (Plugin.nodeLocal), so the framework's equivalence cache keeps each raw score per
 * (pod spec, node version) and computes it again only on a node that changed. Each reads only
 * the pod's spec and the node: its free CPU, device frees, GPU model and (GpuClustering) its pods'
 * GPU shapes, all of which give the node a new version (device faults included).
 * ORCHSIM_NO_GPU_SCORE_CACHE=1 turns it off (read when a plugin is built);
 * test/schedulers/gpu-equivalence.test.ts runs random GPU clusters with it on and off.
 */
export function gpuScoreCacheDefault(): boolean {
  return switchedOn('ORCHSIM_NO_GPU_SCORE_CACHE');
}

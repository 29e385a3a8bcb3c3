import type { NodeInfo } from '../../api/node.js';
import type { PodSpec } from '../../api/pod.js';

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

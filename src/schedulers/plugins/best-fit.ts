import { ClusterEvent, type ScorePlugin } from '../../api/framework.js';
import type { NodeInfo } from '../../api/node.js';
import type { PodInfo } from '../../api/pod.js';
import { cpuLeft, gpuDemand, gpuFreeTotal, gpuScoreCacheDefault, MAX_CPU_MILLI, MAX_GPU_MILLI } from './gpu-node-state.js';

export const NAME = 'BestFit';

/**
 * BestFit (FGD.md section 6): what would be left, CPU and GPU equally weighted (CPU term first),
 * r = 0.5 (c - cpu) / 128000 + 0.5 (Gfree - D) / 8000; score = trunc((1 - r) * 100): the
 * tightest fit scores highest.
 */
export function bestFitScore(pod: PodInfo, node: NodeInfo): number {
  const r = (0.5 * (cpuLeft(node) - pod.spec.requests.milliCPU)) / MAX_CPU_MILLI + (0.5 * (gpuFreeTotal(node) - gpuDemand(pod.spec))) / MAX_GPU_MILLI;
  return Math.trunc((1 - r) * 100);
}

export function bestFit(): ScorePlugin {
  return {
    name: NAME,
    // Reads only the pod spec and this node: raw scores reused per (spec, node version).
    nodeLocal: gpuScoreCacheDefault(),
    events: ClusterEvent.AssignedPodDelete | ClusterEvent.NodeAdd | ClusterEvent.NodeUpdate,
    score: (_state, pod, node) => bestFitScore(pod, node),
  };
}

import { ClusterEvent, type ScorePlugin } from '../../api/framework.js';
import type { NodeInfo } from '../../api/node.js';
import type { PodInfo } from '../../api/pod.js';
import { cpuLeft, gpuDemand, gpuFreeTotal, gpuScoreCacheDefault, MAX_CPU_MILLI, MAX_GPU_MILLI } from './gpu-node-state.js';

export const NAME = 'DotProd';

/**
 * DotProd (FGD.md section 6): the dot product of the node's free vector (c, Gfree) and the pod's
 * demand (cpu, D), each normalized; a smaller product scores higher: trunc(100 * (1 - dot / 2)).
 */
export function dotProdScore(pod: PodInfo, node: NodeInfo): number {
  const dot = (cpuLeft(node) / MAX_CPU_MILLI) * (pod.spec.requests.milliCPU / MAX_CPU_MILLI) + (gpuFreeTotal(node) / MAX_GPU_MILLI) * (gpuDemand(pod.spec) / MAX_GPU_MILLI);
  return Math.trunc(100 * (1 - dot / 2));
}

export function dotProd(): ScorePlugin {
  return {
    name: NAME,
    // Reads only the pod spec and this node: raw scores reused per (spec, node version).
    nodeLocal: gpuScoreCacheDefault(),
    events: ClusterEvent.AssignedPodDelete | ClusterEvent.NodeAdd | ClusterEvent.NodeUpdate,
    score: (_state, pod, node) => dotProdScore(pod, node),
  };
}

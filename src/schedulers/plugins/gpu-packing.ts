import { ClusterEvent, type ScorePlugin } from '../../api/framework.js';
import { gpuRequest } from '../../api/gpu.js';
import type { NodeInfo } from '../../api/node.js';
import type { PodInfo } from '../../api/pod.js';
import { MILLI_PER_GPU } from '../../api/units.js';
import { gpuScoreCacheDefault } from './gpu-node-state.js';

export const NAME = 'GpuPacking';

/**
 * GpuPacking (FGD.md section 6), integer arithmetic: prefer nodes whose GPUs are already in use,
 * and among those the fullest devices. CPU-only pods score 0 everywhere. With F fully free
 * devices out of G: F == G scores max(33 - G, G); otherwise take the first k fitting devices in
 * ascending order of free (stable); if j of them were fully free, max(50 - j, 33); if none,
 * max(100 - floor(sum(floor(g * 100 / 1000)) / 10), 50), g before placement.
 */
export function gpuPackingScore(pod: PodInfo, node: NodeInfo): number {
  const req = gpuRequest(pod.spec.requests);
  if (!req) return 0;
  const G = node.gpuCount;
  let fullyFree = 0;
  for (let i = 0; i < G; i++) if (node.gpuFree(i) >= MILLI_PER_GPU) fullyFree++;
  if (fullyFree === G) return Math.max(33 - G, G);
  const order = Array.from({ length: G }, (_, i) => i).sort((a, b) => node.gpuFree(a) - node.gpuFree(b) || a - b);
  let taken = 0;
  let j = 0;
  let sum = 0;
  for (const i of order) {
    if (taken === req.count) break;
    const g = node.gpuFree(i);
    if (g < req.milliPerGpu) continue;
    taken++;
    if (g >= MILLI_PER_GPU) j++;
    sum += Math.floor((g * 100) / MILLI_PER_GPU);
  }
  if (j > 0) return Math.max(50 - j, 33);
  return Math.max(100 - Math.floor(sum / 10), 50);
}

export function gpuPacking(): ScorePlugin {
  return {
    name: NAME,
    // Reads only the pod spec and this node: raw scores reused per (spec, node version).
    nodeLocal: gpuScoreCacheDefault(),
    events: ClusterEvent.AssignedPodDelete | ClusterEvent.NodeAdd | ClusterEvent.NodeUpdate,
    score: (_state, pod, node) => gpuPackingScore(pod, node),
  };
}

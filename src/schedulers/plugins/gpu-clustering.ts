import { ClusterEvent, type ScorePlugin } from '../../api/framework.js';
import { gpuRequest } from '../../api/gpu.js';
import type { NodeInfo } from '../../api/node.js';
import type { PodInfo, PodSpec } from '../../api/pod.js';
import { MILLI_PER_GPU } from '../../api/units.js';
import { gpuFreeTotal, gpuScoreCacheDefault, MAX_GPU_MILLI } from './gpu-node-state.js';

export const NAME = 'GpuClustering';

/** A pod's GPU tag: "share" for part of one device, "<k>-gpu" for whole devices, none for CPU pods. */
export function gpuTag(spec: PodSpec): string | undefined {
  const req = gpuRequest(spec.requests);
  if (!req) return undefined;
  return req.milliPerGpu < MILLI_PER_GPU ? 'share' : `${req.count}-gpu`;
}

const tagOfSpec = new WeakMap<PodSpec, string | null>();
function cachedTag(spec: PodSpec): string | undefined {
  let t = tagOfSpec.get(spec);
  if (t === undefined) tagOfSpec.set(spec, (t = gpuTag(spec) ?? null));
  return t ?? undefined;
}

/**
 * GpuClustering (FGD.md section 6): keep pods of one GPU shape together. CPU-only pods score 0.
 * Otherwise base = floor(25 * (8000 - Gfree) / 8000), plus 75 when the node hosts only pods of
 * the same tag, 50 when it hosts that tag and others, 25 when it hosts no GPU pod, 0 when it
 * hosts only other tags.
 */
export function gpuClusteringScore(pod: PodInfo, node: NodeInfo): number {
  const tag = cachedTag(pod.spec);
  if (tag === undefined) return 0;
  const base = Math.floor((25 * (MAX_GPU_MILLI - gpuFreeTotal(node))) / MAX_GPU_MILLI);
  let same = false;
  let other = false;
  for (const p of node.pods) {
    const t = cachedTag(p.spec);
    if (t === undefined) continue;
    if (t === tag) same = true;
    else other = true;
  }
  if (same && !other) return base + 75;
  if (same) return base + 50;
  if (!other) return base + 25;
  return base;
}

export function gpuClustering(): ScorePlugin {
  return {
    name: NAME,
    // Reads only the pod spec and this node: raw scores reused per (spec, node version).
    nodeLocal: gpuScoreCacheDefault(),
    events: ClusterEvent.AssignedPodDelete | ClusterEvent.NodeAdd | ClusterEvent.NodeUpdate,
    score: (_state, pod, node) => gpuClusteringScore(pod, node),
  };
}

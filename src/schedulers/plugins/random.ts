import type { GpuSelectPlugin, ScorePlugin } from '../../api/framework.js';
import { gpuRequest } from '../../api/gpu.js';
import { MILLI_PER_GPU } from '../../api/units.js';
import type { PluginHandle } from '../registry.js';

export const NAME = 'Random';

/**
 * Baseline: every feasible node gets an independent uniform score, so the winner is uniform
 * among the nodes the framework scored. Draws come from the seeded stream "scheduler/Random".
 * Pair it with percentageOfNodesToScore 100 to choose among all feasible nodes.
 * A GPU share goes to a uniformly random device that fits it, fully free ones included (the
 * FGD paper's Random policy, FGD.md section 4); whole GPUs take the default choice.
 */
export function randomPlugin(_args: unknown, handle: PluginHandle): ScorePlugin & GpuSelectPlugin {
  const rng = handle.random('scheduler/Random');
  return {
    name: NAME,
    score: () => rng.next() * 100,
    selectGPUs(_state, pod, node) {
      const req = gpuRequest(pod.spec.requests);
      if (!req || req.milliPerGpu >= MILLI_PER_GPU) return undefined;
      const fitting: number[] = [];
      for (let i = 0; i < node.gpuCount; i++) if (node.gpuFree(i) >= req.milliPerGpu) fitting.push(i);
      return fitting.length > 0 ? [fitting[Math.floor(rng.next() * fitting.length)]!] : undefined;
    },
  };
}

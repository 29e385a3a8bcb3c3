import type { ScorePlugin } from '../../api/framework.js';
import type { PluginHandle } from '../registry.js';

export const NAME = 'Random';

/**
 * Baseline: every feasible node gets an independent uniform score, so the winner is uniform
 * among the nodes the framework scored. Draws come from the seeded stream "scheduler/Random".
 * Pair it with percentageOfNodesToScore 100 to choose among all feasible nodes.
 */
export function randomPlugin(_args: unknown, handle: PluginHandle): ScorePlugin {
  const rng = handle.random('scheduler/Random');
  return {
    name: NAME,
    score: () => rng.next() * 100,
  };
}

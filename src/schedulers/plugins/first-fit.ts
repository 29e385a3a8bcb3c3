import type { ScorePlugin } from '../../api/framework.js';

export const NAME = 'FirstFit';

/**
 * Baseline: the feasible node with the lowest index (the order nodes were declared in) wins.
 * Scores 100 for that node and 0 for the rest. Pair it with percentageOfNodesToScore 100 so
 * every feasible node is seen; a classic first-fit bin packer.
 */
export function firstFit(): ScorePlugin {
  return {
    name: NAME,
    // Raw score: the node index, reversed by normalization below.
    score: (_state, _pod, node) => node.index,
    normalizeScore(_state, _pod, scores, count) {
      let min = Infinity;
      for (let i = 0; i < count; i++) if (scores[i]! < min) min = scores[i]!;
      for (let i = 0; i < count; i++) scores[i] = scores[i] === min ? 100 : 0;
    },
  };
}

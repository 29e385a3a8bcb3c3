import type { RandomSource } from '../api/framework.js';
import type { ClusterSnapshot, NodeInfo } from '../api/node.js';

/** The `rank` tie-break's node ranks: a random permutation drawn once per run (the FGD simulator's rule). */
export class NodeRanks {
  private ranks: Int32Array = new Int32Array(0);

  /**
   * Among the candidates with the top score (all when `total` is null), the one with the
   * smallest rank. Ranks are a random permutation of the nodes sorted by name, drawn from the
   * tie-break stream at the first use; nodes added later rank after the first ones.
   */
  lowest(feasible: readonly NodeInfo[], total: Float64Array | null, maxScore: number, snapshot: ClusterSnapshot, random: RandomSource): NodeInfo {
    const nodes = snapshot.nodes;
    if (this.ranks.length < nodes.length) {
      const byName = [...nodes].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0)).map((n) => n.index);
      const ranks = new Int32Array(nodes.length);
      if (this.ranks.length === 0) {
        // A uniform permutation (Fisher-Yates); node i of the name order gets rank perm[i].
        const perm = Int32Array.from({ length: nodes.length }, (_, i) => i);
        for (let i = perm.length - 1; i > 0; i--) {
          const j = Math.floor(random.next() * (i + 1));
          const t = perm[i]!;
          perm[i] = perm[j]!;
          perm[j] = t;
        }
        byName.forEach((nodeIndex, i) => (ranks[nodeIndex] = perm[i]!));
      } else {
        ranks.set(this.ranks);
        for (let i = this.ranks.length; i < nodes.length; i++) ranks[i] = i;
      }
      this.ranks = ranks;
    }
    let best: NodeInfo | undefined;
    for (let i = 0; i < feasible.length; i++) {
      if (total !== null && total[i] !== maxScore) continue;
      const n = feasible[i]!;
      if (best === undefined || this.ranks[n.index]! < this.ranks[best.index]!) best = n;
    }
    return best!;
  }
}

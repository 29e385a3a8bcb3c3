import type { NodeChangeLog } from '../api/node.js';

/**
 * ClusterSnapshot.nodeChanges (src/api/node.ts) for the simulator's ClusterState: every place
 * that writes a nodeVersions entry notes the node here. A ring of node indexes: a reader more
 * than RING_SIZE writes behind compares every node's version instead (SpecVerdicts.syncTotals).
 */
export const NODE_CHANGE_RING_SIZE = 1 << 13;

export class NodeChanges implements NodeChangeLog {
  readonly ring = new Int32Array(NODE_CHANGE_RING_SIZE);
  count = 0;

  note(index: number): void {
    this.ring[this.count & (NODE_CHANGE_RING_SIZE - 1)] = index;
    this.count++;
  }
}

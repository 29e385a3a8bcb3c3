import { PodPhase } from '../../api/pod.js';
import type { PodTable } from '../pods.js';

/**
 * The ReplicaSet controller's choice of pods to delete on a scale-down (kubernetes
 * pkg/controller/replicaset getPodsToDelete, ActivePodsWithRanks): unscheduled before scheduled,
 * not started before started, not ready before ready, pods on nodes with more replicas of the set
 * first, then the most recently started, then the newest.
 */

/** The pod table's columns the ranking reads. */
export type DeletionColumns = Pick<PodTable, 'phase' | 'node' | 'restarts' | 'ready' | 'startedAt'>;

/**
 * Up to this many pods to delete are picked by repeated scans for the first in deletion order
 * (count x pods comparisons) rather than by sorting every pod of the set (pods x log pods
 * comparisons, and the sort's own work): an HPA's scale-down usually removes a few pods of a set
 * of tens to hundreds (issue 23).
 */
const PICK_AT_MOST = 16;

/**
 * The `count` pods of `podIds` to delete first, in deletion order. Each pod's keys are read once;
 * the order is strict and total (the pod id breaks every tie) while every start time is finite,
 * so the first `count` pods of the sorted set are the `count` picked one by one; otherwise the
 * set is sorted by the same comparison, whatever that makes of a NaN difference.
 */
export function podsToDelete(p: DeletionColumns, podIds: Iterable<number>, count: number): number[] {
  const perNode = new Map<number, number>();
  for (const id of podIds) if (p.node[id]! >= 0 && p.phase[id] !== PodPhase.Pending) perNode.set(p.node[id]!, (perNode.get(p.node[id]!) ?? 0) + 1);
  const ids = [...podIds];
  const n = ids.length;
  const ranks = new Int32Array(n);
  const onNode = new Int32Array(n);
  const started = new Float64Array(n);
  let finite = true;
  for (let i = 0; i < n; i++) {
    const id = ids[i]!;
    ranks[i] = p.phase[id] === PodPhase.Pending ? 0 : p.phase[id] === PodPhase.Bound && p.restarts[id] === 0 ? 1 : p.ready[id] !== 1 ? 2 : 3;
    onNode[i] = perNode.get(p.node[id]!) ?? 0;
    started[i] = p.startedAt[id]! || 0;
    if (!Number.isFinite(started[i]!)) finite = false;
  }
  // Negative: position i goes before j (lower rank, more replicas on its node, started later, newer).
  const order = (i: number, j: number): number => ranks[i]! - ranks[j]! || onNode[j]! - onNode[i]! || started[j]! - started[i]! || ids[j]! - ids[i]!;
  if (finite && count >= 1 && count <= PICK_AT_MOST && count < n) return pickInOrder(ids, order, count);
  const positions = Array.from({ length: n }, (_, i) => i);
  positions.sort(order);
  return positions.slice(0, count).map((i) => ids[i]!);
}

/** The first `count` of `ids` in `order`, by `count` scans over the pods not yet picked. */
function pickInOrder(ids: readonly number[], order: (i: number, j: number) => number, count: number): number[] {
  const n = ids.length;
  const picked = new Uint8Array(n);
  const out: number[] = [];
  for (let c = 0; c < count; c++) {
    let best = -1;
    for (let i = 0; i < n; i++) {
      if (picked[i] === 1) continue;
      if (best < 0 || order(i, best) < 0) best = i;
    }
    picked[best] = 1;
    out.push(ids[best]!);
  }
  return out;
}

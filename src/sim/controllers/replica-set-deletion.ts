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
 * (count x pods comparisons of numbers read once) rather than by sorting every pod of the set
 * (pods x log pods calls of a comparator that looks its keys up again each time): an HPA's
 * scale-down usually removes a few pods of a set of tens to hundreds (issue 23).
 */
const PICK_AT_MOST = 16;

/**
 * The `count` pods of `podIds` to delete first, in deletion order. The order is strict and total
 * (the pod id breaks every tie) while every start time is finite, so the first `count` pods of the
 * sorted set are the `count` picked one by one; otherwise the set is sorted as the comparator
 * says, whatever that makes of a NaN difference.
 */
export function podsToDelete(p: DeletionColumns, podIds: Iterable<number>, count: number): number[] {
  const perNode = new Map<number, number>();
  for (const id of podIds) if (p.node[id]! >= 0 && p.phase[id] !== PodPhase.Pending) perNode.set(p.node[id]!, (perNode.get(p.node[id]!) ?? 0) + 1);
  const rank = (id: number): number => (p.phase[id] === PodPhase.Pending ? 0 : p.phase[id] === PodPhase.Bound && p.restarts[id] === 0 ? 1 : p.ready[id] !== 1 ? 2 : 3);
  const ids = [...podIds];
  const n = ids.length;
  if (count >= 1 && count <= PICK_AT_MOST && count < n) {
    // Each pod's keys, read once.
    const ranks = new Int32Array(n);
    const onNode = new Int32Array(n);
    const started = new Float64Array(n);
    let finite = true;
    for (let i = 0; i < n; i++) {
      const id = ids[i]!;
      ranks[i] = rank(id);
      onNode[i] = perNode.get(p.node[id]!) ?? 0;
      started[i] = p.startedAt[id]! || 0;
      if (!Number.isFinite(started[i]!)) finite = false;
    }
    if (finite) return pickInOrder(ids, ranks, onNode, started, count);
  }
  ids.sort((a, b) => rank(a) - rank(b)
    || (perNode.get(p.node[b]!) ?? 0) - (perNode.get(p.node[a]!) ?? 0)
    || (p.startedAt[b]! || 0) - (p.startedAt[a]! || 0)
    || b - a);
  return ids.slice(0, count);
}

/** The first `count` of `ids` in deletion order, by `count` scans over the pods not yet picked. */
function pickInOrder(ids: number[], ranks: Int32Array, onNode: Int32Array, started: Float64Array, count: number): number[] {
  const n = ids.length;
  const picked = new Uint8Array(n);
  const out: number[] = [];
  for (let c = 0; c < count; c++) {
    let best = -1;
    for (let i = 0; i < n; i++) {
      if (picked[i] === 1) continue;
      // i goes before best: lower rank, more replicas on its node, started later, newer.
      if (best < 0 || (ranks[i]! - ranks[best]! || onNode[best]! - onNode[i]! || started[best]! - started[i]! || ids[best]! - ids[i]!) < 0) best = i;
    }
    picked[best] = 1;
    out.push(ids[best]!);
  }
  return out;
}

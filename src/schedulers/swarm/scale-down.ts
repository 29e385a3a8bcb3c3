/**
 * Which tasks a replicated service loses when scaled down (manager/orchestrator/replicated/
 * services.go reconcile, case specifiedSlots < numSlots, with slot.go's orders).
 */

/** A running slot of the service: the node its task is on (negative: not assigned yet), its slot number, whether it is RUNNING. */
export interface SwarmSlotInfo {
  readonly node: number;
  readonly slot: number;
  readonly running: boolean;
}

/**
 * The positions (into `tasks`) of the `count` tasks to remove, in upstream's order:
 * 1. slotsByRunningState: running slots before non-running ones, then lower slot numbers first;
 * 2. each assigned task gets index n = "the n-th copy of the service on its node" in that order
 *    (an unassigned one -1);
 * 3. slotsByIndex: ascending index, unassigned last; the first len - count are kept and the
 *    rest get desired state REMOVE. So unassigned tasks go first, then the highest copies on
 *    the most loaded nodes, non-running and higher slots before running and lower ones.
 * Returned in that sorted order. Upstream's second sort is Go's sort.Sort, stable (insertion
 * sort) up to 12 slots; above that pdqsort may order equal indices differently, where this keeps
 * the order of step 1 (a documented difference, for ties only). Slot numbers are unique in a
 * service; should two tasks share one, the earlier position counts as the lower.
 */
export function swarmTasksToRemove(tasks: readonly SwarmSlotInfo[], count: number): number[] {
  const n = tasks.length;
  if (count <= 0 || n === 0) return [];
  const byRunningState = Array.from({ length: n }, (_, i) => i);
  byRunningState.sort((a, b) => {
    const ta = tasks[a]!;
    const tb = tasks[b]!;
    if (ta.running !== tb.running) return ta.running ? -1 : 1;
    return ta.slot - tb.slot || a - b;
  });
  const copyIndex = new Int32Array(n);
  const copiesOnNode = new Map<number, number>();
  for (const i of byRunningState) {
    const node = tasks[i]!.node;
    if (node < 0) {
      copyIndex[i] = -1;
      continue;
    }
    const k = (copiesOnNode.get(node) ?? 0) + 1;
    copiesOnNode.set(node, k);
    copyIndex[i] = k;
  }
  // Stable: equal indices keep the order of byRunningState.
  const byIndex = byRunningState.slice().sort((a, b) => {
    const ia = copyIndex[a]!;
    const ib = copyIndex[b]!;
    if (ia < 0 && ib >= 0) return 1;
    if (ib < 0 && ia >= 0) return -1;
    return ia - ib;
  });
  return byIndex.slice(Math.max(0, n - count));
}

import type { QueueingStrategy } from '../../api/queueing.js';

/**
 * The pending workloads of one ClusterQueue (pkg/cache/queue/cluster_queue.go): the active heap,
 * ordered by priority then creation (baseCompareFunc; ids stand for the UID tie-break), and the
 * inadmissible set where BestEffortFIFO parks a head that did not fit until capacity changes
 * (requeueIfNotPresent, QueueInadmissibleWorkloads).
 */
export interface PendingKey {
  readonly id: number;
  readonly priority: number;
  readonly timestamp: number;
}

/** Within a ClusterQueue: higher priority first, then the older, then the lower id. */
export function queueOrder(a: PendingKey, b: PendingKey): number {
  return b.priority - a.priority || a.timestamp - b.timestamp || a.id - b.id;
}

/**
 * Why a head goes back to its queue (qcache.RequeueReason): it does not fit (NoFit), preemption
 * found no victims (NoCandidates), another entry of the cycle took its room (FailedAfterNomination)
 * or its victims are being evicted (PendingPreemption).
 */
export type RequeueReason = 'NoFit' | 'NoCandidates' | 'FailedAfterNomination' | 'PendingPreemption';

export class PendingQueue {
  private readonly active: PendingKey[] = [];
  readonly inadmissible = new Map<number, PendingKey>();

  constructor(readonly strategy: QueueingStrategy) {}

  get size(): number {
    return this.active.length + this.inadmissible.size;
  }

  /** The head: the first active workload (StrictFIFO's blocks the queue while it does not fit). */
  head(): PendingKey | undefined {
    return this.active[0];
  }

  push(k: PendingKey): void {
    let lo = 0;
    let hi = this.active.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (queueOrder(this.active[mid]!, k) <= 0) lo = mid + 1;
      else hi = mid;
    }
    this.active.splice(lo, 0, k);
  }

  /** Takes the workload out (admitted, or gone). */
  remove(id: number): void {
    const i = this.active.findIndex((k) => k.id === id);
    if (i >= 0) this.active.splice(i, 1);
    this.inadmissible.delete(id);
  }

  /**
   * RequeueIfNotPresent: StrictFIFO requeues every reason at once (its head keeps blocking);
   * BestEffortFIFO at once only when the workload fit at nomination or waits for its victims,
   * and otherwise sets it aside so the next workload becomes the head.
   */
  requeue(id: number, reason: RequeueReason): void {
    if (this.strategy === 'StrictFIFO' || reason === 'FailedAfterNomination' || reason === 'PendingPreemption') return;
    const i = this.active.findIndex((k) => k.id === id);
    if (i < 0) return;
    this.inadmissible.set(id, this.active[i]!);
    this.active.splice(i, 1);
  }

  /** QueueInadmissibleWorkloads: capacity changed, every set-aside workload competes again. */
  requeueInadmissible(): boolean {
    if (this.inadmissible.size === 0) return false;
    for (const k of this.inadmissible.values()) this.push(k);
    this.inadmissible.clear();
    return true;
  }

  ids(): number[] {
    return [...this.active.map((k) => k.id), ...this.inadmissible.keys()];
  }
}

import { capacityFor, grown } from '../util/typed-arrays.js';
/**
 * Scheduling queues over pod ids. The engine asks `pop(now)` for the next pod to try, reports
 * a failed attempt with `failed`, and a cluster change that may have made room with
 * `clusterChanged`. `nextWakeup()` says when a backing-off pod becomes ready again.
 */
export interface SchedulingQueue {
  readonly discipline: 'kubernetes' | 'fifo';
  add(pod: number, priority: number, now: number): void;
  /** Next pod to try now, or -1. */
  pop(now: number): number;
  /** An attempt failed; `events` (ClusterEvent bits) are the cluster events that could help. */
  failed(pod: number, now: number, events: number): void;
  /** A cluster event (one ClusterEvent bit) happened: retry the pods it could help. */
  clusterChanged(now: number, event: number): void;
  /** A queued pod was deleted (its Job failed, a scale-down): it must not hold up the others. */
  delete(pod: number): void;
  /** Earliest time a waiting pod becomes ready by itself (backoff expiry, periodic flush); Infinity if none. */
  nextWakeup(now: number): number;
  /** Pods waiting in the queue (any sub-queue). */
  readonly size: number;
  /** Failed attempts so far of a pod. */
  attempts(pod: number): number;
  /** Moves an unschedulable pod to activeQ, or to backoffQ while it backs off (PriorityQueue.Activate, see the implementation); otherwise nothing. */
  activate(pod: number, now: number): void;
}

/**
 * A QueueSort plugin's order for activeQ (see QueueSortPlugin): after priority, `sortTime`
 * (read when the pod enters activeQ), then `tieBreak` (upstream compares namespace/name).
 */
export interface QueueOrder {
  sortTime(pod: number, now: number): number;
  tieBreak(a: number, b: number): number;
}

/** podInitialBackoffSeconds and podMaxBackoffSeconds (KubeSchedulerConfiguration defaults). */
export const POD_INITIAL_BACKOFF_SECONDS = 1;
export const POD_MAX_BACKOFF_SECONDS = 10;
/** podMaxInUnschedulablePodsDuration: unschedulable pods are retried at least this often. */
export const POD_MAX_IN_UNSCHEDULABLE_SECONDS = 300;
/** The scheduler's unschedulable-pods flush runs every 30 s (flushUnschedulablePodsLeftover). */
export const UNSCHEDULABLE_FLUSH_PERIOD_SECONDS = 30;

/** Backoff after `attempts` failures: initial * 2^(attempts-1), capped (calculateBackoffDuration). */
export function backoffSeconds(attempts: number, initial = POD_INITIAL_BACKOFF_SECONDS, max = POD_MAX_BACKOFF_SECONDS): number {
  let d = initial;
  for (let i = 1; i < attempts; i++) {
    d *= 2;
    if (d >= max) return max;
  }
  return Math.min(d, max);
}

const WHERE_NONE = 0;
const WHERE_ACTIVE = 1;
const WHERE_BACKOFF = 2;
const WHERE_UNSCHEDULABLE = 3;

/** Growable per-pod arrays. */
class PodArrays {
  priority: Float64Array;
  timestamp: Float64Array;
  seq: Float64Array;
  backoffExpiry: Float64Array;
  attempts: Int32Array;
  where: Uint8Array;
  sortKey: Float64Array;
  /** `capacity`: pod ids room is made for up front, so the columns are not copied at each doubling. */
  constructor(capacity: number) {
    const c = Math.max(16, capacity);
    this.priority = new Float64Array(c);
    this.timestamp = new Float64Array(c);
    this.seq = new Float64Array(c);
    this.backoffExpiry = new Float64Array(c);
    this.attempts = new Int32Array(c);
    this.where = new Uint8Array(c);
    this.sortKey = new Float64Array(c);
  }
  ensure(pod: number): void {
    if (pod < this.priority.length) return;
    const c = capacityFor(this.priority.length, pod);
    this.priority = grown(this.priority, c);
    this.timestamp = grown(this.timestamp, c);
    this.seq = grown(this.seq, c);
    this.backoffExpiry = grown(this.backoffExpiry, c);
    this.attempts = grown(this.attempts, c);
    this.where = grown(this.where, c);
    this.sortKey = grown(this.sortKey, c);
  }
}

/** A binary heap of pod ids with an external "less" comparator. */
class IdHeap {
  private ids = new Int32Array(64);
  length = 0;
  constructor(private readonly less: (a: number, b: number) => boolean) {}
  push(id: number): void {
    if (this.length === this.ids.length) this.ids = grown(this.ids, this.length * 2);
    const ids = this.ids;
    let pos = this.length++;
    while (pos > 0) {
      const parent = (pos - 1) >> 1;
      if (!this.less(id, ids[parent]!)) break;
      ids[pos] = ids[parent]!;
      pos = parent;
    }
    ids[pos] = id;
  }
  peek(): number {
    return this.length > 0 ? this.ids[0]! : -1;
  }
  pop(): number {
    if (this.length === 0) return -1;
    const top = this.ids[0]!;
    this.removeAt(0);
    return top;
  }
  private removeAt(at: number): void {
    const ids = this.ids;
    const n = --this.length;
    if (n > at) {
      const last = ids[n]!;
      let pos = at;
      // The last id may belong above `at` (only when at > 0): sift it up first.
      while (pos > 0 && this.less(last, ids[(pos - 1) >> 1]!)) {
        ids[pos] = ids[(pos - 1) >> 1]!;
        pos = (pos - 1) >> 1;
      }
      if (pos !== at) {
        ids[pos] = last;
        return;
      }
      const half = n >> 1;
      while (pos < half) {
        let child = 2 * pos + 1;
        const right = child + 1;
        if (right < n && this.less(ids[right]!, ids[child]!)) child = right;
        if (!this.less(ids[child]!, last)) break;
        ids[pos] = ids[child]!;
        pos = child;
      }
      ids[pos] = last;
    }
  }
}

/**
 * kube-scheduler's PriorityQueue: activeQ ordered by priority (higher first) then by the time
 * the pod entered the queue (PrioritySort); backoffQ ordered by backoff expiry; and the
 * unschedulable pool, emptied into activeQ/backoffQ on a cluster event that may make room and
 * by the periodic flush of pods that waited longer than 5 minutes.
 */
export class KubernetesSchedulingQueue implements SchedulingQueue {
  readonly discipline = 'kubernetes' as const;
  private readonly p: PodArrays;
  private nextSeq = 0;
  private readonly active: IdHeap;
  private readonly backoff: IdHeap;
  /**
   * The unschedulable pool, bucketed by the events that could help each pod (at most 16
   * masks), so an event visits only the pods it can help. Each bucket is in failure order.
   * Masks and buckets are parallel arrays in the order masks first appeared (a Map's entry
   * iterator allocated on every pop and cluster event); `bucketOf` finds a mask's bucket.
   */
  private readonly masks: number[] = [];
  private readonly buckets: number[][] = [];
  private readonly bucketOf = new Map<number, number>();
  private unschedulableCount = 0;
  private count = 0;

  /** `capacity`: pod ids its per-pod columns make room for up front (e.g. the run's pod table's). */
  constructor(private readonly initialBackoff = POD_INITIAL_BACKOFF_SECONDS, private readonly maxBackoff = POD_MAX_BACKOFF_SECONDS, private readonly order?: QueueOrder, capacity = 1024) {
    const p = (this.p = new PodArrays(capacity));
    this.active = order === undefined ? new IdHeap((a, b) => {
      const pa = p.priority[a]!, pb = p.priority[b]!;
      if (pa !== pb) return pa > pb;
      const ta = p.timestamp[a]!, tb = p.timestamp[b]!;
      if (ta !== tb) return ta < tb;
      return p.seq[a]! < p.seq[b]!;
    }) : new IdHeap((a, b) => {
      const pa = p.priority[a]!, pb = p.priority[b]!;
      if (pa !== pb) return pa > pb;
      const ta = p.sortKey[a]!, tb = p.sortKey[b]!;
      if (ta !== tb) return ta < tb;
      const t = order.tieBreak(a, b);
      return t !== 0 ? t < 0 : p.seq[a]! < p.seq[b]!;
    });
    this.backoff = new IdHeap((a, b) => {
      const ea = p.backoffExpiry[a]!, eb = p.backoffExpiry[b]!;
      return ea !== eb ? ea < eb : p.seq[a]! < p.seq[b]!;
    });
  }

  get size(): number {
    return this.count;
  }

  attempts(pod: number): number {
    return pod < this.p.attempts.length ? this.p.attempts[pod]! : 0;
  }

  add(pod: number, priority: number, now: number): void {
    this.p.ensure(pod);
    if (this.p.where[pod] !== WHERE_NONE) throw new Error(`pod ${pod} is already queued`);
    this.p.priority[pod] = priority;
    this.p.attempts[pod] = 0;
    this.toActive(pod, now);
    this.count++;
  }

  pop(now: number): number {
    this.flushBackoffCompleted(now);
    const pod = this.active.pop();
    if (pod >= 0) {
      this.p.where[pod] = WHERE_NONE;
      this.count--;
    }
    return pod;
  }

  failed(pod: number, now: number, events: number): void {
    const p = this.p;
    if (p.where[pod] !== WHERE_NONE) throw new Error(`pod ${pod} failed while still queued`);
    p.attempts[pod] = p.attempts[pod]! + 1;
    p.timestamp[pod] = now;
    p.backoffExpiry[pod] = now + backoffSeconds(p.attempts[pod]!, this.initialBackoff, this.maxBackoff);
    p.where[pod] = WHERE_UNSCHEDULABLE;
    let b = this.bucketOf.get(events);
    if (b === undefined) {
      b = this.masks.push(events) - 1;
      this.buckets.push([]);
      this.bucketOf.set(events, b);
    }
    this.buckets[b]!.push(pod);
    this.unschedulableCount++;
    this.count++;
  }

  /**
   * MoveAllToActiveOrBackoffQueue(event): the unschedulable pods that event could help go to
   * backoffQ if still backing off, else to activeQ; the others stay.
   */
  clusterChanged(now: number, event: number): void {
    if (this.unschedulableCount === 0) return;
    const masks = this.masks;
    const buckets = this.buckets;
    for (let b = 0; b < masks.length; b++) {
      const bucket = buckets[b]!;
      if ((masks[b]! & event) === 0 || bucket.length === 0) continue;
      buckets[b] = [];
      this.unschedulableCount -= bucket.length;
      for (let k = 0; k < bucket.length; k++) this.requeue(bucket[k]!, now);
    }
  }

  /**
   * A deleted pod is left where it is and dropped when it comes up (the caller skips pods that
   * are no longer pending): no sub-queue blocks on one pod, so it holds up nobody meanwhile.
   */
  delete(_pod: number): void {}

  /**
   * Activate, except that a pod still backing off waits out its backoff (it goes to backoffQ,
   * as MoveAllToActiveOrBackoffQueue would move it). Upstream's Activate skips the backoff; with
   * scheduling cycles that take no simulated time, a gang whose first waiting member activates
   * its rejected siblings would then be retried for ever at one instant.
   */
  activate(pod: number, now: number): void {
    const p = this.p;
    if (pod >= p.where.length || p.where[pod] !== WHERE_UNSCHEDULABLE) return;
    for (const bucket of this.buckets) {
      const i = bucket.indexOf(pod);
      if (i < 0) continue;
      bucket.splice(i, 1);
      this.unschedulableCount--;
      break;
    }
    this.requeue(pod, now);
  }

  nextWakeup(now: number): number {
    let t = Infinity;
    const b = this.backoff.peek();
    if (b >= 0) t = this.p.backoffExpiry[b]!;
    if (this.unschedulableCount > 0) {
      // The periodic flush: the oldest unschedulable pod is due 5 minutes after it entered the pool.
      // Each bucket is in failure order and `now` never decreases, so its first pod is its oldest.
      let oldest = Infinity;
      for (let b = 0; b < this.buckets.length; b++) {
        const bucket = this.buckets[b]!;
        if (bucket.length > 0) oldest = Math.min(oldest, this.p.timestamp[bucket[0]!]!);
      }
      const due = oldest + POD_MAX_IN_UNSCHEDULABLE_SECONDS;
      // The flush runs on a 30 s period; wake at the first period tick at or after `due`.
      const tick = Math.ceil(due / UNSCHEDULABLE_FLUSH_PERIOD_SECONDS) * UNSCHEDULABLE_FLUSH_PERIOD_SECONDS;
      t = Math.min(t, Math.max(tick, now));
    }
    return t;
  }

  /** Moves backoff-expired pods to activeQ and flushes pods unschedulable for too long. */
  private flushBackoffCompleted(now: number): void {
    const p = this.p;
    for (let pod = this.backoff.peek(); pod >= 0 && p.backoffExpiry[pod]! <= now; pod = this.backoff.peek()) {
      this.backoff.pop();
      this.toActive(pod, now);
    }
    if (this.unschedulableCount === 0) return;
    const buckets = this.buckets;
    for (let b = 0; b < buckets.length; b++) {
      const bucket = buckets[b]!;
      if (bucket.length === 0 || now - p.timestamp[bucket[0]!]! < POD_MAX_IN_UNSCHEDULABLE_SECONDS) continue;
      let k = 0;
      while (k < bucket.length && now - p.timestamp[bucket[k]!]! >= POD_MAX_IN_UNSCHEDULABLE_SECONDS) this.requeue(bucket[k++]!, now);
      buckets[b] = bucket.slice(k);
      this.unschedulableCount -= k;
    }
  }

  private requeue(pod: number, now: number): void {
    const p = this.p;
    if (now < p.backoffExpiry[pod]!) {
      p.where[pod] = WHERE_BACKOFF;
      this.backoff.push(pod);
    } else {
      this.toActive(pod, now);
    }
  }

  private toActive(pod: number, now: number): void {
    const p = this.p;
    p.where[pod] = WHERE_ACTIVE;
    p.timestamp[pod] = now;
    if (this.order !== undefined) p.sortKey[pod] = this.order.sortTime(pod, now);
    p.seq[pod] = this.nextSeq++;
    this.active.push(pod);
  }
}

/**
 * Plain FIFO without back-off: pods are tried strictly in arrival order; when the head does not
 * fit, nothing behind it is tried until the cluster changes (head-of-line blocking, as in
 * simple batch schedulers).
 */
export class FifoSchedulingQueue implements SchedulingQueue {
  readonly discipline = 'fifo' as const;
  private ids = new Int32Array(1024);
  private head = 0;
  private tail = 0;
  /** Compared with true: V8 does not know a field to be a boolean, and a truth test of it is the generic one (about ten instructions while true). */
  private blocked = false;
  /** Events that could unblock the head. */
  private blockedOn = 0;
  /** Failed attempts per pod id (typed, not a Map: one entry per pod that ever waited). */
  private attemptCounts: Int32Array;

  /** `capacity`: pod ids the attempt counts make room for up front (e.g. the run's pod table's). */
  constructor(capacity = 1024) {
    this.attemptCounts = new Int32Array(Math.max(16, capacity));
  }

  get size(): number {
    return this.tail - this.head;
  }

  attempts(pod: number): number {
    return pod < this.attemptCounts.length ? this.attemptCounts[pod]! : 0;
  }

  add(pod: number): void {
    if (this.tail === this.ids.length) {
      const live = this.tail - this.head;
      const b = new Int32Array(Math.max(1024, live * 2));
      b.set(this.ids.subarray(this.head, this.tail));
      this.ids = b;
      this.head = 0;
      this.tail = live;
    }
    this.ids[this.tail++] = pod;
  }

  pop(): number {
    if (this.blocked === true || this.head === this.tail) return -1;
    return this.ids[this.head++]!;
  }

  failed(pod: number, _now: number, events: number): void {
    if (pod >= this.attemptCounts.length) this.attemptCounts = grown(this.attemptCounts, capacityFor(this.attemptCounts.length, pod));
    this.attemptCounts[pod] = this.attemptCounts[pod]! + 1;
    // Put it back at the head and stop until an event that could help it.
    this.ids[--this.head] = pod;
    this.blocked = true;
    this.blockedOn = events;
  }

  clusterChanged(_now: number, event: number): void {
    if (this.blocked === true && (this.blockedOn & event) !== 0) this.blocked = false;
  }

  /** A deleted head no longer blocks the queue; a deleted pod further back is dropped when it comes up. */
  delete(pod: number): void {
    if (this.blocked === true && this.head < this.tail && this.ids[this.head] === pod) {
      this.head++;
      this.blocked = false;
    }
  }

  nextWakeup(): number {
    return Infinity;
  }

  /** Nothing to move: a FIFO has no backoff, and its blocked head is tried on the next event. */
  activate(): void {}
}

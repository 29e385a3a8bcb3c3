import { capacityFor, grown } from '../util/typed-arrays.js';

const NONE = -1;

/**
 * The pods waiting for a node, in the order they started waiting: a set of pod ids that
 * iterates as a JavaScript Set does (insertion order), kept as a doubly-linked list threaded
 * through typed arrays indexed by pod id. A Set whose members come and go one by one - every pod
 * of a run passes through it - reallocates its table every few dozen changes; this allocates
 * only when the pod ids outgrow the arrays.
 *
 * Readers only iterate it; changing it while an iteration is under way throws, so such a use is
 * found at once rather than seeing a different order than a Set would give.
 */
export class PendingPods implements Iterable<number> {
  // A pod's next and prev are written when it is added and read only while it is a member, so
  // the arrays need no filling: a slot never used is never touched (its page never faulted in).
  private next: Int32Array;
  private prev: Int32Array;
  private member: Uint8Array;
  private head = NONE;
  private tail = NONE;
  private count = 0;
  /** Bumped on every change; an iterator that sees it move throws. */
  private version = 0;

  /** `capacity`: pod ids room is made for up front (the run's pod table's), so the arrays are not copied at each doubling. */
  constructor(capacity = 1024) {
    const c = Math.max(16, capacity);
    this.next = new Int32Array(c);
    this.prev = new Int32Array(c);
    this.member = new Uint8Array(c);
  }

  get size(): number {
    return this.count;
  }

  has(id: number): boolean {
    return id >= 0 && id < this.member.length && this.member[id] === 1;
  }

  /** Adds at the end, as Set.add; a member stays where it is. */
  add(id: number): this {
    if (id < 0 || !Number.isInteger(id)) throw new RangeError(`pending pods: ${id} is not a pod id`);
    if (id >= this.member.length) this.grow(id);
    if (this.member[id] === 1) return this;
    this.member[id] = 1;
    this.prev[id] = this.tail;
    this.next[id] = NONE;
    if (this.tail === NONE) this.head = id;
    else this.next[this.tail] = id;
    this.tail = id;
    this.count++;
    this.version++;
    return this;
  }

  /** Removes a member, as Set.delete; true when it was one. */
  delete(id: number): boolean {
    if (!this.has(id)) return false;
    const p = this.prev[id]!;
    const n = this.next[id]!;
    if (p === NONE) this.head = n;
    else this.next[p] = n;
    if (n === NONE) this.tail = p;
    else this.prev[n] = p;
    this.member[id] = 0;
    this.count--;
    this.version++;
    return true;
  }

  *[Symbol.iterator](): Iterator<number> {
    const version = this.version;
    for (let id = this.head; id !== NONE; id = this.next[id]!) {
      yield id;
      if (this.version !== version) throw new Error('pending pods changed while they were iterated');
    }
  }

  private grow(id: number): void {
    const c = capacityFor(this.member.length, id);
    this.next = grown(this.next, c);
    this.prev = grown(this.prev, c);
    this.member = grown(this.member, c);
  }
}

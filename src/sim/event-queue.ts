import { grown } from '../util/typed-arrays.js';
/**
 * The future event list: a binary min-heap ordered by (time, insertion sequence), stored as
 * parallel typed arrays (time, sequence, kind, subject) - no object per event. Simultaneous
 * events therefore pop in the order they were pushed, always (SimPy's rule).
 * Layout after mourner/flatqueue: length separate from capacity, a hole moved instead of swaps.
 */
export class EventQueue {
  private times: Float64Array;
  /** Sequence numbers as doubles: exact up to 2^53 events, far beyond any run. */
  private seqs: Float64Array;
  private kinds: Uint8Array;
  private subjects: Int32Array;
  private length = 0;
  private nextSeq = 0;

  /** Fields of the last popped event (read after pop(); avoids allocating a tuple). */
  time = 0;
  kind = 0;
  subject = 0;

  constructor(initialCapacity = 1024) {
    const c = Math.max(16, initialCapacity);
    this.times = new Float64Array(c);
    this.seqs = new Float64Array(c);
    this.kinds = new Uint8Array(c);
    this.subjects = new Int32Array(c);
  }

  get size(): number {
    return this.length;
  }

  /** Time of the next event, or +Infinity when empty. */
  peekTime(): number {
    return this.length > 0 ? this.times[0]! : Infinity;
  }

  push(time: number, kind: number, subject: number): void {
    if (!(time === time)) throw new RangeError(`event time is NaN (kind ${kind}, subject ${subject})`);
    if (this.length === this.times.length) this.grow();
    const times = this.times;
    const seqs = this.seqs;
    const kinds = this.kinds;
    const subjects = this.subjects;
    const seq = this.nextSeq++;
    let pos = this.length++;
    // Sift the hole up.
    while (pos > 0) {
      const parent = (pos - 1) >> 1;
      const pt = times[parent]!;
      if (pt < time || (pt === time && seqs[parent]! < seq)) break;
      times[pos] = pt;
      seqs[pos] = seqs[parent]!;
      kinds[pos] = kinds[parent]!;
      subjects[pos] = subjects[parent]!;
      pos = parent;
    }
    times[pos] = time;
    seqs[pos] = seq;
    kinds[pos] = kind;
    subjects[pos] = subject;
  }

  /** Removes the earliest event into (time, kind, subject). Returns false when empty. */
  pop(): boolean {
    if (this.length === 0) return false;
    const times = this.times;
    const seqs = this.seqs;
    const kinds = this.kinds;
    const subjects = this.subjects;
    this.time = times[0]!;
    this.kind = kinds[0]!;
    this.subject = subjects[0]!;
    const n = --this.length;
    if (n === 0) return true;
    // Move the last entry into the root's hole and sift it down.
    const t = times[n]!;
    const s = seqs[n]!;
    const k = kinds[n]!;
    const j = subjects[n]!;
    const half = n >> 1;
    let pos = 0;
    while (pos < half) {
      let child = 2 * pos + 1;
      let ct = times[child]!;
      let cs = seqs[child]!;
      const right = child + 1;
      if (right < n) {
        const rt = times[right]!;
        if (rt < ct || (rt === ct && seqs[right]! < cs)) {
          child = right;
          ct = rt;
          cs = seqs[right]!;
        }
      }
      if (t < ct || (t === ct && s < cs)) break;
      times[pos] = ct;
      seqs[pos] = cs;
      kinds[pos] = kinds[child]!;
      subjects[pos] = subjects[child]!;
      pos = child;
    }
    times[pos] = t;
    seqs[pos] = s;
    kinds[pos] = k;
    subjects[pos] = j;
    return true;
  }

  clear(): void {
    this.length = 0;
  }

  private grow(): void {
    const c = this.times.length * 2;
    this.times = grown(this.times, c);
    this.seqs = grown(this.seqs, c);
    this.kinds = grown(this.kinds, c);
    this.subjects = grown(this.subjects, c);
  }
}

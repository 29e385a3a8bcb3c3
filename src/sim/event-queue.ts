import { grown } from '../util/typed-arrays.js';

/**
 * The future event list, ordered by (time, insertion sequence): simultaneous events pop in the
 * order they were pushed, always (SimPy's rule).
 *
 * A calendar queue (R. Brown, "Calendar queues: a fast O(1) priority queue implementation for
 * the simulation event set problem", CACM 31(10), 1988): time is cut into buckets of `width`
 * seconds laid round a "year" of `nb` buckets. Each bucket holds its distinct times in order
 * (time groups), and each group its events in push order, so ties are first-in first-out and a
 * push walks distinct times, never a run of simultaneous events.
 * Push and pop are O(1) on average when the width suits the spacing of upcoming events; the
 * width is re-estimated when the queue doubles or halves, and also when pops start scanning
 * many empty buckets or pushes walk long lists (a skewed mix of near and far events), at most
 * once per `size` operations so the re-estimation stays amortized.
 *
 * Entries live in slots of parallel typed arrays with a free list: no object per event. The
 * first event of a group stands for the group (its next group and its last event).
 *
 * Events pushed for the time of the last pop - the current time: a scheduling pass requested
 * now, a container started with no start-up delay - go to a plain first-in first-out list (the
 * lane) instead of a bucket: about half of an M/M/c run's events. The lane holds events of one
 * time (`laneTime`) only, and while it holds any, every push of that time joins it; so the
 * calendar's events of that time were all pushed before the lane's, and pop takes them first
 * (the calendar while its earliest time is not later than the lane's). The order is (time,
 * push order) either way. Off with `lane` false (ORCHSIM_NO_EVENT_LANE=1 for the engine's
 * queue); test/sim/event-queue.test.ts pops the same sequences both ways.
 *
 * While the calendar's part holds few events (at most SMALL_MAX: an M/M/c's holds about 20) they
 * are kept instead in one array sorted latest first, so a pop takes the last element and a push
 * moves the events not later than it up one place (insertion sort: first in, first out among
 * equal times). A year of buckets costs a pop a walk over empty buckets with a division per
 * bucket head, and a push a division and a group walk - about 780 instructions a push and pop
 * together in the M/M/c's steady state; the array moves ten events a push on average. The array
 * turns into buckets when it would outgrow SMALL_MAX, and the buckets back into the array when
 * they fall below SMALL_MIN (the gap keeps a queue that hovers at one size from converting back
 * and forth). Off with `small` false (ORCHSIM_NO_SMALL_EVENT_QUEUE=1 for the engine's queue):
 * buckets at every size.
 */
export class EventQueue {
  private times: Float64Array;
  private kinds: Uint8Array;
  private subjects: Int32Array;
  /** Next event of the same time group, -1 at the end. */
  private nexts: Int32Array;
  /** For a group's first event: the first event of the next group in the bucket, or -1. */
  private groupNexts: Int32Array;
  /** For a group's first event: the group's last event. */
  private groupTails: Int32Array;
  private freeSlots: Int32Array;
  private freeCount = 0;
  private usedSlots = 0;

  private nb = MIN_BUCKETS;
  private heads = new Int32Array(MIN_BUCKETS).fill(-1);
  private tails = new Int32Array(MIN_BUCKETS).fill(-1);
  private width = 1;
  private length = 0;
  /** Virtual bucket number (floor(time / width)) where the next pop starts looking. */
  private vb = 0;
  /** The earliest entry, found by peekTime(), while still valid; -1 otherwise. */
  private peeked = -1;
  private peekedVb = 0;

  // Cost accounting for re-tuning the width.
  private work = 0;
  private ops = 0;
  private opsSinceResize = 0;

  /** The lane: kinds and subjects of events at laneTime, in push order (laneHead..laneTail-1). */
  private laneKinds = new Uint8Array(64);
  private laneSubjects = new Int32Array(64);
  private laneHead = 0;
  private laneTail = 0;
  private laneTime = 0;

  /** The time of the event being pushed, from `push` to `place` (see push). */
  private readonly incoming = new Float64Array(1);

  /** Whether the calendar's `length` events are in the small sorted array (true) or the buckets. */
  private small: boolean;
  /**
   * The small array, latest first (the next event is entry `length - 1`): entry i's time at 2i,
   * its kind and subject at 2i + 1 as `kind + 256 * subject` (exact: kind < 256, subject an
   * int32). One array, so moving an entry is two loads and two stores checked against one map
   * and one length; three arrays cost 53 instructions a move.
   */
  private readonly smallEvents = new Float64Array(2 * SMALL_MAX);

  /** Fields of the last popped event (read after pop(); avoids allocating a tuple). */
  time = 0;
  kind = 0;
  subject = 0;

  constructor(initialCapacity = 1024, private readonly lane = true, private readonly smallAllowed = true) {
    const c = Math.max(16, initialCapacity);
    this.small = smallAllowed;
    this.times = new Float64Array(c);
    this.kinds = new Uint8Array(c);
    this.subjects = new Int32Array(c);
    this.nexts = new Int32Array(c);
    this.groupNexts = new Int32Array(c);
    this.groupTails = new Int32Array(c);
    this.freeSlots = new Int32Array(c);
  }

  get size(): number {
    return this.length + this.laneTail - this.laneHead;
  }

  /** Time of the next event, or +Infinity when empty. */
  peekTime(): number {
    const t = this.calendarTime();
    return this.laneTail > this.laneHead && this.laneTime < t ? this.laneTime : t;
  }

  /** The calendar's earliest time (+Infinity when it is empty). */
  private calendarTime(): number {
    if (this.length === 0) return Infinity;
    if (this.small === true) return this.smallEvents[2 * this.length - 2]!;
    if (this.peeked < 0) this.findEarliest();
    return this.times[this.peeked]!;
  }

  /**
   * Schedules an event. The time goes through a one-slot column to `place`: a double handed to a
   * call V8 does not inline is boxed as a new heap number, and `place` is too large to inline,
   * while this is small enough to inline into the engine's callers (one box per pod start and
   * per pod finish otherwise).
   */
  push(time: number, kind: number, subject: number): void {
    this.incoming[0] = time;
    this.place(kind, subject);
  }

  /** Adds the event whose time is in `incoming[0]`. */
  private place(kind: number, subject: number): void {
    const time = this.incoming[0]!;
    if (!Number.isFinite(time)) throw new RangeError(`event time must be finite, got ${time} (kind ${kind}, subject ${subject})`);
    // `=== true`, not the flag's truth: V8 knows no boolean fields, and tests the truth of one as
    // of any value (false, "", 0, NaN, undetectable objects: about a dozen instructions a push).
    if (this.lane === true && (this.laneTail > this.laneHead ? time === this.laneTime : time === this.time)) {
      if (this.laneTail === this.laneKinds.length) this.growLane();
      this.laneTime = time;
      this.laneKinds[this.laneTail] = kind;
      this.laneSubjects[this.laneTail++] = subject;
      return;
    }
    if (this.small === true) {
      if (this.length < SMALL_MAX) {
        this.placeSmall(time, kind, subject);
        return;
      }
      this.toCalendar();
    }
    const slot = this.takeSlot();
    this.times[slot] = time;
    this.kinds[slot] = kind;
    this.subjects[slot] = subject;
    // An earlier event invalidates the cached earliest one; an equal one goes after it (FIFO).
    if (this.peeked >= 0 && time < this.times[this.peeked]!) this.peeked = -1;
    // Never before the current position: keep vb at or below every event's bucket.
    const b = Math.floor(time / this.width);
    if (b < this.vb) this.vb = b;
    this.insert(slot, b);
    this.length++;
    this.ops++;
    this.opsSinceResize++;
    if (this.length > 2 * this.nb) this.resize(this.nb * 2);
    else this.maybeRetune();
  }

  /** Removes the earliest event into (time, kind, subject). Returns false when empty. */
  pop(): boolean {
    // Every event time is finite (push checks), so every event is due by +Infinity.
    return this.popDue(Infinity);
  }

  /**
   * Removes the earliest event into (time, kind, subject) when it is due by `until` (its time
   * <= until), as `peekTime() <= until` and then `pop()` would; false, the queue untouched, when
   * it is empty or its earliest event is later. The engine's loop: one look at the lane and the
   * calendar per event instead of two (peekTime, then pop looking again).
   */
  popDue(until: number): boolean {
    if (this.small === true) return this.popDueSmall(until);
    if (this.laneTail > this.laneHead) {
      const laneTime = this.laneTime;
      // The calendar's events of the lane's time were pushed before the lane's: they go first.
      // The calendar's earliest time is read here, not through calendarTime(): its result, a
      // time or the constant Infinity, was boxed as a new heap number at every event (about
      // 8 bytes an event, 7.8 MB of the M/M/c's garbage).
      if (this.length > 0 && this.peeked < 0) this.findEarliest();
      if (this.length === 0 || !(this.times[this.peeked]! <= laneTime)) {
        if (!(laneTime <= until)) return false;
        this.popLane();
        return true;
      }
    } else if (this.length === 0) {
      return false;
    } else if (this.peeked < 0) {
      this.findEarliest();
    }
    if (!(this.times[this.peeked]! <= until)) return false;
    this.popCalendar();
    return true;
  }

  /** popDue while the calendar's events are in the small array. */
  private popDueSmall(until: number): boolean {
    const n = this.length;
    const events = this.smallEvents;
    if (this.laneTail > this.laneHead) {
      const laneTime = this.laneTime;
      // The array's events of the lane's time were pushed before the lane's: they go first.
      if (n === 0 || !(events[2 * n - 2]! <= laneTime)) {
        if (!(laneTime <= until)) return false;
        this.popLane();
        return true;
      }
    } else if (n === 0) {
      return false;
    }
    const time = events[2 * n - 2]!;
    if (!(time <= until)) return false;
    this.length = n - 1;
    this.time = time;
    const both = events[2 * n - 1]!;
    const subject = subjectOf(both);
    this.kind = kindOf(both, subject);
    this.subject = subject;
    return true;
  }

  /** Adds an event to the small array, which has room: the events not later than it move up one place. */
  private placeSmall(time: number, kind: number, subject: number): void {
    const events = this.smallEvents;
    let at = 2 * this.length;
    for (; at > 0; at -= 2) {
      const t = events[at - 2]!;
      if (t > time) break;
      events[at] = t;
      events[at + 1] = events[at - 1]!;
    }
    events[at] = time;
    events[at + 1] = packed(kind, subject);
    this.length++;
  }

  /** The small array is full: its events go to slots and buckets, in the order they pop. */
  private toCalendar(): void {
    const n = this.length;
    const order: number[] = [];
    const events = this.smallEvents;
    for (let i = n - 1; i >= 0; i--) {
      const slot = this.takeSlot();
      const both = events[2 * i + 1]!;
      const subject = subjectOf(both);
      this.times[slot] = events[2 * i]!;
      this.kinds[slot] = kindOf(both, subject);
      this.subjects[slot] = subject;
      order.push(slot);
    }
    this.small = false;
    let nb = MIN_BUCKETS;
    while (nb * 2 <= n) nb *= 2;
    this.rebuild(order, nb);
  }

  /** The buckets fell below SMALL_MIN: their events go to the small array, their slots freed. */
  private toSmall(): void {
    const order = this.inOrder();
    const n = order.length;
    const events = this.smallEvents;
    for (let k = 0; k < n; k++) {
      const slot = order[k]!;
      const i = n - 1 - k;
      events[2 * i] = this.times[slot]!;
      events[2 * i + 1] = packed(this.kinds[slot]!, this.subjects[slot]!);
      this.freeSlots[this.freeCount++] = slot;
    }
    this.heads.fill(-1);
    this.tails.fill(-1);
    this.peeked = -1;
    this.small = true;
  }

  /** A free slot for a calendar event. */
  private takeSlot(): number {
    if (this.freeCount > 0) return this.freeSlots[--this.freeCount]!;
    if (this.usedSlots === this.times.length) this.growSlots();
    return this.usedSlots++;
  }

  /** Takes the lane's first event (the lane is not empty and goes before the calendar). */
  private popLane(): void {
    const i = this.laneHead++;
    this.time = this.laneTime;
    this.kind = this.laneKinds[i]!;
    this.subject = this.laneSubjects[i]!;
    if (this.laneHead === this.laneTail) this.laneHead = this.laneTail = 0;
  }

  /** Takes the calendar's earliest event, found already (`peeked`). */
  private popCalendar(): void {
    const slot = this.peeked;
    const b = this.peekedVb % this.nb;
    // The earliest entry is the first event of its bucket's first group.
    const next = this.nexts[slot]!;
    if (next !== -1) {
      // The group's next event now stands for the group.
      this.groupNexts[next] = this.groupNexts[slot]!;
      this.groupTails[next] = this.groupTails[slot]!;
      this.heads[b] = next;
      if (this.tails[b] === slot) this.tails[b] = next;
    } else {
      const g = this.groupNexts[slot]!;
      this.heads[b] = g;
      if (g === -1) this.tails[b] = -1;
    }
    this.vb = this.peekedVb;
    this.peeked = -1;
    this.time = this.times[slot]!;
    this.kind = this.kinds[slot]!;
    this.subject = this.subjects[slot]!;
    this.freeSlots[this.freeCount++] = slot;
    this.length--;
    this.ops++;
    this.opsSinceResize++;
    if (this.length < SMALL_MIN && this.smallAllowed === true) this.toSmall();
    else if (this.length < this.nb / 2 && this.nb > MIN_BUCKETS) this.resize(this.nb / 2);
    else this.maybeRetune();
  }

  clear(): void {
    this.laneHead = this.laneTail = 0;
    this.small = this.smallAllowed;
    this.heads.fill(-1);
    this.tails.fill(-1);
    this.length = 0;
    this.freeCount = 0;
    this.usedSlots = 0;
    this.peeked = -1;
    this.vb = 0;
  }

  /** Finds the earliest entry from the current position: this year's buckets, then a direct search. */
  private findEarliest(): void {
    const times = this.times;
    const heads = this.heads;
    const width = this.width;
    const nb = this.nb;
    let vb = this.vb;
    for (let scanned = 0; scanned < nb; scanned++, vb++) {
      const h = heads[vb % nb]!;
      // Bucket heads hold their list's earliest time; it is due if it falls in this year.
      if (h !== -1 && Math.floor(times[h]! / width) <= vb) {
        this.work += scanned;
        this.peeked = h;
        this.peekedVb = vb;
        return;
      }
    }
    // A whole year without a due event: the earliest head overall is the next event.
    this.work += nb;
    let best = -1;
    for (let i = 0; i < nb; i++) {
      const h = heads[i]!;
      if (h !== -1 && (best === -1 || times[h]! < times[best]!)) best = h;
    }
    this.peeked = best;
    this.peekedVb = Math.floor(times[best]! / width);
  }

  /**
   * Inserts a slot into its bucket: at the end of its time group, or as a new group in order.
   * `vb` is its time's virtual bucket, floor(time / width), which the caller has computed already
   * (a division and a rounding fewer per push).
   */
  private insert(slot: number, vb: number): void {
    const times = this.times;
    const nexts = this.nexts;
    const groupNexts = this.groupNexts;
    const groupTails = this.groupTails;
    const t = times[slot]!;
    const b = vb % this.nb;
    nexts[slot] = -1;
    const last = this.tails[b]!;
    if (last === -1) {
      // Empty bucket: a new group.
      groupNexts[slot] = -1;
      groupTails[slot] = slot;
      this.heads[b] = slot;
      this.tails[b] = slot;
      return;
    }
    const lastTime = times[last]!;
    if (t === lastTime) {
      nexts[groupTails[last]!] = slot;
      groupTails[last] = slot;
      return;
    }
    if (t > lastTime) {
      groupNexts[last] = slot;
      groupNexts[slot] = -1;
      groupTails[slot] = slot;
      this.tails[b] = slot;
      return;
    }
    // Walk the groups (distinct times) to the first one not earlier than t.
    let prev = -1;
    let g = this.heads[b]!;
    let steps = 0;
    while (times[g]! < t) {
      prev = g;
      g = groupNexts[g]!;
      steps++;
    }
    this.work += steps;
    if (times[g] === t) {
      nexts[groupTails[g]!] = slot;
      groupTails[g] = slot;
      return;
    }
    groupNexts[slot] = g;
    groupTails[slot] = slot;
    if (prev === -1) {
      this.heads[b] = slot;
      // A new earliest entry of this bucket replaces a cached earliest entry that was its head.
      if (this.peeked === g) this.peeked = -1;
    } else {
      groupNexts[prev] = slot;
    }
  }

  /**
   * Re-estimates the width when the average work per operation (empty buckets scanned plus
   * list steps) has grown, but only after `size` operations since the last re-estimate.
   */
  private maybeRetune(): void {
    if (this.ops < RETUNE_WINDOW) return;
    const costly = this.work > RETUNE_WORK_PER_OP * this.ops;
    this.ops = 0;
    this.work = 0;
    if (costly && this.opsSinceResize >= this.length) this.resize(this.nb);
  }

  /**
   * Rebuilds with `nb` buckets and a width of 3x the mean gap between the distinct times of the
   * earliest events (Brown's rule). Equal times share a bucket and a stable sort keeps their
   * order, so ties stay first-in first-out.
   */
  private resize(nb: number): void {
    this.rebuild(this.inOrder(), nb);
  }

  /** The buckets' slots in (time, push) order. */
  private inOrder(): number[] {
    const times = this.times;
    const slots = new Int32Array(this.length);
    let k = 0;
    // Equal times sit in one group in push order; the stable sort below keeps that order.
    for (let i = 0; i < this.nb; i++) {
      for (let g = this.heads[i]!; g !== -1; g = this.groupNexts[g]!) {
        for (let s = g; s !== -1; s = this.nexts[s]!) slots[k++] = s;
      }
    }
    return Array.from(slots).sort((a, b) => times[a]! - times[b]!);
  }

  /** Buckets for `sorted` (every event, in (time, push) order): `nb` of them, the width re-estimated. */
  private rebuild(sorted: number[], nb: number): void {
    const times = this.times;
    let gaps = 0;
    let count = 0;
    for (let i = 1; i < sorted.length && count < WIDTH_SAMPLE; i++) {
      const gap = times[sorted[i]!]! - times[sorted[i - 1]!]!;
      if (gap > 0) {
        gaps += gap;
        count++;
      }
    }
    if (count > 0) this.width = (3 * gaps) / count;
    this.nb = nb;
    this.heads = new Int32Array(nb).fill(-1);
    this.tails = new Int32Array(nb).fill(-1);
    for (const s of sorted) this.insert(s, Math.floor(times[s]! / this.width));
    this.vb = sorted.length > 0 ? Math.floor(times[sorted[0]!]! / this.width) : 0;
    this.peeked = -1;
    this.opsSinceResize = 0;
    this.ops = 0;
    this.work = 0;
  }

  /** Room at the lane's end: its events moved to the front, or arrays twice the size. */
  private growLane(): void {
    const live = this.laneTail - this.laneHead;
    if (live * 2 <= this.laneKinds.length) {
      this.laneKinds.copyWithin(0, this.laneHead, this.laneTail);
      this.laneSubjects.copyWithin(0, this.laneHead, this.laneTail);
    } else {
      const kinds = new Uint8Array(this.laneKinds.length * 2);
      const subjects = new Int32Array(this.laneKinds.length * 2);
      kinds.set(this.laneKinds.subarray(this.laneHead, this.laneTail));
      subjects.set(this.laneSubjects.subarray(this.laneHead, this.laneTail));
      this.laneKinds = kinds;
      this.laneSubjects = subjects;
    }
    this.laneHead = 0;
    this.laneTail = live;
  }

  private growSlots(): void {
    const c = this.times.length * 2;
    this.times = grown(this.times, c);
    this.kinds = grown(this.kinds, c);
    this.subjects = grown(this.subjects, c);
    this.nexts = grown(this.nexts, c);
    this.groupNexts = grown(this.groupNexts, c);
    this.groupTails = grown(this.groupTails, c);
    this.freeSlots = grown(this.freeSlots, c);
  }
}

/** An event's kind and subject as the small array keeps them: exact for a kind below 256 and an int32 subject. */
function packed(kind: number, subject: number): number {
  return kind + 256 * subject;
}

/** The subject of a packed kind and subject (floor: a negative subject too). */
function subjectOf(both: number): number {
  return Math.floor(both / 256);
}

/** The kind of a packed kind and subject whose subject is `subject`. */
function kindOf(both: number, subject: number): number {
  return both - 256 * subject;
}

const MIN_BUCKETS = 16;
/** Most events the small sorted array holds before they go to buckets (see the class comment). */
const SMALL_MAX = 64;
/** Fewest events the buckets hold before they go back to the small array. */
const SMALL_MIN = 16;
/** Operations between checks of the cost per operation. */
const RETUNE_WINDOW = 1024;
/** Average buckets scanned plus groups walked per operation above which the width is re-estimated. */
const RETUNE_WORK_PER_OP = 8;
/** How many gaps between the earliest distinct times set the width. */
const WIDTH_SAMPLE = 256;

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Engine } from '../../src/sim/engine.js';
import { EventQueue } from '../../src/sim/event-queue.js';
import { CallWatch, installCallWatch } from '../../src/util/call-watch.js';
import { expectRunsIdenticalWithSwitch } from '../helpers/scheduler-ab.js';

describe('EventQueue', () => {
  it('pops in (time, insertion sequence) order for any input (property)', () => {
    fc.assert(fc.property(fc.array(fc.tuple(fc.integer({ min: 0, max: 20 }), fc.integer({ min: 0, max: 255 })), { maxLength: 300 }), (events) => {
      const q = new EventQueue(16);
      events.forEach(([t, k], i) => q.push(t, k, i));
      const expected = events.map(([t, k], i) => ({ t, k, i })).sort((a, b) => a.t - b.t || a.i - b.i);
      const got: { t: number; k: number; i: number }[] = [];
      while (q.pop()) got.push({ t: q.time, k: q.kind, i: q.subject });
      expect(got).toEqual(expected);
    }));
  });

  /**
   * Reference: a sorted list of (time, push order). `lane` false: the queue without its lane for
   * the current time; `small` false: without its small sorted array (buckets at every size).
   */
  function checkAgainstReference(ops: readonly { push: boolean; delay: number; peek?: boolean }[], lane = true, small = true): void {
    const q = new EventQueue(16, lane, small);
    let ref: { t: number; i: number }[] = [];
    let dirty = false;
    let now = 0;
    let pushed = 0;
    const earliest = () => {
      if (dirty) ref = ref.sort((a, b) => b.t - a.t || b.i - a.i);
      dirty = false;
      return ref[ref.length - 1]!;
    };
    for (const op of ops) {
      if (op.peek && ref.length > 0) {
        // A peek caches the earliest entry; later pushes (maybe earlier than it) must invalidate it.
        expect(q.peekTime()).toBe(earliest().t);
      } else if (op.push || ref.length === 0) {
        // Never before the last popped time, as in a simulation.
        q.push(now + op.delay, 0, pushed);
        ref.push({ t: now + op.delay, i: pushed++ });
        dirty = true;
      } else {
        // Sorted descending so the earliest is at the end (pop is O(1)); re-sorted only after pushes.
        if (dirty) ref = ref.sort((a, b) => b.t - a.t || b.i - a.i);
        dirty = false;
        const want = ref.pop()!;
        expect(q.peekTime()).toBe(want.t);
        expect(q.pop()).toBe(true);
        expect([q.time, q.subject]).toEqual([want.t, want.i]);
        now = q.time;
      }
      expect(q.size).toBe(ref.length);
    }
  }

  it('interleaved pushes and pops match a sorted reference, with ties, skew and resizes (property)', () => {
    const delay = fc.oneof(
      fc.constant(0), // simultaneous events
      fc.integer({ min: 0, max: 5 }), // dense, many ties
      fc.double({ min: 0, max: 1, noNaN: true }),
      fc.double({ min: 1e4, max: 1e7, noNaN: true }), // far future (completions days away)
      fc.double({ min: 1e-9, max: 1e-6, noNaN: true }), // tiny gaps
    );
    fc.assert(fc.property(fc.array(fc.record({ push: fc.boolean(), delay, peek: fc.boolean() }), { minLength: 100, maxLength: 3000 }), (ops) => {
      checkAgainstReference(ops);
      checkAgainstReference(ops, false);
      checkAgainstReference(ops, true, false);
    }), { numRuns: 150 });
  });

  it('pops the same events in the same order with and without the lane for the current time, pushes before the last pop included (property)', () => {
    // A queue used directly may be given times before its last pop (never negative: buckets are
    // numbered from time 0); the engine never does.
    const op = fc.oneof(
      fc.record({ kind: fc.constant('push' as const), at: fc.oneof(fc.constant('now' as const), fc.integer({ min: -3, max: 6 })) }),
      fc.record({ kind: fc.constant('pop' as const) }),
      fc.record({ kind: fc.constant('peek' as const) }),
    );
    fc.assert(fc.property(fc.array(op, { minLength: 50, maxLength: 400 }), (ops) => {
      const trace = (lane: boolean) => {
        const q = new EventQueue(16, lane);
        const out: (number | boolean)[] = [];
        ops.forEach((o, i) => {
          if (o.kind === 'push') q.push(o.at === 'now' ? q.time : Math.max(0, q.time + o.at), i % 256, i);
          else if (o.kind === 'peek') out.push(q.peekTime(), q.size);
          else out.push(q.pop(), q.time, q.kind, q.subject, q.size);
        });
        while (q.pop()) out.push(q.time, q.subject);
        return out;
      };
      expect(trace(true)).toEqual(trace(false));
    }), { numRuns: 300 });
  });

  it('popDue(until) pops what peekTime() <= until then pop() would, and leaves the queue alone otherwise (property)', () => {
    // Two queues fed the same pushes: one popped the engine's old way, one with popDue; `until`
    // before, at and after the earliest event, with and without the lane.
    const op = fc.oneof(
      fc.record({ kind: fc.constant('push' as const), at: fc.oneof(fc.constant('now' as const), fc.integer({ min: 0, max: 6 }), fc.double({ min: 0, max: 1e6, noNaN: true })) }),
      fc.record({ kind: fc.constant('due' as const), until: fc.oneof(fc.constant('now' as const), fc.integer({ min: -2, max: 8 }), fc.constant(Infinity), fc.constant(NaN)) }),
      fc.record({ kind: fc.constant('peek' as const) }),
    );
    fc.assert(fc.property(fc.array(op, { minLength: 50, maxLength: 500 }), fc.boolean(), (ops, lane) => {
      const a = new EventQueue(16, lane);
      const b = new EventQueue(16, lane);
      ops.forEach((o, i) => {
        if (o.kind === 'push') {
          const t = o.at === 'now' ? a.time : a.time + o.at;
          a.push(t, i % 256, i);
          b.push(t, i % 256, i);
        } else if (o.kind === 'peek') {
          expect(b.peekTime()).toBe(a.peekTime());
        } else {
          const until = o.until === 'now' ? a.time : a.time + o.until;
          const want = a.size > 0 && a.peekTime() <= until;
          if (want) a.pop();
          expect(b.popDue(until)).toBe(want);
          expect([b.time, b.kind, b.subject, b.size]).toEqual([a.time, a.kind, a.subject, a.size]);
        }
      });
      while (a.pop()) {
        expect(b.popDue(Infinity)).toBe(true);
        expect([b.time, b.subject]).toEqual([a.time, a.subject]);
      }
      expect(b.popDue(Infinity)).toBe(false);
    }), { numRuns: 300 });
  });

  it('pops the same events in the same order with and without the small sorted array, across its turns to buckets and back (property)', () => {
    // Bursts of pushes take the queue past SMALL_MAX (64) and runs of pops back under SMALL_MIN
    // (16), again and again; times with many ties, some before the last pop (a queue used
    // directly may be given those), and events for the current time (the lane's).
    const at = fc.oneof(fc.constant('now' as const), fc.integer({ min: -2, max: 4 }), fc.double({ min: 0, max: 1e5, noNaN: true }));
    const op = fc.oneof(
      fc.record({ kind: fc.constant('burst' as const), ats: fc.array(at, { minLength: 1, maxLength: 90, size: 'max' }) }),
      fc.record({ kind: fc.constant('pops' as const), n: fc.integer({ min: 1, max: 90 }), until: fc.oneof(fc.constant(Infinity), fc.integer({ min: 0, max: 5 })) }),
      fc.record({ kind: fc.constant('peek' as const) }),
    );
    fc.assert(fc.property(fc.array(op, { minLength: 5, maxLength: 60 }), fc.boolean(), (ops, lane) => {
      const trace = (small: boolean) => {
        const q = new EventQueue(16, lane, small);
        const out: (number | boolean)[] = [];
        let i = 0;
        for (const o of ops) {
          if (o.kind === 'burst') {
            for (const a of o.ats) q.push(a === 'now' ? q.time : Math.max(0, q.time + a), i % 256, i++);
          } else if (o.kind === 'peek') {
            out.push(q.peekTime(), q.size);
          } else {
            for (let k = 0; k < o.n; k++) out.push(q.popDue(q.time + o.until), q.time, q.kind, q.subject, q.size);
          }
        }
        while (q.pop()) out.push(q.time, q.subject);
        return out;
      };
      expect(trace(true)).toEqual(trace(false));
    }), { numRuns: 200 });
  });

  it('keeps a few events in the small sorted array and many in buckets, turning back when they are few again', () => {
    const q = new EventQueue(16);
    const small = () => (q as unknown as { small: boolean }).small;
    for (let i = 0; i < 10; i++) q.push(100 - i, 0, i);
    expect(small()).toBe(true);
    for (let i = 10; i < 100; i++) q.push(200 + (i % 7), 0, i);
    expect(small()).toBe(false);
    for (let i = 0; i < 90; i++) q.pop();
    expect([small(), q.size]).toEqual([true, 10]);
    expect(new EventQueue(16, true, false) as unknown as { small: boolean }).toMatchObject({ small: false });
  });

  it('gives back each kind (0-255) and int32 subject, negative ones too, from the small array and from buckets', () => {
    const events = [[0, -1], [255, 2147483647], [7, -2147483648], [1, 0], [254, -123456]] as const;
    for (const small of [true, false]) {
      const q = new EventQueue(16, true, small);
      events.forEach(([kind, subject], i) => q.push(10 + i, kind, subject));
      const got: number[][] = [];
      while (q.pop()) got.push([q.kind, q.subject]);
      expect(got).toEqual(events.map((e) => [...e]));
    }
  });

  it('is used by the engine unless ORCHSIM_NO_SMALL_EVENT_QUEUE=1, and runs give byte-identical results either way (property, whole runs)', () => {
    const allowed = () => (new Engine().queue as unknown as { smallAllowed: boolean }).smallAllowed;
    expect(allowed()).toBe(true);
    process.env.ORCHSIM_NO_SMALL_EVENT_QUEUE = '1';
    try {
      expect(allowed()).toBe(false);
    } finally {
      delete process.env.ORCHSIM_NO_SMALL_EVENT_QUEUE;
    }
    expectRunsIdenticalWithSwitch('ORCHSIM_NO_SMALL_EVENT_QUEUE', 20);
  });

  it('is used by the engine unless ORCHSIM_NO_EVENT_LANE=1, and runs give byte-identical results either way (property, whole runs)', () => {
    expect((new Engine().queue as unknown as { lane: boolean }).lane).toBe(true);
    process.env.ORCHSIM_NO_EVENT_LANE = '1';
    try {
      expect((new Engine().queue as unknown as { lane: boolean }).lane).toBe(false);
    } finally {
      delete process.env.ORCHSIM_NO_EVENT_LANE;
    }
    expectRunsIdenticalWithSwitch('ORCHSIM_NO_EVENT_LANE', 20);
  });

  it('puts an event for the current time in the lane when the lane is on, in the calendar when it is off', () => {
    const inLane = (lane: boolean): number => {
      const q = new EventQueue(16, lane);
      q.push(5, 0, 1);
      q.pop();
      q.push(5, 0, 2);
      const fields = q as unknown as { laneHead: number; laneTail: number };
      return fields.laneTail - fields.laneHead;
    };
    expect(inLane(true)).toBe(1);
    expect(inLane(false)).toBe(0);
  });

  it('survives growing to many thousands of events and shrinking back (resizes both ways)', () => {
    const ops: { push: boolean; delay: number }[] = [];
    let x = 1;
    const next = () => (x = (x * 48271) % 2147483647) / 2147483647;
    for (let i = 0; i < 20000; i++) ops.push({ push: true, delay: next() < 0.1 ? 1e6 * next() : Math.floor(next() * 100) });
    for (let i = 0; i < 20000; i++) ops.push({ push: false, delay: 0 });
    checkAgainstReference(ops);
    checkAgainstReference(ops, true, false);
  });

  it('keeps FIFO order among simultaneous events across interleaved pushes and pops', () => {
    const q = new EventQueue();
    q.push(5, 0, 1);
    q.push(5, 0, 2);
    q.pop();
    q.push(5, 0, 3);
    const order: number[] = [q.subject];
    while (q.pop()) order.push(q.subject);
    expect(order).toEqual([1, 2, 3]);
  });

  it('rejects times that are not finite', () => {
    expect(() => new EventQueue().push(NaN, 0, 0)).toThrow(/finite, got NaN/);
    expect(() => new EventQueue().push(Infinity, 0, 0)).toThrow(/finite/);
  });
});

describe('Engine', () => {
  it('advances the clock, runs events up to and including the horizon, and refuses negative delays', () => {
    const e = new Engine();
    const seen: [number, number][] = [];
    const k = e.defineEvent('tick', (s) => {
      seen.push([e.now, s]);
      if (s < 3) e.schedule(10, k, s + 1);
    });
    e.schedule(0, k, 0);
    e.run(20);
    expect(seen).toEqual([[0, 0], [10, 1], [20, 2]]);
    expect(e.now).toBe(20);
    expect(() => e.schedule(-1, k, 0)).toThrow(/negative or NaN delay -1 for event "tick"/);
    expect(() => e.schedule(NaN, 7, 0)).toThrow(/negative or NaN delay NaN for event "7"/);
    expect(() => e.scheduleAt(19.5, k, 0)).toThrow(/event "tick" at 19.5 is before now \(20\)/);
    expect(e.queue.size, "the refused events are not queued (the tick for 30 is)").toBe(1);
    expect(() => e.defineEvent('tick', () => {})).toThrow(/already defined/);
  });

  it("writes each event's time into the installed call watch before its handler runs (the time a hung plugin call is reported at)", () => {
    const watch = new CallWatch();
    installCallWatch(watch.buffer);
    try {
      const e = new Engine();
      const seen: [number, number][] = [];
      const k = e.defineEvent('tick', (s) => {
        seen.push([e.now, watch.time[0]!]);
        if (s < 2) e.schedule(7.25, k, s + 1);
      });
      e.schedule(1, k, 0);
      e.run(100);
      expect(seen).toEqual([[1, 1], [8.25, 8.25], [15.5, 15.5]]);
    } finally {
      installCallWatch(undefined);
    }
  });
});

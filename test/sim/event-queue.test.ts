import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Engine } from '../../src/sim/engine.js';
import { EventQueue } from '../../src/sim/event-queue.js';

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

  it('rejects NaN times', () => {
    expect(() => new EventQueue().push(NaN, 0, 0)).toThrow(/NaN/);
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
    expect(() => e.defineEvent('tick', () => {})).toThrow(/already defined/);
  });
});

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { markerIndices } from '../../src/report/arm-style.js';
import { dodged, pathInWords, sweptAxis, sweptGroup, sweptValue } from '../../src/report/swept-axis.js';

const grid = (path: string, values: unknown[]) => values.map((v, i) => ({ name: `v${i + 1}`, params: { [path]: v } }));

describe('sweptAxis', () => {
  it('puts the swept values on x, not the variant names, with the path in words', () => {
    const axis = sweptAxis(grid('cluster.pools.0.count', [240, 120, 180]))!;
    expect(axis).toMatchObject({ path: 'cluster.pools.0.count', numeric: true, log: false, values: [120, 180, 240], others: [] });
    expect(axis.title).toBe('count of cluster pool 0 (cluster.pools.0.count)');
    expect(sweptValue(axis, { 'cluster.pools.0.count': 180 })).toBe(180);
  });

  it('a log scale for positive numbers spanning a factor of 20 or more; names in grid order otherwise', () => {
    expect(sweptAxis(grid('x', [1, 10, 100]))!.log).toBe(true);
    expect(sweptAxis(grid('x', [10, 20, 30]))!.log).toBe(false);
    const names = sweptAxis(grid('scheduler.profile', ['spread', 'binpack', { a: 1 }]))!;
    expect(names).toMatchObject({ numeric: false, values: ['spread', 'binpack', '{"a":1}'] });
  });

  it('no axis for variants that set nothing; other grid paths name the small multiples', () => {
    expect(sweptAxis([{ name: 'base', params: {} }])).toBeUndefined();
    const axis = sweptAxis([{ name: 'v1', params: { 'cluster.pools.0.count': 100, 'workloads.1.replicas': 40 } }])!;
    expect(axis.others).toEqual(['workloads.1.replicas']);
    expect(sweptGroup(axis, { 'cluster.pools.0.count': 100, 'workloads.1.replicas': 40 })).toBe('workloads.1.replicas=40');
  });

  it('pathInWords', () => {
    expect(pathInWords('workloads.1.replicas')).toBe('replicas of workload 1 (workloads.1.replicas)');
    expect(pathInWords('failures.processes.0.mtbf')).toBe('mtbf of failures process 0 (failures.processes.0.mtbf)');
    expect(pathInWords('sampleInterval')).toBe('sample interval (sampleInterval)');
    expect(pathInWords('seed')).toBe('seed');
  });

  it('dodged: arms around the value, in arm order, closer to it than to the next value (property)', () => {
    fc.assert(
      fc.property(fc.uniqueArray(fc.integer({ min: 1, max: 10_000 }), { minLength: 2, maxLength: 8 }), fc.integer({ min: 2, max: 8 }), (values, arms) => {
        const axis = sweptAxis(grid('x', values))!;
        const sorted = [...values].sort((a, b) => a - b);
        let gap = Infinity;
        for (let i = 1; i < sorted.length; i++) gap = Math.min(gap, axis.log ? Math.log(sorted[i]! / sorted[i - 1]!) : sorted[i]! - sorted[i - 1]!);
        for (const v of values) {
          const xs = Array.from({ length: arms }, (_, a) => dodged(axis, v, a, arms));
          for (let a = 1; a < arms; a++) expect(xs[a]!).toBeGreaterThan(xs[a - 1]!);
          for (const x of xs) expect(Math.abs(axis.log ? Math.log(x / v) : x - v)).toBeLessThan(gap / 2);
        }
      }),
    );
  });
});

describe('markerIndices', () => {
  it('about ten markers per line, on different samples for each arm (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 20, max: 2000 }), fc.integer({ min: 2, max: 6 }), (points, arms) => {
        const sets = Array.from({ length: arms }, (_, a) => markerIndices(points, a, arms));
        for (const s of sets) {
          expect(s.size).toBeGreaterThanOrEqual(5);
          expect(s.size).toBeLessThanOrEqual(20);
          for (const i of s) expect(i >= 0 && i < points).toBe(true);
        }
        // Two arms never mark the same samples when there is room to stagger them.
        if (Math.floor(points / 10) >= arms) {
          for (let a = 1; a < arms; a++) expect([...sets[a]!].some((i) => sets[0]!.has(i))).toBe(false);
        }
      }),
    );
  });
});

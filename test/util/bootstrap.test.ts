import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { bootstrapMeanInterval, erfc, expandedTail, normalCdf, quantileSelected } from '../../src/util/bootstrap.js';
import { RandomStream } from '../../src/util/random.js';
import { meanInterval, quantileSorted } from '../../src/util/stats.js';

describe('bootstrapMeanInterval', () => {
  it('stays at or above 0 for a skewed wait whose t interval goes below 0', () => {
    const waits = [5, 0.1, 12, 3, 0.2, 0, 0, 41];
    expect(meanInterval(waits).low).toBeLessThan(0);
    const b = bootstrapMeanInterval(waits);
    expect(b.low).toBeGreaterThanOrEqual(0);
    expect(b.high).toBeGreaterThan(b.mean);
    // The rest is meanInterval's.
    expect({ ...b, low: 0, high: 0 }).toEqual({ ...meanInterval(waits), low: 0, high: 0 });
  });

  it('property: for non-negative values, 0 <= low <= mean <= high, within the values, the same every time', () => {
    const values = fc.array(fc.oneof(fc.constant(0), fc.double({ min: 0, max: 1e6, noNaN: true })), { minLength: 2, maxLength: 30 });
    fc.assert(
      fc.property(values, fc.constantFrom(0.8, 0.9, 0.95, 0.99), (xs, confidence) => {
        const b = bootstrapMeanInterval(xs, confidence, undefined, 500);
        expect(b.low).toBeGreaterThanOrEqual(0);
        expect(b.low).toBeLessThanOrEqual(b.mean);
        expect(b.high).toBeGreaterThanOrEqual(b.mean);
        expect(b.low).toBeGreaterThanOrEqual(Math.min(...xs));
        expect(b.high).toBeLessThanOrEqual(Math.max(Math.max(...xs), b.mean));
        expect(bootstrapMeanInterval(xs, confidence, undefined, 500)).toEqual(b);
      }),
      { numRuns: 200 },
    );
  });

  it('property: fractions stay within 0..1', () => {
    fc.assert(
      fc.property(fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { minLength: 2, maxLength: 12 }), (xs) => {
        const b = bootstrapMeanInterval(xs, 0.95, undefined, 500);
        expect(b.low).toBeGreaterThanOrEqual(0);
        expect(b.high).toBeLessThanOrEqual(1);
      }),
      { numRuns: 100 },
    );
  });

  it('leaves missing values out, and gives no interval for fewer than two', () => {
    expect(bootstrapMeanInterval([3, null, undefined, NaN, 5]).n).toBe(2);
    expect(Number.isNaN(bootstrapMeanInterval([3]).low)).toBe(true);
    expect(bootstrapMeanInterval([2, 2, 2])).toMatchObject({ mean: 2, low: 2, high: 2 });
  });

  it('is about as wide as the t interval for symmetric data (the expansion for few seeds)', () => {
    const xs = [9.1, 10.4, 9.8, 10.2, 10.6, 9.5, 10.0, 9.9, 10.3, 9.7];
    const t = meanInterval(xs);
    const b = bootstrapMeanInterval(xs);
    expect((b.high - b.low) / (t.high - t.low)).toBeGreaterThan(0.8);
    expect((b.high - b.low) / (t.high - t.low)).toBeLessThan(1.2);
  });

  it('covers the true mean of a skewed distribution about as often as it says', () => {
    // Exponential waits with mean 10, 8 seeds, 95 %: the expanded percentile interval's coverage.
    const r = new RandomStream(7, 'coverage');
    let covered = 0;
    const trials = 300;
    for (let i = 0; i < trials; i++) {
      const xs = Array.from({ length: 8 }, () => r.exponential(10));
      const b = bootstrapMeanInterval(xs, 0.95, undefined, 2000);
      if (b.low <= 10 && 10 <= b.high) covered++;
    }
    expect(covered / trials).toBeGreaterThan(0.85);
  });
});

describe('its pieces', () => {
  it('erfc and the normal distribution function match tabulated values', () => {
    expect(erfc(0)).toBeCloseTo(1, 7);
    expect(erfc(1)).toBeCloseTo(0.157299207, 7);
    expect(erfc(-1)).toBeCloseTo(1.842700793, 7);
    expect(normalCdf(-1.959964)).toBeCloseTo(0.025, 6);
    expect(normalCdf(3)).toBeCloseTo(0.998650102, 7);
  });

  it('reads a tail that shrinks with fewer seeds (Hesterberg: t and n - 1 corrections)', () => {
    expect(expandedTail(0.95, 5)).toBeCloseTo(0.00095, 4);
    expect(expandedTail(0.95, 10)).toBeLessThan(0.025);
    expect(expandedTail(0.95, 1000)).toBeCloseTo(0.025, 3);
  });

  it('quantileSelected equals quantileSorted', () => {
    fc.assert(
      fc.property(fc.array(fc.double({ min: -1e3, max: 1e3, noNaN: true }), { minLength: 1, maxLength: 60 }), fc.double({ min: 0, max: 1, noNaN: true }), (xs, q) => {
        const sorted = Float64Array.from(xs).sort();
        expect(quantileSelected(Float64Array.from(xs), q)).toBeCloseTo(quantileSorted(sorted, q), 9);
      }),
    );
  });
});

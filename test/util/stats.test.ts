import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { meanInterval, pairedDifference, SampleBuffer, tCritical } from '../../src/util/stats.js';

describe('confidence intervals', () => {
  it('use Student t quantiles: the published two-sided 95% and 99% values for small n', () => {
    // t_{0.975, df} and t_{0.995, df} from standard tables (e.g. NIST/SEMATECH e-Handbook 1.3.6.7.2).
    const t95: [number, number][] = [[1, 12.706], [2, 4.303], [3, 3.182], [4, 2.776], [5, 2.571], [9, 2.262], [19, 2.093], [29, 2.045]];
    for (const [df, t] of t95) expect(tCritical(0.95, df)).toBeCloseTo(t, 3);
    const t99: [number, number][] = [[1, 63.657], [4, 4.604], [9, 3.250]];
    for (const [df, t] of t99) expect(tCritical(0.99, df)).toBeCloseTo(t, 3);
    // Large df tends to the normal quantile 1.960.
    expect(tCritical(0.95, 1e6)).toBeCloseTo(1.95996, 4);
  });

  it('mean interval of 1..5: mean 3, sd sqrt(2.5), half-width t(0.975, 4) sd / sqrt 5', () => {
    const m = meanInterval([1, 2, 3, 4, 5]);
    expect(m.n).toBe(5);
    expect(m.mean).toBe(3);
    expect(m.sd).toBeCloseTo(Math.sqrt(2.5), 12);
    expect(m.halfWidth).toBeCloseTo(2.776445 * Math.sqrt(2.5) / Math.sqrt(5), 5);
    expect(m.low).toBeCloseTo(3 - 1.963243, 5);
    expect(m.high).toBeCloseTo(3 + 1.963243, 5);
  });

  it('leaves missing values out and has no interval below two values', () => {
    expect(meanInterval([null, 4, Number.NaN, undefined]).n).toBe(1);
    expect(meanInterval([4]).mean).toBe(4);
    expect(Number.isNaN(meanInterval([4]).halfWidth)).toBe(true);
    expect(meanInterval([]).n).toBe(0);
  });

  it('paired differences: a consistent small gain is significant although the arms overlap', () => {
    // Seeds vary a lot (10, 20, 30, 40), the candidate is 1 better on each, give or take 0.1.
    const base = [10, 20, 30, 40];
    const cand = [11.1, 20.9, 31.05, 40.95];
    const d = pairedDifference(cand, base);
    expect(d.mean).toBeCloseTo(1, 10);
    expect(d.significant).toBe(true);
    const a = meanInterval(cand);
    const b = meanInterval(base);
    expect(a.low < b.high && b.low < a.high).toBe(true); // the separate intervals overlap
    // Pairs with a missing side are left out.
    expect(pairedDifference([1, null, 3], [0, 5, 1]).n).toBe(2);
    expect(pairedDifference([1, 2, 3], [1, 2, 3]).significant).toBe(false);
    // The same sums rounded differently (432 node-hours added up over other event times) are equal,
    // while a real difference of one part in a billion is kept.
    const rounded = pairedDifference([432 + 1.1e-13, 432 + 2.3e-13, 432 + 1.7e-13], [432, 432, 432]);
    expect([rounded.mean, rounded.significant]).toEqual([0, false]);
    expect(pairedDifference([432.000001, 432.000001, 432.000001], [432, 432, 432]).significant).toBe(true);
    expect(() => pairedDifference([1], [1, 2])).toThrow(/length/);
  });

  it('the interval covers the mean and widens with the confidence (property)', () => {
    fc.assert(fc.property(fc.array(fc.double({ min: -1e6, max: 1e6, noNaN: true }), { minLength: 2, maxLength: 30 }), (xs) => {
      const m95 = meanInterval(xs, 0.95);
      const m99 = meanInterval(xs, 0.99);
      expect(m95.low).toBeLessThanOrEqual(m95.mean);
      expect(m95.high).toBeGreaterThanOrEqual(m95.mean);
      expect(m99.halfWidth).toBeGreaterThanOrEqual(m95.halfWidth);
    }), { numRuns: 200 });
  });
});

describe('SampleBuffer', () => {
  it('keeps the same samples, in order and sorted, whatever room it starts with (property)', () => {
    fc.assert(fc.property(fc.array(fc.double({ noNaN: true }), { maxLength: 3000 }), fc.integer({ min: 0, max: 5000 }), (values, capacity) => {
      const hinted = new SampleBuffer(capacity);
      const plain = new SampleBuffer();
      for (const v of values) {
        hinted.push(v);
        plain.push(v);
      }
      expect(hinted.length).toBe(values.length);
      // Sorted copies alike, and equal to the samples sorted (Float64Array order: -0 before 0).
      expect([...hinted.sorted()]).toEqual([...plain.sorted()]);
      expect([...hinted.sorted()]).toEqual([...Float64Array.from(values).sort()]);
    }), { numRuns: 100 });
  });
});

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { METRICS } from '../../src/experiments/records.js';
import {
  decimalsForHalfWidth,
  formatDecimal,
  formatEstimate,
  metricKind,
  metricLabel,
  metricPhrase,
  type Estimate,
  type FormatOptions,
  type MetricKind,
} from '../../src/report/metric-format.js';

const e = (mean: number, low = NaN, high = NaN, n = 5): Estimate => ({ n, mean, low, high });

describe('formatEstimate', () => {
  const cases: [string, MetricKind, Estimate, FormatOptions, string][] = [
    // Ratios in %, digits from the interval: two significant digits of the half-width.
    ['utilization', 'ratio', e(0.3345, 0.3296, 0.3386), {}, '33.45% [32.96, 33.86]'],
    ['utilization, wide interval', 'ratio', e(0.573, 0.548, 0.591), {}, '57.3% [54.8, 59.1]'],
    ['utilization, very wide', 'ratio', e(0.47, 0.2, 0.75), {}, '47% [20, 75]'],
    // Their differences in percentage points, signed; a bound just below 0 keeps its sign.
    ['utilization difference', 'ratio', e(0.000676, -0.0000206, 0.00137), { difference: true, signed: true }, '+0.068 pp [-0.002, +0.137]'],
    ['all seeds alike', 'ratio', e(0, 0, 0), {}, '0.0% [0.0, 0.0]'],
    // 99.97 % is not "100.0%".
    ['availability, one seed', 'ratio', e(0.9997, NaN, NaN, 1), {}, '99.97%'],
    ['availability, every seed 1', 'ratio', e(1, 1, 1), {}, '100.0% [100.0, 100.0]'],
    // Durations in s, min or h by size.
    ['pending time', 'duration', e(5.291, 1.6, 11.4), {}, '5.3 s [1.6, 11.4]'],
    ['short wait', 'duration', e(0.1016, 0, 0.27), {}, '0.10 s [0.00, 0.27]'],
    ['long wait', 'duration', e(680.7, 250, 1440), {}, '11.3 min [4.2, 24.0]'],
    ['long wait, wide', 'duration', e(680.7, 30, 2400), {}, '11 min [1, 40]'],
    ['longest wait', 'duration', e(25585.8, 9000, 48240), {}, '7.1 h [2.5, 13.4]'],
    ['wait difference', 'duration', e(-6.907, -12.882, -0.9315), { difference: true, signed: true }, '-6.9 s [-12.9, -0.9]'],
    ['a duration, one seed', 'duration', e(42, NaN, NaN, 1), {}, '42 s'],
    // Counts whole where whole.
    ['pods never scheduled', 'count', e(5.2, 3, 9.8), {}, '5.2 [3.0, 9.8]'],
    ['no pod', 'count', e(0, 0, 0), {}, '0 [0, 0]'],
    ['count difference', 'count', e(-5.2, -9.355, -1.045), { difference: true, signed: true }, '-5.2 [-9.4, -1.0]'],
    ['a large amount', 'amount', e(123456.7, 110000, 137000), {}, '123000 [110000, 137000]'],
    ['missing', 'ratio', e(NaN, NaN, NaN, 0), {}, '-'],
  ];
  it.each(cases)('%s', (_name, kind, estimate, options, expected) => {
    expect(formatEstimate(kind, estimate, options)).toBe(expected);
  });

  it('never writes exponent notation, NaN or an interval that does not contain its mean', () => {
    const finite = fc.double({ min: -1e30, max: 1e30, noNaN: true });
    fc.assert(
      fc.property(fc.constantFrom<MetricKind>('ratio', 'duration', 'count', 'amount'), finite, finite, finite, fc.boolean(), (kind, a, b, c, difference) => {
        const [low, mean, high] = [a, b, c].sort((x, y) => x - y) as [number, number, number];
        const text = formatEstimate(kind, { n: 5, mean, low, high }, { difference, signed: difference });
        expect(text).not.toMatch(/e[+-]?\d|NaN|Infinity/);
        const numbers = [...text.matchAll(/[+-]?\d+(\.\d+)?/g)].map((m) => Number(m[0]));
        expect(numbers).toHaveLength(3);
        expect(numbers[0]).toBeGreaterThanOrEqual(numbers[1]!);
        expect(numbers[0]).toBeLessThanOrEqual(numbers[2]!);
      }),
    );
  });
});

describe('digits', () => {
  it('keeps two significant digits of the half-width', () => {
    expect([0.5, 0.049, 4.2, 21000, 1e-9, 1e9].map(decimalsForHalfWidth)).toEqual([2, 3, 1, -3, 6, -6]);
  });
  it('rounds to tens and thousands, and keeps the sign of a value that rounds to 0', () => {
    expect(formatDecimal(25585.8, -3)).toBe('26000');
    expect(formatDecimal(-0.0004, 2, true)).toBe('-0.00');
    expect(formatDecimal(0.0004, 2, true)).toBe('+0.00');
    expect(formatDecimal(0, 1, true)).toBe('0.0');
    expect(formatDecimal(2e21, 0)).toBe('2000000000000000000000');
  });
});

describe('metric kinds and names', () => {
  it('knows every metric of the tables', () => {
    const kinds = Object.fromEntries(METRICS.map((m) => [m.key, metricKind(m)]));
    expect(kinds['utilization.cpu']).toBe('ratio');
    expect(kinds['availability.min']).toBe('ratio');
    expect(kinds['requests.served']).toBe('ratio');
    expect(kinds['pending.mean']).toBe('duration');
    expect(kinds['pods.unschedulable']).toBe('count');
    expect(kinds.cost).toBe('amount');
  });
  it('adds the unit to a label only where the cells and the label do not say it', () => {
    expect(metricLabel({ label: 'pods never scheduled', unit: 'pods' })).toBe('pods never scheduled');
    expect(metricLabel({ label: 'MTTR', unit: 's' })).toBe('MTTR');
    expect(metricLabel({ label: 'cost', unit: 'price' })).toBe('cost (price)');
  });
  it('puts the statistic first in a sentence and drops explanations', () => {
    expect(metricPhrase({ label: 'pending time, mean' })).toBe('mean pending time');
    expect(metricPhrase({ label: 'workload etl: wait for a node, p95 (scheduled pods)' })).toBe('workload etl: p95 wait for a node');
    expect(metricPhrase({ label: 'cpu requested / allocatable (time-averaged)' })).toBe('cpu requested / allocatable');
  });
});

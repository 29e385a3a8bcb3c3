import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { checkSlo, parseSlo } from '../../src/experiments/slo.js';
import { tCritical } from '../../src/util/stats.js';
import { InputError } from '../../src/util/errors.js';

describe('parseSlo', () => {
  it('reads aliases, metric keys, percentages and durations', () => {
    expect(parseSlo('availability>=0.999')).toMatchObject({ metric: 'availability.minAvailable', op: '>=', target: 0.999, unit: 'fraction' });
    expect(parseSlo('served >= 99.5%')).toMatchObject({ metric: 'requests.served', target: 0.995 });
    expect(parseSlo('pendingP99<=60s')).toMatchObject({ metric: 'waiting.p99', op: '<=', target: 60 });
    expect(parseSlo('pendingMean<=1h30m')).toMatchObject({ target: 5400 });
    expect(parseSlo('mttr≤5m')).toMatchObject({ metric: 'mttr', op: '<=', target: 300 });
    expect(parseSlo('utilization.cpu>=0.5')).toMatchObject({ metric: 'utilization.cpu', target: 0.5 });
    expect(parseSlo('pods.failed<=3')).toMatchObject({ metric: 'pods.failed', target: 3 });
  });

  it('names the SLO and what was expected', () => {
    const cases: [string, RegExp][] = [
      ['availability', /expected METRIC>=TARGET/],
      ['avail>=0.9', /unknown metric "avail" \(known: availability, /],
      ['availability>=1.5', /outside 0\.\.1/],
      ['availability>=high', /expected a fraction from 0 to 1 or a percentage/],
      ['pendingP99<=soon', /expected a duration/],
      ['pods.failed<=-1', /negative/],
      ['availability>0.9', /expected METRIC>=TARGET/],
    ];
    for (const [text, message] of cases) {
      expect(() => parseSlo(text)).toThrow(InputError);
      expect(() => parseSlo(text)).toThrow(message);
      expect(() => parseSlo(text)).toThrow(new RegExp(`^--slo: ${JSON.stringify(text).replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`));
    }
  });
});

describe('checkSlo', () => {
  const availability = parseSlo('availability>=0.99');
  const wait = parseSlo('pendingMean<=60s');

  it('passes on the one-sided bound of the mean, not on the mean', () => {
    const values = [0.995, 0.994, 0.993, 0.996];
    const c = checkSlo(availability, values, 4, 0.95);
    const mean = values.reduce((a, b) => a + b) / 4;
    const sd = Math.sqrt(values.reduce((a, b) => a + (b - mean) ** 2, 0) / 3);
    // One-sided 95% is the t quantile at 0.95 (the two-sided 90% interval's end).
    expect(c.bound).toBeCloseTo(mean - tCritical(0.9, 3) * sd / 2, 12);
    expect(c.verdict).toBe(c.bound >= 0.99 ? 'pass' : 'fail');
    expect(c.verdict).toBe('pass');
    // Same mean, more spread: the bound falls below the target.
    expect(checkSlo(availability, [0.999, 0.999, 0.9818, 0.9992], 4, 0.95).verdict).toBe('fail');
    expect(checkSlo(wait, [30, 40, 50], 3, 0.95)).toMatchObject({ verdict: 'pass', seedsMet: 3 });
    expect(checkSlo(wait, [30, 40, 50], 3, 0.95).margin).toBeGreaterThan(0);
  });

  it('stays open while the remaining seeds could still save it, and fails early when they cannot', () => {
    // 10 seeds, target 0.99: a shortfall of 0.1 over the mean needs more than the 9 seeds left at 1.
    expect(checkSlo(availability, [0.85], 10, 0.95)).toMatchObject({ verdict: 'fail', early: true });
    expect(checkSlo(availability, [0.95], 10, 0.95).verdict).toBe('open');
    // Waits are at least 0: one seed with an hour's mean wait dooms a 60 s target over 10 seeds.
    expect(checkSlo(wait, [3600], 10, 0.95)).toMatchObject({ verdict: 'fail', early: true });
    expect(checkSlo(wait, [500], 10, 0.95).verdict).toBe('open');
  });

  it('an early failure never contradicts the verdict on every seed (property)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.option(fc.double({ min: 0, max: 1, noNaN: true }), { nil: null, freq: 8 }), { minLength: 2, maxLength: 12 }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        fc.nat(),
        fc.boolean(),
        fc.constantFrom(0.8, 0.9, 0.95, 0.99),
        (values, target, cut, ge, confidence) => {
          const slo = parseSlo(`availability${ge ? '>=' : '<='}${target}`);
          const k = 1 + (cut % values.length);
          const early = checkSlo(slo, values.slice(0, k), values.length, confidence);
          const full = checkSlo(slo, values, values.length, confidence);
          if (early.verdict === 'fail') expect(full.verdict).toBe('fail');
          expect(full.verdict).not.toBe('open');
          if (full.n > 1) {
            expect(full.low).toBeGreaterThanOrEqual(0);
            expect(full.high).toBeLessThanOrEqual(1);
          }
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('a metric with no value in any run (no incident for MTTR) holds vacuously', () => {
    expect(checkSlo(parseSlo('mttr<=5m'), [null, null], 2, 0.95).verdict).toBe('pass');
    expect(checkSlo(parseSlo('mttr<=5m'), [null, 200, null], 3, 0.95)).toMatchObject({ verdict: 'pass', n: 1, mean: 200 });
  });
});

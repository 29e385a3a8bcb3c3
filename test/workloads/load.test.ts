import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { RandomStream } from '../../src/util/random.js';
import { integrate, loadCurve, loadCurveIssues, type LoadCurve, type LoadCurveSpec, type RateBins } from '../../src/workloads/load.js';

const DAY = 86_400;
const stream = (seed: number | string = 1) => new RandomStream(seed, 'load');
const curve = (spec: LoadCurveSpec, horizon = 10 * DAY, trace?: RateBins): LoadCurve => loadCurve(spec, { horizon, stream: stream(), trace });

/** |a - b| <= tol * max(1, |b|): relative, but absolute near zero. */
function close(a: number, b: number, tol: number): boolean {
  return Math.abs(a - b) <= tol * Math.max(1, Math.abs(b));
}

describe('constant base', () => {
  it('is the rate everywhere and integrates to rate x time', () => {
    const c = curve({ base: { constant: 12.5 } });
    for (const t of [-5, 0, 1.25, DAY, 9 * DAY]) expect(c.rate(t)).toBe(12.5);
    expect(integrate(c, 0, 3600)).toBeCloseTo(45_000, 9);
    expect(c.events).toEqual([]);
    expect(c.breakpoints).toEqual(new Float64Array(0));
  });
});

describe('diurnal base', () => {
  const mean = 40;
  const a = 0.6;
  const peakAt = 14 * 3600;
  const c = curve({ base: { diurnal: { mean, amplitude: a, peakAt } } });

  it('peaks at peakAt with mean (1 + a), bottoms half a day later, is the mean on the rise a quarter before', () => {
    expect(c.rate(peakAt)).toBeCloseTo(mean * (1 + a), 12);
    expect(c.rate(peakAt + DAY / 2)).toBeCloseTo(mean * (1 - a), 12);
    expect(c.rate(peakAt + 3 * DAY)).toBeCloseTo(mean * (1 + a), 10);
    // phase = peakAt - period / 4: the sin form's zero crossing on the rise.
    expect(c.rate(peakAt - DAY / 4)).toBeCloseTo(mean, 10);
    expect(c.rate(peakAt - DAY / 4 + 60)).toBeGreaterThan(mean);
  });

  it('defaults: a day, and the mean rising at time 0', () => {
    const d = curve({ base: { diurnal: { mean: 10, amplitude: 1 } } });
    expect(d.rate(0)).toBeCloseTo(10, 12);
    expect(d.rate(DAY / 4)).toBeCloseTo(20, 12);
    expect(d.rate((3 * DAY) / 4)).toBeCloseTo(0, 12);
    expect(d.rate((3 * DAY) / 4)).toBeGreaterThanOrEqual(0);
    expect(d.integrationStep).toBe(DAY / 16);
  });

  it('integrates to mean x period over any full period, and to the closed form elsewhere', () => {
    for (const t0 of [0, 1234.5, peakAt, 3 * DAY + 17]) expect(close(integrate(c, t0, t0 + DAY), mean * DAY, 1e-13)).toBe(true);
    const w = (2 * Math.PI) / DAY;
    const exact = (t0: number, t1: number) => mean * (t1 - t0 + (a / w) * (Math.sin(w * (t1 - peakAt)) - Math.sin(w * (t0 - peakAt))));
    for (const [t0, t1] of [[100, 5000], [peakAt - DAY / 4, peakAt + DAY / 4], [7000, 2.6 * DAY]] as const) {
      expect(close(integrate(c, t0, t1), exact(t0, t1), 1e-13)).toBe(true);
    }
    // Over one second the closed form itself loses digits (a / w = 8250 times a difference of sines).
    expect(close(integrate(c, 0, 1), exact(0, 1), 1e-11)).toBe(true);
    // Half a day centred on the peak: mean (P/2 + a P / pi).
    expect(close(integrate(c, peakAt - DAY / 4, peakAt + DAY / 4), mean * (DAY / 2 + (a * DAY) / Math.PI), 1e-13)).toBe(true);
  });
});

describe('steps', () => {
  it('multiply the rate from `at` on, jumping without a ramp', () => {
    const c = curve({ base: { constant: 10 }, steps: [{ at: 100, factor: 2 }] });
    expect(c.rate(99.999)).toBe(10);
    expect(c.rate(100)).toBe(20);
    expect(c.rate(9 * DAY)).toBe(20);
    expect(c.events).toEqual([{ kind: 'step', at: 100, peakAt: 100, end: Infinity, factor: 2 }]);
    expect(integrate(c, 0, 300)).toBeCloseTo(10 * 100 + 20 * 200, 9);
  });

  it('ramp linearly over `ramp` seconds', () => {
    const c = curve({ base: { constant: 10 }, steps: [{ at: 100, factor: 3, ramp: 50 }] });
    expect(c.rate(100)).toBe(10);
    expect(c.rate(125)).toBeCloseTo(20, 12);
    expect(c.rate(150)).toBe(30);
    expect(c.events[0]).toEqual({ kind: 'step', at: 100, peakAt: 150, end: Infinity, factor: 3 });
    // r [(at - t0) + ramp (1 + f) / 2 + (t1 - at - ramp) f]
    expect(integrate(c, 0, 1000)).toBeCloseTo(10 * (100 + (50 * 4) / 2 + 850 * 3), 9);
    expect(c.breakpoints).toEqual(new Float64Array([100, 150]));
  });

  it('compose multiplicatively, including a factor below 1', () => {
    const c = curve({ base: { constant: 8 }, steps: [{ at: 10, factor: 2 }, { at: 20, factor: 0.25 }] });
    expect([c.rate(5), c.rate(15), c.rate(25)]).toEqual([8, 16, 4]);
  });
});

describe('spikes', () => {
  const spike = { at: 1000, factor: 5, ramp: 100, duration: 600 };
  const c = curve({ base: { constant: 2 }, spikes: [spike] });

  it('rise over the ramp, hold `duration` (the plateau), fall over the ramp', () => {
    expect(c.rate(999)).toBe(2);
    expect(c.rate(1000)).toBe(2);
    expect(c.rate(1050)).toBeCloseTo(2 * (1 + (5 - 1) / 2), 12);
    expect(c.rate(1100)).toBe(10);
    expect(c.rate(1700)).toBe(10);
    expect(c.rate(1750)).toBeCloseTo(6, 12);
    expect(c.rate(1800)).toBe(2);
    expect(c.events).toEqual([{ kind: 'spike', at: 1000, peakAt: 1100, end: 1800, factor: 5 }]);
    expect(c.breakpoints).toEqual(new Float64Array([1000, 1100, 1700, 1800]));
  });

  it('integrate: base x (time outside + duration f + ramp (1 + f))', () => {
    const { ramp, duration, factor: f } = spike;
    expect(integrate(c, 0, 3000)).toBeCloseTo(2 * (3000 - (2 * ramp + duration) + duration * f + ramp * (1 + f)), 9);
    expect(integrate(c, 1000, 1100)).toBeCloseTo(2 * ramp * (1 + f) / 2, 10);
  });

  it('without a ramp is a rectangle', () => {
    const r = curve({ base: { constant: 1 }, spikes: [{ at: 10, factor: 4, duration: 5 }] });
    expect([r.rate(9.99), r.rate(10), r.rate(14.99), r.rate(15)]).toEqual([1, 4, 4, 1]);
    expect(r.events[0]).toEqual({ kind: 'spike', at: 10, peakAt: 10, end: 15, factor: 4 });
    expect(integrate(r, 0, 20)).toBeCloseTo(35, 12);
  });

  it('multiply with steps and with each other; overlapping ramps integrate exactly', () => {
    const s = curve({ base: { constant: 1 }, steps: [{ at: 0, factor: 2 }], spikes: [{ at: 100, factor: 3, duration: 10 }, { at: 105, factor: 2, duration: 10 }] });
    expect([s.rate(102), s.rate(107), s.rate(112), s.rate(120)]).toEqual([6, 12, 4, 2]);
    // A step ramping 1 -> 3 over [0, 100] under a spike ramping 1 -> 2 -> 1 over [0, 200]:
    // int_0^100 (1 + 0.02 t)(1 + 0.01 t) dt + int_100^200 3 (2 - (t - 100) / 100) dt = 316.67 + 450.
    const q = curve({ base: { constant: 3 }, steps: [{ at: 0, factor: 3, ramp: 100 }], spikes: [{ at: 0, factor: 2, ramp: 100, duration: 0 }] });
    expect(q.rate(50)).toBeCloseTo(3 * 2 * 1.5, 12);
    expect(integrate(q, 0, 200)).toBeCloseTo(3 * (100 + 150 + 200 / 3 + 450), 9);
  });

  it('list events of every kind sorted by onset', () => {
    const e = curve({ base: { constant: 1 }, steps: [{ at: 50, factor: 2 }], spikes: [{ at: 90, factor: 3, duration: 1 }, { at: 10, factor: 3, duration: 1 }] }).events;
    expect(e.map((x) => [x.kind, x.at])).toEqual([['spike', 10], ['step', 50], ['spike', 90]]);
  });
});

describe('bursts', () => {
  const spec: LoadCurveSpec = {
    base: { constant: 5 },
    bursts: { rate: 1 / 600, factor: { kind: 'uniform', min: 2, max: 4 }, duration: { kind: 'exponential', mean: 60 }, ramp: 10 },
  };
  const build = (seed: number | string, horizon = DAY) => loadCurve(spec, { horizon, stream: new RandomStream(seed, 'bursts') });

  it('the same seed gives the same bursts and rates; another seed other ones', () => {
    const a = build(7);
    const b = build(7);
    const other = build(8);
    expect(a.events.length).toBeGreaterThan(0);
    expect(b.events).toEqual(a.events);
    expect(other.events).not.toEqual(a.events);
    for (let t = 0; t < DAY; t += 997) expect(b.rate(t)).toBe(a.rate(t));
  });

  it('are a Poisson process over [0, horizon) with drawn factor and plateau', () => {
    const c = build(3, 100 * DAY);
    const n = c.events.length;
    // 14,400 expected; 5 sigma is 600.
    expect(Math.abs(n - 14_400)).toBeLessThan(600);
    const odd = c.events.filter((e) => !(e.kind === 'burst' && e.at >= 0 && e.at < 100 * DAY && e.peakAt === e.at + 10 && e.end - e.peakAt >= 10 && e.factor >= 2 && e.factor < 4));
    expect(odd).toEqual([]);
    expect(c.events.every((e, i) => i === 0 || e.at > c.events[i - 1]!.at)).toBe(true);
    // An isolated burst reaches base x factor on its plateau.
    const e = c.events.find((x, i) => x.end - x.peakAt > 20 && (c.events[i + 1]?.at ?? Infinity) > x.end && (c.events[i - 1]?.end ?? -Infinity) < x.at)!;
    expect(c.rate((e.peakAt + e.end - 10) / 2)).toBeCloseTo(5 * e.factor, 10);
    expect(c.rate(e.at - 1e-6)).toBe(5);
  });

  it('a burst rate of 0 draws nothing', () => {
    const c = loadCurve({ base: { constant: 1 }, bursts: { rate: 0, factor: { kind: 'fixed', value: 2 }, duration: { kind: 'fixed', value: 1 } } }, { horizon: DAY, stream: stream() });
    expect(c.events).toEqual([]);
  });
});

describe('trace base', () => {
  const bins: RateBins = { binSeconds: 10, rates: new Float64Array([1, 2, 3]) };

  it('replays bins with simulated time = trace time x timeScale and rates x rateScale, looping', () => {
    const c = curve({ base: { trace: { timeScale: 2, rateScale: 10 } } }, 200, bins);
    expect([c.rate(0), c.rate(19.9), c.rate(20), c.rate(45), c.rate(59.9)]).toEqual([10, 10, 20, 30, 30]);
    // Trace second 62.5 wraps to 2.5, in bin 0.
    expect([c.rate(60), c.rate(125), c.rate(199)]).toEqual([10, 10, 10]);
    expect(c.breakpoints).toEqual(new Float64Array([20, 40, 60, 80, 100, 120, 140, 160, 180]));
    // One loop: timeScale x rateScale x (requests in the trace).
    expect(integrate(c, 0, 60)).toBeCloseTo(2 * 10 * (10 + 20 + 30), 9);
    expect(integrate(c, 0, 200)).toBeCloseTo(3 * 1200 + 20 * 10, 9);
  });

  it('without looping is 0 after the trace', () => {
    const c = curve({ base: { trace: { loop: false } } }, 100, bins);
    expect([c.rate(29.9), c.rate(30), c.rate(99), c.rate(-1)]).toEqual([3, 0, 0, 0]);
    expect(c.breakpoints).toEqual(new Float64Array([10, 20, 30]));
    expect(integrate(c, 0, 100)).toBeCloseTo(60, 10);
  });

  it('defaults to timeScale 1, rateScale 1, looping; equal neighbouring bins are no breakpoint', () => {
    const c = curve({ base: { trace: {} } }, 50, { binSeconds: 5, rates: new Float64Array([4, 4, 1]) });
    expect([c.rate(0), c.rate(9), c.rate(12), c.rate(16)]).toEqual([4, 4, 1, 4]);
    expect(c.breakpoints).toEqual(new Float64Array([10, 15, 25, 30, 40, 45]));
  });

  it('composes with spikes', () => {
    const c = curve({ base: { trace: {} }, spikes: [{ at: 12, factor: 2, duration: 3 }] }, 30, bins);
    expect([c.rate(11), c.rate(12), c.rate(14.5), c.rate(15)]).toEqual([2, 4, 4, 2]);
    expect(integrate(c, 0, 30)).toBeCloseTo(60 + 2 * 3, 10);
  });
});

describe('validation', () => {
  it('lists every problem with its path in the spec', () => {
    const spec = {
      base: { diurnal: { mean: -1, amplitude: 1.5, period: 0 } },
      steps: [{ at: 0, factor: 2 }, { at: Number.NaN, factor: -1 }],
      spikes: [{ at: 5, factor: 2, duration: -3, ramp: -1 }],
      bursts: { rate: -2, factor: { kind: 'fixed', value: 2 }, duration: { kind: 'fixed', value: 1 } },
    } as const satisfies LoadCurveSpec;
    expect(loadCurveIssues(spec, { horizon: 100 }).map((i) => i.path)).toEqual([
      ['base', 'diurnal', 'mean'], ['base', 'diurnal', 'amplitude'], ['base', 'diurnal', 'period'],
      ['steps', 1, 'at'], ['steps', 1, 'factor'], ['spikes', 0, 'duration'], ['spikes', 0, 'ramp'], ['bursts', 'rate'],
    ]);
    expect(() => loadCurve(spec, { horizon: 100, stream: stream() })).toThrow(/^invalid load curve: base\.diurnal\.mean: expected a mean rate \(requests per second\) >= 0, got -1; .*steps\[1\]\.factor: expected a factor >= 0, got -1/);
  });

  it('needs exactly one base, a positive horizon, and bins for a trace base', () => {
    expect(loadCurveIssues({ base: { constant: 1, diurnal: { mean: 1, amplitude: 0 } } as never }, { horizon: 1 })[0]!.message).toBe('expected exactly one of constant, diurnal, trace, got constant and diurnal');
    expect(loadCurveIssues({ base: { constant: 1 } }, { horizon: 0 })[0]).toEqual({ path: ['horizon'], message: 'expected a horizon > 0 seconds, got 0' });
    expect(loadCurveIssues({ base: { trace: {} } }, { horizon: 1 })[0]).toEqual({ path: ['base', 'trace'], message: 'a trace base needs the trace bins (opts.trace), got none' });
    expect(loadCurveIssues({ base: { trace: {} } }, { horizon: 1, trace: { binSeconds: 1, rates: new Float64Array([1, -1]) } })[0]!.message).toBe('expected trace rates >= 0, got -1 in bin 1');
  });

  it('integrate refuses intervals outside [0, horizon] and is signed', () => {
    const c = curve({ base: { constant: 2 } }, 100);
    expect(() => integrate(c, -1, 10)).toThrow(RangeError);
    expect(() => integrate(c, 0, 101)).toThrow(/horizon \(100\)/);
    expect(integrate(c, 30, 10)).toBeCloseTo(-40, 12);
  });
});

// ---- properties ------------------------------------------------------------------------------

const HORIZON = 20_000;
const time = fc.double({ min: 0, max: HORIZON, noNaN: true });
const nonNeg = (max: number) => fc.double({ min: 0, max, noNaN: true });
const specArb: fc.Arbitrary<{ spec: LoadCurveSpec; trace: RateBins }> = fc.record({
  base: fc.oneof(
    nonNeg(1000).map((constant) => ({ constant })),
    fc.record({ mean: nonNeg(1000), amplitude: nonNeg(1), period: fc.double({ min: 60, max: 2 * HORIZON, noNaN: true }), peakAt: fc.double({ min: -HORIZON, max: HORIZON, noNaN: true }) }).map((diurnal) => ({ diurnal })),
    fc.record({ timeScale: fc.double({ min: 0.5, max: 10, noNaN: true }), rateScale: nonNeg(10), loop: fc.boolean() }).map((trace) => ({ trace })),
  ),
  steps: fc.array(fc.record({ at: fc.double({ min: -1000, max: HORIZON, noNaN: true }), factor: nonNeg(5), ramp: nonNeg(2000) }), { maxLength: 3 }),
  spikes: fc.array(fc.record({ at: fc.double({ min: -1000, max: HORIZON, noNaN: true }), factor: nonNeg(10), duration: nonNeg(3000), ramp: nonNeg(500) }), { maxLength: 4 }),
  bursts: fc.option(fc.record({
    rate: nonNeg(0.01),
    factor: fc.constant({ kind: 'lognormal', mu: 0.5, sigma: 0.5 } as const),
    duration: fc.constant({ kind: 'exponential', mean: 100 } as const),
    ramp: nonNeg(50),
  }), { nil: undefined }),
  traceRates: fc.array(nonNeg(100), { minLength: 1, maxLength: 50 }),
  binSeconds: fc.double({ min: 5, max: 500, noNaN: true }),
}).map(({ traceRates, binSeconds, ...spec }) => ({ spec, trace: { binSeconds, rates: Float64Array.from(traceRates) } }));

const build = ({ spec, trace }: { spec: LoadCurveSpec; trace: RateBins }, seed = 1) => loadCurve(spec, { horizon: HORIZON, stream: new RandomStream(seed, 'bursts'), trace });

describe('properties', () => {
  it('rate is finite and >= 0 everywhere, before 0 and past the horizon too', () => {
    fc.assert(fc.property(specArb, fc.array(fc.double({ min: -HORIZON, max: 3 * HORIZON, noNaN: true }), { minLength: 1, maxLength: 50 }), (s, ts) => {
      const c = build(s);
      for (const t of ts) {
        const r = c.rate(t);
        expect(Number.isFinite(r) && r >= 0).toBe(true);
      }
    }), { numRuns: 300 });
  });

  it('integrate is additive: int[a,b] + int[b,c] = int[a,c] within 1e-6 relative', () => {
    fc.assert(fc.property(specArb, time, time, time, (s, x, y, z) => {
      const [a, b, c] = [x, y, z].sort((p, q) => p - q) as [number, number, number];
      const curveC = build(s);
      const whole = integrate(curveC, a, c);
      expect(whole).toBeGreaterThanOrEqual(0);
      expect(close(integrate(curveC, a, b) + integrate(curveC, b, c), whole, 1e-6)).toBe(true);
      // In any order, with the sign of the orientation.
      expect(close(integrate(curveC, c, b) + integrate(curveC, b, a), -whole, 1e-6)).toBe(true);
    }), { numRuns: 300 });
  });

  it('integrate of a constant is rate x (t1 - t0)', () => {
    fc.assert(fc.property(nonNeg(1e4), time, time, (r, x, y) => {
      const c = loadCurve({ base: { constant: r } }, { horizon: HORIZON, stream: stream() });
      expect(close(integrate(c, x, y), r * (y - x), 1e-12)).toBe(true);
    }));
  });

  it('without ramps the curve is constant between breakpoints, and integrate is the exact sum of rectangles', () => {
    const rampless = specArb.filter(({ spec }) => !('diurnal' in spec.base)).map(({ spec, trace }) => ({
      trace,
      spec: { ...spec, steps: spec.steps?.map((x) => ({ ...x, ramp: 0 })), spikes: spec.spikes?.map((x) => ({ ...x, ramp: 0 })), bursts: spec.bursts && { ...spec.bursts, ramp: 0 } },
    }));
    fc.assert(fc.property(rampless, (s) => {
      const c = build(s);
      const edges = [0, ...c.breakpoints!, HORIZON];
      let sum = 0;
      for (let i = 0; i + 1 < edges.length; i++) {
        const [a, b] = [edges[i]!, edges[i + 1]!];
        const r = c.rate((a + b) / 2);
        // Constant inside the piece, checked at its quarter points when they are inside (a piece
        // may be one denormal wide).
        const [qa, qb] = [a + (b - a) / 4, b - (b - a) / 4];
        if (a < qa && qb < b) expect(close(c.rate(qa), r, 1e-12) && close(c.rate(qb), r, 1e-12)).toBe(true);
        sum += r * (b - a);
      }
      expect(close(integrate(c, 0, HORIZON), sum, 1e-9)).toBe(true);
    }), { numRuns: 200 });
  });

  it('the same seed gives the same curve', () => {
    fc.assert(fc.property(specArb, fc.integer(), (s, seed) => {
      const a = build(s, seed);
      const b = build(s, seed);
      expect(b.events).toEqual(a.events);
      for (let t = 0; t <= HORIZON; t += 777) expect(b.rate(t)).toBe(a.rate(t));
    }), { numRuns: 100 });
  });
});

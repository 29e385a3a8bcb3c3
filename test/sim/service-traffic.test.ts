import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { ServiceLoad } from '../../src/api/workload.js';
import { ServiceTraffic } from '../../src/sim/service-traffic.js';
import { RandomStream } from '../../src/util/random.js';
import { loadCurve } from '../../src/workloads/load.js';

/*
 * ServiceTraffic's request accounting against the rule it states, written out plainly: between
 * two advances the ready replicas are fixed, the span is cut into ceil(span / step) equal
 * sub-steps, and each sub-step adds its midpoint rate times its length to the offered requests,
 * the part the capacity serves to the served ones, and its length to the time below the
 * objective when the served fraction falls short. The numbers must be the same to the last bit:
 * a change to how advance() adds (issue 23 tried sums kept in locals) must keep every result.
 */

const DAY = 86_400;

function reference(load: ServiceLoad, start: number, steps: readonly { readonly dt: number; readonly ready: number }[]) {
  const sums = { offered: 0, served: 0, belowSlo: 0 };
  let last = start;
  for (const { dt, ready } of steps) {
    const now = last + dt;
    if (now > last) {
      const n = Math.ceil((now - last) / load.step);
      const h = (now - last) / n;
      const capacity = ready * load.capacityPerReplica;
      for (let k = 0; k < n; k++) {
        const r = load.curve.rate(last + k * h + h / 2);
        const s = Math.min(r, capacity);
        sums.offered += r * h;
        sums.served += s * h;
        if (r > 0 && s < load.slo * r) sums.belowSlo += h;
      }
      last = now;
    }
  }
  return sums;
}

describe('ServiceTraffic', () => {
  const loadArb = fc.record({
    mean: fc.integer({ min: 0, max: 3000 }),
    amplitude: fc.double({ min: 0, max: 1, noNaN: true }),
    peakAt: fc.integer({ min: 0, max: DAY }),
    spikes: fc.array(fc.record({ at: fc.integer({ min: 0, max: DAY }), factor: fc.double({ min: 0, max: 4, noNaN: true }), duration: fc.integer({ min: 0, max: 3600 }), ramp: fc.integer({ min: 0, max: 300 }) }), { maxLength: 3 }),
    capacityPerReplica: fc.integer({ min: 1, max: 200 }),
    slo: fc.double({ min: 0.5, max: 1, noNaN: true }),
    step: fc.oneof(fc.constant(5), fc.integer({ min: 1, max: 60 }), fc.double({ min: 0.5, max: 30, noNaN: true })),
  });
  // Syncs every 15 s with now and then an advance in between (a ready count changing), some at
  // the same instant; the count of ready replicas changes between advances.
  const stepsArb = fc.array(fc.record({ dt: fc.oneof({ weight: 6, arbitrary: fc.constant(15) }, { weight: 1, arbitrary: fc.constant(0) }, { weight: 2, arbitrary: fc.double({ min: 0, max: 40, noNaN: true }) }), ready: fc.integer({ min: 0, max: 60 }) }), { minLength: 1, maxLength: 200 });

  it('advance sums the offered and served requests and the time below the objective as the midpoint rule does, bit for bit (issue 23)', () => {
    fc.assert(fc.property(loadArb, stepsArb, fc.integer({ min: 0, max: DAY }), (l, steps, start) => {
      const curve = loadCurve({ base: { diurnal: { mean: l.mean, amplitude: l.amplitude, peakAt: l.peakAt } }, spikes: l.spikes }, { horizon: 3 * DAY, stream: new RandomStream(1, 'load') });
      const load: ServiceLoad = { curve, capacityPerReplica: l.capacityPerReplica, utilizationAtCapacity: 0.8, maxUtilization: 1, memoryUtilization: 0.5, slo: l.slo, step: l.step };
      const traffic = new ServiceTraffic(load, start);
      let now = start;
      for (const st of steps) {
        now += st.dt;
        traffic.advance(now, st.ready);
      }
      const want = reference(load, start, steps);
      expect(traffic.offered).toBe(want.offered);
      expect(traffic.served).toBe(want.served);
      expect(traffic.belowSlo).toBe(want.belowSlo);
    }), { numRuns: 300 });
  });
});

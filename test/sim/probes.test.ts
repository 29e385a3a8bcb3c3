import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { PROBE_DEFAULTS, type ContainerProbes, type ProbeTiming } from '../../src/api/workload.js';
import { firstProbeAt, probeTimeline } from '../../src/sim/probes.js';

/**
 * The prober's timeline (src/sim/probes.ts) against pkg/kubelet/prober/worker.go: probes tick
 * every periodSeconds from the container start, ticks before initialDelaySeconds are skipped,
 * successThreshold / failureThreshold consecutive results change the state, readiness and
 * liveness wait for the startup probe.
 */

const probe = (o: Partial<ProbeTiming> = {}): ProbeTiming => ({ ...PROBE_DEFAULTS, ...o });
const readiness = (o: Partial<ProbeTiming> & { neverReadyFraction?: number } = {}) => ({ ...probe(o), neverReadyFraction: o.neverReadyFraction ?? 0 });

describe('probeTimeline', () => {
  // start, up (start + start-up delay), probes -> killed at, started at, ready at
  const cases: [string, number, number, ContainerProbes, number, number, number][] = [
    ['no probes: ready when the app is up (today\'s behaviour)', 0, 12, {}, NaN, 0, 12],
    // ticks 0 (skipped: < initialDelay 5), 10 (app not up: fails), 20 (success 1), 30 (success 2)
    ['readiness initialDelay 5, period 10, successThreshold 2', 0, 12, { readiness: readiness({ initialDelaySeconds: 5, successThreshold: 2 }) }, NaN, 0, 30],
    ['the same, started at 100', 100, 112, { readiness: readiness({ initialDelaySeconds: 5, successThreshold: 2 }) }, NaN, 100, 130],
    ['readiness defaults: the first tick after the app is up', 0, 12, { readiness: readiness() }, NaN, 0, 20],
    ['a tick at the moment the app comes up passes', 0, 20, { readiness: readiness() }, NaN, 0, 20],
    ['initialDelay 15 on a 10 s period: the first probe at 20', 0, 3, { readiness: readiness({ initialDelaySeconds: 15 }) }, NaN, 0, 20],
    ['an app up at once is ready at the first probe (tick 0)', 0, 0, { readiness: readiness() }, NaN, 0, 0],
    // ticks 0, 10, 20 fail (< 25): three failures, killed at 20
    ['startup probe budget 30 s, app up at 25: killed', 0, 25, { startup: probe() }, 20, NaN, Infinity],
    ['startup probe, app up at 20: started and ready at 20', 0, 20, { startup: probe() }, NaN, 20, 20],
    // startup every 5 s from 5 (30 tries): passes at 100; readiness ticks on its own 10 s grid: 100
    ['startup 5 s x 30 holds a 97 s start; readiness after it', 0, 97, { startup: probe({ initialDelaySeconds: 5, periodSeconds: 5, failureThreshold: 30 }), readiness: readiness() }, NaN, 100, 100],
    ['readiness waits for the startup probe', 0, 4, { startup: probe({ periodSeconds: 7 }), readiness: readiness({ periodSeconds: 3 }) }, NaN, 7, 9],
    // liveness ticks 0, 10, 20 fail: the app (up at 45) is killed at 20, over and over
    ['liveness too eager for a slow start: killed', 0, 45, { liveness: probe() }, 20, 0, Infinity],
    ['liveness with initialDelay 30: ticks 30, 40 fail, 50 passes', 0, 45, { liveness: probe({ initialDelaySeconds: 30 }) }, NaN, 0, 45],
    ['a startup probe shields the slow start from liveness', 0, 45, { startup: probe({ failureThreshold: 10 }), liveness: probe() }, NaN, 50, 50],
  ];
  it.each(cases)('%s', (_name, start, up, probes, killedAt, startedAt, readyAt) => {
    const t = probeTimeline(start, up, probes);
    expect(t.killedAt).toBe(killedAt);
    expect(t.startedAt).toBe(startedAt);
    expect(t.readyAt).toBe(readyAt);
    expect(t.killedBy).toBe(Number.isNaN(killedAt) ? '' : probes.startup && Number.isNaN(startedAt) ? 'startup' : 'liveness');
  });

  it('a never-ready container runs but is never Ready', () => {
    expect(probeTimeline(0, 5, { readiness: readiness({ neverReadyFraction: 0.5 }) }, true)).toEqual({ killedAt: NaN, killedBy: '', startedAt: 0, readyAt: Infinity });
  });

  const timing = fc.record({
    initialDelaySeconds: fc.integer({ min: 0, max: 120 }),
    periodSeconds: fc.integer({ min: 1, max: 60 }),
    timeoutSeconds: fc.constant(1),
    successThreshold: fc.integer({ min: 1, max: 5 }),
    failureThreshold: fc.integer({ min: 1, max: 10 }),
  });
  const single = timing.map((t) => ({ ...t, successThreshold: 1 }));
  const probesArb = fc.record({
    readiness: fc.option(timing.map((t) => ({ ...t, neverReadyFraction: 0 })), { nil: undefined }),
    startup: fc.option(single, { nil: undefined }),
    liveness: fc.option(single, { nil: undefined }),
  });

  it('property: Ready never before the app is up, nor before start + initialDelaySeconds; a kill comes before the app is up', () => {
    fc.assert(fc.property(fc.double({ min: 0, max: 1e5, noNaN: true }), fc.double({ min: 0, max: 600, noNaN: true }), probesArb, (start, warmup, probes) => {
      const up = start + warmup;
      const t = probeTimeline(start, up, probes);
      if (!Number.isNaN(t.killedAt)) {
        expect(t.killedAt).toBeLessThan(up);
        expect(t.readyAt).toBe(Infinity);
        return;
      }
      expect(t.readyAt).toBeGreaterThanOrEqual(up);
      expect(t.readyAt).toBeGreaterThanOrEqual(t.startedAt);
      for (const p of [probes.readiness, probes.startup]) if (p) expect(t.readyAt).toBeGreaterThanOrEqual(start + p.initialDelaySeconds);
      if (probes.readiness) {
        // On the readiness probe's grid, and at least successThreshold - 1 periods after the first success.
        const k = (t.readyAt - start) / probes.readiness.periodSeconds;
        expect(Math.abs(k - Math.round(k))).toBeLessThan(1e-6);
        expect(t.readyAt - (probes.readiness.successThreshold - 1) * probes.readiness.periodSeconds).toBeGreaterThanOrEqual(up - 1e-9);
      }
    }));
  });

  it('firstProbeAt: the first tick of the grid at or after both the initial delay and `from`', () => {
    expect(firstProbeAt(0, probe({ initialDelaySeconds: 0 }), 0)).toBe(0);
    expect(firstProbeAt(0, probe({ initialDelaySeconds: 1 }), 0)).toBe(10);
    expect(firstProbeAt(50, probe({ initialDelaySeconds: 0 }), 71)).toBe(80);
    expect(firstProbeAt(50, probe({ initialDelaySeconds: 45 }), 51)).toBe(100);
  });
});

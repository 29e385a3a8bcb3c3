import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { MetricSpec, ScaleTargetStatus } from '../../src/api/autoscaling.js';
import { horizontalPodAutoscaler, type HpaDecision } from '../../src/autoscalers/hpa.js';
import { hpaWindowDequeDefault, RecommendationHistory, StabilizationWindows } from '../../src/autoscalers/hpa-behavior.js';
import { hpaSpec } from '../../src/autoscalers/hpa-spec.js';
import { cpuAt, pod, podsMetric, target } from '../helpers/hpa-pods.js';

/*
 * Properties of the HPA object over random specs and sync sequences: counts in range,
 * determinism, and its shortcuts (in-place syncs, the stabilization deques) deciding exactly as
 * the plain forms do (issue 23).
 */

describe('properties', () => {
  const policy = fc.record({
    type: fc.constantFrom('Pods' as const, 'Percent' as const),
    value: fc.integer({ min: 1, max: 200 }),
    periodSeconds: fc.integer({ min: 1, max: 120 }),
  });
  const rules = fc.record({
    stabilizationWindowSeconds: fc.integer({ min: 0, max: 600 }),
    selectPolicy: fc.constantFrom('Max' as const, 'Min' as const, 'Disabled' as const),
    policies: fc.array(policy, { minLength: 1, maxLength: 3 }),
  });
  const metric: fc.Arbitrary<MetricSpec> = fc.oneof(
    fc.integer({ min: 10, max: 150 }).map(cpuAt),
    fc.integer({ min: 1, max: 50 }).map((v) => podsMetric('qps', v)),
    fc.integer({ min: 1, max: 500 }).map((v): MetricSpec => ({ type: 'External', name: 'queue', target: { type: 'Value', value: v } })),
    fc.integer({ min: 1, max: 100 }).map((v): MetricSpec => ({ type: 'External', name: 'queue', target: { type: 'AverageValue', averageValue: v } })),
  );
  const podDesc = fc.record({
    phase: fc.constantFrom('Running' as const, 'Running' as const, 'Running' as const, 'Pending' as const, 'Failed' as const),
    deleting: fc.boolean(),
    ready: fc.boolean(),
    age: fc.integer({ min: 0, max: 1000 }),
    cpu: fc.option(fc.integer({ min: 0, max: 3000 }), { nil: undefined }),
    qps: fc.option(fc.integer({ min: 0, max: 200 }), { nil: undefined }),
  });
  const step = fc.record({
    dt: fc.integer({ min: 1, max: 90 }),
    pods: fc.array(podDesc, { minLength: 40, maxLength: 40 }),
    queue: fc.option(fc.integer({ min: 0, max: 5000 }), { nil: undefined }),
  });
  const scenario = fc.record({
    min: fc.integer({ min: 1, max: 5 }),
    span: fc.integer({ min: 0, max: 30 }),
    start: fc.nat(),
    metrics: fc.array(metric, { minLength: 1, maxLength: 3 }),
    scaleUp: rules,
    scaleDown: rules,
    steps: fc.array(step, { minLength: 1, maxLength: 12 }),
  });
  type Scenario = typeof scenario extends fc.Arbitrary<infer T> ? T : never;

  /**
   * Drives one HPA, applying each decision; returns every decision. `inPlace`: through
   * syncInPlace, each reused decision copied out field by field (its reason and event are built
   * when read). `windowDeque`: the recommendations as StabilizationWindows, else as the history.
   */
  function run(s: Scenario, inPlace = false, windowDeque = true): HpaDecision[] {
    const spec = hpaSpec({ minReplicas: s.min, maxReplicas: s.min + s.span, metrics: s.metrics, behavior: { scaleUp: s.scaleUp, scaleDown: s.scaleDown } });
    const hpa = horizontalPodAutoscaler(spec, windowDeque);
    const sync = (t: ScaleTargetStatus, now: number): HpaDecision => {
      if (!inPlace) return hpa.sync(t, now);
      const d = hpa.syncInPlace(t, now);
      return { desiredReplicas: d.desiredReplicas, reason: d.reason, metricReplicas: d.metricReplicas, stabilizedReplicas: d.stabilizedReplicas, event: d.event };
    };
    let replicas = s.min + (s.start % (s.span + 1));
    let now = 0;
    const out: HpaDecision[] = [];
    for (const st of s.steps) {
      now += st.dt;
      const pods = st.pods.slice(0, replicas).map((p, i) => {
        const samples: Record<string, number> = {};
        if (p.cpu !== undefined) samples.cpu = p.cpu;
        if (p.qps !== undefined) samples.qps = p.qps;
        return pod(`p${i}`, { phase: p.phase, deleting: p.deleting, ready: p.ready, startTime: now - p.age, readyTransitionTime: now - p.age + 5, samples, sampleTime: now });
      });
      const d = sync(target(replicas, pods, st.queue === undefined ? {} : { queue: st.queue }), now);
      out.push(d);
      replicas = d.desiredReplicas;
    }
    return out;
  }

  it('desiredReplicas stays within [minReplicas, maxReplicas] and is an integer', () => {
    fc.assert(fc.property(scenario, (s) => {
      for (const d of run(s)) {
        expect(Number.isInteger(d.desiredReplicas)).toBe(true);
        expect(d.desiredReplicas).toBeGreaterThanOrEqual(s.min);
        expect(d.desiredReplicas).toBeLessThanOrEqual(s.min + s.span);
      }
    }), { numRuns: 200 });
  });

  it('the same input sequence gives the same decisions', () => {
    fc.assert(fc.property(scenario, (s) => {
      expect(run(s)).toEqual(run(s));
    }), { numRuns: 100 });
  });

  it('syncInPlace decides as sync does: same counts, reasons and events (issue 23)', () => {
    let changed = 0;
    fc.assert(fc.property(scenario, (s) => {
      const plain = run(s);
      expect(run(s, true)).toEqual(plain);
      changed += plain.filter((d) => d.event !== undefined).length;
    }), { numRuns: 200 });
    // Not vacuous: some syncs changed the count (and so built an event and a reason).
    expect(changed).toBeGreaterThan(0);
  });

  it('StabilizationWindows stabilizes as the recommendation history does (ORCHSIM_NO_HPA_WINDOW_DEQUE; issue 23)', () => {
    let stabilized = 0;
    fc.assert(fc.property(scenario, (s) => {
      const walk = run(s, false, false);
      expect(run(s, false, true)).toEqual(walk);
      stabilized += walk.filter((d) => d.stabilizedReplicas !== d.metricReplicas).length;
    }), { numRuns: 200 });
    // Not vacuous: the windows held some proposals back.
    expect(stabilized).toBeGreaterThan(0);
  });

  it('StabilizationWindows against the history over long monotonic runs (a deque holds more than its first 64 entries, grows and compacts)', () => {
    fc.assert(fc.property(fc.integer({ min: 40, max: 200 }), fc.integer({ min: 100, max: 600 }), fc.integer({ min: 0, max: 3 }), (window, n, sway) => {
      const walk = new RecommendationHistory();
      const deque = new StabilizationWindows(window, window);
      let now = 0;
      walk.push(0, now);
      deque.push(0, now);
      // Rising, then falling, one second apart: one deque or the other holds the whole window,
      // and its head (the window's oldest, so its extreme) changes at every step. A current of 0
      // reads the scale-up window's minimum, a large one the scale-down window's maximum.
      for (let i = 0; i < 2 * n; i++) {
        now += 1;
        const desired = (i < n ? i : 2 * n - i) + (i % (sway + 1));
        const args = { currentReplicas: i % 2 === 0 ? 0 : 1_000_000, desiredReplicas: desired, scaleUpWindowSeconds: window, scaleDownWindowSeconds: window, now };
        expect(deque.stabilize(args)).toBe(walk.stabilize(args));
      }
    }), { numRuns: 30 });
  });

  it('StabilizationWindows against the history, step by step: random recommendations, windows and time steps (some zero)', () => {
    const stepArb = fc.record({ dt: fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 120 }), fc.double({ min: 0, max: 50, noNaN: true })), desired: fc.integer({ min: 0, max: 40 }), current: fc.integer({ min: 0, max: 40 }) });
    fc.assert(fc.property(fc.integer({ min: 0, max: 400 }), fc.integer({ min: 0, max: 400 }), fc.integer({ min: 0, max: 40 }), fc.array(stepArb, { minLength: 1, maxLength: 80 }), (upWindow, downWindow, initial, steps) => {
      const walk = new RecommendationHistory();
      const deque = new StabilizationWindows(upWindow, downWindow);
      let now = 1000;
      walk.push(initial, now);
      deque.push(initial, now);
      for (const st of steps) {
        now += st.dt;
        const args = { currentReplicas: st.current, desiredReplicas: st.desired, scaleUpWindowSeconds: upWindow, scaleDownWindowSeconds: downWindow, now };
        expect(deque.stabilize(args)).toBe(walk.stabilize(args));
      }
    }), { numRuns: 500 });
  });

  it('stabilizedFor and record make stabilizeWith, and a peek alone changes nothing, in both forms (issue 23)', () => {
    // Steps that stabilize a proposal (read and compared), peek at it and record it (a sync
    // through syncIfSteady whose windows hold it back), only peek (a sync syncIfSteady declines),
    // or only record a steady one (the current count); the references stabilize at every step but
    // the peeks and must end in the same state: every later stabilization agrees.
    const stepArb = fc.record({
      dt: fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 120 })), desired: fc.integer({ min: 0, max: 40 }), current: fc.integer({ min: 0, max: 40 }),
      how: fc.constantFrom('stabilize' as const, 'peek and record' as const, 'peek' as const, 'steady' as const),
    });
    fc.assert(fc.property(fc.integer({ min: 0, max: 400 }), fc.integer({ min: 0, max: 400 }), fc.integer({ min: 0, max: 40 }), fc.array(stepArb, { minLength: 1, maxLength: 120 }), (upWindow, downWindow, initial, steps) => {
      const forms = [new RecommendationHistory(), new StabilizationWindows(upWindow, downWindow)];
      const references = [new RecommendationHistory(), new StabilizationWindows(upWindow, downWindow)];
      let now = 1000;
      for (const h of [...forms, ...references]) h.push(initial, now);
      for (const st of steps) {
        now += st.dt;
        for (let k = 0; k < forms.length; k++) {
          const form = forms[k]!;
          const reference = references[k]!;
          if (st.how === 'steady') {
            // A steady sync's recommendation is the current count, which stabilizes to itself.
            expect(reference.stabilizeWith(st.current, st.current, upWindow, downWindow, now)).toBe(st.current);
            form.record(st.current, upWindow, downWindow, now);
          } else if (st.how === 'stabilize') {
            expect(form.stabilizeWith(st.current, st.desired, upWindow, downWindow, now)).toBe(reference.stabilizeWith(st.current, st.desired, upWindow, downWindow, now));
          } else {
            const peeked = form.stabilizedFor(st.current, st.desired, upWindow, downWindow, now);
            if (st.how === 'peek and record') {
              expect(peeked).toBe(reference.stabilizeWith(st.current, st.desired, upWindow, downWindow, now));
              form.record(st.desired, upWindow, downWindow, now);
            }
          }
          expect(form.length).toBe(reference.length);
        }
      }
    }), { numRuns: 500 });
  });

  /*
   * syncIfSteady (issue 23): the HPA controller's shortcut for a sync whose pods are all counted.
   * Driven here as the controller drives it - through syncIfSteady when every pod is Running,
   * Ready, past the cpu initialization period and sampled, the plain sync otherwise or when it
   * declines - it must decide as the plain syncs do, and leave the same state behind (the later
   * syncs' decisions). The pods are mostly steady, so that most syncs take the shortcut.
   */
  const steadyPod = fc.oneof(
    { weight: 80, arbitrary: fc.record({ phase: fc.constant('Running' as const), deleting: fc.constant(false), ready: fc.constant(true), age: fc.integer({ min: 300, max: 1000 }), cpu: fc.integer({ min: 0, max: 3000 }), qps: fc.constant(undefined) }) },
    { weight: 1, arbitrary: podDesc },
  );
  const steadyScenario = fc.record({
    min: fc.integer({ min: 1, max: 5 }),
    span: fc.integer({ min: 0, max: 30 }),
    start: fc.nat(),
    metrics: fc.oneof({ weight: 6, arbitrary: fc.integer({ min: 10, max: 150 }).map((v) => [cpuAt(v)]) }, { weight: 1, arbitrary: fc.array(metric, { minLength: 1, maxLength: 2 }) }),
    scaleUp: rules,
    scaleDown: rules,
    // The load's level against the target, per sync: mostly on it, now and then far off (counts move).
    steps: fc.array(fc.record({ dt: fc.integer({ min: 1, max: 90 }), level: fc.constantFrom(1, 1, 1, 1, 0.4, 0.7, 1.5, 2.5), pods: fc.array(steadyPod, { minLength: 40, maxLength: 40 }) }), { minLength: 1, maxLength: 30 }),
  });
  type SteadyScenario = typeof steadyScenario extends fc.Arbitrary<infer T> ? T : never;

  /** The desired counts of `s`'s syncs, through syncIfSteady where the controller would try it; and how many it took. */
  function runSteady(s: SteadyScenario, steady: boolean): { counts: number[]; taken: number } {
    const spec = hpaSpec({ minReplicas: s.min, maxReplicas: s.min + s.span, metrics: s.metrics, behavior: { scaleUp: s.scaleUp, scaleDown: s.scaleDown } });
    const hpa = horizontalPodAutoscaler(spec);
    let replicas = s.min + (s.start % (s.span + 1));
    let now = 0;
    let taken = 0;
    const counts: number[] = [];
    // Samples near the target (within +-20 % of it), so that many proposals are the current count.
    const first = s.metrics[0]!;
    const aim = first.type === 'Resource' && first.target.type === 'Utilization' ? first.target.averageUtilization * 10 : 0;
    const near = (cpu: number | undefined, level: number) => cpu === undefined || aim === 0 ? cpu : Math.round(level * aim * (0.8 + (0.4 * cpu) / 3000));
    for (const st of s.steps) {
      now += st.dt;
      const used = st.pods.slice(0, replicas).map((p) => ({ ...p, cpu: near(p.cpu, st.level) }));
      if (steady && hpa.steadyMetric !== undefined && used.every((p) => p.phase === 'Running' && !p.deleting && p.ready && p.age >= 300 && p.cpu !== undefined)) {
        // The tally's sums: each pod requests 1000 milli-CPU (the helper's default).
        const usage = used.reduce((a, p) => a + p.cpu!, 0);
        if (hpa.syncIfSteady(replicas, used.length, usage, 1000 * used.length, now)) {
          taken++;
          counts.push(replicas);
          continue;
        }
      }
      const pods = used.map((p, i) => pod(`p${i}`, {
        phase: p.phase, deleting: p.deleting, ready: p.ready, startTime: now - p.age, readyTransitionTime: now - p.age + 5,
        samples: p.cpu === undefined ? {} : { cpu: p.cpu }, sampleTime: now,
      }));
      replicas = hpa.sync(target(replicas, pods), now).desiredReplicas;
      counts.push(replicas);
    }
    return { counts, taken };
  }

  it('syncIfSteady decides as sync does and leaves the same state (ORCHSIM_NO_HPA_STEADY_SYNC; issue 23)', () => {
    let taken = 0;
    let moved = 0;
    fc.assert(fc.property(steadyScenario, (s) => {
      const plain = runSteady(s, false);
      const steady = runSteady(s, true);
      expect(steady.counts).toEqual(plain.counts);
      taken += steady.taken;
      moved += plain.counts.filter((c, i) => i > 0 && c !== plain.counts[i - 1]).length;
    }), { numRuns: 300 });
    // Not vacuous: the shortcut took syncs, and counts changed around them.
    expect(taken).toBeGreaterThan(300);
    expect(moved).toBeGreaterThan(30);
  });

  it('hpaWindowDequeDefault reads ORCHSIM_NO_HPA_WINDOW_DEQUE=1 as off, unset, empty or 0 as on', () => {
    expect(hpaWindowDequeDefault({})).toBe(true);
    expect(hpaWindowDequeDefault({ ORCHSIM_NO_HPA_WINDOW_DEQUE: '1' })).toBe(false);
    expect(hpaWindowDequeDefault({ ORCHSIM_NO_HPA_WINDOW_DEQUE: '0' })).toBe(true);
    expect(hpaWindowDequeDefault({ ORCHSIM_NO_HPA_WINDOW_DEQUE: '' })).toBe(true);
  });
});

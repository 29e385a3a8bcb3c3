import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { PodPhase } from '../../src/api/pod.js';
import { resources } from '../../src/api/resources.js';
import type { ResolvedScenario } from '../../src/scenario/resolve.js';
import { runScenario } from '../../src/scenario/runner.js';
import { BUILTIN_PROFILES } from '../../src/schedulers/builtins.js';
import { POD_MAX_BACKOFF_SECONDS, POD_MAX_IN_UNSCHEDULABLE_SECONDS, UNSCHEDULABLE_FLUSH_PERIOD_SECONDS } from '../../src/sim/scheduling-queue.js';
import { TIMESERIES_COLUMNS } from '../../src/sim/simulation.js';
import { fixedIntervalArrivals } from '../../src/workloads/arrivals.js';
import { sizedPodSpecs } from '../../src/workloads/batch.js';
import { buildScenario, PROFILE_NAMES, scenarioDescArb, type ScenarioDesc } from '../../src/testing/scenarios.js';
import { Gi, makeSpec } from '../helpers/cluster.js';
import {
  accountingViolations, expectDeterministic, filterChecker, hardConstraintChecker, nodeStateViolations, overcommitChecker, profileFilters, sameInputSameOutput,
  simulate, utilizationRecorder,
} from '../helpers/invariants.js';

/**
 * Whole-run properties over random clusters, workloads, profiles, queues and seeds. Runs are
 * kept small (<= 40 nodes, <= 5 workloads, bounded pod counts) so the file stays fast.
 */

const scenarios = scenarioDescArb();

/** ORCHSIM_PROPERTY_SCALE=20 multiplies every numRuns, for a longer hunt than CI affords. */
const SCALE = Number(process.env.ORCHSIM_PROPERTY_SCALE ?? '1');
const runs = (n: number) => ({ numRuns: Math.max(1, Math.round(n * SCALE)) });

/** Longest time an unschedulable pod waits for a retry without any cluster event. */
const MAX_RETRY_GAP = POD_MAX_IN_UNSCHEDULABLE_SECONDS + UNSCHEDULABLE_FLUSH_PERIOD_SECONDS;

describe('simulation invariants (property-based)', () => {
  it('never over-commits a node on cpu, memory, gpu or pod count', () => {
    fc.assert(
      fc.property(scenarios, (d) => {
        const check = overcommitChecker();
        const { sim } = simulate(buildScenario(d), { onBind: check.onBind });
        expect(check.violations).toEqual([]);
        expect(nodeStateViolations(sim.cluster)).toEqual([]);
      }),
      runs(50),
    );
  });

  it("binds a pod only to a node that passes every Filter of the run's profile", () => {
    fc.assert(
      fc.property(scenarios, (d) => {
        const s = buildScenario(d);
        const check = filterChecker(s.profile);
        const { result } = simulate(s, { onBind: check.onBind });
        expect(check.violations).toEqual([]);
        expect(check.checked()).toBe(result.pods.scheduled);
      }),
      runs(50),
    );
  });

  it('binds a pod only where an independent oracle of the hard constraints allows it', () => {
    // Node selector, cordons, NoSchedule taints, required anti-affinity and DoNotSchedule spread,
    // checked by code written from the Kubernetes docs rather than by the plugins themselves.
    fc.assert(
      fc.property(scenarios, (d) => {
        const check = hardConstraintChecker();
        simulate(buildScenario(d), { onBind: check.onBind });
        expect(check.violations).toEqual([]);
      }),
      runs(50),
    );
  });

  it('accounts for every submitted pod in exactly one phase', () => {
    fc.assert(
      fc.property(scenarios, (d) => {
        const s = buildScenario(d);
        const { sim, result } = simulate(s);
        expect(accountingViolations(sim, result, s.workloads)).toEqual([]);
        // With the Kubernetes queue every pending pod has been tried at least once (a pod's
        // first attempt is at its arrival time, and events at the horizon still run).
        if (d.queue === 'kubernetes') expect(result.pods.unschedulable).toBe(result.pods.pending);
      }),
      runs(50),
    );
  });

  it('keeps utilization in [0, 1] and pending-time quantiles ordered and non-negative', () => {
    fc.assert(
      fc.property(scenarios, (d) => {
        const util = utilizationRecorder();
        const { sim, result } = simulate(buildScenario(d), { onBind: util.onBind, beforeRun: util.beforeRun });
        // The result clamps its ratios to [0, 1]; compare them with an unclamped measurement
        // made independently from bind and unbind times, which must itself lie in [0, 1].
        const measured = util.utilization(sim, d.horizon);
        for (const k of ['cpu', 'memory', 'gpu'] as const) {
          expect(measured[k], k).toBeGreaterThanOrEqual(0);
          expect(measured[k], k).toBeLessThanOrEqual(1);
          expect(result.utilization[k], k).toBeCloseTo(measured[k], 9);
        }
        // The time series is not clamped either: check every sample.
        const col = (name: (typeof TIMESERIES_COLUMNS)[number]) => TIMESERIES_COLUMNS.indexOf(name);
        let previous: readonly number[] | undefined;
        for (const row of result.timeseries) {
          const at = `t=${row[col('time')]}`;
          for (const c of ['cpu', 'memory', 'gpu'] as const) {
            expect(row[col(c)], `${c} at ${at}`).toBeGreaterThanOrEqual(0);
            expect(row[col(c)], `${c} at ${at}`).toBeLessThanOrEqual(1);
          }
          for (const c of ['pending', 'running', 'completed'] as const) expect(row[col(c)], `${c} at ${at}`).toBeGreaterThanOrEqual(0);
          if (previous) {
            expect(row[col('time')]! - previous[col('time')]!).toBe(d.sampleInterval);
            expect(row[col('completed')]!).toBeGreaterThanOrEqual(previous[col('completed')]!);
          }
          previous = row;
        }
        const p = result.pendingSeconds;
        expect(p.count).toBe(result.pods.scheduled);
        for (const v of [p.mean, p.p50, p.p95, p.p99, p.max]) expect(v).toBeGreaterThanOrEqual(0);
        expect(p.p50).toBeLessThanOrEqual(p.p95);
        expect(p.p95).toBeLessThanOrEqual(p.p99);
        expect(p.p99).toBeLessThanOrEqual(p.max);
        expect(p.mean).toBeLessThanOrEqual(p.max);
      }),
      runs(50),
    );
  });

  it('leaves no pod pending that could have been placed (work conservation)', () => {
    fc.assert(
      fc.property(scenarios, (d) => {
        const s = buildScenario(d);
        const lastAttempt = new Map<number, number>();
        let lastUnbind = -Infinity;
        let now = () => 0;
        const { sim } = simulate(s, {
          wrapScheduler: (inner) => ({
            name: inner.name,
            schedule: (pod, snapshot, random) => {
              lastAttempt.set(pod.id, now());
              return inner.schedule(pod, snapshot, random);
            },
          }),
          beforeRun: (sim) => {
            now = () => sim.engine.now;
            // Instrumentation only: remember when room was last made on a node.
            const unbind = sim.cluster.unbind.bind(sim.cluster);
            sim.cluster.unbind = (pod, node) => {
              lastUnbind = sim.engine.now;
              unbind(pod, node);
            };
          },
        });
        const rejections = profileFilters(s.profile);
        const problems: string[] = [];
        for (let id = 0; id < sim.pods.length; id++) {
          if (sim.pods.phase[id] !== PodPhase.Pending) continue;
          const pod = sim.pods.infos[id]!;
          const tried = lastAttempt.get(id);
          // Unschedulable pods are retried at least every 5 min (flushed on a 30 s tick).
          if (d.queue === 'kubernetes' && !(tried !== undefined && tried >= d.horizon - MAX_RETRY_GAP)) {
            problems.push(`${pod.name} pending, last tried at ${tried}, horizon ${d.horizon}`);
          }
          // Binds only take room away, except for DoNotSchedule spread (a bind elsewhere can
          // raise the global minimum): for other pods, a node that fits now has fitted since
          // the last pod left, and a pod is retried within one backoff of that.
          const spreadHard = (pod.spec.topologySpreadConstraints ?? []).some((c) => c.whenUnsatisfiable === 'DoNotSchedule');
          if (!spreadHard && lastUnbind < d.horizon - POD_MAX_BACKOFF_SECONDS) {
            const fits = sim.cluster.nodes.filter((n) => rejections(pod, n, sim.cluster).length === 0).map((n) => n.name);
            if (fits.length > 0) problems.push(`${pod.name} (created t=${sim.pods.createdAt[id]}, last tried ${tried}) pending but fits on ${fits.join(', ')}; last pod left at ${lastUnbind}`);
          }
          // FIFO: only the head of the queue is ever tried; the pods behind it wait by design.
          if (d.queue === 'fifo') break;
        }
        expect(problems).toEqual([]);
      }),
      runs(50),
    );
  });

  it('gives byte-identical result JSON for the same scenario and seed', () => {
    // Result and time series (the whole RunOutput), built afresh for each run...
    fc.assert(sameInputSameOutput(scenarios, (d) => runScenario(buildScenario(d))), runs(30));
    // ...and the same resolved scenario object run again, as compare and sweep reuse it.
    fc.assert(
      fc.property(scenarios, (d) => {
        const s = buildScenario(d);
        expectDeterministic(() => runScenario(s), 3);
      }),
      runs(20),
    );
  });

  it('does not change the arrival stream when the profile changes (common random numbers)', () => {
    const twoProfiles = fc.uniqueArray(fc.constantFrom(...PROFILE_NAMES), { minLength: 2, maxLength: 2 });
    fc.assert(
      fc.property(scenarios, twoProfiles, (d, [a, b]) => {
        expect(arrivalStream({ ...d, profile: a! })).toEqual(arrivalStream({ ...d, profile: b! }));
      }),
      runs(30),
    );
  });
});

/**
 * Batch and service pods in creation order: name, creation time, drawn run time and requests.
 * Job pods are left out: a Job creates its next pod when one completes, which depends on scheduling;
 * so are a service's replacement pods (a replica preempted is replaced then).
 */
function arrivalStream(d: ScenarioDesc): string[] {
  const s = buildScenario(d);
  const { sim } = simulate(s);
  const out: string[] = [];
  const pods = sim.pods;
  for (let id = 0; id < pods.length; id++) {
    const w = s.workloads[pods.workload[id]!]!;
    if (w.kind === 'job') continue;
    // A service's replacements too: a replica preempted or failed is replaced when that happens.
    if (w.kind === 'service' && pods.createdAt[id] !== w.startAt) continue;
    const r = pods.infos[id]!.spec.requests;
    out.push(`${pods.infos[id]!.name} t=${pods.createdAt[id]} d=${pods.duration[id]} cpu=${r.milliCPU} mem=${r.memory} gpu=${r.milliGPU}`);
  }
  return out;
}

describe('a pod bigger than any node', () => {
  const nodes = [0, 1, 2].map((i) => ({
    name: `n${i}`,
    labels: { 'kubernetes.io/hostname': `n${i}`, 'topology.kubernetes.io/zone': `z${i % 2}` },
    taints: [],
    unschedulable: false,
    allocatable: resources({ milliCPU: 8000, memory: 32 * Gi, milliGPU: 1000 }),
  }));
  const huge = {
    cpu: makeSpec({ cpu: 1_000_000, memory: 1 * Gi }),
    memory: makeSpec({ cpu: 100, memory: 1024 * Gi }),
    gpu: makeSpec({ cpu: 100, memory: 1 * Gi, gpu: 2 }),
  };
  const cases = BUILTIN_PROFILES.flatMap((p) => (['kubernetes', 'fifo'] as const).flatMap((q) => (['cpu', 'memory', 'gpu'] as const).map((r) => [p.name, q, r] as const)));

  it.each(cases)('%s profile, %s queue, too much %s: stays pending, counted unschedulable, run ends', (profileName, queue, resource) => {
    const small = sizedPodSpecs(makeSpec({ cpu: 500, memory: 1 * Gi }), {});
    const s: ResolvedScenario = {
      name: 'huge-pod',
      file: '<test>',
      seed: 7,
      horizon: 24 * 3600,
      sampleInterval: 600,
      nodes,
      workloads: [
        { kind: 'pods', name: 'huge', pods: [{ at: 100, name: 'huge-0', spec: huge[resource], duration: 60 }], startup: { kind: 'fixed', value: 0 } },
        { kind: 'batch', name: 'small', arrivals: fixedIntervalArrivals(60, 0, 3600), pods: small, duration: { kind: 'fixed', value: 30 }, startup: { kind: 'fixed', value: 0 }, maxPods: 50 },
      ],
      profile: BUILTIN_PROFILES.find((p) => p.name === profileName)!,
      queue,
    };
    const check = overcommitChecker();
    const { sim, result } = simulate(s, { onBind: check.onBind });
    expect(check.violations).toEqual([]);
    const id = sim.pods.infos.findIndex((p) => p?.name === 'huge-0');
    expect(id).toBeGreaterThanOrEqual(0);
    expect(sim.pods.phase[id]).toBe(PodPhase.Pending);
    expect(sim.queue.attempts(id)).toBeGreaterThan(0);
    expect(result.pods.unschedulable).toBeGreaterThanOrEqual(1);
    expect(result.pods.pending).toBeGreaterThanOrEqual(1);
    expect(accountingViolations(sim, result, s.workloads)).toEqual([]);
    if (queue === 'kubernetes') {
      // The big pod does not hold up the others: every small pod ran to completion.
      expect(result.pods.unschedulable).toBe(1);
      expect(result.pods.pending).toBe(1);
      expect(result.pods.completed).toBe(50);
    }
    // Retries are bounded by backoff and the 30 s flush: far fewer events than seconds simulated.
    expect(result.events).toBeLessThan(10_000);
  });
});

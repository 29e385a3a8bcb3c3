import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { PodPhase } from '../../src/api/pod.js';
import { resources } from '../../src/api/resources.js';
import type { ResolvedScenario } from '../../src/scenario/resolve.js';
import { createSimulation, runScenario } from '../../src/scenario/runner.js';
import { BUILTIN_PROFILES } from '../../src/schedulers/builtins.js';
import type { FailureConfig, FailureDomain } from '../../src/sim/failures.js';
import { TAINT_UNREACHABLE_NO_SCHEDULE } from '../../src/sim/failures.js';
import { fixedIntervalArrivals, poissonArrivals } from '../../src/workloads/arrivals.js';
import { sizedPodSpecs } from '../../src/workloads/batch.js';
import { Gi, makeSpec } from '../helpers/cluster.js';

/** ORCHSIM_PROPERTY_SCALE=20 multiplies every numRuns, for a longer hunt than CI affords. */
const SCALE = Number(process.env.ORCHSIM_PROPERTY_SCALE ?? '1');
/** Lets the test runner's messages through between runs (a long synchronous hunt starves them). */
const yieldToRunner = () => new Promise<void>((resolve) => setImmediate(resolve));

/** Random clusters in 1-3 zones with services, a batch stream and a job, under random failures. */
const scenarioArb = fc.record({
  nodes: fc.integer({ min: 2, max: 12 }),
  zones: fc.integer({ min: 1, max: 3 }),
  replicas: fc.integer({ min: 1, max: 6 }),
  batchRate: fc.double({ min: 1 / 600, max: 1 / 30, noNaN: true }),
  mtbfHours: fc.double({ min: 0.5, max: 48, noNaN: true }),
  repairMinutes: fc.double({ min: 0.2, max: 120, noNaN: true }),
  domain: fc.constantFrom('node', 'zone') as fc.Arbitrary<'node' | 'zone'>,
  weibull: fc.boolean(),
  fraction: fc.constantFrom(1, 0.5),
  outageAt: fc.option(fc.double({ min: 0, max: 40_000, noNaN: true }), { nil: undefined }),
  grace: fc.constantFrom(40, 50),
  profile: fc.constantFrom('default', 'binpack', 'random'),
  queue: fc.constantFrom('kubernetes', 'fifo') as fc.Arbitrary<'kubernetes' | 'fifo'>,
  seed: fc.integer({ min: 0, max: 1000 }),
});

type ScenarioArgs = typeof scenarioArb extends fc.Arbitrary<infer T> ? T : never;

function build(a: ScenarioArgs, withFailures = true): ResolvedScenario {
  const zones = Array.from({ length: a.zones }, (_, i) => `z${i}`);
  const nodes = Array.from({ length: a.nodes }, (_, i) => ({
    name: `n${i}`,
    labels: { 'kubernetes.io/hostname': `n${i}`, 'topology.kubernetes.io/zone': zones[i % zones.length]! },
    taints: [],
    unschedulable: false,
    allocatable: resources({ milliCPU: 8000, memory: 32 * Gi }),
  }));
  const domain = (kind: 'node' | 'zone'): FailureDomain[] =>
    kind === 'node' ? nodes.map((n, i) => ({ kind, name: n.name, nodes: [i] })) : zones.map((z) => ({ kind, name: z, nodes: nodes.flatMap((n, i) => (n.labels['topology.kubernetes.io/zone'] === z ? [i] : [])) }));
  const failures: FailureConfig = {
    nodeMonitorGracePeriod: a.grace,
    defaultTolerationSeconds: 300,
    processes: withFailures ? [{
      name: 'p',
      domains: domain(a.domain),
      timeBetweenFailures: a.weibull ? { kind: 'weibull', shape: 0.7, scale: a.mtbfHours * 3600 } : { kind: 'exponential', mean: a.mtbfHours * 3600 },
      repairTime: { kind: 'lognormal', mu: Math.log(a.repairMinutes * 60), sigma: 0.8 },
      fraction: a.fraction,
    }] : [],
    outages: withFailures && a.outageAt !== undefined ? [{ name: 'o', domain: domain('zone')[0]!, at: a.outageAt, duration: 3600 }] : [],
  };
  const svc = makeSpec({ cpu: 1000, memory: Gi, labels: { app: 'web' }, ownerSelector: { matchLabels: { app: 'web' } } });
  return {
    name: 'prop',
    file: '<test>',
    seed: a.seed,
    horizon: 86_400,
    sampleInterval: 3600,
    nodes,
    workloads: [
      { kind: 'service', name: 'web', spec: svc, replicas: a.replicas, startAt: 0, startup: { kind: 'fixed', value: 5 }, minAvailable: 1 },
      { kind: 'batch', name: 'etl', arrivals: poissonArrivals(a.batchRate, 0, 86_400), pods: sizedPodSpecs(makeSpec({ cpu: 500, memory: Gi }), { milliCPU: { kind: 'choice', values: [500, 1000, 2000] } }), duration: { kind: 'exponential', mean: 1800 }, startup: { kind: 'fixed', value: 0 }, maxPods: Infinity },
      { kind: 'job', name: 'train', spec: makeSpec({ cpu: 2000, memory: Gi }), completions: 5, parallelism: 2, startAt: 600, duration: { kind: 'exponential', mean: 3600 }, startup: { kind: 'fixed', value: 30 }, backoffLimit: 3 },
      { kind: 'batch', name: 'tick', arrivals: fixedIntervalArrivals(900, 0, 86_400), pods: sizedPodSpecs(makeSpec({ cpu: 100 }), {}), duration: { kind: 'fixed', value: 60 }, startup: { kind: 'fixed', value: 0 }, maxPods: Infinity },
    ],
    profile: BUILTIN_PROFILES.find((p) => p.name === a.profile)!,
    queue: a.queue,
    failures,
  };
}

describe('failure invariants (properties)', () => {
  it('regression: a Job failing while its node comes back does not remove its other pods twice (found by the property below)', () => {
    const a: ScenarioArgs = { nodes: 2, zones: 1, replicas: 1, batchRate: 0.004934056331711932, mtbfHours: 0.533776955736761, repairMinutes: 11.136330783996417, domain: 'node', weibull: false, fraction: 0.5, outageAt: undefined, grace: 50, profile: 'binpack', queue: 'kubernetes', seed: 46 };
    const r = createSimulation(build(a)).run();
    const p = r.pods;
    expect(p.submitted).toBe(p.pending + p.bound + p.running + p.completed + p.failed + p.deleted);
  });

  it('regression: a failure domain without nodes fails nothing (found by the property below)', () => {
    const a: ScenarioArgs = { nodes: 2, zones: 3, replicas: 1, batchRate: 1 / 600, mtbfHours: 0.5, repairMinutes: 0.2, domain: 'zone', weibull: false, fraction: 0.5, outageAt: undefined, grace: 40, profile: 'default', queue: 'kubernetes', seed: 0 };
    const r = createSimulation(build(a)).run();
    expect(r.incidentList.every((i) => i.domain !== 'z2')).toBe(true);
    expect(r.incidentList.length).toBeGreaterThan(0);
  });

  it('the scheduler never binds to a NotReady node; incidents are recovered or open; metrics in bounds; pods accounted for', async () => {
    await fc.assert(fc.asyncProperty(scenarioArb, async (a) => {
      await yieldToRunner();
      const s = build(a);
      const sim = createSimulation({ ...s, sampleInterval: 300 }, {
        onBind: (_pod, node, cluster) => {
          // The unreachable taint marks a node known to be down; no built-in profile tolerates it.
          expect(cluster.nodes[node]!.taints).not.toContain(TAINT_UNREACHABLE_NO_SCHEDULE);
        },
        // No pod serves from a down node, at any sample: a service's ready replicas are exactly
        // its running pods on nodes that are up.
        onSample: (sim) => {
          let serving = 0;
          for (let id = 0; id < sim.pods.length; id++) {
            if (sim.pods.infos[id]!.name.startsWith('web-') && sim.pods.phase[id] === PodPhase.Running && sim.isNodeUp(sim.pods.node[id]!)) serving++;
          }
          expect(sim.readyReplicas('web')).toBe(serving);
        },
      });
      const r = sim.run();
      for (const i of r.incidentList) {
        expect(i.onset).toBeLessThanOrEqual(s.horizon);
        // onset + grace - onset is the grace period up to floating-point rounding.
        if (Number.isFinite(i.detected)) expect(i.detected - i.onset).toBeCloseTo(a.grace, 6);
        if (Number.isFinite(i.recovered)) {
          expect(i.recovered).toBeGreaterThanOrEqual(i.onset);
          expect(i.outstanding).toBe(0);
        } else if (i.affectedReplicas > 0) {
          expect(i.outstanding).toBeGreaterThan(0); // open: reported, not pretended recovered
        }
      }
      const open = r.incidentList.filter((i) => i.affectedReplicas > 0 && !Number.isFinite(i.recovered)).length;
      expect(r.incidents.open).toBe(open);
      for (const av of r.availability) {
        for (const v of [av.availability, av.availabilityMin]) {
          expect(v).toBeGreaterThanOrEqual(0);
          expect(v).toBeLessThanOrEqual(1);
        }
        expect(av.availabilityMin).toBeGreaterThanOrEqual(av.availability);
      }
      const p = r.pods;
      expect(p.submitted).toBe(p.pending + p.bound + p.running + p.completed + p.failed + p.deleted);
    }), { numRuns: 25 * SCALE });
  });

  it('the same seed reproduces the same incident list, and failures do not change the arrival stream', async () => {
    await fc.assert(fc.asyncProperty(scenarioArb, async (a) => {
      await yieldToRunner();
      const one = runScenario(build(a));
      const two = runScenario(build(a));
      expect(JSON.stringify(two.incidents)).toBe(JSON.stringify(one.incidents));
      expect(JSON.stringify(two.result)).toBe(JSON.stringify(one.result));
      const arrivals = (withFailures: boolean) => {
        const sim = createSimulation(build(a, withFailures));
        sim.run();
        const out: string[] = [];
        for (let id = 0; id < sim.pods.length; id++) {
          const name = sim.pods.infos[id]!.name;
          if (name.startsWith('etl-') || name.startsWith('tick-')) out.push(`${name}@${sim.pods.createdAt[id]}/${sim.pods.infos[id]!.spec.requests.milliCPU}`);
        }
        return out;
      };
      expect(arrivals(true)).toEqual(arrivals(false));
    }), { numRuns: 10 * SCALE });
  });
});

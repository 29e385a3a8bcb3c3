import { describe, expect, it } from 'vitest';
import { brief, expectPodsAccounted, liveNodesByPool, run } from '../helpers/autoscaling-run.js';

/**
 * The autoscalers driven by the real engine: scenarios written as YAML (as users write them),
 * loaded through the scenario loader, run with hooks on every bind and sample. Expected values
 * are computed by hand from the Kubernetes rules (../shared/docs/KUBERNETES.md sections 4-5),
 * not read back from the code.
 */

// ---- Horizontal Pod Autoscaler --------------------------------------------------------------

interface HpaModel {
  /** Offered requests per second at t (the scenario's curve, written out again by hand). */
  readonly rate: (t: number) => number;
  readonly initial: number;
  readonly min: number;
  readonly max: number;
  readonly targetUtilization: number;
  readonly capacityPerReplica: number;
  readonly utilizationAtCapacity: number;
  readonly maxUtilization: number;
  readonly horizon: number;
}

/**
 * The HPA by hand, for a service whose pods are all ready with a metric at every sync (start-up
 * 0 s: a pod created at one sync has run exactly 15 s at the next): every 15 s
 *   utilization = floor(100 * min(maxUtilization, rate / (n * capacity) * utilizationAtCapacity))
 *   proposal    = n if |utilization / target - 1| <= 0.1, else ceil(n * utilization / target)
 * then the default behavior: scale-up at most max(2n, n + 4) per 15 s (no stabilization),
 * scale-down to the highest proposal of the last 300 s, clamped to [min, max].
 * Returns the changes as [time, from, to].
 */
function handHpa(m: HpaModel): [number, number, number][] {
  const out: [number, number, number][] = [];
  let n = m.initial;
  // The HPA's first sync records the current count as a recommendation.
  const history: [number, number][] = [[15, m.initial]];
  for (let t = 15; t <= m.horizon; t += 15) {
    const perPod = Math.min(m.maxUtilization, (m.rate(t) / (n * m.capacityPerReplica)) * m.utilizationAtCapacity);
    const utilization = Math.floor(100 * perPod + 1e-9);
    const ratio = utilization / m.targetUtilization;
    const proposal = Math.abs(1 - ratio) <= 0.1 ? n : Math.ceil(ratio * n);
    history.push([t, proposal]);
    let highest = proposal;
    for (const [at, p] of history) if (at > t - 300) highest = Math.max(highest, p);
    let desired = n;
    if (proposal > n) desired = Math.min(proposal, Math.max(2 * n, n + 4), m.max);
    else if (highest < n) desired = Math.max(highest, m.min);
    if (desired !== n) {
      out.push([t, n, desired]);
      n = desired;
    }
  }
  return out;
}

const hpaScenario = (o: { replicas: number; min: number; max: number; load: string; startup?: string; horizon?: string; sampleInterval?: string }) => `
horizon: ${o.horizon ?? '30m'}
sampleInterval: ${o.sampleInterval ?? '15s'}
cluster:
  pools:
    - { name: n, count: 4, resources: { cpu: 64, memory: 256Gi } }
workloads:
  - type: service
    name: web
    replicas: ${o.replicas}
    requests: { cpu: 1, memory: 1Gi }
    startup: ${o.startup ?? '0s'}
    load:
${o.load}
      capacityPerReplica: 100
      utilizationAtCapacity: 1
      maxUtilization: 10
    autoscaling:
      minReplicas: ${o.min}
      maxReplicas: ${o.max}
      metrics:
        - type: Resource
          resource: { name: cpu, target: { type: Utilization, averageUtilization: 50 } }
`;

describe('the HPA in the simulator follows the replica formula, sync by sync', () => {
  const model = { capacityPerReplica: 100, utilizationAtCapacity: 1, maxUtilization: 10, targetUtilization: 50 };

  it('1000 rps stepping down to 300 rps at 10m: 2 -> 6 -> 12 -> 20 (scale-up limits), then 6 only 300 s after the last busy sync', () => {
    const r = run(hpaScenario({ replicas: 2, min: 2, max: 50, load: '      constant: 1000\n      steps: [{ at: 10m, factor: 0.3 }]' }));
    const expected = handHpa({ ...model, rate: (t) => (t >= 600 ? 300 : 1000), initial: 2, min: 2, max: 50, horizon: 1800 });
    // The hand computation, spelled out: 500% -> ceil(2 * 10) = 20, limited to max(4, 6) = 6;
    // 166% -> ceil(6 * 3.32) = 20, limited to 12; 83% -> ceil(12 * 1.66) = 20; 50% holds.
    // From 600 s the proposal is ceil(20 * 15 / 50) = 6, but 585 s proposed 20: down at 885 s.
    expect(expected).toEqual([[15, 2, 6], [30, 6, 12], [45, 12, 20], [885, 20, 6]]);
    const hpa = r.auto.actions.filter((a) => a.scaler === 'hpa/web');
    expect(hpa.map((a) => [a.time, a.from, a.to])).toEqual(expected);
    expect(hpa.map((a) => a.action)).toEqual(['scale-up', 'scale-up', 'scale-up', 'scale-down']);
    // The time series (sampled every 15 s) shows the same count after each sync.
    const cols = r.auto.timeseries.columns;
    const rep = cols.indexOf('web.replicas');
    const replicasAfter = (t: number, strict: boolean) => expected.filter(([at]) => (strict ? at < t : at <= t)).reduce((_, [, , to]) => to, 2);
    for (const row of r.auto.timeseries.rows) {
      const t = row[0]!;
      // A sample at a sync time may run just before or just after the sync: either count is right.
      expect([replicasAfter(t, false), replicasAfter(t, true)], `replicas at ${t}s`).toContain(row[rep]);
    }
    const svc = r.auto.services[0]!;
    expect(svc.replicas).toMatchObject({ initial: 2, min: 2, max: 20, final: 6 });
    // mean of spec.replicas over the run: 2*15 + 6*15 + 12*15 + 20*840 + 6*915, over 1800 s
    expect(svc.replicas.mean).toBeCloseTo((2 * 15 + 6 * 15 + 12 * 15 + 20 * 840 + 6 * 915) / 1800, 9);
    // 20 pods were created, 14 deleted by the scale-down, none failed.
    expect(r.result.pods).toMatchObject({ submitted: 20, running: 6, deleted: 14, failed: 0, pending: 0 });
    expectPodsAccounted(r.result);
  });

  it('maxReplicas caps the scale-up (TooManyReplicas) and the count then holds', () => {
    const r = run(hpaScenario({ replicas: 2, min: 2, max: 15, load: '      constant: 1000' }));
    const expected = handHpa({ ...model, rate: () => 1000, initial: 2, min: 2, max: 15, horizon: 1800 });
    expect(expected).toEqual([[15, 2, 6], [30, 6, 12], [45, 12, 15]]);
    expect(brief(r.auto.actions, 'hpa/web').map(([t, , , f, to]) => [t, f, to])).toEqual(expected);
    expect(r.auto.actions.at(-1)!.reason).toContain('TooManyReplicas');
  });

  it('within the 0.1 tolerance nothing changes: 19 replicas at 1000 rps is 52% of a 50% target', () => {
    const r = run(hpaScenario({ replicas: 19, min: 2, max: 50, load: '      constant: 1000', horizon: '1h' }));
    expect(handHpa({ ...model, rate: () => 1000, initial: 19, min: 2, max: 50, horizon: 3600 })).toEqual([]);
    expect(r.auto.actions).toEqual([]);
    // 17 replicas is 58%: ratio 1.16, outside the tolerance -> ceil(17 * 1.16) = 20.
    const r17 = run(hpaScenario({ replicas: 17, min: 2, max: 50, load: '      constant: 1000', horizon: '1h' }));
    expect(brief(r17.auto.actions, 'hpa/web').map(([t, , , f, to]) => [t, f, to])).toEqual([[15, 17, 20]]);
  });

  it('a slow sawtooth load: the simulator matches the hand computation at every sync for 2 hours', () => {
    // 400 rps, x4 from 20m to 50m, x0.5 from 80m on: up, stabilized down, down again.
    const load = '      constant: 400\n      spikes: [{ at: 20m, factor: 4, duration: 30m }]\n      steps: [{ at: 80m, factor: 0.5 }]';
    const r = run(hpaScenario({ replicas: 3, min: 3, max: 40, load, horizon: '2h', sampleInterval: '1m' }));
    const rate = (t: number) => 400 * (t >= 1200 && t < 3000 ? 4 : 1) * (t >= 4800 ? 0.5 : 1);
    const expected = handHpa({ ...model, rate, initial: 3, min: 3, max: 40, horizon: 7200 });
    expect(expected.length).toBeGreaterThanOrEqual(4);
    expect(r.auto.actions.filter((a) => a.scaler === 'hpa/web').map((a) => [a.time, a.from, a.to])).toEqual(expected);
  });
});

// ---- Request accounting -----------------------------------------------------------------------

const servedScenario = (o: { replicas: number; load: string; horizon?: string; startup?: string; autoscaling?: string; sampleInterval?: string }) => `
horizon: ${o.horizon ?? '2h'}
sampleInterval: ${o.sampleInterval ?? '1m'}
cluster:
  pools:
    - { name: n, count: 2, resources: { cpu: 64, memory: 256Gi } }
workloads:
  - type: service
    name: web
    replicas: ${o.replicas}
    requests: { cpu: 1, memory: 1Gi }
    startup: ${o.startup ?? '0s'}
    load:
${o.load}
      capacityPerReplica: 100
      maxUtilization: 10
${o.autoscaling ?? ''}`;

describe('request accounting', () => {
  it('with enough replicas every request is served and no SLO minute is lost', () => {
    const r = run(servedScenario({ replicas: 10, load: '      constant: 500' }));
    const q = r.auto.services[0]!;
    expect(q.requests!.offered).toBeCloseTo(500 * 7200, 6);
    expect(q.requests!.served).toBeCloseTo(500 * 7200, 6);
    expect(q.requests!.dropped).toBeCloseTo(0, 6);
    expect(q.requests!.servedFraction).toBe(1);
    expect(q.slo!.violationMinutes).toBe(0);
  });

  it('with replicas fixed below the load, served = capacity x time and dropped = offered - served', () => {
    const r = run(servedScenario({ replicas: 3, load: '      constant: 500' }));
    const q = r.auto.services[0]!.requests!;
    expect(q.offered).toBeCloseTo(500 * 7200, 6);
    expect(q.served).toBeCloseTo(3 * 100 * 7200, 6);
    expect(q.dropped).toBeCloseTo(200 * 7200, 6);
    expect(q.dropped).toBe(q.offered - q.served);
    expect(q.servedFraction).toBeCloseTo(0.6, 12);
    // Below the 0.99 objective the whole time.
    expect(r.auto.services[0]!.slo!.violationMinutes).toBeCloseTo(120, 9);
  });

  it('offered requests are the integral of the curve: a ramped spike and a diurnal day', () => {
    // 200 rps, x3 spike at 1h with 10 min ramps and a 30 min plateau: each ramp adds half its
    // rectangle, so the extra is 200 * 2 * (30 + 10) min.
    const spike = run(servedScenario({ replicas: 10, horizon: '3h', load: '      constant: 200\n      spikes: [{ at: 1h, factor: 3, ramp: 10m, duration: 30m }]' }));
    expect(spike.auto.services[0]!.requests!.offered / (200 * 10800 + 200 * 2 * 2400)).toBeCloseTo(1, 9);
    expect(spike.auto.services[0]!.requests!.servedFraction).toBe(1);
    // A sinusoid over whole periods integrates to mean x time.
    const day = run(servedScenario({ replicas: 10, horizon: '3h', load: '      diurnal: { mean: 300, amplitude: 0.5, period: 1h }' }));
    expect(day.auto.services[0]!.requests!.offered / (300 * 10800)).toBeCloseTo(1, 6);
  });

  it('new replicas serve only after their start-up delay (60 s): capacity does not rise before', () => {
    const readyAt: [number, number][] = [];
    const r = run(servedScenario({
      replicas: 2,
      horizon: '1h',
      sampleInterval: '5s',
      startup: '60s',
      load: '      constant: 1000',
      autoscaling: `    autoscaling:
      minReplicas: 2
      maxReplicas: 10
      metrics:
        - type: Resource
          resource: { name: cpu, target: { type: Utilization, averageUtilization: 50 } }`,
    }), (sim, now) => readyAt.push([now, sim.readyReplicas('web')]));
    // Pod creations: 2 at 0, then (to - from) at each HPA scale-up.
    const created: number[] = [0, 0];
    for (const a of r.auto.actions) if (a.scaler === 'hpa/web' && a.action === 'scale-up') for (let k = a.from; k < a.to; k++) created.push(a.time);
    // The first sync with a metric is 75 s (60 s start-up + 15 s metric window): 2 -> 6, then 6 -> 10.
    expect(brief(r.auto.actions).map(([t, , , f, to]) => [t, f, to])).toEqual([[75, 2, 6], [90, 6, 10]]);
    const readyFromCreations = (t: number) => created.filter((c) => c + 60 <= t).length;
    for (const [t, ready] of readyAt) expect(ready, `ready replicas at ${t}s`).toBe(readyFromCreations(t));
    // In particular the scale-up at 75 s adds nothing before 135 s.
    expect(readyAt.filter(([t]) => t >= 75 && t < 135).every(([, k]) => k === 2)).toBe(true);
    // Capacity (<= 1000 rps offered throughout) is all used: served = 100 x integral of ready replicas.
    const served = 100 * (2 * (135 - 60) + 6 * (150 - 135) + 10 * (3600 - 150));
    expect(r.auto.services[0]!.requests!.served).toBeCloseTo(served, 6);
    expect(r.auto.services[0]!.requests!.offered).toBeCloseTo(1000 * 3600, 6);
    // The time series' served fraction before and after the new replicas start.
    const cols = r.auto.timeseries.columns;
    const col = cols.indexOf('web.served');
    const at = (t: number) => r.auto.timeseries.rows.find((row) => row[0] === t)![col];
    expect([at(30), at(100), at(130), at(140), at(155)]).toEqual([0, 0.2, 0.2, 0.6, 1]);
  });
});

// ---- Cluster autoscaler -----------------------------------------------------------------------

const twoGroups = (expander: string) => `
horizon: 1h
sampleInterval: 1m
cluster:
  pools:
    - { name: base, count: 1, resources: { cpu: 2, memory: 8Gi } }
    - name: cheap
      count: 0
      resources: { cpu: 8, memory: 32Gi }
      pricePerHour: 0.1
      autoscaling: { min: 0, max: 3, provisioningDelay: 200s, priority: 1 }
    - name: pricey
      count: 0
      resources: { cpu: 8, memory: 32Gi }
      pricePerHour: 1
      autoscaling: { min: 0, max: 3, provisioningDelay: 200s, priority: 10 }
clusterAutoscaler:
  policy: cluster-autoscaler
  options: { expander: ${expander} }
workloads:
  - type: service
    name: big
    replicas: 1
    requests: { cpu: 5, memory: 4Gi }
    startup: 0s
`;

describe('the cluster autoscaler in the simulator', () => {
  it('a pod that fits no node but fits a template: exactly one scale-up, the node ready after the provisioning delay, then the pod bound', () => {
    const r = run(twoGroups('priority'));
    // The pod (5 cpu) is tried at 0 and fails on the 2-cpu node; the first scan is at 10 s.
    expect(brief(r.auto.actions)).toEqual([
      [10, 'scale-up', 'pricey', 0, 1],
      [210, 'node-ready', 'pricey-0', 0, 1],
    ]);
    expect(r.auto.actions.filter((a) => a.action === 'scale-up')).toHaveLength(1);
    expect(r.binds).toEqual([{ time: 210, pod: 'big-0', node: 'pricey-0' }]);
    expect(r.result.pods).toMatchObject({ submitted: 1, running: 1, pending: 0 });
    // Billed from the request (10 s) to the horizon; the other group never started a node.
    const pool = (name: string) => r.auto.pools.find((p) => p.name === name)!;
    expect(pool('pricey').nodeHours).toBeCloseTo((3600 - 10) / 3600, 12);
    expect(pool('pricey').cost).toBeCloseTo((3600 - 10) / 3600, 12);
    expect(pool('cheap').nodeHours).toBe(0);
    expect(r.overcommit).toEqual([]);
    // Time-weighted allocatable counts the new node from the moment it is ready (210 s), not from
    // the last change before it: 5 cpu requested over [210, 3600] of 2 cpu x 3600 + 8 cpu x 3390.
    expect(r.result.utilization.cpu).toBeCloseTo((5 * 3390) / (2 * 3600 + 8 * 3390), 12);
  });

  it('the expander picks the group: priority takes the high-priority group, price the cheap one', () => {
    const byPriority = run(twoGroups('priority'));
    const byPrice = run(twoGroups('price'));
    expect(byPriority.auto.actions.filter((a) => a.action === 'scale-up').map((a) => a.target)).toEqual(['pricey']);
    expect(byPrice.auto.actions.filter((a) => a.action === 'scale-up').map((a) => a.target)).toEqual(['cheap']);
    expect(byPrice.binds).toEqual([{ time: 210, pod: 'big-0', node: 'cheap-0' }]);
    expect(byPrice.auto.cost).toBeCloseTo((0.1 * (3600 - 10)) / 3600, 12);
  });

  // Two 4-cpu nodes: "big" (3 cpu) on one, "small" on the other. The small node is below 0.5.
  const scaleDown = (smallCpu: string) => `
horizon: 2h
sampleInterval: 1m
cluster:
  pools:
    - name: pool
      count: 2
      resources: { cpu: 4, memory: 16Gi }
      pricePerHour: 1
      autoscaling: { min: 1, max: 3, provisioningDelay: 200s }
clusterAutoscaler:
  policy: cluster-autoscaler
workloads:
  - type: service
    name: big
    replicas: 1
    requests: { cpu: 3, memory: 1Gi }
    startup: 0s
  - type: service
    name: small
    replicas: 1
    requests: { cpu: ${smallCpu}, memory: 1Gi }
    startup: 0s
`;

  it('an under-utilized node whose pods fit elsewhere is removed after 10 unneeded minutes; its pod is rescheduled, nothing lost', () => {
    const readiness: [number, number, number][] = [];
    const r = run(scaleDown('1'), (sim, now) => readiness.push([now, sim.readyReplicas('big'), sim.readyReplicas('small')]));
    const smallNode = r.binds.find((b) => b.pod === 'small-0')!.node;
    const bigNode = r.binds.find((b) => b.pod === 'big-0')!.node;
    expect(smallNode).not.toBe(bigNode);
    const removed = r.auto.actions.filter((a) => a.action === 'node-removed');
    expect(brief(removed)).toEqual([[610, 'node-removed', smallNode, 2, 1]]);
    // Unneeded from the first scan (10 s) on: removed once 600 s have passed.
    expect(removed[0]!.time - 10).toBeGreaterThanOrEqual(600);
    expect(removed[0]!.reason).toMatch(/utilization 0\.25 < 0\.5/);
    // The replacement lands on the remaining node at once (1 + 3 cpu = 4 fits exactly).
    expect(r.binds.filter((b) => b.time === 610)).toEqual([{ time: 610, pod: 'small-1', node: bigNode }]);
    // The evicted pod is gone (failed or deleted, as the engine counts evictions) and replaced.
    expect(r.result.pods).toMatchObject({ submitted: 3, running: 2, pending: 0, bound: 0 });
    expect(r.result.pods.failed + r.result.pods.deleted).toBe(1);
    expectPodsAccounted(r.result);
    // Both services are fully ready at every sample (start-up 0 s: the move is instantaneous).
    for (const [t, big, small] of readiness) if (t > 0) expect([t, big, small]).toEqual([t, 1, 1]);
    expect(r.auto.pools[0]!.nodeHours).toBeCloseTo((2 * 610 + (7200 - 610)) / 3600, 12);
    expect(r.auto.pools[0]!.nodes).toEqual({ min: 1, max: 2, final: 1 });
    expect(r.overcommit).toEqual([]);
  });

  it('an under-utilized node whose pods fit nowhere else is never removed', () => {
    // 1.5 cpu is 0.375 of its node, but 3 + 1.5 > 4 on the other one.
    const r = run(scaleDown('1500m'));
    expect(r.auto.actions).toEqual([]);
    expect(r.result.pods).toMatchObject({ submitted: 2, running: 2, failed: 0 });
    expect(r.auto.pools[0]!.nodeHours).toBeCloseTo(4, 12);
  });

  it('an idle group shrinks to its min and never below; a group at min stays', () => {
    const counts: [number, Map<string, number>][] = [];
    const r = run(`
horizon: 1h
sampleInterval: 1m
cluster:
  pools:
    - { name: a, count: 3, resources: { cpu: 4, memory: 16Gi }, autoscaling: { min: 1, max: 3 } }
    - { name: b, count: 2, resources: { cpu: 4, memory: 16Gi }, autoscaling: { min: 2, max: 4 } }
clusterAutoscaler:
  policy: cluster-autoscaler
`, (sim, now) => counts.push([now, liveNodesByPool(sim)]));
    // Empty nodes go in bulk after 600 s: two of a's three, none of b's.
    expect(brief(r.auto.actions).map(([t, kind, , f, to]) => [t, kind, f, to])).toEqual([
      [610, 'node-removed', 3, 2],
      [610, 'node-removed', 2, 1],
    ]);
    for (const [t, c] of counts) {
      expect(c.get('a'), `group a at ${t}s`).toBeGreaterThanOrEqual(1);
      expect(c.get('b'), `group b at ${t}s`).toBe(2);
    }
  });

  it('a node not ready within maxProvisionTime is a failed scale-up; the group is retried after a doubling backoff (5, 10, 20 min)', () => {
    const r = run(`
horizon: 2h
sampleInterval: 1m
cluster:
  pools:
    - { name: base, count: 1, resources: { cpu: 2, memory: 8Gi } }
    - name: flaky
      count: 1
      resources: { cpu: 8, memory: 32Gi }
      pricePerHour: 2
      autoscaling: { min: 1, max: 2, provisioningDelay: 1000s, maxProvisionTime: 15m }
clusterAutoscaler:
  policy: cluster-autoscaler
workloads:
  - type: service
    name: filler
    replicas: 1
    requests: { cpu: 6, memory: 1Gi }
    startup: 0s
  - type: service
    name: big
    replicas: 1
    requests: { cpu: 5, memory: 4Gi }
    startup: 0s
`);
    // Request at 10 s, failure at 10 + 900 s; backoff 300 s from the failure, then 600, 1200.
    expect(brief(r.auto.actions)).toEqual([
      [10, 'scale-up', 'flaky', 1, 2],
      [910, 'scale-up-failed', 'flaky', 2, 1],
      [1210, 'scale-up', 'flaky', 1, 2],
      [2110, 'scale-up-failed', 'flaky', 2, 1],
      [2710, 'scale-up', 'flaky', 1, 2],
      [3610, 'scale-up-failed', 'flaky', 2, 1],
      [4810, 'scale-up', 'flaky', 1, 2],
      [5710, 'scale-up-failed', 'flaky', 2, 1],
    ]);
    // Billed: the initial node for 2 h, plus each failed request for its 900 s.
    const flaky = r.auto.pools.find((p) => p.name === 'flaky')!;
    expect(flaky.nodeHours).toBeCloseTo(2 + (4 * 900) / 3600, 12);
    expect(flaky.cost).toBeCloseTo(2 * flaky.nodeHours, 12);
    expect(flaky.nodes).toEqual({ min: 1, max: 1, final: 1 });
    expect(r.result.pods).toMatchObject({ pending: 1, running: 1 });
  });

  it('a node still provisioning does not count toward min: a scale-down then a failed provisioning never leaves the group below min', () => {
    // Default cluster-autoscaler options. "small" (3 cpu) lands on the 8-cpu flaky node (0.375
    // used, and it fits on base); "big" (6 cpu, from 5 s) fits only an empty flaky node, whose
    // provisioning takes 1000 s > maxProvisionTime 15m. The ready flaky node is unneeded, and
    // once the 10 min delay after the scale-up is over the group "has" 2 nodes (1 ready + 1
    // provisioning) over a min of 1. Removing the ready one leaves 0 ready nodes, and after the
    // failure at 910 s the group's size is 0 < min for good (nothing grows a group back to min).
    const live: [number, number][] = [];
    const r = run(`
horizon: 1h
sampleInterval: 1m
cluster:
  pools:
    - { name: base, count: 1, resources: { cpu: 4, memory: 16Gi } }
    - name: flaky
      count: 1
      resources: { cpu: 8, memory: 32Gi }
      autoscaling: { min: 1, max: 2, provisioningDelay: 1000s, maxProvisionTime: 15m }
clusterAutoscaler:
  policy: cluster-autoscaler
workloads:
  - type: service
    name: small
    replicas: 1
    requests: { cpu: 3, memory: 1Gi }
    startup: 0s
  - type: service
    name: big
    replicas: 1
    startAt: 5s
    requests: { cpu: 6, memory: 1Gi }
    startup: 0s
`, (sim, now) => live.push([now, liveNodesByPool(sim).get('flaky') ?? 0]));
    expect(r.binds[0]).toEqual({ time: 0, pod: 'small-0', node: 'flaky-0' });
    expect(r.auto.actions[0]).toMatchObject({ time: 10, action: 'scale-up', target: 'flaky', from: 1, to: 2 });
    expect(r.auto.actions.filter((a) => a.action === 'scale-up-failed').length).toBeGreaterThan(0);
    // Every sample: at least min (1) nodes of the group are there.
    expect(live.filter(([, k]) => k < 1)).toEqual([]);
    // Every action on the group: its size stays >= min.
    for (const a of r.auto.actions) if (a.action !== 'node-ready') expect(a.to, `${a.time}s ${a.action} ${a.target}`).toBeGreaterThanOrEqual(1);
  });

  it('groups stay within [min, max] at every sample and in every action, through failed provisioning and a fallback group', () => {
    const bounds = { flaky: [0, 2], steady: [0, 3] } as const;
    const seen: string[] = [];
    const r = run(`
horizon: 2h
sampleInterval: 30s
cluster:
  pools:
    - { name: base, count: 1, resources: { cpu: 2, memory: 8Gi } }
    - name: flaky
      count: 0
      resources: { cpu: 8, memory: 32Gi }
      pricePerHour: 2
      autoscaling: { min: 0, max: 2, provisioningDelay: 1000s, maxProvisionTime: 15m, priority: 10 }
    - name: steady
      count: 0
      resources: { cpu: 8, memory: 32Gi }
      pricePerHour: 1
      autoscaling: { min: 0, max: 3, provisioningDelay: 100s, priority: 1 }
clusterAutoscaler:
  policy: cluster-autoscaler
  options: { expander: priority }
workloads:
  - type: service
    name: big
    replicas: 10
    requests: { cpu: 5, memory: 4Gi }
    startup: 0s
`, (sim, now) => {
      const c = liveNodesByPool(sim);
      for (const [g, [lo, hi]] of Object.entries(bounds)) {
        const k = c.get(g) ?? 0;
        if (k < lo || k > hi) seen.push(`${now}s: ${g} has ${k} nodes`);
      }
    });
    expect(seen).toEqual([]);
    // The target size (ready + provisioning) of each group, replayed from the log.
    const size: Record<string, number> = { flaky: 0, steady: 0 };
    const groupOf = (target: string) => target.replace(/-\d+$/, '');
    for (const a of r.auto.actions) {
      if (a.action === 'node-ready') continue;
      const g = a.action === 'node-removed' ? groupOf(a.target) : a.target;
      expect(a.from, `${a.time}s ${a.action} ${g}`).toBe(size[g]);
      size[g] = a.to;
      const [lo, hi] = bounds[g as keyof typeof bounds];
      expect(a.to).toBeGreaterThanOrEqual(lo);
      expect(a.to).toBeLessThanOrEqual(hi);
    }
    // The preferred group failed, the fallback took what it could (3 of the 10 pods need a node each).
    const ups = r.auto.actions.filter((a) => a.action === 'scale-up');
    expect(ups[0]).toMatchObject({ time: 10, target: 'flaky', from: 0, to: 2 });
    expect(ups.filter((a) => a.target === 'steady').reduce((k, a) => k + a.to - a.from, 0)).toBe(3);
    expect(r.auto.actions.filter((a) => a.action === 'scale-up-failed').length).toBeGreaterThanOrEqual(2);
    expect(r.auto.actions.filter((a) => a.action === 'scale-up' && a.target === 'flaky').length).toBeGreaterThanOrEqual(2);
    expect(r.binds.map((b) => b.node).sort()).toEqual(['steady-0', 'steady-1', 'steady-2']);
    expect(r.overcommit).toEqual([]);
    expectPodsAccounted(r.result);
  });
});

// ---- Karpenter ----------------------------------------------------------------------------------

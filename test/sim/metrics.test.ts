import { describe, expect, it } from 'vitest';
import type { NodeSpec } from '../../src/api/node.js';
import { MetricsRecorder, type MetricsOptions } from '../../src/sim/metrics.js';
import type { Workload } from '../../src/api/workload.js';
import { Gi } from '../helpers/cluster.js';
import { createPod, job, nodeSpec, openIncident, podSpec, runningPod, service, start, store } from '../helpers/store.js';

/**
 * The metrics recorder alone: the test drives the store through the lifecycle API (as the
 * controllers would) and reads the result. Definitions: ../shared/docs/FAILURES.md.
 */

function setup(nodes: NodeSpec[], workloads: Workload[], options: Partial<MetricsOptions> = {}) {
  const s = store(nodes, workloads);
  const metrics = new MetricsRecorder(s.api, { horizon: 1000, sampleInterval: 0, nodes, autoscaledPools: [], reportScaling: false, ...options });
  metrics.start();
  return { ...s, metrics };
}

const two = () => [nodeSpec('n0', { cpu: 4, memory: 16 * Gi }), nodeSpec('n1', { cpu: 4, memory: 16 * Gi })];

describe('MetricsRecorder: utilization', () => {
  it('is time-weighted requested / allocatable over the horizon', () => {
    const a = podSpec({ cpu: 2, memory: 4 * Gi });
    const b = podSpec({ cpu: 1, memory: 6 * Gi });
    const { engine, api, metrics } = setup(two(), [job('j')], { horizon: 400 });
    engine.run(100);
    const pa = api.createPod(0, 'a', a, 1000);
    api.bind(pa, 0, undefined);
    engine.run(200);
    const pb = api.createPod(0, 'b', b, 1000);
    api.bind(pb, 1, undefined);
    engine.run(300);
    api.removePod(pa, 'deleted');
    engine.run(400);
    const r = metrics.finish();
    // cpu: (2000 m x 200 s + 1000 m x 200 s) / (8000 m x 400 s)
    expect(r.utilization.cpu).toBeCloseTo(600_000 / 3_200_000, 12);
    // memory: (4 Gi x 200 s + 6 Gi x 200 s) / (32 Gi x 400 s)
    expect(r.utilization.memory).toBeCloseTo(2000 / 12_800, 12);
    expect(r.utilization.gpu).toBe(0);
    expect(r.allocatable).toEqual({ milliCPU: 8000, memory: 32 * Gi, milliGPU: 0 });
  });

  it('weights allocatable by the time each node was present', () => {
    const { engine, api, metrics } = setup(two(), [job('j')], { horizon: 400 });
    const id = api.createPod(0, 'a', podSpec({ cpu: 3, memory: 0 }), 1000);
    api.bind(id, 0, undefined);
    engine.run(200);
    api.touch(); // (see the bug below: addNode does not touch by itself)
    api.addNode(nodeSpec('n2', { cpu: 4, memory: 16 * Gi }));
    engine.run(400);
    const r = metrics.finish();
    // 3000 m x 400 s / (8000 m x 200 s + 12000 m x 200 s)
    expect(r.utilization.cpu).toBeCloseTo(1_200_000 / 4_000_000, 12);
    expect(r.nodes).toBe(3);
  });

  // Regression: a node that registers counts from then on (before the fix, 8 CPUs for [0, 200)
  // were counted as 12, and cpu utilization came out 0.25 instead of 0.3).
  it('weights allocatable by the time each node was present, with nothing else touching the store when a node registers', () => {
    const { engine, api, metrics } = setup(two(), [job('j')], { horizon: 400 });
    const id = api.createPod(0, 'a', podSpec({ cpu: 3, memory: 0 }), 1000);
    api.bind(id, 0, undefined);
    engine.run(200);
    api.addNode(nodeSpec('n2', { cpu: 4, memory: 16 * Gi }));
    engine.run(400);
    expect(metrics.finish().utilization.cpu).toBeCloseTo(1_200_000 / 4_000_000, 12);
  });

  it('samples the time series every sampleInterval from 0 to the horizon', () => {
    const { engine, api, metrics } = setup(two(), [job('j')], { horizon: 300, sampleInterval: 100 });
    engine.run(50);
    const a = api.createPod(0, 'a', podSpec({ cpu: 2, memory: 8 * Gi }), 1000);
    const b = api.createPod(0, 'b', podSpec({ cpu: 2, memory: 8 * Gi }), 1000);
    api.bind(a, 0, undefined);
    engine.run(150);
    start(api, a);
    engine.run(250);
    api.podSucceeded(a);
    engine.run(300);
    expect(metrics.finish().timeseries).toEqual([
      [0, 0, 0, 0, 0, 0, 0],
      [100, 0.25, 0.25, 0, 1, 1, 0],
      [200, 0.25, 0.25, 0, 1, 1, 0],
      [300, 0, 0, 0, 1, 0, 1],
    ]);
    expect(api.pods.phase[b]).toBe(0);
  });
});

describe('MetricsRecorder: pod counts', () => {
  it('follow the pod phases', () => {
    const { engine, api, metrics } = setup(two(), [service('web', 5), job('train')]);
    const removedPending = createPod(api, 0);
    const pending = createPod(api, 0);
    const bound = createPod(api, 0);
    api.recordAttempt(removedPending, 2, true);
    api.recordAttempt(pending, 2, true);
    api.recordAttempt(bound, 2, false);
    api.bind(bound, 0, undefined);
    const running = runningPod(api, 0, 0);
    const crashed = runningPod(api, 0, 1);
    api.stopContainers(crashed);
    api.containerCrashed(crashed, 1);
    const done = runningPod(api, 1, 1, 100);
    const deleted = createPod(api, 1, 100);
    api.bind(deleted, 1, undefined);
    engine.run(100);
    api.podSucceeded(done);
    api.removePod(removedPending, 'failed');
    api.removePod(deleted, 'deleted');
    const r = metrics.finish();
    expect(r.pods).toEqual({ submitted: 7, scheduled: 5, unschedulable: 1, completed: 1, pending: 1, bound: 2, running: 1, failed: 1, deleted: 1 });
    expect(r.scheduling).toEqual({ attempts: 3, failedAttempts: 2, nodesEvaluated: 6 });
    expect(r.workloads.map((w) => [w.name, w.kind, w.submitted, w.scheduled, w.completed, w.pending])).toEqual([['web', 'service', 5, 3, 0, 2], ['train', 'job', 2, 2, 1, 0]]);
    expect([running, pending].length).toBe(2);
  });

  it('pending times are the waits of the bound pods; waiting times add the pods still pending at the horizon', () => {
    const { engine, api, metrics } = setup(two(), [service('web', 4)]);
    const ids = [createPod(api, 0), createPod(api, 0), createPod(api, 0), createPod(api, 0)];
    for (const [k, t] of [10, 20, 30].entries()) {
      engine.run(t);
      api.bind(ids[k]!, 0, undefined);
    }
    engine.run(1000);
    const r = metrics.finish();
    expect(r.pendingSeconds).toEqual({ count: 3, mean: 20, p50: 20, p95: 29, p99: 29.8, max: 30 });
    expect(r.waitingSeconds.count).toBe(4);
    expect(r.waitingSeconds.max).toBe(1000);
    expect(r.workloads[0]!.pendingSeconds.mean).toBe(20);
  });
});

describe('MetricsRecorder: availability', () => {
  it('integrates the time below all desired and below minAvailable replicas from the rollout on', () => {
    const { engine, api, metrics } = setup(two(), [service('web', 2)]);
    const a = createPod(api, 0);
    const b = createPod(api, 0);
    api.bind(a, 0, undefined);
    api.bind(b, 1, undefined);
    engine.run(5);
    start(api, a);
    engine.run(10);
    start(api, b); // all desired ready: the window opens at 10
    engine.run(100);
    api.stopContainers(a);
    engine.run(160);
    api.resume(a);
    api.replicaReady(a, 'resumed');
    engine.run(500);
    api.stopContainers(a);
    api.stopContainers(b);
    engine.run(530);
    api.resume(a);
    api.replicaReady(a, 'resumed');
    api.resume(b);
    api.replicaReady(b, 'resumed');
    const [web] = metrics.finish().availability;
    expect(web).toEqual({
      name: 'web', desired: 2, minAvailable: 1,
      availability: 1 - 90 / 990, availabilityMin: 1 - 30 / 990,
      downtimeMinutes: 1.5, downtimeMinutesMin: 0.5,
      rolloutSeconds: 10, windowSeconds: 990,
    });
  });

  it('a service never fully rolled out is unavailable at all desired replicas over its whole window', () => {
    const { api, metrics } = setup(two(), [service('web', 2, { startAt: 100, minAvailable: 2 })]);
    runningPod(api, 0, 0);
    const [web] = metrics.finish().availability;
    expect([web!.availability, web!.availabilityMin, web!.downtimeMinutes, web!.downtimeMinutesMin, web!.windowSeconds]).toEqual([0, 0, 15, 15, 900]);
    expect(web!.rolloutSeconds).toBeNaN();
  });

  // Regression (issue 18, item 4): a service that never has every replica ready read 0 % at
  // minAvailable too, because the window only opened at the full rollout.
  it('a service never fully ready is measured at minAvailable from the first moment it had minAvailable ready', () => {
    const { engine, api, metrics } = setup(two(), [service('web', 3, { minAvailable: 2 })]);
    const a = createPod(api, 0);
    const b = createPod(api, 0);
    createPod(api, 0); // never scheduled: the service is never fully ready
    api.bind(a, 0, undefined);
    api.bind(b, 1, undefined);
    engine.run(50);
    start(api, a);
    engine.run(100);
    start(api, b); // minAvailable ready: the measure at minAvailable opens at 100
    engine.run(400);
    api.stopContainers(b);
    engine.run(490);
    api.resume(b);
    api.replicaReady(b, 'resumed');
    const [web] = metrics.finish().availability;
    expect(web).toEqual({
      name: 'web', desired: 3, minAvailable: 2,
      availability: 0, availabilityMin: 1 - 90 / 900,
      downtimeMinutes: 1000 / 60, downtimeMinutesMin: 1.5,
      rolloutSeconds: NaN, windowSeconds: 1000,
    });
  });

  it('the measure at minAvailable starts over with the window when the rollout completes', () => {
    const { engine, api, metrics } = setup(two(), [service('web', 2)]);
    const a = createPod(api, 0);
    const b = createPod(api, 0);
    api.bind(a, 0, undefined);
    api.bind(b, 1, undefined);
    start(api, a);
    engine.run(100);
    api.stopContainers(a); // below minAvailable before the rollout: not counted
    engine.run(200);
    api.resume(a);
    api.replicaReady(a, 'resumed');
    engine.run(300);
    start(api, b); // the window opens at 300
    const [web] = metrics.finish().availability;
    expect([web!.availability, web!.availabilityMin, web!.windowSeconds, web!.rolloutSeconds]).toEqual([1, 1, 700, 300]);
  });
});

describe('MetricsRecorder: failures and lost work', () => {
  it('node uptime over node failures is the MTBF; downtime runs to the horizon when the node is still down', () => {
    const { engine, api, metrics } = setup(two(), []);
    engine.run(100);
    api.nodeFailed(0, openIncident(api).id);
    engine.run(400);
    api.nodeRepaired(0);
    engine.run(900);
    api.nodeFailed(1, openIncident(api).id);
    const r = metrics.finish();
    // 2 nodes x 1000 s, down 300 s + 100 s, 2 failures.
    expect(r.incidents.nodeFailures).toBe(2);
    expect(r.incidents.mtbfSeconds).toBe((2000 - 400) / 2);
  });

  it('a running job or batch pod whose containers stop loses what it did since it started', () => {
    const nodes = [nodeSpec('g0', { cpu: 8, memory: 32 * Gi, gpu: 2 })];
    const { engine, api, metrics } = setup(nodes, [job('train'), service('web', 1)]);
    engine.run(100);
    const id = api.createPod(0, 'train-0', podSpec({ cpu: 2, gpu: 1 }), 5000);
    api.bind(id, 0, undefined);
    start(api, id);
    runningPod(api, 1, 0); // a service replica loses nothing
    engine.run(1000);
    api.nodeFailed(0, openIncident(api).id);
    for (const info of [...api.cluster.nodes[0]!.pods]) api.stopContainers(info.id);
    const r = metrics.finish();
    expect(r.incidents.lostCpuHours).toBeCloseTo((900 / 3600) * 2, 12);
    expect(r.incidents.lostGpuHours).toBeCloseTo(900 / 3600, 12);
  });
});

describe('MetricsRecorder: scaling and billing', () => {
  it('bills each pool\'s nodes from the request to the removal and keeps the actions', () => {
    const nodes = [nodeSpec('s0', { pool: 'static', pricePerHour: 3.6 }), nodeSpec('s1', { pool: 'static', pricePerHour: 3.6 })];
    const { engine, api, metrics } = setup(nodes, [], { autoscaledPools: [{ pool: 'auto', pricePerHour: 7.2 }], reportScaling: true, sampleInterval: 500 });
    engine.run(100);
    api.bill('auto', 1, 0); // a VM launched
    const action = { time: 100, scaler: 'stub', action: 'scale-up' as const, target: 'auto', from: 0, to: 1, reason: 'r' };
    api.recordAction(action);
    engine.run(200);
    api.addNode(nodeSpec('a0', { pool: 'auto', pricePerHour: 7.2 }));
    api.bill('auto', 0, 1); // registered
    engine.run(1000);
    const scaling = metrics.finish().autoscaling!;
    expect(scaling.actions).toEqual([action]);
    expect(scaling.pools).toEqual([
      { name: 'auto', autoscaled: true, pricePerHour: 7.2, nodeHours: 900 / 3600, cost: (900 / 3600) * 7.2, nodes: { min: 0, max: 1, final: 1 } },
      { name: 'static', autoscaled: false, pricePerHour: 3.6, nodeHours: 2000 / 3600, cost: (2000 / 3600) * 3.6, nodes: { min: 2, max: 2, final: 2 } },
    ]);
    expect(scaling.nodeHours).toBeCloseTo(2900 / 3600, 12);
    expect(scaling.cost).toBeCloseTo(1.8 + 2, 12);
    // Sampled: time, nodes present, nodes provisioning.
    expect(scaling.timeseries.rows).toEqual([[0, 2, 0], [500, 3, 0], [1000, 3, 0]]);
  });
});

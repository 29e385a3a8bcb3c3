import { describe, expect, it } from 'vitest';
import { ClusterEvent } from '../../../src/api/framework.js';
import { PodPhase } from '../../../src/api/pod.js';
import { WorkloadController } from '../../../src/sim/controllers/workloads.js';
import type { Lifecycle } from '../../../src/sim/lifecycle.js';
import type { BatchWorkload, PodListWorkload, Workload } from '../../../src/api/workload.js';
import { RandomStreams } from '../../../src/util/random.js';
import { fixed, job, listen, nodeSpec, openIncident, podSpec, service, start, store } from '../../helpers/store.js';

/**
 * The workload controllers alone (ReplicaSet, Job, batch streams, pod lists): the test plays the
 * scheduler and the kubelet by binding, starting, finishing and removing pods through the
 * lifecycle API.
 */

const HORIZON = 10_000;

function setup(workloads: Workload[]) {
  const s = store([nodeSpec('n0', { cpu: 16 }), nodeSpec('n1', { cpu: 16 })], workloads);
  const controller = new WorkloadController(s.api, new RandomStreams(1), HORIZON);
  const created = listen(s.api, 'podCreated');
  const removed = listen(s.api, 'podRemoved');
  controller.start();
  return { ...s, created, removed };
}

function bindAndStart(api: Lifecycle, id: number, node: number): void {
  api.bind(id, node, undefined);
  start(api, id);
}

describe('WorkloadController: Deployments (ReplicaSet controller)', () => {
  it('creates `replicas` pods when the service arrives', () => {
    const { engine, api, created } = setup([service('web', 3, { startAt: 60 })]);
    engine.run(59.999);
    expect(created).toEqual([]);
    engine.run(HORIZON);
    expect(created.map((h) => [h.t, api.pods.infos[h.args[0]]!.name])).toEqual([[60, 'web-0'], [60, 'web-1'], [60, 'web-2']]);
    expect(api.workloads[0]!.podIds.size).toBe(3);
    expect(api.pods.duration[0]).toBe(Infinity);
  });

  it('replaces a failed pod at once; the replacement carries the failed replica\'s incident', () => {
    const { engine, api, created } = setup([service('web', 2)]);
    engine.run(0);
    bindAndStart(api, 0, 0);
    bindAndStart(api, 1, 1);
    engine.run(500);
    const inc = openIncident(api);
    api.joinIncident(1, inc);
    api.stopContainers(1);
    api.removePod(1, 'failed');
    expect(created.map((h) => [h.t, h.args[0]])).toEqual([[0, 0], [0, 1], [500, 2]]);
    expect(api.pods.infos[2]!.name).toBe('web-2');
    expect(api.pods.incident[2]).toBe(inc.id);
    expect([...api.workloads[0]!.podIds]).toEqual([0, 2]);
  });

  it('replaces a deleted pod (evicted by a drain) only while it has fewer pods than spec.replicas', () => {
    const { engine, api, created } = setup([service('web', 2)]);
    engine.run(0);
    bindAndStart(api, 0, 0);
    bindAndStart(api, 1, 0);
    engine.run(100);
    api.stopContainers(0);
    api.removePod(0, 'deleted');
    expect(created.map((h) => h.t)).toEqual([0, 0, 100]);
    expect(api.workloads[0]!.podIds.size).toBe(2);
  });

  it('a higher spec.replicas creates the missing pods', () => {
    const { engine, api, created } = setup([service('web', 2)]);
    engine.run(30);
    api.setDesiredReplicas(0, 5);
    expect(created.map((h) => h.t)).toEqual([0, 0, 30, 30, 30]);
    expect(api.workloads[0]!.podIds.size).toBe(5);
  });

  it('a scale-down deletes unscheduled, then starting, then not-ready pods before ready ones, and is not replaced', () => {
    const { engine, api, removed } = setup([service('web', 5)]);
    const events = listen(api, 'clusterChanged');
    engine.run(0);
    const [pending, starting, notReady, old, young] = [0, 1, 2, 3, 4];
    api.bind(starting, 0, undefined);
    bindAndStart(api, notReady, 0);
    api.stopContainers(notReady);
    engine.run(10);
    bindAndStart(api, old, 1);
    engine.run(20);
    bindAndStart(api, young, 1);
    engine.run(100);
    api.setDesiredReplicas(0, 1);
    expect(removed.map((h) => [h.args[0], h.args[1], h.args[2]])).toEqual([
      [pending, PodPhase.Pending, 'deleted'],
      [starting, PodPhase.Bound, 'deleted'],
      [notReady, PodPhase.Running, 'deleted'],
      [young, PodPhase.Running, 'deleted'],
    ]);
    expect([...api.workloads[0]!.podIds]).toEqual([old]);
    expect(api.workloads[0]!.ready).toBe(1);
    expect(events.map((h) => [h.t, h.args[0]])).toEqual([[100, ClusterEvent.AssignedPodDelete]]);
    engine.run(HORIZON);
    expect(api.pods.length).toBe(5);
  });

  it('among ready pods it deletes first those on nodes with more replicas, then the most recently started', () => {
    const { engine, api, removed } = setup([service('web', 4)]);
    engine.run(0);
    // n0 holds three replicas started at 10, 20, 30; n1 one started at 40 (the youngest).
    for (const [id, node, t] of [[0, 0, 10], [1, 0, 20], [2, 0, 30], [3, 1, 40]] as const) {
      engine.run(t);
      bindAndStart(api, id, node);
    }
    engine.run(100);
    api.setDesiredReplicas(0, 2);
    expect(removed.map((h) => h.args[0])).toEqual([2, 1]);
    expect([...api.workloads[0]!.podIds].sort()).toEqual([0, 3]);
  });
});

describe('WorkloadController: Jobs', () => {
  it('runs `completions` pods `parallelism` at a time', () => {
    const { engine, api, created } = setup([job('train', { completions: 3, parallelism: 2, duration: fixed(100) })]);
    engine.run(0);
    expect(created.map((h) => h.args[0])).toEqual([0, 1]);
    expect(api.pods.duration[0]).toBe(100);
    bindAndStart(api, 0, 0);
    bindAndStart(api, 1, 0);
    engine.run(100);
    api.podSucceeded(0);
    expect(created.map((h) => [h.t, h.args[0]])).toEqual([[0, 0], [0, 1], [100, 2]]);
    api.podSucceeded(1);
    bindAndStart(api, 2, 1);
    engine.run(200);
    api.podSucceeded(2);
    engine.run(HORIZON);
    expect(api.pods.length).toBe(3);
  });

  /** Fails every pod of the Job as soon as it is created (as a crash-looping image would). */
  function failEveryPod(engine: ReturnType<typeof setup>['engine'], api: Lifecycle): void {
    const kind = engine.defineEvent('test-fail', (id) => api.removePod(id, 'failed'));
    api.on('podCreated', (id) => engine.schedule(0, kind, id));
  }

  it('retries a failed pod after a back-off of 10 s doubling per failure, capped at 360 s, and fails past backoffLimit', () => {
    const { engine, api, created } = setup([job('train', { backoffLimit: 8 })]);
    failEveryPod(engine, api);
    engine.run(HORIZON);
    const t = created.map((h) => h.t);
    expect(t).toEqual([0, 10, 30, 70, 150, 310, 630, 990, 1350]);
    expect(t.slice(1).map((x, k) => x - t[k]!)).toEqual([10, 20, 40, 80, 160, 320, 360, 360]);
  });

  it('backoffLimit defaults to 6: the seventh failure fails the Job', () => {
    const { engine, api, created } = setup([job('train')]);
    failEveryPod(engine, api);
    engine.run(HORIZON);
    expect(created.length).toBe(7);
  });

  it('a retry carries the failed pod\'s incident', () => {
    const { engine, api, created } = setup([job('train')]);
    engine.run(0);
    bindAndStart(api, 0, 0);
    engine.run(50);
    const inc = openIncident(api);
    api.joinIncident(0, inc);
    api.stopContainers(0);
    api.removePod(0, 'failed');
    engine.run(HORIZON);
    expect(created.map((h) => [h.t, h.args[0]])).toEqual([[0, 0], [60, 1]]);
    expect(api.pods.incident[1]).toBe(inc.id);
  });

  it('a Job past its backoffLimit terminates its other pods, running or queued, and drops its pending retries', () => {
    const { engine, api, created, removed } = setup([job('train', { completions: 3, parallelism: 3, backoffLimit: 1 })]);
    engine.run(0);
    bindAndStart(api, 0, 0);
    bindAndStart(api, 1, 0);
    engine.run(5);
    api.stopContainers(0);
    api.removePod(0, 'failed'); // failure 1: a retry is due at 15
    engine.run(7);
    api.stopContainers(1);
    api.removePod(1, 'failed'); // failure 2 > backoffLimit 1: the Job fails
    // (Pod 2's removal is heard inside pod 1's: a later subscriber hears it first.)
    expect(removed.map((h) => [h.t, h.args[0], h.args[1]]).sort((a, b) => a[1]! - b[1]!)).toEqual([[5, 0, PodPhase.Running], [7, 1, PodPhase.Running], [7, 2, PodPhase.Pending]]);
    engine.run(HORIZON);
    expect(created.length).toBe(3);
    expect(api.cluster.totalReqCPU).toBe(0);
  });
});

describe('WorkloadController: batch streams and pod lists', () => {
  it('a batch stream creates one pod per arrival with a drawn duration, up to maxPods', () => {
    const spec = podSpec({ cpu: 2 });
    const batch: BatchWorkload = {
      kind: 'batch', name: 'b', maxPods: 3, duration: fixed(30), startup: fixed(1),
      arrivals: { next: (previous) => (previous === -Infinity ? 50 : previous + 100) },
      pods: { next: () => spec },
    };
    const { engine, api, created } = setup([batch]);
    engine.run(HORIZON);
    expect(created.map((h) => [h.t, api.pods.infos[h.args[0]]!.name, api.pods.duration[h.args[0]]])).toEqual([[50, 'b-0', 30], [150, 'b-1', 30], [250, 'b-2', 30]]);
    expect(api.pods.infos[0]!.spec).toBe(spec);
  });

  it('a pod list creates each pod at its time, with its name, spec and duration', () => {
    const spec = podSpec({ cpu: 3 });
    const list: PodListWorkload = {
      kind: 'pods', name: 'manifests', startup: fixed(1),
      pods: [{ at: 20, name: 'first', spec, duration: 5 }, { at: 10, spec, duration: Infinity }, { at: HORIZON + 1, spec, duration: 1 }],
    };
    const { engine, api, created } = setup([list]);
    engine.run(HORIZON + 10);
    expect(created.map((h) => [h.t, api.pods.infos[h.args[0]]!.name, api.pods.duration[h.args[0]]])).toEqual([[10, 'manifests-1', Infinity], [20, 'first', 5]]);
  });
});

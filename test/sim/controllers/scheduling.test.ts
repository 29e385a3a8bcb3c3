import { describe, expect, it } from 'vitest';
import { ClusterEvent } from '../../../src/api/framework.js';
import { PodPhase } from '../../../src/api/pod.js';
import { SchedulingController } from '../../../src/sim/controllers/scheduling.js';
import { RandomStream } from '../../../src/util/random.js';
import { FirstFitScheduler, listen, nodeSpec, podSpec, service, store } from '../../helpers/store.js';

/**
 * The scheduling controller alone, with a first-fit stub scheduler: the test creates and
 * removes pods (the workload controllers' part) and announces cluster events (the kubelet's and
 * the node lifecycle's part) through the lifecycle API. Queue timings: kube-scheduler's
 * PriorityQueue (podInitialBackoffSeconds 1 s, podMaxInUnschedulablePodsDuration 5 min).
 */

const HORIZON = 10_000;

function setup(cpus: number[], discipline: 'kubernetes' | 'fifo' = 'kubernetes', failEvents?: number) {
  const s = store(cpus.map((cpu, i) => nodeSpec(`n${i}`, { cpu })), [service('web', 0)]);
  const scheduler = new FirstFitScheduler(failEvents);
  const controller = new SchedulingController(s.api, scheduler, discipline, new RandomStream(1, 'scheduler/tie-break'), HORIZON);
  const bound = listen(s.api, 'podBound');
  const attempts = listen(s.api, 'attempt');
  /** Creates a pod of `cpu` cores and priority now. */
  const pod = (cpu: number, priority = 0) => s.api.createPod(0, `p${s.api.pods.length}`, podSpec({ cpu, priority }), Infinity);
  return { ...s, scheduler, controller, bound, attempts, pod };
}

describe('SchedulingController', () => {
  it('binds the pods created at one time in priority order, then in creation order', () => {
    const { engine, api, bound, pod } = setup([16]);
    engine.run(5);
    const ids = [pod(1, 0), pod(1, 100), pod(1, 50), pod(1, 100)];
    expect(bound).toEqual([]); // the scheduling cycle is an event of its own
    engine.run(HORIZON);
    expect(bound.map((h) => [h.t, h.args[0], h.args[2]])).toEqual([[5, ids[1], 0], [5, ids[3], 0], [5, ids[2], 0], [5, ids[0], 0]]);
    expect(api.pendingIds.size).toBe(0);
  });

  it('binds a pod when it is created, to the node the scheduler picked, and records the attempt', () => {
    const { engine, api, bound, attempts, pod } = setup([1, 4]);
    engine.run(7);
    const id = pod(2);
    engine.run(HORIZON);
    expect(bound.map((h) => [h.t, h.args[0], h.args[1]])).toEqual([[7, id, 1]]);
    expect(api.pods.phase[id]).toBe(PodPhase.Bound);
    expect(attempts.map((h) => h.args)).toEqual([[id, 2, false]]);
    expect(api.pods.unschedulable[id]).toBe(0);
  });

  it('a failed attempt sets pods.unschedulable; the pod is retried on a cluster event that can help, not on others', () => {
    const { engine, api, bound, attempts, pod, scheduler } = setup([2], 'kubernetes', ClusterEvent.AssignedPodDelete);
    const a = pod(2);
    const b = pod(2);
    engine.run(100);
    expect(attempts.map((h) => [h.t, ...h.args])).toEqual([[0, a, 1, false], [0, b, 1, true]]);
    expect(api.pods.unschedulable[b]).toBe(1);
    expect(api.pods.phase[b]).toBe(PodPhase.Pending);
    api.clusterChanged(ClusterEvent.NodeAdd);
    engine.run(120);
    expect(scheduler.calls).toEqual([a, b]);
    api.removePod(a, 'deleted');
    api.clusterChanged(ClusterEvent.AssignedPodDelete);
    engine.run(HORIZON);
    expect(bound.map((h) => [h.t, h.args[0], h.args[2]])).toEqual([[0, a, 0], [120, b, 120]]);
    expect(scheduler.calls).toEqual([a, b, b]);
  });

  it('a pod that failed waits out its back-off (1 s) even when a cluster event comes sooner', () => {
    const { engine, api, bound, pod } = setup([2]);
    const a = pod(2);
    const b = pod(2);
    engine.run(0.5);
    api.removePod(a, 'deleted');
    api.clusterChanged(ClusterEvent.AssignedPodDelete);
    engine.run(HORIZON);
    expect(bound.map((h) => [h.t, h.args[0]])).toEqual([[0, a], [1, b]]);
  });

  it('an unschedulable pod with no helpful event is retried by the periodic flush, 5 minutes after its failure', () => {
    const { engine, pod, scheduler, attempts } = setup([1]);
    const id = pod(2);
    engine.run(700);
    expect(scheduler.calls).toEqual([id, id, id]);
    expect(attempts.map((h) => h.t)).toEqual([0, 300, 600]);
  });

  it('a pod deleted while it waited is dropped, never tried', () => {
    const { engine, api, pod, scheduler, bound } = setup([4]);
    const a = pod(1);
    const b = pod(1);
    api.removePod(a, 'deleted');
    engine.run(HORIZON);
    expect(scheduler.calls).toEqual([b]);
    expect(bound.map((h) => h.args[0])).toEqual([b]);
  });

  it('fifo: pods are tried in creation order whatever their priority, and a failed head blocks those behind it until an event', () => {
    const { engine, api, bound, pod } = setup([3], 'fifo', ClusterEvent.AssignedPodDelete);
    const a = pod(2, 0);
    engine.run(1);
    const b = pod(2, 0);
    const c = pod(1, 1000);
    engine.run(50);
    // b does not fit; c would, but waits behind it.
    expect(bound.map((h) => h.args[0])).toEqual([a]);
    api.removePod(a, 'deleted');
    api.clusterChanged(ClusterEvent.AssignedPodDelete);
    engine.run(HORIZON);
    expect(bound.map((h) => [h.t, h.args[0]])).toEqual([[0, a], [50, b], [50, c]]);
  });

  // Regression: a blocked FIFO queue pops nothing until an event in the head's own mask. Here the
  // head failed on NodeAdd-only grounds (say, a node selector no node matches) and is then
  // deleted by a scale-down (which announces AssignedPodDelete only): the pod behind it, which
  // fits, must be scheduled (the scheduler hears the deletion and the queue drops its head).
  it('fifo: a deleted pod at the head of a blocked queue no longer blocks it', () => {
    const { engine, api, bound, pod } = setup([3], 'fifo', ClusterEvent.NodeAdd);
    const head = pod(4);
    const next = pod(1);
    engine.run(10);
    expect(bound).toEqual([]);
    api.removePod(head, 'deleted');
    api.clusterChanged(ClusterEvent.AssignedPodDelete);
    engine.run(HORIZON);
    expect(bound.map((h) => h.args[0])).toEqual([next]);
  });
});

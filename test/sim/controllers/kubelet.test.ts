import { describe, expect, it } from 'vitest';
import { ClusterEvent } from '../../../src/api/framework.js';
import { PodPhase } from '../../../src/api/pod.js';
import { KubeletController } from '../../../src/sim/controllers/kubelet.js';
import { crashBackoff } from '../../../src/sim/failures.js';
import { RandomStreams } from '../../../src/util/random.js';
import { crashes, createPod, fixed, job, listen, nodeSpec, openIncident, service, store } from '../../helpers/store.js';

/**
 * The kubelet controller alone: the test binds pods (the scheduler's part) and fails nodes (the
 * failure injector's part) through the lifecycle API. Timings: KUBERNETES.md section 3.
 */

const HORIZON = 10_000;

function setup(workloads: Parameters<typeof store>[1]) {
  const s = store([nodeSpec('n0'), nodeSpec('n1')], workloads);
  new KubeletController(s.api, new RandomStreams(1), HORIZON);
  const running = listen(s.api, 'podPhaseChanged');
  /** When each pod went Bound -> Running. */
  const starts = (id: number) => running.filter((h) => h.args[0] === id && h.args[2] === PodPhase.Running).map((h) => h.t);
  return { ...s, starts };
}

describe('KubeletController: start-up and completion', () => {
  it('a bound pod is Running and ready exactly its start-up delay after the bind', () => {
    const { engine, api, starts } = setup([service('web', 1, { startup: fixed(20) })]);
    const id = createPod(api, 0);
    engine.run(100);
    api.bind(id, 0, undefined);
    engine.run(119.999);
    expect(api.pods.phase[id]).toBe(PodPhase.Bound);
    expect(api.workloads[0]!.ready).toBe(0);
    engine.run(HORIZON);
    expect(starts(id)).toEqual([120]);
    expect(api.pods.phase[id]).toBe(PodPhase.Running);
    expect(api.pods.startedAt[id]).toBe(120);
    expect(api.workloads[0]!.ready).toBe(1);
    // A service replica runs until it is removed.
    expect(api.pods.finishDue[id]).toBeNaN();
  });

  it('a job pod Succeeds its duration after it started, releasing its node, and the scheduler hears AssignedPodDelete', () => {
    const { engine, api, starts } = setup([job('train', { startup: fixed(20) })]);
    const succeeded = listen(api, 'podSucceeded');
    const events = listen(api, 'clusterChanged');
    const id = createPod(api, 0, 300);
    engine.run(100);
    api.bind(id, 1, undefined);
    engine.run(HORIZON);
    expect(starts(id)).toEqual([120]);
    expect(succeeded.map((h) => [h.t, h.args[0]])).toEqual([[420, id]]);
    expect(api.pods.phase[id]).toBe(PodPhase.Succeeded);
    expect(api.cluster.podCounts[1]).toBe(0);
    expect(events.map((h) => [h.t, h.args[0]])).toEqual([[420, ClusterEvent.AssignedPodDelete]]);
  });
});

describe('KubeletController: CrashLoopBackOff (10 s doubling to 300 s, reset after 10 min running)', () => {
  it('each consecutive restart waits twice as long, capped at 300 s', () => {
    const { engine, api, starts } = setup([service('web', 1, { startup: fixed(5), crashes: crashes(50) })]);
    const id = createPod(api, 0);
    api.bind(id, 0, undefined);
    engine.run(1340);
    const s = starts(id);
    expect(s).toEqual([5, 70, 145, 240, 375, 590, 945, 1300]);
    // Start k+1 = start k + 50 s running + back-off + 5 s start-up.
    const backoffs = s.slice(1).map((t, k) => t - s[k]! - 50 - 5);
    expect(backoffs).toEqual([10, 20, 40, 80, 160, 300, 300]);
    expect(backoffs).toEqual([1, 2, 3, 4, 5, 6, 7].map(crashBackoff));
    expect(api.pods.restarts[id]).toBe(7);
  });

  it('every crash is a container incident, recovered by the restart', () => {
    const { engine, api } = setup([service('web', 1, { startup: fixed(5), crashes: crashes(50) })]);
    const stopped = listen(api, 'containersStopped');
    const id = createPod(api, 0);
    api.bind(id, 0, undefined);
    engine.run(60);
    // Not ready while the container waits for its restart.
    expect(api.workloads[0]!.ready).toBe(0);
    expect(api.pods.phase[id]).toBe(PodPhase.Bound);
    engine.run(100);
    expect(stopped.map((h) => h.t)).toEqual([55]);
    expect(api.incidents).toHaveLength(1);
    const inc = api.incidents[0]!;
    expect(inc.domainKind).toBe('container');
    expect(inc.domain).toBe('web-0');
    expect([inc.onset, inc.detected, inc.recovered, inc.affectedReplicas, inc.path]).toEqual([55, 55, 70, 1, 'restarted']);
    expect(api.workloads[0]!.ready).toBe(1);
  });

  it('a hung container is found by the liveness probe after 10 s x 3, then backs off', () => {
    const { engine, api, starts } = setup([service('web', 1, { startup: fixed(5), crashes: crashes(50, 1) })]);
    const id = createPod(api, 0);
    api.bind(id, 0, undefined);
    engine.run(200);
    expect(api.incidents[0]!.detected).toBe(55 + 30);
    expect(starts(id).slice(0, 2)).toEqual([5, 55 + 30 + 10 + 5]);
  });

  it('ten minutes of clean running resets the back-off to 10 s', () => {
    const { engine, api, starts } = setup([service('web', 1, { startup: fixed(5), crashes: crashes(700) })]);
    const id = createPod(api, 0);
    api.bind(id, 0, undefined);
    engine.run(2200);
    expect(starts(id)).toEqual([5, 720, 1435, 2150]);
    expect(api.pods.restarts[id]).toBe(1);
  });

  it('a crash that would come after the pod finished never happens', () => {
    const { engine, api, starts } = setup([job('train', { startup: fixed(5), crashes: crashes(50) })]);
    const succeeded = listen(api, 'podSucceeded');
    const id = createPod(api, 0, 40);
    api.bind(id, 0, undefined);
    engine.run(HORIZON);
    // 40 s of work finishes before the first crash at 50 s.
    expect(starts(id)).toEqual([5]);
    expect(succeeded.map((h) => h.t)).toEqual([45]);
  });
});

describe('KubeletController: the node goes down and comes back', () => {
  it('containers stop when the machine fails; a service replica resumes when it is back, a job pod fails', () => {
    const { engine, api } = setup([service('web', 1, { startup: fixed(5) }), job('train', { startup: fixed(5) })]);
    const stopped = listen(api, 'containersStopped');
    const removed = listen(api, 'podRemoved');
    const events = listen(api, 'clusterChanged');
    const web = createPod(api, 0);
    const train = createPod(api, 1, 1000);
    api.bind(web, 0, undefined);
    api.bind(train, 0, undefined);
    engine.run(100);
    const inc = openIncident(api);
    api.nodeFailed(0, inc.id);
    expect(stopped.map((h) => [h.t, h.args[0]])).toEqual([[100, web], [100, train]]);
    expect([api.pods.live[web], api.pods.live[train]]).toEqual([0, 0]);
    expect(api.workloads[0]!.ready).toBe(0);
    expect([inc.affectedReplicas, inc.outstanding]).toEqual([2, 2]);
    // The job's finish (due at 1005) is called off: its containers died.
    engine.run(1200);
    expect(api.pods.phase[train]).toBe(PodPhase.Running);
    api.nodeRepaired(0);
    expect(api.pods.live[web]).toBe(1);
    expect(api.workloads[0]!.ready).toBe(1);
    expect(removed.map((h) => [h.t, h.args[0], h.args[1], h.args[2]])).toEqual([[1200, train, PodPhase.Running, 'failed']]);
    expect(events.map((h) => [h.t, h.args[0]])).toEqual([[1200, ClusterEvent.AssignedPodDelete]]);
    expect(inc.evicted).toBe(1200);
    expect(inc.outstanding).toBe(1);
    expect(inc.recovered).toBeNaN();
  });

  it('a replica whose node fails while it starts starts when the node is back: resumed (issue 16 bug a)', () => {
    const { engine, api, starts } = setup([service('web', 1, { startup: fixed(20) })]);
    const id = createPod(api, 0);
    api.bind(id, 0, undefined);
    engine.run(10);
    const inc = openIncident(api);
    api.nodeFailed(0, inc.id);
    engine.run(100);
    expect(starts(id)).toEqual([]);
    api.nodeRepaired(0);
    engine.run(HORIZON);
    expect(starts(id)).toEqual([120]);
    expect([inc.affectedReplicas, inc.recovered, inc.path]).toEqual([1, 120, 'resumed']);
  });

  it('a container in its restart back-off when the node comes back waits for the back-off', () => {
    const { engine, api, starts } = setup([service('web', 1, { startup: fixed(5), crashes: crashes(50) })]);
    const id = createPod(api, 0);
    api.bind(id, 0, undefined);
    // Crash at 55, restart due at 65.
    engine.run(60);
    const inc = openIncident(api);
    api.nodeFailed(0, inc.id);
    api.nodeRepaired(0);
    engine.run(100);
    expect(starts(id)).toEqual([5, 70]);
  });

  it('pods on other nodes are not touched', () => {
    const { engine, api } = setup([service('web', 2, { startup: fixed(5) })]);
    const a = createPod(api, 0);
    const b = createPod(api, 0);
    api.bind(a, 0, undefined);
    api.bind(b, 1, undefined);
    engine.run(50);
    api.nodeFailed(0, openIncident(api).id);
    expect([api.pods.live[a], api.pods.live[b]]).toEqual([0, 1]);
    expect(api.workloads[0]!.ready).toBe(1);
  });
});

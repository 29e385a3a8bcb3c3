import { describe, expect, it } from 'vitest';
import { PodPhase } from '../../../src/api/pod.js';
import { PROBE_DEFAULTS, type ContainerProbes, type ProbeTiming } from '../../../src/api/workload.js';
import { KubeletController } from '../../../src/sim/controllers/kubelet.js';
import { crashBackoff } from '../../../src/sim/failures.js';
import { RandomStreams } from '../../../src/util/random.js';
import { createPod, fixed, listen, nodeSpec, openIncident, service, store } from '../../helpers/store.js';

/**
 * The kubelet's prober through the store: Ready (the pod table's `ready` and the service's ready
 * count) follows the readiness probe; startup and liveness probes that give up on a slow start
 * restart the container with CrashLoopBackOff. Timeline rules: src/sim/probes.ts.
 */

const HORIZON = 10_000;
const probe = (o: Partial<ProbeTiming> = {}): ProbeTiming => ({ ...PROBE_DEFAULTS, ...o });

function setup(probes: ContainerProbes, startup = 12, replicas = 1) {
  const s = store([nodeSpec('n0'), nodeSpec('n1')], [service('web', replicas, { startup: fixed(startup), probes })]);
  new KubeletController(s.api, new RandomStreams(1), HORIZON);
  const ready = listen(s.api, 'readyChanged');
  return { ...s, readyTimes: () => ready.filter((h) => h.args[0].ready > h.args[2]).map((h) => h.t) };
}

describe('KubeletController: probes', () => {
  it('a readiness probe (initialDelay 5, period 10, successThreshold 2) makes the pod Ready at 30 s, not when it runs at 12 s', () => {
    const { engine, api, readyTimes } = setup({ readiness: { ...probe({ initialDelaySeconds: 5, successThreshold: 2 }), neverReadyFraction: 0 } });
    const id = createPod(api, 0);
    api.bind(id, 0, undefined);
    engine.run(29.999);
    expect(api.pods.phase[id]).toBe(PodPhase.Running);
    expect([api.pods.live[id], api.pods.ready[id], api.workloads[0]!.ready]).toEqual([1, 0, 0]);
    engine.run(HORIZON);
    expect(readyTimes()).toEqual([30]);
    expect(api.pods.ready[id]).toBe(1);
  });

  it('a startup probe that runs out of its budget restarts the container, again and again with CrashLoopBackOff', () => {
    // App up 25 s after each start; startup probe at 0, 10, 20: killed 20 s after each start.
    const { engine, api, readyTimes } = setup({ startup: probe() }, 25);
    const changed = listen(api, 'podChanged');
    const id = createPod(api, 0);
    api.bind(id, 0, undefined);
    engine.run(1000);
    expect(api.pods.phase[id]).toBe(PodPhase.Bound);
    expect(readyTimes()).toEqual([]);
    // Kills at 20, then 20 s after each restart (10, 20, 40, 80, 160 s back-off).
    const kills = [20];
    for (let k = 1; kills.at(-1)! + crashBackoff(k) + 20 <= 1000; k++) kills.push(kills.at(-1)! + crashBackoff(k) + 20);
    expect(kills.slice(0, 4)).toEqual([20, 50, 90, 150]);
    expect(api.pods.restarts[id]).toBe(kills.length);
    expect(changed.filter((h) => h.args[0] === id).map((h) => h.t)).toEqual(kills);
  });

  it('a liveness probe too eager for a slow start kills it; a startup probe shields it', () => {
    const eager = setup({ liveness: probe() }, 45);
    const a = createPod(eager.api, 0);
    eager.api.bind(a, 0, undefined);
    eager.engine.run(HORIZON);
    expect(eager.api.pods.ready[a]).toBe(0);
    expect(eager.api.pods.restarts[a]).toBeGreaterThan(3);

    const shielded = setup({ startup: probe({ failureThreshold: 10 }), liveness: probe() }, 45);
    const b = createPod(shielded.api, 0);
    shielded.api.bind(b, 0, undefined);
    shielded.engine.run(HORIZON);
    expect(shielded.readyTimes()).toEqual([50]);
    expect(shielded.api.pods.restarts[b]).toBe(0);
  });

  it('a never-ready replica runs but is never counted; the others are', () => {
    const { engine, api } = setup({ readiness: { ...probe(), neverReadyFraction: 1 } }, 5, 2);
    const a = createPod(api, 0);
    api.bind(a, 0, undefined);
    engine.run(HORIZON);
    expect([api.pods.phase[a], api.pods.live[a], api.pods.ready[a], api.workloads[0]!.ready]).toEqual([PodPhase.Running, 1, 0, 0]);
  });

  it('a node back before eviction: the resumed replica is Ready at its readiness probe\'s next pass', () => {
    const { engine, api, readyTimes } = setup({ readiness: { ...probe({ periodSeconds: 15 }), neverReadyFraction: 0 } }, 5);
    const id = createPod(api, 0);
    api.bind(id, 0, undefined);
    engine.run(100);
    expect(readyTimes()).toEqual([15]);
    const inc = openIncident(api);
    api.nodeFailed(0, inc.id);
    expect(api.pods.ready[id]).toBe(0);
    engine.run(200);
    api.nodeRepaired(0);
    expect([api.pods.live[id], api.pods.ready[id]]).toEqual([1, 1]); // period grid from the resume: tick 0 passes
    expect(readyTimes()).toEqual([15, 200]);
    expect(inc.recovered).toBe(200);
  });

  it('a crash stops a replica that was never Ready without counting it down', () => {
    const { engine, api } = setup({ readiness: { ...probe(), neverReadyFraction: 1 } }, 5);
    const id = createPod(api, 0);
    api.bind(id, 0, undefined);
    engine.run(50);
    api.stopContainers(id);
    expect(api.workloads[0]!.ready).toBe(0);
  });
});

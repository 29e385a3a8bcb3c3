import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { PodPhase } from '../../src/api/pod.js';
import { MetricsRecorder } from '../../src/sim/metrics.js';
import { Gi } from '../helpers/cluster.js';
import { createPod, job, listen, nodeSpec, openIncident, podSpec, runningPod, service, start, store } from '../helpers/store.js';

/** The store and its lifecycle API alone: what each call changes and which hooks it fires. */

const twoNodes = () => [nodeSpec('n0', { cpu: 4, memory: 8 * Gi }), nodeSpec('n1', { cpu: 2, memory: 4 * Gi })];

describe('Lifecycle: pods', () => {
  it('createPod queues a Pending pod of its workload and tells podCreated', () => {
    const { engine, api } = store(twoNodes(), [service('web', 2), job('batch')]);
    const created = listen(api, 'podCreated');
    engine.run(5);
    const a = createPod(api, 0);
    const b = createPod(api, 1, 100);
    expect([a, b]).toEqual([0, 1]);
    expect(api.pods.phase[a]).toBe(PodPhase.Pending);
    expect(api.pods.createdAt[a]).toBe(5);
    expect(api.pods.duration[b]).toBe(100);
    expect(api.pods.infos[a]!.name).toBe('web-0');
    expect([...api.pendingIds]).toEqual([0, 1]);
    expect(api.workloads[0]!.created).toBe(1);
    // Only a service's pods belong to its ReplicaSet.
    expect([...api.workloads[0]!.podIds]).toEqual([0]);
    expect([...api.workloads[1]!.podIds]).toEqual([]);
    expect(created.map((h) => [h.t, h.args[0]])).toEqual([[5, 0], [5, 1]]);
  });

  it('bind takes the node\'s resources, after beforeChange, and tells podBound how long the pod waited', () => {
    const { engine, api } = store(twoNodes(), [service('web', 1, { spec: podSpec({ cpu: 1.5, memory: 2 * Gi }) })]);
    const seen: number[] = [];
    api.on('beforeChange', () => seen.push(api.cluster.totalReqCPU));
    const bound = listen(api, 'podBound');
    engine.run(10);
    const id = createPod(api, 0);
    engine.run(25);
    api.bind(id, 1, undefined);
    expect(seen).toEqual([0]); // heard before the change
    expect(api.pods.phase[id]).toBe(PodPhase.Bound);
    expect(api.pods.node[id]).toBe(1);
    expect(api.pods.boundAt[id]).toBe(25);
    expect(api.pendingIds.size).toBe(0);
    expect(api.cluster.reqCPU[1]).toBe(1500);
    expect(api.cluster.reqMem[1]).toBe(2 * Gi);
    expect(api.cluster.totalReqCPU).toBe(1500);
    expect(api.cluster.podCounts[1]).toBe(1);
    expect(api.cluster.nodes[1]!.pods.map((p) => p.id)).toEqual([id]);
    expect(bound.map((h) => h.args)).toEqual([[id, 1, 15]]);
  });

  it('startPod makes a bound pod Running; replicaReady counts it for its service', () => {
    const { engine, api } = store(twoNodes(), [service('web', 1)]);
    const phases = listen(api, 'podPhaseChanged');
    const ready = listen(api, 'readyChanged');
    const id = createPod(api, 0);
    api.bind(id, 0, undefined);
    engine.run(30);
    api.startPod(id);
    expect(api.pods.phase[id]).toBe(PodPhase.Running);
    expect(api.pods.startedAt[id]).toBe(30);
    expect(api.pods.live[id]).toBe(1);
    expect(phases.map((h) => h.args)).toEqual([[id, PodPhase.Bound, PodPhase.Running]]);
    expect(api.workloads[0]!.ready).toBe(0);
    api.replicaReady(id, 'rescheduled');
    expect(api.workloads[0]!.ready).toBe(1);
    expect(ready.map((h) => [h.t, h.args[2]])).toEqual([[30, 0]]);
  });

  it('stopContainers counts a pod\'s stop once, however many causes stack up', () => {
    const { api } = store(twoNodes(), [service('web', 1)]);
    const stopped = listen(api, 'containersStopped');
    const id = runningPod(api, 0, 0);
    api.stopContainers(id);
    api.stopContainers(id);
    expect(api.pods.live[id]).toBe(0);
    expect(api.workloads[0]!.ready).toBe(0);
    expect(stopped.length).toBe(1);
    // The pod stays where it is.
    expect(api.pods.phase[id]).toBe(PodPhase.Running);
    expect(api.cluster.podCounts[0]).toBe(1);
  });

  it('containerCrashed keeps the pod Bound with its restart count; resume makes it live again', () => {
    const { api } = store(twoNodes(), [service('web', 1)]);
    const phases = listen(api, 'podPhaseChanged');
    const changed = listen(api, 'podChanged');
    const id = runningPod(api, 0, 0);
    api.stopContainers(id);
    api.containerCrashed(id, 3);
    expect(api.pods.phase[id]).toBe(PodPhase.Bound);
    expect(api.pods.restarts[id]).toBe(3);
    expect(phases.at(-1)!.args).toEqual([id, PodPhase.Running, PodPhase.Bound]);
    const before = changed.length;
    api.resume(id);
    expect(api.pods.live[id]).toBe(1);
    expect(changed.length).toBe(before + 1);
  });

  it('podSucceeded releases the node', () => {
    const { engine, api } = store(twoNodes(), [job('batch', { spec: podSpec({ cpu: 2 }) })]);
    const succeeded = listen(api, 'podSucceeded');
    const id = runningPod(api, 0, 0, 50);
    engine.run(50);
    api.podSucceeded(id);
    expect(api.pods.phase[id]).toBe(PodPhase.Succeeded);
    expect(api.cluster.totalReqCPU).toBe(0);
    expect(api.cluster.nodes[0]!.pods).toEqual([]);
    expect(succeeded.map((h) => [h.t, h.args[0]])).toEqual([[50, id]]);
  });

  it('removePod drops a queued pod from the queue and a bound pod from its node, telling its phase before and the reason', () => {
    const { api } = store(twoNodes(), [service('web', 2)]);
    const removed = listen(api, 'podRemoved');
    const queued = createPod(api, 0);
    const running = runningPod(api, 0, 1);
    api.removePod(queued, 'deleted');
    api.stopContainers(running);
    api.removePod(running, 'failed');
    expect(api.pods.phase[queued]).toBe(PodPhase.Failed);
    expect(api.pods.phase[running]).toBe(PodPhase.Failed);
    expect(api.pendingIds.size).toBe(0);
    expect(api.workloads[0]!.podIds.size).toBe(0);
    expect(api.cluster.totalReqCPU).toBe(0);
    expect(api.cluster.podCounts[1]).toBe(0);
    expect(removed.map((h) => h.args)).toEqual([[queued, PodPhase.Pending, 'deleted'], [running, PodPhase.Running, 'failed']]);
  });

  it('recordAttempt sets PodScheduled=False only on a failure', () => {
    const { api } = store(twoNodes(), [service('web', 2)]);
    const attempts = listen(api, 'attempt');
    const a = createPod(api, 0);
    const b = createPod(api, 0);
    api.recordAttempt(a, 2, false);
    api.recordAttempt(b, 2, true);
    expect([api.pods.unschedulable[a], api.pods.unschedulable[b]]).toEqual([0, 1]);
    expect(attempts.map((h) => h.args)).toEqual([[a, 2, false], [b, 2, true]]);
  });

  it('subscribers hear a change in the order they subscribed', () => {
    const { api } = store(twoNodes(), [service('web', 1)]);
    const order: string[] = [];
    api.on('podCreated', () => order.push('first'));
    api.on('podCreated', () => order.push('second'));
    createPod(api, 0);
    expect(order).toEqual(['first', 'second']);
  });

  it('every hook of a pod\'s life reaches each of three subscribers, in the order they subscribed, with its arguments', () => {
    const { engine, api } = store(twoNodes(), [job('batch')]);
    const heard: string[] = [];
    const hooks = ['beforeChange', 'podCreated', 'podBound', 'podPhaseChanged', 'podChanged', 'containersStopped', 'podSucceeded', 'podRemoved', 'clusterChanged', 'attempt'] as const;
    for (const who of ['a', 'b', 'c']) {
      for (const hook of hooks) api.on(hook, (...args: unknown[]) => heard.push(`${who} ${hook} ${args.join(',')}`));
    }
    engine.run(4);
    const id = createPod(api, 0, 50);
    api.recordAttempt(id, 2, true);
    api.bind(id, 1, undefined);
    api.startPod(id);
    api.podChanged(id);
    api.podSucceeded(id);
    api.clusterChanged(3);
    const gone = createPod(api, 0, 50);
    api.bind(gone, 0, undefined);
    api.stopContainers(gone);
    api.startPod(gone);
    api.stopContainers(gone);
    api.removePod(gone, 'failed');
    const each = (line: string) => ['a', 'b', 'c'].map((who) => `${who} ${line}`);
    expect(heard).toEqual([
      ...each(`podCreated ${id}`),
      ...each(`attempt ${id},2,true`),
      ...each('beforeChange 4'),
      ...each(`podBound ${id},1,0`),
      ...each(`podPhaseChanged ${id},${PodPhase.Bound},${PodPhase.Running}`),
      ...each(`podChanged ${id}`),
      ...each('beforeChange 4'),
      ...each(`podSucceeded ${id}`),
      ...each('clusterChanged 3'),
      ...each(`podCreated ${gone}`),
      ...each('beforeChange 4'),
      ...each(`podBound ${gone},0,0`),
      ...each(`podPhaseChanged ${gone},${PodPhase.Bound},${PodPhase.Running}`),
      ...each(`podChanged ${gone}`),
      ...each(`containersStopped ${gone},4`),
      ...each('beforeChange 4'),
      ...each(`podRemoved ${gone},${PodPhase.Running},failed`),
    ]);
  });
});

describe('Lifecycle: workloads and incidents', () => {
  it('setDesiredReplicas changes spec.replicas and tells the old value', () => {
    const { engine, api } = store(twoNodes(), [service('web', 3)]);
    const changed = listen(api, 'desiredChanged');
    engine.run(7);
    api.setDesiredReplicas(0, 5);
    expect(api.workloads[0]!.desired).toBe(5);
    expect(changed.map((h) => [h.t, h.args[0].index, h.args[2]])).toEqual([[7, 0, 3]]);
  });

  it('an incident counts a replica once and closes when the last replica is ready again', () => {
    const { engine, api } = store(twoNodes(), [service('web', 2)]);
    const a = runningPod(api, 0, 0);
    const b = runningPod(api, 0, 0);
    const first = openIncident(api, 'first');
    const second = openIncident(api, 'second');
    api.joinIncident(a, first);
    api.joinIncident(b, first);
    api.joinIncident(a, second); // already the first incident's
    expect([first.affectedReplicas, first.outstanding, second.affectedReplicas]).toEqual([2, 2, 0]);
    expect(api.pods.hit[a]).toBe(1);
    api.stopContainers(a);
    api.stopContainers(b);
    engine.run(40);
    api.replicaReady(a, 'resumed');
    expect(first.outstanding).toBe(1);
    expect(first.recovered).toBeNaN();
    engine.run(60);
    api.replicaReady(b, 'resumed');
    expect(first.recovered).toBe(60);
    expect(first.path).toBe('resumed');
    expect(api.pods.incident[b]).toBe(-1);
  });

  it('bind records the last bind of an incident\'s replacement', () => {
    const { engine, api } = store(twoNodes(), [service('web', 1)]);
    const inc = openIncident(api);
    const id = api.createPod(0, 'web-r', podSpec(), Infinity, inc.id);
    engine.run(12);
    api.bind(id, 0, undefined);
    expect(inc.lastBound).toBe(12);
  });
});

describe('Lifecycle: nodes', () => {
  it('overlapping failures: the first takes the machine down, the last brings it back', () => {
    const { engine, api } = store(twoNodes(), []);
    const down = listen(api, 'nodeDown');
    const up = listen(api, 'nodeUp');
    engine.run(10);
    api.nodeFailed(1, 0);
    api.nodeFailed(1, 1);
    expect(api.isNodeUp(1)).toBe(false);
    expect(api.isNodeUp(0)).toBe(true);
    engine.run(20);
    api.nodeRepaired(1);
    expect(api.isNodeUp(1)).toBe(false);
    engine.run(30);
    api.nodeRepaired(1);
    expect(api.isNodeUp(1)).toBe(true);
    expect(down.map((h) => h.args)).toEqual([[1, 0, 10]]);
    expect(up.map((h) => h.args)).toEqual([[1, 30]]);
    // Up or down, the control plane's Ready condition is the node lifecycle controller's to set.
    expect(api.isNodeReady(1)).toBe(true);
  });

  it('setNodeReady sets the Ready condition and the node\'s taints', () => {
    const { api } = store(twoNodes(), []);
    const taint = { key: 'node.kubernetes.io/unreachable', effect: 'NoExecute' as const };
    api.setNodeReady(0, false, [taint]);
    expect(api.isNodeReady(0)).toBe(false);
    expect(api.cluster.nodes[0]!.taints).toEqual([taint]);
    api.setNodeReady(0, true, []);
    expect(api.isNodeReady(0)).toBe(true);
    expect(api.cluster.nodes[0]!.taints).toEqual([]);
  });

  it('overlapping drains keep a node cordoned until the last ends; then it is back to its declared state', () => {
    const { api } = store([nodeSpec('n0'), nodeSpec('n1', { unschedulable: true })], []);
    api.cordon(0, true);
    api.cordon(0, true);
    api.endDrain(0);
    expect(api.cluster.nodes[0]!.unschedulable).toBe(true);
    api.endDrain(0);
    expect(api.cluster.nodes[0]!.unschedulable).toBe(false);
    api.cordon(1, true);
    api.endDrain(1);
    expect(api.cluster.nodes[1]!.unschedulable).toBe(true);
  });

  it('removeNode tells beforeChange before the cluster\'s totals change', () => {
    const { api } = store(twoNodes(), []);
    const seen: number[] = [];
    api.on('beforeChange', () => seen.push(api.cluster.totalAllocCPU));
    api.removeNode(1);
    expect(seen).toEqual([6000]);
  });

  // Regression: "beforeChange comes before a change of the cluster's totals, so time-weighted
  // metrics integrate the old state up to now" (StoreHooks) holds for addNode too.
  it('addNode tells beforeChange before the cluster\'s totals change', () => {
    const { api } = store(twoNodes(), []);
    const seen: number[] = [];
    api.on('beforeChange', () => seen.push(api.cluster.totalAllocCPU));
    api.addNode(nodeSpec('n2', { cpu: 8 }));
    expect(seen).toEqual([6000]);
  });

  it('addNode and removeNode change the cluster and are heard; an occupied node cannot be removed', () => {
    const { engine, api } = store(twoNodes(), [service('web', 1)]);
    const added = listen(api, 'nodeAdded');
    const removed = listen(api, 'nodeRemoved');
    const node = api.addNode(nodeSpec('n2', { cpu: 8 }));
    expect(node.index).toBe(2);
    expect(api.cluster.liveNodes).toBe(3);
    expect(api.cluster.totalAllocCPU).toBe(14000);
    expect(api.isNodeUp(2) && api.isNodeReady(2)).toBe(true);
    expect(added.map((h) => h.args[0].name)).toEqual(['n2']);
    engine.run(100);
    api.removeNode(2);
    expect(api.cluster.liveNodes).toBe(2);
    expect(api.cluster.totalAllocCPU).toBe(6000);
    expect(removed.map((h) => h.args)).toEqual([[2, 100]]);
    // Its pods must be gone first (the cluster refuses; callers drain before deleting).
    runningPod(api, 0, 0);
    expect(() => api.removeNode(0)).toThrow(/still has 1 pod/);
  });
});

// ---- the count invariant, for random legal sequences of lifecycle calls ---------------------

type Op =
  | { kind: 'create'; wi: number }
  | { kind: 'bind'; pick: number; node: number }
  | { kind: 'start'; pick: number }
  | { kind: 'crash'; pick: number }
  | { kind: 'succeed'; pick: number }
  | { kind: 'remove'; pick: number; failed: boolean }
  | { kind: 'stop'; pick: number }
  | { kind: 'wait'; dt: number };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ kind: fc.constant('create' as const), wi: fc.integer({ min: 0, max: 1 }) }),
  fc.record({ kind: fc.constant('bind' as const), pick: fc.nat(), node: fc.integer({ min: 0, max: 2 }) }),
  fc.record({ kind: fc.constant('start' as const), pick: fc.nat() }),
  fc.record({ kind: fc.constant('crash' as const), pick: fc.nat() }),
  fc.record({ kind: fc.constant('succeed' as const), pick: fc.nat() }),
  fc.record({ kind: fc.constant('remove' as const), pick: fc.nat(), failed: fc.boolean() }),
  fc.record({ kind: fc.constant('stop' as const), pick: fc.nat() }),
  fc.record({ kind: fc.constant('wait' as const), dt: fc.integer({ min: 1, max: 50 }) }),
);

describe('Lifecycle: the count invariant (property)', () => {
  it('submitted = pending + bound + running + completed + failed + deleted, and the requested totals are the sum over the pods on nodes', () => {
    fc.assert(fc.property(fc.array(opArb, { maxLength: 80 }), (ops) => {
      const nodes = [nodeSpec('n0', { cpu: 64, memory: 256 * Gi }), nodeSpec('n1', { cpu: 32, memory: 128 * Gi }), nodeSpec('n2', { cpu: 16, memory: 64 * Gi })];
      const web = service('web', 2, { spec: podSpec({ cpu: 0.5, memory: Gi }) });
      const batch = job('batch', { spec: podSpec({ cpu: 1.25, memory: 3 * Gi }) });
      const { engine, api } = store(nodes, [web, batch]);
      const horizon = 10_000;
      const metrics = new MetricsRecorder(api, { horizon, sampleInterval: 0, nodes, autoscaledPools: [], reportScaling: false });
      const pods = api.pods;
      const inPhase = (phase: PodPhase) => {
        const ids: number[] = [];
        for (let id = 0; id < pods.length; id++) if (pods.phase[id] === phase) ids.push(id);
        return ids;
      };
      const removed = { failed: 0, deleted: 0 };
      const pickOf = (ids: number[], pick: number) => (ids.length > 0 ? ids[pick % ids.length] : undefined);
      for (const op of ops) {
        switch (op.kind) {
          case 'create':
            createPod(api, op.wi, op.wi === 1 ? 100 : Infinity);
            break;
          case 'bind': {
            const id = pickOf(inPhase(PodPhase.Pending), op.pick);
            if (id !== undefined) api.bind(id, op.node, undefined);
            break;
          }
          case 'start': {
            // The kubelet starts a bound pod (a fresh one, or one whose back-off ended).
            const id = pickOf(inPhase(PodPhase.Bound), op.pick);
            if (id !== undefined) start(api, id);
            break;
          }
          case 'crash': {
            const id = pickOf(inPhase(PodPhase.Running), op.pick);
            if (id !== undefined) {
              api.stopContainers(id);
              api.containerCrashed(id, pods.restarts[id]! + 1);
            }
            break;
          }
          case 'succeed': {
            // Only run-to-completion pods (the job's) succeed, and only while their containers run.
            const id = pickOf(inPhase(PodPhase.Running).filter((i) => pods.workload[i] === 1 && pods.live[i] === 1), op.pick);
            if (id !== undefined) api.podSucceeded(id);
            break;
          }
          case 'remove': {
            const id = pickOf([...inPhase(PodPhase.Pending), ...inPhase(PodPhase.Bound), ...inPhase(PodPhase.Running)], op.pick);
            if (id !== undefined) {
              api.stopContainers(id);
              api.removePod(id, op.failed ? 'failed' : 'deleted');
              removed[op.failed ? 'failed' : 'deleted']++;
            }
            break;
          }
          case 'stop': {
            const id = pickOf(inPhase(PodPhase.Running), op.pick);
            if (id !== undefined) api.stopContainers(id);
            break;
          }
          case 'wait':
            engine.run(engine.now + op.dt);
            break;
        }
        // The cluster's requested totals are the sum over the pods on nodes.
        let cpu = 0;
        let mem = 0;
        const perNode = [0, 0, 0];
        for (let id = 0; id < pods.length; id++) {
          if (!pods.isOnNode(id)) continue;
          cpu += pods.infos[id]!.spec.requests.milliCPU;
          mem += pods.infos[id]!.spec.requests.memory;
          perNode[pods.node[id]!]! += pods.infos[id]!.spec.requests.milliCPU;
        }
        expect(api.cluster.totalReqCPU).toBe(cpu);
        expect(api.cluster.totalReqMem).toBe(mem);
        expect([...api.cluster.reqCPU.subarray(0, 3)]).toEqual(perNode);
        // A service's ready replicas are its live pods.
        let live = 0;
        for (const id of api.workloads[0]!.podIds) live += pods.live[id]!;
        expect(api.workloads[0]!.ready).toBe(live);
      }
      const r = metrics.finish().pods;
      expect(r.submitted).toBe(pods.length);
      expect(r.pending + r.bound + r.running + r.completed + r.failed + r.deleted).toBe(r.submitted);
      // And each count is the pod table's.
      expect(r.pending).toBe(inPhase(PodPhase.Pending).length);
      expect(r.bound).toBe(inPhase(PodPhase.Bound).length);
      expect(r.running).toBe(inPhase(PodPhase.Running).length);
      expect(r.completed).toBe(inPhase(PodPhase.Succeeded).length);
      expect(r.failed + r.deleted).toBe(inPhase(PodPhase.Failed).length);
      expect(r.failed).toBe(removed.failed);
      expect(r.deleted).toBe(removed.deleted);
      let everBound = 0;
      for (let id = 0; id < pods.length; id++) if (!Number.isNaN(pods.boundAt[id]!)) everBound++;
      expect(r.scheduled).toBe(everBound);
    }), { numRuns: 200 });
  });
});

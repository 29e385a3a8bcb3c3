import { describe, expect, it } from 'vitest';
import { ClusterEvent } from '../../../src/api/framework.js';
import { PodPhase } from '../../../src/api/pod.js';
import { FailureInjector } from '../../../src/sim/controllers/failure-injector.js';
import { NO_FAILURES, type FailureConfig, type FailureDomain, type RandomFailureProcess, type ScheduledOutage } from '../../../src/sim/failures.js';
import type { Workload } from '../../../src/api/workload.js';
import { RandomStreams } from '../../../src/util/random.js';
import { fixed, job, listen, nodeSpec, podSpec, runningPod, service, store } from '../../helpers/store.js';

/**
 * The failure injector alone: machines, racks and zones go down and come back (scheduled
 * outages, renewal processes), drains cordon and evict at once, GPU devices fault. No node
 * lifecycle controller or kubelet runs: the test reads what the injector did through the
 * store and its hooks.
 */

const ZONE = 'topology.kubernetes.io/zone';

function setup(failures: Partial<FailureConfig>, workloads: Workload[] = [], horizon = 10_000) {
  const s = store([
    nodeSpec('a0', { labels: { [ZONE]: 'a' } }),
    nodeSpec('a1', { labels: { [ZONE]: 'a' } }),
    nodeSpec('b0', { labels: { [ZONE]: 'b' }, gpu: 2 }),
  ], workloads);
  const injector = new FailureInjector(s.api, { ...NO_FAILURES, ...failures }, new RandomStreams(1), horizon);
  const down = listen(s.api, 'nodeDown');
  const up = listen(s.api, 'nodeUp');
  const events = listen(s.api, 'clusterChanged');
  const removed = listen(s.api, 'podRemoved');
  injector.start();
  return { ...s, down, up, events, removed };
}

const zoneA: FailureDomain = { kind: 'zone', name: 'a', nodes: [0, 1], label: { key: ZONE, value: 'a' } };
const outage = (o: Partial<ScheduledOutage>): ScheduledOutage => ({ name: 'maintenance', domain: zoneA, at: 100, duration: 200, ...o });

describe('FailureInjector: scheduled outages', () => {
  it('takes the domain\'s nodes down at `at` and brings them back after `duration`, as one incident', () => {
    const { engine, api, down, up, events } = setup({ outages: [outage({})] });
    const touched = listen(api, 'beforeChange');
    engine.run(99.999);
    expect(down).toEqual([]);
    engine.run(100);
    expect(down.map((h) => h.args)).toEqual([[0, 0, 100], [1, 0, 100]]);
    expect([api.isNodeUp(0), api.isNodeUp(1), api.isNodeUp(2)]).toEqual([false, false, true]);
    engine.run(1000);
    expect(up.map((h) => h.args)).toEqual([[0, 300], [1, 300]]);
    expect([api.isNodeUp(0), api.isNodeUp(1)]).toEqual([true, true]);
    expect(events.map((h) => [h.t, h.args[0]])).toEqual([[300, ClusterEvent.NodeUpdate]]);
    expect(touched.map((h) => h.t)).toEqual([100, 300]);
    expect(api.incidents).toHaveLength(1);
    expect(api.incidents[0]).toMatchObject({ id: 0, source: 'maintenance', domainKind: 'zone', domain: 'a', nodes: 2, onset: 100, hostsBack: 300 });
    // Detection and eviction are the node lifecycle controller's.
    expect(api.incidents[0]!.detected).toBeNaN();
    expect(api.incidents[0]!.evicted).toBeNaN();
  });

  it('an outage that ends past the horizon never ends', () => {
    const { engine, api, up } = setup({ outages: [outage({ at: 900, duration: 200 })] }, [], 1000);
    engine.run(1000);
    expect(up).toEqual([]);
    expect(api.isNodeUp(0)).toBe(false);
    expect(api.incidents[0]!.hostsBack).toBeNaN();
  });

  it('a node added with the zone label joins the zone before its outage; a removed node leaves it', () => {
    const { engine, api, down } = setup({ outages: [outage({})] });
    engine.run(50);
    const late = api.addNode(nodeSpec('a2', { labels: { [ZONE]: 'a' } }));
    api.addNode(nodeSpec('b1', { labels: { [ZONE]: 'b' } }));
    api.removeNode(1);
    engine.run(100);
    expect(down.map((h) => h.args[0])).toEqual([0, late.index]);
    expect(api.incidents[0]!.nodes).toBe(2);
  });

  it('a drain cordons the nodes and evicts their pods at once (deleted as failed, replicas counted); the nodes stay up and are uncordoned after `duration`', () => {
    const { engine, api, down, events, removed } = setup({ outages: [outage({ drain: true, domain: { kind: 'node', name: 'a0', nodes: [0] } })] }, [service('web', 2), job('train')]);
    const stopped = listen(api, 'containersStopped');
    const web = runningPod(api, 0, 0);
    const other = runningPod(api, 0, 1);
    const train = runningPod(api, 1, 0, 1000);
    engine.run(100);
    expect(api.cluster.nodes[0]!.unschedulable).toBe(true);
    expect(removed.map((h) => [h.t, h.args[0], h.args[1], h.args[2]] as const).sort((x, y) => x[1] - y[1])).toEqual([[100, web, PodPhase.Running, 'failed'], [100, train, PodPhase.Running, 'failed']]);
    expect(stopped.map((h) => h.args[0]).sort()).toEqual([web, train]);
    expect(api.pods.isOnNode(other)).toBe(true);
    expect(api.cluster.nodes[0]!.pods).toEqual([]);
    expect(down).toEqual([]);
    expect(api.isNodeUp(0)).toBe(true);
    expect(events.map((h) => [h.t, h.args[0]])).toEqual([[100, ClusterEvent.AssignedPodDelete]]);
    expect(api.incidents[0]).toMatchObject({ onset: 100, detected: 100, evicted: 100, affectedReplicas: 2, outstanding: 2 });
    engine.run(300);
    expect(api.cluster.nodes[0]!.unschedulable).toBe(false);
    expect(api.incidents[0]!.hostsBack).toBe(300);
  });

  it('overlapping drains keep the node cordoned until the last ends', () => {
    const node: FailureDomain = { kind: 'node', name: 'a0', nodes: [0] };
    const { engine, api } = setup({ outages: [outage({ drain: true, domain: node, at: 100, duration: 200 }), outage({ name: 'second', drain: true, domain: node, at: 200, duration: 200 })] });
    engine.run(350);
    expect(api.cluster.nodes[0]!.unschedulable).toBe(true);
    engine.run(400);
    expect(api.cluster.nodes[0]!.unschedulable).toBe(false);
  });
});

describe('FailureInjector: random failure processes', () => {
  const process = (p: Partial<RandomFailureProcess>): RandomFailureProcess => ({
    name: 'machines', domains: [{ kind: 'node', name: 'a0', nodes: [0] }], timeBetweenFailures: fixed(1000), repairTime: fixed(100), fraction: 1, ...p,
  });

  it('a domain fails and is repaired again and again (alternating renewal)', () => {
    const { engine, api, down, up } = setup({ processes: [process({})] }, [], 3500);
    engine.run(3500);
    expect(down.map((h) => h.t)).toEqual([1000, 2100, 3200]);
    expect(up.map((h) => h.t)).toEqual([1100, 2200, 3300]);
    expect(api.incidents.map((i) => [i.source, i.domainKind, i.onset, i.hostsBack])).toEqual([['machines', 'node', 1000, 1100], ['machines', 'node', 2100, 2200], ['machines', 'node', 3200, 3300]]);
  });

  it('each domain of a process fails on its own', () => {
    const { engine, down } = setup({ processes: [process({ domains: [{ kind: 'node', name: 'a0', nodes: [0] }, { kind: 'node', name: 'b0', nodes: [2] }] })] }, [], 1500);
    engine.run(1500);
    expect(down.map((h) => [h.t, h.args[0]])).toEqual([[1000, 0], [1000, 2]]);
  });

  it('a fraction of the domain\'s nodes fails together', () => {
    const { engine, api, down } = setup({ processes: [process({ domains: [zoneA], fraction: 0.5 })] }, [], 1050);
    engine.run(1050);
    expect(down.length).toBe(1);
    expect([0, 1]).toContain(down[0]!.args[0]);
    expect(api.incidents[0]!.nodes).toBe(1);
  });
});

describe('FailureInjector: GPU device faults', () => {
  it('a faulty device kills the pods using it at once and holds no capacity until repaired', () => {
    const gpu: FailureDomain = { kind: 'gpu', name: 'b0/gpu0', nodes: [2], device: 0 };
    const { engine, api, removed, events, down } = setup({ outages: [{ name: 'xid', domain: gpu, at: 100, duration: 200 }] }, [job('train', { spec: podSpec({ gpu: 1 }) })]);
    const onZero = api.createPod(0, 'train-0', podSpec({ gpu: 1 }), 1000);
    const onOne = api.createPod(0, 'train-1', podSpec({ gpu: 1 }), 1000);
    api.bind(onZero, 2, [0]);
    api.bind(onOne, 2, [1]);
    engine.run(100);
    expect(removed.map((h) => [h.t, h.args[0], h.args[2]])).toEqual([[100, onZero, 'failed']]);
    expect(api.pods.isOnNode(onOne)).toBe(true);
    expect(api.cluster.nodes[2]!.gpuFree(0)).toBe(0);
    expect(down).toEqual([]);
    expect(events.map((h) => [h.t, h.args[0]])).toEqual([[100, ClusterEvent.AssignedPodDelete]]);
    expect(api.incidents[0]).toMatchObject({ domainKind: 'gpu', detected: 100, evicted: 100, affectedReplicas: 1 });
    engine.run(300);
    expect(api.cluster.nodes[2]!.gpuFree(0)).toBe(1000);
  });
});

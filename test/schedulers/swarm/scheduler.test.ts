import { describe, expect, it } from 'vitest';
import { parseSwarmConstraint } from '../../../src/schedulers/swarm/constraints.js';
import { swarmNodeLess } from '../../../src/schedulers/swarm/node-order.js';
import { swarmScheduler } from '../../../src/schedulers/swarm/swarm-scheduler.js';
import { countByNode, swarmGroup, swarmNode, type NodeOptions } from './nodes.js';

const key = (recentFailures: number, serviceTasks: number, totalTasks: number) => ({ recentFailures, serviceTasks, totalTasks });
const schedule = swarmScheduler.scheduleGroup;

describe('nodeLess (scheduler.go scheduleTaskGroup)', () => {
  it.each([
    ['fewer tasks of the service first', key(0, 1, 9), key(0, 2, 2), true],
    ['more tasks of the service later', key(0, 2, 2), key(0, 1, 9), false],
    ['equal service tasks: fewer tasks in total', key(0, 1, 3), key(0, 1, 4), true],
    ['all equal: neither is less', key(0, 1, 3), key(0, 1, 3), false],
    ['under maxFailures (5) failures do not count', key(4, 0, 0), key(0, 1, 1), true],
    ['from 5 failures the node goes last', key(5, 0, 0), key(0, 3, 3), false],
    ['... and the other one first', key(0, 3, 3), key(5, 0, 0), true],
    ['both failing: fewer failures first', key(6, 0, 0), key(5, 3, 3), false],
    ['equal failures at 5 fall through to task counts', key(5, 0, 0), key(5, 1, 0), true],
  ])('%s', (_name, a, b, want) => {
    expect(swarmNodeLess(a, b)).toBe(want);
  });
});

describe('scheduleGroup without preferences', () => {
  it('spreads by tasks of the service; ties in Go heap order (nodes 1, 2, 0 for three equal nodes)', () => {
    const d = schedule(swarmGroup(6), [swarmNode(0), swarmNode(1), swarmNode(2)], 0);
    expect(d.nodes).toEqual([1, 2, 0, 1, 2, 0]);
    expect(d.explanation).toBeUndefined();
  });
  it('first pass fills the least loaded node up to the next one, then round-robin', () => {
    const nodes = [swarmNode(0, { services: { 1: 2 } }), swarmNode(1), swarmNode(2, { services: { 1: 1 } })];
    expect(schedule(swarmGroup(3), nodes, 0).nodes).toEqual([1, 1, 2]);
  });
  it('total tasks break ties between equal service counts', () => {
    const nodes = [swarmNode(0, { activeTasks: 5 }), swarmNode(1, { activeTasks: 7 }), swarmNode(2, { activeTasks: 1 })];
    expect(schedule(swarmGroup(1), nodes, 0).nodes).toEqual([2]);
  });
  it('a node with 5 recent failures of the service is used last (4 do not matter)', () => {
    // One task: the heap keeps one node, the first one unless a later one is strictly better.
    expect(schedule(swarmGroup(1), [swarmNode(0, { failures: { 1: 5 } }), swarmNode(1, { services: { 1: 3 } })], 0).nodes).toEqual([1]);
    expect(schedule(swarmGroup(1), [swarmNode(0, { failures: { 1: 4 } }), swarmNode(1, { services: { 1: 3 } })], 0).nodes).toEqual([0]);
    expect(schedule(swarmGroup(1), [swarmNode(0, { failures: { 1: 6 } }), swarmNode(1, { failures: { 1: 5 } })], 0).nodes).toEqual([1]);
  });
  it('places no more than fits; "insufficient resources on 3 nodes"', () => {
    const nodes = [0, 1, 2].map((i) => swarmNode(i, { milliCPU: 2000 }));
    const d = schedule(swarmGroup(10, { milliCPU: 1000 }), nodes, 0);
    expect([...countByNode(d.nodes).values()]).toEqual([2, 2, 2]);
    expect(d.explanation).toBe('no suitable node (insufficient resources on 3 nodes)');
  });
  it('upstream TestSchedulerResourceConstraint: "2 nodes not available for new tasks; insufficient resources on 1 node"', () => {
    const nodes = [swarmNode(0, { memory: 1e9, gpus: 1 }), swarmNode(1, { ready: false, memory: 2e9, gpus: 2 }), swarmNode(2, { ready: false, memory: 2e9, gpus: 2 })];
    const d = schedule(swarmGroup(1, { memory: 2e9, gpus: 2 }), nodes, 0);
    expect(d).toEqual({ nodes: [], explanation: 'no suitable node (2 nodes not available for new tasks; insufficient resources on 1 node)' });
  });
  it('upstream TestSchedulerNoReadyNodes: no nodes at all gives a bare "no suitable node"', () => {
    expect(schedule(swarmGroup(1), [], 0)).toEqual({ nodes: [], explanation: 'no suitable node' });
  });
  it('drained and paused nodes take no tasks', () => {
    const d = schedule(swarmGroup(2), [swarmNode(0, { availability: 'drain' }), swarmNode(1, { availability: 'pause' }), swarmNode(2)], 0);
    expect(d.nodes).toEqual([2, 2]);
  });
  it('explanations: most rejections first, ties in pipeline order', () => {
    const nodes = [
      swarmNode(0, { availability: 'drain' }),
      swarmNode(1, { labels: { zone: 'b' } }),
      swarmNode(2, { labels: { zone: 'b' } }),
      swarmNode(3, { labels: { zone: 'a' }, milliCPU: 10 }),
      swarmNode(4, { labels: { zone: 'a' }, milliCPU: 10 }),
      swarmNode(5, { labels: { zone: 'a' }, milliCPU: 10 }),
    ];
    const group = swarmGroup(1, { milliCPU: 100, constraints: [parseSwarmConstraint('node.labels.zone==a')] });
    expect(schedule(group, nodes, 0).explanation).toBe(
      'no suitable node (insufficient resources on 3 nodes; scheduling constraints not satisfied on 2 nodes; 1 node not available for new tasks)',
    );
    expect(schedule(swarmGroup(1, { milliCPU: 100 }), [swarmNode(0, { ready: false }), swarmNode(1, { milliCPU: 10 })], 0).explanation).toBe(
      'no suitable node (1 node not available for new tasks; insufficient resources on 1 node)',
    );
  });
  it('upstream Pipeline.Process: the counts restart at each node that fits, so only rejections after the last fit are explained', () => {
    // Node 0 fills first and is rejected, node 1 then still fits (counts reset), then is rejected: 1 node, not 2.
    const d = schedule(swarmGroup(10, { milliCPU: 1000 }), [swarmNode(0, { milliCPU: 1000 }), swarmNode(1, { milliCPU: 3000 })], 0);
    expect(d.nodes).toEqual([1, 0, 1, 1]);
    expect(d.explanation).toBe('no suitable node (insufficient resources on 1 node)');
  });
  it('upstream scheduler_test.go (constraints): "scheduling constraints not satisfied on 3 nodes"', () => {
    const group = swarmGroup(1, { constraints: [parseSwarmConstraint('node.hostname==node1')], maxReplicas: 3 });
    expect(schedule(group, [swarmNode(0), swarmNode(1), swarmNode(2)], 0).explanation).toBe('no suitable node (scheduling constraints not satisfied on 3 nodes)');
  });
  it('upstream TestSchedulerMaxReplicas: max 1 per node puts two tasks on two nodes, then "max replicas per node limit exceed"', () => {
    const first = schedule(swarmGroup(2, { maxReplicas: 1 }), [swarmNode(0), swarmNode(1)], 0);
    expect(new Set(first.nodes).size).toBe(2);
    const full = [swarmNode(0, { services: { 1: 1 } }), swarmNode(1, { services: { 1: 1 } })];
    expect(schedule(swarmGroup(1, { maxReplicas: 1 }), full, 0)).toEqual({ nodes: [], explanation: 'no suitable node (max replicas per node limit exceed)' });
  });
  it('max replicas per node counts existing tasks of the service', () => {
    const nodes = [swarmNode(0, { services: { 1: 1 } }), swarmNode(1), swarmNode(2, { services: { 1: 2, 7: 4 } })];
    const d = schedule(swarmGroup(10, { maxReplicas: 2 }), nodes, 0);
    expect(countByNode(d.nodes)).toEqual(new Map([[1, 2], [0, 1]]));
    expect(d.explanation).toBe('no suitable node (max replicas per node limit exceed)');
  });
  it('upstream TestSchedulerHostPort: one task per node per host port, "host-mode port already in use on 2 nodes"', () => {
    const d = schedule(swarmGroup(3, { hostPorts: [58] }), [swarmNode(0), swarmNode(1)], 0);
    expect(d).toEqual({ nodes: [1, 0], explanation: 'no suitable node (host-mode port already in use on 2 nodes)' });
    expect(schedule(swarmGroup(1, { hostPorts: [58] }), [swarmNode(0), swarmNode(1, { hostPorts: [58] })], 0).nodes).toEqual([0]);
    // Port 0 is not published (PublishedPort != 0): no filter.
    expect(schedule(swarmGroup(2, { hostPorts: [0] }), [swarmNode(0)], 0).nodes).toEqual([0, 0]);
  });
  it('only the group-size best nodes are considered (bounded heap)', () => {
    // Two tasks, three nodes: the two emptiest of the service are kept; node 2 is never used.
    const nodes = [swarmNode(0), swarmNode(1), swarmNode(2, { services: { 1: 1 } })];
    expect(countByNode(schedule(swarmGroup(2), nodes, 0).nodes).get(2)).toBeUndefined();
  });
});

describe('scheduleGroup with placement preferences (decision tree)', () => {
  const zone = (z: string | undefined, o: NodeOptions = {}): NodeOptions => ({ ...o, labels: z === undefined ? {} : { zone: z } });
  it('upstream TestPreferences: az1 with 1 node gets 4 of 8, the 4 nodes of az2 one each', () => {
    const nodes = [swarmNode(0, { labels: { az: 'az1' } }), ...[1, 2, 3, 4].map((i) => swarmNode(i, { labels: { az: 'az2' } }))];
    const d = schedule(swarmGroup(8, { preferences: ['node.labels.az'] }), nodes, 0);
    expect(countByNode(d.nodes)).toEqual(new Map([[0, 4], [1, 1], [2, 1], [3, 1], [4, 1]]));
  });
  it('equal split, not by node count: zone a with 1 node and zone b with 10 nodes get 3 and 3 of 6', () => {
    const nodes = [swarmNode(0, zone('a')), ...Array.from({ length: 10 }, (_, i) => swarmNode(i + 1, zone('b')))];
    const counts = countByNode(schedule(swarmGroup(6, { preferences: ['node.labels.zone'] }), nodes, 0).nodes);
    expect(counts.get(0)).toBe(3);
    expect([...counts.keys()].filter((n) => n > 0).length).toBe(3);
  });
  it('when the 1-node zone has room for only 2, the rest go to the other zone', () => {
    const nodes = [swarmNode(0, zone('a', { milliCPU: 2000 })), ...Array.from({ length: 10 }, (_, i) => swarmNode(i + 1, zone('b')))];
    const d = schedule(swarmGroup(6, { preferences: ['node.labels.zone'], milliCPU: 1000 }), nodes, 0);
    expect(d.nodes.length).toBe(6);
    expect(d.nodes.filter((n) => n === 0).length).toBe(2);
    expect(d.explanation).toBeUndefined();
  });
  it('existing tasks count: a zone already holding tasks gets fewer', () => {
    const nodes = [swarmNode(0, zone('a', { services: { 1: 4 } })), swarmNode(1, zone('b')), swarmNode(2, zone('b'))];
    const counts = countByNode(schedule(swarmGroup(4, { preferences: ['node.labels.zone'] }), nodes, 0).nodes);
    expect(counts.get(0)).toBeUndefined();
    expect((counts.get(1) ?? 0) + (counts.get(2) ?? 0)).toBe(4);
  });
  it('nodes missing the label form their own "" branch', () => {
    const nodes = [swarmNode(0, zone('a')), swarmNode(1, zone('b')), swarmNode(2, zone(undefined)), swarmNode(3, zone(undefined))];
    const counts = countByNode(schedule(swarmGroup(6, { preferences: ['node.labels.zone'] }), nodes, 0).nodes);
    expect(counts.get(0)).toBe(2);
    expect(counts.get(1)).toBe(2);
    expect(counts.get(2)).toBe(1);
    expect(counts.get(3)).toBe(1);
  });
  it('engine labels spread too; other descriptors are ignored', () => {
    const nodes = [swarmNode(0, { engineLabels: { rack: 'r1' } }), swarmNode(1, { engineLabels: { rack: 'r2' } }), swarmNode(2, { engineLabels: { rack: 'r2' } })];
    expect(countByNode(schedule(swarmGroup(4, { preferences: ['engine.labels.rack'] }), nodes, 0).nodes).get(0)).toBe(2);
    expect(countByNode(schedule(swarmGroup(3, { preferences: ['node.hostname'] }), nodes, 0).nodes).size).toBe(3);
  });
  it('upstream TestMultiplePreferences (az then rack, memory 2e8 and 2 "apples" per task): id0 none, id1 5, az2 the other 7', () => {
    const n = (i: number, az: string, rack: string, memory: number, gpus: number) => swarmNode(i, { labels: { az, rack }, memory, gpus });
    const nodes = [n(0, 'az1', 'rack1', 1e8, 1), n(1, 'az1', 'rack1', 1e9, 10), n(2, 'az2', 'rack1', 1e9, 6), n(3, 'az2', 'rack1', 1e9, 6), n(4, 'az2', 'rack1', 1e9, 6), n(5, 'az2', 'rack2', 1e9, 6), n(6, 'az2', 'rack2', 1e9, 6)];
    const d = schedule(swarmGroup(12, { preferences: ['node.labels.az', 'node.labels.rack'], memory: 2e8, gpus: 2 }), nodes, 0);
    const c = (i: number) => countByNode(d.nodes).get(i) ?? 0;
    expect(d.nodes.length).toBe(12);
    expect(c(0)).toBe(0);
    expect(c(1)).toBe(5);
    const rack1 = c(2) + c(3) + c(4);
    expect(rack1 === 3 || rack1 === 4).toBe(true);
    expect([c(2), c(3), c(4)].every((k) => k >= 1 && k <= 2)).toBe(true);
    expect([c(5), c(6)].sort()).toEqual(rack1 === 4 ? [1, 2] : [2, 2]);
    // This implementation's deterministic pick among upstream's valid layouts:
    expect([c(2), c(3), c(4), c(5), c(6)]).toEqual([1, 1, 2, 1, 2]);
  });
  it('upstream TestMultiplePreferencesScaleUp: terminates, and both new tasks go to id12 or id21', () => {
    const nodes = [
      swarmNode(0, { labels: { az: 'dc1', rack: 'r1' }, services: { 1: 3 } }),
      swarmNode(1, { labels: { az: 'dc1', rack: 'r2' }, services: { 1: 1 } }),
      swarmNode(2, { labels: { az: 'dc2', rack: 'r1' }, services: { 1: 3 } }),
    ];
    const d = schedule(swarmGroup(2, { preferences: ['node.labels.az', 'node.labels.rack'] }), nodes, 0);
    expect(d.nodes.length).toBe(2);
    expect(d.nodes.every((i) => i === 1 || i === 2)).toBe(true);
  });
  it('max replicas per node under preferences: the full zone gives way', () => {
    const nodes = [swarmNode(0, zone('a')), swarmNode(1, zone('b')), swarmNode(2, zone('b')), swarmNode(3, zone('b'))];
    const d = schedule(swarmGroup(6, { preferences: ['node.labels.zone'], maxReplicas: 2 }), nodes, 0);
    // Zone a asked for 3 holds only 2 and is full; zone b takes the other 4, at most 2 a node.
    expect(countByNode(d.nodes)).toEqual(new Map([[0, 2], [1, 1], [2, 1], [3, 2]]));
    expect(d.explanation).toBeUndefined();
  });
});

describe('taskFitsNode (scheduler.go taskFitNode, for pre-assigned tasks)', () => {
  it('is undefined when the task fits, else the pipeline explanation for 1 node', () => {
    const fits = swarmScheduler.taskFitsNode;
    expect(fits(swarmGroup(1, { milliCPU: 500 }), swarmNode(0, { milliCPU: 500 }), 0)).toBeUndefined();
    expect(fits(swarmGroup(1, { milliCPU: 501 }), swarmNode(0, { milliCPU: 500 }), 0)).toBe('insufficient resources on 1 node');
    expect(fits(swarmGroup(1), swarmNode(0, { availability: 'drain' }), 0)).toBe('1 node not available for new tasks');
    expect(fits(swarmGroup(1, { hostPorts: [80] }), swarmNode(0, { hostPorts: [80] }), 0)).toBe('host-mode port already in use on 1 node');
    expect(fits(swarmGroup(1, { constraints: [parseSwarmConstraint('node.role==manager')] }), swarmNode(0), 0)).toBe('scheduling constraints not satisfied on 1 node');
  });
});

import { describe, expect, it } from 'vitest';
import { SWARM_GRACE_PERIOD_MULTIPLIER, SWARM_HEARTBEAT_EPSILON, SWARM_HEARTBEAT_PERIOD } from '../../../src/sim/controllers/swarm/dispatcher.js';
import { SWARM_COMMIT_DEBOUNCE_GAP } from '../../../src/sim/controllers/swarm/scheduler.js';
import { RandomStreams } from '../../../src/util/random.js';
import { at, crashEvery, globalService, node, outage, runTraced, settings, swarmScenario, tasksOf, type Traced } from './harness.js';

/**
 * Global services (SWARM.md sections 1 and 8; manager/orchestrator/global/global.go): one task on
 * every READY, ACTIVE node whose labels meet the constraints, pre-assigned to it; a node added
 * gets one; a DOWN or drained node's task is shut down and not moved; a node READY / active
 * again gets a new one.
 */

const web = { role: 'web' };
const cluster = () => [
  node('n0', { labels: web }),
  node('n1', { labels: web }),
  node('n2', { labels: web }),
  node('n3', { labels: { role: 'db' } }),
  // Paused (cordoned): no new tasks (ReadyFilter: availability must be ACTIVE; global.go skips paused nodes).
  node('n4', { labels: web, unschedulable: true }),
];
const agent = globalService('agent', { cpu: 0.5, swarm: settings({ placement: { constraints: [{ key: 'node.labels.role', operator: '==', value: 'web' }] } }) });

/** DOWN time of the first node failure of a run: 3 x the first heartbeat period the run draws. */
function downAfter(seed: number): number {
  return SWARM_GRACE_PERIOD_MULTIPLIER * (SWARM_HEARTBEAT_PERIOD + (2 * new RandomStreams(seed).get('swarm/heartbeat').next() - 1) * SWARM_HEARTBEAT_EPSILON);
}

function onNode(t: Traced, name: string) {
  return tasksOf(t, 'agent').filter((x) => x.node === name);
}

describe('Swarm global service', () => {
  const t = runTraced(
    swarmScenario({
      nodes: cluster(), workloads: [agent], horizon: 20_000,
      outages: [outage('n1-dies', [1], 1000, 3600), outage('n2-drain', [2], 10_000, 3600, true)],
    }),
    [at(100, (api) => api.addNode(node('n5', { labels: web }))), at(200, (api) => api.addNode(node('n6', { labels: { role: 'db' } })))],
  );

  it('one task on each READY active node that meets the constraints, bound at the first tick', () => {
    const first = tasksOf(t, 'agent').filter((x) => x.created === 0);
    // n0..n2 are web and active; n3 is db; n4 is paused.
    expect(first.map((x) => x.node).sort()).toEqual(['n0', 'n1', 'n2']);
    for (const x of first) expect(x.bound).toBeCloseTo(SWARM_COMMIT_DEBOUNCE_GAP, 9);
    expect(onNode(t, 'n3')).toEqual([]);
    expect(onNode(t, 'n4')).toEqual([]);
  });

  it('a node added gets one task at once (if it meets the constraints)', () => {
    const n5 = onNode(t, 'n5');
    expect(n5).toHaveLength(1);
    expect(n5[0]!.created).toBe(100);
    expect(n5[0]!.bound).toBeCloseTo(100 + SWARM_COMMIT_DEBOUNCE_GAP, 9);
    expect(onNode(t, 'n6')).toEqual([]);
  });

  it('a DOWN node: its task is shut down and not moved; back READY it gets a new one', () => {
    const down = 1000 + downAfter(7);
    const n1 = onNode(t, 'n1');
    expect(n1).toHaveLength(2);
    // No task was created anywhere while n1 was DOWN (nothing moves off it).
    expect(tasksOf(t, 'agent').filter((x) => x.created > 1000 && x.created < 4600)).toEqual([]);
    // The shut-down task stays on the dead node until it is back (the agent then reports it failed).
    expect(n1[0]!.ended).toBe(4600);
    // Back READY at 4600: a new task there, at once.
    expect(n1[1]!.created).toBe(4600);
    expect(n1[1]!.bound).toBeCloseTo(4600 + SWARM_COMMIT_DEBOUNCE_GAP, 9);
    expect(down).toBeLessThan(4600);
  });

  it('a drained node: its task is shut down at once (drain is an invalid node for the global orchestrator); active again it gets a new one', () => {
    const n2 = onNode(t, 'n2');
    expect(n2).toHaveLength(2);
    expect(n2[0]!.ended).toBe(10_000);
    expect(n2[1]!.created).toBe(13_600);
    expect(n2[1]!.bound).toBeCloseTo(13_600 + SWARM_COMMIT_DEBOUNCE_GAP, 9);
  });

  it('at the end: exactly one live task on every eligible node', () => {
    const live = tasksOf(t, 'agent').filter((x) => Number.isNaN(x.ended) && !Number.isNaN(x.bound));
    expect(live.map((x) => x.node).sort()).toEqual(['n0', 'n1', 'n2', 'n5']);
  });

  it('a crashed global task is replaced on the same node, pre-assigned to it, after the restart delay', () => {
    const crashing = globalService('agent', { cpu: 0.5, crashes: crashEvery(100) });
    const c = runTraced(swarmScenario({ nodes: [node('n0'), node('n1'), node('n2')], workloads: [crashing], horizon: 350 }));
    for (const name of ['n0', 'n1', 'n2']) {
      const here = onNode(c, name);
      // Running at 0.05, crash at 100.05, replacement running 5 s later, crash at 205.05, ...: 4 tasks by 350.
      expect(here).toHaveLength(4);
      for (const x of here) expect(c.sim.pods.infos[x.id]!.spec.nodeName).toBe(name);
      expect(here[1]!.running - here[0]!.ended).toBeCloseTo(5, 9);
    }
  });
});

import { describe, expect, it } from 'vitest';
import { PodPhase } from '../../../src/api/pod.js';
import { SWARM_GRACE_PERIOD_MULTIPLIER, SWARM_HEARTBEAT_EPSILON, SWARM_HEARTBEAT_PERIOD, SWARM_NODE_DOWN_PERIOD } from '../../../src/sim/controllers/swarm/dispatcher.js';
import { SWARM_COMMIT_DEBOUNCE_GAP } from '../../../src/sim/controllers/swarm/scheduler.js';
import { RandomStreams } from '../../../src/util/random.js';
import { crashEvery, globalService, node, nodes, outage, runTraced, service, settings, swarmScenario, tasksOf } from './harness.js';

/**
 * The restart supervisor in a run (SWARM.md section 6; manager/orchestrator/restart/restart.go),
 * drains, orphaned tasks (section 8) and the scheduler's "no suitable node" (section 1).
 *
 * Times are worked out from the rules: a task created at t is bound at the next tick, t + 50 ms
 * (commitDebounceGap; nothing else is committed meanwhile); with a start-up of s and a start gate
 * g (the restart delay after the end of the task it replaces) it runs at max(g, bind + s); a
 * crash model "every c" fails it c seconds after it runs.
 */

const G = SWARM_COMMIT_DEBOUNCE_GAP;

describe('Swarm restart policy in a run', () => {
  it('condition none: a crashed task leaves its slot empty', () => {
    const t = runTraced(swarmScenario({ nodes: nodes(3), horizon: 2000, workloads: [service('web', 2, { crashes: crashEvery(100), swarm: settings({ restart: { condition: 'none' } }) })] }));
    const web = tasksOf(t, 'web');
    expect(web).toHaveLength(2);
    // Running at G, crashed at G + 100, never replaced.
    for (const x of web) {
      expect(x.running).toBeCloseTo(G, 9);
      expect(x.ended).toBeCloseTo(G + 100, 9);
      expect(x.how).toBe('failed');
    }
  });

  it('max_attempts 2: the original task and two restarts, then the slot stays empty; 5 s between each crash and the next start', () => {
    const t = runTraced(swarmScenario({ nodes: nodes(2), horizon: 5000, workloads: [service('web', 1, { crashes: crashEvery(100), swarm: settings({ restart: { maxAttempts: 2 } }) })] }));
    const web = tasksOf(t, 'web');
    expect(web.map((x) => x.slot)).toEqual(['1', '1', '1']);
    // Task k runs at r_k; crashes at r_k + 100; its replacement is created then and runs 5 s later (delay 5 s > bind + start-up 0.05 s).
    expect(web[0]!.running).toBeCloseTo(G, 9);
    for (let k = 1; k < 3; k++) {
      expect(web[k]!.created).toBeCloseTo(web[k - 1]!.ended, 9);
      expect(web[k]!.bound).toBeCloseTo(web[k - 1]!.ended + G, 9);
      expect(web[k]!.running - web[k - 1]!.ended).toBeCloseTo(5, 9);
    }
    expect(web[2]!.ended).toBeCloseTo(G + 100 + 2 * 105, 9);
  });

  it('the delay and the start-up overlap: the replacement runs at max(end + delay, bind + start-up)', () => {
    const run = (delay: number, startup: number) => {
      const t = runTraced(swarmScenario({ nodes: nodes(2), horizon: 300, workloads: [service('web', 1, { startup, crashes: crashEvery(100), swarm: settings({ restart: { delay } }) })] }));
      const [a, b] = tasksOf(t, 'web');
      return b!.running - a!.ended;
    };
    expect(run(30, 10)).toBeCloseTo(30, 9);
    expect(run(5, 10)).toBeCloseTo(G + 10, 9);
    expect(run(0, 0)).toBeCloseTo(G, 9);
  });

  it('max_attempts 1 with a window: a restart within the window counts, one older does not', () => {
    // A cycle is 105 s (100 s running + 5 s delay); the n-th crash is at G + 100 + 105 (n - 1).
    // Window 150: at the second crash (G + 205) the restart at G + 100 is inside (G + 55, G + 205): refused.
    const w150 = runTraced(swarmScenario({ nodes: nodes(2), horizon: 1000, workloads: [service('web', 1, { crashes: crashEvery(100), swarm: settings({ restart: { maxAttempts: 1, window: 150 } }) })] }));
    expect(tasksOf(w150, 'web')).toHaveLength(2);
    // Window 90: each earlier restart is 105 s old, outside: every crash is restarted. Replacements are
    // created at G + 100 + 105 k <= 1000, k = 0..8: 9 of them, 10 tasks in all.
    const w90 = runTraced(swarmScenario({ nodes: nodes(2), horizon: 1000, workloads: [service('web', 1, { crashes: crashEvery(100), swarm: settings({ restart: { maxAttempts: 1, window: 90 } }) })] }));
    expect(tasksOf(w90, 'web')).toHaveLength(10);
  });

  it('max_attempts during an update: an old-version task that fails still counts its slot\'s restarts; a new-version task starts afresh', () => {
    // 2 replicas crash 100 s after each start; max_attempts 1, delay 5 s. Per slot: A runs at G, crashes
    // at G + 100; B (the one restart, v1) runs at G + 105 and would crash at G + 205. An update at 150
    // (cpu 2, the crashes kept; update delay 1000 s so slot 2 is not reached before the horizon) replaces
    // slot 1's B by C (v2) at 150. Slot 2's B fails at G + 205 as a v1 task with one v1 restart: not
    // restarted (restart.go compares the history with the failed task's SpecVersion). C fails at
    // 250 + G: the history is v1's, C is v2: restarted (D, history reset to v2); D fails 105 s later: not.
    const events = [{ at: 150, kind: 'update' as const, patch: { requests: { milliCPU: 2000 } } }];
    const t = runTraced(swarmScenario({
      nodes: nodes(2), horizon: 1100,
      workloads: [service('web', 2, { crashes: crashEvery(100), rollouts: events, swarm: settings({ restart: { maxAttempts: 1 }, update: { delay: 1000, failureAction: 'continue' } }) })],
    }));
    const slot = (n: string) => tasksOf(t, 'web').filter((x) => x.slot === n);
    expect(slot('2').map((x) => x.milliCPU)).toEqual([1000, 1000]);
    expect(slot('2')[1]!.ended).toBeCloseTo(G + 205, 9);
    expect(slot('1').map((x) => x.milliCPU)).toEqual([1000, 1000, 2000, 2000]);
    expect(slot('1')[2]!.created).toBe(150);
    expect(slot('1')[3]!.created).toBeCloseTo(250 + G, 9);
    expect(slot('1')[3]!.ended).toBeCloseTo(250 + G + 105, 9);
  });

  it('on-failure: a task that exits 0 is not restarted (a job under Swarm completes)', () => {
    const t = runTraced(swarmScenario({
      nodes: nodes(2), horizon: 1000,
      workloads: [{ kind: 'job', name: 'once', spec: service('once', 1).spec, completions: 2, parallelism: 2, startAt: 0, duration: { kind: 'fixed', value: 50 }, startup: { kind: 'fixed', value: 0 }, swarm: settings({ restart: { condition: 'on-failure' } }) }],
    }));
    const once = tasksOf(t, 'once');
    expect(once).toHaveLength(2);
    for (const x of once) expect(x.how).toBe('succeeded');
  });
});

describe('Swarm drain and node loss', () => {
  it('a drained node: its replicated tasks are restarted elsewhere at once, with no restart delay', () => {
    const t = runTraced(swarmScenario({ nodes: nodes(4), horizon: 3000, workloads: [service('web', 4)], outages: [outage('drain-n0', [0], 1000, 600, true)] }));
    const web = tasksOf(t, 'web');
    const first = web.filter((x) => x.created === 0);
    // Spread: one task per node (nodeLess: fewest tasks of the service first).
    expect(first.map((x) => x.node).sort()).toEqual(['n0', 'n1', 'n2', 'n3']);
    const moved = web.filter((x) => x.created > 0);
    expect(moved).toHaveLength(1);
    expect(moved[0]!.created).toBe(1000);
    expect(moved[0]!.node).not.toBe('n0');
    // No delay: running at the bind (start-up 0), not 5 s later.
    expect(moved[0]!.running).toBeCloseTo(1000 + G, 9);
    // The drain ending moves nothing back (no rebalancing).
    expect(web.filter((x) => x.created > 1000)).toEqual([]);
  });

  it('a node DOWN for 24 h: its tasks are ORPHANED, they leave the node and free it', () => {
    const down = SWARM_GRACE_PERIOD_MULTIPLIER * (SWARM_HEARTBEAT_PERIOD + (2 * new RandomStreams(7).get('swarm/heartbeat').next() - 1) * SWARM_HEARTBEAT_EPSILON);
    const orphanedAt = 1000 + down + SWARM_NODE_DOWN_PERIOD;
    const t = runTraced(swarmScenario({
      nodes: nodes(3), horizon: orphanedAt + 100, workloads: [service('web', 3), globalService('agent', { cpu: 0.1 })],
      outages: [outage('n0-dies', [0], 1000, 30 * 3600)],
    }));
    const onN0 = t.tasks.filter((x) => x.node === 'n0');
    expect(onN0.map((x) => x.workload).sort()).toEqual(['agent', 'web']);
    for (const x of onN0) expect(x.ended).toBeCloseTo(orphanedAt, 6);
    const n0 = t.sim.cluster.nodes[0]!;
    expect(n0.pods).toEqual([]);
    expect(n0.requested.milliCPU).toBe(0);
    // The web task was replaced on another node when n0 went DOWN, not when it was orphaned.
    const replaced = tasksOf(t, 'web').filter((x) => x.created > 0);
    expect(replaced).toHaveLength(1);
    expect(replaced[0]!.created).toBeCloseTo(1000 + down, 9);
    expect(t.result.pods.running).toBe(3 + 2);
  });

  it('a shut-down task on a DOWN node holds its place until then (Swarm frees nothing before 24 h)', () => {
    const t = runTraced(swarmScenario({ nodes: nodes(3), horizon: 5000, workloads: [service('web', 3)], outages: [outage('n0-dies', [0], 1000, 30 * 3600)] }));
    const n0 = t.sim.cluster.nodes[0]!;
    expect(n0.pods.map((p) => p.name)).toHaveLength(1);
    const id = n0.pods[0]!.id;
    expect([PodPhase.Bound, PodPhase.Running]).toContain(t.sim.pods.phase[id]);
  });
});

describe('no suitable node', () => {
  it('a task bigger than every node stays pending with the scheduler explanation', () => {
    const t = runTraced(swarmScenario({ nodes: nodes(3, { cpu: 8 }), horizon: 600, workloads: [service('big', 2, { cpu: 16 }), service('ok', 1)] }));
    expect(t.result.swarm!.noSuitableNode).toEqual({ big: 'no suitable node (insufficient resources on 3 nodes)' });
    expect(t.result.pods.pending).toBe(2);
  });

  it('constraints nobody meets, and max replicas per node', () => {
    const t = runTraced(swarmScenario({
      nodes: [node('a'), node('b'), node('c', { labels: { role: 'db' } })], horizon: 600,
      workloads: [
        service('gpu', 1, { swarm: settings({ placement: { constraints: [{ key: 'node.labels.role', operator: '==', value: 'gpu' }] } }) }),
        // 5 replicas, at most 1 per node on 3 nodes: 3 placed; each node then fails MaxReplicas.
        service('capped', 5, { swarm: settings({ placement: { maxReplicas: 1 } }) }),
      ],
    }));
    expect(t.result.swarm!.noSuitableNode).toEqual({
      gpu: 'no suitable node (scheduling constraints not satisfied on 3 nodes)',
      capped: 'no suitable node (max replicas per node limit exceed)',
    });
    expect(tasksOf(t, 'capped').filter((x) => !Number.isNaN(x.bound)).map((x) => x.node).sort()).toEqual(['a', 'b', 'c']);
  });
});

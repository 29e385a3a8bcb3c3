import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { DeploymentRollout, DeploymentStrategy, IntOrPercent, RolloutEvent, ServiceWorkload } from '../../../src/api/workload.js';
import { proportionalSizes, resolveFenceposts, rollingStep } from '../../../src/sim/deployment-util.js';
import { Simulation, type Lifecycle, type SimulationResult } from '../../../src/sim/simulation.js';
import { RandomStreams } from '../../../src/util/random.js';
import { crashes, FirstFitScheduler, fixed, nodeSpec, podSpec, service } from '../../helpers/store.js';

/**
 * The Deployment controller: the fencepost rounding and the rolling step against the numbers
 * upstream gives (pkg/controller/deployment/util/deployment_util.go, rolling.go), then whole
 * runs: the rolling update's bounds at every change, Recreate, undo, and the progress deadline.
 */

describe('resolveFenceposts (deployment_util.go ResolveFenceposts)', () => {
  const rows: [IntOrPercent, IntOrPercent, number, number, number][] = [
    // maxSurge, maxUnavailable, replicas -> surge, unavailable (defaults 25%/25%)
    ['25%', '25%', 1, 1, 0],
    ['25%', '25%', 3, 1, 0],
    ['25%', '25%', 10, 3, 2],
    ['25%', '25%', 100, 25, 25],
    [0, 0, 10, 0, 1],
    ['0%', '0%', 3, 0, 1],
    ['0%', '10%', 5, 0, 1],
    ['0%', '10%', 9, 0, 1],
    [2, '50%', 5, 2, 2],
    ['30%', 1, 10, 3, 1],
    ['100%', '100%', 4, 4, 4],
    [1, 0, 1, 1, 0],
    ['1%', '99%', 100, 1, 99],
    ['1%', '99%', 101, 2, 99],
  ];
  it.each(rows)('maxSurge %s, maxUnavailable %s, replicas %i -> surge %i, unavailable %i', (s, u, r, surge, unavailable) => {
    expect(resolveFenceposts(s, u, r)).toEqual({ surge, unavailable });
  });
});

describe('rollingStep (rolling.go rolloutRolling)', () => {
  const strategy = { type: 'RollingUpdate' as const, maxSurge: 3, maxUnavailable: 2 };
  it('replicas 10, surge 3, unavailable 2: scale up first, then down, as upstream does', () => {
    // Each line: the new RS (spec, available), the old RS, and what one sync does.
    expect(rollingStep(10, strategy, { replicas: 0, available: 0 }, [{ replicas: 10, available: 10 }])).toEqual({ newReplicas: 3, oldReplicas: [10], action: 'scaled-up' });
    // maxScaledDown = 13 - 8 - 3 = 2; available 10 - minAvailable 8 = 2.
    expect(rollingStep(10, strategy, { replicas: 3, available: 0 }, [{ replicas: 10, available: 10 }])).toEqual({ newReplicas: 3, oldReplicas: [8], action: 'scaled-down' });
    expect(rollingStep(10, strategy, { replicas: 3, available: 0 }, [{ replicas: 8, available: 8 }])).toEqual({ newReplicas: 5, oldReplicas: [8], action: 'scaled-up' });
    // 13 pods, 5 of them unavailable: nothing may go.
    expect(rollingStep(10, strategy, { replicas: 5, available: 0 }, [{ replicas: 8, available: 8 }])).toEqual({ newReplicas: 5, oldReplicas: [8], action: 'none' });
    expect(rollingStep(10, strategy, { replicas: 5, available: 5 }, [{ replicas: 8, available: 8 }])).toEqual({ newReplicas: 5, oldReplicas: [3], action: 'scaled-down' });
    expect(rollingStep(10, strategy, { replicas: 5, available: 5 }, [{ replicas: 3, available: 3 }])).toEqual({ newReplicas: 10, oldReplicas: [3], action: 'scaled-up' });
    expect(rollingStep(10, strategy, { replicas: 10, available: 5 }, [{ replicas: 3, available: 3 }])).toEqual({ newReplicas: 10, oldReplicas: [3], action: 'none' });
    expect(rollingStep(10, strategy, { replicas: 10, available: 10 }, [{ replicas: 3, available: 3 }])).toEqual({ newReplicas: 10, oldReplicas: [0], action: 'scaled-down' });
    expect(rollingStep(10, strategy, { replicas: 10, available: 10 }, [{ replicas: 0, available: 0 }])).toEqual({ newReplicas: 10, oldReplicas: [0], action: 'none' });
  });

  it('cleans up unhealthy old replicas first, oldest ReplicaSet first, within maxScaledDown', () => {
    // maxScaledDown = 13 - 8 - 3 = 2: the newer old RS has 3 unavailable, 2 go; available 7 <= 8, no more.
    expect(rollingStep(10, strategy, { replicas: 3, available: 0 }, [{ replicas: 5, available: 5 }, { replicas: 5, available: 2 }]))
      .toEqual({ newReplicas: 3, oldReplicas: [5, 3], action: 'scaled-down' });
    // Plenty available: the oldest RS is scaled down first.
    expect(rollingStep(10, strategy, { replicas: 3, available: 3 }, [{ replicas: 4, available: 4 }, { replicas: 6, available: 6 }]))
      .toEqual({ newReplicas: 3, oldReplicas: [0, 5], action: 'scaled-down' });
  });

  it('a new ReplicaSet above spec.replicas (the HPA scaled down) is scaled down to it', () => {
    expect(rollingStep(4, strategy, { replicas: 6, available: 6 }, [{ replicas: 2, available: 2 }])).toEqual({ newReplicas: 4, oldReplicas: [2], action: 'scaled-down' });
  });
});

describe('proportionalSizes (sync.go scale, GetProportion)', () => {
  // replicas 10 with maxSurge 3 mid-rollout: old 8, new 5, both sized for 13.
  const sets = [{ replicas: 8, maxReplicasAnnotation: 13 }, { replicas: 5, maxReplicasAnnotation: 13 }];
  it('splits a scale-up to 20 (25 with surge 5) in proportion: 8 -> 15, 5 -> 10', () => {
    expect(proportionalSizes(20, 5, sets)).toEqual([15, 10]);
  });
  it('splits a scale-down to 5 (7 with surge 2): 8 -> 4, 5 -> 3', () => {
    expect(proportionalSizes(5, 2, sets)).toEqual([4, 3]);
  });
  it('ties go to the newer ReplicaSet when adding, the older when removing; leftovers to the first', () => {
    const even = [{ replicas: 2, maxReplicasAnnotation: 4 }, { replicas: 2, maxReplicasAnnotation: 4 }];
    // allowed 5: +1 to add; the newer is first and takes round(2*5/4) - 2 = 1 (2.5 rounds away from zero).
    expect(proportionalSizes(4, 1, even)).toEqual([2, 3]);
    // allowed 3: -1; the older is first: round(2*3/4) - 2 = round(1.5) - 2 = 0 for both; the leftover -1 goes to the first.
    expect(proportionalSizes(2, 1, even)).toEqual([1, 2]);
    expect(proportionalSizes(0, 0, even)).toEqual([0, 0]);
  });
});

// ---- whole runs ------------------------------------------------------------------------------

const V1 = podSpec({ cpu: 1 });
const V2 = { requests: { milliCPU: 500 } };

function rollout(strategy: DeploymentStrategy, events: RolloutEvent[], o: Partial<DeploymentRollout> = {}): DeploymentRollout {
  return { strategy, minReadySeconds: 0, progressDeadlineSeconds: 600, rollbackOnFailure: false, events, ...o };
}

interface Run {
  result: SimulationResult;
  /** At every store change: time, pods of the service, ready replicas, pods per cpu request (1000 = v1, 500 = v2). */
  trace: { t: number; pods: number; ready: number; v1: number; v2: number }[];
}

function run(w: ServiceWorkload, horizon = 20_000, nodes = 4, act?: (api: Lifecycle) => void): Run {
  const trace: Run['trace'] = [];
  const observe = (api: Lifecycle) => {
    const record = () => {
      const wr = api.workloads[0]!;
      let v1 = 0;
      let v2 = 0;
      for (const id of wr.podIds) {
        if (api.pods.infos[id]!.spec.requests.milliCPU === 1000) v1++;
        else v2++;
      }
      trace.push({ t: api.now, pods: wr.podIds.size, ready: wr.ready, v1, v2 });
    };
    api.on('podCreated', record);
    api.on('podRemoved', record);
    api.on('podChanged', record);
    act?.(api);
    return { start() {} };
  };
  const sim = new Simulation({
    horizon, sampleInterval: 0, nodes: Array.from({ length: nodes }, (_, i) => nodeSpec(`n${i}`, { cpu: 16, memory: 64 * 2 ** 30 })),
    workloads: [w], scheduler: new FirstFitScheduler(), queue: 'fifo', streams: new RandomStreams(7), controllers: [observe],
  });
  return { result: sim.run(), trace };
}

describe('DeploymentController in a run', () => {
  it('property: during a rolling update, ready >= replicas - maxUnavailable and pods <= replicas + maxSurge at every change', () => {
    const intOrPercent = fc.oneof(fc.integer({ min: 0, max: 4 }), fc.integer({ min: 0, max: 100 }).map((p) => `${p}%` as IntOrPercent));
    fc.assert(fc.property(fc.integer({ min: 1, max: 12 }), intOrPercent, intOrPercent, fc.integer({ min: 1, max: 120 }), (replicas, maxSurge, maxUnavailable, startup) => {
      const strategy = { type: 'RollingUpdate' as const, maxSurge, maxUnavailable };
      const w = service('web', replicas, { spec: V1, startup: fixed(startup), rollout: rollout(strategy, [{ at: 1000, kind: 'update', patch: V2 }]) });
      const { result, trace } = run(w, 5000);
      const { surge, unavailable } = resolveFenceposts(maxSurge, maxUnavailable, replicas);
      const out = result.rollouts![0]!;
      expect(out.outcome).toBe('complete');
      for (const s of trace.filter((x) => x.t >= 1000 && x.t <= out.end)) {
        expect(s.ready).toBeGreaterThanOrEqual(replicas - Math.min(unavailable, replicas));
        expect(s.pods).toBeLessThanOrEqual(replicas + surge);
      }
      const last = trace.at(-1)!;
      expect([last.v1, last.v2]).toEqual([0, replicas]);
      expect(out.minAvailable).toBeGreaterThanOrEqual(replicas - unavailable);
      expect(out.maxPods).toBeLessThanOrEqual(replicas + surge);
    }), { numRuns: 60, seed: 18 });
  });

  it('replicas 10 with 25%/25%: surges to 13, keeps 8 ready, and finishes with every pod on the new template', () => {
    const w = service('web', 10, { spec: V1, startup: fixed(30), rollout: rollout({ type: 'RollingUpdate', maxSurge: '25%', maxUnavailable: '25%' }, [{ at: 1000, kind: 'update', patch: V2 }]) });
    const { result, trace } = run(w);
    const out = result.rollouts![0]!;
    expect(out).toMatchObject({ workload: 'web', revision: 2, cause: 'update', start: 1000, outcome: 'complete', minAvailable: 8, minReady: 8, maxPods: 13, rolledBack: false });
    // Two waves of 30 s start-ups: 3 + 2 new pods at 1000 (old down to 8), 5 more at 1030 (old down to 3), old gone at 1060.
    expect(out.durationSeconds).toBe(60);
    expect(trace.at(-1)).toMatchObject({ pods: 10, v1: 0, v2: 10, ready: 10 });
  });

  it('property: Recreate never has pods of both versions, and ends with every pod new', () => {
    fc.assert(fc.property(fc.integer({ min: 1, max: 20 }), fc.integer({ min: 1, max: 300 }), fc.integer({ min: 100, max: 2000 }), (replicas, startup, at) => {
      const w = service('web', replicas, { spec: V1, startup: fixed(startup), rollout: rollout({ type: 'Recreate' }, [{ at, kind: 'update', patch: V2 }]) });
      const { result, trace } = run(w, 5000);
      expect(trace.every((x) => x.v1 === 0 || x.v2 === 0)).toBe(true);
      expect(result.rollouts![0]).toMatchObject({ outcome: 'complete', minAvailable: 0, maxPods: replicas });
      expect(trace.at(-1)).toMatchObject({ v1: 0, v2: replicas, ready: replicas });
    }), { numRuns: 30, seed: 7 });
  });

  it('Recreate: the old pods are all gone before the first new one is created', () => {
    const w = service('web', 6, { spec: V1, startup: fixed(30), rollout: rollout({ type: 'Recreate' }, [{ at: 1000, kind: 'update', patch: V2 }]) });
    const { result, trace } = run(w);
    expect(trace.every((s) => s.v1 === 0 || s.v2 === 0)).toBe(true);
    const out = result.rollouts![0]!;
    expect(out).toMatchObject({ outcome: 'complete', minAvailable: 0, maxPods: 6, durationSeconds: 30 });
    expect(trace.at(-1)).toMatchObject({ v1: 0, v2: 6, ready: 6 });
  });

  it('minReadySeconds: new pods count as available only after it, so the rollout takes longer', () => {
    const make = (minReadySeconds: number) => service('web', 4, { spec: V1, startup: fixed(10), rollout: rollout({ type: 'RollingUpdate', maxSurge: 1, maxUnavailable: 0 }, [{ at: 1000, kind: 'update', patch: V2 }], { minReadySeconds }) });
    const fast = run(make(0)).result.rollouts![0]!;
    const slow = run(make(60)).result.rollouts![0]!;
    expect(fast.durationSeconds).toBe(40);
    expect(slow.durationSeconds).toBe(4 * 70);
  });

  it('undo goes back to the previous template, as a new revision that reuses the old ReplicaSet', () => {
    const w = service('web', 4, { spec: V1, startup: fixed(20), rollout: rollout({ type: 'RollingUpdate', maxSurge: '25%', maxUnavailable: '25%' }, [{ at: 1000, kind: 'update', patch: V2 }, { at: 3000, kind: 'undo' }]) });
    const { result, trace } = run(w);
    const [first, second] = result.rollouts!;
    expect(first).toMatchObject({ revision: 2, outcome: 'complete', rolledBack: true });
    expect(second).toMatchObject({ revision: 3, cause: 'undo', start: 3000, outcome: 'complete', rolledBack: false });
    expect(trace.at(-1)).toMatchObject({ v1: 4, v2: 0, ready: 4 });
  });

  it('a version that never becomes ready: ProgressDeadlineExceeded, and no rollback (as upstream)', () => {
    const stuck = { requests: { milliCPU: 500 }, startup: fixed(1e6) };
    const w = service('web', 4, { spec: V1, startup: fixed(20), rollout: rollout({ type: 'RollingUpdate', maxSurge: '25%', maxUnavailable: '25%' }, [{ at: 1000, kind: 'update', patch: stuck }]) });
    const { result, trace } = run(w, 5000);
    const out = result.rollouts![0]!;
    expect(out).toMatchObject({ outcome: 'deadline-exceeded', deadlineExceededAt: 1600, rolledBack: false, minReady: 3 });
    // Stuck half-way: 3 old ready pods and 2 new ones that never start.
    expect(trace.at(-1)).toMatchObject({ v1: 3, v2: 2, ready: 3 });
  });

  it('surge pods that fit nowhere: nothing progresses, and the deadline still passes (requeueStuckDeployment)', () => {
    // 16 replicas of 4 cpu fill 4 nodes of 16 cpu; the 4 surge pods stay Pending, no pod changes after the update.
    const big = podSpec({ cpu: 4 });
    const w = service('web', 16, { spec: big, startup: fixed(20), rollout: rollout({ type: 'RollingUpdate', maxSurge: '25%', maxUnavailable: 0 }, [{ at: 1000, kind: 'update', patch: { requests: { milliCPU: 4000, memory: 2 * 2 ** 30 } } }]) });
    const { result } = run(w, 5000);
    expect(result.rollouts![0]!).toMatchObject({ outcome: 'deadline-exceeded', deadlineExceededAt: 1600, minAvailable: 16, maxPods: 20 });
  });

  it('a crash-looping version with rollbackOnFailure: the deadline passes and the previous revision comes back', () => {
    const bad = { requests: { milliCPU: 500 }, crashes: crashes(5) };
    const w = service('web', 4, {
      spec: V1, startup: fixed(20),
      rollout: rollout({ type: 'RollingUpdate', maxSurge: 1, maxUnavailable: 0 }, [{ at: 1000, kind: 'update', patch: bad }], { minReadySeconds: 30, progressDeadlineSeconds: 120, rollbackOnFailure: true }),
    });
    const { result, trace } = run(w, 5000);
    const [failed, back] = result.rollouts!;
    expect(failed).toMatchObject({ revision: 2, outcome: 'rolled-back', rolledBack: true, minAvailable: 4 });
    expect(failed!.deadlineExceededAt).toBeGreaterThan(1120);
    expect(back).toMatchObject({ revision: 3, cause: 'rollback-on-failure', outcome: 'complete' });
    expect(trace.at(-1)).toMatchObject({ v1: 4, v2: 0, ready: 4 });
  });

  it('spec.replicas changed in the middle of a rollout (an HPA): the rolling step absorbs it, within the new bounds', () => {
    const w = service('web', 8, { spec: V1, startup: fixed(30), rollout: rollout({ type: 'RollingUpdate', maxSurge: 2, maxUnavailable: 0 }, [{ at: 1000, kind: 'update', patch: V2 }]) });
    const scaleAt = (t: number, replicas: number) => (api: Lifecycle) => {
      const ev = api.engine.defineEvent(`scale-${replicas}`, () => api.setDesiredReplicas(0, replicas));
      api.engine.scheduleAt(t, ev, 0);
    };
    const up = run(w, 20_000, 4, scaleAt(1015, 12));
    expect(up.result.rollouts![0]).toMatchObject({ outcome: 'complete', maxPods: 14 });
    expect(up.trace.at(-1)).toMatchObject({ pods: 12, v1: 0, v2: 12, ready: 12 });
    expect(up.trace.filter((x) => x.t >= 1015).every((x) => x.pods <= 14)).toBe(true);
    const down = run(w, 20_000, 4, scaleAt(1015, 3));
    expect(down.result.rollouts![0]).toMatchObject({ outcome: 'complete' });
    expect(down.trace.at(-1)).toMatchObject({ pods: 3, v1: 0, v2: 3, ready: 3 });
    // Never fewer ready than the new spec.replicas once it is lowered (maxUnavailable 0).
    expect(down.trace.filter((x) => x.t >= 1015).every((x) => x.ready >= 3)).toBe(true);
  });

  it('a pod of the new version removed by a failure is replaced by its own ReplicaSet, carrying the incident', () => {
    const w = service('web', 4, { spec: V1, startup: fixed(30), rollout: rollout({ type: 'RollingUpdate', maxSurge: 1, maxUnavailable: 0 }, [{ at: 1000, kind: 'update', patch: V2 }]) });
    let replacement = -1;
    const { result, trace } = run(w, 20_000, 4, (api) => {
      const ev = api.engine.defineEvent('kill', () => {
        // The first v2 pod, running by 1030: its node's failure removes it.
        const victim = [...api.workloads[0]!.podIds].find((id) => api.pods.infos[id]!.spec.requests.milliCPU === 500 && api.pods.isOnNode(id))!;
        const incident = api.openIncident({ source: 'test', domainKind: 'node', domain: 'n0', nodes: 1, onset: api.now });
        api.joinIncident(victim, incident);
        api.stopContainers(victim);
        api.removePod(victim, 'failed');
        replacement = api.pods.length - 1;
      });
      api.engine.scheduleAt(1040, ev, 0);
    });
    expect(replacement).toBeGreaterThan(0);
    expect(result.incidentList[0]).toMatchObject({ affectedReplicas: 1, recovered: 1070 });
    expect(result.rollouts![0]).toMatchObject({ outcome: 'complete' });
    expect(trace.at(-1)).toMatchObject({ pods: 4, v1: 0, v2: 4, ready: 4 });
  });
});

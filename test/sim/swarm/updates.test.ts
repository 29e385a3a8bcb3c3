import { describe, expect, it } from 'vitest';
import type { SwarmUpdateConfig } from '../../../src/api/swarm.js';
import type { CrashModel, RolloutEvent } from '../../../src/api/workload.js';
import { crashEvery, liveAt, nodes, readyAt, runTraced, service, settings, swarmScenario, tasksOf, type Traced } from './harness.js';

/**
 * Service updates against SWARM.md section 7 (manager/orchestrator/update/updater.go), driven by
 * rollout events. The service: 4 replicas of 1 cpu, start-up 10 s, on 4 roomy nodes; the update
 * at 1000 s sets cpu 2 (so a task's version shows in its requests).
 *
 * Worked timings: a task created at t is bound at t + 0.05 (the scheduler's 50 ms debounce) and
 * runs at t + 10.05. A worker is done with a slot when its new task runs, then sleeps `delay`,
 * then takes the next slot. So with parallelism p and delay 0 the n = 4 slots go in ceil(4/p)
 * waves of 10.05 s; once every worker is done (its last delay slept too) the updater monitors
 * for `monitor` (delay + 1 s when delay >= monitor) and the update is COMPLETED.
 */

const V2: RolloutEvent = { at: 1000, kind: 'update', patch: { requests: { milliCPU: 2000 } } };
const WAVE = 10.05;

function update(config: Partial<SwarmUpdateConfig>, o: { crashes?: CrashModel; events?: RolloutEvent[]; rollback?: Partial<SwarmUpdateConfig>; horizon?: number } = {}): Traced {
  const events = o.events ?? [o.crashes ? { at: 1000, kind: 'update' as const, patch: { requests: { milliCPU: 2000 }, crashes: o.crashes } } : V2];
  const web = service('web', 4, { startup: 10, rollouts: events, swarm: settings({ update: config, ...(o.rollback ? { rollback: o.rollback } : {}) }) });
  return runTraced(swarmScenario({ nodes: nodes(4), horizon: o.horizon ?? 3000, workloads: [web] }));
}

/** Fewest ready replicas and most live tasks of web during [from, to]. */
function extremes(t: Traced, from: number, to: number): { minReady: number; maxTasks: number } {
  const times = [from, ...t.tasks.flatMap((x) => [x.bound, x.ended]), ...(t.ready.get('web') ?? []).map(([w]) => w)].filter((x) => x >= from && x <= to);
  return { minReady: Math.min(...times.map((x) => readyAt(t, 'web', x))), maxTasks: Math.max(...times.map((x) => liveAt(t, 'web', x).length)) };
}

describe('Swarm update_config: parallelism, delay and monitor', () => {
  it.each([
    // p = 1: 4 waves + monitor 5; p = 2: 2 waves + 5; p = 0 (all at once): 1 wave + 5.
    [1, 4 * WAVE + 5],
    [2, 2 * WAVE + 5],
    [0, WAVE + 5],
  ])('parallelism %i: COMPLETED after %f s', (parallelism, duration) => {
    const t = update({ parallelism });
    const r = t.result.rollouts!;
    expect(r).toHaveLength(1);
    expect(r[0]!.outcome).toBe('complete');
    expect(r[0]!.durationSeconds).toBeCloseTo(duration, 9);
    const live = liveAt(t, 'web', 2000);
    expect(live.map((x) => x.milliCPU)).toEqual([2000, 2000, 2000, 2000]);
  });

  it('delay 20 s: each worker sleeps after every slot, the last one too; then monitor delay + 1 s (delay >= monitor)', () => {
    // 4 x (10.05 + 20) until the last worker wakes, then 21 s.
    const t = update({ parallelism: 1, delay: 20 });
    expect(t.result.rollouts![0]!.durationSeconds).toBeCloseTo(4 * (WAVE + 20) + 21, 9);
    // The slots were taken at 1000, 1030.05, 1060.10, 1090.15.
    expect(tasksOf(t, 'web').filter((x) => x.created >= 1000).map((x) => x.created - 1000)).toEqual([0, 1 * (WAVE + 20), 2 * (WAVE + 20), 3 * (WAVE + 20)].map((x) => expect.closeTo(x, 9)));
  });

  it('delay 2 s below a monitor of 30 s: the monitor runs 30 s after the last worker is done', () => {
    const t = update({ parallelism: 2, delay: 2, monitor: 30 });
    expect(t.result.rollouts![0]!.durationSeconds).toBeCloseTo(2 * (WAVE + 2) + 30, 9);
  });
});

describe('Swarm update order', () => {
  it.each([1, 2])('stop-first, parallelism %i: ready replicas dip by the parallelism, never more tasks than replicas', (p) => {
    const t = update({ parallelism: p });
    const x = extremes(t, 1000, 1100);
    expect(x.minReady).toBe(4 - p);
    expect(x.maxTasks).toBe(4);
    expect(t.result.rollouts![0]!.minReady).toBe(4 - p);
  });

  it.each([1, 2])('start-first, parallelism %i: ready replicas never below the replicas, up to replicas + parallelism tasks', (p) => {
    const t = update({ parallelism: p, order: 'start-first' });
    const x = extremes(t, 1000, 1100);
    expect(x.minReady).toBe(4);
    expect(x.maxTasks).toBe(4 + p);
    expect(t.result.rollouts![0]!).toMatchObject({ outcome: 'complete', minReady: 4, maxPods: 4 + p });
    // The same waves as stop-first: the old task leaves when the new one runs.
    expect(t.result.rollouts![0]!.durationSeconds).toBeCloseTo(Math.ceil(4 / p) * WAVE + 5, 9);
  });
});

describe('Swarm failure_action and max_failure_ratio', () => {
  // The new version crashes 3 s after it runs: inside the 5 s monitor, so each updated task fails.
  // Slot 1 runs at 1010.05 (its worker then takes slot 2) and crashes at 1013.05.
  const slot1Crash = 1000 + WAVE + 3;

  it('pause (default): the first failure pauses the update; the slots not yet reached keep the old version', () => {
    const t = update({}, { crashes: crashEvery(3) });
    const r = t.result.rollouts!;
    expect(r).toHaveLength(1);
    expect(r[0]!.outcome).toBe('paused');
    expect(r[0]!.end).toBeCloseTo(slot1Crash, 9);
    // Slots 1 and 2 were given the new version (slot 2 at 1010.05, before the failure); 3 and 4 never.
    const firstTasks = tasksOf(t, 'web').filter((x) => x.created === 0);
    const untouched = firstTasks.filter((x) => Number.isNaN(x.ended));
    expect(untouched.map((x) => x.slot).sort()).toEqual(['3', '4']);
    expect(untouched.every((x) => x.milliCPU === 1000)).toBe(true);
    expect(tasksOf(t, 'web').filter((x) => x.created > 0 && (x.slot === '3' || x.slot === '4'))).toEqual([]);
  });

  it('a failure after the monitor period is not a failure of the update: it completes', () => {
    // Crash 8 s after running (> monitor 5 s): 4 waves + 5 s, as without crashes.
    const t = update({}, { crashes: crashEvery(8) });
    expect(t.result.rollouts![0]!).toMatchObject({ outcome: 'complete' });
    expect(t.result.rollouts![0]!.durationSeconds).toBeCloseTo(4 * WAVE + 5, 9);
  });

  it('continue: failures are ignored, the update completes on schedule', () => {
    const t = update({ failureAction: 'continue' }, { crashes: crashEvery(3) });
    expect(t.result.rollouts![0]!).toMatchObject({ outcome: 'complete' });
    expect(t.result.rollouts![0]!.durationSeconds).toBeCloseTo(4 * WAVE + 5, 9);
  });

  it.each([
    // failures / 4 dirty slots must exceed the ratio. Failure k (slot k's first new task) comes at
    // 1000 + k x 10.05 + 3 (the restart supervisor's replacements are not the update's tasks).
    [0.25, 2],
    [0.5, 3],
  ])('max_failure_ratio %f: paused at failure %i', (ratio, k) => {
    const t = update({ maxFailureRatio: ratio }, { crashes: crashEvery(3) });
    const r = t.result.rollouts![0]!;
    expect(r.outcome).toBe('paused');
    expect(r.end).toBeCloseTo(1000 + k * WAVE + 3, 9);
  });

  it('rollback: back to the previous spec with rollback_config; only the slots the update changed are rolled back', () => {
    const t = update({ failureAction: 'rollback' }, { crashes: crashEvery(3), rollback: { parallelism: 0, monitor: 1 } });
    const r = t.result.rollouts!;
    expect(r.map((x) => [x.cause, x.outcome, x.rolledBack])).toEqual([
      ['update', 'rolled-back', true],
      ['rollback-on-failure', 'complete', false],
    ]);
    expect(r[0]!.end).toBeCloseTo(slot1Crash, 9);
    expect(r[1]!.start).toBeCloseTo(slot1Crash, 9);
    // At the end: 4 tasks of the old spec, and the old tasks of slots 3 and 4 (IsTaskDirty is false for them) never replaced.
    expect(liveAt(t, 'web', 2900).map((x) => x.milliCPU)).toEqual([1000, 1000, 1000, 1000]);
    const untouched = tasksOf(t, 'web').filter((x) => x.created === 0 && Number.isNaN(x.ended));
    expect(untouched.map((x) => x.slot).sort()).toEqual(['3', '4']);
  });

  it('a rollback that fails is paused, never rolled back again (rollback of a rollback)', () => {
    // v1 crashes 3 s after each start; v2 (at 1000) does not and completes. `docker service rollback`
    // at 2000 returns to v1 with a rollback_config whose failure_action is rollback: slot 1 runs v1 at
    // 2010.05 and fails at 2013.05, inside the monitor: a rollback is never rolled back, it pauses.
    const events: RolloutEvent[] = [{ at: 1000, kind: 'update', patch: { crashes: null } }, { at: 2000, kind: 'undo' }];
    const web = service('web', 4, { startup: 10, crashes: crashEvery(3), rollouts: events, swarm: settings({ rollback: { failureAction: 'rollback' } }) });
    const t = runTraced(swarmScenario({ nodes: nodes(4), horizon: 4000, workloads: [web] }));
    const r = t.result.rollouts!;
    expect(r.map((x) => [x.cause, x.outcome])).toEqual([
      ['update', 'complete'],
      ['undo', 'paused'],
    ]);
    expect(r[1]!.end).toBeCloseTo(2000 + WAVE + 3, 9);
  });

  it('an update during an update supersedes it; the new one updates every slot not at its spec', () => {
    const events: RolloutEvent[] = [V2, { at: 1015, kind: 'update', patch: { requests: { milliCPU: 3000 } } }];
    const t = update({}, { events });
    const r = t.result.rollouts!;
    expect(r.map((x) => x.outcome)).toEqual(['superseded', 'complete']);
    expect(r[0]!.end).toBe(1015);
    expect(r[1]!.durationSeconds).toBeCloseTo(4 * WAVE + 5, 9);
    expect(liveAt(t, 'web', 2000).map((x) => x.milliCPU)).toEqual([3000, 3000, 3000, 3000]);
  });
});

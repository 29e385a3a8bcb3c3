import { describe, expect, it } from 'vitest';
import type { DisruptionBudgetSpec, IntOrPercent } from '../../../src/api/disruption.js';
import { PodPhase } from '../../../src/api/pod.js';
import { budgetStatus, DisruptionController, scaledValue } from '../../../src/sim/controllers/disruption.js';
import { makeSpec } from '../../helpers/cluster.js';
import { createPod, job, nodeSpec, runningPod, service, store } from '../../helpers/store.js';

/**
 * The disruption controller alone (status per KUBERNETES.md 7.5, pkg/controller/disruption) and
 * the eviction API it feeds (7.6, pkg/registry/core/pod/storage/eviction.go), on a small store.
 */

const int = (value: number): IntOrPercent => ({ kind: 'int', value });
const pct = (value: number): IntOrPercent => ({ kind: 'percent', value });

function pdb(o: Partial<DisruptionBudgetSpec> & { app?: string } = {}): DisruptionBudgetSpec {
  const { app = 'web', ...rest } = o;
  return { name: `${app}-pdb`, namespace: 'default', selector: { matchLabels: { app } }, unhealthyPodEvictionPolicy: 'IfHealthyBudget', ...rest };
}

describe('budgetStatus: disruptionsAllowed as disruption.go computes it', () => {
  // [spec, replicas (= selected = healthy = Deployment scale), desiredHealthy, disruptionsAllowed]
  const table: [string, Pick<DisruptionBudgetSpec, 'minAvailable' | 'maxUnavailable'>, number, number, number][] = [
    ['minAvailable 1 of 1', { minAvailable: int(1) }, 1, 1, 0],
    ['minAvailable 1 of 3', { minAvailable: int(1) }, 3, 1, 2],
    ['minAvailable 5 of 3', { minAvailable: int(5) }, 3, 5, 0],
    ['minAvailable 50% of 1 (rounds up)', { minAvailable: pct(50) }, 1, 1, 0],
    ['minAvailable 50% of 3 (rounds up)', { minAvailable: pct(50) }, 3, 2, 1],
    ['minAvailable 90% of 10', { minAvailable: pct(90) }, 10, 9, 1],
    ['minAvailable 33% of 100', { minAvailable: pct(33) }, 100, 33, 67],
    ['minAvailable 0 of 10', { minAvailable: int(0) }, 10, 0, 10],
    ['maxUnavailable 1 of 1', { maxUnavailable: int(1) }, 1, 0, 1],
    ['maxUnavailable 1 of 3', { maxUnavailable: int(1) }, 3, 2, 1],
    ['maxUnavailable 0 of 3', { maxUnavailable: int(0) }, 3, 3, 0],
    ['maxUnavailable 5 of 3', { maxUnavailable: int(5) }, 3, 0, 3],
    ['maxUnavailable 50% of 3 (rounds up: 2)', { maxUnavailable: pct(50) }, 3, 1, 2],
    ['maxUnavailable 10% of 10', { maxUnavailable: pct(10) }, 10, 9, 1],
    ['maxUnavailable 15% of 100', { maxUnavailable: pct(15) }, 100, 85, 15],
    ['maxUnavailable 1% of 10 (rounds up: 1)', { maxUnavailable: pct(1) }, 10, 9, 1],
    ['maxUnavailable 100% of 10', { maxUnavailable: pct(100) }, 10, 0, 10],
  ];
  it.each(table)('%s', (_name, spec, replicas, desired, allowed) => {
    const s = budgetStatus(spec, { selected: replicas, healthy: replicas, scale: replicas });
    expect([s.desiredHealthy, s.disruptionsAllowed]).toEqual([desired, allowed]);
  });

  it('unhealthy pods count against the budget; nothing is allowed when expected is 0', () => {
    expect(budgetStatus({ maxUnavailable: int(1) }, { selected: 3, healthy: 2, scale: 3 }).disruptionsAllowed).toBe(0);
    expect(budgetStatus({ minAvailable: int(0) }, { selected: 0, healthy: 0, scale: 0 }).disruptionsAllowed).toBe(0);
    expect(budgetStatus({ maxUnavailable: int(1) }, { selected: 0, healthy: 0, scale: 0 }).disruptionsAllowed).toBe(0);
  });

  it('maxUnavailable uses the Deployment scale, not the pods (a surge or a replacement does not raise it)', () => {
    const s = budgetStatus({ maxUnavailable: int(1) }, { selected: 4, healthy: 4, scale: 3 });
    expect([s.expected, s.desiredHealthy, s.disruptionsAllowed]).toEqual([3, 2, 2]);
    expect(budgetStatus({ minAvailable: int(2) }, { selected: 4, healthy: 3, scale: 3 }).expected).toBe(4);
  });

  it('a pod without a scalable controller fails the sync for percentages and maxUnavailable (failSafe: 0 allowed)', () => {
    expect(budgetStatus({ maxUnavailable: int(1) }, { selected: 2, healthy: 2, scale: undefined })).toMatchObject({ disruptionsAllowed: 0, synced: false });
    expect(budgetStatus({ minAvailable: pct(10) }, { selected: 2, healthy: 2, scale: undefined })).toMatchObject({ disruptionsAllowed: 0, synced: false });
    expect(budgetStatus({ minAvailable: int(1) }, { selected: 2, healthy: 2, scale: undefined })).toMatchObject({ disruptionsAllowed: 1, synced: true });
  });

  it('scaledValue rounds percentages up', () => {
    expect([scaledValue(pct(50), 3), scaledValue(pct(10), 9), scaledValue(pct(0), 9), scaledValue(int(7), 3)]).toEqual([2, 1, 0, 7]);
  });
});

function setup(budgets: DisruptionBudgetSpec[], replicas = 3) {
  const s = store([nodeSpec('n0', { cpu: 16 }), nodeSpec('n1', { cpu: 16 })], [service('web', replicas, { spec: makeSpec({ cpu: 1000, labels: { app: 'web' } }) }), job('batch', { spec: makeSpec({ cpu: 1000, labels: { app: 'batch' } }) })]);
  new DisruptionController(s.api, budgets);
  return { ...s, b: s.api.disruptionBudgets };
}

describe('DisruptionController: status follows the pods', () => {
  it('counts ready pods, follows spec.replicas, and drops pods that are gone', () => {
    const { api, b } = setup([pdb({ maxUnavailable: int(1) })]);
    const ids = [0, 1, 2].map((k) => runningPod(api, 0, k % 2));
    expect(b[0]).toMatchObject({ expected: 3, desiredHealthy: 2, currentHealthy: 3, disruptionsAllowed: 1 });
    api.stopContainers(ids[0]!);
    expect(b[0]).toMatchObject({ currentHealthy: 2, disruptionsAllowed: 0 });
    api.setDesiredReplicas(0, 5);
    expect(b[0]).toMatchObject({ expected: 5, desiredHealthy: 4 });
    api.removePod(ids[0]!, 'failed');
    expect(b[0]!.members.size).toBe(2);
  });

  // Issue 18, item 4: healthy is Ready (the readiness probe passed), not merely running.
  it('a pod running but not yet Ready (its readiness probe has not passed) is not healthy, and is evicted as unready', () => {
    const { api, b } = setup([pdb({ minAvailable: int(2) })]);
    const ids = [0, 1].map((k) => runningPod(api, 0, k));
    const probing = createPod(api, 0);
    api.bind(probing, 0, undefined);
    api.startPod(probing); // Running, live, not Ready: the kubelet calls replicaReady when the probe passes
    api.podChanged(probing);
    expect(b[0]).toMatchObject({ currentHealthy: 2, desiredHealthy: 2, disruptionsAllowed: 0 });
    // IfHealthyBudget: an unready pod may go while the budget is healthy.
    expect(api.evict(probing, 'deleted')).toBe('evicted');
    expect(api.evict(ids[0]!, 'deleted')).toBe('blocked');
  });

  it('selects by namespace and labels only (the job\'s pods are not members)', () => {
    const { api, b } = setup([pdb({ minAvailable: int(1) })]);
    runningPod(api, 0, 0);
    runningPod(api, 1, 0);
    expect(b[0]!.members.size).toBe(1);
  });
});

describe('the eviction API (Lifecycle.evict)', () => {
  it('evicts while the budget allows, then answers 429 (blocked) and leaves the pod running', () => {
    const { api, b } = setup([pdb({ minAvailable: int(2) })]);
    const ids = [0, 1, 2].map(() => runningPod(api, 0, 0));
    expect(api.evict(ids[0]!, 'deleted')).toBe('evicted');
    expect(api.pods.phase[ids[0]!]).toBe(PodPhase.Failed);
    expect(b[0]).toMatchObject({ currentHealthy: 2, disruptionsAllowed: 0 });
    expect(api.evict(ids[1]!, 'deleted')).toBe('blocked');
    expect(api.pods.phase[ids[1]!]).toBe(PodPhase.Running);
    expect(b[0]!.evictions).toEqual({ attempted: 2, allowed: 1, blocked: 1, failed: 0 });
  });

  it('a pending pod (or one bound but never started) is evicted without a budget check (canIgnorePDB)', () => {
    const { api, b } = setup([pdb({ maxUnavailable: int(0) })]);
    runningPod(api, 0, 0);
    const queued = createPod(api, 0);
    const bound = createPod(api, 0);
    api.bind(bound, 1, undefined);
    expect(b[0]!.disruptionsAllowed).toBe(0);
    expect(api.evict(queued, 'deleted')).toBe('evicted');
    expect(api.evict(bound, 'deleted')).toBe('evicted');
    expect(api.pods.phase[bound]).toBe(PodPhase.Failed);
  });

  it('an unready pod: IfHealthyBudget evicts only while the budget is healthy; AlwaysAllow evicts', () => {
    for (const [policy, healthyBudget, want] of [['IfHealthyBudget', false, 'blocked'], ['IfHealthyBudget', true, 'evicted'], ['AlwaysAllow', false, 'evicted']] as const) {
      const { api } = setup([pdb({ minAvailable: int(healthyBudget ? 1 : 3), unhealthyPodEvictionPolicy: policy })]);
      const ids = [0, 1, 2].map(() => runningPod(api, 0, 0));
      api.stopContainers(ids[2]!);
      api.containerCrashed(ids[2]!, 1);
      expect(api.evict(ids[2]!, 'deleted'), `${policy} healthy=${healthyBudget}`).toBe(want);
    }
  });

  it('a pod with two budgets cannot be evicted (500); a pod with none is evicted', () => {
    const { api, b } = setup([pdb({ name: 'a', minAvailable: int(0) }), pdb({ name: 'b', maxUnavailable: int(3) })]);
    const id = runningPod(api, 0, 0);
    expect(api.evict(id, 'deleted')).toBe('error');
    expect(b.map((x) => x.evictions.failed)).toEqual([1, 1]);
    const other = runningPod(api, 1, 0);
    expect(api.evict(other, 'deleted')).toBe('evicted');
  });
});

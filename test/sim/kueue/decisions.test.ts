import { describe, expect, it } from 'vitest';
import { CLUSTER_QUEUE_DEFAULTS, type ClusterQueue, type ClusterQueuePreemption, type ResourceFlavor } from '../../../src/api/queueing.js';
import { resources } from '../../../src/api/resources.js';
import type { PodSpec } from '../../../src/api/pod.js';
import { QuotaState } from '../../../src/sim/kueue/quota.js';
import { assignFlavors, FlavorMode, admittedPodSpec, workloadRequests } from '../../../src/sim/kueue/flavors.js';
import { preemptionTargets, type AdmittedWorkload } from '../../../src/sim/kueue/preemption.js';
import { compareDrs, dominantResourceShare, jainIndex, strategyPasses } from '../../../src/sim/kueue/fair-sharing.js';
import { PendingQueue } from '../../../src/sim/kueue/queues.js';

/**
 * Kueue's admission decisions on hand-made cases from its documentation
 * (site/content/en/docs/concepts/cluster_queue.md, preemption.md) and unit tests
 * (pkg/scheduler/preemption/preemption_test.go), called on the pure functions.
 */
const CPU = 1000; // milli-CPU per core
const flavor = (name: string, nodeLabels: Record<string, string> = {}, extra: Partial<ResourceFlavor> = {}): ResourceFlavor => ({ name, nodeLabels, nodeTaints: [], tolerations: [], ...extra });
const cq = (name: string, cpu: { nominal: number; borrowingLimit?: number; lendingLimit?: number }[], opts: { cohort?: string; flavors?: string[]; preemption?: Partial<ClusterQueuePreemption>; weight?: number; strategy?: ClusterQueue['queueingStrategy'] } = {}): ClusterQueue => ({
  name,
  cohort: opts.cohort,
  queueingStrategy: opts.strategy ?? 'BestEffortFIFO',
  resourceGroups: [{ coveredResources: ['cpu'], flavors: cpu.map((q, i) => ({ name: opts.flavors?.[i] ?? 'default', resources: [{ name: 'cpu', nominalQuota: q.nominal * CPU, borrowingLimit: q.borrowingLimit === undefined ? undefined : q.borrowingLimit * CPU, lendingLimit: q.lendingLimit === undefined ? undefined : q.lendingLimit * CPU }] })) }],
  preemption: { ...CLUSTER_QUEUE_DEFAULTS.preemption, ...opts.preemption },
  fairSharingWeight: opts.weight ?? 1,
  flavorFungibility: CLUSTER_QUEUE_DEFAULTS.flavorFungibility,
});
const pod = (cores: number, extra: Partial<PodSpec> = {}): PodSpec => ({ namespace: 'default', labels: {}, priority: 0, requests: resources({ milliCPU: cores * CPU }), ...extra });
const fr = 0; // flavor 0, cpu

describe('quota: cluster_queue.md examples', () => {
  it('"Borrowing example": team-a-cq (9 cpu) can admit up to 9 + 12 = 21 cpu while team-b-cq (12) is idle', () => {
    const q = new QuotaState([flavor('default')], [cq('team-a-cq', [{ nominal: 9 }], { cohort: 'team-ab' }), cq('team-b-cq', [{ nominal: 12 }], { cohort: 'team-ab' })]);
    expect(q.available(0, fr)).toBe(21 * CPU);
    expect(q.potentialAvailable(0, fr)).toBe(21 * CPU);
    // Once team-b uses its 12, team-a is back to its own 9.
    q.add(1, [[fr, 12 * CPU]]);
    expect(q.available(0, fr)).toBe(9 * CPU);
  });
  it('"BorrowingLimit": with borrowingLimit 1, team-a-cq admits at most 9 + 1 = 10 cpu', () => {
    const q = new QuotaState([flavor('default')], [cq('team-a-cq', [{ nominal: 9, borrowingLimit: 1 }], { cohort: 'team-ab' }), cq('team-b-cq', [{ nominal: 12 }], { cohort: 'team-ab' })]);
    expect(q.available(0, fr)).toBe(10 * CPU);
    expect(q.potentialAvailable(0, fr)).toBe(10 * CPU);
    // team-b-cq has no limit: 12 + 9.
    expect(q.available(1, fr)).toBe(21 * CPU);
  });
  it('"LendingLimit": team-b-cq lends at most 1 cpu, so team-a-cq admits 9 + 1 = 10; team-b-cq keeps 11 for itself', () => {
    const q = new QuotaState([flavor('default')], [cq('team-a-cq', [{ nominal: 9 }], { cohort: 'team-ab' }), cq('team-b-cq', [{ nominal: 12, lendingLimit: 1 }], { cohort: 'team-ab' })]);
    expect(q.available(0, fr)).toBe(10 * CPU);
    // team-a borrowing its 1 leaves team-b all of its own 12 (11 local + 1 lent, unused by others).
    q.add(0, [[fr, 9 * CPU]]);
    expect(q.available(1, fr)).toBe(12 * CPU);
    q.add(0, [[fr, 1 * CPU]]);
    expect(q.available(1, fr)).toBe(11 * CPU);
    expect(q.available(0, fr)).toBe(0);
  });
  it('a ClusterQueue without a cohort has its nominal quota only', () => {
    const q = new QuotaState([flavor('default')], [cq('solo', [{ nominal: 4 }])]);
    q.add(0, [[fr, 3 * CPU]]);
    expect([q.available(0, fr), q.potentialAvailable(0, fr)]).toEqual([1 * CPU, 4 * CPU]);
  });
});

describe('flavor assignment (flavorassigner.go)', () => {
  const flavors = [flavor('spot', { tier: 'spot' }), flavor('on-demand', { tier: 'on-demand' })];
  const two = cq('team', [{ nominal: 4 }, { nominal: 8 }], { flavors: ['spot', 'on-demand'] });
  const never = () => FlavorMode.NoCandidates;
  it('takes the first flavor that fits, in order', () => {
    const q = new QuotaState(flavors, [two]);
    const a = assignFlavors(q, 0, two, flavors, pod(3), workloadRequests(pod(3), 1), false, never);
    expect([a.mode, a.flavors.cpu]).toEqual([FlavorMode.Fit, 'spot']);
  });
  it('goes on to the next flavor when the first is full (NoFit), and NoFit past every flavor', () => {
    const q = new QuotaState(flavors, [two]);
    q.add(0, [[0, 2 * CPU]]);
    expect(assignFlavors(q, 0, two, flavors, pod(3), workloadRequests(pod(3), 1), false, never).flavors.cpu).toBe('on-demand');
    expect(assignFlavors(q, 0, two, flavors, pod(9), workloadRequests(pod(9), 1), false, never).mode).toBe(FlavorMode.NoFit);
  });
  it('skips a flavor whose labels contradict the pod\'s nodeSelector, and one whose taint the pod does not tolerate', () => {
    const q = new QuotaState(flavors, [two]);
    expect(assignFlavors(q, 0, two, flavors, pod(1, { nodeSelector: { tier: 'on-demand' } }), workloadRequests(pod(1), 1), false, never).flavors.cpu).toBe('on-demand');
    const tainted = [flavor('spot', {}, { nodeTaints: [{ key: 'spot', effect: 'NoSchedule' }] }), flavors[1]!];
    expect(assignFlavors(q, 0, two, tainted, pod(1), workloadRequests(pod(1), 1), false, never).flavors.cpu).toBe('on-demand');
  });
  it('admission injects the flavor\'s node labels and tolerations into the pods', () => {
    const f = flavor('a100', { 'nvidia.com/gpu.product': 'A100' }, { tolerations: [{ key: 'gpu', operator: 'Exists' }] });
    const spec = admittedPodSpec(pod(1, { nodeSelector: { zone: 'a' } }), [f]);
    expect(spec.nodeSelector).toEqual({ zone: 'a', 'nvidia.com/gpu.product': 'A100' });
    expect(spec.tolerations).toEqual([{ key: 'gpu', operator: 'Exists' }]);
  });
  it('a resource no resource group covers is NoFit ("resource unavailable in ClusterQueue")', () => {
    const q = new QuotaState(flavors, [two]);
    const gpuPod = pod(1, { requests: resources({ milliCPU: 1000, milliGPU: 1000 }) });
    expect(assignFlavors(q, 0, two, flavors, gpuPod, workloadRequests(gpuPod, 1), false, never).reason).toMatch(/nvidia.com\/gpu unavailable/);
  });
  it('a request within nominal that does not fit now is a preemption mode when the oracle finds victims', () => {
    const one = cq('team', [{ nominal: 4 }]);
    const q = new QuotaState([flavor('default')], [one]);
    q.add(0, [[0, 4 * CPU]]);
    expect(assignFlavors(q, 0, one, [flavor('default')], pod(2), workloadRequests(pod(2), 1), false, () => FlavorMode.Preempt).mode).toBe(FlavorMode.Preempt);
    // Above the nominal quota without borrowWithinCohort: no preemption can help.
    expect(assignFlavors(q, 0, one, [flavor('default')], pod(5), workloadRequests(pod(5), 1), false, () => FlavorMode.Preempt).mode).toBe(FlavorMode.NoFit);
  });
});

const admitted = (id: number, cqIndex: number, priority: number, cores: number, admittedAt = id): AdmittedWorkload => ({ id, cq: cqIndex, priority, timestamp: admittedAt, admittedAt, usage: [[0, cores * CPU]] });

describe('classic preemption (preemption.md, preemption_test.go)', () => {
  const run = (queues: ClusterQueue[], workloads: AdmittedWorkload[], p: { cq: number; priority: number; cores: number; timestamp?: number }, fairSharing?: boolean) => {
    const q = new QuotaState([flavor('default')], queues);
    for (const w of workloads) q.add(w.cq, w.usage);
    const before = q.usage.map((u) => Array.from(u));
    const targets = preemptionTargets(
      { q, clusterQueues: queues, admitted: (c) => workloads.filter((w) => w.cq === c), fairSharing: fairSharing ? ['LessThanOrEqualToFinalShare', 'LessThanInitialShare'] : undefined },
      { cq: p.cq, priority: p.priority, timestamp: p.timestamp ?? 1000, usage: [[0, p.cores * CPU]] },
      new Set([0]),
    );
    // The search leaves the quota state as it found it.
    expect(q.usage.map((u) => Array.from(u))).toEqual(before);
    return targets.map((t) => t.id).sort((a, b) => a - b);
  };
  it('"preempt lowest priority" (withinClusterQueue LowerPriority): the lowest-priority workload goes, not a higher one', () => {
    const queues = [cq('standalone', [{ nominal: 6 }], { preemption: { withinClusterQueue: 'LowerPriority' } })];
    expect(run(queues, [admitted(1, 0, -1, 2), admitted(2, 0, 0, 2), admitted(3, 0, 1, 2)], { cq: 0, priority: 1, cores: 2 })).toEqual([1]);
  });
  it('"preempt multiple": as many as needed, lowest priority first', () => {
    const queues = [cq('standalone', [{ nominal: 6 }], { preemption: { withinClusterQueue: 'LowerPriority' } })];
    expect(run(queues, [admitted(1, 0, -1, 2), admitted(2, 0, 0, 2), admitted(3, 0, 1, 2)], { cq: 0, priority: 2, cores: 4 })).toEqual([1, 2]);
  });
  it('"no preemption for low priority": nothing of equal or higher priority is taken', () => {
    const queues = [cq('standalone', [{ nominal: 6 }], { preemption: { withinClusterQueue: 'LowerPriority' } })];
    expect(run(queues, [admitted(1, 0, 0, 3), admitted(2, 0, 0, 3)], { cq: 0, priority: 0, cores: 2 })).toEqual([]);
  });
  it('LowerOrNewerEqualPriority also takes a newer workload of equal priority', () => {
    const queues = [cq('standalone', [{ nominal: 6 }], { preemption: { withinClusterQueue: 'LowerOrNewerEqualPriority' } })];
    expect(run(queues, [admitted(1, 0, 0, 3, 10), admitted(2, 0, 0, 3, 2000)], { cq: 0, priority: 0, cores: 2, timestamp: 1000 })).toEqual([2]);
  });
  it('"reclaim quota from borrower" (reclaimWithinCohort Any): a queue within its nominal takes back what another borrowed', () => {
    const queues = [cq('c1', [{ nominal: 6 }], { cohort: 'cohort', preemption: { reclaimWithinCohort: 'Any' } }), cq('c2', [{ nominal: 6 }], { cohort: 'cohort' })];
    // c2 borrows 3 of c1's 6; c1 uses 3 and needs 3 more.
    expect(run(queues, [admitted(1, 0, 0, 3), admitted(2, 1, 10, 6), admitted(3, 1, 10, 3)], { cq: 0, priority: 0, cores: 3 })).toEqual([3]);
  });
  it('reclaimWithinCohort LowerPriority spares a borrower\'s higher-priority workload', () => {
    const queues = [cq('c1', [{ nominal: 6 }], { cohort: 'cohort', preemption: { reclaimWithinCohort: 'LowerPriority' } }), cq('c2', [{ nominal: 6 }], { cohort: 'cohort' })];
    expect(run(queues, [admitted(1, 0, 0, 3), admitted(2, 1, 10, 6), admitted(3, 1, 10, 3)], { cq: 0, priority: 0, cores: 3 })).toEqual([]);
  });
  it('a queue that is not borrowing is never reclaimed from', () => {
    const queues = [cq('c1', [{ nominal: 6 }], { cohort: 'cohort', preemption: { reclaimWithinCohort: 'Any' } }), cq('c2', [{ nominal: 6 }], { cohort: 'cohort' })];
    expect(run(queues, [admitted(1, 0, 0, 6), admitted(2, 1, 0, 6)], { cq: 0, priority: 0, cores: 3 })).toEqual([]);
  });
  it('"preempting while borrowing" needs borrowWithinCohort, and respects maxPriorityThreshold', () => {
    // c3 lends its 4 and admits nothing; c2 borrows all of it; c1 is at its nominal 4 and wants 2 more (borrowing).
    const mk = (bwc: ClusterQueuePreemption['borrowWithinCohort']) => [
      cq('c1', [{ nominal: 4 }], { cohort: 'cohort', preemption: { reclaimWithinCohort: 'LowerPriority', borrowWithinCohort: bwc } }),
      cq('c2', [{ nominal: 4 }], { cohort: 'cohort' }),
      cq('c3', [{ nominal: 4 }], { cohort: 'cohort' }),
    ];
    const wls = [admitted(1, 0, 0, 4), admitted(2, 1, 0, 4), admitted(3, 1, 0, 2), admitted(4, 1, 0, 2)];
    expect(run(mk({ policy: 'Never' }), wls, { cq: 0, priority: 5, cores: 2 })).toEqual([]);
    expect(run(mk({ policy: 'LowerPriority' }), wls, { cq: 0, priority: 5, cores: 2 })).toEqual([4]);
    expect(run(mk({ policy: 'LowerPriority', maxPriorityThreshold: -1 }), wls, { cq: 0, priority: 5, cores: 2 })).toEqual([]);
  });
  it('minimizes the set: a victim whose quota is not needed is put back (fillBackWorkloads)', () => {
    const queues = [cq('standalone', [{ nominal: 10 }], { preemption: { withinClusterQueue: 'LowerPriority' } })];
    // Candidates in order: 1 (1 cpu, newest of priority 0), 2 (4 cpu): taking 1 then 2 frees 5, but 2 alone is enough.
    expect(run(queues, [admitted(2, 0, 0, 4, 1), admitted(1, 0, 0, 1, 5), admitted(3, 0, 9, 5, 0)], { cq: 0, priority: 1, cores: 4 })).toEqual([2]);
  });
  it('fair sharing: the queue with the larger weighted share gives back (LessThanOrEqualToFinalShare)', () => {
    // Three queues lend: a (weight 1) borrowed 4 cpu, b (weight 1) borrowed 1, c is within nominal and wants 2 more.
    const queues = [
      cq('a', [{ nominal: 2 }], { cohort: 'x', preemption: { reclaimWithinCohort: 'Any' } }),
      cq('b', [{ nominal: 2 }], { cohort: 'x', preemption: { reclaimWithinCohort: 'Any' } }),
      cq('c', [{ nominal: 6 }], { cohort: 'x', preemption: { reclaimWithinCohort: 'Any' } }),
    ];
    const wls = [admitted(1, 0, 0, 2), admitted(2, 0, 0, 2), admitted(3, 0, 0, 2), admitted(4, 1, 0, 3), admitted(5, 2, 0, 1)];
    expect(run(queues, wls, { cq: 2, priority: 0, cores: 2 }, true)).toEqual([3]);
  });
});

describe('fair sharing: dominant resource share (fair_sharing.go)', () => {
  it('is 0 within nominal, borrowed / lendable x 1000 / weight above it; a zero weight that borrows compares above everything', () => {
    const queues = [cq('a', [{ nominal: 4 }], { cohort: 'x', weight: 2 }), cq('b', [{ nominal: 4 }], { cohort: 'x', weight: 0 })];
    const q = new QuotaState([flavor('default')], queues);
    expect(dominantResourceShare(q, 0, 2).ratio).toBe(0);
    q.add(0, [[0, 6 * CPU]]);
    const a = dominantResourceShare(q, 0, 2);
    expect(a.ratio).toBeCloseTo((2 / 8) * 1000);
    q.add(1, [[0, 1 * CPU]]);
    const b = dominantResourceShare(q, 1, 0, [[0, 4 * CPU]]);
    expect(compareDrs(b, a)).toBe(1);
  });
  it('strategies: LessThanOrEqualToFinalShare compares with the target after, LessThanInitialShare with the target before', () => {
    const d = (ratio: number) => ({ ratio, weight: 1, borrowing: ratio > 0 });
    expect(strategyPasses('LessThanOrEqualToFinalShare', d(100), d(300), d(100))).toBe(true);
    expect(strategyPasses('LessThanOrEqualToFinalShare', d(100), d(300), d(50))).toBe(false);
    expect(strategyPasses('LessThanInitialShare', d(100), d(300), d(0))).toBe(true);
    expect(strategyPasses('LessThanInitialShare', d(300), d(300), d(0))).toBe(false);
  });
  it("Jain's index: 1 for equal shares, 1/n when one takes all", () => {
    expect(jainIndex([2, 2, 2])).toBe(1);
    expect(jainIndex([3, 0, 0])).toBeCloseTo(1 / 3);
    expect(jainIndex([])).toBe(1);
  });
});

describe('queueing strategies (cluster_queue.md "Queueing strategy")', () => {
  it('StrictFIFO keeps a head that does not fit at the head; BestEffortFIFO sets it aside until capacity changes', () => {
    for (const strategy of ['StrictFIFO', 'BestEffortFIFO'] as const) {
      const pq = new PendingQueue(strategy);
      pq.push({ id: 2, priority: 0, timestamp: 2 });
      pq.push({ id: 1, priority: 0, timestamp: 1 });
      pq.push({ id: 3, priority: 5, timestamp: 3 });
      expect(pq.head()!.id).toBe(3); // priority first, then creation
      pq.remove(3);
      pq.requeue(1, 'NoFit');
      expect(pq.head()!.id).toBe(strategy === 'StrictFIFO' ? 1 : 2);
      pq.requeueInadmissible();
      expect(pq.head()!.id).toBe(1);
    }
  });
});

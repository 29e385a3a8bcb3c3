import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { NO_CLUSTER_SCALING, type ClusterAutoscaler, type ClusterAutoscalerContext, type ClusterScaleDecision, type NodeGroupSpec, type ScalableNode } from '../../src/api/autoscaling.js';
import type { NodeInfo } from '../../src/api/node.js';
import type { PodInfo } from '../../src/api/pod.js';
import { clusterAutoscaler, clusterAutoscalerFactory, isClusterHealthy, setUnneededSince, type ClusterAutoscalerTuning } from '../../src/autoscalers/cluster-autoscaler.js';
import { NodeTable } from '../../src/autoscalers/cluster-autoscaler-drain-cache.js';
import { CLUSTER_AUTOSCALER_DEFAULTS } from '../../src/autoscalers/cluster-autoscaler-options.js';
import { nodeUtilization, type Drain } from '../../src/autoscalers/cluster-autoscaler-scale-down.js';
import { NodeGroupBackoff } from '../../src/autoscalers/cluster-autoscaler-scale-up.js';
import {
  chooseOption, EXPANDER_NAMES, EXPANDERS, pricePerPod, wastedScore, type ExpanderName, type ScaleUpOption,
} from '../../src/autoscalers/expanders.js';
import { karpenter } from '../../src/autoscalers/karpenter.js';
import {
  FakeCluster, fakeContext, fixedRandom, Gi, seededRandom, testGroup, testPod, type FakeContextInit, type FakeGroupInit, type FakeNodeInit,
} from '../helpers/autoscaler-context.js';

const rnd = () => seededRandom(42);

// ---- Expanders -----------------------------------------------------------------------------

describe('expanders', () => {
  const medium = testGroup('medium', { cpu: 4000, memory: 16 * Gi, price: 0.2, priority: 5 });
  const large = testGroup('large', { cpu: 8000, memory: 32 * Gi, price: 0.3, priority: 10 });
  const pods = (n: number, cpu: number, memory: number) => Array.from({ length: n }, () => testPod({ cpu, memory }));
  const opt = (group: NodeGroupSpec, nodeCount: number, p: PodInfo[]): ScaleUpOption => ({ group, nodeCount, pods: p });

  it('least-waste: idle cpu fraction + idle memory fraction, lowest wins', () => {
    const p = pods(1, 3000, 12 * Gi);
    const m = opt(medium, 1, p);
    const l = opt(large, 1, p);
    expect(wastedScore(m)).toBeCloseTo(0.25 + 0.25);
    expect(wastedScore(l)).toBeCloseTo(0.625 + 0.625);
    expect(EXPANDERS['least-waste']([l, m], rnd())).toBe(m);
  });

  it('most-pods, least-nodes, price and priority pick as specified', () => {
    const m = opt(medium, 3, pods(3, 3000, Gi)); // 3 nodes x 0.2 for 3 pods = 0.2 per pod
    const l = opt(large, 1, pods(2, 3000, Gi)); // 1 node x 0.3 for 2 pods = 0.15 per pod
    expect(EXPANDERS['most-pods']([l, m], rnd())).toBe(m);
    expect(EXPANDERS['least-nodes']([m, l], rnd())).toBe(l);
    expect(pricePerPod(m)).toBeCloseTo(0.2);
    expect(pricePerPod(l)).toBeCloseTo(0.15);
    expect(EXPANDERS.price([m, l], rnd())).toBe(l);
    expect(EXPANDERS.priority([m, l], rnd())).toBe(l);
    expect(EXPANDERS.priority([m], rnd())).toBe(m);
  });

  it('breaks ties with exactly one draw from the random source', () => {
    const a = opt(testGroup('a', { priority: 1 }), 1, pods(1, 100, 0));
    const b = opt(testGroup('b', { priority: 1 }), 1, pods(1, 100, 0));
    const c = opt(testGroup('c', { priority: 0 }), 1, pods(1, 100, 0));
    const low = fixedRandom(0);
    expect(EXPANDERS.priority([a, b, c], low)).toBe(a);
    expect(low.draws).toBe(1);
    expect(EXPANDERS.priority([a, b, c], fixedRandom(0.99))).toBe(b);
    expect(EXPANDERS.random([a, b, c], fixedRandom(0.5))).toBe(b);
    expect(EXPANDERS.random([], fixedRandom(0.5))).toBeUndefined();
  });

  it('is deterministic for a seed, and chains apply in order', () => {
    const options = EXPANDER_NAMES.map((n, i) => opt(testGroup(`g${i}`), 1, pods(1, 100, 0)));
    for (const name of EXPANDER_NAMES) {
      expect(EXPANDERS[name](options, seededRandom(7))).toBe(EXPANDERS[name](options, seededRandom(7)));
    }
    const m = opt(medium, 1, pods(1, 3000, 12 * Gi));
    const l = opt(large, 1, pods(1, 3000, 12 * Gi));
    const l2 = opt({ ...large, name: 'large2', priority: 10 }, 2, pods(1, 3000, 12 * Gi));
    // priority keeps large and large2; least-waste then prefers large (1 node).
    expect(chooseOption(['priority', 'least-waste'], [m, l2, l], fixedRandom(0.99))).toBe(l);
  });
});

// ---- Scale-up ------------------------------------------------------------------------------

const small = testGroup('small', { cpu: 2000, memory: 8 * Gi, price: 0.1, priority: 1, max: 10 });
const medium = testGroup('medium', { cpu: 4000, memory: 16 * Gi, price: 0.2, priority: 5, max: 10 });
const large = testGroup('large', { cpu: 8000, memory: 32 * Gi, price: 0.15, priority: 10, max: 10 });

/** A small node that is full, so pending pods fit nowhere existing. */
function fullSmallNode(name = 'small-0'): FakeNodeInit {
  return { name, group: 'small', pods: [testPod({ cpu: 2000, memory: Gi })] };
}

function decide(ca: ClusterAutoscaler, init: FakeContextInit, random = rnd()): ClusterScaleDecision {
  const ctx = fakeContext(init);
  const before = ctx.fakeNodes.map((n) => [n.name, n.podCount, n.requested.milliCPU]);
  const d = ca.reconcile(ctx, random);
  // The what-ifs left nothing behind.
  expect(ctx.fakeNodes.map((n) => [n.name, n.podCount, n.requested.milliCPU])).toEqual(before);
  return d;
}

describe('cluster-autoscaler scale-up', () => {
  const groups = [small, medium, large];
  const onePod = () => ({ now: 0, groups, nodes: [fullSmallNode()], pending: [testPod({ cpu: 3000, memory: 4 * Gi })] });

  it('a pod that fits no node but fits templates triggers one scale-up of the expander\'s group', () => {
    // 3000m fits medium (4 cpu) and large (8 cpu), not small (2 cpu).
    const cases: [ExpanderName, string][] = [['least-waste', 'medium'], ['price', 'large'], ['priority', 'large'], ['most-pods', 'medium'], ['least-nodes', 'medium']];
    for (const [expander, want] of cases) {
      const ca = clusterAutoscaler(groups, { expander });
      // least-nodes and most-pods tie (1 node, 1 pod each): fixedRandom(0) takes the first in group order.
      const d = decide(ca, onePod(), fixedRandom(0));
      expect(d.deletions).toEqual([]);
      expect(d.scaleUps, expander).toHaveLength(1);
      expect(d.scaleUps[0]!.group, expander).toBe(want);
      expect(d.scaleUps[0]!.count).toBe(1);
      expect(d.scaleUps[0]!.reason).toContain('1 of 1 unschedulable pod(s)');
    }
  });

  it('most-pods and least-nodes differ when a group is capped', () => {
    // Three 3-cpu pods: medium needs 3 nodes (takes all 3); large has room for 1 node (takes 2).
    const capped = { ...large, max: 1 };
    const init = () => ({
      now: 0, groups: [small, medium, capped], nodes: [fullSmallNode()],
      pending: [1, 2, 3].map(() => testPod({ cpu: 3000, memory: Gi })),
    });
    const most = decide(clusterAutoscaler([small, medium, capped], { expander: 'most-pods' }), init());
    expect(most.scaleUps).toEqual([expect.objectContaining({ group: 'medium', count: 3 })]);
    const fewest = decide(clusterAutoscaler([small, medium, capped], { expander: 'least-nodes' }), init());
    expect(fewest.scaleUps).toEqual([expect.objectContaining({ group: 'large', count: 1 })]);
    expect(fewest.scaleUps[0]!.reason).toContain('2 of 3 unschedulable pod(s) fit on 1 new node(s) of large');
  });

  it('bin-packs: four 1.5-cpu pods need two 4-cpu nodes', () => {
    const d = decide(clusterAutoscaler([medium]), { now: 0, groups: [medium], pending: [1, 2, 3, 4].map(() => testPod({ cpu: 1500, memory: Gi })) });
    expect(d.scaleUps).toEqual([expect.objectContaining({ group: 'medium', count: 2 })]);
  });

  it('pods that fit upcoming nodes trigger no other scale-up', () => {
    const ca = clusterAutoscaler(groups);
    const upcoming: FakeGroupInit[] = [{ spec: small }, { spec: medium, provisioning: 1 }, { spec: large }];
    expect(decide(ca, { ...onePod(), groups: upcoming })).toBe(NO_CLUSTER_SCALING);
    // Two such pods: the upcoming node takes one, one more node is needed.
    const two = decide(ca, { ...onePod(), groups: upcoming, pending: [testPod({ cpu: 3000 }), testPod({ cpu: 3000 })] });
    expect(two.scaleUps).toEqual([expect.objectContaining({ group: 'medium', count: 1 })]);
  });

  it('never scales a group beyond max', () => {
    const atMax = { ...medium, max: 2 };
    const nodes: FakeNodeInit[] = [{ name: 'm0', group: 'medium', pods: [testPod({ cpu: 4000 })] }];
    // targetSize 2 (1 node + 1 provisioning, the upcoming node full of nothing but too small): no room.
    const pending = [testPod({ cpu: 3000 }), testPod({ cpu: 3000 })];
    const full = decide(clusterAutoscaler([atMax]), { now: 0, groups: [{ spec: atMax, provisioning: 1 }], nodes, pending });
    expect(full.scaleUps).toEqual([]);
    // Room for one more node although three are needed.
    const pods3 = [1, 2, 3].map(() => testPod({ cpu: 3000 }));
    const capped = decide(clusterAutoscaler([atMax]), { now: 0, groups: [atMax], nodes, pending: pods3 });
    expect(capped.scaleUps).toEqual([expect.objectContaining({ group: 'medium', count: 1 })]);
  });

  it('ignores pods no template fits, and respects node selectors and taints', () => {
    const gpu = testGroup('gpu', { cpu: 8000, gpu: 1000, labels: { pool: 'gpu' }, taints: [{ key: 'gpu', effect: 'NoSchedule' }], price: 3 });
    const gs = [medium, gpu];
    const tooBig = decide(clusterAutoscaler(gs), { now: 0, groups: gs, pending: [testPod({ cpu: 16000 })] });
    expect(tooBig).toBe(NO_CLUSTER_SCALING);
    // A pod selecting the gpu pool without tolerating its taint fits no template.
    const untolerated = decide(clusterAutoscaler(gs), { now: 0, groups: gs, pending: [testPod({ cpu: 1000, nodeSelector: { pool: 'gpu' } })] });
    expect(untolerated).toBe(NO_CLUSTER_SCALING);
    const tolerated = decide(clusterAutoscaler(gs), {
      now: 0, groups: gs, pending: [testPod({ cpu: 1000, gpu: 1000, nodeSelector: { pool: 'gpu' }, tolerations: [{ key: 'gpu', operator: 'Exists' }] })],
    });
    expect(tolerated.scaleUps).toEqual([expect.objectContaining({ group: 'gpu', count: 1 })]);
  });

  it('backs a group off after a failed scale-up: 5 min, then 10 min on a second failure', () => {
    const ca = clusterAutoscaler([medium]);
    const at = (now: number, failure: number) => decide(ca, { now, groups: [{ spec: medium, lastScaleUpFailure: failure }], pending: [testPod({ cpu: 3000 })] });
    expect(at(100, 100).scaleUps).toEqual([]);
    expect(at(399, 100).scaleUps).toEqual([]);
    expect(at(400, 100).scaleUps).toHaveLength(1);
    expect(at(1000, 1000).scaleUps).toEqual([]);
    expect(at(1599, 1000).scaleUps).toEqual([]);
    expect(at(1600, 1000).scaleUps).toHaveLength(1);
    const b = new NodeGroupBackoff(300, 1800, 10800);
    for (const t of [0, 1, 2, 3, 4, 5]) b.backoff('g', t);
    expect(b.backedOffUntil('g')).toBe(5 + 1800);
    b.backoff('g', 5 + 10800);
    expect(b.backedOffUntil('g')).toBe(5 + 10800 + 300);
  });

  it('does nothing while the cluster is unhealthy (unready > max(3, 45%))', () => {
    const nodes: FakeNodeInit[] = [0, 1, 2, 3, 4].map((i) => ({ name: `m${i}`, group: 'medium', ready: i >= 4, pods: [testPod({ cpu: 4000 })] }));
    expect(isClusterHealthy(fakeContext({ now: 0, groups: [medium], nodes }).nodes, 3, 45)).toBe(false);
    expect(decide(clusterAutoscaler([medium]), { now: 0, groups: [medium], nodes, pending: [testPod({ cpu: 3000 })] })).toBe(NO_CLUSTER_SCALING);
    // 3 unready of 5 is within okTotalUnreadyCount.
    const three = nodes.map((n, i) => ({ ...n, ready: i >= 3 }));
    expect(decide(clusterAutoscaler([medium]), { now: 0, groups: [medium], nodes: three, pending: [testPod({ cpu: 3000 })] }).scaleUps).toHaveLength(1);
  });
});

// ---- Scale-down ----------------------------------------------------------------------------

describe('cluster-autoscaler scale-down', () => {
  const g = testGroup('g', { cpu: 4000, memory: 16 * Gi, min: 1, max: 10 });

  /** a: 1 cpu (utilization 0.25); b, c: 2.5 cpu (0.625), so a's pod fits on b. */
  function cluster(aPods: PodInfo[] = [testPod({ cpu: 1000, memory: Gi })]): FakeNodeInit[] {
    return [
      { name: 'a', group: 'g', pods: aPods },
      { name: 'b', group: 'g', pods: [testPod({ cpu: 2500, memory: Gi })] },
      { name: 'c', group: 'g', pods: [testPod({ cpu: 2500, memory: Gi })] },
    ];
  }

  it('computes utilization as max(cpu, memory) fraction, GPU fraction on GPU nodes', () => {
    const ctx = fakeContext({
      now: 0, groups: [g],
      nodes: [
        { name: 'x', group: 'g', pods: [testPod({ cpu: 1000, memory: 8 * Gi })] },
        { name: 'y', cpu: 8000, gpu: 4000, pods: [testPod({ cpu: 8000, gpu: 1000 })] },
      ],
    });
    expect(nodeUtilization(ctx.nodes[0]!.node)).toBeCloseTo(0.5);
    expect(nodeUtilization(ctx.nodes[1]!.node)).toBeCloseTo(0.25);
  });

  it('removes a node below the threshold after 10 minutes, when its pods fit elsewhere', () => {
    const ca = clusterAutoscaler([g]);
    const nodes = cluster();
    expect(decide(ca, { now: 0, groups: [g], nodes })).toBe(NO_CLUSTER_SCALING);
    expect(ca.unneeded().map((u) => u.node)).toEqual(['a']);
    expect(decide(ca, { now: 590, groups: [g], nodes })).toBe(NO_CLUSTER_SCALING);
    const d = decide(ca, { now: 600, groups: [g], nodes });
    expect(d.scaleUps).toEqual([]);
    expect(d.deletions).toEqual([{ node: 'a', reason: 'utilization 0.25 < 0.5 for 600s' }]);
  });

  it('keeps a node whose pods fit nowhere else, or that is at or above the threshold', () => {
    const ca = clusterAutoscaler([g]);
    // 1.8 cpu (0.45) does not fit the 1.5 cpu free on b or c.
    const nodes = cluster([testPod({ cpu: 1800 })]);
    for (const now of [0, 600, 1200]) expect(decide(ca, { now, groups: [g], nodes })).toBe(NO_CLUSTER_SCALING);
    expect(ca.unneeded()).toEqual([]);
    const half = clusterAutoscaler([g]);
    const atThreshold: FakeNodeInit[] = [{ name: 'h', group: 'g', pods: [testPod({ cpu: 2000 })] }, { name: 'e', group: 'g', cpu: 16000 }];
    for (const now of [0, 600]) decide(half, { now, groups: [g], nodes: atThreshold });
    expect(half.unneeded().map((u) => u.node)).toEqual(['e']);
  });

  it('restarts the unneeded timer when a node becomes busy', () => {
    const ca = clusterAutoscaler([g]);
    decide(ca, { now: 0, groups: [g], nodes: cluster() });
    decide(ca, { now: 300, groups: [g], nodes: cluster([testPod({ cpu: 3000 })]) });
    expect(decide(ca, { now: 600, groups: [g], nodes: cluster() })).toBe(NO_CLUSTER_SCALING);
    expect(decide(ca, { now: 1200, groups: [g], nodes: cluster() }).deletions).toEqual([expect.objectContaining({ node: 'a' })]);
  });

  it('waits scale-down-delay-after-add after a scale-up', () => {
    const ca = clusterAutoscaler([g, medium]);
    decide(ca, { now: 0, groups: [g, medium], nodes: cluster() });
    const up = decide(ca, { now: 100, groups: [g, medium], nodes: cluster(), pending: [testPod({ cpu: 3900 })] });
    expect(up.scaleUps).toHaveLength(1);
    expect(up.deletions).toEqual([]);
    const after: FakeContextInit = { now: 600, groups: [g, { spec: medium, provisioning: 1 }], nodes: cluster() };
    expect(decide(ca, after).deletions).toEqual([]);
    expect(decide(ca, { ...after, now: 699 }).deletions).toEqual([]);
    expect(decide(ca, { ...after, now: 700 }).deletions).toEqual([expect.objectContaining({ node: 'a' })]);
  });

  it('waits scale-down-delay-after-failure after a failed scale-up', () => {
    const ca = clusterAutoscaler([g, medium]);
    decide(ca, { now: 0, groups: [g, medium], nodes: cluster() });
    const failed = (now: number) => decide(ca, { now, groups: [g, { spec: medium, lastScaleUpFailure: 500 }], nodes: cluster() });
    expect(failed(600).deletions).toEqual([]);
    expect(failed(679).deletions).toEqual([]);
    expect(failed(680).deletions).toHaveLength(1);
  });

  it('does not remove a node when a PodDisruptionBudget forbids, or when it has a bare pod', () => {
    for (const [pods, budgets] of [
      [[testPod({ cpu: 1000, owner: { kind: 'Deployment', name: 'web' } })], { web: 0 }],
      // Two pods of one budget that allows one disruption.
      [[testPod({ cpu: 500, owner: { kind: 'Deployment', name: 'web' } }), testPod({ cpu: 500, owner: { kind: 'Deployment', name: 'web' } })], { web: 1 }],
      [[testPod({ cpu: 1000, owner: 'bare' })], {}],
    ] as [PodInfo[], Record<string, number>][]) {
      const ca = clusterAutoscaler([g]);
      for (const now of [0, 600, 1200]) expect(decide(ca, { now, groups: [g], nodes: cluster(pods), budgets })).toBe(NO_CLUSTER_SCALING);
    }
    const ca = clusterAutoscaler([g]);
    const allowed = cluster([testPod({ cpu: 1000, owner: { kind: 'Deployment', name: 'web' } })]);
    decide(ca, { now: 0, groups: [g], nodes: allowed, budgets: { web: 1 } });
    expect(decide(ca, { now: 600, groups: [g], nodes: allowed, budgets: { web: 1 } }).deletions).toHaveLength(1);
  });

  it('removes empty nodes in bulk (at most 10 per scan) but non-empty nodes one at a time', () => {
    const g0 = { ...g, min: 0, max: 20 };
    const empties: FakeNodeInit[] = Array.from({ length: 12 }, (_, i) => ({ name: `e${String(i).padStart(2, '0')}`, group: 'g' }));
    const busy: FakeNodeInit = { name: 'busy', group: 'g', cpu: 16000, pods: [testPod({ cpu: 12000 })] };
    const ca = clusterAutoscaler([g0]);
    decide(ca, { now: 0, groups: [g0], nodes: [...empties, busy] });
    const first = decide(ca, { now: 600, groups: [g0], nodes: [...empties, busy] });
    expect(first.deletions).toHaveLength(10);
    expect(first.deletions.every((d) => d.reason.endsWith('(empty)'))).toBe(true);
    const left = empties.filter((e) => !first.deletions.some((d) => d.node === e.name));
    expect(decide(ca, { now: 610, groups: [g0], nodes: [...left, busy] }).deletions.map((d) => d.node)).toEqual(left.map((e) => e.name));

    // Three lightly used nodes whose pods all fit on a big one: one deletion per scan.
    const light: FakeNodeInit[] = ['l1', 'l2', 'l3'].map((name) => ({ name, group: 'g', pods: [testPod({ cpu: 500 })] }));
    const big: FakeNodeInit = { name: 'big', group: 'g', cpu: 16000, pods: [testPod({ cpu: 12000 })] };
    const ca2 = clusterAutoscaler([g0]);
    decide(ca2, { now: 0, groups: [g0], nodes: [...light, big] });
    expect(ca2.unneeded().map((u) => u.node)).toEqual(['l1', 'l2', 'l3']);
    const one = decide(ca2, { now: 600, groups: [g0], nodes: [...light, big] });
    expect(one.deletions).toEqual([{ node: 'l1', reason: 'utilization 0.13 < 0.5 for 600s' }]);
    expect(decide(ca2, { now: 610, groups: [g0], nodes: light.slice(1).concat(big) }).deletions).toEqual([expect.objectContaining({ node: 'l2' })]);
  });

  it('simulates at most scaleDownNonEmptyCandidatesCount non-empty nodes per scan', () => {
    const g0 = { ...g, min: 0 };
    const light: FakeNodeInit[] = ['l1', 'l2', 'l3'].map((name) => ({ name, group: 'g', pods: [testPod({ cpu: 500 })] }));
    const nodes = [...light, { name: 'e', group: 'g' }, { name: 'big', group: 'g', cpu: 16000, pods: [testPod({ cpu: 12000 })] }];
    const ca = clusterAutoscaler([g0], { scaleDownNonEmptyCandidatesCount: 1 });
    decide(ca, { now: 0, groups: [g0], nodes });
    expect(ca.unneeded().map((u) => u.node)).toEqual(['e', 'l1']);
  });

  it('never takes a group below min', () => {
    const min2 = { ...g, min: 2 };
    const nodes: FakeNodeInit[] = ['e1', 'e2', 'e3'].map((name) => ({ name, group: 'g' }));
    const ca = clusterAutoscaler([min2]);
    decide(ca, { now: 0, groups: [min2], nodes });
    expect(decide(ca, { now: 600, groups: [min2], nodes }).deletions).toHaveLength(1);
    // The deleted node is still listed (draining): nothing more may go.
    expect(decide(ca, { now: 610, groups: [min2], nodes })).toBe(NO_CLUSTER_SCALING);
    // A node still provisioning does not count toward min (it may never arrive).
    const ca2 = clusterAutoscaler([min2]);
    const two = nodes.slice(0, 2);
    decide(ca2, { now: 0, groups: [{ spec: min2, provisioning: 1 }], nodes: two });
    expect(decide(ca2, { now: 600, groups: [{ spec: min2, provisioning: 1 }], nodes: two }).deletions).toHaveLength(0);
    const ca3 = clusterAutoscaler([min2]);
    decide(ca3, { now: 0, groups: [min2], nodes: two });
    expect(decide(ca3, { now: 600, groups: [min2], nodes: two })).toBe(NO_CLUSTER_SCALING);
  });

  it('honours scaleDownEnabled false and a custom unneeded time', () => {
    const off = clusterAutoscaler([g], { scaleDownEnabled: false });
    for (const now of [0, 600, 6000]) expect(decide(off, { now, groups: [g], nodes: cluster() })).toBe(NO_CLUSTER_SCALING);
    const fast = clusterAutoscaler([g], { scaleDownUnneededTime: 60 });
    decide(fast, { now: 0, groups: [g], nodes: cluster() });
    expect(decide(fast, { now: 60, groups: [g], nodes: cluster() }).deletions).toEqual([{ node: 'a', reason: 'utilization 0.25 < 0.5 for 60s' }]);
  });
});

// ---- Options -------------------------------------------------------------------------------

describe('cluster-autoscaler options', () => {
  it('has the upstream defaults', () => {
    const ca = clusterAutoscaler([small]);
    expect(ca.scanInterval).toBe(10);
    expect(ca.options).toEqual(CLUSTER_AUTOSCALER_DEFAULTS);
    expect(CLUSTER_AUTOSCALER_DEFAULTS).toMatchObject({
      expander: 'least-waste', scaleDownUtilizationThreshold: 0.5, scaleDownUnneededTime: 600, scaleDownDelayAfterAdd: 600,
      scaleDownDelayAfterDelete: 0, scaleDownDelayAfterFailure: 180, maxEmptyBulkDelete: 10, scaleDownNonEmptyCandidatesCount: 30, maxNodeProvisionTime: 900,
      maxTotalUnreadyPercentage: 45, okTotalUnreadyCount: 3,
    });
  });

  it('rejects bad values with a RangeError naming the option', () => {
    expect(() => clusterAutoscaler([small], { scaleDownUtilizationThreshold: 1.5 })).toThrow(/scaleDownUtilizationThreshold must be a number in \[0, 1\], got 1.5/);
    expect(() => clusterAutoscaler([small], { scanInterval: 0 })).toThrow(RangeError);
    expect(() => clusterAutoscaler([small], { maxEmptyBulkDelete: 2.5 })).toThrow(/maxEmptyBulkDelete must be an integer >= 1/);
    expect(() => clusterAutoscaler([small], { expander: 'cheapest' as 'price' })).toThrow(/expander must be one of/);
    expect(() => clusterAutoscalerFactory([small], { scanIntervall: 5 })).toThrow(/unknown option scanIntervall/);
    expect(() => clusterAutoscalerFactory([small], { expander: 'priority,least-waste' })).not.toThrow();
    expect(() => clusterAutoscaler([{ ...small, min: 3, max: 2 }])).toThrow(/max must be an integer >= min/);
    expect(() => clusterAutoscaler([small, small])).toThrow(/duplicate node group/);
  });
});

// ---- Property: bounds ----------------------------------------------------------------------

interface ModelGroup {
  spec: NodeGroupSpec;
  nodes: { name: string; ready: boolean }[];
  provisioning: number;
  failure: number;
}

const groupArb = fc.record({
  min: fc.integer({ min: 0, max: 2 }),
  extra: fc.integer({ min: 0, max: 5 }),
  start: fc.integer({ min: 0, max: 4 }),
  cpu: fc.constantFrom(2000, 4000, 8000),
  price: fc.constantFrom(0.1, 0.2, 0.4),
  priority: fc.integer({ min: 0, max: 3 }),
});
const stepArb = fc.record({
  dt: fc.constantFrom(10, 60, 300, 700),
  /** Node fill levels in percent of allocatable cpu, used round-robin. */
  fills: fc.array(fc.oneof({ weight: 1, arbitrary: fc.constant(0) }, { weight: 3, arbitrary: fc.integer({ min: 1, max: 100 }) }), { minLength: 1, maxLength: 8 }),
  pending: fc.array(fc.integer({ min: 100, max: 10000 }), { maxLength: 5 }),
  arrive: fc.boolean(),
  unready: fc.boolean(),
  /** A failed scale-up of group `fail` when it names one (about one step in four). */
  fail: fc.integer({ min: 0, max: 11 }),
  bare: fc.boolean(),
});

/**
 * Drives a policy through random contexts: nodes' fill levels, pending pods, failures and
 * readiness change each step; decisions are applied (deletions remove nodes, scale-ups add
 * provisioning nodes that may arrive later). Returns the violations of the group bounds.
 */
type ArbValue<A> = A extends fc.Arbitrary<infer T> ? T : never;

function boundViolations(make: (specs: NodeGroupSpec[]) => ClusterAutoscaler, groupsIn: ArbValue<typeof groupArb>[], steps: ArbValue<typeof stepArb>[], seed: number): string[] {
  const model: ModelGroup[] = groupsIn.map((gi, i) => {
    const spec = testGroup(`g${i}`, { min: gi.min, max: gi.min + gi.extra, cpu: gi.cpu, memory: (gi.cpu / 1000) * 4 * Gi, price: gi.price, priority: gi.priority });
    const count = Math.min(spec.max, Math.max(spec.min, gi.start));
    return { spec, nodes: Array.from({ length: count }, (_, k) => ({ name: `g${i}-n${k}`, ready: true })), provisioning: 0, failure: NaN };
  });
  const policy = make(model.map((m) => m.spec));
  const random = seededRandom(seed);
  const violations: string[] = [];
  let now = 0;
  let seq = 0;
  for (const step of steps) {
    now += step.dt;
    let f = 0;
    const nodes: FakeNodeInit[] = [];
    for (const m of model) {
      if (step.arrive && m.provisioning > 0) {
        m.provisioning--;
        m.nodes.push({ name: `${m.spec.name}-n${100 + seq++}`, ready: true });
      }
      if (step.fail === model.indexOf(m)) m.failure = now;
      for (const n of m.nodes) {
        const fill = step.fills[f++ % step.fills.length]!;
        const cpu = Math.floor((fill / 100) * m.spec.template.allocatable.milliCPU);
        const pods = cpu > 0 ? [testPod({ cpu: Math.ceil(cpu / 2), owner: step.bare && f % 3 === 0 ? 'bare' : undefined }), testPod({ cpu: Math.floor(cpu / 2) })] : [];
        nodes.push({ name: n.name, group: m.spec.name, pods, ready: n.ready && !(step.unready && f % 4 === 0) });
      }
    }
    const ctx = fakeContext({
      now,
      groups: model.map((m) => ({ spec: m.spec, provisioning: m.provisioning, lastScaleUpFailure: m.failure })),
      nodes,
      pending: step.pending.map((cpu) => testPod({ cpu })),
    });
    const d = policy.reconcile(ctx, random);
    const deleted = new Set<string>();
    for (const del of d.deletions) {
      if (deleted.has(del.node)) violations.push(`t=${now}: ${del.node} deleted twice`);
      deleted.add(del.node);
      if (!nodes.some((n) => n.name === del.node)) violations.push(`t=${now}: deletes unknown node ${del.node}`);
    }
    for (const m of model) {
      const target = m.nodes.length + m.provisioning;
      const up = d.scaleUps.filter((s) => s.group === m.spec.name).reduce((s, u) => s + u.count, 0);
      const down = m.nodes.filter((n) => deleted.has(n.name)).length;
      if (target + up > m.spec.max) violations.push(`t=${now}: ${m.spec.name} ${target} + ${up} > max ${m.spec.max}`);
      if (target - down < m.spec.min) violations.push(`t=${now}: ${m.spec.name} ${target} - ${down} < min ${m.spec.min}`);
      m.nodes = m.nodes.filter((n) => !deleted.has(n.name));
      m.provisioning += up;
    }
    for (const s of d.scaleUps) {
      if (!Number.isInteger(s.count) || s.count < 1) violations.push(`t=${now}: scale-up count ${s.count}`);
      if (!model.some((m) => m.spec.name === s.group)) violations.push(`t=${now}: unknown group ${s.group}`);
    }
  }
  return violations;
}

describe('bounds (property-based)', () => {
  const arbs = [fc.array(groupArb, { minLength: 1, maxLength: 3 }), fc.array(stepArb, { minLength: 1, maxLength: 12 }), fc.nat()] as const;

  it('cluster-autoscaler never takes a group above max or below min', () => {
    fc.assert(
      fc.property(...arbs, fc.constantFrom(...EXPANDER_NAMES), fc.constantFrom(0, 60, 600), (groups, steps, seed, expander, unneeded) => {
        const v = boundViolations((specs) => clusterAutoscaler(specs, { expander, scaleDownUnneededTime: unneeded, scaleDownDelayAfterAdd: unneeded }), groups, steps, seed);
        expect(v).toEqual([]);
      }),
      { numRuns: 150 },
    );
  });

  it('karpenter never takes an offering above max or below min', () => {
    fc.assert(
      fc.property(...arbs, fc.constantFrom(0, 30), (groups, steps, seed, after) => {
        const v = boundViolations((specs) => karpenter(specs, { consolidateAfter: after }), groups, steps, seed);
        expect(v).toEqual([]);
      }),
      { numRuns: 150 },
    );
  });

  it('same seed and inputs, same decisions', () => {
    fc.assert(
      fc.property(...arbs, (groups, steps, seed) => {
        const run = () => {
          const out: string[] = [];
          boundViolations((specs) => {
            const ca = clusterAutoscaler(specs, { expander: 'random', scaleDownUnneededTime: 0 });
            return { ...ca, reconcile: (ctx, r) => { const d = ca.reconcile(ctx, r); out.push(JSON.stringify(d)); return d; } };
          }, groups, steps, seed);
          return out;
        };
        expect(run()).toEqual(run());
      }),
      { numRuns: 30 },
    );
  });
});

// ---- Property: the drain cache changes nothing ---------------------------------------------

const OWNERS = ['a', 'b', 'c'];
/** Mixed sizes, so the order pods are placed in matters on a tight cluster. */
const podArb = fc.record({ cpu: fc.constantFrom(100, 300, 700, 1000, 1300, 1900), owner: fc.integer({ min: 0, max: 3 }) });
const changeArb = fc.oneof(
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('bind' as const), node: fc.nat(), pod: podArb }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('unbind' as const), node: fc.nat(), pod: fc.nat() }) },
  // A pod replaced by another as big, or moved: pod counts and requested totals stay the same.
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('swap' as const), node: fc.nat(), pod: fc.nat(), owner: fc.integer({ min: 0, max: 3 }) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('move' as const), node: fc.nat(), pod: fc.nat(), to: fc.nat() }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('ready' as const), node: fc.nat(), ready: fc.boolean() }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('cordon' as const), node: fc.nat(), on: fc.boolean() }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('taint' as const), node: fc.nat() }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('add' as const), group: fc.nat(), pods: fc.array(podArb, { maxLength: 3 }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('arrive' as const), group: fc.nat() }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('budget' as const), owner: fc.integer({ min: 0, max: 2 }), allowed: fc.integer({ min: 0, max: 3 }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('fail' as const), group: fc.nat() }) },
);
/** Most scans change nothing (so cached what-ifs are reused), some change a few things. */
const noChanges: ArbValue<typeof changeArb>[] = [];
const noPending: number[] = [];
const scanArb = fc.record({
  dt: fc.constantFrom(10, 10, 10, 30, 300),
  changes: fc.oneof({ weight: 4, arbitrary: fc.constant(noChanges) }, { weight: 1, arbitrary: fc.array(changeArb, { minLength: 1, maxLength: 2 }) }),
  pending: fc.oneof({ weight: 4, arbitrary: fc.constant(noPending) }, { weight: 1, arbitrary: fc.array(fc.integer({ min: 1, max: 40 }).map((k) => 100 * k), { minLength: 1, maxLength: 3 }) }),
});
const drainClusterArb = fc.record({
  groups: fc.array(fc.record({ min: fc.integer({ min: 0, max: 1 }), cpu: fc.constantFrom(4000, 8000) }), { minLength: 1, maxLength: 2 }),
  nodes: fc.array(fc.record({ group: fc.nat(), pods: fc.array(podArb, { maxLength: 5 }) }), { minLength: 2, maxLength: 9 }),
});

/**
 * Node versions and a cluster version for a FakeCluster's scan contexts, as the simulator gives
 * them (ClusterAutoscalerContext.nodeVersions, clusterVersion): a node gets a new version when its
 * pods, cordon, taints or readiness changed since the last scan, and the cluster's version moves
 * with any node's and with the node list. The fake's what-ifs change no version (they leave
 * nothing behind), so an unchanged cluster keeps its version from scan to scan.
 */
class VersionedContexts {
  private clock = 0;
  private readonly seen = new Map<NodeInfo, { pods: string; unschedulable: boolean; taints: unknown; ready: boolean; version: number }>();
  private list: unknown;
  of(ctx: ClusterAutoscalerContext): ClusterAutoscalerContext {
    let changed = ctx.nodes !== this.list;
    this.list = ctx.nodes;
    let size = 0;
    for (const sn of ctx.nodes) size = Math.max(size, sn.node.index + 1);
    const nodeVersions = new Float64Array(size);
    for (const sn of ctx.nodes) {
      const n = sn.node;
      const now = { pods: n.pods.map((p) => p.id).join(','), unschedulable: n.unschedulable, taints: n.taints, ready: sn.ready, version: 0 };
      const was = this.seen.get(n);
      if (was === undefined || was.pods !== now.pods || was.unschedulable !== now.unschedulable || was.taints !== now.taints || was.ready !== now.ready) {
        changed = true;
        now.version = ++this.clock;
        this.seen.set(n, now);
      }
      nodeVersions[n.index] = this.seen.get(n)!.version;
    }
    if (changed) this.clock++;
    const clock = this.clock;
    return { ...ctx, nodeVersions, clusterVersion: () => clock };
  }
}

describe('drain cache (property-based)', () => {
  /**
   * Two copies of one cluster go through the same scans, one with a cached policy and one with
   * an uncached one; each applies its own decisions. Returns the findNode calls of each.
   */
  function compare(
    world: ArbValue<typeof drainClusterArb>, scans: ArbValue<typeof scanArb>[],
    options: Partial<typeof CLUSTER_AUTOSCALER_DEFAULTS>,
    /**
     * The tuning of the second copy's policy (the first's is the default), and whether both
     * contexts give node versions (VersionedContexts) and the same pending pod objects for the
     * same pending list from scan to scan (as the simulator does for pods still pending).
     */
    second: ClusterAutoscalerTuning = { drainCache: false }, versions = false,
  ): { cached: number; uncached: number } {
    const specs = world.groups.map((g, i) => testGroup(`g${i}`, { min: g.min, max: 12, cpu: g.cpu, memory: (g.cpu / 1000) * 4 * Gi }));
    const mkPod = (p: { cpu: number; owner: number }) => testPod({ cpu: p.cpu, memory: p.cpu * 2 ** 20, owner: p.owner === 3 ? 'bare' : { kind: 'Deployment', name: OWNERS[p.owner]! } });
    const pods = world.nodes.map((n) => n.pods.map(mkPod));
    const make = () => new FakeCluster({
      groups: specs.map((spec) => ({ spec })),
      nodes: world.nodes.map((n, i) => ({ name: `n${i}`, group: specs[n.group % specs.length]!.name, pods: [...pods[i]!] })),
    });
    const plans = ['', ''];
    const observe = (k: number) => (drains: readonly Drain[]) => {
      plans[k] = drains.map((d) => `${d.node}>${d.placements.map((p) => `${p.pod.id}:${p.node}`).join(',')}`).join(' ');
    };
    const runs = [
      { cluster: make(), ca: clusterAutoscaler(specs, options, { observePlan: observe(0) }), versioned: new VersionedContexts() },
      { cluster: make(), ca: clusterAutoscaler(specs, options, { ...second, observePlan: observe(1) }), versioned: new VersionedContexts() },
    ];
    const pendingPods = new Map<string, PodInfo>();
    const budgets: Record<string, number> = {};
    let now = 0;
    let seq = 0;
    for (const scan of scans) {
      now += scan.dt;
      // The same changes to both copies (indexes taken modulo what is there).
      const made = scan.changes.map((c) => (c.kind === 'bind' ? mkPod(c.pod) : c.kind === 'add' ? c.pods.map(mkPod) : undefined));
      const swapped = new Map<number, PodInfo>();
      const names = new Map<number, string>();
      for (const { cluster } of runs) {
        scan.changes.forEach((c, k) => {
          const nodes = cluster.fakeNodes;
          const at = (i: number) => nodes[i % nodes.length]!;
          if (nodes.length === 0 && c.kind !== 'add' && c.kind !== 'arrive' && c.kind !== 'budget' && c.kind !== 'fail') return;
          switch (c.kind) {
            case 'bind': at(c.node).bind(made[k] as PodInfo); break;
            case 'unbind': { const n = at(c.node); if (n.pods.length > 0) n.unbind(n.pods[c.pod % n.pods.length]!); break; }
            case 'swap': {
              const n = at(c.node);
              if (n.pods.length === 0) break;
              const p = n.pods[c.pod % n.pods.length]!;
              if (!swapped.has(k)) swapped.set(k, mkPod({ cpu: p.spec.requests.milliCPU, owner: c.owner }));
              n.unbind(p);
              n.bind(swapped.get(k)!);
              break;
            }
            case 'move': {
              const n = at(c.node);
              const to = at(c.to);
              if (n.pods.length === 0 || n === to) break;
              const p = n.pods[c.pod % n.pods.length]!;
              n.unbind(p);
              to.bind(p);
              break;
            }
            case 'ready': cluster.setReady(at(c.node).name, c.ready); break;
            case 'cordon': at(c.node).unschedulable = c.on; break;
            case 'taint': { const n = at(c.node); n.taints = n.taints.length > 0 ? [] : [{ key: 'dedicated', effect: 'NoSchedule' }]; break; }
            case 'add': {
              const spec = specs[c.group % specs.length]!;
              if (!names.has(k)) names.set(k, `x${seq++}`);
              cluster.addNode({ name: names.get(k)!, group: spec.name, pods: [...(made[k] as PodInfo[])] });
              break;
            }
            case 'arrive': {
              const g = cluster.group(specs[c.group % specs.length]!.name);
              if ((g.provisioning ?? 0) === 0) break;
              g.provisioning = g.provisioning! - 1;
              if (!names.has(k)) names.set(k, `x${seq++}`);
              cluster.addNode({ name: names.get(k)!, group: g.spec.name });
              break;
            }
            case 'budget': budgets[OWNERS[c.owner]!] = c.allowed; break;
            case 'fail': cluster.group(specs[c.group % specs.length]!.name).lastScaleUpFailure = now; break;
          }
        });
      }
      const pending = scan.pending.map((cpu, i) => {
        if (!versions) return testPod({ cpu });
        const key = `${i}:${cpu}`;
        if (!pendingPods.has(key)) pendingPods.set(key, testPod({ cpu }));
        return pendingPods.get(key)!;
      });
      const out = runs.map(({ cluster, ca, versioned }, k) => {
        plans[k] = '';
        const ctx = cluster.context(now, pending, { ...budgets });
        const d = ca.reconcile(versions ? versioned.of(ctx) : ctx, seededRandom(now));
        for (const del of d.deletions) cluster.removeNode(del.node);
        for (const up of d.scaleUps) {
          const g = cluster.group(up.group);
          g.provisioning = (g.provisioning ?? 0) + up.count;
        }
        return {
          decision: d,
          unneeded: ca.unneeded(),
          // Where the unneeded nodes' pods would go.
          plan: plans[k],
          // Pod order included: a cached scan must leave the cluster exactly as an uncached one.
          pods: cluster.fakeNodes.map((n) => `${n.name}:${n.pods.map((p) => p.id).join(',')}`),
        };
      });
      expect(out[0], `scan at ${now}`).toEqual(out[1]);
    }
    return { cached: runs[0]!.cluster.findNodeCalls, uncached: runs[1]!.cluster.findNodeCalls };
  }

  it('cached scans make the same decisions and timers, and leave the same cluster, as uncached ones', () => {
    const calls = { cached: 0, uncached: 0 };
    fc.assert(
      fc.property(
        drainClusterArb, fc.array(scanArb, { minLength: 1, maxLength: 30 }),
        fc.constantFrom(0, 20, 600), fc.constantFrom(1, 2, 30),
        (world, scans, unneededTime, nonEmpty) => {
          const c = compare(world, scans, { scaleDownUnneededTime: unneededTime, scaleDownDelayAfterAdd: unneededTime, scaleDownNonEmptyCandidatesCount: nonEmpty });
          calls.cached += c.cached;
          calls.uncached += c.uncached;
        },
      ),
      { numRuns: 400 },
    );
    // The cache was used (most scans change nothing, but each change invalidates it).
    expect(calls.cached, JSON.stringify(calls)).toBeLessThan(0.8 * calls.uncached);
  });

  it("with node versions, the scale-up's filter-out memo gives the same decisions, unneeded lists and plans as a what-if per scan", () => {
    // ClusterAutoscalerTuning.filterOutMemo: on in the first copy, off in the second. Pending
    // lists recur over quiet scans (the same pod objects), so the memo answers; changes between
    // scans (binds, moves, readiness, groups' provisioning) must make it ask again.
    const pendingArb = fc.constantFrom(noPending, [3900], [3900, 1500], [300], [300, 300, 7900]);
    const memoScanArb = fc.record({
      dt: fc.constantFrom(10, 10, 30, 300),
      changes: fc.oneof({ weight: 3, arbitrary: fc.constant(noChanges) }, { weight: 1, arbitrary: fc.array(changeArb, { minLength: 1, maxLength: 2 }) }),
      pending: pendingArb,
    });
    let memoAnswered = 0;
    fc.assert(
      fc.property(
        drainClusterArb, fc.array(memoScanArb, { minLength: 2, maxLength: 30 }), fc.constantFrom(0, 600),
        (world, scans, unneededTime) => {
          compare(world, scans, { scaleDownUnneededTime: unneededTime, scaleDownDelayAfterAdd: unneededTime }, { filterOutMemo: false }, true);
          memoAnswered++;
        },
      ),
      { numRuns: 400 },
    );
    expect(memoAnswered).toBe(400);
  });

  it('cached drains skip their what-ifs and the others share one what-if, with the same plans', () => {
    // Busier clusters and more changes: drains of a running what-if that fail, empty nodes after
    // a what-if started, pods received from earlier drains.
    const oneGroup: ArbValue<typeof drainClusterArb>['groups'] = [{ min: 0, cpu: 4000 }];
    const busyArb = fc.record({
      groups: fc.constant(oneGroup),
      nodes: fc.array(fc.record({ group: fc.constant(0), pods: fc.array(podArb, { maxLength: 4 }) }), { minLength: 6, maxLength: 14 }),
    });
    const busyScanArb = fc.record({
      dt: fc.constantFrom(10, 10, 30),
      changes: fc.oneof({ weight: 3, arbitrary: fc.constant(noChanges) }, { weight: 2, arbitrary: fc.array(changeArb, { minLength: 1, maxLength: 2 }) }),
      pending: fc.constant(noPending),
    });
    fc.assert(
      fc.property(busyArb, fc.array(busyScanArb, { minLength: 10, maxLength: 50 }), fc.constantFrom(20, 600), (world, scans, unneededTime) => {
        compare(world, scans, { scaleDownUnneededTime: unneededTime, scaleDownDelayAfterAdd: 0 });
      }),
      { numRuns: 150 },
    );
  });

  it('does not carry what-ifs over from a drain whose pods, taken in another order, went elsewhere', () => {
    // x's pods in order 1900, 300 go to d1, d2 and leave no room for y's 1650 (which only d1
    // and d2 take); in order 300, 1900 they go to d1, d2 the other way round and y's pod fits
    // d1. Between scans a pod of x restarts in place (unbound and bound again): the order
    // alternates between scans.
    const g = testGroup('g', { cpu: 4000, memory: 16 * Gi, min: 0, max: 10 });
    const pods = {
      x: [testPod({ cpu: 1900 }), testPod({ cpu: 300 })],
      d1: [testPod({ cpu: 2000, owner: 'bare' })],
      d2: [testPod({ cpu: 2100, owner: 'bare' })],
      y: [testPod({ cpu: 1650, nodeSelector: { pool: 'd' } })],
      // Fits nowhere else: its what-if only flips x's pod order.
      w: [testPod({ cpu: 1900, nodeSelector: { pool: 'none' } })],
    };
    const make = () => new FakeCluster({
      groups: [g],
      nodes: [
        { name: 'x', group: 'g', cpu: 8000, pods: [...pods.x] },
        { name: 'd1', group: 'g', labels: { pool: 'd' }, pods: [...pods.d1] },
        { name: 'd2', group: 'g', labels: { pool: 'd' }, pods: [...pods.d2] },
        { name: 'y', group: 'g', pods: [...pods.y] },
        { name: 'w', group: 'g', pods: [...pods.w] },
      ],
    });
    const cached = { cluster: make(), ca: clusterAutoscaler([g]) };
    const plain = { cluster: make(), ca: clusterAutoscaler([g], {}, { drainCache: false }) };
    const seen = new Set<string>();
    for (let now = 0; now <= 60; now += 10) {
      const out = [cached, plain].map(({ cluster, ca }) => {
        if (now > 0) {
          const x = cluster.node('x');
          const first = x.pods[0]!;
          x.unbind(first);
          x.bind(first);
        }
        ca.reconcile(cluster.context(now), rnd());
        return ca.unneeded().map((u) => u.node).join(',');
      });
      expect(out[0], `scan at ${now}`).toBe(out[1]);
      seen.add(out[1]!);
    }
    // Both plans occurred.
    expect(seen.size).toBe(2);
  });

  it('reuses what-ifs while the cluster is unchanged, and only then', () => {
    const g = testGroup('g', { cpu: 4000, memory: 16 * Gi, min: 0, max: 10 });
    {
      const cluster = new FakeCluster({
        groups: [g],
        nodes: [
          { name: 'a', group: 'g', pods: [testPod({ cpu: 500 }), testPod({ cpu: 700 })] },
          { name: 'b', group: 'g', pods: [testPod({ cpu: 600 })] },
          { name: 'c', group: 'g', cpu: 16000, pods: [testPod({ cpu: 9000 })] },
        ],
      });
      const ca = clusterAutoscaler([g]);
      const scan = (now: number) => {
        const before = cluster.findNodeCalls;
        ca.reconcile(cluster.context(now), rnd());
        return cluster.findNodeCalls - before;
      };
      expect(scan(0)).toBeGreaterThan(0);
      expect(ca.unneeded().map((u) => u.node)).toEqual(['b', 'a']);
      // Same cluster: the next scan asks the scheduler nothing (a what-if leaves no trace).
      expect(scan(10)).toBe(0);
      expect(scan(20)).toBe(0);
      expect(ca.unneeded().map((u) => u.node)).toEqual(['b', 'a']);
      // A pod more on c: what-ifs run again.
      cluster.node('c').bind(testPod({ cpu: 100 }));
      expect(scan(30)).toBeGreaterThan(0);
    }
  });
});

describe('setUnneededSince', () => {
  // The planner's unneeded times: a map read by name only, so leaving a map that already holds
  // the same names and times untouched must equal clearing and refilling it.
  const unneeded = (node: string, since: number) => ({ node, group: 'g', utilization: 0.1, empty: false, since });
  it('leaves the map holding exactly the unneeded nodes and their times, as a refilled map would', () => {
    const names = ['a', 'b', 'c', 'd', 'e'];
    const times = fc.constantFrom(0, 10, 20, Infinity, Number.NaN);
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.constantFrom(...names), times)),
        fc.uniqueArray(fc.tuple(fc.constantFrom(...names), times), { selector: ([n]) => n }),
        (before, after) => {
          const since = new Map(before);
          const list = after.map(([n, t]) => unneeded(n, t));
          setUnneededSince(since, list);
          const refilled = new Map(list.map((u) => [u.node, u.since] as const));
          expect(since.size).toBe(refilled.size);
          for (const [n, t] of refilled) {
            expect(since.has(n)).toBe(true);
            expect(Object.is(since.get(n), t)).toBe(true);
          }
        },
      ),
    );
  });
});

describe('NodeTable.positionsOf', () => {
  // effectiveSizes and the scan's forgetting of finished deletions find the nodes being deleted
  // by name: the same positions as a pass over the list comparing names, repeated names included.
  it('gives the positions of the nodes with a name, in list order, as a pass over the list would', () => {
    fc.assert(
      fc.property(fc.array(fc.constantFrom('a', 'b', 'c', 'd'), { maxLength: 12 }), fc.constantFrom('a', 'b', 'c', 'd', 'e'), (names, asked) => {
        const list = names.map((name, i) => ({ node: { name, index: i } as unknown as NodeInfo, group: i % 2 === 0 ? 'g' : undefined, ready: true, readySince: 0 }));
        const table = new NodeTable(list as unknown as ScalableNode[]);
        const expected = names.flatMap((n, i) => (n === asked ? [i] : []));
        const got = table.positionsOf(asked);
        expect(got === undefined ? [] : [...got]).toEqual(expected);
        if (expected.length === 0) expect(got).toBeUndefined();
      }),
    );
  });
});

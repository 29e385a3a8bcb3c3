import { describe, expect, it } from 'vitest';
import { NO_CLUSTER_SCALING, type ClusterScaleDecision } from '../../src/api/autoscaling.js';
import { fitsTogether, karpenter, KARPENTER_DEFAULTS, karpenterFactory, podCost, type KarpenterPolicy } from '../../src/autoscalers/karpenter.js';
import {
  fakeContext, Gi, seededRandom, testGroup, testPod, type FakeContextInit, type FakeGroupInit, type FakeNodeInit,
} from '../helpers/autoscaler-context.js';

// Prices per node-hour: medium is the most cost-efficient per unit of capacity, small the cheapest node.
const small = testGroup('small', { cpu: 2000, memory: 8 * Gi, price: 0.1 });
const medium = testGroup('medium', { cpu: 4000, memory: 16 * Gi, price: 0.18 });
const large = testGroup('large', { cpu: 8000, memory: 32 * Gi, price: 0.4, labels: { disk: 'ssd' } });
const offerings = [small, medium, large];

function decide(k: KarpenterPolicy, init: FakeContextInit): ClusterScaleDecision {
  const ctx = fakeContext({ groups: offerings, ...init });
  const before = ctx.fakeNodes.map((n) => [n.name, n.podCount]);
  const d = k.reconcile(ctx, seededRandom(1));
  expect(ctx.fakeNodes.map((n) => [n.name, n.podCount])).toEqual(before);
  return d;
}

const ups = (d: ClusterScaleDecision) => d.scaleUps.map((s) => [s.group, s.count]);

describe('karpenter provisioning', () => {
  it('opens the most cost-efficient offering, then right-sizes to the cheapest that fits', () => {
    const pod = testPod({ cpu: 1000, memory: 2 * Gi });
    expect(podCost(pod, small)).toBeCloseTo(0.0375);
    expect(podCost(pod, medium)).toBeCloseTo(0.03375);
    expect(podCost(pod, large)).toBeCloseTo(0.0375);
    // Opened on medium, right-sized to small (0.10 < 0.18).
    expect(ups(decide(karpenter(offerings), { now: 0, pending: [pod] }))).toEqual([['small', 1]]);
    // 3 cpu does not fit small: medium is the cheapest that fits.
    expect(ups(decide(karpenter(offerings), { now: 0, pending: [testPod({ cpu: 3000, memory: 4 * Gi })] }))).toEqual([['medium', 1]]);
    // Only large has the label the pod selects.
    expect(ups(decide(karpenter(offerings), { now: 0, pending: [testPod({ cpu: 1000, nodeSelector: { disk: 'ssd' } })] }))).toEqual([['large', 1]]);
  });

  it('bin-packs a batch first-fit decreasing and returns one scale-up per offering', () => {
    // Four 1-cpu pods: one medium (0.18) rather than two small (0.20).
    const four = Array.from({ length: 4 }, () => testPod({ cpu: 1000, memory: 2 * Gi }));
    expect(ups(decide(karpenter(offerings), { now: 0, pending: four }))).toEqual([['medium', 1]]);
    // Six: a full medium plus two pods right-sized onto a small.
    const six = Array.from({ length: 6 }, () => testPod({ cpu: 1000, memory: 2 * Gi }));
    const d = decide(karpenter(offerings), { now: 0, pending: six });
    expect(ups(d)).toEqual([['small', 1], ['medium', 1]]);
    expect(d.scaleUps[1]!.reason).toBe('4 pending pod(s) packed onto 1 new medium node(s) at 0.18/h each');
    // A 3-cpu pod and three 1-cpu pods: 3+1 on one medium, the other two on a small.
    const mixed = [testPod({ cpu: 1000 }), testPod({ cpu: 3000 }), testPod({ cpu: 1000 }), testPod({ cpu: 1000 })];
    expect(ups(decide(karpenter(offerings), { now: 0, pending: mixed }))).toEqual([['small', 1], ['medium', 1]]);
  });

  it('does not provision for pods that fit existing or launching nodes', () => {
    const nodes: FakeNodeInit[] = [{ name: 'm0', group: 'medium', pods: [testPod({ cpu: 3000 })] }];
    expect(decide(karpenter(offerings), { now: 0, nodes, pending: [testPod({ cpu: 1000 })] })).toBe(NO_CLUSTER_SCALING);
    const launching: FakeGroupInit[] = [{ spec: small }, { spec: medium, provisioning: 1 }, { spec: large }];
    expect(decide(karpenter(offerings), { now: 0, groups: launching, pending: [testPod({ cpu: 3000 })] })).toBe(NO_CLUSTER_SCALING);
  });

  it('respects per-offering max and the total cpu limit', () => {
    const noSmall = [{ ...small, max: 0 }, medium, large];
    expect(ups(decide(karpenter(noSmall), { now: 0, groups: noSmall, pending: [testPod({ cpu: 1000 })] }))).toEqual([['medium', 1]]);
    const limited = karpenter(offerings, { limits: { milliCPU: 3000 } });
    expect(decide(limited, { now: 0, pending: [testPod({ cpu: 3000 })] })).toBe(NO_CLUSTER_SCALING);
    expect(ups(decide(limited, { now: 0, pending: [testPod({ cpu: 1000 })] }))).toEqual([['small', 1]]);
  });
});

describe('karpenter consolidation', () => {
  /** n1: one 1-cpu pod; n2: two pods, 2 cpu. Both medium. */
  const nodes = (extra: FakeNodeInit[] = []): FakeNodeInit[] => [
    { name: 'n1', group: 'medium', pods: [testPod({ cpu: 1000 })] },
    { name: 'n2', group: 'medium', pods: [testPod({ cpu: 1000 }), testPod({ cpu: 1000 })] },
    ...extra,
  ];

  it('deletes an under-used node whose pods fit elsewhere, after consolidateAfter', () => {
    const k = karpenter(offerings);
    const ns = nodes();
    expect(decide(k, { now: 0, nodes: ns })).toBe(NO_CLUSTER_SCALING);
    expect(decide(k, { now: 29, nodes: ns })).toBe(NO_CLUSTER_SCALING);
    const d = decide(k, { now: 30, nodes: ns });
    expect(d).toEqual({ scaleUps: [], deletions: [{ node: 'n1', reason: 'consolidation: 1 pod(s) fit on other nodes (utilization 0.25)' }] });
  });

  it('deletes empty nodes first, and waits while pods are pending', () => {
    const k = karpenter(offerings);
    const withEmpty = nodes([{ name: 'n3', group: 'small' }, { name: 'n4', group: 'small' }]);
    decide(k, { now: 0, nodes: withEmpty });
    // A pending pod that fits nowhere (16 cpu) blocks consolidation.
    expect(decide(k, { now: 40, nodes: withEmpty, pending: [testPod({ cpu: 16000 })] })).toBe(NO_CLUSTER_SCALING);
    expect(decide(k, { now: 40, nodes: withEmpty }).deletions.map((x) => x.node)).toEqual(['n3', 'n4']);
  });

  it('restarts consolidateAfter when a node\'s pods change', () => {
    const k = karpenter(offerings);
    const [n1, n2] = nodes();
    decide(k, { now: 0, nodes: [n1!, n2!] });
    // Another pod of the same size replaces n1's pod at 20: its pods changed.
    const n1b: FakeNodeInit = { name: 'n1', group: 'medium', pods: [testPod({ cpu: 1000 })] };
    decide(k, { now: 20, nodes: [n1b, n2!] });
    // At 30 only n2 qualifies, and its 2 cpu fit on n1.
    expect(decide(k, { now: 30, nodes: [n1b, n2!] }).deletions.map((x) => x.node)).toEqual(['n2']);
  });

  it('tracks pods, not a fresh pod list per scan (test double check)', () => {
    const k = karpenter(offerings);
    decide(k, { now: 0, nodes: nodes() });
    // New pod objects on every scan look like churn: nothing is consolidated.
    expect(decide(k, { now: 30, nodes: nodes() })).toBe(NO_CLUSTER_SCALING);
  });

  it('prefers the node with fewest pods, and respects PDBs and bare pods', () => {
    const k = karpenter(offerings);
    const guarded = [
      { name: 'n1', group: 'medium', pods: [testPod({ cpu: 1000, owner: { kind: 'Deployment', name: 'web' } })] },
      { name: 'n2', group: 'medium', pods: [testPod({ cpu: 1000, owner: 'bare' }), testPod({ cpu: 1000 })] },
    ];
    decide(k, { now: 0, nodes: guarded, budgets: { web: 0 } });
    expect(decide(k, { now: 30, nodes: guarded, budgets: { web: 0 } })).toBe(NO_CLUSTER_SCALING);
    const k2 = karpenter(offerings);
    decide(k2, { now: 0, nodes: guarded, budgets: { web: 1 } });
    expect(decide(k2, { now: 30, nodes: guarded, budgets: { web: 1 } }).deletions.map((x) => x.node)).toEqual(['n1']);
  });

  it('replaces a node by a cheaper offering, deleting it once the new node is ready', () => {
    const k = karpenter(offerings);
    const alone: FakeNodeInit[] = [{ name: 'big', group: 'large', pods: [testPod({ cpu: 1000, memory: 2 * Gi })] }];
    decide(k, { now: 0, nodes: alone });
    const d = decide(k, { now: 30, nodes: alone });
    expect(d.deletions).toEqual([]);
    expect(d.scaleUps).toEqual([{ group: 'small', count: 1, reason: 'consolidation: replace big (large at 0.4/h) by a cheaper small node at 0.1/h' }]);
    expect(k.pendingReplacement()).toMatchObject({ node: 'big', offering: 'small', since: 30 });
    const launching: FakeGroupInit[] = [{ spec: small, provisioning: 1 }, { spec: medium }, { spec: large }];
    expect(decide(k, { now: 40, groups: launching, nodes: alone })).toBe(NO_CLUSTER_SCALING);
    const ready = decide(k, { now: 200, nodes: [...alone, { name: 'fresh', group: 'small' }] });
    expect(ready).toEqual({ scaleUps: [], deletions: [{ node: 'big', reason: 'consolidation: replaced by cheaper small node fresh' }] });
    expect(k.pendingReplacement()).toBeUndefined();
  });

  it('gives a replacement up after 15 minutes, and never replaces by a dearer node', () => {
    const k = karpenter(offerings);
    const alone: FakeNodeInit[] = [{ name: 'big', group: 'large', pods: [testPod({ cpu: 1000 })] }];
    decide(k, { now: 0, nodes: alone });
    decide(k, { now: 30, nodes: alone });
    const launching: FakeGroupInit[] = [{ spec: small, provisioning: 1 }, { spec: medium }, { spec: large }];
    decide(k, { now: 929, groups: launching, nodes: alone });
    expect(k.pendingReplacement()).toBeDefined();
    expect(decide(k, { now: 930, groups: launching, nodes: alone })).toBe(NO_CLUSTER_SCALING);
    expect(k.pendingReplacement()).toBeUndefined();

    const cheap = karpenter(offerings);
    const onSmall: FakeNodeInit[] = [{ name: 's', group: 'small', pods: [testPod({ cpu: 1000 })] }];
    for (const now of [0, 30, 60]) expect(decide(cheap, { now, nodes: onSmall })).toBe(NO_CLUSTER_SCALING);
  });

  it('WhenEmpty only deletes empty nodes; consolidation can be turned off', () => {
    const k = karpenter(offerings, { consolidationPolicy: 'WhenEmpty' });
    const ns = nodes([{ name: 'e', group: 'small' }]);
    decide(k, { now: 0, nodes: ns });
    expect(decide(k, { now: 30, nodes: ns }).deletions.map((x) => x.node)).toEqual(['e']);
    expect(decide(k, { now: 40, nodes: ns.slice(0, 2) })).toBe(NO_CLUSTER_SCALING);
    const off = karpenter(offerings, { consolidation: false });
    decide(off, { now: 0, nodes: ns });
    expect(decide(off, { now: 30, nodes: ns })).toBe(NO_CLUSTER_SCALING);
  });

  it('never deletes below an offering\'s min', () => {
    const min2 = [small, { ...medium, min: 2 }, large];
    const k = karpenter(min2);
    const ns = nodes();
    decide(k, { now: 0, groups: min2, nodes: ns });
    expect(decide(k, { now: 30, groups: min2, nodes: ns })).toBe(NO_CLUSTER_SCALING);
    // With min 1, one of the two may go.
    const min1 = [small, { ...medium, min: 1 }, large];
    const k1 = karpenter(min1);
    decide(k1, { now: 0, groups: min1, nodes: ns });
    expect(decide(k1, { now: 30, groups: min1, nodes: ns }).deletions).toHaveLength(1);
  });
});

describe('karpenter options', () => {
  it('has documented defaults and validates', () => {
    expect(karpenter(offerings).options).toEqual(KARPENTER_DEFAULTS);
    expect(KARPENTER_DEFAULTS).toMatchObject({ scanInterval: 10, consolidation: true, consolidationPolicy: 'WhenEmptyOrUnderutilized', consolidateAfter: 30 });
    expect(() => karpenter(offerings, { consolidateAfter: -1 })).toThrow(/consolidateAfter must be a number >= 0, got -1/);
    expect(() => karpenterFactory(offerings, { consolidationPolicy: 'Always' })).toThrow(RangeError);
    expect(() => karpenterFactory(offerings, { limits: { cpu: 4 } })).toThrow(/unknown limit cpu/);
  });

  it('fitsTogether sums requests and counts pods', () => {
    const two = [testPod({ cpu: 1000, memory: 4 * Gi }), testPod({ cpu: 1000, memory: 4 * Gi })];
    expect(fitsTogether(two, small)).toBe(true);
    expect(fitsTogether([...two, testPod({ cpu: 1 })], small)).toBe(false);
    expect(fitsTogether(two, { ...small, template: { ...small.template, allowedPodNumber: 1 } })).toBe(false);
  });
});

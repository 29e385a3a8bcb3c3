import { describe, expect, it } from 'vitest';
import type { CycleState } from '../../src/api/framework.js';
import { WellKnownLabel } from '../../src/api/node.js';
import type { PodSpec, TopologySpreadConstraint } from '../../src/api/pod.js';
import { Framework } from '../../src/schedulers/framework.js';
import { interPodAffinity } from '../../src/schedulers/plugins/inter-pod-affinity.js';
import { nodeResourcesFit } from '../../src/schedulers/plugins/node-resources-fit.js';
import {
  NAME, PRE_FILTER_STATE_KEY, REASON_CONSTRAINTS_NOT_MATCH, REASON_NODE_LABEL_NOT_MATCH, SYSTEM_DEFAULT_CONSTRAINTS,
  countMatchingPods, effectiveConstraints, minMatchNum, normalizeSpreadScores, parsePodTopologySpreadArgs,
  podTopologySpread, scoreForCount, skew, topologyNormalizingWeight,
  type SpreadPreFilterState,
} from '../../src/schedulers/plugins/pod-topology-spread.js';
import { PluginArgsError, PluginRegistry } from '../../src/schedulers/registry.js';
import type { ClusterState } from '../../src/sim/cluster.js';
import { makeCluster, makePod, makeSpec, place, type TestNode } from '../helpers/cluster.js';
import { runScorePlugin } from '../helpers/plugins.js';

const ZONE = WellKnownLabel.zone;
const HOST = WellKnownLabel.hostname;
const web = { app: 'web' };
const webSel = { matchLabels: web };

function zoned(name: string, zone: string | undefined, extra: Record<string, string> = {}): TestNode {
  return { name, labels: { ...(zone !== undefined ? { [ZONE]: zone } : {}), ...extra } };
}

function spread(topologyKey: string, maxSkew: number, whenUnsatisfiable: TopologySpreadConstraint['whenUnsatisfiable'], extra: Partial<TopologySpreadConstraint> = {}): TopologySpreadConstraint {
  return { topologyKey, maxSkew, whenUnsatisfiable, labelSelector: webSel, ...extra };
}

/** Runs PreFilter then Filter on every node; returns the PreFilter status and each node's verdict. */
function runFilter(c: ClusterState, spec: PodSpec, args?: unknown) {
  const plugin = podTopologySpread(args);
  const pod = makePod(spec);
  const state: CycleState = new Map();
  const pre = plugin.preFilter(state, pod, c);
  const verdicts = new Map<string, string | null>();
  if (pre === null) {
    for (const n of c.nodes) verdicts.set(n.name, plugin.filter(state, pod, n, c)?.reason ?? null);
  }
  const passing = c.nodes.filter((n) => verdicts.get(n.name) === null).map((n) => n.name);
  return { pre, verdicts, passing, state };
}

/** Runs PreScore, Score and NormalizeScore over the named feasible nodes (in that order). */
function runScore(c: ClusterState, spec: PodSpec, feasibleNames: string[], args?: unknown) {
  return runScorePlugin(podTopologySpread(args), makePod(spec), feasibleNames.map((n) => c.nodeByName(n)!), c);
}

/** Zones a, b, c with two nodes each; web pods: a1 1, a2 1, b1 1, none in c. */
function threeZones(): ClusterState {
  const c = makeCluster([zoned('a1', 'a'), zoned('a2', 'a'), zoned('b1', 'b'), zoned('b2', 'b'), zoned('c1', 'c'), zoned('c2', 'c')]);
  place(c, 'a1', makeSpec({ labels: web }));
  place(c, 'a2', makeSpec({ labels: web }));
  place(c, 'b1', makeSpec({ labels: web }));
  return c;
}

describe('PodTopologySpread pure helpers', () => {
  it('skew, global minimum and minDomains', () => {
    expect(skew(2, true, 0)).toBe(3);
    expect(skew(2, false, 1)).toBe(1);
    const counts = new Map([['a', 2], ['b', 1]]);
    expect(minMatchNum(counts, 1)).toBe(1);
    expect(minMatchNum(counts, 2)).toBe(1);
    // Fewer eligible domains (2) than minDomains (3): the global minimum is taken as 0.
    expect(minMatchNum(counts, 3)).toBe(0);
    expect(minMatchNum(new Map(), 1)).toBe(0);
  });

  it('topologyNormalizingWeight is log(size + 2) and scoreForCount adds maxSkew - 1', () => {
    expect(topologyNormalizingWeight(3)).toBeCloseTo(Math.log(5), 12);
    expect(topologyNormalizingWeight(0)).toBeCloseTo(Math.log(2), 12);
    // 3 pods, maxSkew 2, weight log 5 = 1.6094: 3 * 1.6094 + 1 = 5.828.
    expect(scoreForCount(3, 2, Math.log(5))).toBeCloseTo(5.8283, 4);
  });

  it('counts only pods in the namespace; nil and empty selectors count nothing', () => {
    const c = makeCluster([zoned('a1', 'a')]);
    place(c, 'a1', makeSpec({ labels: web }));
    place(c, 'a1', makeSpec({ labels: web }));
    place(c, 'a1', makeSpec({ labels: web, namespace: 'other' }));
    place(c, 'a1', makeSpec({ labels: { app: 'db' } }));
    const pods = c.nodeByName('a1')!.pods;
    expect(countMatchingPods(pods, webSel, 'default')).toBe(2);
    expect(countMatchingPods(pods, webSel, 'other')).toBe(1);
    expect(countMatchingPods(pods, undefined, 'default')).toBe(0);
    // labels.Everything().Empty() is true upstream, so countPodsMatchSelector returns 0.
    expect(countMatchingPods(pods, {}, 'default')).toBe(0);
  });

  it('effectiveConstraints: own constraints win; defaults need an owner selector', () => {
    const own = makeSpec({ labels: web, ownerSelector: webSel, topologySpreadConstraints: [spread(ZONE, 1, 'ScheduleAnyway')] });
    expect(effectiveConstraints(own, 'DoNotSchedule', SYSTEM_DEFAULT_CONSTRAINTS)).toEqual([]);
    expect(effectiveConstraints(own, 'ScheduleAnyway', SYSTEM_DEFAULT_CONSTRAINTS)).toEqual([{ maxSkew: 1, topologyKey: ZONE, selector: webSel, minDomains: 1 }]);

    const owned = makeSpec({ labels: web, ownerSelector: webSel });
    expect(effectiveConstraints(owned, 'ScheduleAnyway', SYSTEM_DEFAULT_CONSTRAINTS)).toEqual([
      { maxSkew: 3, topologyKey: HOST, selector: webSel, minDomains: 1 },
      { maxSkew: 5, topologyKey: ZONE, selector: webSel, minDomains: 1 },
    ]);
    expect(effectiveConstraints(owned, 'DoNotSchedule', SYSTEM_DEFAULT_CONSTRAINTS)).toEqual([]);
    // No owner selector (a bare pod), or an empty one: Kubernetes builds no default constraints.
    expect(effectiveConstraints(makeSpec({ labels: web }), 'ScheduleAnyway', SYSTEM_DEFAULT_CONSTRAINTS)).toEqual([]);
    expect(effectiveConstraints(makeSpec({ labels: web, ownerSelector: {} }), 'ScheduleAnyway', SYSTEM_DEFAULT_CONSTRAINTS)).toEqual([]);
  });

  it('normalizeSpreadScores: 100 * (max + min - s) / max, ignored nodes 0, all 100 when max is 0', () => {
    // max 5, min 2 (node 3 is ignored): 100*(7-5)/5 = 40, 100*(7-2)/5 = 100, 100*(7-3)/5 = 80.
    const s = new Float64Array([5, 2, 3, 9]);
    normalizeSpreadScores(s, 4, new Uint8Array([0, 0, 0, 1]));
    expect([...s]).toEqual([40, 100, 80, 0]);
    const z = new Float64Array([0, 0]);
    normalizeSpreadScores(z, 2, new Uint8Array(2));
    expect([...z]).toEqual([100, 100]);
    // Integer division truncates: max 3, min 0, s 1 -> 100 * 2 / 3 = 66.
    const t = new Float64Array([3, 0, 1]);
    normalizeSpreadScores(t, 3, new Uint8Array(3));
    expect([...t]).toEqual([0, 100, 66]);
  });
});

describe('PodTopologySpread Filter (DoNotSchedule)', () => {
  it('3 zones with 2/1/0 matching pods, maxSkew 1: only zone c passes', () => {
    // matchNum a=2, b=1, c=0; global min 0; the pod matches its own selector (+1).
    // a: 2+1-0 = 3 > 1 reject; b: 1+1-0 = 2 > 1 reject; c: 0+1-0 = 1 <= 1 pass.
    const c = threeZones();
    const r = runFilter(c, makeSpec({ labels: web, topologySpreadConstraints: [spread(ZONE, 1, 'DoNotSchedule')] }));
    expect(r.pre).toBeNull();
    expect(r.passing).toEqual(['c1', 'c2']);
    expect(r.verdicts.get('a1')).toBe(REASON_CONSTRAINTS_NOT_MATCH.reason);
    const s = r.state.get(PRE_FILTER_STATE_KEY) as SpreadPreFilterState;
    expect(Object.fromEntries(s.matchNum[0]!)).toEqual({ a: 2, b: 1, c: 0 });
    expect(s.minMatchNum[0]).toBe(0);
  });

  it('maxSkew 2 also admits zone b (1+1-0 = 2)', () => {
    const c = threeZones();
    const r = runFilter(c, makeSpec({ labels: web, topologySpreadConstraints: [spread(ZONE, 2, 'DoNotSchedule')] }));
    expect(r.passing).toEqual(['b1', 'b2', 'c1', 'c2']);
  });

  it('a pod that does not match its own selector adds 0: a: 2-0 = 2 > 1, b: 1, c: 0', () => {
    const c = threeZones();
    const r = runFilter(c, makeSpec({ labels: { app: 'db' }, topologySpreadConstraints: [spread(ZONE, 1, 'DoNotSchedule')] }));
    expect(r.passing).toEqual(['b1', 'b2', 'c1', 'c2']);
  });

  it('rejects a node without the topology key as unresolvable and does not count its pods', () => {
    const c = makeCluster([zoned('a1', 'a'), zoned('b1', 'b'), zoned('x1', undefined)]);
    place(c, 'a1', makeSpec({ labels: web }));
    // Three web pods on a node without a zone: not a domain, so the global min stays 0 (b).
    for (let i = 0; i < 3; i++) place(c, 'x1', makeSpec({ labels: web }));
    const r = runFilter(c, makeSpec({ labels: web, topologySpreadConstraints: [spread(ZONE, 1, 'DoNotSchedule')] }));
    // a: 1+1-0 = 2 > 1; b: 0+1-0 = 1.
    expect(r.passing).toEqual(['b1']);
    expect(r.verdicts.get('x1')).toBe(REASON_NODE_LABEL_NOT_MATCH.reason);
    expect(REASON_NODE_LABEL_NOT_MATCH.code).toBe('UnschedulableAndUnresolvable');
    expect(REASON_CONSTRAINTS_NOT_MATCH.code).toBe('Unschedulable');
  });

  it('a node missing any constraint key is left out of every constraint count', () => {
    // Constraints on zone (maxSkew 1) and rack (maxSkew 5). c1 has no rack label, so its three
    // web pods count for neither: zone counts a=1, b=0 (c absent), min 0.
    const c = makeCluster([zoned('a1', 'a', { rack: 'r1' }), zoned('b1', 'b', { rack: 'r2' }), zoned('c1', 'c')]);
    place(c, 'a1', makeSpec({ labels: web }));
    for (let i = 0; i < 3; i++) place(c, 'c1', makeSpec({ labels: web }));
    const r = runFilter(c, makeSpec({ labels: web, topologySpreadConstraints: [spread(ZONE, 1, 'DoNotSchedule'), spread('rack', 5, 'DoNotSchedule')] }));
    // a1: zone 1+1-0 = 2 > 1 reject; b1: 0+1-0 = 1 ok, rack r2: 0+1-0 = 1 ok; c1: no rack label.
    expect(r.passing).toEqual(['b1']);
    expect(r.verdicts.get('c1')).toBe(REASON_NODE_LABEL_NOT_MATCH.reason);
  });

  it('minDomains: fewer eligible domains than minDomains makes the global minimum 0', () => {
    // Zones a (2 web pods) and b (1). Without minDomains: min = 1; a: 2+1-1 = 2 > 1, b: 1+1-1 = 1 ok.
    const mk = () => {
      const c = makeCluster([zoned('a1', 'a'), zoned('b1', 'b')]);
      place(c, 'a1', makeSpec({ labels: web }));
      place(c, 'a1', makeSpec({ labels: web }));
      place(c, 'b1', makeSpec({ labels: web }));
      return c;
    };
    expect(runFilter(mk(), makeSpec({ labels: web, topologySpreadConstraints: [spread(ZONE, 1, 'DoNotSchedule')] })).passing).toEqual(['b1']);
    // minDomains 3 > 2 domains: min = 0; b: 1+1-0 = 2 > 1, so nothing fits (the cluster should grow a zone).
    expect(runFilter(mk(), makeSpec({ labels: web, topologySpreadConstraints: [spread(ZONE, 1, 'DoNotSchedule', { minDomains: 3 })] })).passing).toEqual([]);
    // minDomains 2 = 2 domains: the real minimum (1) is used again.
    expect(runFilter(mk(), makeSpec({ labels: web, topologySpreadConstraints: [spread(ZONE, 1, 'DoNotSchedule', { minDomains: 2 })] })).passing).toEqual(['b1']);
  });

  it('counts only pods of the incoming pod\'s namespace', () => {
    // Two web pods of namespace "other" in zone c do not count: c stays 0, same verdict as 2/1/0.
    const c = threeZones();
    place(c, 'c1', makeSpec({ labels: web, namespace: 'other' }));
    place(c, 'c2', makeSpec({ labels: web, namespace: 'other' }));
    expect(runFilter(c, makeSpec({ labels: web, topologySpreadConstraints: [spread(ZONE, 1, 'DoNotSchedule')] })).passing).toEqual(['c1', 'c2']);
    // A pod of namespace "other" sees only those two: a=0, b=0, c=2 -> a, b pass (0+1-0), c: 2+1-0 = 3 > 1.
    expect(runFilter(c, makeSpec({ namespace: 'other', labels: web, topologySpreadConstraints: [spread(ZONE, 1, 'DoNotSchedule')] })).passing).toEqual(['a1', 'a2', 'b1', 'b2']);
  });

  it('counts only nodes that pass the pod\'s required node affinity (NodeAffinityPolicy Honor)', () => {
    // Node affinity zone In [a, b]: zone c is not a domain, so the minimum is b's 1, not c's 0.
    // b: 1+1-1 = 1 ok; a: 2+1-1 = 2 > 1. (c nodes are left to the NodeAffinity filter; here the
    // spread filter sees c as a 0 domain: 0+1-1 = 0 ok.)
    const c = threeZones();
    const spec = makeSpec({
      labels: web,
      topologySpreadConstraints: [spread(ZONE, 1, 'DoNotSchedule')],
      affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: ZONE, operator: 'In', values: ['a', 'b'] }] }] } } },
    });
    expect(runFilter(c, spec).passing).toEqual(['b1', 'b2', 'c1', 'c2']);
  });

  it('nil selector matches nothing; empty selector counts nothing but self-matches', () => {
    // Zone a holds 2 web pods; with maxSkew 1 a real selector would reject zone a.
    const c = threeZones();
    const nil = runFilter(c, makeSpec({ labels: web, topologySpreadConstraints: [{ topologyKey: ZONE, maxSkew: 1, whenUnsatisfiable: 'DoNotSchedule' }] }));
    expect(nil.passing).toHaveLength(6); // 0 + 0 - 0 everywhere
    const empty = runFilter(c, makeSpec({ labels: web, topologySpreadConstraints: [spread(ZONE, 1, 'DoNotSchedule', { labelSelector: {} })] }));
    expect(empty.passing).toHaveLength(6); // 0 + 1 - 0 = 1 everywhere
  });

  it('PreFilter returns SKIP when no DoNotSchedule constraint applies', () => {
    const c = threeZones();
    // No constraints and no owner selector: no defaults.
    expect(runFilter(c, makeSpec({ labels: web })).pre?.code).toBe('Skip');
    // System defaults are ScheduleAnyway only.
    expect(runFilter(c, makeSpec({ labels: web, ownerSelector: webSel })).pre?.code).toBe('Skip');
    // Own ScheduleAnyway constraint only (defaults are not consulted when the pod has constraints).
    expect(runFilter(c, makeSpec({ labels: web, topologySpreadConstraints: [spread(ZONE, 1, 'ScheduleAnyway')] })).pre?.code).toBe('Skip');
    // The Filter still works on the empty state if a framework calls it anyway.
    const plugin = podTopologySpread();
    const state: CycleState = new Map();
    const pod = makePod(makeSpec({ labels: web }));
    expect(plugin.preFilter(state, pod, c)?.code).toBe('Skip');
    expect(plugin.filter(state, pod, c.nodes[0]!, c)).toBeNull();
  });

  it('List defaulting: a DoNotSchedule default constraint with the owner selector filters like an own constraint', () => {
    const c = threeZones();
    const args = { defaultingType: 'List', defaultConstraints: [{ maxSkew: 1, topologyKey: ZONE, whenUnsatisfiable: 'DoNotSchedule' }] };
    expect(runFilter(c, makeSpec({ labels: web, ownerSelector: webSel }), args).passing).toEqual(['c1', 'c2']);
    // Without an owner selector, no default applies.
    expect(runFilter(c, makeSpec({ labels: web }), args).pre?.code).toBe('Skip');
  });
});

describe('PodTopologySpread Score (ScheduleAnyway)', () => {
  /** a1: 2 web, a2: 1 web, b1: 1 web, c1: none. */
  function scoreCluster(): ClusterState {
    const c = makeCluster([zoned('a1', 'a'), zoned('a2', 'a'), zoned('b1', 'b'), zoned('c1', 'c')]);
    place(c, 'a1', makeSpec({ labels: web }));
    place(c, 'a1', makeSpec({ labels: web }));
    place(c, 'a2', makeSpec({ labels: web }));
    place(c, 'b1', makeSpec({ labels: web }));
    place(c, 'c1', makeSpec({ labels: web, namespace: 'other' })); // other namespace: not counted
    return c;
  }
  const zoneSoft = makeSpec({ labels: web, topologySpreadConstraints: [spread(ZONE, 1, 'ScheduleAnyway')] });

  it('zone constraint: counts per zone times log(domains + 2), reversed normalization', () => {
    // 3 zones among the feasible nodes -> weight log 5 = 1.6094; counts a=3, b=1, c=0; maxSkew-1 = 0.
    // raw: a1 = a2 = round(3 * 1.6094) = round(4.83) = 5; b1 = round(1.61) = 2; c1 = 0.
    // normalized (max 5, min 0): a: 100*(5+0-5)/5 = 0; b1: 100*(5-2)/5 = 60; c1: 100*5/5 = 100.
    const r = runScore(scoreCluster(), zoneSoft, ['a1', 'a2', 'b1', 'c1']);
    expect(r.raw).toEqual([5, 5, 2, 0]);
    expect(r.normalized).toEqual([0, 0, 60, 100]);
  });

  it('counts pods on every node of a feasible node\'s domain, not only feasible ones', () => {
    // Feasible a2, b1, c1 only: zone a still holds a1's 2 pods + a2's 1 = 3. Same raw scores.
    const r = runScore(scoreCluster(), zoneSoft, ['a2', 'b1', 'c1']);
    expect(r.raw).toEqual([5, 2, 0]);
    expect(r.normalized).toEqual([0, 60, 100]);
  });

  it('domains are those of the feasible nodes: the weight shrinks with them', () => {
    // Feasible b1, c1: 2 domains -> weight log 4 = 1.3863; b1 = round(1.386) = 1, c1 = 0.
    // normalized (max 1, min 0): b1: 100*(1-1)/1 = 0; c1: 100.
    const r = runScore(scoreCluster(), zoneSoft, ['b1', 'c1']);
    expect(r.raw).toEqual([1, 0]);
    expect(r.normalized).toEqual([0, 100]);
  });

  it('hostname constraint: the node is the domain, the domain count is the number of feasible nodes', () => {
    // 4 feasible nodes -> weight log 6 = 1.7918; maxSkew 2 adds 1.
    // a1: 2*1.7918+1 = 4.58 -> 5; a2: 2.79 -> 3; b1: 3; c1: 1.
    // normalized (max 5, min 1): a1 100*(6-5)/5 = 20; a2, b1: 100*(6-3)/5 = 60; c1: 100*(6-1)/5 = 100.
    const spec = makeSpec({ labels: web, topologySpreadConstraints: [spread(HOST, 2, 'ScheduleAnyway')] });
    const r = runScore(scoreCluster(), spec, ['a1', 'a2', 'b1', 'c1']);
    expect(r.raw).toEqual([5, 3, 3, 1]);
    expect(r.normalized).toEqual([20, 60, 60, 100]);
  });

  it('system defaults (hostname maxSkew 3, zone maxSkew 5) with the owner selector', () => {
    // hostname weight log(4+2) = 1.791759, zone weight log(3+2) = 1.609438.
    // a1: 2*1.791759+2 + 3*1.609438+4 = 5.583519 + 8.828314 = 14.41 -> 14
    // a2: 1*1.791759+2 + 8.828314 = 12.62 -> 13
    // b1: 3.791759 + 1*1.609438+4 = 9.40 -> 9
    // c1: 2 + 4 = 6
    // normalized (max 14, min 6): a1 100*(20-14)/14 = 42; a2 100*7/14 = 50; b1 100*11/14 = 78; c1 100.
    const r = runScore(scoreCluster(), makeSpec({ labels: web, ownerSelector: webSel }), ['a1', 'a2', 'b1', 'c1']);
    expect(r.raw).toEqual([14, 13, 9, 6]);
    expect(r.normalized).toEqual([42, 50, 78, 100]);
  });

  it('system defaults still score nodes without a zone label (hostname only)', () => {
    // a1 (zone a, 1 web pod), x1 (no zone). Not requireAllTopologies, so x1 is not ignored; for
    // the weight x1 falls in the "" zone domain, as upstream: zone domains {a, ""} -> log 4.
    // a1: 1*1.386294+2 (host) + 1*1.386294+4 (zone) = 8.77 -> 9; x1: 0+2 (host, no zone term) = 2.
    // normalized (max 9, min 2): a1 100*(11-9)/9 = 22; x1 100*(11-2)/9 = 100.
    const c = makeCluster([zoned('a1', 'a'), zoned('x1', undefined)]);
    place(c, 'a1', makeSpec({ labels: web }));
    const r = runScore(c, makeSpec({ labels: web, ownerSelector: webSel }), ['a1', 'x1']);
    expect(r.raw).toEqual([9, 2]);
    expect(r.normalized).toEqual([22, 100]);
  });

  it('own constraints require every topology key: a node missing one is ignored and gets 0', () => {
    // Same cluster, own constraints equal to the system defaults: x1 lacks the zone -> ignored.
    // Only a1 counts: hostname domains = 2 feasible - 1 ignored = 1 -> log 3; zone domains {a} -> log 3.
    // a1: 1*1.0986+2 + 1*1.0986+4 = 8.197 -> 8. normalized: a1 100*(8+8-8)/8 = 100; x1 (ignored) 0.
    const c = makeCluster([zoned('a1', 'a'), zoned('x1', undefined)]);
    place(c, 'a1', makeSpec({ labels: web }));
    const spec = makeSpec({ labels: web, topologySpreadConstraints: [spread(HOST, 3, 'ScheduleAnyway'), spread(ZONE, 5, 'ScheduleAnyway')] });
    const r = runScore(c, spec, ['a1', 'x1']);
    expect(r.raw).toEqual([8, 0]);
    expect(r.normalized).toEqual([100, 0]);
  });

  it('counts only nodes passing the pod\'s node selector', () => {
    // a1 (zone a, ssd), a2 (zone a, hdd, 2 web pods), b1 (zone b, ssd, 1 web pod); nodeSelector disk=ssd.
    // a2 is not counted: zone a = 0, b = 1; 2 domains -> log 4. a1: 0, b1: round(1.386) = 1.
    // normalized (max 1, min 0): a1 100, b1 0. (Counting a2 would give a1 round(2.77) = 3.)
    const c = makeCluster([zoned('a1', 'a', { disk: 'ssd' }), zoned('a2', 'a', { disk: 'hdd' }), zoned('b1', 'b', { disk: 'ssd' })]);
    place(c, 'a2', makeSpec({ labels: web }));
    place(c, 'a2', makeSpec({ labels: web }));
    place(c, 'b1', makeSpec({ labels: web }));
    const spec = makeSpec({ labels: web, nodeSelector: { disk: 'ssd' }, topologySpreadConstraints: [spread(ZONE, 1, 'ScheduleAnyway')] });
    const r = runScore(c, spec, ['a1', 'b1']);
    expect(r.raw).toEqual([0, 1]);
    expect(r.normalized).toEqual([100, 0]);
  });

  it('all scores 0 normalize to 100 (nothing to spread yet)', () => {
    const c = makeCluster([zoned('a1', 'a'), zoned('b1', 'b')]);
    const r = runScore(c, zoneSoft, ['a1', 'b1']);
    expect(r.raw).toEqual([0, 0]);
    expect(r.normalized).toEqual([100, 100]);
  });

  it('PreScore returns SKIP without ScheduleAnyway constraints', () => {
    const c = scoreCluster();
    expect(runScore(c, makeSpec({ labels: web }), ['a1', 'b1']).pre?.code).toBe('Skip');
    expect(runScore(c, makeSpec({ labels: web, topologySpreadConstraints: [spread(ZONE, 1, 'DoNotSchedule')] }), ['a1', 'b1']).pre?.code).toBe('Skip');
    // List defaulting with no default constraints: an owned pod gets none.
    expect(runScore(c, makeSpec({ labels: web, ownerSelector: webSel }), ['a1', 'b1'], { defaultingType: 'List' }).pre?.code).toBe('Skip');
  });
});

describe('PodTopologySpread args', () => {
  const err = (raw: unknown) => {
    try {
      parsePodTopologySpreadArgs(raw);
    } catch (e) {
      expect(e).toBeInstanceOf(PluginArgsError);
      return e as PluginArgsError;
    }
    throw new Error('expected PluginArgsError');
  };

  it('defaults to System with no explicit default constraints', () => {
    expect(parsePodTopologySpreadArgs(undefined)).toEqual({ defaultingType: 'System', defaultConstraints: [] });
    const list = parsePodTopologySpreadArgs({ defaultingType: 'List', defaultConstraints: [{ maxSkew: 2, topologyKey: ZONE, whenUnsatisfiable: 'DoNotSchedule', minDomains: 3 }] });
    expect(list.defaultConstraints).toEqual([{ maxSkew: 2, topologyKey: ZONE, whenUnsatisfiable: 'DoNotSchedule', minDomains: 3 }]);
  });

  it('rejects bad args with a path', () => {
    expect(err({ defaultingtype: 'List' }).path).toEqual(['defaultingtype']);
    expect(err({ defaultingType: 'Auto' }).path).toEqual(['defaultingType']);
    expect(err({ defaultConstraints: [{ maxSkew: 1, topologyKey: ZONE, whenUnsatisfiable: 'DoNotSchedule' }] }).message).toMatch(/must be empty when defaultingType is "System"/);
    const c = (x: object) => ({ defaultingType: 'List', defaultConstraints: [x] });
    expect(err(c({ maxSkew: 0, topologyKey: ZONE, whenUnsatisfiable: 'DoNotSchedule' })).path).toEqual(['defaultConstraints', 0, 'maxSkew']);
    expect(err(c({ maxSkew: 1.5, topologyKey: ZONE, whenUnsatisfiable: 'DoNotSchedule' })).path).toEqual(['defaultConstraints', 0, 'maxSkew']);
    expect(err(c({ maxSkew: 1, topologyKey: '', whenUnsatisfiable: 'DoNotSchedule' })).path).toEqual(['defaultConstraints', 0, 'topologyKey']);
    expect(err(c({ maxSkew: 1, topologyKey: ZONE, whenUnsatisfiable: 'Never' })).path).toEqual(['defaultConstraints', 0, 'whenUnsatisfiable']);
    expect(err(c({ maxSkew: 1, topologyKey: ZONE, whenUnsatisfiable: 'DoNotSchedule', labelSelector: webSel })).path).toEqual(['defaultConstraints', 0, 'labelSelector']);
    expect(err(c({ maxSkew: 1, topologyKey: ZONE, whenUnsatisfiable: 'ScheduleAnyway', minDomains: 2 })).path).toEqual(['defaultConstraints', 0, 'minDomains']);
    expect(err(c({ maxSkew: 1, topologyKey: ZONE, whenUnsatisfiable: 'DoNotSchedule', minDomains: 0 })).path).toEqual(['defaultConstraints', 0, 'minDomains']);
    expect(err(c({ maxSkew: 1, topologyKey: ZONE, whenUnsatisfiable: 'DoNotSchedule', nodeTaintsPolicy: 'Honor' })).path).toEqual(['defaultConstraints', 0, 'nodeTaintsPolicy']);
    const dup = { maxSkew: 1, topologyKey: ZONE, whenUnsatisfiable: 'DoNotSchedule' };
    expect(err({ defaultingType: 'List', defaultConstraints: [dup, { ...dup, maxSkew: 2 }] }).message).toMatch(/duplicate/);
    expect(err('System').path).toEqual([]);
    expect(() => podTopologySpread({ defaultingType: 'Auto' })).toThrow(PluginArgsError);
  });
});

describe('PodTopologySpread in the Framework', () => {
  function registry(): PluginRegistry {
    return new PluginRegistry()
      .register({ name: NAME, description: 'spread', extensionPoints: ['PreFilter', 'Filter', 'PreScore', 'Score'], factory: (args) => podTopologySpread(args) })
      .register({ name: 'InterPodAffinity', description: 'affinity', extensionPoints: ['PreFilter', 'Filter', 'PreScore', 'Score'], factory: (args) => interPodAffinity(args) })
      .register({ name: 'NodeResourcesFit', description: 'fit', extensionPoints: ['Filter', 'Score'], factory: (args) => nodeResourcesFit(args) });
  }
  const handle = { random: () => ({ next: () => 0 }) };
  const random = { next: () => 0 };

  function zoneCounts(c: ClusterState): Record<string, number> {
    const out: Record<string, number> = {};
    for (const n of c.nodes) {
      const z = n.labels[ZONE]!;
      out[z] = (out[z] ?? 0) + n.pods.filter((p) => p.spec.labels.app === 'web').length;
    }
    return out;
  }

  it('a DoNotSchedule zone constraint spreads 7 replicas 3/2/2 even when MostAllocated wants to pack', () => {
    const c = makeCluster([zoned('a1', 'a'), zoned('a2', 'a'), zoned('b1', 'b'), zoned('b2', 'b'), zoned('c1', 'c'), zoned('c2', 'c')]);
    const fw = new Framework({
      name: 'spread',
      tieBreak: 'first',
      plugins: [
        { name: NAME, weight: 2 },
        { name: 'InterPodAffinity', weight: 2 },
        { name: 'NodeResourcesFit', weight: 1, args: { scoringStrategy: { type: 'MostAllocated' } } },
      ],
    }, registry(), handle);
    const spec = makeSpec({ labels: web, cpu: 500, topologySpreadConstraints: [spread(ZONE, 1, 'DoNotSchedule')] });
    for (let i = 0; i < 7; i++) {
      const pod = makePod(spec);
      const idx = fw.schedule(pod, c, random);
      expect(idx).toBeGreaterThanOrEqual(0);
      c.bind(pod, idx);
      // After every placement no zone is more than maxSkew (1) ahead of another.
      const counts = Object.values(zoneCounts(c));
      expect(Math.max(...counts) - Math.min(...counts)).toBeLessThanOrEqual(1);
    }
    expect(Object.values(zoneCounts(c)).sort()).toEqual([2, 2, 3]);
  });

  it('system-default soft spreading beats MostAllocated packing; without it all replicas pack on one node', () => {
    const mk = () => makeCluster([zoned('a1', 'a'), zoned('a2', 'a'), zoned('b1', 'b'), zoned('b2', 'b'), zoned('c1', 'c'), zoned('c2', 'c')]);
    const spec = makeSpec({ labels: web, cpu: 500, ownerSelector: webSel });
    const run = (withSpread: boolean) => {
      const c = mk();
      const fw = new Framework({
        name: 'p',
        tieBreak: 'first',
        plugins: [
          ...(withSpread ? [{ name: NAME, weight: 2 }] : []),
          { name: 'NodeResourcesFit', weight: 1, args: { scoringStrategy: { type: 'MostAllocated' } } },
        ],
      }, registry(), handle);
      for (let i = 0; i < 6; i++) {
        const pod = makePod(spec);
        const idx = fw.schedule(pod, c, random);
        c.bind(pod, idx);
      }
      return c;
    };
    const spread = run(true);
    expect(zoneCounts(spread)).toEqual({ a: 2, b: 2, c: 2 });
    expect(spread.nodes.map((n) => n.pods.length)).toEqual([1, 1, 1, 1, 1, 1]);
    const packed = run(false);
    expect(Math.max(...packed.nodes.map((n) => n.pods.length))).toBe(6);
  });

  it('reports the spread reason when no node fits', () => {
    // One zone only and minDomains 2: global min 0, zone a has 1 pod -> 1+1-0 = 2 > 1 everywhere.
    const c = makeCluster([zoned('a1', 'a'), zoned('a2', 'a')]);
    place(c, 'a1', makeSpec({ labels: web }));
    const fw = new Framework({ name: 'p', plugins: [{ name: NAME }, { name: 'NodeResourcesFit' }] }, registry(), handle);
    const pod = makePod(makeSpec({ labels: web, topologySpreadConstraints: [spread(ZONE, 1, 'DoNotSchedule', { minDomains: 2 })] }));
    expect(fw.schedule(pod, c, random)).toBe(-1);
    expect(fw.lastFitError?.reasons.get(REASON_CONSTRAINTS_NOT_MATCH.reason)).toBe(2);
  });
});

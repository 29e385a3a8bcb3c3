import { describe, expect, it } from 'vitest';
import { balancedAllocationScore } from '../../src/schedulers/plugins/node-resources-balanced-allocation.js';
import { nodeAffinity, REASON_NODE_AFFINITY } from '../../src/schedulers/plugins/node-affinity.js';
import { fitsNodeName } from '../../src/schedulers/plugins/node-name.js';
import {
  brokenLinear, DEFAULT_SCORING_RESOURCES, fitsRequest, leastRequestedScore, mostRequestedScore, nodeResourcesFit,
  REASON_INSUFFICIENT_CPU, REASON_INSUFFICIENT_GPU, REASON_INSUFFICIENT_MEMORY, REASON_TOO_MANY_PODS,
} from '../../src/schedulers/plugins/node-resources-fit.js';
import { fitsUnschedulable, nodeUnschedulable, REASON_UNSCHEDULABLE } from '../../src/schedulers/plugins/node-unschedulable.js';
import { taintToleration, toleratesTaint } from '../../src/schedulers/plugins/taint-toleration.js';
import { PluginArgsError } from '../../src/schedulers/registry.js';
import { Gi, makeCluster, makePod, makeSpec, Mi, place } from '../helpers/cluster.js';

const state = () => new Map<string, unknown>();

/** Runs a score plugin over all nodes and normalizes, as the framework does. */
function scores(plugin: { score: Function; normalizeScore?: Function; preScore?: Function }, pod: ReturnType<typeof makePod>, c: ReturnType<typeof makeCluster>): number[] {
  const st = state();
  plugin.preScore?.(st, pod, c.nodes, c);
  const buf = new Float64Array(c.nodes.length);
  c.nodes.forEach((n, i) => { buf[i] = plugin.score(st, pod, n, c); });
  plugin.normalizeScore?.(st, pod, buf, c.nodes.length);
  return [...buf];
}

describe('NodeResourcesFit filter', () => {
  const c = makeCluster([{ name: 'n', cpu: 4, memory: 8 * Gi, gpu: 1, maxPods: 2 }]);
  const node = c.nodes[0]!;
  place(c, 'n', makeSpec({ cpu: 3000, memory: 4 * Gi }));
  it('accepts what fits and names the first shortfall', () => {
    expect(fitsRequest(makePod(makeSpec({ cpu: 1000, memory: 4 * Gi, gpu: 1 })), node)).toBeNull();
    expect(fitsRequest(makePod(makeSpec({ cpu: 1001 })), node)).toBe(REASON_INSUFFICIENT_CPU);
    expect(fitsRequest(makePod(makeSpec({ memory: 4 * Gi + 1 })), node)).toBe(REASON_INSUFFICIENT_MEMORY);
    expect(fitsRequest(makePod(makeSpec({ gpu: 2 })), node)).toBe(REASON_INSUFFICIENT_GPU);
  });
  it('counts pods against allocatable pods', () => {
    place(c, 'n', makeSpec({}));
    expect(fitsRequest(makePod(makeSpec({})), node)).toBe(REASON_TOO_MANY_PODS);
  });
});

describe('NodeResourcesFit scores (worked examples)', () => {
  it('leastRequestedScore and mostRequestedScore use integer division', () => {
    expect(leastRequestedScore(2000, 4000)).toBe(50);
    expect(leastRequestedScore(1000, 8000)).toBe(87); // 7000*100/8000 = 87.5
    expect(leastRequestedScore(5000, 4000)).toBe(0); // over capacity
    expect(leastRequestedScore(1, 0)).toBe(0);
    expect(mostRequestedScore(1000, 8000)).toBe(12); // 12.5
    expect(mostRequestedScore(5000, 4000)).toBe(100); // capped at capacity
  });

  it('LeastAllocated: mean over cpu and memory including the incoming pod', () => {
    const c = makeCluster([{ name: 'a', cpu: 4, memory: 16 * Gi }, { name: 'b', cpu: 8, memory: 16 * Gi }]);
    place(c, 'a', makeSpec({ cpu: 1000, memory: 4 * Gi }));
    const pod = makePod(makeSpec({ cpu: 1000, memory: 4 * Gi }));
    // a: cpu (4000-2000)*100/4000 = 50, mem (16-8)/16 = 50 -> 50
    // b: cpu (8000-1000)*100/8000 = 87, mem (16-4)/16 = 75 -> (87+75)/2 = 81
    expect(scores(nodeResourcesFit(), pod, c)).toEqual([50, 81]);
  });

  it('a pod without requests is scored as 100m / 200Mi', () => {
    const c = makeCluster([{ name: 'a', cpu: 4, memory: 16 * Gi }]);
    // cpu (4000-100)*100/4000 = 97; memory (16384Mi-200Mi)*100/16384Mi = 98 -> (97+98)/2 = 97
    expect(scores(nodeResourcesFit(), makePod(makeSpec({})), c)).toEqual([97]);
  });

  it('MostAllocated', () => {
    const c = makeCluster([{ name: 'a', cpu: 4, memory: 16 * Gi }, { name: 'b', cpu: 8, memory: 16 * Gi }]);
    place(c, 'a', makeSpec({ cpu: 1000, memory: 4 * Gi }));
    const pod = makePod(makeSpec({ cpu: 1000, memory: 4 * Gi }));
    // a: cpu 2000*100/4000 = 50, mem 8/16 = 50 -> 50; b: cpu 12 (12.5), mem 25 -> (12+25)/2 = 18
    expect(scores(nodeResourcesFit({ scoringStrategy: { type: 'MostAllocated' } }), pod, c)).toEqual([50, 18]);
  });

  it('RequestedToCapacityRatio: piecewise-linear shape, scores x10, rounded mean', () => {
    const c = makeCluster([{ name: 'a', cpu: 4, memory: 16 * Gi }]);
    const pod = makePod(makeSpec({ cpu: 1000, memory: 4 * Gi }));
    // utilization 25% on both; shape (0,0)-(100,10) -> 25 each -> 25
    const pack = nodeResourcesFit({ scoringStrategy: { type: 'RequestedToCapacityRatio', requestedToCapacityRatio: { shape: [{ utilization: 0, score: 0 }, { utilization: 100, score: 10 }] } } });
    expect(scores(pack, pod, c)).toEqual([25]);
    // shape (0,10)-(100,0): 100 + (0-100)*25/100 = 75
    const spread = nodeResourcesFit({ scoringStrategy: { type: 'RequestedToCapacityRatio', requestedToCapacityRatio: { shape: [{ utilization: 0, score: 10 }, { utilization: 100, score: 0 }] } } });
    expect(scores(spread, pod, c)).toEqual([75]);
    expect(brokenLinear([{ utilization: 0, score: 0 }, { utilization: 50, score: 100 }, { utilization: 100, score: 0 }], 75)).toBe(50);
  });

  it('weights resources and leaves out a resource the node has none of', () => {
    const c = makeCluster([{ name: 'cpu-only', cpu: 4, memory: 16 * Gi, gpu: 0 }]);
    const pod = makePod(makeSpec({ cpu: 1000, memory: 4 * Gi }));
    // gpu weight 5 is skipped (allocatable 0); cpu 75*2 + memory 75*1 over weight 3 = 75
    const plugin = nodeResourcesFit({ scoringStrategy: { type: 'LeastAllocated', resources: [{ name: 'cpu', weight: 2 }, { name: 'memory', weight: 1 }, { name: 'nvidia.com/gpu', weight: 5 }] } });
    expect(scores(plugin, pod, c)).toEqual([75]);
  });

  it('rejects bad args with the path', () => {
    expect(() => nodeResourcesFit({ scoringStrategy: { type: 'Most' } })).toThrow(PluginArgsError);
    expect(() => nodeResourcesFit({ scoringStrategy: { type: 'MostAllocated', resources: [{ name: 'cpu', weight: 0 }] } })).toThrow(/resources\.0\.weight/);
    expect(() => nodeResourcesFit({ bogus: 1 })).toThrow(/unknown field/);
    expect(DEFAULT_SCORING_RESOURCES).toEqual([{ name: 'cpu', weight: 1 }, { name: 'memory', weight: 1 }]);
  });
});

describe('NodeResourcesBalancedAllocation (worked examples)', () => {
  it('(1 - |f_cpu - f_mem| / 2) * 100 with actual requests', () => {
    const c = makeCluster([{ name: 'a', cpu: 4, memory: 16 * Gi }]);
    place(c, 'a', makeSpec({ cpu: 1000, memory: 2 * Gi }));
    // cpu 2000/4000 = 0.5, memory 4/16 = 0.25, std 0.125 -> 87.5 -> 87
    expect(balancedAllocationScore(makePod(makeSpec({ cpu: 1000, memory: 2 * Gi })), c.nodes[0]!, DEFAULT_SCORING_RESOURCES)).toBe(87);
    // perfectly balanced: 100
    expect(balancedAllocationScore(makePod(makeSpec({ cpu: 1000, memory: 4 * Gi })), makeCluster([{ name: 'b', cpu: 4, memory: 16 * Gi }]).nodes[0]!, DEFAULT_SCORING_RESOURCES)).toBe(100);
  });
  it('population std over three resources', () => {
    const c = makeCluster([{ name: 'g', cpu: 4, memory: 16 * Gi, gpu: 4 }]);
    const pod = makePod(makeSpec({ cpu: 2000, memory: 4 * Gi, gpu: 4 }));
    // fractions 0.5, 0.25, 1 -> mean 0.5833; var = (0.0069+0.1111+0.1736)/3 = 0.09722; std 0.3118 -> 68
    const res = [...DEFAULT_SCORING_RESOURCES, { name: 'nvidia.com/gpu', weight: 1 }];
    expect(balancedAllocationScore(pod, c.nodes[0]!, res)).toBe(68);
  });
});

describe('TaintToleration', () => {
  it('matches tolerations as ToleratesTaint does', () => {
    const taint = { key: 'gpu', value: 'true', effect: 'NoSchedule' as const };
    expect(toleratesTaint({ key: 'gpu', operator: 'Equal', value: 'true' }, taint)).toBe(true);
    expect(toleratesTaint({ key: 'gpu', operator: 'Equal', value: 'false' }, taint)).toBe(false);
    expect(toleratesTaint({ key: 'gpu', operator: 'Exists' }, taint)).toBe(true);
    expect(toleratesTaint({ operator: 'Exists' }, taint)).toBe(true);
    expect(toleratesTaint({ key: 'gpu', operator: 'Exists', effect: 'NoExecute' }, taint)).toBe(false);
  });
  it('filters NoSchedule taints and scores PreferNoSchedule, fewest untolerated = 100', () => {
    const c = makeCluster([
      { name: 'clean' },
      { name: 'one', taints: [{ key: 'a', effect: 'PreferNoSchedule' }] },
      { name: 'two', taints: [{ key: 'a', effect: 'PreferNoSchedule' }, { key: 'b', effect: 'PreferNoSchedule' }] },
      { name: 'hard', taints: [{ key: 'dedicated', value: 'db', effect: 'NoSchedule' }] },
    ]);
    const p = taintToleration();
    const pod = makePod(makeSpec({}));
    expect(p.filter(state(), pod, c.nodes[3]!, c)?.reason).toBe('node(s) had untolerated taint {dedicated: db}');
    expect(p.filter(state(), makePod(makeSpec({ tolerations: [{ key: 'dedicated', operator: 'Equal', value: 'db', effect: 'NoSchedule' }] })), c.nodes[3]!, c)).toBeNull();
    // raw 0, 1, 2, 0 -> reversed normalization over max 2: 100, 50, 0, 100
    expect(scores(p, pod, c)).toEqual([100, 50, 0, 100]);
  });
});

describe('NodeAffinity', () => {
  const c = makeCluster([
    { name: 'a', labels: { disk: 'ssd', zone: 'z1', cores: '32' } },
    { name: 'b', labels: { disk: 'ssd', zone: 'z2', cores: '8' } },
    { name: 'c', labels: { disk: 'hdd', zone: 'z3' } },
  ]);
  const p = nodeAffinity();
  const fits = (spec: Parameters<typeof makeSpec>[0]) => c.nodes.filter((n) => p.filter(state(), makePod(makeSpec(spec)), n, c) === null).map((n) => n.name);
  it('nodeSelector and every operator of required terms (terms ORed, expressions ANDed)', () => {
    expect(fits({ nodeSelector: { disk: 'ssd' } })).toEqual(['a', 'b']);
    const req = (...terms: object[]) => ({ affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: terms } } } });
    expect(fits(req({ matchExpressions: [{ key: 'zone', operator: 'In', values: ['z1', 'z3'] }] }))).toEqual(['a', 'c']);
    expect(fits(req({ matchExpressions: [{ key: 'zone', operator: 'NotIn', values: ['z1'] }] }))).toEqual(['b', 'c']);
    expect(fits(req({ matchExpressions: [{ key: 'cores', operator: 'Exists' }] }))).toEqual(['a', 'b']);
    expect(fits(req({ matchExpressions: [{ key: 'cores', operator: 'DoesNotExist' }] }))).toEqual(['c']);
    expect(fits(req({ matchExpressions: [{ key: 'cores', operator: 'Gt', values: ['16'] }] }))).toEqual(['a']);
    expect(fits(req({ matchExpressions: [{ key: 'cores', operator: 'Lt', values: ['16'] }] }))).toEqual(['b']);
    expect(fits(req({ matchExpressions: [{ key: 'disk', operator: 'In', values: ['ssd'] }, { key: 'zone', operator: 'In', values: ['z2'] }] }))).toEqual(['b']);
    expect(fits(req({ matchExpressions: [{ key: 'zone', operator: 'In', values: ['z1'] }] }, { matchFields: [{ key: 'metadata.name', operator: 'In', values: ['c'] }] }))).toEqual(['a', 'c']);
    expect(p.filter(state(), makePod(makeSpec({ nodeSelector: { disk: 'nvme' } })), c.nodes[0]!, c)).toBe(REASON_NODE_AFFINITY);
  });
  it('scores the sum of matching preferred weights, best node = 100', () => {
    const pod = makePod(makeSpec({ affinity: { nodeAffinity: { preferredDuringSchedulingIgnoredDuringExecution: [
      { weight: 2, preference: { matchExpressions: [{ key: 'disk', operator: 'In', values: ['ssd'] }] } },
      { weight: 3, preference: { matchExpressions: [{ key: 'zone', operator: 'In', values: ['z1'] }] } },
    ] } } }));
    // raw a = 5, b = 2, c = 0 -> 100, 40, 0
    expect(scores(p, pod, c)).toEqual([100, 40, 0]);
  });
});

describe('NodeUnschedulable and NodeName', () => {
  const c = makeCluster([{ name: 'cordoned', unschedulable: true }, { name: 'ok' }]);
  it('keeps pods off cordoned nodes unless they tolerate node.kubernetes.io/unschedulable', () => {
    expect(nodeUnschedulable().filter(state(), makePod(makeSpec({})), c.nodes[0]!, c)).toBe(REASON_UNSCHEDULABLE);
    expect(fitsUnschedulable(makePod(makeSpec({ tolerations: [{ key: 'node.kubernetes.io/unschedulable', operator: 'Exists', effect: 'NoSchedule' }] })), c.nodes[0]!)).toBe(true);
    expect(fitsUnschedulable(makePod(makeSpec({})), c.nodes[1]!)).toBe(true);
  });
  it('NodeName only matches the named node', () => {
    expect(fitsNodeName(makePod(makeSpec({ nodeName: 'ok' })), c.nodes[1]!)).toBe(true);
    expect(fitsNodeName(makePod(makeSpec({ nodeName: 'ok' })), c.nodes[0]!)).toBe(false);
  });
});

void Mi;

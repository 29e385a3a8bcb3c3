import { describe, expect, it } from 'vitest';
import type { ProfileConfig, RandomSource, ScorePlugin } from '../../src/api/framework.js';
import { builtinPlugins } from '../../src/schedulers/builtins.js';
import { Framework, formatFitError, numFeasibleNodesToFind, PluginError, zoneInterleavedOrder } from '../../src/schedulers/framework.js';
import { PluginRegistry } from '../../src/schedulers/registry.js';
import { RandomStreams } from '../../src/util/random.js';
import { Gi, makeCluster, makePod, makeSpec } from '../helpers/cluster.js';

const handle = { random: (name: string) => new RandomStreams(1).get(name) };
const constant = (v: number): RandomSource => ({ next: () => v });

describe('numFeasibleNodesToFind (schedule_one.go)', () => {
  it.each([
    // [percentage, nodes, expected] computed by hand from KUBERNETES.md
    [0, 50, 50], // fewer than 100 nodes: all
    [0, 100, 100], // 50 - 0 = 50% of 100 = 50, raised to the minimum 100
    [0, 1000, 420], // 50 - 8 = 42%
    [0, 5000, 500], // 50 - 40 = 10%
    [0, 10000, 500], // 50 - 80 < 5: floor 5% = 500
    [100, 5000, 5000], // 100%: all
    [30, 1000, 300],
    [1, 1000, 100], // 10, raised to 100
  ])('pct %i of %i nodes -> %i', (pct, nodes, expected) => {
    expect(numFeasibleNodesToFind(pct, nodes)).toBe(expected);
  });
});

describe('zoneInterleavedOrder (NodeTree)', () => {
  it('takes one node from each zone in turn', () => {
    const c = makeCluster([
      { name: 'a1', labels: { 'topology.kubernetes.io/zone': 'a' } },
      { name: 'a2', labels: { 'topology.kubernetes.io/zone': 'a' } },
      { name: 'a3', labels: { 'topology.kubernetes.io/zone': 'a' } },
      { name: 'b1', labels: { 'topology.kubernetes.io/zone': 'b' } },
      { name: 'c1', labels: { 'topology.kubernetes.io/zone': 'c' } },
      { name: 'c2', labels: { 'topology.kubernetes.io/zone': 'c' } },
    ]);
    const names = [...zoneInterleavedOrder(c.nodes)].map((i) => c.nodes[i]!.name);
    expect(names).toEqual(['a1', 'b1', 'c1', 'a2', 'c2', 'a3']);
  });
});

function profile(plugins: ProfileConfig['plugins'], extra: Partial<ProfileConfig> = {}): ProfileConfig {
  return { name: 'test', plugins, ...extra };
}

describe('Framework.schedule', () => {
  it('filters, scores with weights and picks the best node', () => {
    const c = makeCluster([{ name: 'small', cpu: 2 }, { name: 'big', cpu: 16 }]);
    const fw = new Framework(profile([{ name: 'NodeResourcesFit', weight: 1 }]), builtinPlugins(), handle);
    // LeastAllocated: small (2000-1000)*100/2000 = 50 cpu; big (16000-1000)*100/16000 = 93 -> big wins.
    const pod = makePod(makeSpec({ cpu: 1000, memory: Gi }));
    expect(c.nodes[fw.schedule(pod, c, constant(0.5))]!.name).toBe('big');
  });

  it('reports why a pod fits nowhere, per reason, like kube-scheduler', () => {
    const c = makeCluster([{ name: 'n1', cpu: 1 }, { name: 'n2', cpu: 1 }, { name: 'n3', cpu: 8, unschedulable: true }]);
    const fw = new Framework(profile([{ name: 'NodeUnschedulable' }, { name: 'NodeResourcesFit' }]), builtinPlugins(), handle);
    expect(fw.schedule(makePod(makeSpec({ cpu: 2000 }), 'big-pod'), c, constant(0))).toBe(-1);
    expect(formatFitError(fw.lastFitError!)).toBe('0/3 nodes are available: 1 node(s) were unschedulable, 2 Insufficient cpu.');
    // Where preemption might help: the two nodes short of cpu, not the cordoned one; and nowhere
    // after a cycle that found a node, whichever way the failed cycle kept the list.
    expect([...fw.lastResolvableNodes]).toEqual([0, 1]);
    expect(fw.schedule(makePod(makeSpec({ cpu: 500 })), c, constant(0))).toBeGreaterThanOrEqual(0);
    expect(fw.lastResolvableNodes).toEqual([]);
  });

  it('breaks ties among top scores with reservoir sampling from the random source', () => {
    const c = makeCluster([{ name: 'n0' }, { name: 'n1' }, { name: 'n2' }]);
    const fw = () => new Framework(profile([{ name: 'NodeResourcesFit' }]), builtinPlugins(), handle);
    const pod = makePod(makeSpec({ cpu: 100 }));
    // All three score the same. A draw of 0.99 never replaces the first tie (0.99 * k >= 1);
    // a draw of 0 always replaces, so the last tie in scan order wins.
    expect(c.nodes[fw().schedule(pod, c, constant(0.99))]!.name).toBe('n0');
    expect(c.nodes[fw().schedule(pod, c, constant(0))]!.name).toBe('n2');
  });

  it('tieBreak "first" takes the first top-scoring node without drawing', () => {
    const c = makeCluster([{ name: 'n0' }, { name: 'n1' }]);
    const fw = new Framework(profile([{ name: 'NodeResourcesFit' }], { tieBreak: 'first' }), builtinPlugins(), handle);
    const draws = { n: 0, next() { this.n++; return 0; } };
    expect(fw.schedule(makePod(makeSpec({ cpu: 100 })), c, draws)).toBe(0);
    expect(draws.n).toBe(0);
  });

  it('starts each scan where the last one stopped (round-robin) and stops after enough feasible nodes', () => {
    const c = makeCluster(Array.from({ length: 1000 }, (_, i) => ({ name: `n${i}` })));
    const fw = new Framework(profile([{ name: 'NodeResourcesFit' }]), builtinPlugins(), handle);
    const pod = makePod(makeSpec({ cpu: 100 }));
    fw.schedule(pod, c, constant(0.5));
    expect(fw.lastEvaluated).toBe(420); // 42% of 1000, all feasible
    fw.schedule(pod, c, constant(0.5));
    expect(fw.lastEvaluated).toBe(420);
    // Scans so far covered 0..419 and 420..839; the third covers 840..999 then wraps to 0..259.
    // With draw 0 every tie replaces the choice, so the last node scanned wins: 259.
    expect(fw.schedule(pod, c, constant(0))).toBe(259);
  });

  it('honours spec.nodeName by considering only that node', () => {
    const c = makeCluster([{ name: 'n0', cpu: 64 }, { name: 'n1', cpu: 1 }]);
    const fw = new Framework(profile([{ name: 'NodeName' }, { name: 'NodeResourcesFit' }]), builtinPlugins(), handle);
    expect(fw.schedule(makePod(makeSpec({ cpu: 500, nodeName: 'n1' })), c, constant(0))).toBe(1);
    expect(fw.schedule(makePod(makeSpec({ cpu: 5000, nodeName: 'n1' })), c, constant(0))).toBe(-1);
    expect(formatFitError(fw.lastFitError!)).toContain('1 Insufficient cpu');
  });

  it('rejects a score outside 0..100 and names the plugin, pod and node when a plugin throws', () => {
    const c = makeCluster([{ name: 'n0' }, { name: 'n1' }]);
    const registry = new PluginRegistry()
      .register({ name: 'Bad', description: '', extensionPoints: ['Score'], factory: (): ScorePlugin => ({ name: 'Bad', score: () => 101 }) })
      .register({ name: 'Throws', description: '', extensionPoints: ['Score'], factory: (): ScorePlugin => ({ name: 'Throws', score: () => { throw new Error('boom'); } }) });
    const pod = makePod(makeSpec({}), 'p1');
    expect(() => new Framework(profile([{ name: 'Bad' }]), registry, handle).schedule(pod, c, constant(0))).toThrow(/Bad.*p1.*outside 0\.\.100/);
    try {
      new Framework(profile([{ name: 'Throws' }]), registry, handle).schedule(pod, c, constant(0));
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(PluginError);
      expect((e as PluginError).message).toBe('plugin Throws Score failed for pod p1 on node n0: boom');
    }
  });

  it('refuses a duplicate plugin name in a registry', () => {
    const r = new PluginRegistry().register({ name: 'X', description: '', extensionPoints: [], factory: () => ({ name: 'X' }) });
    expect(() => r.register({ name: 'X', description: '', extensionPoints: [], factory: () => ({ name: 'X' }) })).toThrow(/already registered/);
  });
});

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { gpuRequest, selectGpusBestFit } from '../../src/api/gpu.js';
import type { PodInfo } from '../../src/api/pod.js';
import { Extender, REASON_NOT_IN_CACHE } from '../../src/runtime/extender.js';
import { decodeExtenderArgs, extenderPriority, NodeSpecCache } from '../../src/runtime/messages.js';
import { buildFramework } from '../../src/scenario/runner.js';
import { BUILTIN_PROFILES, builtinPlugins } from '../../src/schedulers/builtins.js';
import { PluginError } from '../../src/schedulers/framework.js';
import { ClusterState } from '../../src/sim/cluster.js';
import { RandomStreams } from '../../src/util/random.js';
import { nodeSpecFromNode, podSpecFromPod } from '../../src/workloads/kube.js';
import { profileFilters } from '../helpers/invariants.js';
import { clusterCaseArb, nodeList, StaticSource, v1Node, v1Pod, type ClusterCase, type Json } from '../helpers/extender.js';

/** ORCHSIM_PROPERTY_SCALE=20 multiplies numRuns, for a longer hunt than CI affords. */
const SCALE = Number(process.env.ORCHSIM_PROPERTY_SCALE ?? '1');

const profile = (name: string) => BUILTIN_PROFILES.find((p) => p.name === name)!;
const expectedFilters = (name: string) => profileFilters(profile(name));
const framework = (name: string) => buildFramework(profile(name), new RandomStreams(7));

/**
 * The simulator's side of a case: a ClusterState with the same nodes and the same pods bound in
 * the same order (GPU devices by best fit, as the runtime replays them). Existing GPU pods that
 * cannot get devices are dropped from the case, for both sides.
 */
function simulatorSide(c: ClusterCase): { cluster: ClusterState; pods: Json[] } {
  const cluster = new ClusterState(c.nodes.length);
  for (const n of c.nodes) cluster.addNode(nodeSpecFromNode(n, { file: 'node' }));
  const kept: Json[] = [];
  c.pods.forEach((p, i) => {
    const spec = podSpecFromPod(p, { file: 'pod' });
    const node = cluster.nodeByName(spec.nodeName!)!;
    const req = gpuRequest(spec.requests);
    const gpus = req ? selectGpusBestFit(node, req) : undefined;
    if (req && !gpus) return;
    const meta = p['metadata'] as { name: string };
    const pod: PodInfo = { id: kept.length, name: `default/${meta.name}`, spec };
    cluster.bind(pod, node.index, gpus);
    kept.push(p);
    void i;
  });
  return { cluster, pods: kept };
}

describe('extender parity with the simulator framework', () => {
  for (const name of ['default', 'binpack', 'spread']) {
    it(`${name}: filter equals the framework's filters and prioritize ranks as the framework scores`, () => {
      fc.assert(
        fc.property(clusterCaseArb, (c) => {
          const { cluster, pods } = simulatorSide(c);
          const sim = framework(name);
          // The extender runs as deployed: with a cache of the cluster's pods and nodes.
          const extender = new Extender(framework(name), new StaticSource(pods, c.nodes));
          const args = decodeExtenderArgs({ Pod: c.pod, Nodes: nodeList(c.nodes) }, 'test');

          // Filter: the same nodes pass, the same reasons for the others, as the profile's own
          // plugins say when run one by one on the simulator's snapshot (not through the Framework).
          const simReasons = new Map<string, string>();
          const verdicts = expectedFilters(name);
          const simFeasible = cluster.nodes.filter((n) => {
            const reasons = verdicts(args.pod, n, cluster);
            if (reasons.length > 0) simReasons.set(n.name, /^.*? said \w+: (.*)$/s.exec(reasons[0]!)![1]!);
            return reasons.length === 0;
          });
          expect(sim.findFeasible(args.pod, cluster, cluster.nodes, Infinity)).toEqual(simFeasible);
          const filtered = extender.filter(args, args.nodeObjects);
          expect(filtered.NodeNames).toEqual(simFeasible.map((n) => n.name));
          expect(new Map(Object.entries({ ...filtered.FailedNodes, ...filtered.FailedAndUnresolvableNodes }))).toEqual(simReasons);
          expect((filtered.Nodes!.items as Json[]).map((n) => (n['metadata'] as { name: string }).name)).toEqual(filtered.NodeNames);
          // The server's hand-built JSON says the same as the objects.
          expect(extender.filterJSON(args, args.nodeObjects).json).toBe(JSON.stringify(filtered));
          if (simFeasible.length === 0) return;

          // Prioritize over what kube-scheduler would send: the nodes that passed.
          const prioArgs = decodeExtenderArgs({ Pod: c.pod, Nodes: nodeList(filtered.Nodes!.items as Json[]) }, 'test');
          const priorities = extender.prioritize(prioArgs);
          expect(priorities.map((p) => p.Host)).toEqual(filtered.NodeNames);
          expect(extender.prioritizeJSON(prioArgs)).toBe(JSON.stringify(priorities));
          const { totals, weight } = sim.scoreNodes(args.pod, cluster, simFeasible);
          priorities.forEach((p, i) => {
            expect(p.Score).toBe(extenderPriority(totals[i]!, weight));
            expect(Number.isInteger(p.Score) && p.Score >= 0 && p.Score <= 10).toBe(true);
          });
          // Ranking: a node the framework scores higher never gets a lower priority.
          for (let a = 0; a < totals.length; a++) {
            for (let b = 0; b < totals.length; b++) {
              if (totals[a]! > totals[b]!) expect(priorities[a]!.Score).toBeGreaterThanOrEqual(priorities[b]!.Score);
            }
          }
          // The framework's own decision on the same snapshot gets the top priority.
          const chosen = sim.schedule(args.pod, cluster, new RandomStreams(1).get('tie'));
          expect(chosen).toBeGreaterThanOrEqual(0);
          const top = Math.max(...priorities.map((p) => p.Score));
          expect(priorities.find((p) => p.Host === cluster.nodes[chosen]!.name)!.Score).toBe(top);
        }),
        { numRuns: 150 * SCALE },
      );
    });
  }
});

describe('extender without a pod cache', () => {
  it('sees only the request: existing pods are unknown, so a full node looks empty', () => {
    const nodes = [v1Node('n1', { cpu: '2' })];
    const pod = v1Pod('p', { cpu: '1500m' });
    const withCache = new Extender(framework('default'), new StaticSource([v1Pod('busy', { cpu: '1', nodeName: 'n1' })]));
    const without = new Extender(framework('default'));
    const args = decodeExtenderArgs({ Pod: pod, Nodes: nodeList(nodes) }, 'test');
    expect(without.filter(args).NodeNames).toEqual(['n1']);
    expect(withCache.filter(args).FailedNodes).toEqual({ n1: 'Insufficient cpu' });
  });

  it('refuses NodeNames (it has no node cache) and bind', async () => {
    const e = new Extender(framework('default'));
    const args = decodeExtenderArgs({ Pod: v1Pod('p'), NodeNames: ['a', 'b'] }, 'test');
    expect(() => e.filter(args)).toThrow(/no node cache.*nodeCacheCapable: false/);
    expect(await e.bind({ podName: 'p', podNamespace: 'default', podUID: 'u', node: 'a' })).toMatch(/bind is off/);
    // A source that can bind is not enough: bind is opt-in.
    const canBind = Object.assign(new StaticSource([]), { bind: async () => {} });
    expect(new Extender(framework('default'), canBind).canBind).toBe(false);
    expect(await new Extender(framework('default'), canBind, { bind: true }).bind({ podName: 'p', podNamespace: 'default', podUID: 'u', node: 'a' })).toBe('');
  });

  it('answers NodeNames from the cache, reports the names it lacks, and reuses node views while nothing changed', () => {
    const nodes = [v1Node('n1'), v1Node('n2', { cpu: '1' })];
    const e = new Extender(framework('default'), new StaticSource([], nodes));
    const args = decodeExtenderArgs({ pod: v1Pod('p', { cpu: '2' }), nodenames: ['n1', 'n2', 'gone'] }, 'test');
    const first = e.view(args);
    expect(e.filter(args)).toMatchObject({ NodeNames: ['n1'], FailedNodes: { n2: 'Insufficient cpu', gone: REASON_NOT_IN_CACHE }, Nodes: null });
    // Another list: the candidates are looked up again, the node views are the same objects.
    const other = e.view(decodeExtenderArgs({ Pod: v1Pod('p'), NodeNames: ['n2', 'n1'] }, 'test'));
    expect(other.candidates.map((n) => n.name)).toEqual(['n2', 'n1']);
    expect(other.candidates[1]).toBe(first.candidates[0]);
    expect(Object.isFrozen(first.candidates)).toBe(true);
  });

  it('a Filter that returns an Error status is a plugin failure, not a rejection', () => {
    const registry = builtinPlugins();
    registry.register({ name: 'Broken', description: '', extensionPoints: ['Filter'], factory: () => ({ name: 'Broken', filter: () => ({ code: 'Error' as const, reason: 'lost its config' }) }) });
    const fw = buildFramework({ name: 'broken', plugins: [{ name: 'NodeResourcesFit' }, { name: 'Broken' }] }, new RandomStreams(1), registry);
    const e = new Extender(fw);
    const args = decodeExtenderArgs({ Pod: v1Pod('p'), Nodes: nodeList([v1Node('n1')]) }, 'test');
    expect(() => e.filter(args)).toThrow(PluginError);
    expect(() => e.filter(args)).toThrow(/plugin Broken Filter failed for pod default\/p on node n1: lost its config/);
  });
});

describe('extender snapshot reuse', () => {
  /** A source whose pods can change, with or without a generation counter. */
  function mutableSource(withGeneration: boolean) {
    const nodes = [v1Node('n1', { cpu: '4' }), v1Node('n2', { cpu: '4' })];
    const base = new StaticSource([], nodes);
    let pods: readonly PodInfo[] = [];
    let generation = 0;
    const source = {
      podsOn: (name: string) => (name === 'n1' ? pods : base.podsOn(name)),
      node: (name: string) => base.node(name),
      nodes: () => base.nodes(),
      get generation() {
        return withGeneration ? generation : undefined;
      },
      bindBusyPod() {
        pods = [{ id: 1, name: 'default/busy', spec: podSpecFromPod(v1Pod('busy', { cpu: '3500m', nodeName: 'n1' }), { file: 'pod' }) }];
        generation++;
      },
    };
    return source;
  }

  for (const withGeneration of [true, false]) {
    it(`reuses the snapshot while nothing changed and sees a change at once (${withGeneration ? 'with' : 'without'} a generation)`, () => {
      const source = mutableSource(withGeneration);
      const e = new Extender(framework('default'), source);
      const args = decodeExtenderArgs({ Pod: v1Pod('p', { cpu: '1' }), NodeNames: ['n1', 'n2'] }, 'test');
      const first = e.view(args).snapshot;
      expect(e.view(args).snapshot).toBe(first);
      expect(e.filter(args).NodeNames).toEqual(['n1', 'n2']);
      source.bindBusyPod();
      const second = e.view(args).snapshot;
      expect(second).not.toBe(first);
      // The unchanged node keeps its view (and so its generation, for the plugins' caches).
      expect(second.nodes[1]).toBe(first.nodes[1]);
      expect(e.filter(args)).toMatchObject({ NodeNames: ['n2'], FailedNodes: { n1: 'Insufficient cpu' } });
    });
  }

  it('interns equal pod specs, so per-selector caches hit across requests', () => {
    const seen: PodInfo[] = [];
    const e = new Extender(framework('default'), new StaticSource([], [v1Node('n1')]));
    const spy = e.framework.filterNodes.bind(e.framework);
    e.framework.filterNodes = (pod, snapshot, candidates, rejected) => {
      seen.push(pod);
      return spy(pod, snapshot, candidates, rejected);
    };
    const spread = [{ maxSkew: 1, topologyKey: 'kubernetes.io/hostname', whenUnsatisfiable: 'DoNotSchedule', labelSelector: { matchLabels: { app: 'web' } } }];
    for (const name of ['web-1', 'web-2']) e.filter(decodeExtenderArgs({ Pod: v1Pod(name, { labels: { app: 'web' }, topologySpreadConstraints: spread }), NodeNames: ['n1'] }, 'test'));
    e.filter(decodeExtenderArgs({ Pod: v1Pod('db-1', { labels: { app: 'db' } }), NodeNames: ['n1'] }, 'test'));
    expect(seen.map((p) => p.name)).toEqual(['default/web-1', 'default/web-2', 'default/db-1']);
    expect(seen[1]!.spec).toBe(seen[0]!.spec);
    expect(seen[2]!.spec).not.toBe(seen[0]!.spec);
  });
});

describe('extender messages', () => {
  it('converts a Node object once per uid and resourceVersion', () => {
    const cache = new NodeSpecCache();
    const node = (rv: string, cpu: string) => ({ ...v1Node('n1', { cpu }), metadata: { name: 'n1', uid: 'u-1', resourceVersion: rv } });
    const decode = (n: Json) => decodeExtenderArgs({ Pod: v1Pod('p'), Nodes: nodeList([n]) }, 'test', cache).nodes![0]!;
    const first = decode(node('1', '4'));
    expect(decode(node('1', '4'))).toBe(first);
    const changed = decode(node('2', '8'));
    expect(changed).not.toBe(first);
    expect(changed.allocatable.milliCPU).toBe(8000);
    // Without uid and resourceVersion, every request is converted afresh.
    expect(decode(v1Node('n1'))).not.toBe(decode(v1Node('n1')));
  });

  it('accepts the Go field names in any case, as encoding/json does', () => {
    for (const [pod, nodes] of [['Pod', 'Nodes'], ['pod', 'nodes'], ['POD', 'nOdEs']] as const) {
      const args = decodeExtenderArgs({ [pod]: v1Pod('x', { cpu: '250m' }), [nodes]: nodeList([v1Node('n1')]) }, 'test');
      expect(args.pod.spec.requests.milliCPU).toBe(250);
      expect(args.nodes!.map((n) => n.name)).toEqual(['n1']);
    }
  });

  it('converts init containers and overhead with the shared converter (effective request)', () => {
    const args = decodeExtenderArgs({ Pod: v1Pod('x', { cpu: '250m', initCpu: '2' }), NodeNames: [] }, 'test');
    expect(args.pod.spec.requests.milliCPU).toBe(2000);
  });

  it('names the path of every problem', () => {
    let message = '';
    try {
      decodeExtenderArgs({ Pod: { metadata: { name: 'p' }, spec: { containers: [{ name: 'c', resources: { requests: { cpu: 'lots' } } }] } }, Nodes: { items: [{ metadata: { name: 'n' }, status: { allocatable: { memory: 'x' } } }] } }, 'POST /filter');
    } catch (e) {
      message = (e as Error).message;
    }
    expect(message).toContain('POST /filter');
    expect(message).toContain('Pod.spec.containers[0].resources.requests.cpu');
    expect(message).toContain('Nodes.items[0].status.allocatable.memory');
  });

  it('maps 0..100 per unit of weight onto 0..10, monotonically', () => {
    expect(extenderPriority(0, 3)).toBe(0);
    expect(extenderPriority(300, 3)).toBe(10);
    expect(extenderPriority(150, 3)).toBe(5);
    expect(extenderPriority(50, 0)).toBe(0);
    fc.assert(fc.property(fc.double({ min: 0, max: 100, noNaN: true }), fc.double({ min: 0, max: 100, noNaN: true }), (a, b) => (a <= b ? extenderPriority(a, 1) <= extenderPriority(b, 1) : true)));
  });
});

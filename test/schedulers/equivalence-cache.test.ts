import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import type { ProfileConfig } from '../../src/api/framework.js';
import { WellKnownLabel, type Taint } from '../../src/api/node.js';
import type { PodInfo, PodSpec, Toleration } from '../../src/api/pod.js';
import { resources } from '../../src/api/resources.js';
import { runScenario } from '../../src/scenario/runner.js';
import { builtinPlugins, BUILTIN_PROFILES } from '../../src/schedulers/builtins.js';
import { equivalenceCacheDefault, maxCachedSpecs, nodeVersionsDefault } from '../../src/schedulers/equivalence-cache.js';
import { formatFitError, Framework } from '../../src/schedulers/framework.js';
import { WhatIfCluster } from '../../src/sim/what-if.js';
import { buildScenario, scenarioDescArb } from '../../src/testing/scenarios.js';
import { RandomStreams } from '../../src/util/random.js';
import { Gi, makeCluster, makePod, makeSpec } from '../helpers/cluster.js';
import { duringWhatIf, removeEmptyNode, toggleGpuNodeFault, unbindPicked } from '../helpers/scheduler-ab.js';

// The equivalence cache (src/schedulers/equivalence-cache.ts) reuses node-local plugins' Filter
// verdicts and raw Scores per (pod spec object, node version). It must be invisible: two
// frameworks of one profile, one with the cache and one without, driven over the same cluster
// through binds, unbinds, taints, cordons, GPU faults, nodes coming and going and rolled-back
// what-ifs, must choose the same nodes, draw the same tie-breaks and give the same rejections.

/** ORCHSIM_PROPERTY_SCALE=20 multiplies numRuns, for a longer hunt than CI affords. */
const SCALE = Number(process.env.ORCHSIM_PROPERTY_SCALE ?? '1');
const runs = (n: number) => ({ numRuns: Math.max(1, Math.round(n * SCALE)) });

const ZONES = ['z0', 'z1', 'z2'];
const TAINT_NO_SCHEDULE: Taint = { key: 'dedicated', value: 'batch', effect: 'NoSchedule' };
const TAINT_PREFER: Taint = { key: 'spot', value: 'true', effect: 'PreferNoSchedule' };
const TAINT_NOT_READY: Taint = { key: 'node.kubernetes.io/not-ready', effect: 'NoExecute' };
const TOLERATIONS: Record<string, Toleration[]> = {
  none: [],
  batch: [{ key: 'dedicated', operator: 'Equal', value: 'batch', effect: 'NoSchedule' }],
  cordoned: [{ key: 'node.kubernetes.io/unschedulable', operator: 'Exists', effect: 'NoSchedule' }],
  everything: [{ operator: 'Exists' }],
};

/** Filters that are not node-local between node-local ones, so both orders of the chain are exercised. */
const INTERLEAVED: ProfileConfig = {
  name: 'interleaved',
  plugins: [
    { name: 'PodTopologySpread', weight: 2 },
    { name: 'NodeUnschedulable' },
    { name: 'InterPodAffinity', weight: 1 },
    { name: 'TaintToleration', weight: 3 },
    { name: 'NodeResourcesFit', weight: 2, args: { scoringStrategy: { type: 'MostAllocated' } } },
    { name: 'NodeAffinity', weight: 2 },
    { name: 'NodeResourcesBalancedAllocation', weight: 1 },
  ],
};
const PROFILES: ProfileConfig[] = [...BUILTIN_PROFILES.filter((p) => ['default', 'binpack', 'spread', 'first-fit', 'random'].includes(p.name)), INTERLEAVED];

interface SpecDesc {
  cpu: number;
  memoryGi: number;
  gpu: number;
  zone: number | null;
  preferZone: number | null;
  tolerations: keyof typeof TOLERATIONS;
  spread: 'none' | 'hard' | 'soft';
  antiAffinity: boolean;
  app: number;
}

const specArb: fc.Arbitrary<SpecDesc> = fc.record({
  cpu: fc.constantFrom(0, 100, 500, 1500, 3000, 5000),
  memoryGi: fc.constantFrom(0, 1, 4, 12),
  gpu: fc.constantFrom(0, 0, 1),
  zone: fc.option(fc.nat(2)),
  preferZone: fc.option(fc.nat(2)),
  tolerations: fc.constantFrom('none', 'batch', 'cordoned', 'everything'),
  spread: fc.constantFrom('none', 'none', 'hard', 'soft'),
  antiAffinity: fc.boolean(),
  app: fc.nat(1),
});

function buildSpec(d: SpecDesc): PodSpec {
  const labels = { app: `a${d.app}` };
  const selector = { matchLabels: labels };
  return makeSpec({
    cpu: d.cpu,
    memory: d.memoryGi * Gi,
    gpu: d.gpu,
    labels,
    ...(d.zone !== null ? { nodeSelector: { [WellKnownLabel.zone]: ZONES[d.zone]! } } : {}),
    tolerations: TOLERATIONS[d.tolerations],
    ...(d.spread !== 'none'
      ? { topologySpreadConstraints: [{ maxSkew: 1, topologyKey: WellKnownLabel.zone, whenUnsatisfiable: d.spread === 'hard' ? 'DoNotSchedule' as const : 'ScheduleAnyway' as const, labelSelector: selector }] }
      : {}),
    affinity: {
      ...(d.preferZone !== null
        ? { nodeAffinity: { preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 10, preference: { matchExpressions: [{ key: WellKnownLabel.zone, operator: 'In' as const, values: [ZONES[d.preferZone]!] }] } }] } }
        : {}),
      ...(d.antiAffinity ? { podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [{ labelSelector: selector, topologyKey: WellKnownLabel.hostname }] } } : {}),
    },
  });
}

type Op =
  | { kind: 'schedule'; spec: number; times: number }
  | { kind: 'unbind'; pick: number }
  | { kind: 'taint'; node: number; taint: 0 | 1 | 2 | 3 }
  | { kind: 'cordon'; node: number }
  | { kind: 'gpu-fault'; node: number }
  | { kind: 'what-if'; removals: number[]; spec: number }
  | { kind: 'add-node'; zone: number; gpus: number }
  | { kind: 'remove-node'; node: number };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 6, arbitrary: fc.record({ kind: fc.constant('schedule' as const), spec: fc.nat(5), times: fc.integer({ min: 1, max: 8 }) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('unbind' as const), pick: fc.nat(10_000) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('taint' as const), node: fc.nat(200), taint: fc.constantFrom(0 as const, 1 as const, 2 as const, 3 as const) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('cordon' as const), node: fc.nat(200) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('gpu-fault' as const), node: fc.nat(200) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('what-if' as const), removals: fc.array(fc.nat(10_000), { maxLength: 4 }), spec: fc.nat(5) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('add-node' as const), zone: fc.nat(2), gpus: fc.constantFrom(0, 2) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('remove-node' as const), node: fc.nat(200) }) },
);

/** Everything a cycle's caller can observe. */
function outcome(fw: Framework, chosen: number) {
  const e = fw.lastFitError;
  return {
    chosen,
    gpus: fw.lastGPUs,
    evaluated: fw.lastEvaluated,
    resolvable: [...fw.lastResolvableNodes],
    fitError: e && { text: formatFitError(e), plugins: [...e.unschedulablePlugins].sort(), events: e.events },
  };
}

/** A framework with the equivalence cache, and PodTopologySpread's incremental counts, on or off. */
function framework(profile: ProfileConfig, seed: number, equivalenceCache: boolean, spreadCounts = true, nodeVersions = true): { fw: Framework; random: { next(): number } } {
  const streams = new RandomStreams(seed);
  if (!spreadCounts) process.env.ORCHSIM_NO_SPREAD_COUNTS = '1';
  try {
    const fw = new Framework(profile, builtinPlugins(), { random: (name) => streams.get(name) }, { equivalenceCache, nodeVersions });
    return { fw, random: streams.get('scheduler/tie-break') };
  } finally {
    delete process.env.ORCHSIM_NO_SPREAD_COUNTS;
  }
}

/** Which optimization the twin framework turns off. */
const SWITCHES = [
  { name: 'the equivalence cache', env: 'ORCHSIM_NO_EQUIVALENCE_CACHE', off: (profile: ProfileConfig, seed: number) => framework(profile, seed, false) },
  { name: "PodTopologySpread's incremental counts", env: 'ORCHSIM_NO_SPREAD_COUNTS', off: (profile: ProfileConfig, seed: number) => framework(profile, seed, true, false) },
  // The twin compares each node's object, generation, taints and unschedulable instead of
  // reading ClusterState's node versions.
  { name: "the cluster's node versions", env: 'ORCHSIM_NO_NODE_VERSIONS', off: (profile: ProfileConfig, seed: number) => framework(profile, seed, true, true, false) },
];

describe('the equivalence cache and the incremental spread counts', () => {
  it.each(SWITCHES)('$name changes no placement, tie-break draw or rejection, whatever happens to the nodes (property)', (sw) => {
    fc.assert(
      fc.property(
        fc.constantFrom(...PROFILES),
        fc.oneof(fc.integer({ min: 1, max: 12 }), fc.integer({ min: 100, max: 140 })),
        fc.constantFrom(undefined, 5, 30),
        fc.array(specArb, { minLength: 6, maxLength: 6 }),
        fc.array(opArb, { minLength: 1, maxLength: 40 }),
        fc.nat(1000),
        (profileBase, nodeCount, percentage, specDescs, ops, seed) => {
          const profile = percentage === undefined ? profileBase : { ...profileBase, percentageOfNodesToScore: percentage };
          const c = makeCluster(Array.from({ length: nodeCount }, (_, i) => ({
            name: `n${i}`, cpu: 4, memory: 16 * Gi, gpu: i % 3 === 0 ? 2 : 0, maxPods: i % 5 === 0 ? 3 : undefined,
            labels: { [WellKnownLabel.zone]: ZONES[i % 3]! },
          })));
          const specs = specDescs.map(buildSpec);
          const on = framework(profile, seed, true);
          const off = sw.off(profile, seed);
          const bound: { pod: PodInfo; node: number }[] = [];
          let added = 0;
          const failedGpus = new Set<number>();
          const live = () => c.nodes.filter((n) => !n.removed);
          const cycle = (pod: PodInfo, snapshotOn = c, bind = true) => {
            // The extender's filter and the autoscalers' / preemption's findFeasible use the cache too.
            const candidates = live();
            const verdicts = (fw: Framework) => {
              const out: string[] = [];
              const pass = fw.filterNodes(pod, snapshotOn, candidates, (n, st, plugin) => out.push(`${n.name}: ${st.code} ${st.reason} (${plugin})`));
              return { out, pass: pass.map((n) => n.name), first: fw.findFeasible(pod, snapshotOn, candidates, 2).map((n) => n.name) };
            };
            expect(verdicts(on.fw)).toEqual(verdicts(off.fw));
            const a = on.fw.schedule(pod, snapshotOn, on.random);
            const oa = outcome(on.fw, a);
            const b = off.fw.schedule(pod, snapshotOn, off.random);
            expect(oa).toEqual(outcome(off.fw, b));
            if (bind && a >= 0) {
              c.bind(pod, a, on.fw.lastGPUs);
              bound.push({ pod, node: a });
            }
          };
          for (const o of ops) {
            const nodes = live();
            switch (o.kind) {
              case 'schedule':
                for (let t = 0; t < o.times; t++) cycle(makePod(specs[o.spec]!));
                break;
              case 'unbind': {
                unbindPicked(c, bound, o.pick);
                break;
              }
              case 'taint': {
                if (nodes.length === 0) break;
                // As the node lifecycle controller does: a new array, no new generation.
                const node = nodes[o.node % nodes.length]!;
                node.taints = o.taint === 0 ? [] : [[TAINT_NO_SCHEDULE, TAINT_PREFER, TAINT_NOT_READY][o.taint - 1]!];
                break;
              }
              case 'cordon': {
                if (nodes.length === 0) break;
                const node = nodes[o.node % nodes.length]!;
                node.unschedulable = !node.unschedulable;
                break;
              }
              case 'gpu-fault':
                // Every device of a GPU node with no GPU pod fails, or is repaired: no new generation.
                toggleGpuNodeFault(c, o.node, failedGpus);
                break;
              case 'what-if': {
                // A preemption dry run: victims off, a cycle, everything put back.
                duringWhatIf(c, on.fw, bound, o.removals, () => cycle(makePod(specs[o.spec]!), c, false));
                break;
              }
              case 'add-node':
                c.addNode({
                  name: `added-${added++}`,
                  labels: { [WellKnownLabel.zone]: ZONES[o.zone]! },
                  taints: [], unschedulable: false,
                  allocatable: resources({ milliCPU: 4000, memory: 16 * Gi, milliGPU: o.gpus * 1000 }),
                });
                break;
              case 'remove-node': {
                removeEmptyNode(c, nodes, failedGpus, o.node);
                break;
              }
            }
            // The spec pool's cycles after each step, so verdicts cached before it are checked after it.
            cycle(makePod(specs[0]!));
          }
        },
      ),
      runs(60),
    );
  });

  it('keeps the verdicts of at most maxCachedSpecs specs and still agrees when specs come and go', () => {
    expect([maxCachedSpecs(20), maxCachedSpecs(2_000), maxCachedSpecs(10_000), maxCachedSpecs(100_000)]).toEqual([1024, 524, 104, 32]);
    const c = makeCluster(Array.from({ length: 20 }, (_, i) => ({ name: `n${i}`, cpu: 256, memory: 1024 * Gi, maxPods: 1000 })));
    const on = framework(BUILTIN_PROFILES[0]!, 1, true);
    const off = framework(BUILTIN_PROFILES[0]!, 1, false);
    const specs = Array.from({ length: maxCachedSpecs(20) + 5 }, (_, i) => makeSpec({ cpu: 1 + (i % 7), memory: Gi / 16 }));
    for (let round = 0; round < 3; round++) {
      for (const spec of specs) {
        const pod = makePod(spec);
        const a = on.fw.schedule(pod, c, on.random);
        expect(a).toBe(off.fw.schedule(pod, c, off.random));
        c.bind(pod, a);
      }
    }
  });

  it('is on by default and off with ORCHSIM_NO_EQUIVALENCE_CACHE=1', () => {
    delete process.env.ORCHSIM_NO_EQUIVALENCE_CACHE;
    expect(equivalenceCacheDefault()).toBe(true);
    process.env.ORCHSIM_NO_EQUIVALENCE_CACHE = '1';
    expect(equivalenceCacheDefault()).toBe(false);
  });

  it('takes node versions from the cluster by default, not with ORCHSIM_NO_NODE_VERSIONS=1', () => {
    delete process.env.ORCHSIM_NO_NODE_VERSIONS;
    expect(nodeVersionsDefault()).toBe(true);
    process.env.ORCHSIM_NO_NODE_VERSIONS = '1';
    expect(nodeVersionsDefault()).toBe(false);
  });

  it('gives a node a new version on every change a node-local plugin can see, and a what-if rollback gives the old one back', () => {
    const c = makeCluster([{ name: 'n0', cpu: 4, memory: 16 * Gi }, { name: 'n1', cpu: 4, memory: 16 * Gi }]);
    const seen = new Set<number>();
    const fresh = (i: number) => {
      const v = c.nodeVersions[i]!;
      expect(v).toBeGreaterThan(0);
      expect(seen.has(v)).toBe(false);
      seen.add(v);
      return v;
    };
    fresh(0);
    fresh(1);
    const n0 = c.nodes[0]!;
    n0.taints = [TAINT_NO_SCHEDULE];
    fresh(0);
    n0.unschedulable = true;
    fresh(0);
    const pod = makePod(makeSpec({ cpu: 100 }));
    c.bind(pod, 0);
    const bound = fresh(0);
    const whatIf = new WhatIfCluster(c, framework(BUILTIN_PROFILES[0]!, 1, true).fw, () => {
      throw new Error('no template nodes here');
    });
    whatIf.removePod(pod, n0);
    fresh(0);
    whatIf.rollback();
    expect(c.nodeVersions[0]).toBe(bound);
    c.unbind(pod, 0);
    fresh(0);
    c.removeNode(0);
    fresh(0);
    c.addNode({ name: 'n2', labels: {}, taints: [], unschedulable: false, allocatable: resources({ milliCPU: 4000, memory: 16 * Gi, milliGPU: 0 }) });
    fresh(0);
  });

  afterEach(() => {
    delete process.env.ORCHSIM_NO_EQUIVALENCE_CACHE;
    delete process.env.ORCHSIM_NO_SPREAD_COUNTS;
    delete process.env.ORCHSIM_NO_NODE_VERSIONS;
  });

  it.each(SWITCHES)('$name: byte-identical run results on and off (property, whole runs)', (sw) => {
    fc.assert(
      fc.property(scenarioDescArb({ maxNodes: 30, maxWorkloads: 4 }), (d) => {
        delete process.env[sw.env];
        const withCache = JSON.stringify(runScenario(buildScenario(d)));
        process.env[sw.env] = '1';
        try {
          const without = JSON.stringify(runScenario(buildScenario(d)));
          expect(withCache).toBe(without);
        } finally {
          delete process.env[sw.env];
        }
      }),
      runs(20),
    );
  });
});

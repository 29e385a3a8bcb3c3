import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import type { ProfileConfig } from '../../src/api/framework.js';
import { GPU_MODEL_LABEL } from '../../src/api/gpu.js';
import type { ClusterSnapshot } from '../../src/api/node.js';
import type { PodInfo } from '../../src/api/pod.js';
import { FGD_POLICIES, policyProfile } from '../../src/experiments/fgd.js';
import { runScenario } from '../../src/scenario/runner.js';
import { BUILTIN_PROFILES, builtinPlugins } from '../../src/schedulers/builtins.js';
import { gpuEquivalenceDefault } from '../../src/schedulers/equivalence-cache.js';
import { formatFitError, Framework } from '../../src/schedulers/framework.js';
import type { TypicalPod } from '../../src/schedulers/plugins/fgd.js';
import { gpuScoreCacheDefault } from '../../src/schedulers/plugins/gpu-node-state.js';
import { buildScenario, scenarioDescArb } from '../../src/testing/scenarios.js';
import { RandomStreams } from '../../src/util/random.js';
import { Gi, makeCluster, makePod, makeSpec } from '../helpers/cluster.js';
import { duringWhatIf, unbindPicked } from '../helpers/scheduler-ab.js';

// GPU pods in the equivalence cache (ORCHSIM_NO_GPU_EQUIVALENCE) and the GPU-sharing policies'
// scores kept per (spec, node version) (ORCHSIM_NO_GPU_SCORE_CACHE) must be invisible: frameworks
// of one profile - everything on, each of the two off, the cache comparing node fields instead of
// reading the cluster's versions (so its device-free check is what sees a fault), and no cache at
// all - driven over the same GPU cluster through binds, unbinds, device faults and repairs,
// rolled-back what-ifs and cycles on a view that keeps no versions, must choose the same node and
// devices and give the same rejections, cycle for cycle.

/** ORCHSIM_PROPERTY_SCALE=20 multiplies numRuns, for a longer hunt than CI affords. */
const SCALE = Number(process.env.ORCHSIM_PROPERTY_SCALE ?? 1) || 1;

const MODELS = ['A10', 'T4', 'V100M32'];

const TYPICAL: TypicalPod[] = [
  { cpu: 4000, gpuMilli: 500, gpuCount: 1, models: [], weight: 0.3 },
  { cpu: 8000, gpuMilli: 1000, gpuCount: 2, models: ['V100M32'], weight: 0.2 },
  { cpu: 2000, gpuMilli: 250, gpuCount: 1, models: ['T4', 'A10'], weight: 0.3 },
  { cpu: 1000, gpuMilli: 0, gpuCount: 0, models: [], weight: 0.2 },
];

/** The FGD experiment's six policies, and the default profile (its node-local filters and scores with GPU pods). */
const PROFILES: ProfileConfig[] = [...FGD_POLICIES.map((p) => policyProfile(p, TYPICAL)), BUILTIN_PROFILES.find((p) => p.name === 'default')!];

const SWITCHES = ['ORCHSIM_NO_GPU_EQUIVALENCE', 'ORCHSIM_NO_GPU_SCORE_CACHE'] as const;

/** A framework built with the given switches off (they are read when it is built). */
function framework(profile: ProfileConfig, seed: number, off: readonly string[], options: { equivalenceCache?: boolean; nodeVersions?: boolean } = {}) {
  const streams = new RandomStreams(seed);
  for (const v of off) process.env[v] = '1';
  try {
    const fw = new Framework(profile, builtinPlugins(), { random: (name) => streams.get(name) }, options);
    return { fw, random: streams.get('scheduler/tie-break') };
  } finally {
    for (const v of off) delete process.env[v];
  }
}

/** Everything a cycle's caller can observe. */
function outcome(fw: Framework, chosen: number) {
  const e = fw.lastFitError;
  return {
    chosen,
    gpus: chosen >= 0 ? fw.lastGPUs : undefined,
    evaluated: fw.lastEvaluated,
    resolvable: [...fw.lastResolvableNodes],
    fitError: e && { text: formatFitError(e), plugins: [...e.unschedulablePlugins].sort() },
  };
}

/** Pod shapes: cpu (cores), gpu (whole GPUs, or a share below 1), an optional GPU model. */
const shapeArb = fc.record({ cpu: fc.integer({ min: 0, max: 12 }), gpu: fc.constantFrom(0, 0.25, 0.3, 0.5, 1, 2), model: fc.constantFrom(undefined, 'T4', 'V100M32') });

type Op =
  | { kind: 'schedule'; shape: number; times: number; view: boolean }
  | { kind: 'unbind'; pick: number }
  | { kind: 'gpu-fault'; node: number; device: number }
  | { kind: 'what-if'; removals: number[]; shape: number; view: boolean };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 6, arbitrary: fc.record({ kind: fc.constant('schedule' as const), shape: fc.nat(5), times: fc.integer({ min: 1, max: 6 }), view: fc.boolean() }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('unbind' as const), pick: fc.nat(10_000) }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('gpu-fault' as const), node: fc.nat(200), device: fc.nat(7) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('what-if' as const), removals: fc.array(fc.nat(10_000), { maxLength: 3 }), shape: fc.nat(5), view: fc.boolean() }) },
);

afterEach(() => {
  for (const v of SWITCHES) delete process.env[v];
});

describe('GPU pods in the equivalence cache, and the GPU policies\' scores kept per node version', () => {
  it('change no placement, device choice or rejection, whatever happens to pods and devices (property)', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...PROFILES),
        fc.array(fc.record({ cpu: fc.integer({ min: 8, max: 64 }), gpus: fc.integer({ min: 0, max: 8 }), model: fc.constantFrom(...MODELS) }), { minLength: 1, maxLength: 10 }),
        fc.array(shapeArb, { minLength: 6, maxLength: 6 }),
        fc.array(opArb, { minLength: 1, maxLength: 50 }),
        fc.nat(1000),
        (profile, nodeDescs, shapes, ops, seed) => {
          const c = makeCluster(nodeDescs.map((n, i) => ({
            name: `n${i}`, cpu: n.cpu, memory: 256 * Gi, gpu: n.gpus, maxPods: 200,
            labels: n.gpus > 0 ? { [GPU_MODEL_LABEL]: n.model } : ({} as Record<string, string>),
          })));
          // The runtime's kind of snapshot: the same nodes, no node versions.
          const withoutVersions: ClusterSnapshot = {
            get nodes() {
              return c.nodes;
            },
            havePodsWithAffinity: c.havePodsWithAffinity,
            havePodsWithRequiredAntiAffinity: c.havePodsWithRequiredAntiAffinity,
            nodeByName: (name) => c.nodeByName(name),
          };
          const specs = shapes.map((s) => makeSpec({ cpu: s.cpu * 1000, memory: Gi, gpu: s.gpu, ...(s.model !== undefined && s.gpu > 0 ? { gpuModels: [s.model] } : {}) }));
          // The first is the reference: no cache at all.
          const twins = [
            framework(profile, seed, [], { equivalenceCache: false }),
            framework(profile, seed, []),
            framework(profile, seed, ['ORCHSIM_NO_GPU_EQUIVALENCE']),
            framework(profile, seed, ['ORCHSIM_NO_GPU_SCORE_CACHE']),
            framework(profile, seed, [], { nodeVersions: false }),
          ];
          const bound: { pod: PodInfo; node: number }[] = [];
          const faults = new Map<string, number>();
          // A cycle of each twin, compared; the pod is not bound.
          const probe = (pod: PodInfo, snapshot: ClusterSnapshot) => {
            const outcomes = twins.map(({ fw, random }) => outcome(fw, fw.schedule(pod, snapshot, random)));
            for (let k = 1; k < outcomes.length; k++) expect(outcomes[k]).toEqual(outcomes[0]);
            return outcomes[0]!;
          };
          const cycle = (pod: PodInfo, snapshot: ClusterSnapshot) => {
            const o = probe(pod, snapshot);
            if (o.chosen >= 0) {
              c.bind(pod, o.chosen, o.gpus);
              bound.push({ pod, node: o.chosen });
            }
          };
          for (const o of ops) {
            switch (o.kind) {
              case 'schedule':
                for (let t = 0; t < o.times; t++) cycle(makePod(specs[o.shape]!), o.view ? withoutVersions : c);
                break;
              case 'unbind': {
                unbindPicked(c, bound, o.pick);
                break;
              }
              case 'gpu-fault': {
                // As the failure injector does: the device's pods leave first, then it fails; or
                // a failed device is repaired. Neither gives the node a new generation.
                const gpuNodes = c.nodes.filter((n) => n.gpuCount > 0);
                if (gpuNodes.length === 0) break;
                const node = gpuNodes[o.node % gpuNodes.length]!;
                const device = o.device % node.gpuCount;
                const key = `${node.index}/${device}`;
                const n = faults.get(key) ?? 0;
                if (n > 0 && o.device % 2 === 0) {
                  c.setGpuFailed(node.index, device, false);
                  faults.set(key, n - 1);
                } else {
                  for (const pod of c.podsOnGpu(node.index, device)) {
                    c.unbind(pod, node.index);
                    bound.splice(bound.findIndex((b) => b.pod === pod), 1);
                  }
                  c.setGpuFailed(node.index, device, true);
                  faults.set(key, n + 1);
                }
                break;
              }
              case 'what-if': {
                // A preemption dry run: victims off, a cycle, everything put back (old versions too).
                duringWhatIf(c, twins[1]!.fw, bound, o.removals, () => probe(makePod(specs[o.shape]!), o.view ? withoutVersions : c));
                break;
              }
            }
            // Pods of the first two shapes after each step, so verdicts and scores cached before it are checked after it.
            cycle(makePod(specs[0]!), c);
            cycle(makePod(specs[1]!), withoutVersions);
          }
        },
      ),
      { numRuns: Math.max(1, Math.round(150 * SCALE)) },
    );
  });

  it.each(SWITCHES)('%s: byte-identical run results on and off (property, whole runs, GPU nodes and pods among them)', (env) => {
    fc.assert(
      fc.property(scenarioDescArb({ maxNodes: 30, maxWorkloads: 4 }), (d) => {
        delete process.env[env];
        const on = JSON.stringify(runScenario(buildScenario(d)));
        process.env[env] = '1';
        try {
          expect(JSON.stringify(runScenario(buildScenario(d)))).toBe(on);
        } finally {
          delete process.env[env];
        }
      }),
      { numRuns: Math.max(1, Math.round(20 * SCALE)) },
    );
  });

  it('are on by default and off with ORCHSIM_NO_GPU_EQUIVALENCE=1 and ORCHSIM_NO_GPU_SCORE_CACHE=1', () => {
    expect(gpuEquivalenceDefault()).toBe(true);
    expect(gpuScoreCacheDefault()).toBe(true);
    process.env.ORCHSIM_NO_GPU_EQUIVALENCE = '1';
    process.env.ORCHSIM_NO_GPU_SCORE_CACHE = '1';
    expect(gpuEquivalenceDefault()).toBe(false);
    expect(gpuScoreCacheDefault()).toBe(false);
  });
});

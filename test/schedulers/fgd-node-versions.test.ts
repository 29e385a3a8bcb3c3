import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import type { ProfileConfig } from '../../src/api/framework.js';
import { GPU_MODEL_LABEL } from '../../src/api/gpu.js';
import type { ClusterSnapshot } from '../../src/api/node.js';
import type { PodInfo } from '../../src/api/pod.js';
import { builtinPlugins } from '../../src/schedulers/builtins.js';
import { Framework } from '../../src/schedulers/framework.js';
import { fgdNodeVersionsDefault, type TypicalPod } from '../../src/schedulers/plugins/fgd.js';
import { RandomStreams } from '../../src/util/random.js';
import { Gi, makeCluster, makePod, makeSpec } from '../helpers/cluster.js';
import { duringWhatIf, unbindPicked } from '../helpers/scheduler-ab.js';

/** ORCHSIM_PROPERTY_SCALE=20 multiplies numRuns, for a longer hunt than CI affords. */
const SCALE = Number(process.env.ORCHSIM_PROPERTY_SCALE ?? 1) || 1;

const MODELS = ['A10', 'T4', 'V100M32'];

const TYPICAL: TypicalPod[] = [
  { cpu: 4000, gpuMilli: 500, gpuCount: 1, models: [], weight: 0.3 },
  { cpu: 8000, gpuMilli: 1000, gpuCount: 2, models: ['V100M32'], weight: 0.2 },
  { cpu: 2000, gpuMilli: 250, gpuCount: 1, models: ['T4', 'A10'], weight: 0.3 },
  { cpu: 1000, gpuMilli: 0, gpuCount: 0, models: [], weight: 0.2 },
];

/** The FGD experiment's profile: the fit filters, FGD alone as the score, every node scored, ties by rank. */
function profile(args: Record<string, unknown>): ProfileConfig {
  return {
    name: 'FGD',
    percentageOfNodesToScore: 100,
    tieBreak: 'rank',
    plugins: [
      { name: 'NodeResourcesFit', weight: 0 },
      { name: 'FGD', weight: 1, args: { typicalPods: TYPICAL, ...args } },
    ],
  };
}

function framework(args: Record<string, unknown>, seed: number) {
  const streams = new RandomStreams(seed);
  const fw = new Framework(profile(args), builtinPlugins(), { random: (name) => streams.get(name) });
  return { fw, random: streams.get('scheduler/tie-break') };
}

/** Pod shapes: cpu (cores), gpu (whole GPUs, or a share below 1). */
const shapeArb = fc.record({ cpu: fc.integer({ min: 0, max: 12 }), gpu: fc.constantFrom(0, 0.25, 0.3, 0.5, 1, 2) });

type Op =
  | { kind: 'schedule'; shape: number; times: number; view: boolean }
  | { kind: 'unbind'; pick: number }
  | { kind: 'gpu-fault'; node: number; device: number }
  | { kind: 'what-if'; removals: number[]; shape: number; via: 0 | 1 | 2; after: boolean };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 6, arbitrary: fc.record({ kind: fc.constant('schedule' as const), shape: fc.nat(5), times: fc.integer({ min: 1, max: 6 }), view: fc.boolean() }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('unbind' as const), pick: fc.nat(10_000) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('gpu-fault' as const), node: fc.nat(200), device: fc.nat(7) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('what-if' as const), removals: fc.array(fc.nat(10_000), { maxLength: 3 }), shape: fc.nat(5), via: fc.constantFrom(0 as const, 1 as const, 2 as const), after: fc.boolean() }) },
);

afterEach(() => {
  delete process.env.ORCHSIM_NO_FGD_NODE_VERSIONS;
});

describe("FGD's memo keyed by the cluster's node versions", () => {
  it('changes no placement or device choice, whatever happens to pods and devices (property)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ cpu: fc.integer({ min: 8, max: 64 }), gpus: fc.integer({ min: 0, max: 8 }), model: fc.constantFrom(...MODELS) }), { minLength: 1, maxLength: 10 }),
        fc.array(shapeArb, { minLength: 6, maxLength: 6 }),
        fc.array(opArb, { minLength: 1, maxLength: 50 }),
        fc.nat(1000),
        (nodeDescs, shapes, ops, seed) => {
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
          const specs = shapes.map((s) => makeSpec({ cpu: s.cpu * 1000, memory: Gi, gpu: s.gpu }));
          // Versions on (the default), versions off (state compared), and no memo at all.
          const twins = [framework({}, seed), framework({ nodeVersions: false }, seed), framework({ memoize: false }, seed)];
          const bound: { pod: PodInfo; node: number }[] = [];
          // Faults per (node, device): repaired only as often as failed.
          const faults = new Map<string, number>();
          // A cycle of each twin, compared; the pod is not bound.
          const probe = (pod: PodInfo, snapshot: ClusterSnapshot) => {
            const outcomes = twins.map(({ fw, random }) => {
              const chosen = fw.schedule(pod, snapshot, random);
              return { chosen, gpus: chosen >= 0 ? fw.lastGPUs : undefined };
            });
            expect(outcomes[1]).toEqual(outcomes[0]);
            expect(outcomes[2]).toEqual(outcomes[0]);
            return outcomes[0]!;
          };
          const cycle = (pod: PodInfo, snapshot: ClusterSnapshot) => {
            const outcome = probe(pod, snapshot);
            if (outcome.chosen >= 0) {
              c.bind(pod, outcome.chosen, outcome.gpus);
              bound.push({ pod, node: outcome.chosen });
            }
          };
          for (const o of ops) {
            switch (o.kind) {
              case 'schedule':
                // On the cluster, or on a view of it that keeps no versions (the same memos then
                // checked by state, and mixed with the versions' checks).
                for (let t = 0; t < o.times; t++) cycle(makePod(specs[o.shape]!), o.view ? withoutVersions : c);
                break;
              case 'unbind': {
                unbindPicked(c, bound, o.pick);
                break;
              }
              case 'gpu-fault': {
                // As the failure injector does: the device's pods leave first, then it fails; or
                // a failed device is repaired.
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
                // A preemption dry run: victims off, cycles, everything put back (and the old
                // versions with it); with cycles on the view without versions before (and after),
                // so memos checked by state and by version take turns on a node that changes
                // and comes back.
                probe(makePod(specs[o.shape]!), withoutVersions);
                // On the cluster (versions renewed by the removals, given back by the rollback),
                // on a view of it that keeps no versions (memos checked by state), or both.
                duringWhatIf(c, twins[0]!.fw, bound, o.removals, () => {
                  for (const snapshot of [[c], [withoutVersions], [c, withoutVersions]][o.via]!) probe(makePod(specs[o.shape]!), snapshot);
                });
                if (o.after) probe(makePod(specs[o.shape]!), withoutVersions);
                break;
              }
            }
            // A pod of the first shape after each step, so memos made before it are used after it.
            cycle(makePod(specs[0]!), c);
          }
        },
      ),
      { numRuns: Math.max(1, Math.round(200 * SCALE)) },
    );
  });

  it('gives a node a new version when one of its devices fails or is repaired', () => {
    const c = makeCluster([{ name: 'n0', gpu: 2 }]);
    const v0 = c.nodeVersions[0]!;
    c.setGpuFailed(0, 1, true);
    const v1 = c.nodeVersions[0]!;
    expect(v1).not.toBe(v0);
    // A second overlapping fault changes no capacity: the version stays.
    c.setGpuFailed(0, 1, true);
    expect(c.nodeVersions[0]).toBe(v1);
    c.setGpuFailed(0, 1, false);
    expect(c.nodeVersions[0]).toBe(v1);
    c.setGpuFailed(0, 1, false);
    expect(c.nodeVersions[0]).not.toBe(v1);
    expect(c.nodes[0]!.gpuFree(1)).toBe(1000);
  });

  it('is on by default, off with ORCHSIM_NO_FGD_NODE_VERSIONS=1, and refuses a non-boolean nodeVersions', () => {
    expect(fgdNodeVersionsDefault()).toBe(true);
    process.env.ORCHSIM_NO_FGD_NODE_VERSIONS = '1';
    expect(fgdNodeVersionsDefault()).toBe(false);
    expect(() => framework({ nodeVersions: 'no' }, 1)).toThrow(/nodeVersions.*expected true or false/);
  });
});

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Scheduler } from '../../src/api/framework.js';
import { WellKnownLabel, type NodeInfo, type NodeSpec } from '../../src/api/node.js';
import type { PodInfo, PodSpec } from '../../src/api/pod.js';
import { resources } from '../../src/api/resources.js';
import type { ClusterState } from '../../src/sim/cluster.js';
import { WhatIfCluster } from '../../src/sim/what-if.js';
import { Gi, makeCluster, makePod, makeSpec } from '../helpers/cluster.js';

// The what-if's revert is upstream's ClusterSnapshot.Revert: the cluster is left exactly as it
// was. Policies rely on it (the cluster autoscaler's drain cache trusts node generations and
// pod order across what-ifs), so it is checked here on everything a plugin or policy can read.

const TERM = { labelSelector: { matchLabels: { app: 'db' } }, topologyKey: WellKnownLabel.hostname };
const SPECS: PodSpec[] = [
  makeSpec({ cpu: 100, labels: { app: 'web' } }),
  makeSpec({ cpu: 200, labels: { app: 'db' } }),
  // Pods with affinity terms enter the nodes-with-affinity lists.
  makeSpec({ cpu: 100, labels: { app: 'web' }, affinity: { podAffinity: { preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 1, podAffinityTerm: TERM }] } } }),
  makeSpec({ cpu: 100, labels: { app: 'db' }, affinity: { podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [TERM] } } }),
  // Shared and whole GPUs: the devices each pod holds must come back as they were.
  makeSpec({ cpu: 100, gpu: 0.5 }),
  makeSpec({ cpu: 100, gpu: 1 }),
];

/** Places pods on the first candidate that has room (enough for the test: nodes are large). */
const firstFit: Scheduler = {
  name: 'first-fit',
  schedule: () => -1,
  findFeasible: (pod, _snapshot, candidates, limit) => candidates.filter((n) => gpuRoom(n, pod)).slice(0, limit),
};

function gpuRoom(node: NodeInfo, pod: PodInfo): boolean {
  const need = pod.spec.requests.milliGPU;
  if (need === 0) return true;
  let free = 0;
  for (let d = 0; d < node.gpuCount; d++) if (node.gpuFree(d) >= Math.min(need, 1000)) free++;
  return free >= Math.max(1, need / 1000);
}

function template(group: string, name: string): NodeSpec {
  return {
    name, labels: { [WellKnownLabel.hostname]: name, pool: group }, taints: [], unschedulable: false,
    allocatable: resources({ milliCPU: 64000, memory: 256 * Gi, milliGPU: 4000 }),
  };
}

/** Everything a plugin or a policy reads of the cluster, by value and in order. */
function observe(c: ClusterState): unknown {
  return {
    nodes: c.nodes.filter((n) => !n.removed).map((n) => ({
      index: n.index,
      name: n.name,
      generation: n.generation,
      pods: n.pods.map((p) => p.id),
      podsWithAffinity: n.podsWithAffinity.map((p) => p.id),
      podsWithRequiredAntiAffinity: n.podsWithRequiredAntiAffinity.map((p) => p.id),
      requested: { ...n.requested },
      nonZeroRequested: { ...n.nonZeroRequested },
      podCount: n.podCount,
      gpuFree: Array.from({ length: n.gpuCount }, (_, d) => n.gpuFree(d)),
      gpus: n.pods.map((p) => c.gpusOf(p) ?? null),
    })),
    havePodsWithAffinity: c.havePodsWithAffinity.map((n) => n.name),
    havePodsWithRequiredAntiAffinity: c.havePodsWithRequiredAntiAffinity.map((n) => n.name),
    totals: [c.liveNodes, c.totalAllocCPU, c.totalAllocMem, c.totalAllocGPU, c.totalReqCPU, c.totalReqMem, c.totalReqGPU],
  };
}

const step = fc.record({ kind: fc.constantFrom('remove' as const, 'place' as const, 'place' as const, 'add' as const), node: fc.nat(50), spec: fc.nat(SPECS.length - 1), pick: fc.nat(50) });

describe('WhatIfCluster', () => {
  it('rollback leaves the cluster exactly as it was: pods in their order, devices, affinity lists, generations (property)', () => {
    fc.assert(fc.property(
      fc.array(fc.record({ node: fc.nat(5), spec: fc.nat(SPECS.length - 1) }), { maxLength: 30 }),
      fc.array(fc.array(step, { maxLength: 8 }), { minLength: 1, maxLength: 4 }),
      (initial, whatIfs) => {
        const c = makeCluster(Array.from({ length: 6 }, (_, i) => ({ name: `n${i}`, cpu: 64, memory: 256 * Gi, gpu: i % 2 === 0 ? 4 : 0 })));
        for (const p of initial) {
          const pod = makePod(SPECS[p.spec]!);
          const fits = c.nodes.filter((n) => gpuRoom(n, pod));
          if (fits.length > 0) c.bind(pod, fits[p.node % fits.length]!.index);
        }
        for (const steps of whatIfs) {
          const before = observe(c);
          const sim = new WhatIfCluster(c, firstFit, template);
          const unplaced: PodInfo[] = [];
          for (const s of steps) {
            const nodes = sim.nodes;
            if (s.kind === 'add') {
              sim.addNode('g');
            } else if (s.kind === 'remove') {
              if (nodes.length > 0) unplaced.push(...sim.removeNode(nodes[s.node % nodes.length]!));
            } else {
              // A pod of a removed node, or a new one.
              const pod = unplaced.length > 0 ? unplaced.splice(s.pick % unplaced.length, 1)[0]! : makePod(SPECS[s.spec]!);
              const to = sim.findNode(pod);
              if (to) sim.place(pod, to);
            }
          }
          sim.rollback();
          expect(observe(c)).toEqual(before);
        }
      },
    ), { numRuns: 300 });
  });

  it('a drained node with affinity pods, not the last in the nodes-with-affinity list, keeps its place in it', () => {
    const c = makeCluster([{ name: 'a' }, { name: 'b' }, { name: 'c' }]);
    for (const n of c.nodes) c.bind(makePod(SPECS[2]!), n.index);
    expect(c.havePodsWithAffinity.map((n) => n.name)).toEqual(['a', 'b', 'c']);
    const sim = new WhatIfCluster(c, firstFit, template);
    const pods = sim.removeNode(c.nodes[0]!);
    for (const p of pods) sim.place(p, c.nodes[1]!);
    sim.rollback();
    expect(c.havePodsWithAffinity.map((n) => n.name)).toEqual(['a', 'b', 'c']);
  });
});

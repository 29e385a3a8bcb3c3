import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import type { ProfileConfig } from '../../src/api/framework.js';
import { WellKnownLabel, type Taint } from '../../src/api/node.js';
import type { PodInfo, PodSpec } from '../../src/api/pod.js';
import { resources } from '../../src/api/resources.js';
import { BUILTIN_PROFILES } from '../../src/schedulers/builtins.js';
import { nodeChangeLogDefault } from '../../src/schedulers/fused-scores.js';
import type { ClusterState } from '../../src/sim/cluster.js';
import { NODE_CHANGE_RING_SIZE } from '../../src/sim/node-change-log.js';
import { Gi, makeCluster, makePod, makeSpec } from '../helpers/cluster.js';
import { cycleOutcome, duringWhatIf, expectRunsIdenticalWithSwitch, expectSwitchReadAsDocumented, frameworkWith, removeEmptyNode, toggleGpuNodeFault, unbindPicked } from '../helpers/scheduler-ab.js';

// The node change log (ClusterSnapshot.nodeChanges, src/sim/node-change-log.ts;
// FrameworkOptions.nodeChangeLog, ORCHSIM_NO_NODE_CHANGE_LOG=1): the fused scan resets the kept
// totals of the nodes the cluster's log names since a spec's last cycle, and then reads kept
// totals without comparing node versions. The cluster must note every version it writes (new
// ones and a what-if's restores), and two fused frameworks, one reading the log and one comparing
// versions, must choose the same nodes, draw the same tie-breaks and give the same rejections -
// over two clusters taking turns, and with more changes between two cycles than the ring holds.

/** ORCHSIM_PROPERTY_SCALE=20 multiplies numRuns, for a longer hunt than CI affords. */
const SCALE = Number(process.env.ORCHSIM_PROPERTY_SCALE ?? '1');
const runs = (n: number) => ({ numRuns: Math.max(1, Math.round(n * SCALE)) });

const ZONES = ['z0', 'z1', 'z2'];
const TAINTS: readonly (readonly Taint[])[] = [
  [],
  [{ key: 'dedicated', value: 'batch', effect: 'NoSchedule' }],
  [{ key: 'spot', value: 'true', effect: 'PreferNoSchedule' }],
];

function cluster(nodeCount: number): ClusterState {
  return makeCluster(Array.from({ length: nodeCount }, (_, i) => ({
    name: `n${i}`, cpu: 4 + 4 * (i % 3), memory: 16 * Gi, gpu: i % 4 === 0 ? 2 : 0, maxPods: i % 5 === 0 ? 3 : undefined,
    labels: { [WellKnownLabel.zone]: ZONES[i % 3]! },
  })));
}

interface SpecDesc { cpu: number; memoryGi: number; gpu: number; tolerate: boolean }
const specArb: fc.Arbitrary<SpecDesc> = fc.record({
  cpu: fc.constantFrom(0, 100, 500, 1500, 3000, 5000),
  memoryGi: fc.constantFrom(0, 1, 4, 12),
  gpu: fc.constantFrom(0, 0, 0, 1),
  tolerate: fc.boolean(),
});
const buildSpec = (d: SpecDesc): PodSpec => makeSpec({
  cpu: d.cpu, memory: d.memoryGi * Gi, gpu: d.gpu,
  tolerations: d.tolerate ? [{ key: 'dedicated', operator: 'Equal', value: 'batch', effect: 'NoSchedule' }] : [],
});

type Op =
  // On the first cluster, the second, or the second seen through a snapshot without its change log.
  | { kind: 'schedule'; spec: number; times: number; on: 0 | 1 | 2 }
  | { kind: 'unbind'; pick: number }
  | { kind: 'taint'; node: number; taint: number }
  | { kind: 'cordon'; node: number }
  | { kind: 'gpu-fault'; node: number }
  | { kind: 'what-if'; removals: number[]; spec: number }
  | { kind: 'add-node'; zone: number }
  | { kind: 'remove-node'; node: number }
  // A node cordoned and uncordoned `flips` times: as it was, with as many new versions (more than the ring holds).
  | { kind: 'churn'; node: number; flips: number };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 6, arbitrary: fc.record({ kind: fc.constant('schedule' as const), spec: fc.nat(3), times: fc.integer({ min: 1, max: 8 }), on: fc.constantFrom(0 as const, 0 as const, 1 as const, 2 as const) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('unbind' as const), pick: fc.nat(10_000) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('taint' as const), node: fc.nat(300), taint: fc.nat(TAINTS.length - 1) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('cordon' as const), node: fc.nat(300) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('gpu-fault' as const), node: fc.nat(300) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('what-if' as const), removals: fc.array(fc.nat(10_000), { maxLength: 4 }), spec: fc.nat(3) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('add-node' as const), zone: fc.nat(2) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('remove-node' as const), node: fc.nat(300) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('churn' as const), node: fc.nat(300), flips: fc.constantFrom(2, 40, NODE_CHANGE_RING_SIZE / 2, NODE_CHANGE_RING_SIZE + 2) }) },
);

/** The cluster with its bound pods and failed GPU nodes, as the ops see it. */
interface World { c: ClusterState; bound: { pod: PodInfo; node: number }[]; failedGpus: Set<number>; added: number }

const world = (nodeCount: number): World => ({ c: cluster(nodeCount), bound: [], failedGpus: new Set(), added: 0 });

/** Applies a non-scheduling op to `w` (`inside` runs in a what-if, before its rollback). */
function apply(w: World, o: Exclude<Op, { kind: 'schedule' }>, inside: (spec: number) => void): void {
  const { c, bound, failedGpus } = w;
  const nodes = c.nodes.filter((n) => !n.removed);
  if (nodes.length === 0) return;
  const node = nodes[('node' in o ? o.node : 0) % nodes.length]!;
  switch (o.kind) {
    case 'unbind': {
      unbindPicked(c, bound, o.pick);
      break;
    }
    case 'taint':
      node.taints = TAINTS[o.taint]!;
      break;
    case 'cordon':
      node.unschedulable = !node.unschedulable;
      break;
    case 'churn':
      for (let f = 0; f < o.flips; f++) node.unschedulable = !node.unschedulable;
      break;
    case 'gpu-fault':
      toggleGpuNodeFault(c, o.node, failedGpus);
      break;
    case 'what-if': {
      // A preemption dry run: victims off, a cycle, everything put back (the versions restored).
      duringWhatIf(c, frameworkWith(BUILTIN_PROFILES[0]!, undefined, 1, {}).fw, bound, o.removals, () => inside(o.spec));
      break;
    }
    case 'add-node':
      c.addNode({
        name: `added-${w.added++}`, labels: { [WellKnownLabel.zone]: ZONES[o.zone]! }, taints: [], unschedulable: false,
        allocatable: resources({ milliCPU: 8000, memory: 16 * Gi, milliGPU: 0 }),
      });
      break;
    case 'remove-node': {
      removeEmptyNode(c, nodes, failedGpus, o.node);
      break;
    }
  }
}

const PROFILES: ProfileConfig[] = ['default', 'binpack', 'spread'].map((name) => BUILTIN_PROFILES.find((p) => p.name === name)!);

describe('the node change log (ORCHSIM_NO_NODE_CHANGE_LOG)', () => {
  afterEach(() => {
    delete process.env.ORCHSIM_NO_NODE_CHANGE_LOG;
  });

  it('is read by default and not with ORCHSIM_NO_NODE_CHANGE_LOG=1', () => {
    expectSwitchReadAsDocumented('ORCHSIM_NO_NODE_CHANGE_LOG', nodeChangeLogDefault);
  });

  it('names every node whose version the cluster wrote, what-if restores included (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 40 }), fc.array(opArb, { minLength: 1, maxLength: 30 }), (nodeCount, ops) => {
        const w = world(nodeCount);
        const log = w.c.nodeChanges;
        let versions = w.c.nodeVersions.slice();
        let count = log.count;
        const check = () => {
          const now = w.c.nodeVersions;
          const named = new Set<number>();
          if (log.count - count <= log.ring.length) for (let k = count; k < log.count; k++) named.add(log.ring[k % log.ring.length]!);
          else for (let i = 0; i < now.length; i++) named.add(i);
          for (let i = 0; i < now.length; i++) if (now[i] !== (versions[i] ?? 0)) expect(named.has(i), `node ${i}`).toBe(true);
          versions = now.slice();
          count = log.count;
        };
        // A what-if's rollback writes each version back through restoreVersion (its undo steps also renew them).
        const some = w.c.nodes[ops.length % w.c.nodes.length]!.index;
        w.c.restoreVersion(some, 12.5);
        check();
        for (const o of ops) {
          if (o.kind === 'schedule') {
            const live = w.c.nodes.filter((n) => !n.removed && n.gpuCount === 0);
            if (live.length === 0) continue;
            const pod = makePod(makeSpec({ cpu: 10, memory: Gi / 8 }));
            const at = live[o.spec % live.length]!.index;
            w.c.bind(pod, at);
            w.bound.push({ pod, node: at });
          } else apply(w, o, check);
          check();
        }
      }),
      runs(60),
    );
  });

  it('changes no placement, tie-break draw or rejection, over two clusters taking turns (property)', () => {
    let cycles = 0;
    fc.assert(
      fc.property(
        fc.constantFrom(...PROFILES),
        fc.constantFrom(undefined, 'first' as const),
        fc.oneof(fc.integer({ min: 2, max: 12 }), fc.integer({ min: 100, max: 140 })),
        fc.constantFrom(undefined, 5, 30),
        fc.array(specArb, { minLength: 4, maxLength: 4 }),
        fc.array(opArb, { minLength: 1, maxLength: 30 }),
        fc.nat(1000),
        (base, tieBreak, nodeCount, percentage, specDescs, ops, seed) => {
          let profile: ProfileConfig = percentage === undefined ? base : { ...base, percentageOfNodesToScore: percentage };
          if (tieBreak !== undefined) profile = { ...profile, tieBreak };
          const specs = specDescs.map(buildSpec);
          const on = frameworkWith(profile, undefined, seed, {});
          const off = frameworkWith(profile, undefined, seed, { nodeChangeLog: false });
          // The same frameworks schedule on two clusters in turn: a spec's totals from one must not stand on the other.
          const worlds = [world(nodeCount), world(nodeCount + 3)];
          // The second cluster without its log (the versions kept): totals written there must not be trusted on the first.
          const unlogged = Object.create(worlds[1]!.c, { nodeChanges: { value: undefined } }) as ClusterState;
          const cycle = (w: World, pod: PodInfo, bind: boolean, snapshot = w.c) => {
            const a = cycleOutcome(on.fw, pod, snapshot, on.random, true);
            expect(a).toEqual(cycleOutcome(off.fw, pod, snapshot, off.random, true));
            cycles++;
            if (bind && 'chosen' in a && a.chosen >= 0) {
              w.c.bind(pod, a.chosen, on.fw.lastGPUs);
              w.bound.push({ pod, node: a.chosen });
            }
          };
          for (const o of ops) {
            const w = worlds[o.kind === 'schedule' && o.on > 0 ? 1 : 0]!;
            if (o.kind === 'schedule') for (let t = 0; t < o.times; t++) cycle(w, makePod(specs[o.spec]!), true, o.on === 2 ? unlogged : w.c);
            // A what-if's cycle with one of the specs: its totals are for versions the rollback takes back.
            else apply(w, o, (spec) => cycle(w, makePod(specs[spec]!), false));
            // The first spec again after every step, so totals kept before it are used after it.
            cycle(worlds[0]!, makePod(specs[0]!), true);
          }
        },
      ),
      runs(60),
    );
    expect(cycles).toBeGreaterThan(0);
  });

  it('gives byte-identical run results on and off (property, whole runs)', () => {
    expectRunsIdenticalWithSwitch('ORCHSIM_NO_NODE_CHANGE_LOG', runs(15).numRuns);
  });
});

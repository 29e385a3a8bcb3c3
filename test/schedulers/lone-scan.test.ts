import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { ProfileConfig } from '../../src/api/framework.js';
import { WellKnownLabel } from '../../src/api/node.js';
import type { PodInfo } from '../../src/api/pod.js';
import { resources } from '../../src/api/resources.js';
import { BUILTIN_PROFILES } from '../../src/schedulers/builtins.js';
import type { Framework } from '../../src/schedulers/framework.js';
import { loneScanDefault, type FusedScores } from '../../src/schedulers/fused-scores.js';
import type { ClusterState } from '../../src/sim/cluster.js';
import { Gi, makeCluster, makePod, makeSpec } from '../helpers/cluster.js';
import { cycleOutcome, duringWhatIf, expectRunsIdenticalWithSwitch, expectSwitchReadAsDocumented, frameworkWith, restoreEnvAfterEach, unbindPicked } from '../helpers/scheduler-ab.js';

// The lone-node scan (src/schedulers/cached-scan.ts scanLone; FrameworkOptions.loneScan,
// ORCHSIM_NO_LONE_SCAN=1): a spec whose kept totals mark every node but at most one as rejected
// has only that node looked at. Two fused frameworks, one taking it and one scanning node by node, must choose the same
// nodes, evaluate as many, draw the same tie-breaks and give the same rejections - on clusters
// that a queue keeps full (the M/M/c's case: a node freed, the head bound there, the next pod
// fitting nowhere), with nodes cordoned, tainted, added and removed, what-ifs, and a second
// cluster the same frameworks schedule on in turn.

/** ORCHSIM_PROPERTY_SCALE=20 multiplies numRuns, for a longer hunt than CI affords. */
const SCALE = Number(process.env.ORCHSIM_PROPERTY_SCALE ?? '1');
const runs = (n: number) => ({ numRuns: Math.max(1, Math.round(n * SCALE)) });

/** `nodeCount` nodes of 1 or 2 cores (every third: 2) and 4 GiB in two zones. */
function cluster(nodeCount: number): ClusterState {
  return makeCluster(Array.from({ length: nodeCount }, (_, i) => ({
    name: `n${i}`, cpu: i % 3 === 2 ? 2 : 1, memory: 4 * Gi,
    labels: { [WellKnownLabel.zone]: `z${i % 2}` },
  })));
}

/** Pod specs that fill a node (one core), half of one, or none of them (three cores). */
const SPECS = [
  makeSpec({ cpu: 1000, memory: Gi }),
  makeSpec({ cpu: 500, memory: Gi / 2 }),
  makeSpec({ cpu: 1000, memory: Gi, tolerations: [{ key: 'dedicated', operator: 'Equal', value: 'batch', effect: 'NoSchedule' }] }),
  makeSpec({ cpu: 3000, memory: Gi }),
];

type Op =
  | { kind: 'arrive'; spec: number; times: number; on: 0 | 1 }
  // As many pods of one spec as the cluster has nodes: a large cluster fills too.
  | { kind: 'burst'; spec: number }
  | { kind: 'finish'; pick: number }
  | { kind: 'cordon'; node: number }
  | { kind: 'taint'; node: number }
  | { kind: 'what-if'; removals: number[]; spec: number }
  | { kind: 'add-node' }
  | { kind: 'remove-node'; node: number };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 6, arbitrary: fc.record({ kind: fc.constant('arrive' as const), spec: fc.nat(SPECS.length - 1), times: fc.integer({ min: 1, max: 6 }), on: fc.constantFrom(0 as const, 0 as const, 1 as const) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('burst' as const), spec: fc.nat(1) }) },
  { weight: 5, arbitrary: fc.record({ kind: fc.constant('finish' as const), pick: fc.nat(10_000) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('cordon' as const), node: fc.nat(300) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('taint' as const), node: fc.nat(300) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('what-if' as const), removals: fc.array(fc.nat(10_000), { maxLength: 3 }), spec: fc.nat(SPECS.length - 1) }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'add-node' as const }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('remove-node' as const), node: fc.nat(300) }) },
);

interface World { c: ClusterState; bound: { pod: PodInfo; node: number }[]; queue: PodInfo[]; added: number }

const world = (nodeCount: number): World => ({ c: cluster(nodeCount), bound: [], queue: [], added: 0 });

const PROFILES: ProfileConfig[] = ['default', 'binpack', 'spread'].map((name) => BUILTIN_PROFILES.find((p) => p.name === name)!);

const loneScans = (fw: Framework) => (fw as unknown as { fused?: FusedScores }).fused?.loneScans ?? 0;

describe('the lone-node scan (ORCHSIM_NO_LONE_SCAN)', () => {
  restoreEnvAfterEach('ORCHSIM_NO_LONE_SCAN');

  it('is taken by default and not with ORCHSIM_NO_LONE_SCAN=1', () => {
    expectSwitchReadAsDocumented('ORCHSIM_NO_LONE_SCAN', loneScanDefault);
  });

  it('changes no placement, evaluation count, tie-break draw or rejection behind a full cluster (property)', () => {
    let lone = 0;
    let plain = 0;
    fc.assert(
      fc.property(
        fc.constantFrom(...PROFILES),
        fc.constantFrom(undefined, 'first' as const),
        // Small clusters, and ones past 100 nodes where a cycle may stop scanning early.
        fc.oneof(fc.integer({ min: 1, max: 10 }), fc.integer({ min: 100, max: 130 })),
        fc.array(opArb, { minLength: 1, maxLength: 40 }),
        fc.nat(1000),
        (base, tieBreak, nodeCount, ops, seed) => {
          const profile: ProfileConfig = tieBreak === undefined ? base : { ...base, tieBreak };
          const on = frameworkWith(profile, undefined, seed, {});
          const off = frameworkWith(profile, undefined, seed, { loneScan: false });
          const worlds = [world(nodeCount), world(nodeCount + 2)];
          // After each step every waiting pod is tried once, in arrival order (a pod that fits
          // nowhere waits for the next step).
          const drain = (w: World) => {
            w.queue = w.queue.filter((pod) => {
              const a = cycleOutcome(on.fw, pod, w.c, on.random, true);
              expect(a).toEqual(cycleOutcome(off.fw, pod, w.c, off.random, true));
              if (!('chosen' in a) || a.chosen < 0) return true;
              w.c.bind(pod, a.chosen, on.fw.lastGPUs);
              w.bound.push({ pod, node: a.chosen });
              return false;
            });
          };
          for (const o of ops) {
            const w = worlds[o.kind === 'arrive' ? o.on : 0]!;
            const live = w.c.nodes.filter((n) => !n.removed);
            const node = live.length === 0 ? undefined : live[('node' in o ? o.node : 0) % live.length];
            switch (o.kind) {
              case 'arrive':
                for (let t = 0; t < o.times; t++) w.queue.push(makePod(SPECS[o.spec]!));
                break;
              case 'burst':
                for (let t = 0; t < w.c.nodes.length; t++) w.queue.push(makePod(SPECS[o.spec]!));
                break;
              case 'finish':
                unbindPicked(w.c, w.bound, o.pick);
                break;
              case 'cordon':
                if (node) node.unschedulable = !node.unschedulable;
                break;
              case 'taint':
                if (node) node.taints = node.taints.length > 0 ? [] : [{ key: 'dedicated', value: 'batch', effect: 'NoSchedule' }];
                break;
              case 'what-if':
                // A preemption dry run: pods off, a cycle of both, everything put back.
                duringWhatIf(w.c, frameworkWith(BUILTIN_PROFILES[0]!, undefined, 1, {}).fw, w.bound, o.removals, () => {
                  const pod = makePod(SPECS[o.spec]!);
                  expect(cycleOutcome(on.fw, pod, w.c, on.random, true)).toEqual(cycleOutcome(off.fw, pod, w.c, off.random, true));
                });
                break;
              case 'add-node':
                w.c.addNode({
                  name: `added-${w.added++}`, labels: { [WellKnownLabel.zone]: 'z0' }, taints: [], unschedulable: false,
                  allocatable: resources({ milliCPU: 1000, memory: 4 * Gi, milliGPU: 0 }),
                });
                break;
              case 'remove-node': {
                const empty = live.filter((n) => n.pods.length === 0);
                if (empty.length > 1) w.c.removeNode(empty[o.node % empty.length]!.index);
                break;
              }
            }
            drain(w);
          }
          lone += loneScans(on.fw);
          plain += loneScans(off.fw);
        },
      ),
      runs(80),
    );
    // The property is about the path: it must have been taken, and only where it is switched on.
    expect(lone).toBeGreaterThan(100);
    expect(plain).toBe(0);
  });

  it('gives byte-identical run results on and off (property, whole runs)', () => {
    expectRunsIdenticalWithSwitch('ORCHSIM_NO_LONE_SCAN', runs(15).numRuns);
  });
});

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { WellKnownLabel } from '../../src/api/node.js';
import type { PodInfo, PodSpec } from '../../src/api/pod.js';
import { BUILTIN_PROFILES } from '../../src/schedulers/builtins.js';
import { cycleSetupMemoDefault } from '../../src/schedulers/fused-scores.js';
import { makePod, makeSpec } from '../helpers/cluster.js';
import { applyNodeOp, bindPicked, sameCycleThenBind, expectRunsIdenticalWithSwitch, expectSwitchReadAsDocumented, frameworkWith, mixedSpec, mixedSpecFields, opArbitraries, zonedCluster, type MixedSpecDesc, type NodeOp, type ScheduleOp } from '../helpers/scheduler-ab.js';

// The cycle set-up memo (FrameworkOptions.cycleSetupMemo, ORCHSIM_NO_CYCLE_SETUP_MEMO=1): the
// equivalence cache's filter lists are made again only when the PreFilters' outcome changed
// (PreFilters.activeEpoch), the fused scan's score slots only when the skip mask or the
// node-records flag changed. Two frameworks of one profile, one with the memo and one without,
// driven over the same cluster with pods of several specs in turn (their PreFilters skip
// different plugins: a node name, a node selector, spreading, anti-affinity), must give the same
// cycles - nodes, rejections, errors and tie-break draws; whole runs must be byte-identical.

const SCALE = Number(process.env.ORCHSIM_PROPERTY_SCALE ?? '1');
const runs = (n: number) => ({ numRuns: Math.max(1, Math.round(n * SCALE)) });

interface SpecDesc extends MixedSpecDesc { gpu: boolean }
const specArb: fc.Arbitrary<SpecDesc> = fc.record({
  ...mixedSpecFields,
  // A GPU request: the cache may leave such pods out (EquivalenceCache.prepare returns before the lists).
  gpu: fc.constantFrom(false, false, false, true),
});

function buildSpec(d: SpecDesc): PodSpec {
  return mixedSpec(d, { app: 'a' }, d.gpu ? { gpu: 1 } : {});
}

/**
 * Also: a pod with preferred anti-affinity to the test's pods bound straight onto a node (as
 * another scheduler would): from then on InterPodAffinity's PreScore runs for every spec, so a
 * spec's skip mask - and with it the fused scan's slots - changes while the spec stays.
 */
type Op = ScheduleOp | NodeOp | { kind: 'filters'; node: number } | { kind: 'avoider'; node: number };
const opArb: fc.Arbitrary<Op> = fc.oneof(
  ...opArbitraries(4, 3),
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('filters' as const), node: fc.nat(300) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('avoider' as const), node: fc.nat(300) }) },
);

function avoider(): PodInfo {
  const avoid = { preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 10, podAffinityTerm: { topologyKey: WellKnownLabel.zone, labelSelector: { matchLabels: { app: 'a' } } } }] };
  return makePod(makeSpec({ cpu: 100, labels: { app: 'avoider' }, affinity: { podAntiAffinity: avoid } }));
}

describe('the cycle set-up memo', () => {
  it('reads ORCHSIM_NO_CYCLE_SETUP_MEMO=1 as off, and unset, empty or 0 as on', () => {
    expectSwitchReadAsDocumented('ORCHSIM_NO_CYCLE_SETUP_MEMO', cycleSetupMemoDefault);
  });

  it('gives the same cycles as setting every cycle up afresh, for pods of several specs in turn (property)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 40 }),
        fc.array(specArb, { minLength: 1, maxLength: 4 }),
        fc.array(opArb, { minLength: 1, maxLength: 40 }),
        fc.nat(1000),
        (nodeCount, specDescs, ops, seed) => {
          const profile = BUILTIN_PROFILES.find((p) => p.name === 'default')!;
          const on = frameworkWith(profile, undefined, seed, { cycleSetupMemo: true });
          const off = frameworkWith(profile, undefined, seed, { cycleSetupMemo: false });
          const c = zonedCluster(nodeCount);
          const specs = specDescs.map(buildSpec);
          const bound: { pod: PodInfo; node: number }[] = [];
          for (const o of ops) {
            if (o.kind === 'avoider') {
              bindPicked(c, bound, avoider(), o.node);
              continue;
            }
            if (o.kind === 'filters') {
              // The extender's path (findFeasible) prepares the cache with a list of its own, no epoch.
              const pod = makePod(specs[o.node % specs.length]!);
              const node = c.nodes[o.node % c.nodes.length]!;
              expect(on.fw.findFeasible(pod, c, [node], 1).map((n) => n.index)).toEqual(off.fw.findFeasible(pod, c, [node], 1).map((n) => n.index));
              continue;
            }
            if (o.kind !== 'schedule') {
              applyNodeOp(c, o, bound);
              continue;
            }
            for (let t = 0; t < o.times; t++) sameCycleThenBind(on, off, makePod(specs[o.spec % specs.length]!), c, bound, true);
          }
        },
      ),
      runs(80),
    );
  });

  it('changes no result of a whole run: random scenarios, byte-identical (property)', () => {
    expectRunsIdenticalWithSwitch('ORCHSIM_NO_CYCLE_SETUP_MEMO', Math.max(1, Math.round(25 * SCALE)));
  });
});

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SKIP, unresolvable, type Plugin, type PreFilterPlugin, type FilterPlugin, type ProfileConfig } from '../../src/api/framework.js';
import { WellKnownLabel } from '../../src/api/node.js';
import type { PodInfo, PodSpec } from '../../src/api/pod.js';
import { builtinPlugins, BUILTIN_PROFILES } from '../../src/schedulers/builtins.js';
import { preFilterSkipMemoDefault } from '../../src/schedulers/pre-filters.js';
import { RandomStreams } from '../../src/util/random.js';
import { makePod, makeSpec } from '../helpers/cluster.js';
import { applyNodeOp, bindPicked, sameCycleThenBind, unbindPicked, expectRunsIdenticalWithSwitch, expectSwitchReadAsDocumented, frameworkWith, mixedSpec, mixedSpecFields, opArbitraries, zonedCluster, type MixedSpecDesc, type NodeOp, type ScheduleOp } from '../helpers/scheduler-ab.js';

// The PreFilter skip memo (src/schedulers/pre-filters.ts, ORCHSIM_NO_PRE_FILTER_SKIP_MEMO=1): a
// PreFilter that declares Plugin.preFilterSkipsBySpec and skipped for the last spec scheduled is
// not called again for that spec's pods. Two frameworks of one profile, one with the memo and one
// without, driven over the same cluster with pods of several specs in turn, must give the same
// cycles - nodes, rejections, errors and tie-break draws; whole runs must be byte-identical.

const SCALE = Number(process.env.ORCHSIM_PROPERTY_SCALE ?? '1');
const runs = (n: number) => ({ numRuns: Math.max(1, Math.round(n * SCALE)) });

/**
 * A user's PreFilter plugin that declares skipping by spec: by the spec's label `gate`, it
 * skips ('skip'), rejects the pod everywhere ('reject'), throws ('throw') or lets its Filter run
 * (which rejects nodes of zone z2). Counts its PreFilter calls.
 */
function gate(calls: { n: number }): PreFilterPlugin & FilterPlugin {
  return {
    name: 'Gate',
    preFilterSkipsBySpec: true,
    preFilter: (_state, pod) => {
      calls.n++;
      const g = pod.spec.labels.gate;
      if (g === 'reject') return unresolvable('gated');
      if (g === 'throw') throw new Error('gate broke');
      return g === 'skip' ? SKIP : null;
    },
    filter: (_state, _pod, node) => (node.labels[WellKnownLabel.zone] === 'z2' ? unresolvable('zone z2 gated') : null),
  };
}

function withGate(calls: { n: number }): { profile: ProfileConfig; plugins: () => Plugin[] } {
  const base = BUILTIN_PROFILES.find((p) => p.name === 'default')!;
  // First, so its Skip is remembered before the built-ins run (and its rejection ends the loop).
  const profile: ProfileConfig = { ...base, name: 'default+Gate', plugins: [{ name: 'Gate' }, ...base.plugins] };
  const registry = builtinPlugins();
  return {
    profile,
    plugins: () => profile.plugins.map((cfg) => (cfg.name === 'Gate' ? gate(calls) : registry.get(cfg.name)!.factory(cfg.args, { random: () => new RandomStreams(1).get('x') }))),
  };
}

interface SpecDesc extends MixedSpecDesc { gate: 'skip' | 'run' | 'reject' | 'throw' }
const specArb: fc.Arbitrary<SpecDesc> = fc.record({
  ...mixedSpecFields,
  gate: fc.constantFrom('skip' as const, 'skip' as const, 'run' as const, 'reject' as const, 'throw' as const),
});

function buildSpec(d: SpecDesc): PodSpec {
  return mixedSpec(d, { app: 'a', gate: d.gate });
}

/**
 * A pod with required anti-affinity to the test's pods bound straight onto a node (as another
 * scheduler would): from then on InterPodAffinity's PreFilter, whose Skip is remembered only
 * while no pod has required anti-affinity (preFilterSkipsBySpecWithoutAntiAffinity), stops
 * skipping for every spec - including the one the memo is for; a memo that kept its Skip would
 * place the test's pods beside the anti-affinity pod.
 */
type Op = ScheduleOp | NodeOp | { kind: 'anti'; node: number };
const opArb: fc.Arbitrary<Op> = fc.oneof(...opArbitraries(4, 3), { weight: 1, arbitrary: fc.record({ kind: fc.constant('anti' as const), node: fc.nat(300) }) });

function antiPod(): PodInfo {
  return makePod(makeSpec({ cpu: 100, labels: { app: 'anti' }, affinity: { podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [{ topologyKey: WellKnownLabel.hostname, labelSelector: { matchLabels: { app: 'a' } } }] } } }));
}

describe('the PreFilter skip memo', () => {
  it('reads ORCHSIM_NO_PRE_FILTER_SKIP_MEMO=1 as off, and unset, empty or 0 as on', () => {
    expectSwitchReadAsDocumented('ORCHSIM_NO_PRE_FILTER_SKIP_MEMO', preFilterSkipMemoDefault);
  });

  it('gives the same cycles as calling every PreFilter, for pods of several specs in turn (property)', () => {
    let saved = 0;
    fc.assert(
      fc.property(
        fc.boolean(),
        fc.integer({ min: 1, max: 40 }),
        fc.array(specArb, { minLength: 1, maxLength: 4 }),
        fc.array(opArb, { minLength: 1, maxLength: 40 }),
        fc.nat(1000),
        (gated, nodeCount, specDescs, ops, seed) => {
          const callsOn = { n: 0 };
          const callsOff = { n: 0 };
          const plain = BUILTIN_PROFILES.find((p) => p.name === 'default')!;
          const on = gated ? frameworkWith(withGate(callsOn).profile, withGate(callsOn).plugins, seed, { preFilterSkipMemo: true }) : frameworkWith(plain, undefined, seed, { preFilterSkipMemo: true });
          const off = gated ? frameworkWith(withGate(callsOff).profile, withGate(callsOff).plugins, seed, { preFilterSkipMemo: false }) : frameworkWith(plain, undefined, seed, { preFilterSkipMemo: false });
          const c = zonedCluster(nodeCount);
          const specs = specDescs.map(buildSpec);
          const bound: { pod: PodInfo; node: number }[] = [];
          for (const o of ops) {
            if (o.kind === 'anti') {
              bindPicked(c, bound, antiPod(), o.node);
              continue;
            }
            if (o.kind !== 'schedule') {
              applyNodeOp(c, o, bound);
              continue;
            }
            for (let t = 0; t < o.times; t++) sameCycleThenBind(on, off, makePod(specs[o.spec % specs.length]!), c, bound, true);
          }
          expect(callsOn.n).toBeLessThanOrEqual(callsOff.n);
          if (callsOn.n < callsOff.n) saved++;
        },
      ),
      runs(80),
    );
    // Not vacuous: the memo saved the user plugin's calls in some runs.
    expect(saved).toBeGreaterThan(0);
  });

  it('takes InterPodAffinity\'s Skip as given again once the last pod with required anti-affinity has left', () => {
    // Skip remembered, called again (and not skipping) while the anti-affinity pod is bound, then
    // skipping again without a call: the filters to run must be made again on that return, or
    // InterPodAffinity's Filter would run without its PreFilter state.
    const plain = BUILTIN_PROFILES.find((p) => p.name === 'default')!;
    const on = frameworkWith(plain, undefined, 1, { preFilterSkipMemo: true });
    const off = frameworkWith(plain, undefined, 1, { preFilterSkipMemo: false });
    const c = zonedCluster(6);
    const spec = buildSpec({ cpu: 100, zone: null, pinned: null, spread: 'none', anti: false, gate: 'skip' });
    const bound: { pod: PodInfo; node: number }[] = [];
    const twice = () => {
      for (let t = 0; t < 2; t++) expect(sameCycleThenBind(on, off, makePod(spec), c, bound, true)).toHaveProperty('chosen');
    };
    twice();
    const anti = antiPod();
    bindPicked(c, bound, anti, 0);
    twice();
    unbindPicked(c, bound, bound.findIndex((b) => b.pod === anti));
    twice();
  });

  it('changes no result of a whole run: random scenarios, byte-identical (property)', () => {
    expectRunsIdenticalWithSwitch('ORCHSIM_NO_PRE_FILTER_SKIP_MEMO', Math.max(1, Math.round(25 * SCALE)));
  });
});

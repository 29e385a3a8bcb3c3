import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { type Plugin, type ProfileConfig, type ScorePlugin } from '../../src/api/framework.js';
import { WellKnownLabel } from '../../src/api/node.js';
import type { PodInfo, PodSpec } from '../../src/api/pod.js';
import { builtinPlugins, BUILTIN_PROFILES } from '../../src/schedulers/builtins.js';
import { fastScanDefault } from '../../src/schedulers/scan-order.js';
import { RandomStreams } from '../../src/util/random.js';
import { Gi, makePod, makeSpec } from '../helpers/cluster.js';
import { applyNodeOp, sameCycleThenBind, expectRunsIdenticalWithSwitch, expectSwitchReadAsDocumented, frameworkWith, NODE_TAINTS, opArbitraries, zonedCluster, type NodeOp, type ScheduleOp } from '../helpers/scheduler-ab.js';

// The node scan's fast paths (FrameworkOptions.fastScan, ORCHSIM_NO_FAST_SCAN=1): the Filter
// loop's specialised loop over the equivalence cache's verdicts and scoreInto's check of a raw
// score when it is computed rather than at every use. Two frameworks of one profile, one with
// them and one without, driven over the same cluster, must choose the same nodes, draw the same
// tie-breaks and give the same rejections and errors; whole runs must be byte-identical.

/** ORCHSIM_PROPERTY_SCALE=20 multiplies numRuns, for a longer hunt than CI affords. */
const SCALE = Number(process.env.ORCHSIM_PROPERTY_SCALE ?? '1');
const runs = (n: number) => ({ numRuns: Math.max(1, Math.round(n * SCALE)) });

const ZONES = ['z0', 'z1', 'z2'];
const TAINTS = NODE_TAINTS;

/**
 * A node-local Score plugin of a user's: its raw score is the node's index (mod `mod`), so a
 * cluster larger than 100 nodes gets out-of-range scores where `mod` exceeds 101.
 */
function indexScore(mod: number, name = 'IndexScore', offset = 0): ScorePlugin {
  return { name, nodeLocal: true, score: (_s, _p, node) => (node.index + offset) % mod };
}

/**
 * The default profile's plugins with IndexScore after them; with `offset`, a second one after it
 * (IndexScore2, out of range at lower indexes than the first): the first's error must win, as in
 * the plain loops, however the fast paths order the work.
 */
function withIndexScore(mod: number, offset?: number): { profile: ProfileConfig; plugins: () => Plugin[] } {
  const base = BUILTIN_PROFILES.find((p) => p.name === 'default')!;
  const extra = offset === undefined ? [{ name: 'IndexScore', weight: 1 }] : [{ name: 'IndexScore', weight: 1 }, { name: 'IndexScore2', weight: 2 }];
  const profile: ProfileConfig = { ...base, name: `default+index${mod}`, plugins: [...base.plugins, ...extra] };
  const registry = builtinPlugins();
  return {
    profile,
    plugins: () => profile.plugins.map((cfg) => (cfg.name === 'IndexScore' ? indexScore(mod)
      : cfg.name === 'IndexScore2' ? indexScore(200, 'IndexScore2', offset)
      : registry.get(cfg.name)!.factory(cfg.args, { random: () => new RandomStreams(1).get('x') }))),
  };
}

const PROFILES = ['default', 'binpack', 'spread', 'random'].map((name) => BUILTIN_PROFILES.find((p) => p.name === name)!);

interface SpecDesc { cpu: number; memoryGi: number; zone: number | null; tolerate: boolean; spread: boolean; app: number }
const specArb: fc.Arbitrary<SpecDesc> = fc.record({
  cpu: fc.constantFrom(0, 100, 500, 1500, 3000, 5000),
  memoryGi: fc.constantFrom(0, 1, 4, 12),
  zone: fc.option(fc.nat(2)),
  tolerate: fc.boolean(),
  spread: fc.constantFrom(false, false, true),
  app: fc.nat(1),
});

function buildSpec(d: SpecDesc): PodSpec {
  const labels = { app: `a${d.app}` };
  return makeSpec({
    cpu: d.cpu,
    memory: d.memoryGi * Gi,
    labels,
    ...(d.zone !== null ? { nodeSelector: { [WellKnownLabel.zone]: ZONES[d.zone]! } } : {}),
    tolerations: d.tolerate ? [{ key: 'dedicated', operator: 'Equal', value: 'batch', effect: 'NoSchedule' }] : [],
    // A filter that is not node-local: the general loop runs for this spec even with the fast paths.
    ...(d.spread ? { topologySpreadConstraints: [{ maxSkew: 1, topologyKey: WellKnownLabel.zone, whenUnsatisfiable: 'DoNotSchedule' as const, labelSelector: { matchLabels: labels } }] } : {}),
  });
}

type Op = ScheduleOp | NodeOp;

const opArb: fc.Arbitrary<Op> = fc.oneof(...opArbitraries(4, TAINTS.length));


describe('the node scan fast paths (ORCHSIM_NO_FAST_SCAN)', () => {
  afterEach(() => {
    delete process.env.ORCHSIM_NO_FAST_SCAN;
  });

  it('are on by default and off with ORCHSIM_NO_FAST_SCAN=1', () => {
    expectSwitchReadAsDocumented('ORCHSIM_NO_FAST_SCAN', fastScanDefault);
  });

  it('change no placement, tie-break draw, rejection or score error, whatever happens to the nodes (property)', () => {
    let outOfRange = 0;
    fc.assert(
      fc.property(
        fc.oneof(fc.constantFrom(...PROFILES.map((p) => ({ profile: p, plugins: undefined as (() => Plugin[]) | undefined }))), fc.constantFrom(90, 200).map((mod) => withIndexScore(mod)), fc.constant(150).map((mod) => withIndexScore(mod, 30))),
        fc.oneof(fc.integer({ min: 1, max: 12 }), fc.integer({ min: 100, max: 160 })),
        fc.constantFrom(undefined, 5, 30, 100),
        fc.array(specArb, { minLength: 4, maxLength: 4 }),
        fc.array(opArb, { minLength: 1, maxLength: 40 }),
        fc.nat(1000),
        ({ profile: base, plugins }, nodeCount, percentage, specDescs, ops, seed) => {
          const profile = percentage === undefined ? base : { ...base, percentageOfNodesToScore: percentage };
          const c = zonedCluster(nodeCount);
          const specs = specDescs.map(buildSpec);
          const build = (fastScan: boolean) => frameworkWith(profile, plugins, seed, { fastScan });
          const on = build(true);
          const off = build(false);
          const bound: { pod: PodInfo; node: number }[] = [];
          const step = (spec: PodSpec) => {
            if ('error' in sameCycleThenBind(on, off, makePod(spec), c, bound)) outOfRange++;
          };
          for (const o of ops) {
            if (o.kind === 'schedule') for (let t = 0; t < o.times; t++) step(specs[o.spec]!);
            else applyNodeOp(c, o, bound, TAINTS);
            // The first spec again after every step, so verdicts cached before it are used after it.
            step(specs[0]!);
          }
        },
      ),
      runs(80),
    );
    // The out-of-range IndexScore was met (the error path is compared, not only placements).
    expect(outOfRange).toBeGreaterThan(0);
  });

  it('give byte-identical run results on and off (property, whole runs)', () => {
    expectRunsIdenticalWithSwitch('ORCHSIM_NO_FAST_SCAN', runs(20).numRuns);
  });
});

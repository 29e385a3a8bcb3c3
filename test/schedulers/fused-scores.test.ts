import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { type Plugin, type ProfileConfig, type ScorePlugin, type TieBreak } from '../../src/api/framework.js';
import { WellKnownLabel, type Taint } from '../../src/api/node.js';
import type { PodInfo, PodSpec } from '../../src/api/pod.js';
import { builtinPlugins, BUILTIN_PROFILES } from '../../src/schedulers/builtins.js';
import { fusedScoresDefault } from '../../src/schedulers/fused-scores.js';
import { allZeroNormalized, defaultNormalizer, defaultNormalizeScore } from '../../src/schedulers/plugins/args.js';
import { RandomStreams } from '../../src/util/random.js';
import { Gi, makePod, makeSpec } from '../helpers/cluster.js';
import { applyNodeOp, cycleOutcome, expectRunsIdenticalWithSwitch, expectSwitchReadAsDocumented, frameworkWith, opArbitraries, zonedCluster, type NodeOp, type ScheduleOp } from '../helpers/scheduler-ab.js';

// Fused scores (FrameworkOptions.fusedScores, ORCHSIM_NO_FUSED_SCORES=1): weighted totals kept
// per (spec, node version) and selectHost's maximum kept by the node scan, its tie-break draws
// taken after PreScore. Two frameworks of one profile, one fused and one not, driven over the
// same cluster, must choose the same nodes, draw the same number of tie-breaks and give the same
// rejections and errors; whole runs must be byte-identical.

/** ORCHSIM_PROPERTY_SCALE=20 multiplies numRuns, for a longer hunt than CI affords. */
const SCALE = Number(process.env.ORCHSIM_PROPERTY_SCALE ?? '1');
const runs = (n: number) => ({ numRuns: Math.max(1, Math.round(n * SCALE)) });

const ZONES = ['z0', 'z1', 'z2'];
const TAINTS: readonly (readonly Taint[])[] = [
  [],
  [{ key: 'dedicated', value: 'batch', effect: 'NoSchedule' }],
  // TaintToleration's raw score is 1 here: no fused total, the cycle goes the plain way.
  [{ key: 'spot', value: 'true', effect: 'PreferNoSchedule' }],
];

/** A user's node-local Score plugin: the node's index (mod `mod`): out of range above 100 where `mod` exceeds 101. */
function indexScore(mod: number): ScorePlugin {
  return { name: 'IndexScore', nodeLocal: true, score: (_s, _p, node) => node.index % mod };
}

/** A node-local plugin with the default normalizer: raw 0 but on every `every`th node, where a fused total cannot be had. */
function sparseScore(every: number): ScorePlugin {
  return { name: 'SparseScore', nodeLocal: true, score: (_s, _p, node) => (node.index % every === every - 1 ? 7 : 0), normalizeScore: defaultNormalizer(100, false) };
}

/** Same, with a normalizer the framework does not know: never fused. */
function opaqueNormalizer(): ScorePlugin {
  return { name: 'Opaque', nodeLocal: true, score: () => 0, normalizeScore: (_s, _p, scores, count) => defaultNormalizeScore(100, true, scores, count) };
}

/** A user's Score plugin that throws on some nodes: the plain loop's error, after every filter, must come out. */
function throwing(): ScorePlugin {
  return { name: 'Throwing', nodeLocal: true, score: (_s, _p, node) => { if (node.index % 97 === 96) throw new Error('boom'); return 50; } };
}

const EXTRA: Record<string, () => ScorePlugin> = {
  IndexScore90: () => indexScore(90),
  IndexScore200: () => indexScore(200),
  Sparse50: () => sparseScore(50),
  Sparse500: () => sparseScore(500),
  Opaque: opaqueNormalizer,
  Throwing: throwing,
};

function withExtra(extra: string, tieBreak: TieBreak | undefined): { profile: ProfileConfig; plugins: () => Plugin[] } {
  const base = BUILTIN_PROFILES.find((p) => p.name === 'default')!;
  const profile: ProfileConfig = { ...base, name: `default+${extra}`, ...(tieBreak ? { tieBreak } : {}), plugins: [...base.plugins, { name: extra, weight: 2 }] };
  const registry = builtinPlugins();
  return {
    profile,
    plugins: () => profile.plugins.map((cfg) => (cfg.name === extra ? EXTRA[extra]!() : registry.get(cfg.name)!.factory(cfg.args, { random: () => new RandomStreams(1).get('x') }))),
  };
}

const PROFILES = ['default', 'binpack', 'spread', 'random'].map((name) => BUILTIN_PROFILES.find((p) => p.name === name)!);
const TIE_BREAKS: readonly (TieBreak | undefined)[] = [undefined, 'first', 'rank'];

interface SpecDesc { cpu: number; memoryGi: number; zone: number | null; tolerate: boolean; prefer: boolean; avoid: boolean; spread: boolean; app: number }
const specArb: fc.Arbitrary<SpecDesc> = fc.record({
  cpu: fc.constantFrom(0, 100, 500, 1500, 3000, 5000),
  memoryGi: fc.constantFrom(0, 1, 4, 12),
  zone: fc.option(fc.nat(2)),
  tolerate: fc.boolean(),
  prefer: fc.constantFrom(false, false, true),
  avoid: fc.constantFrom(false, false, true),
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
    // NodeAffinity's PreScore does not skip: its slot runs (a slot with a PreScore is never fused).
    affinity: {
      ...(d.prefer ? { nodeAffinity: { preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 5, preference: { matchExpressions: [{ key: WellKnownLabel.zone, operator: 'In' as const, values: ['z1'] }] } }] } } : {}),
      // Once such a pod is bound, every spec's InterPodAffinity PreScore stops skipping (and skips
      // again when it leaves): the skip mask a spec's totals were for changes under it.
      ...(d.avoid ? { podAntiAffinity: { preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 10, podAffinityTerm: { topologyKey: WellKnownLabel.zone, labelSelector: { matchLabels: labels } } }] } } : {}),
    },
    ...(d.spread ? { topologySpreadConstraints: [{ maxSkew: 1, topologyKey: WellKnownLabel.zone, whenUnsatisfiable: 'ScheduleAnyway' as const, labelSelector: { matchLabels: labels } }] } : {}),
  });
}

type Op = ScheduleOp | NodeOp | { kind: 'avoider'; node: number; app: number };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  ...opArbitraries(4, TAINTS.length),
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('avoider' as const), node: fc.nat(300), app: fc.nat(1) }) },
);

/**
 * A pod with preferred anti-affinity to app `app`: while one is bound, InterPodAffinity's PreScore
 * runs for every spec (it skips when no pod has affinity terms), so a spec's skip mask changes
 * between two of its cycles, and the totals its scan read were for the other mask.
 */
function avoider(app: number): PodInfo {
  return makePod(makeSpec({ cpu: 100, labels: { app: 'avoider' }, affinity: { podAntiAffinity: { preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 50, podAffinityTerm: { topologyKey: WellKnownLabel.zone, labelSelector: { matchLabels: { app: `a${app}` } } } }] } } }));
}


interface Counts { fused: number; errors: number }

/** Drives a fused and an unfused framework of one profile through `ops` over one cluster, comparing every cycle. */
function compare(
  { profile: base, plugins }: { profile: ProfileConfig; plugins: (() => Plugin[]) | undefined }, tieBreak: TieBreak | undefined, nodeCount: number,
  percentage: number | undefined, specDescs: SpecDesc[], ops: Op[], seed: number, counts: Counts, onFailed?: () => void,
): void {
  let profile = percentage === undefined ? base : { ...base, percentageOfNodesToScore: percentage };
  if (plugins === undefined && tieBreak !== undefined) profile = { ...profile, tieBreak };
  const c = zonedCluster(nodeCount);
  const specs = specDescs.map(buildSpec);
  const build = (fusedScores: boolean) => frameworkWith(profile, plugins, seed, { fusedScores });
  const on = build(true);
  const off = build(false);
  const bound: { pod: PodInfo; node: number }[] = [];
  let avoiding: { pod: PodInfo; node: number } | undefined;
  const step = (spec: PodSpec) => {
    const pod = makePod(spec);
    const a = cycleOutcome(on.fw, pod, c, on.random, true);
    expect(a).toEqual(cycleOutcome(off.fw, pod, c, off.random, true));
    if ('error' in a) counts.errors++;
    else if (a.chosen < 0) onFailed?.();
    else if (a.chosen >= 0) {
      if (on.fw.lastEvaluated > 1) counts.fused++;
      c.bind(pod, a.chosen);
      bound.push({ pod, node: a.chosen });
    }
  };
  for (const o of ops) {
    switch (o.kind) {
      case 'schedule':
        for (let t = 0; t < o.times; t++) step(specs[o.spec]!);
        break;
      case 'unbind':
      case 'taint':
      case 'cordon':
        applyNodeOp(c, o, bound, TAINTS);
        break;
      case 'avoider':
        if (avoiding !== undefined) {
          c.unbind(avoiding.pod, avoiding.node);
          avoiding = undefined;
        } else {
          avoiding = { pod: avoider(o.app), node: o.node % c.nodes.length };
          c.bind(avoiding.pod, avoiding.node);
        }
        break;
    }
    // The first spec again after every step, so totals cached before it are used after it.
    step(specs[0]!);
  }
}

describe('fused scores (ORCHSIM_NO_FUSED_SCORES)', () => {
  afterEach(() => {
    delete process.env.ORCHSIM_NO_FUSED_SCORES;
  });

  it('are on by default and off with ORCHSIM_NO_FUSED_SCORES=1', () => {
    expectSwitchReadAsDocumented('ORCHSIM_NO_FUSED_SCORES', fusedScoresDefault);
  });

  it('know what the default normalizer gives raw scores that are all 0, and nothing of other normalizers', () => {
    fc.assert(
      fc.property(fc.boolean(), fc.integer({ min: 1, max: 200 }), fc.integer({ min: 1, max: 40 }), (reverse, max, count) => {
        const fn = defaultNormalizer(max, reverse);
        const scores = new Float64Array(count);
        fn(undefined, undefined, scores, count);
        for (const v of scores) expect(v).toBe(allZeroNormalized(fn));
      }),
      runs(50),
    );
    expect(allZeroNormalized(opaqueNormalizer().normalizeScore!)).toBeUndefined();
  });

  it('change no placement, tie-break draw, rejection or score error, whatever happens to the nodes (property)', () => {
    const counts: Counts = { fused: 0, errors: 0 };
    fc.assert(
      fc.property(
        fc.oneof(
          fc.constantFrom(...PROFILES.map((p) => ({ profile: p, plugins: undefined as (() => Plugin[]) | undefined }))),
          fc.tuple(fc.constantFrom(...Object.keys(EXTRA)), fc.constantFrom(...TIE_BREAKS)).map(([extra, tb]) => withExtra(extra, tb)),
        ),
        fc.constantFrom(...TIE_BREAKS),
        fc.oneof(fc.integer({ min: 1, max: 12 }), fc.integer({ min: 100, max: 160 })),
        fc.constantFrom(undefined, 5, 30, 100),
        fc.array(specArb, { minLength: 4, maxLength: 4 }),
        fc.array(opArb, { minLength: 1, maxLength: 40 }),
        fc.nat(1000),
        (p, tieBreak, nodeCount, percentage, specDescs, ops, seed) => compare(p, tieBreak, nodeCount, percentage, specDescs, ops, seed, counts),
      ),
      runs(100),
    );
    expect(counts.fused).toBeGreaterThan(0);
    // The out-of-range and throwing plugins were met (the error path is compared, not only placements).
    expect(counts.errors).toBeGreaterThan(0);
  });

  it('stand only when PreScore skipped the plugins the totals were for (property)', () => {
    // One plain spec, and a pod with anti-affinity to it coming and going: the spec's cycle right
    // after each change scans with totals for the other skip mask.
    const plain: SpecDesc = { cpu: 500, memoryGi: 1, zone: null, tolerate: false, prefer: false, avoid: false, spread: false, app: 0 };
    const counts: Counts = { fused: 0, errors: 0 };
    fc.assert(
      fc.property(
        fc.constantFrom(undefined, 'first' as const),
        fc.integer({ min: 100, max: 160 }),
        fc.array(fc.oneof(
          fc.record({ kind: fc.constant('schedule' as const), spec: fc.constant(0), times: fc.integer({ min: 1, max: 4 }) }),
          fc.record({ kind: fc.constant('avoider' as const), node: fc.nat(300), app: fc.constant(0) }),
        ), { minLength: 4, maxLength: 20 }),
        fc.nat(1000),
        (tieBreak, nodeCount, ops, seed) => compare({ profile: BUILTIN_PROFILES.find((p) => p.name === 'default')!, plugins: undefined }, tieBreak, nodeCount, undefined, [plain, plain, plain, plain], ops, seed, counts),
      ),
      runs(40),
    );
    expect(counts.fused).toBeGreaterThan(0);
  });

  it('report the same rejections when a cluster the spec was scored on fills up (property)', () => {
    // Small clusters and large pods: a spec's cycles find several nodes, then none, so the fit
    // error is built from rejections the fused scan kept from the spec's earlier cycles.
    const big = specArb.map((d) => ({ ...d, cpu: 1500 + (d.cpu % 4) * 1000, prefer: false, avoid: false, spread: false }));
    let failedCycles = 0;
    const counts: Counts = { fused: 0, errors: 0 };
    fc.assert(
      fc.property(
        fc.integer({ min: 2, max: 12 }),
        fc.array(big, { minLength: 4, maxLength: 4 }),
        fc.array(opArb.filter((o) => o.kind !== 'avoider'), { minLength: 4, maxLength: 30 }),
        fc.nat(1000),
        (nodeCount, specDescs, ops, seed) => compare({ profile: BUILTIN_PROFILES.find((p) => p.name === 'default')!, plugins: undefined }, undefined, nodeCount, undefined, specDescs, ops, seed, counts, () => failedCycles++),
      ),
      runs(60),
    );
    expect(failedCycles).toBeGreaterThan(0);
  });

  it('give byte-identical run results on and off (property, whole runs)', () => {
    expectRunsIdenticalWithSwitch('ORCHSIM_NO_FUSED_SCORES', runs(20).numRuns);
  });
});

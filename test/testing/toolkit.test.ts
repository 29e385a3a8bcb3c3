import { describe, expect, it } from 'vitest';
import type { FilterPlugin, ScorePlugin } from '../../src/api/framework.js';
import { unschedulable } from '../../src/api/framework.js';
import { WellKnownLabel } from '../../src/api/node.js';
import { BUILTIN_PROFILES } from '../../src/schedulers/builtins.js';
import type { PluginEntry } from '../../src/schedulers/registry.js';
import { checkPlacementInvariants, replacePlugin } from '../../src/testing/index.js';

/**
 * The toolkit's own proof: deliberately broken plugins, each standing in for the built-in one it
 * gets wrong, and the invariant that must catch it. Seeds are fixed so the suite is
 * reproducible; each case runs three seeds. Measured while writing this, over seeds 1..20 at 500
 * runs: KeyOnlySpread was caught on 20, PooledGpuFit (with gpuShare 0.5) on 19.
 */
const DEFAULT = BUILTIN_PROFILES.find((p) => p.name === 'default')!;
const SEEDS = [1, 2, 3];

function entry(name: string, plugin: FilterPlugin | ScorePlugin, points: string[]): PluginEntry {
  return { name, description: 'broken on purpose', extensionPoints: points, factory: () => plugin };
}

/** Fits cpu, memory and pod count, but counts GPUs as a pool: a 2-GPU pod fits two half-used devices. */
const pooledGpuFit = entry('PooledGpuFit', {
  name: 'PooledGpuFit',
  filter: (_s, pod, node) => {
    const r = pod.spec.requests;
    const q = node.requested;
    const a = node.allocatable;
    if (node.podCount + 1 > node.allowedPodNumber) return unschedulable('Too many pods');
    if (q.milliCPU + r.milliCPU > a.milliCPU) return unschedulable('Insufficient cpu');
    if (q.memory + r.memory > a.memory) return unschedulable('Insufficient memory');
    if (q.milliGPU + r.milliGPU > a.milliGPU) return unschedulable('Insufficient nvidia.com/gpu');
    return null;
  },
}, ['Filter']);

/** Checks NoSchedule taints but forgets NoExecute. */
const noScheduleOnly = entry('NoScheduleOnly', {
  name: 'NoScheduleOnly',
  filter: (_s, pod, node) => {
    for (const t of node.taints) {
      if (t.effect !== 'NoSchedule') continue;
      const ok = (pod.spec.tolerations ?? []).some((x) => (x.key === undefined && x.operator === 'Exists') || (x.key === t.key && (x.operator === 'Exists' || x.value === t.value) && (x.effect === undefined || x.effect === t.effect)));
      if (!ok) return unschedulable(`untolerated taint ${t.key}`);
    }
    return null;
  },
}, ['Filter']);

/** Requires the topology key of every DoNotSchedule constraint, and forgets maxSkew. */
const keyOnlySpread = entry('KeyOnlySpread', {
  name: 'KeyOnlySpread',
  filter: (_s, pod, node) => {
    for (const c of pod.spec.topologySpreadConstraints ?? []) {
      if (c.whenUnsatisfiable === 'DoNotSchedule' && node.labels[c.topologyKey] === undefined) return unschedulable('missing topology key');
    }
    return null;
  },
}, ['Filter']);

/** Forgets inter-pod affinity altogether: every node passes. */
const noPodAffinity = entry('NoPodAffinity', { name: 'NoPodAffinity', filter: () => null }, ['Filter']);

/** Scores with Math.random: nondeterministic whatever the seed. */
const coinFlip = entry('CoinFlip', { name: 'CoinFlip', score: () => Math.floor(Math.random() * 101) }, ['Score']);

/** Forgets to normalize: raw scores up to 1000. */
const unnormalized = entry('Unnormalized', { name: 'Unnormalized', score: (_s, _p, node) => node.allocatable.milliCPU / 32 }, ['Score']);

/** A well-behaved scorer: prefers SSD nodes. */
const preferSsd = entry('PreferSsd', { name: 'PreferSsd', score: (_s, _p, node) => (node.labels['orchsim.io/disk'] === 'ssd' ? 100 : 0) }, ['Score']);

describe('checkPlacementInvariants catches broken plugins', () => {
  const cases: { plugin: PluginEntry; replaces?: string; invariant: string | RegExp; options?: { gpuShare: number } }[] = [
    // Fragmented devices are the GPU case that matters; ask for GPU pods more often.
    { plugin: pooledGpuFit, replaces: 'NodeResourcesFit', invariant: 'noOvercommit', options: { gpuShare: 0.5 } },
    { plugin: noScheduleOnly, replaces: 'TaintToleration', invariant: 'taints' },
    { plugin: keyOnlySpread, replaces: 'PodTopologySpread', invariant: 'spread' },
    { plugin: noPodAffinity, replaces: 'InterPodAffinity', invariant: /^podA(ntiA)?ffinity$/ },
    { plugin: coinFlip, invariant: 'deterministic' },
    { plugin: unnormalized, invariant: 'scoresInRange' },
  ];
  for (const { plugin, replaces, invariant, options } of cases) {
    it(`${plugin.name}${replaces ? ` (in place of ${replaces})` : ' (added to the default profile)'} breaks ${String(invariant)}`, () => {
      const profile = replaces ? replacePlugin(DEFAULT, replaces, { name: plugin.name, weight: 1 }) : { ...DEFAULT, name: `default + ${plugin.name}`, plugins: [...DEFAULT.plugins, { name: plugin.name, weight: 1 }] };
      for (const seed of SEEDS) {
        const report = checkPlacementInvariants(profile, { plugins: [plugin], seed, numRuns: 500, ...options });
        expect(report.ok, `seed ${seed}: ${report.text}`).toBe(false);
        expect(report.invariant, report.text).toMatch(invariant);
        expect(report.text).toContain('counterexample:');
        expect(report.text).toContain('pod to place:');
        expect(report.counterexample).toBeDefined();
      }
    });
  }

  it('passes a well-behaved plugin, alone or in the default profile', () => {
    expect(checkPlacementInvariants({ ...DEFAULT, name: 'default + PreferSsd', plugins: [...DEFAULT.plugins, { name: 'PreferSsd', weight: 2 }] }, { plugins: [preferSsd], numRuns: 300, seed: 1 }).ok).toBe(true);
    // A scorer alone places anywhere: only the invariants about scoring apply to it.
    const alone = checkPlacementInvariants(preferSsd, { invariants: ['deterministic', 'scoresInRange', 'noThrow'], numRuns: 200, seed: 1 });
    expect(alone.ok, alone.text).toBe(true);
    const all = checkPlacementInvariants(preferSsd, { numRuns: 200, seed: 1 });
    expect(all.ok).toBe(false);
  });

  it('holds for every built-in profile', () => {
    for (const p of BUILTIN_PROFILES) {
      const r = checkPlacementInvariants(p, { numRuns: 300, seed: 7 });
      expect(r.ok, r.text).toBe(true);
    }
  });

  it('replays: the same seed gives the same report', () => {
    const profile = replacePlugin(DEFAULT, 'TaintToleration', { name: 'NoScheduleOnly', weight: 3 });
    const a = checkPlacementInvariants(profile, { plugins: [noScheduleOnly], seed: 42, numRuns: 300 });
    const b = checkPlacementInvariants(profile, { plugins: [noScheduleOnly], seed: 42, numRuns: 300 });
    expect(a.text).toBe(b.text);
    // The shrunk counterexample is small: few nodes, and the message names the taint.
    expect(a.counterexample!.nodes.length).toBeLessThanOrEqual(3);
    expect(a.message).toMatch(/NoExecute the pod does not tolerate/);
    void WellKnownLabel;
  });
});

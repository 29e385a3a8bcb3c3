// my-plugin.test.ts: property tests for your own scheduler plugin with orchsim/testing.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BUILTIN_PROFILES, type PluginEntry, type ProfileConfig, type ScorePlugin } from 'orchsim';
import { checkPlacementInvariants, podSpecArb, replacePlugin } from 'orchsim/testing';

// The plugin under test: CPU-only pods keep off GPU nodes (the GPUs stay for GPU pods).
const keepCpuPodsOffGpuNodes: PluginEntry = {
  name: 'KeepCpuPodsOffGpuNodes',
  description: 'CPU-only pods score GPU nodes 0',
  extensionPoints: ['Score'],
  factory: (): ScorePlugin => ({
    name: 'KeepCpuPodsOffGpuNodes',
    score: (_state, pod, node) => (pod.spec.requests.milliGPU === 0 && node.gpuCount > 0 ? 0 : 100),
  }),
};

// Your profile: the Kubernetes defaults plus your plugin (or replacePlugin(...) to swap one out).
const defaults = BUILTIN_PROFILES.find((p) => p.name === 'default')!;
const mine: ProfileConfig = { ...defaults, name: 'mine', plugins: [...defaults.plugins, { name: 'KeepCpuPodsOffGpuNodes', weight: 5 }] };

describe('KeepCpuPodsOffGpuNodes', () => {
  it('keeps every placement invariant in my profile', () => {
    // Random clusters (taints, zones, GPUs, cordoned and down nodes, pods already bound) and
    // pods (selectors, affinity, tolerations, spread); the report shows the shrunk counterexample.
    const report = checkPlacementInvariants(mine, { plugins: [keepCpuPodsOffGpuNodes], numRuns: 300 });
    expect(report.ok, report.text).toBe(true);
  });

  it('scores within 0..100 and deterministically on its own', () => {
    const report = checkPlacementInvariants(keepCpuPodsOffGpuNodes, { invariants: ['scoresInRange', 'deterministic', 'noThrow'] });
    expect(report.ok, report.text).toBe(true);
  });

  it('a broken variant is caught: dropping the taint check lets pods onto tainted nodes', () => {
    const noTaints = replacePlugin(mine, 'TaintToleration', { name: 'NodeName' });
    const report = checkPlacementInvariants(noTaints, { plugins: [keepCpuPodsOffGpuNodes], numRuns: 300, seed: 1 });
    expect(report.invariant).toBe('taints');
  });

  it('the arbitraries work in your own properties too', () => {
    fc.assert(fc.property(podSpecArb(), (spec) => spec.requests.milliCPU >= 0 && spec.labels['app'] !== undefined));
  });
});

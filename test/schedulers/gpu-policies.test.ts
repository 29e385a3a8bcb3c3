import { describe, expect, it } from 'vitest';
import { bestFitScore } from '../../src/schedulers/plugins/best-fit.js';
import { dotProdScore } from '../../src/schedulers/plugins/dot-prod.js';
import { computeTypicalPods, fgd, FragmentationModel, type TypicalPod } from '../../src/schedulers/plugins/fgd.js';
import { gpuClusteringScore } from '../../src/schedulers/plugins/gpu-clustering.js';
import { gpuPackingScore } from '../../src/schedulers/plugins/gpu-packing.js';
import { randomPlugin } from '../../src/schedulers/plugins/random.js';
import { PluginArgsError } from '../../src/schedulers/registry.js';
import { RandomStreams } from '../../src/util/random.js';
import { Gi, makeCluster, makePod, makeSpec } from '../helpers/cluster.js';

/** A node with `cores`, and GPUs whose free milli are `free` (used by one share pod each, set up directly). */
function gpuNode(cores: number, free: number[], usedCPU = 0) {
  const c = makeCluster([{ name: 'n', cpu: cores, memory: 512 * Gi, gpu: free.length, labels: { 'nvidia.com/gpu.product': 'A10' } }]);
  free.forEach((f, i) => {
    if (f < 1000) c.bind(makePod(makeSpec({ gpu: (1000 - f) / 1000 })), 0, [i]);
  });
  if (usedCPU > 0) c.bind(makePod(makeSpec({ cpu: usedCPU })), 0);
  return { c, node: c.nodes[0]! };
}
const pod = (cpu: number, gpu: number) => makePod(makeSpec({ cpu, gpu }));

describe('DotProd and BestFit (FGD.md section 6)', () => {
  it('worked examples', () => {
    const { node } = gpuNode(64, [1000, 1000, 1000, 1000]);
    // c = 64000, Gfree = 4000; pod cpu 8000, D = 500:
    // dot = (64000/128000)(8000/128000) + (4000/8000)(500/8000) = 0.03125 + 0.03125 = 0.0625
    // score = trunc(100 * (1 - 0.0625/2)) = trunc(96.875) = 96
    expect(dotProdScore(pod(8000, 0.5), node)).toBe(96);
    // r = 0.5 * 56000/128000 + 0.5 * 3500/8000 = 0.21875 + 0.21875 = 0.4375 -> trunc(56.25) = 56
    expect(bestFitScore(pod(8000, 0.5), node)).toBe(56);
  });
});

describe('GpuPacking (FGD.md section 6)', () => {
  it('worked examples', () => {
    expect(gpuPackingScore(pod(1000, 0.5), gpuNode(32, Array(8).fill(1000)).node)).toBe(25); // all free, G = 8: max(33 - 8, 8)
    expect(gpuPackingScore(pod(1000, 0.5), gpuNode(32, [1000, 1000]).node)).toBe(31); // G = 2: max(31, 2)
    const { node } = gpuNode(32, [1000, 300, 1000, 1000]);
    // share 250: ascending free -> device 1 (300) first, j = 0, sum = floor(300*100/1000) = 30 -> 100 - 3 = 97
    expect(gpuPackingScore(pod(1000, 0.25), node)).toBe(97);
    // share 400: device 1 too small; device 0 is fully free: j = 1 -> max(49, 33)
    expect(gpuPackingScore(pod(1000, 0.4), node)).toBe(49);
    // 2 whole GPUs: devices 0 and 2, j = 2 -> max(48, 33)
    expect(gpuPackingScore(pod(1000, 2), node)).toBe(48);
    expect(gpuPackingScore(pod(1000, 0), node)).toBe(0); // CPU-only
  });
});

describe('GpuClustering (FGD.md section 6)', () => {
  it('worked examples', () => {
    const { node } = gpuNode(32, [500, 1000]); // hosts one share pod; Gfree = 1500
    // base = floor(25 * (8000 - 1500) / 8000) = floor(20.3125) = 20
    expect(gpuClusteringScore(pod(1000, 0.3), node)).toBe(95); // only "share" pods here: + 75
    expect(gpuClusteringScore(pod(1000, 1), node)).toBe(20); // only other tags: + 0
    expect(gpuClusteringScore(pod(1000, 0.3), gpuNode(32, Array(8).fill(1000)).node)).toBe(25); // empty: 0 + 25
    expect(gpuClusteringScore(pod(1000, 0), node)).toBe(0); // CPU-only
  });
});

describe('FGD (FGD.md section 5)', () => {
  // Typical pods: t1 share 500 on one GPU with 1 core (p 0.5), t2 CPU-only (p 0.25), t3 two whole GPUs with 2 cores (p 0.25).
  const typical: TypicalPod[] = [
    { cpu: 1000, gpuMilli: 500, gpuCount: 1, models: [], weight: 0.5 },
    { cpu: 0, gpuMilli: 0, gpuCount: 0, models: [], weight: 0.25 },
    { cpu: 2000, gpuMilli: 1000, gpuCount: 2, models: [], weight: 0.25 },
  ];
  const model = new FragmentationModel(typical);

  it('node fragmentation F(n), worked by hand', () => {
    // c = 4000, g = [1000, 300], Gfree = 1300:
    // t1: 1 device >= 500 and c >= 1000 -> f = 300 (the device below 500); 0.5 * 300 = 150
    // t2: CPU-only -> f = Gfree = 1300; 0.25 * 1300 = 325
    // t3: needs 2 devices >= 1000, only 1 -> f = 1300; 0.25 * 1300 = 325     F = 800
    expect(model.fragmentation(4000, [1000, 300], 2, 'A10')).toBeCloseTo(800, 9);
    // Empty 2-GPU node: t1 f = 0; t2 0.25 * 2000 = 500; t3 fits, f = 0 -> F = 500
    expect(model.fragmentation(4000, [1000, 1000], 2, 'A10')).toBeCloseTo(500, 9);
    // Not enough CPU for t1 or t3: every typical pod sees all 2000 free as fragmented.
    expect(model.fragmentation(500, [1000, 1000], 2, 'A10')).toBeCloseTo(2000, 9);
    // A typical pod that refuses the node's model counts all free GPU.
    const picky = new FragmentationModel([{ cpu: 0, gpuMilli: 500, gpuCount: 1, models: ['V100'], weight: 1 }]);
    expect(picky.fragmentation(4000, [1000, 300], 2, 'A10')).toBe(1300);
    expect(picky.fragmentation(4000, [1000, 300], 2, 'V100')).toBe(300);
  });

  it('scores a share on its best device and picks that device at Reserve', () => {
    const { c, node } = gpuNode(4, [1000, 300]);
    const plugin = fgd({ typicalPods: typical });
    const p = pod(1000, 0.2);
    // On device 0: g = [800, 300], c = 3000: t1 f = 300 (150), t2 1100 (275), t3 1100 (275) -> F' = 700
    //   score = trunc(100 * sigmoid((800 - 700) / 1000)) = trunc(52.50) = 52
    // On device 1: g = [1000, 100]: t1 f = 100 (50), t2 275, t3 275 -> F' = 600 -> trunc(100 * sigmoid(0.2)) = 54
    expect(plugin.score(new Map(), p, node, c)).toBe(54);
    expect(plugin.selectGPUs(new Map(), p, node, c)).toEqual([1]);
  });

  it('typical pods: 95% prefix by count, ties by key descending', () => {
    const rows = [
      ...Array(10).fill({ cpu: 1000, gpuMilli: 500, gpuCount: 1, spec: '' }),
      ...Array(8).fill({ cpu: 4000, gpuMilli: 1000, gpuCount: 1, spec: 'V100' }),
      { cpu: 1000, gpuMilli: 0, gpuCount: 0, spec: '' },
      { cpu: 2000, gpuMilli: 0, gpuCount: 0, spec: '' },
    ];
    // 20 pods, target 19: 10 + 8 = 18 < 19, then the count-1 tie goes to the larger cpu (2000): 19.
    const t = computeTypicalPods(rows);
    expect(t.map((x) => [x.cpu, x.gpuMilli, x.gpuCount, x.models, x.weight])).toEqual([
      [1000, 500, 1, [], 10 / 19],
      [4000, 1000, 1, ['V100'], 8 / 19],
      [2000, 0, 0, [], 1 / 19],
    ]);
  });

  it('requires typical pods', () => {
    expect(() => fgd({})).toThrow(PluginArgsError);
    expect(() => fgd({ typicalPods: [{ cpu: 1, gpuMilli: 1, gpuCount: 1, weight: -1 }] })).toThrow(/typicalPods\.0\.weight/);
  });
});

describe('Random policy', () => {
  it('puts a share on a uniformly random fitting device', () => {
    const { c, node } = gpuNode(32, [1000, 100, 600, 1000]);
    const plugin = randomPlugin(undefined, { random: (n) => new RandomStreams(3).get(n) });
    const seen = new Set<number>();
    for (let i = 0; i < 200; i++) seen.add(plugin.selectGPUs(new Map(), pod(100, 0.5), node, c)![0]!);
    expect([...seen].sort()).toEqual([0, 2, 3]); // device 1 (100 free) never fits 500
  });
});

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { gpuRequest, selectGpusBestFit } from '../../src/api/gpu.js';
import type { PodInfo } from '../../src/api/pod.js';
import { BUILTIN_PROFILES, builtinPlugins } from '../../src/schedulers/builtins.js';
import { Framework } from '../../src/schedulers/framework.js';
import { REASON_GPU_MODEL, REASON_INSUFFICIENT_GPU, fitsRequest } from '../../src/schedulers/plugins/node-resources-fit.js';
import { ClusterState } from '../../src/sim/cluster.js';
import { RandomStreams } from '../../src/util/random.js';
import { Gi, makeCluster, makePod, makeSpec } from '../helpers/cluster.js';

const devices = (free: number[]) => ({ gpuCount: free.length, gpuFree: (i: number) => free[i]! });

describe('GPU requests and the default choice at Reserve', () => {
  it('a request below one GPU is a share of one device; more is whole devices', () => {
    expect(gpuRequest(makeSpec({ gpu: 0.25 }).requests)).toEqual({ milliPerGpu: 250, count: 1 });
    expect(gpuRequest(makeSpec({ gpu: 4 }).requests)).toEqual({ milliPerGpu: 1000, count: 4 });
    expect(gpuRequest(makeSpec({}).requests)).toBeUndefined();
  });
  it('best fit: the fullest device that still fits a share, lowest index on ties; whole GPUs lowest index', () => {
    expect(selectGpusBestFit(devices([1000, 300, 600, 300]), { milliPerGpu: 250, count: 1 })).toEqual([1]);
    expect(selectGpusBestFit(devices([1000, 300, 600, 300]), { milliPerGpu: 400, count: 1 })).toEqual([2]);
    expect(selectGpusBestFit(devices([1000, 999, 1000, 1000]), { milliPerGpu: 1000, count: 2 })).toEqual([0, 2]);
    expect(selectGpusBestFit(devices([1000, 999]), { milliPerGpu: 1000, count: 2 })).toBeUndefined();
  });
});

describe('GPU devices in the cluster state and the fit filter', () => {
  it('shares pack onto one device, whole GPUs need free devices, and release restores capacity', () => {
    const c = makeCluster([{ name: 'g', cpu: 64, memory: 256 * Gi, gpu: 2, labels: { 'nvidia.com/gpu.product': 'A100' } }]);
    const node = c.nodes[0]!;
    expect(node.gpuModel).toBe('A100');
    const share = (m: number) => makePod(makeSpec({ cpu: 100, gpu: m / 1000 }));
    const a = share(600);
    c.bind(a, 0);
    expect([node.gpuFree(0), node.gpuFree(1)]).toEqual([400, 1000]);
    const b = share(300);
    c.bind(b, 0); // best fit: device 0 (400 free) rather than the empty one
    expect([node.gpuFree(0), node.gpuFree(1)]).toEqual([100, 1000]);
    // One whole GPU still fits (device 1); two do not, though 1100m are free in total.
    expect(fitsRequest(makePod(makeSpec({ gpu: 1 })), node)).toBeNull();
    expect(fitsRequest(makePod(makeSpec({ gpu: 2 })), node)).toBe(REASON_INSUFFICIENT_GPU);
    c.unbind(a, 0);
    expect([node.gpuFree(0), node.gpuFree(1)]).toEqual([700, 1000]);
    expect(c.gpusOf(b)).toEqual([0]);
    expect(() => c.bind(makePod(makeSpec({ gpu: 1 })), 0, [0])).toThrow(/cannot take 1000m/);
  });
  it('a pod that lists GPU models only fits nodes with one of them', () => {
    const c = makeCluster([
      { name: 'a100', gpu: 8, labels: { 'nvidia.com/gpu.product': 'A100' } },
      { name: 't4', gpu: 8, labels: { 'nvidia.com/gpu.product': 'T4' } },
      { name: 'cpu' },
    ]);
    const pod = makePod(makeSpec({ gpu: 0.5, gpuModels: ['A100', 'V100'] }));
    expect(c.nodes.map((n) => fitsRequest(pod, n))).toEqual([null, REASON_GPU_MODEL, REASON_GPU_MODEL]);
  });
});

// ---- properties ----------------------------------------------------------------------------

const MODELS = ['A100', 'V100', 'T4'];
const nodeArb = fc.record({ gpus: fc.integer({ min: 0, max: 8 }), model: fc.constantFrom(...MODELS), cores: fc.constantFrom(16, 32, 96) });
const podArb = fc.record({
  milliGPU: fc.oneof(fc.integer({ min: 1, max: 999 }), fc.integer({ min: 1, max: 8 }).map((k) => k * 1000), fc.constant(0)),
  models: fc.option(fc.subarray(MODELS, { minLength: 1 }), { nil: undefined }),
  cpu: fc.integer({ min: 100, max: 8000 }),
});
const opArb = fc.oneof(
  { weight: 3, arbitrary: podArb.map((p) => ({ add: p })) },
  { weight: 1, arbitrary: fc.nat().map((k) => ({ remove: k })) },
);

describe('GPU invariants (properties)', () => {
  it('free capacity stays in 0..1000, shares take one device, models are honoured, capacity is conserved', () => {
    fc.assert(fc.property(
      fc.array(nodeArb, { minLength: 1, maxLength: 12 }),
      fc.array(opArb, { maxLength: 150 }),
      fc.constantFrom(...BUILTIN_PROFILES.map((p) => p.name)),
      fc.integer({ min: 0, max: 1000 }),
      (nodes, ops, profileName, seed) => {
        const c = new ClusterState(nodes.length);
        nodes.forEach((n, i) => c.addNode({
          name: `n${i}`,
          labels: { 'kubernetes.io/hostname': `n${i}`, 'nvidia.com/gpu.product': n.model },
          taints: [],
          unschedulable: false,
          allocatable: { milliCPU: n.cores * 1000, memory: 512 * Gi, milliGPU: n.gpus * 1000, ephemeralStorage: 0 } as never,
        }));
        const totalDevices = nodes.reduce((s, n) => s + n.gpus, 0);
        const streams = new RandomStreams(seed);
        const fw = new Framework(BUILTIN_PROFILES.find((p) => p.name === profileName)!, builtinPlugins(), { random: (n) => streams.get(n) });
        const bound: { pod: PodInfo; node: number }[] = [];
        let id = 0;
        for (const op of ops) {
          if ('add' in op) {
            const spec = makeSpec({ cpu: op.add.cpu, gpu: op.add.milliGPU / 1000, gpuModels: op.add.models });
            const pod = { id: id++, name: `p${id}`, spec };
            const node = fw.schedule(pod, c, streams.get('tie'));
            if (node < 0) continue;
            c.bind(pod, node, fw.lastGPUs);
            bound.push({ pod, node });
            const gpus = c.gpusOf(pod);
            const req = gpuRequest(spec.requests);
            if (req) {
              expect(gpus).toHaveLength(req.count); // a share occupies exactly one device
              if (op.add.models) expect(op.add.models).toContain(c.nodes[node]!.gpuModel);
            } else {
              expect(gpus).toBeUndefined();
            }
          } else if (bound.length > 0) {
            const [b] = bound.splice(op.remove % bound.length, 1);
            c.unbind(b!.pod, b!.node);
          }
          // Conservation: free + held by pods = devices x 1000, and every device within 0..1000.
          let free = 0;
          for (let d = 0; d < totalDevices; d++) {
            const f = c.gpuFree[d]!;
            expect(f).toBeGreaterThanOrEqual(0);
            expect(f).toBeLessThanOrEqual(1000);
            free += f;
          }
          const held = bound.reduce((s, b) => { const r = gpuRequest(b.pod.spec.requests); return s + (r ? r.milliPerGpu * r.count : 0); }, 0);
          expect(free + held).toBe(totalDevices * 1000);
          expect(c.totalReqGPU).toBe(held);
        }
      },
    ), { numRuns: 150 });
  });
});

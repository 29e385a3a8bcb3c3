import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { gpuRequest } from '../../src/api/gpu.js';
import type { NodeInfo } from '../../src/api/node.js';
import type { PodInfo } from '../../src/api/pod.js';
import { gpuPackingScore } from '../../src/schedulers/plugins/gpu-packing.js';
import { Gi, makeCluster, makePod, makeSpec } from '../helpers/cluster.js';

/** ORCHSIM_PROPERTY_SCALE=20 multiplies numRuns, for a longer hunt than CI affords. */
const SCALE = Number(process.env.ORCHSIM_PROPERTY_SCALE ?? 1) || 1;

/**
 * GpuPacking as first written (FGD.md section 6): the devices sorted with Array.sort by free,
 * then index. gpuPackingScore sorts into a scratch array instead (no allocation per node); the
 * two must agree on every node and pod.
 */
function reference(pod: PodInfo, node: NodeInfo): number {
  const req = gpuRequest(pod.spec.requests);
  if (!req) return 0;
  const G = node.gpuCount;
  let fullyFree = 0;
  for (let i = 0; i < G; i++) if (node.gpuFree(i) >= 1000) fullyFree++;
  if (fullyFree === G) return Math.max(33 - G, G);
  const order = Array.from({ length: G }, (_, i) => i).sort((a, b) => node.gpuFree(a) - node.gpuFree(b) || a - b);
  let taken = 0;
  let j = 0;
  let sum = 0;
  for (const i of order) {
    if (taken === req.count) break;
    const g = node.gpuFree(i);
    if (g < req.milliPerGpu) continue;
    taken++;
    if (g >= 1000) j++;
    sum += Math.floor((g * 100) / 1000);
  }
  if (j > 0) return Math.max(50 - j, 33);
  return Math.max(100 - Math.floor(sum / 10), 50);
}

describe('GpuPacking without allocation', () => {
  it('scores as the Array.sort version on random devices and pods, nodes of up to 40 devices (property)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.array(fc.constantFrom(0, 100, 250, 500, 700, 750, 900, 1000), { minLength: 0, maxLength: 40 }), { minLength: 1, maxLength: 4 }),
        fc.array(fc.constantFrom(0, 0.1, 0.25, 0.5, 0.75, 1, 2, 3, 8), { minLength: 1, maxLength: 6 }),
        (nodes, gpus) => {
          // Devices' free capacity set by binding one share pod per used device.
          const c = makeCluster(nodes.map((free, i) => ({ name: `n${i}`, cpu: 64, memory: 64 * Gi, gpu: free.length, maxPods: 1000 })));
          nodes.forEach((free, n) => free.forEach((f, d) => {
            if (f < 1000) c.bind(makePod(makeSpec({ gpu: (1000 - f) / 1000 })), n, [d]);
          }));
          for (const g of gpus) {
            const pod = makePod(makeSpec({ cpu: 1000, gpu: g }));
            for (const node of c.nodes) expect(gpuPackingScore(pod, node)).toBe(reference(pod, node));
          }
        },
      ),
      { numRuns: Math.max(1, Math.round(200 * SCALE)) },
    );
  });
});

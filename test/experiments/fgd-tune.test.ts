import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { prepareExperiment, runFgdExperiment, tunedOrder, type PreparedExperiment } from '../../src/experiments/fgd.js';
import type { PodInfo } from '../../src/api/pod.js';
import { InputError } from '../../src/util/errors.js';
import type { RandomStream } from '../../src/util/random.js';
import { readOpenbNodes, readOpenbPods } from '../../src/workloads/openb.js';

/** A stream that returns the given values in turn, then repeats them. */
const scripted = (values: number[]): RandomStream => {
  let i = 0;
  return { next: () => values[i++ % values.length]! } as unknown as RandomStream;
};

/** FGD.md section 2, step 5 (tuning down) as the protocol states it: splice a random position until demand <= target. */
function spliceDown(list: PodInfo[], target: number, draw: RandomStream): PodInfo[] {
  const out = [...list];
  let total = out.reduce((s, p) => s + p.spec.requests.milliGPU, 0);
  while (total > target) {
    const [p] = out.splice(Math.floor(draw.next() * out.length), 1);
    total -= p!.spec.requests.milliGPU;
  }
  return out;
}

const identity: RandomStream = { next: () => 0 } as unknown as RandomStream; // Fisher-Yates drawing 0 every time

/** Fisher-Yates as tunedOrder runs it, each draw 0: position i swaps with position 0. */
function shuffleWithZeros(pods: readonly PodInfo[]): PodInfo[] {
  const list = [...pods];
  for (let i = list.length - 1; i > 0; i--) [list[i], list[0]] = [list[0]!, list[i]!];
  return list;
}

function experimentOf(gpuMillis: number[], capacityGpus: number): PreparedExperiment {
  const nodes = `sn,cpu_milli,memory_mib,gpu,model\nnode-0,96000,262144,${capacityGpus},A10\n`;
  const pods = ['name,cpu_milli,memory_mib,num_gpu,gpu_milli,gpu_spec,qos,pod_phase,creation_time,deletion_time,scheduled_time',
    ...gpuMillis.map((m, i) => `p-${String(i).padStart(5, '0')},1000,1024,${m > 0 ? 1 : 0},${m},,LS,Running,0,10,0`)].join('\n');
  return prepareExperiment(readOpenbNodes(nodes, 'nodes.csv'), readOpenbPods(`${pods}\n`, 'pods.csv'));
}

describe('FGD tuning (FGD.md section 2)', () => {
  it('tuning down removes the same pods as splicing random positions one by one', () => {
    fc.assert(fc.property(
      fc.array(fc.constantFrom(0, 100, 250, 500, 1000), { minLength: 1, maxLength: 300 }),
      fc.integer({ min: 1, max: 8 }),
      fc.double({ min: 0, max: 1, noNaN: true }),
      fc.array(fc.double({ min: 0, max: 0.999999, noNaN: true }), { minLength: 1, maxLength: 50 }),
      (millis, gpus, tune, draws) => {
        const e = experimentOf(millis, gpus);
        // With tune below what arrived, both remove from the same shuffled list with the same draws.
        const total = e.orig.reduce((s, p) => s + p.spec.requests.milliGPU, 0);
        const target = tune * e.totalGpuMilli;
        if (total <= target) return;
        const ours = tunedOrder(e, tune, identity, scripted(draws));
        const theirs = spliceDown(shuffleWithZeros(e.orig), target, scripted(draws));
        expect(ours.map((p) => p.name)).toEqual(theirs.map((p) => p.name));
      },
    ), { numRuns: 300 });
  });

  it('a trace without GPU pods cannot be tuned up: bad input naming --tune, not an endless loop', () => {
    const e = experimentOf([0, 0, 0], 4);
    expect(() => runFgdExperiment(e, 'FGD', 1, 1.3)).toThrow(InputError);
    expect(() => runFgdExperiment(e, 'FGD', 1, 1.3)).toThrow(/--tune: 1\.3: no pod of the trace asks for a GPU/);
  });

  it('tuning up past the pod limit is bad input, checked before the list grows past it', () => {
    // One GPU pod of 0.1 GPU among 999 CPU-only ones, tuned to a million times capacity.
    const e = experimentOf([100, ...Array.from({ length: 999 }, () => 0)], 8);
    expect(() => tunedOrder(e, 1e6, identity, scripted([0.5]))).toThrow(/takes more than 1,000,000 pods \(the limit\)/);
  });
});

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { balancedAllocationScore, cpuMemoryBalancedScore } from '../../src/schedulers/plugins/node-resources-balanced-allocation.js';
import { cpuMemoryScore, cpuMemoryScoreRecord, DEFAULT_SCORING_RESOURCES, leastRequestedScore, mostRequestedScore, weightedResourceScore } from '../../src/schedulers/plugins/node-resources-fit.js';
import { makeCluster, makePod, makeSpec, place } from '../helpers/cluster.js';

/** The cpu+memory fast paths must give exactly what the general per-resource code gives. */
describe('cpu/memory fast paths equal the general scorers', () => {
  const arb = fc.record({
    cores: fc.integer({ min: 0, max: 64 }),
    memGi: fc.integer({ min: 0, max: 512 }),
    usedCPU: fc.integer({ min: 0, max: 70_000 }),
    usedMem: fc.integer({ min: 0, max: 600 * 2 ** 30 }),
    podCPU: fc.integer({ min: 0, max: 70_000 }),
    podMem: fc.integer({ min: 0, max: 600 * 2 ** 30 }),
    wCPU: fc.integer({ min: 1, max: 100 }),
    wMem: fc.integer({ min: 1, max: 100 }),
  });
  it('for LeastAllocated, MostAllocated and BalancedAllocation (property)', () => {
    fc.assert(fc.property(arb, (a) => {
      const c = makeCluster([{ name: 'n', cpu: a.cores, memory: a.memGi * 2 ** 30 }]);
      if (a.usedCPU > 0 || a.usedMem > 0) place(c, 'n', makeSpec({ cpu: a.usedCPU, memory: a.usedMem }));
      const node = c.nodes[0]!;
      const pod = makePod(makeSpec({ cpu: a.podCPU, memory: a.podMem }));
      const res = [{ name: 'cpu', weight: a.wCPU }, { name: 'memory', weight: a.wMem }];
      for (const scorer of [leastRequestedScore, mostRequestedScore]) {
        expect(cpuMemoryScore(pod, node, a.wCPU, a.wMem, scorer)).toBe(weightedResourceScore(pod, node, res, scorer));
        // The record path (scoreAt) adds a zero request's default in its own arm: the same sums.
        expect(cpuMemoryScoreRecord(pod, c.nodeRecords, node.index, a.wCPU, a.wMem, scorer)).toBe(weightedResourceScore(pod, node, res, scorer));
      }
      expect(cpuMemoryBalancedScore(pod, node)).toBe(balancedAllocationScore(pod, node, DEFAULT_SCORING_RESOURCES));
    }), { numRuns: 500 });
  });
});

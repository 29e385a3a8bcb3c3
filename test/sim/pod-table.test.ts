import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { PodPhase, type PodSpec } from '../../src/api/pod.js';
import { resources } from '../../src/api/resources.js';
import { NO_NODE, PodTable } from '../../src/sim/pods.js';

const spec: PodSpec = { namespace: 'default', labels: {}, priority: 0, requests: resources({}) };

/** Adds `n` pods and checks every row: the PodInfo at its id, the columns' initial values, the count. */
function fillAndCheck(table: PodTable, n: number): void {
  for (let i = 0; i < n; i++) expect(table.add(`p-${i}`, spec, 0, i, 1)).toBe(i);
  expect(table.length).toBe(n);
  for (let i = 0; i < n; i++) {
    const info = table.infos[i]!;
    if (info === undefined || info.id !== i || info.name !== `p-${i}` || info.spec !== spec) throw new Error(`row ${i}: ${JSON.stringify(info)}`);
    if (table.phase[i] !== PodPhase.Pending || table.node[i] !== NO_NODE || table.createdAt[i] !== i) throw new Error(`row ${i}: columns`);
  }
  // Nothing beyond the pods created.
  expect(table.infos[n]).toBeUndefined();
}

describe('PodTable', () => {
  // Its PodInfo array is made with room for the expected pods (up to 2^18), then grows by push.
  it('keeps each pod at its id whether the run creates fewer, as many or more pods than expected', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 5000 }), fc.integer({ min: 0, max: 5000 }), (capacity, n) => {
        fillAndCheck(new PodTable(capacity), n);
      }),
      { numRuns: 40 },
    );
  });

  it('grows past the PodInfo rows made up front (2^18)', () => {
    fillAndCheck(new PodTable(1 << 19), (1 << 18) + 3000);
  });
});

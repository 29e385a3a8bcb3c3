import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { NODE_RECORD_STRIDE, REC_ALLOC_CPU, REC_ALLOC_EPHEMERAL, REC_ALLOC_MEMORY, REC_ALLOWED_PODS } from '../../src/api/node-record.js';
import { resources } from '../../src/api/resources.js';
import { ClusterState } from '../../src/sim/cluster.js';
import { Gi } from '../helpers/cluster.js';

// ClusterState's node list and a removed node's allocatable, whose layout changed for V8's sake
// (the list is replaced once at construction, NO_RESOURCES is no longer frozen): what readers rely
// on must hold through any sequence of additions and removals - the list is replaced, never
// mutated, when a node goes or a slot is reused (a list taken before stays as it was), every
// node sits at its index, and a removed slot offers nothing, in its object and in its record.

/** ORCHSIM_PROPERTY_SCALE=20 multiplies numRuns, for a longer hunt than CI affords. */
const SCALE = Number(process.env.ORCHSIM_PROPERTY_SCALE ?? '1');
const runs = (n: number) => ({ numRuns: Math.max(1, Math.round(n * SCALE)) });

type Op = { kind: 'add'; cpu: number; memoryGi: number } | { kind: 'remove'; pick: number };
const opArb: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ kind: fc.constant('add' as const), cpu: fc.constantFrom(1, 4, 16), memoryGi: fc.constantFrom(4, 16, 64) }),
  fc.record({ kind: fc.constant('remove' as const), pick: fc.nat(50) }),
);

describe('ClusterState node list', () => {
  it('a new cluster starts with an empty list of its own', () => {
    const a = new ClusterState();
    const b = new ClusterState();
    expect(a.nodes).toEqual([]);
    expect(a.nodes).not.toBe(b.nodes);
  });

  it('is replaced, never mutated, when a node goes or a slot is reused; removed slots offer nothing', () => {
    fc.assert(fc.property(fc.array(opArb, { minLength: 1, maxLength: 40 }), (ops) => {
      const c = new ClusterState(2);
      let next = 0;
      for (const op of ops) {
        const before = c.nodes;
        const copy = before.slice();
        const live = c.nodes.filter((n) => !n.removed);
        if (op.kind === 'add') {
          const reuses = c.nodes.some((n) => n.removed);
          c.addNode({ name: `n${next++}`, labels: {}, taints: [], unschedulable: false, allocatable: resources({ milliCPU: op.cpu * 1000, memory: op.memoryGi * Gi }) });
          if (reuses) expect(c.nodes).not.toBe(before);
        } else {
          if (live.length === 0) continue;
          c.removeNode(live[op.pick % live.length]!.index);
          expect(c.nodes).not.toBe(before);
        }
        if (c.nodes !== before) expect(before).toEqual(copy);
        c.nodes.forEach((n, i) => expect(n.index).toBe(i));
        for (const n of c.nodes.filter((x) => x.removed)) {
          expect(n.allocatable).toEqual({ milliCPU: 0, memory: 0, milliGPU: 0, ephemeralStorage: 0 });
          const b = n.index * NODE_RECORD_STRIDE;
          for (const f of [REC_ALLOWED_PODS, REC_ALLOC_CPU, REC_ALLOC_MEMORY, REC_ALLOC_EPHEMERAL]) expect(c.nodeRecords[b + f]).toBe(0);
        }
        expect(c.nodes.filter((n) => !n.removed).reduce((s, n) => s + n.allocatable.milliCPU, 0)).toBe(c.totalAllocCPU);
      }
    }), runs(100));
  });
});

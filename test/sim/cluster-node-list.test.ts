import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { NODE_RECORD_STRIDE, REC_ALLOC_CPU, REC_ALLOC_EPHEMERAL, REC_ALLOC_MEMORY, REC_ALLOWED_PODS } from '../../src/api/node-record.js';
import { resources } from '../../src/api/resources.js';
import { ClusterState } from '../../src/sim/cluster.js';
import { Gi, makeCluster, makePod, makeSpec } from '../helpers/cluster.js';

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
          const removed = c.nodes.filter((n) => n.removed).map((n) => n.index);
          const added = c.addNode({ name: `n${next++}`, labels: {}, taints: [], unschedulable: false, allocatable: resources({ milliCPU: op.cpu * 1000, memory: op.memoryGi * Gi }) });
          // The lowest removed slot is reused (none has GPUs, so all share one free list).
          expect(added.index).toBe(removed.length > 0 ? Math.min(...removed) : copy.length);
          if (removed.length > 0) expect(c.nodes).not.toBe(before);
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

// The cluster-wide sums are double fields from construction (a fractional value written and
// replaced in the constructor, so the first -0 a pod without GPUs leaves behind does not change
// the cluster's hidden class mid-run): they must still start at +0 and stay the sums.
describe('ClusterState cluster-wide sums', () => {
  it('start at +0 and are the sums of the nodes and the bound pods through any binds and unbinds', () => {
    const fresh = new ClusterState();
    for (const v of [fresh.totalAllocCPU, fresh.totalAllocMem, fresh.totalAllocGPU, fresh.totalReqCPU, fresh.totalReqMem, fresh.totalReqGPU]) expect(Object.is(v, 0)).toBe(true);
    fc.assert(fc.property(fc.array(fc.record({ bind: fc.boolean(), cpu: fc.constantFrom(0, 250, 1000), memoryGi: fc.constantFrom(0, 1, 3), gpu: fc.constantFrom(0, 0, 1) }), { maxLength: 30 }), (ops) => {
      const c = makeCluster([{ name: 'a', cpu: 64, memory: 256 * Gi, gpu: 8 }, { name: 'b', cpu: 64, memory: 256 * Gi }]);
      const bound: { pod: ReturnType<typeof makePod>; node: number }[] = [];
      for (const op of ops) {
        if (op.bind || bound.length === 0) {
          const pod = makePod(makeSpec({ cpu: op.cpu, memory: op.memoryGi * Gi, gpu: op.gpu }));
          const node = op.gpu > 0 ? 0 : bound.length % 2;
          c.bind(pod, node);
          bound.push({ pod, node });
        } else {
          const { pod, node } = bound.shift()!;
          c.unbind(pod, node);
        }
        const sum = (f: (r: ReturnType<typeof makeSpec>['requests']) => number) => bound.reduce((s, b) => s + f(b.pod.spec.requests), 0);
        expect(c.totalReqCPU).toBe(sum((r) => r.milliCPU));
        expect(c.totalReqMem).toBe(sum((r) => r.memory));
        expect(c.totalReqGPU).toBe(sum((r) => r.milliGPU));
      }
      expect([c.totalAllocCPU, c.totalAllocMem, c.totalAllocGPU]).toEqual([128_000, 512 * Gi, 8000]);
    }), runs(100));
  });
});

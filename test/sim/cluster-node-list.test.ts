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

// A node's pod list: removal swaps the last pod into the removed one's place, the position found
// through the cluster's podSlots hint - written only for positions from the eighth on, the first
// ones searched. Any sequence of binds and unbinds must leave every list in the model's order.
describe('NodeInfo pod list (swap-removal, position hints from the eighth pod on)', () => {
  type PodOp = { kind: 'bind'; node: number; noId: boolean } | { kind: 'unbind'; pick: number };
  const podOp: fc.Arbitrary<PodOp> = fc.oneof(
    { weight: 3, arbitrary: fc.record({ kind: fc.constant('bind' as const), node: fc.nat(2), noId: fc.boolean() }) },
    { weight: 2, arbitrary: fc.record({ kind: fc.constant('unbind' as const), pick: fc.nat(1000) }) },
  );

  it('keeps each node\'s pods in the order of a plain swap-removal model (property)', () => {
    fc.assert(fc.property(fc.array(podOp, { minLength: 1, maxLength: 300, size: 'max' }), (ops) => {
      const c = makeCluster([{ name: 'a', cpu: 1000 }, { name: 'b', cpu: 1000 }, { name: 'c', cpu: 1000 }]);
      const model: ReturnType<typeof makePod>[][] = [[], [], []];
      const bound: { pod: ReturnType<typeof makePod>; node: number }[] = [];
      const spec = makeSpec({ cpu: 1 });
      for (const op of ops) {
        if (op.kind === 'bind') {
          const made = makePod(spec);
          // A pod without an id of its own (a template's) has no hint: found by a search.
          const pod = op.noId ? { ...made, id: -1 } : made;
          c.bind(pod, op.node);
          model[op.node]!.push(pod);
          bound.push({ pod, node: op.node });
        } else {
          if (bound.length === 0) continue;
          const [{ pod, node }] = bound.splice(op.pick % bound.length, 1) as [{ pod: ReturnType<typeof makePod>; node: number }];
          c.unbind(pod, node);
          const list = model[node]!;
          const at = list.indexOf(pod);
          const last = list.pop()!;
          if (last !== pod) list[at] = last;
        }
        for (let n = 0; n < 3; n++) {
          const got = c.nodes[n]!.pods;
          if (got.length !== model[n]!.length || got.some((p, i) => p !== model[n]![i])) throw new Error(`node ${n}: ${got.map((p) => p.name)} against ${model[n]!.map((p) => p.name)}`);
        }
      }
    }), runs(100));
  });
});

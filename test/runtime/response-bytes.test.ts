import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { filterResultBytes, hostPrioritiesBytes } from '../../src/runtime/response-bytes.js';
import { RuntimeNode } from '../../src/runtime/snapshot.js';
import { resources } from '../../src/api/resources.js';
import type { NodeSpec } from '../../src/api/node.js';

function node(index: number, name: string): RuntimeNode {
  const spec = { name, labels: {}, taints: [], unschedulable: false, allocatable: resources({ milliCPU: 1000, memory: 1 }) } as unknown as NodeSpec;
  return new RuntimeNode(index, spec, []);
}

// Any string JSON can carry: quotes, backslashes, control characters, non-ASCII, lone surrogates.
const name = fc.string({ unit: 'binary', maxLength: 12 });

describe('extender responses written as bytes', () => {
  it('property: prioritize bytes are JSON.stringify of the HostPriority list, byte for byte', () => {
    fc.assert(fc.property(fc.array(fc.tuple(name, fc.integer({ min: 0, max: 10 }))), fc.array(name, { maxLength: 3 }), (entries, missing) => {
      const nodes = entries.map(([n], i) => node(i, n));
      const scores = Int32Array.from(entries.map(([, s]) => s));
      const expected = [...entries.map(([Host, Score]) => ({ Host, Score })), ...missing.map((Host) => ({ Host, Score: 0 }))];
      expect(hostPrioritiesBytes(nodes, scores, missing).equals(Buffer.from(JSON.stringify(expected), 'utf8'))).toBe(true);
    }));
  });

  it('property: filter bytes are JSON.stringify of the ExtenderFilterResult, byte for byte', () => {
    fc.assert(fc.property(fc.array(name), fc.dictionary(name, name), fc.dictionary(name, name), (names, failed, unresolvable) => {
      const feasible = names.map((n, i) => node(i, n));
      const expected = { NodeNames: names, FailedNodes: failed, FailedAndUnresolvableNodes: unresolvable, Error: '', Nodes: null };
      const bytes = filterResultBytes(feasible, JSON.stringify(failed), JSON.stringify(unresolvable), 'null');
      expect(bytes.equals(Buffer.from(JSON.stringify(expected), 'utf8'))).toBe(true);
    }));
  });

  it('refuses a priority outside 0..10 rather than write broken JSON', () => {
    expect(() => hostPrioritiesBytes([node(0, 'a')], Int32Array.of(11), [])).toThrow(RangeError);
  });
});

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { PendingPods } from '../../src/sim/pending-pods.js';

describe('PendingPods', () => {
  it('property: behaves as a Set of pod ids (membership, size, insertion-order iteration) under any adds and deletes', () => {
    const op = fc.record({ add: fc.boolean(), id: fc.oneof(fc.nat(40), fc.nat(5000)) });
    fc.assert(fc.property(fc.array(op, { maxLength: 400 }), (ops) => {
      const model = new Set<number>();
      const pending = new PendingPods();
      for (const { add, id } of ops) {
        if (add) {
          model.add(id);
          pending.add(id);
        } else {
          expect(pending.delete(id)).toBe(model.delete(id));
        }
        expect(pending.size).toBe(model.size);
        expect(pending.has(id)).toBe(model.has(id));
      }
      expect([...pending]).toEqual([...model]);
    }));
  });

  it('a pod added again after it left goes to the end, as in a Set', () => {
    const p = new PendingPods();
    p.add(3).add(1).add(2);
    p.delete(3);
    p.add(3);
    expect([...p]).toEqual([1, 2, 3]);
  });

  it('refuses a change while it is iterated, and ids that are not pod ids', () => {
    const p = new PendingPods();
    p.add(0).add(1);
    expect(() => {
      for (const id of p) p.delete(id);
    }).toThrow(/changed while they were iterated/);
    expect(() => p.add(-1)).toThrow(RangeError);
    expect(() => p.add(1.5)).toThrow(RangeError);
  });
});

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { PodInfo } from '../../src/api/pod.js';
import { makeCluster, makeSpec, place } from '../helpers/cluster.js';

/** ClusterState.hasPodBelow: what lets DefaultPreemption skip its dry runs when no pod could be a victim. */
describe('ClusterState.hasPodBelow', () => {
  it('follows binds and unbinds, by priority', () => {
    const c = makeCluster([{ name: 'a', cpu: 8 }, { name: 'b', cpu: 8 }]);
    expect(c.hasPodBelow(1000)).toBe(false);
    const low = place(c, 'a', makeSpec({ cpu: 1000, priority: 0 }));
    place(c, 'b', makeSpec({ cpu: 1000, priority: 1000 }));
    expect([c.hasPodBelow(0), c.hasPodBelow(1), c.hasPodBelow(1000), c.hasPodBelow(1001)]).toEqual([false, true, true, true]);
    c.unbind(low, c.nodeByName('a')!.index);
    expect([c.hasPodBelow(1000), c.hasPodBelow(1001)]).toEqual([false, true]);
  });

  // The counts are two short arrays with swap-removal (src/sim/cluster.ts), not a Map: any order
  // of binds and unbinds of pods of a few priorities (negative, zero, -0, repeated) must answer
  // as a Map of counts per priority does.
  it('answers as a Map of counts per priority, for random binds and unbinds', () => {
    const priorities = [-5, -0, 0, 1, 7, 1000, 2_000_000_000];
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.boolean(), fc.nat(priorities.length - 1), fc.nat(40)), { maxLength: 120 }), (ops) => {
        const c = makeCluster([{ name: 'a', cpu: 1000 }]);
        const bound: PodInfo[] = [];
        const model = new Map<number, number>();
        for (const [add, k, pick] of ops) {
          if (add || bound.length === 0) {
            const priority = priorities[k]!;
            bound.push(place(c, 'a', makeSpec({ cpu: 1, priority })));
            model.set(priority, (model.get(priority) ?? 0) + 1);
          } else {
            const [pod] = bound.splice(pick % bound.length, 1);
            c.unbind(pod!, 0);
            const left = model.get(pod!.spec.priority)! - 1;
            if (left === 0) model.delete(pod!.spec.priority);
            else model.set(pod!.spec.priority, left);
          }
          for (const q of [...priorities, -6, 2, 2_000_000_001]) {
            expect(c.hasPodBelow(q)).toBe([...model.keys()].some((p) => p < q));
          }
        }
      }),
      { numRuns: 200 },
    );
  });
});

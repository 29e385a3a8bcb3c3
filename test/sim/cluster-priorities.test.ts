import { describe, expect, it } from 'vitest';
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
});

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { PodPhase } from '../../src/api/pod.js';
import { type DeletionColumns, podsToDelete } from '../../src/sim/controllers/replica-set-deletion.js';

/*
 * The ReplicaSet's deletion order: picking the first few pods one by one (issue 23) must give the
 * pods, in the order, that sorting the whole set with the ranking's comparator gives - for every
 * count, with ties on every key but the pod id, and with start times that are NaN (not started)
 * or infinite (the sort's own answer then).
 */

/** The ranking as a sort of the whole set (the controller's code before issue 23). */
function bySort(p: DeletionColumns, podIds: Iterable<number>, count: number): number[] {
  const perNode = new Map<number, number>();
  for (const id of podIds) if (p.node[id]! >= 0 && p.phase[id] !== PodPhase.Pending) perNode.set(p.node[id]!, (perNode.get(p.node[id]!) ?? 0) + 1);
  const rank = (id: number): number => (p.phase[id] === PodPhase.Pending ? 0 : p.phase[id] === PodPhase.Bound && p.restarts[id] === 0 ? 1 : p.ready[id] !== 1 ? 2 : 3);
  const ids = [...podIds];
  ids.sort((a, b) => rank(a) - rank(b)
    || (perNode.get(p.node[b]!) ?? 0) - (perNode.get(p.node[a]!) ?? 0)
    || (p.startedAt[b]! || 0) - (p.startedAt[a]! || 0)
    || b - a);
  return ids.slice(0, count);
}

describe('podsToDelete', () => {
  const pod = fc.record({
    phase: fc.constantFrom(PodPhase.Pending, PodPhase.Bound, PodPhase.Running),
    node: fc.integer({ min: -1, max: 4 }),
    restarts: fc.integer({ min: 0, max: 2 }),
    ready: fc.integer({ min: 0, max: 1 }),
    // Few distinct start times, so that ties fall through to the pod id.
    startedAt: fc.oneof({ weight: 200, arbitrary: fc.constantFrom(NaN, 0, 10, 10.5, 300) }, { weight: 1, arbitrary: fc.constantFrom(Infinity, -Infinity) }),
  });
  const table = (pods: readonly { phase: number; node: number; restarts: number; ready: number; startedAt: number }[]): DeletionColumns => ({
    phase: Uint8Array.from(pods, (x) => x.phase),
    node: Int32Array.from(pods, (x) => x.node),
    restarts: Int32Array.from(pods, (x) => x.restarts),
    ready: Uint8Array.from(pods, (x) => x.ready),
    startedAt: Float64Array.from(pods, (x) => x.startedAt),
  });

  it('picks the pods, in the order, that sorting the set gives, for every count', () => {
    let picked = 0;
    fc.assert(fc.property(fc.array(pod, { minLength: 1, maxLength: 60 }), fc.array(fc.boolean(), { minLength: 60, maxLength: 60 }), fc.oneof({ weight: 3, arbitrary: fc.integer({ min: 1, max: 16 }) }, { weight: 1, arbitrary: fc.integer({ min: -2, max: 64 }) }), (pods, member, count) => {
      const p = table(pods);
      // The set: some of the table's pods, in an order of their own (a Set keeps insertion order).
      const podIds = new Set(pods.map((_, i) => i).filter((i) => member[i]).reverse());
      const want = bySort(p, podIds, count);
      expect(podsToDelete(p, podIds, count)).toEqual(want);
      if (count >= 1 && count <= 16 && count < podIds.size) picked++;
    }), { numRuns: 2000 });
    // Not vacuous: most runs went through the pick.
    expect(picked).toBeGreaterThan(200);
  });
});

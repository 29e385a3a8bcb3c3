import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { better, combinations, costOf, searchCheapest, searchGrid, type SearchSpace, type Sizes } from '../../src/experiments/capacity-search.js';

/** A decide function that counts the distinct candidates it was asked about. */
function counting(passes: (s: Sizes) => boolean): { decide: (s: Sizes) => Promise<boolean>; asked: Set<string> } {
  const asked = new Set<string>();
  return { asked, decide: async (s) => (asked.add(s.join(',')), passes(s)) };
}

const space = (pools: SearchSpace['pools'], extra: Partial<SearchSpace> = {}): SearchSpace => ({ objective: 'cost', fixedCost: 0, maxNodes: 100_000, pools, ...extra });

describe('capacity search', () => {
  it('one pool, open-ended: doubles from the start, then bisects to the threshold', async () => {
    for (const threshold of [0, 1, 2, 7, 12, 13, 100, 1000, 5000]) {
      const { decide, asked } = counting((s) => s[0]! >= threshold);
      const s = space([{ name: 'web', lo: 0, hi: undefined, start: 12, price: 1 }]);
      expect(await searchCheapest(s, decide)).toEqual([threshold]);
      // Logarithmic: about 2 log2(threshold / start) + log2(start) decisions.
      expect(asked.size).toBeLessThanOrEqual(2 * Math.ceil(Math.log2(Math.max(2, threshold + 1))) + 4);
    }
    const { decide } = counting(() => false);
    expect(await searchCheapest(space([{ name: 'web', lo: 0, hi: undefined, start: 3, price: 1 }], { maxNodes: 50 }), decide)).toBeUndefined();
  });

  it('stops doubling when a larger size changed nothing', async () => {
    const { decide, asked } = counting(() => false);
    let told: Sizes[] = [];
    const s = space([{ name: 'web', lo: 0, hi: undefined, start: 5, price: 1 }]);
    expect(await searchCheapest(s, decide, { unchanged: (a, b) => b[0]! >= 20, onSaturated: (a, b) => (told = [a, b]) })).toBeUndefined();
    expect([...asked]).toEqual(['5', '10', '20']);
    expect(told).toEqual([[10], [20]]);
  });

  it('equals the grid on monotone predicates, asking about fewer candidates (property)', async () => {
    // Monotone: passes when a weighted sum of the sizes reaches a threshold, or when each pool
    // reaches its own minimum (plus one of the two): more nodes never hurt.
    const caseArb = fc.record({
      pools: fc.array(fc.record({ lo: fc.nat(3), width: fc.nat(9), price: fc.constantFrom(0.5, 1, 1.5, 2, 3.25) }), { minLength: 1, maxLength: 3 }),
      weights: fc.array(fc.integer({ min: 1, max: 4 }), { minLength: 3, maxLength: 3 }),
      mins: fc.array(fc.nat(8), { minLength: 3, maxLength: 3 }),
      threshold: fc.nat(40),
      kind: fc.constantFrom('sum', 'each', 'either'),
      objective: fc.constantFrom<'cost' | 'nodes'>('cost', 'nodes'),
      budget: fc.option(fc.nat(40), { nil: undefined }),
    });
    await fc.assert(
      fc.asyncProperty(caseArb, async (c) => {
        const s = space(c.pools.map((p, i) => ({ name: `p${i}`, lo: p.lo, hi: p.lo + p.width, start: p.lo, price: c.objective === 'cost' ? p.price : 0 })), { objective: c.objective, budget: c.objective === 'cost' ? c.budget : undefined });
        const sum = (x: Sizes) => x.reduce((a, n, i) => a + n * c.weights[i]!, 0) >= c.threshold;
        const each = (x: Sizes) => x.every((n, i) => n >= c.mins[i]!);
        const passes = c.kind === 'sum' ? sum : c.kind === 'each' ? each : (x: Sizes) => sum(x) || each(x);
        const grid = counting(passes);
        const search = counting(passes);
        const expected = await searchGrid(s, grid.decide);
        const found = await searchCheapest(s, search.decide);
        expect(found).toEqual(expected);
        expect(search.asked.size).toBeLessThanOrEqual(grid.asked.size);
        if (found) expect(costOf(s, found)).toBeLessThanOrEqual((c.budget ?? Infinity) + 1e-9);
      }),
      { numRuns: 1500 },
    );
  });

  it('asks about far fewer candidates than the grid on a realistic box', async () => {
    const s = space([{ name: 'a', lo: 0, hi: 40, start: 20, price: 1 }, { name: 'b', lo: 0, hi: 40, start: 20, price: 1.7 }]);
    const passes = (x: Sizes) => x[0]! + 2 * x[1]! >= 37;
    const grid = counting(passes);
    const search = counting(passes);
    const expected = await searchGrid(s, grid.decide);
    expect(await searchCheapest(s, search.decide)).toEqual(expected);
    expect(grid.asked.size).toBe(41 * 41);
    expect(search.asked.size).toBeLessThan(grid.asked.size / 10);
  });

  it('ranks by cost, then nodes, then sizes in pool order', () => {
    const s = space([{ name: 'a', lo: 0, hi: 9, start: 0, price: 0.1 }, { name: 'b', lo: 0, hi: 9, start: 0, price: 0.3 }]);
    expect(better(s, [3, 0], [0, 1])).toBe(false); // 0.3 vs 0.3 (within rounding): fewer nodes wins
    expect(better(s, [0, 1], [3, 0])).toBe(true);
    expect(better(s, [2, 0], [0, 1])).toBe(true);
    expect([...combinations([{ lo: 0, hi: 1 }, { lo: 2, hi: 3 }])]).toEqual([[0, 2], [0, 3], [1, 2], [1, 3]]);
  });
});

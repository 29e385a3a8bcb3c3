import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createSimulation } from '../../src/scenario/runner.js';
import { buildScenario, scenarioDescArb } from '../../src/testing/scenarios.js';
import { CountedNames } from '../../src/util/counted-names.js';
import { restoreEnvAfterEach } from '../helpers/scheduler-ab.js';

/**
 * CountedNames (src/util/counted-names.ts) builds `prefix + n` from a per-thousand head and
 * shared digit tables: the same strings as the plain concatenation, for any integer and any
 * order of counts (a block's head is remembered, so counting down or jumping must not reuse a
 * stale one), and the same pod names and results in whole runs with the switch on and off.
 */
describe('CountedNames', () => {
  restoreEnvAfterEach('ORCHSIM_NO_COUNTED_NAMES');

  const prefixArb = fc.oneof(fc.constant('jobs-'), fc.constant(''), fc.string({ maxLength: 12 }));
  const countArb = fc.oneof(
    fc.integer({ min: 0, max: 2999 }),
    fc.integer({ min: 0, max: 2_000_000 }),
    fc.constantFrom(0, 9, 10, 99, 100, 999, 1000, 1001, 9999, 10_000, 999_999, 1_000_000, 1_000_999, Number.MAX_SAFE_INTEGER),
    fc.maxSafeNat(),
  );

  it('gives prefix + n for any sequence of non-negative integers (property)', () => {
    fc.assert(
      fc.property(prefixArb, fc.array(countArb, { maxLength: 60 }), (prefix, counts) => {
        const on = new CountedNames(prefix, true);
        const off = new CountedNames(prefix, false);
        for (const n of counts) {
          expect(on.name(n)).toBe(prefix + n);
          expect(off.name(n)).toBe(prefix + n);
        }
      }),
    );
  });

  it('counting up across block boundaries from any start (property)', () => {
    fc.assert(
      fc.property(prefixArb, fc.integer({ min: 0, max: 5_000_000 }), fc.integer({ min: 1, max: 2500 }), (prefix, start, length) => {
        const names = new CountedNames(prefix, true);
        for (let n = start; n < start + length; n++) expect(names.name(n)).toBe(prefix + n);
      }),
      { numRuns: 30 },
    );
  });

  it('anything but a non-negative integer takes the plain concatenation', () => {
    const names = new CountedNames('p-', true);
    for (const n of [-1, -0, 1.5, 999.5, 1000.25, NaN, Infinity, -Infinity, 2 ** 60, 1e21, -1000]) expect(names.name(n)).toBe('p-' + n);
  });

  it('random whole runs: the same pod names and the same result with ORCHSIM_NO_COUNTED_NAMES on and off (property)', () => {
    const run = (d: Parameters<typeof buildScenario>[0]) => {
      const sim = createSimulation(buildScenario(d));
      const result = JSON.stringify(sim.run());
      const names: string[] = [];
      for (let id = 0; id < sim.pods.length; id++) names.push(sim.pods.infos[id]!.name);
      return { result, names };
    };
    let pods = 0;
    fc.assert(
      fc.property(scenarioDescArb({ maxNodes: 10, maxWorkloads: 4 }), (d) => {
        delete process.env.ORCHSIM_NO_COUNTED_NAMES;
        const on = run(d);
        process.env.ORCHSIM_NO_COUNTED_NAMES = '1';
        const off = run(d);
        expect(on.names).toEqual(off.names);
        expect(on.result).toBe(off.result);
        pods += on.names.length;
      }),
      { numRuns: 25 },
    );
    // Not vacuous: the runs created pods.
    expect(pods).toBeGreaterThan(0);
  });
});

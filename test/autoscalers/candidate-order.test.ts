import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { ScalableNode } from '../../src/api/autoscaling.js';
import type { NodeInfo } from '../../src/api/node.js';
import { CandidateOrder, caCandidateOrderFromEnv, compareCandidates } from '../../src/autoscalers/cluster-autoscaler-candidate-order.js';
import type { Candidate } from '../../src/autoscalers/cluster-autoscaler-drain-cache.js';

/**
 * CandidateOrder tries the last scan's permutation before sorting (ORCHSIM_NO_CA_CANDIDATE_ORDER
 * turns that off). Random sequences of scans - the same candidates again, their figures moved,
 * shuffled, grown or shrunk, with ties, duplicate names and NaN figures - must come out exactly
 * as `Array.prototype.sort(compareCandidates)` leaves them, object for object.
 */

const candidate = (name: string, since: number, utilization: number): Candidate => ({
  sn: { node: { name } as NodeInfo } as ScalableNode,
  pods: [],
  utilization,
  since,
});

const figure = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom(0.1, 0.2, 0.3, 0.45) },
  { weight: 1, arbitrary: fc.constant(Number.NaN) },
);
const since = fc.oneof(
  { weight: 4, arbitrary: fc.constant(Infinity) },
  { weight: 4, arbitrary: fc.constantFrom(0, 10, 20, 600) },
  { weight: 1, arbitrary: fc.constant(Number.NaN) },
);
const spec = fc.record({ name: fc.nat({ max: 40 }), since, utilization: figure });

/** A scan after the last: the same objects again, some figures changed, reordered, or another list. */
const step = fc.oneof(
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('same' as const) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('change' as const), at: fc.nat(), to: spec }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('shuffle' as const), seed: fc.nat() }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('fresh' as const), specs: fc.array(spec, { maxLength: 14 }) }) },
);

const make = (specs: readonly { name: number; since: number; utilization: number }[]) => specs.map((s) => candidate(`node-${s.name}`, s.since, s.utilization));

describe('CandidateOrder', () => {
  it('reads ORCHSIM_NO_CA_CANDIDATE_ORDER=1 as off, and unset, empty or 0 as on', () => {
    expect(caCandidateOrderFromEnv({})).toBe(true);
    expect(caCandidateOrderFromEnv({ ORCHSIM_NO_CA_CANDIDATE_ORDER: '1' })).toBe(false);
    expect(caCandidateOrderFromEnv({ ORCHSIM_NO_CA_CANDIDATE_ORDER: '0' })).toBe(true);
    expect(caCandidateOrderFromEnv({ ORCHSIM_NO_CA_CANDIDATE_ORDER: '' })).toBe(true);
  });

  it('sorts every scan of a random sequence exactly as Array.prototype.sort, on and off', () => {
    let reused = 0;
    fc.assert(
      fc.property(fc.array(spec, { maxLength: 14 }), fc.array(step, { minLength: 1, maxLength: 12 }), (first, steps) => {
        const on = new CandidateOrder(true);
        const off = new CandidateOrder(false);
        // The survey's order of this scan (before sorting), as the policy would hand it over.
        let input = make(first);
        for (const s of [{ kind: 'same' as const }, ...steps]) {
          if (s.kind === 'change' && input.length > 0) {
            const i = s.at % input.length;
            input = input.slice();
            input[i] = candidate(`node-${s.to.name}`, s.to.since, s.to.utilization);
          } else if (s.kind === 'shuffle') {
            input = input.map((c, i) => ({ c, k: (i * 7919 + s.seed) % 104729 })).sort((a, b) => a.k - b.k).map((x) => x.c);
          } else if (s.kind === 'fresh') {
            input = make(s.specs);
          }
          const expected = input.slice().sort(compareCandidates);
          const a = input.slice();
          const b = input.slice();
          on.sort(a);
          off.sort(b);
          for (let k = 0; k < expected.length; k++) {
            expect(a[k]).toBe(expected[k]);
            expect(b[k]).toBe(expected[k]);
          }
        }
        reused += on.reused;
        expect(off.reused).toBe(0);
      }),
      { numRuns: 500 },
    );
    expect(reused).toBeGreaterThan(0);
  });
});

import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { FGD_POLICIES, fgdKnownMisfitsDefault, prepareExperiment, runFgdExperiment } from '../../src/experiments/fgd.js';
import { InputError } from '../../src/util/errors.js';
import { readOpenbNodes, readOpenbPods } from '../../src/workloads/openb.js';
import { OPENB_NODES, OPENB_PODS, openbTraceArb, openbTraceCsv } from '../helpers/openb.js';

// A run skips the cycle of a pod whose spec found no node earlier in the run (the cluster only
// fills: src/experiments/fgd.ts fgdKnownMisfitsDefault). It must change nothing: the same run
// with the shortcut on and off gives the same placements, curves and final state.

/** ORCHSIM_PROPERTY_SCALE=20 multiplies numRuns, for a longer hunt than CI affords. */
const SCALE = Number(process.env.ORCHSIM_PROPERTY_SCALE ?? 1) || 1;

afterEach(() => {
  delete process.env.ORCHSIM_NO_FGD_KNOWN_MISFITS;
});

describe("the FGD experiment's known misfits (specs that found no node earlier in the run)", () => {
  it('change nothing: every policy, on random traces tuned below and above capacity, gives the same run on and off (property)', () => {
    fc.assert(fc.property(openbTraceArb, fc.constantFrom(...FGD_POLICIES), (t, policy) => {
      const files = openbTraceCsv(t);
      const e = prepareExperiment(readOpenbNodes(files.nodes, 'nodes.csv'), readOpenbPods(files.pods, 'pods.csv'));
      const outcome = (knownMisfits: boolean) => {
        try {
          return JSON.stringify(runFgdExperiment(e, policy, t.seed, t.tune, { knownMisfits }));
        } catch (err) {
          // A trace that cannot be tuned is refused the same way either way.
          if (err instanceof InputError) return `InputError: ${err.message}`;
          throw err;
        }
      };
      expect(outcome(true)).toBe(outcome(false));
    }), { numRuns: Math.max(1, Math.round(200 * SCALE)) });
  });

  it('is on by default, off with ORCHSIM_NO_FGD_KNOWN_MISFITS=1, and the switch gives the same run', () => {
    expect(fgdKnownMisfitsDefault()).toBe(true);
    const e = prepareExperiment(readOpenbNodes(OPENB_NODES, 'nodes.csv'), readOpenbPods(OPENB_PODS, 'pods.csv'));
    // Tuned to 10x the 4 GPUs: most pods find no node.
    const on = runFgdExperiment(e, 'BestFit', 42, 10);
    expect(on.placed).toBeLessThan(on.attempted / 2);
    process.env.ORCHSIM_NO_FGD_KNOWN_MISFITS = '1';
    expect(fgdKnownMisfitsDefault()).toBe(false);
    expect(JSON.stringify(runFgdExperiment(e, 'BestFit', 42, 10))).toBe(JSON.stringify(on));
  });
});

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { prepareExperiment, runFgdExperiment } from '../../src/experiments/fgd.js';
import { InputError } from '../../src/util/errors.js';
import { readOpenbNodes, readOpenbPods } from '../../src/workloads/openb.js';
import { openbTraceArb, openbTraceCsv } from '../helpers/openb.js';

/** ORCHSIM_PROPERTY_SCALE=20 multiplies numRuns, for a longer hunt than CI affords. */
const SCALE = Number(process.env.ORCHSIM_PROPERTY_SCALE ?? 1) || 1;

describe('FGD memos (F(n) per node, evaluations per pod shape)', () => {
  it('change nothing: the same run with memoize on and off is identical, placement for placement', () => {
    fc.assert(fc.property(openbTraceArb, (t) => {
      const files = openbTraceCsv(t);
      const e = prepareExperiment(readOpenbNodes(files.nodes, 'nodes.csv'), readOpenbPods(files.pods, 'pods.csv'));
      const outcome = (memoize: boolean) => {
        try {
          return JSON.stringify(runFgdExperiment(e, 'FGD', t.seed, t.tune, { memoize }));
        } catch (err) {
          // A trace that cannot be tuned is refused the same way either way.
          if (err instanceof InputError) return `InputError: ${err.message}`;
          throw err;
        }
      };
      expect(outcome(true)).toBe(outcome(false));
    }), { numRuns: Math.max(1, Math.round(150 * SCALE)) });
  });
});

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { prepareExperiment, runFgdExperiment } from '../../src/experiments/fgd.js';
import { InputError } from '../../src/util/errors.js';
import { readOpenbNodes, readOpenbPods } from '../../src/workloads/openb.js';

/** ORCHSIM_PROPERTY_SCALE=20 multiplies numRuns, for a longer hunt than CI affords. */
const SCALE = Number(process.env.ORCHSIM_PROPERTY_SCALE ?? 1) || 1;

const MODELS = ['A10', 'T4', 'V100M16', 'V100M32'];

/** A small openb trace: nodes of 0-8 GPUs of a few models, pods drawn from a few shapes (so shapes repeat, as in the real trace). */
const trace = fc.record({
  nodes: fc.array(fc.record({ cpu: fc.integer({ min: 4, max: 96 }), gpus: fc.integer({ min: 0, max: 8 }), model: fc.constantFrom(...MODELS) }), { minLength: 1, maxLength: 12 }),
  shapes: fc.array(fc.record({
    cpu: fc.integer({ min: 1, max: 32 }),
    gpus: fc.integer({ min: 0, max: 4 }),
    share: fc.constantFrom(100, 250, 300, 500, 1000),
    spec: fc.constantFrom('', 'A10', 'T4', 'V100M16|V100M32'),
  }), { minLength: 1, maxLength: 6 }),
  picks: fc.array(fc.nat(), { minLength: 1, maxLength: 120 }),
  seed: fc.integer({ min: 0, max: 1000 }),
  tune: fc.constantFrom(0.8, 1, 1.3),
});

type Trace = typeof trace extends fc.Arbitrary<infer T> ? T : never;

function csv(t: Trace): { nodes: string; pods: string } {
  const nodes = ['sn,cpu_milli,memory_mib,gpu,model', ...t.nodes.map((n, i) => `node-${i},${n.cpu * 1000},262144,${n.gpus},${n.gpus > 0 ? n.model : ''}`)].join('\n');
  const pods = ['name,cpu_milli,memory_mib,num_gpu,gpu_milli,gpu_spec,qos,pod_phase,creation_time,deletion_time,scheduled_time', ...t.picks.map((p, i) => {
    const s = t.shapes[p % t.shapes.length]!;
    // A share (below 1000 milli) is one device's part: openb writes num_gpu 1 for it.
    const count = s.gpus === 0 ? 0 : s.share < 1000 ? 1 : s.gpus;
    return `p-${String(i).padStart(4, '0')},${s.cpu * 1000},1024,${count},${count > 0 ? s.share : 0},${count > 0 ? s.spec : ''},LS,Running,0,10,0`;
  })].join('\n');
  return { nodes: `${nodes}\n`, pods: `${pods}\n` };
}

describe('FGD memos (F(n) per node, evaluations per pod shape)', () => {
  it('change nothing: the same run with memoize on and off is identical, placement for placement', () => {
    fc.assert(fc.property(trace, (t) => {
      const files = csv(t);
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

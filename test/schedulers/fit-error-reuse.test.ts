import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { FitError, ProfileConfig } from '../../src/api/framework.js';
import type { PodInfo } from '../../src/api/pod.js';
import { createSimulation } from '../../src/scenario/runner.js';
import type { SimulationResult } from '../../src/sim/results.js';
import { BUILTIN_PROFILES } from '../../src/schedulers/builtins.js';
import { fitErrorReuseDefault } from '../../src/schedulers/fit-error.js';
import { buildScenario, scenarioDescArb, type ScenarioDesc } from '../../src/testing/scenarios.js';
import { makePod } from '../helpers/cluster.js';
import { addCrowdedNode, crowdedCluster, crowdingPodSizes, expectSameCycle, expectSwitchReadAsDocumented, frameworkWith, restoreEnvAfterEach, unbindPicked } from '../helpers/scheduler-ab.js';

// A failed cycle whose nodes were all rejected for one reason by one plugin shares the reasons
// map and plugin set of the last such failure with the same reason, count and plugin
// (src/schedulers/fit-error.ts FitErrors). It must be invisible: frameworks with the reuse on
// and off give the same FitErrors - contents and order - and resolvable nodes, and whole runs
// give byte-identical results.

const SCALE = Number(process.env.ORCHSIM_PROPERTY_SCALE ?? '1');
const runs = (n: number) => ({ numRuns: Math.max(1, Math.round(n * SCALE)) });

restoreEnvAfterEach('ORCHSIM_NO_FIT_ERROR_REUSE');

const PROFILES: ProfileConfig[] = BUILTIN_PROFILES.filter((p) => ['default', 'binpack', 'first-fit'].includes(p.name));

describe('the fit-error reuse', () => {
  it('reads ORCHSIM_NO_FIT_ERROR_REUSE=1 as off, and unset, empty or 0 as on', () => {
    expectSwitchReadAsDocumented('ORCHSIM_NO_FIT_ERROR_REUSE', fitErrorReuseDefault);
  });

  it('gives the same FitErrors and resolvable nodes as building each anew, on crowded clusters (property)', () => {
    let shared = 0;
    fc.assert(
      fc.property(
        fc.constantFrom(...PROFILES),
        fc.integer({ min: 1, max: 12 }),
        crowdingPodSizes(4),
        fc.array(fc.oneof(
          fc.record({ kind: fc.constant('schedule' as const), spec: fc.nat(3), times: fc.integer({ min: 1, max: 6 }) }),
          fc.record({ kind: fc.constant('unbind' as const), pick: fc.nat(1000) }),
          // A node more: the next failure counts one more node, for the same reason.
          fc.record({ kind: fc.constant('add-node' as const), pick: fc.nat(1) }),
        ), { minLength: 1, maxLength: 30 }),
        fc.nat(1000),
        (profile, nodeCount, sizes, ops, seed) => {
          const { cluster: c, specs } = crowdedCluster(nodeCount, sizes);
          const on = frameworkWith(profile, undefined, seed, { fitErrorReuse: true });
          const off = frameworkWith(profile, undefined, seed, { fitErrorReuse: false });
          const bound: { pod: PodInfo; node: number }[] = [];
          let last: FitError | undefined;
          for (const o of ops) {
            if (o.kind === 'add-node') {
              addCrowdedNode(c, o.pick);
              continue;
            }
            if (o.kind === 'unbind') {
              unbindPicked(c, bound, o.pick);
              continue;
            }
            for (let t = 0; t < o.times; t++) {
              const pod = makePod(specs[o.spec % specs.length]!);
              const a = expectSameCycle(on, off, pod, c);
              const e = on.fw.lastFitError;
              if (e !== undefined && last !== undefined && e.reasons === last.reasons) shared++;
              if (e !== undefined) last = e;
              if (a >= 0) {
                c.bind(pod, a, undefined);
                bound.push({ pod, node: a });
              }
            }
          }
        },
      ),
      runs(60),
    );
    // Not vacuous: some cycles took the shared summary.
    expect(shared).toBeGreaterThan(0);
  });

  it('changes no result of a whole run: random scenarios, byte-identical (property)', () => {
    const result = (off: boolean, d: ScenarioDesc) => {
      if (off) process.env.ORCHSIM_NO_FIT_ERROR_REUSE = '1';
      else delete process.env.ORCHSIM_NO_FIT_ERROR_REUSE;
      return JSON.stringify(createSimulation(buildScenario(d)).run());
    };
    let waited = 0;
    fc.assert(
      fc.property(scenarioDescArb({ maxNodes: 6, maxWorkloads: 3 }), (d) => {
        const on = result(false, d);
        expect(on).toBe(result(true, d));
        if ((JSON.parse(on) as SimulationResult).scheduling.failedAttempts > 0) waited++;
      }),
      runs(25),
    );
    // Not vacuous: some runs had failed cycles (a FitError each).
    expect(waited).toBeGreaterThan(0);
  });
});

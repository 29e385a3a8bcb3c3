import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { FitError, ProfileConfig } from '../../src/api/framework.js';
import { WellKnownLabel } from '../../src/api/node.js';
import type { PodInfo } from '../../src/api/pod.js';
import { resources } from '../../src/api/resources.js';
import { createSimulation } from '../../src/scenario/runner.js';
import type { SimulationResult } from '../../src/sim/results.js';
import { BUILTIN_PROFILES } from '../../src/schedulers/builtins.js';
import { fitErrorReuseDefault } from '../../src/schedulers/fit-error.js';
import { buildScenario, scenarioDescArb, type ScenarioDesc } from '../../src/testing/scenarios.js';
import { Gi, makeCluster, makePod, makeSpec } from '../helpers/cluster.js';
import { exactFitError, expectSwitchReadAsDocumented, frameworkWith, restoreEnvAfterEach } from '../helpers/scheduler-ab.js';

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
        // Pod sizes (milli-cores, GiB), some of them too big for a tainted or any node.
        fc.array(fc.record({ cpu: fc.constantFrom(500, 1000, 2000, 4000, 6000), memoryGi: fc.constantFrom(1, 8, 20), tolerate: fc.boolean() }), { minLength: 1, maxLength: 4 }),
        fc.array(fc.oneof(
          fc.record({ kind: fc.constant('schedule' as const), spec: fc.nat(3), times: fc.integer({ min: 1, max: 6 }) }),
          fc.record({ kind: fc.constant('unbind' as const), pick: fc.nat(1000) }),
          // A node more: the next failure counts one more node, for the same reason.
          fc.record({ kind: fc.constant('add-node' as const), pick: fc.nat(1) }),
        ), { minLength: 1, maxLength: 30 }),
        fc.nat(1000),
        (profile, nodeCount, sizes, ops, seed) => {
          const c = makeCluster(Array.from({ length: nodeCount }, (_, i) => ({
            name: `n${i}`, cpu: 4, memory: 16 * Gi,
            labels: { [WellKnownLabel.zone]: `z${i % 2}` },
            taints: i % 4 === 3 ? [{ key: 'dedicated', value: 'batch', effect: 'NoSchedule' as const }] : [],
          })));
          const specs = sizes.map((s) => makeSpec({
            cpu: s.cpu, memory: s.memoryGi * Gi,
            tolerations: s.tolerate ? [{ key: 'dedicated', operator: 'Equal' as const, value: 'batch', effect: 'NoSchedule' as const }] : [],
          }));
          const on = frameworkWith(profile, undefined, seed, { fitErrorReuse: true });
          const off = frameworkWith(profile, undefined, seed, { fitErrorReuse: false });
          const bound: { pod: PodInfo; node: number }[] = [];
          let last: FitError | undefined;
          for (const o of ops) {
            if (o.kind === 'add-node') {
              const i = c.nodes.length;
              c.addNode({
                name: `added-${i}`, labels: { [WellKnownLabel.zone]: `z${o.pick}` }, taints: [], unschedulable: false,
                allocatable: resources({ milliCPU: 4000, memory: 16 * Gi, milliGPU: 0 }),
              });
              continue;
            }
            if (o.kind === 'unbind') {
              if (bound.length === 0) continue;
              const [b] = bound.splice(o.pick % bound.length, 1);
              c.unbind(b!.pod, b!.node);
              continue;
            }
            for (let t = 0; t < o.times; t++) {
              const pod = makePod(specs[o.spec % specs.length]!);
              const a = on.fw.schedule(pod, c, on.random);
              const b = off.fw.schedule(pod, c, off.random);
              expect(a).toBe(b);
              expect(exactFitError(on.fw.lastFitError)).toEqual(exactFitError(off.fw.lastFitError));
              expect([...on.fw.lastResolvableNodes]).toEqual([...off.fw.lastResolvableNodes]);
              expect(on.fw.lastEvaluated).toBe(off.fw.lastEvaluated);
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

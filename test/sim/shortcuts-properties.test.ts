import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { createSimulation } from '../../src/scenario/runner.js';
import type { SimulationResult } from '../../src/sim/results.js';
import { shortcutsFromEnv } from '../../src/sim/shortcuts.js';
import { buildScenario, scenarioDescArb, type ScenarioDesc } from '../../src/testing/scenarios.js';

/**
 * Every shortcut of the simulator (src/sim/shortcuts.ts) is invisible: random scenarios run
 * with it on and off give byte-identical results (issue 23). The switches are the environment
 * variables a user would set; each run reads them when it is wired.
 */

const SCALE = Number(process.env.ORCHSIM_PROPERTY_SCALE ?? '1');
const runs = (n: number) => ({ numRuns: Math.max(1, Math.round(n * SCALE)) });

const SWITCHES = ['ORCHSIM_NO_DRY_RUN_REUSE', 'ORCHSIM_NO_SORTED_WAITS_REUSE', 'ORCHSIM_NO_FINISHED_POD_RELEASE'] as const;
const saved = SWITCHES.map((name) => process.env[name]);
afterEach(() => {
  SWITCHES.forEach((name, i) => {
    if (saved[i] === undefined) delete process.env[name];
    else process.env[name] = saved[i];
  });
});

/** Pods whose PodInfo the pod table let go of (SimShortcuts.releaseFinishedPods). */
let released = 0;

/**
 * The whole result (time series, incident list, attempts, events), not the report's summary, as
 * JSON. `onlyResult`: the caller reads nothing but the result, as runScenario does.
 */
function resultWith(off: string | undefined, d: ScenarioDesc, onlyResult = false): string {
  for (const name of SWITCHES) delete process.env[name];
  if (off !== undefined) process.env[off] = '1';
  const sim = createSimulation(buildScenario(d), { releaseFinishedPods: onlyResult });
  const json = JSON.stringify(sim.run());
  released = 0;
  for (let id = 0; id < sim.pods.length; id++) if (sim.pods.infos[id] === undefined) released++;
  return json;
}

/** Runs each scenario with the shortcut on and off; `used` says whether a run exercised it. */
function invisible(name: string, arb: fc.Arbitrary<ScenarioDesc>, used: (r: SimulationResult) => boolean, numRuns: number, onlyResult = false): void {
  let exercised = 0;
  fc.assert(
    fc.property(arb, (d) => {
      const on = resultWith(undefined, d, onlyResult);
      const usedOn = used(JSON.parse(on) as SimulationResult);
      const off = resultWith(name, d, onlyResult);
      expect(on).toBe(off);
      if (usedOn) exercised++;
    }),
    runs(numRuns),
  );
  // Not vacuous: some runs took the path the shortcut is on.
  expect(exercised).toBeGreaterThan(0);
}

describe('simulator shortcuts are invisible (property-based)', () => {
  it('reads ORCHSIM_NO_<NAME>=1 as off, and unset, empty or 0 as on', () => {
    expect(shortcutsFromEnv({})).toEqual({ reuseDryRuns: true, reuseSortedWaits: true, releaseFinishedPods: true });
    expect(shortcutsFromEnv({ ORCHSIM_NO_DRY_RUN_REUSE: '1' })).toEqual({ reuseDryRuns: false, reuseSortedWaits: true, releaseFinishedPods: true });
    expect(shortcutsFromEnv({ ORCHSIM_NO_SORTED_WAITS_REUSE: 'yes' })).toEqual({ reuseDryRuns: true, reuseSortedWaits: false, releaseFinishedPods: true });
    expect(shortcutsFromEnv({ ORCHSIM_NO_FINISHED_POD_RELEASE: '1' })).toEqual({ reuseDryRuns: true, reuseSortedWaits: true, releaseFinishedPods: false });
    expect(shortcutsFromEnv({ ORCHSIM_NO_DRY_RUN_REUSE: '0', ORCHSIM_NO_SORTED_WAITS_REUSE: '' })).toEqual({ reuseDryRuns: true, reuseSortedWaits: true, releaseFinishedPods: true });
  });

  it('preemption dry runs reused across PostFilters: the same result as a fresh what-if each time', () => {
    // Small crowded clusters with mixed priorities under a profile with DefaultPreemption, so
    // that pods wait (a PostFilter per failed cycle) and some preempt (the reused what-if bound
    // and unbound victims before).
    const arb = scenarioDescArb({ maxNodes: 6, maxWorkloads: 4 }).map((d) => ({ ...d, profile: 'default' }));
    invisible('ORCHSIM_NO_DRY_RUN_REUSE', arb, (r) => (r.preemption?.victims ?? 0) > 0, 40);
  });

  it("a workload's pending-time summary taken from the run's sorted waits: the same as sorting its own", () => {
    // One or two workloads: often one of them gets every bind (the reuse), sometimes not; a run
    // of one workload keeps its waits in the run's buffer only.
    const arb = scenarioDescArb({ maxNodes: 8, maxWorkloads: 2 });
    invisible('ORCHSIM_NO_SORTED_WAITS_REUSE', arb, (r) => r.workloads.some((w) => w.scheduled > 0 && w.scheduled === r.pods.scheduled), 30);
  });

  it("finished pods' objects let go of when only the result is read: the same result as keeping them", () => {
    // Crowded small clusters, every profile (preemption included), services beside batch and Job
    // pods: finished pods' objects go while others still wait, bind, run and get preempted.
    const arb = scenarioDescArb({ maxNodes: 6, maxWorkloads: 4 });
    invisible('ORCHSIM_NO_FINISHED_POD_RELEASE', arb, () => released > 0, 40, true);
  });

  it('keeps every pod object when the caller may read the pod table (no releaseFinishedPods)', () => {
    fc.assert(
      fc.property(scenarioDescArb({ maxNodes: 6, maxWorkloads: 3 }), (d) => {
        resultWith(undefined, d, false);
        expect(released).toBe(0);
      }),
      runs(10),
    );
  });
});

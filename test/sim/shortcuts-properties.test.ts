import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { createSimulation } from '../../src/scenario/runner.js';
import { shortcutsFromEnv } from '../../src/sim/shortcuts.js';
import { buildScenario, scenarioDescArb } from '../../src/testing/scenarios.js';

/**
 * Every shortcut of the simulator (src/sim/shortcuts.ts) is invisible: random scenarios run
 * with it on and off give byte-identical results (issue 23). The switches are the environment
 * variables a user would set; each run reads them when it is wired.
 */

const SCALE = Number(process.env.ORCHSIM_PROPERTY_SCALE ?? '1');
const runs = (n: number) => ({ numRuns: Math.max(1, Math.round(n * SCALE)) });

const SWITCH = 'ORCHSIM_NO_DRY_RUN_REUSE';
const saved = process.env[SWITCH];
afterEach(() => {
  if (saved === undefined) delete process.env[SWITCH];
  else process.env[SWITCH] = saved;
});

function resultWith(off: boolean, d: Parameters<typeof buildScenario>[0]): string {
  if (off) process.env[SWITCH] = '1';
  else delete process.env[SWITCH];
  // The whole result (time series, incident list, attempts, events), not the report's summary.
  return JSON.stringify(createSimulation(buildScenario(d)).run());
}

describe('simulator shortcuts are invisible (property-based)', () => {
  it('reads ORCHSIM_NO_<NAME>=1 as off, and unset, empty or 0 as on', () => {
    expect(shortcutsFromEnv({})).toEqual({ reuseDryRuns: true });
    expect(shortcutsFromEnv({ [SWITCH]: '1' })).toEqual({ reuseDryRuns: false });
    expect(shortcutsFromEnv({ [SWITCH]: '0' })).toEqual({ reuseDryRuns: true });
    expect(shortcutsFromEnv({ [SWITCH]: '' })).toEqual({ reuseDryRuns: true });
  });

  it('preemption dry runs reused across PostFilters: the same result as a fresh what-if each time', () => {
    // Small crowded clusters with mixed priorities under a profile with DefaultPreemption, so
    // that pods wait (a PostFilter per failed cycle) and some preempt (the reused what-if bound
    // and unbound victims before).
    const arb = scenarioDescArb({ maxNodes: 6, maxWorkloads: 4 }).map((d) => ({ ...d, profile: 'default' }));
    let preempting = 0;
    fc.assert(
      fc.property(arb, (d) => {
        const on = resultWith(false, d);
        const off = resultWith(true, d);
        expect(on).toBe(off);
        if ((JSON.parse(on) as { preemption?: { victims: number } }).preemption?.victims) preempting++;
      }),
      runs(40),
    );
    // Not vacuous: some of the runs preempted.
    expect(preempting).toBeGreaterThan(0);
  });
});

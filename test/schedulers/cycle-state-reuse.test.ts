import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { CycleState, FilterPlugin, PreFilterPlugin, ProfileConfig } from '../../src/api/framework.js';
import { createSimulation } from '../../src/scenario/runner.js';
import type { SimulationResult } from '../../src/sim/results.js';
import { cycleStateReuseDefault } from '../../src/schedulers/cycle-state.js';
import { Framework } from '../../src/schedulers/framework.js';
import { buildScenario, scenarioDescArb, type ScenarioDesc } from '../../src/testing/scenarios.js';
import { RandomStreams } from '../../src/util/random.js';
import { Gi, makeCluster, makePod, makeSpec } from '../helpers/cluster.js';
import { expectSwitchReadAsDocumented, restoreEnvAfterEach } from '../helpers/scheduler-ab.js';

// A scheduling cycle whose plugins wrote nothing to its CycleState hands the same (empty) Map to
// the next cycle (src/schedulers/cycle-state.ts), and PodTopologySpread no longer writes its
// empty PreFilter state when it skips. It must be invisible: every cycle starts with an empty
// state, and whole runs give byte-identical results with the reuse on and off.

const SCALE = Number(process.env.ORCHSIM_PROPERTY_SCALE ?? '1');
const runs = (n: number) => ({ numRuns: Math.max(1, Math.round(n * SCALE)) });

restoreEnvAfterEach('ORCHSIM_NO_CYCLE_STATE_REUSE');

/** A PreFilter and Filter that records the state each cycle starts with, and writes to it on request. */
function recorder(write: (pod: string) => boolean) {
  const seen: { state: CycleState; size: number }[] = [];
  const plugin: PreFilterPlugin & FilterPlugin = {
    name: 'Recorder',
    preFilter(state, pod) {
      seen.push({ state, size: state.size });
      if (write(pod.name)) state.set('Recorder', pod.name);
      return null;
    },
    filter: () => null,
  };
  return { seen, plugin };
}

function framework(write: (pod: string) => boolean, cycleStateReuse: boolean) {
  const r = recorder(write);
  const profile: ProfileConfig = { name: 'recorded', plugins: [{ name: 'Recorder' }] };
  return { ...r, fw: new Framework(profile, [r.plugin], { cycleStateReuse }) };
}

describe('the cycle state reuse', () => {
  it('reads ORCHSIM_NO_CYCLE_STATE_REUSE=1 as off, and unset, empty or 0 as on', () => {
    expectSwitchReadAsDocumented('ORCHSIM_NO_CYCLE_STATE_REUSE', cycleStateReuseDefault);
  });

  it('hands an untouched state to the next cycle, and a written one never again; every cycle starts empty (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.boolean(), { minLength: 1, maxLength: 40 }), fc.boolean(), (writes, reuse) => {
        const c = makeCluster([{ name: 'a', cpu: 4, memory: 16 * Gi }, { name: 'b', cpu: 4, memory: 16 * Gi }]);
        const random = new RandomStreams(1).get('scheduler/tie-break');
        const pods = writes.map((_, i) => makePod(makeSpec({ cpu: 100, memory: Gi }), `p${i}`));
        const { fw, seen } = framework((name) => writes[Number(name.slice(1))]!, reuse);
        // schedule() and findFeasible() (preemption's and the nominated pods' scans) share the states.
        for (const [i, pod] of pods.entries()) {
          if (i % 3 === 2) expect(fw.findFeasible(pod, c, c.nodes, 1)).toHaveLength(1);
          else expect(fw.schedule(pod, c, random)).toBeGreaterThanOrEqual(0);
        }
        expect(seen.map((s) => s.size)).toEqual(writes.map(() => 0));
        for (let i = 1; i < seen.length; i++) {
          const same = seen[i]!.state === seen[i - 1]!.state;
          expect(same).toBe(reuse && !writes[i - 1]);
        }
      }),
      runs(100),
    );
  });

  it('gives a cycle started inside another a state of its own', () => {
    const c = makeCluster([{ name: 'a', cpu: 4, memory: 16 * Gi }]);
    const random = new RandomStreams(1).get('scheduler/tie-break');
    const states: CycleState[] = [];
    let inner: Framework | undefined;
    const plugin: PreFilterPlugin & FilterPlugin = {
      name: 'Reentrant',
      preFilter(state, pod) {
        states.push(state);
        if (pod.name === 'outer') inner!.findFeasible(makePod(makeSpec({}), 'inner'), c, c.nodes, 1);
        return null;
      },
      filter: () => null,
    };
    inner = new Framework({ name: 'r', plugins: [{ name: 'Reentrant' }] }, [plugin], { cycleStateReuse: true });
    inner.schedule(makePod(makeSpec({}), 'first'), c, random);
    inner.schedule(makePod(makeSpec({}), 'outer'), c, random);
    expect(states).toHaveLength(3);
    expect(states[1]).toBe(states[0]);
    expect(states[2]).not.toBe(states[1]);
  });

  it('changes no result of a whole run: random scenarios, byte-identical (property)', () => {
    const result = (off: boolean, d: ScenarioDesc) => {
      if (off) process.env.ORCHSIM_NO_CYCLE_STATE_REUSE = '1';
      else delete process.env.ORCHSIM_NO_CYCLE_STATE_REUSE;
      return JSON.stringify(createSimulation(buildScenario(d)).run());
    };
    let scheduled = 0;
    fc.assert(
      fc.property(scenarioDescArb({ maxNodes: 6, maxWorkloads: 3 }), (d) => {
        const on = result(false, d);
        expect(on).toBe(result(true, d));
        if ((JSON.parse(on) as SimulationResult).scheduling.failedAttempts > 0) scheduled++;
      }),
      runs(25),
    );
    // Not vacuous: some runs had failed cycles as well as bound pods.
    expect(scheduled).toBeGreaterThan(0);
  });
});

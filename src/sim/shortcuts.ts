import { type Environment, switchedOn } from '../util/switches.js';

/**
 * The simulator's own shortcuts: work skipped or reused because it cannot change a result. Each
 * has a switch so a property test can run random scenarios with it on and off and require
 * byte-identical results (test/sim/shortcuts-properties.test.ts), and so a user who suspects one
 * can turn it off (issue 23: "every cache proven invisible").
 *
 * Read once when a run is wired (Simulation's constructor), never inside the event loop.
 */
export interface SimShortcuts {
  /**
   * Preemption's PostFilter reuses one what-if cluster and one handle per profile across calls
   * (its rollback leaves it empty) instead of building them for every failed cycle - every pod
   * that waits has one. Off: ORCHSIM_NO_DRY_RUN_REUSE=1.
   */
  readonly reuseDryRuns: boolean;
  /**
   * The result's per-workload pending-time summary reuses the run's sorted waits for a workload
   * that got every bind (its samples are the run's, in the same order) instead of sorting the
   * same samples again; in a run of one workload, that workload's waits are kept in the run's
   * buffer, not pushed to a second one. Off: ORCHSIM_NO_SORTED_WAITS_REUSE=1.
   */
  readonly reuseSortedWaits: boolean;
  /**
   * In a run whose pod table nobody reads after it (SimulationConfig.releaseFinishedPods:
   * runScenario's), the pod table lets go of the PodInfo object of a batch, Job or pod-list pod
   * that succeeded (its row of numbers stays): nothing reads a finished pod's object again, and
   * kept to the end every pod's object and name were copied by two scavenges each - the largest
   * part of the M/M/c run's garbage collection (bench/README.md section 16, fourth pass).
   * Off: ORCHSIM_NO_FINISHED_POD_RELEASE=1.
   */
  readonly releaseFinishedPods: boolean;
}

export const ALL_SHORTCUTS: SimShortcuts = Object.freeze({ reuseDryRuns: true, reuseSortedWaits: true, releaseFinishedPods: true });

/** The switches as the environment sets them: `ORCHSIM_NO_<NAME>=1` turns one off. */
export function shortcutsFromEnv(env: Environment): SimShortcuts {
  return {
    reuseDryRuns: switchedOn('ORCHSIM_NO_DRY_RUN_REUSE', env),
    reuseSortedWaits: switchedOn('ORCHSIM_NO_SORTED_WAITS_REUSE', env),
    releaseFinishedPods: switchedOn('ORCHSIM_NO_FINISHED_POD_RELEASE', env),
  };
}

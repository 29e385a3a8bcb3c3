import type { CycleState } from '../api/framework.js';
import { switchedOn } from '../util/switches.js';

/**
 * Whether a framework hands a cycle the last cycle's CycleState when no plugin wrote to it,
 * unless told otherwise. ORCHSIM_NO_CYCLE_STATE_REUSE=1 turns it off: a new Map every cycle, and
 * PodTopologySpread writes its empty PreFilter state when it skips, as upstream does.
 */
export function cycleStateReuseDefault(): boolean {
  return switchedOn('ORCHSIM_NO_CYCLE_STATE_REUSE');
}

/**
 * The CycleStates of one framework's cycles. Upstream makes a new CycleState per cycle
 * (framework.NewCycleState in pkg/scheduler/schedule_one.go); a cycle only ever sees an empty
 * one at its start. A Map that is still empty when its cycle ends is as good as a new one, so it
 * is handed to the next cycle instead: most cycles of a pod without spreading or affinity terms
 * write nothing (PodTopologySpread's PreScore writes only when two nodes or more are scored).
 * A Map some plugin wrote to is dropped, never emptied: in V8 emptying a long-lived Map (`clear`,
 * or `delete` key by key) costs several times a new one (bench/README.md section 16, branch mmc).
 *
 * A state is taken out while its cycle runs (`take`) and given back at its end (`give`), so a
 * cycle started inside another (a plugin calling back into its framework) gets a Map of its own.
 */
export class CycleStates {
  private spare: CycleState | undefined;

  constructor(readonly reuse: boolean) {}

  /** An empty CycleState for a cycle starting now. */
  take(): CycleState {
    const s = this.spare;
    if (s === undefined) return new Map();
    this.spare = undefined;
    return s;
  }

  /** The cycle that took `state` has ended: kept for the next if nothing was written to it. */
  give(state: CycleState): void {
    if (this.reuse && state.size === 0) this.spare = state;
  }
}

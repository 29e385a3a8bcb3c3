import type { Candidate } from './cluster-autoscaler-drain-cache.js';
import { type Environment, processEnvironment, switchedOn } from '../util/switches.js';

/**
 * The order in which the scale-down planner considers its candidates: nodes already unneeded
 * first, oldest first (so the plan is stable from scan to scan), then the emptiest, then by name
 * (the comparator updateUnneeded in cluster-autoscaler.ts sorted with before it moved here).
 */
export function compareCandidates(a: Candidate, b: Candidate): number {
  if (a.since !== b.since) return a.since - b.since;
  if (a.utilization !== b.utilization) return a.utilization - b.utilization;
  return a.sn.node.name < b.sn.node.name ? -1 : a.sn.node.name > b.sn.node.name ? 1 : 0;
}

/** Whether the environment leaves the remembered candidate order on (ORCHSIM_NO_CA_CANDIDATE_ORDER=1, non-empty and not 0, turns it off). */
export function caCandidateOrderFromEnv(env: Environment = processEnvironment()): boolean {
  return switchedOn('ORCHSIM_NO_CA_CANDIDATE_ORDER', env);
}

/**
 * Sorts a scan's candidates in place exactly as `candidates.sort(compareCandidates)` does.
 *
 * With `remember` on, it first tries the permutation that sorted the last scan's candidates:
 * most scans see the same nodes with the same figures in the same survey order (the cluster
 * unchanged), and sorting them calls the comparator ~n log n times per scan (~0.7 % of the
 * autoscaled week). If the last permutation, applied to this array of the same length, puts every
 * neighbour strictly before the next (compareCandidates < 0), it is the sorted order: the
 * comparator is lexicographic over (since, utilization, name), a strict total order wherever it
 * answers < 0 for neighbours - transitive, so the whole arrangement is strictly increasing, and
 * only one arrangement of the same elements is - which is what any sort, stable or not, returns.
 * A tie (0) or a NaN anywhere fails the check, and the array is sorted by `Array.prototype.sort`
 * as before (through an index array, to remember the permutation: the same comparisons of the
 * same values, so the same stable result).
 */
export class CandidateOrder {
  /** The last sort's permutation: sorted[k] was input[order[k]]. */
  private order: number[] = [];
  /** Sorts answered by the last permutation (for tests). */
  reused = 0;

  constructor(private readonly remember: boolean = caCandidateOrderFromEnv()) {}

  sort(candidates: Candidate[]): void {
    if (!this.remember) {
      candidates.sort(compareCandidates);
      return;
    }
    const n = candidates.length;
    if (n < 2) return;
    const order = this.order;
    if (order.length === n && this.holds(candidates, order)) {
      this.permute(candidates, order);
      this.reused++;
      return;
    }
    const idx: number[] = [];
    for (let i = 0; i < n; i++) idx.push(i);
    idx.sort((a, b) => compareCandidates(candidates[a]!, candidates[b]!));
    this.order = idx;
    this.permute(candidates, idx);
  }

  /** Whether `order` arranges the candidates strictly increasing. */
  private holds(candidates: readonly Candidate[], order: readonly number[]): boolean {
    let prev = candidates[order[0]!]!;
    for (let k = 1; k < order.length; k++) {
      const c = candidates[order[k]!]!;
      if (!(compareCandidates(prev, c) < 0)) return false;
      prev = c;
    }
    return true;
  }

  private permute(candidates: Candidate[], order: readonly number[]): void {
    const input = candidates.slice();
    for (let k = 0; k < input.length; k++) candidates[k] = input[order[k]!]!;
  }
}

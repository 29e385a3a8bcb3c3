import type { GroupNodes } from './group-state.js';

/**
 * Swarm's node order (manager/scheduler/scheduler.go scheduleTaskGroup, the nodeLess closure).
 * There is no resource scoring: Swarm spreads by task counts only.
 */

/** scheduler.go monitorFailures: failures older than 5 minutes no longer count (seconds). */
export const SWARM_MONITOR_FAILURES_SECONDS = 5 * 60;
/** scheduler.go maxFailures: from 5 recent failures of the service on a node, failures decide first. */
export const SWARM_MAX_FAILURES = 5;

/** What nodeLess reads of a node, for one service at one spec version. */
export interface SwarmNodeOrderKey {
  /** countRecentFailures(now, task): failures of this service + spec version within 5 minutes. */
  readonly recentFailures: number;
  /** ActiveTasksCountByService[service]. */
  readonly serviceTasks: number;
  /** ActiveTasksCount. */
  readonly totalTasks: number;
}

/**
 * nodeLess: whether a is preferred to b. When either node has at least maxFailures recent
 * failures, fewer failures wins (a tie falls through); then fewer tasks of the service; then
 * fewer tasks in total (strictly less, so two equal nodes are each not less than the other).
 */
export function swarmNodeLess(a: SwarmNodeOrderKey, b: SwarmNodeOrderKey): boolean {
  return lessByCounts(a.recentFailures, b.recentFailures, a.serviceTasks, b.serviceTasks, a.totalTasks, b.totalTasks);
}

function lessByCounts(fa: number, fb: number, sa: number, sb: number, ta: number, tb: number): boolean {
  if (fa >= SWARM_MAX_FAILURES || fb >= SWARM_MAX_FAILURES) {
    if (fa > fb) return false;
    if (fb > fa) return true;
  }
  if (sa < sb) return true;
  if (sa > sb) return false;
  return ta < tb;
}

/** nodeLess on two node positions of a call's overlay (the hot path: array reads only). */
export function nodeLessAt(g: GroupNodes, a: number, b: number): boolean {
  return lessByCounts(g.recentFailures[a]!, g.recentFailures[b]!, g.serviceTasks[a]!, g.serviceTasks[b]!, g.totalTasks[a]!, g.totalTasks[b]!);
}

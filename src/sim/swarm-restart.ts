import type { SwarmRestartPolicy } from '../api/swarm.js';

/**
 * The restart history of one slot of a replicated service (or one node of a global one), as
 * swarmkit's restart supervisor keeps it (manager/orchestrator/restart/restart.go
 * instanceRestartInfo): the spec version it counts for, restarts in all, and when each
 * replacement was created (kept only when the policy has a window).
 */
export interface RestartHistory {
  specVersion: number;
  total: number;
  readonly times: number[];
}

export function newRestartHistory(specVersion: number): RestartHistory {
  return { specVersion, total: 0, times: [] };
}

/**
 * restart.go shouldRestart: whether a task that ended at `endedAt` gets a replacement.
 * `condition` none never restarts; on-failure does not restart a task that completed (exit 0),
 * nor does any for a job's task; with max_attempts, the restarts of this slot at this spec
 * version are counted - all of them, or with a window those created after `endedAt - window`
 * and before `endedAt` - and must stay below it. A history of another spec version is void.
 */
export function shouldRestart(policy: SwarmRestartPolicy, opts: { readonly completed: boolean; readonly job: boolean; readonly specVersion: number; readonly endedAt: number }, history: RestartHistory | undefined): boolean {
  if (policy.condition === 'none') return false;
  if (opts.completed && (policy.condition === 'on-failure' || opts.job)) return false;
  if (policy.maxAttempts === 0) return true;
  if (!history || history.specVersion !== opts.specVersion) return true;
  if (policy.window === 0) return history.total < policy.maxAttempts;
  const lookback = opts.endedAt - policy.window;
  // Restarts at or before the lookback no longer count (and are dropped, as upstream does).
  while (history.times.length > 0 && !(history.times[0]! > lookback)) history.times.shift();
  let n = history.times.length;
  // Restarts not before the task's end are not counted against it.
  for (let i = history.times.length - 1; i >= 0 && !(history.times[i]! < opts.endedAt); i--) n--;
  return n < policy.maxAttempts;
}

/** restart.go RecordRestartHistory: a replacement created at `now` (nothing to keep without max_attempts). */
export function recordRestart(policy: SwarmRestartPolicy, history: RestartHistory | undefined, specVersion: number, now: number): RestartHistory | undefined {
  if (policy.maxAttempts === 0) return history;
  const h = history && history.specVersion === specVersion ? history : newRestartHistory(specVersion);
  h.total++;
  if (policy.window !== 0) h.times.push(now);
  return h;
}

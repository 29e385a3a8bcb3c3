import { describe, expect, it } from 'vitest';
import { SWARM_DEFAULT_RESTART_POLICY, type SwarmRestartPolicy } from '../../../src/api/swarm.js';
import { recordRestart, shouldRestart, type RestartHistory } from '../../../src/sim/swarm-restart.js';

/** Restarts a slot whose task ends at each of `ends` (created right away); returns whether each was restarted. */
function run(policy: SwarmRestartPolicy, ends: readonly number[], opts: { completed?: boolean; job?: boolean } = {}): boolean[] {
  let h: RestartHistory | undefined;
  return ends.map((t) => {
    const ok = shouldRestart(policy, { completed: opts.completed ?? false, job: opts.job ?? false, specVersion: 1, endedAt: t }, h);
    if (ok) h = recordRestart(policy, h, 1, t);
    return ok;
  });
}

describe('Swarm restart policy (manager/orchestrator/restart/restart.go shouldRestart)', () => {
  it('defaults: condition any, delay 5 s, unlimited attempts, no window (api/defaults/service.go)', () => {
    expect(SWARM_DEFAULT_RESTART_POLICY).toEqual({ condition: 'any', delay: 5, maxAttempts: 0, window: 0 });
    expect(run(SWARM_DEFAULT_RESTART_POLICY, [1, 2, 3, 4, 5, 6, 7, 8, 9, 10])).toEqual(Array(10).fill(true));
  });

  it.each([
    // condition, completed, job -> restarted (TestOrchestratorRestartOnAny / OnFailure / OnNone)
    ['any', false, false, true],
    ['any', true, false, true],
    ['any', true, true, false],
    ['on-failure', false, false, true],
    ['on-failure', true, false, false],
    ['none', false, false, false],
    ['none', true, false, false],
  ] as const)('condition %s, task completed %s, job %s: restarted %s', (condition, completed, job, expected) => {
    expect(run({ ...SWARM_DEFAULT_RESTART_POLICY, condition }, [10], { completed, job })).toEqual([expected]);
  });

  it('max_attempts 1 without a window: one restart per slot, ever (TestOrchestratorRestartMaxAttempts)', () => {
    expect(run({ ...SWARM_DEFAULT_RESTART_POLICY, delay: 0.1, maxAttempts: 1 }, [1, 2, 100, 10_000])).toEqual([true, false, false, false]);
  });

  it('max_attempts 1 in a 500 ms window: a second failure within the window is not restarted, one after it is (TestOrchestratorRestartWindow)', () => {
    const policy = { ...SWARM_DEFAULT_RESTART_POLICY, delay: 0.1, maxAttempts: 1, window: 0.5 };
    // Restart at 0; a failure at 0.3 falls in (0.3 - 0.5, 0.3): refused; at 1.3 the restart at 0 is out of the window.
    expect(run(policy, [0, 0.3, 1.3, 1.5, 1.81])).toEqual([true, false, true, false, true]);
  });

  it('a new spec version starts the history afresh (RecordRestartHistory clears it)', () => {
    const policy = { ...SWARM_DEFAULT_RESTART_POLICY, maxAttempts: 1 };
    const h = recordRestart(policy, undefined, 1, 0);
    expect(shouldRestart(policy, { completed: false, job: false, specVersion: 1, endedAt: 5 }, h)).toBe(false);
    expect(shouldRestart(policy, { completed: false, job: false, specVersion: 2, endedAt: 5 }, h)).toBe(true);
    expect(recordRestart(policy, h, 2, 6)).toEqual({ specVersion: 2, total: 1, times: [] });
  });
});

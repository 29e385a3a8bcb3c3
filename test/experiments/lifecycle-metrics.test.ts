import { describe, expect, it } from 'vitest';
import { summarizeComparison } from '../../src/experiments/comparison.js';
import { METRICS, toRunRecord } from '../../src/experiments/records.js';
import { parseSlo } from '../../src/experiments/slo.js';
import { prepareScenario, runPrepared } from '../../src/scenario/index.js';
import { orchsim } from '../helpers/cli.js';

/**
 * The lifecycle's metrics in run records (issue 18): preemption, disruption budgets and drains,
 * rollouts, DaemonSets; so `orchsim compare` tables and `orchsim plan --slo` can use them.
 */
const record = (file: string, seed = 1) => toRunRecord({ variant: 'base', params: {}, arm: 'a', seed }, runPrepared(prepareScenario(file)));

describe('lifecycle metrics in run records', () => {
  it('a drain held by a budget, a preemption, a rollout past its deadline, a DaemonSet', () => {
    expect(record('scenarios/drain-pdb.yaml').metrics).toMatchObject({ 'disruption.evictionsBlocked': 723, 'drains.blocked': 1, 'preemption.victims': 0, 'rollouts.deadlineExceeded': null });
    const p = record('scenarios/preemption.yaml').metrics;
    expect(p['preemption.victims']).toBeGreaterThan(0);
    expect(p['preemption.lostCpuHours']).toBeGreaterThan(0);
    expect(p['disruption.evictionsBlocked']).toBeNull();
    // The stuck rollout is open at the horizon: it lasted from 30m to the 2h horizon.
    expect(record('scenarios/rollout-surge.yaml').metrics).toMatchObject({ 'rollouts.deadlineExceeded': 1, 'rollouts.maxDurationSeconds': 5400, 'rollouts.minAvailable': 12, 'daemonSets.cpuShare': null });
  });

  it('a scenario without the features: null, or 0 left out of the tables', () => {
    const r = record('scenarios/zone-spread.yaml');
    for (const k of ['disruption.evictionsBlocked', 'drains.blocked', 'rollouts.maxDurationSeconds', 'rollouts.deadlineExceeded', 'rollouts.minAvailable', 'daemonSets.cpuShare']) expect(r.metrics[k], k).toBeNull();
    expect([r.metrics['preemption.victims'], r.metrics['preemption.lostCpuHours']]).toEqual([0, 0]);
    const results = summarizeComparison({ kind: 'compare', scenario: 'zone-spread', arms: ['a'], baseline: 'a', variants: [{ name: 'base', params: {} }], seeds: [1], confidence: 0.95 }, [r]);
    const keys = results.groups[0]!.metrics.map((m) => m.key);
    expect(keys.filter((k) => /^(preemption|disruption|drains|rollouts|daemonSets)\./.test(k))).toEqual([]);
    expect(keys.length).toBeGreaterThan(0);
  });

  it('every new key is an SLO metric', () => {
    for (const k of ['preemption.victims', 'preemption.lostCpuHours', 'disruption.evictionsBlocked', 'drains.blocked', 'rollouts.maxDurationSeconds', 'rollouts.deadlineExceeded', 'rollouts.minAvailable', 'daemonSets.cpuShare']) {
      expect(METRICS.some((m) => m.key === k), k).toBe(true);
    }
    expect(parseSlo('rollouts.maxDurationSeconds<=5m')).toMatchObject({ metric: 'rollouts.maxDurationSeconds', op: '<=', target: 300 });
    expect(parseSlo('rollouts.deadlineExceeded<=0')).toMatchObject({ unit: 'rollouts', target: 0 });
  });
});

describe('orchsim plan with a rollout SLO (CLI)', () => {
  it('sizes the pool so the surge of a 25% maxSurge rollout fits: 4 nodes, not 3', async () => {
    const r = await orchsim('plan', 'scenarios/rollout-surge.yaml', '--pool', 'checkout', '--slo', 'rollouts.deadlineExceeded<=0', '--slo', 'rollouts.maxDurationSeconds<=5m', '--seeds', '3');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/answer\n {2}checkout = 4: 4 nodes, 1\.54\/h\./);
    expect(r.stdout).toMatch(/One fewer \(checkout = 3\) fails rollouts\.deadlineExceeded<=0/);
  });

  it('compare shows the rollout metrics', async () => {
    const r = await orchsim('compare', 'scenarios/rollout-surge.yaml', '--profiles', 'default,binpack', '--seeds', '2');
    expect(r.code, r.stderr).toBe(0);
    // Both profiles roll out alike here, so the rollout rows are folded under "No difference".
    expect(r.stdout).toMatch(/No difference:[^]*longest rollout;\s+rollouts\s+past\s+their\s+progress\s+deadline/);
    expect(r.stdout).not.toMatch(/pods preempted/);
  });
});

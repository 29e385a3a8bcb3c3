import { describe, expect, it } from 'vitest';
import { parseSlo } from '../../src/experiments/slo.js';
import { toRunRecord, queueMetricInfo } from '../../src/experiments/records.js';
import { prepareScenario, runPrepared } from '../../src/scenario/index.js';

/** Kueue's metrics in records (compare, sweep, plan) and SLOs on them. */
describe('queue metrics and SLOs', () => {
  it('parses per-queue and cohort-wide queue SLOs', () => {
    expect(parseSlo('queue.team-a.admissionWaitP95<=30m')).toMatchObject({ metric: 'queue.team-a.admissionWaitP95', op: '<=', target: 1800, unit: 's' });
    expect(parseSlo('clusterQueue.ml.pendingAtEnd<=0')).toMatchObject({ metric: 'clusterQueue.ml.pendingAtEnd', target: 0 });
    expect(parseSlo('gpuAllocation>=0.9')).toMatchObject({ metric: 'queueing.gpuAllocation', target: 0.9 });
    expect(parseSlo('admissionWaitP95<=5m').metric).toBe('queueing.admissionWaitP95');
    expect(() => parseSlo('queue.team-a.nonsense<=1')).toThrow(/unknown metric/);
    expect(queueMetricInfo('queue.team-a.dominantResourceShare')).toBeUndefined();
  });
  it('a run with queueing has the queueing metrics and one set per queue; without it they are null', () => {
    const task = { variant: 'base', params: {}, arm: 'a', seed: 7 };
    const m = toRunRecord(task, runPrepared(prepareScenario('scenarios/queues.yaml'))).metrics;
    expect(m['queueing.gpuAllocation']).toBeGreaterThan(0.3);
    expect(m['queue.team-a.admissionWaitP95']).toBeGreaterThan(0);
    expect(m['clusterQueue.team-a.dominantResourceShare']).toBeGreaterThan(0);
    expect(m['queue.ml.admitted']).toBe(4);
    const plain = toRunRecord(task, runPrepared(prepareScenario('scenarios/zone-spread.yaml'))).metrics;
    expect(plain['queueing.gpuAllocation']).toBeNull();
    expect(Object.keys(plain).some((k) => k.startsWith('queue.'))).toBe(false);
  });
});

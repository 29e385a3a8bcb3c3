import { describe, expect, it } from 'vitest';
import { planTasks, runTask } from '../../src/experiments/compare.js';
import { comparePlan } from '../../src/experiments/plans.js';

/**
 * scenarios/training-gangs.yaml, the default scenario's training story, on one seed per arm (the
 * README quotes the 10-seed compare): the 8-GPU jobs starve as one-pod jobs, not as gangs of
 * one-GPU workers; with the queue their wait moves to admission.
 */
describe('the default scenario\'s starving training jobs, as gangs and queued gangs', () => {
  const plan = comparePlan('scenarios/training-gangs.yaml', { seeds: 1 });
  const records = new Map(planTasks(plan).map((t) => [t.arm.name, runTask(t)]));
  const m = (arm: string) => records.get(arm)!.metrics;

  it('runs the three arms on the scenario seed', () => {
    expect([...records.keys()]).toEqual(['default', 'gangs', 'gangs+queue']);
  });

  it('default: an 8-GPU pod waits hours for a whole node, behind 1-4 GPU jobs that hardly wait', () => {
    expect(m('default')['workload.training-8gpu.waitMax']).toBeGreaterThan(3600);
    expect(m('default')['workload.training.waitP95']).toBeLessThan(60);
    expect(m('default')['gangs.scheduled']).toBeNull();
  });

  it('gangs: the same job as 8 one-GPU workers bound all or nothing fits the scattered GPUs; no GPU is held by a partial gang', () => {
    expect(m('gangs')['workload.training-8gpu.waitMax']).toBeLessThan(600);
    expect(m('gangs')['workload.training-8gpu.pendingAtEnd']).toBe(0);
    expect(m('gangs')['gangs.scheduled']).toBeGreaterThan(10);
    expect(m('gangs')['gangs.idleGpuShare']).toBeLessThan(0.01);
  });

  it('gangs+queue: admitted whole and in order, pods never wait for a node; the wait is at admission, where the queue owner sees it', () => {
    expect(m('gangs+queue')['workload.training-8gpu.waitMax']).toBe(0);
    expect(m('gangs+queue')['workload.training.waitMax']).toBe(0);
    expect(m('gangs+queue')['queue.training.admissionWaitMean']).toBeGreaterThan(0);
    expect(m('gangs+queue')['queue.training.preempted']).toBe(0);
  });
});

import { describe, expect, it } from 'vitest';
import { ClusterEvent } from '../../src/api/framework.js';
import { backoffSeconds, FifoSchedulingQueue, KubernetesSchedulingQueue } from '../../src/sim/scheduling-queue.js';

describe('backoffSeconds (calculateBackoffDuration)', () => {
  it('is 1 s doubling per failed attempt, capped at 10 s', () => {
    expect([1, 2, 3, 4, 5, 6].map((a) => backoffSeconds(a))).toEqual([1, 2, 4, 8, 10, 10]);
  });
});

describe('KubernetesSchedulingQueue', () => {
  it('pops by priority, then by queue time (PrioritySort)', () => {
    const q = new KubernetesSchedulingQueue();
    q.add(0, 0, 0);
    q.add(1, 100, 1);
    q.add(2, 0, 1);
    q.add(3, 100, 2);
    const order = [q.pop(5), q.pop(5), q.pop(5), q.pop(5), q.pop(5)];
    expect(order).toEqual([1, 3, 0, 2, -1]);
  });

  it('parks a failed pod until a cluster event, then backs it off before retrying', () => {
    const q = new KubernetesSchedulingQueue();
    q.add(7, 0, 0);
    expect(q.pop(0)).toBe(7);
    q.failed(7, 0, ClusterEvent.AssignedPodDelete); // attempt 1 failed: backoff 1 s
    expect(q.pop(0.5)).toBe(-1); // unschedulable: not retried without an event
    q.clusterChanged(0.5, ClusterEvent.AssignedPodDelete); // still backing off until t=1 -> backoffQ
    expect(q.pop(0.5)).toBe(-1);
    expect(q.nextWakeup(0.5)).toBe(1);
    expect(q.pop(1)).toBe(7);
    q.failed(7, 1, ClusterEvent.AssignedPodDelete); // attempt 2: backoff 2 s, until t=3
    q.clusterChanged(5, ClusterEvent.AssignedPodDelete); // already past backoff -> straight to activeQ
    expect(q.pop(5)).toBe(7);
    expect(q.attempts(7)).toBe(2);
  });

  it('retries a pod only on the cluster events its rejecting plugins registered', () => {
    const q = new KubernetesSchedulingQueue();
    q.add(1, 0, 0);
    q.add(2, 0, 0);
    q.pop(0);
    q.pop(0);
    q.failed(1, 0, ClusterEvent.NodeAdd | ClusterEvent.NodeUpdate); // e.g. an untolerated taint
    q.failed(2, 0, ClusterEvent.AssignedPodDelete | ClusterEvent.NodeAdd); // e.g. insufficient cpu
    q.clusterChanged(20, ClusterEvent.AssignedPodDelete);
    expect(q.pop(20)).toBe(2);
    expect(q.pop(20)).toBe(-1); // a pod leaving cannot help a taint
    q.clusterChanged(21, ClusterEvent.NodeAdd);
    expect(q.pop(21)).toBe(1);
  });

  it('flushes pods that stayed unschedulable for 5 minutes, on the 30 s flush tick', () => {
    const q = new KubernetesSchedulingQueue();
    q.add(1, 0, 10);
    q.pop(10);
    q.failed(1, 10, ClusterEvent.NodeAdd);
    expect(q.nextWakeup(10)).toBe(330); // due at 310, next 30 s tick is 330
    expect(q.pop(309)).toBe(-1);
    expect(q.pop(330)).toBe(1);
  });
});

describe('FifoSchedulingQueue', () => {
  it('blocks behind a head that does not fit until the cluster changes', () => {
    const q = new FifoSchedulingQueue();
    q.add(1);
    q.add(2);
    expect(q.pop()).toBe(1);
    q.failed(1, 0, ClusterEvent.AssignedPodDelete);
    expect(q.pop()).toBe(-1); // head-of-line blocking: 2 waits too
    q.clusterChanged(1, ClusterEvent.AssignedPodAdd); // cannot help the head
    expect(q.pop()).toBe(-1);
    q.clusterChanged(2, ClusterEvent.AssignedPodDelete);
    expect(q.pop()).toBe(1);
    expect(q.pop()).toBe(2);
    expect(q.attempts(1)).toBe(1);
  });
});

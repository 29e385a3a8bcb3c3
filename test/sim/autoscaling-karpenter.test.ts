import { describe, expect, it } from 'vitest';
import { PodPhase } from '../../src/api/pod.js';
import { expectPodsAccounted, run } from '../helpers/autoscaling-run.js';

/**
 * Karpenter's policy and the annotations that keep a node from voluntary disruption, driven by
 * the real engine (test/helpers/autoscaling-run.ts); moved out of autoscaling.test.ts, which had
 * grown past 700 lines.
 */

/** The scenario of both blocks: one service with a spike on an empty pool; `annotations` on its pods. */
const scenario = (policy: string, annotations: string) => `
horizon: 3h
sampleInterval: 1m
cluster:
  pools:
    - name: c8
      count: 0
      resources: { cpu: 8, memory: 32Gi }
      pricePerHour: 0.4
      autoscaling: { min: 0, max: 10, provisioningDelay: 60s }
clusterAutoscaler:
  policy: ${policy}
workloads:
  - type: service
    name: web
    replicas: 4
    requests: { cpu: 1, memory: 2Gi }
    startup: 5s${annotations}
    load:
      constant: 200
      spikes: [{ at: 30m, factor: 5, duration: 30m }]
      capacityPerReplica: 100
    autoscaling:
      minReplicas: 4
      maxReplicas: 30
      metrics:
        - type: Resource
          resource: { name: cpu, target: { type: Utilization, averageUtilization: 50 } }
      behavior:
        scaleDown:
          policies: [{ type: Pods, value: 2, periodSeconds: 60 }]
`;

describe('the karpenter policy end to end', () => {
  it('provisions nodes for pending pods, and consolidates (moving pods) once the load is gone', () => {
    const samples: { t: number; nodes: number; pending: number }[] = [];
    const overfull: string[] = [];
    const r = run(scenario('karpenter', ''), (sim, now) => {
      let pending = 0;
      for (let id = 0; id < sim.pods.length; id++) if (sim.pods.phase[id] === PodPhase.Pending) pending++;
      samples.push({ t: now, nodes: sim.cluster.liveNodes, pending });
      for (const n of sim.cluster.nodes) {
        if (!n.removed && n.requested.milliCPU > n.allocatable.milliCPU) overfull.push(`${now}s ${n.name}`);
      }
    });
    const ka = r.auto.actions.filter((a) => a.scaler === 'karpenter');
    // No node at all at first: the 4 replicas are pending, one scan later one node is asked for.
    expect(ka[0]).toMatchObject({ time: 10, action: 'scale-up', target: 'c8', from: 0, to: 1 });
    expect(r.auto.actions.find((a) => a.action === 'node-ready')).toMatchObject({ time: 70, target: 'c8-0' });
    // The spike (x5 from 30 min to 60 min): 20 replicas on 3 nodes.
    const peak = Math.max(...samples.map((s) => s.nodes));
    expect(peak).toBe(3);
    expect(ka.filter((a) => a.action === 'scale-up').every((a) => a.time < 3600)).toBe(true);
    // Every pending pod waits at most the provisioning delay plus a scan or two.
    expect(r.result.pendingSeconds.max).toBeLessThanOrEqual(60 + 2 * 10);
    // Nothing waits once the nodes are there: before the spike, and on its plateau.
    expect(samples.filter((s) => ((s.t >= 120 && s.t < 1800) || (s.t >= 2100 && s.t < 3600)) && s.pending > 0)).toEqual([]);
    // After the spike: consolidation removes nodes whose pods fit elsewhere, down to the one
    // node the 4 remaining 1-cpu replicas need.
    const removals = ka.filter((a) => a.action === 'node-removed');
    expect(removals.length).toBe(2);
    expect(removals.every((a) => a.time > 3600 && a.reason.startsWith('consolidation'))).toBe(true);
    expect(removals.some((a) => /[1-9]\d* pod\(s\) fit on other nodes/.test(a.reason))).toBe(true);
    expect(samples.at(-1)!.nodes).toBe(1);
    expect(r.result.pods).toMatchObject({ running: 4, pending: 0, bound: 0 });
    expectPodsAccounted(r.result);
    expect(overfull).toEqual([]);
    expect(r.overcommit).toEqual([]);
    // Cost below keeping the peak all along.
    expect(r.auto.pools[0]!.nodeHours).toBeLessThan(peak * 3);
    expect(r.auto.pools[0]!.nodes).toMatchObject({ max: 3, final: 1 });
  });
});

describe('annotations that keep a node from voluntary disruption', () => {
  const removedWithPods = (policy: string, annotations: string) => run(scenario(policy, annotations), () => {}).auto.actions.filter((a) => a.action === 'node-removed' && !/empty/.test(a.reason));

  it('karpenter.sh/do-not-disrupt: "true" keeps Karpenter from consolidating the nodes those pods run on', () => {
    expect(removedWithPods('karpenter', '').length).toBeGreaterThan(0);
    expect(removedWithPods('karpenter', "\n    annotations: { karpenter.sh/do-not-disrupt: 'true' }")).toEqual([]);
    // The cluster autoscaler's own annotation means nothing to Karpenter.
    expect(removedWithPods('karpenter', "\n    annotations: { cluster-autoscaler.kubernetes.io/safe-to-evict: 'false' }").length).toBeGreaterThan(0);
  });

  it('cluster-autoscaler.kubernetes.io/safe-to-evict: "false" keeps the cluster autoscaler from scaling those nodes down', () => {
    expect(removedWithPods('cluster-autoscaler', '').length).toBeGreaterThan(0);
    expect(removedWithPods('cluster-autoscaler', "\n    annotations: { cluster-autoscaler.kubernetes.io/safe-to-evict: 'false' }")).toEqual([]);
  });
});

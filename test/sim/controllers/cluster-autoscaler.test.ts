import { describe, expect, it } from 'vitest';
import type { ClusterAutoscaler, ClusterAutoscalerContext, ClusterScaleDecision, NodeGroupSpec } from '../../../src/api/autoscaling.js';
import { ClusterEvent } from '../../../src/api/framework.js';
import { PodPhase } from '../../../src/api/pod.js';
import { resources } from '../../../src/api/resources.js';
import { ClusterAutoscalerController, type SimNodeGroup } from '../../../src/sim/controllers/cluster-autoscaler.js';
import type { ScalingAction } from '../../../src/sim/results.js';
import { RandomStreams } from '../../../src/util/random.js';
import { Gi } from '../../helpers/cluster.js';
import { createPod, FirstFitScheduler, fixed, listen, nodeSpec, runningPod, service, store } from '../../helpers/store.js';

/**
 * The cluster autoscaler's driver and cloud alone, with a stub policy: scans every scan
 * interval, provisions nodes after the provisioning delay or fails them past
 * max-node-provision-time (15 min), drains and deletes nodes, bills the pools
 * (KUBERNETES.md section 5). The test plays the scheduler (failed attempts) and the kubelet.
 */

const GROUP: NodeGroupSpec = {
  name: 'g', min: 0, max: 3, pricePerHour: 2, priority: 0,
  template: { labels: { 'node.kubernetes.io/instance-type': 'big' }, taints: [], allocatable: resources({ milliCPU: 8000, memory: 32 * Gi }), allowedPodNumber: 50 },
};

interface Scan {
  now: number;
  groups: { targetSize: number; provisioning: number; lastScaleUpFailure: number }[];
  nodes: { name: string; group: string | undefined; ready: boolean; readySince: number }[];
  unschedulable: string[];
}

/** A stub policy: `plan(ctx)` decides (default: nothing); keeps what each scan saw. */
class StubAutoscaler implements ClusterAutoscaler {
  readonly name = 'stub';
  readonly scanInterval = 10;
  readonly scans: Scan[] = [];
  constructor(private readonly plan: (ctx: ClusterAutoscalerContext) => Partial<ClusterScaleDecision> = () => ({})) {}
  reconcile(ctx: ClusterAutoscalerContext): ClusterScaleDecision {
    this.scans.push({
      now: ctx.now,
      groups: ctx.groups.map((g) => ({ targetSize: g.targetSize, provisioning: g.provisioning, lastScaleUpFailure: g.lastScaleUpFailure })),
      nodes: ctx.nodes.map((n) => ({ name: n.node.name, group: n.group, ready: n.ready, readySince: n.readySince })),
      unschedulable: ctx.unschedulablePods.map((p) => p.name),
    });
    const d = this.plan(ctx);
    return { scaleUps: d.scaleUps ?? [], deletions: d.deletions ?? [] };
  }
}

function setup(policy: StubAutoscaler | undefined, provisioningDelay = 180, horizon = 1000) {
  const nodes = [nodeSpec('static', { pool: 'static' }), nodeSpec('g-0', { cpu: 8, memory: 32 * Gi, pool: 'gpool', group: 'g', pricePerHour: 2 })];
  const s = store(nodes, [service('web', 2, { minAvailable: 1 })]);
  const groups: SimNodeGroup[] = [{ spec: GROUP, pool: 'gpool', provisioningDelay: fixed(provisioningDelay), maxProvisionTime: 900 }];
  const streams = new RandomStreams(1);
  const controller = new ClusterAutoscalerController(s.api, policy, groups, nodes, new FirstFitScheduler(), streams, streams.get('autoscaler/cluster'), horizon);
  const actions = listen(s.api, 'scalingAction');
  const billed = listen(s.api, 'billed');
  const events = listen(s.api, 'clusterChanged');
  controller.start();
  return { ...s, actions, billed, events };
}

const action = (time: number, scaler: string, kind: ScalingAction['action'], target: string, from: number, to: number, reason: string): ScalingAction =>
  ({ time, scaler, action: kind, target, from, to, reason });

describe('ClusterAutoscalerController: scans', () => {
  it('scans every scan interval, the first one scan interval in', () => {
    const policy = new StubAutoscaler();
    const { engine } = setup(policy, 180, 45);
    engine.run(45);
    expect(policy.scans.map((s) => s.now)).toEqual([10, 20, 30, 40]);
    expect(policy.scans[0]!.nodes).toEqual([
      { name: 'static', group: undefined, ready: true, readySince: 0 },
      { name: 'g-0', group: 'g', ready: true, readySince: 0 },
    ]);
    expect(policy.scans[0]!.groups).toEqual([{ targetSize: 1, provisioning: 0, lastScaleUpFailure: NaN }]);
  });

  it('without a policy nothing is scheduled', () => {
    const { engine, actions } = setup(undefined);
    engine.run(1000);
    expect(engine.processed).toBe(0);
    expect(actions).toEqual([]);
  });

  it('shows the policy the pods the scheduler could not place, their controllers and their disruption budgets', () => {
    let seen: [string, string, number][] = [];
    const policy = new StubAutoscaler((ctx) => {
      if (ctx.now === 10) seen = ctx.unschedulablePods.map((p) => [p.name, ctx.controllerOf(p).kind, ctx.disruptionsAllowed(p)]);
      return {};
    });
    const { engine, api } = setup(policy);
    runningPod(api, 0, 1);
    runningPod(api, 0, 1);
    const tried = createPod(api, 0);
    createPod(api, 0); // never tried: not unschedulable yet
    api.recordAttempt(tried, 2, true);
    engine.run(10);
    expect(policy.scans[0]!.unschedulable).toEqual(['web-2']);
    // minAvailable 1 with 2 ready: one more may go.
    expect(seen).toEqual([['web-2', 'Deployment', 1]]);
  });
});

describe('ClusterAutoscalerController: scale-up', () => {
  it('a scale-up adds a node from the group template after the provisioning delay, billed from the request', () => {
    const policy = new StubAutoscaler((ctx) => (ctx.now === 10 ? { scaleUps: [{ group: 'g', count: 1, reason: 'pending pods' }] } : {}));
    const { engine, api, actions, billed, events } = setup(policy);
    const added = listen(api, 'nodeAdded');
    engine.run(189.999);
    expect(api.cluster.liveNodes).toBe(2);
    engine.run(200);
    expect(added.map((h) => [h.t, h.args[0].name])).toEqual([[190, 'g-1']]);
    const node = api.cluster.nodeByName('g-1')!;
    expect(node.allocatable.milliCPU).toBe(8000);
    expect(node.allowedPodNumber).toBe(50);
    expect(node.labels).toEqual({ 'node.kubernetes.io/instance-type': 'big', 'kubernetes.io/hostname': 'g-1' });
    expect(node.pool).toBe('gpool');
    expect(actions.map((h) => h.args[0])).toEqual([
      action(10, 'stub', 'scale-up', 'g', 1, 2, 'pending pods'),
      action(190, 'cloud', 'node-ready', 'g-1', 1, 2, 'group g'),
    ]);
    expect(billed.map((h) => [h.t, ...h.args])).toEqual([[10, 'gpool', 1, 0], [190, 'gpool', 0, 1]]);
    expect(events.map((h) => [h.t, h.args[0]])).toEqual([[190, ClusterEvent.NodeAdd]]);
    // While it provisions, the group's target size counts it; once ready, it is a node.
    expect(policy.scans.find((s) => s.now === 20)!.groups).toEqual([{ targetSize: 2, provisioning: 1, lastScaleUpFailure: NaN }]);
    expect(policy.scans.find((s) => s.now === 200)!.groups).toEqual([{ targetSize: 2, provisioning: 0, lastScaleUpFailure: NaN }]);
    expect(policy.scans.find((s) => s.now === 200)!.nodes.at(-1)).toEqual({ name: 'g-1', group: 'g', ready: true, readySince: 190 });
  });

  it('a node not ready within max-node-provision-time (900 s) is a failed scale-up, billed until then', () => {
    const policy = new StubAutoscaler((ctx) => (ctx.now === 10 ? { scaleUps: [{ group: 'g', count: 2, reason: 'pending pods' }] } : {}));
    const { engine, api, actions, billed } = setup(policy, 1000, 1500);
    engine.run(1500);
    expect(api.cluster.liveNodes).toBe(2);
    expect(actions.map((h) => h.args[0])).toEqual([
      action(10, 'stub', 'scale-up', 'g', 1, 3, 'pending pods'),
      action(910, 'cloud', 'scale-up-failed', 'g', 3, 2, 'node not ready within 900s'),
      action(910, 'cloud', 'scale-up-failed', 'g', 2, 1, 'node not ready within 900s'),
    ]);
    expect(billed.map((h) => [h.t, ...h.args])).toEqual([[10, 'gpool', 1, 0], [10, 'gpool', 1, 0], [910, 'gpool', -1, 0], [910, 'gpool', -1, 0]]);
    expect(policy.scans.find((s) => s.now === 920)!.groups).toEqual([{ targetSize: 1, provisioning: 0, lastScaleUpFailure: 910 }]);
  });

  it('a scale-up past the group\'s max is the policy\'s bug, named', () => {
    const policy = new StubAutoscaler(() => ({ scaleUps: [{ group: 'g', count: 3, reason: 'too many' }] }));
    const { engine } = setup(policy);
    expect(() => engine.run(10)).toThrow('cluster autoscaler stub: scale-up takes group g from 1 above its max 3');
  });
});

describe('ClusterAutoscalerController: scale-down', () => {
  it('a deletion cordons and drains the node (its pods deleted, not failed), deletes it and stops billing it', () => {
    const policy = new StubAutoscaler((ctx) => (ctx.now === 10 ? { deletions: [{ node: 'g-0', reason: 'underutilized' }] } : {}));
    const { engine, api, actions, billed, events } = setup(policy);
    const removed = listen(api, 'podRemoved');
    const gone = listen(api, 'nodeRemoved');
    const a = runningPod(api, 0, 1);
    const b = runningPod(api, 0, 0);
    engine.run(25);
    expect(removed.map((h) => [h.t, h.args[0], h.args[1], h.args[2]])).toEqual([[10, a, PodPhase.Running, 'deleted']]);
    expect(api.pods.isOnNode(b)).toBe(true);
    expect(gone.map((h) => h.args)).toEqual([[1, 10]]);
    expect(api.cluster.nodeByName('g-0')).toBeUndefined();
    expect(api.cluster.liveNodes).toBe(1);
    expect(api.workloads[0]!.ready).toBe(1);
    expect(actions.map((h) => h.args[0])).toEqual([action(10, 'stub', 'node-removed', 'g-0', 1, 0, 'underutilized')]);
    expect(billed.map((h) => [h.t, ...h.args])).toEqual([[10, 'gpool', -1, -1]]);
    expect(events.map((h) => [h.t, h.args[0]])).toEqual([[10, ClusterEvent.AssignedPodDelete]]);
    expect(policy.scans[1]!.nodes.map((n) => n.name)).toEqual(['static']);
  });

  it('deleting a node outside any group, or an unknown node, is the policy\'s bug, named', () => {
    const outside = new StubAutoscaler(() => ({ deletions: [{ node: 'static', reason: 'x' }] }));
    expect(() => setup(outside).engine.run(10)).toThrow('cluster autoscaler stub: node static belongs to no node group');
    const unknown = new StubAutoscaler(() => ({ deletions: [{ node: 'nope', reason: 'x' }] }));
    expect(() => setup(unknown).engine.run(10)).toThrow('cannot delete unknown node "nope"');
  });
});

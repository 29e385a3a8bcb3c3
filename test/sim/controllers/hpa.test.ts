import { describe, expect, it } from 'vitest';
import {
  DEFAULT_SCALE_DOWN_RULES, DEFAULT_SCALE_UP_RULES, HPA_DEFAULTS, type HorizontalAutoscaler, type HorizontalPodAutoscalerSpec, type HorizontalScaleDecision, type ScaleTargetStatus,
} from '../../../src/api/autoscaling.js';
import { HpaController } from '../../../src/sim/controllers/hpa.js';
import type { ScalingAction } from '../../../src/sim/results.js';
import type { ServiceWorkload } from '../../../src/api/workload.js';
import { createPod, listen, nodeSpec, service, start, store } from '../../helpers/store.js';

/**
 * The HPA controller alone, with a stub policy: it syncs every sync period (15 s) after its
 * service starts, shows the policy the Deployment's pods, and turns the policy's desired count
 * into spec.replicas and an action. The test plays the workload controller and the kubelet.
 */

const SPEC: HorizontalPodAutoscalerSpec = {
  minReplicas: 1, maxReplicas: 10, metrics: [{ type: 'Resource', name: 'cpu', target: { type: 'Utilization', averageUtilization: 50 } }],
  behavior: { scaleUp: DEFAULT_SCALE_UP_RULES, scaleDown: DEFAULT_SCALE_DOWN_RULES },
  tolerance: HPA_DEFAULTS.tolerance, cpuInitializationPeriod: HPA_DEFAULTS.cpuInitializationPeriod, initialReadinessDelay: HPA_DEFAULTS.initialReadinessDelay,
};

interface Seen {
  now: number;
  current: number;
  pods: { name: string; phase: string; ready: boolean; startTime: number; readyTransitionTime: number; cpu: number | undefined }[];
}

/** A stub policy: answers `plan(now, current)` (default: no change), and keeps what each sync saw. */
class StubHpa implements HorizontalAutoscaler {
  readonly spec = SPEC;
  readonly seen: Seen[] = [];
  constructor(private readonly plan: (now: number, current: number) => number = (_now, current) => current) {}
  sync(target: ScaleTargetStatus, now: number): HorizontalScaleDecision {
    this.seen.push({
      now,
      current: target.currentReplicas,
      pods: target.pods.map((p) => ({ name: p.name, phase: p.phase, ready: p.ready, startTime: p.startTime, readyTransitionTime: p.readyTransitionTime, cpu: p.metric('cpu')?.value })),
    });
    return { desiredReplicas: this.plan(now, target.currentReplicas), reason: 'stub' };
  }
}

function setup(workloads: ServiceWorkload[], horizon = 1000) {
  const s = store([nodeSpec('n0', { cpu: 16 })], workloads);
  const hpa = new HpaController(s.api, horizon);
  const actions = listen(s.api, 'scalingAction');
  /** spec.replicas changes as heard: time, before, after. */
  const desired: number[][] = [];
  s.api.on('desiredChanged', (wr, now, before) => desired.push([now, before, wr.desired]));
  hpa.start();
  return { ...s, actions, desired };
}

describe('HpaController', () => {
  it('syncs every 15 s, the first one sync period after its service starts', () => {
    const policy = new StubHpa();
    const { engine, actions } = setup([service('web', 2, { startAt: 100, autoscaler: policy })], 160);
    engine.run(160);
    expect(policy.seen.map((s) => s.now)).toEqual([115, 130, 145, 160]);
    expect(policy.seen.map((s) => s.current)).toEqual([2, 2, 2, 2]);
    // No change, no action.
    expect(actions).toEqual([]);
  });

  it('follows the service\'s own sync period', () => {
    const policy = new StubHpa();
    const { engine } = setup([service('web', 2, { startAt: 10, autoscaler: policy, hpaSyncPeriod: 30 })], 100);
    engine.run(100);
    expect(policy.seen.map((s) => s.now)).toEqual([40, 70, 100]);
  });

  it('the policy\'s desired count becomes spec.replicas, with a scale-up or scale-down action', () => {
    const policy = new StubHpa((now, current) => (now === 30 ? 5 : now === 60 ? 3 : current));
    const { engine, api, actions, desired } = setup([service('web', 2, { autoscaler: policy })], 100);
    engine.run(100);
    const action = (time: number, kind: ScalingAction['action'], from: number, to: number): ScalingAction => ({ time, scaler: 'hpa/web', action: kind, target: 'web', from, to, reason: 'stub' });
    expect(actions.map((h) => h.args[0])).toEqual([action(30, 'scale-up', 2, 5), action(60, 'scale-down', 5, 3)]);
    expect(desired).toEqual([[30, 2, 5], [60, 5, 3]]);
    expect(api.workloads[0]!.desired).toBe(3);
    expect(policy.seen.map((s) => s.current)).toEqual([2, 2, 5, 5, 3, 3]);
  });

  it('shows the policy the Deployment\'s pods as they are: pending, starting, running and ready, gone', () => {
    const policy = new StubHpa();
    const { engine, api } = setup([service('web', 2, { autoscaler: policy })], 45);
    const a = createPod(api, 0);
    const b = createPod(api, 0);
    engine.run(5);
    api.bind(a, 0, undefined);
    api.bind(b, 0, undefined);
    engine.run(10);
    start(api, a);
    engine.run(20);
    start(api, b);
    engine.run(35);
    api.stopContainers(b);
    api.removePod(b, 'failed');
    engine.run(45);
    const [s15, s30, s45] = policy.seen;
    expect(s15!.pods).toEqual([
      // A ready pod has a metric once it has been ready for the metrics-server resolution (15 s).
      { name: 'web-0', phase: 'Running', ready: true, startTime: 5, readyTransitionTime: 10, cpu: undefined },
      { name: 'web-1', phase: 'Pending', ready: false, startTime: 5, readyTransitionTime: NaN, cpu: undefined },
    ]);
    expect(s30!.pods.map((p) => [p.name, p.phase, p.ready, p.cpu])).toEqual([['web-0', 'Running', true, 0], ['web-1', 'Running', true, undefined]]);
    expect(s45!.pods.map((p) => p.name)).toEqual(['web-0']);
  });

  // Issue 18, item 4: the HPA's pod readiness is the pod's Ready condition.
  it('a pod Ready by its readiness probe is unready until then, and shows that Ready transition, not its start', () => {
    const policy = new StubHpa();
    const { engine, api } = setup([service('web', 1, { autoscaler: policy })], 30);
    const a = createPod(api, 0);
    api.bind(a, 0, undefined);
    engine.run(3);
    api.startPod(a);
    api.podChanged(a);
    engine.run(15);
    api.replicaReady(a, 'rescheduled', true);
    api.podChanged(a);
    engine.run(30);
    const [s15, s30] = policy.seen;
    expect(s15!.pods[0]).toMatchObject({ phase: 'Running', ready: false });
    expect(s30!.pods[0]).toMatchObject({ phase: 'Running', ready: true, readyTransitionTime: 15, cpu: 0 });
  });

  it('HPAs with the same first sync and period sync in workload order at the same time; services without one are left alone', () => {
    const order: string[] = [];
    const mk = (name: string) => new StubHpa((now, current) => {
      order.push(`${now}:${name}`);
      return current;
    });
    const { engine } = setup([service('a', 1, { autoscaler: mk('a') }), service('plain', 1), service('b', 1, { autoscaler: mk('b') })], 30);
    engine.run(30);
    expect(order).toEqual(['15:a', '15:b', '30:a', '30:b']);
  });

  it('a desired count that is not a count is the policy\'s bug, named', () => {
    const policy = new StubHpa(() => 2.5);
    const { engine } = setup([service('web', 2, { autoscaler: policy })], 100);
    expect(() => engine.run(100)).toThrow('HPA of web: desired replicas 2.5 is not a count');
  });
});

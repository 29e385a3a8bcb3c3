import { describe, expect, it } from 'vitest';
import { ClusterEvent } from '../../../src/api/framework.js';
import type { Taint } from '../../../src/api/node.js';
import { PodPhase } from '../../../src/api/pod.js';
import { NodeLifecycleController } from '../../../src/sim/controllers/node-lifecycle.js';
import { NO_FAILURES, TAINT_UNREACHABLE_NO_EXECUTE, TAINT_UNREACHABLE_NO_SCHEDULE, type FailureConfig } from '../../../src/sim/failures.js';
import { listen, nodeSpec, openIncident, podSpec, runningPod, service, store } from '../../helpers/store.js';

/**
 * The node lifecycle controller and its taint manager alone: the test fails and repairs nodes
 * (the failure injector's part) and binds pods (the scheduler's part). Timings: KUBERNETES.md
 * section 3 (node-monitor-grace-period 50 s, DefaultTolerationSeconds 300 s).
 */

const SPEC_TAINT: Taint = { key: 'dedicated', value: 'web', effect: 'NoSchedule' };
const UNREACHABLE = [TAINT_UNREACHABLE_NO_SCHEDULE, TAINT_UNREACHABLE_NO_EXECUTE];

function setup(failures: FailureConfig = NO_FAILURES) {
  const s = store([nodeSpec('n0', { taints: [SPEC_TAINT] }), nodeSpec('n1')], [
    service('web', 2),
    service('tolerant', 1, { spec: podSpec({ tolerations: [{ key: TAINT_UNREACHABLE_NO_EXECUTE.key, operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 30 }] }) }),
    service('forever', 1, { spec: podSpec({ tolerations: [{ operator: 'Exists' }] }) }),
  ]);
  new NodeLifecycleController(s.api, failures);
  const removed = listen(s.api, 'podRemoved');
  const events = listen(s.api, 'clusterChanged');
  return { ...s, removed, events };
}

describe('NodeLifecycleController: detection', () => {
  it('marks a failed node NotReady and taints it unreachable exactly 50 s (node-monitor-grace-period) after it failed', () => {
    const { engine, api } = setup();
    engine.run(100);
    const inc = openIncident(api);
    api.nodeFailed(0, inc.id);
    engine.run(149.999);
    expect(api.isNodeReady(0)).toBe(true);
    expect(api.cluster.nodes[0]!.taints).toEqual([SPEC_TAINT]);
    engine.run(150);
    expect(api.isNodeReady(0)).toBe(false);
    // The declared taints stay, the unreachable ones are added.
    expect(api.cluster.nodes[0]!.taints).toEqual([SPEC_TAINT, ...UNREACHABLE]);
    expect(inc.detected).toBe(150);
    expect(api.isNodeReady(1)).toBe(true);
  });

  it('follows the configured grace period (40 s before Kubernetes 1.32)', () => {
    const { engine, api } = setup({ ...NO_FAILURES, nodeMonitorGracePeriod: 40 });
    engine.run(100);
    const inc = openIncident(api);
    api.nodeFailed(1, inc.id);
    engine.run(139.999);
    expect(api.isNodeReady(1)).toBe(true);
    engine.run(140);
    expect(api.isNodeReady(1)).toBe(false);
    expect(inc.detected).toBe(140);
  });

  it('a node back within the grace period is never NotReady; a later failure is detected from its own onset', () => {
    const { engine, api } = setup();
    engine.run(100);
    api.nodeFailed(1, openIncident(api).id);
    engine.run(120);
    api.nodeRepaired(1);
    engine.run(140);
    const second = openIncident(api);
    api.nodeFailed(1, second.id);
    engine.run(189.999);
    expect(api.isNodeReady(1)).toBe(true);
    engine.run(190);
    expect(api.isNodeReady(1)).toBe(false);
    expect(api.incidents[0]!.detected).toBeNaN();
    expect(second.detected).toBe(190);
  });

  it('a node back after detection is Ready and has its declared taints only', () => {
    const { engine, api } = setup();
    api.nodeFailed(0, openIncident(api).id);
    engine.run(200);
    api.nodeRepaired(0);
    expect(api.isNodeReady(0)).toBe(true);
    expect(api.cluster.nodes[0]!.taints).toEqual([SPEC_TAINT]);
  });
});

describe('NodeLifecycleController: eviction by the taint manager', () => {
  it('evicts the pods of an unreachable node 300 s (default toleration) after it was marked NotReady', () => {
    const { engine, api, removed, events } = setup();
    const a = runningPod(api, 0, 0);
    const b = runningPod(api, 0, 0);
    const other = runningPod(api, 0, 1);
    engine.run(100);
    const inc = openIncident(api);
    api.joinIncident(a, inc);
    api.nodeFailed(0, inc.id);
    engine.run(449.999);
    expect(removed).toEqual([]);
    engine.run(1000);
    expect(removed.map((h) => [h.t, h.args[0], h.args[2]])).toEqual([[450, a, 'failed'], [450, b, 'failed']]);
    expect(api.pods.phase[a]).toBe(PodPhase.Failed);
    expect(api.pods.isOnNode(other)).toBe(true);
    expect(api.cluster.nodes[0]!.pods).toEqual([]);
    expect(events.map((h) => [h.t, h.args[0]])).toEqual([[450, ClusterEvent.AssignedPodDelete], [450, ClusterEvent.AssignedPodDelete]]);
    expect(inc.evicted).toBe(450);
  });

  it('honours a pod\'s own NoExecute tolerationSeconds, and never evicts a pod that tolerates the taint for ever', () => {
    const { engine, api, removed } = setup();
    const web = runningPod(api, 0, 0);
    const tolerant = runningPod(api, 1, 0);
    const forever = runningPod(api, 2, 0);
    engine.run(100);
    api.nodeFailed(0, openIncident(api).id);
    engine.run(5000);
    expect(removed.map((h) => [h.t, h.args[0]])).toEqual([[180, tolerant], [450, web]]);
    expect(api.pods.isBoundTo(forever, 0)).toBe(true);
  });

  it('a node back before the eviction calls it off', () => {
    const { engine, api, removed } = setup();
    const a = runningPod(api, 0, 0);
    engine.run(100);
    api.nodeFailed(0, openIncident(api).id);
    engine.run(449);
    api.nodeRepaired(0);
    engine.run(5000);
    expect(removed).toEqual([]);
    expect(api.pods.isBoundTo(a, 0)).toBe(true);
  });

  it('a node that fails again after coming back evicts only on the new failure\'s schedule', () => {
    const { engine, api, removed } = setup();
    const a = runningPod(api, 0, 0);
    api.nodeFailed(0, openIncident(api).id);
    engine.run(300); // NotReady at 50, eviction planned for 350
    api.nodeRepaired(0);
    engine.run(320);
    api.nodeFailed(0, openIncident(api).id);
    engine.run(5000);
    // The old plan (350) is stale; the new failure: NotReady at 370, evicted at 670.
    expect(removed.map((h) => [h.t, h.args[0]])).toEqual([[670, a]]);
  });

  it('a pod bound to a NotReady node (it tolerates NoSchedule) is evicted its toleration after the bind', () => {
    const { engine, api, removed } = setup();
    api.nodeFailed(1, openIncident(api).id);
    engine.run(500); // NotReady since 50
    const id = api.createPod(0, 'web-x', podSpec(), Infinity);
    api.bind(id, 1, undefined);
    engine.run(5000);
    expect(removed.map((h) => [h.t, h.args[0]])).toEqual([[800, id]]);
  });

  it('a pod already removed (its Job failed, a scale-down) is not evicted again', () => {
    const { engine, api, removed } = setup();
    const a = runningPod(api, 0, 0);
    api.nodeFailed(0, openIncident(api).id);
    engine.run(100);
    api.stopContainers(a);
    api.removePod(a, 'deleted');
    engine.run(5000);
    expect(removed.map((h) => [h.t, h.args[2]])).toEqual([[100, 'deleted']]);
  });
});

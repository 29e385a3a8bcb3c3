import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ClusterEvent } from '../../src/api/framework.js';
import { NodeLifecycleController } from '../../src/sim/controllers/node-lifecycle.js';
import { NO_FAILURES, TAINT_UNREACHABLE_NO_EXECUTE } from '../../src/sim/failures.js';
import { expectRunsIdenticalWithSwitch, restoreEnvAfterEach } from '../helpers/scheduler-ab.js';
import { listen, nodeSpec, openIncident, podSpec, service, store } from '../helpers/store.js';

/**
 * Dormant subscriptions (Lifecycle.onDormant): a subscriber keeps its place among the hook's
 * subscribers but is called only once woken. The node lifecycle's podBound sleeps until a node
 * is first NotReady. ORCHSIM_NO_DORMANT_HOOKS=1 subscribes them awake from the start; either
 * way every notification and every result must be the same.
 */
describe('Lifecycle.onDormant', () => {
  restoreEnvAfterEach('ORCHSIM_NO_DORMANT_HOOKS');

  it('a woken subscriber is heard in its place; woken during a notification, from the next one', () => {
    const { api } = store([nodeSpec('n0')], []);
    const heard: string[] = [];
    let wake = (): void => {};
    api.on('clusterChanged', () => {
      heard.push('a');
      if (heard.length === 3) wake();
    });
    wake = api.onDormant('clusterChanged', () => heard.push('b'));
    api.on('clusterChanged', () => heard.push('c'));
    api.clusterChanged(ClusterEvent.AssignedPodDelete);
    expect(heard).toEqual(['a', 'c']);
    api.clusterChanged(ClusterEvent.AssignedPodDelete); // 'a' wakes 'b' here: this notification goes on without it
    api.on('clusterChanged', () => heard.push('d'));
    api.clusterChanged(ClusterEvent.AssignedPodDelete);
    wake();
    api.clusterChanged(ClusterEvent.AssignedPodDelete);
    expect(heard).toEqual(['a', 'c', 'a', 'c', 'a', 'b', 'c', 'd', 'a', 'b', 'c', 'd']);
  });

  it('with ORCHSIM_NO_DORMANT_HOOKS=1 the subscriber is awake from the start', () => {
    process.env.ORCHSIM_NO_DORMANT_HOOKS = '1';
    const { api } = store([nodeSpec('n0')], []);
    const heard: string[] = [];
    api.on('clusterChanged', () => heard.push('a'));
    api.onDormant('clusterChanged', () => heard.push('b'));
    api.clusterChanged(ClusterEvent.AssignedPodDelete);
    expect(heard).toEqual(['a', 'b']);
  });

  /**
   * Random node failures and repairs, and pods bound to random nodes, some tolerating the
   * unreachable taints (so binds to NotReady nodes happen): the evictions the node lifecycle
   * plans are the same with dormant subscriptions on and off.
   */
  it('the node lifecycle evicts the same pods at the same times, dormant or not (property)', () => {
    const op = fc.oneof(
      fc.record({ kind: fc.constant('fail' as const), node: fc.integer({ min: 0, max: 2 }) }),
      fc.record({ kind: fc.constant('repair' as const), node: fc.integer({ min: 0, max: 2 }) }),
      fc.record({ kind: fc.constant('bind' as const), node: fc.integer({ min: 0, max: 2 }), wi: fc.integer({ min: 0, max: 1 }) }),
    );
    const steps = fc.array(fc.record({ dt: fc.integer({ min: 0, max: 400 }), op }), { maxLength: 40 });
    const run = (plan: { dt: number; op: { kind: 'fail' | 'repair' | 'bind'; node: number; wi?: number } }[], off: boolean) => {
      if (off) process.env.ORCHSIM_NO_DORMANT_HOOKS = '1';
      else delete process.env.ORCHSIM_NO_DORMANT_HOOKS;
      const { engine, api } = store([nodeSpec('n0'), nodeSpec('n1'), nodeSpec('n2')], [
        service('web', 0),
        service('tolerant', 0, { spec: podSpec({ tolerations: [{ key: TAINT_UNREACHABLE_NO_EXECUTE.key, operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 30 }] }) }),
      ]);
      new NodeLifecycleController(api, NO_FAILURES);
      const removed = listen(api, 'podRemoved');
      const down = [false, false, false];
      let t = 0;
      for (const { dt, op: o } of plan) {
        t += dt;
        engine.run(t);
        if (o.kind === 'fail' && !down[o.node]) {
          down[o.node] = true;
          api.nodeFailed(o.node, openIncident(api).id);
        } else if (o.kind === 'repair' && down[o.node]) {
          down[o.node] = false;
          api.nodeRepaired(o.node);
        } else if (o.kind === 'bind') {
          const id = api.createPod(o.wi!, `p${api.pods.length}`, api.workloads[o.wi!]!.w.kind === 'service' ? (api.workloads[o.wi!]!.w as { spec: ReturnType<typeof podSpec> }).spec : podSpec(), Infinity);
          api.bind(id, o.node, undefined);
        }
      }
      engine.run(t + 10_000);
      return removed.map((h) => [h.t, ...h.args]);
    };
    fc.assert(fc.property(steps, (plan) => {
      expect(run(plan, false)).toEqual(run(plan, true));
    }), { numRuns: 200 });
  });

  it('random whole runs give byte-identical results with ORCHSIM_NO_DORMANT_HOOKS on and off (property)', () => {
    expectRunsIdenticalWithSwitch('ORCHSIM_NO_DORMANT_HOOKS', 10);
  });
});

import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Taint } from '../../../src/api/node.js';
import { PodPhase, type PodSpec } from '../../../src/api/pod.js';
import { prepareScenario } from '../../../src/scenario/index.js';
import { createSimulation } from '../../../src/scenario/runner.js';
import { daemonPodForNode, daemonPodTolerations, nodeShouldRunDaemonPod } from '../../../src/sim/daemon-pods.js';
import type { Simulation, SimulationResult } from '../../../src/sim/simulation.js';
import { makeSpec } from '../../helpers/cluster.js';
import { overcommitChecker } from '../../helpers/invariants.js';

/**
 * DaemonSets: the daemon controller's predicate against upstream's NodeShouldRunDaemonPod cases
 * (pkg/controller/daemon/daemon_controller_test.go), and runs of whole scenarios: one pod per
 * eligible node, on nodes the cluster autoscaler adds too, left alone by drains, and counted in
 * the template nodes a scale-up is judged on.
 */

const dir = mkdtempSync(join(tmpdir(), 'orchsim-daemonsets-'));
let fileNo = 0;

function run(yaml: string): { sim: Simulation; result: SimulationResult; overcommit: string[] } {
  const f = join(dir, `s${fileNo++}.yaml`);
  writeFileSync(f, yaml);
  const { resolved, runOptions } = prepareScenario(f);
  const oc = overcommitChecker();
  const sim = createSimulation(resolved, { ...runOptions, onBind: oc.onBind });
  const result = sim.run();
  return { sim, result, overcommit: oc.violations };
}

/** Per live node: the names of the pods of `prefix` bound or running on it. */
function daemonPodsByNode(sim: Simulation, prefix: string): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const n of sim.cluster.nodes) {
    if (n.removed) continue;
    out.set(n.name, n.pods.filter((p) => p.name.startsWith(`${prefix}-`)).map((p) => p.name));
  }
  return out;
}

const node = (name: string, labels: Record<string, string> = {}, taints: Taint[] = []) => ({ name, labels, taints });
const daemon = (spec: Partial<PodSpec> = {}): PodSpec => {
  const s = { ...makeSpec({ cpu: 100, memory: 128 * 2 ** 20 }), ...spec };
  return { ...s, tolerations: daemonPodTolerations(s.tolerations) };
};

describe('nodeShouldRunDaemonPod, as upstream', () => {
  const cases: [string, PodSpec, ReturnType<typeof node>, boolean, boolean][] = [
    ['a plain node', daemon(), node('n'), true, true],
    ['taint NoSchedule, not tolerated: not scheduled, a running pod stays', daemon(), node('n', {}, [{ key: 'dedicated', value: 'db', effect: 'NoSchedule' }]), false, true],
    ['taint NoExecute, not tolerated: neither', daemon(), node('n', {}, [{ key: 'dedicated', value: 'db', effect: 'NoExecute' }]), false, false],
    ['taint PreferNoSchedule: ignored', daemon(), node('n', {}, [{ key: 'dedicated', value: 'db', effect: 'PreferNoSchedule' }]), true, true],
    ['taint NoSchedule tolerated', daemon({ tolerations: [{ key: 'dedicated', operator: 'Equal', value: 'db', effect: 'NoSchedule' }] }), node('n', {}, [{ key: 'dedicated', value: 'db', effect: 'NoSchedule' }]), true, true],
    ['toleration of another value', daemon({ tolerations: [{ key: 'dedicated', operator: 'Equal', value: 'web' }] }), node('n', {}, [{ key: 'dedicated', value: 'db', effect: 'NoSchedule' }]), false, true],
    ['unschedulable taint: tolerated by default', daemon(), node('n', {}, [{ key: 'node.kubernetes.io/unschedulable', effect: 'NoSchedule' }]), true, true],
    ['unreachable NoExecute: tolerated by default', daemon(), node('n', {}, [{ key: 'node.kubernetes.io/unreachable', effect: 'NoExecute' }]), true, true],
    ['not-ready NoExecute: tolerated by default', daemon(), node('n', {}, [{ key: 'node.kubernetes.io/not-ready', effect: 'NoExecute' }]), true, true],
    ['memory-pressure: tolerated by default', daemon(), node('n', {}, [{ key: 'node.kubernetes.io/memory-pressure', effect: 'NoSchedule' }]), true, true],
    ['network-unavailable: only hostNetwork pods', daemon(), node('n', {}, [{ key: 'node.kubernetes.io/network-unavailable', effect: 'NoSchedule' }]), false, true],
    ['node selector matches', daemon({ nodeSelector: { disk: 'ssd' } }), node('n', { disk: 'ssd' }), true, true],
    ['node selector does not match', daemon({ nodeSelector: { disk: 'ssd' } }), node('n', { disk: 'hdd' }), false, false],
    ['required node affinity does not match', daemon({ affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'zone', operator: 'In', values: ['a'] }] }] } } } }), node('n', { zone: 'b' }), false, false],
    ['required node affinity matches', daemon({ affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'zone', operator: 'In', values: ['a'] }] }] } } } }), node('n', { zone: 'a' }), true, true],
    ['nodeName of another node', daemon({ nodeName: 'm' }), node('n'), false, false],
  ];
  for (const [what, spec, n, shouldRun, shouldContinueRunning] of cases) {
    it(what, () => expect(nodeShouldRunDaemonPod(spec, n)).toEqual({ shouldRun, shouldContinueRunning }));
  }

  it('hostNetwork daemon pods tolerate network-unavailable', () => {
    const s = makeSpec();
    const spec = { ...s, tolerations: daemonPodTolerations(undefined, true) };
    expect(nodeShouldRunDaemonPod(spec, node('n', {}, [{ key: 'node.kubernetes.io/network-unavailable', effect: 'NoSchedule' }])).shouldRun).toBe(true);
  });

  it('the defaults are added once; a template toleration for the same key and effect is kept as written', () => {
    const mine = { key: 'node.kubernetes.io/unreachable', operator: 'Exists' as const, effect: 'NoExecute' as const, tolerationSeconds: 60 };
    const t = daemonPodTolerations([mine]);
    expect(t.filter((x) => x.key === 'node.kubernetes.io/unreachable')).toEqual([mine]);
    expect(t).toHaveLength(6);
  });

  it('the daemon pod is pinned by a required node affinity on metadata.name (ReplaceDaemonSetPodNodeNameNodeAffinity)', () => {
    const spec = daemonPodForNode(daemon({ affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'zone', operator: 'In', values: ['a'] }] }] } } } }), 'n-3');
    expect(spec.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms).toEqual([{ matchFields: [{ key: 'metadata.name', operator: 'In', values: ['n-3'] }] }]);
    expect(spec.nodeName).toBe('n-3');
  });
});

const agent = (extra = '') => `
  - type: daemonset
    name: agent
    requests: { cpu: 500m, memory: 512Mi }
    priority: 2000001000
    startup: 5s${extra}`;

describe('the DaemonSet controller in a run', () => {
  it('one pod per node that should run it: tainted nodes only with a toleration, cordoned ones always; requests counted', () => {
    const { sim, result, overcommit } = run(`
horizon: 1h
cluster:
  pools:
    - { name: plain, count: 3, resources: { cpu: 4, memory: 16Gi } }
    - { name: gpu, count: 2, resources: { cpu: 4, memory: 16Gi }, taints: [{ key: gpu, value: "yes", effect: NoSchedule }] }
    - { name: cordoned, count: 1, resources: { cpu: 4, memory: 16Gi }, unschedulable: true }
workloads:${agent()}
  - type: daemonset
    name: gpu-agent
    requests: { cpu: 1 }
    nodeSelector: { orchsim.io/pool: gpu }
    tolerations: [{ key: gpu, operator: Exists }]
`);
    expect(overcommit).toEqual([]);
    const agents = daemonPodsByNode(sim, 'agent');
    const gpuAgents = daemonPodsByNode(sim, 'gpu-agent');
    for (const [name, pods] of agents) expect(pods.filter((p) => !p.startsWith('agent-') || true).length, name).toBe(name.startsWith('gpu') ? 0 : 1);
    for (const [name, pods] of gpuAgents) expect(pods.length, name).toBe(name.startsWith('gpu') ? 1 : 0);
    for (const n of sim.cluster.nodes) {
      const expected = (n.name.startsWith('gpu') ? 1000 : 500);
      expect(n.requested.milliCPU, n.name).toBe(expected);
    }
    expect(result.pods.submitted).toBe(6);
    expect(result.pods.running).toBe(6);
    expect(result.pods.unschedulable).toBe(0);
  });

  it('a daemon pod that does not fit its node stays Pending (scheduled by the default scheduler, no other node)', () => {
    const { sim, result } = run(`
horizon: 10m
cluster:
  pools:
    - { name: small, count: 1, resources: { cpu: 1, memory: 4Gi } }
    - { name: big, count: 1, resources: { cpu: 8, memory: 4Gi } }
workloads:
  - type: daemonset
    name: agent
    requests: { cpu: 2 }
`);
    expect(result.pods.submitted).toBe(2);
    expect(result.pods.pending).toBe(1);
    const pending = [...Array(sim.pods.length).keys()].filter((id) => sim.pods.phase[id] === PodPhase.Pending);
    expect(pending.map((id) => sim.pods.infos[id]!.spec.nodeName)).toEqual(['small-0']);
  });

  it('a drain leaves daemon pods (kubectl drain --ignore-daemonsets) and evicts the rest', () => {
    const { sim } = run(`
horizon: 2h
cluster:
  pools:
    - { name: n, count: 2, resources: { cpu: 4, memory: 16Gi } }
workloads:${agent()}
  - type: service
    name: web
    replicas: 2
    requests: { cpu: 1 }
    nodeSelector: { kubernetes.io/hostname: n-0 }
failures:
  outages:
    - { at: 10m, node: n-0, duration: 3h, drain: true }
`);
    const n0 = sim.cluster.nodeByName('n-0')!;
    expect(n0.unschedulable).toBe(true);
    expect(n0.pods.map((p) => p.name)).toEqual(['agent-0']);
    expect(daemonPodsByNode(sim, 'agent').get('n-1')).toEqual(['agent-1']);
  });

  it('a failed node keeps its daemon pod (unreachable NoExecute tolerated for good); it runs again when the node is back', () => {
    const { sim } = run(`
horizon: 2h
cluster:
  pools:
    - { name: n, count: 2, resources: { cpu: 4, memory: 16Gi } }
workloads:${agent()}
failures:
  outages:
    - { at: 10m, node: n-0, duration: 30m }
`);
    expect(sim.cluster.nodeByName('n-0')!.pods.map((p) => p.name)).toEqual(['agent-0']);
    expect(sim.pods.phase[0]).toBe(PodPhase.Running);
    expect(sim.pods.length).toBe(2);
  });
});

const autoscaled = (o: { groupCpu: string; workloadCpu: string; replicas: number; max?: number }) => `
horizon: 1h
sampleInterval: 1m
cluster:
  pools:
    - { name: base, count: 1, resources: { cpu: 2, memory: 8Gi } }
    - name: grow
      count: 0
      resources: { cpu: ${o.groupCpu}, memory: 32Gi }
      autoscaling: { min: 0, max: ${o.max ?? 4}, provisioningDelay: 100s }
clusterAutoscaler:
  policy: cluster-autoscaler
workloads:${agent()}
  - type: service
    name: web
    replicas: ${o.replicas}
    requests: { cpu: ${o.workloadCpu}, memory: 1Gi }
    startup: 0s
`;

describe('DaemonSets and the cluster autoscaler', () => {
  it('nodes added by a scale-up get their daemon pod, and the scale-up counts it', () => {
    // base (2 cpu) runs the agent (0.5) and one web pod of 1.5 cpu... no: web needs 1.5, base
    // has 1.5 left, so the first fits there; the other three need new nodes. grow nodes have 4 cpu:
    // agent 0.5 + 2 web pods of 1.5 = 3.5 fit, so 2 nodes (not 1: 3 x 1.5 + 0.5 = 5 > 4).
    const { sim, result, overcommit } = run(autoscaled({ groupCpu: '4', workloadCpu: '1500m', replicas: 4 }));
    expect(overcommit).toEqual([]);
    const grow = sim.cluster.nodes.filter((n) => !n.removed && n.name.startsWith('grow'));
    expect(grow).toHaveLength(2);
    for (const [name, pods] of daemonPodsByNode(sim, 'agent')) expect(pods, name).toHaveLength(1);
    const ups = result.autoscaling!.actions.filter((a) => a.action === 'scale-up');
    expect(ups.map((a) => [a.from, a.to])).toEqual([[0, 2]]);
    expect(result.pods.pending).toBe(0);
  });

  it('no scale-up for a pod that fits a template node only without its daemon pod', () => {
    // Every node has 2 cpu; web needs 1.8 and the agent 0.5: together 2.3 > 2, so neither the
    // base node nor a new one can take a web pod.
    const yaml = autoscaled({ groupCpu: '2', workloadCpu: '1800m', replicas: 2 });
    const { sim, result } = run(yaml);
    expect(result.autoscaling!.actions.filter((a) => a.action === 'scale-up')).toEqual([]);
    expect(sim.cluster.nodes.filter((n) => n.name.startsWith('grow'))).toHaveLength(0);
    expect(result.pods.pending).toBe(2);
    // Without the DaemonSet the same pods get a node each (one on base, one new).
    const without = run(yaml.replace(agent(), ''));
    expect(without.result.autoscaling!.actions.filter((a) => a.action === 'scale-up').map((a) => [a.from, a.to])).toEqual([[0, 1]]);
  });

  it('scale-down removes a node running only its daemon pod (empty: DaemonSet pods do not block it) and the daemon pod goes with it', () => {
    const { sim, result } = run(`
horizon: 2h
sampleInterval: 1m
cluster:
  pools:
    - name: grow
      count: 3
      resources: { cpu: 4, memory: 16Gi }
      autoscaling: { min: 1, max: 3 }
clusterAutoscaler:
  policy: cluster-autoscaler
workloads:${agent()}
`);
    const removed = result.autoscaling!.actions.filter((a) => a.action === 'node-removed');
    expect(removed).toHaveLength(2);
    const live = sim.cluster.nodes.filter((n) => !n.removed);
    expect(live).toHaveLength(1);
    expect(live[0]!.pods.map((p) => p.name)).toHaveLength(1);
    // The removed nodes' daemon pods were deleted with them, not recreated or left pending.
    expect(result.pods.pending).toBe(0);
    expect(result.pods.submitted).toBe(3);
  });
});

describe('property: every node that should run a DaemonSet runs exactly one of its pods once scheduled', () => {
  it('over random pools, taints, tolerations and cluster-autoscaler scale-ups', () => {
    const pool = fc.record({
      count: fc.integer({ min: 0, max: 3 }),
      cpu: fc.constantFrom(2, 4, 8),
      taint: fc.constantFrom(undefined, 'NoSchedule', 'NoExecute', 'PreferNoSchedule'),
      unschedulable: fc.boolean(),
    });
    fc.assert(fc.property(
      fc.array(pool, { minLength: 1, maxLength: 3 }),
      fc.boolean(),
      fc.integer({ min: 0, max: 12 }),
      fc.integer({ min: 1, max: 1000 }),
      (pools, tolerate, replicas, seed) => {
        const yaml = `
seed: ${seed}
horizon: 40m
sampleInterval: 5m
cluster:
  pools:
${pools.map((p, i) => `    - name: p${i}
      count: ${p.count}
      resources: { cpu: ${p.cpu}, memory: 16Gi }
      unschedulable: ${p.unschedulable}
${p.taint ? `      taints: [{ key: dedicated, value: x, effect: ${p.taint} }]\n` : ''}`).join('')}    - name: grow
      count: 0
      resources: { cpu: 4, memory: 16Gi }
      autoscaling: { min: 0, max: 3, provisioningDelay: 60s }
clusterAutoscaler:
  policy: cluster-autoscaler
workloads:
  - type: daemonset
    name: agent
    requests: { cpu: 250m, memory: 256Mi }
    priority: 2000001000
${tolerate ? '    tolerations: [{ key: dedicated, operator: Exists }]\n' : ''}  - type: service
    name: web
    replicas: ${replicas}
    requests: { cpu: 1, memory: 1Gi }
`;
        const { sim, overcommit } = run(yaml);
        expect(overcommit).toEqual([]);
        const spec = daemon({ tolerations: tolerate ? [{ key: 'dedicated', operator: 'Exists' }] : undefined });
        for (const n of sim.cluster.nodes) {
          if (n.removed) continue;
          const mine = n.pods.filter((p) => p.name.startsWith('agent-'));
          const should = nodeShouldRunDaemonPod(spec, n).shouldRun;
          // Every node has room for its agent (cpu >= 2, the agent asks 0.25 and goes first).
          expect(mine.length, `${n.name} (taints ${JSON.stringify(n.specTaints)})`).toBe(should ? 1 : 0);
          for (const p of mine) expect(p.spec.nodeName).toBe(n.name);
        }
        // No daemon pod is left waiting for a node that is gone.
        for (let id = 0; id < sim.pods.length; id++) {
          if (sim.pods.phase[id] !== PodPhase.Pending || !sim.pods.infos[id]!.name.startsWith('agent-')) continue;
          const target = sim.cluster.nodeByName(sim.pods.infos[id]!.spec.nodeName!);
          expect(target && !target.removed, `${sim.pods.infos[id]!.name} waits for ${sim.pods.infos[id]!.spec.nodeName}`).toBe(true);
        }
      },
    ), { numRuns: 40, seed: 18 });
  });
});

describe('what a run reports of its DaemonSets', () => {
  it('daemon pods and the share of allocatable they request, only when the scenario has DaemonSets', () => {
    const yaml = (ds: string) => `
horizon: 10m
cluster:
  pools:
    - { name: n, count: 4, resources: { cpu: 4, memory: 16Gi } }
workloads:${ds}
  - type: service
    name: web
    replicas: 2
    requests: { cpu: 1 }
`;
    const { result } = run(yaml(agent()));
    // 4 agents of 0.5 cpu and 512Mi on 16 cpu and 64Gi.
    expect(result.daemonSets).toEqual({ pods: 4, pending: 0, requested: { milliCPU: 2000, memory: 4 * 512 * 2 ** 20 }, share: { cpu: 2000 / 16000, memory: 2 / 64 } });
    expect(run(yaml('')).result.daemonSets).toBeUndefined();
  });
});

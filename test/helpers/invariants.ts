import fc from 'fast-check';
import { expect } from 'vitest';
import {
  isFilter, isPreFilter, type CycleState, type FilterPlugin, type Plugin, type PreFilterPlugin, type ProfileConfig, type Scheduler,
} from '../../src/api/framework.js';
import type { LabelSelector, Labels } from '../../src/api/labels.js';
import type { ClusterSnapshot, NodeInfo, Taint } from '../../src/api/node.js';
import { PodPhase, type PodInfo, type Toleration } from '../../src/api/pod.js';
import type { Workload } from '../../src/api/workload.js';
import type { ResolvedScenario } from '../../src/scenario/resolve.js';
import { createSimulation } from '../../src/scenario/runner.js';
import { builtinPlugins } from '../../src/schedulers/builtins.js';
import type { PluginRegistry } from '../../src/schedulers/registry.js';
import type { ClusterState } from '../../src/sim/cluster.js';
import { Simulation, type SimulationResult } from '../../src/sim/simulation.js';

/**
 * Invariant checkers for property tests: each returns the violations it found as readable
 * strings (data), and the test asserts the list is empty, so a failure names the pod, the node
 * and the time.
 */

export type OnBind = (pod: PodInfo, nodeIndex: number, cluster: ClusterState, now: number) => void;

export interface SimulateOptions {
  readonly onBind?: OnBind | undefined;
  /** Called with the constructed Simulation just before run() (to instrument it). */
  readonly beforeRun?: ((sim: Simulation) => void) | undefined;
  /** Wraps the profile's scheduler, e.g. to record every scheduling attempt. */
  readonly wrapScheduler?: ((inner: Scheduler) => Scheduler) | undefined;
}

/** Runs a resolved scenario as runScenario does, with the Simulation exposed so tests can read its pod table. */
export function simulate(s: ResolvedScenario, options: SimulateOptions = {}): { sim: Simulation; result: SimulationResult } {
  const sim = createSimulation(s, { onBind: options.onBind, wrapScheduler: options.wrapScheduler });
  options.beforeRun?.(sim);
  return { sim, result: sim.run() };
}

/** Calls every hook in turn (several checkers on one run). */
export function allOnBind(...hooks: OnBind[]): OnBind {
  return (pod, node, cluster, now) => {
    for (const h of hooks) h(pod, node, cluster, now);
  };
}

const RESOURCE_FIELDS = ['milliCPU', 'memory', 'milliGPU', 'ephemeralStorage'] as const;

/**
 * At bind time (just before the pod's requests are added), the pod must fit: requested +
 * request <= allocatable for every resource and one more pod within allowedPodNumber.
 */
export function overcommitChecker(): { onBind: OnBind; violations: string[] } {
  const violations: string[] = [];
  const onBind: OnBind = (pod, nodeIndex, cluster, now) => {
    const node = cluster.nodes[nodeIndex]!;
    const req = pod.spec.requests;
    for (const f of RESOURCE_FIELDS) {
      if (node.requested[f] + req[f] > node.allocatable[f]) {
        violations.push(`t=${now}: ${pod.name} on ${node.name}: ${f} requested ${node.requested[f]} + ${req[f]} > allocatable ${node.allocatable[f]}`);
      }
    }
    if (node.podCount + 1 > node.allowedPodNumber) {
      violations.push(`t=${now}: ${pod.name} on ${node.name}: pod count ${node.podCount} + 1 > allowed ${node.allowedPodNumber}`);
    }
  };
  return { onBind, violations };
}

/** End-of-run check of every node: within allocatable, and its aggregates equal the sum over its pods. */
export function nodeStateViolations(cluster: ClusterState): string[] {
  const out: string[] = [];
  for (const node of cluster.nodes) {
    const sums = { milliCPU: 0, memory: 0, milliGPU: 0, ephemeralStorage: 0 };
    for (const p of node.pods) for (const f of RESOURCE_FIELDS) sums[f] += p.spec.requests[f];
    for (const f of RESOURCE_FIELDS) {
      if (node.requested[f] > node.allocatable[f]) out.push(`${node.name}: ${f} requested ${node.requested[f]} > allocatable ${node.allocatable[f]}`);
      if (node.requested[f] !== sums[f]) out.push(`${node.name}: ${f} requested ${node.requested[f]} != sum over its pods ${sums[f]}`);
    }
    if (node.podCount > node.allowedPodNumber) out.push(`${node.name}: ${node.podCount} pods > allowed ${node.allowedPodNumber}`);
    if (node.podCount !== node.pods.length) out.push(`${node.name}: podCount ${node.podCount} != ${node.pods.length} pods listed`);
  }
  return out;
}

/** A handle whose random streams are private to the checker, so it never shifts the run's draws. */
const CHECKER_HANDLE = { random: () => ({ next: () => 0 }) };

/**
 * The PreFilter and Filter plugins of a profile, instantiated afresh from the registry, with a
 * function listing why a pod would be rejected on a node (empty = the node is feasible).
 * A PreFilter SKIP skips that plugin's Filter, as in the framework; any other non-null
 * PreFilter status rejects the pod on every node.
 */
export function profileFilters(profile: ProfileConfig, registry: PluginRegistry = builtinPlugins()): (pod: PodInfo, node: NodeInfo, snapshot: ClusterSnapshot) => string[] {
  const plugins: Plugin[] = profile.plugins.map((cfg) => {
    const entry = registry.get(cfg.name);
    if (!entry) throw new Error(`unknown plugin ${cfg.name}`);
    return entry.factory(cfg.args, CHECKER_HANDLE);
  });
  const preFilters = plugins.filter(isPreFilter) as PreFilterPlugin[];
  const filters = plugins.filter(isFilter) as FilterPlugin[];
  return (pod, node, snapshot) => {
    const out: string[] = [];
    const state: CycleState = new Map();
    const skipped = new Set<Plugin>();
    for (const p of preFilters) {
      const s = p.preFilter(state, pod, snapshot);
      if (s === null) continue;
      if (s.code === 'Skip') skipped.add(p);
      else out.push(`${p.name} PreFilter said ${s.code}: ${s.reason}`);
    }
    for (const f of filters) {
      if (skipped.has(f)) continue;
      const s = f.filter(state, pod, node, snapshot);
      if (s !== null) out.push(`${f.name} Filter said ${s.code}: ${s.reason}`);
    }
    return out;
  };
}

/**
 * Re-runs every PreFilter and Filter of `profile` (fresh plugin instances, made once) for each
 * bound pod against the node it is bound to, on the snapshot the engine hands to onBind.
 */
export function filterChecker(profile: ProfileConfig, registry: PluginRegistry = builtinPlugins()): { onBind: OnBind; violations: string[]; checked: () => number } {
  const rejections = profileFilters(profile, registry);
  const violations: string[] = [];
  let checked = 0;
  const onBind: OnBind = (pod, nodeIndex, cluster, now) => {
    checked++;
    const node = cluster.nodes[nodeIndex]!;
    for (const r of rejections(pod, node, cluster)) violations.push(`t=${now}: ${pod.name} bound to ${node.name} but ${r}`);
  };
  return { onBind, violations, checked: () => checked };
}

/** Toleration matching written out from the Kubernetes docs, independently of the plugin code. */
function toleratesTaint(t: Toleration, taint: Taint): boolean {
  if (t.effect !== undefined && t.effect !== taint.effect) return false;
  if (t.operator === 'Exists') return t.key === undefined || t.key === '' || t.key === taint.key;
  return t.key === taint.key && (t.value ?? '') === (taint.value ?? '');
}

function selectorMatches(sel: LabelSelector | undefined, labels: Labels): boolean {
  if (sel === undefined) return false;
  for (const [k, v] of Object.entries(sel.matchLabels ?? {})) if (labels[k] !== v) return false;
  if ((sel.matchExpressions ?? []).length > 0) throw new Error('oracle: matchExpressions not supported');
  return true;
}

/**
 * An independent oracle for the hard placement rules the scenario arbitraries generate: node
 * selector, cordoned nodes, NoSchedule/NoExecute taints, required pod anti-affinity (both
 * directions) and DoNotSchedule topology spread (maxSkew over the domains of the nodes that
 * match the pod's node selector and carry the topology keys; taints ignored, as the API
 * defaults say). Written from the Kubernetes documentation, not from the plugins, so a bug
 * shared by plugin and framework still shows.
 */
export function hardConstraintChecker(): { onBind: OnBind; violations: string[] } {
  const violations: string[] = [];
  const onBind: OnBind = (pod, nodeIndex, cluster, now) => {
    const node = cluster.nodes[nodeIndex]!;
    const spec = pod.spec;
    const bad = (why: string) => violations.push(`t=${now}: ${pod.name} bound to ${node.name}: ${why}`);
    const selector = spec.nodeSelector ?? {};
    const fitsSelector = (labels: Labels) => Object.entries(selector).every(([k, v]) => labels[k] === v);
    if (!fitsSelector(node.labels)) bad(`node labels do not match nodeSelector ${JSON.stringify(selector)}`);
    const tolerations = spec.tolerations ?? [];
    const tolerated = (taint: Taint) => tolerations.some((t) => toleratesTaint(t, taint));
    if (node.unschedulable && !tolerated({ key: 'node.kubernetes.io/unschedulable', effect: 'NoSchedule' })) bad('node is cordoned');
    for (const taint of node.taints) {
      if (taint.effect !== 'PreferNoSchedule' && !tolerated(taint)) bad(`untolerated taint ${taint.key}=${taint.value}:${taint.effect}`);
    }
    // Nodes in the same topology domain as `node` for `key` (none when it lacks the key).
    const sameDomain = (key: string) => {
      const v = node.labels[key];
      return v === undefined ? [] : cluster.nodes.filter((n) => n.labels[key] === v);
    };
    for (const term of spec.affinity?.podAntiAffinity?.requiredDuringSchedulingIgnoredDuringExecution ?? []) {
      for (const n of sameDomain(term.topologyKey)) {
        for (const q of n.pods) {
          if (q.spec.namespace === spec.namespace && selectorMatches(term.labelSelector, q.spec.labels)) bad(`anti-affinity: ${q.name} on ${n.name} matches`);
        }
      }
    }
    for (const n of cluster.nodes) {
      for (const q of n.pods) {
        for (const term of q.spec.affinity?.podAntiAffinity?.requiredDuringSchedulingIgnoredDuringExecution ?? []) {
          const v = n.labels[term.topologyKey];
          if (v === undefined || node.labels[term.topologyKey] !== v) continue;
          if (q.spec.namespace === spec.namespace && selectorMatches(term.labelSelector, spec.labels)) bad(`existing pod ${q.name} on ${n.name} has anti-affinity against it`);
        }
      }
    }
    const hard = (spec.topologySpreadConstraints ?? []).filter((c) => c.whenUnsatisfiable === 'DoNotSchedule');
    const eligible = cluster.nodes.filter((n) => fitsSelector(n.labels) && hard.every((c) => n.labels[c.topologyKey] !== undefined));
    for (const c of hard) {
      const domain = node.labels[c.topologyKey];
      if (domain === undefined) {
        bad(`spread: node has no ${c.topologyKey} label`);
        continue;
      }
      const counts = new Map<string, number>();
      for (const n of eligible) {
        const d = n.labels[c.topologyKey]!;
        const k = n.pods.filter((q) => q.spec.namespace === spec.namespace && selectorMatches(c.labelSelector, q.spec.labels)).length;
        counts.set(d, (counts.get(d) ?? 0) + k);
      }
      const min = counts.size === 0 ? 0 : Math.min(...counts.values());
      const after = (counts.get(domain) ?? 0) + (selectorMatches(c.labelSelector, spec.labels) ? 1 : 0);
      if (after - min > c.maxSkew) bad(`spread on ${c.topologyKey}: ${after} matching pods in ${domain} after bind, global min ${min}, maxSkew ${c.maxSkew}`);
    }
  };
  return { onBind, violations };
}

/**
 * An independent measurement of time-weighted requested/allocatable: each pod contributes its
 * requests times the time it spent bound to a node (bind to finish, or to the horizon).
 * Instruments a run through onBind and by wrapping the cluster's unbind (test-only).
 */
export function utilizationRecorder(): { onBind: OnBind; beforeRun: (sim: Simulation) => void; utilization: (sim: Simulation, horizon: number) => { cpu: number; memory: number; gpu: number } } {
  const boundAt = new Map<number, number>();
  const area = { cpu: 0, memory: 0, gpu: 0 };
  const add = (pod: PodInfo, dt: number) => {
    const r = pod.spec.requests;
    area.cpu += r.milliCPU * dt;
    area.memory += r.memory * dt;
    area.gpu += r.milliGPU * dt;
  };
  return {
    onBind: (pod, _node, _cluster, now) => { boundAt.set(pod.id, now); },
    beforeRun: (sim) => {
      // Every bind and unbind, what-ifs' too (a preemption dry run takes pods off and puts them
      // back at one instant, which adds nothing).
      const bind = sim.cluster.bind.bind(sim.cluster);
      sim.cluster.bind = (pod, node, gpus) => {
        boundAt.set(pod.id, sim.engine.now);
        bind(pod, node, gpus);
      };
      const unbind = sim.cluster.unbind.bind(sim.cluster);
      sim.cluster.unbind = (pod, node) => {
        add(pod, sim.engine.now - boundAt.get(pod.id)!);
        boundAt.delete(pod.id);
        unbind(pod, node);
      };
    },
    utilization: (sim, horizon) => {
      const total = { ...area };
      for (const [id, t] of boundAt) {
        const r = sim.pods.infos[id]!.spec.requests;
        total.cpu += r.milliCPU * (horizon - t);
        total.memory += r.memory * (horizon - t);
        total.gpu += r.milliGPU * (horizon - t);
      }
      const alloc = { cpu: 0, memory: 0, gpu: 0 };
      for (const n of sim.cluster.nodes) {
        alloc.cpu += n.allocatable.milliCPU;
        alloc.memory += n.allocatable.memory;
        alloc.gpu += n.allocatable.milliGPU;
      }
      const ratio = (a: number, b: number) => (b > 0 && horizon > 0 ? a / (b * horizon) : 0);
      return { cpu: ratio(total.cpu, alloc.cpu), memory: ratio(total.memory, alloc.memory), gpu: ratio(total.gpu, alloc.gpu) };
    },
  };
}

/**
 * Pod accounting: the result's counts add up, agree with the pod table's phases, and the pods
 * listed on nodes are exactly the Bound and Running pods, each on the node the table names.
 */
export function accountingViolations(sim: Simulation, result: SimulationResult, workloads: readonly Workload[]): string[] {
  const out: string[] = [];
  const c = result.pods;
  if (c.submitted !== c.pending + c.bound + c.running + c.completed + c.failed) {
    out.push(`submitted ${c.submitted} != pending ${c.pending} + bound ${c.bound} + running ${c.running} + completed ${c.completed} + failed ${c.failed}`);
  }
  const pods = sim.pods;
  // A Job past its backoffLimit terminates its active pods, the still-pending ones too
  // (pkg/controller/job: a failed Job deletes its active pods): those fail without having been
  // scheduled, and their node stays -1.
  let failedUnscheduled = 0;
  for (let id = 0; id < pods.length; id++) if (pods.phase[id] === PodPhase.Failed && pods.node[id] === -1) failedUnscheduled++;
  if (c.scheduled !== c.bound + c.running + c.completed + c.failed - failedUnscheduled) {
    out.push(`scheduled ${c.scheduled} != bound ${c.bound} + running ${c.running} + completed ${c.completed} + failed ${c.failed} - failed unscheduled ${failedUnscheduled}`);
  }
  // No failure model in these scenarios: a failed pod is a preemption's victim (one still in its
  // grace period at the end is not failed yet), or one a Job terminated when more of its pods
  // were preempted than its backoffLimit (6 by default) allows; such a Job has at most
  // `parallelism` pods active to terminate.
  const victimsOf = result.preemption?.victimsByWorkload ?? {};
  const failedOf = new Map<number, number>();
  for (let id = 0; id < pods.length; id++) if (pods.phase[id] === PodPhase.Failed) failedOf.set(pods.workload[id]!, (failedOf.get(pods.workload[id]!) ?? 0) + 1);
  for (const [wi, failed] of failedOf) {
    const w = workloads[wi]!;
    const victims = victimsOf[w.name] ?? 0;
    const jobFailed = w.kind === 'job' && victims > (w.backoffLimit ?? 6);
    const allowed = victims + (jobFailed && w.kind === 'job' ? w.parallelism : 0);
    if (failed > allowed) out.push(`${w.name}: failed ${failed} > ${victims} preempted${jobFailed ? ` + ${w.kind === 'job' ? w.parallelism : 0} terminated by the failed Job` : ''} (no failure model in these scenarios)`);
  }
  if (c.unschedulable > c.pending) out.push(`unschedulable ${c.unschedulable} > pending ${c.pending}`);
  if (pods.length !== c.submitted) out.push(`pod table has ${pods.length} pods, submitted ${c.submitted}`);
  const phases = [0, 0, 0, 0, 0];
  for (let id = 0; id < pods.length; id++) phases[pods.phase[id]!]!++;
  const expected = [c.pending, c.bound, c.running, c.completed, c.failed];
  const names = ['Pending', 'Bound', 'Running', 'Succeeded', 'Failed'];
  for (let k = 0; k < 5; k++) if (phases[k] !== expected[k]) out.push(`${phases[k]} pods in phase ${names[k]}, result says ${expected[k]}`);
  // Node membership.
  const onNode = new Map<number, number>();
  sim.cluster.nodes.forEach((n, i) => { for (const p of n.pods) { if (onNode.has(p.id)) out.push(`${p.name} listed on two nodes`); onNode.set(p.id, i); } });
  for (let id = 0; id < pods.length; id++) {
    const ph = pods.phase[id]!;
    const placed = ph === PodPhase.Bound || ph === PodPhase.Running;
    const listed = onNode.get(id);
    if (placed && listed !== pods.node[id]) out.push(`${pods.infos[id]!.name} (phase ${names[ph]}) on node ${pods.node[id]} but listed on ${listed}`);
    if (!placed && listed !== undefined) out.push(`${pods.infos[id]!.name} (phase ${names[ph]}) still listed on node ${listed}`);
  }
  return out;
}

/**
 * The result's pod counts add up (deleted pods included) and agree with the pod table and with
 * the nodes' pod lists: each Bound or Running pod listed on its node, no other pod on any node.
 */
export function podTableViolations(sim: Simulation, r: SimulationResult): string[] {
  const out: string[] = [];
  const c = r.pods;
  if (c.submitted !== c.pending + c.bound + c.running + c.completed + c.failed + c.deleted) {
    out.push(`submitted ${c.submitted} != pending ${c.pending} + bound ${c.bound} + running ${c.running} + completed ${c.completed} + failed ${c.failed} + deleted ${c.deleted}`);
  }
  const pods = sim.pods;
  if (pods.length !== c.submitted) out.push(`pod table has ${pods.length} pods, submitted ${c.submitted}`);
  const phases = [0, 0, 0, 0, 0];
  for (let id = 0; id < pods.length; id++) phases[pods.phase[id]!]!++;
  // Deleted pods (scale-down, a Swarm update or drain) end in phase Failed too.
  const expected = [c.pending, c.bound, c.running, c.completed, c.failed + c.deleted];
  for (let k = 0; k < 5; k++) if (phases[k] !== expected[k]) out.push(`${phases[k]} pods in phase ${k}, result says ${expected[k]}`);
  const onNode = new Map<number, number>();
  sim.cluster.nodes.forEach((n, i) => {
    for (const p of n.pods) {
      if (onNode.has(p.id)) out.push(`${p.name} listed on two nodes`);
      onNode.set(p.id, i);
    }
  });
  for (let id = 0; id < pods.length; id++) {
    const ph = pods.phase[id]!;
    const placed = ph === PodPhase.Bound || ph === PodPhase.Running;
    const listed = onNode.get(id);
    if (placed && listed !== pods.node[id]) out.push(`${pods.infos[id]!.name} (phase ${ph}) on node ${pods.node[id]} but listed on ${listed}`);
    if (!placed && listed !== undefined) out.push(`${pods.infos[id]!.name} (phase ${ph}) still listed on node ${listed}`);
  }
  return out;
}

/**
 * "Same input, same output": runs `run` `times` times and expects byte-identical JSON. The
 * reusable property of STYLE.md habit 5; pass a closure that builds and runs from scratch.
 */
export function expectDeterministic(run: () => unknown, times = 2): string {
  const first = JSON.stringify(run());
  for (let i = 1; i < times; i++) expect(JSON.stringify(run()), `run ${i + 1} of ${times} differs from run 1`).toBe(first);
  return first;
}

/** The same as a fast-check property: for every generated input, `run(input)` twice gives the same JSON. */
export function sameInputSameOutput<T>(arb: fc.Arbitrary<T>, run: (input: T) => unknown, times = 2): fc.IPropertyWithHooks<[T]> {
  return fc.property(arb, (input) => {
    expectDeterministic(() => run(input), times);
  });
}

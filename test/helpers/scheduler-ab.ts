import fc from 'fast-check';
import { afterEach, expect } from 'vitest';
import { PluginError } from '../../src/api/framework.js';
import type { NodeInfo, Taint } from '../../src/api/node.js';
import type { PodInfo, PodSpec } from '../../src/api/pod.js';
import { resources } from '../../src/api/resources.js';
import { runScenario } from '../../src/scenario/runner.js';
import type { ClusterState } from '../../src/sim/cluster.js';
import { WellKnownLabel } from '../../src/api/node.js';
import type { FitError, Plugin, ProfileConfig } from '../../src/api/framework.js';
import { builtinPlugins } from '../../src/schedulers/builtins.js';
import type { FrameworkOptions } from '../../src/schedulers/framework-options.js';
import { formatFitError, Framework } from '../../src/schedulers/framework.js';
import { RandomStreams } from '../../src/util/random.js';
import { WhatIfCluster } from '../../src/sim/what-if.js';
import { Gi, makeCluster, makeSpec } from './cluster.js';
import { buildScenario, scenarioDescArb } from '../../src/testing/scenarios.js';

/**
 * What the scheduler's on/off property tests share (a shortcut of issue 23 against the plain
 * path): the outcome of one cycle as its caller sees it, and the random cluster steps other
 * than scheduling that move node versions between cycles.
 */

/**
 * A pod spec of the on/off cycle properties: a cpu request, maybe a zone selector, maybe a node
 * name that may not exist (n40 and up: more than zonedCluster makes), hard or soft zone spreading
 * or none, maybe required anti-affinity to its own kind - each choice makes different plugins
 * run, skip or reject.
 */
export interface MixedSpecDesc { cpu: number; zone: number | null; pinned: number | null; spread: 'none' | 'hard' | 'soft'; anti: boolean }
export const mixedSpecFields = {
  cpu: fc.constantFrom(100, 1500, 3000, 5000),
  zone: fc.option(fc.nat(2)),
  pinned: fc.option(fc.nat(45), { freq: 4 }),
  spread: fc.constantFrom('none' as const, 'none' as const, 'hard' as const, 'soft' as const),
  anti: fc.constantFrom(false, false, true),
};

/** The spec a MixedSpecDesc describes; `labels` select its own kind (spreading, anti-affinity), `extra` is added as is. */
export function mixedSpec(d: MixedSpecDesc, labels: Record<string, string>, extra: Partial<Parameters<typeof makeSpec>[0]> = {}): PodSpec {
  return makeSpec({
    cpu: d.cpu,
    memory: Gi,
    labels,
    ...extra,
    ...(d.zone !== null ? { nodeSelector: { [WellKnownLabel.zone]: `z${d.zone}` } } : {}),
    ...(d.pinned !== null ? { nodeName: `n${d.pinned}` } : {}),
    ...(d.anti ? { affinity: { podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [{ topologyKey: WellKnownLabel.hostname, labelSelector: { matchLabels: labels } }] } } } : {}),
    ...(d.spread !== 'none' ? { topologySpreadConstraints: [{ maxSkew: 1, topologyKey: WellKnownLabel.zone, whenUnsatisfiable: d.spread === 'hard' ? 'DoNotSchedule' as const : 'ScheduleAnyway' as const, labelSelector: { matchLabels: labels } }] } : {}),
  });
}

/**
 * The scan tests' cluster: `nodeCount` nodes of 4, 8 or 12 cpu and 16 GiB round three zones
 * (z0, z1, z2), every fifth holding at most 3 pods.
 */
export function zonedCluster(nodeCount: number): ClusterState {
  return makeCluster(Array.from({ length: nodeCount }, (_, i) => ({
    name: `n${i}`, cpu: 4 + 4 * (i % 3), memory: 16 * Gi, maxPods: i % 5 === 0 ? 3 : undefined,
    labels: { [WellKnownLabel.zone]: `z${i % 3}` },
  })));
}

/** The taint the fit-error property tests put on every fourth node; a pod size may tolerate it. */
export const DEDICATED_BATCH = { key: 'dedicated', value: 'batch', effect: 'NoSchedule' as const };

/** Pod sizes (milli-cores, GiB), some of them too big for a tainted node or for any node. */
export const crowdingPodSizes = (maxLength: number) =>
  fc.array(fc.record({ cpu: fc.constantFrom(500, 1000, 2000, 4000, 6000), memoryGi: fc.constantFrom(1, 8, 20), tolerate: fc.boolean() }), { minLength: 1, maxLength });

/** `nodeCount` nodes of 4 cores / 16 GiB in two zones, every fourth tainted, and a spec per size. */
export function crowdedCluster(nodeCount: number, sizes: readonly { cpu: number; memoryGi: number; tolerate: boolean }[]) {
  const cluster = makeCluster(Array.from({ length: nodeCount }, (_, i) => ({
    name: `n${i}`, cpu: 4, memory: 16 * Gi,
    labels: { [WellKnownLabel.zone]: `z${i % 2}` },
    taints: i % 4 === 3 ? [DEDICATED_BATCH] : [],
  })));
  const specs = sizes.map((s) => makeSpec({
    cpu: s.cpu, memory: s.memoryGi * Gi,
    tolerations: s.tolerate ? [{ ...DEDICATED_BATCH, operator: 'Equal' as const }] : [],
  }));
  return { cluster, specs };
}

/** Adds a 4-core / 16 GiB node in zone `z{zone}`, as crowdedCluster's nodes. */
export function addCrowdedNode(c: ClusterState, zone: number): void {
  c.addNode({
    name: `added-${c.nodes.length}`, labels: { [WellKnownLabel.zone]: `z${zone}` }, taints: [], unschedulable: false,
    allocatable: resources({ milliCPU: 4000, memory: 16 * Gi, milliGPU: 0 }),
  });
}

/**
 * Schedules `pod` with both frameworks (a shortcut on and off) and requires the same chosen node,
 * FitError (contents and order), resolvable nodes and nodes evaluated; returns the chosen node.
 */
export function expectSameCycle(on: ReturnType<typeof frameworkWith>, off: ReturnType<typeof frameworkWith>, pod: PodInfo, c: ClusterState): number {
  const a = on.fw.schedule(pod, c, on.random);
  const b = off.fw.schedule(pod, c, off.random);
  expect(a).toBe(b);
  expect(exactFitError(on.fw.lastFitError)).toEqual(exactFitError(off.fw.lastFitError));
  expect([...on.fw.lastResolvableNodes]).toEqual([...off.fw.lastResolvableNodes]);
  expect(on.fw.lastEvaluated).toBe(off.fw.lastEvaluated);
  return a;
}

/** Puts environment variable `name` back as it was before the test file ran, after each test. */
export function restoreEnvAfterEach(name: string): void {
  const saved = process.env[name];
  afterEach(() => {
    if (saved === undefined) delete process.env[name];
    else process.env[name] = saved;
  });
}

/** Everything of a FitError, in order (a Map's and a Set's order is part of what a reader sees). */
export function exactFitError(e: FitError | undefined) {
  return e && { pod: e.pod, numAllNodes: e.numAllNodes, reasons: [...e.reasons], plugins: [...e.unschedulablePlugins], events: e.events, keys: Object.keys(e) };
}

/**
 * A framework of `profile` with `options` (one shortcut on or off), and its tie-break stream:
 * the built-in plugins with the run's seeded streams, or the test's `plugins()`.
 */
export function frameworkWith(profile: ProfileConfig, plugins: (() => Plugin[]) | undefined, seed: number, options: FrameworkOptions): { fw: Framework; random: { next(): number } } {
  const streams = new RandomStreams(seed);
  const fw = plugins
    ? new Framework(profile, plugins(), options)
    : new Framework(profile, builtinPlugins(), { random: (name) => streams.get(name) }, options);
  return { fw, random: streams.get('scheduler/tie-break') };
}

/**
 * A shortcut's switch as src/util/switches.ts reads it: `readDefault()` is on with `name` unset,
 * empty or "0", and off with "1". Leaves `name` unset.
 */
export function expectSwitchReadAsDocumented(name: string, readDefault: () => boolean): void {
  try {
    for (const [value, on] of [[undefined, true], ['0', true], ['', true], ['1', false]] as const) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
      expect(readDefault(), `${name}=${value ?? '(unset)'}`).toBe(on);
    }
  } finally {
    delete process.env[name];
  }
}

/** Taints a step puts on a node: none, a NoSchedule one, a PreferNoSchedule one (scored). */
export const NODE_TAINTS: readonly (readonly Taint[])[] = [
  [],
  [{ key: 'dedicated', value: 'batch', effect: 'NoSchedule' }],
  [{ key: 'spot', value: 'true', effect: 'PreferNoSchedule' }],
];

/** A pod scheduled `times` times with spec `spec` of the test's list. */
export type ScheduleOp = { kind: 'schedule'; spec: number; times: number };
/** Unbind a bound pod, set a node's taints (from the test's list), flip a node's cordon. */
export type NodeOp = { kind: 'unbind'; pick: number } | { kind: 'taint'; node: number; taint: number } | { kind: 'cordon'; node: number };

/** The weighted arbitraries of a schedule step (of `specs` specs) and the NodeOps (`taints`: the length of the test's taint list). */
export function opArbitraries(specs: number, taints: number) {
  return [
    { weight: 6, arbitrary: fc.record({ kind: fc.constant('schedule' as const), spec: fc.nat(specs - 1), times: fc.integer({ min: 1, max: 8 }) }) },
    { weight: 2, arbitrary: fc.record({ kind: fc.constant('unbind' as const), pick: fc.nat(10_000) }) },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant('taint' as const), node: fc.nat(300), taint: fc.nat(taints - 1) }) },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant('cordon' as const), node: fc.nat(300) }) },
  ];
}

/**
 * A preemption dry run as the caches see it: the victims the `removals` pick (distinct, modulo
 * the bound pods) taken off through a WhatIfCluster over `c`, `inside()` run, and everything put
 * back (the nodes' old versions with it).
 */
export function duringWhatIf(c: ClusterState, fw: Framework, bound: readonly { pod: PodInfo; node: number }[], removals: readonly number[], inside: () => void): void {
  const whatIf = new WhatIfCluster(c, fw, () => {
    throw new Error('no template nodes here');
  });
  const taken = new Set<number>();
  for (const r of removals) {
    if (bound.length === 0) break;
    const k = r % bound.length;
    if (taken.has(k)) continue;
    taken.add(k);
    whatIf.removePod(bound[k]!.pod, c.nodes[bound[k]!.node]!);
  }
  inside();
  whatIf.rollback();
}

/**
 * Every device of one GPU node fails, or is repaired: the `pick`-th (modulo) of the GPU nodes
 * that hold no GPU pod or have failed devices (`failedGpus`, kept by the caller). No new
 * generation: the node's version is what tells the caches.
 */
export function toggleGpuNodeFault(c: ClusterState, pick: number, failedGpus: Set<number>): void {
  const nodes = c.nodes;
  const idle = (n: (typeof nodes)[number]) => Array.from({ length: n.gpuCount }, (_, g) => n.gpuFree(g)).every((f) => f === 1000);
  const gpuNodes = nodes.filter((n) => n.gpuCount > 0 && (failedGpus.has(n.index) || idle(n)));
  if (gpuNodes.length === 0) return;
  const node = gpuNodes[pick % gpuNodes.length]!;
  const failed = !failedGpus.has(node.index);
  for (let g = 0; g < node.gpuCount; g++) c.setGpuFailed(node.index, g, failed);
  if (failed) failedGpus.add(node.index);
  else failedGpus.delete(node.index);
}

/** Binds `pod` to the `pick`-th (mod their count) node of `c` and records it in `bound`. */
export function bindPicked(c: ClusterState, bound: { pod: PodInfo; node: number }[], pod: PodInfo, pick: number): void {
  const node = pick % c.nodes.length;
  c.bind(pod, node, undefined);
  bound.push({ pod, node });
}

/** Unbinds the `pick`-th (mod their count) of the `bound` pods and drops it from the list; none bound: nothing. */
export function unbindPicked(c: ClusterState, bound: { pod: PodInfo; node: number }[], pick: number): void {
  if (bound.length === 0) return;
  const [b] = bound.splice(pick % bound.length, 1);
  c.unbind(b!.pod, b!.node);
}

/**
 * Removes the `pick`-th (mod their count) of `nodes` that is empty and has no failed GPU, as a
 * scale-down would; leaves the last such node.
 */
export function removeEmptyNode(c: ClusterState, nodes: readonly NodeInfo[], failedGpus: ReadonlySet<number>, pick: number): void {
  const empty = nodes.filter((n) => n.pods.length === 0 && !failedGpus.has(n.index));
  if (empty.length <= 1) return;
  c.removeNode(empty[pick % empty.length]!.index);
}

/** Applies a NodeOp to `c` and its `bound` pods; `taints` is the test's taint list. */
export function applyNodeOp(c: ClusterState, o: NodeOp, bound: { pod: PodInfo; node: number }[], taints: readonly (readonly Taint[])[] = NODE_TAINTS): void {
  switch (o.kind) {
    case 'unbind': {
      unbindPicked(c, bound, o.pick);
      break;
    }
    case 'taint':
      // As the node lifecycle controller does: a new array, no new generation.
      c.nodes[o.node % c.nodes.length]!.taints = taints[o.taint]!;
      break;
    case 'cordon': {
      const node = c.nodes[o.node % c.nodes.length]!;
      node.unschedulable = !node.unschedulable;
      break;
    }
  }
}

/**
 * Everything a cycle's caller can observe (the node chosen, nodes evaluated, the nodes
 * preemption may try, the fit error), or the error it threw; with `nextDraw`, also the next
 * value of `random`, so two runs must have drawn as many tie-breaks.
 */
export function cycleOutcome(fw: Framework, pod: PodInfo, c: ClusterState, random: { next(): number }, nextDraw = false) {
  const draw = () => (nextDraw ? { nextDraw: random.next() } : {});
  try {
    const chosen = fw.schedule(pod, c, random);
    const e = fw.lastFitError;
    return {
      chosen,
      evaluated: fw.lastEvaluated,
      resolvable: [...fw.lastResolvableNodes],
      fitError: e && { text: formatFitError(e), plugins: [...e.unschedulablePlugins].sort(), events: e.events },
      ...draw(),
    };
  } catch (e) {
    return { error: e instanceof PluginError ? `PluginError ${e.message}` : String(e), ...draw() };
  }
}

/**
 * One cycle of `pod` through two frameworks that must agree on everything `cycleOutcome` sees;
 * when they chose a node, the pod is bound there (and recorded in `bound`) for the next cycles.
 */
export function sameCycleThenBind(
  on: { fw: Framework; random: { next(): number } },
  off: { fw: Framework; random: { next(): number } },
  pod: PodInfo,
  c: ClusterState,
  bound: { pod: PodInfo; node: number }[],
  nextDraw = false,
): ReturnType<typeof cycleOutcome> {
  const a = cycleOutcome(on.fw, pod, c, on.random, nextDraw);
  expect(a).toEqual(cycleOutcome(off.fw, pod, c, off.random, nextDraw));
  if ('chosen' in a && a.chosen >= 0) {
    c.bind(pod, a.chosen, undefined);
    bound.push({ pod, node: a.chosen });
  }
  return a;
}

/**
 * Random whole runs (scenarioDescArb) give byte-identical results with the switch `envName`
 * (an ORCHSIM_NO_* variable) unset and set: the shortcut it turns off changes nothing a user sees.
 */
export function expectRunsIdenticalWithSwitch(envName: string, numRuns: number): void {
  fc.assert(
    fc.property(scenarioDescArb({ maxNodes: 30, maxWorkloads: 4 }), (d) => {
      delete process.env[envName];
      const on = JSON.stringify(runScenario(buildScenario(d)));
      process.env[envName] = '1';
      try {
        expect(JSON.stringify(runScenario(buildScenario(d)))).toBe(on);
      } finally {
        delete process.env[envName];
      }
    }),
    { numRuns },
  );
}

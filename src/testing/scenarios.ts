import fc from 'fast-check';
import type { LabelSelector } from '../api/labels.js';
import { WellKnownLabel, type Taint } from '../api/node.js';
import type { PodSpec, Toleration, TopologySpreadConstraint } from '../api/pod.js';
import { resources } from '../api/resources.js';
import type { ResolvedScenario } from '../scenario/resolve.js';
import { BUILTIN_PROFILES } from '../schedulers/builtins.js';
import type { NodeSpec } from '../api/node.js';
import type { Workload } from '../api/workload.js';
import type { Distribution } from '../api/distribution.js';
import { fixedIntervalArrivals, poissonArrivals } from '../workloads/arrivals.js';
import { sizedPodSpecs } from '../workloads/batch.js';
import { DISK_LABEL } from './placement.js';

/**
 * fast-check arbitraries for whole scenarios. They generate plain-data descriptions
 * (ScenarioDesc), so a failing case prints readably and shrinks well; `buildScenario` turns a
 * description into the ResolvedScenario the runner takes, in code, with no files.
 */

const Mi = 2 ** 20;
const Gi = 2 ** 30;

// ---- nodes ---------------------------------------------------------------------------------

export type TaintKind = 'gpu' | 'batch' | 'spot';
export const TAINTS: Readonly<Record<TaintKind, Taint>> = {
  gpu: { key: 'dedicated', value: 'gpu', effect: 'NoSchedule' },
  batch: { key: 'dedicated', value: 'batch', effect: 'NoSchedule' },
  spot: { key: 'spot', value: 'true', effect: 'PreferNoSchedule' },
};

export type TolerationKind = TaintKind | 'cordoned' | 'everything';
export const TOLERATIONS: Readonly<Record<TolerationKind, Toleration>> = {
  gpu: { key: 'dedicated', operator: 'Equal', value: 'gpu', effect: 'NoSchedule' },
  batch: { key: 'dedicated', operator: 'Equal', value: 'batch', effect: 'NoSchedule' },
  spot: { key: 'spot', operator: 'Exists', effect: 'PreferNoSchedule' },
  cordoned: { key: 'node.kubernetes.io/unschedulable', operator: 'Exists', effect: 'NoSchedule' },
  everything: { operator: 'Exists' },
};

export const ACCELERATOR_LABEL = 'orchsim.io/accelerator';

export interface NodeDesc {
  readonly cores: number;
  readonly memoryGi: number;
  readonly gpus: number;
  /** Zone index (taken modulo the scenario's zone count), or null: a node without a zone label. */
  readonly zone: number | null;
  readonly disk: 'ssd' | 'hdd';
  /** Unique by key and effect, as the Node API requires. */
  readonly taints: readonly TaintKind[];
  readonly unschedulable: boolean;
  /** allocatable pods; null = the default 110. */
  readonly maxPods: number | null;
}

export const nodeDescArb: fc.Arbitrary<NodeDesc> = fc.record({
  cores: fc.constantFrom(2, 4, 8, 16, 32),
  memoryGi: fc.constantFrom(4, 8, 16, 32, 64),
  gpus: fc.oneof({ weight: 3, arbitrary: fc.constant(0) }, { weight: 1, arbitrary: fc.constantFrom(1, 2, 4, 8) }),
  zone: fc.oneof({ weight: 12, arbitrary: fc.integer({ min: 0, max: 2 }) }, { weight: 1, arbitrary: fc.constant(null) }),
  disk: fc.constantFrom('ssd' as const, 'hdd' as const),
  taints: fc.oneof(
    { weight: 6, arbitrary: fc.constant([] as TaintKind[]) },
    { weight: 1, arbitrary: fc.constantFrom<TaintKind[]>(['gpu'], ['batch'], ['spot'], ['gpu', 'spot'], ['batch', 'spot']) },
  ),
  unschedulable: fc.oneof({ weight: 9, arbitrary: fc.constant(false) }, { weight: 1, arbitrary: fc.constant(true) }),
  maxPods: fc.oneof({ weight: 4, arbitrary: fc.constant(null) }, { weight: 1, arbitrary: fc.integer({ min: 1, max: 12 }) }),
});

export function buildNodes(nodes: readonly NodeDesc[], zones: number): NodeSpec[] {
  return nodes.map((n, i) => {
    const name = `node-${String(i).padStart(2, '0')}`;
    const labels: Record<string, string> = { [WellKnownLabel.hostname]: name, [DISK_LABEL]: n.disk };
    if (n.zone !== null) labels[WellKnownLabel.zone] = `zone-${n.zone % zones}`;
    if (n.gpus > 0) labels[ACCELERATOR_LABEL] = 'nvidia';
    return {
      name,
      labels,
      taints: n.taints.map((t) => TAINTS[t]),
      unschedulable: n.unschedulable,
      allocatable: resources({ milliCPU: n.cores * 1000, memory: n.memoryGi * Gi, milliGPU: n.gpus * 1000 }),
      allowedPodNumber: n.maxPods ?? undefined,
    };
  });
}

// ---- pods and workloads --------------------------------------------------------------------

export type NodeSelectorKind = 'none' | 'ssd' | 'hdd' | 'zone-0' | 'accelerator';
const NODE_SELECTORS: Readonly<Record<NodeSelectorKind, Record<string, string> | undefined>> = {
  none: undefined,
  ssd: { [DISK_LABEL]: 'ssd' },
  hdd: { [DISK_LABEL]: 'hdd' },
  'zone-0': { [WellKnownLabel.zone]: 'zone-0' },
  accelerator: { [ACCELERATOR_LABEL]: 'nvidia' },
};

export interface SpreadDesc {
  readonly topology: 'zone' | 'hostname';
  readonly whenUnsatisfiable: 'DoNotSchedule' | 'ScheduleAnyway';
  readonly maxSkew: number;
}

/** Placement knobs shared by every kind of workload. */
export interface PlacementDesc {
  readonly priority: number;
  readonly nodeSelector: NodeSelectorKind;
  readonly tolerations: readonly TolerationKind[];
}

export interface ServiceDesc extends PlacementDesc {
  readonly kind: 'service';
  readonly replicas: number;
  readonly milliCPU: number;
  readonly memoryMi: number;
  readonly gpus: number;
  readonly startAt: number;
  readonly startupSeconds: number;
  /** Services carry a `tier` label besides `app`; several services may share a tier. */
  readonly tier: 'web' | 'db';
  /**
   * What the spread and anti-affinity selectors match: `app` = this service's own pods only,
   * `tier` = every service of the tier (its own pods included).
   */
  readonly selectorScope: 'app' | 'tier';
  /** Unique by (topology, whenUnsatisfiable), as Pod validation requires. */
  readonly spread: readonly SpreadDesc[];
  /** Required pod anti-affinity against the selector, per hostname or per zone. */
  readonly antiAffinity: 'none' | 'hostname' | 'zone';
}

export interface BatchDesc extends PlacementDesc {
  readonly kind: 'batch';
  readonly arrival: { readonly kind: 'poisson'; readonly meanSeconds: number } | { readonly kind: 'interval'; readonly seconds: number };
  readonly start: number;
  readonly length: number;
  readonly maxPods: number;
  /** Request sizes; some do not fit on any node. */
  readonly milliCPU: Distribution;
  readonly memory: Distribution;
  readonly milliGPU: Distribution;
  readonly duration: Distribution;
  readonly startup: Distribution;
}

export interface JobDesc extends PlacementDesc {
  readonly kind: 'job';
  readonly completions: number;
  readonly parallelism: number;
  readonly milliCPU: number;
  readonly memoryMi: number;
  readonly gpus: number;
  readonly startAt: number;
  readonly duration: Distribution;
}

export type WorkloadDesc = ServiceDesc | BatchDesc | JobDesc;

const placementArb = {
  priority: fc.constantFrom(0, 0, 0, 100, 1000),
  nodeSelector: fc.oneof(
    { weight: 5, arbitrary: fc.constant<NodeSelectorKind>('none') },
    { weight: 1, arbitrary: fc.constantFrom<NodeSelectorKind>('ssd', 'hdd', 'zone-0', 'accelerator') },
  ),
  tolerations: fc.oneof(
    { weight: 3, arbitrary: fc.constant<TolerationKind[]>([]) },
    { weight: 1, arbitrary: fc.uniqueArray(fc.constantFrom<TolerationKind>('gpu', 'batch', 'spot', 'cordoned', 'everything'), { minLength: 1, maxLength: 2 }) },
  ),
};

const durationArb: fc.Arbitrary<Distribution> = fc.oneof(
  fc.record({ kind: fc.constant('fixed' as const), value: fc.integer({ min: 0, max: 3600 }) }),
  fc.record({ kind: fc.constant('exponential' as const), mean: fc.integer({ min: 30, max: 1800 }) }),
);

const startupArb: fc.Arbitrary<Distribution> = fc.oneof(
  fc.record({ kind: fc.constant('fixed' as const), value: fc.constantFrom(0, 0, 1, 5, 30) }),
  fc.record({ kind: fc.constant('exponential' as const), mean: fc.integer({ min: 1, max: 60 }) }),
);

/** Mostly `common` values, now and then one that fits on no generated node. */
function mostlyFits(common: readonly number[], tooBig: number): fc.Arbitrary<number> {
  return fc.oneof({ weight: 15, arbitrary: fc.constantFrom(...common) }, { weight: 1, arbitrary: fc.constant(tooBig) });
}

/** A size distribution: a fixed value or a draw, where `tooBig` exceeds every generated node. */
function sizeArb(common: readonly number[], tooBig: number, meanRange: [number, number]): fc.Arbitrary<Distribution> {
  return fc.oneof(
    { weight: 8, arbitrary: fc.record({ kind: fc.constant('fixed' as const), value: fc.constantFrom(...common) }) },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant('fixed' as const), value: fc.constant(tooBig) }) },
    { weight: 3, arbitrary: fc.record({ kind: fc.constant('exponential' as const), mean: fc.integer({ min: meanRange[0], max: meanRange[1] }) }) },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant('choice' as const), values: fc.constant([...common.slice(0, 3), tooBig]) }) },
  );
}

export const serviceDescArb: fc.Arbitrary<ServiceDesc> = fc.record({
  kind: fc.constant('service' as const),
  ...placementArb,
  replicas: fc.integer({ min: 1, max: 8 }),
  milliCPU: mostlyFits([0, 100, 250, 500, 1000, 2000, 4000], 100_000),
  memoryMi: mostlyFits([0, 128, 512, 1024, 4096], 1024 * 1024),
  gpus: fc.constantFrom(0, 0, 0, 0, 1, 2),
  startAt: fc.integer({ min: 0, max: 3600 }),
  startupSeconds: fc.constantFrom(0, 0, 2, 30),
  spread: fc.uniqueArray(
    fc.record({
      topology: fc.constantFrom('zone' as const, 'hostname' as const),
      whenUnsatisfiable: fc.constantFrom('DoNotSchedule' as const, 'ScheduleAnyway' as const),
      maxSkew: fc.integer({ min: 1, max: 3 }),
    }),
    { maxLength: 2, selector: (s) => `${s.topology}/${s.whenUnsatisfiable}` },
  ),
  tier: fc.constantFrom('web' as const, 'db' as const),
  selectorScope: fc.constantFrom('app' as const, 'tier' as const),
  antiAffinity: fc.oneof(
    { weight: 2, arbitrary: fc.constant('none' as const) },
    { weight: 2, arbitrary: fc.constant('hostname' as const) },
    { weight: 1, arbitrary: fc.constant('zone' as const) },
  ),
});

export const batchDescArb: fc.Arbitrary<BatchDesc> = fc.record({
  kind: fc.constant('batch' as const),
  ...placementArb,
  arrival: fc.oneof(
    fc.record({ kind: fc.constant('poisson' as const), meanSeconds: fc.integer({ min: 5, max: 600 }) }),
    fc.record({ kind: fc.constant('interval' as const), seconds: fc.integer({ min: 5, max: 600 }) }),
  ),
  start: fc.integer({ min: 0, max: 3600 }),
  length: fc.integer({ min: 0, max: 4 * 3600 }),
  maxPods: fc.integer({ min: 1, max: 100 }),
  milliCPU: sizeArb([100, 500, 1000, 2000, 4000, 8000], 64_000, [100, 4000]),
  memory: sizeArb([256 * Mi, 1 * Gi, 4 * Gi, 16 * Gi], 512 * Gi, [64 * Mi, 8 * Gi]),
  milliGPU: fc.oneof(
    { weight: 4, arbitrary: fc.constant<Distribution>({ kind: 'fixed', value: 0 }) },
    { weight: 1, arbitrary: sizeArb([1000, 2000, 4000], 16_000, [300, 3000]) },
  ),
  duration: durationArb,
  startup: startupArb,
});

export const jobDescArb: fc.Arbitrary<JobDesc> = fc.record({
  kind: fc.constant('job' as const),
  ...placementArb,
  completions: fc.integer({ min: 1, max: 12 }),
  parallelism: fc.integer({ min: 1, max: 4 }),
  milliCPU: mostlyFits([100, 500, 1000, 4000], 64_000),
  memoryMi: fc.constantFrom(128, 1024, 8192),
  gpus: fc.constantFrom(0, 0, 0, 1),
  startAt: fc.integer({ min: 0, max: 3600 }),
  duration: durationArb,
});

export const workloadDescArb: fc.Arbitrary<WorkloadDesc> = fc.oneof(
  { weight: 3, arbitrary: batchDescArb },
  { weight: 2, arbitrary: serviceDescArb },
  { weight: 1, arbitrary: jobDescArb },
);

function baseSpec(name: string, p: PlacementDesc, requests: PodSpec['requests'], ownerSelector: boolean, extraLabels: Record<string, string> = {}): PodSpec {
  const labels = { app: name, ...extraLabels };
  return {
    namespace: 'default',
    labels,
    priority: p.priority,
    requests,
    nodeSelector: NODE_SELECTORS[p.nodeSelector],
    tolerations: p.tolerations.length > 0 ? p.tolerations.map((t) => TOLERATIONS[t]) : undefined,
    // As the scenario layer does: a Deployment's ReplicaSet selects its pods by their labels.
    ownerSelector: ownerSelector ? { matchLabels: labels } : undefined,
  };
}

export function buildWorkload(d: WorkloadDesc, index: number, horizon: number): Workload {
  const name = `${d.kind}-${index}`;
  switch (d.kind) {
    case 'service': {
      const base = baseSpec(name, d, resources({ milliCPU: d.milliCPU, memory: d.memoryMi * Mi, milliGPU: d.gpus * 1000 }), true, { tier: d.tier });
      const selector: LabelSelector = { matchLabels: d.selectorScope === 'app' ? { app: name } : { tier: d.tier } };
      const spread: TopologySpreadConstraint[] = d.spread.map((s) => ({
        maxSkew: s.maxSkew,
        topologyKey: s.topology === 'zone' ? WellKnownLabel.zone : WellKnownLabel.hostname,
        whenUnsatisfiable: s.whenUnsatisfiable,
        labelSelector: selector,
      }));
      const spec: PodSpec = {
        ...base,
        topologySpreadConstraints: spread.length > 0 ? spread : undefined,
        affinity: d.antiAffinity === 'none'
          ? undefined
          : {
            podAntiAffinity: {
              requiredDuringSchedulingIgnoredDuringExecution: [{
                labelSelector: selector,
                topologyKey: d.antiAffinity === 'zone' ? WellKnownLabel.zone : WellKnownLabel.hostname,
              }],
            },
          },
      };
      return { kind: 'service', name, spec, replicas: d.replicas, startAt: d.startAt, startup: { kind: 'fixed', value: d.startupSeconds } };
    }
    case 'job': {
      const spec = baseSpec(name, d, resources({ milliCPU: d.milliCPU, memory: d.memoryMi * Mi, milliGPU: d.gpus * 1000 }), false);
      return { kind: 'job', name, spec, completions: d.completions, parallelism: d.parallelism, startAt: d.startAt, duration: d.duration, startup: { kind: 'fixed', value: 0 } };
    }
    case 'batch': {
      // As resolveScenario: the window is clipped to the horizon.
      const start = Math.min(d.start, horizon);
      const end = Math.min(start + d.length, horizon);
      const arrivals = d.arrival.kind === 'poisson'
        ? poissonArrivals(1 / d.arrival.meanSeconds, start, end)
        : fixedIntervalArrivals(d.arrival.seconds, start, end);
      const template = baseSpec(name, d, resources({}), false);
      const pods = sizedPodSpecs(template, { milliCPU: d.milliCPU, memory: d.memory, milliGPU: d.milliGPU });
      return { kind: 'batch', name, arrivals, pods, duration: d.duration, startup: d.startup, maxPods: d.maxPods };
    }
  }
}

// ---- scenarios -----------------------------------------------------------------------------

export const PROFILE_NAMES: readonly string[] = BUILTIN_PROFILES.map((p) => p.name);

export interface ScenarioDesc {
  readonly seed: number;
  readonly horizon: number;
  readonly sampleInterval: number;
  readonly zones: number;
  readonly nodes: readonly NodeDesc[];
  readonly workloads: readonly WorkloadDesc[];
  readonly profile: string;
  readonly queue: 'kubernetes' | 'fifo';
}

export interface ScenarioArbOptions {
  readonly maxNodes?: number;
  readonly maxWorkloads?: number;
}

export function scenarioDescArb(options: ScenarioArbOptions = {}): fc.Arbitrary<ScenarioDesc> {
  return fc.record({
    seed: fc.integer({ min: 0, max: 2 ** 31 - 1 }),
    horizon: fc.integer({ min: 1800, max: 4 * 3600 }),
    sampleInterval: fc.constantFrom(0, 60, 300, 600),
    zones: fc.integer({ min: 1, max: 3 }),
    nodes: fc.array(nodeDescArb, { minLength: 1, maxLength: options.maxNodes ?? 40, size: 'max' }),
    workloads: fc.array(workloadDescArb, { minLength: 1, maxLength: options.maxWorkloads ?? 5 }),
    profile: fc.constantFrom(...PROFILE_NAMES),
    queue: fc.constantFrom('kubernetes' as const, 'fifo' as const),
  });
}

/** Builds fresh engine inputs from a description (new generators each call, nothing shared). */
export function buildScenario(d: ScenarioDesc): ResolvedScenario {
  const profile = BUILTIN_PROFILES.find((p) => p.name === d.profile);
  if (!profile) throw new Error(`unknown built-in profile "${d.profile}"`);
  return {
    name: 'property',
    file: '<property>',
    seed: d.seed,
    horizon: d.horizon,
    sampleInterval: d.sampleInterval,
    nodes: buildNodes(d.nodes, d.zones),
    workloads: d.workloads.map((w, i) => buildWorkload(w, i, d.horizon)),
    profile,
    queue: d.queue,
  };
}

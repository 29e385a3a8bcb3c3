/**
 * fast-check arbitraries for placement logic, in the policy API's own types: resource vectors,
 * nodes (labels, zones, taints, GPUs, cordoned and down nodes), pods (requests, selectors,
 * affinity, tolerations, spread constraints, priorities), and clusters with pods already bound.
 * Every value is plain data, so a failing case prints readably and shrinks well.
 */
import fc from 'fast-check';
import { countFittingGpus, GPU_MODEL_LABEL, gpuRequest } from '../api/gpu.js';
import type { Labels } from '../api/labels.js';
import { WellKnownLabel, type Taint } from '../api/node.js';
import type { Affinity, PodInfo, PodSpec, Toleration, TopologySpreadConstraint } from '../api/pod.js';
import { resources, type Resources } from '../api/resources.js';
import type { NodeSpec } from '../api/node.js';
import { ClusterState } from '../sim/cluster.js';

const Mi = 2 ** 20;
const Gi = 2 ** 30;

export const ZONES: readonly string[] = ['zone-a', 'zone-b', 'zone-c'];
export const APPS: readonly string[] = ['web', 'api', 'db'];
export const DISK_LABEL = 'orchsim.io/disk';

/** Taints the node lifecycle controller puts on a node that stopped reporting (KUBERNETES.md section 3). */
export const DOWN_TAINTS: readonly Taint[] = [
  { key: 'node.kubernetes.io/unreachable', effect: 'NoSchedule' },
  { key: 'node.kubernetes.io/unreachable', effect: 'NoExecute' },
];
export const TAINTS: readonly Taint[] = [
  { key: 'dedicated', value: 'gpu', effect: 'NoSchedule' },
  { key: 'dedicated', value: 'batch', effect: 'NoExecute' },
  { key: 'spot', value: 'true', effect: 'PreferNoSchedule' },
];
export const TOLERATIONS: readonly Toleration[] = [
  { key: 'dedicated', operator: 'Equal', value: 'gpu', effect: 'NoSchedule' },
  { key: 'dedicated', operator: 'Exists' },
  { key: 'spot', operator: 'Exists', effect: 'PreferNoSchedule' },
  { key: 'node.kubernetes.io/unschedulable', operator: 'Exists', effect: 'NoSchedule' },
  { operator: 'Exists' },
];

export interface ResourcesArbOptions {
  /** Largest cpu request in milli-cores (default 4000). */
  readonly maxMilliCPU?: number;
  /** Largest memory request in bytes (default 8 Gi). */
  readonly maxMemory?: number;
  /** Whether requests may include GPUs (shares below one GPU, or whole GPUs). Default true. */
  readonly gpus?: boolean;
  /** How often a request includes GPUs, 0..1 (default 0.25). */
  readonly gpuShare?: number;
}

/** A pod's resource request: cpu, memory and sometimes GPUs (a share, or 1 or 2 whole devices). */
export function resourcesArb(options: ResourcesArbOptions = {}): fc.Arbitrary<Resources> {
  const maxCPU = options.maxMilliCPU ?? 4000;
  const maxMem = options.maxMemory ?? 8 * Gi;
  // GPU pods often enough that shared devices fragment (the case GPU-aware placement gets wrong).
  const share = Math.round(Math.min(1, Math.max(0, options.gpuShare ?? 0.25)) * 100);
  const gpu = options.gpus === false || share === 0 ? fc.constant(0) : fc.oneof({ weight: 100 - share, arbitrary: fc.constant(0) }, { weight: share, arbitrary: fc.constantFrom(250, 500, 600, 750, 1000, 2000) });
  return fc
    .record({
      milliCPU: fc.oneof({ weight: 1, arbitrary: fc.constant(0) }, { weight: 6, arbitrary: fc.integer({ min: 1, max: maxCPU }) }),
      memory: fc.oneof({ weight: 1, arbitrary: fc.constant(0) }, { weight: 6, arbitrary: fc.integer({ min: 1, max: Math.floor(maxMem / Mi) }).map((m) => m * Mi) }),
      milliGPU: gpu,
    })
    .map((r) => resources(r));
}

export interface NodeArbOptions {
  readonly zones?: readonly string[];
  /** Whether nodes may have GPUs. Default true. */
  readonly gpus?: boolean;
}

/** A node: 2..32 cores, 4..128 Gi, sometimes GPUs; a zone; now and then taints, cordoned or down. */
export function nodeArb(name: string, options: NodeArbOptions = {}): fc.Arbitrary<NodeSpec> {
  const zones = options.zones ?? ZONES;
  return fc
    .record({
      cores: fc.constantFrom(2, 4, 8, 16, 32),
      memoryGi: fc.constantFrom(4, 16, 32, 64, 128),
      gpus: options.gpus === false ? fc.constant(0) : fc.oneof({ weight: 2, arbitrary: fc.constant(0) }, { weight: 1, arbitrary: fc.constantFrom(1, 2, 2, 4, 8) }),
      zone: fc.constantFrom(...zones),
      disk: fc.constantFrom('ssd', 'hdd'),
      taints: fc.oneof({ weight: 5, arbitrary: fc.constant([] as Taint[]) }, { weight: 1, arbitrary: fc.uniqueArray(fc.constantFrom(...TAINTS), { minLength: 1, maxLength: 2, selector: (t) => `${t.key}:${t.effect}` }) }),
      state: fc.oneof({ weight: 10, arbitrary: fc.constant('ready' as const) }, { weight: 1, arbitrary: fc.constantFrom('cordoned' as const, 'down' as const) }),
      maxPods: fc.oneof({ weight: 5, arbitrary: fc.constant(110) }, { weight: 1, arbitrary: fc.integer({ min: 1, max: 4 }) }),
    })
    .map((n) => {
      const labels: Record<string, string> = { [WellKnownLabel.hostname]: name, [WellKnownLabel.zone]: n.zone, [DISK_LABEL]: n.disk };
      if (n.gpus > 0) labels[GPU_MODEL_LABEL] = 'A100';
      return {
        name,
        labels,
        taints: n.state === 'down' ? [...n.taints, ...DOWN_TAINTS] : n.taints,
        unschedulable: n.state === 'cordoned',
        // GPU nodes are big machines: their cpu and memory seldom decide before the devices do.
        allocatable: resources({ milliCPU: (n.gpus > 0 ? Math.max(n.cores, 32) : n.cores) * 1000, memory: (n.gpus > 0 ? Math.max(n.memoryGi, 128) : n.memoryGi) * Gi, milliGPU: n.gpus * 1000 }),
        allowedPodNumber: n.maxPods,
      };
    });
}

export interface PodArbOptions extends ResourcesArbOptions {
  readonly zones?: readonly string[];
  readonly namespace?: string;
}

/**
 * A pod spec: requests, an `app` label, and now and then a nodeSelector, required or preferred
 * node affinity, required pod affinity or anti-affinity, tolerations, topology spread constraints (unique
 * by key and action, as Pod validation requires) and a priority.
 */
export function podSpecArb(options: PodArbOptions = {}): fc.Arbitrary<PodSpec> {
  const zones = options.zones ?? ZONES;
  const sometimes = <T>(arb: fc.Arbitrary<T>, weight = 3): fc.Arbitrary<T | undefined> => fc.oneof({ weight, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary: arb });
  const app = fc.constantFrom(...APPS);
  const affinity: fc.Arbitrary<Affinity> = fc.oneof(
    fc.subarray([...zones], { minLength: 1 }).map((values) => ({ nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: WellKnownLabel.zone, operator: 'In' as const, values }] }] } } })),
    fc.integer({ min: 1, max: 100 }).map((weight) => ({ nodeAffinity: { preferredDuringSchedulingIgnoredDuringExecution: [{ weight, preference: { matchExpressions: [{ key: DISK_LABEL, operator: 'In' as const, values: ['ssd'] }] } }] } })),
    fc.tuple(app, fc.constantFrom(WellKnownLabel.hostname, WellKnownLabel.zone)).map(([a, topologyKey]) => ({ podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [{ labelSelector: { matchLabels: { app: a } }, topologyKey }] } })),
    app.map((a) => ({ podAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [{ labelSelector: { matchLabels: { app: a } }, topologyKey: WellKnownLabel.zone }] } })),
  );
  const spread: fc.Arbitrary<TopologySpreadConstraint[]> = fc.uniqueArray(
    fc.record({
      maxSkew: fc.integer({ min: 1, max: 2 }),
      topologyKey: fc.constantFrom(WellKnownLabel.zone, WellKnownLabel.hostname),
      whenUnsatisfiable: fc.constantFrom('DoNotSchedule' as const, 'ScheduleAnyway' as const),
      labelSelector: app.map((a) => ({ matchLabels: { app: a } })),
    }),
    { minLength: 1, maxLength: 2, selector: (c) => `${c.topologyKey}/${c.whenUnsatisfiable}` },
  );
  return fc
    .record({
      requests: resourcesArb(options),
      app,
      priority: fc.constantFrom(0, 0, 100, 1000),
      nodeSelector: sometimes(fc.constantFrom<Labels>({ [DISK_LABEL]: 'ssd' }, { [WellKnownLabel.zone]: zones[0]! })),
      affinity: sometimes(affinity),
      tolerations: sometimes(fc.uniqueArray(fc.constantFrom(...TOLERATIONS), { minLength: 1, maxLength: 2 })),
      topologySpreadConstraints: sometimes(spread),
    })
    .map(({ app: a, ...p }) => {
      const spec: { -readonly [K in keyof PodSpec]: PodSpec[K] } = { namespace: options.namespace ?? 'default', labels: { app: a }, requests: p.requests, priority: p.priority };
      if (p.nodeSelector) spec.nodeSelector = p.nodeSelector;
      if (p.affinity) spec.affinity = p.affinity;
      if (p.tolerations) spec.tolerations = p.tolerations;
      if (p.topologySpreadConstraints) spec.topologySpreadConstraints = p.topologySpreadConstraints;
      return spec;
    });
}

/** A cluster: nodes, and pods already bound (each to the node at `node`, in order). */
export interface ClusterDesc {
  readonly nodes: readonly NodeSpec[];
  readonly pods: readonly { readonly node: number; readonly spec: PodSpec }[];
}

export interface ClusterArbOptions extends NodeArbOptions, PodArbOptions {
  readonly minNodes?: number;
  /** Default 8. */
  readonly maxNodes?: number;
  /** Pods bound on each node before the pod under test (default up to 6). */
  readonly maxPodsPerNode?: number;
}

/**
 * A cluster of 1..8 nodes (node-0, node-1, ...) with up to `maxPodsPerNode` (default 6) pods on
 * each; pods on GPU nodes mostly use GPUs, so shared devices end up fragmented.
 */
export function clusterArb(options: ClusterArbOptions = {}): fc.Arbitrary<ClusterDesc> {
  const perNode = options.maxPodsPerNode ?? 6;
  return fc
    .integer({ min: options.minNodes ?? 1, max: options.maxNodes ?? 8 })
    .chain((n) => fc.tuple(...Array.from({ length: n }, (_, i) => nodeArb(`node-${i}`, options))))
    .chain((nodes) =>
      fc.tuple(...nodes.map((node, i) => fc.array(podSpecArb(node.allocatable.milliGPU > 0 ? { ...options, gpuShare: 0.75 } : options), { maxLength: perNode }).map((specs) => specs.map((spec) => ({ node: i, spec }))))).map((lists) => ({ nodes, pods: lists.flat() })),
    );
}

/**
 * The cluster as the simulator's ClusterState, the reference snapshot. A pod that does not fit
 * its node (resources, pod count or GPU devices) is left out, so the cluster starts valid; the
 * pods bound are returned with ids 0.. in order.
 */
export function buildCluster(desc: ClusterDesc): { cluster: ClusterState; pods: PodInfo[] } {
  const cluster = new ClusterState(desc.nodes.length);
  for (const n of desc.nodes) cluster.addNode(n);
  const pods: PodInfo[] = [];
  for (const p of desc.pods) {
    const node = cluster.nodes[p.node]!;
    if (!fitsResources(node, p.spec)) continue;
    const pod: PodInfo = { id: pods.length, name: `default/existing-${pods.length}`, spec: p.spec };
    cluster.bind(pod, node.index);
    pods.push(pod);
  }
  return { cluster, pods };
}

/** Whether the requests fit in what the node has left: every resource, the pod count and GPU devices. */
export function fitsResources(node: import('../api/node.js').NodeInfo, spec: PodSpec): boolean {
  return overcommit(node, spec) === undefined;
}

/** The first resource the pod would over-commit on the node, or undefined when it fits. */
export function overcommit(node: import('../api/node.js').NodeInfo, spec: PodSpec): string | undefined {
  const r = spec.requests;
  const a = node.allocatable;
  const q = node.requested;
  if (node.podCount + 1 > node.allowedPodNumber) return `pods (${node.podCount} of ${node.allowedPodNumber} already)`;
  if (q.milliCPU + r.milliCPU > a.milliCPU) return `cpu (${q.milliCPU}m + ${r.milliCPU}m > ${a.milliCPU}m)`;
  if (q.memory + r.memory > a.memory) return `memory (${q.memory} + ${r.memory} > ${a.memory} bytes)`;
  if (q.ephemeralStorage + r.ephemeralStorage > a.ephemeralStorage && r.ephemeralStorage > 0) return 'ephemeral-storage';
  const gpus = gpuRequest(r);
  if (gpus) {
    const devices = countFittingGpus(node, gpus.milliPerGpu);
    if (devices < gpus.count) return `nvidia.com/gpu (${gpus.count} device(s) with ${gpus.milliPerGpu}m free wanted, ${devices} have it)`;
  }
  for (const [name, v] of Object.entries(r.scalar ?? {})) {
    if ((q.scalar?.[name] ?? 0) + v > (a.scalar?.[name] ?? 0)) return name;
  }
  return undefined;
}

/** One placement question: a cluster and the pod to place in it. */
export interface PlacementCase extends ClusterDesc {
  readonly pod: PodSpec;
}

export function placementCaseArb(options: ClusterArbOptions = {}): fc.Arbitrary<PlacementCase> {
  return fc.record({ cluster: clusterArb(options), pod: podSpecArb(options) }).map(({ cluster, pod }) => ({ ...cluster, pod }));
}

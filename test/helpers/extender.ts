import fc from 'fast-check';
import type { PodInfo } from '../../src/api/pod.js';
import type { ClusterSource } from '../../src/runtime/source.js';
import type { NodeSpec } from '../../src/api/node.js';
import { nodeSpecFromNode, podSpecFromPod } from '../../src/workloads/kube.js';

/** Test helpers for the extender: v1 objects as kube-scheduler sends them, and a static pod source. */

export type Json = Record<string, unknown>;

export interface V1NodeOptions {
  cpu?: string;
  memory?: string;
  gpu?: number;
  pods?: number;
  labels?: Record<string, string>;
  taints?: { key: string; value?: string; effect: string }[];
  unschedulable?: boolean;
}

export function v1Node(name: string, o: V1NodeOptions = {}): Json {
  const allocatable: Record<string, string> = { cpu: o.cpu ?? '4', memory: o.memory ?? '16Gi', pods: String(o.pods ?? 110) };
  if (o.gpu) allocatable['nvidia.com/gpu'] = String(o.gpu);
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { name, labels: { 'kubernetes.io/hostname': name, ...o.labels } },
    spec: { ...(o.taints ? { taints: o.taints } : {}), ...(o.unschedulable ? { unschedulable: true } : {}) },
    status: { capacity: allocatable, allocatable },
  };
}

export interface V1PodOptions {
  namespace?: string;
  cpu?: string;
  memory?: string;
  gpu?: number;
  labels?: Record<string, string>;
  nodeName?: string;
  nodeSelector?: Record<string, string>;
  tolerations?: Json[];
  affinity?: Json;
  topologySpreadConstraints?: Json[];
  initCpu?: string;
}

export function v1Pod(name: string, o: V1PodOptions = {}): Json {
  const requests: Record<string, string> = {};
  if (o.cpu) requests['cpu'] = o.cpu;
  if (o.memory) requests['memory'] = o.memory;
  const limits: Record<string, string> = {};
  if (o.gpu) limits['nvidia.com/gpu'] = String(o.gpu);
  const spec: Json = {
    containers: [{ name: 'main', image: 'registry.k8s.io/pause:3.9', resources: { requests, ...(o.gpu ? { limits } : {}) } }],
  };
  if (o.initCpu) spec['initContainers'] = [{ name: 'init', image: 'busybox', resources: { requests: { cpu: o.initCpu } } }];
  if (o.nodeName) spec['nodeName'] = o.nodeName;
  if (o.nodeSelector) spec['nodeSelector'] = o.nodeSelector;
  if (o.tolerations) spec['tolerations'] = o.tolerations;
  if (o.affinity) spec['affinity'] = o.affinity;
  if (o.topologySpreadConstraints) spec['topologySpreadConstraints'] = o.topologySpreadConstraints;
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: o.namespace ?? 'default', uid: `uid-${name}`, labels: o.labels ?? {} },
    spec,
  };
}

export function nodeList(nodes: Json[]): Json {
  return { apiVersion: 'v1', kind: 'NodeList', metadata: {}, items: nodes };
}

/**
 * A ClusterSource over fixed v1 objects: the pods (with spec.nodeName) converted once, in the
 * given order, and the nodes for NodeNames requests.
 */
export class StaticSource implements ClusterSource {
  private readonly byNode = new Map<string, PodInfo[]>();
  private readonly byName = new Map<string, NodeSpec>();
  private readonly nodeList: NodeSpec[] = [];

  constructor(pods: readonly Json[], nodes: readonly Json[] = []) {
    pods.forEach((p, i) => {
      const spec = podSpecFromPod(p, { file: `pod ${i}` });
      const meta = p['metadata'] as { name: string; namespace?: string };
      const node = spec.nodeName!;
      let list = this.byNode.get(node);
      if (!list) this.byNode.set(node, (list = []));
      list.push({ id: i, name: `${meta.namespace ?? 'default'}/${meta.name}`, spec });
    });
    for (const n of nodes) {
      const spec = nodeSpecFromNode(n, { file: 'node' });
      this.byName.set(spec.name, spec);
      this.nodeList.push(spec);
    }
  }

  podsOn(nodeName: string): readonly PodInfo[] {
    return this.byNode.get(nodeName) ?? NO_PODS;
  }

  node(name: string): NodeSpec | undefined {
    return this.byName.get(name);
  }

  nodes(): readonly NodeSpec[] {
    return this.nodeList;
  }
}

const NO_PODS: readonly PodInfo[] = [];

// ---- arbitraries: random clusters and pods as v1 objects -------------------------------------

const ZONES = ['zone-a', 'zone-b', 'zone-c'];
const APPS = ['web', 'api', 'db'];

const taintArb = fc.constantFrom<{ key: string; value?: string; effect: string }>(
  { key: 'dedicated', value: 'gpu', effect: 'NoSchedule' },
  { key: 'spot', value: 'true', effect: 'PreferNoSchedule' },
  { key: 'maintenance', effect: 'NoExecute' },
);

export const v1NodeArb = (name: string) =>
  fc.record({
    cpu: fc.constantFrom('2', '4', '8', '16'),
    memory: fc.constantFrom('4Gi', '8Gi', '16Gi', '32Gi'),
    gpu: fc.oneof({ weight: 3, arbitrary: fc.constant(0) }, { weight: 1, arbitrary: fc.constantFrom(1, 2, 4) }),
    pods: fc.oneof({ weight: 4, arbitrary: fc.constant(110) }, { weight: 1, arbitrary: fc.integer({ min: 1, max: 4 }) }),
    zone: fc.constantFrom(...ZONES),
    disk: fc.constantFrom('ssd', 'hdd'),
    taints: fc.oneof({ weight: 4, arbitrary: fc.constant<{ key: string; value?: string; effect: string }[]>([]) }, { weight: 1, arbitrary: fc.uniqueArray(taintArb, { maxLength: 2, selector: (t) => t.key }) }),
    unschedulable: fc.oneof({ weight: 8, arbitrary: fc.constant(false) }, { weight: 1, arbitrary: fc.constant(true) }),
  }).map((n) =>
    v1Node(name, { cpu: n.cpu, memory: n.memory, gpu: n.gpu, pods: n.pods, labels: { 'topology.kubernetes.io/zone': n.zone, 'orchsim.io/disk': n.disk }, taints: n.taints.length ? n.taints : undefined, unschedulable: n.unschedulable }),
  );

/** A pod's scheduling-relevant fields, without a node. */
export const podOptionsArb: fc.Arbitrary<V1PodOptions> = fc.record(
  {
    cpu: fc.constantFrom('100m', '250m', '500m', '1', '2', '3'),
    memory: fc.constantFrom('128Mi', '512Mi', '1Gi', '4Gi'),
    gpu: fc.oneof({ weight: 5, arbitrary: fc.constant(0) }, { weight: 1, arbitrary: fc.constantFrom(1, 2) }),
    labels: fc.constantFrom(...APPS).map((app) => ({ app })),
    nodeSelector: fc.oneof({ weight: 4, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary: fc.constantFrom<Record<string, string>>({ 'orchsim.io/disk': 'ssd' }, { 'topology.kubernetes.io/zone': 'zone-a' }) }),
    tolerations: fc.oneof(
      { weight: 3, arbitrary: fc.constant(undefined) },
      { weight: 1, arbitrary: fc.constantFrom<Json[]>([{ key: 'dedicated', operator: 'Equal', value: 'gpu', effect: 'NoSchedule' }], [{ operator: 'Exists' }]) },
    ),
    affinity: fc.oneof(
      { weight: 3, arbitrary: fc.constant(undefined) },
      {
        weight: 1,
        arbitrary: fc.constantFrom(...APPS).chain((app) =>
          fc.constantFrom<Json>(
            { podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [{ labelSelector: { matchLabels: { app } }, topologyKey: 'kubernetes.io/hostname' }] } },
            { podAffinity: { preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 50, podAffinityTerm: { labelSelector: { matchLabels: { app } }, topologyKey: 'topology.kubernetes.io/zone' } }] } },
            { nodeAffinity: { preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 20, preference: { matchExpressions: [{ key: 'orchsim.io/disk', operator: 'In', values: ['ssd'] }] } }] } },
          ),
        ),
      },
    ),
    topologySpreadConstraints: fc.oneof(
      { weight: 3, arbitrary: fc.constant(undefined) },
      {
        weight: 1,
        arbitrary: fc.record({
          maxSkew: fc.integer({ min: 1, max: 2 }),
          topologyKey: fc.constantFrom('topology.kubernetes.io/zone', 'kubernetes.io/hostname'),
          whenUnsatisfiable: fc.constantFrom('DoNotSchedule', 'ScheduleAnyway'),
          app: fc.constantFrom(...APPS),
        }).map(({ app, ...c }) => [{ ...c, labelSelector: { matchLabels: { app } } }]),
      },
    ),
  },
  { requiredKeys: ['labels'] },
);

export interface ClusterCase {
  readonly nodes: Json[];
  /** Existing pods, each with spec.nodeName. */
  readonly pods: Json[];
  /** The pod being scheduled. */
  readonly pod: Json;
}

/** Random clusters (1..12 nodes, existing pods on them) and an incoming pod. */
export const clusterCaseArb: fc.Arbitrary<ClusterCase> = fc.integer({ min: 1, max: 12 }).chain((n) =>
  fc.record({
    nodes: fc.tuple(...Array.from({ length: n }, (_, i) => v1NodeArb(`node-${i}`))),
    pods: fc.array(fc.tuple(fc.integer({ min: 0, max: n - 1 }), podOptionsArb), { maxLength: 3 * n }),
    pod: podOptionsArb,
  }).map(({ nodes, pods, pod }) => ({
    nodes,
    pods: pods.map(([node, o], i) => v1Pod(`existing-${i}`, { ...o, nodeName: `node-${node}` })),
    pod: v1Pod('incoming', pod),
  })),
);

import type {
  ClusterAutoscalerContext, ClusterSimulation, NodeGroupSpec, NodeGroupStatus, PodController, ScalableNode,
} from '../../src/api/autoscaling.js';
import type { RandomSource } from '../../src/api/framework.js';
import type { Labels } from '../../src/api/labels.js';
import { DEFAULT_MAX_PODS, type NodeInfo, type Taint } from '../../src/api/node.js';
import type { PodInfo, Toleration } from '../../src/api/pod.js';
import { resources, type Resources } from '../../src/api/resources.js';
import { tolerates } from '../../src/schedulers/plugins/taint-toleration.js';

/**
 * TEST DOUBLE of the cluster-autoscaler context, for unit tests of autoscaler policies only.
 * It is deliberately small and is NOT the simulator: `fits` checks only resources (cpu, memory,
 * summed milli-GPU, ephemeral storage), the pod count, cordons, NoSchedule/NoExecute taints the
 * pod does not tolerate, spec.nodeSelector and spec.nodeName - no affinity, spreading or GPU
 * devices. Like the simulator's what-if cluster it works on the live node objects and undoes
 * every change when `simulate` returns (it is not re-entrant). Integration tests use the real
 * simulator.
 *
 * `fakeContext` builds a cluster for one scan; a `FakeCluster` keeps its node objects from scan to
 * scan (as the simulator does while no node comes or goes) and can be changed between scans.
 * Its rollback restores each node's pod list as it was, as the policy API promises (a what-if
 * leaves no trace).
 *
 * Units as the API: cpu in milli-CPU, memory in bytes, GPU in milli-GPU.
 */

export const Gi = 2 ** 30;

// ---- Pods ----------------------------------------------------------------------------------

let nextPodId = 1;
const owners = new Map<number, PodController>();

export const DEFAULT_OWNER: PodController = { kind: 'Deployment', name: 'app' };

export interface TestPodOptions {
  name?: string;
  /** milli-CPU */
  cpu?: number;
  /** bytes */
  memory?: number;
  /** milli-GPU */
  gpu?: number;
  priority?: number;
  nodeSelector?: Labels;
  tolerations?: Toleration[];
  /** The pod's controller; 'bare' for a pod without one. Default Deployment "app". */
  owner?: PodController | 'bare';
}

export function testPod(o: TestPodOptions = {}): PodInfo {
  const id = nextPodId++;
  const pod: PodInfo = {
    id,
    name: o.name ?? `pod-${id}`,
    spec: {
      namespace: 'default',
      labels: {},
      priority: o.priority ?? 0,
      requests: resources({ milliCPU: o.cpu ?? 0, memory: o.memory ?? 0, milliGPU: o.gpu ?? 0 }),
      nodeSelector: o.nodeSelector,
      tolerations: o.tolerations,
    },
  };
  owners.set(id, o.owner === 'bare' ? { kind: 'None', name: '' } : o.owner ?? DEFAULT_OWNER);
  return pod;
}

export function controllerOf(pod: PodInfo): PodController {
  return owners.get(pod.id) ?? DEFAULT_OWNER;
}

// ---- Groups --------------------------------------------------------------------------------

export interface TestGroupOptions {
  min?: number;
  max?: number;
  /** milli-CPU per node (default 4000). */
  cpu?: number;
  /** bytes per node (default 16 Gi). */
  memory?: number;
  /** milli-GPU per node (default 0). */
  gpu?: number;
  price?: number;
  priority?: number;
  labels?: Labels;
  taints?: Taint[];
  maxPods?: number;
}

export function testGroup(name: string, o: TestGroupOptions = {}): NodeGroupSpec {
  return {
    name,
    min: o.min ?? 0,
    max: o.max ?? 10,
    pricePerHour: o.price ?? 1,
    priority: o.priority ?? 0,
    template: {
      labels: { 'node-group': name, ...o.labels },
      taints: o.taints ?? [],
      allocatable: resources({ milliCPU: o.cpu ?? 4000, memory: o.memory ?? 16 * Gi, milliGPU: o.gpu ?? 0 }),
      allowedPodNumber: o.maxPods ?? DEFAULT_MAX_PODS,
      gpuModel: (o.gpu ?? 0) > 0 ? 'test-gpu' : undefined,
    },
  };
}

// ---- Nodes ---------------------------------------------------------------------------------

function add(a: Resources, b: Resources, sign: 1 | -1): Resources {
  return resources({
    milliCPU: a.milliCPU + sign * b.milliCPU,
    memory: a.memory + sign * b.memory,
    milliGPU: a.milliGPU + sign * b.milliGPU,
    ephemeralStorage: a.ephemeralStorage + sign * b.ephemeralStorage,
  });
}

/** A mutable NodeInfo (nonZeroRequested = requested; no affinity bookkeeping). */
export class FakeNode implements NodeInfo {
  requested: Resources = resources({});
  pods: PodInfo[] = [];
  constructor(
    public index: number,
    readonly name: string,
    readonly labels: Labels,
    public taints: readonly Taint[],
    readonly allocatable: Resources,
    readonly allowedPodNumber: number,
    public unschedulable: boolean,
    readonly gpuModel: string | undefined,
  ) {}
  get nonZeroRequested(): Resources {
    return this.requested;
  }
  get podCount(): number {
    return this.pods.length;
  }
  get gpuCount(): number {
    return Math.ceil(this.allocatable.milliGPU / 1000);
  }
  gpuFree(i: number): number {
    // Devices filled in order: a crude view, enough for a double.
    const used = this.requested.milliGPU - 1000 * i;
    return Math.max(0, Math.min(1000, 1000 - used));
  }
  readonly podsWithAffinity: readonly PodInfo[] = [];
  readonly podsWithRequiredAntiAffinity: readonly PodInfo[] = [];
  bind(pod: PodInfo): void {
    this.pods.push(pod);
    this.requested = add(this.requested, pod.spec.requests, 1);
  }
  /** Removes one pod, moving the last pod into its slot (as the simulator's nodes do). */
  unbind(pod: PodInfo): void {
    const at = this.pods.indexOf(pod);
    if (at < 0) throw new Error(`FakeNode: ${pod.name} is not on ${this.name}`);
    const last = this.pods.pop()!;
    if (last !== pod) this.pods[at] = last;
    this.requested = add(this.requested, pod.spec.requests, -1);
  }
  unbindAll(): PodInfo[] {
    const pods = this.pods;
    this.pods = [];
    this.requested = resources({});
    return pods;
  }
}

/** The double's Filter: see the file comment for what it checks. */
export function fakeFits(pod: PodInfo, node: NodeInfo): boolean {
  if (node.unschedulable) return false;
  if (pod.spec.nodeName !== undefined && pod.spec.nodeName !== node.name) return false;
  if (node.podCount + 1 > node.allowedPodNumber) return false;
  const r = pod.spec.requests;
  const a = node.allocatable;
  const u = node.requested;
  if (u.milliCPU + r.milliCPU > a.milliCPU || u.memory + r.memory > a.memory || u.milliGPU + r.milliGPU > a.milliGPU) return false;
  if (u.ephemeralStorage + r.ephemeralStorage > a.ephemeralStorage && r.ephemeralStorage > 0) return false;
  for (const t of node.taints) if (t.effect !== 'PreferNoSchedule' && !tolerates(pod.spec.tolerations ?? [], t)) return false;
  for (const [k, v] of Object.entries(pod.spec.nodeSelector ?? {})) if (node.labels[k] !== v) return false;
  return true;
}

export interface FakeNodeInit {
  name: string;
  /** Its node group; the node then defaults to the group's template. */
  group?: string;
  /** milli-CPU (default: the group's template, else 4000). */
  cpu?: number;
  memory?: number;
  gpu?: number;
  pods?: PodInfo[];
  ready?: boolean;
  readySince?: number;
  labels?: Labels;
  taints?: Taint[];
  unschedulable?: boolean;
  maxPods?: number;
}

export interface FakeGroupInit {
  spec: NodeGroupSpec;
  /** Default: the group's nodes plus provisioning. */
  targetSize?: number;
  provisioning?: number;
  lastScaleUpFailure?: number;
}

export interface FakeContextInit {
  now: number;
  groups?: (FakeGroupInit | NodeGroupSpec)[];
  nodes?: FakeNodeInit[];
  pending?: PodInfo[];
  /** disruptionsAllowed by controller name (Infinity when absent). */
  budgets?: Record<string, number>;
}

export interface FakeContext extends ClusterAutoscalerContext {
  /** How many times `simulate` ran. */
  readonly simulations: number;
  /** How many times a what-if's `findNode` ran. */
  readonly findNodeCalls: number;
  /** The live nodes, to check nothing leaked out of a what-if. */
  readonly fakeNodes: readonly FakeNode[];
}

export function fakeContext(init: FakeContextInit): FakeContext {
  return new FakeCluster(init).context(init.now, init.pending, init.budgets);
}

/** A ScalableNode whose readiness can change between scans. */
interface FakeScalable {
  readonly node: FakeNode;
  readonly group: string | undefined;
  ready: boolean;
  readonly readySince: number;
}

export interface FakeClusterInit {
  groups?: (FakeGroupInit | NodeGroupSpec)[];
  nodes?: FakeNodeInit[];
  /** Log what-if changes (addNode, removeNode, place) to `ops`. */
  recordOps?: boolean;
}

/**
 * A test cluster that outlives scans: its FakeNode and ScalableNode objects stay the same, and
 * `nodes` (the list contexts hand out) is replaced only when a node is added or removed, as in
 * the simulator. Counters add up over all its contexts.
 */
export class FakeCluster {
  readonly groups: FakeGroupInit[];
  private readonly specs: Map<string, NodeGroupSpec>;
  readonly fakeNodes: FakeNode[] = [];
  nodes: readonly ScalableNode[] = [];
  private scalable: FakeScalable[] = [];
  simulations = 0;
  findNodeCalls = 0;
  /** The what-if changes so far, when recorded (one string each; clear it at will). */
  readonly ops: string[] | undefined;
  private templateSeq = 0;
  private nextIndex = 0;
  private open = false;

  constructor(init: FakeClusterInit = {}) {
    this.groups = (init.groups ?? []).map((g) => ('spec' in g ? { ...g } : { spec: g }));
    this.specs = new Map(this.groups.map((g) => [g.spec.name, g.spec]));
    this.ops = init.recordOps ? [] : undefined;
    for (const n of init.nodes ?? []) this.addNode(n);
  }

  /** Adds a node (a new node list). */
  addNode(n: FakeNodeInit): FakeNode {
    const spec = n.group !== undefined ? this.specs.get(n.group) : undefined;
    if (n.group !== undefined && !spec) throw new Error(`fakeContext: node ${n.name} names unknown group ${n.group}`);
    if (this.fakeNodes.some((x) => x.name === n.name)) throw new Error(`fakeContext: duplicate node ${n.name}`);
    const t = spec?.template;
    const alloc = t?.allocatable;
    const node = new FakeNode(
      this.nextIndex++,
      n.name,
      { 'kubernetes.io/hostname': n.name, ...t?.labels, ...n.labels },
      n.taints ?? t?.taints ?? [],
      resources({ milliCPU: n.cpu ?? alloc?.milliCPU ?? 4000, memory: n.memory ?? alloc?.memory ?? 16 * Gi, milliGPU: n.gpu ?? alloc?.milliGPU ?? 0 }),
      n.maxPods ?? t?.allowedPodNumber ?? DEFAULT_MAX_PODS,
      n.unschedulable ?? false,
      t?.gpuModel,
    );
    for (const p of n.pods ?? []) node.bind(p);
    this.fakeNodes.push(node);
    this.scalable = [...this.scalable, { node, group: n.group, ready: n.ready ?? true, readySince: n.readySince ?? 0 }];
    this.nodes = this.scalable;
    return node;
  }

  /** Removes a node and its pods (a new node list). */
  removeNode(name: string): void {
    const node = this.node(name);
    this.fakeNodes.splice(this.fakeNodes.indexOf(node), 1);
    this.scalable = this.scalable.filter((sn) => sn.node !== node);
    this.nodes = this.scalable;
  }

  node(name: string): FakeNode {
    const n = this.fakeNodes.find((x) => x.name === name);
    if (!n) throw new Error(`fakeContext: no node ${name}`);
    return n;
  }

  /** Readiness changes in place (same node list). */
  setReady(name: string, ready: boolean): void {
    this.scalable.find((sn) => sn.node.name === name)!.ready = ready;
  }

  group(name: string): FakeGroupInit {
    const g = this.groups.find((x) => x.spec.name === name);
    if (!g) throw new Error(`fakeContext: no group ${name}`);
    return g;
  }

  /** The context of one scan at `now`. */
  context(now: number, pending: readonly PodInfo[] = [], budgets?: Record<string, number>): FakeContext {
    const groups: NodeGroupStatus[] = this.groups.map((g) => {
      const provisioning = g.provisioning ?? 0;
      const registered = this.scalable.filter((sn) => sn.group === g.spec.name).length;
      return { spec: g.spec, provisioning, targetSize: g.targetSize ?? registered + provisioning, lastScaleUpFailure: g.lastScaleUpFailure ?? NaN };
    });
    const cluster = this;
    return {
      now,
      groups,
      nodes: this.nodes,
      unschedulablePods: pending,
      controllerOf,
      disruptionsAllowed: (pod) => budgets?.[controllerOf(pod).name] ?? Infinity,
      simulate: (fn) => this.simulate(fn),
      get simulations() {
        return cluster.simulations;
      },
      get findNodeCalls() {
        return cluster.findNodeCalls;
      },
      get fakeNodes() {
        return cluster.fakeNodes;
      },
    };
  }

  private nodeFromTemplate(name: string, spec: NodeGroupSpec): FakeNode {
    const t = spec.template;
    return new FakeNode(this.nextIndex + this.templateSeq, name, { 'kubernetes.io/hostname': name, ...t.labels }, t.taints, t.allocatable, t.allowedPodNumber, false, t.gpuModel);
  }

  simulate<T>(fn: (sim: ClusterSimulation) => T): T {
    if (this.open) throw new Error('fakeContext: simulate is not re-entrant');
    this.open = true;
    this.simulations++;
    const saved = this.fakeNodes.map((n) => ({ n, pods: [...n.pods], requested: n.requested }));
    const ops = this.ops;
    ops?.push('simulate');
    let current: FakeNode[] = [...this.fakeNodes];
    const inSim = (node: NodeInfo): node is FakeNode => current.includes(node as FakeNode);
    const sim: ClusterSimulation = {
      get nodes() {
        return current;
      },
      addNode: (group: string): NodeInfo => {
        const spec = this.specs.get(group);
        if (!spec) throw new Error(`fakeContext: unknown group ${group}`);
        const node = this.nodeFromTemplate(`template-${group}-${this.templateSeq++}`, spec);
        ops?.push(`add ${group}`);
        current = [...current, node];
        return node;
      },
      removeNode(node: NodeInfo): readonly PodInfo[] {
        if (!inSim(node)) throw new Error(`fakeContext: node ${node.name} is not in the what-if`);
        ops?.push(`remove ${node.name}`);
        current = current.filter((n) => n !== node);
        return node.unbindAll();
      },
      fits: (pod, node) => inSim(node) && fakeFits(pod, node),
      findNode: (pod, candidates) => {
        this.findNodeCalls++;
        for (const n of candidates ?? current) if (inSim(n) && fakeFits(pod, n)) return n;
        return undefined;
      },
      place(pod, node) {
        if (!inSim(node)) throw new Error(`fakeContext: cannot place ${pod.name} on ${node.name}: not in the what-if`);
        ops?.push(`place ${pod.id} ${node.name}`);
        node.bind(pod);
      },
    };
    try {
      return fn(sim);
    } finally {
      for (const s of saved) {
        s.n.pods = s.pods;
        s.n.requested = s.requested;
      }
      this.open = false;
    }
  }
}

/** A seeded RandomSource for tests (mulberry32). */
export function seededRandom(seed: number): RandomSource {
  let a = seed >>> 0;
  return {
    next() {
      a = (a + 0x6d2b79f5) >>> 0;
      let t = a;
      t = Math.imul(t ^ (t >>> 15), t | 1);
      t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
      return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    },
  };
}

/** A RandomSource returning the given values in turn (then the last one forever). */
export function fixedRandom(...values: number[]): RandomSource & { draws: number } {
  const r = {
    draws: 0,
    next() {
      const v = values[Math.min(r.draws, values.length - 1)] ?? 0;
      r.draws++;
      return v;
    },
  };
  return r;
}

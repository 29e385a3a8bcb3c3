import type { ClusterSnapshot } from '../../src/api/node.js';
import type { PodInfo, PodSpec, Toleration } from '../../src/api/pod.js';
import { ALL_CLUSTER_EVENTS, type FitError, type Scheduler } from '../../src/api/framework.js';
import type { Taint } from '../../src/api/node.js';
import { resources } from '../../src/api/resources.js';
import type { NodeSpec } from '../../src/api/node.js';
import { Engine } from '../../src/sim/engine.js';
import type { Incident } from '../../src/sim/failures.js';
import { Lifecycle, type Hook, type StoreHooks, type WorkloadRecord } from '../../src/sim/lifecycle.js';
import type { Distribution } from '../../src/api/distribution.js';
import type { CrashModel, JobWorkload, ServiceWorkload, Workload } from '../../src/api/workload.js';
import { Gi, makeSpec } from './cluster.js';

/**
 * Test helpers for the controllers' unit tests: a small pod store (an Engine and a Lifecycle)
 * with hand-made nodes and workload records, in the units people write (cores, bytes, seconds).
 */

export const fixed = (value: number): Distribution => ({ kind: 'fixed', value });

export interface NodeOptions {
  cpu?: number; // cores
  memory?: number; // bytes
  gpu?: number; // whole GPUs
  labels?: Record<string, string>;
  taints?: Taint[];
  unschedulable?: boolean;
  pool?: string;
  group?: string;
  pricePerHour?: number;
}

export function nodeSpec(name: string, o: NodeOptions = {}): NodeSpec {
  return {
    name,
    labels: { 'kubernetes.io/hostname': name, ...o.labels },
    taints: o.taints ?? [],
    unschedulable: o.unschedulable ?? false,
    allocatable: resources({ milliCPU: (o.cpu ?? 4) * 1000, memory: o.memory ?? 16 * Gi, milliGPU: (o.gpu ?? 0) * 1000 }),
    pool: o.pool,
    group: o.group,
    pricePerHour: o.pricePerHour,
  };
}

/** A pod spec: cpu in cores, memory in bytes, whole GPUs. */
export function podSpec(o: { cpu?: number; memory?: number; gpu?: number; priority?: number; tolerations?: Toleration[] } = {}): PodSpec {
  return makeSpec({ cpu: (o.cpu ?? 1) * 1000, memory: o.memory ?? Gi, gpu: o.gpu ?? 0, priority: o.priority ?? 0, tolerations: o.tolerations });
}

export function service(name: string, replicas: number, o: Partial<Omit<ServiceWorkload, 'kind' | 'name' | 'replicas'>> = {}): ServiceWorkload {
  return { kind: 'service', name, replicas, spec: o.spec ?? podSpec(), startAt: o.startAt ?? 0, startup: o.startup ?? fixed(10), ...o };
}

export function job(name: string, o: Partial<Omit<JobWorkload, 'kind' | 'name'>> = {}): JobWorkload {
  return {
    kind: 'job', name, spec: o.spec ?? podSpec(), completions: o.completions ?? 1, parallelism: o.parallelism ?? 1,
    startAt: o.startAt ?? 0, duration: o.duration ?? fixed(100), startup: o.startup ?? fixed(10), ...o,
  };
}

export function crashes(every: number, hangFraction = 0): CrashModel {
  return { timeBetweenCrashes: fixed(every), hangFraction, livenessPeriod: 10, livenessFailureThreshold: 3 };
}

/** The record the simulation builds for a workload (spec.replicas = replicas, nothing created yet). */
export function record(w: Workload, index: number): WorkloadRecord {
  return { index, w, created: 0, desired: w.kind === 'service' ? w.replicas : 0, ready: 0, podIds: new Set<number>(), traffic: undefined };
}

export interface Store {
  readonly engine: Engine;
  readonly api: Lifecycle;
}

/** An engine and a lifecycle over the given nodes and workloads (records built by `record`). */
export function store(nodes: readonly NodeSpec[], workloads: readonly Workload[]): Store {
  const engine = new Engine();
  const api = new Lifecycle(engine, nodes, workloads.map(record));
  return { engine, api };
}

/** Creates a pod of workload `wi` with its workload's spec (or `spec`), like its controller would. */
export function createPod(api: Lifecycle, wi: number, duration = Infinity, spec?: PodSpec): number {
  const wr = api.workloads[wi]!;
  const w = wr.w;
  const s = spec ?? (w.kind === 'service' || w.kind === 'job' ? w.spec : podSpec());
  return api.createPod(wi, `${w.name}-${wr.created}`, s, duration);
}

/** What the kubelet does when the containers start: Running and ready (and the pod's observers told). */
export function start(api: Lifecycle, id: number): void {
  api.startPod(id);
  api.replicaReady(id, 'rescheduled');
  api.podChanged(id);
}

/** Creates, binds and starts a pod on `node` now: a running replica. */
export function runningPod(api: Lifecycle, wi: number, node: number, duration = Infinity): number {
  const id = createPod(api, wi, duration);
  api.bind(id, node, undefined);
  start(api, id);
  return id;
}

/** An incident as the failure injector opens it (times NaN until they happen). */
export function openIncident(api: Lifecycle, source = 'test', nodes = 1): Incident {
  return api.openIncident({ source, domainKind: 'node', domain: source, nodes, onset: api.now });
}

/**
 * A stub scheduler: the first node (in index order) that is present, schedulable, has no
 * NoSchedule/NoExecute taint and has room for the pod's cpu, memory and pod count. A failure
 * reports `failEvents` as the cluster events that could help (all by default).
 */
export class FirstFitScheduler implements Scheduler {
  readonly name = 'first-fit';
  lastFitError: FitError | undefined;
  lastEvaluated: number | undefined;
  readonly lastGPUs = undefined;
  /** Every call, in order: the pod's id and the time the test's clock says. */
  readonly calls: number[] = [];

  constructor(private readonly failEvents = ALL_CLUSTER_EVENTS) {}

  schedule(pod: PodInfo, snapshot: ClusterSnapshot): number {
    this.calls.push(pod.id);
    const r = pod.spec.requests;
    let evaluated = 0;
    for (const n of snapshot.nodes) {
      evaluated++;
      if (n.unschedulable || n.taints.some((t) => t.effect !== 'PreferNoSchedule')) continue;
      if (n.podCount >= n.allowedPodNumber) continue;
      if (n.requested.milliCPU + r.milliCPU > n.allocatable.milliCPU || n.requested.memory + r.memory > n.allocatable.memory) continue;
      this.lastEvaluated = evaluated;
      this.lastFitError = undefined;
      return n.index;
    }
    this.lastEvaluated = evaluated;
    this.lastFitError = { pod: pod.name, numAllNodes: snapshot.nodes.length, reasons: new Map([['Insufficient cpu', snapshot.nodes.length]]), unschedulablePlugins: new Set(['NodeResourcesFit']), events: this.failEvents };
    return -1;
  }
}

/** Records what a hook delivers, with the time it was heard. */
export function listen<K extends Hook>(api: Lifecycle, hook: K): { t: number; args: Parameters<StoreHooks[K][number]> }[] {
  const heard: { t: number; args: Parameters<StoreHooks[K][number]> }[] = [];
  const fn = (...args: Parameters<StoreHooks[K][number]>) => {
    heard.push({ t: api.now, args });
  };
  api.on(hook, fn as unknown as StoreHooks[K][number]);
  return heard;
}

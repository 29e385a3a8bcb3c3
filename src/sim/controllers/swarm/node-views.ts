import { gpuRequest } from '../../../api/gpu.js';
import { PodPhase, type PodSpec } from '../../../api/pod.js';
import { SWARM_DEFAULT_NODE_META, SWARM_DEFAULT_SETTINGS, type SwarmConstraint, type SwarmNodeInfo, type SwarmNodeMeta, type SwarmTaskSpec } from '../../../api/swarm.js';
import type { Labels } from '../../../api/labels.js';
import type { Lifecycle } from '../../lifecycle.js';

/** nodeinfo.go monitorFailures: failures older than 5 minutes no longer count. */
export const SWARM_MONITOR_FAILURES_SECONDS = 300;

/**
 * Swarm's view of the nodes, kept up to date from the store's notifications as swarmkit's
 * scheduler keeps its nodeSet (manager/scheduler/nodeinfo.go): per node the active tasks in all
 * and per service, the host ports in use and the recent task failures. The Swarm controllers
 * share it as Kubernetes controllers share an informer cache; it changes nothing in the store.
 */
export class SwarmNodeViews {
  /** The views of the nodes present, by node index (undefined: a removed node's slot). */
  private readonly views: (NodeView | undefined)[] = [];
  private list: NodeView[] | undefined;
  /** Spec version of each task spec object (set by the orchestrator; 1 when unknown). */
  private readonly versions = new WeakMap<PodSpec, number>();
  private readonly taskSpecs = new WeakMap<PodSpec, SwarmTaskSpec>();

  constructor(private readonly api: Lifecycle) {
    for (const n of api.cluster.nodes) if (!n.removed) this.views[n.index] = new NodeView(api, n.index);
    api.on('nodeAdded', (n) => {
      this.views[n.index] = new NodeView(api, n.index);
      this.list = undefined;
    });
    api.on('nodeRemoved', (index) => {
      this.views[index] = undefined;
      this.list = undefined;
    });
    api.on('podBound', (id, node) => this.views[node]?.add(id, 1));
    api.on('podSucceeded', (id) => this.views[api.pods.node[id]!]?.add(id, -1));
    api.on('podRemoved', (id, from, reason) => {
      if (from !== PodPhase.Bound && from !== PodPhase.Running) return;
      const v = this.views[api.pods.node[id]!];
      if (!v) return;
      v.add(id, -1);
      // A task that failed on the node counts against it for a while (nodeinfo.go taskFailed);
      // pre-assigned tasks (global services) are not counted.
      if (reason === 'failed' && api.pods.infos[id]!.spec.nodeName === undefined) v.failed(api.pods.workload[id]!, this.versionOf(api.pods.infos[id]!.spec), api.engine.now);
    });
  }

  /** The views of the nodes present, in node order. */
  get nodes(): readonly SwarmNodeInfo[] {
    return (this.list ??= this.views.filter((v): v is NodeView => v !== undefined));
  }

  node(index: number): SwarmNodeInfo | undefined {
    return this.views[index];
  }

  setVersion(spec: PodSpec, version: number): void {
    this.versions.set(spec, version);
  }

  versionOf(spec: PodSpec): number {
    return this.versions.get(spec) ?? 1;
  }

  /**
   * What a task reserves and where it may go. Reservations are the pod's requests (Swarm counts
   * reservations only); GPUs are whole devices (generic resources are discrete, so a fractional
   * GPU request takes a device of its own). A Kubernetes nodeSelector becomes `node.labels.k == v`
   * constraints, so a scenario written for Kubernetes keeps its node choice under Swarm; taints,
   * tolerations, affinity and topology spread have no Swarm counterpart and are not read.
   */
  taskSpec(spec: PodSpec, workload: number): SwarmTaskSpec {
    let t = this.taskSpecs.get(spec);
    if (t) return t;
    const w = this.api.workloads[workload]!.w;
    const settings = ('swarm' in w ? w.swarm : undefined) ?? SWARM_DEFAULT_SETTINGS;
    const selector: SwarmConstraint[] = Object.entries(spec.nodeSelector ?? {}).map(([k, v]) => ({ key: `node.labels.${k}`, operator: '==', value: v }));
    const placement = selector.length === 0 ? settings.placement : { ...settings.placement, constraints: [...settings.placement.constraints, ...selector] };
    const gpu = gpuRequest(spec.requests);
    t = { milliCPU: spec.requests.milliCPU, memory: spec.requests.memory, gpus: gpu ? gpu.count : 0, placement, hostPorts: settings.hostPorts };
    this.taskSpecs.set(spec, t);
    return t;
  }
}

/** One node as Swarm's scheduler sees it (SwarmNodeInfo over the store's node). */
class NodeView implements SwarmNodeInfo {
  activeTasks = 0;
  private readonly byService = new Map<number, number>();
  readonly usedHostPorts = new Set<number>();
  /** Recent failures: service, spec version, time (oldest first). */
  private readonly failures: { readonly service: number; readonly version: number; readonly at: number }[] = [];

  constructor(private readonly api: Lifecycle, readonly index: number) {}

  private get n() {
    return this.api.cluster.nodes[this.index]!;
  }

  get name(): string {
    return this.n.name;
  }

  get labels(): Labels {
    return this.n.labels;
  }

  get meta(): SwarmNodeMeta {
    return this.n.swarm ?? SWARM_DEFAULT_NODE_META;
  }

  get ready(): boolean {
    return this.api.isNodeReady(this.index);
  }

  get availability(): 'active' | 'pause' | 'drain' {
    const n = this.n;
    return n.drains > 0 ? 'drain' : n.unschedulable ? 'pause' : 'active';
  }

  get availableMilliCPU(): number {
    return this.n.allocatable.milliCPU - this.n.requested.milliCPU;
  }

  get availableMemory(): number {
    return this.n.allocatable.memory - this.n.requested.memory;
  }

  get availableGpus(): number {
    const n = this.n;
    let free = 0;
    for (let g = 0; g < n.gpuCount; g++) if (n.gpuFree(g) >= 1000) free++;
    return free;
  }

  activeTasksOf(service: number): number {
    return this.byService.get(service) ?? 0;
  }

  recentFailures(service: number, specVersion: number, now: number): number {
    const f = this.failures;
    while (f.length > 0 && f[0]!.at < now - SWARM_MONITOR_FAILURES_SECONDS) f.shift();
    let k = 0;
    for (const x of f) if (x.service === service && x.version === specVersion) k++;
    return k;
  }

  add(id: number, sign: 1 | -1): void {
    const api = this.api;
    const wi = api.pods.workload[id]!;
    this.activeTasks += sign;
    this.byService.set(wi, (this.byService.get(wi) ?? 0) + sign);
    const w = api.workloads[wi]!.w;
    const ports = 'swarm' in w ? w.swarm?.hostPorts : undefined;
    if (ports) for (const p of ports) sign > 0 ? this.usedHostPorts.add(p) : this.usedHostPorts.delete(p);
  }

  failed(service: number, version: number, at: number): void {
    this.failures.push({ service, version, at });
  }
}

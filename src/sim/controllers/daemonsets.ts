import type { PodSpec } from '../../api/pod.js';
import type { DaemonSetWorkload } from '../../api/workload.js';
import { PodPhase } from '../../api/pod.js';
import { daemonPodForNode, daemonPodTolerations, nodeShouldRunDaemonPod } from '../daemon-pods.js';
import type { Lifecycle } from '../lifecycle.js';

/** One DaemonSet's bookkeeping: its daemon pod template and its pod on each node slot. */
interface DaemonSetState {
  readonly wi: number;
  readonly w: DaemonSetWorkload;
  /** The template with upstream's default daemon tolerations (NewPod adds them). */
  readonly template: PodSpec;
  /** The daemon pod of each node slot (-1: none). */
  podOnNode: Int32Array;
  /** A sync is queued (one per DaemonSet at a time). */
  queued: boolean;
}

/**
 * The DaemonSet controller (pkg/controller/daemon/daemon_controller.go): each DaemonSet keeps
 * one pod on every node that should run it (nodeShouldRunDaemonPod: node selector, node
 * affinity, tolerations of NoSchedule/NoExecute taints), from the start of the run and on
 * every node that registers later (an autoscaler's scale-up). Since Kubernetes 1.12 the pods
 * are placed by the default scheduler, pinned to their node by a node affinity
 * (daemon-pods.ts daemonPodForNode): one that does not fit stays Pending.
 *
 * Watches: nodes added and removed, its pods removed. Owns: which pod is each node's. Acts:
 * creates daemon pods, and deletes a Pending one whose node went away (upstream's
 * syncNodes deletes pods of nodes that no longer exist).
 *
 * After a pod is removed, the sync runs as its own event at the same time (upstream enqueues
 * the DaemonSet and syncs it later): so a node deleted by a drain is gone before the sync looks,
 * and its daemon pod, deleted with the node, is not recreated. A node added is synced at once.
 */
export class DaemonSetController {
  private readonly evSync: number;
  private readonly sets: DaemonSetState[] = [];
  /** Per workload index: its DaemonSet's index in `sets` (-1: not a DaemonSet). */
  private readonly setOf: Int32Array;

  constructor(private readonly api: Lifecycle) {
    this.setOf = new Int32Array(api.workloads.length).fill(-1);
    api.workloads.forEach((wr, wi) => {
      const w = wr.w;
      if (w.kind !== 'daemonset') return;
      this.setOf[wi] = this.sets.length;
      const template: PodSpec = { ...w.spec, tolerations: daemonPodTolerations(w.spec.tolerations, w.hostNetwork) };
      this.sets.push({ wi, w, template, podOnNode: new Int32Array(Math.max(16, api.nodeSlots)).fill(-1), queued: false });
    });
    this.evSync = api.engine.defineEvent('daemonset-sync', (si) => this.sync(si));
    if (this.sets.length === 0) return;
    // At once, so the new node's daemon pods are queued before anything hears of the node (the
    // cluster autoscaler's NodeAdd moves the waiting pods): upstream's controller creates them
    // while the node is still registering, NotReady.
    api.on('nodeAdded', () => {
      for (let si = 0; si < this.sets.length; si++) this.sync(si);
    });
    api.on('nodeRemoved', (index) => this.nodeRemoved(index));
    api.on('podRemoved', (id) => {
      const si = this.setOf[api.pods.workload[id]!]!;
      if (si < 0) return;
      const set = this.sets[si]!;
      const node = set.podOnNode.indexOf(id);
      if (node >= 0) set.podOnNode[node] = -1;
      this.enqueue(si);
    });
  }

  /** Whether any DaemonSet runs in this simulation. */
  get active(): boolean {
    return this.sets.length > 0;
  }

  /** Creates the daemon pods of the nodes present at the start of the run. */
  start(): void {
    for (let si = 0; si < this.sets.length; si++) this.sync(si);
  }

  /** The daemon pod of a DaemonSet on a node slot (-1: none); for tests. */
  podOn(workload: string, node: number): number {
    const set = this.sets.find((s) => s.w.name === workload);
    return set ? set.podOnNode[node] ?? -1 : -1;
  }

  private enqueue(si: number): void {
    const set = this.sets[si]!;
    if (set.queued) return;
    set.queued = true;
    this.api.engine.schedule(0, this.evSync, si);
  }

  /** A node left: a daemon pod still waiting for it is deleted (a bound one left with the node). */
  private nodeRemoved(index: number): void {
    const api = this.api;
    for (const set of this.sets) {
      if (index >= set.podOnNode.length) continue;
      const id = set.podOnNode[index]!;
      set.podOnNode[index] = -1;
      if (id >= 0 && api.pods.phase[id] === PodPhase.Pending) api.removePod(id, 'deleted');
    }
  }

  /**
   * The reconcile step (syncNodes in daemon_controller.go, without its rolling update): every
   * present node that should run the pod and has none gets one. A node that no longer should
   * keep it (an untolerated NoExecute taint) is not looked at: node taints a DaemonSet does not
   * tolerate do not change during a run here (the unreachable taints are tolerated).
   */
  private sync(si: number): void {
    const api = this.api;
    const set = this.sets[si]!;
    set.queued = false;
    const nodes = api.cluster.nodes;
    if (set.podOnNode.length < nodes.length) {
      const grown = new Int32Array(Math.max(nodes.length, 2 * set.podOnNode.length)).fill(-1);
      grown.set(set.podOnNode);
      set.podOnNode = grown;
    }
    const wr = api.workloads[set.wi]!;
    for (const node of nodes) {
      if (node.removed || set.podOnNode[node.index]! >= 0) continue;
      // The node's declared taints: the ones it registered with (a NotReady node's unreachable
      // taints are tolerated by every daemon pod anyway).
      if (!nodeShouldRunDaemonPod(set.template, node).shouldRun) continue;
      const spec = daemonPodForNode(set.template, node.name);
      set.podOnNode[node.index] = api.createPod(set.wi, `${set.w.name}-${wr.created}`, spec, Infinity);
    }
  }
}

import type { WaitingPodsHandle } from '../api/framework.js';
import type { PodInfo } from '../api/pod.js';
import type { Lifecycle } from './lifecycle.js';

interface Waiting {
  readonly node: number;
  /** Plugins that asked the pod to wait and have not allowed it yet. */
  readonly pending: Set<string>;
  readonly deadline: number;
  readonly timeout: number;
  /** Nodes the filters evaluated in the pod's cycle (its attempt is recorded when the wait ends). */
  readonly evaluated: number;
}

/** What becomes of a waiting pod: the scheduling controller binds it or puts it back in the queue. */
export interface WaitingPodsOwner {
  allowed(id: number, node: number, evaluated: number): void;
  rejected(id: number, node: number, evaluated: number, plugin: string, reason: string, timedOut: boolean): void;
  activate(ids: readonly number[]): void;
}

/**
 * The framework's waiting pods (pkg/scheduler/framework/runtime/waiting_pods_map.go): pods
 * that passed Reserve and were told to wait at Permit. Each waits until every plugin that asked
 * it to wait allows it, or is rejected - by a plugin or when its timer fires (the timer starts
 * when the pod starts waiting: newWaitingPod). Owned by the scheduling controller; plugins
 * reach it through WaitingPodsHandle.
 */
export class WaitingPods implements WaitingPodsHandle {
  /** Insertion order is the order the pods started waiting. */
  private readonly entries = new Map<number, Waiting>();
  private readonly evTimeout: number;

  constructor(private readonly api: Lifecycle, private readonly owner: WaitingPodsOwner) {
    this.evTimeout = api.engine.defineEvent('permit-timeout', (id) => this.onTimeout(id));
  }

  get size(): number {
    return this.entries.size;
  }

  has(id: number): boolean {
    return this.entries.has(id);
  }

  add(id: number, node: number, timeout: number, plugins: readonly string[], evaluated: number): void {
    if (this.entries.has(id)) throw new Error(`pod ${this.api.pods.infos[id]!.name} is already waiting`);
    const deadline = this.api.engine.now + timeout;
    this.entries.set(id, { node, pending: new Set(plugins), deadline, timeout, evaluated });
    this.api.engine.scheduleAt(deadline, this.evTimeout, id);
  }

  /** A waiting pod was deleted: it stops waiting (its resources went with it); returns its node, or -1. */
  forget(id: number): number {
    const w = this.entries.get(id);
    if (!w) return -1;
    this.entries.delete(id);
    return w.node;
  }

  waitingPods(): readonly PodInfo[] {
    const infos = this.api.pods.infos;
    return [...this.entries.keys()].map((id) => infos[id]!);
  }

  allow(pod: PodInfo, plugin: string): void {
    const w = this.entries.get(pod.id);
    if (!w) return;
    w.pending.delete(plugin);
    if (w.pending.size > 0) return;
    this.entries.delete(pod.id);
    this.owner.allowed(pod.id, w.node, w.evaluated);
  }

  reject(pod: PodInfo, plugin: string, reason: string): void {
    this.rejectPod(pod.id, plugin, reason, false);
  }

  private rejectPod(id: number, plugin: string, reason: string, timedOut: boolean): void {
    const w = this.entries.get(id);
    if (!w) return;
    this.entries.delete(id);
    this.owner.rejected(id, w.node, w.evaluated, plugin, reason, timedOut);
  }

  activate(pods: readonly PodInfo[]): void {
    if (pods.length > 0) this.owner.activate(pods.map((p) => p.id));
  }

  /** The pod's timer (a stale one, of an earlier wait, finds another deadline or none). */
  private onTimeout(id: number): void {
    const w = this.entries.get(id);
    if (!w || w.deadline !== this.api.engine.now) return;
    const plugin = [...w.pending][0]!;
    // waitingPod's timer: "rejected due to timeout after waiting %v at plugin %v".
    this.rejectPod(id, plugin, `rejected due to timeout after waiting ${w.timeout}s at plugin ${plugin}`, true);
  }
}

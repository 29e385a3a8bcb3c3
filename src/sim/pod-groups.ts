import type { PodInfo } from '../api/pod.js';
import { podGroupFullName, type PodGroupLister, type PodGroupSpec, type PodGroupView } from '../api/podgroup.js';

/**
 * A PodGroup object and what the coscheduling plugin's PodGroupManager keeps of it
 * (scheduler-plugins pkg/coscheduling/core/core.go): pods that carry the label, pods assigned
 * (reserved at Permit or bound: assignedPodsByPG, where succeeded pods stay until deleted), the
 * last scheduling failure and the backoff - plus what the gang metrics need.
 */
export class PodGroupRecord implements PodGroupView {
  spec: PodGroupSpec;
  creationTime: number;
  lastFailure = NaN;
  backoffUntil = 0;
  /** Existing pods carrying the label, in creation order. */
  readonly members: PodInfo[] = [];
  /** Members reserved or on a node (or succeeded there). */
  readonly assignedIds = new Set<number>();
  /** Members bound (Bound, Running or Succeeded) and not deleted. */
  bound = 0;
  /** When the first member was created; when `bound` first reached minMember (NaN: not yet). */
  firstCreated = NaN;
  completedAt = NaN;
  /** Times the group's waiting pods were rejected: at a Permit timeout, or otherwise (PostFilter, a deleted member). */
  timeouts = 0;
  rejections = 0;
  /** Members counted as holding resources idle (reserved, or bound while the gang is incomplete). */
  readonly idle = new Set<number>();

  constructor(readonly fullName: string, spec: PodGroupSpec | undefined, now: number) {
    this.spec = spec ?? { name: '', namespace: '', minMember: 0 };
    this.creationTime = now;
  }

  get declared(): boolean {
    return this.spec.minMember > 0;
  }
  get pods(): number {
    return this.members.length;
  }
  get assigned(): number {
    return this.assignedIds.size;
  }
}

/**
 * The run's PodGroups: the objects (declared by manifests or created with a gang workload's
 * pods) and their members. Lifecycle (the store) keeps it up to date; plugins read it as
 * `snapshot.podGroups`. Resources held idle - by reserved pods, and by bound members of a gang
 * not yet complete - are summed here for the metrics.
 */
export class PodGroupStore implements PodGroupLister {
  private readonly groups = new Map<string, PodGroupRecord>();
  /** Groups with a PodGroup object, in creation order. */
  readonly declared: PodGroupRecord[] = [];
  /** Requests held idle now, summed (milli-CPU, milli-GPU). */
  idleMilliCPU = 0;
  idleMilliGPU = 0;
  /** Requests of reserved (waiting) pods now. */
  reservedMilliCPU = 0;
  reservedMilliGPU = 0;

  constructor(private readonly clock: { readonly now: number }) {}

  get now(): number {
    return this.clock.now;
  }

  get size(): number {
    return this.declared.length;
  }

  /** Creates the PodGroup object (a second create of the same name keeps the first). */
  create(spec: PodGroupSpec): PodGroupRecord {
    const fullName = `${spec.namespace}/${spec.name}`;
    let g = this.groups.get(fullName);
    if (g?.declared) return g;
    if (g) {
      g.spec = spec;
      g.creationTime = this.clock.now;
    } else this.groups.set(fullName, (g = new PodGroupRecord(fullName, spec, this.clock.now)));
    this.declared.push(g);
    return g;
  }

  groupName(pod: PodInfo): string | undefined {
    return podGroupFullName(pod);
  }

  get(fullName: string): PodGroupRecord | undefined {
    const g = this.groups.get(fullName);
    return g?.declared ? g : undefined;
  }

  /** The record of a pod's group (declared or not yet); undefined for a pod without the label. */
  of(pod: PodInfo): PodGroupRecord | undefined {
    const name = podGroupFullName(pod);
    return name === undefined ? undefined : this.groups.get(name);
  }

  podsOf(fullName: string): readonly PodInfo[] {
    return this.groups.get(fullName)?.members ?? [];
  }

  markScheduleFailure(fullName: string): void {
    const g = this.groups.get(fullName);
    if (g) g.lastFailure = this.clock.now;
  }

  clearScheduleFailure(fullName: string): void {
    const g = this.groups.get(fullName);
    if (g) g.lastFailure = NaN;
  }

  backoff(fullName: string, seconds: number): void {
    const g = this.groups.get(fullName);
    if (g) g.backoffUntil = Math.max(g.backoffUntil, this.clock.now + seconds);
  }

  // ---- written by the lifecycle API only ---------------------------------------------------

  podCreated(pod: PodInfo): void {
    const name = podGroupFullName(pod);
    if (name === undefined) return;
    let g = this.groups.get(name);
    if (!g) this.groups.set(name, (g = new PodGroupRecord(name, undefined, this.clock.now)));
    if (Number.isNaN(g.firstCreated)) g.firstCreated = this.clock.now;
    g.members.push(pod);
  }

  reserved(pod: PodInfo): void {
    const g = this.of(pod);
    this.reservedMilliCPU += pod.spec.requests.milliCPU;
    this.reservedMilliGPU += pod.spec.requests.milliGPU;
    if (!g) return;
    g.assignedIds.add(pod.id);
    this.setIdle(g, pod, true);
  }

  unreserved(pod: PodInfo): void {
    const g = this.of(pod);
    this.reservedMilliCPU -= pod.spec.requests.milliCPU;
    this.reservedMilliGPU -= pod.spec.requests.milliGPU;
    if (!g) return;
    g.assignedIds.delete(pod.id);
    this.setIdle(g, pod, false);
  }

  /** A pod was bound (`wasReserved`: it had waited at Permit). A gang whose minMember are bound is complete. */
  bound(pod: PodInfo, wasReserved: boolean): void {
    if (wasReserved) {
      this.reservedMilliCPU -= pod.spec.requests.milliCPU;
      this.reservedMilliGPU -= pod.spec.requests.milliGPU;
    }
    const g = this.of(pod);
    if (!g) return;
    g.assignedIds.add(pod.id);
    g.bound++;
    const complete = g.declared && g.bound >= g.spec.minMember;
    if (complete && Number.isNaN(g.completedAt)) {
      g.completedAt = this.clock.now;
      for (const info of g.members) if (g.idle.has(info.id)) this.setIdle(g, info, false);
    } else this.setIdle(g, pod, g.declared && Number.isNaN(g.completedAt));
  }

  /** A bound pod left its node by succeeding: it stays a member and assigned, and holds nothing. */
  succeeded(pod: PodInfo): void {
    const g = this.of(pod);
    if (g) this.setIdle(g, pod, false);
  }

  /** A pod was deleted: no longer a member (nor assigned). `onNode`: it was bound. */
  removed(pod: PodInfo, onNode: boolean): void {
    const g = this.of(pod);
    if (!g) return;
    const i = g.members.indexOf(pod);
    if (i >= 0) g.members.splice(i, 1);
    g.assignedIds.delete(pod.id);
    if (onNode) g.bound--;
    this.setIdle(g, pod, false);
  }

  private setIdle(g: PodGroupRecord, pod: PodInfo, idle: boolean): void {
    if (g.idle.has(pod.id) === idle) return;
    const sign = idle ? 1 : -1;
    if (idle) g.idle.add(pod.id);
    else g.idle.delete(pod.id);
    this.idleMilliCPU += sign * pod.spec.requests.milliCPU;
    this.idleMilliGPU += sign * pod.spec.requests.milliGPU;
  }
}

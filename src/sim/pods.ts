import { PodPhase, type PodInfo, type PodSpec } from '../api/pod.js';
import type { Workload } from '../api/workload.js';
import { grown } from '../util/typed-arrays.js';

/** The largest capacity hint taken (beyond it the table grows by doubling as it fills). */
const MAX_CAPACITY_HINT = 1 << 21;

/**
 * The pods a run is known to create, at least: a batch stream's `count`, a Job's completions, a
 * service's replicas, a pod list. Only a capacity hint for the pod table (retries, replacements
 * and unbounded streams make the table grow as before).
 */
export function expectedPods(workloads: readonly Workload[]): number {
  let n = 0;
  for (const w of workloads) {
    if (w.kind === 'batch') n += Number.isFinite(w.maxPods) ? w.maxPods : 0;
    else if (w.kind === 'job') n += w.completions;
    else if (w.kind === 'service') n += w.replicas;
    else if (w.kind === 'pods') n += w.pods.length;
  }
  return n;
}

/** The most PodInfo slots made up front (PodTable.infos). */
const MAX_INFOS_UP_FRONT = 1 << 18;

/** A pod's node before it is bound, and after it left. */
export const NO_NODE = -1;

/**
 * The pod store: every pod of a run, as the API server holds them, in typed arrays indexed by
 * pod id (struct of arrays; STYLE.md habit 10). Controllers read it freely; only the lifecycle
 * API (lifecycle.ts) writes the phase, node and times, and each controller writes only the
 * columns it owns (the kubelet's due times, the incident a replica belongs to).
 */
export class PodTable {
  phase: Uint8Array;
  node: Int32Array;
  workload: Int32Array;
  createdAt: Float64Array;
  boundAt: Float64Array;
  duration: Float64Array;
  /** When the pending start / finish event is due (NaN: none); stale events are ignored. */
  startDue: Float64Array;
  finishDue: Float64Array;
  startedAt: Float64Array;
  /** 1 if the pod itself was hit by its incident (0 for a replacement created for it). */
  hit: Uint8Array;
  /** Container crashes: consecutive restarts (when the next crash and the restart are due: crashDue, restartDue). */
  restarts: Int32Array;
  /** 1 while the pod's containers run (so stopping is counted once). */
  live: Uint8Array;
  /**
   * 1 while the pod is Ready (the Ready condition): its containers run and have passed their
   * readiness probe, if any (src/sim/probes.ts). Without probes it goes with `live`. Serving
   * (the service's ready count), availability, HPA pod readiness, Deployment availability and
   * PodDisruptionBudget health all read this.
   */
  ready: Uint8Array;
  /** 1 once a scheduling attempt failed (the PodScheduled=False condition; read it with the phase). */
  unschedulable: Uint8Array;
  /**
   * The pods' PodInfo objects by id: entries 0..length-1 (`length`, not `infos.length`: the
   * array is made with room for up to 2^18 of the `capacity` pods up front, holes beyond the pods
   * created so far). A released pod's entry is undefined (`release`).
   * Grown by push, a 200,000-pod run copied it about 30 times into fresh large arrays - on this
   * kind of VM page faults dominate (bench/README.md section 16, fourth pass).
   */
  readonly infos: (PodInfo | undefined)[];
  private count = 0;
  /**
   * Columns whose rows start as NaN and that only crashes, restarts, failures and readiness
   * probes use: made (all NaN, for every row) on first use, so a run without them never writes
   * NaN into a row of each - 8 bytes per pod and column, and the pages' faults, saved.
   */
  private crashDueColumn: Float64Array | undefined;
  private restartDueColumn: Float64Array | undefined;
  private probedReadyAtColumn: Float64Array | undefined;
  /**
   * Columns that only failures, Docker Swarm's restart delay and gangs write, but that every
   * pod's creation, bind or start reads: made on their first write (from then on every row holds
   * its value), read through incidentOf / startGateOf / isReserved, which give the initial value
   * while a column is not made. A fresh page costs about as much to read as to write on a VM
   * (a zero-page fault, ~10 us here): an M/M/c of 200,000 pods read ~14 bytes a pod of these
   * columns, about 680 page faults, though none of them ever held anything but the initial value.
   */
  private incidentColumn: Int32Array | undefined;
  private startGateColumn: Float64Array | undefined;
  private reservedColumn: Uint8Array | undefined;

  /**
   * `capacity`: rows allocated up front - the pods the run is known to create
   * (expectedPods) - so a long run does not copy every column at each doubling.
   */
  constructor(capacity = 1024) {
    const c = Math.max(1024, Math.min(capacity, MAX_CAPACITY_HINT));
    // The holes are written up front (4 bytes a row): at most 2^18 rows, so a stream whose
    // `count` the horizon cuts short fills at most 1 MB of them; beyond, the array grows by push.
    this.infos = new Array<PodInfo | undefined>(Math.min(c, MAX_INFOS_UP_FRONT));
    this.phase = new Uint8Array(c);
    this.node = new Int32Array(c);
    this.workload = new Int32Array(c);
    this.createdAt = new Float64Array(c);
    this.boundAt = new Float64Array(c);
    this.duration = new Float64Array(c);
    this.startDue = new Float64Array(c);
    this.finishDue = new Float64Array(c);
    this.startedAt = new Float64Array(c);
    this.hit = new Uint8Array(c);
    this.restarts = new Int32Array(c);
    this.live = new Uint8Array(c);
    this.ready = new Uint8Array(c);
    this.unschedulable = new Uint8Array(c);
  }


  /** Pods created so far (ids 0..length-1). */
  get length(): number {
    return this.count;
  }

  /** When the next container crash is due (NaN: none). */
  get crashDue(): Float64Array {
    return (this.crashDueColumn ??= new Float64Array(this.phase.length).fill(NaN));
  }

  /** When the container restarts after its back-off (NaN: none). */
  get restartDue(): Float64Array {
    return (this.restartDueColumn ??= new Float64Array(this.phase.length).fill(NaN));
  }

  /** When a readiness probe last made the pod Ready (the Ready condition's lastTransitionTime); NaN: Ready when its containers started (startedAt). */
  get probedReadyAt(): Float64Array {
    return (this.probedReadyAtColumn ??= new Float64Array(this.phase.length).fill(NaN));
  }

  /** The incident whose replica this pod is (or replaces); -1 for none. */
  incidentOf(id: number): number {
    const c = this.incidentColumn;
    return c === undefined ? -1 : c[id]!;
  }

  setIncident(id: number, incident: number): void {
    if (this.incidentColumn === undefined && incident === -1) return;
    this.incident[id] = incident;
  }

  /** The incident column itself (every row; made on first use). Code that runs per pod reads incidentOf. */
  get incident(): Int32Array {
    return (this.incidentColumn ??= new Int32Array(this.phase.length).fill(-1));
  }

  /**
   * Earliest time the containers may start (0: none). Docker Swarm's restart supervisor creates a
   * replacement task at once but lets it run only after the restart delay (restart.go DelayStart).
   */
  startGateOf(id: number): number {
    const c = this.startGateColumn;
    return c === undefined ? 0 : c[id]!;
  }

  setStartGate(id: number, at: number): void {
    if (this.startGateColumn === undefined && at === 0) return;
    (this.startGateColumn ??= new Float64Array(this.phase.length))[id] = at;
  }

  /**
   * Whether the pod is reserved on `node` at Permit (a gang member waiting for its group): its
   * requests are accounted on the node, its phase stays Pending, it is neither bound nor started.
   */
  isReserved(id: number): boolean {
    const c = this.reservedColumn;
    return c !== undefined && c[id] === 1;
  }

  setReserved(id: number, reserved: boolean): void {
    if (this.reservedColumn === undefined && !reserved) return;
    (this.reservedColumn ??= new Uint8Array(this.phase.length))[id] = reserved ? 1 : 0;
  }

  /** Rows allocated: the pods the run is known to create (at least 1024), a size hint for other per-pod arrays. */
  get capacity(): number {
    return this.phase.length;
  }

  add(name: string, spec: PodSpec, workload: number, now: number, duration: number): number {
    const id = this.count++;
    if (id === this.phase.length) this.grow();
    const info = { id, name, spec };
    if (id < this.infos.length) this.infos[id] = info;
    else this.infos.push(info);
    // A row is never reused (ids only grow) and a new typed array is zero, so the columns whose
    // initial value is 0 - hit, restarts, live, ready, unschedulable - are not written: a column
    // a run never uses is then never touched, and its pages never faulted in. The incident
    // (-1: none), the start gate and the reservation are made on their first write (incidentOf,
    // startGateOf, isReserved).
    this.phase[id] = PodPhase.Pending;
    this.node[id] = NO_NODE;
    this.workload[id] = workload;
    this.createdAt[id] = now;
    this.boundAt[id] = NaN;
    this.duration[id] = duration;
    this.startDue[id] = NaN;
    this.finishDue[id] = NaN;
    this.startedAt[id] = NaN;
    return id;
  }

  /**
   * Lets go of a finished pod's PodInfo (SimShortcuts.releaseFinishedPods): `infos[id]` reads
   * undefined from now on; the pod's row of numbers stays.
   */
  release(id: number): void {
    this.infos[id] = undefined;
  }

  /** Whether the pod holds a node (Bound or Running). */
  isOnNode(id: number): boolean {
    const phase = this.phase[id];
    return phase === PodPhase.Bound || phase === PodPhase.Running;
  }

  /** Whether the pod is still bound (Bound or Running) to this node. */
  isBoundTo(id: number, node: number): boolean {
    return this.node[id] === node && this.isOnNode(id);
  }

  private grow(): void {
    const c = this.phase.length * 2;
    this.phase = grown(this.phase, c);
    this.node = grown(this.node, c);
    this.workload = grown(this.workload, c);
    this.createdAt = grown(this.createdAt, c);
    this.boundAt = grown(this.boundAt, c);
    this.duration = grown(this.duration, c);
    this.startDue = grown(this.startDue, c);
    this.finishDue = grown(this.finishDue, c);
    this.startedAt = grown(this.startedAt, c);
    this.hit = grown(this.hit, c);
    this.restarts = grown(this.restarts, c);
    this.live = grown(this.live, c);
    this.ready = grown(this.ready, c);
    this.unschedulable = grown(this.unschedulable, c);
    if (this.incidentColumn) this.incidentColumn = grownFilled(this.incidentColumn, c, -1);
    if (this.startGateColumn) this.startGateColumn = grown(this.startGateColumn, c);
    if (this.reservedColumn) this.reservedColumn = grown(this.reservedColumn, c);
    if (this.crashDueColumn) this.crashDueColumn = grownFilled(this.crashDueColumn, c, NaN);
    if (this.restartDueColumn) this.restartDueColumn = grownFilled(this.restartDueColumn, c, NaN);
    if (this.probedReadyAtColumn) this.probedReadyAtColumn = grownFilled(this.probedReadyAtColumn, c, NaN);
  }
}

/** A column grown to `c` rows, the new rows `value` as every row of it starts (NaN, or -1 for the incident). */
function grownFilled<T extends Float64Array | Int32Array>(a: T, c: number, value: number): T {
  const b = grown(a, c);
  b.fill(value, a.length);
  return b;
}

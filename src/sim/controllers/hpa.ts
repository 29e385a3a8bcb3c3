import type { PodMetricSample, ScaledPod, ScaleTargetStatus } from '../../api/autoscaling.js';
import { PodPhase } from '../../api/pod.js';
import type { Resources } from '../../api/resources.js';
import type { Bytes, MilliCPU, MilliGPU } from '../../api/units.js';
import type { Lifecycle, WorkloadRecord } from '../lifecycle.js';
import type { PodTable } from '../pods.js';
import type { ServiceTraffic } from '../service-traffic.js';
import type { ServiceWorkload } from '../../api/workload.js';

/** The metrics a pod view serves (HpaState.metricKind). */
const METRIC_NONE = 0;
const METRIC_CPU = 1;
const METRIC_MEMORY = 2;
const METRIC_RPS = 3;

/** Metrics-server resolution: a pod has a sample once it has run this long (and a sample covers this window). */
const METRIC_RESOLUTION = 15;

const NO_REQUESTS: Resources = Object.freeze({ milliCPU: 0 as MilliCPU, memory: 0 as Bytes, milliGPU: 0 as MilliGPU, ephemeralStorage: 0 as Bytes });

/** One HPA's state: its pods as it sees them, and this sync's metric values. */
interface HpaState {
  readonly wr: WorkloadRecord;
  readonly traffic: ServiceTraffic | undefined;
  /** The HPA's view of each live pod, kept between syncs (no allocation per sync). */
  readonly podViews: PodView[];
  /** Detached views for reuse. */
  readonly freeViews: PodView[];
  /**
   * The views' startTime and readyTransitionTime, two cells per view (a double kept in an
   * object is a separate heap number: in one typed array a sync reads a few cache lines).
   */
  viewTimes: Float64Array;
  viewCount: number;
  /** The HPA's view of the Deployment, reused every sync. */
  target?: ScaleTargetStatus & { currentReplicas: number; rate: number } | undefined;
  /** Metric values of this sync, shared by the pod views. */
  metricNow: number;
  cpuUtilization: number;
  memoryUtilization: number;
  readonly sample: { value: number; timestamp: number; window: number };
  rpsPerPod: number;
  /** The metric name last asked of the views, and which metric it is (METRIC_*). */
  metricName: string;
  metricKind: number;
}

/**
 * What the HPA sees of one pod. Its fields are copied from the pod table whenever the pod
 * changes state (refresh), so a sync - every 15 s for every pod of every HPA - reads one small
 * object per pod instead of six scattered arrays.
 */
class PodView implements ScaledPod {
  // What a sync reads first, so that it shares the object's first cache line.
  /** The pod's requests (a spec never changes, and the pods of a workload share one). */
  requests: Resources = NO_REQUESTS;
  phase: ScaledPod['phase'] = 'Pending';
  ready = false;
  /** This view's cells in viewTimes: startTime at 2 x cell, readyTransitionTime after it. */
  readonly cell: number;
  name = '';
  id = -1;
  constructor(private readonly hs: HpaState) {
    this.cell = hs.viewCount++;
    if (2 * hs.viewCount > hs.viewTimes.length) {
      const times = new Float64Array(Math.max(16, 2 * hs.viewTimes.length)).fill(NaN);
      times.set(hs.viewTimes);
      hs.viewTimes = times;
    }
  }

  get startTime(): number {
    return this.hs.viewTimes[2 * this.cell]!;
  }

  get readyTransitionTime(): number {
    return this.hs.viewTimes[2 * this.cell + 1]!;
  }

  /** Views are pooled per service (allocated together, so a sync reads adjacent memory). */
  attach(pods: PodTable, id: number): void {
    const info = pods.infos[id]!;
    this.id = id;
    this.name = info.name;
    this.requests = info.spec.requests;
    this.refresh(pods);
  }

  get deleting(): boolean {
    return false;
  }

  /** Copies the pod's state from the pod table (called on every change of it). */
  refresh(p: PodTable): void {
    const id = this.id;
    const phase = p.phase[id];
    // A container in its restart back-off: the pod is Running but not ready.
    this.phase = phase === PodPhase.Running || (phase === PodPhase.Bound && p.restarts[id]! > 0) ? 'Running' : phase === PodPhase.Pending || phase === PodPhase.Bound ? 'Pending' : 'Failed';
    this.ready = p.ready[id] === 1;
    const times = this.hs.viewTimes;
    times[2 * this.cell] = p.boundAt[id]!;
    // The Ready transition: when the containers started, or later when a readiness probe passed.
    const probed = p.probedReadyAt[id]!;
    times[2 * this.cell + 1] = probed > p.startedAt[id]! ? probed : p.startedAt[id]!;
  }

  metric(name: string): PodMetricSample | undefined {
    const hs = this.hs;
    const now = hs.metricNow;
    if (!this.ready || now - hs.viewTimes[2 * this.cell + 1]! < METRIC_RESOLUTION) return undefined;
    // Which metric, decided once per name object (comparing a name read from a file with a
    // constant compares characters; the same object again is one pointer comparison).
    if (name !== hs.metricName) {
      hs.metricName = name;
      hs.metricKind = name === 'cpu' ? METRIC_CPU : name === 'memory' ? METRIC_MEMORY : name === 'requests_per_second' ? METRIC_RPS : METRIC_NONE;
    }
    const kind = hs.metricKind;
    let value: number;
    if (kind === METRIC_CPU) value = hs.cpuUtilization * this.requests.milliCPU;
    else if (kind === METRIC_MEMORY) value = hs.memoryUtilization * this.requests.memory;
    else if (kind === METRIC_RPS && hs.traffic) value = hs.rpsPerPod;
    else return undefined;
    if (!Number.isFinite(value)) return undefined;
    // One sample object per service, reused: the HPA reads it at once and keeps only numbers.
    const sample = hs.sample;
    sample.value = value;
    sample.timestamp = now;
    return sample;
  }
}

/** Returns a view to its pool, kept by descending cell (the lowest free cell is taken first). */
function releaseView(free: PodView[], view: PodView): void {
  let lo = 0;
  let hi = free.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (free[mid]!.cell > view.cell) lo = mid + 1;
    else hi = mid;
  }
  free.splice(lo, 0, view);
}

/**
 * The horizontal pod autoscaler controller: every sync period, each HPA's policy sees its
 * Deployment's pods with their metrics (from the service's load model) and sets spec.replicas.
 *
 * Watches: its services' pods (created, changed, removed) to keep its pod views. Owns: the
 * views and the sync ticks. Acts: sets spec.replicas through the lifecycle API.
 */
export class HpaController {
  /** By workload index; undefined for workloads without an HPA. */
  private readonly states: (HpaState | undefined)[];
  /** Position of each watched pod's view in its service's podViews. */
  private readonly viewSlot = new Map<number, number>();
  private readonly evSync: number;
  /**
   * The ticks: services whose HPAs sync at the same times (same first sync and period), synced
   * one after another in workload order by one event, as separate events at the same time would be.
   */
  private readonly ticks: { readonly period: number; readonly members: number[] }[] = [];

  constructor(private readonly api: Lifecycle, private readonly horizon: number) {
    this.states = api.workloads.map((wr) => {
      const w = wr.w;
      if (w.kind !== 'service' || !w.autoscaler) return undefined;
      const hs: HpaState = {
        wr,
        traffic: wr.traffic,
        podViews: [],
        freeViews: [],
        viewTimes: new Float64Array(0),
        viewCount: 0,
        metricNow: 0,
        cpuUtilization: NaN,
        memoryUtilization: w.load?.memoryUtilization ?? 0,
        sample: { value: 0, timestamp: 0, window: METRIC_RESOLUTION },
        rpsPerPod: NaN,
        metricName: '',
        metricKind: METRIC_NONE,
      };
      // The pod views, allocated together up front (a sync reads them all every 15 s).
      const n = Math.min(w.autoscaler.spec.maxReplicas, 4096) + 4;
      const views = Array.from({ length: n }, () => new PodView(hs));
      // Free views are kept by descending cell, so a new pod takes the lowest free one: the
      // views in use stay packed at the start of the pool (adjacent memory for the syncs).
      for (let k = n - 1; k >= 0; k--) hs.freeViews.push(views[k]!);
      return hs;
    });
    this.evSync = api.engine.defineEvent('hpa-sync', (tick) => this.onTick(tick));
    if (this.states.every((s) => s === undefined)) return;
    api.on('podCreated', (id) => this.watch(id));
    api.on('podBound', (id) => this.refresh(id));
    api.on('podChanged', (id) => this.refresh(id));
    api.on('podRemoved', (id) => this.forget(id));
  }

  /** Schedules the first sync of each HPA, one sync period after its service starts. */
  start(): void {
    const tickAt = new Map<string, number>();
    this.api.workloads.forEach((wr, i) => {
      const w = wr.w;
      if (w.kind !== 'service' || !w.autoscaler) return;
      const period = w.hpaSyncPeriod ?? 15;
      const t = w.startAt + period;
      if (t > this.horizon) return;
      const key = `${t}/${period}`;
      let tick = tickAt.get(key);
      if (tick === undefined) {
        tick = this.ticks.push({ period, members: [] }) - 1;
        tickAt.set(key, tick);
        this.api.engine.scheduleAt(t, this.evSync, tick);
      }
      this.ticks[tick]!.members.push(i);
    });
  }

  private watch(id: number): void {
    const hs = this.states[this.api.pods.workload[id]!];
    if (!hs) return;
    const view = hs.freeViews.pop() ?? new PodView(hs);
    view.attach(this.api.pods, id);
    this.viewSlot.set(id, hs.podViews.length);
    hs.podViews.push(view);
  }

  /** The view of a pod follows its state. */
  private refresh(id: number): void {
    const slot = this.viewSlot.get(id);
    if (slot !== undefined) this.states[this.api.pods.workload[id]!]!.podViews[slot]!.refresh(this.api.pods);
  }

  /** A pod is gone: no longer in the HPA's view. */
  private forget(id: number): void {
    const at = this.viewSlot.get(id);
    if (at === undefined) return;
    const hs = this.states[this.api.pods.workload[id]!]!;
    const views = hs.podViews;
    // Swap-remove; the order of the views does not matter to the HPA.
    const view = views[at]!;
    const last = views.pop()!;
    if (last.id !== id) {
      views[at] = last;
      this.viewSlot.set(last.id, at);
    }
    this.viewSlot.delete(id);
    releaseView(hs.freeViews, view);
  }

  private onTick(tick: number): void {
    const { period, members } = this.ticks[tick]!;
    for (let i = 0; i < members.length; i++) this.sync(members[i]!);
    const next = this.api.engine.now + period;
    if (next <= this.horizon) this.api.engine.scheduleAt(next, this.evSync, tick);
  }

  /** One HPA sync: metrics from the load model, the policy's decision, the Deployment scaled. */
  private sync(wi: number): void {
    const hs = this.states[wi]!;
    const wr = hs.wr;
    const w = wr.w as ServiceWorkload;
    const now = this.api.engine.now;
    const hpa = w.autoscaler!;
    const traffic = hs.traffic;
    if (traffic) traffic.advance(now, wr.ready);
    hs.metricNow = now;
    const rate = traffic ? traffic.rate(now) : NaN;
    hs.cpuUtilization = traffic ? traffic.utilizationAt(rate, wr.ready) : 0;
    hs.rpsPerPod = wr.ready > 0 ? rate / wr.ready : NaN;
    const views = hs.podViews;
    const target = (hs.target ??= { currentReplicas: 0, pods: views, rate: NaN, external(name: string) { return name === 'requests_per_second' && !Number.isNaN(this.rate) ? this.rate : undefined; } });
    target.currentReplicas = wr.desired;
    target.rate = traffic ? rate : NaN;
    const decision = hpa.sync(target, now);
    const desired = decision.desiredReplicas;
    if (!Number.isInteger(desired) || desired < 0) throw new Error(`HPA of ${w.name}: desired replicas ${desired} is not a count`);
    if (desired === wr.desired) return;
    this.api.recordAction({ time: now, scaler: `hpa/${w.name}`, action: desired > wr.desired ? 'scale-up' : 'scale-down', target: w.name, from: wr.desired, to: desired, reason: decision.reason });
    this.api.setDesiredReplicas(wi, desired);
  }
}

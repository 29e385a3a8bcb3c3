import { PodPhase } from '../api/pod.js';
import { SampleBuffer } from '../util/stats.js';
import type { NodeSpec } from '../api/node.js';
import { incidentMetrics } from './failures.js';
import type { Lifecycle, RemovalReason, WorkloadRecord } from './lifecycle.js';
import {
  percentiles, summarize, type AutoscalingResult, type PoolCost, type PreemptionMetrics, type ScalingAction, type ServiceScaling, type SimulationResult,
  type DaemonSetMetrics,
} from './results.js';
import type { ServiceWorkload, Workload } from '../api/workload.js';
import { StrandedRecorder } from './stranded.js';
import { expectedPods } from './pods.js';

/** Per-workload figures the recorder keeps (pending times, availability and replica integrals). */
interface WorkloadFigures {
  scheduled: number;
  completed: number;
  readonly pending: SampleBuffer;
  /** Availability: the window opens when the rollout first reaches every desired replica. */
  windowStart: number;
  /**
   * A service that has not yet had every desired replica ready (a readiness probe that keeps
   * failing on some replicas) is measured at minAvailable from the first moment it had
   * minAvailable ready; when the full window opens, that measure starts over with it.
   */
  minWindowStart: number;
  lastChange: number;
  /** Time in the window with fewer ready replicas than desired / than minAvailable. */
  belowAll: number;
  belowMin: number;
  /** spec.replicas integrated over time, and its range. */
  replicaArea: number;
  replicaMin: number;
  replicaMax: number;
  lastReplicaT: number;
}

export interface MetricsOptions {
  readonly horizon: number;
  readonly sampleInterval: number;
  readonly nodes: readonly NodeSpec[];
  /** Autoscaled pools, registered first (in node-group order) with their prices. */
  readonly autoscaledPools: readonly { readonly pool: string; readonly pricePerHour: number }[];
  /** Whether the result has an autoscaling section (load models, autoscalers or prices). */
  readonly reportScaling: boolean;
  /** Called at every time-series sample, before the row is taken. */
  readonly onSample?: ((now: number) => void) | undefined;
  /** SimShortcuts.reuseSortedWaits (src/sim/shortcuts.ts); absent: on. */
  readonly reuseSortedWaits?: boolean | undefined;
}

/**
 * The metrics recorder: a subscriber like any controller. It hears every change through the
 * store's hooks and integrates utilization, counts, pending times, availability, replicas,
 * downtime and billing; it owns the sampling event. Definitions: ../shared/docs/FAILURES.md.
 */
export class MetricsRecorder {
  private lastT = 0;
  private areaReqCPU = 0;
  private areaReqMem = 0;
  private areaReqGPU = 0;
  private areaAllocCPU = 0;
  private areaAllocMem = 0;
  private areaAllocGPU = 0;
  /** Node-seconds of present nodes (nodes come and go under autoscaling). */
  private areaNodes = 0;
  private readonly pending: SampleBuffer;
  /** Preemption: preemptors (bound ones leave the set), victims per workload, lost work, preemptors' waits. */
  private readonly preemptors = new Set<number>();
  private preemptorCount = 0;
  private readonly preempted = new Set<number>();
  private victimsByWorkload: number[] | undefined;
  private preemptionLostCpuHours = 0;
  private preemptionLostGpuHours = 0;
  private readonly preemptorWaits = new SampleBuffer();
  private readonly counts = { submitted: 0, scheduled: 0, completed: 0, running: 0, bound: 0, failed: 0, failedPending: 0, deleted: 0 };
  private attempts = 0;
  private failedAttempts = 0;
  private nodesEvaluated = 0;
  private readonly rows: number[][] = [];
  private readonly figures: WorkloadFigures[];
  // Failures.
  private nodeDowntime = 0;
  private nodeFailures = 0;
  private lostGpuHours = 0;
  private lostCpuHours = 0;
  // Scaling and billing per pool: nodes billed now (present + provisioning), node-seconds, price, node count range.
  private readonly actions: ScalingAction[] = [];
  private readonly poolNames: string[] = [];
  private readonly poolIndex = new Map<string, number>();
  private readonly poolBilled: number[] = [];
  private readonly poolNodeSeconds: number[] = [];
  private readonly poolPrice: number[] = [];
  private readonly poolPresent: number[] = [];
  private poolMin: number[] = [];
  private poolMax: number[] = [];
  private readonly poolAutoscaled: boolean[] = [];
  private readonly scalingRows: number[][] = [];
  private readonly evSample: number;
  private readonly stranded = new StrandedRecorder();

  constructor(private readonly api: Lifecycle, private readonly options: MetricsOptions) {
    // One wait per bound pod: room for the pods the run is known to create (expectedPods).
    this.pending = new SampleBuffer(expectedPods(api.workloads.map((wr) => wr.w)));
    // A run of one workload: every bind is that workload's, so its waits are the run's - one
    // buffer for both instead of the same samples pushed twice (SimShortcuts.reuseSortedWaits).
    const oneBuffer = api.workloads.length === 1 && (options.reuseSortedWaits ?? true);
    this.figures = api.workloads.map((wr) => {
      const replicas = wr.w.kind === 'service' ? wr.w.replicas : 0;
      return {
        scheduled: 0, completed: 0, pending: oneBuffer ? this.pending : new SampleBuffer(expectedPods([wr.w])), windowStart: NaN, minWindowStart: NaN, lastChange: 0, belowAll: 0, belowMin: 0,
        replicaArea: 0, replicaMin: replicas, replicaMax: replicas, lastReplicaT: wr.w.kind === 'service' ? wr.w.startAt : 0,
      };
    });
    for (const g of options.autoscaledPools) this.pool(g.pool, g.pricePerHour, true);
    for (const spec of options.nodes) {
      const pi = this.pool(spec.pool ?? 'default', spec.pricePerHour ?? 0, false);
      this.poolBilled[pi]!++;
      this.poolPresent[pi]!++;
    }
    this.poolMin = [...this.poolPresent];
    this.poolMax = [...this.poolPresent];
    this.evSample = api.engine.defineEvent('sample', () => this.onSample());

    api.on('beforeChange', (now) => this.advance(now));
    api.on('podCreated', (id) => {
      this.counts.submitted++;
      this.stranded.podCreated(api.pods.infos[id]!.spec);
    });
    api.on('podBound', (id, _node, waited) => {
      if (this.preemptors.size > 0 && this.preemptors.delete(id)) this.preemptorWaits.push(waited);
      this.pending.push(waited);
      this.counts.scheduled++;
      this.counts.bound++;
      const f = this.figures[api.pods.workload[id]!]!;
      f.scheduled++;
      if (f.pending !== this.pending) f.pending.push(waited);
    });
    api.on('podPhaseChanged', (_id, from, to) => {
      if (from === PodPhase.Bound && to === PodPhase.Running) {
        this.counts.bound--;
        this.counts.running++;
      } else if (from === PodPhase.Running && to === PodPhase.Bound) {
        this.counts.running--;
        this.counts.bound++;
      }
    });
    api.on('containersStopped', (id, now) => this.loseWork(id, now));
    api.on('podPreempted', (victim, preemptor, now) => this.preemptedBy(victim, preemptor, now));
    api.on('podSucceeded', (id) => {
      this.counts.running--;
      this.counts.completed++;
      this.figures[api.pods.workload[id]!]!.completed++;
    });
    api.on('podRemoved', (_id, from, reason) => this.removed(from, reason));
    api.on('readyChanged', (wr, now, before) => {
      this.advanceAvailability(wr, now, before, wr.desired);
      this.openWindow(wr, now);
    });
    api.on('desiredChanged', (wr, now, before) => {
      const f = this.figures[wr.index]!;
      this.advanceReplicas(wr, now, before);
      this.advanceAvailability(wr, now, wr.ready, before);
      f.replicaMin = Math.min(f.replicaMin, wr.desired);
      f.replicaMax = Math.max(f.replicaMax, wr.desired);
      // The window's "all desired replicas ready" follows spec.replicas.
      if (wr.desired > 0) this.openWindow(wr, now);
    });
    api.on('nodeDown', () => this.nodeFailures++);
    api.on('nodeUp', (node, now) => {
      this.nodeDowntime += now - api.nodeDownSince(node);
    });
    api.on('nodeRemoved', (node, now) => {
      // A node that leaves while down (the store resets it after this hook): its downtime ends here.
      if (!api.isNodeUp(node)) this.nodeDowntime += now - api.nodeDownSince(node);
    });
    api.on('billed', (pool, delta, present) => {
      const i = this.poolIndex.get(pool)!;
      this.poolBilled[i]! += delta;
      this.poolPresent[i]! += present;
      this.poolMin[i] = Math.min(this.poolMin[i]!, this.poolPresent[i]!);
      this.poolMax[i] = Math.max(this.poolMax[i]!, this.poolPresent[i]!);
    });
    api.on('scalingAction', (action) => this.actions.push(action));
    api.on('attempt', (_id, evaluated, failed) => {
      this.attempts++;
      this.nodesEvaluated += evaluated;
      if (failed) this.failedAttempts++;
    });
  }

  /** Starts the time series (its first sample at 0). */
  start(): void {
    if (this.options.sampleInterval > 0) this.api.engine.scheduleAt(0, this.evSample, 0);
  }

  /** Integrates everything up to the horizon and returns the run's result. */
  finish(): SimulationResult {
    const horizon = this.options.horizon;
    this.advance(horizon);
    for (const wr of this.api.workloads) {
      this.advanceAvailability(wr, horizon, wr.ready, wr.desired);
      wr.traffic?.advance(horizon, wr.ready);
      this.advanceReplicas(wr, horizon, wr.desired);
    }
    for (let i = 0; i < this.api.nodeSlots; i++) if (!this.api.isNodeUp(i)) this.nodeDowntime += horizon - this.api.nodeDownSince(i);
    return this.result();
  }

  /** Integrates requested and allocatable totals up to `now` (time-weighted utilization). */
  private advance(now: number): void {
    const dt = now - this.lastT;
    if (dt <= 0) return;
    const c = this.api.cluster;
    this.areaReqCPU += c.totalReqCPU * dt;
    this.areaReqMem += c.totalReqMem * dt;
    this.areaReqGPU += c.totalReqGPU * dt;
    this.areaAllocCPU += c.totalAllocCPU * dt;
    this.areaAllocMem += c.totalAllocMem * dt;
    this.areaAllocGPU += c.totalAllocGPU * dt;
    this.areaNodes += c.liveNodes * dt;
    for (let i = 0; i < this.poolBilled.length; i++) this.poolNodeSeconds[i]! += this.poolBilled[i]! * dt;
    this.lastT = now;
  }

  private removed(from: PodPhase, reason: RemovalReason): void {
    const c = this.counts;
    if (from === PodPhase.Pending) c.failedPending++;
    else if (from === PodPhase.Running) c.running--;
    else c.bound--;
    if (reason === 'failed') c.failed++;
    else c.deleted++;
  }

  private preemptedBy(victim: number, preemptor: number, now: number): void {
    const pods = this.api.pods;
    if (!this.preemptors.has(preemptor) && pods.phase[preemptor] === PodPhase.Pending) {
      this.preemptors.add(preemptor);
      this.preemptorCount++;
    }
    this.preempted.add(victim);
    const byWorkload = (this.victimsByWorkload ??= new Array<number>(this.api.workloads.length).fill(0));
    byWorkload[pods.workload[victim]!]!++;
    if (!Number.isFinite(pods.duration[victim]!) || pods.live[victim] !== 1) return;
    const info = pods.infos[victim]!;
    const hours = (now - pods.startedAt[victim]!) / 3600;
    this.preemptionLostGpuHours += (hours * info.spec.requests.milliGPU) / 1000;
    this.preemptionLostCpuHours += (hours * info.spec.requests.milliCPU) / 1000;
  }

  private preemptionResult(byWorkload: readonly number[]): PreemptionMetrics {
    const victimsByWorkload: Record<string, number> = {};
    byWorkload.forEach((n, i) => {
      if (n > 0) victimsByWorkload[this.api.workloads[i]!.w.name] = n;
    });
    return {
      preemptors: this.preemptorCount,
      victims: byWorkload.reduce((a, n) => a + n, 0),
      victimsByWorkload,
      lostCpuHours: this.preemptionLostCpuHours,
      lostGpuHours: this.preemptionLostGpuHours,
      preemptorWaitSeconds: summarize(this.preemptorWaits.sorted()),
    };
  }

  /** A running batch or job pod killed now loses what it did since it started (a preempted one's loss is preemption's). */
  private loseWork(id: number, now: number): void {
    const pods = this.api.pods;
    if (!Number.isFinite(pods.duration[id]!) || this.preempted.has(id)) return;
    const info = pods.infos[id]!;
    const hours = (now - pods.startedAt[id]!) / 3600;
    this.lostGpuHours += (hours * info.spec.requests.milliGPU) / 1000;
    this.lostCpuHours += (hours * info.spec.requests.milliCPU) / 1000;
  }

  /** Service availability: integrates the time below all desired and below minAvailable replicas. */
  private advanceAvailability(wr: WorkloadRecord, now: number, ready: number, desired: number): void {
    const f = this.figures[wr.index]!;
    if (wr.w.kind !== 'service' || (Number.isNaN(f.windowStart) && Number.isNaN(f.minWindowStart))) return;
    const dt = now - f.lastChange;
    if (dt > 0) {
      // Downtime is accumulated (not uptime), so a service never down is exactly 100 %.
      if (ready < desired) f.belowAll += dt;
      if (ready < (wr.w.minAvailable ?? 1)) f.belowMin += dt;
    }
    f.lastChange = now;
  }

  private openWindow(wr: WorkloadRecord, now: number): void {
    const f = this.figures[wr.index]!;
    if (Number.isNaN(f.windowStart) && wr.ready >= wr.desired) {
      f.windowStart = now;
      f.lastChange = now;
      // The minAvailable measure taken before the rollout completed gives way to the window's.
      f.belowAll = 0;
      f.belowMin = 0;
    } else if (Number.isNaN(f.windowStart) && Number.isNaN(f.minWindowStart) && wr.ready >= (wr.w.kind === 'service' ? wr.w.minAvailable ?? 1 : 1)) {
      f.minWindowStart = now;
      f.lastChange = now;
    }
  }

  /** Integrates the service's spec.replicas for its mean. */
  private advanceReplicas(wr: WorkloadRecord, now: number, desired: number): void {
    const f = this.figures[wr.index]!;
    if (wr.w.kind !== 'service' || now <= f.lastReplicaT) return;
    f.replicaArea += desired * (now - f.lastReplicaT);
    f.lastReplicaT = now;
  }

  /** The billing slot of a pool, created on first use. */
  private pool(name: string, price: number, autoscaled: boolean): number {
    let i = this.poolIndex.get(name);
    if (i === undefined) {
      i = this.poolNames.length;
      this.poolIndex.set(name, i);
      this.poolNames.push(name);
      this.poolBilled.push(0);
      this.poolNodeSeconds.push(0);
      this.poolPrice.push(price);
      this.poolPresent.push(0);
      this.poolMin.push(0);
      this.poolMax.push(0);
      this.poolAutoscaled.push(autoscaled);
    }
    if (autoscaled) this.poolAutoscaled[i] = true;
    if (!(this.poolPrice[i]! > 0)) this.poolPrice[i] = price;
    return i;
  }


  private onSample(): void {
    const api = this.api;
    const now = api.engine.now;
    this.options.onSample?.(now);
    const c = api.cluster;
    this.stranded.sample(c, (node) => api.isNodeReady(node));
    const ratio = (a: number, b: number) => (b > 0 ? a / b : 0);
    this.rows.push([
      now,
      ratio(c.totalReqCPU, c.totalAllocCPU),
      ratio(c.totalReqMem, c.totalAllocMem),
      ratio(c.totalReqGPU, c.totalAllocGPU),
      this.counts.submitted - this.counts.scheduled - this.counts.failedPending,
      this.counts.running + this.counts.bound,
      this.counts.completed,
    ]);
    if (this.options.reportScaling) {
      // Nodes billed but not present are the ones provisioning.
      let provisioning = 0;
      for (let i = 0; i < this.poolBilled.length; i++) provisioning += this.poolBilled[i]! - this.poolPresent[i]!;
      const row = [now, c.liveNodes, provisioning];
      for (const wr of api.workloads) {
        if (!scaledService(wr.w)) continue;
        wr.traffic?.advance(now, wr.ready);
        const rate = wr.traffic ? wr.traffic.rate(now) : 0;
        const capacity = wr.traffic ? wr.ready * wr.traffic.load.capacityPerReplica : 0;
        row.push(wr.desired, wr.ready, rate, rate > 0 ? Math.min(1, capacity / rate) : 1);
      }
      this.scalingRows.push(row);
    }
    const next = now + this.options.sampleInterval;
    if (next <= this.options.horizon) api.engine.scheduleAt(next, this.evSample, 0);
  }

  private autoscalingResult(): AutoscalingResult {
    const horizon = this.options.horizon;
    const columns = ['time', 'nodes', 'provisioning'];
    const services: ServiceScaling[] = [];
    for (const wr of this.api.workloads) {
      if (!scaledService(wr.w)) continue;
      const w = wr.w as ServiceWorkload;
      const f = this.figures[wr.index]!;
      columns.push(`${w.name}.replicas`, `${w.name}.ready`, `${w.name}.rps`, `${w.name}.served`);
      const span = horizon - w.startAt;
      const t = wr.traffic;
      services.push({
        name: w.name,
        replicas: { initial: w.replicas, min: f.replicaMin, max: f.replicaMax, mean: span > 0 ? f.replicaArea / span : w.replicas, final: wr.desired },
        hpa: w.autoscaler ? { minReplicas: w.autoscaler.spec.minReplicas, maxReplicas: w.autoscaler.spec.maxReplicas } : null,
        requests: t ? { offered: t.offered, served: t.served, dropped: t.offered - t.served, servedFraction: t.offered > 0 ? t.served / t.offered : 1 } : null,
        slo: t ? { servedFraction: t.load.slo, violationMinutes: t.belowSlo / 60 } : null,
        loadEvents: t ? t.outcomes(horizon) : [],
      });
    }
    const pools: PoolCost[] = this.poolNames.map((name, i) => {
      const nodeHours = this.poolNodeSeconds[i]! / 3600;
      return {
        name,
        autoscaled: this.poolAutoscaled[i]!,
        pricePerHour: this.poolPrice[i]!,
        nodeHours,
        cost: nodeHours * this.poolPrice[i]!,
        nodes: { min: this.poolMin[i]!, max: this.poolMax[i]!, final: this.poolPresent[i]! },
      };
    });
    return {
      actions: this.actions,
      services,
      pools,
      nodeHours: pools.reduce((a, p) => a + p.nodeHours, 0),
      cost: pools.reduce((a, p) => a + p.cost, 0),
      timeseries: { columns, rows: this.scalingRows },
    };
  }

  /** The scheduled pods' waits (sorted) and the ages of the pods still pending at the horizon, sorted together. */
  private withWaiting(pendingSorted: Float64Array): Float64Array {
    const api = this.api;
    const all = new Float64Array(pendingSorted.length + api.pendingIds.size);
    all.set(pendingSorted);
    let i = pendingSorted.length;
    for (const id of api.pendingIds) all[i++] = this.options.horizon - api.pods.createdAt[id]!;
    return all.sort();
  }

  private result(): SimulationResult {
    const api = this.api;
    const c = api.cluster;
    const horizon = this.options.horizon;
    const ratio = (a: number, b: number) => (b > 0 ? Math.min(1, Math.max(0, a / b)) : 0);
    const pendingNow = this.counts.submitted - this.counts.scheduled - this.counts.failedPending;
    const stranded = this.stranded.result();
    // The pending pods are the waiting ones (a pod leaves them when it is bound or removed, the
    // only ways out of Pending): no walk over every row of the pod table, 40-odd instructions a
    // pod of the run in a loop compiled on the stack.
    let unschedulable = 0;
    for (const id of api.pendingIds) if (api.pods.unschedulable[id] === 1) unschedulable++;
    // Sorted once, in place, for the summary and the percentiles (read before anything is pushed again).
    const pendingSorted = this.pending.sortedInPlace();
    const reuseSorted = this.options.reuseSortedWaits ?? true;
    // The same samples give the same summary: summed once, not again for the waits when nothing
    // is still waiting and for the workload that has them all.
    const pendingSummary = summarize(pendingSorted);
    return {
      horizon,
      nodes: c.liveNodes,
      allocatable: { milliCPU: c.totalAllocCPU, memory: c.totalAllocMem, milliGPU: c.totalAllocGPU },
      utilization: {
        cpu: ratio(this.areaReqCPU, this.areaAllocCPU),
        memory: ratio(this.areaReqMem, this.areaAllocMem),
        gpu: ratio(this.areaReqGPU, this.areaAllocGPU),
      },
      pods: {
        submitted: this.counts.submitted,
        scheduled: this.counts.scheduled,
        unschedulable,
        completed: this.counts.completed,
        pending: pendingNow,
        bound: this.counts.bound,
        running: this.counts.running,
        failed: this.counts.failed,
        deleted: this.counts.deleted,
      },
      pendingSeconds: pendingSummary,
      pendingCdf: percentiles(pendingSorted),
      waitingSeconds: api.pendingIds.size === 0 ? { ...pendingSummary } : summarize(this.withWaiting(pendingSorted)),
      scheduling: { attempts: this.attempts, failedAttempts: this.failedAttempts, nodesEvaluated: this.nodesEvaluated },
      ...(stranded ? { stranded } : {}),
      incidents: incidentMetrics(api.incidents, this.areaNodes - this.nodeDowntime, this.nodeFailures, this.lostGpuHours, this.lostCpuHours),
      incidentList: api.incidents,
      availability: api.workloads.filter((wr) => wr.w.kind === 'service').map((wr) => {
        const w = wr.w as ServiceWorkload;
        const f = this.figures[wr.index]!;
        const rolledOut = !Number.isNaN(f.windowStart);
        const window = rolledOut ? horizon - f.windowStart : Math.max(0, horizon - w.startAt);
        // Never fully rolled out: unavailable at all desired replicas over its whole window; at
        // minAvailable, measured from the first moment it had minAvailable ready (as a rolled-out
        // service is measured from its rollout), so a service that is never fully ready (some
        // replicas failing their readiness probe) still reads its real availability there.
        const below = (t: number) => (rolledOut ? t : window);
        const frac = (t: number) => (window > 0 ? Math.max(0, 1 - below(t) / window) : 0);
        const minWindow = rolledOut || Number.isNaN(f.minWindowStart) ? window : horizon - f.minWindowStart;
        const belowMin = rolledOut ? f.belowMin : Number.isNaN(f.minWindowStart) ? window : f.belowMin;
        return {
          name: w.name,
          desired: wr.desired,
          minAvailable: w.minAvailable ?? 1,
          availability: frac(f.belowAll),
          availabilityMin: minWindow > 0 ? Math.max(0, 1 - belowMin / minWindow) : 0,
          downtimeMinutes: below(f.belowAll) / 60,
          downtimeMinutesMin: belowMin / 60,
          rolloutSeconds: f.windowStart - w.startAt,
          windowSeconds: window,
        };
      }),
      workloads: api.workloads.map((wr) => {
        const f = this.figures[wr.index]!;
        return {
          name: wr.w.name,
          kind: wr.w.kind,
          submitted: wr.created,
          scheduled: f.scheduled,
          completed: f.completed,
          pending: wr.created - f.scheduled,
          // Every bind pushes its wait to both buffers: a workload that has them all (the only one
          // that binds) has the run's samples in the same order, already sorted above.
          pendingSeconds: reuseSorted && f.pending.length === this.pending.length ? { ...pendingSummary } : summarize(f.pending.sorted()),
        };
      }),
      events: api.engine.processed,
      timeseries: this.rows,
      ...(this.options.reportScaling ? { autoscaling: this.autoscalingResult() } : {}),
      ...(this.victimsByWorkload ? { preemption: this.preemptionResult(this.victimsByWorkload) } : {}),
      ...(api.workloads.some((wr) => wr.w.kind === 'daemonset') ? { daemonSets: this.daemonSetResult() } : {}),
    };
  }

  /** Daemon pods and what they request at the horizon (only runs with DaemonSets report it). */
  private daemonSetResult(): DaemonSetMetrics {
    const api = this.api;
    const p = api.pods;
    let pods = 0;
    let pending = 0;
    let cpu = 0;
    let memory = 0;
    for (let id = 0; id < p.length; id++) {
      if (api.workloads[p.workload[id]!]!.w.kind !== 'daemonset') continue;
      const phase = p.phase[id];
      if (phase === PodPhase.Pending) pending++;
      else if (phase === PodPhase.Bound || phase === PodPhase.Running) {
        pods++;
        cpu += p.infos[id]!.spec.requests.milliCPU;
        memory += p.infos[id]!.spec.requests.memory;
      }
    }
    const c = api.cluster;
    return { pods, pending, requested: { milliCPU: cpu, memory }, share: { cpu: c.totalAllocCPU > 0 ? cpu / c.totalAllocCPU : 0, memory: c.totalAllocMem > 0 ? memory / c.totalAllocMem : 0 } };
  }
}

/** Services reported in the autoscaling result: with a load model or an HPA. */
export function scaledService(w: Workload): boolean {
  return w.kind === 'service' && (w.load !== undefined || w.autoscaler !== undefined);
}

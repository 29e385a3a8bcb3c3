import { ALL_CLUSTER_EVENTS, ClusterEvent, type Scheduler } from '../api/framework.js';
import { PodPhase, type PodInfo, type PodSpec } from '../api/pod.js';
import { sample, type Distribution } from '../util/distributions.js';
import type { RandomStream, RandomStreams } from '../util/random.js';
import { quantileSorted, SampleBuffer } from '../util/stats.js';
import { ClusterState, type NodeSpec } from './cluster.js';
import { Engine } from './engine.js';
import { FifoSchedulingQueue, KubernetesSchedulingQueue, type SchedulingQueue } from './scheduling-queue.js';
import type { Workload } from './workload.js';
import { grown } from '../util/typed-arrays.js';

export interface SimulationConfig {
  readonly horizon: number;
  /** Time-series sampling interval in seconds (0 = no time series). */
  readonly sampleInterval: number;
  readonly nodes: readonly NodeSpec[];
  readonly workloads: readonly Workload[];
  readonly scheduler: Scheduler;
  readonly queue: 'kubernetes' | 'fifo';
  /** The run's random streams (seeded by the scenario seed). */
  readonly streams: RandomStreams;
  /** Called now and then with the fraction of the horizon simulated (progress displays only). */
  readonly onProgress?: ((fraction: number) => void) | undefined;
  /** Called for every bind, with the pod and node (for invariant checks in tests). */
  readonly onBind?: ((pod: PodInfo, nodeIndex: number, cluster: ClusterState, now: number) => void) | undefined;
}

export interface DistributionSummary {
  readonly count: number;
  readonly mean: number;
  readonly p50: number;
  readonly p95: number;
  readonly p99: number;
  readonly max: number;
}

export interface PodCounts {
  readonly submitted: number;
  readonly scheduled: number;
  readonly unschedulable: number;
  readonly completed: number;
  readonly pending: number;
  readonly bound: number;
  readonly running: number;
  readonly failed: number;
}

/** Per-workload counts and pending times. */
export interface WorkloadMetrics {
  readonly name: string;
  readonly kind: Workload['kind'];
  readonly submitted: number;
  readonly scheduled: number;
  readonly completed: number;
  readonly pending: number;
  readonly pendingSeconds: DistributionSummary;
}

export const TIMESERIES_COLUMNS = ['time', 'cpu', 'memory', 'gpu', 'pending', 'running', 'completed'] as const;

export interface SimulationResult {
  readonly horizon: number;
  readonly nodes: number;
  readonly allocatable: { readonly milliCPU: number; readonly memory: number; readonly milliGPU: number };
  readonly utilization: { readonly cpu: number; readonly memory: number; readonly gpu: number };
  readonly pods: PodCounts;
  readonly pendingSeconds: DistributionSummary;
  readonly scheduling: { readonly attempts: number; readonly failedAttempts: number; readonly nodesEvaluated: number };
  readonly workloads: readonly WorkloadMetrics[];
  readonly events: number;
  /** Rows of TIMESERIES_COLUMNS. */
  readonly timeseries: readonly (readonly number[])[];
}

const NO_NODE = -1;

/** Mean and quantiles of pending times; all 0 when there are no samples. */
function summarize(samples: SampleBuffer): DistributionSummary {
  const sorted = samples.sorted();
  const n = sorted.length;
  if (n === 0) return { count: 0, mean: 0, p50: 0, p95: 0, p99: 0, max: 0 };
  let sum = 0;
  for (let i = 0; i < n; i++) sum += sorted[i]!;
  return {
    count: n,
    mean: sum / n,
    p50: quantileSorted(sorted, 0.5),
    p95: quantileSorted(sorted, 0.95),
    p99: quantileSorted(sorted, 0.99),
    max: sorted[n - 1]!,
  };
}

/** Per-pod state in typed arrays (struct of arrays), indexed by pod id. */
class PodTable {
  phase = new Uint8Array(1024);
  node = new Int32Array(1024);
  workload = new Int32Array(1024);
  createdAt = new Float64Array(1024);
  boundAt = new Float64Array(1024);
  duration = new Float64Array(1024);
  readonly infos: PodInfo[] = [];

  get length(): number {
    return this.infos.length;
  }

  add(name: string, spec: PodSpec, workload: number, now: number, duration: number): number {
    const id = this.infos.length;
    if (id === this.phase.length) this.grow();
    this.infos.push({ id, name, spec });
    this.phase[id] = PodPhase.Pending;
    this.node[id] = NO_NODE;
    this.workload[id] = workload;
    this.createdAt[id] = now;
    this.boundAt[id] = NaN;
    this.duration[id] = duration;
    return id;
  }

  private grow(): void {
    const c = this.phase.length * 2;
    this.phase = grown(this.phase, c);
    this.node = grown(this.node, c);
    this.workload = grown(this.workload, c);
    this.createdAt = grown(this.createdAt, c);
    this.boundAt = grown(this.boundAt, c);
    this.duration = grown(this.duration, c);
  }
}

interface WorkloadState {
  readonly w: Workload;
  readonly arrivals: RandomStream;
  readonly sizes: RandomStream;
  readonly durations: RandomStream;
  readonly startup: RandomStream;
  created: number;
  scheduled: number;
  completed: number;
  readonly pending: SampleBuffer;
  /** Job: pods that succeeded / are active. */
  succeeded: number;
  active: number;
  nextArrival: number;
}

/**
 * One simulated run: a cluster, workloads with their controllers, a scheduling queue and a
 * scheduler, advanced by the event engine to the horizon. Returns data; printing is elsewhere.
 */
export class Simulation {
  readonly engine = new Engine(4096);
  readonly cluster: ClusterState;
  readonly pods = new PodTable();
  readonly queue: SchedulingQueue;
  private readonly cfg: SimulationConfig;
  private readonly workloads: WorkloadState[];
  private readonly tieBreak: RandomStream;
  private readonly evArrival: number;
  private readonly evPodList: number;
  private readonly evSchedule: number;
  private readonly evStart: number;
  private readonly evFinish: number;
  private readonly evSample: number;
  private wakeAt = Infinity;
  /** Flattened explicit pods of 'pods' workloads: [workload index, entry index]. */
  private readonly podListEntries: [number, number][] = [];

  // Metric accumulators.
  private lastT = 0;
  private areaReqCPU = 0;
  private areaReqMem = 0;
  private areaReqGPU = 0;
  private areaAllocCPU = 0;
  private areaAllocMem = 0;
  private areaAllocGPU = 0;
  private readonly pending = new SampleBuffer();
  private counts = { submitted: 0, scheduled: 0, completed: 0, running: 0, bound: 0, failed: 0 };
  private attempts = 0;
  private failedAttempts = 0;
  private nodesEvaluated = 0;
  private readonly rows: number[][] = [];

  constructor(cfg: SimulationConfig) {
    this.cfg = cfg;
    this.cluster = new ClusterState(Math.max(16, cfg.nodes.length));
    for (const n of cfg.nodes) this.cluster.addNode(n);
    this.queue = cfg.queue === 'fifo' ? new FifoSchedulingQueue() : new KubernetesSchedulingQueue();
    this.tieBreak = cfg.streams.get('scheduler/tie-break');
    const e = this.engine;
    this.evArrival = e.defineEvent('workload-arrival', (w) => this.onArrival(w));
    this.evPodList = e.defineEvent('pod-list-arrival', (i) => this.onPodListArrival(i));
    this.evSchedule = e.defineEvent('schedule', () => this.onSchedule());
    this.evStart = e.defineEvent('pod-start', (p) => this.onPodStart(p));
    this.evFinish = e.defineEvent('pod-finish', (p) => this.onPodFinish(p));
    this.evSample = e.defineEvent('sample', () => this.onSample());
    // Streams are per concern and per workload, so a policy change cannot shift arrivals.
    this.workloads = cfg.workloads.map((w) => ({
      w,
      arrivals: cfg.streams.get(`arrivals/${w.name}`),
      sizes: cfg.streams.get(`sizes/${w.name}`),
      durations: cfg.streams.get(`durations/${w.name}`),
      startup: cfg.streams.get(`startup/${w.name}`),
      created: 0,
      scheduled: 0,
      completed: 0,
      pending: new SampleBuffer(),
      succeeded: 0,
      active: 0,
      nextArrival: Infinity,
    }));
  }

  run(): SimulationResult {
    const { horizon, sampleInterval } = this.cfg;
    const e = this.engine;
    this.workloads.forEach((ws, i) => {
      const w = ws.w;
      switch (w.kind) {
        case 'service':
        case 'job':
          if (w.startAt <= horizon) e.scheduleAt(w.startAt, this.evArrival, i);
          break;
        case 'batch': {
          const t = w.arrivals.next(-Infinity, ws.arrivals);
          ws.nextArrival = t;
          if (t <= horizon && w.maxPods > 0) e.scheduleAt(t, this.evArrival, i);
          break;
        }
        case 'pods':
          w.pods.forEach((p, j) => {
            if (p.at <= horizon) {
              this.podListEntries.push([i, j]);
              e.scheduleAt(p.at, this.evPodList, this.podListEntries.length - 1);
            }
          });
          break;
      }
    });
    if (sampleInterval > 0) e.scheduleAt(0, this.evSample, 0);
    const progress = this.cfg.onProgress;
    if (progress) e.onProgress = (now) => progress(now / horizon);
    e.run(horizon);
    this.advance(horizon);
    return this.result();
  }

  // ---- workload controllers -------------------------------------------------------------

  private onArrival(wi: number): void {
    const ws = this.workloads[wi]!;
    const w = ws.w;
    const now = this.engine.now;
    switch (w.kind) {
      case 'service':
        for (let k = 0; k < w.replicas; k++) this.createPod(wi, `${w.name}-${ws.created}`, w.spec, Infinity);
        break;
      case 'job': {
        const n = Math.min(w.parallelism, w.completions);
        for (let k = 0; k < n; k++) this.createJobPod(wi);
        break;
      }
      case 'batch': {
        const spec = w.pods.next(ws.sizes);
        this.createPod(wi, `${w.name}-${ws.created}`, spec, sample(w.duration, ws.durations));
        if (ws.created < w.maxPods) {
          const t = w.arrivals.next(now, ws.arrivals);
          ws.nextArrival = t;
          if (t <= this.cfg.horizon) this.engine.scheduleAt(t, this.evArrival, wi);
        }
        break;
      }
      case 'pods':
        break;
    }
  }

  private onPodListArrival(i: number): void {
    const [wi, j] = this.podListEntries[i]!;
    const w = this.workloads[wi]!.w;
    if (w.kind !== 'pods') return;
    const entry = w.pods[j]!;
    this.createPod(wi, entry.name ?? `${w.name}-${j}`, entry.spec, entry.duration);
  }

  private createJobPod(wi: number): void {
    const ws = this.workloads[wi]!;
    const w = ws.w;
    if (w.kind !== 'job') return;
    ws.active++;
    this.createPod(wi, `${w.name}-${ws.created}`, w.spec, sample(w.duration, ws.durations));
  }

  private createPod(wi: number, name: string, spec: PodSpec, duration: number): void {
    const ws = this.workloads[wi]!;
    ws.created++;
    const id = this.pods.add(name, spec, wi, this.engine.now, duration);
    this.counts.submitted++;
    this.queue.add(id, spec.priority, this.engine.now);
    this.requestSchedule(this.engine.now);
  }

  // ---- scheduling -----------------------------------------------------------------------

  private requestSchedule(t: number): void {
    if (t < this.wakeAt) {
      this.wakeAt = t;
      this.engine.scheduleAt(t, this.evSchedule, 0);
    }
  }

  private onSchedule(): void {
    const now = this.engine.now;
    if (now >= this.wakeAt) this.wakeAt = Infinity;
    const queue = this.queue;
    const scheduler = this.cfg.scheduler;
    const cluster = this.cluster;
    const pods = this.pods;
    for (let id = queue.pop(now); id >= 0; id = queue.pop(now)) {
      this.attempts++;
      const info = pods.infos[id]!;
      const node = scheduler.schedule(info, cluster, this.tieBreak);
      this.nodesEvaluated += scheduler.lastEvaluated ?? 0;
      if (node === NO_NODE) {
        this.failedAttempts++;
        queue.failed(id, now, scheduler.lastFitError?.events ?? ALL_CLUSTER_EVENTS);
        continue;
      }
      this.bind(id, node, now);
      // A bound pod can satisfy affinity or spread constraints of waiting pods (AssignedPodAdd).
      queue.clusterChanged(now, ClusterEvent.AssignedPodAdd);
    }
    const wake = queue.nextWakeup(now);
    if (wake <= this.cfg.horizon) this.requestSchedule(Math.max(wake, now));
  }

  private bind(id: number, node: number, now: number): void {
    const pods = this.pods;
    const info = pods.infos[id]!;
    this.advance(now);
    this.cfg.onBind?.(info, node, this.cluster, now);
    this.cluster.bind(info, node, this.cfg.scheduler.lastGPUs);
    pods.phase[id] = PodPhase.Bound;
    pods.node[id] = node;
    pods.boundAt[id] = now;
    const waited = now - pods.createdAt[id]!;
    this.pending.push(waited);
    this.counts.scheduled++;
    this.counts.bound++;
    const ws = this.workloads[pods.workload[id]!]!;
    ws.scheduled++;
    ws.pending.push(waited);
    this.engine.schedule(sample(ws.w.startup, ws.startup), this.evStart, id);
  }

  private onPodStart(id: number): void {
    const pods = this.pods;
    if (pods.phase[id] !== PodPhase.Bound) throw new Error(`pod ${pods.infos[id]!.name} started in phase ${pods.phase[id]}`);
    pods.phase[id] = PodPhase.Running;
    this.counts.bound--;
    this.counts.running++;
    const d = pods.duration[id]!;
    if (Number.isFinite(d)) this.engine.schedule(Math.max(0, d), this.evFinish, id);
  }

  private onPodFinish(id: number): void {
    const pods = this.pods;
    if (pods.phase[id] !== PodPhase.Running) throw new Error(`pod ${pods.infos[id]!.name} finished in phase ${pods.phase[id]}`);
    const now = this.engine.now;
    this.advance(now);
    this.cluster.unbind(pods.infos[id]!, pods.node[id]!);
    pods.phase[id] = PodPhase.Succeeded;
    this.counts.running--;
    this.counts.completed++;
    const wi = pods.workload[id]!;
    const ws = this.workloads[wi]!;
    ws.completed++;
    if (ws.w.kind === 'job') {
      ws.active--;
      ws.succeeded++;
      if (ws.succeeded + ws.active < ws.w.completions) this.createJobPod(wi);
    }
    // A pod left: room may have been made for unschedulable pods.
    this.queue.clusterChanged(now, ClusterEvent.AssignedPodDelete);
    if (this.queue.size > 0) this.requestSchedule(now);
  }

  // ---- metrics --------------------------------------------------------------------------

  /** Integrates requested and allocatable totals up to `now` (time-weighted utilization). */
  private advance(now: number): void {
    const dt = now - this.lastT;
    if (dt <= 0) return;
    const c = this.cluster;
    this.areaReqCPU += c.totalReqCPU * dt;
    this.areaReqMem += c.totalReqMem * dt;
    this.areaReqGPU += c.totalReqGPU * dt;
    this.areaAllocCPU += c.totalAllocCPU * dt;
    this.areaAllocMem += c.totalAllocMem * dt;
    this.areaAllocGPU += c.totalAllocGPU * dt;
    this.lastT = now;
  }

  private onSample(): void {
    const now = this.engine.now;
    const c = this.cluster;
    const ratio = (a: number, b: number) => (b > 0 ? a / b : 0);
    this.rows.push([
      now,
      ratio(c.totalReqCPU, c.totalAllocCPU),
      ratio(c.totalReqMem, c.totalAllocMem),
      ratio(c.totalReqGPU, c.totalAllocGPU),
      this.counts.submitted - this.counts.scheduled,
      this.counts.running + this.counts.bound,
      this.counts.completed,
    ]);
    const next = now + this.cfg.sampleInterval;
    if (next <= this.cfg.horizon) this.engine.scheduleAt(next, this.evSample, 0);
  }

  private result(): SimulationResult {
    const c = this.cluster;
    const ratio = (a: number, b: number) => (b > 0 ? Math.min(1, Math.max(0, a / b)) : 0);
    const pendingNow = this.counts.submitted - this.counts.scheduled;
    let unschedulable = 0;
    for (let id = 0; id < this.pods.length; id++) {
      if (this.pods.phase[id] === PodPhase.Pending && this.queue.attempts(id) > 0) unschedulable++;
    }
    return {
      horizon: this.cfg.horizon,
      nodes: c.nodes.length,
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
      },
      pendingSeconds: summarize(this.pending),
      scheduling: { attempts: this.attempts, failedAttempts: this.failedAttempts, nodesEvaluated: this.nodesEvaluated },
      workloads: this.workloads.map((ws) => ({
        name: ws.w.name,
        kind: ws.w.kind,
        submitted: ws.created,
        scheduled: ws.scheduled,
        completed: ws.completed,
        pending: ws.created - ws.scheduled,
        pendingSeconds: summarize(ws.pending),
      })),
      events: this.engine.processed,
      timeseries: this.rows,
    };
  }
}

export type { Distribution };

import { ALL_CLUSTER_EVENTS, ClusterEvent, type Scheduler } from '../api/framework.js';
import { PodPhase, type PodInfo, type PodSpec } from '../api/pod.js';
import { sample, type Distribution } from '../util/distributions.js';
import type { RandomStream, RandomStreams } from '../util/random.js';
import { quantileSorted, SampleBuffer } from '../util/stats.js';
import { ClusterState, type NodeSpec } from './cluster.js';
import { Engine } from './engine.js';
import { FifoSchedulingQueue, KubernetesSchedulingQueue, type SchedulingQueue } from './scheduling-queue.js';
import {
  CRASH_BACKOFF_RESET, crashBackoff, incidentMetrics, NO_FAILURES, TAINT_UNREACHABLE_NO_EXECUTE, TAINT_UNREACHABLE_NO_SCHEDULE,
  type FailureConfig, type FailureDomain, type Incident, type IncidentMetrics, type RandomFailureProcess, type ScheduledOutage,
} from './failures.js';
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
  /** Node, rack and zone failures and the detection timings; none when absent. */
  readonly failures?: FailureConfig | undefined;
  /** Called at every time-series sample (tests use it to check invariants during a run). */
  readonly onSample?: ((sim: Simulation, now: number) => void) | undefined;
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

/** Per-service availability over its window (from the first time all replicas were ready). */
export interface ServiceAvailability {
  readonly name: string;
  readonly desired: number;
  readonly minAvailable: number;
  /** Fraction of the window with ready replicas >= desired. */
  readonly availability: number;
  /** Fraction of the window with ready replicas >= minAvailable. */
  readonly availabilityMin: number;
  readonly downtimeMinutes: number;
  readonly downtimeMinutesMin: number;
  /** Seconds from the service's start to the first time all replicas were ready (NaN if never). */
  readonly rolloutSeconds: number;
  readonly windowSeconds: number;
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
  readonly incidents: IncidentMetrics;
  readonly incidentList: readonly Incident[];
  readonly availability: readonly ServiceAvailability[];
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
  /** When the pending start / finish event is due (NaN: none); stale events are ignored. */
  startDue = new Float64Array(1024);
  finishDue = new Float64Array(1024);
  startedAt = new Float64Array(1024);
  /** The incident whose replica this pod is (or replaces); -1 for none. */
  incident = new Int32Array(1024);
  /** Container crashes: when the next one is due (NaN: none), consecutive restarts, restart due. */
  crashDue = new Float64Array(1024);
  restarts = new Int32Array(1024);
  restartDue = new Float64Array(1024);
  /** 1 while the pod's containers run and it is counted ready (so stopping is counted once). */
  live = new Uint8Array(1024);
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
    this.startDue[id] = NaN;
    this.finishDue[id] = NaN;
    this.startedAt[id] = NaN;
    this.incident[id] = -1;
    this.crashDue[id] = NaN;
    this.restarts[id] = 0;
    this.restartDue[id] = NaN;
    this.live[id] = 0;
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
    this.startDue = grown(this.startDue, c);
    this.finishDue = grown(this.finishDue, c);
    this.startedAt = grown(this.startedAt, c);
    this.incident = grown(this.incident, c);
    this.crashDue = grown(this.crashDue, c);
    this.restarts = grown(this.restarts, c);
    this.restartDue = grown(this.restartDue, c);
    this.live = grown(this.live, c);
  }
}

interface WorkloadState {
  readonly w: Workload;
  readonly arrivals: RandomStream;
  readonly sizes: RandomStream;
  readonly durations: RandomStream;
  readonly startup: RandomStream;
  readonly crashes: RandomStream;
  created: number;
  scheduled: number;
  completed: number;
  readonly pending: SampleBuffer;
  /** Job: pods that succeeded / are active / failed. */
  succeeded: number;
  active: number;
  failedPods: number;
  /** A Job past its backoffLimit: failed, it creates no more pods. */
  jobFailed: boolean;
  nextArrival: number;
  /** Service availability: ready replicas now, and time integrals since the window opened. */
  ready: number;
  windowStart: number;
  lastChange: number;
  /** Time in the window with fewer ready replicas than desired / than minAvailable. */
  belowAll: number;
  belowMin: number;
}

/** One source of failures: a domain of a random process, or a scheduled outage. */
interface FailureSlot {
  readonly name: string;
  readonly domain: FailureDomain;
  readonly process?: RandomFailureProcess | undefined;
  readonly outage?: ScheduledOutage | undefined;
  readonly stream: RandomStream;
  /** Nodes this slot took down in its current failure. */
  down: number[];
  incident: number;
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
  private counts = { submitted: 0, scheduled: 0, completed: 0, running: 0, bound: 0, failed: 0, failedPending: 0 };
  private attempts = 0;
  private failedAttempts = 0;
  private nodesEvaluated = 0;
  private readonly rows: number[][] = [];

  // Failures.
  private readonly failures: FailureConfig;
  private readonly nodeDown: Int32Array;
  private readonly nodeNotReady: Uint8Array;
  private readonly nodeDownSince: Float64Array;
  private readonly evFail: number;
  private readonly evRepair: number;
  private readonly evDetect: number;
  private readonly evEvict: number;
  private readonly evJobRetry: number;
  private readonly evCrash: number;
  private readonly evRestart: number;
  private readonly slots: FailureSlot[] = [];
  /** The incident that took each down node down (for its detection time). */
  private readonly nodeIncident = new Map<number, number>();
  /** When each pending eviction is due, by pod (stale evictions are ignored). */
  private readonly evictDue = new Map<number, number>();
  /** The incidents of each job's pending retries, in retry order. */
  private readonly jobRetryIncidents = new Map<number, number[]>();
  private readonly incidents: Incident[] = [];
  private nodeDowntime = 0;
  private nodeFailures = 0;
  private lostGpuHours = 0;
  private lostCpuHours = 0;

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
      crashes: cfg.streams.get(`crashes/${w.name}`),
      created: 0,
      scheduled: 0,
      completed: 0,
      pending: new SampleBuffer(),
      succeeded: 0,
      active: 0,
      failedPods: 0,
      jobFailed: false,
      nextArrival: Infinity,
      ready: 0,
      windowStart: NaN,
      lastChange: 0,
      belowAll: 0,
      belowMin: 0,
    }));
    // Failures: per node down counts (domains overlap), the NotReady state and its epoch.
    this.failures = cfg.failures ?? NO_FAILURES;
    const n = cfg.nodes.length;
    this.nodeDown = new Int32Array(n);
    this.nodeNotReady = new Uint8Array(n);
    this.nodeDownSince = new Float64Array(n);
    this.evFail = e.defineEvent('failure', (slot) => this.onFailure(slot));
    this.evRepair = e.defineEvent('repair', (slot) => this.onRepair(slot));
    this.evDetect = e.defineEvent('node-not-ready', (node) => this.onDetect(node));
    this.evEvict = e.defineEvent('pod-eviction', (pod) => this.onEvict(pod));
    this.evCrash = e.defineEvent('container-crash', (pod) => this.onCrash(pod));
    this.evRestart = e.defineEvent('container-restart', (pod) => this.onRestart(pod));
    this.evJobRetry = e.defineEvent('job-retry', (wi) => {
      this.createJobPod(wi, this.jobRetryIncidents.get(wi)?.shift() ?? -1, true);
    });
    for (const p of this.failures.processes) {
      for (const d of p.domains) this.slots.push({ name: p.name, domain: d, process: p, stream: cfg.streams.get(`failures/${p.name}/${d.kind}/${d.name}`), down: [], incident: -1 });
    }
    for (const o of this.failures.outages) {
      this.slots.push({ name: o.name, domain: o.domain, outage: o, stream: cfg.streams.get(`failures/${o.name}`), down: [], incident: -1 });
    }
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
    this.slots.forEach((slot, i) => {
      const t = slot.outage ? slot.outage.at : sample(slot.process!.timeBetweenFailures, slot.stream);
      if (t <= horizon) e.scheduleAt(t, this.evFail, i);
    });
    if (sampleInterval > 0) e.scheduleAt(0, this.evSample, 0);
    const progress = this.cfg.onProgress;
    if (progress) e.onProgress = (now) => progress(now / horizon);
    e.run(horizon);
    this.advance(horizon);
    for (const ws of this.workloads) this.advanceAvailability(ws, horizon);
    for (let i = 0; i < this.nodeDown.length; i++) if (this.nodeDown[i]! > 0) this.nodeDowntime += horizon - this.nodeDownSince[i]!;
    return this.result();
  }

  /** Whether a pod is still bound (Bound or Running) to this node. */
  private isBoundTo(id: number, node: number): boolean {
    const phase = this.pods.phase[id];
    return this.pods.node[id] === node && (phase === PodPhase.Bound || phase === PodPhase.Running);
  }

  /** Whether a node is up (not failed); a drained node is up. */
  isNodeUp(node: number): boolean {
    return this.nodeDown[node] === 0;
  }

  /** Ready replicas the availability accounting counts for a service, now. */
  readyReplicas(workload: string): number {
    return this.workloads.find((ws) => ws.w.name === workload)?.ready ?? 0;
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

  /** A new Job pod; a retry reuses the active slot its failed pod kept (so nothing is over-created). */
  private createJobPod(wi: number, incident = -1, retry = false): void {
    const ws = this.workloads[wi]!;
    const w = ws.w;
    if (w.kind !== 'job' || ws.jobFailed) return;
    if (!retry) ws.active++;
    const id = this.createPod(wi, `${w.name}-${ws.created}`, w.spec, sample(w.duration, ws.durations));
    this.pods.incident[id] = incident;
  }

  private createPod(wi: number, name: string, spec: PodSpec, duration: number): number {
    const ws = this.workloads[wi]!;
    ws.created++;
    const id = this.pods.add(name, spec, wi, this.engine.now, duration);
    this.counts.submitted++;
    this.queue.add(id, spec.priority, this.engine.now);
    this.requestSchedule(this.engine.now);
    return id;
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
      // A pod deleted while it waited (its Job failed) leaves the queue here.
      if (pods.phase[id] !== PodPhase.Pending) continue;
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
    const inc = pods.incident[id]!;
    if (inc >= 0) {
      const incident = this.incidents[inc]!;
      if (!(incident.lastBound >= now)) incident.lastBound = now;
    }
    // A pod that tolerates the unreachable NoSchedule taint can land on a NotReady node; the
    // taint manager evicts it after its NoExecute toleration like the pods already there.
    if (this.nodeNotReady[node] === 1) this.planEviction(info, now);
    this.scheduleStart(id);
  }

  /** The kubelet starts the containers after the workload's start-up delay. */
  private scheduleStart(id: number): void {
    const ws = this.workloads[this.pods.workload[id]!]!;
    const due = this.engine.now + sample(ws.w.startup, ws.startup);
    this.pods.startDue[id] = due;
    this.engine.scheduleAt(due, this.evStart, id);
  }

  private onPodStart(id: number): void {
    const pods = this.pods;
    // Stale: the pod was evicted, or its node failed and the start was called off.
    if (pods.phase[id] !== PodPhase.Bound || pods.startDue[id] !== this.engine.now) return;
    pods.startDue[id] = NaN;
    // A node that failed but is not yet known to be down cannot start anything; the pod waits
    // for the node to come back or for its eviction.
    if (this.nodeDown[pods.node[id]!]! > 0) return;
    const now = this.engine.now;
    pods.phase[id] = PodPhase.Running;
    pods.startedAt[id] = now;
    this.counts.bound--;
    this.counts.running++;
    pods.live[id] = 1;
    this.replicaReady(id, now, pods.restarts[id]! > 0 ? 'restarted' : 'rescheduled');
    const d = pods.duration[id]!;
    if (Number.isFinite(d)) {
      pods.finishDue[id] = now + Math.max(0, d);
      this.engine.scheduleAt(pods.finishDue[id]!, this.evFinish, id);
    }
    this.scheduleCrash(id, now);
  }

  /** The next crash of a running container, if its workload crashes (before it would finish). */
  private scheduleCrash(id: number, now: number): void {
    const pods = this.pods;
    const ws = this.workloads[pods.workload[id]!]!;
    const crashes = ws.w.crashes;
    if (!crashes) return;
    const at = now + sample(crashes.timeBetweenCrashes, ws.crashes);
    if (at <= this.cfg.horizon && !(at >= pods.finishDue[id]!)) {
      pods.crashDue[id] = at;
      this.engine.scheduleAt(at, this.evCrash, id);
    }
  }

  /**
   * The pod's containers stop serving now (node down, crash, kill): counted once, however many
   * causes stack up. A batch or job run loses its work.
   */
  private stopContainers(id: number, now: number): void {
    const pods = this.pods;
    if (pods.live[id] !== 1) return;
    pods.live[id] = 0;
    this.readyChange(this.workloads[pods.workload[id]!]!, -1, now);
    this.loseWork(id, now);
  }

  private onPodFinish(id: number): void {
    const pods = this.pods;
    if (pods.phase[id] !== PodPhase.Running || pods.finishDue[id] !== this.engine.now) return;
    pods.finishDue[id] = NaN;
    const now = this.engine.now;
    this.advance(now);
    this.cluster.unbind(pods.infos[id]!, pods.node[id]!);
    pods.phase[id] = PodPhase.Succeeded;
    this.counts.running--;
    this.counts.completed++;
    const wi = pods.workload[id]!;
    const ws = this.workloads[wi]!;
    ws.completed++;
    pods.live[id] = 0;
    this.readyChange(ws, -1, now);
    if (ws.w.kind === 'job') {
      ws.active--;
      ws.succeeded++;
      if (!ws.jobFailed && ws.succeeded + ws.active < ws.w.completions) this.createJobPod(wi);
    }
    // A pod left: room may have been made for unschedulable pods.
    this.queue.clusterChanged(now, ClusterEvent.AssignedPodDelete);
    if (this.queue.size > 0) this.requestSchedule(now);
  }

  // ---- replicas and availability ---------------------------------------------------------

  /** A pod is ready: count it for its service, and for the incident it belongs to. */
  private replicaReady(id: number, now: number, path: Incident['path']): void {
    const ws = this.workloads[this.pods.workload[id]!]!;
    this.readyChange(ws, 1, now);
    const inc = this.pods.incident[id]!;
    if (inc < 0) return;
    this.pods.incident[id] = -1;
    const incident = this.incidents[inc]!;
    if (--incident.outstanding === 0) {
      incident.recovered = now;
      incident.path = path;
    }
  }

  /** Service availability: integrate the time with enough ready replicas, per service. */
  private readyChange(ws: WorkloadState, delta: number, now: number): void {
    if (ws.w.kind !== 'service') return;
    this.advanceAvailability(ws, now);
    ws.ready += delta;
    // The window opens when the rollout first reaches every desired replica.
    if (Number.isNaN(ws.windowStart) && ws.ready >= ws.w.replicas) {
      ws.windowStart = now;
      ws.lastChange = now;
    }
  }

  private advanceAvailability(ws: WorkloadState, now: number): void {
    if (ws.w.kind !== 'service' || Number.isNaN(ws.windowStart)) return;
    const dt = now - ws.lastChange;
    if (dt > 0) {
      // Downtime is accumulated (not uptime), so a service never down is exactly 100 %.
      if (ws.ready < ws.w.replicas) ws.belowAll += dt;
      if (ws.ready < (ws.w.minAvailable ?? 1)) ws.belowMin += dt;
    }
    ws.lastChange = now;
  }

  // ---- container crashes and restarts ----------------------------------------------------

  /** A container exits (seen at once) or hangs (seen by the liveness probe); the kubelet restarts it after its back-off. */
  private onCrash(id: number): void {
    const pods = this.pods;
    const now = this.engine.now;
    if (pods.phase[id] !== PodPhase.Running || pods.crashDue[id] !== now || this.nodeDown[pods.node[id]!]! > 0) return;
    pods.crashDue[id] = NaN;
    const ws = this.workloads[pods.workload[id]!]!;
    const crashes = ws.w.crashes!;
    const hang = ws.crashes.next() < crashes.hangFraction;
    const detected = hang ? now + crashes.livenessPeriod * crashes.livenessFailureThreshold : now;
    const info = pods.infos[id]!;
    const replica = ws.w.kind === 'service' || ws.w.kind === 'job';
    const incident: Incident = {
      id: this.incidents.length,
      source: `crash/${ws.w.name}`,
      domainKind: 'container',
      domain: info.name,
      nodes: 0,
      onset: now,
      detected,
      evicted: NaN,
      lastBound: NaN,
      recovered: NaN,
      hostsBack: NaN,
      affectedReplicas: replica ? 1 : 0,
      outstanding: replica ? 1 : 0,
      path: '',
    };
    this.incidents.push(incident);
    if (replica && pods.incident[id]! < 0) pods.incident[id] = incident.id;
    else if (replica) {
      // Already counted for an earlier incident: this crash has no replica of its own to bring back.
      incident.affectedReplicas = 0;
      incident.outstanding = 0;
    }
    // The run restarts from the beginning: what it did so far is lost.
    this.stopContainers(id, now);
    pods.finishDue[id] = NaN;
    // CrashLoopBackOff: consecutive restarts double the delay; 10 minutes of clean running resets it.
    const consecutive = now - pods.startedAt[id]! >= CRASH_BACKOFF_RESET ? 1 : pods.restarts[id]! + 1;
    pods.restarts[id] = consecutive;
    // The container is down: the pod is Running in Kubernetes terms but not ready; modelled as
    // Bound until the kubelet starts it again.
    pods.phase[id] = PodPhase.Bound;
    this.counts.running--;
    this.counts.bound++;
    const due = detected + crashBackoff(consecutive);
    pods.restartDue[id] = due;
    if (due <= this.cfg.horizon) this.engine.scheduleAt(due, this.evRestart, id);
  }

  private onRestart(id: number): void {
    const pods = this.pods;
    if (pods.phase[id] !== PodPhase.Bound || pods.restartDue[id] !== this.engine.now) return;
    pods.restartDue[id] = NaN;
    if (this.nodeDown[pods.node[id]!]! > 0) return; // the node's return or the eviction takes over
    this.scheduleStart(id);
  }

  // ---- failures, detection, eviction, repair ---------------------------------------------

  private onFailure(si: number): void {
    const slot = this.slots[si]!;
    const now = this.engine.now;
    const nodes = slot.domain.nodes;
    const repair = slot.outage ? slot.outage.duration : sample(slot.process!.repairTime, slot.stream);
    // A fraction of the domain's nodes, drawn without replacement (correlated failures).
    let chosen = [...nodes];
    const fraction = slot.process?.fraction ?? 1;
    if (fraction < 1 && nodes.length > 0) {
      const k = Math.min(nodes.length, Math.max(1, Math.round(fraction * nodes.length)));
      for (let i = 0; i < k; i++) {
        const j = i + Math.floor(slot.stream.next() * (chosen.length - i));
        const t = chosen[i]!;
        chosen[i] = chosen[j]!;
        chosen[j] = t;
      }
      chosen = chosen.slice(0, k);
    }
    if (chosen.length === 0) {
      // A domain without nodes (possible when built by hand): nothing fails, the process goes on.
      if (now + repair <= this.cfg.horizon) this.engine.scheduleAt(now + repair, this.evRepair, si);
      slot.incident = -1;
      slot.down = [];
      return;
    }
    const incident: Incident = {
      id: this.incidents.length,
      source: slot.name,
      domainKind: slot.domain.kind,
      domain: slot.domain.name,
      nodes: chosen.length,
      onset: now,
      detected: NaN,
      evicted: NaN,
      lastBound: NaN,
      recovered: NaN,
      hostsBack: NaN,
      affectedReplicas: 0,
      outstanding: 0,
      path: '',
    };
    this.incidents.push(incident);
    slot.incident = incident.id;
    slot.down = chosen;
    this.advance(now);
    if (slot.outage?.drain) this.drain(chosen, incident, now);
    else if (slot.domain.kind === 'gpu') this.gpuFault(chosen[0]!, slot.domain.device!, incident, now);
    else for (const node of chosen) this.nodeGoesDown(node, incident, now);
    if (now + repair <= this.cfg.horizon) this.engine.scheduleAt(now + repair, this.evRepair, si);
  }

  private nodeGoesDown(node: number, incident: Incident, now: number): void {
    if (this.nodeDown[node]!++ > 0) return; // already down through another domain
    this.nodeFailures++;
    this.nodeDownSince[node] = now;
    this.engine.scheduleAt(now + this.failures.nodeMonitorGracePeriod, this.evDetect, node);
    this.nodeIncident.set(node, incident.id);
    const pods = this.pods;
    for (const info of this.cluster.nodes[node]!.pods) {
      const id = info.id;
      const ws = this.workloads[pods.workload[id]!]!;
      const running = pods.phase[id] === PodPhase.Running;
      // Replicas of services and jobs are what an incident must bring back.
      if (ws.w.kind === 'service' || ws.w.kind === 'job') {
        if (pods.incident[id]! < 0) {
          pods.incident[id] = incident.id;
          incident.affectedReplicas++;
          incident.outstanding++;
        }
      }
      pods.crashDue[id] = NaN;
      // A pending restart (CrashLoopBackOff) keeps its due time: the back-off runs on.
      if (running) {
        // The containers died with the node: the work done so far is lost.
        this.stopContainers(id, now);
        pods.finishDue[id] = NaN;
      } else {
        pods.startDue[id] = NaN;
      }
    }
  }

  /** kubectl drain: cordon the nodes, evict their pods now; controllers recreate them elsewhere. */
  private drain(nodes: readonly number[], incident: Incident, now: number): void {
    incident.detected = now;
    for (const node of nodes) {
      const n = this.cluster.nodes[node]!;
      n.drains++;
      n.unschedulable = true;
      for (const info of [...n.pods]) this.killForIncident(info.id, incident, now);
    }
    this.queue.clusterChanged(now, ClusterEvent.AssignedPodDelete);
    if (this.queue.size > 0) this.requestSchedule(now);
  }

  /**
   * A GPU device fault: the device plugin reports it unhealthy at once; the containers using it
   * die, so their pods fail and their controllers replace them (jobs retry, batch work is lost).
   */
  private gpuFault(node: number, device: number, incident: Incident, now: number): void {
    incident.detected = now;
    for (const info of this.cluster.podsOnGpu(node, device)) this.killForIncident(info.id, incident, now);
    this.cluster.setGpuFailed(node, device, true);
    this.queue.clusterChanged(now, ClusterEvent.AssignedPodDelete);
    if (this.queue.size > 0) this.requestSchedule(now);
  }

  /**
   * Removes a pod at once because of an incident (a drain's eviction, a GPU fault): a replica is
   * counted for the incident, a batch run loses its work, and the controller replaces the pod.
   */
  private killForIncident(id: number, incident: Incident, now: number): void {
    const pods = this.pods;
    // Already gone (a failed Job removes its other pods while a caller still iterates them).
    if (pods.phase[id] !== PodPhase.Bound && pods.phase[id] !== PodPhase.Running) return;
    const ws = this.workloads[pods.workload[id]!]!;
    const replica = ws.w.kind === 'service' || ws.w.kind === 'job';
    let inc = pods.incident[id]!;
    if (replica && inc < 0) {
      inc = incident.id;
      incident.affectedReplicas++;
      incident.outstanding++;
    }
    this.stopContainers(id, now);
    if (Number.isNaN(incident.evicted)) incident.evicted = now;
    this.removePod(id, now);
    if (replica) this.replace(id, inc);
  }

  /** A running batch or job pod killed now loses what it did since it started. */
  private loseWork(id: number, now: number): void {
    const pods = this.pods;
    if (!Number.isFinite(pods.duration[id]!)) return;
    const info = pods.infos[id]!;
    const hours = (now - pods.startedAt[id]!) / 3600;
    this.lostGpuHours += (hours * info.spec.requests.milliGPU) / 1000;
    this.lostCpuHours += (hours * info.spec.requests.milliCPU) / 1000;
  }

  /** NotReady after the grace period: taint the node, and plan each pod's eviction. */
  private onDetect(node: number): void {
    const now = this.engine.now;
    if (this.nodeDown[node]! === 0 || this.nodeNotReady[node] === 1 || now !== this.nodeDownSince[node]! + this.failures.nodeMonitorGracePeriod) return;
    this.nodeNotReady[node] = 1;
    const n = this.cluster.nodes[node]!;
    n.taints = [...n.specTaints, TAINT_UNREACHABLE_NO_SCHEDULE, TAINT_UNREACHABLE_NO_EXECUTE];
    const inc = this.incidents[this.nodeIncident.get(node)!]!;
    if (Number.isNaN(inc.detected)) inc.detected = now;
    for (const info of n.pods) this.planEviction(info, now);
  }

  /** The taint manager deletes a pod on a NotReady node after its NoExecute toleration. */
  private planEviction(info: PodInfo, now: number): void {
    const seconds = this.tolerationSeconds(info.spec.tolerations);
    if (seconds === Infinity) return;
    this.evictDue.set(info.id, now + seconds);
    this.engine.scheduleAt(now + seconds, this.evEvict, info.id);
  }

  /** How long a pod stays on an unreachable node: its own NoExecute toleration, else the default 300 s. */
  private tolerationSeconds(tolerations: PodSpec['tolerations']): number {
    for (const t of tolerations ?? []) {
      const matchesKey = t.key === undefined || t.key === '' || t.key === TAINT_UNREACHABLE_NO_EXECUTE.key;
      const matchesEffect = t.effect === undefined || t.effect === 'NoExecute';
      if (matchesKey && matchesEffect && (t.operator === 'Exists' || t.key === TAINT_UNREACHABLE_NO_EXECUTE.key)) return t.tolerationSeconds ?? Infinity;
    }
    return this.failures.defaultTolerationSeconds;
  }

  /** The taint manager deletes a pod left on an unreachable node; its controller replaces it. */
  private onEvict(id: number): void {
    const pods = this.pods;
    const now = this.engine.now;
    if (this.evictDue.get(id) !== now) return;
    this.evictDue.delete(id);
    const node = pods.node[id]!;
    if ((pods.phase[id] !== PodPhase.Bound && pods.phase[id] !== PodPhase.Running) || this.nodeNotReady[node] !== 1) return;
    const inc = pods.incident[id]!;
    if (inc >= 0 && Number.isNaN(this.incidents[inc]!.evicted)) this.incidents[inc]!.evicted = now;
    this.removePod(id, now);
    this.replace(id, inc);
    this.queue.clusterChanged(now, ClusterEvent.AssignedPodDelete);
    if (this.queue.size > 0) this.requestSchedule(now);
  }

  /** Deletes a pod from its node: Failed, resources released. */
  private removePod(id: number, now: number): void {
    const pods = this.pods;
    this.advance(now);
    this.cluster.unbind(pods.infos[id]!, pods.node[id]!);
    if (pods.phase[id] === PodPhase.Running) this.counts.running--;
    else this.counts.bound--;
    pods.phase[id] = PodPhase.Failed;
    pods.startDue[id] = NaN;
    pods.finishDue[id] = NaN;
    pods.crashDue[id] = NaN;
    pods.restartDue[id] = NaN;
    this.counts.failed++;
  }

  /** Controllers: a Deployment recreates the replica; a Job retries within its back-off limit. */
  private replace(id: number, incident: number): void {
    const wi = this.pods.workload[id]!;
    const ws = this.workloads[wi]!;
    const w = ws.w;
    if (w.kind === 'service') {
      const nid = this.createPod(wi, `${w.name}-${ws.created}`, w.spec, Infinity);
      this.pods.incident[nid] = incident;
    } else if (w.kind === 'job') {
      ws.failedPods++;
      if (ws.jobFailed) {
        ws.active--;
      } else if (ws.failedPods > (w.backoffLimit ?? 6)) {
        // Past backoffLimit the Job fails: no new pods, and its active pods are terminated.
        ws.active--;
        this.failJob(wi);
      } else {
        // Job controller back-off: 10 s doubling per failure, capped at 6 minutes.
        const delay = Math.min(360, 10 * 2 ** (ws.failedPods - 1));
        const queued = this.jobRetryIncidents.get(wi) ?? [];
        queued.push(incident);
        this.jobRetryIncidents.set(wi, queued);
        this.engine.schedule(delay, this.evJobRetry, wi);
      }
    }
  }

  /** A failed Job: terminate its pods (running, bound or still queued); pending retries are dropped. */
  private failJob(wi: number): void {
    const ws = this.workloads[wi]!;
    ws.jobFailed = true;
    const pods = this.pods;
    const now = this.engine.now;
    for (let id = 0; id < pods.length; id++) {
      if (pods.workload[id] !== wi) continue;
      const phase = pods.phase[id];
      if (phase === PodPhase.Pending) {
        // Still queued: deleted; the scheduling loop drops it when it comes up.
        pods.phase[id] = PodPhase.Failed;
        this.counts.failed++;
        this.counts.failedPending++;
      } else if (phase === PodPhase.Bound || phase === PodPhase.Running) {
        this.stopContainers(id, now);
        this.removePod(id, now);
      } else {
        continue;
      }
    }
    // Pending retries are dropped too: nothing of this Job is active any more.
    ws.active = 0;
    this.jobRetryIncidents.delete(wi);
  }

  private onRepair(si: number): void {
    const slot = this.slots[si]!;
    const now = this.engine.now;
    this.advance(now);
    if (slot.outage?.drain) {
      for (const node of slot.down) {
        // Uncordon when the last overlapping drain ends, back to the node's declared state.
        const n = this.cluster.nodes[node]!;
        if (--n.drains === 0) n.unschedulable = n.specUnschedulable;
      }
    } else if (slot.domain.kind === 'gpu') {
      for (const node of slot.down) this.cluster.setGpuFailed(node, slot.domain.device!, false);
    } else {
      for (const node of slot.down) this.nodeComesBack(node, now);
    }
    if (slot.incident >= 0) this.incidents[slot.incident]!.hostsBack = now;
    slot.down = [];
    // Renewal: the domain is up again until its next failure.
    if (slot.process) {
      const next = now + sample(slot.process.timeBetweenFailures, slot.stream);
      if (next <= this.cfg.horizon) this.engine.scheduleAt(next, this.evFail, si);
    }
    this.queue.clusterChanged(now, ClusterEvent.NodeUpdate);
    if (this.queue.size > 0) this.requestSchedule(now);
  }

  private nodeComesBack(node: number, now: number): void {
    if (--this.nodeDown[node]! > 0) return; // still down through another domain
    this.nodeDowntime += now - this.nodeDownSince[node]!;
    this.nodeNotReady[node] = 0;
    const n = this.cluster.nodes[node]!;
    n.taints = n.specTaints;
    const pods = this.pods;
    // Pods not yet evicted: service replicas resume; batch and job containers died with the
    // node (restartPolicy Never/OnFailure: the pod failed) and their controllers react.
    for (const info of [...n.pods]) {
      const id = info.id;
      // An earlier pod of this loop can fail its Job, which removes the Job's other pods.
      if (!this.isBoundTo(id, node)) continue;
      this.evictDue.delete(id);
      const ws = this.workloads[pods.workload[id]!]!;
      if (pods.phase[id] === PodPhase.Bound) {
        // A container still in its restart back-off waits for it; otherwise the kubelet starts it now.
        if (!(pods.restartDue[id]! > now)) this.scheduleStart(id);
      } else if (!Number.isFinite(pods.duration[id]!)) {
        pods.live[id] = 1;
        this.replicaReady(id, now, 'resumed');
        this.scheduleCrash(id, now);
      } else {
        const inc = pods.incident[id]!;
        this.removePod(id, now);
        if (ws.w.kind === 'job') this.replace(id, inc);
        this.queue.clusterChanged(now, ClusterEvent.AssignedPodDelete);
      }
    }
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
    this.cfg.onSample?.(this, now);
    const c = this.cluster;
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
    const next = now + this.cfg.sampleInterval;
    if (next <= this.cfg.horizon) this.engine.scheduleAt(next, this.evSample, 0);
  }

  private result(): SimulationResult {
    const c = this.cluster;
    const ratio = (a: number, b: number) => (b > 0 ? Math.min(1, Math.max(0, a / b)) : 0);
    const pendingNow = this.counts.submitted - this.counts.scheduled - this.counts.failedPending;
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
      incidents: incidentMetrics(this.incidents, this.cfg.nodes.length * this.cfg.horizon - this.nodeDowntime, this.nodeFailures, this.lostGpuHours, this.lostCpuHours),
      incidentList: this.incidents,
      availability: this.workloads.filter((ws) => ws.w.kind === 'service').map((ws) => {
        const w = ws.w as Extract<Workload, { kind: 'service' }>;
        const window = Number.isNaN(ws.windowStart) ? Math.max(0, this.cfg.horizon - w.startAt) : this.cfg.horizon - ws.windowStart;
        // Never fully rolled out: unavailable over its whole window.
        const below = (t: number) => (Number.isNaN(ws.windowStart) ? window : t);
        const frac = (t: number) => (window > 0 ? Math.max(0, 1 - below(t) / window) : 0);
        return {
          name: w.name,
          desired: w.replicas,
          minAvailable: w.minAvailable ?? 1,
          availability: frac(ws.belowAll),
          availabilityMin: frac(ws.belowMin),
          downtimeMinutes: below(ws.belowAll) / 60,
          downtimeMinutesMin: below(ws.belowMin) / 60,
          rolloutSeconds: ws.windowStart - w.startAt,
          windowSeconds: window,
        };
      }),
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

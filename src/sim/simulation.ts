import type {
  ClusterAutoscaler, ClusterAutoscalerContext, NodeGroupSpec, NodeGroupStatus, PodController, PodMetricSample, ScalableNode, ScaledPod, ScaleTargetStatus,
} from '../api/autoscaling.js';
import { ALL_CLUSTER_EVENTS, ClusterEvent, type Scheduler } from '../api/framework.js';
import { WellKnownLabel } from '../api/node.js';
import { PodPhase, type PodInfo, type PodSpec } from '../api/pod.js';
import type { Resources } from '../api/resources.js';
import type { Bytes, MilliCPU, MilliGPU } from '../api/units.js';
import type { Distribution } from '../api/distribution.js';
import { sample } from '../util/distributions.js';
import type { RandomStream, RandomStreams } from '../util/random.js';
import { quantileSorted, SampleBuffer } from '../util/stats.js';
import type { NodeSpec } from '../api/node.js';
import { ClusterState, type SimNode } from './cluster.js';
import { Engine } from './engine.js';
import { FifoSchedulingQueue, KubernetesSchedulingQueue, type SchedulingQueue } from './scheduling-queue.js';
import {
  CRASH_BACKOFF_RESET, crashBackoff, incidentMetrics, NO_FAILURES, TAINT_UNREACHABLE_NO_EXECUTE, TAINT_UNREACHABLE_NO_SCHEDULE,
  type FailureConfig, type FailureDomain, type Incident, type IncidentMetrics, type RandomFailureProcess, type ScheduledOutage,
} from './failures.js';
import type { ServiceWorkload, Workload } from '../api/workload.js';
import { ServiceTraffic, type LoadEventOutcome } from './service-traffic.js';
import { WhatIfCluster } from './what-if.js';
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
  /** Node groups a cluster autoscaler grows and shrinks (their initial nodes are in `nodes`, pool = group name). */
  readonly nodeGroups?: readonly SimNodeGroup[] | undefined;
  readonly clusterAutoscaler?: ClusterAutoscaler | undefined;
  /** Called for every bind, with the pod and node (for invariant checks in tests). */
  readonly onBind?: ((pod: PodInfo, nodeIndex: number, cluster: ClusterState, now: number) => void) | undefined;
}

/** An autoscaled node group as the engine runs it. */
export interface SimNodeGroup {
  readonly spec: NodeGroupSpec;
  /** The pool its nodes are billed and reported under (several groups can share one: a pool's zones). */
  readonly pool: string;
  /** Time from a scale-up request to a ready node (cloud VMs: about 3-4 min). */
  readonly provisioningDelay: Distribution;
  /** max-node-provision-time: a node not ready by then counts as a failed scale-up (900 s). */
  readonly maxProvisionTime: number;
}

/** One scaling action, for the result's action log. */
export interface ScalingAction {
  readonly time: number;
  /** `hpa/<service>` or the cluster autoscaler's name. */
  readonly scaler: string;
  readonly action: 'scale-up' | 'scale-down' | 'node-ready' | 'scale-up-failed' | 'node-removed';
  /** The service, node group or node acted on. */
  readonly target: string;
  readonly from: number;
  readonly to: number;
  readonly reason: string;
}

export interface ServiceScaling {
  readonly name: string;
  readonly replicas: { readonly initial: number; readonly min: number; readonly max: number; readonly mean: number; readonly final: number };
  readonly hpa: { readonly minReplicas: number; readonly maxReplicas: number } | null;
  readonly requests: { readonly offered: number; readonly served: number; readonly dropped: number; readonly servedFraction: number } | null;
  readonly slo: { readonly servedFraction: number; readonly violationMinutes: number } | null;
  readonly loadEvents: readonly LoadEventOutcome[];
}

export interface PoolCost {
  readonly name: string;
  readonly autoscaled: boolean;
  readonly pricePerHour: number;
  /** Billed from the scale-up request (the VM is launched) to the node's removal. */
  readonly nodeHours: number;
  readonly cost: number;
  readonly nodes: { readonly min: number; readonly max: number; readonly final: number };
}

export interface AutoscalingResult {
  readonly actions: readonly ScalingAction[];
  readonly services: readonly ServiceScaling[];
  readonly pools: readonly PoolCost[];
  readonly nodeHours: number;
  readonly cost: number;
  /** Sampled every sampleInterval: time, nodes, provisioning, then per scaled service replicas, ready, rps, served fraction. */
  readonly timeseries: { readonly columns: readonly string[]; readonly rows: readonly (readonly number[])[] };
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
  /** Deleted on purpose: removed by a scale-down, or evicted from a node the autoscaler drained. */
  readonly deleted: number;
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
  /** Pending-time quantiles at 0, 1, ..., 100 % (type 7), for distribution charts; empty with no samples. */
  readonly pendingCdf: readonly number[];
  /**
   * Waits for a node of every pod created: the scheduled pods' pending times, and the pods still
   * pending at the horizon with their wait so far (right-censored: their true wait is longer).
   * So an undersized cluster whose queue never drains does not look fast (pendingSeconds counts
   * scheduled pods only).
   */
  readonly waitingSeconds: DistributionSummary;
  readonly scheduling: { readonly attempts: number; readonly failedAttempts: number; readonly nodesEvaluated: number };
  readonly workloads: readonly WorkloadMetrics[];
  readonly incidents: IncidentMetrics;
  readonly incidentList: readonly Incident[];
  readonly availability: readonly ServiceAvailability[];
  readonly events: number;
  /** Rows of TIMESERIES_COLUMNS. */
  readonly timeseries: readonly (readonly number[])[];
  /** Replicas, nodes, requests and cost, when the run has load models, autoscalers or prices. */
  readonly autoscaling?: AutoscalingResult | undefined;
}

const NO_NODE = -1;

/** Quantiles at every whole percent (101 values) of sorted samples, or none without samples. */
function percentiles(sorted: Float64Array): number[] {
  if (sorted.length === 0) return [];
  return Array.from({ length: 101 }, (_, k) => quantileSorted(sorted, k / 100));
}

/** Mean and quantiles of sorted pending times; all 0 when there are no samples. */
function summarize(sorted: Float64Array): DistributionSummary {
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
  /** Services: spec.replicas now (the HPA changes it), the live pods, and the request accounting. */
  desired: number;
  readonly podIds: Set<number>;
  readonly traffic: ServiceTraffic | undefined;
  replicaArea: number;
  replicaMin: number;
  replicaMax: number;
  lastReplicaT: number;
  /** The HPA's view of each live pod, kept between syncs (no allocation per sync); HPA services only. */
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

/** The metrics a pod view serves (WorkloadState.metricKind). */
const METRIC_NONE = 0;
const METRIC_CPU = 1;
const METRIC_MEMORY = 2;
const METRIC_RPS = 3;

/** Metrics-server resolution: a pod has a sample once it has run this long (and a sample covers this window). */
const METRIC_RESOLUTION = 15;

/**
 * What the HPA sees of one pod. Its fields are copied from the engine's pod table whenever the
 * pod changes state (refresh), so a sync - every 15 s for every pod of every HPA - reads one
 * small object per pod instead of six scattered arrays.
 */
class PodView implements ScaledPod {
  // What a sync reads first, so that it shares the object's first cache line.
  /** The pod's requests (a spec never changes, and the pods of a workload share one). */
  requests: Resources = NO_REQUESTS;
  phase: ScaledPod['phase'] = 'Pending';
  ready = false;
  /** This view's cells in ws.viewTimes: startTime at 2 x cell, readyTransitionTime after it. */
  readonly cell: number;
  name = '';
  id = -1;
  constructor(private readonly ws: WorkloadState) {
    this.cell = ws.viewCount++;
    if (2 * ws.viewCount > ws.viewTimes.length) {
      const times = new Float64Array(Math.max(16, 2 * ws.viewTimes.length)).fill(NaN);
      times.set(ws.viewTimes);
      ws.viewTimes = times;
    }
  }

  get startTime(): number {
    return this.ws.viewTimes[2 * this.cell]!;
  }

  get readyTransitionTime(): number {
    return this.ws.viewTimes[2 * this.cell + 1]!;
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
    this.ready = p.live[id] === 1;
    const times = this.ws.viewTimes;
    times[2 * this.cell] = p.boundAt[id]!;
    times[2 * this.cell + 1] = p.startedAt[id]!;
  }

  metric(name: string): PodMetricSample | undefined {
    const ws = this.ws;
    const now = ws.metricNow;
    if (!this.ready || now - ws.viewTimes[2 * this.cell + 1]! < METRIC_RESOLUTION) return undefined;
    // Which metric, decided once per name object (comparing a name read from a file with a
    // constant compares characters; the same object again is one pointer comparison).
    if (name !== ws.metricName) {
      ws.metricName = name;
      ws.metricKind = name === 'cpu' ? METRIC_CPU : name === 'memory' ? METRIC_MEMORY : name === 'requests_per_second' ? METRIC_RPS : METRIC_NONE;
    }
    const kind = ws.metricKind;
    let value: number;
    if (kind === METRIC_CPU) value = ws.cpuUtilization * this.requests.milliCPU;
    else if (kind === METRIC_MEMORY) value = ws.memoryUtilization * this.requests.memory;
    else if (kind === METRIC_RPS && ws.traffic) value = ws.rpsPerPod;
    else return undefined;
    if (!Number.isFinite(value)) return undefined;
    // One sample object per service, reused: the HPA reads it at once and keeps only numbers.
    const sample = ws.sample;
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

const NO_REQUESTS: Resources = Object.freeze({ milliCPU: 0 as MilliCPU, memory: 0 as Bytes, milliGPU: 0 as MilliGPU, ephemeralStorage: 0 as Bytes });

/** The autoscaler's view of one node (its readiness read live). */
class ScalableNodeView implements ScalableNode {
  constructor(private readonly sim: Simulation, readonly node: SimNode, readonly group: string | undefined, readonly readySince: number) {}
  get ready(): boolean {
    return this.sim.isNodeReady(this.node.index);
  }
}

/** A node group's run-time state. */
interface GroupState {
  readonly g: SimNodeGroup;
  readonly stream: RandomStream;
  readonly nodes: Set<number>;
  provisioning: number;
  lastScaleUpFailure: number;
  seq: number;
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
  /** Node-seconds of present nodes (nodes come and go under autoscaling). */
  private areaNodes = 0;
  private readonly pending = new SampleBuffer();
  private counts = { submitted: 0, scheduled: 0, completed: 0, running: 0, bound: 0, failed: 0, failedPending: 0, deleted: 0 };
  private attempts = 0;
  private failedAttempts = 0;
  private nodesEvaluated = 0;
  private readonly rows: number[][] = [];

  // Failures.
  private readonly failures: FailureConfig;
  private nodeDown: Int32Array;
  private nodeNotReady: Uint8Array;
  private nodeDownSince: Float64Array;
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

  // Autoscaling.
  private readonly groups: GroupState[] = [];
  private readonly groupByName = new Map<string, number>();
  /** Each node's group (-1: none) and when it became ready. */
  private nodeGroup: Int32Array;
  private readySince: Float64Array;
  /** Pods waiting for a node, in creation order (the autoscaler's unschedulable pods are among them). */
  private readonly pendingIds = new Set<number>();
  /** Position of each HPA-watched pod's view in its service's podViews. */
  private readonly viewSlot = new Map<number, number>();
  private readonly actions: ScalingAction[] = [];
  private readonly evHpaSync: number;
  /**
   * The HPA controller's ticks: services whose HPAs sync at the same times (same first sync and
   * period), synced one after another in workload order by one event, as separate events at the
   * same time would be.
   */
  private readonly hpaTicks: { readonly period: number; readonly members: number[] }[] = [];
  private readonly evCaScan: number;
  private readonly evNodeReady: number;
  private readonly evProvisionFail: number;
  private scalableNodes: ScalableNode[] | undefined;
  private readonly caRandom: RandomStream;
  /** Billing per pool: nodes billed now (present + provisioning), node-seconds, price, node count range. */
  private readonly poolNames: string[] = [];
  private readonly poolIndex = new Map<string, number>();
  private poolBilled: number[] = [];
  private poolNodeSeconds: number[] = [];
  private poolPrice: number[] = [];
  private poolPresent: number[] = [];
  private poolMin: number[] = [];
  private poolMax: number[] = [];
  private readonly poolAutoscaled: boolean[] = [];
  private readonly scalingRows: number[][] = [];
  private readonly reportScaling: boolean;

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
      desired: w.kind === 'service' ? w.replicas : 0,
      podIds: new Set<number>(),
      traffic: w.kind === 'service' && w.load ? new ServiceTraffic(w.load, w.startAt) : undefined,
      replicaArea: 0,
      replicaMin: w.kind === 'service' ? w.replicas : 0,
      replicaMax: w.kind === 'service' ? w.replicas : 0,
      lastReplicaT: w.kind === 'service' ? w.startAt : 0,
      podViews: [],
      freeViews: [],
      viewTimes: new Float64Array(0),
      viewCount: 0,
      metricNow: 0,
      cpuUtilization: NaN,
      memoryUtilization: w.kind === 'service' ? w.load?.memoryUtilization ?? 0 : 0,
      sample: { value: 0, timestamp: 0, window: METRIC_RESOLUTION },
      rpsPerPod: NaN,
      metricName: '',
      metricKind: METRIC_NONE,
    }));
    // The HPA's pod views, allocated together up front (a sync reads them all every 15 s).
    for (const ws of this.workloads) {
      if (ws.w.kind !== 'service' || !ws.w.autoscaler) continue;
      const n = Math.min(ws.w.autoscaler.spec.maxReplicas, 4096) + 4;
      const views = Array.from({ length: n }, () => new PodView(ws));
      // Free views are kept by descending cell, so a new pod takes the lowest free one: the
      // views in use stay packed at the start of the pool (adjacent memory for the syncs).
      for (let k = n - 1; k >= 0; k--) ws.freeViews.push(views[k]!);
    }
    // Failures: per node down counts (domains overlap), the NotReady state and its epoch.
    this.failures = cfg.failures ?? NO_FAILURES;
    const n = cfg.nodes.length;
    this.nodeDown = new Int32Array(Math.max(16, n));
    this.nodeNotReady = new Uint8Array(Math.max(16, n));
    this.nodeDownSince = new Float64Array(Math.max(16, n));
    this.evFail = e.defineEvent('failure', (slot) => this.onFailure(slot));
    this.evRepair = e.defineEvent('repair', (slot) => this.onRepair(slot));
    this.evDetect = e.defineEvent('node-not-ready', (node) => this.onDetect(node));
    this.evEvict = e.defineEvent('pod-eviction', (pod) => this.onEvict(pod));
    this.evCrash = e.defineEvent('container-crash', (pod) => this.onCrash(pod));
    this.evRestart = e.defineEvent('container-restart', (pod) => this.onRestart(pod));
    this.evHpaSync = e.defineEvent('hpa-sync', (tick) => this.onHpaTick(tick));
    this.evCaScan = e.defineEvent('cluster-autoscaler-scan', () => this.onClusterAutoscalerScan());
    this.evNodeReady = e.defineEvent('node-ready', (gi) => this.onNodeReady(gi));
    this.evProvisionFail = e.defineEvent('node-provisioning-failed', (gi) => this.onProvisionFailed(gi));
    this.caRandom = cfg.streams.get('autoscaler/cluster');
    this.nodeGroup = new Int32Array(Math.max(16, n)).fill(-1);
    this.readySince = new Float64Array(Math.max(16, n));
    for (const g of cfg.nodeGroups ?? []) {
      if (this.groupByName.has(g.spec.name)) throw new Error(`duplicate node group "${g.spec.name}"`);
      this.groupByName.set(g.spec.name, this.groups.length);
      this.groups.push({ g, stream: cfg.streams.get(`autoscaler/provisioning/${g.spec.name}`), nodes: new Set(), provisioning: 0, lastScaleUpFailure: NaN, seq: 0 });
      this.pool(g.pool, g.spec.pricePerHour, true);
    }
    cfg.nodes.forEach((spec, index) => {
      const pi = this.pool(spec.pool ?? 'default', spec.pricePerHour ?? 0, false);
      this.poolBilled[pi]!++;
      this.poolPresent[pi]!++;
      if (spec.group === undefined) return;
      const gi = this.groupByName.get(spec.group);
      if (gi === undefined) throw new Error(`node ${spec.name}: unknown node group "${spec.group}"`);
      this.nodeGroup[index] = gi;
      this.groups[gi]!.nodes.add(index);
      this.groups[gi]!.seq++;
    });
    this.poolMin = [...this.poolPresent];
    this.poolMax = [...this.poolPresent];
    this.reportScaling = this.groups.length > 0 || cfg.clusterAutoscaler !== undefined || this.poolPrice.some((p) => p > 0)
      || this.workloads.some((ws) => ws.w.kind === 'service' && (ws.w.load !== undefined || ws.w.autoscaler !== undefined));
    this.evJobRetry = e.defineEvent('job-retry', (wi) => {
      this.createJobPod(wi, this.jobRetryIncidents.get(wi)?.shift() ?? -1, true);
    });
    for (const p of this.failures.processes) {
      // Domains are copied: nodes added or removed later change this run's lists only.
      for (const d of p.domains) this.slots.push({ name: p.name, domain: { ...d, nodes: [...d.nodes] }, process: p, stream: cfg.streams.get(`failures/${p.name}/${d.kind}/${d.name}`), down: [], incident: -1 });
    }
    for (const o of this.failures.outages) {
      this.slots.push({ name: o.name, domain: { ...o.domain, nodes: [...o.domain.nodes] }, outage: o, stream: cfg.streams.get(`failures/${o.name}`), down: [], incident: -1 });
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
    const tickAt = new Map<string, number>();
    this.workloads.forEach((ws, i) => {
      if (ws.w.kind === 'service' && ws.w.autoscaler) {
        const period = ws.w.hpaSyncPeriod ?? 15;
        const t = ws.w.startAt + period;
        if (t > horizon) return;
        const key = `${t}/${period}`;
        let tick = tickAt.get(key);
        if (tick === undefined) {
          tick = this.hpaTicks.push({ period, members: [] }) - 1;
          tickAt.set(key, tick);
          e.scheduleAt(t, this.evHpaSync, tick);
        }
        this.hpaTicks[tick]!.members.push(i);
      }
    });
    const ca = this.cfg.clusterAutoscaler;
    if (ca) {
      if (!(ca.scanInterval > 0)) throw new Error(`cluster autoscaler ${ca.name}: scan interval must be > 0`);
      if (ca.scanInterval <= horizon) e.scheduleAt(ca.scanInterval, this.evCaScan, 0);
    }
    if (sampleInterval > 0) e.scheduleAt(0, this.evSample, 0);
    const progress = this.cfg.onProgress;
    if (progress) e.onProgress = (now) => progress(now / horizon);
    e.run(horizon);
    this.advance(horizon);
    for (const ws of this.workloads) {
      this.advanceAvailability(ws, horizon);
      ws.traffic?.advance(horizon, ws.ready);
      this.advanceReplicas(ws, horizon);
    }
    for (let i = 0; i < this.nodeDown.length; i++) if (this.nodeDown[i]! > 0) this.nodeDowntime += horizon - this.nodeDownSince[i]!;
    return this.result();
  }

  /** Whether a pod is still bound (Bound or Running) to this node. */
  private isBoundTo(id: number, node: number): boolean {
    const phase = this.pods.phase[id];
    return this.pods.node[id] === node && (phase === PodPhase.Bound || phase === PodPhase.Running);
  }

  /** Whether the node lifecycle controller sees the node Ready (a failure is seen after the grace period). */
  isNodeReady(node: number): boolean {
    return this.nodeNotReady[node] === 0;
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
    if (ws.w.kind === 'service') {
      ws.podIds.add(id);
      if (ws.w.autoscaler) {
        const view = ws.freeViews.pop() ?? new PodView(ws);
        view.attach(this.pods, id);
        this.viewSlot.set(id, ws.podViews.length);
        ws.podViews.push(view);
      }
    }
    this.pendingIds.add(id);
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
    this.pendingIds.delete(id);
    this.refreshView(id);
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
    this.refreshView(id);
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
    this.refreshView(id);
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
    ws.traffic?.advance(now, ws.ready);
    ws.ready += delta;
    // The window opens when the rollout first reaches every desired replica.
    if (Number.isNaN(ws.windowStart) && ws.ready >= ws.desired) {
      ws.windowStart = now;
      ws.lastChange = now;
    }
  }

  private advanceAvailability(ws: WorkloadState, now: number): void {
    if (ws.w.kind !== 'service' || Number.isNaN(ws.windowStart)) return;
    const dt = now - ws.lastChange;
    if (dt > 0) {
      // Downtime is accumulated (not uptime), so a service never down is exactly 100 %.
      if (ws.ready < ws.desired) ws.belowAll += dt;
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
    this.refreshView(id);
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
    this.forgetServicePod(id);
  }

  /** The HPA's view of a pod follows its state. */
  private refreshView(id: number): void {
    const slot = this.viewSlot.get(id);
    if (slot !== undefined) this.workloads[this.pods.workload[id]!]!.podViews[slot]!.refresh(this.pods);
  }

  /** A service pod is gone: no longer one of its replicas nor in the HPA's view. */
  private forgetServicePod(id: number): void {
    const ws = this.workloads[this.pods.workload[id]!]!;
    if (ws.w.kind !== 'service') return;
    ws.podIds.delete(id);
    const views = ws.podViews;
    const at = this.viewSlot.get(id);
    if (at !== undefined) {
      // Swap-remove; the order of the views does not matter to the HPA.
      const view = views[at]!;
      const last = views.pop()!;
      if (last.id !== id) {
        views[at] = last;
        this.viewSlot.set(last.id, at);
      }
      this.viewSlot.delete(id);
      releaseView(ws.freeViews, view);
    }
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
        this.pendingIds.delete(id);
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
        this.refreshView(id);
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

  // ---- horizontal pod autoscaling ---------------------------------------------------------

  /** Integrates the service's replica count (spec.replicas) for its mean. */
  private advanceReplicas(ws: WorkloadState, now: number): void {
    if (ws.w.kind !== 'service' || now <= ws.lastReplicaT) return;
    ws.replicaArea += ws.desired * (now - ws.lastReplicaT);
    ws.lastReplicaT = now;
  }

  private onHpaTick(tick: number): void {
    const { period, members } = this.hpaTicks[tick]!;
    for (let i = 0; i < members.length; i++) this.onHpaSync(members[i]!);
    const next = this.engine.now + period;
    if (next <= this.cfg.horizon) this.engine.scheduleAt(next, this.evHpaSync, tick);
  }

  /** One HPA sync: metrics from the load model, the policy's decision, the Deployment scaled. */
  private onHpaSync(wi: number): void {
    const ws = this.workloads[wi]!;
    const w = ws.w as ServiceWorkload;
    const now = this.engine.now;
    const hpa = w.autoscaler!;
    const traffic = ws.traffic;
    if (traffic) traffic.advance(now, ws.ready);
    ws.metricNow = now;
    const rate = traffic ? traffic.rate(now) : NaN;
    ws.cpuUtilization = traffic ? traffic.utilizationAt(rate, ws.ready) : 0;
    ws.rpsPerPod = ws.ready > 0 ? rate / ws.ready : NaN;
    const views = ws.podViews;
    const target = (ws.target ??= { currentReplicas: 0, pods: views, rate: NaN, external(name: string) { return name === 'requests_per_second' && !Number.isNaN(this.rate) ? this.rate : undefined; } });
    target.currentReplicas = ws.desired;
    target.rate = traffic ? rate : NaN;
    const decision = hpa.sync(target, now);
    const desired = decision.desiredReplicas;
    if (!Number.isInteger(desired) || desired < 0) throw new Error(`HPA of ${w.name}: desired replicas ${desired} is not a count`);
    if (desired !== ws.desired) this.scaleService(wi, desired, `hpa/${w.name}`, decision.reason);
  }

  /** Sets a Deployment's replicas: new pods are created, surplus pods deleted in ReplicaSet order. */
  private scaleService(wi: number, desired: number, scaler: string, reason: string): void {
    const ws = this.workloads[wi]!;
    const w = ws.w as ServiceWorkload;
    const now = this.engine.now;
    const from = ws.desired;
    // Account the time so far against the old spec.replicas before it changes.
    this.advanceReplicas(ws, now);
    this.advanceAvailability(ws, now);
    ws.traffic?.advance(now, ws.ready);
    ws.desired = desired;
    ws.replicaMin = Math.min(ws.replicaMin, desired);
    ws.replicaMax = Math.max(ws.replicaMax, desired);
    this.actions.push({ time: now, scaler, action: desired > from ? 'scale-up' : 'scale-down', target: w.name, from, to: desired, reason });
    const live = ws.podIds.size;
    if (desired > live) {
      for (let k = live; k < desired; k++) this.createPod(wi, `${w.name}-${ws.created}`, w.spec, Infinity);
    } else if (desired < live) {
      for (const id of this.podsToDelete(ws, live - desired)) this.deletePod(id, now);
      this.queue.clusterChanged(now, ClusterEvent.AssignedPodDelete);
      if (this.queue.size > 0) this.requestSchedule(now);
    }
    // The availability window's "all desired replicas ready" follows spec.replicas.
    if (Number.isNaN(ws.windowStart) && ws.ready >= ws.desired && ws.desired > 0) {
      ws.windowStart = now;
      ws.lastChange = now;
    }
  }

  /**
   * The ReplicaSet controller's choice of pods to delete (getPodsToDelete, ActivePodsWithRanks):
   * unscheduled before scheduled, not started before started, not ready before ready, pods on
   * nodes with more replicas of the set first, then the most recently ready, then the newest.
   */
  private podsToDelete(ws: WorkloadState, count: number): number[] {
    const p = this.pods;
    const perNode = new Map<number, number>();
    for (const id of ws.podIds) if (p.node[id]! >= 0 && p.phase[id] !== PodPhase.Pending) perNode.set(p.node[id]!, (perNode.get(p.node[id]!) ?? 0) + 1);
    const rank = (id: number): number => (p.phase[id] === PodPhase.Pending ? 0 : p.phase[id] === PodPhase.Bound && p.restarts[id] === 0 ? 1 : p.live[id] !== 1 ? 2 : 3);
    const ids = [...ws.podIds];
    ids.sort((a, b) => rank(a) - rank(b)
      || (perNode.get(p.node[b]!) ?? 0) - (perNode.get(p.node[a]!) ?? 0)
      || (p.startedAt[b]! || 0) - (p.startedAt[a]! || 0)
      || b - a);
    return ids.slice(0, count);
  }

  /** Deletes a pod on purpose (scale-down): not a failure; resources are released at once. */
  private deletePod(id: number, now: number): void {
    const pods = this.pods;
    const phase = pods.phase[id];
    if (phase === PodPhase.Pending) {
      // Still queued: the scheduling loop drops it when it comes up.
      pods.phase[id] = PodPhase.Failed;
      this.pendingIds.delete(id);
      this.counts.failedPending++;
    } else if (phase === PodPhase.Bound || phase === PodPhase.Running) {
      this.stopContainers(id, now);
      this.advance(now);
      this.cluster.unbind(pods.infos[id]!, pods.node[id]!);
      if (phase === PodPhase.Running) this.counts.running--;
      else this.counts.bound--;
      pods.phase[id] = PodPhase.Failed;
      pods.startDue[id] = NaN;
      pods.finishDue[id] = NaN;
      pods.crashDue[id] = NaN;
      pods.restartDue[id] = NaN;
      this.evictDue.delete(id);
    } else {
      return;
    }
    this.counts.deleted++;
    this.forgetServicePod(id);
  }

  // ---- cluster autoscaling ----------------------------------------------------------------

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

  private billed(pool: number, delta: number, present: number): void {
    this.advance(this.engine.now);
    this.poolBilled[pool]! += delta;
    this.poolPresent[pool]! += present;
    this.poolMin[pool] = Math.min(this.poolMin[pool]!, this.poolPresent[pool]!);
    this.poolMax[pool] = Math.max(this.poolMax[pool]!, this.poolPresent[pool]!);
  }

  private groupStatus(gs: GroupState): NodeGroupStatus {
    return { spec: gs.g.spec, targetSize: gs.nodes.size + gs.provisioning, provisioning: gs.provisioning, lastScaleUpFailure: gs.lastScaleUpFailure };
  }

  /** A group's template as a node spec (the hostname label follows the name). */
  private groupNodeSpec(gi: number, name: string): NodeSpec {
    const spec = this.groups[gi]!.g.spec;
    const t = spec.template;
    return {
      name,
      labels: { ...t.labels, [WellKnownLabel.hostname]: name },
      taints: t.taints,
      unschedulable: false,
      allocatable: t.allocatable,
      allowedPodNumber: t.allowedPodNumber,
      pool: this.groups[gi]!.g.pool,
      group: spec.name,
      gpuModel: t.gpuModel,
      pricePerHour: spec.pricePerHour,
    };
  }

  private onClusterAutoscalerScan(): void {
    const ca = this.cfg.clusterAutoscaler!;
    const now = this.engine.now;
    const unschedulable: PodInfo[] = [];
    for (const id of this.pendingIds) if (this.queue.attempts(id) > 0) unschedulable.push(this.pods.infos[id]!);
    const ctx: ClusterAutoscalerContext = {
      now,
      groups: this.groups.map((gs) => this.groupStatus(gs)),
      nodes: this.scalableNodeList(),
      unschedulablePods: unschedulable,
      controllerOf: (pod) => this.controllerOf(pod),
      disruptionsAllowed: (pod) => {
        const ws = this.workloads[this.pods.workload[pod.id]!]!;
        if (ws.w.kind !== 'service' || ws.w.minAvailable === undefined) return Infinity;
        return Math.max(0, ws.ready - ws.w.minAvailable);
      },
      simulate: (fn) => {
        const whatIf = new WhatIfCluster(this.cluster, this.cfg.scheduler, (group, name) => this.groupNodeSpec(this.groupIndexOf(group), name));
        try {
          return fn(whatIf);
        } finally {
          whatIf.rollback();
        }
      },
    };
    const decision = ca.reconcile(ctx, this.caRandom);
    this.applyClusterDecision(ca, decision.scaleUps, decision.deletions);
    const next = now + ca.scanInterval;
    if (next <= this.cfg.horizon) this.engine.scheduleAt(next, this.evCaScan, 0);
  }

  private groupIndexOf(group: string): number {
    const gi = this.groupByName.get(group);
    if (gi === undefined) throw new Error(`unknown node group "${group}"`);
    return gi;
  }

  private controllerOf(pod: PodInfo): PodController {
    const w = this.workloads[this.pods.workload[pod.id]!]!.w;
    return w.kind === 'service' ? { kind: 'Deployment', name: w.name } : w.kind === 'job' ? { kind: 'Job', name: w.name } : { kind: 'None', name: pod.name };
  }

  /** The autoscaler's view of the nodes: one object per node, rebuilt only when nodes come or go. */
  private scalableNodeList(): ScalableNode[] {
    if (!this.scalableNodes) {
      const list: ScalableNode[] = [];
      for (const n of this.cluster.nodes) {
        if (n.removed) continue;
        const i = n.index;
        const gi = this.nodeGroup[i]!;
        list.push(new ScalableNodeView(this, n, gi >= 0 ? this.groups[gi]!.g.spec.name : undefined, this.readySince[i]!));
      }
      this.scalableNodes = list;
    }
    return this.scalableNodes;
  }

  /** Applies a cluster autoscaler's decision; one outside a group's [min, max] is a policy bug. */
  private applyClusterDecision(ca: ClusterAutoscaler, scaleUps: readonly { group: string; count: number; reason: string }[], deletions: readonly { node: string; reason: string }[]): void {
    const now = this.engine.now;
    const removing = new Map<number, number>();
    const victims: { index: number; reason: string }[] = [];
    for (const d of deletions) {
      const node = this.cluster.nodeByName(d.node) as SimNode | undefined;
      if (!node) throw new Error(`cluster autoscaler ${ca.name}: cannot delete unknown node "${d.node}"`);
      const gi = this.nodeGroup[node.index]!;
      if (gi < 0) throw new Error(`cluster autoscaler ${ca.name}: node ${d.node} belongs to no node group`);
      if (victims.some((v) => v.index === node.index)) throw new Error(`cluster autoscaler ${ca.name}: node ${d.node} deleted twice`);
      removing.set(gi, (removing.get(gi) ?? 0) + 1);
      victims.push({ index: node.index, reason: d.reason });
    }
    for (const [gi, k] of removing) {
      // Only registered nodes count toward min: a node still provisioning may never arrive.
      const gs = this.groups[gi]!;
      const size = gs.nodes.size;
      if (size - k < gs.g.spec.min) throw new Error(`cluster autoscaler ${ca.name}: deleting ${k} node(s) takes group ${gs.g.spec.name} from ${size} registered node(s) below its min ${gs.g.spec.min}`);
    }
    for (const up of scaleUps) {
      const gi = this.groupIndexOf(up.group);
      const gs = this.groups[gi]!;
      const size = gs.nodes.size + gs.provisioning;
      if (!Number.isInteger(up.count) || up.count < 1) throw new Error(`cluster autoscaler ${ca.name}: scale-up of ${up.group} by ${up.count}`);
      if (size + up.count > gs.g.spec.max) throw new Error(`cluster autoscaler ${ca.name}: scale-up takes group ${up.group} from ${size} above its max ${gs.g.spec.max}`);
      this.actions.push({ time: now, scaler: ca.name, action: 'scale-up', target: up.group, from: size, to: size + up.count, reason: up.reason });
      const pi = this.poolIndex.get(gs.g.pool)!;
      for (let k = 0; k < up.count; k++) {
        gs.provisioning++;
        this.billed(pi, 1, 0);
        const delay = sample(gs.g.provisioningDelay, gs.stream);
        if (delay > gs.g.maxProvisionTime) {
          const at = now + gs.g.maxProvisionTime;
          if (at <= this.cfg.horizon) this.engine.scheduleAt(at, this.evProvisionFail, gi);
        } else if (now + delay <= this.cfg.horizon) {
          this.engine.scheduleAt(now + delay, this.evNodeReady, gi);
        }
      }
    }
    for (const v of victims) this.removeNodeForScaleDown(ca.name, v.index, v.reason, now);
  }

  private onNodeReady(gi: number): void {
    const gs = this.groups[gi]!;
    const now = this.engine.now;
    gs.provisioning--;
    const node = this.cluster.addNode(this.groupNodeSpec(gi, `${gs.g.spec.name}-${gs.seq++}`));
    this.ensureNodeArrays(node.index + 1);
    this.nodeGroup[node.index] = gi;
    this.readySince[node.index] = now;
    this.nodeDown[node.index] = 0;
    this.nodeNotReady[node.index] = 0;
    gs.nodes.add(node.index);
    this.scalableNodes = undefined;
    this.billed(this.poolIndex.get(gs.g.pool)!, 0, 1);
    this.joinFailureDomains(node);
    // from/to: the group's ready nodes.
    this.actions.push({ time: now, scaler: 'cloud', action: 'node-ready', target: node.name, from: gs.nodes.size - 1, to: gs.nodes.size, reason: `group ${gs.g.spec.name}` });
    this.queue.clusterChanged(now, ClusterEvent.NodeAdd);
    if (this.queue.size > 0) this.requestSchedule(now);
  }

  private onProvisionFailed(gi: number): void {
    const gs = this.groups[gi]!;
    const now = this.engine.now;
    gs.provisioning--;
    gs.lastScaleUpFailure = now;
    this.billed(this.poolIndex.get(gs.g.pool)!, -1, 0);
    const size = gs.nodes.size + gs.provisioning;
    this.actions.push({ time: now, scaler: 'cloud', action: 'scale-up-failed', target: gs.g.spec.name, from: size + 1, to: size, reason: `node not ready within ${gs.g.maxProvisionTime}s` });
  }

  /** Cordon, drain (controllers recreate the pods elsewhere) and delete a node. */
  private removeNodeForScaleDown(scaler: string, index: number, reason: string, now: number): void {
    const node = this.cluster.nodes[index]!;
    const gi = this.nodeGroup[index]!;
    const gs = this.groups[gi]!;
    node.unschedulable = true;
    const name = node.name;
    for (const info of [...node.pods]) {
      const id = info.id;
      if (!this.isBoundTo(id, index)) continue;
      // Evicted through the eviction API: deleted (not failed); the controller recreates it.
      const inc = this.pods.incident[id]!;
      this.deletePod(id, now);
      this.replace(id, inc);
    }
    this.forgetFailedNode(index, now);
    this.advance(now);
    this.cluster.removeNode(index);
    gs.nodes.delete(index);
    this.nodeGroup[index] = -1;
    this.scalableNodes = undefined;
    this.billed(this.poolIndex.get(gs.g.pool)!, -1, -1);
    const size = gs.nodes.size + gs.provisioning;
    this.actions.push({ time: now, scaler, action: 'node-removed', target: name, from: size + 1, to: size, reason });
    this.queue.clusterChanged(now, ClusterEvent.AssignedPodDelete);
    if (this.queue.size > 0) this.requestSchedule(now);
  }

  private ensureNodeArrays(n: number): void {
    if (n <= this.nodeDown.length) return;
    const c = Math.max(n, this.nodeDown.length * 2);
    const old = this.nodeGroup.length;
    this.nodeDown = grown(this.nodeDown, c);
    this.nodeNotReady = grown(this.nodeNotReady, c);
    this.nodeDownSince = grown(this.nodeDownSince, c);
    this.nodeGroup = grown(this.nodeGroup, c);
    this.nodeGroup.fill(-1, old);
    this.readySince = grown(this.readySince, c);
  }

  /** A node added later joins the zone and rack domains its labels name (so a zone outage hits it). */
  private joinFailureDomains(node: SimNode): void {
    for (const slot of this.slots) {
      const d = slot.domain;
      if (d.label && node.labels[d.label.key] === d.label.value && !d.nodes.includes(node.index)) (d.nodes as number[]).push(node.index);
    }
  }

  /** A node leaves: out of every failure domain; if it is down, its downtime ends here. */
  private forgetFailedNode(index: number, now: number): void {
    for (const slot of this.slots) {
      const list = slot.domain.nodes as number[];
      const at = list.indexOf(index);
      if (at >= 0) list.splice(at, 1);
      const down = slot.down.indexOf(index);
      if (down >= 0) slot.down.splice(down, 1);
    }
    if (this.nodeDown[index]! > 0) this.nodeDowntime += now - this.nodeDownSince[index]!;
    this.nodeDown[index] = 0;
    this.nodeNotReady[index] = 0;
    this.nodeIncident.delete(index);
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
    this.areaNodes += c.liveNodes * dt;
    for (let i = 0; i < this.poolBilled.length; i++) this.poolNodeSeconds[i]! += this.poolBilled[i]! * dt;
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
    if (this.reportScaling) {
      let provisioning = 0;
      for (const gs of this.groups) provisioning += gs.provisioning;
      const row = [now, c.liveNodes, provisioning];
      for (const ws of this.workloads) {
        if (!this.scaledService(ws)) continue;
        ws.traffic?.advance(now, ws.ready);
        const rate = ws.traffic ? ws.traffic.rate(now) : 0;
        const capacity = ws.traffic ? ws.ready * ws.traffic.load.capacityPerReplica : 0;
        row.push(ws.desired, ws.ready, rate, rate > 0 ? Math.min(1, capacity / rate) : 1);
      }
      this.scalingRows.push(row);
    }
    const next = now + this.cfg.sampleInterval;
    if (next <= this.cfg.horizon) this.engine.scheduleAt(next, this.evSample, 0);
  }

  /** Services reported in the autoscaling result: with a load model or an HPA. */
  private scaledService(ws: WorkloadState): boolean {
    return ws.w.kind === 'service' && (ws.w.load !== undefined || ws.w.autoscaler !== undefined);
  }

  private autoscalingResult(): AutoscalingResult {
    const horizon = this.cfg.horizon;
    const columns = ['time', 'nodes', 'provisioning'];
    const services: ServiceScaling[] = [];
    for (const ws of this.workloads) {
      if (!this.scaledService(ws)) continue;
      const w = ws.w as ServiceWorkload;
      columns.push(`${w.name}.replicas`, `${w.name}.ready`, `${w.name}.rps`, `${w.name}.served`);
      const span = horizon - w.startAt;
      const t = ws.traffic;
      services.push({
        name: w.name,
        replicas: { initial: w.replicas, min: ws.replicaMin, max: ws.replicaMax, mean: span > 0 ? ws.replicaArea / span : w.replicas, final: ws.desired },
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
    const all = new Float64Array(pendingSorted.length + this.pendingIds.size);
    all.set(pendingSorted);
    let i = pendingSorted.length;
    for (const id of this.pendingIds) all[i++] = this.cfg.horizon - this.pods.createdAt[id]!;
    return all.sort();
  }

  private result(): SimulationResult {
    const c = this.cluster;
    const ratio = (a: number, b: number) => (b > 0 ? Math.min(1, Math.max(0, a / b)) : 0);
    const pendingNow = this.counts.submitted - this.counts.scheduled - this.counts.failedPending;
    let unschedulable = 0;
    for (let id = 0; id < this.pods.length; id++) {
      if (this.pods.phase[id] === PodPhase.Pending && this.queue.attempts(id) > 0) unschedulable++;
    }
    // Sorted once for the summary and the percentiles.
    const pendingSorted = this.pending.sorted();
    return {
      horizon: this.cfg.horizon,
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
      pendingSeconds: summarize(pendingSorted),
      pendingCdf: percentiles(pendingSorted),
      waitingSeconds: this.pendingIds.size === 0 ? summarize(pendingSorted) : summarize(this.withWaiting(pendingSorted)),
      scheduling: { attempts: this.attempts, failedAttempts: this.failedAttempts, nodesEvaluated: this.nodesEvaluated },
      incidents: incidentMetrics(this.incidents, this.areaNodes - this.nodeDowntime, this.nodeFailures, this.lostGpuHours, this.lostCpuHours),
      incidentList: this.incidents,
      availability: this.workloads.filter((ws) => ws.w.kind === 'service').map((ws) => {
        const w = ws.w as Extract<Workload, { kind: 'service' }>;
        const window = Number.isNaN(ws.windowStart) ? Math.max(0, this.cfg.horizon - w.startAt) : this.cfg.horizon - ws.windowStart;
        // Never fully rolled out: unavailable over its whole window.
        const below = (t: number) => (Number.isNaN(ws.windowStart) ? window : t);
        const frac = (t: number) => (window > 0 ? Math.max(0, 1 - below(t) / window) : 0);
        return {
          name: w.name,
          desired: ws.desired,
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
        pendingSeconds: summarize(ws.pending.sorted()),
      })),
      events: this.engine.processed,
      timeseries: this.rows,
      ...(this.reportScaling ? { autoscaling: this.autoscalingResult() } : {}),
    };
  }
}

export type { Distribution };

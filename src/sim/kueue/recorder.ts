import { QUEUE_RESOURCES, type QueueingConfig, type QueueResource } from '../../api/queueing.js';
import { SampleBuffer } from '../../util/stats.js';
import type { Lifecycle } from '../lifecycle.js';
import { summarize, type DistributionSummary } from '../results.js';
import { dominantResourceShare, jainIndex, weightedShare } from './fair-sharing.js';
import { QuotaState, RESOURCE_COUNT, type Usage } from './quota.js';

/** Amounts per resource in a queue owner's units: cpu in cores, memory in bytes, nvidia.com/gpu in GPUs, pods. */
export type ResourceAmounts = Readonly<Record<QueueResource, number>>;

/** What a queue owner reads about a queue. */
export interface QueueFigures {
  /** From entering the queue (creation, or the last eviction) to admission (upstream's admission_wait_time). */
  readonly admissionWaitSeconds: DistributionSummary;
  /** Admissions (a preempted workload admitted again counts again), evictions by preemption, workloads waiting at the end. */
  readonly admitted: number;
  readonly preempted: number;
  readonly pendingAtEnd: number;
  /** Quota held, time-averaged over the run. */
  readonly usage: ResourceAmounts;
}

/** A LocalQueue (a tenant's queue). */
export interface LocalQueueMetrics extends QueueFigures {
  readonly name: string;
  readonly namespace: string;
  readonly clusterQueue: string;
}

export interface ClusterQueueMetrics extends QueueFigures {
  readonly name: string;
  readonly cohort: string | null;
  readonly queueingStrategy: string;
  readonly weight: number;
  /** Nominal quota over all flavors. */
  readonly nominal: ResourceAmounts;
  /** Quota used above nominal (borrowed from the cohort), time-averaged. */
  readonly borrowed: ResourceAmounts;
  /** Time-averaged usage / nominal per resource (null where the nominal quota is 0). */
  readonly usageShare: Readonly<Record<QueueResource, number | null>>;
  /** Time-averaged weighted dominant resource share (fair_sharing.go: borrowed / lendable x 1000 / weight; 0 within nominal). */
  readonly dominantResourceShare: number;
}

export interface QueueingResult {
  readonly fairSharing: boolean;
  readonly clusterQueues: readonly ClusterQueueMetrics[];
  readonly localQueues: readonly LocalQueueMetrics[];
  readonly admissionWaitSeconds: DistributionSummary;
  readonly admitted: number;
  readonly preempted: number;
  readonly pendingAtEnd: number;
  /** Jain's index of the tenants' time-averaged weighted DRS: ClusterQueues in a cohort with a LocalQueue (fair-sharing.ts jainIndex). */
  readonly fairness: number;
  /** Time-averaged GPUs admitted / the ClusterQueues' nominal GPU quota (null without GPU quota). */
  readonly gpuAllocation: number | null;
  /** Sampled every sampleInterval: time, then per ClusterQueue cpu (cores), gpu (GPUs) held, pending workloads and weighted DRS. */
  readonly timeseries: { readonly columns: readonly string[]; readonly rows: readonly (readonly number[])[] };
}

/** Base units to a queue owner's: milli-CPU to cores, milli-GPU to GPUs. */
const SCALE = QUEUE_RESOURCES.map((r) => (r === 'cpu' || r === 'nvidia.com/gpu' ? 1000 : 1));
const GPU = QUEUE_RESOURCES.indexOf('nvidia.com/gpu');
const CPU = QUEUE_RESOURCES.indexOf('cpu');

/** Per-queue figures kept during the run. */
interface Figures {
  readonly waits: SampleBuffer;
  admitted: number;
  preempted: number;
  pending: number;
  /** Integral of usage per resource over time (base units x seconds). */
  readonly area: Float64Array;
}

const figures = (): Figures => ({ waits: new SampleBuffer(), admitted: 0, preempted: 0, pending: 0, area: new Float64Array(RESOURCE_COUNT) });

/**
 * Kueue's metrics (the queue owner's view): a subscriber to the Workload hooks that keeps its own
 * copy of the quota usage, integrates it over time and samples it. Lives beside the controller,
 * so results of runs without queueing are untouched.
 */
export class KueueRecorder {
  private readonly q: QuotaState;
  private readonly cqs: Figures[];
  private readonly lqs: Figures[];
  /** LocalQueue index by "namespace/name", and its ClusterQueue index. */
  private readonly lqIndex: Map<string, number>;
  private readonly lqCq: Int32Array;
  /** Per LocalQueue: quota held now, per resource (base units). */
  private readonly lqUsage: Float64Array[];
  private readonly borrowedArea: Float64Array[];
  private readonly drsArea: Float64Array;
  private readonly all = new SampleBuffer();
  private lastT = 0;
  private readonly rows: number[][] = [];
  private readonly evSample: number;

  constructor(private readonly api: Lifecycle, private readonly config: QueueingConfig, private readonly horizon: number, private readonly sampleInterval: number) {
    this.q = new QuotaState(config.flavors, config.clusterQueues);
    this.cqs = config.clusterQueues.map(figures);
    this.lqs = config.localQueues.map(figures);
    this.lqIndex = new Map(config.localQueues.map((lq, i) => [`${lq.namespace}/${lq.name}`, i]));
    this.lqCq = Int32Array.from(config.localQueues, (lq) => config.clusterQueues.findIndex((c) => c.name === lq.clusterQueue));
    this.lqUsage = config.localQueues.map(() => new Float64Array(RESOURCE_COUNT));
    this.borrowedArea = config.clusterQueues.map(() => new Float64Array(RESOURCE_COUNT));
    this.drsArea = new Float64Array(config.clusterQueues.length);
    this.evSample = api.engine.defineEvent('kueue-sample', () => this.sample());
    const lqOf = (id: number) => {
      const wl = api.kueueWorkloads[id]!;
      return this.lqIndex.get(`${wl.namespace}/${wl.queue}`) ?? -1;
    };
    const pending = (lq: number, d: number) => {
      if (lq < 0) return;
      this.lqs[lq]!.pending += d;
      this.cqs[this.lqCq[lq]!]!.pending += d;
    };
    api.on('kueueWorkloadCreated', (id) => pending(lqOf(id), 1));
    api.on('kueueWorkloadAdmitted', (id) => {
      const wl = api.kueueWorkloads[id]!;
      const lq = lqOf(id);
      pending(lq, -1);
      const wait = api.now - wl.queuedAt;
      this.all.push(wait);
      for (const f of [this.lqs[lq]!, this.cqs[this.lqCq[lq]!]!]) {
        f.admitted++;
        f.waits.push(wait);
      }
      this.hold(lq, wl.admission!.usage, 1);
    });
    api.on('kueueWorkloadEvicted', (id, _reason, admission) => {
      const lq = lqOf(id);
      pending(lq, 1);
      this.hold(lq, admission.usage, -1);
    });
    api.on('kueueWorkloadFinished', (id, admission) => {
      const lq = lqOf(id);
      if (admission) this.hold(lq, admission.usage, -1);
      else pending(lq, -1);
    });
  }

  start(): void {
    if (this.sampleInterval > 0) this.api.engine.scheduleAt(0, this.evSample, 0);
  }

  /** The controller tells of a preemption (the victim's queues count it). */
  preempted(victim: number, _preemptor: number): void {
    const wl = this.api.kueueWorkloads[victim]!;
    const lq = this.lqIndex.get(`${wl.namespace}/${wl.queue}`);
    if (lq === undefined) return;
    this.lqs[lq]!.preempted++;
    this.cqs[this.lqCq[lq]!]!.preempted++;
  }

  private hold(lq: number, usage: Usage, sign: number): void {
    this.advance(this.api.now);
    this.q.add(this.lqCq[lq]!, usage, sign);
    for (const [fr, v] of usage) this.lqUsage[lq]![fr % RESOURCE_COUNT] = this.lqUsage[lq]![fr % RESOURCE_COUNT]! + sign * v;
  }

  /** Integrates usage, borrowing and shares up to `now`. */
  private advance(now: number): void {
    const dt = now - this.lastT;
    if (dt <= 0) return;
    this.lastT = now;
    const q = this.q;
    this.config.clusterQueues.forEach((cq, c) => {
      const area = this.cqs[c]!.area;
      for (let fr = 0; fr < q.frCount; fr++) {
        const u = q.usage[c]![fr]!;
        area[fr % RESOURCE_COUNT] = area[fr % RESOURCE_COUNT]! + u * dt;
        if (q.defined[c]![fr] === 1) this.borrowedArea[c]![fr % RESOURCE_COUNT] = this.borrowedArea[c]![fr % RESOURCE_COUNT]! + Math.max(0, u - q.nominal[c]![fr]!) * dt;
      }
      const s = weightedShare(dominantResourceShare(q, c, cq.fairSharingWeight));
      this.drsArea[c] = this.drsArea[c]! + (Number.isFinite(s) ? s * dt : 0);
    });
    this.lqs.forEach((f, i) => {
      for (let r = 0; r < RESOURCE_COUNT; r++) f.area[r] = f.area[r]! + this.lqUsage[i]![r]! * dt;
    });
  }

  private sample(): void {
    const now = this.api.now;
    this.advance(now);
    const row = [now];
    this.config.clusterQueues.forEach((cq, c) => {
      let cpu = 0;
      let gpu = 0;
      for (let fr = 0; fr < this.q.frCount; fr += RESOURCE_COUNT) {
        cpu += this.q.usage[c]![fr + CPU]!;
        gpu += this.q.usage[c]![fr + GPU]!;
      }
      row.push(cpu / 1000, gpu / 1000, this.cqs[c]!.pending, weightedShare(dominantResourceShare(this.q, c, cq.fairSharingWeight)));
    });
    this.rows.push(row);
    if (now + this.sampleInterval <= this.horizon) this.api.engine.schedule(this.sampleInterval, this.evSample, 0);
  }

  /** The section of the run's result; `pendingIds` lists each ClusterQueue's waiting workloads at the end. */
  result(_pendingIds: readonly (readonly number[])[]): QueueingResult {
    const T = this.horizon;
    this.advance(T);
    const amounts = (area: ArrayLike<number>): ResourceAmounts =>
      Object.fromEntries(QUEUE_RESOURCES.map((r, i) => [r, T > 0 ? area[i]! / T / SCALE[i]! : 0])) as unknown as ResourceAmounts;
    const lq = (i: number): LocalQueueMetrics => {
      const l = this.config.localQueues[i]!;
      const f = this.lqs[i]!;
      return { name: l.name, namespace: l.namespace, clusterQueue: l.clusterQueue, admissionWaitSeconds: summarize(f.waits.sorted()), admitted: f.admitted, preempted: f.preempted, pendingAtEnd: f.pending, usage: amounts(f.area) };
    };
    const q = this.q;
    const clusterQueues = this.config.clusterQueues.map((cq, c): ClusterQueueMetrics => {
      const f = this.cqs[c]!;
      const nominal = new Float64Array(RESOURCE_COUNT);
      for (let fr = 0; fr < q.frCount; fr++) nominal[fr % RESOURCE_COUNT] = nominal[fr % RESOURCE_COUNT]! + q.nominal[c]![fr]!;
      const usage = amounts(f.area);
      const nominalAmounts = amounts(Float64Array.from(nominal, (v) => v * T));
      return {
        name: cq.name, cohort: cq.cohort ?? null, queueingStrategy: cq.queueingStrategy, weight: cq.fairSharingWeight,
        admissionWaitSeconds: summarize(f.waits.sorted()), admitted: f.admitted, preempted: f.preempted, pendingAtEnd: f.pending,
        nominal: nominalAmounts, usage, borrowed: amounts(this.borrowedArea[c]!),
        usageShare: Object.fromEntries(QUEUE_RESOURCES.map((r) => [r, nominalAmounts[r] > 0 ? usage[r] / nominalAmounts[r] : null])) as Record<QueueResource, number | null>,
        dominantResourceShare: T > 0 ? this.drsArea[c]! / T : 0,
      };
    });
    // Tenants: queues in a cohort that a LocalQueue points at (a queue that only lends is no tenant).
    const tenants = new Set(this.config.localQueues.map((l) => l.clusterQueue));
    const inCohorts = clusterQueues.filter((c) => c.cohort !== null && tenants.has(c.name));
    const gpuNominal = clusterQueues.reduce((s, c) => s + c.nominal['nvidia.com/gpu'], 0);
    const gpuUsed = clusterQueues.reduce((s, c) => s + c.usage['nvidia.com/gpu'], 0);
    return {
      fairSharing: this.config.fairSharing.enabled,
      clusterQueues,
      localQueues: this.config.localQueues.map((_, i) => lq(i)),
      admissionWaitSeconds: summarize(this.all.sorted()),
      admitted: clusterQueues.reduce((s, c) => s + c.admitted, 0),
      preempted: clusterQueues.reduce((s, c) => s + c.preempted, 0),
      pendingAtEnd: clusterQueues.reduce((s, c) => s + c.pendingAtEnd, 0),
      fairness: jainIndex(inCohorts.map((c) => c.dominantResourceShare)),
      gpuAllocation: gpuNominal > 0 ? gpuUsed / gpuNominal : null,
      timeseries: { columns: ['time', ...this.config.clusterQueues.flatMap((c) => [`${c.name}.cpu`, `${c.name}.gpu`, `${c.name}.pending`, `${c.name}.drs`])], rows: this.rows },
    };
  }
}

import { clearTally, type HorizontalAutoscaler, type PodMetricSample, type PodTally, type ScaledPod, type TalliedTarget, type TallyQuery } from '../../api/autoscaling.js';
import { milliValue } from '../../util/quantity.js';
import { PodPhase } from '../../api/pod.js';
import { ResourceName, resourceValue, type Resources } from '../../api/resources.js';
import type { Bytes, MilliCPU, MilliGPU } from '../../api/units.js';
import type { Lifecycle, WorkloadRecord } from '../lifecycle.js';
import type { PodTable } from '../pods.js';
import type { ServiceTraffic } from '../service-traffic.js';
import type { ServiceWorkload } from '../../api/workload.js';
import { type Environment, processEnvironment, switchedOn } from '../../util/switches.js';

/** The metrics a pod view serves (HpaState.metricKind). */
const METRIC_NONE = 0;
const METRIC_CPU = 1;
const METRIC_MEMORY = 2;
const METRIC_RPS = 3;

/** Metrics-server resolution: a pod has a sample once it has run this long (and a sample covers this window). */
const METRIC_RESOLUTION = 15;

const NO_REQUESTS: Resources = Object.freeze({ milliCPU: 0 as MilliCPU, memory: 0 as Bytes, milliGPU: 0 as MilliGPU, ephemeralStorage: 0 as Bytes });

/**
 * Where a view stands in its HPA's running tally (HpaState.groups, young): what the replica
 * calculator's rule makes of the pod, as far as it no longer depends on the clock.
 */
const IN_NONE = 0;
/** Failed: ignored. */
const IN_FAILED = 1;
/** Pending: unready. */
const IN_PENDING = 2;
/** Running, not ready: no sample (metric() returns none), so missing. */
const IN_NOT_READY = 3;
/** Running and ready, but its sample or its cpu readiness still depends on the clock: walked at each sync. */
const IN_YOUNG = 4;
/** Running, ready, sampled and past the cpu initialization period: counted, for good (until it changes). */
const IN_SETTLED = 5;

/** The tally's counts of the pods that share one requests object (those of a Deployment do). */
interface RequestGroup {
  readonly requests: Resources;
  all: number;
  pending: number;
  notReady: number;
  settled: number;
  /** The requests' milli-value of the HPA's steady resource (HpaState.steadyResource), NaN without one. */
  readonly steadyRequest: number;
  /** The requests' cpu and memory, the figures of a sample (sampleValue), read without the requests object. */
  readonly milliCPU: number;
  readonly memory: number;
}

/** One HPA's state: its pods as it sees them, and this sync's metric values. */
interface HpaState {
  readonly wr: WorkloadRecord;
  /** The workload's HPA object (one load fewer per sync than through the workload). */
  readonly hpa: HorizontalAutoscaler;
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
  target?: TalliedTarget & { currentReplicas: number; rate: number } | undefined;
  /** Metric values of this sync, shared by the pod views. */
  metricNow: number;
  cpuUtilization: number;
  memoryUtilization: number;
  readonly sample: { value: number; timestamp: number; window: number };
  rpsPerPod: number;
  /** The metric name last asked of the views, and which metric it is (METRIC_*). */
  metricName: string;
  metricKind: number;
  /** Whether the running tally is kept (HpaController's incrementalTally). */
  readonly tally: boolean;
  /** The HPA's cpuInitializationPeriod (when a ready pod settles). */
  readonly initializationPeriod: number;
  /** The running tally: counts per requests object (usually one), and the young views. */
  readonly groups: RequestGroup[];
  readonly young: PodView[];
  /**
   * The resource of the HPA's metric when its syncs may go through syncIfSteady (the tally kept,
   * the HPA offers it, steady syncs on), else undefined; and its samples' milli-unit scale.
   */
  readonly steadyResource: string | undefined;
  readonly steadyScale: number;
  /** The replica calculator's rule for adding pods to a tally (steadyMetric's), for the young views. */
  readonly steadyAddPods: TallyQuery['addPods'] | undefined;
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
  /** IN_*: where the view stands in the running tally. */
  standing = IN_NONE;
  /** The view's place in hs.young while IN_YOUNG. */
  youngAt = -1;
  group: RequestGroup | undefined;
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
    if (this.hs.tally) {
      const groups = this.hs.groups;
      let g = groups.find((x) => x.requests === this.requests);
      if (g === undefined) {
        const steady = this.hs.steadyResource;
        // Remembered once per group: the requests object never changes.
        const steadyRequest = steady === undefined ? NaN : milliValue(resourceValue(this.requests, steady), this.hs.steadyScale);
        groups.push(g = { requests: this.requests, all: 0, pending: 0, notReady: 0, settled: 0, steadyRequest, milliCPU: this.requests.milliCPU, memory: this.requests.memory });
      }
      this.group = g;
      g.all++;
    }
    this.refresh(pods);
  }

  /** Leaves the running tally (the pod is gone). */
  detach(): void {
    if (!this.hs.tally) return;
    this.leave();
    this.group!.all--;
    this.group = undefined;
  }

  /** Takes the view's standing out of the tally's counts. */
  private leave(): void {
    const g = this.group!;
    switch (this.standing) {
      case IN_PENDING: g.pending--; break;
      case IN_NOT_READY: g.notReady--; break;
      case IN_SETTLED: g.settled--; break;
      case IN_YOUNG: {
        const young = this.hs.young;
        const last = young.pop()!;
        if (last !== this) {
          young[this.youngAt] = last;
          last.youngAt = this.youngAt;
        }
        this.youngAt = -1;
        break;
      }
      default: break;
    }
    this.standing = IN_NONE;
  }

  /** Puts the view in the tally as its state says (a ready pod starts young: the sync settles it). */
  private enter(): void {
    const g = this.group!;
    if (this.phase === 'Failed') {
      this.standing = IN_FAILED;
    } else if (this.phase === 'Pending') {
      this.standing = IN_PENDING;
      g.pending++;
    } else if (!this.ready) {
      this.standing = IN_NOT_READY;
      g.notReady++;
    } else {
      this.standing = IN_YOUNG;
      this.youngAt = this.hs.young.push(this) - 1;
    }
  }

  /**
   * Whether, at `now` and at every later time, the tally's rule counts this young view with its
   * sample (given its HPA's sample is a number): metric() has a sample (its Ready transition is
   * a resolution ago, or unknown) and the cpu readiness rule calls it ready (it has a start time
   * and is past the initialization period). Both only become true as time goes on.
   */
  settlesAt(now: number): boolean {
    const times = this.hs.viewTimes;
    const start = times[2 * this.cell]!;
    return !(now - times[2 * this.cell + 1]! < METRIC_RESOLUTION) && !Number.isNaN(start) && !(start + this.hs.initializationPeriod > now);
  }

  /** A young view that settled: counted from now on. */
  settle(): void {
    this.leave();
    this.standing = IN_SETTLED;
    this.group!.settled++;
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
    if (this.hs.tally) {
      this.leave();
      this.enter();
    }
  }

  metric(name: string): PodMetricSample | undefined {
    const hs = this.hs;
    const now = hs.metricNow;
    if (!this.ready || now - hs.viewTimes[2 * this.cell + 1]! < METRIC_RESOLUTION) return undefined;
    const value = sampleValue(hs, name, this.requests.milliCPU, this.requests.memory);
    if (value === undefined) return undefined;
    // One sample object per service, reused: the HPA reads it at once and keeps only numbers.
    const sample = hs.sample;
    sample.value = value;
    sample.timestamp = now;
    return sample;
  }
}

/**
 * The sample a ready, sampled pod with these requests (their cpu and memory) has of metric
 * `name` at this sync, or undefined when the metric has none.
 */
function sampleValue(hs: HpaState, name: string, milliCPU: number, memory: number): number | undefined {
  // Which metric, decided once per name object (comparing a name read from a file with a
  // constant compares characters; the same object again is one pointer comparison).
  if (name !== hs.metricName) {
    hs.metricName = name;
    hs.metricKind = name === 'cpu' ? METRIC_CPU : name === 'memory' ? METRIC_MEMORY : name === 'requests_per_second' ? METRIC_RPS : METRIC_NONE;
  }
  const kind = hs.metricKind;
  let value: number;
  if (kind === METRIC_CPU) value = hs.cpuUtilization * milliCPU;
  else if (kind === METRIC_MEMORY) value = hs.memoryUtilization * memory;
  else if (kind === METRIC_RPS && hs.traffic) value = hs.rpsPerPod;
  else return undefined;
  return Number.isFinite(value) ? value : undefined;
}

/**
 * The replica calculator's tally (hpa-replica-calculator.ts tallyPods) from the running counts:
 * each group's settled, pending and not-ready pods at once, the young views one by one (settling
 * those whose standing no longer depends on the clock). Every sum is of integers, so the result
 * is the walk's as long as they stay below 2^53; past that, or asked at another time or with
 * another initialization period than the HPA's, it declines (false) and the walk runs.
 */
function tallyFromCounts(hs: HpaState, q: TallyQuery, t: PodTally): boolean {
  const now = q.now;
  if (now !== hs.metricNow || q.calc.cpuInitializationPeriod !== hs.initializationPeriod) return false;
  const young = hs.young;
  for (let i = young.length - 1; i >= 0; i--) {
    const view = young[i]!;
    if (view.settlesAt(now)) view.settle();
  }
  clearTally(t);
  const groups = hs.groups;
  for (let i = 0; i < groups.length; i++) {
    const g = groups[i]!;
    if (g.all === 0) continue;
    let request = 0;
    if (q.resource !== undefined) {
      request = milliValue(resourceValue(g.requests, q.resource), q.scale);
      if (!(request > 0)) {
        // calculatePodRequests: the metric is invalid, whatever the sums.
        t.missingRequest = true;
        return true;
      }
    }
    const fallback = Math.trunc((request * q.fallbackUtilization) / 100);
    t.unready += g.pending;
    t.unreadyRequests += g.pending * request;
    t.missing += g.notReady;
    t.missingRequests += g.notReady * request;
    t.missingFallback += g.notReady * fallback;
    if (g.settled === 0) continue;
    const value = sampleValue(hs, q.metricName, g.milliCPU, g.memory);
    if (value === undefined) {
      t.missing += g.settled;
      t.missingRequests += g.settled * request;
      t.missingFallback += g.settled * fallback;
    } else {
      const milli = milliValue(value, q.scale);
      if (!(milli >= 0)) return false;
      t.counted += g.settled;
      t.usage += g.settled * milli;
      t.requests += g.settled * request;
    }
  }
  // Usually none left young: nothing to add.
  if (young.length > 0) q.addPods(young, young.length, q, t);
  if (t.missingRequest) return true;
  return Number.isSafeInteger(t.usage) && Number.isSafeInteger(t.requests) && Number.isSafeInteger(t.unreadyRequests)
    && Number.isSafeInteger(t.missingRequests) && Number.isSafeInteger(t.missingFallback);
}

/**
 * The tally of an HPA none of whose pods is pending, unready or missing a sample or a request of
 * `resource`, as sums (tallyFromCounts' for a Resource metric, whose sample name is the
 * resource's): settles the young views that settle now, as tallyFromCounts would, then returns
 * false wherever that tally would have an unready or missing pod, a missing request or a sum past
 * 2^53; else true with the sums in STEADY.
 */
function steadyTally(hs: HpaState, resource: string, scale: number, now: number): boolean {
  const young = hs.young;
  for (let i = young.length - 1; i >= 0; i--) {
    const view = young[i]!;
    if (view.settlesAt(now)) view.settle();
  }
  STEADY.counted = 0;
  STEADY.usage = 0;
  STEADY.requests = 0;
  const groups = hs.groups;
  for (let i = 0; i < groups.length; i++) if (!addSteadyGroup(hs, groups[i]!, resource, scale)) return false;
  // Usually none left young: nothing to add.
  if (young.length > 0 && !addCountedYoung(hs, resource, scale, now)) return false;
  return Number.isSafeInteger(STEADY.usage) && Number.isSafeInteger(STEADY.requests);
}

/** Adds one request group to STEADY as tallyFromCounts would; false where its tally would not be steady. */
function addSteadyGroup(hs: HpaState, g: RequestGroup, resource: string, scale: number): boolean {
  if (g.all === 0) return true;
  if (g.pending > 0 || g.notReady > 0) return false;
  const request = g.steadyRequest;
  if (!(request > 0)) return false;
  if (g.settled === 0) return true;
  const value = sampleValue(hs, resource, g.milliCPU, g.memory);
  if (value === undefined) return false;
  const milli = milliValue(value, scale);
  if (!(milli >= 0)) return false;
  STEADY.counted += g.settled;
  STEADY.usage += g.settled * milli;
  STEADY.requests += g.settled * request;
  return true;
}

/**
 * Adds the young views to STEADY as tallyFromCounts adds them, through the replica calculator's
 * own rule (steadyMetric's addPods, as the layers keep sim from importing the calculator): for
 * the minutes of a new pod's cpu initialization, a ready view whose sample is a resolution past
 * its Ready transition counts with that sample. False unless every
 * one of them is counted (one just ready has no sample yet): the tally is not steady then.
 */
function addCountedYoung(hs: HpaState, resource: string, scale: number, now: number): boolean {
  const q = YOUNG_QUERY;
  q.metricName = resource;
  q.resource = resource;
  q.cpuReadiness = resource === ResourceName.cpu;
  q.scale = scale;
  q.now = now;
  q.calc = hs.hpa.spec;
  const t = YOUNG_TALLY;
  clearTally(t);
  q.addPods = hs.steadyAddPods!;
  q.addPods(hs.young, hs.young.length, q, t);
  // Young views are Running and ready when they enter (never ignored), so each is counted,
  // unready or missing (a missing request stops the tally before it counts the view).
  if (t.counted !== hs.young.length) return false;
  STEADY.counted += t.counted;
  STEADY.usage += t.usage;
  STEADY.requests += t.requests;
  return true;
}

/** steadyTally's sums, read at once. */
const STEADY = { counted: 0, usage: 0, requests: 0 };

/**
 * addCountedYoung's query and tally, rewritten at each use (resourceUtilizationReplicas' query for
 * the metric; missing views decline, so their fallback utilization is never read).
 */
const YOUNG_QUERY: { -readonly [K in keyof TallyQuery]: TallyQuery[K] } = {
  metricName: '', resource: undefined, cpuReadiness: false, scale: 1, fallbackUtilization: 0, now: 0,
  calc: { tolerance: 0, cpuInitializationPeriod: 0, initialReadinessDelay: 0 }, addPods: () => {},
};
const YOUNG_TALLY: PodTally = { counted: 0, usage: 0, requests: 0, unready: 0, unreadyRequests: 0, missing: 0, missingRequests: 0, missingFallback: 0, missingRequest: false };

/** The HPA's view of its Deployment: its pods, the service's rate, the running tally when kept. */
function newTarget(hs: HpaState): TalliedTarget & { currentReplicas: number; rate: number } {
  const target: TalliedTarget & { currentReplicas: number; rate: number } = {
    currentReplicas: 0,
    pods: hs.podViews,
    rate: NaN,
    external(name: string) {
      return name === 'requests_per_second' && !Number.isNaN(this.rate) ? this.rate : undefined;
    },
  };
  if (hs.tally) target.tallyPods = (q, t) => tallyFromCounts(hs, q, t);
  return target;
}

/** Whether the environment leaves the running tally on (ORCHSIM_NO_HPA_TALLY=1, non-empty and not 0, turns it off). */
export function hpaTallyFromEnv(env: Environment = processEnvironment()): boolean {
  return switchedOn('ORCHSIM_NO_HPA_TALLY', env);
}

/**
 * Whether the environment leaves in-place decisions on (ORCHSIM_NO_HPA_IN_PLACE=1, non-empty and
 * not 0, turns them off: every sync then builds its whole decision, reason included).
 */
export function hpaInPlaceFromEnv(env: Environment = processEnvironment()): boolean {
  return switchedOn('ORCHSIM_NO_HPA_IN_PLACE', env);
}

/**
 * Whether the environment leaves steady syncs on (ORCHSIM_NO_HPA_STEADY_SYNC=1, non-empty and not
 * 0, turns them off: every sync then goes through the HPA's whole reconcile).
 */
export function hpaSteadySyncFromEnv(env: Environment = processEnvironment()): boolean {
  return switchedOn('ORCHSIM_NO_HPA_STEADY_SYNC', env);
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

  /**
   * `incrementalTally`: keep each HPA's pods as running counts by state, so that a sync walks
   * only the pods whose standing still depends on the clock (started or ready within the last
   * few minutes) instead of every pod (issue 23). Results are the same either way (test/sim/
   * hpa-tally-properties.test.ts). Default: on, unless ORCHSIM_NO_HPA_TALLY=1 (read here, when
   * the run is wired).
   *
   * `inPlace`: sync through the HPA's syncInPlace when it has one (a reused decision whose reason
   * is built only when an action is recorded) instead of sync (issue 23). Results are the same
   * either way (test/sim/hpa-tally-properties.test.ts). Default: on, unless
   * ORCHSIM_NO_HPA_IN_PLACE=1.
   *
   * `steadySyncs` (with the tally): a sync whose pods are all counted (none pending, unready or
   * missing a sample; young ones by the calculator's rule) sums the tally's counts itself and
   * goes through the HPA's syncIfSteady when it has one, which decides at once when the count
   * stays (the metric proposes it, or the stabilization holds another proposal back: 99 % of the
   * autoscaled week's syncs) and declines otherwise; the whole reconcile runs then (issue 23). Results are the same either way (test/sim/
   * hpa-tally-properties.test.ts). Default: on, unless ORCHSIM_NO_HPA_STEADY_SYNC=1.
   */
  constructor(
    private readonly api: Lifecycle, private readonly horizon: number, incrementalTally = hpaTallyFromEnv(), private readonly inPlace = hpaInPlaceFromEnv(),
    steadySyncs = hpaSteadySyncFromEnv(),
  ) {
    this.states = api.workloads.map((wr) => {
      const w = wr.w;
      if (w.kind !== 'service' || !w.autoscaler) return undefined;
      const steady = incrementalTally && steadySyncs && w.autoscaler.syncIfSteady !== undefined ? w.autoscaler.steadyMetric : undefined;
      const hs: HpaState = {
        wr,
        hpa: w.autoscaler,
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
        tally: incrementalTally,
        initializationPeriod: w.autoscaler.spec.cpuInitializationPeriod,
        groups: [],
        young: [],
        steadyResource: steady?.resource,
        steadyScale: steady?.scale ?? 1,
        steadyAddPods: steady?.addPods,
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
    view.detach();
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
    const now = this.api.engine.now;
    const hpa = hs.hpa;
    const traffic = hs.traffic;
    if (traffic) traffic.advance(now, wr.ready);
    hs.metricNow = now;
    const rate = traffic ? traffic.rate(now) : NaN;
    hs.cpuUtilization = traffic ? traffic.utilizationAt(rate, wr.ready) : 0;
    hs.rpsPerPod = wr.ready > 0 ? rate / wr.ready : NaN;
    // Most syncs: every pod counted and the count kept (issue 23).
    const steady = hs.steadyResource;
    if (steady !== undefined && steadyTally(hs, steady, hs.steadyScale, now) && hpa.syncIfSteady!(wr.desired, STEADY.counted, STEADY.usage, STEADY.requests, now)) return;
    this.reconcile(wi, hs, rate, now);
  }

  /**
   * A sync through the HPA's whole reconcile, and the Deployment scaled to its decision. Apart
   * from sync: since steady syncs keep young pods and held proposals (issue 23), this runs at about
   * one sync in a hundred, and its rarely updated type feedback (objects whose maps the first
   * scalings deprecated) made every optimized compile of sync be given up ("Maps became deprecated
   * during optimization"; bench/README.md, "Autoscaled week, twelfth pass").
   */
  private reconcile(wi: number, hs: HpaState, rate: number, now: number): void {
    const wr = hs.wr;
    const hpa = hs.hpa;
    const target = (hs.target ??= newTarget(hs));
    target.currentReplicas = wr.desired;
    target.rate = hs.traffic ? rate : NaN;
    const w = wr.w as ServiceWorkload;
    const decision = this.inPlace && hpa.syncInPlace !== undefined ? hpa.syncInPlace(target, now) : hpa.sync(target, now);
    const desired = decision.desiredReplicas;
    if (!Number.isInteger(desired) || desired < 0) throw new Error(`HPA of ${w.name}: desired replicas ${desired} is not a count`);
    if (desired === wr.desired) return;
    this.api.recordAction({ time: now, scaler: `hpa/${w.name}`, action: desired > wr.desired ? 'scale-up' : 'scale-down', target: w.name, from: wr.desired, to: desired, reason: decision.reason });
    this.api.setDesiredReplicas(wi, desired);
  }
}

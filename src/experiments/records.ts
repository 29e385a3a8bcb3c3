import type { RunOutput } from '../scenario/runner.js';

/**
 * One finished run of a comparison or sweep: what `runs.jsonl` holds, a line each. Data only,
 * and a function of (scenario, variant, arm, seed) alone - no wall time - so the same task list
 * gives byte-identical files whatever the number of workers or shards.
 */
export interface RunRecord {
  readonly format: typeof RECORD_FORMAT;
  /** `${variant}|${arm}|${seed}`: unique within a comparison or sweep. */
  readonly id: string;
  /** The scenario variant (a sweep grid point; "base" without a grid). */
  readonly variant: string;
  /** The variant's parameters (dotted scenario paths to values); empty without a grid. */
  readonly params: Readonly<Record<string, unknown>>;
  /** The compared alternative: a scheduler profile or a named variant of the scenario. */
  readonly arm: string;
  readonly seed: number;
  /** Scalar metrics by name (METRICS); null where a run has no value (e.g. MTTR without incidents). */
  readonly metrics: Readonly<Record<string, number | null>>;
  /**
   * Time series for charts, at most MAX_SERIES_POINTS points (evenly strided samples). `time` in
   * seconds; cpu/memory/gpu are requested / allocatable (0..1); pending is the pending pod count;
   * nodes and replicas are present only with autoscaling (nodes present, replicas summed over
   * the scaled services).
   */
  readonly series: {
    readonly time: readonly number[];
    readonly cpu: readonly (number | null)[];
    readonly memory: readonly (number | null)[];
    readonly gpu: readonly (number | null)[];
    readonly pending: readonly (number | null)[];
    readonly nodes?: readonly (number | null)[] | undefined;
    readonly replicas?: readonly (number | null)[] | undefined;
  };
  /** Pending-time quantiles at 0, 1, ..., 100 % in seconds (empty when no pod waited). */
  readonly pendingCdf: readonly number[];
  /**
   * Why the run failed, when a user's plugin or policy failed it (the message names the plugin,
   * pod, node and simulated time); its metrics are then all null and its series empty, so the
   * other arms' runs are compared as usual.
   */
  readonly failure?: string | undefined;
}

type RecordKey = { readonly variant: string; readonly params: Readonly<Record<string, unknown>>; readonly arm: string; readonly seed: number };

/** What identifies a record: its format, id (variant|arm|seed) and the task's key fields. */
function recordHead(task: RecordKey): Pick<RunRecord, 'format' | 'id' | 'variant' | 'params' | 'arm' | 'seed'> {
  return { format: RECORD_FORMAT, id: `${task.variant}|${task.arm}|${task.seed}`, variant: task.variant, params: task.params, arm: task.arm, seed: task.seed };
}

/** The record of a run a plugin failed: no metric, no series, and the failure. */
export function failedRunRecord(task: RecordKey, failure: string): RunRecord {
  return {
    ...recordHead(task),
    metrics: Object.fromEntries(METRICS.map((m) => [m.key, null])),
    series: { time: [], cpu: [], memory: [], gpu: [], pending: [] },
    pendingCdf: [],
    failure,
  };
}

export const RECORD_FORMAT = 1;
export const MAX_SERIES_POINTS = 500;

/** A metric of the comparison tables: its key in RunRecord.metrics, a label, and which way is better. */
export interface MetricInfo {
  readonly key: string;
  readonly label: string;
  readonly unit: string;
  /** Whether a larger value is better (for marking improvements); undefined when neutral. */
  readonly higherIsBetter?: boolean | undefined;
  /**
   * Counts that are 0 in every run of a scenario without the feature (preemption): left out of a
   * variant's table when no run has anything but 0, so comparisons without it read as before.
   */
  readonly omitWhenZero?: boolean | undefined;
}

/** The metrics every record carries (null where a run has none), in table order. */
export const METRICS: readonly MetricInfo[] = [
  { key: 'utilization.cpu', label: 'cpu requested / allocatable (time-averaged)', unit: 'fraction', higherIsBetter: true },
  { key: 'utilization.memory', label: 'memory requested / allocatable (time-averaged)', unit: 'fraction', higherIsBetter: true },
  { key: 'utilization.gpu', label: 'gpu requested / allocatable (time-averaged)', unit: 'fraction', higherIsBetter: true },
  { key: 'stranded.cpu', label: 'cpu stranded: free where memory ran short (share of allocatable, sampled)', unit: 'fraction', higherIsBetter: false },
  { key: 'stranded.memory', label: 'memory stranded: free where cpu ran short (share of allocatable, sampled)', unit: 'fraction', higherIsBetter: false },
  { key: 'stranded.gpu', label: 'gpu stranded: free where cpu or memory ran short (share of GPUs, sampled)', unit: 'fraction', higherIsBetter: false },
  { key: 'pending.mean', label: 'pending time, mean', unit: 's', higherIsBetter: false },
  { key: 'pending.p95', label: 'pending time, p95', unit: 's', higherIsBetter: false },
  { key: 'pending.p99', label: 'pending time, p99', unit: 's', higherIsBetter: false },
  { key: 'waiting.mean', label: 'wait for a node, mean (pods still pending at the end count their wait so far)', unit: 's', higherIsBetter: false },
  { key: 'waiting.p99', label: 'wait for a node, p99 (pods still pending at the end count their wait so far)', unit: 's', higherIsBetter: false },
  { key: 'pods.unschedulable', label: 'pods never scheduled', unit: 'pods', higherIsBetter: false },
  { key: 'pods.failed', label: 'pods failed', unit: 'pods', higherIsBetter: false },
  { key: 'availability.mean', label: 'service availability (mean over services)', unit: 'fraction', higherIsBetter: true },
  { key: 'availability.min', label: 'service availability (worst service)', unit: 'fraction', higherIsBetter: true },
  { key: 'availability.minAvailable', label: 'service availability at minAvailable (worst service)', unit: 'fraction', higherIsBetter: true },
  { key: 'incidents.count', label: 'incidents', unit: 'incidents' },
  { key: 'mttd', label: 'MTTD', unit: 's', higherIsBetter: false },
  { key: 'mttr', label: 'MTTR', unit: 's', higherIsBetter: false },
  { key: 'requests.served', label: 'requests served / offered', unit: 'fraction', higherIsBetter: true },
  { key: 'slo.violationMinutes', label: 'SLO-violation minutes (sum over services)', unit: 'min', higherIsBetter: false },
  { key: 'nodeHours', label: 'node-hours', unit: 'h', higherIsBetter: false },
  { key: 'cost', label: 'cost', unit: 'price', higherIsBetter: false },
  // The lifecycle (issue 18): 0 without a preemption (left out of tables when all 0); null
  // without budgets, rollouts or DaemonSets in the scenario.
  { key: 'preemption.victims', label: 'pods preempted (victims)', unit: 'pods', higherIsBetter: false, omitWhenZero: true },
  { key: 'preemption.lostCpuHours', label: 'cpu-core-hours lost to preemption', unit: 'h', higherIsBetter: false, omitWhenZero: true },
  { key: 'disruption.evictionsBlocked', label: 'evictions refused by a disruption budget (429, retries included)', unit: 'evictions', higherIsBetter: false },
  { key: 'drains.blocked', label: 'drains that did not complete (timed out, blocked, failed or still waiting)', unit: 'drains', higherIsBetter: false },
  { key: 'rollouts.maxDurationSeconds', label: 'longest rollout (open ones to the horizon)', unit: 's', higherIsBetter: false },
  { key: 'rollouts.deadlineExceeded', label: 'rollouts past their progress deadline', unit: 'rollouts', higherIsBetter: false },
  { key: 'rollouts.minAvailable', label: 'fewest available replicas during a rollout', unit: 'pods', higherIsBetter: true },
  { key: 'daemonSets.cpuShare', label: 'daemon pods cpu requested / allocatable (at the horizon)', unit: 'fraction' },
  // Kueue (issue 20): null without a queueing section. Per queue: QUEUE_METRICS below.
  { key: 'queueing.admissionWaitMean', label: 'Kueue: time to admission, mean (all queues)', unit: 's', higherIsBetter: false },
  { key: 'queueing.admissionWaitP95', label: 'Kueue: time to admission, p95 (all queues)', unit: 's', higherIsBetter: false },
  { key: 'queueing.pendingAtEnd', label: 'Kueue: workloads still queued at the end', unit: 'workloads', higherIsBetter: false },
  { key: 'queueing.preempted', label: 'Kueue: workloads preempted (evicted)', unit: 'workloads', higherIsBetter: false },
  { key: 'queueing.fairness', label: "Kueue: Jain's index of the queues' weighted dominant resource shares", unit: 'fraction', higherIsBetter: true },
  { key: 'queueing.gpuAllocation', label: 'Kueue: GPUs admitted / nominal GPU quota (time-averaged)', unit: 'fraction', higherIsBetter: true },
  // Gangs (issue 20): null without PodGroups in the scenario.
  { key: 'gangs.scheduled', label: 'gangs scheduled (minMember bound)', unit: 'gangs', higherIsBetter: true },
  { key: 'gangs.timedOut', label: 'gang waits at Permit timed out', unit: 'gangs', higherIsBetter: false },
  { key: 'gangs.waitMeanSeconds', label: 'gang wait mean (first pod created to minMember bound)', unit: 's', higherIsBetter: false },
  { key: 'gangs.waitP95Seconds', label: 'gang wait p95', unit: 's', higherIsBetter: false },
  { key: 'gangs.idleGpuShare', label: 'GPU held idle by gangs (reserved, or bound while incomplete) / allocatable', unit: 'fraction', higherIsBetter: false },
  { key: 'gangs.idleCpuShare', label: 'cpu held idle by gangs / allocatable', unit: 'fraction', higherIsBetter: false },
];

/**
 * Per-queue metrics, keyed `queue.<LocalQueue>.<metric>` (a tenant's queue) and
 * `clusterQueue.<ClusterQueue>.<metric>`: present only in runs with queueing, so comparisons
 * without it read as before.
 */
export const QUEUE_METRICS: readonly (Omit<MetricInfo, 'key'> & { readonly metric: string })[] = [
  { metric: 'admissionWaitMean', label: 'time to admission, mean', unit: 's', higherIsBetter: false },
  { metric: 'admissionWaitP95', label: 'time to admission, p95', unit: 's', higherIsBetter: false },
  { metric: 'admissionWaitP99', label: 'time to admission, p99', unit: 's', higherIsBetter: false },
  { metric: 'admitted', label: 'admissions', unit: 'workloads', higherIsBetter: true },
  { metric: 'pendingAtEnd', label: 'workloads still queued at the end', unit: 'workloads', higherIsBetter: false },
  { metric: 'preempted', label: 'workloads preempted', unit: 'workloads', higherIsBetter: false },
  { metric: 'cpuUsage', label: 'cpu quota held (cores, time-averaged)', unit: 'cores' },
  { metric: 'gpuUsage', label: 'GPU quota held (GPUs, time-averaged)', unit: 'GPUs' },
  { metric: 'dominantResourceShare', label: 'weighted dominant resource share (time-averaged)', unit: 'per mille' },
];

/** The MetricInfo of a per-queue key (`queue.NAME.METRIC`, `clusterQueue.NAME.METRIC`; names may hold dots), or undefined. */
export function queueMetricInfo(key: string): MetricInfo | undefined {
  const m = /^(queue|clusterQueue)\.(.+)\.([A-Za-z][A-Za-z0-9]*)$/.exec(key);
  if (!m) return undefined;
  const q = QUEUE_METRICS.find((x) => x.metric === m[3]);
  if (!q || (m[1] === 'queue' && q.metric === 'dominantResourceShare')) return undefined;
  return { key, label: `${m[1] === 'queue' ? 'queue' : 'cluster queue'} ${m[2]}: ${q.label}`, unit: q.unit, higherIsBetter: q.higherIsBetter };
}

/**
 * Per-workload metrics of batch streams and Jobs, keyed `workload.<name>.<metric>`: how long
 * their pods waited for a node (scheduled pods), and how many still wait at the end - where a
 * starving workload shows (8-GPU training pods behind smaller ones).
 */
export const WORKLOAD_METRICS: readonly (Omit<MetricInfo, 'key'> & { readonly metric: string })[] = [
  { metric: 'waitMean', label: 'wait for a node, mean (scheduled pods)', unit: 's', higherIsBetter: false },
  { metric: 'waitP95', label: 'wait for a node, p95 (scheduled pods)', unit: 's', higherIsBetter: false },
  { metric: 'waitMax', label: 'wait for a node, longest (scheduled pods)', unit: 's', higherIsBetter: false },
  { metric: 'pendingAtEnd', label: 'pods still waiting at the end', unit: 'pods', higherIsBetter: false },
];

/** The MetricInfo of a per-workload key (`workload.NAME.METRIC`), or undefined. */
export function workloadMetricInfo(key: string): MetricInfo | undefined {
  const m = /^workload\.(.+)\.([A-Za-z][A-Za-z0-9]*)$/.exec(key);
  if (!m) return undefined;
  const w = WORKLOAD_METRICS.find((x) => x.metric === m[2]);
  return w ? { key, label: `workload ${m[1]}: ${w.label}`, unit: w.unit, higherIsBetter: w.higherIsBetter } : undefined;
}

/** A per-queue or per-workload key's MetricInfo (the keys that exist only in some runs), or undefined. */
export function dynamicMetricInfo(key: string): MetricInfo | undefined {
  return queueMetricInfo(key) ?? workloadMetricInfo(key);
}

function workloadMetrics(m: RunOutput['result']['metrics']): Record<string, number | null> {
  const out: Record<string, number | null> = {};
  for (const w of m.workloads) {
    if (w.kind !== 'batch' && w.kind !== 'job') continue;
    const p = w.pendingSeconds;
    out[`workload.${w.name}.waitMean`] = p.count > 0 ? p.mean : null;
    out[`workload.${w.name}.waitP95`] = p.count > 0 ? p.p95 : null;
    out[`workload.${w.name}.waitMax`] = p.count > 0 ? p.max : null;
    out[`workload.${w.name}.pendingAtEnd`] = w.pending;
  }
  return out;
}

/** The queueing metrics of a run: the METRICS ones (null without queueing) and the per-queue ones (absent without). */
function queueingMetrics(m: RunOutput['result']['metrics']): Record<string, number | null> {
  const q = m.queueing;
  const out: Record<string, number | null> = {
    'queueing.admissionWaitMean': q && q.admissionWaitSeconds.count > 0 ? q.admissionWaitSeconds.mean : null,
    'queueing.admissionWaitP95': q && q.admissionWaitSeconds.count > 0 ? q.admissionWaitSeconds.p95 : null,
    'queueing.pendingAtEnd': q ? q.pendingAtEnd : null,
    'queueing.preempted': q ? q.preempted : null,
    'queueing.fairness': q ? finite(q.fairness) : null,
    'queueing.gpuAllocation': q?.gpuAllocation != null ? finite(q.gpuAllocation) : null,
  };
  if (!q) return out;
  const put = (prefix: string, x: NonNullable<typeof q>['localQueues'][number], drs?: number) => {
    const w = x.admissionWaitSeconds;
    out[`${prefix}.admissionWaitMean`] = w.count > 0 ? w.mean : null;
    out[`${prefix}.admissionWaitP95`] = w.count > 0 ? w.p95 : null;
    out[`${prefix}.admissionWaitP99`] = w.count > 0 ? w.p99 : null;
    out[`${prefix}.admitted`] = x.admitted;
    out[`${prefix}.pendingAtEnd`] = x.pendingAtEnd;
    out[`${prefix}.preempted`] = x.preempted;
    out[`${prefix}.cpuUsage`] = finite(x.usage.cpu);
    out[`${prefix}.gpuUsage`] = finite(x.usage['nvidia.com/gpu']);
    if (drs !== undefined) out[`${prefix}.dominantResourceShare`] = finite(drs);
  };
  for (const c of q.clusterQueues) put(`clusterQueue.${c.name}`, { ...c, namespace: '', clusterQueue: c.name }, c.dominantResourceShare);
  for (const l of q.localQueues) put(`queue.${l.name}`, l);
  return out;
}

const finite = (x: number): number | null => (Number.isFinite(x) ? x : null);

/** Indexes of at most `max` rows, evenly strided, always with the first and the last. */
function strided(n: number, max: number): number[] {
  if (n <= max) return Array.from({ length: n }, (_, i) => i);
  const out: number[] = [];
  for (let k = 0; k < max; k++) out.push(Math.round((k * (n - 1)) / (max - 1)));
  return out;
}

/** The lifecycle's metrics of a run (see METRICS): preemption, budgets and drains, rollouts, DaemonSets, gangs. */
function lifecycleMetrics(m: RunOutput['result']['metrics'], horizon: number): Record<string, number | null> {
  const d = m.disruption;
  // A rollout still open at the horizon (stuck, or past its deadline) lasted at least until then.
  const duration = (r: NonNullable<typeof m.rollouts>[number]) => (Number.isFinite(r.durationSeconds) ? r.durationSeconds : horizon - r.start);
  const rollouts = m.rollouts ?? [];
  const g = m.gangs;
  return {
    'preemption.victims': m.preemption?.victims ?? 0,
    'preemption.lostCpuHours': m.preemption?.lostCpuHours ?? 0,
    'disruption.evictionsBlocked': d ? d.evictions.blocked : null,
    'drains.blocked': d ? d.drains.started - d.drains.completed : null,
    'rollouts.maxDurationSeconds': rollouts.length > 0 ? finite(Math.max(...rollouts.map(duration))) : null,
    'rollouts.deadlineExceeded': rollouts.length > 0 ? rollouts.filter((r) => Number.isFinite(r.deadlineExceededAt)).length : null,
    'rollouts.minAvailable': rollouts.length > 0 ? Math.min(...rollouts.map((r) => r.minAvailable)) : null,
    'daemonSets.cpuShare': m.daemonSets ? finite(m.daemonSets.share.cpu) : null,
    'gangs.scheduled': g ? g.scheduled : null,
    'gangs.timedOut': g ? g.timedOut : null,
    'gangs.waitMeanSeconds': g && g.waitSeconds.count > 0 ? g.waitSeconds.mean : null,
    'gangs.waitP95Seconds': g && g.waitSeconds.count > 0 ? g.waitSeconds.p95 : null,
    'gangs.idleGpuShare': g ? finite(g.heldIdle.gpuShare) : null,
    'gangs.idleCpuShare': g ? finite(g.heldIdle.cpuShare) : null,
  };
}

/** The record of one run. */
export function toRunRecord(
  task: { readonly variant: string; readonly params: Readonly<Record<string, unknown>>; readonly arm: string; readonly seed: number },
  out: RunOutput,
): RunRecord {
  const m = out.result.metrics;
  const services = m.availability;
  const scaled = m.autoscaling?.services ?? [];
  const withTraffic = scaled.filter((s) => s.requests !== null);
  const offered = withTraffic.reduce((a, s) => a + s.requests!.offered, 0);
  const served = withTraffic.reduce((a, s) => a + s.requests!.served, 0);
  const incidents = m.incidents;
  const metrics: Record<string, number | null> = {
    'utilization.cpu': finite(m.utilization.cpu),
    'utilization.memory': finite(m.utilization.memory),
    'utilization.gpu': out.result.cluster.allocatable.gpu > 0 ? finite(m.utilization.gpu) : null,
    'stranded.cpu': m.stranded ? finite(m.stranded.cpu) : null,
    'stranded.memory': m.stranded ? finite(m.stranded.memory) : null,
    'stranded.gpu': m.stranded?.gpu != null ? finite(m.stranded.gpu) : null,
    'pending.mean': m.pendingSeconds.count > 0 ? m.pendingSeconds.mean : null,
    'pending.p95': m.pendingSeconds.count > 0 ? m.pendingSeconds.p95 : null,
    'pending.p99': m.pendingSeconds.count > 0 ? m.pendingSeconds.p99 : null,
    'waiting.mean': out.waitingSeconds.count > 0 ? out.waitingSeconds.mean : null,
    'waiting.p99': out.waitingSeconds.count > 0 ? out.waitingSeconds.p99 : null,
    'pods.unschedulable': m.pods.unschedulable,
    'pods.failed': m.pods.failed,
    'availability.mean': services.length > 0 ? finite(services.reduce((a, s) => a + s.availability, 0) / services.length) : null,
    'availability.min': services.length > 0 ? finite(Math.min(...services.map((s) => s.availability))) : null,
    'availability.minAvailable': services.length > 0 ? finite(Math.min(...services.map((s) => s.availabilityMin))) : null,
    'incidents.count': incidents.count,
    mttd: incidents.mttdSeconds.count > 0 ? finite(incidents.mttdSeconds.mean) : null,
    mttr: incidents.mttrSeconds.count > 0 ? finite(incidents.mttrSeconds.mean) : null,
    'requests.served': offered > 0 ? served / offered : null,
    'slo.violationMinutes': withTraffic.length > 0 ? scaled.reduce((a, s) => a + (s.slo?.violationMinutes ?? 0), 0) : null,
    nodeHours: m.autoscaling ? m.autoscaling.nodeHours : null,
    cost: m.autoscaling && m.autoscaling.cost > 0 ? m.autoscaling.cost : null,
    ...workloadMetrics(m),
    ...lifecycleMetrics(m, out.result.horizonSeconds),
    ...queueingMetrics(m),
  };
  const ts = out.timeseries;
  const col = (name: string) => ts.columns.indexOf(name);
  const timeCol = col('time');
  const rows = strided(ts.rows.length, MAX_SERIES_POINTS).map((i) => ts.rows[i]!);
  const pick = (c: number) => rows.map((r) => finite(r[c]!));
  let nodes: (number | null)[] | undefined;
  let replicas: (number | null)[] | undefined;
  const a = out.autoscaling?.timeseries;
  if (a && a.rows.length > 0) {
    // The autoscaling series has its own sample times: take its value at or before each sample.
    const at = a.columns.indexOf('time');
    const nodeCol = a.columns.indexOf('nodes');
    const replicaCols = a.columns.map((c, i) => (c.endsWith('.replicas') ? i : -1)).filter((i) => i >= 0);
    nodes = [];
    replicas = [];
    let j = 0;
    for (const r of rows) {
      const t = r[timeCol]!;
      while (j + 1 < a.rows.length && a.rows[j + 1]![at]! <= t) j++;
      const row = a.rows[j]!;
      const before = row[at]! <= t;
      nodes.push(before ? finite(row[nodeCol]!) : null);
      replicas.push(before && replicaCols.length > 0 ? replicaCols.reduce((s, c) => s + row[c]!, 0) : null);
    }
  }
  return {
    ...recordHead(task),
    metrics,
    series: {
      time: rows.map((r) => r[timeCol]!),
      cpu: pick(col('cpu')),
      memory: pick(col('memory')),
      // No GPUs: no GPU series (rather than a line at 0), as for the metric.
      gpu: out.result.cluster.allocatable.gpu > 0 ? pick(col('gpu')) : rows.map(() => null),
      pending: pick(col('pending')),
      ...(nodes ? { nodes, replicas } : {}),
    },
    pendingCdf: out.pendingCdf,
  };
}

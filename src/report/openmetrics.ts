import type { RunOutput, RunResult } from '../scenario/runner.js';
import { SERVICE_FIELDS, ZONE_FIELDS, type SampledState } from '../sim/sampled-state.js';

/**
 * A run's time series as OpenMetrics 1.0 text with timestamps (`metrics.om`), the input of
 * `promtool tsdb create-blocks-from openmetrics`, which turns it into Prometheus TSDB blocks.
 *
 * Names follow Prometheus conventions (prometheus.io/docs/practices/naming): an `orchsim_`
 * prefix, the unit as a suffix (`_ratio`, and a `# UNIT` line saying so), counters as families
 * whose samples end in `_total`; breakdowns are labels (`zone`, `service`, `cluster_queue`).
 * Every sample carries the run's labels (scenario, profile, seed, and in a comparison arm and
 * variant), so the runs of several commands can live in one TSDB side by side.
 *
 * The format's rules that promtool enforces (OpenMetrics 1.0, "Text format"): the samples of a
 * family are together, after its metadata; the points of one series are in increasing timestamp
 * order; timestamps are seconds since the Unix epoch; the file ends with `# EOF`. Simulated time
 * starts at 0, so sample time t is written as `start + t` (start: DEFAULT_METRICS_START unless
 * given; never the wall clock, so the same run gives the same bytes).
 */

/** 2026-01-01T00:00:00Z: where simulated time 0 is put when no start is given (seconds since the epoch). */
export const DEFAULT_METRICS_START = Date.UTC(2026, 0, 1) / 1000;

/** The file name `run --out` (and compare / sweep --openmetrics, per run) writes. */
export const OPENMETRICS_FILE = 'metrics.om';

export type Label = readonly [name: string, value: string];

export interface OpenMetricsOptions {
  /** Seconds since the epoch at simulated time 0. */
  readonly start: number;
  /** Labels on every sample (runLabels). */
  readonly labels: readonly Label[];
}

/** One series: its own labels (besides the run's) and its value at sample i. */
interface Series {
  readonly labels: readonly Label[];
  readonly value: (i: number) => number;
}

/** A metric family; `unit`, when set, is the suffix of its name (OpenMetrics requires it). */
export interface Family {
  readonly name: string;
  readonly type: 'gauge' | 'counter';
  readonly unit?: string | undefined;
  readonly help: string;
  readonly series: readonly Series[];
}

/** The labels that tell one run from another in a shared TSDB. */
export function runLabels(r: RunResult, extra: readonly Label[] = []): Label[] {
  return [['scenario', r.scenario], ['profile', r.profile], ['seed', String(r.seed)], ...(r.orchestrator ? [['orchestrator', r.orchestrator] as const] : []), ...extra];
}

/** `--metrics-start`: an ISO 8601 date-time with a zone ("2026-01-01T00:00:00Z") to seconds since the epoch; undefined if it is not one. */
export function parseMetricsStart(text: string): number | undefined {
  // A zone is required: a local time would make the file depend on the machine's time zone.
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?(Z|[+-]\d{2}:\d{2})$/.test(text)) return undefined;
  const ms = Date.parse(text);
  // Prometheus stores milliseconds since the epoch; before it, or past year 9999, is refused.
  return Number.isFinite(ms) && ms >= 0 && ms <= Date.UTC(9999, 11, 31, 23, 59, 59) ? ms / 1000 : undefined;
}

/** The metric families of a run, in the order they are written. */
export function runFamilies(out: RunOutput): Family[] {
  const ts = out.timeseries;
  const col = (name: string) => {
    const c = ts.columns.indexOf(name);
    if (c < 0) throw new Error(`the time series has no column ${name}`);
    return c;
  };
  const cell = (c: number) => (i: number) => ts.rows[i]![c]!;
  const families: Family[] = [
    ...(['cpu', 'memory', 'gpu'] as const).map((r): Family => ({
      name: `orchsim_cluster_${r}_requested_ratio`,
      type: 'gauge',
      unit: 'ratio',
      help: `${r === 'gpu' ? 'GPUs' : r} requested by bound pods over allocatable, all present nodes`,
      series: [{ labels: [], value: cell(col(r)) }],
    })),
    { name: 'orchsim_pods_pending', type: 'gauge', help: 'Pods created and not yet bound to a node', series: [{ labels: [], value: cell(col('pending')) }] },
    { name: 'orchsim_pods_running', type: 'gauge', help: 'Pods bound to a node (starting or running)', series: [{ labels: [], value: cell(col('running')) }] },
    { name: 'orchsim_pods_completed', type: 'counter', help: 'Pods that ran to completion (Succeeded)', series: [{ labels: [], value: cell(col('completed')) }] },
    ...(out.sampledState ? stateFamilies(out.sampledState) : []),
    ...incidentFamilies(out.incidents, ts.rows.map((r) => r[col('time')]!)),
    ...(out.autoscaling ? autoscalingFamilies(out.autoscaling.timeseries) : []),
    ...(out.queueingTimeseries ? queueingFamilies(out.queueingTimeseries) : []),
  ];
  return families;
}

/** Per zone: requested ratios and nodes; per service: desired and ready replicas; pods created. */
function stateFamilies(s: SampledState): Family[] {
  const width = ZONE_FIELDS.length;
  // Zones in name order, so the file does not depend on which node came first.
  const zones = s.zones.map((name, z) => ({ name, z })).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  // A zone first seen after sample i had no node at i: zeros.
  const zoneField = (z: number, f: number) => (i: number) => s.zoneRows[i]![z * width + f] ?? 0;
  const ratio = (z: number, req: number, alloc: number) => (i: number) => {
    const a = zoneField(z, alloc)(i);
    return a > 0 ? zoneField(z, req)(i) / a : 0;
  };
  const perZone = (value: (z: number) => (i: number) => number) => zones.map(({ name, z }): Series => ({ labels: [['zone', name]], value: value(z) }));
  const resource = (r: 'cpu' | 'memory' | 'gpu', req: number): Family => ({
    name: `orchsim_node_${r}_requested_ratio`,
    type: 'gauge',
    unit: 'ratio',
    help: `${r === 'gpu' ? 'GPUs' : r} requested over allocatable, on the present nodes of a zone`,
    series: perZone((z) => ratio(z, req, req + 1)),
  });
  const sw = SERVICE_FIELDS.length;
  const perService = (f: number) => s.services.map((name, k): Series => ({ labels: [['service', name]], value: (i) => s.serviceRows[i]![k * sw + f]! }));
  return [
    resource('cpu', ZONE_FIELDS.indexOf('reqCPU')),
    resource('memory', ZONE_FIELDS.indexOf('reqMem')),
    resource('gpu', ZONE_FIELDS.indexOf('reqGPU')),
    { name: 'orchsim_node_memory_allocatable_bytes', type: 'gauge', unit: 'bytes', help: 'Allocatable memory of the present nodes of a zone', series: perZone((z) => zoneField(z, ZONE_FIELDS.indexOf('allocMem'))) },
    { name: 'orchsim_nodes', type: 'gauge', help: 'Nodes present in a zone (Ready or not)', series: perZone((z) => zoneField(z, ZONE_FIELDS.indexOf('nodes'))) },
    { name: 'orchsim_nodes_ready', type: 'gauge', help: 'Nodes of a zone the node lifecycle controller sees Ready', series: perZone((z) => zoneField(z, ZONE_FIELDS.indexOf('ready'))) },
    { name: 'orchsim_pods_created', type: 'counter', help: 'Pods created (replacements and retries are new pods)', series: [{ labels: [], value: (i) => s.podsCreated[i]! }] },
    { name: 'orchsim_service_desired_replicas', type: 'gauge', help: 'spec.replicas of a service', series: perService(SERVICE_FIELDS.indexOf('desired')) },
    { name: 'orchsim_service_ready_replicas', type: 'gauge', help: 'Ready replicas of a service, as its availability counts them', series: perService(SERVICE_FIELDS.indexOf('ready')) },
  ];
}

/** Incidents begun so far, and those whose affected replicas are not all running again, at each sample time. */
function incidentFamilies(incidents: RunOutput['incidents'], times: readonly number[]): Family[] {
  const onsets = incidents.map((x) => x.onset).sort((a, b) => a - b);
  // Open: +1 at the onset of an incident that hit replicas, -1 when they are all running again.
  const changes = incidents.filter((x) => x.affectedReplicas > 0).flatMap((x) => [[x.onset, 1] as const, ...(Number.isFinite(x.recovered) ? [[x.recovered, -1] as const] : [])]).sort((a, b) => a[0] - b[0]);
  const total: number[] = [];
  const open: number[] = [];
  let j = 0;
  let k = 0;
  let now = 0;
  for (const t of times) {
    while (j < onsets.length && onsets[j]! <= t) j++;
    while (k < changes.length && changes[k]![0] <= t) now += changes[k++]![1];
    total.push(j);
    open.push(now);
  }
  return [
    { name: 'orchsim_incidents', type: 'counter', help: 'Failure incidents begun (node, rack, zone, GPU and container failures)', series: [{ labels: [], value: (i) => total[i]! }] },
    { name: 'orchsim_incidents_open', type: 'gauge', help: 'Incidents whose affected replicas are not all running again', series: [{ labels: [], value: (i) => open[i]! }] },
  ];
}

/** Services' columns of a series ("web.replicas"), by service in column order. */
function byPrefix(columns: readonly string[], field: string): { readonly name: string; readonly column: number }[] {
  const suffix = `.${field}`;
  return columns.flatMap((c, column) => (c.endsWith(suffix) ? [{ name: c.slice(0, -suffix.length), column }] : []));
}

function autoscalingFamilies(a: NonNullable<RunOutput['autoscaling']>['timeseries']): Family[] {
  const cell = (c: number) => (i: number) => a.rows[i]![c]!;
  const provisioning = a.columns.indexOf('provisioning');
  const services = (field: string, label: string) => byPrefix(a.columns, field).map(({ name, column }): Series => ({ labels: [[label, name]], value: cell(column) }));
  return [
    ...(provisioning >= 0 ? [{ name: 'orchsim_nodes_provisioning', type: 'gauge' as const, help: 'Nodes asked of the cloud and not yet present', series: [{ labels: [], value: cell(provisioning) }] }] : []),
    { name: 'orchsim_service_offered_requests_per_second', type: 'gauge', help: 'Requests per second offered to a service by its load model', series: services('rps', 'service') },
    { name: 'orchsim_service_served_ratio', type: 'gauge', unit: 'ratio', help: 'Share of the offered requests the ready replicas can serve', series: services('served', 'service') },
  ];
}

function queueingFamilies(q: NonNullable<RunOutput['queueingTimeseries']>): Family[] {
  const cell = (c: number) => (i: number) => q.rows[i]![c]!;
  const queues = (field: string) => byPrefix(q.columns, field).map(({ name, column }): Series => ({ labels: [['cluster_queue', name]], value: cell(column) }));
  return [
    { name: 'orchsim_kueue_cluster_queue_cpu_usage_cores', type: 'gauge', unit: 'cores', help: 'CPU cores held by the admitted workloads of a ClusterQueue', series: queues('cpu') },
    { name: 'orchsim_kueue_cluster_queue_gpu_usage_gpus', type: 'gauge', unit: 'gpus', help: 'GPUs held by the admitted workloads of a ClusterQueue', series: queues('gpu') },
    { name: 'orchsim_kueue_cluster_queue_pending_workloads', type: 'gauge', help: 'Workloads of a ClusterQueue waiting for admission', series: queues('pending') },
    { name: 'orchsim_kueue_cluster_queue_weighted_share', type: 'gauge', help: 'Weighted dominant resource share of a ClusterQueue (fair sharing)', series: queues('drs') },
  ];
}

/** A run as OpenMetrics text (see the header). */
export function runOpenMetrics(out: RunOutput, options: OpenMetricsOptions): string {
  const ts = out.timeseries;
  const timeCol = ts.columns.indexOf('time');
  const times = ts.rows.map((r) => r[timeCol]!);
  return openMetricsText(runFamilies(out), times, options);
}

/**
 * Families as OpenMetrics text: each family's TYPE, UNIT and HELP, then its series one after
 * another, each point `name{labels} value timestamp`, then `# EOF`. A family without series is
 * left out (its metadata alone says nothing). A point whose time is not after the series' last
 * one is skipped: promtool refuses a series that goes back in time.
 */
export function openMetricsText(families: readonly Family[], times: readonly number[], options: OpenMetricsOptions): string {
  const lines: string[] = [];
  const seen = new Set<string>();
  const stamps = times.map((t) => formatNumber(options.start + t));
  for (const f of families) {
    if (f.series.length === 0) continue;
    if (seen.has(f.name)) throw new Error(`metric family ${f.name} twice`);
    seen.add(f.name);
    if (f.unit !== undefined && !f.name.endsWith(`_${f.unit}`)) throw new Error(`metric family ${f.name} does not end with its unit ${f.unit}`);
    lines.push(`# TYPE ${f.name} ${f.type}`);
    if (f.unit !== undefined) lines.push(`# UNIT ${f.name} ${f.unit}`);
    lines.push(`# HELP ${f.name} ${escapeHelp(f.help)}`);
    const sample = f.type === 'counter' ? `${f.name}_total` : f.name;
    for (const s of f.series) {
      const head = `${sample}{${[...options.labels, ...s.labels].map(([k, v]) => `${k}="${escapeLabelValue(v)}"`).join(',')}} `;
      let last = -Infinity;
      for (let i = 0; i < times.length; i++) {
        if (!(times[i]! > last)) continue;
        last = times[i]!;
        lines.push(`${head}${formatNumber(s.value(i))} ${stamps[i]}`);
      }
    }
  }
  lines.push('# EOF');
  return lines.join('\n') + '\n';
}

/** A label value per OpenMetrics: backslash, double quote and line feed escaped. */
export function escapeLabelValue(v: string): string {
  return v.replace(/[\\"\n]/g, (c) => (c === '\n' ? '\\n' : `\\${c}`));
}

/** HELP text per OpenMetrics: backslash, double quote and line feed escaped, like a label value. */
function escapeHelp(v: string): string {
  return escapeLabelValue(v);
}

/** Numbers as JavaScript writes them (the shortest text that reads back exactly); the spec's spellings of NaN and infinities. */
export function formatNumber(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Infinity) return '+Inf';
  if (v === -Infinity) return '-Inf';
  return String(v);
}

import type { RunOutput } from '../scenario/runner.js';
import type { Incident } from '../sim/failures.js';
import { SERVICE_FIELDS, ZONE_FIELDS } from '../sim/sampled-state.js';
import { ARM_DASHES } from './arm-style.js';
import { chartFolderFiles, timeUnit, type VegaLiteSpec } from './charts.js';
import { chartFigure, escapeHtml, htmlPage } from './html.js';
import { formatSummary } from './summary.js';

/**
 * The report `orchsim run --out` writes next to result.json: report.html (the run's summary and
 * its charts over time, one self-contained page like the compare report's) and the charts'
 * specs as `charts/<name>.vl.json` (with `--png`, also drawn as `.svg` and `.png`). Drawn from the same data as timeseries.csv and
 * incidents.csv, and from the cluster by zone and service the run samples for metrics.om.
 * A function of the run alone: the same run gives the same files, byte for byte.
 */

export interface RunChart {
  /** File name without extension (`charts/<name>.png`). */
  readonly name: string;
  readonly title: string;
  readonly spec: VegaLiteSpec;
}

// Same plot size as the compare report's charts: fits a report column.
const WIDTH = 600;
const HEIGHT = 240;
const SCHEMA = 'https://vega.github.io/schema/vega-lite/v6.json';
// More samples than a 600-pixel plot shows; a week at one-minute samples (10,080) is thinned to
// this many, evenly, so the page stays small.
const MAX_POINTS = 1000;
// A timeline row per incident up to this many; past it the chart would be taller than a screen.
const MAX_INCIDENT_ROWS = 40;

type Row = Record<string, number | string | null>;

/** Evenly strided sample indices, first and last kept. */
function strided(n: number, max: number): number[] {
  if (n <= max) return Array.from({ length: n }, (_, i) => i);
  return Array.from({ length: max }, (_, k) => Math.round((k * (n - 1)) / (max - 1)));
}

/** Six significant digits: finer than a chart shows, and small inline data. */
const round = (x: number): number | null => (Number.isFinite(x) ? Number(x.toPrecision(6)) : null);

interface OverTime {
  readonly name: string;
  readonly title: string;
  readonly subtitle: string;
  readonly yTitle: string;
  /** Series names in legend order; each gets a colour and a dash pattern (lines that coincide stay visible). */
  readonly series: readonly string[];
  readonly seriesTitle: string;
  readonly rows: readonly Row[];
  readonly unit: string;
  /** Fractions: the y axis fixed to 0..1, so runs compare by eye. */
  readonly fraction?: boolean;
  /** Counts that change in steps hold their value until the next sample. */
  readonly steps?: boolean;
}

function overTimeChart(o: OverTime): RunChart {
  const dashes = o.series.map((_, i) => [...ARM_DASHES[i % ARM_DASHES.length]!]);
  const legend = o.series.length > 1;
  const seriesField = (extra: object) => ({ field: 'series', type: 'nominal', title: o.seriesTitle, scale: { domain: [...o.series], ...extra }, ...(legend ? {} : { legend: null }) });
  return {
    name: o.name,
    title: `${o.title} (${o.subtitle})`,
    spec: {
      $schema: SCHEMA,
      title: { text: o.title, subtitle: o.subtitle, anchor: 'start' },
      width: WIDTH,
      height: HEIGHT,
      data: { values: o.rows },
      mark: { type: 'line', invalid: 'break-paths-show-path-domains', strokeWidth: 2, clip: true, ...(o.steps ? { interpolate: 'step-after' } : {}) },
      encoding: {
        x: { field: 'time', type: 'quantitative', title: `Time (${o.unit})`, scale: { zero: false } },
        y: { field: 'value', type: 'quantitative', title: o.yTitle, ...(o.fraction ? { scale: { domain: [0, 1] } } : {}) },
        color: seriesField({}),
        strokeDash: seriesField({ range: dashes }),
        tooltip: [
          { field: 'series', type: 'nominal', title: o.seriesTitle },
          { field: 'time', type: 'quantitative', title: `Time (${o.unit})`, format: ',.4~g' },
          { field: 'value', type: 'quantitative', title: o.yTitle, format: o.fraction ? '.3f' : ',.4~g' },
        ],
      },
      config: { legend: { symbolType: 'stroke', symbolStrokeWidth: 2 } },
    } as VegaLiteSpec,
  };
}

/** Segments of an incident's timeline: until detected, then until its replicas run again (or the horizon). */
export function incidentSegments(i: Incident, horizon: number): { phase: string; start: number; end: number }[] {
  const fin = Number.isFinite;
  const open = i.affectedReplicas > 0 && !fin(i.recovered);
  // No replicas on the nodes: nothing to recover, the incident lasts while its nodes are down.
  const end = fin(i.recovered) ? i.recovered : i.affectedReplicas === 0 && fin(i.hostsBack) ? i.hostsBack : horizon;
  const detected = fin(i.detected) && i.detected < end ? i.detected : undefined;
  const later = open ? INCIDENT_PHASES[2] : i.affectedReplicas === 0 ? INCIDENT_PHASES[3] : INCIDENT_PHASES[1];
  if (detected === undefined) return [{ phase: open ? INCIDENT_PHASES[2] : later, start: i.onset, end }];
  return [
    { phase: INCIDENT_PHASES[0], start: i.onset, end: detected },
    { phase: later, start: detected, end },
  ];
}

const INCIDENT_PHASES = ['onset to detection', 'detection to replicas running again', 'still open at the horizon', 'detection to nodes back (no replicas on them)'] as const;
const INCIDENT_COLORS = ['#d4a72c', '#0969da', '#cf222e', '#8c959f'];

function incidentChart(incidents: readonly Incident[], horizon: number, unit: { seconds: number; label: string }): RunChart {
  const shown = incidents.slice(0, MAX_INCIDENT_ROWS);
  const labels = shown.map((i) => `#${i.id} ${i.domainKind} ${i.domain}`);
  const rows: Row[] = shown.flatMap((i, k) =>
    incidentSegments(i, horizon).map((s, j) => ({ incident: labels[k]!, phase: s.phase, start: round(s.start / unit.seconds), end: round(s.end / unit.seconds), replicas: i.affectedReplicas, nodes: i.nodes, ...(j === 0 ? { onset: 1 } : {}) })),
  );
  const tooltip = [
    { field: 'incident', type: 'nominal', title: 'Incident' },
    { field: 'phase', type: 'nominal', title: 'Phase' },
    { field: 'start', type: 'quantitative', title: `from (${unit.label})`, format: ',.4~g' },
    { field: 'end', type: 'quantitative', title: `to (${unit.label})`, format: ',.4~g' },
    { field: 'nodes', type: 'quantitative', title: 'nodes' },
    { field: 'replicas', type: 'quantitative', title: 'replicas affected' },
  ];
  const title = 'Incidents: from onset (black tick) to detection and recovery';
  const subtitle = incidents.length > shown.length ? `the first ${shown.length} of ${incidents.length} (all in incidents.csv)` : `${incidents.length} incident${incidents.length === 1 ? '' : 's'} (incidents.csv)`;
  return {
    name: 'incidents',
    title: `${title} (${subtitle})`,
    spec: {
      $schema: SCHEMA,
      title: { text: title, subtitle, anchor: 'start' },
      width: WIDTH,
      height: { step: 16 },
      data: { values: rows },
      encoding: {
        x: { field: 'start', type: 'quantitative', title: `Time (${unit.label})`, scale: { domain: [0, round(horizon / unit.seconds)] } },
        y: { field: 'incident', type: 'nominal', title: null, sort: labels, axis: { labelLimit: 260 } },
      },
      layer: [
        { mark: { type: 'bar', height: 10 }, encoding: { x2: { field: 'end' }, color: { field: 'phase', type: 'nominal', title: 'Phase', scale: { domain: [...INCIDENT_PHASES], range: INCIDENT_COLORS } }, tooltip } },
        // The onset as a mark of its own: an incident of minutes in a run of weeks is thinner
        // than a pixel as a bar.
        { transform: [{ filter: 'datum.onset === 1' }], mark: { type: 'tick', thickness: 2, size: 14, color: '#1f2328' }, encoding: { tooltip } },
      ],
      config: { legend: { orient: 'bottom', direction: 'vertical', labelLimit: 0 } },
    } as VegaLiteSpec,
  };
}

/**
 * The charts of one run, a chart with nothing to show left out: utilization by resource
 * (requested / allocatable; gpu only with GPUs), pending pods, nodes (present and Ready), each
 * service's ready replicas as a share of desired, and the incidents on a timeline.
 */
export function runCharts(out: RunOutput): RunChart[] {
  const ts = out.timeseries;
  const col = (name: string) => ts.columns.indexOf(name);
  const horizon = out.result.horizonSeconds;
  const unit = timeUnit(horizon);
  const at = (t: number) => round(t / unit.seconds);
  const samples = strided(ts.rows.length, MAX_POINTS).map((i) => ts.rows[i]!);
  const time = (r: readonly number[]) => at(r[col('time')]!);
  const charts: RunChart[] = [];
  const about = `scenario ${out.result.scenario}, seed ${out.result.seed}`;

  const resources = ['cpu', 'memory', ...(out.result.cluster.allocatable.gpu > 0 ? ['gpu'] : [])];
  charts.push(overTimeChart({
    name: 'utilization',
    title: 'Requested / allocatable over time, by resource',
    subtitle: about,
    yTitle: 'requested / allocatable',
    series: resources,
    seriesTitle: 'Resource',
    rows: resources.flatMap((res) => samples.map((r) => ({ series: res, time: time(r), value: round(r[col(res)]!) }))),
    unit: unit.label,
    fraction: true,
  }));

  charts.push(overTimeChart({
    name: 'pending',
    title: 'Pending pods over time',
    subtitle: `created and not yet bound to a node; ${about}`,
    yTitle: 'pods',
    series: ['pending'],
    seriesTitle: 'Pods',
    rows: samples.map((r) => ({ series: 'pending', time: time(r), value: r[col('pending')]! })),
    unit: unit.label,
    steps: true,
  }));

  const s = out.sampledState;
  if (s && s.time.length > 0) {
    const idx = strided(s.time.length, MAX_POINTS);
    const width = ZONE_FIELDS.length;
    const sum = (row: readonly number[], field: number) => {
      let n = 0;
      for (let o = field; o < row.length; o += width) n += row[o]!;
      return n;
    };
    const nodesAt = ZONE_FIELDS.indexOf('nodes');
    const readyAt = ZONE_FIELDS.indexOf('ready');
    charts.push(overTimeChart({
      name: 'nodes',
      title: 'Nodes over time',
      subtitle: `present, and Ready as the node lifecycle controller sees them; ${about}`,
      yTitle: 'nodes',
      series: ['present', 'Ready'],
      seriesTitle: 'Nodes',
      rows: [
        ...idx.map((i) => ({ series: 'present', time: at(s.time[i]!), value: sum(s.zoneRows[i]!, nodesAt) })),
        ...idx.map((i) => ({ series: 'Ready', time: at(s.time[i]!), value: sum(s.zoneRows[i]!, readyAt) })),
      ],
      unit: unit.label,
      steps: true,
    }));
    if (s.services.length > 0) {
      const sw = SERVICE_FIELDS.length;
      const desiredAt = SERVICE_FIELDS.indexOf('desired');
      const readyReplicasAt = SERVICE_FIELDS.indexOf('ready');
      charts.push(overTimeChart({
        name: 'availability',
        title: 'Service availability over time: ready replicas / desired',
        subtitle: `a gap where a service wants no replica; ${about}`,
        yTitle: 'ready / desired',
        series: s.services,
        seriesTitle: 'Service',
        rows: s.services.flatMap((name, k) =>
          idx.map((i) => {
            const desired = s.serviceRows[i]![k * sw + desiredAt]!;
            const ready = s.serviceRows[i]![k * sw + readyReplicasAt]!;
            // A surge during a rollout can have more ready than desired: still fully available.
            return { series: name, time: at(s.time[i]!), value: desired > 0 ? round(Math.min(1, ready / desired)) : null };
          }),
        ),
        unit: unit.label,
        fraction: true,
        steps: true,
      }));
    }
  }

  if (out.incidents.length > 0) charts.push(incidentChart(out.incidents, horizon, unit));
  return charts;
}

/** report.html: the run's summary (as the terminal shows it) and its charts, in one file that works offline. */
export function runHtml(out: RunOutput, charts: readonly RunChart[]): string {
  const title = `Run: ${out.result.scenario}`;
  const body = [
    `<h1>${escapeHtml(title)}</h1>`,
    '<p>The data behind the charts: timeseries.csv, incidents.csv and metrics.om in this directory; the whole result in result.json.</p>',
    '<h2>Summary</h2>',
    `<pre class="summary">${escapeHtml(formatSummary(out.result))}</pre>`,
    '<h2>Charts</h2>',
    ...charts.map((c) => chartFigure(c.name, c.title)),
  ];
  return htmlPage(title, body, charts.map((c) => ({ name: c.name, spec: c.spec })));
}

/**
 * `report.html` and `charts/<name>.vl.json`, and with `pictures` also `charts/<name>.svg` and
 * `.png`, composed in memory. The page draws its charts in the browser from the specs, so the
 * pictures are only for where a page cannot go (a Markdown file, a slide): drawing them loads
 * Vega and resvg and takes a second or two, more than the run itself for a small scenario.
 */
export async function runReportFiles(out: RunOutput, options: { readonly pictures?: boolean } = {}): Promise<Record<string, string | Uint8Array>> {
  const charts = runCharts(out);
  const specs = options.pictures
    ? await chartFolderFiles(charts)
    : Object.fromEntries(charts.map((c) => [`charts/${c.name}.vl.json`, JSON.stringify(c.spec, null, 2) + '\n']));
  return { ...specs, 'report.html': runHtml(out, charts) };
}

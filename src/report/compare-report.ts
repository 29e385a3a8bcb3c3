import type { RunRecord } from '../experiments/records.js';
import { chartFolderFiles, timeUnit, type VegaLiteSpec } from './charts.js';
import type { ComparisonResults, MetricComparison } from '../experiments/comparison.js';
import { headline, intervalsNote, metricPhrases, variantViews } from './comparison-view.js';
import { writeFilesAtomically } from '../util/files.js';
import { chartFigure, escapeHtml, htmlPage } from './html.js';
import { escapeControls } from '../util/errors.js';
import type { MeanInterval } from '../util/stats.js';
import { armColor, armDash, armShape, markerIndices } from './arm-style.js';
import { dodged, sweptAxis, sweptGroup, sweptValue } from './swept-axis.js';

/**
 * The report of a comparison or sweep: charts drawn from the run records, tables from the
 * summary (results.json), as Markdown with PNG pictures and as one self-contained HTML page
 * with interactive charts. Everything here is a function of its input - no clock, no random
 * source - so the same runs give the same report, byte for byte.
 */

/** One chart of a report. */
export interface ComparisonChart {
  /** File name without extension (`charts/<name>.png`): short, filesystem-safe, unique in a report. */
  readonly name: string;
  readonly title: string;
  /** The static chart: what `.vl.json`, `.svg` and `.png` hold. */
  readonly spec: VegaLiteSpec;
  /**
   * What report.html draws instead, when it differs: the static chart plus hover layers. Kept
   * out of the pictures because hover targets (a Voronoi cell per sample) would multiply the
   * size of an SVG without showing anything.
   */
  readonly interactive?: VegaLiteSpec | undefined;
}

// Over-time charts of a sweep are drawn for this many variants only: each variant repeats the
// same five or six charts, and past a few the report is a wall of pictures. The per-variant
// numbers are all in the tables and in the metric-against-variant charts.
const MAX_VARIANT_CHARTS = 4;

/** The metrics charted against the variant in a sweep: packing, waiting, staying up. */
const HEADLINE_METRICS = ['utilization.cpu', 'pending.p99', 'availability.mean'] as const;

// Same plot size as lineChart (charts.ts): fits a Markdown/HTML report column.
const WIDTH = 600;
const HEIGHT = 300;
const SCHEMA = 'https://vega.github.io/schema/vega-lite/v6.json';

type Row = Record<string, number | string | null>;

/**
 * Six significant digits: far finer than a chart shows, and a mean over seeds such as
 * 0.30000000000000004 does not bloat the inline data of every spec.
 */
const round = (x: number | null | undefined): number | null => (typeof x === 'number' && Number.isFinite(x) ? Number(x.toPrecision(6)) : null);

/** A file-name part: letters, digits, `_` and `-` only (`pending.p99` -> `pending-p99`). */
function sanitize(text: string): string {
  const s = text.replace(/[^A-Za-z0-9_-]+/g, '-').replace(/-{2,}/g, '-').replace(/^-+|-+$/g, '');
  return s === '' ? 'chart' : s;
}

/** `k=v, ...` of a variant's parameters, as the text report writes them. */
function paramsText(params: Readonly<Record<string, unknown>>): string {
  return Object.entries(params).map(([k, v]) => `${k}=${JSON.stringify(v)}`).join(', ');
}

/**
 * The mean over seeds at each sample time of one series; a time where no seed has a value is
 * kept with null, so the line breaks there instead of joining across the gap. Seeds are summed
 * in plan order, so the floating-point result does not depend on the order of the records.
 */
function meanOverSeeds(
  runs: readonly RunRecord[],
  pick: (r: RunRecord) => readonly (number | null)[] | undefined,
): { time: number; value: number | null }[] {
  const acc = new Map<number, { sum: number; n: number }>();
  for (const r of runs) {
    const values = pick(r);
    if (!values) continue;
    r.series.time.forEach((t, i) => {
      const a = acc.get(t) ?? { sum: 0, n: 0 };
      const v = values[i];
      if (typeof v === 'number' && Number.isFinite(v)) {
        a.sum += v;
        a.n++;
      }
      acc.set(t, a);
    });
  }
  return [...acc.entries()]
    .sort((a, b) => a[0] - b[0])
    .map(([time, a]) => ({ time, value: a.n > 0 ? a.sum / a.n : null }));
}

const hasValue = (values: readonly (number | null)[] | undefined): boolean =>
  values !== undefined && values.some((v) => typeof v === 'number' && Number.isFinite(v));

/**
 * A point layer that shows the sample nearest the pointer, with its values as a tooltip.
 * `nearest` picks through a Voronoi diagram, so the pointer need not hit the point itself.
 */
function hoverLayer(tooltip: readonly { field: string; type: 'quantitative' | 'nominal'; title: string; format?: string }[]) {
  return {
    params: [{ name: 'hover', select: { type: 'point' as const, nearest: true, on: 'pointerover', clear: 'pointerout' } }],
    mark: { type: 'point' as const, filled: true, size: 60, clip: true },
    encoding: {
      opacity: { condition: { param: 'hover', empty: false, value: 1 }, value: 0 },
      tooltip: tooltip.map((t) => ({ ...t })),
    },
  };
}

/**
 * A chart's title: what it shows on the first line, the details (seeds, variant) on a second,
 * smaller one - a single long line would set the width of the picture, and shrink the plot with
 * it wherever the picture is scaled to fit.
 */
interface ChartTitle {
  readonly text: string;
  readonly subtitle: string;
}

const titleSpec = (t: ChartTitle) => ({ text: t.text, ...(t.subtitle ? { subtitle: t.subtitle } : {}), anchor: 'start' as const });
/** The title as one line: the figure's alt text and label. */
const titleText = (t: ChartTitle): string => (t.subtitle ? `${t.text} (${t.subtitle})` : t.text);

interface LinesOptions {
  readonly title: ChartTitle;
  readonly arms: readonly string[];
  /** `symlog`: a log-like axis that still has 0 (pending times: most pods wait 0 s, a few hours). */
  readonly x: { readonly field: string; readonly title: string; readonly format: string; readonly scale?: 'symlog' | undefined };
  readonly y: { readonly field: string; readonly title: string; readonly format: string; readonly domain?: readonly [number, number] };
  readonly rows: readonly Row[];
  /**
   * Several quantities per arm (e.g. nodes and replicas), in this order: one panel each, stacked,
   * with its own y scale (counts of different things need not share one).
   */
  readonly quantities?: readonly string[];
  /** Counts that change in steps (nodes, replicas) hold their value until the next sample. */
  readonly steps?: boolean;
}

/**
 * The rows with `marker: 1` on the samples that get a marker: about ten per line, set at
 * different samples for each arm (arm-style.ts), so coinciding lines still show every arm.
 */
function markRows(rows: readonly Row[], arms: readonly string[], yField: string): Row[] {
  const lines = new Map<string, number[]>();
  rows.forEach((r, i) => {
    const y = r[yField];
    if (typeof y !== 'number') return;
    const key = `${String(r.arm)}\u0000${String(r.quantity ?? '')}`;
    lines.set(key, [...(lines.get(key) ?? []), i]);
  });
  const marked = new Set<number>();
  for (const [key, indices] of lines) {
    const arm = arms.indexOf(key.split('\u0000')[0]!);
    for (const k of markerIndices(indices.length, Math.max(0, arm), arms.length)) marked.add(indices[k]!);
  }
  return rows.map((r, i) => (marked.has(i) ? { ...r, marker: 1 } : { ...r }));
}

/**
 * A line per arm (and quantity) over a continuous x, with its hover variant for the HTML page.
 * Each arm has its colour, dash pattern and marker shape (arm-style.ts), in one legend.
 */
function linesChart(o: LinesOptions): { spec: VegaLiteSpec; interactive: VegaLiteSpec } {
  const line = {
    // Explicit because the default has changed across Vega-Lite versions (see lineChart).
    mark: {
      type: 'line' as const,
      invalid: 'break-paths-show-path-domains' as const,
      strokeWidth: 2,
      clip: true,
      ...(o.steps ? { interpolate: 'step-after' as const } : {}),
    },
    encoding: { strokeDash: armDash(o.arms) },
  };
  const markers = {
    transform: [{ filter: 'datum.marker === 1' }],
    mark: { type: 'point' as const, filled: true, size: 45, opacity: 1, clip: true },
    encoding: { shape: armShape(o.arms) },
  };
  const encoding = {
    // zero: false - time need not start at 0, nor pending times at 0 s.
    x: { field: o.x.field, type: 'quantitative' as const, title: o.x.title, scale: o.x.scale === 'symlog' ? { type: 'symlog' as const } : { zero: false } },
    y: { field: o.y.field, type: 'quantitative' as const, title: o.y.title, ...(o.y.domain ? { scale: { domain: [...o.y.domain] } } : {}) },
    color: armColor(o.arms),
  };
  const tooltip = [
    { field: 'arm', type: 'nominal' as const, title: 'Arm' },
    ...(o.quantities ? [{ field: 'quantity', type: 'nominal' as const, title: 'Quantity' }] : []),
    { field: o.x.field, type: 'quantitative' as const, title: o.x.title, format: o.x.format },
    { field: o.y.field, type: 'quantitative' as const, title: o.y.title, format: o.y.format },
  ];
  const data = { values: markRows(o.rows, o.arms, o.y.field) };
  const head = { $schema: SCHEMA, title: titleSpec(o.title), data };
  // One legend for colour, dash and marker (same field and title): each arm's marker in its
  // colour, with no outline (the dash pattern drawn around a marker reads as noise).
  const legend = { config: { legend: { symbolSize: 90, symbolStrokeWidth: 0 } } };
  const build = (layer: readonly object[]): VegaLiteSpec => {
    if (!o.quantities) return { ...head, width: WIDTH, height: HEIGHT, encoding, layer: structuredClone(layer), ...legend } as VegaLiteSpec;
    return {
      ...head,
      facet: { row: { field: 'quantity', type: 'nominal', title: null, sort: [...o.quantities], header: { labelAngle: 0, labelOrient: 'top', labelAnchor: 'start', labelFontWeight: 'bold', labelFontSize: 12 } } },
      spec: { width: WIDTH, height: Math.round(HEIGHT / 2), encoding, layer: structuredClone(layer) },
      resolve: { scale: { y: 'independent' } },
      ...legend,
    } as VegaLiteSpec;
  };
  return { spec: build([line, markers]), interactive: build([line, markers, hoverLayer(tooltip)]) };
}

/** A summary row per arm (or per arm and variant): the mean and its interval. */
function intervalRow(m: MeanInterval): Row {
  return { mean: round(m.mean), low: round(m.low), high: round(m.high), n: m.n };
}

/**
 * The y scale of means and intervals: fitted to the data (zero: false), except when every value
 * is the same - then a zero-height domain would put one tick labelled 0.000000 mid-plot, so the
 * axis starts at 0 (0 to 1 when the value is 0: no pod waited at any size, say).
 */
function meanScale(rows: readonly Row[]): { zero: boolean } | { domain: [number, number] } {
  const values = rows.flatMap((r) => [r.mean, r.low, r.high]).filter((v): v is number => typeof v === 'number' && Number.isFinite(v));
  const lo = Math.min(...values);
  const hi = Math.max(...values);
  if (values.length === 0 || lo < hi) return { zero: false };
  return lo === 0 ? { domain: [0, 1] } : { zero: true };
}

/**
 * The layers that draw a mean as a point with its confidence interval as a vertical rule. One
 * seed gives no interval (low and high are null): the point alone is drawn, and with no interval
 * in any row there is no rule layer at all (an empty one has no extent for Vega to scale).
 */
function intervalLayers(rows: readonly Row[], yTitle: string, colorLegend: boolean, arms: readonly string[], extraTooltip: readonly { field: string; title: string }[]) {
  const y = { type: 'quantitative' as const, title: yTitle, scale: meanScale(rows) };
  const anyInterval = rows.some((r) => r.low !== null && r.low !== undefined && r.high !== null && r.high !== undefined);
  return [
    ...(anyInterval ? [{
      transform: [{ filter: 'isValid(datum.low) && isValid(datum.high)' }],
      mark: { type: 'rule' as const, strokeWidth: 2 },
      encoding: { y: { field: 'low', ...y }, y2: { field: 'high' }, color: armColor(arms, colorLegend) },
    }] : []),
    {
      mark: { type: 'point' as const, filled: true, size: 70, opacity: 1 },
      encoding: {
        y: { field: 'mean', ...y },
        color: armColor(arms, colorLegend),
        shape: armShape(arms, colorLegend),
        tooltip: [
          { field: 'arm', type: 'nominal' as const, title: 'Arm' },
          ...extraTooltip.map((t) => ({ field: t.field, type: 'nominal' as const, title: t.title })),
          { field: 'mean', type: 'quantitative' as const, title: 'mean', format: '.4~g' },
          { field: 'low', type: 'quantitative' as const, title: 'CI low', format: '.4~g' },
          { field: 'high', type: 'quantitative' as const, title: 'CI high', format: '.4~g' },
          { field: 'n', type: 'quantitative' as const, title: 'seeds' },
        ],
      },
    },
  ];
}

const metricTitle = (m: { readonly label: string; readonly unit: string }): string => (m.unit === 'fraction' ? m.label : `${m.label} (${m.unit})`);

/**
 * The charts of a comparison or sweep, built from the records (time series, pending-time
 * quantiles) and the summary (means and intervals), with the data inline. Per variant, for at
 * most the first four: cpu and memory utilization over time, the pending-time CDF,
 * availability and MTTR with their intervals, GPU allocation (when the cluster has GPUs),
 * nodes and replicas (under autoscaling). With several variants, each headline metric against
 * the variant comes first. A chart with no data is left out, never drawn empty.
 */
export function comparisonCharts(results: ComparisonResults, records: readonly RunRecord[]): ComparisonChart[] {
  const charts: ComparisonChart[] = [];
  const used = new Set<string>();
  const add = (base: string, title: string, spec: VegaLiteSpec, interactive?: VegaLiteSpec) => {
    let name = sanitize(base);
    for (let k = 2; used.has(name); k++) name = `${sanitize(base)}-${k}`;
    used.add(name);
    charts.push({ name, title, spec, ...(interactive ? { interactive } : {}) });
  };
  const arms = results.arms;
  const pct = Math.round(results.confidence * 100);
  const sweep = results.variants.length > 1;

  const byId = new Map<string, RunRecord>();
  for (const r of records) byId.set(r.id, r);

  if (sweep) {
    const axis = sweptAxis(results.variants);
    const groups = axis ? [...new Set(results.variants.map((v) => sweptGroup(axis, v.params)))] : [];
    const facet = axis !== undefined && axis.others.length > 0;
    // The swept value on x (variant names say nothing by themselves); variants that set nothing
    // (a grid of arms only) keep their names, in plan order.
    const x = !axis
      ? { field: 'variant', type: 'ordinal', title: 'Variant', sort: results.variants.map((v) => v.name), axis: { labelAngle: 0 } }
      : axis.numeric
        ? {
            field: 'x',
            type: 'quantitative',
            title: axis.title,
            // Ticks at the swept values only, the arms' points a few pixels either side (dodged).
            scale: { type: axis.log ? 'log' : 'linear', zero: false, nice: false, padding: 30 },
            axis: { values: [...axis.values], labelAngle: 0, grid: false },
          }
        : { field: 'value', type: 'ordinal', title: axis.title, sort: [...axis.values], axis: { labelAngle: 0 } };
    for (const key of HEADLINE_METRICS) {
      const rows: Row[] = [];
      let info: MetricComparison | undefined;
      results.variants.forEach((v, i) => {
        const m = results.groups[i]?.metrics.find((x) => x.key === key);
        if (!m) return;
        info ??= m;
        for (const a of m.arms) {
          if (a.n === 0) continue;
          const swept = axis ? sweptValue(axis, v.params) : undefined;
          rows.push({
            variant: v.name,
            params: paramsText(v.params),
            ...(axis ? { value: swept!, ...(axis.numeric ? { x: dodged(axis, swept as number, arms.indexOf(a.arm), arms.length) } : {}) } : {}),
            ...(facet ? { group: sweptGroup(axis, v.params) } : {}),
            arm: a.arm,
            ...intervalRow(a),
          });
        }
      });
      if (!info || rows.length === 0) continue;
      const heading = { text: `${metricTitle(info)} by ${axis ? axis.path : 'variant'}`, subtitle: `mean with ${pct}% CI over ${results.seeds.length} seeds` };
      const title = titleText(heading);
      const extraTooltip = [{ field: 'variant', title: 'Variant' }, { field: 'params', title: 'Parameters' }];
      const layer = [
        { mark: { type: 'line', strokeWidth: 2 }, encoding: { y: { field: 'mean', type: 'quantitative', title: metricTitle(info), scale: meanScale(rows) }, color: armColor(arms), strokeDash: armDash(arms) } },
        ...intervalLayers(rows, metricTitle(info), true, arms, extraTooltip),
      ];
      const head = { $schema: SCHEMA, title: titleSpec(heading), data: { values: rows }, config: { legend: { symbolStrokeWidth: 0 } } };
      add(`metric-${key}`, title, (facet
        ? {
            ...head,
            // One small multiple per combination of the other grid paths' values, in grid order.
            facet: { field: 'group', type: 'nominal', title: axis.others.join(', '), sort: groups },
            columns: 2,
            spec: { width: 280, height: 200, encoding: { x }, layer },
          }
        : { ...head, width: WIDTH, height: HEIGHT, encoding: { x }, layer }) as VegaLiteSpec);
    }
  }

  results.variants.slice(0, MAX_VARIANT_CHARTS).forEach((variant, vi) => {
    const suffix = sweep ? `-${variant.name}` : '';
    const params = paramsText(variant.params);
    const about = sweep ? `variant ${variant.name}${params ? ` (${params})` : ''}` : '';
    const details = (...parts: string[]) => [...parts, about].filter(Boolean).join('; ');
    // runs[arm] in plan seed order.
    const runs = new Map(arms.map((arm) => [arm, results.seeds.map((seed) => byId.get(`${variant.name}|${arm}|${seed}`)).filter((r): r is RunRecord => r !== undefined)]));
    const all = [...runs.values()].flat();
    if (all.length === 0) return;
    const maxTime = Math.max(0, ...all.map((r) => r.series.time[r.series.time.length - 1] ?? 0));
    const unit = timeUnit(maxTime);
    const seedsText = `mean over ${results.seeds.length} seed${results.seeds.length === 1 ? '' : 's'}`;

    const overTime = (
      base: string,
      title: string,
      yTitle: string,
      fraction: boolean,
      series: readonly { quantity: string; pick: (r: RunRecord) => readonly (number | null)[] | undefined }[],
    ) => {
      const rows: Row[] = [];
      const present: string[] = [];
      for (const s of series) {
        const before = rows.length;
        for (const arm of arms) {
          const points = meanOverSeeds(runs.get(arm)!, s.pick);
          if (!points.some((p) => p.value !== null)) continue;
          for (const p of points) {
            rows.push({ arm, ...(series.length > 1 ? { quantity: s.quantity } : {}), time: round(p.time / unit.seconds), value: round(p.value) });
          }
        }
        if (rows.length > before) present.push(s.quantity);
      }
      if (rows.length === 0) return;
      const heading = { text: title, subtitle: details(seedsText) };
      const { spec, interactive } = linesChart({
        title: heading,
        arms,
        x: { field: 'time', title: `Time (${unit.label})`, format: ',.4~g' },
        y: { field: 'value', title: yTitle, format: fraction ? '.3f' : ',.4~g', ...(fraction ? { domain: [0, 1] as const } : {}) },
        rows,
        ...(series.length > 1 ? { quantities: present } : {}),
        steps: !fraction,
      });
      add(base + suffix, titleText(heading), spec, interactive);
    };

    overTime('utilization', 'CPU requested / allocatable over time', 'cpu requested / allocatable', true, [{ quantity: 'cpu', pick: (r) => r.series.cpu }]);
    overTime('memory', 'Memory requested / allocatable over time', 'memory requested / allocatable', true, [{ quantity: 'memory', pick: (r) => r.series.memory }]);

    // The pending-time CDF: each quantile (0..100 %) averaged over the seeds where pods waited.
    const cdfRows: Row[] = [];
    for (const arm of arms) {
      const cdfs = runs.get(arm)!.map((r) => r.pendingCdf).filter((q) => q.length > 0);
      if (cdfs.length === 0) continue;
      const points = Math.min(...cdfs.map((q) => q.length));
      for (let i = 0; i < points; i++) {
        let sum = 0;
        for (const q of cdfs) sum += q[i]!;
        cdfRows.push({ arm, seconds: round(sum / cdfs.length), fraction: round(points > 1 ? i / (points - 1) : 1) });
      }
    }
    if (cdfRows.length > 0) {
      const heading = { text: 'Pending time CDF', subtitle: details('each quantile averaged over the seeds where pods waited') };
      const { spec, interactive } = linesChart({
        title: heading,
        arms,
        x: { field: 'seconds', title: 'Pending time (s, symmetric log scale)', format: ',.4~g', scale: 'symlog' },
        y: { field: 'fraction', title: 'Fraction of pods', format: '.0%', domain: [0, 1] },
        rows: cdfRows,
      });
      add('pending-cdf' + suffix, titleText(heading), spec, interactive);
    }

    // Availability, MTTR, stranded cpu, Kueue's time to admission and the gangs' wait: a point per
    // arm with its confidence interval from results.json (a metric no arm has is left out).
    const pointCharts = [['availability.mean', 'availability'], ['mttr', 'mttr'], ['stranded.cpu', 'stranded-cpu'], ['queueing.admissionWaitMean', 'admission-wait'], ['gangs.waitMeanSeconds', 'gang-wait']] as const;
    for (const [key, base] of pointCharts) {
      const m = results.groups[vi]?.metrics.find((x) => x.key === key);
      if (!m) continue;
      const rows = m.arms.filter((a) => a.n > 0).map((a) => ({ arm: a.arm, ...intervalRow(a) }));
      if (rows.length === 0) continue;
      const heading = { text: metricTitle(m), subtitle: details(`mean with ${pct}% CI over ${results.seeds.length} seeds`) };
      add(base + suffix, titleText(heading), {
        $schema: SCHEMA,
        title: titleSpec(heading),
        // A step per arm: a few points do not need a 600-pixel-wide plot.
        width: { step: 90 },
        height: HEIGHT,
        data: { values: rows },
        encoding: { x: { field: 'arm', type: 'nominal', title: 'Arm', sort: [...arms], axis: { labelAngle: 0 } } },
        // The unit alone on the axis: the title names the metric, and a long label set
        // vertically would run past the plot's height.
        layer: intervalLayers(rows, m.unit === 's' ? 'seconds' : m.unit, false, arms, []),
      });
    }

    if (all.some((r) => hasValue(r.series.gpu))) {
      overTime('gpu', 'GPU requested / allocatable over time', 'gpu requested / allocatable', true, [{ quantity: 'gpu', pick: (r) => r.series.gpu }]);
    }
    if (all.some((r) => hasValue(r.series.nodes) || hasValue(r.series.replicas))) {
      overTime('autoscaling', 'Nodes and replicas over time under autoscaling', 'count', false, [
        { quantity: 'nodes', pick: (r) => r.series.nodes },
        { quantity: 'replicas', pick: (r) => r.series.replicas },
      ]);
    }
  });
  return charts;
}

/** The rows of one variant's table, as data both the Markdown and the HTML render. */
interface TableCell {
  readonly text: string;
  readonly significant?: boolean;
  readonly direction?: 'better' | 'worse' | undefined;
}

/** Per variant: its heading, the table of the metrics that differ, and the names of those that do not. */
function variantTables(results: ComparisonResults) {
  const others = results.arms.filter((a) => a !== results.baseline);
  const header = ['Metric', ...results.arms, ...others.map((a) => `${a} - ${results.baseline}`)];
  return variantViews(results).map((v) => ({
    heading: v.heading,
    header,
    rows: v.rows.map((r): TableCell[] => [{ text: r.label }, ...r.arms.map((text) => ({ text })), ...r.differences]),
    same: metricPhrases(v.same, v.all),
  }));
}

function seedsText(seeds: readonly number[]): string {
  const consecutive = seeds.length > 2 && seeds.every((s, i) => i === 0 || s === seeds[i - 1]! + 1);
  return consecutive ? `${seeds[0]}..${seeds[seeds.length - 1]}` : seeds.join(', ');
}

/** Per failing arm (and variant), how many runs a user's plugin failed and the first failure. */
function failedRunsLines(results: ComparisonResults, name: (text: string) => string): string[] {
  const failed = results.failedRuns ?? [];
  const groups = new Map<string, typeof failed[number][]>();
  for (const f of failed) groups.set(`${f.variant}|${f.arm}`, [...(groups.get(`${f.variant}|${f.arm}`) ?? []), f]);
  return [...groups.values()].map((runs) => {
    const first = runs[0]!;
    const where = results.variants.length > 1 ? `arm ${name(first.arm)}, variant ${name(first.variant)}` : `arm ${name(first.arm)}`;
    return `Failed, left out of the tables: ${where}, ${runs.length} of ${results.seeds.length} runs (seed${runs.length === 1 ? '' : 's'} ${runs.map((r) => r.seed).join(', ')}); the first: ${name(first.failure ?? '')}`;
  });
}

/** What was compared, in one paragraph (Markdown and HTML share the words). */
function introduction(results: ComparisonResults, name: (text: string) => string = (t) => t): { title: string; headline: string; lines: string[] } {
  const pct = Math.round(results.confidence * 100);
  const expected = results.arms.length * results.variants.length * results.seeds.length;
  const what = results.kind === 'sweep' ? 'Sweep' : 'Comparison';
  return {
    title: `${what}: ${name(results.scenario)}`,
    headline: name(headline(results)),
    lines: [
      `Scenario ${name(results.scenario)}; arms ${results.arms.map(name).join(', ')} (baseline ${name(results.baseline)}); ` +
        `${results.seeds.length} seed${results.seeds.length === 1 ? '' : 's'} (${seedsText(results.seeds)}); ` +
        `${results.variants.length} variant${results.variants.length === 1 ? '' : 's'}; ${results.runs} of ${expected} runs.`,
      `Each arm's cell is the mean over seeds with its ${pct}% confidence interval [low, high]. ` +
        `A difference is arm - ${name(results.baseline)}, paired by seed: runs with the same seed see the same arrivals and failures ` +
        '(common random numbers), so the paired interval is the sharp one. Ratios are in %, their differences in percentage points (pp).',
      name(intervalsNote(results)),
      ...failedRunsLines(results, name),
    ],
  };
}

const mdCell = (text: string): string => text.replace(/\\/g, '\\\\').replace(/\|/g, '\\|').replace(/\n/g, ' ');
/**
 * A name from the input (scenario, arm, variant, a failure message) as Markdown text: the
 * characters Markdown acts on escaped, so a name shows as written and never becomes a link, an
 * image, HTML or a heading; newlines as spaces, control characters escaped.
 */
export const mdText = (text: string): string => escapeControls(text.replace(/\r?\n/g, ' ')).replace(/[\\`*_{}[\]<>#!|~]/g, (c) => `\\${c}`);
const mdAlt = (text: string): string => text.replace(/[[\]\\]/g, (c) => `\\${c}`);

/**
 * `report.md`: what was compared, a table per variant (means with intervals; paired
 * differences against the baseline, significant ones in bold), and the charts as PNGs under
 * `charts/` next to the report.
 */
export function comparisonMarkdown(results: ComparisonResults, charts: readonly ComparisonChart[]): string {
  const pct = Math.round(results.confidence * 100);
  const intro = introduction(results, mdText);
  const out: string[] = [`# ${intro.title}`, '', `**${intro.headline}**`, '', ...intro.lines.flatMap((l) => [l, '']), '## Results', ''];
  out.push(
    `**Bold** with \\*: the difference's ${pct}% interval excludes 0 (significant); ` +
      '(better) or (worse) by the direction of the metric. A `-` is a metric with no value in any run of that arm. ' +
      'Metrics that read the same in every arm are named under the table.',
    '',
  );
  for (const t of variantTables(results)) {
    if (t.heading) out.push(`### ${mdText(t.heading)}`, '');
    if (t.rows.length > 0) {
      out.push(`| ${t.header.map(mdText).join(' | ')} |`, `| ${t.header.map((_, i) => (i === 0 ? '---' : '---:')).join(' | ')} |`);
      for (const row of t.rows) {
        const cells = row.map((c) => {
          const text = mdCell(c.text);
          if (!c.significant) return text;
          return `**${text}**\\*${c.direction ? ` (${c.direction})` : ''}`;
        });
        out.push(`| ${cells.join(' | ')} |`);
      }
      out.push('');
    } else {
      out.push('Every metric reads the same in every arm.', '');
    }
    if (t.same.length > 0) out.push(`No difference: ${mdText(t.same.join('; '))}.`, '');
  }
  if (charts.length > 0) {
    out.push('## Charts', '', 'report.html has the same charts, interactive (tooltips), in one file that works offline.', '');
    for (const c of charts) {
      out.push(`![${mdAlt(c.title)}](charts/${c.name}.png)`, '', `[Vega-Lite spec](charts/${c.name}.vl.json) · [SVG](charts/${c.name}.svg)`, '');
    }
  }
  return out.join('\n');
}

/**
 * `report.html`: the same content as report.md in one file that needs no network and no other
 * file: the tables as HTML, and every chart drawn in the browser by vega-embed from its spec
 * (inlined as JSON) with tooltips, using vega, vega-lite and vega-embed inlined from
 * node_modules. The export action (PNG/SVG) is kept; the ones that open the online editor or
 * show the source are off.
 */
export function comparisonHtml(results: ComparisonResults, charts: readonly ComparisonChart[]): string {
  const pct = Math.round(results.confidence * 100);
  const intro = introduction(results);
  const body: string[] = [
    `<h1>${escapeHtml(intro.title)}</h1>`,
    `<p class="headline" id="headline">${escapeHtml(intro.headline)}</p>`,
    ...intro.lines.map((l) => `<p>${escapeHtml(l)}</p>`),
    '<h2>Results</h2>',
  ];
  body.push(
    `<p><strong>Bold</strong> with *: the difference's ${pct}% interval excludes 0 (significant); ` +
      'green is better and red worse by the direction of the metric. A - is a metric with no value in any run of that arm. ' +
      'Metrics that read the same in every arm are folded under the table.</p>',
  );
  for (const t of variantTables(results)) {
    if (t.heading) body.push(`<h3>${escapeHtml(t.heading)}</h3>`);
    const same = t.same.length > 0
      ? [`<details class="no-difference"><summary>No difference: ${t.same.length} metric${t.same.length === 1 ? '' : 's'} read the same in every arm</summary><ul>${t.same.map((m) => `<li>${escapeHtml(m)}</li>`).join('')}</ul></details>`]
      : [];
    if (t.rows.length === 0) {
      body.push('<p>Every metric reads the same in every arm.</p>', ...same);
      continue;
    }
    body.push('<div class="table-scroll"><table>', `<thead><tr>${t.header.map((h) => `<th scope="col">${escapeHtml(h)}</th>`).join('')}</tr></thead>`, '<tbody>');
    for (const row of t.rows) {
      const cells = row.map((c, i) => {
        if (i === 0) return `<th scope="row">${escapeHtml(c.text)}</th>`;
        const classes = ['number', ...(c.significant ? ['significant'] : []), ...(c.direction ? [c.direction] : [])];
        const title = c.significant ? ` title="significant${c.direction ? `, ${c.direction}` : ''}"` : '';
        // The interval under the mean, smaller: the columns stay narrow and the means read first.
        const at = c.text.indexOf(' [');
        const text = at < 0 ? escapeHtml(c.text) : `${escapeHtml(c.text.slice(0, at))}${c.significant ? '*' : ''} <span class="interval">${escapeHtml(c.text.slice(at + 1))}</span>`;
        return `<td class="${classes.join(' ')}"${title}>${text}${c.significant && at < 0 ? '*' : ''}</td>`;
      });
      body.push(`<tr>${cells.join('')}</tr>`);
    }
    body.push('</tbody>', '</table></div>', ...same);
  }
  if (charts.length > 0) {
    body.push('<h2>Charts</h2>');
    for (const c of charts) {
      body.push(chartFigure(c.name, c.title));
    }
  }
  return htmlPage(intro.title, body, charts.map((c) => ({ name: c.name, spec: c.interactive ?? c.spec })));
}

/**
 * The report's files: `charts/<name>.vl.json|.svg|.png`, `report.md` and `report.html`, all
 * drawn and composed in memory.
 */
export async function comparisonReportFiles(results: ComparisonResults, records: readonly RunRecord[]): Promise<Record<string, string | Uint8Array>> {
  const charts = comparisonCharts(results, records);
  const files = await chartFolderFiles(charts);
  files['report.md'] = comparisonMarkdown(results, charts);
  files['report.html'] = comparisonHtml(results, charts);
  return files;
}

/**
 * Writes the report into dir together with `alongside` (results.json, say) in one atomic set:
 * every chart is drawn and both pages are composed before the first file is written, and no
 * file is renamed into place until all are written, so a failure leaves the previous report
 * and results as they were. Returns the paths written.
 */
export async function writeComparisonReport(dir: string, results: ComparisonResults, records: readonly RunRecord[], alongside: Record<string, string | Uint8Array> = {}): Promise<string[]> {
  return writeFilesAtomically(dir, { ...alongside, ...(await comparisonReportFiles(results, records)) });
}

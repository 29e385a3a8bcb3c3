import type { TopLevelSpec } from 'vega-lite';
import { writeFilesAtomically } from '../util/files.js';

/** A Vega-Lite specification: what reports keep next to each picture, so a chart can be re-drawn. */
export type VegaLiteSpec = TopLevelSpec;

/** One row of chart data: a field name to a number, a category name, or nothing. */
export type ChartRow = Record<string, number | string | null>;

export interface ChannelOptions {
  /** The data field to read. */
  field: string;
  /** The axis or legend title readers see. */
  title: string;
}

export interface LineChartOptions {
  title: string;
  x: ChannelOptions;
  y: ChannelOptions;
  /** Splits the rows into one line per value of this field, with a colour legend. */
  series?: ChannelOptions;
  data: readonly ChartRow[];
  /** Plot area size in CSS pixels (axes, title and legend come on top). */
  width?: number;
  height?: number;
  /** Fixes the y axis, e.g. [0, 1] for a utilization, so charts of several runs compare by eye. */
  yDomain?: [number, number];
}

// 600 x 300: fits a Markdown/HTML report column and keeps an aspect ratio that shows trends.
const DEFAULT_WIDTH = 600;
const DEFAULT_HEIGHT = 300;

/** The time unit of a chart's x axis: seconds for short runs, minutes or hours for long ones. */
export function timeUnit(maxSeconds: number): { readonly seconds: number; readonly label: string } {
  if (maxSeconds >= 2 * 3600) return { seconds: 3600, label: 'h' };
  if (maxSeconds >= 2 * 60) return { seconds: 60, label: 'min' };
  return { seconds: 1, label: 's' };
}

/**
 * A line chart, one line per series. Rows whose x or y is null or not a finite number break the
 * line there instead of being drawn as 0: a missing sample is not a zero sample.
 */
export function lineChart(options: LineChartOptions): VegaLiteSpec {
  const { x, y, series } = options;
  // NaN and Infinity become null here so the spec written to .vl.json (where JSON.stringify
  // turns them into null anyway) is exactly the spec that was rendered.
  const values = options.data.map((row) => {
    const out: ChartRow = {};
    for (const [k, v] of Object.entries(row)) out[k] = typeof v === 'number' && !Number.isFinite(v) ? null : v;
    return out;
  });
  // Numbers on x get a continuous axis; anything else (names, labels) keeps the order of the data.
  const xNumeric = values.every((r) => r[x.field] === null || r[x.field] === undefined || typeof r[x.field] === 'number');
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: { text: options.title, anchor: 'start' },
    width: options.width ?? DEFAULT_WIDTH,
    height: options.height ?? DEFAULT_HEIGHT,
    data: { values },
    // Explicit because the default has changed across Vega-Lite versions (older ones joined the
    // line across a gap, hiding it).
    mark: { type: 'line', invalid: 'break-paths-show-path-domains', strokeWidth: 2, clip: true },
    encoding: {
      // zero: false - a run's time axis need not start at 0 (e.g. after a warm-up).
      x: xNumeric
        ? { field: x.field, type: 'quantitative', title: x.title, scale: { zero: false } }
        : { field: x.field, type: 'ordinal', title: x.title, sort: null },
      y: {
        field: y.field,
        type: 'quantitative',
        title: y.title,
        ...(options.yDomain ? { scale: { domain: [...options.yDomain] } } : {}),
      },
      // sort: null - the legend lists series in the order the caller gave them, not alphabetically.
      ...(series ? { color: { field: series.field, type: 'nominal', title: series.title, sort: null } } : {}),
    },
  };
}

/**
 * Messages from Vega-Lite or Vega while compiling or rendering. Charts come from our own code,
 * so a warning (a dropped channel, a wrong field type) is a bug in that code: it is collected
 * and thrown rather than printed, because only the CLI prints. Closures, not a class: Vega calls
 * the logger's methods detached from the logger, with itself as `this`.
 */
interface Logger {
  level(l?: number): number | Logger;
  error(...args: unknown[]): Logger;
  warn(...args: unknown[]): Logger;
  info(...args: unknown[]): Logger;
  debug(...args: unknown[]): Logger;
}

function collectingLogger(): { logger: Logger; messages: string[] } {
  const messages: string[] = [];
  let level = 2; // vega-util's Warn: keep warnings and errors, ignore info and debug.
  const logger: Logger = {
    level(l) {
      if (l === undefined) return level;
      level = l;
      return logger;
    },
    error(...args) {
      messages.push(`error: ${args.map(String).join(' ')}`);
      return logger;
    },
    warn(...args) {
      if (level >= 2) messages.push(`warning: ${args.map(String).join(' ')}`);
      return logger;
    },
    info: () => logger,
    debug: () => logger,
  };
  return { logger, messages };
}

// resvg draws text only with fonts it can find. Vega writes the generic family "sans-serif";
// DejaVu Sans is the sans-serif font Debian and most Linux images ship (fonts-dejavu-core).
// Where it is missing, resvg falls back to another system font, or draws no text at all when
// the machine has no fonts - the lines, axes and legend swatches are still drawn.
const SANS_SERIF_FAMILY = 'DejaVu Sans';
// 2x: crisp text when the PNG is shown at the SVG's size on a high-density screen.
const PNG_SCALE = 2;

/** Compiles a Vega-Lite spec and draws it, as SVG (vector) and PNG (raster, 2x). */
export async function renderChart(spec: VegaLiteSpec): Promise<{ svg: string; png: Uint8Array }> {
  // Loaded on first use: Vega takes a fifth of a second to load, and most commands draw nothing.
  const [{ parse, View }, { compile }, { renderAsync }] = await Promise.all([import('vega'), import('vega-lite'), import('@resvg/resvg-js')]);
  const { logger, messages } = collectingLogger();
  // A copy: Vega ingests inline data rows in place (it tags each with an id), and the caller's
  // spec may still be written out or rendered again.
  const vegaSpec = compile(structuredClone(spec), { logger }).spec;
  // renderer 'none': no canvas or DOM is needed; toSVG() builds the markup from the scenegraph.
  const view = new View(parse(vegaSpec), { renderer: 'none', logger, logLevel: 2 });
  let svg: string;
  try {
    svg = await view.toSVG();
  } finally {
    view.finalize();
  }
  svg = renumberDefIds(svg);
  if (messages.length > 0) {
    throw new Error(`chart ${JSON.stringify(titleOf(spec))}: ${messages.join('; ')}`);
  }
  const image = await renderAsync(svg, {
    fitTo: { mode: 'zoom', value: PNG_SCALE },
    font: { loadSystemFonts: true, defaultFontFamily: SANS_SERIF_FAMILY, sansSerifFamily: SANS_SERIF_FAMILY },
    logLevel: 'off',
  });
  return { svg, png: new Uint8Array(image.asPng()) };
}

/**
 * Vega numbers clip paths and gradients from process-wide counters (clip1, clip2, ... and
 * gradient_0, ...), so the same chart drawn twice, or two charts drawn concurrently, would get
 * different ids. Numbering them by first appearance in each document makes the SVG a function
 * of the spec alone.
 */
function renumberDefIds(svg: string): string {
  const renamed = new Map<string, string>();
  const count = new Map<string, number>();
  return svg.replace(/(id="|url\(#|href="#)(clip|gradient_)(\d+)(?=[")])/g, (_m, before: string, kind: string, n: string) => {
    let id = renamed.get(kind + n);
    if (id === undefined) {
      const k = (count.get(kind) ?? 0) + 1;
      count.set(kind, k);
      id = `${kind}${k}`;
      renamed.set(kind + n, id);
    }
    return before + id;
  });
}

function titleOf(spec: VegaLiteSpec): unknown {
  const t = 'title' in spec ? spec.title : undefined;
  return typeof t === 'object' && t !== null && 'text' in t ? t.text : t;
}

/**
 * Writes `<basename>.vl.json` (the spec, to re-draw or edit the chart), `<basename>.svg` and
 * `<basename>.png` into dir and returns their paths. Rendering finishes before anything is
 * written, and each file appears under its name only once complete.
 */
export async function writeChart(dir: string, basename: string, spec: VegaLiteSpec): Promise<string[]> {
  return writeFilesAtomically(dir, await chartFiles(basename, spec));
}

/** A chart's three files (`<basename>.vl.json`, `.svg`, `.png`), drawn in memory. */
export async function chartFiles(basename: string, spec: VegaLiteSpec): Promise<Record<string, string | Uint8Array>> {
  const { svg, png } = await renderChart(spec);
  return { [`${basename}.vl.json`]: JSON.stringify(spec, null, 2) + '\n', [`${basename}.svg`]: svg, [`${basename}.png`]: png };
}

/**
 * The files of a report's charts folder: `charts/<name>.vl.json`, `.svg` and `.png` for each,
 * drawn concurrently in memory (nothing is written).
 */
export async function chartFolderFiles(charts: readonly { readonly name: string; readonly spec: VegaLiteSpec }[]): Promise<Record<string, string | Uint8Array>> {
  const drawn = await Promise.all(charts.map((c) => renderChart(c.spec)));
  const files: Record<string, string | Uint8Array> = {};
  charts.forEach((c, i) => {
    files[`charts/${c.name}.vl.json`] = JSON.stringify(c.spec, null, 2) + '\n';
    files[`charts/${c.name}.svg`] = drawn[i]!.svg;
    files[`charts/${c.name}.png`] = drawn[i]!.png;
  });
  return files;
}

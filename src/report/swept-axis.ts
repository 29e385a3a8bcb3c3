/**
 * The x axis of a sweep's metric-against-variant charts: the values the grid sets, not the
 * variant names (v1, v2, ...), which say nothing by themselves. The first grid path is the x
 * axis, numeric values on a continuous scale (so 10, 20, 100 are spaced as numbers are) and
 * anything else in grid order; every other grid path splits the chart into small multiples.
 */

/** A variant of a sweep: its name and the value each grid path takes in it. */
export interface SweptVariant {
  readonly name: string;
  readonly params: Readonly<Record<string, unknown>>;
}

export interface SweptAxis {
  /** The grid path on x (`cluster.pools.0.count`). */
  readonly path: string;
  /** The axis title: the path in words, then the path itself. */
  readonly title: string;
  /** Numbers: a continuous scale; otherwise ordinal in grid order. */
  readonly numeric: boolean;
  /** A log scale: positive numbers spanning a factor of LOG_SPAN or more. */
  readonly log: boolean;
  /** The distinct values on x, in grid order (numbers ascending). */
  readonly values: readonly (number | string)[];
  /** The other grid paths, one small multiple per combination of their values; empty with one path. */
  readonly others: readonly string[];
}

// A grid spanning a factor of 20 or more (1, 10, 100 nodes; 30 s .. 1 h) reads on a log scale:
// on a linear one the small values crowd into the left edge.
const LOG_SPAN = 20;

/** A grid value as a label: numbers and strings as written, anything else as JSON. */
export function valueText(v: unknown): string {
  return typeof v === 'string' ? v : typeof v === 'number' ? String(v) : JSON.stringify(v);
}

/** `camelCase` and `snake_case` to words. */
const words = (segment: string): string => segment.replace(/([a-z0-9])([A-Z])/g, '$1 $2').replace(/[_-]+/g, ' ').toLowerCase();

/** `pools` -> `pool`: a list's item. */
const singular = (segment: string): string => segment.replace(/ies$/, 'y').replace(/(ss|x|ch|sh)es$/, '$1').replace(/([^s])s$/, '$1');

/**
 * A grid path in words, with the path after it so it can be found in the scenario:
 * `cluster.pools.0.count` -> `count of cluster pool 0 (cluster.pools.0.count)`,
 * `workloads.1.replicas` -> `replicas of workload 1 (workloads.1.replicas)`. A one-segment
 * path is its own words.
 */
export function pathInWords(path: string): string {
  const parts = path.split('.');
  // A list index names an item of the list before it: `pools.0` -> `pool 0`.
  const named: string[] = [];
  for (const p of parts) {
    if (/^\d+$/.test(p) && named.length > 0) named.push(`${singular(named.pop()!)} ${p}`);
    else named.push(words(p));
  }
  if (named.length === 1) return named[0] === path ? path : `${named[0]} (${path})`;
  const leaf = named.pop()!;
  return `${leaf} of ${named.join(' ')} (${path})`;
}

/** The axis of a sweep's variants, or undefined when they set nothing (a comparison). */
export function sweptAxis(variants: readonly SweptVariant[]): SweptAxis | undefined {
  const paths = Object.keys(variants[0]?.params ?? {});
  const path = paths[0];
  if (path === undefined) return undefined;
  const raw = variants.map((v) => v.params[path]);
  const numeric = raw.every((v) => typeof v === 'number' && Number.isFinite(v));
  const distinct: (number | string)[] = [];
  for (const v of raw) {
    const x = numeric ? (v as number) : valueText(v);
    if (!distinct.includes(x)) distinct.push(x);
  }
  if (numeric) (distinct as number[]).sort((a, b) => a - b);
  const nums = distinct as number[];
  const log = numeric && nums.length > 2 && nums[0]! > 0 && nums[nums.length - 1]! / nums[0]! >= LOG_SPAN;
  return { path, title: pathInWords(path), numeric, log, values: distinct, others: paths.slice(1) };
}

/** A variant's x value on the axis. */
export function sweptValue(axis: SweptAxis, params: Readonly<Record<string, unknown>>): number | string {
  const v = params[axis.path];
  return axis.numeric ? (v as number) : valueText(v);
}

/** A variant's small multiple: the other paths' values (`workloads.0.replicas=40`), '' with one path. */
export function sweptGroup(axis: SweptAxis, params: Readonly<Record<string, unknown>>): string {
  return axis.others.map((p) => `${p}=${valueText(params[p])}`).join(', ');
}

// Arms at the same swept value are set apart by this fraction of the smallest gap between two
// values, so their intervals do not hide one another (Vega-Lite offsets only discrete axes).
const DODGE = 0.04;

/**
 * Where arm `armIndex` of `arms` is drawn for swept value x: centred on it, the arms a few
 * pixels apart (on a log axis, by a factor). The value itself stays in the data for the axis
 * and the tooltip.
 */
export function dodged(axis: SweptAxis, x: number, armIndex: number, arms: number): number {
  const nums = axis.values as number[];
  if (!axis.numeric || nums.length < 2 || arms < 2) return x;
  const shift = armIndex - (arms - 1) / 2;
  if (axis.log) {
    let gap = Infinity;
    for (let i = 1; i < nums.length; i++) gap = Math.min(gap, Math.log(nums[i]! / nums[i - 1]!));
    return x * Math.exp(shift * DODGE * gap);
  }
  let gap = Infinity;
  for (let i = 1; i < nums.length; i++) gap = Math.min(gap, nums[i]! - nums[i - 1]!);
  return x + shift * DODGE * gap;
}

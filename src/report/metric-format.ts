import type { MetricInfo } from '../experiments/records.js';

/**
 * Numbers of the comparison tables and headlines, written by what the metric is: a ratio as a
 * percentage (its differences in percentage points), a duration in s, min or h, a count as a
 * whole number when it is one. The digits follow the interval: two significant digits of its
 * half-width, and the value rounded to the same decimal place - a mean known to +-0.5 pp is
 * "33.45%", one known to +-20 pp is "33%". Never exponent notation.
 */

export type MetricKind = 'ratio' | 'duration' | 'count' | 'amount';

/** The units of records.ts METRICS that count things (whole numbers per run). */
const COUNT_UNITS: ReadonlySet<string> = new Set(['pods', 'incidents', 'evictions', 'drains', 'rollouts', 'workloads', 'gangs']);

export function metricKind(m: Pick<MetricInfo, 'unit'>): MetricKind {
  if (m.unit === 'fraction') return 'ratio';
  if (m.unit === 's') return 'duration';
  return COUNT_UNITS.has(m.unit) ? 'count' : 'amount';
}

/** A mean with its interval (low, high NaN when unknown: fewer than two seeds). */
export interface Estimate {
  readonly n: number;
  readonly mean: number;
  readonly low: number;
  readonly high: number;
}

export interface FormatOptions {
  /** A difference between arms: ratios in percentage points (pp) rather than %. */
  readonly difference?: boolean;
  /** "+" before positive numbers (differences in a table). */
  readonly signed?: boolean;
  /** The display unit of durations, to write several cells alike; chosen from the values otherwise. */
  readonly timeUnit?: TimeUnit;
}

export interface TimeUnit {
  readonly label: 's' | 'min' | 'h';
  readonly seconds: number;
}

const TIME_UNITS: readonly TimeUnit[] = [{ label: 's', seconds: 1 }, { label: 'min', seconds: 60 }, { label: 'h', seconds: 3600 }];

/** Seconds up to 2 min, minutes up to 2 h, hours beyond: the unit that keeps numbers short. */
export function timeUnitFor(seconds: number): TimeUnit {
  const a = Math.abs(seconds);
  return a >= 7200 ? TIME_UNITS[2]! : a >= 120 ? TIME_UNITS[1]! : TIME_UNITS[0]!;
}

// Finer than this is noise for any metric of a run; coarser than 10^6 never happens.
const MAX_DECIMALS = 6;
const MIN_DECIMALS = -6;

const clampDecimals = (d: number): number => Math.max(MIN_DECIMALS, Math.min(MAX_DECIMALS, d));

/** Decimal places that leave two significant digits of `halfWidth` (negative: rounding to tens, hundreds...). */
export function decimalsForHalfWidth(halfWidth: number): number {
  return clampDecimals(1 - Math.floor(Math.log10(halfWidth)));
}

/**
 * `x` rounded to `decimals` places (negative: to tens, hundreds...), in positional notation;
 * "+" before a positive value when signed. A value that rounds to zero keeps its sign, so the
 * low end of an interval just below 0 still reads as below 0.
 */
export function formatDecimal(x: number, decimals: number, signed = false): string {
  if (!Number.isFinite(x)) return '-';
  let text: string;
  if (Math.abs(x) >= 1e21) {
    // toFixed switches to exponent notation from 1e21 on: write the digits out.
    text = BigInt(Math.round(x)).toString();
  } else if (decimals >= 0) {
    text = x.toFixed(decimals);
  } else {
    const step = 10 ** -decimals;
    text = (Math.round(Math.abs(x) / step) * step).toFixed(0);
    if (x < 0) text = `-${text}`;
  }
  if (x < 0 && !text.startsWith('-')) text = `-${text}`;
  return signed && x > 0 ? `+${text}` : text;
}

/** How a kind of metric is scaled and suffixed for display. */
interface Display {
  readonly factor: number;
  /** Written after the first number of a cell ("33.4% [32.9, 34.0]"). */
  readonly suffix: string;
}

function display(kind: MetricKind, e: Estimate, o: FormatOptions): Display {
  if (kind === 'ratio') return { factor: 100, suffix: o.difference ? ' pp' : '%' };
  if (kind === 'duration') {
    const unit = o.timeUnit ?? timeUnitFor(Math.max(...[e.mean, e.low, e.high].filter(Number.isFinite).map(Math.abs), 0));
    return { factor: 1 / unit.seconds, suffix: ` ${unit.label}` };
  }
  return { factor: 1, suffix: '' };
}

/**
 * Decimal places for a value with no interval (one seed, or all seeds alike): three significant
 * digits, a whole number for a whole count, and never so few that a value other than 0 or 100 %
 * reads as 0 or 100 % (availability 99.97 % is not "100.0%").
 */
function decimalsWithoutInterval(kind: MetricKind, scaled: number, o: FormatOptions): number {
  const a = Math.abs(scaled);
  if (a === 0) return kind === 'ratio' ? 1 : 0;
  if (Number.isInteger(scaled) && kind !== 'ratio') return 0;
  let d = kind === 'ratio' ? 1 : clampDecimals(2 - Math.floor(Math.log10(a)));
  if (kind === 'ratio' || kind === 'count') d = Math.max(0, d);
  const edge = kind === 'ratio' && !o.difference ? [0, 100] : [0];
  while (d < MAX_DECIMALS && edge.some((x) => scaled !== x && Number(scaled.toFixed(d)) === x)) d++;
  return d;
}

/** The decimal places a cell uses, in the display unit (see formatEstimate). */
export function estimateDecimals(kind: MetricKind, e: Estimate, o: FormatOptions = {}): number {
  const { factor } = display(kind, e, o);
  const halfWidth = ((e.high - e.low) / 2) * factor;
  const whole = kind === 'count' && [e.mean, e.low, e.high].every((x) => !Number.isFinite(x) || Number.isInteger(x));
  if (whole) return 0;
  if (e.n >= 2 && Number.isFinite(halfWidth) && halfWidth > 0) return decimalsForHalfWidth(halfWidth);
  return decimalsWithoutInterval(kind, e.mean * factor, o);
}

/**
 * "mean [low, high]" of a metric for a table or a sentence: "33.45% [32.95, 33.95]",
 * "+0.068 pp [-0.002, +0.14]", "5.3 s [1.2, 9.8]", "7.1 h [1.2, 13]", "5.2 [1.0, 9.4]"; the
 * mean alone without an interval, "-" without a value. `decimals` overrides the digits.
 */
export function formatEstimate(kind: MetricKind, e: Estimate, o: FormatOptions = {}, decimals?: number): string {
  if (e.n === 0 || !Number.isFinite(e.mean)) return '-';
  const { factor, suffix } = display(kind, e, o);
  const d = decimals ?? estimateDecimals(kind, e, o);
  const num = (x: number) => formatDecimal(x * factor, d, o.signed);
  const mean = `${num(e.mean)}${suffix}`;
  if (e.n < 2 || !Number.isFinite(e.low) || !Number.isFinite(e.high)) return mean;
  return `${mean} [${num(e.low)}, ${num(e.high)}]`;
}

/** The mean alone, as formatEstimate writes it at `decimals` places. */
export function formatMean(kind: MetricKind, e: Estimate, o: FormatOptions, decimals: number): string {
  return formatEstimate(kind, { ...e, n: Math.min(e.n, 1) }, o, decimals);
}

/** A metric's name for a table row: the unit added where the cells do not show it. */
export function metricLabel(m: Pick<MetricInfo, 'label' | 'unit'>): string {
  const kind = metricKind(m);
  if (kind === 'ratio' || kind === 'duration') return m.label;
  // "pods never scheduled" says its unit already; "cost (price)" does not.
  return new RegExp(`\\b${m.unit.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\b`, 'i').test(m.label) ? m.label : `${m.label} (${m.unit})`;
}

/**
 * A metric's name inside a sentence: the label without its parenthesized explanations, and a
 * statistic put first ("pending time, mean" -> "mean pending time"; "workload etl: wait for a
 * node, p95" -> "workload etl: p95 wait for a node").
 */
export function metricPhrase(m: Pick<MetricInfo, 'label'>): string {
  const text = m.label.replace(/\s*\([^()]*\)/g, '').trim();
  const colon = text.lastIndexOf(': ');
  const prefix = colon < 0 ? '' : text.slice(0, colon + 2);
  const stat = /^(.+), (mean|p\d+|longest)$/.exec(text.slice(prefix.length));
  return stat ? `${prefix}${stat[2]} ${stat[1]}` : text;
}

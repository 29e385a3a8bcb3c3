import type { ComparisonResults, MetricComparison, VariantComparison } from '../experiments/comparison.js';
import type { MetricInfo } from '../experiments/records.js';
import { estimateDecimals, formatEstimate, formatMean, metricKind, metricLabel, metricPhrase, timeUnitFor, type Estimate, type FormatOptions } from './metric-format.js';

/**
 * What the terminal tables, report.md and report.html show of a comparison, as data they all
 * render: per variant the rows that differ between the arms, the metrics that do not (folded
 * under "no difference"), and a headline that says the significant differences in words.
 */

export interface DifferenceCell {
  readonly arm: string;
  readonly text: string;
  readonly significant: boolean;
  /** Whether a significant difference is an improvement, by the metric's direction; undefined when neutral. */
  readonly direction?: 'better' | 'worse' | undefined;
}

export interface MetricRow {
  readonly metric: MetricComparison;
  /** The metric's name with its unit where the cells do not show it. */
  readonly label: string;
  /** One per arm, in plan order: "mean [low, high]". */
  readonly arms: readonly string[];
  /** One per arm other than the baseline: arm - baseline. */
  readonly differences: readonly DifferenceCell[];
}

export interface VariantView {
  readonly variant: string;
  /** "Variant v2 (cluster.nodes=8)" in a sweep; undefined for a plain comparison. */
  readonly heading: string | undefined;
  readonly rows: readonly MetricRow[];
  /** Metrics equal in every arm (to the digits shown) or with every paired difference exactly 0. */
  readonly same: readonly MetricComparison[];
  /** Every metric of the variant (to tell names apart). */
  readonly all: readonly MetricComparison[];
}

/** `k=v, ...` of a variant's parameters, as the reports write them. */
export function paramsText(params: Readonly<Record<string, unknown>>): string {
  return Object.entries(params).map(([k, v]) => `${k}=${JSON.stringify(v)}`).join(', ');
}

function direction(m: MetricComparison, difference: number): 'better' | 'worse' | undefined {
  if (m.higherIsBetter === undefined || difference === 0) return undefined;
  return (difference > 0) === m.higherIsBetter ? 'better' : 'worse';
}

/**
 * Whether a metric shows no difference between the arms: no difference is significant, and
 * either every paired difference is exactly 0 on every seed, or every arm's mean reads the
 * same at the coarsest digits any of them is shown with. One arm alone is never folded.
 */
export function showsNoDifference(m: MetricComparison): boolean {
  if (m.arms.length < 2 || m.differences.some((d) => d.significant)) return false;
  if (m.differences.length > 0 && m.differences.every((d) => d.n > 0 && d.mean === 0 && (d.n < 2 || d.sd === 0))) return true;
  if (m.arms.some((a) => a.n === 0 || !Number.isFinite(a.mean))) return false;
  const kind = metricKind(m);
  const o: FormatOptions = kind === 'duration' ? { timeUnit: timeUnitFor(Math.max(...m.arms.map((a) => Math.abs(a.mean)))) } : {};
  const decimals = Math.min(...m.arms.map((a) => estimateDecimals(kind, a, o)));
  const shown = m.arms.map((a) => formatMean(kind, a, o, decimals));
  return shown.every((s) => s === shown[0]);
}

function metricRow(m: MetricComparison): MetricRow {
  const kind = metricKind(m);
  return {
    metric: m,
    label: metricLabel(m),
    arms: m.arms.map((a) => formatEstimate(kind, a)),
    differences: m.differences.map((d) => ({
      arm: d.arm,
      text: formatEstimate(kind, d, { difference: true, signed: true }),
      significant: d.n > 0 && d.significant,
      direction: d.n > 0 && d.significant ? direction(m, d.mean) : undefined,
    })),
  };
}

function variantView(results: ComparisonResults, g: VariantComparison): VariantView {
  const hasParams = Object.keys(g.params).length > 0;
  return {
    variant: g.variant,
    heading: results.groups.length > 1 || hasParams ? `Variant ${g.variant}${hasParams ? ` (${paramsText(g.params)})` : ''}` : undefined,
    rows: g.metrics.filter((m) => !showsNoDifference(m)).map(metricRow),
    same: g.metrics.filter(showsNoDifference),
    all: g.metrics,
  };
}

export function variantViews(results: ComparisonResults): VariantView[] {
  return results.groups.map((g) => variantView(results, g));
}

/** Differences named in one sentence of the headline; the rest are counted. */
const MAX_PER_SENTENCE = 3;
/** Sentences in the headline (one per arm with a significant difference). */
const MAX_SENTENCES = 3;

/** "raises X by 4.1 pp [3.2, 5.0]" or "lowers X by 12 s [3, 21]": the size of the difference, its interval turned to match. */
function differencePhrase(m: MetricComparison, phrase: string, d: Estimate): string {
  const kind = metricKind(m);
  const up = d.mean > 0;
  const size = up ? d : { n: d.n, mean: -d.mean, low: -d.high, high: -d.low };
  const dir = direction(m, d.mean);
  return `${up ? 'raises' : 'lowers'} ${phrase} by ${formatEstimate(kind, size, { difference: true })}${dir ? ` (${dir})` : ''}`;
}

/** "a, b and c" */
function listText(items: readonly string[]): string {
  return items.length <= 1 ? (items[0] ?? '') : `${items.slice(0, -1).join(', ')} and ${items[items.length - 1]}`;
}

/**
 * One to three sentences in words, listing the significant differences (the paired interval
 * excludes 0): "binpack lowers pods never scheduled by 5.2 [1.0, 9.4] (better) against
 * default." - the largest few per arm (relative to the arms' values), the rest counted. Without any: "No
 * significant difference between the arms over N seeds."
 */
export function headline(results: ComparisonResults): string {
  const seeds = `${results.seeds.length} seed${results.seeds.length === 1 ? '' : 's'}`;
  if (results.arms.length < 2) return `One arm, ${results.baseline}, over ${seeds}: nothing to compare.`;
  const sweep = results.groups.length > 1;
  const sentences: string[] = [];
  let moreArms = 0;
  for (const arm of results.arms.filter((a) => a !== results.baseline)) {
    const found = sweep ? sweepDifferences(results, arm) : compareDifferences(results, arm);
    if (found.length === 0) continue;
    if (sentences.length === MAX_SENTENCES) {
      moreArms++;
      continue;
    }
    const named = found.slice(0, MAX_PER_SENTENCE);
    const rest = found.length - named.length;
    sentences.push(`${arm} ${listText(named)} against ${results.baseline}${rest > 0 ? `; ${rest} more difference${rest === 1 ? '' : 's'} in the table${sweep ? 's' : ''}` : ''}.`);
  }
  if (sentences.length === 0) return `No significant difference between the arms over ${seeds}.`;
  const pct = Math.round(results.confidence * 100);
  const tail = moreArms > 0 ? ` ${moreArms} more arm${moreArms === 1 ? ' differs' : 's differ'} significantly: see the tables.` : '';
  return `${sentences.join(' ')}${tail} (${pct}% intervals over ${seeds}.)`;
}

/** The significant differences of one arm in a comparison (one variant), the largest first. */
function compareDifferences(results: ComparisonResults, arm: string): string[] {
  const g = results.groups[0];
  if (!g) return [];
  const phrases = metricPhrases(g.metrics);
  const found = g.metrics.flatMap((m, i) => m.differences.filter((d) => d.arm === arm && d.n > 0 && d.significant).map((d) => ({ m, d, phrase: phrases[i]! })));
  return found
    .sort((a, b) => relativeSize(b.m, b.d.mean, b.d.arm) - relativeSize(a.m, a.d.mean, a.d.arm))
    .map((x) => differencePhrase(x.m, x.phrase, x.d));
}

/**
 * How large a difference is against the arms' values, 0..2: |difference| / max(|arm mean|,
 * |baseline mean|). The headline names the largest first - MTTR cut from 6 minutes to 37 s
 * before utilization up by 1 pp - and the order of equal sizes is the table's (a stable sort).
 */
function relativeSize(m: MetricComparison, difference: number, arm: string): number {
  const base = m.arms.find((a) => !m.differences.some((d) => d.arm === a.arm))?.mean ?? NaN;
  const other = m.arms.find((a) => a.arm === arm)?.mean ?? NaN;
  const scale = Math.max(Math.abs(base), Math.abs(other));
  return Number.isFinite(scale) && scale > 0 ? Math.abs(difference) / scale : 0;
}

/**
 * The significant differences of one arm across a sweep's variants: a metric that moves the
 * same way in several variants is named once, with the variants and the range of its size
 * ("raises cpu stranded in all 3 variants, by 0.15 pp to 0.21 pp"); the most widespread first.
 */
function sweepDifferences(results: ComparisonResults, arm: string): string[] {
  const found = new Map<string, { m: MetricComparison; phrase: string; up: boolean; sizes: Estimate[]; variants: string[]; size: number }>();
  for (const g of results.groups) {
    const phrases = metricPhrases(g.metrics);
    g.metrics.forEach((m, i) => {
      const d = m.differences.find((x) => x.arm === arm && x.n > 0 && x.significant);
      if (!d) return;
      const up = d.mean > 0;
      const key = `${up ? '+' : '-'}${m.key}`;
      const entry = found.get(key) ?? { m, phrase: phrases[i]!, up, sizes: [], variants: [], size: 0 };
      entry.size = Math.max(entry.size, relativeSize(m, d.mean, arm));
      entry.sizes.push(up ? d : { n: d.n, mean: -d.mean, low: -d.high, high: -d.low });
      entry.variants.push(g.variant);
      found.set(key, entry);
    });
  }
  const total = results.groups.length;
  return [...found.values()]
    .sort((a, b) => b.variants.length - a.variants.length || b.size - a.size)
    .map((e) => {
      const kind = metricKind(e.m);
      const o: FormatOptions = { difference: true };
      const where = e.variants.length === total ? `in all ${total} variants` : `in ${listText(e.variants)}`;
      let size: string;
      if (e.sizes.length === 1) size = formatEstimate(kind, e.sizes[0]!, o);
      else {
        const sorted = [...e.sizes].sort((a, b) => a.mean - b.mean);
        const mean = (x: Estimate) => formatMean(kind, x, o, estimateDecimals(kind, x, o));
        size = `${mean(sorted[0]!)} to ${mean(sorted[sorted.length - 1]!)}`;
      }
      const dir = direction(e.m, e.up ? 1 : -1);
      return `${e.up ? 'raises' : 'lowers'} ${e.phrase} ${where}, by ${size}${dir ? ` (${dir})` : ''}`;
    });
}

/** How the intervals were computed, for the reports' method note. */
export function intervalsNote(results: ComparisonResults): string {
  const pct = Math.round(results.confidence * 100);
  const arms = results.intervals?.arms ?? 'Student t interval of the mean over the seeds';
  const differences = results.intervals?.differences ?? 'paired Student t interval of the per-seed differences';
  return `Intervals (${pct}%): an arm's mean, ${arms}, so it stays within the values the seeds gave (never below 0, never above 100%); a difference, ${differences}.`;
}

/**
 * Each metric's name for a sentence: without its parenthesized explanation, unless that is
 * what tells it from another of `among` ("service availability (worst service)").
 */
export function metricPhrases(metrics: readonly MetricInfo[], among: readonly MetricInfo[] = metrics): string[] {
  const count = new Map<string, number>();
  for (const m of among) count.set(metricPhrase(m), (count.get(metricPhrase(m)) ?? 0) + 1);
  return metrics.map((m) => ((count.get(metricPhrase(m)) ?? 0) > 1 ? m.label : metricPhrase(m)));
}

/** The metrics that do not differ, in words: "pods failed; incidents; MTTR". */
export function metricPhraseList(metrics: readonly MetricComparison[], among: readonly MetricInfo[] = metrics): string {
  return metricPhrases(metrics, among).join('; ');
}

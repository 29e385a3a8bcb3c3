import tQuantile from '@stdlib/stats-base-dists-t-quantile';

/**
 * Confidence intervals for comparisons across seeds. Runs with the same seed share their random
 * arrivals and failures (common random numbers), so two policies are compared by the paired
 * difference of their per-seed results: its interval is usually far narrower than the two
 * separate intervals suggest.
 */

/** A mean with its two-sided confidence interval (Student t, n - 1 degrees of freedom). */
export interface MeanInterval {
  /** Samples used (missing values left out). */
  readonly n: number;
  readonly mean: number;
  /** Sample standard deviation (n - 1 in the denominator); NaN for n < 2. */
  readonly sd: number;
  /** Half the interval's width: t(1 - (1 - confidence) / 2, n - 1) x sd / sqrt(n); NaN for n < 2. */
  readonly halfWidth: number;
  readonly low: number;
  readonly high: number;
}

/** The t quantile the interval uses: t_{(1 + confidence) / 2, df}. */
export function tCritical(confidence: number, df: number): number {
  if (!(confidence > 0 && confidence < 1)) throw new RangeError(`confidence must be in (0, 1), got ${confidence}`);
  if (!(df >= 1)) return NaN;
  return tQuantile(1 - (1 - confidence) / 2, df);
}

/**
 * The mean and its confidence interval over the finite values (null, NaN and infinities are
 * missing data, not zeros). One value gives the mean with an unknown (NaN) interval.
 */
export function meanInterval(values: readonly (number | null | undefined)[], confidence = 0.95): MeanInterval {
  const xs: number[] = [];
  for (const v of values) if (typeof v === 'number' && Number.isFinite(v)) xs.push(v);
  const n = xs.length;
  if (n === 0) return { n, mean: NaN, sd: NaN, halfWidth: NaN, low: NaN, high: NaN };
  let sum = 0;
  for (const x of xs) sum += x;
  const mean = sum / n;
  if (n < 2) return { n, mean, sd: NaN, halfWidth: NaN, low: NaN, high: NaN };
  let ss = 0;
  for (const x of xs) ss += (x - mean) ** 2;
  const sd = Math.sqrt(ss / (n - 1));
  const halfWidth = tCritical(confidence, n - 1) * sd / Math.sqrt(n);
  return { n, mean, sd, halfWidth, low: mean - halfWidth, high: mean + halfWidth };
}

/** A paired difference (candidate - baseline) over the seeds both have a value for. */
export interface PairedDifference extends MeanInterval {
  /** The interval excludes zero: the difference is significant at this confidence. */
  readonly significant: boolean;
}

/**
 * The mean of candidate[i] - baseline[i] over the pairs where both are finite, with its
 * interval (the paired t interval). `significant` when the interval lies wholly above or below 0.
 */
export function pairedDifference(
  candidate: readonly (number | null | undefined)[], baseline: readonly (number | null | undefined)[], confidence = 0.95,
): PairedDifference {
  if (candidate.length !== baseline.length) throw new RangeError(`paired samples differ in length: ${candidate.length} vs ${baseline.length}`);
  const diffs: number[] = [];
  for (let i = 0; i < candidate.length; i++) {
    const a = candidate[i];
    const b = baseline[i];
    if (typeof a === 'number' && typeof b === 'number' && Number.isFinite(a) && Number.isFinite(b)) diffs.push(a - b);
  }
  const m = meanInterval(diffs, confidence);
  // Identical results on every seed: a zero difference, known exactly (not significant).
  const significant = m.n >= 2 && (m.low > 0 || m.high < 0);
  return { ...m, significant };
}

import { createRequire } from 'node:module';
import { grown } from './typed-arrays.js';
import { switchedOn } from './switches.js';

/**
 * Small pure statistics: quantiles and means of a run's metric samples, and confidence
 * intervals across the seeds of an experiment. No formatting here (src/report formats).
 */

/** Quantile of sorted values by linear interpolation between closest ranks (type 7, numpy's default). */
export function quantileSorted(sorted: ArrayLike<number>, q: number): number {
  const n = sorted.length;
  if (n === 0) return NaN;
  if (n === 1) return sorted[0]!;
  const h = (n - 1) * q;
  const lo = Math.floor(h);
  const hi = Math.min(n - 1, lo + 1);
  return sorted[lo]! + (h - lo) * (sorted[hi]! - sorted[lo]!);
}

export function mean(values: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < values.length; i++) s += values[i]!;
  return values.length === 0 ? NaN : s / values.length;
}

/** A growable Float64Array for collecting samples without an object per value. */
export class SampleBuffer {
  private data: Float64Array;
  length = 0;
  /** Sorts samples that are all >= 0 as 64-bit integers (see sorted()); ORCHSIM_NO_INT_SORT=1 turns it off. */
  private readonly intSort = switchedOn('ORCHSIM_NO_INT_SORT');
  /**
   * Whether a sample pushed so far is negative or NaN, noted as it is pushed: a sort then need not
   * look at every sample first to choose the integer sort (the M/M/c's waits: one compare a push
   * instead of a pass of ~30 instructions a sample at the end). ORCHSIM_NO_SAMPLE_SIGNS=1 looks instead.
   */
  private signed = false;
  private readonly signsNoted = switchedOn('ORCHSIM_NO_SAMPLE_SIGNS');
  /**
   * `capacity`: the samples room is made for up front (a run's expected pods; 1024 to 2^21), so
   * a long run does not copy the buffer at each doubling; beyond it, it doubles as it fills.
   */
  constructor(capacity = 1024) {
    this.data = new Float64Array(Math.max(1024, Math.min(capacity, 1 << 21)));
  }
  push(v: number): void {
    if (this.length === this.data.length) this.data = grown(this.data, this.data.length * 2);
    this.data[this.length++] = v;
    if (!(v >= 0)) this.signed = true;
  }
  /**
   * A sorted copy of the samples, in Float64Array#sort's order (-0 before +0, NaN last).
   *
   * When no sample is negative or NaN (waits and durations), the copy is sorted through a
   * BigInt64Array view of the same bytes: the bit patterns of +0, the positive doubles and
   * +Infinity are the non-negative 64-bit integers in the same order, and -0 (the sign bit
   * alone) is the least integer, as -0 comes first among them in the float order - so the
   * bytes end the same. V8 sorts an integer typed array with std::sort's inlined `<`, a float
   * one through a comparison function call per compare (CompareNum, for -0 and NaN): the
   * M/M/c's 200,000 waits were about 1.2% of the run's samples there.
   */
  sorted(): Float64Array {
    return this.sortSamples(this.data.slice(0, this.length));
  }

  /**
   * The same bytes as sorted(), sorted where the samples are, with no copy: a view of the
   * buffer's own storage, valid until the next push or sort. For a caller that reads the samples
   * once, as the run's summary does at the end: the copy of the M/M/c's 200,000 waits was 1.6 MB
   * of fresh pages (~390 page faults). Only the order of the stored samples changes, and nothing
   * reads the samples but sorted() and this, which sort them.
   */
  sortedInPlace(): Float64Array {
    return this.sortSamples(this.data.subarray(0, this.length));
  }

  private sortSamples(samples: Float64Array): Float64Array {
    if (!this.intSort || (this.signsNoted && this.signed)) return samples.sort();
    if (!this.signsNoted) for (let i = 0; i < samples.length; i++) if (!(samples[i]! >= 0)) return samples.sort();
    new BigInt64Array(samples.buffer, samples.byteOffset, samples.length).sort();
    return samples;
  }
}

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

/** Student's t quantile function, loaded on first use (a tenth of a second to load; only intervals need it). */
let quantile: ((p: number, df: number) => number) | undefined;
function tQuantile(): (p: number, df: number) => number {
  return (quantile ??= createRequire(import.meta.url)('@stdlib/stats-base-dists-t-quantile') as (p: number, df: number) => number);
}

/** The t quantile the interval uses: t_{(1 + confidence) / 2, df}. */
export function tCritical(confidence: number, df: number): number {
  if (!(confidence > 0 && confidence < 1)) throw new RangeError(`confidence must be in (0, 1), got ${confidence}`);
  if (!(df >= 1)) return NaN;
  return tQuantile()(1 - (1 - confidence) / 2, df);
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
  const m = mean(xs);
  if (n < 2) return { n, mean: m, sd: NaN, halfWidth: NaN, low: NaN, high: NaN };
  let ss = 0;
  for (const x of xs) ss += (x - m) ** 2;
  const sd = Math.sqrt(ss / (n - 1));
  const halfWidth = tCritical(confidence, n - 1) * sd / Math.sqrt(n);
  return { n, mean: m, sd, halfWidth, low: m - halfWidth, high: m + halfWidth };
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
/** Relative difference below which two results are the same number, rounded differently (float64 carries ~16 digits; sums over a run lose a few). */
export const ROUNDING_TOLERANCE = 1e-12;

export function pairedDifference(
  candidate: readonly (number | null | undefined)[], baseline: readonly (number | null | undefined)[], confidence = 0.95,
): PairedDifference {
  if (candidate.length !== baseline.length) throw new RangeError(`paired samples differ in length: ${candidate.length} vs ${baseline.length}`);
  const diffs: number[] = [];
  for (let i = 0; i < candidate.length; i++) {
    const a = candidate[i];
    const b = baseline[i];
    if (typeof a === 'number' && typeof b === 'number' && Number.isFinite(a) && Number.isFinite(b)) {
      // Equal but for rounding (the same node-hours summed over different event times): no difference.
      diffs.push(Math.abs(a - b) <= ROUNDING_TOLERANCE * Math.max(Math.abs(a), Math.abs(b)) ? 0 : a - b);
    }
  }
  const m = meanInterval(diffs, confidence);
  // Identical results on every seed: a zero difference, known exactly (not significant).
  const significant = m.n >= 2 && (m.low > 0 || m.high < 0);
  return { ...m, significant };
}

import { tCritical } from '../util/stats.js';
import { parseDuration } from '../util/quantity.js';
import { InputError } from '../util/errors.js';
import { dynamicMetricInfo, METRICS, QUEUE_METRICS, type MetricInfo } from './records.js';

/**
 * Service-level objectives a capacity plan must meet: `metric >= target` or `metric <= target`
 * on one of the run metrics, judged on the mean over seeds with a one-sided confidence bound.
 */

export interface Slo {
  /** As the user wrote it, e.g. "availability>=0.999". */
  readonly text: string;
  /** The metric's key in RunRecord.metrics. */
  readonly metric: string;
  readonly label: string;
  readonly unit: string;
  readonly op: '>=' | '<=';
  readonly target: number;
}

/**
 * Short names for the metrics capacity plans ask about most. Waits count the pods still pending
 * at the end (an undersized cluster's queue never drains, and its unscheduled pods must not make
 * it look fast); availability is the worst service's time with at least minAvailable ready.
 */
export const SLO_ALIASES: Readonly<Record<string, string>> = {
  availability: 'availability.minAvailable',
  availabilityAll: 'availability.min',
  pendingP99: 'waiting.p99',
  pendingMean: 'waiting.mean',
  served: 'requests.served',
  utilization: 'utilization.cpu',
  mttr: 'mttr',
  cost: 'cost',
  admissionWaitP95: 'queueing.admissionWaitP95',
  gpuAllocation: 'queueing.gpuAllocation',
  fairness: 'queueing.fairness',
};

/** The metrics an SLO may name (aliases first), for help and error messages. */
export function sloMetricNames(): string[] {
  return [...Object.keys(SLO_ALIASES), ...METRICS.map((m) => m.key), 'queue.<name>.<metric>', 'clusterQueue.<name>.<metric>'];
}

const SLO = /^\s*([A-Za-z][\w.-]*)\s*(>=|<=|≥|≤)\s*(\S+)\s*$/;

/**
 * Parses "availability>=0.999", "pendingP99<=60s", "served>=99.5%". Fractions take a number or
 * a percentage; seconds take a number or a duration ("90s", "5m"). `source` names where the
 * text came from (e.g. "--slo") for the error.
 */
export function parseSlo(text: string, source = '--slo'): Slo {
  const fail = (message: string): never => {
    throw new InputError({ file: source, path: [], message: `${JSON.stringify(text)}: ${message}` });
  };
  const m = SLO.exec(text);
  if (!m) return fail('expected METRIC>=TARGET or METRIC<=TARGET, e.g. availability>=0.999 or pendingP99<=60s');
  const [, name, rawOp, rawTarget] = m as unknown as [string, string, string, string];
  const key = SLO_ALIASES[name] ?? name;
  const info: MetricInfo | undefined = METRICS.find((x) => x.key === key) ?? dynamicMetricInfo(key);
  if (!info) return fail(`unknown metric "${name}" (known: ${sloMetricNames().join(', ')}; per queue: ${QUEUE_METRICS.map((q) => q.metric).join(', ')})`);
  const op = rawOp === '≥' ? '>=' : rawOp === '≤' ? '<=' : (rawOp as '>=' | '<=');
  let target: number | undefined;
  if (info.unit === 'fraction' && rawTarget.endsWith('%')) {
    const pct = Number(rawTarget.slice(0, -1));
    target = rawTarget.length > 1 && Number.isFinite(pct) ? pct / 100 : undefined;
  } else if (info.unit === 's') {
    target = parseDuration(rawTarget);
  } else {
    target = /^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i.test(rawTarget) ? Number(rawTarget) : undefined;
  }
  const expected = info.unit === 'fraction' ? 'a fraction from 0 to 1 or a percentage (0.999, 99.9%)' : info.unit === 's' ? 'a duration (60s, 5m, 1h) or seconds' : `a number (${info.unit})`;
  if (target === undefined || !Number.isFinite(target)) return fail(`target "${rawTarget}": expected ${expected}`);
  if (info.unit === 'fraction' && !(target >= 0 && target <= 1)) return fail(`target ${rawTarget} is outside 0..1: expected ${expected}`);
  if (target < 0) return fail(`target ${rawTarget} is negative`);
  return { text: text.trim(), metric: key, label: info.label, unit: info.unit, op, target };
}

/** The values a metric can take: fractions lie in [0, 1]; everything else is at least 0. */
export function metricRange(unit: string): { readonly min: number; readonly max: number } {
  return unit === 'fraction' ? { min: 0, max: 1 } : { min: 0, max: Infinity };
}

/** How one candidate fares against one SLO, from its runs so far. */
export interface SloCheck {
  readonly slo: string;
  /** Seeds with a value. */
  readonly n: number;
  readonly mean: number;
  readonly sd: number;
  /**
   * The one-sided bounds at the plan's confidence on either side (the two-sided interval at
   * 2 x confidence - 1), within the metric's range: the tables' intervals and the charts' bands.
   */
  readonly low: number;
  readonly high: number;
  /** The one-sided bound on the mean at the plan's confidence: the lower one for >=, the upper one for <=. */
  readonly bound: number;
  /** bound - target for >=, target - bound for <=: at least 0 when the SLO holds. */
  readonly margin: number;
  /** Seeds whose own value meets the target. */
  readonly seedsMet: number;
  readonly verdict: 'pass' | 'fail' | 'open';
  /** Why a failed check failed before all seeds ran. */
  readonly early?: boolean | undefined;
}

/**
 * Judges an SLO on a candidate's values, in seed order, out of `seeds` seeds planned. A null is a
 * run without a value (no incident for MTTR, say): left out, as in the comparison tables.
 *
 * - pass: every seed ran, and the one-sided bound at `confidence` on the mean of the values
 *   (mean -/+ t(confidence, n-1) sd / sqrt(n); the value itself when only one run has one) meets
 *   the target; with no value in any run, nothing violates it;
 * - fail: every seed ran and it does not; or, before every seed ran, even the best values the
 *   remaining seeds could bring (1 for a fraction, 0 for a wait) would leave the mean on the
 *   wrong side of the target - the bound is never better than the mean, so the full run could
 *   only fail too (an exact early stop: it never changes a verdict);
 * - open: more seeds are needed.
 */
export function checkSlo(slo: Slo, values: readonly (number | null)[], seeds: number, confidence: number): SloCheck {
  const xs = values.filter((v): v is number => typeof v === 'number' && Number.isFinite(v));
  const n = xs.length;
  let sum = 0;
  for (const x of xs) sum += x;
  const mean = n > 0 ? sum / n : NaN;
  let ss = 0;
  for (const x of xs) ss += (x - mean) ** 2;
  const sd = n > 1 ? Math.sqrt(ss / (n - 1)) : NaN;
  const se = n > 1 ? sd / Math.sqrt(n) : NaN;
  // One-sided at confidence c is the end of the two-sided interval at 2c - 1: the band drawn
  // is that interval, so its edge on the target's side is the bound the verdict uses.
  const oneSided = n > 1 ? (sd === 0 ? 0 : tCritical(2 * confidence - 1, n - 1) * se) : 0;
  const half = n > 1 ? oneSided : NaN;
  const ge = slo.op === '>=';
  const bound = ge ? mean - oneSided : mean + oneSided;
  const margin = n > 0 ? (ge ? bound - slo.target : slo.target - bound) : NaN;
  const meets = (x: number) => (ge ? x >= slo.target : x <= slo.target);
  const seedsMet = xs.filter(meets).length;
  // The band is drawn within the values the metric can take (a wait is never negative).
  const range = metricRange(slo.unit);
  const low = Math.max(range.min, mean - half);
  const high = Math.min(range.max, mean + half);
  const base = { slo: slo.text, n, mean, sd, low, high, bound, margin, seedsMet };
  const ran = values.length;
  if (ran >= seeds) return { ...base, verdict: n === 0 || margin >= 0 ? 'pass' : 'fail' };
  if (n > 0) {
    const rest = seeds - ran;
    const bestMean = (sum + rest * (ge ? range.max : range.min)) / (n + rest);
    if (Number.isFinite(bestMean) && !meets(bestMean)) return { ...base, verdict: 'fail', early: true };
  }
  return { ...base, verdict: 'open' };
}

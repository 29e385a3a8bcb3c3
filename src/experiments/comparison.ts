import { dynamicMetricInfo, METRICS, type MetricInfo, type RunRecord } from './records.js';
import { pairedDifference, type MeanInterval, type PairedDifference } from '../util/stats.js';
import { BOOTSTRAP_METHOD, bootstrapMeanInterval } from '../util/bootstrap.js';

/**
 * The summary of a comparison or sweep (`results.json`): for every variant and metric, each
 * arm's mean with its confidence interval over the seeds, and each arm's paired difference
 * against the baseline arm (same seeds: common random numbers). A function of the records
 * alone, in the plan's order, so it is byte-identical however the runs were spread out.
 */
export interface ComparisonResults {
  readonly format: typeof RESULTS_FORMAT;
  readonly kind: 'compare' | 'sweep';
  /** The scenario's name (or file). */
  readonly scenario: string;
  readonly confidence: number;
  readonly baseline: string;
  readonly arms: readonly string[];
  readonly variants: readonly { readonly name: string; readonly params: Readonly<Record<string, unknown>> }[];
  readonly seeds: readonly number[];
  /** Runs summarized (arms x variants x seeds when complete). */
  readonly runs: number;
  readonly groups: readonly VariantComparison[];
  /** Runs a user's plugin failed (left out of the metrics), in plan order; absent when none did. */
  readonly failedRuns?: readonly { readonly variant: string; readonly arm: string; readonly seed: number; readonly failure: string }[] | undefined;
  /**
   * How the intervals were computed, in words (absent in results written before it was added,
   * whose arm intervals were Student t ones).
   */
  readonly intervals?: { readonly arms: string; readonly differences: string } | undefined;
}

/** The interval methods summarizeComparison uses. */
export const INTERVAL_METHODS = {
  arms: BOOTSTRAP_METHOD,
  differences: 'paired Student t interval of the per-seed differences',
} as const;

export interface VariantComparison {
  readonly variant: string;
  readonly params: Readonly<Record<string, unknown>>;
  /** Only metrics some run of the variant has a value for. */
  readonly metrics: readonly MetricComparison[];
}

export interface MetricComparison extends MetricInfo {
  /**
   * The mean over the seeds; low and high from a bootstrap of the seeds' values, so they stay
   * within the values' range (util/bootstrap.ts); halfWidth is the Student t one.
   */
  readonly arms: readonly ({ readonly arm: string } & MeanInterval)[];
  /** One per arm other than the baseline: arm - baseline, paired by seed. */
  readonly differences: readonly ({ readonly arm: string } & PairedDifference)[];
}

export const RESULTS_FORMAT = 1;

export interface ComparisonPlan {
  readonly kind: 'compare' | 'sweep';
  readonly scenario: string;
  readonly arms: readonly string[];
  readonly baseline: string;
  readonly variants: readonly { readonly name: string; readonly params: Readonly<Record<string, unknown>> }[];
  readonly seeds: readonly number[];
  readonly confidence: number;
}

/** Summarizes the records of a plan (records of other plans are an error; missing runs are left out). */
export function summarizeComparison(plan: ComparisonPlan, records: readonly RunRecord[]): ComparisonResults {
  const byId = new Map<string, RunRecord>();
  for (const r of records) byId.set(r.id, r);
  let runs = 0;
  const groups = plan.variants.map((v) => {
    // value[arm][seed index]
    const value = (arm: string, key: string) => plan.seeds.map((seed) => byId.get(`${v.name}|${arm}|${seed}`)?.metrics[key] ?? null);
    for (const arm of plan.arms) for (const seed of plan.seeds) if (byId.has(`${v.name}|${arm}|${seed}`)) runs++;
    const metrics: MetricComparison[] = [];
    // Per-queue metrics (records.ts QUEUE_METRICS) follow the fixed ones, in the order records first name them.
    const queueKeys = new Set<string>();
    for (const r of records) for (const key of Object.keys(r.metrics)) if (dynamicMetricInfo(key)) queueKeys.add(key);
    for (const info of [...METRICS, ...[...queueKeys].map((k) => dynamicMetricInfo(k)!)]) {
      const arms = plan.arms.map((arm) => ({ arm, ...bootstrapMeanInterval(value(arm, info.key), plan.confidence) }));
      if (arms.every((a) => a.n === 0)) continue;
      if (info.omitWhenZero && plan.arms.every((arm) => value(arm, info.key).every((x) => x === null || x === 0))) continue;
      const base = value(plan.baseline, info.key);
      const differences = plan.arms
        .filter((arm) => arm !== plan.baseline)
        .map((arm) => ({ arm, ...pairedDifference(value(arm, info.key), base, plan.confidence) }));
      metrics.push({ ...info, arms, differences });
    }
    return { variant: v.name, params: v.params, metrics };
  });
  return {
    format: RESULTS_FORMAT,
    kind: plan.kind,
    scenario: plan.scenario,
    confidence: plan.confidence,
    baseline: plan.baseline,
    arms: plan.arms,
    variants: plan.variants,
    seeds: plan.seeds,
    runs,
    groups,
    ...failedRuns(plan, byId),
    intervals: INTERVAL_METHODS,
  };
}

/** The failed runs in plan order (variant, arm, seed), or nothing when every run finished. */
function failedRuns(plan: ComparisonPlan, byId: ReadonlyMap<string, RunRecord>): Pick<ComparisonResults, 'failedRuns'> {
  const failed: NonNullable<ComparisonResults['failedRuns']>[number][] = [];
  for (const v of plan.variants) {
    for (const arm of plan.arms) {
      for (const seed of plan.seeds) {
        const failure = byId.get(`${v.name}|${arm}|${seed}`)?.failure;
        if (failure !== undefined) failed.push({ variant: v.name, arm, seed, failure });
      }
    }
  }
  return failed.length > 0 ? { failedRuns: failed } : {};
}

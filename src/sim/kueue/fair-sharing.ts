import { QUEUE_RESOURCES, type FairSharingStrategy } from '../../api/queueing.js';
import { RESOURCE_COUNT, type QuotaState, type Usage } from './quota.js';

/**
 * Fair sharing's dominant resource share (pkg/cache/scheduler/fair_sharing.go): how much of the
 * cohort's lendable resources a ClusterQueue borrows, for the resource it borrows most of.
 *
 * For each resource r: borrowed(r) = sum over flavors of max(0, usage + extra - nominal), and
 * lendable(r) = the cohort's quota of r over all flavors (calculateLendable); the share is the
 * largest borrowed(r) x 1000 / lendable(r) (per mille, as upstream), divided by the weight. A
 * ClusterQueue within its nominal quota everywhere (or without a cohort) has share 0.
 */
export interface Drs {
  /** max over resources of borrowed x 1000 / lendable (unweightedRatio). */
  readonly ratio: number;
  readonly weight: number;
  readonly borrowing: boolean;
}

export function dominantResourceShare(q: QuotaState, c: number, weight: number, extra?: Usage, sign = 1): Drs {
  const k = q.cohortOf[c]!;
  if (k < 0) return { ratio: 0, weight, borrowing: false };
  const borrowed = new Float64Array(RESOURCE_COUNT);
  const add = new Float64Array(q.frCount);
  if (extra) for (const [fr, v] of extra) add[fr] = add[fr]! + sign * v;
  let borrowing = false;
  const def = q.defined[c]!;
  for (let fr = 0; fr < q.frCount; fr++) {
    if (def[fr] === 0) continue;
    const b = q.usage[c]![fr]! + add[fr]! - q.nominal[c]![fr]!;
    if (b > 0) {
      borrowed[fr % RESOURCE_COUNT] = borrowed[fr % RESOURCE_COUNT]! + b;
      borrowing = true;
    }
  }
  if (!borrowing) return { ratio: 0, weight, borrowing };
  let ratio = 0;
  for (let r = 0; r < RESOURCE_COUNT; r++) {
    if (borrowed[r]! === 0) continue;
    let lendable = 0;
    for (let fr = r; fr < q.frCount; fr += RESOURCE_COUNT) lendable += q.cohortQuota(k, fr);
    if (lendable > 0) ratio = Math.max(ratio, (borrowed[r]! * 1000) / lendable);
  }
  return { ratio, weight, borrowing };
}

/** DRS.PreciseWeightedShare: 0 when not borrowing, infinite for a weight of 0 that borrows. */
export function weightedShare(d: Drs): number {
  if (d.ratio === 0) return 0;
  return d.weight === 0 ? Infinity : d.ratio / d.weight;
}

/** CompareDRS: lower is preferred for admission, higher for preemption; two zero weights compare by ratio. */
export function compareDrs(a: Drs, b: Drs): number {
  const az = a.weight === 0 && a.ratio !== 0;
  const bz = b.weight === 0 && b.ratio !== 0;
  if (az && bz) return Math.sign(a.ratio - b.ratio);
  if (az) return 1;
  if (bz) return -1;
  return Math.sign(weightedShare(a) - weightedShare(b));
}

/**
 * The preemption strategies (pkg/scheduler/preemption/fairsharing/strategy.go):
 * LessThanOrEqualToFinalShare: the preemptor's queue with the workload <= the target's queue
 * without the victim; LessThanInitialShare: the preemptor's queue with the workload < the
 * target's queue as it is.
 */
export function strategyPasses(strategy: FairSharingStrategy, preemptorNew: Drs, targetOld: Drs, targetNew: Drs): boolean {
  return strategy === 'LessThanOrEqualToFinalShare' ? compareDrs(preemptorNew, targetNew) <= 0 : compareDrs(preemptorNew, targetOld) < 0;
}

/**
 * Jain's fairness index of x_1..x_n: (sum x)^2 / (n sum x^2), 1 when all are equal, 1/n when one
 * takes everything. orchsim applies it to the tenants' time-averaged weighted dominant resource
 * shares (DRS / weight, the value fair sharing equalizes): 1 = borrowing split exactly by the
 * weights. 1 when nobody borrowed (every x is 0) or there is no tenant.
 */
export function jainIndex(xs: readonly number[]): number {
  let s = 0;
  let s2 = 0;
  for (const x of xs) {
    s += x;
    s2 += x * x;
  }
  return xs.length === 0 || s2 === 0 ? 1 : (s * s) / (xs.length * s2);
}

/** The resource a DRS is about, for reports: the name of the resource with the largest share. */
export function dominantResource(q: QuotaState, c: number): string {
  let best = '';
  let bestShare = 0;
  const k = q.cohortOf[c]!;
  if (k < 0) return best;
  for (let r = 0; r < RESOURCE_COUNT; r++) {
    let b = 0;
    let lendable = 0;
    for (let fr = r; fr < q.frCount; fr += RESOURCE_COUNT) {
      if (q.defined[c]![fr] === 1) b += Math.max(0, q.usage[c]![fr]! - q.nominal[c]![fr]!);
      lendable += q.cohortQuota(k, fr);
    }
    if (lendable > 0 && b / lendable > bestShare) {
      bestShare = b / lendable;
      best = QUEUE_RESOURCES[r]!;
    }
  }
  return best;
}

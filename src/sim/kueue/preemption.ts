import type { ClusterQueue, FairSharingStrategy, PreemptionPolicy } from '../../api/queueing.js';
import { compareDrs, dominantResourceShare, strategyPasses, type Drs } from './fair-sharing.js';
import type { QuotaState, Usage } from './quota.js';

/**
 * Kueue's preemption (pkg/scheduler/preemption/preemption.go; site/content/en/docs/concepts/
 * preemption.md "Classic Preemption" and "Fair Sharing"), over the quota state: which admitted
 * workloads to evict so that a pending one fits. The state is changed while searching and
 * restored before returning.
 */

/** An admitted workload as preemption sees it. */
export interface AdmittedWorkload {
  readonly id: number;
  readonly cq: number;
  readonly priority: number;
  /** GetQueueOrderTimestamp: its creation (preempted workloads keep it). */
  readonly timestamp: number;
  readonly admittedAt: number;
  readonly usage: Usage;
}

export interface Preemptor {
  readonly cq: number;
  readonly priority: number;
  readonly timestamp: number;
  readonly usage: Usage;
}

export interface PreemptionContext {
  readonly q: QuotaState;
  readonly clusterQueues: readonly ClusterQueue[];
  /** Admitted workloads of a ClusterQueue. */
  readonly admitted: (cq: number) => Iterable<AdmittedWorkload>;
  /** Fair sharing's strategies when it is enabled; classic preemption otherwise. */
  readonly fairSharing?: readonly FairSharingStrategy[] | undefined;
}

/** SatisfiesPreemptionPolicy (preemption/common/preemption_policy.go). */
export function satisfiesPolicy(policy: PreemptionPolicy, preemptor: Preemptor, candidate: AdmittedWorkload): boolean {
  if (policy === 'Never') return false;
  const lower = preemptor.priority > candidate.priority;
  if (policy === 'LowerPriority') return lower;
  if (policy === 'LowerOrNewerEqualPriority') return lower || (preemptor.priority === candidate.priority && preemptor.timestamp < candidate.timestamp);
  return true;
}

const usesAny = (w: AdmittedWorkload, frs: ReadonlySet<number>) => w.usage.some(([fr, v]) => v > 0 && frs.has(fr));

/**
 * findCandidates: the preemptor's queue's workloads its withinClusterQueue policy allows, and
 * the workloads of the cohort's borrowing queues its reclaimWithinCohort policy allows, using
 * a flavor-resource that needs preemption; ordered by CandidatesOrdering (other queues first,
 * lower priority first, the most recently admitted first).
 */
export function findCandidates(ctx: PreemptionContext, p: Preemptor, frs: ReadonlySet<number>): AdmittedWorkload[] {
  const { q, clusterQueues } = ctx;
  const own = clusterQueues[p.cq]!.preemption;
  const out: AdmittedWorkload[] = [];
  for (const w of ctx.admitted(p.cq)) if (satisfiesPolicy(own.withinClusterQueue, p, w) && usesAny(w, frs)) out.push(w);
  const k = q.cohortOf[p.cq]!;
  if (k >= 0 && own.reclaimWithinCohort !== 'Never') {
    for (const c of q.cohorts[k]!) {
      if (c === p.cq || !q.isBorrowingIn(c, frs)) continue;
      for (const w of ctx.admitted(c)) if (satisfiesPolicy(own.reclaimWithinCohort, p, w) && usesAny(w, frs)) out.push(w);
    }
  }
  return out.sort((a, b) => candidateOrder(a, b, p.cq));
}

/** CandidatesOrdering (preemption/common/ordering.go); ids stand for UIDs as the last tie-break. */
export function candidateOrder(a: AdmittedWorkload, b: AdmittedWorkload, cq: number): number {
  const aOwn = a.cq === cq ? 1 : 0;
  const bOwn = b.cq === cq ? 1 : 0;
  return aOwn - bOwn || a.priority - b.priority || b.admittedAt - a.admittedAt || a.id - b.id;
}

/** workloadFits: the preemptor's usage is available (and, without borrowing, within nominal). */
function fits(q: QuotaState, p: Preemptor, allowBorrowing: boolean): boolean {
  for (const [fr, v] of p.usage) {
    if (!allowBorrowing && q.borrowingWith(p.cq, fr, v)) return false;
    if (v > q.available(p.cq, fr)) return false;
  }
  return true;
}

/** fillBackWorkloads: puts back, from the second-to-last target down, those the preemptor does not need gone. */
function fillBack(q: QuotaState, p: Preemptor, targets: AdmittedWorkload[], allowBorrowing: boolean): AdmittedWorkload[] {
  for (let i = targets.length - 2; i >= 0; i--) {
    const t = targets[i]!;
    q.add(t.cq, t.usage);
    if (fits(q, p, allowBorrowing)) targets.splice(i, 1);
    else q.add(t.cq, t.usage, -1);
  }
  return targets;
}

function restore(q: QuotaState, targets: readonly AdmittedWorkload[]): void {
  for (const t of targets) q.add(t.cq, t.usage);
}

/** The workloads to evict so that `p` fits, or none when no set of candidates makes room. */
export function preemptionTargets(ctx: PreemptionContext, p: Preemptor, frs: ReadonlySet<number>): AdmittedWorkload[] {
  const candidates = findCandidates(ctx, p, frs);
  if (candidates.length === 0) return [];
  return ctx.fairSharing ? fairPreemptions(ctx, p, frs, candidates, ctx.fairSharing) : classicalPreemptions(ctx, p, frs, candidates);
}

/**
 * Classic preemption, as preemption.md "Targets" lists the heuristics: (1) all candidates in the
 * preemptor's queue: greedily, borrowing allowed; (2) borrowWithinCohort enabled: greedily,
 * borrowing allowed, other queues' candidates only below the preemptor's priority and at most
 * maxPriorityThreshold; (3) the preemptor's queue below nominal: greedily without borrowing;
 * (4) only the preemptor's queue's candidates, borrowing allowed. Another queue's candidate is
 * taken only while that queue still borrows. Then the set is minimized (fillBack).
 */
function classicalPreemptions(ctx: PreemptionContext, p: Preemptor, frs: ReadonlySet<number>, candidates: readonly AdmittedWorkload[]): AdmittedWorkload[] {
  const q = ctx.q;
  const bwc = ctx.clusterQueues[p.cq]!.preemption.borrowWithinCohort;
  const own = candidates.filter((w) => w.cq === p.cq);
  const attempt = (list: readonly AdmittedWorkload[], allowBorrowing: boolean, threshold: boolean): AdmittedWorkload[] => {
    const targets: AdmittedWorkload[] = [];
    for (const w of list) {
      if (w.cq !== p.cq) {
        if (!q.isBorrowingIn(w.cq, frs)) continue;
        if (threshold && !(w.priority < p.priority && (bwc.maxPriorityThreshold === undefined || w.priority <= bwc.maxPriorityThreshold))) continue;
      }
      q.add(w.cq, w.usage, -1);
      targets.push(w);
      if (fits(q, p, allowBorrowing)) {
        fillBack(q, p, targets, allowBorrowing);
        restore(q, targets);
        return targets;
      }
    }
    restore(q, targets);
    return [];
  };
  if (own.length === candidates.length) return attempt(candidates, true, false);
  if (bwc.policy !== 'Never') {
    const t = attempt(candidates, true, true);
    if (t.length > 0) return t;
  }
  const underNominal = [...frs].every((fr) => q.usage[p.cq]![fr]! < q.nominal[p.cq]![fr]!);
  if (underNominal) {
    const t = attempt(candidates, false, false);
    if (t.length > 0) return t;
  }
  return attempt(own, true, false);
}

/**
 * Fair-sharing preemption (fairPreemptions, runFirstFsStrategy, runSecondFsStrategy): with the
 * preemptor's usage added to its queue, the queue with the highest share (TargetClusterQueue
 * ordering: borrowing queues, and the preemptor's own) gives up candidates: its own queue's
 * freely, another's when the first strategy holds for the preemptor's share against the
 * target's; the candidates refused are retried once each queue under LessThanInitialShare.
 */
function fairPreemptions(ctx: PreemptionContext, p: Preemptor, frs: ReadonlySet<number>, candidates: readonly AdmittedWorkload[], strategies: readonly FairSharingStrategy[]): AdmittedWorkload[] {
  const { q, clusterQueues } = ctx;
  const weight = (c: number) => clusterQueues[c]!.fairSharingWeight;
  const drs = (c: number): Drs => dominantResourceShare(q, c, weight(c));
  q.add(p.cq, p.usage);
  const fitsFs = () => {
    q.add(p.cq, p.usage, -1);
    const ok = fits(q, p, true);
    q.add(p.cq, p.usage);
    return ok;
  };
  const targets: AdmittedWorkload[] = [];
  const take = (w: AdmittedWorkload) => {
    q.add(w.cq, w.usage, -1);
    targets.push(w);
  };
  const byQueue = (list: readonly AdmittedWorkload[]) => {
    const m = new Map<number, AdmittedWorkload[]>();
    for (const w of list) (m.get(w.cq) ?? m.set(w.cq, []).get(w.cq)!).push(w);
    return m;
  };
  // nextTarget: the highest-share queue with candidates; others that stopped borrowing are pruned.
  const next = (queues: Map<number, AdmittedWorkload[]>): number | undefined => {
    let best: number | undefined;
    let bestDrs: Drs = { ratio: -1, weight: 1, borrowing: false };
    for (const [c, ws] of queues) {
      const d = drs(c);
      if ((!d.borrowing && c !== p.cq) || ws.length === 0) {
        queues.delete(c);
        continue;
      }
      const cmp = best === undefined ? 1 : compareDrs(d, bestDrs);
      if (cmp > 0 || (cmp === 0 && candidateOrder(ws[0]!, queues.get(best!)![0]!, p.cq) < 0)) {
        best = c;
        bestDrs = d;
      }
    }
    return best;
  };
  let done = false;
  const retry: AdmittedWorkload[] = [];
  const first = byQueue(candidates);
  for (let c = next(first); c !== undefined && !done; c = next(first)) {
    const ws = first.get(c)!;
    if (c === p.cq) {
      take(ws.shift()!);
      done = fitsFs();
      continue;
    }
    const preemptorNew = drs(p.cq);
    const targetOld = drs(c);
    while (ws.length > 0) {
      const w = ws.shift()!;
      const targetNew = dominantResourceShare(q, c, weight(c), w.usage, -1);
      if (strategyPasses(strategies[0]!, preemptorNew, targetOld, targetNew)) {
        take(w);
        done = fitsFs();
        break;
      }
      retry.push(w);
    }
  }
  if (!done && strategies.length > 1) {
    const second = byQueue(retry);
    for (let c = next(second); c !== undefined && !done; c = next(second)) {
      const w = second.get(c)!.shift()!;
      if (strategyPasses('LessThanInitialShare', drs(p.cq), drs(c), drs(c))) {
        take(w);
        done = fitsFs();
      }
      second.delete(c);
    }
  }
  q.add(p.cq, p.usage, -1);
  if (!done) {
    restore(q, targets);
    return [];
  }
  fillBack(q, p, targets, true);
  restore(q, targets);
  return targets;
}

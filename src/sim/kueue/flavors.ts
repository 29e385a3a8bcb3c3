import type { PodSpec, Toleration } from '../../api/pod.js';
import type { Taint } from '../../api/node.js';
import type { ClusterQueue, QueueResource, ResourceFlavor } from '../../api/queueing.js';
import { RESOURCE_COUNT, resourceIndex, type QuotaState, type Usage } from './quota.js';

/**
 * Flavor assignment (pkg/scheduler/flavorassigner/flavorassigner.go): for each resource group
 * that covers what the workload requests, the flavors are tried in order; each gets the worst
 * mode over its resources (fitsResourceQuota), and the search stops or goes on by the
 * ClusterQueue's flavorFungibility (shouldTryNextFlavor), keeping the best flavor seen
 * (isPreferred, BorrowingOverPreemption: the preemption mode first, then less borrowing).
 */

/** preemptionMode upstream, worst to best. */
export const FlavorMode = { NoFit: 0, NoCandidates: 1, Preempt: 2, Reclaim: 3, Fit: 4 } as const;
export type FlavorMode = (typeof FlavorMode)[keyof typeof FlavorMode];

/** granularMode: the preemption mode and the borrowing level (0: within nominal, 1: borrows from the cohort). */
interface Granular {
  readonly mode: FlavorMode;
  readonly borrow: number;
}

export interface Assignment {
  /** Representative mode: Fit, Preempt (NoCandidates, Preempt, Reclaim) or NoFit. */
  readonly mode: FlavorMode;
  /** Borrows > 0: admitting it needs quota from the cohort (Assignment.Borrowing). */
  readonly borrowing: number;
  readonly flavors: Partial<Record<QueueResource, string>>;
  readonly usage: Usage;
  /** Flavor-resources whose mode is a preemption one (flavorResourcesNeedPreemption). */
  readonly needPreemption: readonly number[];
  readonly reason: string;
}

/** The preemption oracle: whether preempting could make `val` of fr fit (SimulatePreemption). */
export type PreemptionOracle = (fr: number, val: number) => FlavorMode;

/** The workload's total request per resource: its podSet's count x the pod's requests (pods: the count, only where covered). */
export function workloadRequests(spec: PodSpec, count: number): Record<QueueResource, number> {
  const r = spec.requests;
  return { cpu: r.milliCPU * count, memory: r.memory * count, 'nvidia.com/gpu': r.milliGPU * count, pods: count };
}

/** Whether a flavor's taints are tolerated (NoSchedule/NoExecute ones) and its labels match the pod's nodeSelector on their keys (checkFlavorForPodSets). */
export function flavorMatches(flavor: ResourceFlavor, spec: PodSpec): string | undefined {
  const tolerations = [...(spec.tolerations ?? []), ...flavor.tolerations];
  for (const t of flavor.nodeTaints) {
    if (t.effect === 'PreferNoSchedule') continue;
    if (!tolerations.some((x) => tolerates(x, t))) return `untolerated taint ${t.key} in flavor ${flavor.name}`;
  }
  // flavorSelector: only the nodeSelector keys the flavor's labels have are compared.
  for (const [k, v] of Object.entries(spec.nodeSelector ?? {})) {
    const have = flavor.nodeLabels[k];
    if (have !== undefined && have !== v) return `flavor ${flavor.name} doesn't match node affinity`;
  }
  return undefined;
}

function tolerates(t: Toleration, taint: Taint): boolean {
  if (t.effect !== undefined && t.effect !== taint.effect) return false;
  if (t.key === undefined || t.key === '') return t.operator === 'Exists';
  if (t.key !== taint.key) return false;
  return t.operator === 'Exists' || (t.value ?? '') === (taint.value ?? '');
}

/** isPreferred with the default preference (BorrowingOverPreemption). */
function isPreferred(a: Granular, b: Granular): boolean {
  if (a.mode === FlavorMode.NoFit) return false;
  if (b.mode === FlavorMode.NoFit) return true;
  const an = a.mode === FlavorMode.NoCandidates;
  const bn = b.mode === FlavorMode.NoCandidates;
  if (an !== bn) return !an;
  if (a.mode !== b.mode) return a.mode > b.mode;
  return a.borrow < b.borrow;
}

function shouldTryNextFlavor(m: Granular, cq: ClusterQueue): boolean {
  if (m.mode === FlavorMode.NoFit || m.mode === FlavorMode.NoCandidates) return true;
  if ((m.mode === FlavorMode.Preempt || m.mode === FlavorMode.Reclaim) && cq.flavorFungibility.whenCanPreempt === 'TryNextFlavor') return true;
  return m.borrow > 0 && cq.flavorFungibility.whenCanBorrow === 'TryNextFlavor';
}

/**
 * fitsResourceQuota: NoFit above what the queue could ever hold (potentialAvailable); Fit within
 * what is available now; else a preemption mode when the request is within the nominal quota,
 * or the queue may preempt while borrowing (borrowWithinCohort, or fair sharing with
 * reclaimWithinCohort), as the oracle finds candidates.
 */
function fitsResourceQuota(q: QuotaState, c: number, cq: ClusterQueue, fr: number, val: number, fairSharing: boolean, oracle: PreemptionOracle): Granular {
  if (val > q.potentialAvailable(c, fr)) return { mode: FlavorMode.NoFit, borrow: 0 };
  // FindHeightOfLowestSubtreeThatFits, one level of cohorts: 1 when the cohort's quota is needed.
  const borrow = q.cohortOf[c]! >= 0 && q.borrowingWith(c, fr, val) ? 1 : 0;
  if (val <= q.available(c, fr)) return { mode: FlavorMode.Fit, borrow };
  const canPreemptWhileBorrowing = cq.preemption.borrowWithinCohort.policy !== 'Never' || (fairSharing && cq.preemption.reclaimWithinCohort !== 'Never');
  if (q.nominal[c]![fr]! >= val || canPreemptWhileBorrowing) return { mode: oracle(fr, val), borrow };
  return { mode: FlavorMode.NoFit, borrow };
}

/** assignFlavors for one podSet: every requested resource gets a flavor of the group that covers it. */
export function assignFlavors(
  q: QuotaState, c: number, cq: ClusterQueue, flavors: readonly ResourceFlavor[], spec: PodSpec, requests: Record<QueueResource, number>,
  fairSharing: boolean, oracle: PreemptionOracle,
): Assignment {
  const covered = new Set(cq.resourceGroups.flatMap((g) => g.coveredResources));
  const wanted = (Object.keys(requests) as QueueResource[]).filter((r) => requests[r] > 0 && (r !== 'pods' || covered.has('pods')));
  const flavorIndex = new Map(flavors.map((f, i) => [f.name, i]));
  const chosen: Partial<Record<QueueResource, string>> = {};
  const usage: [number, number][] = [];
  const needPreemption: number[] = [];
  let worst: Granular = { mode: FlavorMode.Fit, borrow: 0 };
  let maxBorrow = 0;
  const noFit = (reason: string): Assignment => ({ mode: FlavorMode.NoFit, borrowing: 0, flavors: {}, usage: [], needPreemption: [], reason });
  for (const r of wanted) if (!covered.has(r)) return noFit(`resource ${r} unavailable in ClusterQueue`);
  for (const group of cq.resourceGroups) {
    const rs = wanted.filter((r) => group.coveredResources.includes(r));
    if (rs.length === 0) continue;
    let best: { m: Granular; flavor: string; modes: FlavorMode[] } | undefined;
    let reason = '';
    for (const fq of group.flavors) {
      const f = flavorIndex.get(fq.name)!;
      const mismatch = flavorMatches(flavors[f]!, spec);
      if (mismatch) {
        reason = mismatch;
        continue;
      }
      let rep: Granular = { mode: FlavorMode.Fit, borrow: 0 };
      const modes: FlavorMode[] = [];
      for (const r of rs) {
        const m = fitsResourceQuota(q, c, cq, f * RESOURCE_COUNT + resourceIndex(r), requests[r], fairSharing, oracle);
        modes.push(m.mode);
        // The representative mode is the worst of the resources' modes.
        if (isPreferred(rep, m)) rep = m;
        if (rep.mode === FlavorMode.NoFit) break;
      }
      if (rep.mode === FlavorMode.NoFit) reason = `insufficient quota in flavor ${fq.name}`;
      if (!shouldTryNextFlavor(rep, cq)) {
        best = { m: rep, flavor: fq.name, modes };
        break;
      }
      if (!best || isPreferred(rep, best.m)) best = { m: rep, flavor: fq.name, modes };
    }
    if (!best || best.m.mode === FlavorMode.NoFit) return noFit(reason || 'no flavor fits');
    const f = flavorIndex.get(best.flavor)!;
    rs.forEach((r, i) => {
      chosen[r] = best.flavor;
      const fr = f * RESOURCE_COUNT + resourceIndex(r);
      usage.push([fr, requests[r]]);
      const m = best.modes[i]!;
      if (m !== FlavorMode.Fit) needPreemption.push(fr);
    });
    if (isPreferred(worst, best.m)) worst = best.m;
    maxBorrow = Math.max(maxBorrow, best.m.borrow);
  }
  return { mode: worst.mode, borrowing: maxBorrow, flavors: chosen, usage, needPreemption, reason: '' };
}

/** The pods' spec on admission: the flavors' nodeLabels join the nodeSelector, their tolerations the tolerations (podset info injection). */
export function admittedPodSpec(spec: PodSpec, used: readonly ResourceFlavor[]): PodSpec {
  const labels: Record<string, string> = {};
  const tolerations: Toleration[] = [];
  for (const f of used) {
    Object.assign(labels, f.nodeLabels);
    tolerations.push(...f.tolerations);
  }
  if (Object.keys(labels).length === 0 && tolerations.length === 0) return spec;
  return {
    ...spec,
    nodeSelector: { ...spec.nodeSelector, ...labels },
    tolerations: tolerations.length > 0 ? [...(spec.tolerations ?? []), ...tolerations] : spec.tolerations,
  };
}

import { resources } from '../api/resources.js';
import type { DeploymentStrategy, IntOrPercent, PodTemplate, TemplatePatch } from '../api/workload.js';

/**
 * The rules of pkg/controller/deployment as pure functions (util/deployment_util.go, rolling.go,
 * sync.go): the Deployment controller (controllers/deployments.ts) applies them; tests call them
 * directly.
 */

/**
 * intstr.GetScaledValueFromIntOrPercent: a count as is, a percentage of `total` rounded up or
 * down (k8s.io/apimachinery/pkg/util/intstr/intstr.go).
 */
export function scaledValue(v: IntOrPercent, total: number, roundUp: boolean): number {
  if (typeof v === 'number') return v;
  const x = (Number(v.slice(0, -1)) * total) / 100;
  return roundUp ? Math.ceil(x) : Math.floor(x);
}

/**
 * ResolveFenceposts (pkg/controller/deployment/util/deployment_util.go): maxSurge rounds up,
 * maxUnavailable down, and when both come out 0 one pod may be unavailable, so a rollout can
 * always make progress (validation forbids both being 0 as written).
 */
export function resolveFenceposts(maxSurge: IntOrPercent, maxUnavailable: IntOrPercent, replicas: number): { surge: number; unavailable: number } {
  const surge = scaledValue(maxSurge, replicas, true);
  const unavailable = scaledValue(maxUnavailable, replicas, false);
  return { surge, unavailable: surge === 0 && unavailable === 0 ? 1 : unavailable };
}

/** MaxUnavailable (deployment_util.go): 0 without replicas, at most spec.replicas. */
export function maxUnavailable(strategy: DeploymentStrategy, replicas: number): number {
  if (strategy.type !== 'RollingUpdate' || replicas === 0) return 0;
  return Math.min(replicas, resolveFenceposts(strategy.maxSurge, strategy.maxUnavailable, replicas).unavailable);
}

/** What a sync sees of a ReplicaSet: spec.replicas and status.availableReplicas. */
export interface ReplicaSetView {
  readonly replicas: number;
  readonly available: number;
}

/** The spec.replicas a rolling step gives the new ReplicaSet and the old ones (oldest first), and what it did. */
export interface RollingStep {
  readonly newReplicas: number;
  readonly oldReplicas: readonly number[];
  readonly action: 'scaled-up' | 'scaled-down' | 'none';
}

/**
 * NewRSNewReplicas for RollingUpdate (deployment_util.go): grow the new ReplicaSet while the
 * sum of every ReplicaSet's spec.replicas stays within replicas + maxSurge.
 */
export function newRSNewReplicas(replicas: number, maxSurge: IntOrPercent, allReplicas: number, newReplicas: number): number {
  const maxTotal = replicas + scaledValue(maxSurge, replicas, true);
  if (allReplicas >= maxTotal) return newReplicas;
  return newReplicas + Math.min(maxTotal - allReplicas, replicas - newReplicas);
}

/**
 * One sync of rolloutRolling (pkg/controller/deployment/rolling.go): scale the new ReplicaSet up
 * first (reconcileNewReplicaSet); only if that changed nothing, scale the old ones down
 * (reconcileOldReplicaSets: cleanupUnhealthyReplicas, then scaleDownOldReplicaSetsForRollingUpdate,
 * oldest ReplicaSet first, as ReplicaSetsByCreationTimestamp sorts them). `olds` are oldest first.
 */
export function rollingStep(replicas: number, strategy: Extract<DeploymentStrategy, { type: 'RollingUpdate' }>, next: ReplicaSetView, olds: readonly ReplicaSetView[]): RollingStep {
  const oldReplicas = olds.map((o) => o.replicas);
  // reconcileNewReplicaSet
  if (next.replicas > replicas) return { newReplicas: replicas, oldReplicas, action: 'scaled-down' };
  if (next.replicas < replicas) {
    const all = next.replicas + oldReplicas.reduce((a, b) => a + b, 0);
    const n = newRSNewReplicas(replicas, strategy.maxSurge, all, next.replicas);
    if (n !== next.replicas) return { newReplicas: n, oldReplicas, action: 'scaled-up' };
  }
  // reconcileOldReplicaSets
  const oldCount = oldReplicas.reduce((a, b) => a + b, 0);
  if (oldCount === 0) return { newReplicas: next.replicas, oldReplicas, action: 'none' };
  const allCount = next.replicas + oldCount;
  const minAvailable = replicas - maxUnavailable(strategy, replicas);
  const newUnavailable = next.replicas - next.available;
  const maxScaledDown = allCount - minAvailable - newUnavailable;
  if (maxScaledDown <= 0) return { newReplicas: next.replicas, oldReplicas, action: 'none' };
  // cleanupUnhealthyReplicas: unavailable old replicas go first, they would block the rollout
  // (kubernetes/kubernetes#16737).
  let cleaned = 0;
  for (let i = 0; i < olds.length && cleaned < maxScaledDown; i++) {
    const unhealthy = oldReplicas[i]! - olds[i]!.available;
    if (oldReplicas[i] === 0 || unhealthy <= 0) continue;
    const n = Math.min(maxScaledDown - cleaned, unhealthy);
    oldReplicas[i]! -= n;
    cleaned += n;
  }
  // scaleDownOldReplicaSetsForRollingUpdate: only what keeps availability >= minAvailable
  // (status.availableReplicas as listed at the start of the sync).
  const available = next.available + olds.reduce((a, o) => a + o.available, 0);
  let scaled = 0;
  if (available > minAvailable) {
    const total = available - minAvailable;
    for (let i = 0; i < olds.length && scaled < total; i++) {
      if (oldReplicas[i] === 0) continue;
      const n = Math.min(oldReplicas[i]!, total - scaled);
      oldReplicas[i]! -= n;
      scaled += n;
    }
  }
  return { newReplicas: next.replicas, oldReplicas, action: cleaned + scaled > 0 ? 'scaled-down' : 'none' };
}

/** MaxSurge (deployment_util.go): the resolved surge of a RollingUpdate, 0 for Recreate. */
export function maxSurge(strategy: DeploymentStrategy, replicas: number): number {
  return strategy.type === 'RollingUpdate' ? resolveFenceposts(strategy.maxSurge, strategy.maxUnavailable, replicas).surge : 0;
}

/** A ReplicaSet as proportional scaling sees it: spec.replicas and its max-replicas annotation (replicas + maxSurge when last scaled). */
export interface ScaledReplicaSet {
  readonly replicas: number;
  readonly maxReplicasAnnotation: number;
}

/** integer.RoundToInt32: half away from zero (Go's math.Round), unlike Math.round for negative halves. */
const roundHalfAway = (x: number) => Math.sign(x) * Math.round(Math.abs(x));

/**
 * Proportional scaling of a rolling update (sync.go scale, deployment_util.go GetProportion and
 * getReplicaSetFraction): when spec.replicas changes while several ReplicaSets are active, the
 * change to replicas + maxSurge is split among them in proportion to their size, the largest
 * first (ties: newer first when adding, older first when removing); leftovers go to the first.
 * `sets` are the active ReplicaSets oldest first; returns their new spec.replicas in that order.
 */
export function proportionalSizes(replicas: number, surge: number, sets: readonly ScaledReplicaSet[]): number[] {
  const all = sets.reduce((a, rs) => a + rs.replicas, 0);
  const allowed = replicas > 0 ? replicas + surge : 0;
  const toAdd = allowed - all;
  const sizes = sets.map((rs) => rs.replicas);
  if (toAdd === 0) return sizes;
  // ReplicaSetsBySizeNewer when scaling up, ReplicaSetsBySizeOlder when scaling down.
  const order = sets.map((_, i) => i).sort((a, b) => sets[b]!.replicas - sets[a]!.replicas || (toAdd > 0 ? b - a : a - b));
  let added = 0;
  for (const i of order) {
    const rs = sets[i]!;
    if (rs.replicas === 0 || added === toAdd) continue;
    const fraction = replicas === 0 ? -rs.replicas : roundHalfAway((rs.replicas * allowed) / rs.maxReplicasAnnotation) - rs.replicas;
    const proportion = toAdd > 0 ? Math.min(fraction, toAdd - added) : Math.max(fraction, toAdd - added);
    sizes[i]! += proportion;
    added += proportion;
  }
  const first = order[0]!;
  sizes[first] = Math.max(0, sizes[first]! + toAdd - added);
  return sizes;
}

/** A template with a patch applied (requests merge key by key, like `kubectl set resources`). */
export function patchedTemplate(t: PodTemplate, patch: TemplatePatch): PodTemplate {
  const r = t.spec.requests;
  const requests = patch.requests
    ? resources({ milliCPU: r.milliCPU, memory: r.memory, milliGPU: r.milliGPU, ephemeralStorage: r.ephemeralStorage, scalar: r.scalar ? { ...r.scalar } : undefined, ...patch.requests })
    : r;
  return {
    spec: requests === r ? t.spec : { ...t.spec, requests },
    startup: patch.startup ?? t.startup,
    crashes: patch.crashes === null ? undefined : patch.crashes ?? t.crashes,
    ...probesPatched(t.probes, patch.probes),
  };
}

/** The template's probes with a patch's applied (a kind left out is kept, null removes it), as a field to spread. */
function probesPatched(probes: PodTemplate['probes'], patch: TemplatePatch['probes']): Pick<PodTemplate, 'probes'> {
  if (!patch) return probes ? { probes } : {};
  const pick = <T>(next: T | null | undefined, current: T | undefined) => (next === null ? undefined : next ?? current);
  const readiness = pick(patch.readiness, probes?.readiness);
  const startup = pick(patch.startup, probes?.startup);
  const liveness = pick(patch.liveness, probes?.liveness);
  if (!readiness && !startup && !liveness) return {};
  return { probes: { ...(readiness ? { readiness } : {}), ...(startup ? { startup } : {}), ...(liveness ? { liveness } : {}) } };
}

/** Whether two templates stamp the same pods (the pod-template-hash would match). */
export function sameTemplate(a: PodTemplate, b: PodTemplate): boolean {
  return a === b || JSON.stringify(a) === JSON.stringify(b);
}


import { QUEUE_RESOURCES, type ClusterQueue, type QueueResource, type ResourceFlavor } from '../../api/queueing.js';

/**
 * Quota and usage of ClusterQueues and their cohorts: Kueue's scheduler cache
 * (pkg/cache/scheduler/resource_node.go), for one level of cohorts (a cohort is the set of
 * ClusterQueues naming it; cohorts of cohorts and a cohort's own quota are not modelled).
 *
 * A flavor-resource (FlavorResource upstream) is an index: flavor index x 4 + resource index
 * (QUEUE_RESOURCES order). Values are in orchsim's units (milli-CPU, bytes, milli-GPU, pods).
 *
 * Upstream's rules, per flavor-resource of a ClusterQueue c in cohort C:
 * - localQuota(c) = max(0, nominal - lendingLimit) with a lending limit, else 0: the part of
 *   the nominal quota the cohort cannot borrow (resourceNode.localQuota);
 * - the cohort's quota is the sum of its members' nominal - localQuota, its usage the sum of
 *   their usage above localQuota (accumulateFromChild);
 * - available(c) = max(0, localQuota - usage) + the cohort's unused quota, the latter capped by
 *   nominal - localQuota - (usage above localQuota) + borrowingLimit when c has a borrowing
 *   limit (available); a ClusterQueue without a cohort has nominal - usage;
 * - potentialAvailable(c) = localQuota + the cohort's quota, at most nominal + borrowingLimit
 *   (potentialAvailable): the largest workload c could ever admit.
 */
export const RESOURCE_COUNT = QUEUE_RESOURCES.length;
export const resourceIndex = (r: QueueResource): number => QUEUE_RESOURCES.indexOf(r);

export class QuotaState {
  readonly frCount: number;
  /** Per ClusterQueue: index of its cohort, -1 without one. */
  readonly cohortOf: Int32Array;
  /** Members of each cohort, by ClusterQueue index, in declaration order. */
  readonly cohorts: readonly (readonly number[])[];
  readonly cohortNames: readonly string[];
  /** Per ClusterQueue, per flavor-resource (NaN limit = unlimited, as a nil limit upstream). */
  readonly nominal: Float64Array[];
  readonly borrowingLimit: Float64Array[];
  readonly lendingLimit: Float64Array[];
  /** Admitted workloads' requests, per ClusterQueue and flavor-resource. */
  readonly usage: Float64Array[];
  /** Flavor-resources a ClusterQueue has quota for (defined in one of its resource groups). */
  readonly defined: Uint8Array[];

  constructor(readonly flavors: readonly ResourceFlavor[], readonly clusterQueues: readonly ClusterQueue[]) {
    const frCount = (this.frCount = flavors.length * RESOURCE_COUNT);
    const flavorIndex = new Map(flavors.map((f, i) => [f.name, i]));
    const names: string[] = [];
    const members: number[][] = [];
    this.cohortOf = Int32Array.from(clusterQueues, (cq, i) => {
      if (cq.cohort === undefined) return -1;
      let k = names.indexOf(cq.cohort);
      if (k < 0) {
        k = names.length;
        names.push(cq.cohort);
        members.push([]);
      }
      members[k]!.push(i);
      return k;
    });
    this.cohorts = members;
    this.cohortNames = names;
    const arrays = (fill: number) => clusterQueues.map(() => new Float64Array(frCount).fill(fill));
    this.nominal = arrays(0);
    this.borrowingLimit = arrays(NaN);
    this.lendingLimit = arrays(NaN);
    this.usage = arrays(0);
    this.defined = clusterQueues.map(() => new Uint8Array(frCount));
    clusterQueues.forEach((cq, c) => {
      for (const rg of cq.resourceGroups) {
        for (const fq of rg.flavors) {
          const f = flavorIndex.get(fq.name);
          if (f === undefined) throw new Error(`ClusterQueue ${cq.name}: unknown flavor ${fq.name}`);
          for (const q of fq.resources) {
            const fr = f * RESOURCE_COUNT + resourceIndex(q.name);
            this.defined[c]![fr] = 1;
            this.nominal[c]![fr] = q.nominalQuota;
            // A limit means nothing without a cohort (validation refuses a borrowingLimit there).
            if (q.borrowingLimit !== undefined && cq.cohort !== undefined) this.borrowingLimit[c]![fr] = q.borrowingLimit;
            if (q.lendingLimit !== undefined && cq.cohort !== undefined) this.lendingLimit[c]![fr] = q.lendingLimit;
          }
        }
      }
    });
  }

  flavorResource(flavor: number, resource: QueueResource): number {
    return flavor * RESOURCE_COUNT + resourceIndex(resource);
  }

  /** resourceNode.localQuota: nominal quota kept from the cohort by a lending limit. */
  localQuota(c: number, fr: number): number {
    const lend = this.lendingLimit[c]![fr]!;
    return Number.isNaN(lend) ? 0 : Math.max(0, this.nominal[c]![fr]! - lend);
  }

  /** The cohort's quota: what its members lend (accumulateFromChild). */
  cohortQuota(k: number, fr: number): number {
    let s = 0;
    for (const c of this.cohorts[k]!) s += this.nominal[c]![fr]! - this.localQuota(c, fr);
    return s;
  }

  /** The cohort's usage: its members' usage above their local quota. */
  cohortUsage(k: number, fr: number): number {
    let s = 0;
    for (const c of this.cohorts[k]!) s += Math.max(0, this.usage[c]![fr]! - this.localQuota(c, fr));
    return s;
  }

  /** ClusterQueueSnapshot.Available: unused capacity now, own and borrowable, never negative. */
  available(c: number, fr: number): number {
    const k = this.cohortOf[c]!;
    const u = this.usage[c]![fr]!;
    if (k < 0) return Math.max(0, this.nominal[c]![fr]! - u);
    let parent = this.cohortQuota(k, fr) - this.cohortUsage(k, fr);
    const lq = this.localQuota(c, fr);
    const bl = this.borrowingLimit[c]![fr]!;
    if (!Number.isNaN(bl)) {
      const storedInParent = this.nominal[c]![fr]! - lq;
      const usedInParent = Math.max(0, u - lq);
      parent = Math.min(storedInParent - usedInParent + bl, parent);
    }
    return Math.max(0, Math.max(0, lq - u) + parent);
  }

  /** ClusterQueueSnapshot.PotentialAvailable: the most c could hold with the cohort's whole quota. */
  potentialAvailable(c: number, fr: number): number {
    const k = this.cohortOf[c]!;
    if (k < 0) return this.nominal[c]![fr]!;
    let avail = this.localQuota(c, fr) + this.cohortQuota(k, fr);
    const bl = this.borrowingLimit[c]![fr]!;
    if (!Number.isNaN(bl)) avail = Math.min(this.nominal[c]![fr]! + bl, avail);
    return avail;
  }

  /** ClusterQueueSnapshot.BorrowingWith: usage + val above nominal. */
  borrowingWith(c: number, fr: number, val: number): boolean {
    return this.nominal[c]![fr]! < this.usage[c]![fr]! + val;
  }

  /** Adds (or with a negative vector removes) a workload's usage: a sparse list of [fr, amount]. */
  add(c: number, usage: readonly (readonly [number, number])[], sign = 1): void {
    const u = this.usage[c]!;
    for (const [fr, v] of usage) u[fr] = u[fr]! + sign * v;
  }

  /** ClusterQueueSnapshot.Fits: every flavor-resource of the usage is available now. */
  fits(c: number, usage: readonly (readonly [number, number])[]): boolean {
    for (const [fr, v] of usage) if (this.available(c, fr) < v) return false;
    return true;
  }

  /** Whether c uses more than its nominal quota of some flavor-resource in `frs` (cqIsBorrowing). */
  isBorrowingIn(c: number, frs: Iterable<number>): boolean {
    if (this.cohortOf[c]! < 0) return false;
    for (const fr of frs) if (this.borrowingWith(c, fr, 0)) return true;
    return false;
  }
}

/** A workload's quota usage as a sparse vector of [flavor-resource, amount]. */
export type Usage = readonly (readonly [number, number])[];

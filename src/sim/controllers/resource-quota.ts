import type { PodSpec } from '../../api/pod.js';
import { QUOTA_RESOURCES, type QuotaResource, type ResourceQuotaSpec } from '../../api/quota.js';
import { SampleBuffer } from '../../util/stats.js';
import type { Lifecycle } from '../lifecycle.js';
import { summarize, type DistributionSummary } from '../results.js';

/** What a ResourceQuota did over a run. */
export interface ResourceQuotaResult {
  readonly name: string;
  readonly namespace: string;
  /** Pods that had to wait for room in the quota, and how long they waited (those admitted). */
  readonly podsHeld: number;
  readonly heldAtEnd: number;
  readonly waitSeconds: DistributionSummary;
  /** The most each limited resource was in use (orchsim units) and its hard limit. */
  readonly peak: Readonly<Partial<Record<QuotaResource, number>>>;
  readonly hard: Readonly<Partial<Record<QuotaResource, number>>>;
}

interface Quota {
  readonly spec: ResourceQuotaSpec;
  readonly used: Record<QuotaResource, number>;
  readonly peak: Record<QuotaResource, number>;
  /** Pods waiting for room, in creation order. */
  readonly waiting: number[];
  readonly waits: SampleBuffer;
  held: number;
}

const amount = (spec: PodSpec, r: QuotaResource): number =>
  r === 'pods' ? 1 : r === 'requests.cpu' ? spec.requests.milliCPU : r === 'requests.memory' ? spec.requests.memory : spec.requests.milliGPU;

/**
 * ResourceQuota admission (plugin/pkg/admission/resourcequota; pkg/quota/v1/evaluator/core/pods.go):
 * a namespace's non-terminal pods may request at most the quota's hard limits. Upstream refuses the
 * create (403 exceeded quota) and the pod's controller tries again; here the pod is created with a
 * scheduling gate and waits, in creation order, until the quota has room - the same wait, without
 * the retry traffic. A bare pod (a batch stream's) waits the same way; upstream would lose it.
 *
 * Watches: pods created (charged, or gated), pods that end (uncharged; waiting ones admitted).
 * Owns: each quota's usage and queue. Acts: gates and ungates pods.
 */
export class ResourceQuotaController {
  private readonly quotas: Quota[];
  /** The quota charged for each pod (by id), when there is one. */
  private readonly charged = new Map<number, Quota>();

  constructor(private readonly api: Lifecycle, specs: readonly ResourceQuotaSpec[]) {
    this.quotas = specs.map((spec) => ({ spec, used: zero(), peak: zero(), waiting: [], waits: new SampleBuffer(), held: 0 }));
    if (this.quotas.length === 0) return;
    api.on('podCreated', (id) => this.created(id));
    api.on('podSucceeded', (id) => this.ended(id));
    api.on('podRemoved', (id) => this.ended(id));
  }

  start(): void {}

  result(): ResourceQuotaResult[] {
    return this.quotas.map((q) => ({
      name: q.spec.name, namespace: q.spec.namespace, podsHeld: q.held, heldAtEnd: q.waiting.length, waitSeconds: summarize(q.waits.sorted()),
      peak: Object.fromEntries(QUOTA_RESOURCES.filter((r) => q.spec.hard[r] !== undefined).map((r) => [r, q.peak[r]])), hard: q.spec.hard,
    }));
  }

  private quotaOf(spec: PodSpec): Quota | undefined {
    return this.quotas.find((q) => q.spec.namespace === spec.namespace);
  }

  private fits(q: Quota, spec: PodSpec): boolean {
    for (const r of QUOTA_RESOURCES) {
      const hard = q.spec.hard[r];
      if (hard !== undefined && q.used[r] + amount(spec, r) > hard) return false;
    }
    return true;
  }

  private charge(q: Quota, id: number, spec: PodSpec): void {
    for (const r of QUOTA_RESOURCES) {
      q.used[r] += amount(spec, r);
      if (q.used[r] > q.peak[r]) q.peak[r] = q.used[r];
    }
    this.charged.set(id, q);
  }

  private created(id: number): void {
    const spec = this.api.pods.infos[id]!.spec;
    const q = this.quotaOf(spec);
    if (!q) return;
    // Pods already waiting go first: a later, smaller pod does not pass them (the controller's retries are in creation order).
    if (q.waiting.length === 0 && this.fits(q, spec)) {
      this.charge(q, id, spec);
      return;
    }
    q.held++;
    q.waiting.push(id);
    this.api.gatePod(id);
  }

  private ended(id: number): void {
    const q = this.charged.get(id);
    if (q) {
      this.charged.delete(id);
      const spec = this.api.pods.infos[id]!.spec;
      for (const r of QUOTA_RESOURCES) q.used[r] -= amount(spec, r);
      this.admitWaiting(q);
      return;
    }
    // A waiting pod deleted (its Job failed, a scale-down) leaves the queue.
    for (const x of this.quotas) {
      const k = x.waiting.indexOf(id);
      if (k >= 0) {
        x.waiting.splice(k, 1);
        this.admitWaiting(x);
        return;
      }
    }
  }

  private admitWaiting(q: Quota): void {
    const api = this.api;
    while (q.waiting.length > 0) {
      const id = q.waiting[0]!;
      const spec = api.pods.infos[id]!.spec;
      if (!this.fits(q, spec)) return;
      q.waiting.shift();
      this.charge(q, id, spec);
      q.waits.push(api.engine.now - api.pods.createdAt[id]!);
      api.ungatePod(id);
    }
  }
}

function zero(): Record<QuotaResource, number> {
  return { 'requests.cpu': 0, 'requests.memory': 0, 'requests.nvidia.com/gpu': 0, pods: 0 };
}

import type { DisruptionBudgetSpec, IntOrPercent } from '../../api/disruption.js';
import { matchesLabelSelector } from '../../api/labels.js';
import { DELETION_TIMEOUT, type DisruptionBudgetRecord } from '../eviction.js';
import type { Lifecycle } from '../lifecycle.js';

/**
 * The disruption controller (kubernetes pkg/controller/disruption/disruption.go): keeps each
 * PodDisruptionBudget's status - expected pods, desiredHealthy, currentHealthy and
 * disruptionsAllowed - as the eviction API reads it (KUBERNETES.md 7.5).
 *
 * Watches: pods created (matched against the selectors once: a pod's labels do not change),
 * started, stopped, succeeded and removed; Deployments' spec.replicas (the scale maxUnavailable
 * and percentages are taken of). Owns: the budgets' members and status. Acts: writes the status
 * in the store (lifecycle.ts disruptionBudgets) after every change, so an eviction in the same
 * instant sees it (upstream syncs asynchronously; the simulator has no informer lag).
 */
export class DisruptionController {
  /** Per pod: whether it is counted healthy now (so a change is counted once). */
  private healthy = new Uint8Array(1024);
  /** Per pod: the budgets whose selector it matches (absent: none). */
  private readonly budgetsOf = new Map<number, DisruptionBudgetRecord[]>();

  constructor(private readonly api: Lifecycle, budgets: readonly DisruptionBudgetSpec[]) {
    for (const spec of budgets) api.addDisruptionBudget(spec);
    if (budgets.length === 0) return;
    api.on('podCreated', (id) => this.created(id));
    api.on('podChanged', (id) => this.refresh(id));
    api.on('podSucceeded', (id) => this.gone(id));
    api.on('podRemoved', (id) => this.gone(id));
    api.on('desiredChanged', (wr) => {
      for (const b of api.disruptionBudgets) if (this.covers(b, wr.index)) this.sync(b);
    });
  }

  start(): void {}

  private created(id: number): void {
    const api = this.api;
    const spec = api.pods.infos[id]!.spec;
    if (id >= this.healthy.length) {
      const h = new Uint8Array(Math.max(id + 1, this.healthy.length * 2));
      h.set(this.healthy);
      this.healthy = h;
    }
    this.healthy[id] = 0;
    let list: DisruptionBudgetRecord[] | undefined;
    for (const b of api.disruptionBudgets) {
      // getPodsForPdb: the budget's namespace, and its selector on the pod's labels.
      if (b.spec.namespace !== spec.namespace || !matchesLabelSelector(b.spec.selector, spec.labels)) continue;
      b.members.add(id);
      (list ??= []).push(b);
    }
    if (!list) return;
    this.budgetsOf.set(id, list);
    for (const b of list) this.sync(b);
  }

  /** countHealthyPods: Ready (the pod table's `ready`: running and past its readiness probe), not deleting, not listed in disruptedPods. */
  private refresh(id: number): void {
    // No lookup in a run without budgets (heard once or more per pod).
    const list = this.budgetsOf.size > 0 ? this.budgetsOf.get(id) : undefined;
    if (!list) return;
    const pods = this.api.pods;
    const now = pods.ready[id] === 1 && pods.isOnNode(id) ? 1 : 0;
    if (now === this.healthy[id]) return;
    this.healthy[id] = now;
    for (const b of list) this.sync(b);
  }

  private gone(id: number): void {
    const list = this.budgetsOf.size > 0 ? this.budgetsOf.get(id) : undefined;
    if (!list) return;
    this.budgetsOf.delete(id);
    this.healthy[id] = 0;
    for (const b of list) {
      b.members.delete(id);
      // buildDisruptedPodMap keeps entries of pods that still exist only.
      b.disruptedPods.delete(id);
      this.sync(b);
    }
  }

  private covers(b: DisruptionBudgetRecord, wi: number): boolean {
    for (const id of b.members) if (this.api.pods.workload[id] === wi) return true;
    return false;
  }

  /** Recomputes one budget's status from its members (disruption.go trySync / updatePdbStatus). */
  private sync(b: DisruptionBudgetRecord): void {
    const api = this.api;
    const now = api.now;
    let healthy = 0;
    for (const id of b.members) {
      if (this.healthy[id] !== 1) continue;
      // A pod approved for eviction counts unhealthy until DeletionTimeout (disruption.go countHealthyPods).
      const approved = b.disruptedPods.get(id);
      if (approved !== undefined && approved + DELETION_TIMEOUT > now) continue;
      healthy++;
    }
    const status = budgetStatus(b.spec, { selected: b.members.size, healthy, scale: this.expectedScale(b) });
    b.expected = status.expected;
    b.desiredHealthy = status.desiredHealthy;
    b.currentHealthy = status.currentHealthy;
    b.disruptionsAllowed = status.disruptionsAllowed;
    b.synced = status.synced;
  }

  /**
   * getExpectedScale: the sum of the scales of the controllers owning the selected pods (each
   * once): a Deployment's spec.replicas. A Job, a batch pod or a bare pod has no scale
   * subresource: the sync fails (undefined).
   */
  private expectedScale(b: DisruptionBudgetRecord): number | undefined {
    const api = this.api;
    const seen = new Set<number>();
    let scale = 0;
    for (const id of b.members) {
      const wi = api.pods.workload[id]!;
      if (seen.has(wi)) continue;
      seen.add(wi);
      const wr = api.workloads[wi]!;
      if (wr.w.kind !== 'service') return undefined;
      scale += wr.desired;
    }
    return scale;
  }
}


export interface BudgetStatus {
  readonly expected: number;
  readonly desiredHealthy: number;
  readonly currentHealthy: number;
  readonly disruptionsAllowed: number;
  /** False: the expected scale could not be found (failSafe: no disruption allowed). */
  readonly synced: boolean;
}

/**
 * intstr.GetScaledValueFromIntOrPercent with roundUp (the disruption controller always rounds
 * up): an int as is, a percent of `total` rounded up.
 */
export function scaledValue(v: IntOrPercent, total: number): number {
  return v.kind === 'int' ? v.value : Math.ceil((v.value * total) / 100);
}

/**
 * disruption.go getExpectedPodCount and updatePdbStatus:
 * - maxUnavailable: expected = the owning controllers' scale; desiredHealthy = max(0, expected - maxUnavailable (percent rounded up));
 * - minAvailable int: desiredHealthy = minAvailable; expected = the selected pods;
 * - minAvailable percent: expected = the owning controllers' scale; desiredHealthy = ceil(percent x expected);
 * - disruptionsAllowed = max(0, currentHealthy - desiredHealthy), 0 when expected <= 0.
 * `scale` undefined (a pod without a scalable controller) fails the sync: 0 allowed (failSafe).
 */
export function budgetStatus(spec: Pick<DisruptionBudgetSpec, 'minAvailable' | 'maxUnavailable'>, c: { readonly selected: number; readonly healthy: number; readonly scale: number | undefined }): BudgetStatus {
  let expected: number;
  let desiredHealthy: number;
  if (spec.maxUnavailable !== undefined || spec.minAvailable?.kind === 'percent') {
    if (c.scale === undefined) return { expected: 0, desiredHealthy: 0, currentHealthy: c.healthy, disruptionsAllowed: 0, synced: false };
    expected = c.scale;
    desiredHealthy = spec.maxUnavailable !== undefined ? Math.max(0, expected - scaledValue(spec.maxUnavailable, expected)) : scaledValue(spec.minAvailable!, expected);
  } else if (spec.minAvailable !== undefined) {
    expected = c.selected;
    desiredHealthy = spec.minAvailable.value;
  } else {
    expected = 0;
    desiredHealthy = 0;
  }
  const allowed = expected <= 0 ? 0 : Math.max(0, c.healthy - desiredHealthy);
  return { expected, desiredHealthy, currentHealthy: c.healthy, disruptionsAllowed: allowed, synced: true };
}

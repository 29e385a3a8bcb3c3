import { ClusterEvent } from '../../api/framework.js';
import { PodPhase } from '../../api/pod.js';
import type { DeploymentRollout, PodTemplate, RolloutEvent } from '../../api/workload.js';
import { maxSurge, patchedTemplate, proportionalSizes, rollingStep, sameTemplate, type ReplicaSetView } from '../deployment-util.js';
import type { Lifecycle, WorkloadRecord } from '../lifecycle.js';
import type { RolloutOutcome } from '../results.js';

// ---- the controller ---------------------------------------------------------------------------

/** A ReplicaSet of a Deployment: a template stamped with a revision, and its pods. */
interface ReplicaSet {
  /** Position in creation order (ReplicaSetsByCreationTimestamp: a lower index is older). */
  readonly index: number;
  /** deployment.kubernetes.io/revision: a rollback gives the reused ReplicaSet the next one. */
  revision: number;
  readonly template: PodTemplate;
  /** spec.replicas. */
  replicas: number;
  readonly pods: Set<number>;
  /** Incidents of failed pods whose replacements are owed (the replacement counts for them). */
  readonly owed: number[];
  /** deployment.kubernetes.io/desired-replicas and max-replicas, stamped when the controller scales it. */
  desiredAnnotation: number;
  maxAnnotation: number;
}

/** DeploymentStatus figures (sync.go calculateStatus). */
interface Status {
  readonly replicas: number;
  readonly updated: number;
  readonly ready: number;
  readonly available: number;
}

/** One rollout being measured (a template change, an undo, or a rollback on failure). */
interface Measure {
  readonly out: { -readonly [K in keyof RolloutOutcome]: RolloutOutcome[K] };
  open: boolean;
  /** Billed nodes per pool when it started, and when the surge integral was last advanced. */
  readonly billedAtStart: Map<string, number>;
  lastT: number;
  offeredAtStart: number;
  servedAtStart: number;
}

interface Deployment {
  readonly wi: number;
  readonly rollout: DeploymentRollout;
  readonly sets: ReplicaSet[];
  /** The new ReplicaSet: the one whose template is the Deployment's. */
  current: ReplicaSet | undefined;
  queued: boolean;
  /** The Progressing condition's lastUpdateTime, and whether it is False/ProgressDeadlineExceeded. */
  lastProgress: number;
  exceeded: boolean;
  /** When a sync is queued to check the progress deadline (requeueStuckDeployment); NaN: none. */
  deadlineCheckAt: number;
  /** The Progressing condition's reason is NewReplicaSetAvailable: the latest rollout completed. */
  complete: boolean;
  last: Status;
  measure: Measure | undefined;
}

/**
 * The Deployment controller and the ReplicaSet controller of the services that have rollouts
 * (the other services keep the single ReplicaSet of workloads.ts, so runs without rollouts are
 * unchanged): ReplicaSets per revision, the rolling step or Recreate, minReadySeconds, the
 * progress deadline, `kubectl rollout undo`, and the rollouts' measures.
 *
 * Watches: pods ready or not (podChanged), pods removed, spec.replicas changes (the HPA), the
 * rollout events and its own timers (minReadySeconds, the progress deadline), each of which
 * queues one sync of the Deployment at the current time, deduplicated like a workqueue key
 * (upstream syncs on every pod and ReplicaSet change). Owns: the ReplicaSets. Acts: creates and
 * deletes pods through the lifecycle API.
 *
 * A change of spec.replicas (the HPA) in the middle of a rolling update is split across the
 * active ReplicaSets in proportion to their size (sync.go scale), so the old version takes its
 * share of a scale-up.
 */
export class DeploymentController {
  private readonly deployments: Deployment[] = [];
  private readonly byWorkload = new Map<number, Deployment>();
  /** The ReplicaSet of each pod of these Deployments, and when it became ready (Ready condition). */
  private readonly setOf = new Map<number, ReplicaSet>();
  private readonly readyAt = new Map<number, number>();
  private readonly events: [Deployment, RolloutEvent][] = [];
  private readonly outcomes: Measure[] = [];
  /** Billed nodes and price per pool (for the surge cost). */
  private readonly billed = new Map<string, { count: number; price: number }>();
  private evStart = -1;
  private evSync = -1;
  private evRollout = -1;

  constructor(
    private readonly api: Lifecycle,
    private readonly horizon: number,
    pools: { readonly nodes: readonly { readonly pool?: string | undefined; readonly pricePerHour?: number | undefined }[]; readonly groups: readonly { readonly pool: string; readonly pricePerHour: number }[] } = { nodes: [], groups: [] },
  ) {
    for (const wr of api.workloads) {
      if (wr.w.kind !== 'service' || !wr.w.rollout) continue;
      const d: Deployment = {
        wi: wr.index, rollout: wr.w.rollout, sets: [], current: undefined, queued: false, lastProgress: wr.w.startAt, exceeded: false, deadlineCheckAt: NaN, complete: false,
        last: { replicas: 0, updated: 0, ready: 0, available: 0 }, measure: undefined,
      };
      this.deployments.push(d);
      this.byWorkload.set(wr.index, d);
      for (const ev of wr.w.rollout.events) this.events.push([d, ev]);
    }
    // A run without rollouts hears nothing and schedules nothing.
    if (this.deployments.length === 0) return;
    for (const g of pools.groups) this.billed.set(g.pool, { count: 0, price: g.pricePerHour });
    for (const n of pools.nodes) {
      const p = this.billed.get(n.pool ?? 'default') ?? { count: 0, price: n.pricePerHour ?? 0 };
      p.count++;
      this.billed.set(n.pool ?? 'default', p);
    }
    const e = api.engine;
    this.evStart = e.defineEvent('deployment-start', (di) => this.onStart(this.deployments[di]!));
    this.evSync = e.defineEvent('deployment-sync', (di) => {
      const d = this.deployments[di]!;
      d.queued = false;
      this.sync(d);
    });
    this.evRollout = e.defineEvent('rollout', (k) => this.onRollout(...this.events[k]!));
    api.on('podChanged', (id) => this.podChanged(id));
    api.on('podRemoved', (id) => this.podRemoved(id));
    api.on('desiredChanged', (wr) => this.enqueueWorkload(wr));
    api.on('billed', (pool, delta) => this.bill(pool, delta));
  }

  /** Schedules each Deployment's creation and the rollout events. */
  start(): void {
    const e = this.api.engine;
    this.deployments.forEach((d, di) => {
      const w = this.api.workloads[d.wi]!.w;
      if (w.kind === 'service' && w.startAt <= this.horizon) e.scheduleAt(w.startAt, this.evStart, di);
    });
    this.events.forEach(([, ev], k) => {
      if (ev.at <= this.horizon) e.scheduleAt(ev.at, this.evRollout, k);
    });
  }

  /** The rollouts measured so far, those still open measured up to the horizon. */
  rollouts(): RolloutOutcome[] {
    const now = this.horizon;
    return this.outcomes.map((m) => {
      if (!m.open) return { ...m.out };
      this.advanceMeasure(m, now);
      const out = { ...m.out };
      out.outcome = Number.isNaN(out.deadlineExceededAt) ? 'in-progress' : 'deadline-exceeded';
      this.finishCapacity(m, out, now);
      return out;
    });
  }

  /** Whether any service has rollouts (the result then has a rollouts section). */
  get active(): boolean {
    return this.deployments.length > 0;
  }

  // ---- events -------------------------------------------------------------------------------

  /** The Deployment is created: its first ReplicaSet (revision 1) from the workload's template. */
  private onStart(d: Deployment): void {
    const w = this.api.workloads[d.wi]!.w;
    if (w.kind !== 'service') return;
    d.current = this.newReplicaSet(d, { spec: w.spec, startup: w.startup, crashes: w.crashes, ...(w.probes ? { probes: w.probes } : {}) });
    d.lastProgress = this.api.engine.now;
    this.sync(d);
  }

  private onRollout(d: Deployment, ev: RolloutEvent): void {
    const cur = d.current;
    // Before the Deployment exists there is nothing to roll (the scenario resolver refuses it too).
    if (!cur) return;
    if (ev.kind === 'update') {
      this.switchTo(d, patchedTemplate(cur.template, ev.patch), 'update');
    } else {
      this.undo(d, ev.toRevision, 'undo');
    }
  }

  /**
   * kubectl rollout undo (kubectl pkg/polymorphichelpers/rollback.go): the template of the
   * revision asked for, by default the previous one (the highest revision below the current),
   * becomes the Deployment's; refused when there is no such revision, skipped when it is the
   * current template already.
   */
  private undo(d: Deployment, toRevision: number | undefined, cause: RolloutOutcome['cause']): void {
    const cur = d.current!;
    let target: ReplicaSet | undefined;
    if (toRevision !== undefined) {
      target = d.sets.find((rs) => rs.revision === toRevision);
    } else {
      for (const rs of d.sets) if (rs.revision < cur.revision && (!target || rs.revision > target.revision)) target = rs;
    }
    if (!target || sameTemplate(target.template, cur.template)) return;
    // The rollout being replaced (the last one measured, open or complete) was rolled back.
    const last = this.outcomes.findLast((m) => m.out.workload === this.api.workloads[d.wi]!.w.name);
    if (last && last.out.revision === cur.revision) last.out.rolledBack = true;
    this.switchTo(d, target.template, cause);
  }

  /**
   * The Deployment's template changes: the ReplicaSet with the same template becomes the new one
   * with the next revision (sync.go getNewReplicaSet reuses it by pod-template-hash), or a new
   * ReplicaSet with 0 replicas is created; the rolling step or Recreate moves pods over.
   */
  private switchTo(d: Deployment, template: PodTemplate, cause: RolloutOutcome['cause']): void {
    if (sameTemplate(template, d.current!.template)) return;
    const now = this.api.engine.now;
    const found = d.sets.find((rs) => sameTemplate(rs.template, template));
    const maxRevision = Math.max(...d.sets.map((rs) => rs.revision));
    if (found) found.revision = maxRevision + 1;
    d.current = found ?? this.newReplicaSet(d, template);
    // A new rollout: the Progressing condition restarts (reason NewReplicaSetCreated / FoundNewReplicaSet).
    d.lastProgress = now;
    d.exceeded = false;
    d.complete = false;
    this.openMeasure(d, cause);
    this.sync(d);
  }

  private newReplicaSet(d: Deployment, template: PodTemplate): ReplicaSet {
    const revision = d.sets.length === 0 ? 1 : Math.max(...d.sets.map((rs) => rs.revision)) + 1;
    const replicas = this.api.workloads[d.wi]!.desired;
    const rs: ReplicaSet = {
      index: d.sets.length, revision, template, replicas: 0, pods: new Set(), owed: [], desiredAnnotation: replicas, maxAnnotation: replicas + maxSurge(d.rollout.strategy, replicas),
    };
    d.sets.push(rs);
    return rs;
  }

  private enqueue(d: Deployment): void {
    if (d.queued) return;
    d.queued = true;
    this.api.engine.schedule(0, this.evSync, this.deployments.indexOf(d));
  }

  private enqueueWorkload(wr: WorkloadRecord): void {
    const d = this.byWorkload.get(wr.index);
    if (d) this.enqueue(d);
  }

  /** A pod became ready or stopped being ready: its ReplicaSet's status changes now, and again after minReadySeconds. */
  private podChanged(id: number): void {
    const rs = this.setOf.get(id);
    if (!rs) return;
    const d = this.byWorkload.get(this.api.pods.workload[id]!)!;
    // The Ready condition (the readiness probe passed): minReadySeconds counts from it.
    const ready = this.api.pods.ready[id] === 1;
    if (ready === this.readyAt.has(id)) return;
    if (ready) {
      const now = this.api.engine.now;
      this.readyAt.set(id, now);
      // The ReplicaSet controller requeues after minReadySeconds to count the pod available.
      if (d.rollout.minReadySeconds > 0) this.api.engine.scheduleAt(now + d.rollout.minReadySeconds, this.evSync, this.deployments.indexOf(d));
    } else {
      this.readyAt.delete(id);
    }
    this.enqueue(d);
  }

  /**
   * A pod is gone. Its ReplicaSet replaces it at once when it has fewer pods than spec.replicas
   * (replica_set.go manageReplicas; a scale-down's deletions leave it at spec.replicas); the
   * replacement counts for the failed pod's incident.
   */
  private podRemoved(id: number): void {
    const rs = this.setOf.get(id);
    if (!rs) return;
    this.setOf.delete(id);
    this.readyAt.delete(id);
    rs.pods.delete(id);
    const d = this.byWorkload.get(this.api.pods.workload[id]!)!;
    const incident = this.api.pods.incidentOf(id);
    if (incident >= 0) rs.owed.push(incident);
    this.manageReplicas(d, rs);
    this.enqueue(d);
  }

  private bill(pool: string, delta: number): void {
    const now = this.api.engine.now;
    for (const m of this.outcomes) if (m.open) this.advanceMeasure(m, now);
    const p = this.billed.get(pool) ?? { count: 0, price: 0 };
    p.count += delta;
    this.billed.set(pool, p);
    if (delta > 0) for (const m of this.outcomes) if (m.open) m.out.nodesAdded += delta;
  }

  // ---- the sync -----------------------------------------------------------------------------

  /** One reconcile of the Deployment (sync.go syncDeployment): the strategy's step, then the rollout status. */
  private sync(d: Deployment): void {
    const cur = d.current;
    if (!cur) return;
    const replicas = this.api.workloads[d.wi]!.desired;
    const strategy = d.rollout.strategy;
    const olds = d.sets.filter((rs) => rs !== cur);
    // isScalingEvent: an active ReplicaSet was last sized for another spec.replicas (the HPA
    // changed it); such a sync only scales (sync.go sync), the next one rolls.
    if (d.sets.some((rs) => rs.replicas > 0 && rs.desiredAnnotation !== replicas)) {
      this.scaleDeployment(d, replicas);
      this.syncRolloutStatus(d, replicas);
      return;
    }
    if (strategy.type === 'Recreate') {
      // recreate.go rolloutRecreate: old ReplicaSets to 0; once their pods are gone, the new one to spec.replicas.
      let scaledDown = false;
      for (const rs of olds) {
        if (rs.replicas > 0) {
          this.scale(d, rs, 0);
          scaledDown = true;
        }
      }
      // oldPodsRunning: deletion is immediate in the simulator, so the wait ends in the same sync.
      if (!scaledDown && olds.every((rs) => rs.pods.size === 0) && cur.replicas !== replicas) this.scale(d, cur, replicas);
    } else {
      const step = rollingStep(replicas, strategy, this.view(d, cur), olds.map((rs) => this.view(d, rs)));
      if (step.newReplicas !== cur.replicas) this.scale(d, cur, step.newReplicas);
      step.oldReplicas.forEach((n, i) => {
        if (n !== olds[i]!.replicas) this.scale(d, olds[i]!, n);
      });
    }
    this.syncRolloutStatus(d, replicas);
  }

  /**
   * syncRolloutStatus (progress.go): complete when every replica is updated and available
   * (DeploymentComplete); progress when updated, ready or available replicas rise or old ones
   * fall (DeploymentProgressing) moves lastUpdateTime; with none for progressDeadlineSeconds the
   * condition turns ProgressDeadlineExceeded (DeploymentTimedOut). Kubernetes rolls nothing back
   * on it; `rollbackOnFailure` does, as Argo Rollouts does on a failed analysis.
   */
  private syncRolloutStatus(d: Deployment, replicas: number): void {
    const now = this.api.engine.now;
    const s = this.status(d);
    const m = d.measure;
    if (m?.open) {
      this.advanceMeasure(m, now);
      m.out.minAvailable = Math.min(m.out.minAvailable, s.available);
      m.out.minReady = Math.min(m.out.minReady, s.ready);
      m.out.maxPods = Math.max(m.out.maxPods, s.replicas);
    }
    const last = d.last;
    d.last = s;
    if (s.updated === replicas && s.replicas === replicas && s.available === replicas) {
      d.exceeded = false;
      d.complete = true;
      if (m?.open) this.closeMeasure(m, 'complete', now);
      return;
    }
    // Once the latest rollout completed, pods lost and replaced are no rollout: progress is not
    // estimated while every pod is of the new ReplicaSet (progress.go, isCompleteDeployment).
    if (d.complete && s.replicas === s.updated) return;
    const deadline = d.rollout.progressDeadlineSeconds;
    if (s.updated > last.updated || s.replicas - s.updated < last.replicas - last.updated || s.ready > last.ready || s.available > last.available) {
      d.lastProgress = now;
      d.exceeded = false;
      // requeueStuckDeployment: look again when the deadline would pass.
      d.deadlineCheckAt = now + deadline;
      this.api.engine.scheduleAt(d.deadlineCheckAt, this.evSync, this.deployments.indexOf(d));
      return;
    }
    // requeueStuckDeployment: without progress (a new rollout whose surge pods fit nowhere) the
    // deadline is still checked when it passes, not only on a later pod change.
    if (!d.exceeded && now < d.lastProgress + deadline && d.deadlineCheckAt !== d.lastProgress + deadline) {
      d.deadlineCheckAt = d.lastProgress + deadline;
      this.api.engine.scheduleAt(d.deadlineCheckAt, this.evSync, this.deployments.indexOf(d));
    }
    // Upstream compares lastUpdateTime + deadline with a later wall clock (Before(now)); here the check runs at that very time.
    if (!d.exceeded && now >= d.lastProgress + deadline) {
      d.exceeded = true;
      if (m?.open && Number.isNaN(m.out.deadlineExceededAt)) m.out.deadlineExceededAt = now;
      if (d.rollout.rollbackOnFailure) this.undo(d, undefined, 'rollback-on-failure');
    }
  }

  private status(d: Deployment): Status {
    let replicas = 0;
    let ready = 0;
    let available = 0;
    for (const rs of d.sets) {
      replicas += rs.pods.size;
      const v = this.view(d, rs);
      available += v.available;
      for (const id of rs.pods) if (this.readyAt.has(id)) ready++;
    }
    return { replicas, updated: d.current!.pods.size, ready, available };
  }

  /** spec.replicas and available pods: Ready for at least minReadySeconds (pkg/api/v1/pod/util.go IsPodAvailable). */
  private view(d: Deployment, rs: ReplicaSet): ReplicaSetView {
    const now = this.api.engine.now;
    const minReady = d.rollout.minReadySeconds;
    let available = 0;
    for (const id of rs.pods) {
      const t = this.readyAt.get(id);
      if (t !== undefined && (minReady === 0 || t + minReady <= now)) available++;
    }
    return { replicas: rs.replicas, available };
  }

  /**
   * sync.go scale: a single active ReplicaSet (or none: the newest) takes spec.replicas; a
   * saturated new ReplicaSet sends the old ones to 0; otherwise a rolling update splits the
   * change proportionally (proportionalSizes). Every active ReplicaSet is stamped with the new
   * annotations.
   */
  private scaleDeployment(d: Deployment, replicas: number): void {
    const cur = d.current!;
    const active = d.sets.filter((rs) => rs.replicas > 0);
    if (active.length <= 1) {
      this.scale(d, active[0] ?? cur, replicas);
      return;
    }
    const strategy = d.rollout.strategy;
    // IsSaturated: the new ReplicaSet has every replica, available.
    if (cur.replicas === replicas && cur.desiredAnnotation === replicas && this.view(d, cur).available === replicas) {
      for (const rs of active) if (rs !== cur) this.scale(d, rs, 0);
      return;
    }
    // Recreate: the old ReplicaSets are on their way to 0 anyway; only the annotations change.
    if (strategy.type !== 'RollingUpdate') {
      for (const rs of active) this.scale(d, rs, rs.replicas);
      return;
    }
    const sizes = proportionalSizes(replicas, maxSurge(strategy, replicas), active.map((rs) => ({ replicas: rs.replicas, maxReplicasAnnotation: rs.maxAnnotation })));
    active.forEach((rs, i) => this.scale(d, rs, sizes[i]!));
  }

  // ---- the ReplicaSet controller ------------------------------------------------------------

  /** Sets a ReplicaSet's spec.replicas; the change is synced again (upstream: the ReplicaSet update event). */
  private scale(d: Deployment, rs: ReplicaSet, replicas: number): void {
    // SetReplicasAnnotations: what the Deployment wanted when this ReplicaSet was sized.
    const desired = this.api.workloads[d.wi]!.desired;
    rs.desiredAnnotation = desired;
    rs.maxAnnotation = desired + maxSurge(d.rollout.strategy, desired);
    rs.replicas = replicas;
    this.manageReplicas(d, rs);
    this.enqueue(d);
  }

  /** replica_set.go manageReplicas: create the missing pods, or delete the surplus in getPodsToDelete order. */
  private manageReplicas(d: Deployment, rs: ReplicaSet): void {
    const api = this.api;
    const wr = api.workloads[d.wi]!;
    while (rs.pods.size < rs.replicas) {
      const id = api.createPod(d.wi, `${wr.w.name}-${wr.created}`, rs.template.spec, Infinity, rs.owed.shift() ?? -1, rs.template);
      rs.pods.add(id);
      this.setOf.set(id, rs);
    }
    if (rs.pods.size > rs.replicas) {
      for (const id of this.podsToDelete(d, rs, rs.pods.size - rs.replicas)) {
        // Forgotten first: the deletion's own notifications are not a pod of the set going missing.
        rs.pods.delete(id);
        this.setOf.delete(id);
        this.readyAt.delete(id);
        api.stopContainers(id);
        api.removePod(id, 'deleted');
      }
      api.clusterChanged(ClusterEvent.AssignedPodDelete);
    }
  }

  /**
   * getPodsToDelete with ActivePodsWithRanks (pkg/controller/controller_utils.go): unassigned
   * before assigned, Pending before Running, not ready before ready, more pods of the same
   * Deployment on the node first ("doubled up"), ready for less time first, more restarts first,
   * newer first (the log-scaled buckets of LogarithmicScaleDown are not modelled).
   */
  private podsToDelete(d: Deployment, rs: ReplicaSet, count: number): number[] {
    const p = this.api.pods;
    const onNode = new Map<number, number>();
    for (const s of d.sets) {
      for (const id of s.pods) if (p.isOnNode(id)) onNode.set(p.node[id]!, (onNode.get(p.node[id]!) ?? 0) + 1);
    }
    const assigned = (id: number) => (p.isOnNode(id) ? 1 : 0);
    const running = (id: number) => (p.phase[id] === PodPhase.Running ? 1 : 0);
    const ready = (id: number) => (this.readyAt.has(id) ? 1 : 0);
    const ids = [...rs.pods];
    ids.sort((a, b) => assigned(a) - assigned(b)
      || running(a) - running(b)
      || ready(a) - ready(b)
      || (onNode.get(p.node[b]!) ?? 0) - (onNode.get(p.node[a]!) ?? 0)
      || (this.readyAt.get(b) ?? 0) - (this.readyAt.get(a) ?? 0)
      || p.restarts[b]! - p.restarts[a]!
      || p.createdAt[b]! - p.createdAt[a]!
      || b - a);
    return ids.slice(0, count);
  }

  // ---- measures -----------------------------------------------------------------------------

  private openMeasure(d: Deployment, cause: RolloutOutcome['cause']): void {
    const now = this.api.engine.now;
    const wr = this.api.workloads[d.wi]!;
    if (d.measure?.open) this.closeMeasure(d.measure, d.measure.out.rolledBack ? 'rolled-back' : 'superseded', now);
    const s = this.status(d);
    wr.traffic?.advance(now, wr.ready);
    const m: Measure = {
      out: {
        workload: wr.w.name, revision: d.current!.revision, cause, start: now, end: NaN, durationSeconds: NaN, outcome: 'in-progress',
        deadlineExceededAt: NaN, rolledBack: false, replicas: wr.desired, minAvailable: s.available, minReady: s.ready, maxPods: s.replicas,
        servedFraction: NaN, nodesAdded: 0, surgeNodeHours: 0, surgeCost: 0,
      },
      open: true,
      billedAtStart: new Map([...this.billed].map(([k, v]) => [k, v.count])),
      lastT: now,
      offeredAtStart: wr.traffic?.offered ?? 0,
      servedAtStart: wr.traffic?.served ?? 0,
    };
    d.measure = m;
    this.outcomes.push(m);
  }

  private closeMeasure(m: Measure, outcome: RolloutOutcome['outcome'], now: number): void {
    this.advanceMeasure(m, now);
    m.open = false;
    m.out.outcome = outcome;
    m.out.end = now;
    m.out.durationSeconds = now - m.out.start;
    this.finishCapacity(m, m.out, now);
  }

  /** The served fraction of the requests offered from the rollout's start to `now` (services with a load model). */
  private finishCapacity(m: Measure, out: Measure['out'], now: number): void {
    const wr = this.api.workloads.find((w) => w.w.name === m.out.workload)!;
    const t = wr.traffic;
    if (!t) return;
    t.advance(now, wr.ready);
    const offered = t.offered - m.offeredAtStart;
    out.servedFraction = offered > 0 ? (t.served - m.servedAtStart) / offered : 1;
  }

  /** Integrates the nodes billed above the rollout's start (the surge's nodes) up to `now`. */
  private advanceMeasure(m: Measure, now: number): void {
    const dt = now - m.lastT;
    if (dt <= 0) return;
    for (const [pool, p] of this.billed) {
      const extra = Math.max(0, p.count - (m.billedAtStart.get(pool) ?? 0));
      m.out.surgeNodeHours += (extra * dt) / 3600;
      m.out.surgeCost += (extra * dt * p.price) / 3600;
    }
    m.lastT = now;
  }
}

import { ClusterEvent, type DisruptionBudgets, type PreemptionHandle, type Scheduler, type VictimInfo } from '../api/framework.js';
import type { NodeInfo } from '../api/node.js';
import { PodPhase, type PodInfo } from '../api/pod.js';
import type { RandomStream } from '../util/random.js';
import type { Lifecycle } from './lifecycle.js';
import { WhatIfCluster } from './what-if.js';

/** DefaultTerminationGracePeriodSeconds (pkg/apis/core/v1/defaults.go): 30 s. */
export const DEFAULT_TERMINATION_GRACE_SECONDS = 30;

/**
 * The scheduler's PostFilter in the simulator: when a pod fits nowhere and its profile lists
 * DefaultPreemption, the scheduler's search (src/schedulers/preemption.ts) runs its dry runs on
 * the real cluster through a what-if (undone right after), and what it chose is carried out
 * here, as kube-scheduler's prepareCandidate does (pkg/scheduler/framework/preemption/
 * preemption.go): each victim gets DisruptionTarget (PreemptionByScheduler) and is deleted -
 * its containers stop at once, it keeps its node for its termination grace period
 * (terminationGracePeriodSeconds, default 30 s) and then leaves, which is when the preemptor can
 * fit - and the preemptor is nominated to the node.
 *
 * PodEligibleToPreemptOthers (default_preemption.go): a pod with preemptionPolicy Never does
 * not preempt, nor does one whose nominated node still has lower-priority pods terminating
 * because of a preemption (it waits for them rather than preempting more).
 *
 * The room a nominated preemptor waits for is kept from other pods as upstream keeps it
 * (RunFilterPluginsWithNominatedPods, pkg/scheduler/framework/runtime/framework.go): while a
 * pod of lower or equal priority is scheduled, the nominated pods of at least its priority are
 * counted on their nominated nodes (`reserveFor`); the node chosen must then pass the filters
 * without them too (the scheduling controller's second pass, which spreading and inter-pod
 * affinity need). Not modelled: trying the nominated node first, and trying the other nodes when
 * the chosen one fails the second pass (the pod waits for the next cluster event instead).
 */
export class Preemption {
  /** Victims still in their grace period. */
  private readonly terminating = new Set<number>();
  /** status.nominatedNodeName of waiting preemptors. */
  private readonly nominated = new Map<number, number>();
  private readonly evLeave: number;
  /**
   * One what-if per profile, reused by every PostFilter (its rollback leaves it empty): a failed
   * cycle is common (every pod that waits has one) and allocated a what-if, a handle and their
   * closures each time. `dryRun` is the one the current PostFilter uses.
   */
  private readonly dryRuns = new Map<Scheduler, WhatIfCluster>();
  private dryRun: WhatIfCluster | undefined;
  /** Victims the current dry run has taken off so far: none, and no nominated pod placed, leaves nothing to roll back. */
  private dryRunRemovals = 0;
  /** The profile dryRunFor was last asked for, and its what-if (with reuseDryRuns). */
  private lastDryRunOf: Scheduler | undefined;
  private lastDryRun: WhatIfCluster | undefined;
  /** The current dry run's victims' GPU devices (restored with them). */
  private readonly victimGpus = new Map<PodInfo, readonly number[] | undefined>();
  /** Each budget's allowance as read when a pod of it was first asked about in the current PostFilter (Lifecycle.podBudget). */
  private readonly allowed = new Map<string, number>();
  private readonly handle: PreemptionHandle;
  /** Wakes the podBound subscriber, asleep until the first nomination (see the constructor). */
  private readonly wakeBound: () => void;

  constructor(
    private readonly api: Lifecycle,
    private readonly scheduler: Scheduler,
    private readonly random: RandomStream,
    /** SimShortcuts.reuseDryRuns: one what-if per profile for every PostFilter (false: a new one each time). */
    private readonly reuseDryRuns = true,
  ) {
    this.evLeave = api.engine.defineEvent('preemption-victim-leaves', (id) => this.leave(id));
    this.handle = {
      podsOn: (node) => this.podsOn(node),
      remove: (p, node) => {
        if (!this.victimGpus.has(p)) this.victimGpus.set(p, api.cluster.gpusOf(p));
        this.dryRunRemovals++;
        this.dryRun!.removePod(p, node);
      },
      restore: (p, node) => this.dryRun!.restorePod(p, node, this.victimGpus.get(p)),
      budgets: this.budgets(),
      hasPodBelow: (priority) => api.cluster.hasPodBelow(priority),
    };
    // Each pod is bound and removed once: no Map call while nothing is nominated or terminating
    // (the usual case; a Map's delete is a builtin call even on an empty Map). A bind has nothing
    // to forget before the first nomination: that subscriber sleeps until then (Lifecycle.onDormant).
    this.wakeBound = api.onDormant('podBound', (id) => this.nominated.size > 0 && this.nominated.delete(id));
    api.on('podReserved', (id) => this.nominated.size > 0 && this.nominated.delete(id));
    api.on('podRemoved', (id) => {
      if (this.nominated.size > 0) this.nominated.delete(id);
      if (this.terminating.size > 0) this.terminating.delete(id);
    });
  }

  /**
   * PostFilter for a pod that fit nowhere: true when it preempted (victims chosen, pod nominated).
   * `scheduler` is the pod's profile (one nominator for all profiles, as upstream's shared queue).
   */
  postFilter(id: number, scheduler: Scheduler = this.scheduler): boolean {
    const api = this.api;
    const pod = api.pods.infos[id]!;
    if (!scheduler.preempt || pod.spec.preemptionPolicy === 'Never' || this.waitsForVictims(pod)) return false;
    const whatIf = this.dryRunFor(scheduler);
    // The dry runs count the nominated pods of at least this priority on their nodes
    // (SelectVictimsOnNode filters with RunFilterPluginsWithNominatedPods): room another
    // preemptor is waiting for is not this one's to take.
    const placed = this.nominated.size > 0;
    if (placed) this.placeNominated(whatIf, pod);
    this.dryRun = whatIf;
    this.dryRunRemovals = 0;
    // Guarded: clearing a Map allocates a new table even when it is empty.
    if (this.victimGpus.size > 0) this.victimGpus.clear();
    if (this.allowed.size > 0) this.allowed.clear();
    const handle = this.handle;
    let result;
    try {
      result = scheduler.preempt(pod, api.cluster, handle, this.random);
    } finally {
      // Most PostFilters find no lower-priority pod (the search takes none off): nothing to undo.
      if (placed || this.dryRunRemovals > 0) whatIf.rollback();
      this.dryRun = undefined;
    }
    if (!result) return false;
    const now = api.engine.now;
    let left = false;
    for (const victim of result.victims) {
      const vid = victim.id;
      if (this.terminating.has(vid) || !api.pods.isOnNode(vid)) continue;
      api.preempt(vid, id);
      const grace = victim.spec.terminationGracePeriodSeconds ?? DEFAULT_TERMINATION_GRACE_SECONDS;
      this.terminating.add(vid);
      if (grace <= 0) {
        this.remove(vid);
        left = true;
      } else api.engine.scheduleAt(now + grace, this.evLeave, vid);
    }
    // Lower-priority pods nominated to the node lose their nomination (prepareCandidate).
    for (const [other, node] of this.nominated) if (node === result.node && api.pods.infos[other]!.spec.priority < pod.spec.priority) this.nominated.delete(other);
    this.wakeBound();
    this.nominated.set(id, result.node);
    if (left) api.clusterChanged(ClusterEvent.AssignedPodDelete);
    return true;
  }

  /**
   * Before pod `id`'s cycle: the nominated pods of at least its priority placed on their nodes
   * in a what-if, so it cannot take their room; returns the undo, or undefined when none.
   */
  reserveFor(id: number, scheduler: Scheduler = this.scheduler): (() => void) | undefined {
    if (this.nominated.size === 0) return undefined;
    const api = this.api;
    const pod = api.pods.infos[id]!;
    if (!this.hasNominatedFor(pod)) return undefined;
    const whatIf = new WhatIfCluster(api.cluster, scheduler, () => {
      throw new Error('a nominated-pods pass adds no nodes');
    });
    this.placeNominated(whatIf, pod);
    return () => whatIf.rollback();
  }

  /** The nominated pods that `pod`'s cycle counts: other pending ones of at least its priority, on present nodes. */
  private *nominatedFor(pod: PodInfo): Generator<[PodInfo, NodeInfo]> {
    const api = this.api;
    for (const [other, node] of this.nominated) {
      if (other === pod.id || api.pods.phase[other] !== PodPhase.Pending) continue;
      const q = api.pods.infos[other]!;
      const n = api.cluster.nodes[node];
      if (q.spec.priority < pod.spec.priority || n === undefined || n.removed) continue;
      yield [q, n];
    }
  }

  private hasNominatedFor(pod: PodInfo): boolean {
    return !this.nominatedFor(pod).next().done;
  }

  /**
   * Added to the node's view whether or not they fit yet, as upstream adds them (the room their
   * victims still hold is theirs): cpu, memory and pod count may show more than allocatable while
   * the victims terminate. A GPU pod that does not fit yet is left out: its devices cannot be
   * promised twice; nothing else can take room its victims still hold.
   */
  private placeNominated(whatIf: WhatIfCluster, pod: PodInfo): void {
    for (const [q, n] of this.nominatedFor(pod)) if (q.spec.requests.milliGPU === 0 || whatIf.fits(q, n)) whatIf.place(q, n);
  }

  private dryRunFor(scheduler: Scheduler): WhatIfCluster {
    // The last profile's what-if without a Map lookup: most runs have one profile.
    if (scheduler === this.lastDryRunOf && this.lastDryRun !== undefined) return this.lastDryRun;
    let whatIf = this.reuseDryRuns ? this.dryRuns.get(scheduler) : undefined;
    if (whatIf === undefined) {
      whatIf = new WhatIfCluster(this.api.cluster, scheduler, () => {
        throw new Error('a preemption dry run adds no nodes');
      });
      if (this.reuseDryRuns) this.dryRuns.set(scheduler, whatIf);
    }
    if (this.reuseDryRuns) {
      this.lastDryRunOf = scheduler;
      this.lastDryRun = whatIf;
    }
    return whatIf;
  }

  /** The node the preemptor is nominated to, if any (status.nominatedNodeName). */
  nominatedNode(id: number): number | undefined {
    return this.nominated.get(id);
  }

  /** Its nominated node still has lower-priority pods terminating because of a preemption. */
  private waitsForVictims(pod: PodInfo): boolean {
    if (this.terminating.size === 0) return false;
    const node = this.nominated.get(pod.id);
    if (node === undefined) return false;
    const n = this.api.cluster.nodes[node];
    return n !== undefined && !n.removed && n.pods.some((p) => this.terminating.has(p.id) && p.spec.priority < pod.spec.priority);
  }

  private podsOn(node: NodeInfo): VictimInfo[] {
    const boundAt = this.api.pods.boundAt;
    return node.pods.map((p) => ({ pod: p, priority: p.spec.priority, startTime: boundAt[p.id]! }));
  }

  /**
   * The victims' PodDisruptionBudgets (filterPodsWithPDBViolation reads each budget's
   * disruptionsAllowed): a scenario's budget that selects the pod, else - as for the cluster
   * autoscaler - a service's minAvailable standing for a budget over its pods. Preemption only
   * weighs them; it deletes its victims directly, not through the eviction API (as upstream).
   */
  private budgets(): DisruptionBudgets {
    const allowed = this.allowed;
    return {
      budgetOf: (p) => {
        const b = this.api.podBudget(p.id);
        if (b === undefined) return undefined;
        if (!allowed.has(b.key)) allowed.set(b.key, b.allowed);
        return b.key;
      },
      allowed: (key) => allowed.get(key)!,
    };
  }

  private leave(id: number): void {
    if (!this.terminating.has(id)) return;
    this.remove(id);
    this.api.clusterChanged(ClusterEvent.AssignedPodDelete);
  }

  private remove(id: number): void {
    this.terminating.delete(id);
    const phase = this.api.pods.phase[id];
    if (phase === PodPhase.Bound || phase === PodPhase.Running) this.api.removePod(id, 'failed');
  }
}

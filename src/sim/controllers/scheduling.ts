import { ALL_CLUSTER_EVENTS, ClusterEvent, PluginError, type Scheduler } from '../../api/framework.js';
import { PodPhase } from '../../api/pod.js';
import type { RandomStream } from '../../util/random.js';
import type { Lifecycle } from '../lifecycle.js';
import { NO_NODE } from '../pods.js';
import { Preemption } from '../preemption.js';
import { SchedulerProfiles } from '../scheduler-profiles.js';
import { FifoSchedulingQueue, KubernetesSchedulingQueue, type QueueOrder, type SchedulingQueue } from '../scheduling-queue.js';
import { ALL_SHORTCUTS, type SimShortcuts } from '../shortcuts.js';
import { WaitingPods } from '../waiting-pods.js';

/**
 * The scheduler: the scheduling queue and the framework's scheduling cycle.
 *
 * Watches: pods created (queued) and deleted while queued, cluster events (unschedulable pods
 * retried, as kube-scheduler's MoveAllToActiveOrBackoffQueue). Owns: the queue, the preemptors'
 * nominations. Acts: binds pods through the lifecycle API; when a pod fits nowhere and the
 * profile lists DefaultPreemption, runs PostFilter (src/sim/preemption.ts), which deletes the
 * victims it chose.
 * One `schedule` event drains the queue at a time; it is requested when pods may be tried.
 *
 * Permit (gangs: the Coscheduling plugin): when the pod's profile has Permit plugins, a pod
 * that fits is reserved on its node first (lifecycle `reserve`: resources held, still Pending)
 * and Permit decides: bind now, reject (unreserve, back to the queue), or wait in the waiting
 * pods (src/sim/waiting-pods.ts) until allowed (bound where reserved) or rejected or timed out
 * (unreserved, the Unreserve plugins run, back to the queue). As upstream's binding cycle does
 * on such a failure (handleBindingCycleError, pkg/scheduler/schedule_one.go), the released
 * room is an AssignedPodDelete event for the other pods. Runs with pod groups also signal
 * ClusterEvent.PodAdd at each pod created (Coscheduling's Pod/Add registration).
 *
 * Several profiles (pods naming a schedulerName, src/sim/scheduler-profiles.ts) share the one
 * queue and nominator, as upstream's profiles share the scheduling queue: each popped pod runs
 * its own profile's cycle and PostFilter. A pod of a name no profile has is never queued.
 */
export class SchedulingController {
  readonly queue: SchedulingQueue;
  /** PostFilter (DefaultPreemption), when the profile lists it. */
  readonly preemption: Preemption | undefined;
  private readonly evSchedule: number;
  private wakeAt = Infinity;
  /** The profiles besides the default one; undefined in single-profile runs (the fast path). */
  readonly profiles: SchedulerProfiles | undefined;
  /** Pods waiting at Permit; undefined when no profile has a Permit plugin. */
  readonly waiting: WaitingPods | undefined;
  /** Per waiting pod: its profile and the events its Permit plugins registered. */
  private readonly waitingOf = new Map<number, { readonly scheduler: Scheduler; readonly events: number }>();

  constructor(
    private readonly api: Lifecycle,
    private readonly scheduler: Scheduler,
    discipline: 'kubernetes' | 'fifo',
    private readonly tieBreak: RandomStream,
    private readonly horizon: number,
    preemptionRandom?: RandomStream,
    /** Profiles by the schedulerName of their pods, besides the default one (`scheduler`). */
    others?: ReadonlyMap<string, Scheduler>,
    shortcuts: SimShortcuts = ALL_SHORTCUTS,
  ) {
    // QueueSort: one for all profiles, as upstream requires; the default profile's.
    const sort = scheduler.queueSort;
    const infos = api.pods.infos;
    const order: QueueOrder | undefined = sort === undefined ? undefined : {
      sortTime: (pod) => sort.sortTime({ pod: infos[pod]!, initialAttemptTimestamp: api.pods.createdAt[pod]! }, api.cluster),
      tieBreak: (a, b) => {
        const ka = `${infos[a]!.spec.namespace}/${infos[a]!.name}`, kb = `${infos[b]!.spec.namespace}/${infos[b]!.name}`;
        return ka < kb ? -1 : ka > kb ? 1 : 0;
      },
    };
    // Per-pod columns sized for the pods the run is known to create, as the pod table.
    const capacity = api.pods.capacity;
    this.queue = discipline === 'fifo' ? new FifoSchedulingQueue(capacity) : new KubernetesSchedulingQueue(undefined, undefined, order, capacity);
    const permits = [scheduler, ...(others?.values() ?? [])].some((s) => s.permit !== undefined);
    this.waiting = permits ? new WaitingPods(api, {
      allowed: (id, node, evaluated) => this.allowed(id, node, evaluated),
      rejected: (id, node, evaluated, _plugin, _reason, timedOut) => this.rejected(id, node, evaluated, timedOut),
      activate: (ids) => {
        const now = api.engine.now;
        for (const id of ids) if (api.pods.phase[id] === PodPhase.Pending && !api.pods.isReserved(id)) this.queue.activate(id, now);
        this.requestSchedule(now);
      },
    }) : undefined;
    const profiles = (this.profiles = others && others.size > 0 ? new SchedulerProfiles(api, scheduler, others) : undefined);
    const preempts = [scheduler, ...(others?.values() ?? [])].some((s) => s.preemption !== undefined && s.preempt);
    this.preemption = preempts && preemptionRandom ? new Preemption(api, scheduler, preemptionRandom, shortcuts.reuseDryRuns) : undefined;
    this.evSchedule = api.engine.defineEvent('schedule', () => this.onSchedule());
    const enqueue = (id: number) => {
      const now = api.engine.now;
      // Another scheduler's pod (responsibleForPod, pkg/scheduler/eventhandlers.go): not queued.
      // The default profile's own name selects it too.
      const spec = api.pods.infos[id]!.spec;
      if (spec.schedulerName !== undefined && spec.schedulerName !== scheduler.name && profiles?.schedulerOf(spec) === undefined) return;
      this.queue.add(id, api.pods.infos[id]!.spec.priority, now);
      if (api.podGroups.size > 0) this.queue.clusterChanged(now, ClusterEvent.PodAdd);
      this.requestSchedule(now);
    };
    // A gated pod (ResourceQuota admission) joins the queue when its gate is lifted.
    api.on('podCreated', (id) => {
      // Most runs gate no pod: a Set lookup per pod created saved.
      if (api.gatedPods.size === 0 || !api.gatedPods.has(id)) enqueue(id);
    });
    api.on('podUngated', enqueue);
    api.on('podRemoved', (id, from) => {
      if (from === PodPhase.Pending) this.queue.delete(id);
      // A waiting pod deleted: rejected at Permit (RejectWaitingPod), its room already released.
      const node = this.waiting?.forget(id) ?? -1;
      if (node >= 0) {
        const w = this.waitingOf.get(id)!;
        this.waitingOf.delete(id);
        w.scheduler.unreserve?.(api.pods.infos[id]!, api.cluster.nodes[node]!, api.cluster, this.waiting!);
        this.queue.clusterChanged(api.engine.now, ClusterEvent.AssignedPodDelete);
        this.requestSchedule(api.engine.now);
      }
    });
    api.on('clusterChanged', (event) => {
      const now = api.engine.now;
      this.queue.clusterChanged(now, event);
      if (this.queue.size > 0) this.requestSchedule(now);
    });
  }

  private requestSchedule(t: number): void {
    if (t < this.wakeAt) {
      this.wakeAt = t;
      this.api.engine.scheduleAt(t, this.evSchedule, 0);
    }
  }

  /** One scheduling cycle per pod popped, until the queue has nothing ready. */
  private onSchedule(): void {
    const api = this.api;
    const now = api.engine.now;
    if (now >= this.wakeAt) this.wakeAt = Infinity;
    const queue = this.queue;
    const defaultScheduler = this.scheduler;
    const profiles = this.profiles;
    const cluster = api.cluster;
    const pods = api.pods;
    for (let id = queue.pop(now); id >= 0; id = queue.pop(now)) {
      // A pod deleted while it waited (its Job failed, a scale-down) leaves the queue here.
      if (pods.phase[id] !== PodPhase.Pending) continue;
      // frameworkForPod (pkg/scheduler/schedule_one.go); only pods that name a profile look it up.
      const scheduler = profiles === undefined ? defaultScheduler : profiles.schedulerOf(pods.infos[id]!.spec) ?? defaultScheduler;
      let node: number;
      // Nominated preemptors of at least this priority keep the room they made (reserveFor).
      const release = this.preemption?.reserveFor(id, scheduler);
      try {
        node = scheduler.schedule(pods.infos[id]!, cluster, this.tieBreak);
      } catch (e) {
        // Code the simulator did not write failed: said with the simulated time as well.
        throw e instanceof PluginError ? e.at(now) : e;
      } finally {
        release?.();
      }
      // The second filter pass of RunFilterPluginsWithNominatedPods: the node must fit without
      // the nominated pods too (with them, a spread or affinity count can pass that fails
      // without). A node that fails it ends this cycle unschedulable - upstream would try the
      // other nodes; the pod is retried on the next cluster event.
      if (release !== undefined && node !== NO_NODE && scheduler.findFeasible && scheduler.findFeasible(pods.infos[id]!, cluster, [cluster.nodes[node]!], 1).length === 0) {
        api.recordAttempt(id, scheduler.lastEvaluated ?? 0, true);
        queue.failed(id, now, ALL_CLUSTER_EVENTS);
        continue;
      }
      const failed = node === NO_NODE;
      api.recordAttempt(id, scheduler.lastEvaluated ?? 0, failed);
      if (failed) {
        queue.failed(id, now, scheduler.lastFitError?.events ?? ALL_CLUSTER_EVENTS);
        // PostFilter: its victims leave after their grace period, and that event retries the pod.
        let preempted = false;
        try {
          if (this.preemption) preempted = this.preemption.postFilter(id, scheduler);
          // Coscheduling's PostFilter runs after DefaultPreemption (multiPoint order), unless it made room.
          if (!preempted && scheduler.postFilterWaiting && this.waiting) scheduler.postFilterWaiting(pods.infos[id]!, cluster, this.waiting);
        } catch (e) {
          throw e instanceof PluginError ? e.at(now) : e;
        }
        continue;
      }
      // Compared with undefined: a truth test of a field V8 does not know the type of is the generic one.
      if (scheduler.permit !== undefined && this.waiting !== undefined) {
        this.permit(id, node, scheduler);
        continue;
      }
      api.bind(id, node, scheduler.lastGPUs);
      // A bound pod can satisfy affinity or spread constraints of waiting pods (AssignedPodAdd).
      queue.clusterChanged(now, ClusterEvent.AssignedPodAdd);
    }
    const wake = queue.nextWakeup(now);
    if (wake <= this.horizon) this.requestSchedule(Math.max(wake, now));
  }

  /** Reserve, then Permit (RunPermitPlugins): bind, reject, or wait. */
  private permit(id: number, node: number, scheduler: Scheduler): void {
    const api = this.api;
    const now = api.engine.now;
    const evaluated = scheduler.lastEvaluated ?? 0;
    api.reserve(id, node, scheduler.lastGPUs);
    let out;
    try {
      out = scheduler.permit!(api.pods.infos[id]!, api.cluster.nodes[node]!, api.cluster, this.waiting!);
    } catch (e) {
      throw e instanceof PluginError ? e.at(now) : e;
    }
    if (out.code === 'Allow') {
      this.allowed(id, node, evaluated);
    } else if (out.code === 'Wait') {
      this.waitingOf.set(id, { scheduler, events: out.events });
      this.waiting!.add(id, node, out.timeout, out.plugins, evaluated);
    } else {
      this.waitingOf.set(id, { scheduler, events: out.events });
      this.rejected(id, node, evaluated, false);
    }
  }

  /** Every Permit plugin allowed the pod: bound where it was reserved. */
  private allowed(id: number, node: number, evaluated: number): void {
    const api = this.api;
    this.waitingOf.delete(id);
    api.recordAttempt(id, evaluated, false);
    api.bind(id, node, undefined);
    this.queue.clusterChanged(api.engine.now, ClusterEvent.AssignedPodAdd);
  }

  /**
   * Rejected at Permit or while waiting: unreserved, the profile's Unreserve plugins run (for
   * Coscheduling: the group's other waiting pods are rejected too), the released room retries
   * the other pods, and the pod goes back to the queue as unschedulable.
   */
  private rejected(id: number, node: number, evaluated: number, timedOut: boolean): void {
    const api = this.api;
    const now = api.engine.now;
    const w = this.waitingOf.get(id)!;
    this.waitingOf.delete(id);
    api.unreserve(id);
    api.permitRejected(id, timedOut);
    try {
      w.scheduler.unreserve?.(api.pods.infos[id]!, api.cluster.nodes[node]!, api.cluster, this.waiting!);
    } catch (e) {
      throw e instanceof PluginError ? e.at(now) : e;
    }
    this.queue.clusterChanged(now, ClusterEvent.AssignedPodDelete);
    api.recordAttempt(id, evaluated, true);
    this.queue.failed(id, now, w.events);
    this.requestSchedule(now);
  }
}

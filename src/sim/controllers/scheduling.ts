import { ALL_CLUSTER_EVENTS, ClusterEvent, PluginError, type Scheduler } from '../../api/framework.js';
import { PodPhase } from '../../api/pod.js';
import type { RandomStream } from '../../util/random.js';
import type { Lifecycle } from '../lifecycle.js';
import { NO_NODE } from '../pods.js';
import { Preemption } from '../preemption.js';
import { SchedulerProfiles } from '../scheduler-profiles.js';
import { FifoSchedulingQueue, KubernetesSchedulingQueue, type SchedulingQueue } from '../scheduling-queue.js';

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

  constructor(
    private readonly api: Lifecycle,
    private readonly scheduler: Scheduler,
    discipline: 'kubernetes' | 'fifo',
    private readonly tieBreak: RandomStream,
    private readonly horizon: number,
    preemptionRandom?: RandomStream,
    /** Profiles by the schedulerName of their pods, besides the default one (`scheduler`). */
    others?: ReadonlyMap<string, Scheduler>,
  ) {
    this.queue = discipline === 'fifo' ? new FifoSchedulingQueue() : new KubernetesSchedulingQueue();
    const profiles = (this.profiles = others && others.size > 0 ? new SchedulerProfiles(api, scheduler, others) : undefined);
    const preempts = [scheduler, ...(others?.values() ?? [])].some((s) => s.preemption !== undefined && s.preempt);
    this.preemption = preempts && preemptionRandom ? new Preemption(api, scheduler, preemptionRandom) : undefined;
    this.evSchedule = api.engine.defineEvent('schedule', () => this.onSchedule());
    api.on('podCreated', (id) => {
      const now = api.engine.now;
      // Another scheduler's pod (responsibleForPod, pkg/scheduler/eventhandlers.go): not queued.
      // The default profile's own name selects it too.
      const spec = api.pods.infos[id]!.spec;
      if (spec.schedulerName !== undefined && spec.schedulerName !== scheduler.name && profiles?.schedulerOf(spec) === undefined) return;
      this.queue.add(id, api.pods.infos[id]!.spec.priority, now);
      this.requestSchedule(now);
    });
    api.on('podRemoved', (id, from) => {
      if (from === PodPhase.Pending) this.queue.delete(id);
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
        if (this.preemption) {
          try {
            this.preemption.postFilter(id, scheduler);
          } catch (e) {
            throw e instanceof PluginError ? e.at(now) : e;
          }
        }
        continue;
      }
      api.bind(id, node, scheduler.lastGPUs);
      // A bound pod can satisfy affinity or spread constraints of waiting pods (AssignedPodAdd).
      queue.clusterChanged(now, ClusterEvent.AssignedPodAdd);
    }
    const wake = queue.nextWakeup(now);
    if (wake <= this.horizon) this.requestSchedule(Math.max(wake, now));
  }
}

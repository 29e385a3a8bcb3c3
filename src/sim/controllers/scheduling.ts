import { ALL_CLUSTER_EVENTS, ClusterEvent, PluginError, type Scheduler } from '../../api/framework.js';
import { PodPhase } from '../../api/pod.js';
import type { RandomStream } from '../../util/random.js';
import type { Lifecycle } from '../lifecycle.js';
import { NO_NODE } from '../pods.js';
import { FifoSchedulingQueue, KubernetesSchedulingQueue, type SchedulingQueue } from '../scheduling-queue.js';

/**
 * The scheduler: the scheduling queue and the framework's scheduling cycle.
 *
 * Watches: pods created (queued) and deleted while queued, cluster events (unschedulable pods
 * retried, as kube-scheduler's MoveAllToActiveOrBackoffQueue). Owns: the queue. Acts: binds pods through the lifecycle API.
 * One `schedule` event drains the queue at a time; it is requested when pods may be tried.
 */
export class SchedulingController {
  readonly queue: SchedulingQueue;
  private readonly evSchedule: number;
  private wakeAt = Infinity;

  constructor(
    private readonly api: Lifecycle,
    private readonly scheduler: Scheduler,
    discipline: 'kubernetes' | 'fifo',
    private readonly tieBreak: RandomStream,
    private readonly horizon: number,
  ) {
    this.queue = discipline === 'fifo' ? new FifoSchedulingQueue() : new KubernetesSchedulingQueue();
    this.evSchedule = api.engine.defineEvent('schedule', () => this.onSchedule());
    api.on('podCreated', (id) => {
      const now = api.engine.now;
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
    const scheduler = this.scheduler;
    const cluster = api.cluster;
    const pods = api.pods;
    for (let id = queue.pop(now); id >= 0; id = queue.pop(now)) {
      // A pod deleted while it waited (its Job failed, a scale-down) leaves the queue here.
      if (pods.phase[id] !== PodPhase.Pending) continue;
      let node: number;
      try {
        node = scheduler.schedule(pods.infos[id]!, cluster, this.tieBreak);
      } catch (e) {
        // Code the simulator did not write failed: said with the simulated time as well.
        throw e instanceof PluginError ? e.at(now) : e;
      }
      const failed = node === NO_NODE;
      api.recordAttempt(id, scheduler.lastEvaluated ?? 0, failed);
      if (failed) {
        queue.failed(id, now, scheduler.lastFitError?.events ?? ALL_CLUSTER_EVENTS);
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

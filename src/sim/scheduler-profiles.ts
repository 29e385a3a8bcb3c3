import type { Scheduler } from '../api/framework.js';
import { DEFAULT_SCHEDULER_NAME, type PodSpec } from '../api/pod.js';
import { SampleBuffer } from '../util/stats.js';
import type { Lifecycle } from './lifecycle.js';
import { summarize, type ProfileSchedulingMetrics } from './results.js';

/**
 * Several schedulers in one cluster: the profiles by the schedulerName of the pods they place,
 * as kube-scheduler keeps them (pkg/scheduler/scheduler.go: one framework per
 * KubeSchedulerConfiguration profile, `frameworkForPod` in schedule_one.go picks it by pod.Spec.SchedulerName).
 * Pods of a name no profile has are not this scheduler's (responsibleForPod,
 * pkg/scheduler/eventhandlers.go): they never enter the queue and stay Pending.
 *
 * Also counts, per profile, the attempts and the pods' pending times for the result. Only runs
 * with more than one profile build this; a single-profile run keeps its one-scheduler path.
 */
export class SchedulerProfiles {
  private readonly byName: ReadonlyMap<string, Scheduler>;
  /** The default profile's name: pods giving it are the default scheduler's. */
  private readonly defaultName: string;
  private readonly entries = new Map<string, { profile: string | undefined; pods: number; scheduled: number; attempts: number; failedAttempts: number; pending: SampleBuffer }>();

  constructor(private readonly api: Lifecycle, defaultScheduler: Scheduler, others: ReadonlyMap<string, Scheduler>) {
    this.byName = others;
    this.defaultName = defaultScheduler.name;
    // The default profile first, then the others in the order given: the result lists them so.
    this.entry(DEFAULT_SCHEDULER_NAME, defaultScheduler.name);
    for (const [name, s] of others) this.entry(name, s.name);
    api.on('podCreated', (id) => this.tally(id).pods++);
    api.on('podBound', (id, _node, waited) => {
      const e = this.tally(id);
      e.scheduled++;
      e.pending.push(waited);
    });
    api.on('attempt', (id, _evaluated, failed) => {
      const e = this.tally(id);
      e.attempts++;
      if (failed) e.failedAttempts++;
    });
  }

  /** The scheduler of a pod that gives a schedulerName (not the default one), or undefined when no profile has it. */
  schedulerOf(spec: PodSpec): Scheduler | undefined {
    return spec.schedulerName === undefined ? undefined : this.byName.get(spec.schedulerName);
  }

  /** Per profile (unknown schedulerNames too, without a profile): pods, attempts, pending times. */
  result(): ProfileSchedulingMetrics[] {
    const pendingNow = new Map<string, number>();
    for (const id of this.api.pendingIds) {
      const name = this.nameOf(this.api.pods.infos[id]!.spec);
      pendingNow.set(name, (pendingNow.get(name) ?? 0) + 1);
    }
    return [...this.entries].map(([schedulerName, e]) => ({
      schedulerName,
      ...(e.profile !== undefined ? { profile: e.profile } : {}),
      pods: e.pods,
      scheduled: e.scheduled,
      pending: pendingNow.get(schedulerName) ?? 0,
      attempts: e.attempts,
      failedAttempts: e.failedAttempts,
      pendingSeconds: summarize(e.pending.sorted()),
    }));
  }

  /** The result's key of a pod: its schedulerName, the default profile's pods under default-scheduler. */
  private nameOf(spec: PodSpec): string {
    const n = spec.schedulerName;
    return n === undefined || n === this.defaultName ? DEFAULT_SCHEDULER_NAME : n;
  }

  private tally(id: number) {
    const name = this.nameOf(this.api.pods.infos[id]!.spec);
    return this.entries.get(name) ?? this.entry(name, undefined);
  }

  private entry(name: string, profile: string | undefined) {
    const e = { profile, pods: 0, scheduled: 0, attempts: 0, failedAttempts: 0, pending: new SampleBuffer() };
    this.entries.set(name, e);
    return e;
  }
}

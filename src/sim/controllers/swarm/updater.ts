import { ClusterEvent } from '../../../api/framework.js';
import { PodPhase } from '../../../api/pod.js';
import type { SwarmUpdateConfig } from '../../../api/swarm.js';
import type { PodTemplate, RolloutEvent } from '../../../api/workload.js';
import { patchedTemplate } from '../../deployment-util.js';
import type { Lifecycle } from '../../lifecycle.js';
import type { RolloutOutcome } from '../../results.js';
import type { SwarmService } from './orchestrator.js';

/** What the updater needs of the orchestrator that owns it (swarmkit's updater is the orchestrator's too). */
export interface SlotOwner {
  /** A task in the slot with the service's current template; the slot's task from now on. */
  createTask(s: SwarmService, slot: number, gate: number, incident: number): number;
  /** Shuts a task down on purpose (no restart). */
  shutDown(id: number): void;
  /** Whether a task runs another spec than the service's now (orchestrator.IsTaskDirty). */
  isTaskDirty(s: SwarmService, id: number): boolean;
}

/** UpdateStatus states (api/types.proto UpdateStatus.UpdateState). */
type UpdateState = 'updating' | 'paused' | 'completed' | 'rollback-started' | 'rollback-paused' | 'rollback-completed';

interface Update {
  readonly s: SwarmService;
  readonly rollback: boolean;
  readonly config: SwarmUpdateConfig;
  state: UpdateState;
  /** The slots to update (dirty when the update began), in slot order; `next` is the first not yet given to a worker. */
  readonly dirty: number[];
  next: number;
  /** Workers in all, and those free to take a slot (neither waiting for a task nor sleeping `delay`). */
  readonly workers: number;
  free: number;
  /** The task each busy worker waits for (until it runs or ends), and the old task a start-first update removes then. */
  readonly waiting: Map<number, number>;
  /** Tasks created by this update, and when each reached RUNNING (NaN: not yet). */
  readonly created: Map<number, number>;
  readonly failed: Set<number>;
  /** Ended: completed, paused, superseded or rolled back. */
  closed: boolean;
  /** Set once the slots are all handed out and the workers done: the monitor ends then. */
  monitorUntil: number;
  readonly out: { -readonly [K in keyof RolloutOutcome]: RolloutOutcome[K] };
}

/**
 * Swarm service updates and rollbacks (manager/orchestrator/update/updater.go), driven by the
 * scenario's rollout events: an `update` patches the service's task template (a new spec
 * version); an `undo` is `docker service rollback`, back to the previous spec with
 * rollback_config. `parallelism` workers take the dirty slots in turn; stop-first removes the
 * old task as it creates the new one, start-first removes it once the new one is RUNNING; a
 * worker is done with a slot when its new task runs or ends, then waits `delay`. A task of the
 * update that ends before it ran, or within `monitor` after, is a failure; more than
 * max_failure_ratio of the dirty slots failing pauses the update, or rolls it back
 * (failure_action), a failing rollback pauses. After the last slot the updater monitors for
 * `monitor` (delay + 1 s when delay >= monitor) before the update is COMPLETED.
 */
export class SwarmUpdater {
  private readonly evEvent: number;
  private readonly evWorkerFree: number;
  private readonly evMonitorEnd: number;
  private readonly evRunningSeen: number;
  private readonly updates: Update[] = [];
  /** The open update of each service (by workload index). */
  private readonly current = new Map<number, Update>();
  /** Per service: the template before the last update and its content id (what a rollback goes back to: Service.PreviousSpec). */
  private readonly previous = new Map<number, { readonly template: PodTemplate; readonly content: number }>();
  /** Content ids of the specs updates create (a rollback reuses one). */
  private contents = 1;
  private readonly events: { readonly s: SwarmService; readonly ev: RolloutEvent }[] = [];

  constructor(private readonly api: Lifecycle, private readonly owner: SlotOwner, services: readonly SwarmService[], private readonly horizon: number) {
    const e = api.engine;
    this.evEvent = e.defineEvent('swarm-service-update', (i) => this.onEvent(this.events[i]!.s, this.events[i]!.ev));
    this.evWorkerFree = e.defineEvent('swarm-update-worker-free', (u) => this.workerFree(this.updates[u]!));
    this.evMonitorEnd = e.defineEvent('swarm-update-monitor-end', (u) => this.monitorEnd(this.updates[u]!));
    this.evRunningSeen = e.defineEvent('swarm-update-task-running', (id) => this.runningSeen(id));
    for (const s of services) {
      const w = s.w;
      if (w.kind !== 'service' || !w.rollout) continue;
      for (const ev of w.rollout.events) this.events.push({ s, ev });
    }
    if (this.events.length === 0) return;
    api.on('podPhaseChanged', (id, _from, to) => {
      if (to === PodPhase.Running) this.taskRunning(id);
    });
    api.on('podRemoved', (id) => this.taskEnded(id));
    api.on('podSucceeded', (id) => this.taskEnded(id));
    api.on('readyChanged', (wr) => {
      const u = this.current.get(wr.index);
      if (u) u.out.minReady = Math.min(u.out.minReady, wr.ready);
    });
  }

  start(): void {
    this.events.forEach((x, i) => {
      if (x.ev.at <= this.horizon) this.api.engine.scheduleAt(x.ev.at, this.evEvent, i);
    });
  }

  get active(): boolean {
    return this.events.length > 0;
  }

  /** The rollouts as measured (open ones end at the horizon). */
  rollouts(): RolloutOutcome[] {
    return this.updates.map((u) => ({ ...u.out }));
  }

  private onEvent(s: SwarmService, ev: RolloutEvent): void {
    if (!s.started) return;
    if (ev.kind === 'update') {
      this.previous.set(s.wi, { template: s.template, content: s.specContent });
      const t = patchedTemplate(s.template, ev.patch);
      // A new spec object per version: tasks are grouped, and failures counted, by spec version.
      this.begin(s, { ...t, spec: { ...t.spec } }, ++this.contents, false, 'update');
    } else {
      this.rollBack(s, 'undo');
    }
  }

  /** `docker service rollback` (or failure_action rollback): the previous spec, with rollback_config. */
  private rollBack(s: SwarmService, cause: RolloutOutcome['cause']): void {
    const back = this.previous.get(s.wi);
    if (!back) return;
    // controlapi / updater rollbackUpdate: Spec and PreviousSpec swap.
    this.previous.set(s.wi, { template: s.template, content: s.specContent });
    this.begin(s, { ...back.template, spec: { ...back.template.spec } }, back.content, true, cause);
  }

  private begin(s: SwarmService, template: PodTemplate, content: number, rollback: boolean, cause: RolloutOutcome['cause']): void {
    const api = this.api;
    const now = api.engine.now;
    const open = this.current.get(s.wi);
    if (open) this.close(open, rollback ? 'rolled-back' : 'superseded', now);
    if (open && rollback) open.out.rolledBack = true;
    s.template = template;
    s.specVersion++;
    s.specContent = content;
    // updater.go Run: only dirty slots are updated (a rollback leaves the slots the update never reached).
    const dirty = [...s.slots].filter(([, id]) => this.owner.isTaskDirty(s, id)).map(([slot]) => slot).sort((a, b) => a - b);
    const config = rollback ? s.settings.rollbackConfig : s.settings.updateConfig;
    const wr = api.workloads[s.wi]!;
    const u: Update = {
      s, rollback, config, state: rollback ? 'rollback-started' : 'updating', dirty, next: 0,
      workers: config.parallelism === 0 ? dirty.length : config.parallelism, free: config.parallelism === 0 ? dirty.length : config.parallelism, waiting: new Map(), created: new Map(), failed: new Set(), closed: false, monitorUntil: NaN,
      out: {
        workload: s.w.name, revision: s.specVersion, cause, start: now, end: NaN, durationSeconds: NaN, outcome: 'in-progress', deadlineExceededAt: NaN, rolledBack: false,
        replicas: wr.desired, minAvailable: wr.ready, minReady: wr.ready, maxPods: s.slots.size, servedFraction: NaN, nodesAdded: 0, surgeNodeHours: 0, surgeCost: 0,
      },
    };
    this.updates.push(u);
    this.current.set(s.wi, u);
    if (dirty.length === 0) {
      // updater.go Run: all tasks clean, the update (or rollback) is complete at once.
      u.state = rollback ? 'rollback-completed' : 'completed';
      this.close(u, 'complete', now);
      return;
    }
    this.dispatch(u);
  }

  /** Hands dirty slots to free workers. */
  private dispatch(u: Update): void {
    while (u.free > 0 && u.next < u.dirty.length && this.isOpen(u)) {
      u.free--;
      this.updateSlot(u, u.dirty[u.next++]!);
    }
    this.maybeMonitor(u);
  }

  private isOpen(u: Update): boolean {
    return !u.closed;
  }

  /** updater.go updateTask: the new task, and the old one removed now (stop-first) or once the new one runs (start-first). */
  private updateSlot(u: Update, slot: number): void {
    const api = this.api;
    const s = u.s;
    const old = s.slots.get(slot);
    const startFirst = u.config.order === 'start-first';
    if (old !== undefined && !startFirst) this.owner.shutDown(old);
    const id = this.owner.createTask(s, slot, 0, -1);
    u.created.set(id, NaN);
    u.waiting.set(id, startFirst && old !== undefined ? old : -1);
    u.out.maxPods = Math.max(u.out.maxPods, s.slots.size + (startFirst ? u.waiting.size : 0));
    u.out.minAvailable = Math.min(u.out.minAvailable, api.workloads[s.wi]!.ready);
  }

  private updateOf(id: number): Update | undefined {
    const u = this.current.get(this.api.pods.workload[id]!);
    return u && u.created.has(id) ? u : undefined;
  }

  /**
   * The new task is RUNNING: its monitor starts now. The worker acts on it (a start-first one
   * removes the old task; either is then done with the slot) once the agent's status update is
   * committed whole, i.e. after every subscriber heard of the start at this instant: the task is
   * counted ready before the old one leaves, so ready replicas never dip below what the order
   * promises (start-first: never below the replicas; stop-first: by the parallelism).
   */
  private taskRunning(id: number): void {
    const u = this.updateOf(id);
    if (!u) return;
    const now = this.api.engine.now;
    if (Number.isNaN(u.created.get(id)!)) u.created.set(id, now);
    if (u.waiting.has(id)) this.api.engine.schedule(0, this.evRunningSeen, id);
  }

  private runningSeen(id: number): void {
    const u = this.updateOf(id);
    // Stale: the task ended at this instant (taskEnded freed its worker), or the update closed.
    if (!u || !u.waiting.has(id) || this.api.pods.phase[id] !== PodPhase.Running) return;
    const old = u.waiting.get(id)!;
    if (old >= 0) this.owner.shutDown(old);
    this.workerDone(u, id);
    this.maybeMonitor(u);
  }

  /** A task of the update ended: a failure when it had not run, or ran less than `monitor`; its worker is done with it either way. */
  private taskEnded(id: number): void {
    const u = this.updateOf(id);
    if (!u) return;
    this.countFailure(u, id);
    // A start-first worker whose new task failed leaves the old task serving (removeOldTasks runs only once it is RUNNING).
    if (u.waiting.has(id)) this.workerDone(u, id);
    this.maybeMonitor(u);
  }

  /** updater.go failureTriggersAction. */
  private countFailure(u: Update, id: number): void {
    const api = this.api;
    const now = api.engine.now;
    const started = u.created.get(id)!;
    if (api.pods.phase[id] === PodPhase.Succeeded || u.failed.has(id) || !this.isOpen(u)) return;
    if (!(Number.isNaN(started) || now - started <= u.config.monitor)) return;
    if (u.config.failureAction === 'continue') return;
    u.failed.add(id);
    if (u.failed.size / Math.max(1, u.dirty.length) <= u.config.maxFailureRatio) return;
    if (u.config.failureAction === 'rollback' && !u.rollback) {
      this.rollBack(u.s, 'rollback-on-failure');
    } else {
      u.state = u.rollback ? 'rollback-paused' : 'paused';
      this.close(u, 'paused', now);
    }
  }

  /**
   * The worker takes its next slot after `delay`, as its own event even when the delay is 0: the
   * task that just started is counted ready (by the agent, right after it runs) before the next
   * old task stops.
   */
  private workerDone(u: Update, id: number): void {
    u.waiting.delete(id);
    this.api.engine.schedule(u.config.delay, this.evWorkerFree, this.updates.indexOf(u));
  }

  private workerFree(u: Update): void {
    u.free++;
    this.dispatch(u);
  }

  /**
   * All slots handed out and every worker back (updater.go Run: close(slotQueue); wg.Wait(), so
   * the last worker's `delay` sleep too): monitor for `monitor` (delay + 1 s when delay >=
   * monitor), then COMPLETED.
   */
  private maybeMonitor(u: Update): void {
    if (!this.isOpen(u) || u.next < u.dirty.length || u.free < u.workers || !Number.isNaN(u.monitorUntil)) return;
    const c = u.config;
    const period = c.delay >= c.monitor ? c.delay + 1 : c.monitor;
    u.monitorUntil = this.api.engine.now + period;
    this.api.engine.scheduleAt(u.monitorUntil, this.evMonitorEnd, this.updates.indexOf(u));
  }

  private monitorEnd(u: Update): void {
    if (!this.isOpen(u)) return;
    u.state = u.rollback ? 'rollback-completed' : 'completed';
    this.close(u, 'complete', this.api.engine.now);
    this.api.clusterChanged(ClusterEvent.AssignedPodDelete);
  }

  private close(u: Update, outcome: RolloutOutcome['outcome'], now: number): void {
    if (this.current.get(u.s.wi) === u) this.current.delete(u.s.wi);
    u.closed = true;
    u.out.end = now;
    u.out.durationSeconds = now - u.out.start;
    u.out.outcome = outcome;
  }
}

import { ClusterEvent } from '../../../api/framework.js';
import { PodPhase, type PodSpec } from '../../../api/pod.js';
import { SWARM_DEFAULT_SETTINGS, type SwarmScheduler, type SwarmServiceSettings } from '../../../api/swarm.js';
import type { DaemonSetWorkload, JobWorkload, PodTemplate, ServiceWorkload } from '../../../api/workload.js';
import { sample } from '../../../util/distributions.js';
import type { RandomStream, RandomStreams } from '../../../util/random.js';
import { grown } from '../../../util/typed-arrays.js';
import type { Lifecycle } from '../../lifecycle.js';
import { recordRestart, shouldRestart, type RestartHistory } from '../../swarm-restart.js';
import type { SwarmNodeViews } from './node-views.js';
import { SwarmUpdater, type SlotOwner } from './updater.js';

/** One Swarm service's orchestration state: its tasks by slot (replicated) or by node (global). */
export interface SwarmService {
  readonly wi: number;
  readonly w: ServiceWorkload | JobWorkload | DaemonSetWorkload;
  readonly settings: SwarmServiceSettings;
  readonly global: boolean;
  readonly job: boolean;
  /** The task template now, and its version (bumped by each update or rollback). */
  template: PodTemplate;
  specVersion: number;
  /**
   * Which spec the template is, by content: a rollback gets a new spec version but the content
   * of the spec it returns to, so the tasks still on that spec are not dirty (orchestrator
   * IsTaskDirty compares specs, not versions).
   */
  specContent: number;
  /** Replicated: the task desired running in each slot (slot numbers count from 1). */
  readonly slots: Map<number, number>;
  /** Replicated: slots whose task ended without a replacement (reused first by a scale-up). */
  readonly deadSlots: number[];
  nextSlot: number;
  /** Global: the task of each node slot (-1: none). */
  taskOnNode: Int32Array;
  /** Restart histories by slot (replicated) or node (global). */
  readonly history: Map<number, RestartHistory>;
  /** Jobs: tasks completed, and whether the job has started. */
  completed: number;
  started: boolean;
}

/**
 * Swarm's orchestrators (manager/orchestrator/replicated, global, jobs) with the restart
 * supervisor (orchestrator/restart/restart.go), on the store every controller shares.
 *
 * Replicated services keep `replicas` slots, each with one task desired running; a task that
 * ends is replaced in its slot per the restart policy (condition, max_attempts, window), the
 * replacement created at once and started after the restart delay (5 s; none when the node is
 * drained) - pods.startGateOf. A node that goes DOWN has its tasks restarted elsewhere
 * (restartTasksByNodeID); the old tasks stay on the dead node, shut down, until it comes back
 * or they are orphaned. Scale-down removes the tasks the policy's tasksToRemove picks (most
 * copies per node first). Global services keep one task on each READY, active node that meets
 * the constraints, pre-assigned to it; jobs (replicated-job) run `completions` tasks,
 * `parallelism` at a time, a task that completes is never restarted.
 *
 * Watches: pods succeeded and removed, node status (READY / DOWN), nodes added and removed,
 * spec.replicas changes. Owns: the slots, restart histories and job progress.
 */
export class SwarmOrchestrator implements SlotOwner {
  private readonly evStart: number;
  private readonly services: SwarmService[] = [];
  /** Per workload index: its service's index in `services` (-1: not orchestrated here). */
  private readonly serviceOf: Int32Array;
  private readonly durations: RandomStream[];
  /** Per task: its slot (replicated) or node (global); -1 unknown. */
  private slotOf = new Int32Array(1024).fill(-1);
  /** Per task: 1 once the orchestrator shut it down itself (no restart when it leaves). */
  private shutDownFlag = new Uint8Array(1024);
  /** Per task: the spec version and the spec content it was created with. */
  private version = new Int32Array(1024);
  private content = new Int32Array(1024);
  /** Service updates and rollbacks (the rollout events of services). */
  readonly updater: SwarmUpdater;

  constructor(private readonly api: Lifecycle, streams: RandomStreams, private readonly horizon: number, private readonly scheduler: SwarmScheduler, private readonly views: SwarmNodeViews) {
    this.serviceOf = new Int32Array(api.workloads.length).fill(-1);
    this.durations = api.workloads.map((wr) => streams.get(`durations/${wr.w.name}`));
    for (const wr of api.workloads) {
      const w = wr.w;
      if (w.kind !== 'service' && w.kind !== 'job' && w.kind !== 'daemonset') continue;
      this.serviceOf[wr.index] = this.services.length;
      this.services.push({
        wi: wr.index, w, settings: w.swarm ?? SWARM_DEFAULT_SETTINGS, global: w.kind === 'daemonset', job: w.kind === 'job',
        template: { spec: w.spec, startup: w.startup, crashes: w.crashes, probes: w.probes }, specVersion: 1, specContent: 1,
        slots: new Map(), deadSlots: [], nextSlot: 1, taskOnNode: new Int32Array(Math.max(16, api.nodeSlots)).fill(-1), history: new Map(), completed: 0, started: false,
      });
    }
    this.evStart = api.engine.defineEvent('swarm-service-start', (si) => this.startService(si));
    this.updater = new SwarmUpdater(api, this, this.services, horizon);
    if (this.services.length === 0) return;
    api.on('podSucceeded', (id) => this.ended(id, true));
    api.on('podRemoved', (id) => this.ended(id, false));
    api.on('nodeStatusChanged', (node, ready) => (ready ? this.nodeReady(node) : this.nodeDown(node)));
    api.on('nodeAvailabilityChanged', (node) => this.availabilityChanged(node));
    api.on('nodeAdded', (node) => this.nodeReady(node.index));
    api.on('nodeRemoved', (index) => this.nodeRemoved(index));
    api.on('desiredChanged', (wr) => {
      const si = this.serviceOf[wr.index]!;
      if (si >= 0 && this.services[si]!.started) this.reconcile(this.services[si]!);
    });
  }

  /** The services' tasks, from each service's start time (a global service at once on every node); then their updates. */
  start(): void {
    this.updater.start();
    this.services.forEach((s, si) => {
      const at = s.w.kind === 'daemonset' ? 0 : s.w.startAt;
      if (at <= this.horizon) this.api.engine.scheduleAt(at, this.evStart, si);
    });
  }

  /** orchestrator.IsTaskDirty: the task runs another spec than the service's now. */
  isTaskDirty(s: SwarmService, id: number): boolean {
    return id >= this.content.length || this.content[id] !== s.specContent;
  }

  /** A task shut down on purpose (a stop-first update, a start-first one's old task): it leaves now, with no restart. */
  shutDown(id: number): void {
    const api = this.api;
    this.ensure(id);
    this.shutDownFlag[id] = 1;
    const pods = api.pods;
    if (pods.phase[id] === PodPhase.Succeeded || pods.phase[id] === PodPhase.Failed) return;
    api.stopContainers(id);
    api.removePod(id, 'deleted');
    api.clusterChanged(ClusterEvent.AssignedPodDelete);
  }

  private startService(si: number): void {
    const s = this.services[si]!;
    s.started = true;
    this.reconcile(s);
  }

  /** Brings a service to its spec: replicated slots to spec.replicas, a global task on every eligible node, a job's next tasks. */
  reconcile(s: SwarmService): void {
    const api = this.api;
    if (s.global) {
      for (let n = 0; n < api.nodeSlots; n++) this.ensureGlobalTask(s, n);
      return;
    }
    if (s.job) {
      const w = s.w as JobWorkload;
      const running = s.slots.size;
      const want = Math.min(w.parallelism, w.completions - s.completed - running);
      for (let k = 0; k < want; k++) this.createTask(s, s.nextSlot++, 0, -1);
      return;
    }
    const desired = api.workloads[s.wi]!.desired;
    const live = s.slots.size;
    if (desired > live) {
      for (let k = live; k < desired; k++) this.createTask(s, s.deadSlots.shift() ?? s.nextSlot++, 0, -1);
    } else if (desired < live) {
      this.scaleDown(s, live - desired);
    }
  }

  /** services.go reconcile, scale-down: the policy picks the tasks (non-running first, most copies on a node first); they are removed. */
  private scaleDown(s: SwarmService, count: number): void {
    const api = this.api;
    const pods = api.pods;
    const entries = [...s.slots].map(([slot, id]) => ({ slot, id, node: pods.isOnNode(id) ? pods.node[id]! : -1, running: pods.phase[id] === PodPhase.Running }));
    const remove = this.scheduler.tasksToRemove(entries, count);
    for (const k of remove) {
      const e = entries[k]!;
      s.slots.delete(e.slot);
      s.history.delete(e.slot);
      this.shutDownFlag[e.id] = 1;
      if (pods.phase[e.id] === PodPhase.Succeeded || pods.phase[e.id] === PodPhase.Failed) continue;
      api.stopContainers(e.id);
      api.removePod(e.id, 'deleted');
    }
    api.clusterChanged(ClusterEvent.AssignedPodDelete);
  }

  /** A task in `slot` (a node index for a global service), to start no earlier than `gate`. */
  createTask(s: SwarmService, slot: number, gate: number, incident: number, spec: PodSpec = s.template.spec): number {
    const api = this.api;
    const wr = api.workloads[s.wi]!;
    const w = s.w;
    const duration = w.kind === 'job' ? sample(w.duration, this.durations[s.wi]!) : Infinity;
    const name = s.global ? `${w.name}.${api.cluster.nodes[slot]!.name}.${wr.created}` : `${w.name}.${slot}.${wr.created}`;
    const template = s.specVersion === 1 ? undefined : s.template;
    const id = api.createPod(s.wi, name, spec, duration, incident, template);
    this.ensure(id);
    this.slotOf[id] = slot;
    this.shutDownFlag[id] = 0;
    this.version[id] = s.specVersion;
    this.content[id] = s.specContent;
    // A slot the updater fills again (its task had ended for good) is no longer free for a scale-up.
    if (!s.global && s.deadSlots.length > 0) {
      const k = s.deadSlots.indexOf(slot);
      if (k >= 0) s.deadSlots.splice(k, 1);
    }
    this.views.setVersion(spec, s.specVersion);
    api.pods.setStartGate(id, gate);
    if (s.global) s.taskOnNode[slot] = id;
    else s.slots.set(slot, id);
    return id;
  }

  private ensure(id: number): void {
    if (id < this.slotOf.length) return;
    const c = Math.max(id + 1, this.slotOf.length * 2);
    const old = this.slotOf.length;
    this.slotOf = grown(this.slotOf, c);
    this.slotOf.fill(-1, old);
    this.shutDownFlag = grown(this.shutDownFlag, c);
    this.version = grown(this.version, c);
    this.content = grown(this.content, c);
  }

  /**
   * A task ended: completed (a job's task, or exit 0), failed, or removed from under the
   * orchestrator (a drain, an orphaning). The restart supervisor decides whether its slot gets a
   * replacement, which starts after the restart delay (restart.go Restart, DelayStart).
   */
  private ended(id: number, completed: boolean): void {
    const api = this.api;
    const si = this.serviceOf[api.pods.workload[id]!]!;
    if (si < 0 || id >= this.slotOf.length) return;
    const s = this.services[si]!;
    if (this.shutDownFlag[id] === 1) return;
    this.shutDownFlag[id] = 1;
    const slot = this.slotOf[id]!;
    const pods = api.pods;
    const node = pods.node[id]!;
    const now = api.engine.now;
    if (s.global) {
      if (s.taskOnNode[slot] !== id) return;
      s.taskOnNode[slot] = -1;
      // On a node that is no longer valid (DOWN, drained, gone) the global orchestrator does not restart it.
      if (!this.nodeValid(slot)) return;
    } else {
      if (s.slots.get(slot) !== id) return;
      s.slots.delete(slot);
      if (completed && s.job) {
        s.completed++;
        this.reconcile(s);
        return;
      }
    }
    const policy = s.settings.restartPolicy;
    // restart.go shouldRestart compares the history with the ended task's spec version (an old task
    // failing during an update still counts its slot's restarts); RecordRestartHistory keys it to the
    // replacement's, the service's version now.
    if (!shouldRestart(policy, { completed, job: s.job, specVersion: this.version[id]!, endedAt: now }, s.history.get(slot))) {
      if (!s.global) s.deadSlots.push(slot);
      return;
    }
    const h = recordRestart(policy, s.history.get(slot), s.specVersion, now);
    if (h) s.history.set(slot, h);
    // The delay is not applied when the task's node is drained (restart.go Restart).
    const drained = node >= 0 && api.cluster.nodes[node] !== undefined && api.cluster.nodes[node]!.drains > 0;
    const gate = drained ? 0 : now + policy.delay;
    // A global service's replacement is pre-assigned to the same node (restart.go Restart: NewTask(..., t.NodeID)).
    const spec = s.global ? this.pinned(s, api.cluster.nodes[slot]!.name) : s.template.spec;
    this.createTask(s, slot, gate, pods.incidentOf(id), spec);
  }

  /** orchestrator.InvalidNode: a node gone, DOWN or drained runs no tasks. */
  private nodeValid(node: number): boolean {
    const api = this.api;
    const n = api.cluster.nodes[node];
    return n !== undefined && !n.removed && api.isNodeReady(node) && n.drains === 0;
  }

  /**
   * A node is DOWN: replicated tasks on it are shut down and restarted elsewhere
   * (replicated/tasks.go restartTasksByNodeID); a global service's task there is shut down.
   * The old tasks keep their place on the dead node until it comes back or they are orphaned.
   */
  private nodeDown(node: number): void {
    const api = this.api;
    const pods = api.pods;
    for (const info of [...api.cluster.nodes[node]!.pods]) {
      const id = info.id;
      const si = this.serviceOf[pods.workload[id]!]!;
      if (si < 0 || this.shutDownFlag[id] === 1) continue;
      const inc = pods.incidentOf(id);
      if (inc >= 0 && Number.isNaN(api.incidents[inc]!.evicted)) api.incidents[inc]!.evicted = api.engine.now;
      // The restart supervisor treats it as a task that ended now (not completed).
      this.ended(id, false);
    }
  }

  /**
   * A node was drained, or is active again. global.go reconcileOneNode: a drained node is
   * invalid, its global tasks are shut down (foreachTaskFromNode shutdownTask); an active one
   * gets them back. Replicated tasks on a drained node are not touched here: the drain evicts
   * them (the failure injector, as for Kubernetes, so its incident counts them) and `ended`
   * restarts them elsewhere with no delay, as restartTasksByNodeID would.
   */
  private availabilityChanged(node: number): void {
    const api = this.api;
    const n = api.cluster.nodes[node];
    if (!n) return;
    if (n.drains === 0) {
      this.nodeReady(node);
      return;
    }
    for (const s of this.services) {
      if (!s.global || node >= s.taskOnNode.length) continue;
      const id = s.taskOnNode[node]!;
      if (id < 0) continue;
      s.taskOnNode[node] = -1;
      this.shutDown(id);
    }
  }

  /** A node is READY (again) or new: global services put their task on it. */
  private nodeReady(node: number): void {
    for (const s of this.services) if (s.global && s.started) this.ensureGlobalTask(s, node);
  }

  private nodeRemoved(index: number): void {
    for (const s of this.services) if (s.global && index < s.taskOnNode.length) s.taskOnNode[index] = -1;
  }

  /** global.go reconcileOneNode: a task on the node when it is eligible and has none. */
  private ensureGlobalTask(s: SwarmService, node: number): void {
    const api = this.api;
    if (node >= s.taskOnNode.length) {
      const old = s.taskOnNode.length;
      s.taskOnNode = grown(s.taskOnNode, Math.max(node + 1, old * 2));
      s.taskOnNode.fill(-1, old);
    }
    if (s.taskOnNode[node] !== -1 || !this.nodeValid(node)) return;
    const n = api.cluster.nodes[node]!;
    const view = this.views.node(node);
    if (n.unschedulable || !view || !this.scheduler.constraintsMet(this.views.taskSpec(s.template.spec, s.wi), view)) return;
    this.createTask(s, node, 0, -1, this.pinned(s, n.name));
  }

  /** A global service's task spec, pre-assigned to its node (one spec object per node and version). */
  private pinned(s: SwarmService, nodeName: string): PodSpec {
    const key = `${s.specVersion}/${nodeName}`;
    let m = this.pinnedSpecs.get(s);
    if (!m) this.pinnedSpecs.set(s, (m = new Map()));
    let spec = m.get(key);
    if (!spec) {
      m.set(key, (spec = { ...s.template.spec, nodeName }));
      this.views.setVersion(spec, s.specVersion);
    }
    return spec;
  }

  private readonly pinnedSpecs = new Map<SwarmService, Map<string, PodSpec>>();
}

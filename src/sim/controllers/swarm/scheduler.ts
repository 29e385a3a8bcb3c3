import { gpuRequest } from '../../../api/gpu.js';
import type { PodSpec } from '../../../api/pod.js';
import type { SwarmScheduler, SwarmTaskGroup } from '../../../api/swarm.js';
import type { Lifecycle } from '../../lifecycle.js';
import type { SwarmNodeViews } from './node-views.js';

/** scheduler.go commitDebounceGap: a tick waits for 50 ms without new commits... */
export const SWARM_COMMIT_DEBOUNCE_GAP = 0.05;
/** ...but no longer than maxLatency (1 s) after the first commit that asked for it. */
export const SWARM_MAX_LATENCY = 1;

/** What the scheduler reports: ticks run, and the last reason each service's tasks found no node. */
export interface SwarmSchedulingResult {
  readonly ticks: number;
  /** `no suitable node (...)` of the last failed placement, by service name (services that had one). */
  readonly noSuitableNode: Readonly<Record<string, string>>;
}

/**
 * Swarm's scheduler loop (manager/scheduler/scheduler.go): store events ask for a tick, ticks
 * are debounced (50 ms without a new event, at most 1 s after the first), and a tick places the
 * unassigned tasks grouped by service and spec version (scheduleTaskGroup), in the order their
 * first task was created; pre-assigned tasks (global services) are only checked on their node
 * (processPreassignedTasks). What the policy places is bound at once; the rest stay PENDING with
 * the policy's explanation and are tried again at the next tick. There is no back-off and no
 * rebalancing of running tasks.
 *
 * Watches: tasks created and ended, nodes added, removed and changing status. Owns: the tick
 * schedule. Acts: binds tasks.
 */
export class SwarmSchedulerController {
  private readonly evTick: number;
  /** When the pending tick runs (NaN: none), and when the first event it serves came. */
  private tickDue = NaN;
  private firstRequest = NaN;
  private ticks = 0;
  private readonly explanations = new Map<number, string>();

  constructor(private readonly api: Lifecycle, private readonly policy: SwarmScheduler, private readonly views: SwarmNodeViews) {
    this.evTick = api.engine.defineEvent('swarm-scheduler-tick', () => this.onTick());
    const request = () => this.requestTick();
    api.on('podCreated', request);
    api.on('podSucceeded', request);
    api.on('podRemoved', request);
    api.on('nodeAdded', request);
    api.on('nodeRemoved', request);
    api.on('nodeStatusChanged', request);
    api.on('clusterChanged', request);
  }

  start(): void {}

  result(): SwarmSchedulingResult {
    const noSuitableNode: Record<string, string> = {};
    for (const [wi, text] of [...this.explanations].sort((a, b) => a[0] - b[0])) noSuitableNode[this.api.workloads[wi]!.w.name] = text;
    return { ticks: this.ticks, noSuitableNode };
  }

  /** scheduler.go Run: a commit arms the debounce timer; the first one also bounds it. */
  private requestTick(): void {
    const now = this.api.engine.now;
    if (this.api.pendingIds.size === 0) return;
    if (Number.isNaN(this.tickDue)) this.firstRequest = now;
    const due = Math.min(now + SWARM_COMMIT_DEBOUNCE_GAP, this.firstRequest + SWARM_MAX_LATENCY);
    if (due === this.tickDue) return;
    this.tickDue = due;
    this.api.engine.scheduleAt(due, this.evTick, 0);
  }

  private onTick(): void {
    const api = this.api;
    const now = api.engine.now;
    if (this.tickDue !== now) return;
    this.tickDue = NaN;
    this.firstRequest = NaN;
    this.ticks++;
    // Group the unassigned tasks by service and spec object (one spec object per spec version).
    const groups = new Map<PodSpec, number[]>();
    const preassigned: number[] = [];
    for (const id of api.pendingIds) {
      const spec = api.pods.infos[id]!.spec;
      if (spec.nodeName !== undefined) {
        preassigned.push(id);
        continue;
      }
      const g = groups.get(spec);
      if (g) g.push(id);
      else groups.set(spec, [id]);
    }
    for (const id of preassigned) this.placePreassigned(id, now);
    for (const [spec, ids] of groups) this.placeGroup(spec, ids, now);
  }

  private group(spec: PodSpec, workload: number, tasks: number): SwarmTaskGroup {
    return { service: workload, specVersion: this.views.versionOf(spec), spec: this.views.taskSpec(spec, workload), tasks };
  }

  private placeGroup(spec: PodSpec, ids: readonly number[], now: number): void {
    const api = this.api;
    const wi = api.pods.workload[ids[0]!]!;
    const nodes = this.views.nodes;
    const decision = this.policy.scheduleGroup(this.group(spec, wi, ids.length), nodes, now);
    const placed = decision.nodes.length;
    for (let k = 0; k < placed; k++) this.bind(ids[k]!, decision.nodes[k]!, nodes.length);
    for (let k = placed; k < ids.length; k++) api.recordAttempt(ids[k]!, nodes.length, true);
    if (placed < ids.length && decision.explanation !== undefined) this.explanations.set(wi, decision.explanation);
  }

  /** A global service's task: only checked on its own node (taskFitNode). */
  private placePreassigned(id: number, now: number): void {
    const api = this.api;
    const info = api.pods.infos[id]!;
    const wi = api.pods.workload[id]!;
    const node = api.cluster.nodeByName(info.spec.nodeName!);
    const view = node ? this.views.node(node.index) : undefined;
    const why = view ? this.policy.taskFitsNode(this.group(info.spec, wi, 1), view, now) : 'node not found';
    if (why === undefined && node) {
      this.bind(id, node.index, 1);
      return;
    }
    api.recordAttempt(id, 1, true);
    this.explanations.set(wi, why ?? 'node not found');
  }

  /** Binds a task; its GPUs are whole free devices (Swarm's generic resources are discrete). */
  private bind(id: number, node: number, evaluated: number): void {
    const api = this.api;
    api.recordAttempt(id, evaluated, false);
    const req = gpuRequest(api.pods.infos[id]!.spec.requests);
    let gpus: number[] | undefined;
    if (req) {
      const n = api.cluster.nodes[node]!;
      gpus = [];
      for (let g = 0; g < n.gpuCount && gpus.length < req.count; g++) if (n.gpuFree(g) >= 1000) gpus.push(g);
    }
    api.bind(id, node, gpus);
  }
}

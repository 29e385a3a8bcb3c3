import { ClusterEvent } from '../../../api/framework.js';
import type { RandomStream } from '../../../util/random.js';
import type { Lifecycle } from '../../lifecycle.js';

/** manager/dispatcher/dispatcher.go DefaultHeartBeatPeriod: 5 s (cluster setting dispatcher.heartbeat_period). */
export const SWARM_HEARTBEAT_PERIOD = 5;
/** dispatcher.go defaultHeartBeatEpsilon: each period is drawn uniformly within +-500 ms. */
export const SWARM_HEARTBEAT_EPSILON = 0.5;
/** dispatcher.go defaultGracePeriodMultiplier: a node is DOWN after 3 periods without a heartbeat. */
export const SWARM_GRACE_PERIOD_MULTIPLIER = 3;
/** dispatcher.go defaultNodeDownPeriod: tasks of a node DOWN this long are ORPHANED (24 h). */
export const SWARM_NODE_DOWN_PERIOD = 24 * 3600;

/**
 * Swarm's dispatcher (manager/dispatcher/dispatcher.go, period.go): each node heartbeats, and the
 * manager answers with the next period, drawn uniformly from heartbeat_period +- 500 ms; a node
 * that misses its heartbeats for 3 periods is marked DOWN ("heartbeat failure"). orchsim draws
 * that last period from the named stream `swarm/heartbeat`, so a node is DOWN 13.5-16.5 s after
 * its machine dies with the default 5 s (SWARM.md section 8). A node DOWN for 24 h has its
 * tasks ORPHANED: they leave the node, which frees its accounting (dispatcher.go
 * moveTasksToOrphaned). A machine that comes back registers again and is READY.
 *
 * Watches: nodes down and up. Owns: each node's DOWN deadline and the incident's detection
 * time. Acts: the node's status (READY / DOWN) and the orphaned tasks.
 */
export class SwarmDispatcher {
  private readonly evExpire: number;
  private readonly evOrphan: number;
  /** Per node: the incident that took it down, and when its heartbeat deadline falls. */
  private readonly incidentOf = new Map<number, number>();
  private readonly deadline = new Map<number, number>();

  constructor(private readonly api: Lifecycle, private readonly heartbeats: RandomStream, private readonly heartbeatPeriod = SWARM_HEARTBEAT_PERIOD) {
    this.evExpire = api.engine.defineEvent('swarm-heartbeat-expired', (node) => this.expire(node));
    this.evOrphan = api.engine.defineEvent('swarm-tasks-orphaned', (node) => this.orphan(node));
    api.on('nodeDown', (node, incident, now) => this.nodeDown(node, incident, now));
    api.on('nodeUp', (node) => this.nodeUp(node));
    api.on('nodeRemoved', (index) => {
      this.incidentOf.delete(index);
      this.deadline.delete(index);
    });
  }

  start(): void {}

  /** The heartbeats stop: the last period the node was given runs out 3 times over. */
  private nodeDown(node: number, incident: number, now: number): void {
    const period = this.heartbeatPeriod + (2 * this.heartbeats.next() - 1) * SWARM_HEARTBEAT_EPSILON;
    const at = now + SWARM_GRACE_PERIOD_MULTIPLIER * period;
    this.incidentOf.set(node, incident);
    this.deadline.set(node, at);
    this.api.engine.scheduleAt(at, this.evExpire, node);
  }

  /** markNodeNotReady: status DOWN, "heartbeat failure". */
  private expire(node: number): void {
    const api = this.api;
    const now = api.engine.now;
    if (this.deadline.get(node) !== now || api.isNodeUp(node)) return;
    this.deadline.delete(node);
    const inc = api.incidents[this.incidentOf.get(node)!]!;
    if (Number.isNaN(inc.detected)) inc.detected = now;
    api.setNodeReady(node, false, api.cluster.nodes[node]!.specTaints);
    api.engine.scheduleAt(now + SWARM_NODE_DOWN_PERIOD, this.evOrphan, node);
  }

  /** 24 h DOWN: the node's tasks are ORPHANED and leave it. */
  private orphan(node: number): void {
    const api = this.api;
    if (api.isNodeReady(node) || api.isNodeUp(node) || api.engine.now < api.nodeDownSince(node) + SWARM_NODE_DOWN_PERIOD) return;
    const tasks = [...api.cluster.nodes[node]!.pods];
    for (const info of tasks) if (api.pods.isOnNode(info.id)) api.removePod(info.id, 'failed');
    if (tasks.length > 0) api.clusterChanged(ClusterEvent.AssignedPodDelete);
  }

  /** The node registers again: READY. */
  private nodeUp(node: number): void {
    this.deadline.delete(node);
    if (!this.api.isNodeReady(node)) this.api.setNodeReady(node, true, this.api.cluster.nodes[node]!.specTaints);
  }
}

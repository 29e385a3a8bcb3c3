import type { SwarmNodeInfo, SwarmTaskGroup } from '../../api/swarm.js';

/**
 * The scheduler's view of the nodes during one scheduleGroup call. Upstream mutates its NodeInfo
 * copies as it assigns (nodeinfo.go addTask: fewer available resources, one more task of the
 * service and in total, the task's host ports in use); the SwarmNodeInfo objects are read-only, so
 * the changes live here, in flat arrays indexed by the node's position in the call's node list,
 * read once from the nodes when the call starts.
 */
export class GroupNodes {
  readonly nodes: readonly SwarmNodeInfo[];
  readonly count: number;
  /** ActiveTasksCountByService[group.service], then + tasks assigned in this call. */
  readonly serviceTasks: Int32Array;
  /** ActiveTasksCount, then + tasks assigned in this call. */
  readonly totalTasks: Int32Array;
  /** countRecentFailures for the group's service and spec version at `now` (fixed during a call, as upstream's `now`). */
  readonly recentFailures: Int32Array;
  readonly availableMilliCPU: Float64Array;
  readonly availableMemory: Float64Array;
  readonly availableGpus: Float64Array;
  /** Tasks of this group assigned to the node in this call (their host ports are then in use there). */
  readonly assigned: Int32Array;
  /** One of the group's host ports was already in use on the node when the call began. */
  readonly hostPortBusy: Uint8Array;
  /** ConstraintFilter's answer, which no assignment changes: -1 not yet asked, else 0 / 1. */
  readonly constraintOk: Int8Array;

  constructor(readonly group: SwarmTaskGroup, nodes: readonly SwarmNodeInfo[], now: number) {
    const n = nodes.length;
    this.nodes = nodes;
    this.count = n;
    this.serviceTasks = new Int32Array(n);
    this.totalTasks = new Int32Array(n);
    this.recentFailures = new Int32Array(n);
    this.availableMilliCPU = new Float64Array(n);
    this.availableMemory = new Float64Array(n);
    this.availableGpus = new Float64Array(n);
    this.assigned = new Int32Array(n);
    this.hostPortBusy = new Uint8Array(n);
    this.constraintOk = new Int8Array(n).fill(-1);
    const { service, specVersion } = group;
    const ports = group.spec.hostPorts;
    for (let i = 0; i < n; i++) {
      const node = nodes[i]!;
      this.serviceTasks[i] = node.activeTasksOf(service);
      this.totalTasks[i] = node.activeTasks;
      this.recentFailures[i] = node.recentFailures(service, specVersion, now);
      this.availableMilliCPU[i] = node.availableMilliCPU;
      this.availableMemory[i] = node.availableMemory;
      this.availableGpus[i] = node.availableGpus;
      if (ports.length > 0 && node.usedHostPorts.size > 0) {
        for (const p of ports) {
          if (p !== 0 && node.usedHostPorts.has(p)) {
            this.hostPortBusy[i] = 1;
            break;
          }
        }
      }
    }
  }

  /** nodeinfo.go addTask for a new task of the group with desired state <= COMPLETED. */
  assign(pos: number): void {
    const spec = this.group.spec;
    this.availableMilliCPU[pos]! -= spec.milliCPU;
    this.availableMemory[pos]! -= spec.memory;
    this.availableGpus[pos]! -= spec.gpus;
    this.serviceTasks[pos]! += 1;
    this.totalTasks[pos]! += 1;
    this.assigned[pos]! += 1;
  }
}

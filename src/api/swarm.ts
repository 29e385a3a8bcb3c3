import type { Labels } from './labels.js';

/**
 * Docker Swarm mode: the types its scheduler policy and its controllers share (SWARM.md, from
 * moby/swarmkit). The scenario layer and the compose reader build them; the Swarm controllers in
 * src/sim/controllers/swarm run them; the scheduler policy in src/schedulers/swarm places tasks
 * with them. Nothing here knows the simulator.
 */

/** One placement constraint (manager/constraint/constraint.go): `key == value` or `key != value`. */
export interface SwarmConstraint {
  /** `node.id`, `node.hostname`, `node.ip`, `node.role`, `node.platform.os`, `node.platform.arch`, `node.labels.<k>` or `engine.labels.<k>`, as written. */
  readonly key: string;
  readonly operator: '==' | '!=';
  /** Compared case-insensitively (label keys are case-sensitive). */
  readonly value: string;
}

/** deploy.placement: constraints, spread preferences and max replicas per node. */
export interface SwarmPlacement {
  readonly constraints: readonly SwarmConstraint[];
  /** Spread descriptors, outermost first (`node.labels.zone`); only node.labels.* and engine.labels.* take effect. */
  readonly preferences: readonly string[];
  /** Placement.MaxReplicas: at most this many tasks of the service per node; 0 = no limit. */
  readonly maxReplicas: number;
}

/** deploy.restart_policy (api/types.proto RestartPolicy; defaults api/defaults/service.go). */
export interface SwarmRestartPolicy {
  readonly condition: 'none' | 'on-failure' | 'any';
  /** Seconds between a task's end and its replacement's start (default 5). */
  readonly delay: number;
  /** Restarts allowed (within `window` when set); 0 = unlimited. */
  readonly maxAttempts: number;
  /** Seconds over which restarts are counted; 0 = unbounded. */
  readonly window: number;
}

/** deploy.update_config / rollback_config (api/types.proto UpdateConfig; defaults api/defaults/service.go). */
export interface SwarmUpdateConfig {
  /** Tasks updated at once; 0 = all at once. */
  readonly parallelism: number;
  /** Seconds a worker waits after each task it updated. */
  readonly delay: number;
  readonly failureAction: 'pause' | 'continue' | 'rollback';
  /** Seconds after a new task is running during which its failure counts against the update. */
  readonly monitor: number;
  /** Failed tasks tolerated, as a fraction of the tasks to update (0 = the first failure acts). */
  readonly maxFailureRatio: number;
  readonly order: 'stop-first' | 'start-first';
}

/** How a Swarm service runs (a Compose file's `deploy:` section). */
export interface SwarmServiceSettings {
  readonly placement: SwarmPlacement;
  readonly restartPolicy: SwarmRestartPolicy;
  readonly updateConfig: SwarmUpdateConfig;
  readonly rollbackConfig: SwarmUpdateConfig;
  /** Published ports in host mode (`mode: host`): one task per node per port. */
  readonly hostPorts: readonly number[];
}

/** api/defaults/service.go: condition any, delay 5 s, unlimited attempts, no window. */
export const SWARM_DEFAULT_RESTART_POLICY: SwarmRestartPolicy = { condition: 'any', delay: 5, maxAttempts: 0, window: 0 };

/** api/defaults/service.go: one task at a time, no delay, pause on failure, 5 s monitor, ratio 0, stop-first (rollbacks alike). */
export const SWARM_DEFAULT_UPDATE_CONFIG: SwarmUpdateConfig = { parallelism: 1, delay: 0, failureAction: 'pause', monitor: 5, maxFailureRatio: 0, order: 'stop-first' };

export const SWARM_DEFAULT_SETTINGS: SwarmServiceSettings = {
  placement: { constraints: [], preferences: [], maxReplicas: 0 },
  restartPolicy: SWARM_DEFAULT_RESTART_POLICY,
  updateConfig: SWARM_DEFAULT_UPDATE_CONFIG,
  rollbackConfig: SWARM_DEFAULT_UPDATE_CONFIG,
  hostPorts: [],
};

/** What Swarm knows of a node beyond its labels: role, platform and engine labels (api/objects.proto Node). */
export interface SwarmNodeMeta {
  readonly role: 'manager' | 'worker';
  readonly os: string;
  readonly arch: string;
  readonly engineLabels: Labels;
  /** node.ip (for `node.ip` constraints); none when absent. */
  readonly ip?: string | undefined;
}

export const SWARM_DEFAULT_NODE_META: SwarmNodeMeta = { role: 'worker', os: 'linux', arch: 'amd64', engineLabels: {} };

/**
 * What Swarm's scheduler sees of a node (manager/scheduler/nodeinfo.go NodeInfo): identity and
 * metadata, status, the resources its tasks have not reserved, and its task counts. Read-only
 * for the policy, valid for one call.
 */
export interface SwarmNodeInfo {
  /** Dense index of the node in the store (what a decision names). */
  readonly index: number;
  /** node.id and node.hostname: orchsim uses the node's name for both. */
  readonly name: string;
  readonly labels: Labels;
  readonly meta: SwarmNodeMeta;
  /** Status.State == READY (the dispatcher has heard its heartbeat). */
  readonly ready: boolean;
  /** Spec.Availability. */
  readonly availability: 'active' | 'pause' | 'drain';
  /** Allocatable minus the reservations of its active tasks. */
  readonly availableMilliCPU: number;
  readonly availableMemory: number;
  /** Whole GPUs no task holds (discrete generic resources, NVIDIA-GPU). */
  readonly availableGpus: number;
  /** Host-mode published ports in use on the node. */
  readonly usedHostPorts: ReadonlySet<number>;
  /** Active tasks on the node (desired state <= COMPLETED), all services. */
  readonly activeTasks: number;
  /** Active tasks of one service on the node (ActiveTasksCountByService). */
  activeTasksOf(service: number): number;
  /** Failures of this service at this spec version on the node within the last 5 minutes (nodeinfo.go countRecentFailures). */
  recentFailures(service: number, specVersion: number, now: number): number;
}

/** What a task of a service reserves and where it may go. */
export interface SwarmTaskSpec {
  readonly milliCPU: number;
  readonly memory: number;
  /** Whole GPUs (generic resource NVIDIA-GPU). */
  readonly gpus: number;
  readonly placement: SwarmPlacement;
  readonly hostPorts: readonly number[];
}

/** Unassigned tasks of one service at one spec version, scheduled together (scheduler.go scheduleTaskGroup). */
export interface SwarmTaskGroup {
  /** The service (orchsim's workload index). */
  readonly service: number;
  readonly specVersion: number;
  readonly spec: SwarmTaskSpec;
  /** How many tasks to place. */
  readonly tasks: number;
}

/** Where the tasks of a group go: a node index per placed task, in order; why the rest could not be placed. */
export interface SwarmGroupDecision {
  readonly nodes: readonly number[];
  /** `no suitable node (<explanation>)` text when fewer than `tasks` were placed. */
  readonly explanation?: string | undefined;
}

/**
 * Swarm's scheduling policy: place a group of tasks on the nodes, and check a pre-assigned task
 * (a global service's) on its node. Implementations never read a clock or a random source.
 */
export interface SwarmScheduler {
  readonly name: string;
  scheduleGroup(group: SwarmTaskGroup, nodes: readonly SwarmNodeInfo[], now: number): SwarmGroupDecision;
  /** Whether the node meets the task's placement constraints (the global orchestrator creates tasks only there: global.go, constraint.NodeMatches). */
  constraintsMet(spec: SwarmTaskSpec, node: SwarmNodeInfo): boolean;
  /** undefined when the task fits the node, else why not (the filter's explanation). */
  taskFitsNode(group: SwarmTaskGroup, node: SwarmNodeInfo, now: number): string | undefined;
  /** Replicated scale-down: which of a service's running tasks to remove (services.go/slot.go order); returns task positions into `tasks`. */
  tasksToRemove(tasks: readonly { readonly node: number; readonly slot: number; readonly running: boolean }[], count: number): readonly number[];
}

import type { NodeSpec } from '../../../src/api/node.js';
import { PodPhase, type PodSpec } from '../../../src/api/pod.js';
import { resources } from '../../../src/api/resources.js';
import {
  SWARM_DEFAULT_SETTINGS, SWARM_DEFAULT_UPDATE_CONFIG, type SwarmPlacement, type SwarmRestartPolicy, type SwarmServiceSettings, type SwarmUpdateConfig,
} from '../../../src/api/swarm.js';
import type { CrashModel, DaemonSetWorkload, RolloutEvent, ServiceWorkload, Workload } from '../../../src/api/workload.js';
import { DEFAULT_DEPLOYMENT_SETTINGS } from '../../../src/api/workload.js';
import type { ResolvedScenario } from '../../../src/scenario/resolve.js';
import { createSimulation } from '../../../src/scenario/runner.js';
import { BUILTIN_PROFILES } from '../../../src/schedulers/builtins.js';
import type { ScheduledOutage } from '../../../src/sim/failures.js';
import type { Lifecycle } from '../../../src/sim/lifecycle.js';
import type { ControllerFactory, Simulation, SimulationResult } from '../../../src/sim/simulation.js';
import type { OnBind } from '../../helpers/invariants.js';

/**
 * Builds Swarm scenarios in code (a scenario file cannot carry `deploy:` settings yet) and
 * records what happened to every task, so the behaviour tests read times and placements from a
 * trace instead of from the simulator's own summaries.
 */

export const Gi = 2 ** 30;

export function node(name: string, o: { cpu?: number; memoryGi?: number; gpus?: number; labels?: Record<string, string>; unschedulable?: boolean } = {}): NodeSpec {
  return {
    name,
    labels: { 'kubernetes.io/hostname': name, ...o.labels },
    taints: [],
    unschedulable: o.unschedulable ?? false,
    allocatable: resources({ milliCPU: (o.cpu ?? 8) * 1000, memory: (o.memoryGi ?? 32) * Gi, milliGPU: (o.gpus ?? 0) * 1000 }),
  };
}

export function nodes(n: number, o: Parameters<typeof node>[1] = {}, prefix = 'n'): NodeSpec[] {
  return Array.from({ length: n }, (_, i) => node(`${prefix}${i}`, o));
}

/** Swarm settings: the defaults with the parts given replaced (placement, restart policy and update/rollback configs merged field by field). */
export function settings(o: { placement?: Partial<SwarmPlacement>; restart?: Partial<SwarmRestartPolicy>; update?: Partial<SwarmUpdateConfig>; rollback?: Partial<SwarmUpdateConfig>; hostPorts?: number[] } = {}): SwarmServiceSettings {
  const d = SWARM_DEFAULT_SETTINGS;
  return {
    placement: { ...d.placement, ...o.placement },
    restartPolicy: { ...d.restartPolicy, ...o.restart },
    updateConfig: { ...SWARM_DEFAULT_UPDATE_CONFIG, ...o.update },
    rollbackConfig: { ...SWARM_DEFAULT_UPDATE_CONFIG, ...o.rollback },
    hostPorts: o.hostPorts ?? [],
  };
}

export function spec(name: string, o: { cpu?: number; memoryGi?: number; gpus?: number; nodeSelector?: Record<string, string> } = {}): PodSpec {
  return {
    namespace: 'default',
    labels: { app: name },
    priority: 0,
    requests: resources({ milliCPU: (o.cpu ?? 1) * 1000, memory: (o.memoryGi ?? 1) * Gi, milliGPU: (o.gpus ?? 0) * 1000 }),
    ...(o.nodeSelector ? { nodeSelector: o.nodeSelector } : {}),
  };
}

/** A crash every `every` seconds after each start, seen at once (a process exit). */
export function crashEvery(every: number): CrashModel {
  return { timeBetweenCrashes: { kind: 'fixed', value: every }, hangFraction: 0, livenessPeriod: 10, livenessFailureThreshold: 3 };
}

export interface ServiceOptions {
  cpu?: number;
  memoryGi?: number;
  gpus?: number;
  nodeSelector?: Record<string, string>;
  startAt?: number;
  startup?: number;
  crashes?: CrashModel;
  swarm?: SwarmServiceSettings;
  rollouts?: RolloutEvent[];
}

export function service(name: string, replicas: number, o: ServiceOptions = {}): ServiceWorkload {
  return {
    kind: 'service', name, spec: spec(name, o), replicas, startAt: o.startAt ?? 0, startup: { kind: 'fixed', value: o.startup ?? 0 },
    ...(o.crashes ? { crashes: o.crashes } : {}),
    swarm: o.swarm ?? settings(),
    ...(o.rollouts ? { rollout: { ...DEFAULT_DEPLOYMENT_SETTINGS, events: o.rollouts } } : {}),
  };
}

/** A global service (mode: global): orchsim's daemonset kind under Swarm. */
export function globalService(name: string, o: ServiceOptions = {}): DaemonSetWorkload {
  return { kind: 'daemonset', name, spec: spec(name, o), startup: { kind: 'fixed', value: o.startup ?? 0 }, swarm: o.swarm ?? settings(), ...(o.crashes ? { crashes: o.crashes } : {}) };
}

/** A scheduled outage of some nodes (by index); `drain`: cordon and evict instead of a machine failure. */
export function outage(name: string, nodeIndexes: number[], at: number, duration: number, drain = false): ScheduledOutage {
  return { name, domain: { kind: 'node', name, nodes: nodeIndexes }, at, duration, ...(drain ? { drain: true } : {}) };
}

export function swarmScenario(o: { nodes: NodeSpec[]; workloads: Workload[]; horizon: number; seed?: number; outages?: ScheduledOutage[]; heartbeatPeriod?: number }): ResolvedScenario {
  return {
    name: 'swarm-test', file: '<test>', seed: o.seed ?? 7, horizon: o.horizon, sampleInterval: 0, nodes: o.nodes, workloads: o.workloads,
    profile: BUILTIN_PROFILES[0]!, queue: 'kubernetes', orchestrator: 'swarm',
    ...(o.heartbeatPeriod !== undefined ? { heartbeatPeriod: o.heartbeatPeriod } : {}),
    ...(o.outages ? { failures: { nodeMonitorGracePeriod: 50, defaultTolerationSeconds: 300, processes: [], outages: o.outages } } : {}),
  };
}

/** One task's life as the store told it (NaN: did not happen). */
export interface TaskRecord {
  readonly id: number;
  readonly name: string;
  readonly workload: string;
  /** The slot (replicated: the number in the task name) or the node name (global). */
  readonly slot: string;
  readonly created: number;
  bound: number;
  node: string;
  running: number;
  ended: number;
  /** 'failed' / 'deleted' (removed), 'succeeded'. */
  how: string;
  /** The task's requests when created (a rollout changes them; tests tell versions apart by cpu). */
  readonly milliCPU: number;
}

/** A scenario event at `at` that calls `act` with the store (a scale, a node added). */
export function at(t: number, act: (api: Lifecycle) => void): ControllerFactory {
  return (api) => {
    const ev = api.engine.defineEvent(`test-act-${t}`, () => act(api));
    return { start: () => api.engine.scheduleAt(t, ev, 0) };
  };
}

export interface Traced {
  readonly sim: Simulation;
  readonly result: SimulationResult;
  readonly tasks: TaskRecord[];
  /** Ready replicas of each service after every change: [time, ready]. */
  readonly ready: Map<string, [number, number][]>;
  readonly api: Lifecycle;
}

/** Runs the scenario with a recorder of every task's creation, binding, start and end. */
export function runTraced(s: ResolvedScenario, extra: ControllerFactory[] = [], onBind?: OnBind): Traced {
  const tasks: TaskRecord[] = [];
  const ready = new Map<string, [number, number][]>();
  let store: Lifecycle | undefined;
  const recorder: ControllerFactory = (api) => {
    store = api;
    const now = () => api.engine.now;
    api.on('podCreated', (id) => {
      const name = api.pods.infos[id]!.name;
      const w = api.workloads[api.pods.workload[id]!]!.w;
      const parts = name.split('.');
      tasks[id] = {
        id, name, workload: w.name, slot: parts.length >= 3 ? parts.slice(1, -1).join('.') : name, created: now(), bound: NaN, node: '', running: NaN, ended: NaN, how: '',
        milliCPU: api.pods.infos[id]!.spec.requests.milliCPU,
      };
    });
    api.on('podBound', (id, n) => {
      tasks[id]!.bound = now();
      tasks[id]!.node = api.cluster.nodes[n]!.name;
    });
    api.on('podPhaseChanged', (id, _from, to) => {
      if (to === PodPhase.Running && Number.isNaN(tasks[id]!.running)) tasks[id]!.running = now();
    });
    api.on('podRemoved', (id, _from, reason) => {
      tasks[id]!.ended = now();
      tasks[id]!.how = reason;
    });
    api.on('podSucceeded', (id) => {
      tasks[id]!.ended = now();
      tasks[id]!.how = 'succeeded';
    });
    api.on('readyChanged', (wr) => {
      const list = ready.get(wr.w.name) ?? [];
      ready.set(wr.w.name, list);
      list.push([now(), wr.ready]);
    });
    return { start() {} };
  };
  const sim = createSimulation(s, { controllers: [recorder, ...extra], onBind });
  const result = sim.run();
  return { sim, result, tasks, ready, api: store! };
}

/** Tasks of a workload, in creation order. */
export function tasksOf(t: Traced, workload: string): TaskRecord[] {
  return t.tasks.filter((x) => x.workload === workload);
}

/** Tasks of a workload alive (bound, not ended) at time `time`. */
export function liveAt(t: Traced, workload: string, time: number): TaskRecord[] {
  return tasksOf(t, workload).filter((x) => x.bound <= time && !(x.ended <= time));
}

/** Ready replicas of a service at time `time` (after every change at that instant). */
export function readyAt(t: Traced, workload: string, time: number): number {
  let r = 0;
  for (const [when, n] of t.ready.get(workload) ?? []) if (when <= time) r = n;
  return r;
}

import type { PodInfo } from '../api/pod.js';
import type { Scheduler } from '../api/framework.js';
import type { PluginRegistry } from '../schedulers/registry.js';
import { swarmScheduler } from '../schedulers/swarm/index.js';
import type { ClusterState } from '../sim/cluster.js';
import { Simulation, TIMESERIES_COLUMNS, type SimulationConfig, type AutoscalingResult, type SimulationResult } from '../sim/simulation.js';
import type { ServiceLoad, Workload } from '../api/workload.js';
import { BUILTIN_AUTOSCALERS, type AutoscalerRegistries } from './plugin-module.js';
import { loadCurve } from '../workloads/load.js';
import { RandomStreams } from '../util/random.js';
import type { ResolvedScenario } from './resolve.js';
import { buildFramework, buildSchedulers, type PreparedRun } from './prepared-run.js';
import { StateSampler, type SampledState } from '../sim/sampled-state.js';

// Where they were defined before orchsim validate stopped loading the simulation (prepared-run.ts).
export { buildFramework, PreparedRun } from './prepared-run.js';

/** Version of the result format; bump when a field changes meaning. */
export const RESULT_FORMAT = 1;

/** The result of one run: data only (the report layer formats it). See docs in the README. */
export interface RunResult {
  readonly format: number;
  readonly scenario: string;
  readonly seed: number;
  readonly profile: string;
  readonly queue: 'kubernetes' | 'fifo';
  /** `swarm` when Docker Swarm mode ran the scenario (absent: Kubernetes). */
  readonly orchestrator?: 'swarm' | undefined;
  readonly horizonSeconds: number;
  readonly cluster: {
    readonly nodes: number;
    readonly allocatable: { readonly cpu: number; readonly memoryBytes: number; readonly gpu: number };
  };
  readonly metrics: {
    readonly utilization: SimulationResult['utilization'];
    readonly pods: SimulationResult['pods'];
    readonly pendingSeconds: SimulationResult['pendingSeconds'];
    readonly scheduling: SimulationResult['scheduling'];
    readonly workloads: SimulationResult['workloads'];
    readonly incidents: SimulationResult['incidents'];
    readonly availability: SimulationResult['availability'];
    /** Replicas, requests, nodes and cost, when the scenario has load models, autoscalers or prices. */
    readonly autoscaling?: AutoscalingSummary | undefined;
    /** Free capacity stranded by another resource running short on its node, averaged over the samples (runs with a time series). */
    readonly stranded?: SimulationResult['stranded'];
    /** ResourceQuotas: pods held for room, their waits, peak use against the hard limits. */
    readonly resourceQuotas?: SimulationResult['resourceQuotas'];
    /** Docker Swarm runs: scheduler ticks and why tasks found no node. */
    readonly swarm?: SimulationResult['swarm'];
    /** Preemptions by the scheduler (DefaultPreemption), when there were any. */
    readonly preemption?: SimulationResult['preemption'];
    /** Daemon pods and the capacity they take, when the scenario has DaemonSets. */
    readonly daemonSets?: SimulationResult['daemonSets'];
    /** PodDisruptionBudgets, evictions and drains, when the scenario has budgets. */
    readonly disruption?: SimulationResult['disruption'];
    /** Deployment rollouts, when the scenario has any. */
    readonly rollouts?: SimulationResult['rollouts'];
    /** Scheduling per profile (schedulerName), when pods name more than one profile. */
    readonly schedulers?: SimulationResult['schedulers'];
    /** Kueue's queues (admission waits, quota usage and borrowing, fair shares), when the scenario has queueing; its time series is in RunOutput. */
    readonly queueing?: Omit<NonNullable<SimulationResult['queueing']>, 'timeseries'> | undefined;
    /** Gangs (PodGroups), when the scenario has any. */
    readonly gangs?: SimulationResult['gangs'];
  };
  readonly engine: { readonly events: number };
}

/** The autoscaling part of a result (the action log and the time series go to their own files). */
export interface AutoscalingSummary {
  readonly services: AutoscalingResult['services'];
  readonly pools: AutoscalingResult['pools'];
  readonly nodeHours: number;
  readonly cost: number;
  /** Actions by kind (scale-up, scale-down, node-ready, node-removed, scale-up-failed), by scaler. */
  readonly actions: Readonly<Record<string, Readonly<Record<string, number>>>>;
}

export interface RunOutput {
  readonly result: RunResult;
  readonly autoscaling?: { readonly actions: AutoscalingResult['actions']; readonly timeseries: AutoscalingResult['timeseries'] } | undefined;
  readonly incidents: SimulationResult['incidentList'];
  readonly timeseries: { readonly columns: readonly string[]; readonly rows: readonly (readonly number[])[] };
  /** Pending-time quantiles at 0..100 % (seconds); empty when no pod waited. */
  readonly pendingCdf: readonly number[];
  /** Waits of every pod created, the ones still pending counted with their wait so far (see SimulationResult). */
  readonly waitingSeconds: SimulationResult['waitingSeconds'];
  /** Kueue's ClusterQueues sampled every sampleInterval (cpu and GPUs held, pending workloads, weighted DRS), with queueing. */
  readonly queueingTimeseries?: NonNullable<SimulationResult['queueing']>['timeseries'] | undefined;
  /** The cluster by zone and the services at every sample, when the run was asked for it (RunOptions.sampledState). */
  readonly sampledState?: SampledState | undefined;
}

export interface RunOptions {
  readonly registry?: PluginRegistry | undefined;
  /** Autoscaler policies by name (the built-ins when absent). */
  readonly autoscalers?: AutoscalerRegistries | undefined;
  /** The run's scheduler and streams, built when the scenario was prepared (see PreparedRun). */
  readonly prepared?: PreparedRun | undefined;
  readonly onBind?: ((pod: PodInfo, nodeIndex: number, cluster: ClusterState, now: number) => void) | undefined;
  readonly onProgress?: ((fraction: number) => void) | undefined;
  /** Sample the cluster by zone and the services too (for the OpenMetrics export); the result is the same either way. */
  readonly sampledState?: boolean | undefined;
}

/**
 * Wires a resolved scenario into a Simulation: the run's streams, the profile's framework
 * (optionally wrapped, e.g. by a test that observes every cycle), the nodes and workloads.
 */
export function createSimulation(s: ResolvedScenario, options: RunOptions & { wrapScheduler?: ((inner: Scheduler) => Scheduler) | undefined; onSample?: ((sim: Simulation, now: number) => void) | undefined; controllers?: SimulationConfig['controllers']; releaseFinishedPods?: boolean | undefined } = {}): Simulation {
  const autoscalers = options.autoscalers ?? BUILTIN_AUTOSCALERS;
  const built = options.prepared?.take(s);
  const streams = built?.streams ?? new RandomStreams(s.seed);
  const framework = built?.framework ?? buildFramework(s.profile, streams, options.registry, s.profileSource);
  const schedulers = built?.schedulers ?? buildSchedulers(s, streams, options.registry);
  // Policies keep state and curves draw bursts from the run's seed: fresh ones for every run.
  const workloads = s.workloads.map((w): Workload => {
    const model = w.kind === 'service' ? s.serviceModels?.get(w.name) : undefined;
    if (!model || w.kind !== 'service') return w;
    const l = model.load;
    const load: ServiceLoad | undefined = l && {
      curve: loadCurve(l.curve, { horizon: s.horizon, stream: streams.get(`load/${w.name}`), trace: l.trace }),
      capacityPerReplica: l.capacityPerReplica,
      utilizationAtCapacity: l.utilizationAtCapacity,
      maxUtilization: l.maxUtilization,
      memoryUtilization: l.memoryUtilization,
      slo: l.slo,
      step: l.step,
    };
    const autoscaler = model.hpa ? autoscalers.horizontal.get(model.hpa.policy)!(model.hpa.spec) : undefined;
    return { ...w, load, autoscaler, hpaSyncPeriod: model.hpa?.syncPeriod };
  });
  const groups = s.nodeGroups ?? [];
  const ca = s.clusterAutoscaler;
  const clusterAutoscaler = ca ? autoscalers.cluster.get(ca.policy)!(groups.map((g) => g.spec), ca.options) : undefined;
  return new Simulation({
    horizon: s.horizon,
    sampleInterval: s.sampleInterval,
    nodes: s.nodes,
    workloads,
    nodeGroups: groups,
    clusterAutoscaler,
    scheduler: options.wrapScheduler ? options.wrapScheduler(framework) : framework,
    ...(schedulers.size > 0 ? { schedulers } : {}),
    queue: s.queue,
    streams,
    onBind: options.onBind,
    onProgress: options.onProgress,
    failures: s.failures,
    disruptionBudgets: s.disruptionBudgets,
    ...(s.resourceQuotas ? { resourceQuotas: s.resourceQuotas } : {}),
    ...(s.podGroups ? { podGroups: s.podGroups } : {}),
    onSample: options.onSample,
    controllers: options.controllers,
    ...(s.queueing ? { queueing: s.queueing } : {}),
    ...(s.orchestrator === 'swarm' ? { orchestrator: { kind: 'swarm' as const, scheduler: swarmScheduler, heartbeatPeriod: s.heartbeatPeriod } } : {}),
    ...(options.releaseFinishedPods ? { releaseFinishedPods: true } : {}),
  });
}

/** Runs a resolved scenario once. Deterministic: same scenario and seed, same result. */
export function runScenario(s: ResolvedScenario, options: RunOptions = {}): RunOutput {
  const sampler = options.sampledState ? new StateSampler() : undefined;
  // Only the result is read, so finished pods' objects may go (SimShortcuts.releaseFinishedPods).
  const r = createSimulation(s, { ...options, releaseFinishedPods: true, ...(sampler ? { onSample: (sim: Simulation, now: number) => sampler.sample(sim, now) } : {}) }).run();
  return {
    result: {
      format: RESULT_FORMAT,
      scenario: s.name,
      seed: s.seed,
      profile: s.profile.name,
      queue: s.queue,
      ...(s.orchestrator === 'swarm' ? { orchestrator: 'swarm' as const } : {}),
      horizonSeconds: s.horizon,
      cluster: {
        nodes: r.nodes,
        allocatable: { cpu: r.allocatable.milliCPU / 1000, memoryBytes: r.allocatable.memory, gpu: r.allocatable.milliGPU / 1000 },
      },
      metrics: {
        utilization: r.utilization, ...(r.stranded ? { stranded: r.stranded } : {}), pods: r.pods, pendingSeconds: r.pendingSeconds, scheduling: r.scheduling, workloads: r.workloads, incidents: r.incidents, availability: r.availability,
        ...(r.autoscaling ? { autoscaling: autoscalingSummary(r.autoscaling) } : {}),
        ...(r.preemption ? { preemption: r.preemption } : {}),
        ...(r.daemonSets ? { daemonSets: r.daemonSets } : {}),
        ...(r.disruption ? { disruption: r.disruption } : {}),
        ...(r.rollouts ? { rollouts: r.rollouts } : {}),
        ...(r.schedulers ? { schedulers: r.schedulers } : {}),
        ...(r.swarm ? { swarm: r.swarm } : {}),
        ...(r.resourceQuotas ? { resourceQuotas: r.resourceQuotas } : {}),
        ...(r.queueing ? { queueing: withoutTimeseries(r.queueing) } : {}),
        ...(r.gangs ? { gangs: r.gangs } : {}),
      },
      engine: { events: r.events },
    },
    timeseries: { columns: TIMESERIES_COLUMNS, rows: r.timeseries },
    pendingCdf: r.pendingCdf,
    waitingSeconds: r.waitingSeconds,
    incidents: r.incidentList,
    ...(r.autoscaling ? { autoscaling: { actions: r.autoscaling.actions, timeseries: r.autoscaling.timeseries } } : {}),
    ...(r.queueing ? { queueingTimeseries: r.queueing.timeseries } : {}),
    ...(sampler ? { sampledState: sampler.result() } : {}),
  };
}

function withoutTimeseries<T extends { timeseries: unknown }>(x: T): Omit<T, 'timeseries'> {
  const { timeseries: _, ...rest } = x;
  return rest;
}

function autoscalingSummary(a: AutoscalingResult): AutoscalingSummary {
  const actions: Record<string, Record<string, number>> = {};
  for (const x of a.actions) {
    const scaler = x.scaler.startsWith('hpa/') ? 'hpa' : x.scaler;
    const byKind = (actions[scaler] ??= {});
    byKind[x.action] = (byKind[x.action] ?? 0) + 1;
  }
  return { services: a.services, pools: a.pools, nodeHours: a.nodeHours, cost: a.cost, actions };
}

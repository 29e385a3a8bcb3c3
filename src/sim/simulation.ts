import { ResourceQuotaController } from './controllers/resource-quota.js';
import type { ResourceQuotaSpec } from '../api/quota.js';
import type { ClusterAutoscaler } from '../api/autoscaling.js';
import type { Scheduler } from '../api/framework.js';
import type { PodInfo } from '../api/pod.js';
import type { RandomStreams } from '../util/random.js';
import type { NodeSpec } from '../api/node.js';
import type { ClusterState } from './cluster.js';
import { DeploymentController } from './controllers/deployments.js';
import { ClusterAutoscalerController, type SimNodeGroup } from './controllers/cluster-autoscaler.js';
import { DaemonSetController } from './controllers/daemonsets.js';
import { DisruptionController } from './controllers/disruption.js';
import type { DisruptionBudgetSpec } from '../api/disruption.js';
import { FailureInjector } from './controllers/failure-injector.js';
import { HpaController } from './controllers/hpa.js';
import { KubeletController } from './controllers/kubelet.js';
import { NodeLifecycleController } from './controllers/node-lifecycle.js';
import { SchedulingController } from './controllers/scheduling.js';
import { WorkloadController } from './controllers/workloads.js';
import { KueueController } from './controllers/kueue.js';
import type { QueueingConfig } from '../api/queueing.js';
import { SwarmDispatcher } from './controllers/swarm/dispatcher.js';
import { SwarmNodeViews } from './controllers/swarm/node-views.js';
import { SwarmOrchestrator } from './controllers/swarm/orchestrator.js';
import { SwarmSchedulerController } from './controllers/swarm/scheduler.js';
import type { SwarmUpdater } from './controllers/swarm/updater.js';
import type { SwarmScheduler } from '../api/swarm.js';
import { Engine } from './engine.js';
import { NO_FAILURES, type FailureConfig } from './failures.js';
import { Lifecycle, type WorkloadRecord } from './lifecycle.js';
import { disruptionResult } from './eviction.js';
import { shortcutsFromEnv, type SimShortcuts } from './shortcuts.js';

export type { Lifecycle } from './lifecycle.js';
import { MetricsRecorder, scaledService } from './metrics.js';
import type { PodTable } from './pods.js';
import type { SimulationResult } from './results.js';
import type { SchedulingQueue } from './scheduling-queue.js';
import { ServiceTraffic } from './service-traffic.js';
import type { Workload } from '../api/workload.js';
import type { PodGroupSpec } from '../api/podgroup.js';
import { GangMetrics, gangResult } from './gang-metrics.js';

export type { SimNodeGroup } from './controllers/cluster-autoscaler.js';
export * from './results.js';

export interface SimulationConfig {
  readonly horizon: number;
  /** Time-series sampling interval in seconds (0 = no time series). */
  readonly sampleInterval: number;
  readonly nodes: readonly NodeSpec[];
  readonly workloads: readonly Workload[];
  readonly scheduler: Scheduler;
  /**
   * Profiles besides the default one, by the schedulerName of the pods they place (several
   * schedulers in one cluster). The cluster autoscaler keeps the default profile's filters.
   */
  readonly schedulers?: ReadonlyMap<string, Scheduler> | undefined;
  readonly queue: 'kubernetes' | 'fifo';
  /** The run's random streams (seeded by the scenario seed). */
  readonly streams: RandomStreams;
  /** Node, rack and zone failures and the detection timings; none when absent. */
  readonly failures?: FailureConfig | undefined;
  /** Called at every time-series sample (tests use it to check invariants during a run). */
  readonly onSample?: ((sim: Simulation, now: number) => void) | undefined;
  /** Called now and then with the fraction of the horizon simulated (progress displays only). */
  readonly onProgress?: ((fraction: number) => void) | undefined;
  /** Node groups a cluster autoscaler grows and shrinks (their initial nodes are in `nodes`, pool = group name). */
  readonly nodeGroups?: readonly SimNodeGroup[] | undefined;
  readonly clusterAutoscaler?: ClusterAutoscaler | undefined;
  /** Called for every bind, with the pod and node (for invariant checks in tests). */
  readonly onBind?: ((pod: PodInfo, nodeIndex: number, cluster: ClusterState, now: number) => void) | undefined;
  /** PodGroup objects (manifests), created at time 0; Job and batch gangs create their own. */
  readonly podGroups?: readonly PodGroupSpec[] | undefined;
  /** PodDisruptionBudgets: voluntary evictions (drains, scale-down) go through the eviction API. */
  readonly disruptionBudgets?: readonly DisruptionBudgetSpec[] | undefined;
  /** More controllers, constructed after the built-in ones (so they hear every change last) and started after them. */
  readonly controllers?: readonly ControllerFactory[] | undefined;
  /**
   * Which orchestrator's controllers run the workloads (DESIGN.md "Orchestrators"): Kubernetes'
   * when absent; Docker Swarm mode's with its scheduler policy and heartbeat period (5 s by default).
   */
  readonly orchestrator?: SwarmOrchestration | undefined;
  /** ResourceQuotas per namespace: pods beyond a quota wait, gated, until it has room. */
  readonly resourceQuotas?: readonly ResourceQuotaSpec[] | undefined;
  /** Kueue's queueing objects: queued Jobs and batch arrivals wait for admission (absent: no queueing). */
  readonly queueing?: QueueingConfig | undefined;
  /** The simulator's shortcuts (src/sim/shortcuts.ts); absent: as the environment's ORCHSIM_NO_* switches say. */
  readonly shortcuts?: SimShortcuts | undefined;
  /**
   * The caller reads only the run's result, never `pods` after (or during) the run: the pod
   * table may then let go of finished pods' objects (SimShortcuts.releaseFinishedPods).
   * runScenario sets it; absent, every pod's PodInfo stays (tests and tools read them).
   */
  readonly releaseFinishedPods?: boolean | undefined;
}

export interface SwarmOrchestration {
  readonly kind: 'swarm';
  readonly scheduler: SwarmScheduler;
  readonly heartbeatPeriod?: number | undefined;
}

/**
 * A controller: it subscribes to the store's hooks when constructed, acts through the
 * lifecycle API, and schedules its first events (if any) in `start`, called once the whole run
 * is wired.
 */
export interface Controller {
  start(): void;
}

/** Builds a controller over the store; `config` is the run's whole configuration. */
export type ControllerFactory = (api: Lifecycle, config: SimulationConfig) => Controller;

/**
 * One simulated run: the store with its lifecycle API, and the controllers that watch it, as in
 * Kubernetes (DESIGN.md "Controllers"). This file only wires them and runs the loop; a new
 * behaviour is a new controller under controllers/ and one line here. Subscribers hear of a
 * change in the order they are constructed, which the results depend on: the recorder first
 * (it integrates before anything reacts), then the HPA's pod views, the node lifecycle, the
 * kubelets, the workload controllers and last the scheduler (which queues what they created).
 */
export class Simulation {
  readonly engine = new Engine(4096);
  private readonly api: Lifecycle;
  private readonly metrics: MetricsRecorder;
  private readonly scheduling: SchedulingController | undefined;
  private readonly swarmScheduler: SwarmSchedulerController | undefined;
  private readonly swarmUpdater: SwarmUpdater | undefined;
  private readonly starts: (() => void)[];
  private readonly deployments: DeploymentController | undefined;
  private readonly kueue: KueueController | undefined;
  private readonly quotas: ResourceQuotaController | undefined;
  private readonly gangMetrics: GangMetrics | undefined;

  constructor(private readonly cfg: SimulationConfig) {
    const { horizon, streams } = cfg;
    const workloads: WorkloadRecord[] = cfg.workloads.map((w, index) => ({
      index,
      w,
      created: 0,
      desired: w.kind === 'service' ? w.replicas : 0,
      ready: 0,
      podIds: new Set<number>(),
      traffic: w.kind === 'service' && w.load ? new ServiceTraffic(w.load, w.startAt) : undefined,
    }));
    const api = (this.api = new Lifecycle(this.engine, cfg.nodes, workloads, cfg.onBind));
    for (const spec of cfg.podGroups ?? []) api.createPodGroup(spec);
    // Gang metrics integrate from the start; they are reported only when the run has gangs.
    const gangs = (cfg.podGroups?.length ?? 0) > 0 || cfg.workloads.some((w) => (w.kind === 'job' || w.kind === 'batch') && w.gang !== undefined);
    this.gangMetrics = gangs ? new GangMetrics(api) : undefined;
    const nodeGroups = cfg.nodeGroups ?? [];
    const failures = cfg.failures ?? NO_FAILURES;
    const shortcuts = cfg.shortcuts ?? shortcutsFromEnv(process.env);
    // Not with gangs (a PodGroup made later adopts every pod not failed, and counts succeeded
    // members), Swarm's orchestrator or added controllers: they may read a finished pod's object.
    api.releaseFinishedPods = cfg.releaseFinishedPods === true && shortcuts.releaseFinishedPods && !gangs && cfg.orchestrator === undefined && (cfg.controllers?.length ?? 0) === 0;
    this.metrics = new MetricsRecorder(api, {
      horizon,
      reuseSortedWaits: shortcuts.reuseSortedWaits,
      sampleInterval: cfg.sampleInterval,
      nodes: cfg.nodes,
      autoscaledPools: nodeGroups.map((g) => ({ pool: g.pool, pricePerHour: g.spec.pricePerHour })),
      reportScaling: nodeGroups.length > 0 || cfg.clusterAutoscaler !== undefined || cfg.nodes.some((n) => (n.pricePerHour ?? 0) > 0)
        || nodeGroups.some((g) => g.spec.pricePerHour > 0) || cfg.workloads.some(scaledService),
      onSample: cfg.onSample ? (now) => cfg.onSample!(this, now) : undefined,
    });
    const hpa = new HpaController(api, horizon);
    const swarm = cfg.orchestrator;
    if (swarm) {
      // Docker Swarm mode: the same store, workloads, failures and metrics; Swarm's dispatcher,
      // agents, orchestrators and scheduler instead of Kubernetes' (SWARM.md).
      new SwarmDispatcher(api, streams.get('swarm/heartbeat'), swarm.heartbeatPeriod);
      new KubeletController(api, streams, horizon, true);
      const injector = new FailureInjector(api, failures, streams, horizon);
      const workloadController = new WorkloadController(api, streams, horizon, new Set(['batch', 'pods']));
      const views = new SwarmNodeViews(api);
      const orchestrator = new SwarmOrchestrator(api, streams, horizon, swarm.scheduler, views);
      this.swarmUpdater = orchestrator.updater;
      const scheduler = (this.swarmScheduler = new SwarmSchedulerController(api, swarm.scheduler, views));
      const extra = (cfg.controllers ?? []).map((make) => make(api, cfg));
      this.starts = [() => orchestrator.start(), () => workloadController.start(), () => injector.start(), () => hpa.start(), () => scheduler.start(), () => this.metrics.start(), ...extra.map((c) => () => c.start())];
      return;
    }
    new NodeLifecycleController(api, failures);
    new DisruptionController(api, cfg.disruptionBudgets ?? []);
    new KubeletController(api, streams, horizon);
    const injector = new FailureInjector(api, failures, streams, horizon);
    const workloadController = new WorkloadController(api, streams, horizon);
    const daemonSets = new DaemonSetController(api);
    const deployments = (this.deployments = new DeploymentController(api, horizon, { nodes: cfg.nodes, groups: nodeGroups.map((g) => ({ pool: g.pool, pricePerHour: g.spec.pricePerHour })) }));
    const autoscaler = new ClusterAutoscalerController(api, cfg.clusterAutoscaler, nodeGroups, cfg.nodes, cfg.scheduler, streams, streams.get('autoscaler/cluster'), horizon);
    // Before the scheduler: a pod over its namespace's quota is gated before the scheduler hears of it.
    this.quotas = cfg.resourceQuotas && cfg.resourceQuotas.length > 0 ? new ResourceQuotaController(api, cfg.resourceQuotas) : undefined;
    this.scheduling = new SchedulingController(api, cfg.scheduler, cfg.queue, streams.get('scheduler/tie-break'), horizon, streams.get('scheduler/preemption'), cfg.schedulers, shortcuts);
    // Kueue after the scheduler: it hears of Workloads, never of pods, so its place only orders its events after theirs.
    const kueue = (this.kueue = cfg.queueing ? new KueueController(api, cfg.queueing, horizon, cfg.sampleInterval) : undefined);
    const extra = (cfg.controllers ?? []).map((make) => make(api, cfg));
    // The first events, in this order: daemon pods (node agents run before the apps), arrivals,
    // rollouts, failures, HPA syncs, the autoscaler's scan, sampling.
    this.starts = [() => daemonSets.start(), () => workloadController.start(), () => deployments.start(), () => injector.start(), () => hpa.start(), () => autoscaler.start(), () => this.metrics.start(), ...(kueue ? [() => kueue.start()] : []), ...extra.map((c) => () => c.start())];
  }

  get cluster(): ClusterState {
    return this.api.cluster;
  }

  get pods(): PodTable {
    return this.api.pods;
  }

  /** kube-scheduler's queue (a Kubernetes run's; a Swarm run has none). */
  /** Kueue's admission controller (runs with queueing only). */
  get kueueController(): KueueController | undefined {
    return this.kueue;
  }

  get queue(): SchedulingQueue {
    if (!this.scheduling) throw new Error('a Swarm run has no kube-scheduler queue');
    return this.scheduling.queue;
  }

  /** Whether the node lifecycle controller sees the node Ready (a failure is seen after the grace period). */
  isNodeReady(node: number): boolean {
    return this.api.isNodeReady(node);
  }

  /** Whether a node is up (not failed); a drained node is up. */
  isNodeUp(node: number): boolean {
    return this.api.isNodeUp(node);
  }

  /** Desired (spec.replicas) and ready replicas of every service, in workload order, now. */
  serviceReplicas(): { readonly name: string; readonly desired: number; readonly ready: number }[] {
    return this.api.workloads.filter((wr) => wr.w.kind === 'service').map((wr) => ({ name: wr.w.name, desired: wr.desired, ready: wr.ready }));
  }

  /** Ready replicas the availability accounting counts for a service, now. */
  readyReplicas(workload: string): number {
    return this.api.workloads.find((wr) => wr.w.name === workload)?.ready ?? 0;
  }

  run(): SimulationResult {
    for (const start of this.starts) start();
    const progress = this.cfg.onProgress;
    if (progress) this.engine.onProgress = (now) => progress(now / this.cfg.horizon);
    this.engine.run(this.cfg.horizon);
    const result = this.metrics.finish();
    // Each section only in runs that have it, so the others' results stay as they were.
    const disruption = disruptionResult(this.api.disruptionBudgets, this.api.drains, this.cfg.horizon);
    return { ...result, ...(disruption ? { disruption } : {}), ...(this.deployments?.active ? { rollouts: this.deployments.rollouts() } : {}),
      ...(this.swarmUpdater?.active ? { rollouts: this.swarmUpdater.rollouts() } : {}),
      ...(this.scheduling?.profiles ? { schedulers: this.scheduling.profiles.result() } : {}),
      ...(this.gangMetrics && this.api.podGroups.size > 0 ? { gangs: gangResult(this.api.podGroups, this.gangMetrics.finish(this.cfg.horizon), this.cfg.horizon) } : {}),
      ...(this.swarmScheduler ? { swarm: this.swarmScheduler.result() } : {}),
      ...(this.kueue ? { queueing: this.kueue.result() } : {}),
      ...(this.quotas ? { resourceQuotas: this.quotas.result() } : {}) };
  }
}

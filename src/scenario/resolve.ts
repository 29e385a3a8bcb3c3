import type { PodGroupSpec } from '../api/podgroup.js';
import type { ProfileConfig } from '../api/framework.js';
import type { AutoscalerRegistries } from './plugin-module.js';
import type { HorizontalPodAutoscalerSpec } from '../api/autoscaling.js';
import type { ProfileRegistry } from '../schedulers/registry.js';
import type { NodeSpec } from '../api/node.js';
import { NO_FAILURES, type FailureConfig } from '../sim/failures.js';
import type { SimNodeGroup } from '../sim/simulation.js';
import type { ServiceLoad, Workload } from '../api/workload.js';
import { DEFAULT_SCHEDULER_NAME } from '../api/pod.js';
import type { LoadCurveSpec, RateBins } from '../workloads/load.js';
import type { Locator } from './load.js';
import type { ScenarioDoc } from './schema.js';
import { addManifestHpas, checkClusterAutoscalerGroups, resolveClusterAutoscaler } from './resolve/autoscaling.js';
import { addManifestFiles, addOpenbNodes, checkSomeNode, resolvePools } from './resolve/cluster.js';
import { checkUniqueNames, resolveContext, throwIfAny } from './resolve/context.js';
import { resolveOrchestrator } from './resolve/orchestrator.js';
import { resolveFailures } from './resolve/failures.js';
import { resolveDisruptionBudgets } from './resolve/disruption.js';
import type { DisruptionBudgetSpec } from '../api/disruption.js';
import { resolveProfile, resolveSchedulers, type NamedScheduler, type SchedulerNameUse } from './resolve/profile.js';
import type { InputIssue } from '../util/errors.js';
import { addRollouts } from './resolve/rollouts.js';
import { addManifestQueueing, checkWorkloadQueues, resolveQueueing } from './resolve/queueing.js';
import { resolveResourceQuotas } from './resolve/resource-quotas.js';
import type { ResourceQuotaSpec } from '../api/quota.js';
import type { QueueingConfig } from '../api/queueing.js';
import { addStackWorkloads, addTraceWorkloads, resolveWorkloads } from './resolve/workloads.js';

export { GPU_MODEL_LABEL, POOL_LABEL, RACK_LABEL, poolGroups, poolNodes } from './resolve/cluster.js';

/** Everything the engine needs, resolved from a scenario document. */
export interface ResolvedScenario {
  readonly name: string;
  readonly file: string;
  readonly seed: number;
  readonly horizon: number;
  readonly sampleInterval: number;
  readonly nodes: NodeSpec[];
  readonly workloads: Workload[];
  readonly profile: ProfileConfig;
  /** Where the profile is written in the scenario file, for the positions of plugin errors. */
  readonly profileSource?: ProfileSource | undefined;
  readonly queue: 'kubernetes' | 'fifo';
  readonly failures?: FailureConfig | undefined;
  /** Autoscaled node groups (pools with `autoscaling`, one group per zone). */
  readonly nodeGroups?: readonly SimNodeGroup[] | undefined;
  /** Load models and HPAs of services, by service name (policies and curves are built per run). */
  readonly serviceModels?: ReadonlyMap<string, ServiceModel> | undefined;
  /** The cluster autoscaler policy and its options, instantiated per run. */
  readonly clusterAutoscaler?: { readonly policy: string; readonly options: Record<string, unknown> } | undefined;
  /** PodDisruptionBudgets (scenario `disruptionBudgets`). */
  readonly disruptionBudgets?: readonly DisruptionBudgetSpec[] | undefined;
  /** PodGroup manifests (gangs declared by a Job or batch `gang:` are created by the engine). */
  readonly podGroups?: readonly PodGroupSpec[] | undefined;
  /** Profiles besides the default one, by the schedulerName of the pods they place (when any workload names one). */
  readonly schedulers?: readonly NamedScheduler[] | undefined;
  /** `swarm`: Docker Swarm mode's controllers run the scenario (Kubernetes' when absent). */
  readonly orchestrator?: 'swarm' | undefined;
  /** Swarm's dispatcher.heartbeat_period (seconds), when the scenario sets it. */
  readonly heartbeatPeriod?: number | undefined;
  /** ResourceQuotas per namespace (scenario `resourceQuotas`, ResourceQuota manifests). */
  readonly resourceQuotas?: readonly ResourceQuotaSpec[] | undefined;
  /** Kueue's flavors, ClusterQueues and LocalQueues (scenario `queueing`). */
  readonly queueing?: QueueingConfig | undefined;
  /** Problems that do not stop a run (printed by the CLI): a field not modelled, pods no profile takes. */
  readonly warnings?: readonly InputIssue[] | undefined;
}

/** Where a profile sits in the scenario file, for error positions. */
export interface ProfileSource {
  readonly file: string;
  readonly locate?: Locator | undefined;
  /** Path of the profile object in the file, e.g. ["scheduler", "profile"]; undefined for a built-in. */
  readonly path?: readonly (string | number)[] | undefined;
}

/** A service's load model and HPA as data; runner.ts builds the run's curve and policy from it. */
export interface ServiceModel {
  /** ServiceLoad with the curve as its spec (and trace bins), before a run builds it. */
  readonly load?: Omit<ServiceLoad, 'curve'> & { readonly curve: LoadCurveSpec; readonly trace?: RateBins | undefined } | undefined;
  /** `policy`: a horizontal autoscaler by name (the built-in `hpa`, or a module's). */
  readonly hpa?: { readonly spec: HorizontalPodAutoscalerSpec; readonly syncPeriod: number; readonly policy: string } | undefined;
}

/**
 * Turns a validated scenario into engine inputs, section by section (resolve/): the cluster
 * (pools, manifests, openb node lists), the workloads, the scheduler profile, the failures and
 * the autoscalers. Relative paths start from the scenario file's folder.
 *
 * The order is what users see when a file has several mistakes: first everything the scenario
 * says itself, reported together; then the files it names, each stopping at its first problem,
 * in file order (manifests, stack files, openb node lists, traces); then names, the cluster's size and the
 * profile, together; then failures and the cluster autoscaler's options.
 */
export function resolveScenario(doc: ScenarioDoc, file: string, locate: Locator, profiles: ProfileRegistry, overrides: { seed?: number | undefined; profile?: string | undefined; orchestrator?: 'kubernetes' | 'swarm' | undefined; varied?: boolean | undefined; autoscalers?: AutoscalerRegistries | undefined } = {}): ResolvedScenario {
  const ctx = resolveContext(file, locate, overrides.autoscalers);
  const cluster = resolvePools(doc.cluster.pools, ctx);
  checkClusterAutoscalerGroups(doc, cluster.nodeGroups, ctx);
  const declared = resolveWorkloads(doc, ctx);
  throwIfAny(ctx);

  const manifestFiles = [...doc.cluster.manifests.map((name, i) => ({ name, path: ['cluster', 'manifests', i] })), ...declared.manifestFiles];
  const fromManifests = addManifestFiles(cluster, manifestFiles, ctx);
  const workloads = { workloads: [...declared.workloads, ...fromManifests.workloads], sources: [...declared.sources, ...fromManifests.sources] };
  addManifestHpas(declared.serviceModels, fromManifests.autoscalers, ctx);
  addStackWorkloads(workloads, declared.stackFiles, ctx);
  addOpenbNodes(cluster, doc.cluster.openbNodes, ctx);
  addTraceWorkloads(workloads, declared.traces, ctx);

  checkSomeNode(cluster, ctx, overrides.varied ?? false);
  checkUniqueNames(ctx, 'node', cluster.nodes.map((n) => n.name), cluster.sources);
  checkUniqueNames(ctx, 'workload', workloads.workloads.map((w) => w.name), workloads.sources);
  addRollouts(workloads.workloads, doc.rollouts, ctx);
  const profile = resolveProfile(doc, profiles, overrides.profile, ctx);
  const schedulers = profile ? resolveSchedulers(doc, profiles, profile.profile, schedulerNameUses(doc, workloads), ctx) : [];
  const declaredBudgets = doc.disruptionBudgets ? resolveDisruptionBudgets(doc.disruptionBudgets, workloads.workloads, ctx) : undefined;
  // PodDisruptionBudget manifests after the scenario's own (disruption results list them in this order).
  const disruptionBudgets = declaredBudgets || fromManifests.disruptionBudgets.length > 0 ? [...(declaredBudgets ?? []), ...fromManifests.disruptionBudgets] : undefined;
  const resourceQuotas = resolveResourceQuotas(doc, fromManifests.resourceQuotas, ctx);
  const queueing = addManifestQueueing(doc.queueing ? resolveQueueing(doc.queueing, ctx) : undefined, fromManifests.queueing, ctx);
  checkWorkloadQueues(workloads.workloads, workloads.sources, queueing, ctx);
  throwIfAny(ctx);

  const failures = doc.failures ? resolveFailures(doc.failures, cluster.nodes, ctx) : NO_FAILURES;
  const clusterAutoscaler = resolveClusterAutoscaler(doc, cluster.nodeGroups, ctx);
  const orchestrator = resolveOrchestrator(overrides.orchestrator === undefined ? doc : { ...doc, orchestrator: overrides.orchestrator }, ctx);
  throwIfAny(ctx);
  return {
    failures,
    name: doc.name ?? (file === '<built-in>' ? 'default' : file.replace(/^.*\//, '').replace(/\.(ya?ml|json)$/, '')),
    file,
    seed: overrides.seed ?? doc.seed,
    horizon: doc.horizon,
    sampleInterval: doc.sampleInterval,
    nodes: cluster.nodes,
    workloads: workloads.workloads,
    profile: profile!.profile,
    profileSource: profile!.source,
    queue: doc.scheduler.queue,
    nodeGroups: cluster.nodeGroups,
    serviceModels: declared.serviceModels,
    clusterAutoscaler,
    ...(disruptionBudgets ? { disruptionBudgets } : {}),
    ...(queueing ? { queueing } : {}),
    ...(resourceQuotas.length > 0 ? { resourceQuotas } : {}),
    ...(fromManifests.podGroups.length > 0 ? { podGroups: fromManifests.podGroups } : {}),
    ...(schedulers.length > 0 ? { schedulers } : {}),
    ...(orchestrator.orchestrator === 'swarm' ? { orchestrator: 'swarm' as const, ...(orchestrator.heartbeatPeriod !== undefined ? { heartbeatPeriod: orchestrator.heartbeatPeriod } : {}) } : {}),
    ...(ctx.warnings.length > 0 ? { warnings: ctx.warnings } : {}),
  };
}

/** The schedulerNames the workloads give, in file order: the scenario's own, then the manifests' pod templates. */
function schedulerNameUses(doc: ScenarioDoc, list: { workloads: readonly Workload[]; sources: readonly (string | number)[][] }): SchedulerNameUse[] {
  const uses: SchedulerNameUse[] = [];
  doc.workloads.forEach((w, i) => {
    if ('schedulerName' in w && w.schedulerName !== undefined && w.schedulerName !== DEFAULT_SCHEDULER_NAME) uses.push({ schedulerName: w.schedulerName, workload: w.name, path: ['workloads', i, 'schedulerName'] });
  });
  const declared = new Set(doc.workloads.map((w) => ('name' in w ? w.name : undefined)));
  list.workloads.forEach((w, k) => {
    if (declared.has(w.name)) return;
    const specs = w.kind === 'pods' ? w.pods.map((p) => p.spec) : w.kind === 'batch' ? [] : [w.spec];
    for (const spec of specs) if (spec.schedulerName !== undefined) uses.push({ schedulerName: spec.schedulerName, workload: w.name, path: list.sources[k] ?? [] });
  });
  return uses;
}

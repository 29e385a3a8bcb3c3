/**
 * orchsim's public API: one explicit export list. Everything else is internal.
 * The policy API (types, plugin interfaces) is what scheduler plugins are written against.
 */
export * from './api/index.js';

// Scheduling framework, registries and the built-in plugins and profiles.
export { Framework, formatFitError, numFeasibleNodesToFind, PluginError, zoneInterleavedOrder } from './schedulers/framework.js';
export { PluginArgsError, PluginRegistry, ProfileRegistry, type PluginEntry, type PluginFactoryWithHandle, type PluginHandle } from './schedulers/registry.js';
export { BUILTIN_PLUGINS, BUILTIN_PROFILES, builtinPlugins, builtinProfiles } from './schedulers/builtins.js';

// Autoscalers: the HPA, the cluster autoscaler and its expanders, Karpenter-style consolidation.
export { horizontalPodAutoscaler } from './autoscalers/hpa.js';
export { hpaSpec, validateHpaSpec } from './autoscalers/hpa-spec.js';
export { clusterAutoscaler } from './autoscalers/cluster-autoscaler.js';
export { CLUSTER_AUTOSCALER_DEFAULTS, type ClusterAutoscalerOptions } from './autoscalers/cluster-autoscaler-options.js';
export { karpenter, KARPENTER_DEFAULTS, type KarpenterOptions } from './autoscalers/karpenter.js';
export { EXPANDER_NAMES, EXPANDERS, type ExpanderName } from './autoscalers/expanders.js';
export { CLUSTER_AUTOSCALERS, HORIZONTAL_AUTOSCALERS } from './autoscalers/registry.js';

// The engine.
export { ClusterState, SimNode } from './sim/cluster.js';
export { Engine } from './sim/engine.js';
export { EventQueue } from './sim/event-queue.js';
export { Simulation, type SimulationConfig, type SimulationResult, type SimNodeGroup, type ScalingAction, type AutoscalingResult } from './sim/simulation.js';
export type { Workload, ServiceWorkload, JobWorkload, BatchWorkload, PodListWorkload, CrashModel, ServiceLoad, RequestRate, LoadEvent } from './api/workload.js';
export type { FailureConfig, Incident, IncidentMetrics } from './sim/failures.js';

// Scenarios: load, validate, resolve and run.
export { loadScenario, prepareScenario, runPrepared, BUILTIN_SCENARIO, type ResolvedScenario, type RunOutput, type RunResult } from './scenario/index.js';
export { buildFramework, createSimulation, runScenario } from './scenario/runner.js';

// Workload readers.
export { readManifests } from './workloads/manifests.js';
export { readOpenbNodes, readOpenbPods, openbPodList, openbPodSpec } from './workloads/openb.js';
export { readSwf, readSwfHeader, swfWorkload } from './workloads/swf.js';
export { readLanl, readUptime, lanlFailures, uptimeFailures } from './workloads/failure-traces.js';
export { loadCurve, loadCurveIssues, integrate as integrateLoad, type LoadCurve, type LoadCurveSpec, type RateBins } from './workloads/load.js';
export { readAzureLlmTrace, parseAzureLlmTrace, rateBins, summarizeArrivals } from './workloads/azure-llm.js';

// Experiments.
export { FGD_POLICIES, prepareExperiment, runFgdExperiment, summarize as summarizeFgd } from './experiments/fgd.js';

// Comparisons and sweeps: plans, runs (resumable, shardable), merge, statistics and reports.
export { planTasks, runExperiment, runTask, shardTasks, type Arm, type ExperimentPlan, type RunTask, type Variant } from './experiments/compare.js';
export { comparePlan, sweepPlan } from './experiments/plans.js';
export { mergeShards } from './experiments/merge.js';
export { METRICS, toRunRecord, type RunRecord } from './experiments/records.js';
export { meanInterval, pairedDifference, tCritical, type MeanInterval, type PairedDifference } from './util/stats.js';
export { summarizeComparison, type ComparisonResults } from './experiments/comparison.js';
export { formatComparison, resultsJSON } from './report/comparison.js';
export { comparisonCharts, writeComparisonReport } from './report/compare-report.js';

// Utilities users need to build inputs.
export { RandomStream, RandomStreams } from './util/random.js';
export { InputError, formatIssue, type InputIssue } from './util/errors.js';
export { parseBytes, parseDuration, parseMilliCPU, parseQuantity } from './util/quantity.js';

// Production runtime: the kube-scheduler extender over any profile.
export { Extender, REASON_NOT_IN_CACHE, type RequestView } from './runtime/extender.js';
export { startExtenderServer, DEFAULT_HOST, DEFAULT_PORT, type ExtenderServer, type ServeOptions } from './runtime/server.js';
export { decodeBindingArgs, decodeExtenderArgs, extenderPriority, MAX_EXTENDER_PRIORITY, type ExtenderArgs, type ExtenderFilterResult, type HostPriority } from './runtime/messages.js';
export { RuntimeNode, RuntimeSnapshot } from './runtime/snapshot.js';
export { KubeCache, type KubeCacheOptions } from './runtime/kube-cache.js';
export { NO_CLUSTER_SOURCE, type ClusterSource } from './runtime/source.js';
export { loadPluginModule, type PluginModule } from './runtime/plugin-module.js';
export { nodeSpecFromNode, podSpecFromPod, podSpecFromPodSpec } from './workloads/kube.js';

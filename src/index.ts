/**
 * orchsim's public API: this file is the whole list. What is not exported here is internal
 * (the engine, cluster state, controllers, readers, experiment and report plumbing) and may
 * change in any release. Property-testing tools are a second entry point, 'orchsim/testing'.
 */

// The policy API: pod and node types, resources and units, labels and selectors, the
// scheduling-framework plugin and profile interfaces, GPU sharing, and the horizontal and
// cluster autoscaler interfaces. src/api depends on nothing else in orchsim and is public as a
// whole; its own index lists it.
export * from './api/index.js';

// Running scenarios: what `orchsim run`, `compare` and `plan` do, as plain functions that return
// data. prepareScenario + runPrepared is `run` in two steps (the resolved scenario in between).
export { run, compare, plan, type RunOptions, type CompareRunOptions, type Comparison, type PlanOptions, type CapacityPlan } from './commands.js';
export { prepareScenario, prepareScenarioWithPlugins, runPrepared, BUILTIN_SCENARIO, type PreparedScenario, type PrepareOptions, type ResolvedScenario, type RunOutput, type RunResult } from './scenario/index.js';
export type { CompareOptions } from './experiments/plans.js';
export type { ExperimentPlan, Arm, Variant } from './experiments/compare.js';
export type { RunRecord } from './experiments/records.js';
export type { ComparisonResults } from './experiments/comparison.js';
export type { CapacityPlanResults, PlanCandidate, PlanPool, PlanPoolInfo } from './experiments/capacity.js';
export { parseSlo, type Slo } from './experiments/slo.js';

// Bad input: errors are data (file, line, column, path, message); formatIssue renders one.
export { InputError, formatIssue, type InputIssue } from './util/errors.js';

// Writing plugins and profiles: the framework that runs a profile, the registries (plain maps
// that refuse duplicates), the built-in plugins and profiles, and the errors a plugin may raise.
export { Framework, PluginError, formatFitError, numFeasibleNodesToFind } from './schedulers/framework.js';
export { PluginArgsError, PluginRegistry, ProfileRegistry, type PluginEntry, type PluginFactoryWithHandle, type PluginHandle } from './schedulers/registry.js';
export { BUILTIN_PLUGINS, BUILTIN_PROFILES, builtinPlugins, builtinProfiles } from './schedulers/builtins.js';

// Autoscaler policies: the HPA, the cluster autoscaler and its expanders, Karpenter-style
// consolidation, and the registries scenarios pick them from.
export { horizontalPodAutoscaler } from './autoscalers/hpa.js';
export { hpaSpec, validateHpaSpec } from './autoscalers/hpa-spec.js';
export { clusterAutoscaler } from './autoscalers/cluster-autoscaler.js';
export { CLUSTER_AUTOSCALER_DEFAULTS, type ClusterAutoscalerOptions } from './autoscalers/cluster-autoscaler-options.js';
export { karpenter, KARPENTER_DEFAULTS, type KarpenterOptions } from './autoscalers/karpenter.js';
export { EXPANDER_NAMES, EXPANDERS, type ExpanderName } from './autoscalers/expanders.js';
export { CLUSTER_AUTOSCALERS, HORIZONTAL_AUTOSCALERS } from './autoscalers/registry.js';

// Seeded randomness for plugin handles (a policy never makes its own), and Kubernetes quantities.
export { RandomStream, RandomStreams } from './util/random.js';
export { parseBytes, parseDuration, parseMilliCPU, parseQuantity } from './util/quantity.js';

// The production runtime: a profile served as a kube-scheduler extender, fed from a live
// cluster, with plugins from a user's module, and Kubernetes objects turned into policy types.
export { Extender, REASON_NOT_IN_CACHE, type RequestView } from './runtime/extender.js';
export { startExtenderServer, DEFAULT_HOST, DEFAULT_PORT, type ExtenderServer, type ServeOptions } from './runtime/server.js';
export { MAX_EXTENDER_PRIORITY, type ExtenderArgs, type ExtenderFilterResult, type HostPriority } from './runtime/messages.js';
export { RuntimeNode, RuntimeSnapshot } from './runtime/snapshot.js';
export { KubeCache, type KubeCacheOptions } from './runtime/kube-cache.js';
export { NO_CLUSTER_SOURCE, type ClusterSource } from './runtime/source.js';
export { loadPluginModule, loadPolicies, builtinPolicies, BUILTIN_AUTOSCALERS, type PluginModule, type PolicySet, type ModuleSource, type AutoscalerEntry, type AutoscalerRegistries } from './scenario/plugin-module.js';
export { nodeSpecFromNode, podSpecFromPod, podSpecFromPodSpec } from './workloads/kube.js';

// Property testing of placement logic (fast-check arbitraries, invariant checkers, scenario
// generators) is imported from 'orchsim/testing', not from here: it needs fast-check, an
// optional peer dependency, which importing 'orchsim' must not require.

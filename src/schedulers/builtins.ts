import type { PluginConfig, ProfileConfig } from '../api/framework.js';
import { PluginRegistry, ProfileRegistry, type PluginEntry } from './registry.js';
import { bestFit } from './plugins/best-fit.js';
import { dotProd } from './plugins/dot-prod.js';
import { fgd } from './plugins/fgd.js';
import { firstFit } from './plugins/first-fit.js';
import { gpuClustering } from './plugins/gpu-clustering.js';
import { gpuPacking } from './plugins/gpu-packing.js';
import { interPodAffinity } from './plugins/inter-pod-affinity.js';
import { nodeAffinity } from './plugins/node-affinity.js';
import { nodeName } from './plugins/node-name.js';
import { nodeResourcesBalancedAllocation } from './plugins/node-resources-balanced-allocation.js';
import { nodeResourcesFit } from './plugins/node-resources-fit.js';
import { nodeUnschedulable } from './plugins/node-unschedulable.js';
import { podTopologySpread } from './plugins/pod-topology-spread.js';
import { randomPlugin } from './plugins/random.js';
import { taintToleration } from './plugins/taint-toleration.js';
import { defaultPreemption } from './plugins/default-preemption.js';
import { coscheduling } from './plugins/coscheduling.js';

/** Every built-in plugin, in one table. */
export const BUILTIN_PLUGINS: readonly PluginEntry[] = [
  { name: 'NodeUnschedulable', extensionPoints: ['Filter'], description: 'Rejects cordoned nodes unless the pod tolerates node.kubernetes.io/unschedulable.', factory: () => nodeUnschedulable() },
  { name: 'NodeName', extensionPoints: ['PreFilter', 'Filter'], description: 'Honours spec.nodeName.', factory: () => nodeName() },
  { name: 'TaintToleration', extensionPoints: ['Filter', 'Score'], description: 'NoSchedule/NoExecute taints must be tolerated; fewer untolerated PreferNoSchedule taints score higher.', factory: () => taintToleration() },
  { name: 'NodeAffinity', extensionPoints: ['PreFilter', 'Filter', 'PreScore', 'Score'], description: 'nodeSelector and required node affinity; preferred terms scored by weight.', factory: () => nodeAffinity() },
  { name: 'NodeResourcesFit', extensionPoints: ['Filter', 'Score'], description: 'Requests must fit in allocatable; scoring LeastAllocated (default), MostAllocated or RequestedToCapacityRatio.', factory: (args) => nodeResourcesFit(args) },
  { name: 'NodeResourcesBalancedAllocation', extensionPoints: ['Score'], description: 'Favours nodes whose cpu and memory fractions stay balanced: (1 - std) * 100.', factory: (args) => nodeResourcesBalancedAllocation(args) },
  { name: 'PodTopologySpread', extensionPoints: ['PreFilter', 'Filter', 'PreScore', 'Score'], description: 'topologySpreadConstraints (DoNotSchedule as a filter, ScheduleAnyway as a score) with the system defaults.', factory: (args) => podTopologySpread(args) },
  { name: 'InterPodAffinity', extensionPoints: ['PreFilter', 'Filter', 'PreScore', 'Score'], description: 'Required and preferred pod affinity and anti-affinity per topology domain.', factory: (args) => interPodAffinity(args) },
  { name: 'DefaultPreemption', extensionPoints: ['PostFilter'], description: 'When no node fits: delete the fewest, least important lower-priority pods on the best node (args: minCandidateNodesPercentage 10, minCandidateNodesAbsolute 100).', factory: (args) => defaultPreemption(args) },
  { name: 'Coscheduling', extensionPoints: ['QueueSort', 'PreFilter', 'PostFilter', 'Permit', 'Reserve'], description: 'Gang scheduling (scheduler-plugins): a PodGroup\'s pods wait at Permit, resources held, until minMember have a node; rejected together on timeout (args: permitWaitingTimeSeconds 60, podGroupBackoffSeconds 0, podGroupRejectPercentage 10).', factory: (args) => coscheduling(args) },
  { name: 'Random', extensionPoints: ['Score', 'Reserve'], description: 'Baseline: a uniformly random feasible node (seeded).', factory: (args, handle) => randomPlugin(args, handle) },
  { name: 'FirstFit', extensionPoints: ['Score'], description: 'Baseline: the feasible node declared first.', factory: () => firstFit() },
  // GPU-sharing policies of the FGD paper (USENIX ATC'23), ../shared/docs/FGD.md section 6.
  { name: 'DotProd', extensionPoints: ['Score'], description: 'GPU sharing: smallest dot product of free (cpu, GPU) and demand.', factory: () => dotProd() },
  { name: 'BestFit', extensionPoints: ['Score'], description: 'GPU sharing: least cpu and GPU left after placement.', factory: () => bestFit() },
  { name: 'GpuPacking', extensionPoints: ['Score'], description: 'GPU sharing: prefer partly used GPUs, then nodes with fewest free GPUs.', factory: () => gpuPacking() },
  { name: 'GpuClustering', extensionPoints: ['Score'], description: 'GPU sharing: keep pods of the same GPU shape on the same nodes.', factory: () => gpuClustering() },
  { name: 'FGD', extensionPoints: ['Score', 'Reserve'], description: 'Fragmentation Gradient Descent: least growth of expected GPU fragmentation (args: typicalPods).', factory: (args) => fgd(args) },
];

export function builtinPlugins(): PluginRegistry {
  const r = new PluginRegistry();
  for (const p of BUILTIN_PLUGINS) r.register(p);
  return r;
}

/**
 * The default profile's plugins and score weights (KUBERNETES.md section 1; ImageLocality and
 * volume plugins are out of scope: images and volumes are not modelled). Filter-only plugins
 * carry no weight.
 */
const FILTERS_AND_SCORES = (overrides: Record<string, Partial<PluginConfig>> = {}): PluginConfig[] =>
  [
    { name: 'NodeUnschedulable' },
    { name: 'NodeName' },
    { name: 'TaintToleration', weight: 3 },
    { name: 'NodeAffinity', weight: 2 },
    { name: 'NodeResourcesFit', weight: 1 },
    { name: 'PodTopologySpread', weight: 2 },
    { name: 'InterPodAffinity', weight: 2 },
    { name: 'NodeResourcesBalancedAllocation', weight: 1 },
    { name: 'DefaultPreemption' },
  ].map((p) => ({ ...p, ...overrides[p.name] }));

/** Weight 0 keeps a plugin's filter and turns off its score. */
const NO_SCORES = {
  TaintToleration: { weight: 0 },
  NodeAffinity: { weight: 0 },
  NodeResourcesFit: { weight: 0 },
  PodTopologySpread: { weight: 0 },
  InterPodAffinity: { weight: 0 },
  NodeResourcesBalancedAllocation: { weight: 0 },
};

export const BUILTIN_PROFILES: readonly ProfileConfig[] = [
  {
    name: 'default',
    description: 'kube-scheduler defaults: LeastAllocated, balanced allocation, spreading, adaptive percentageOfNodesToScore.',
    plugins: FILTERS_AND_SCORES(),
  },
  {
    name: 'gang',
    description: 'The default profile plus Coscheduling (gang scheduling of PodGroups, scheduler-plugins\' coscheduling).',
    // multiPoint-enabled after the defaults, as manifests/coscheduling/scheduler-config.yaml does.
    plugins: [...FILTERS_AND_SCORES(), { name: 'Coscheduling' }],
  },
  {
    name: 'binpack',
    description: 'Kubernetes bin packing: NodeResourcesFit MostAllocated, balanced allocation off; other defaults kept.',
    plugins: FILTERS_AND_SCORES({
      NodeResourcesFit: { weight: 1, args: { scoringStrategy: { type: 'MostAllocated' } } },
      NodeResourcesBalancedAllocation: { weight: 0 },
    }),
  },
  {
    name: 'spread',
    description: 'Spread hard: LeastAllocated at weight 2 and topology spreading at weight 3, scoring every feasible node.',
    percentageOfNodesToScore: 100,
    plugins: FILTERS_AND_SCORES({ NodeResourcesFit: { weight: 2 }, PodTopologySpread: { weight: 3 } }),
  },
  {
    name: 'random',
    description: 'Baseline: all Kubernetes filters, then a uniformly random feasible node.',
    percentageOfNodesToScore: 100,
    plugins: [...FILTERS_AND_SCORES(NO_SCORES), { name: 'Random', weight: 1 }],
  },
  {
    name: 'first-fit',
    description: 'Baseline: all Kubernetes filters, then the first feasible node in declaration order.',
    percentageOfNodesToScore: 100,
    tieBreak: 'first',
    plugins: [...FILTERS_AND_SCORES(NO_SCORES), { name: 'FirstFit', weight: 1 }],
  },
];

export function builtinProfiles(): ProfileRegistry {
  const r = new ProfileRegistry();
  for (const p of BUILTIN_PROFILES) r.register(p);
  return r;
}

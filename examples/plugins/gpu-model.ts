// A Filter plugin in TypeScript (orchsim loads .ts modules directly): GPU pods run only on the
// GPU models a team has validated its images on (args.models), so a training job never lands
// on a card it was not tested with. CPU-only pods are not its business (PreFilter skips them).
import {
  ClusterEvent, PluginArgsError, SKIP, unresolvable,
  type FilterPlugin, type PluginEntry, type PreFilterPlugin, type ProfileConfig,
} from 'orchsim';

interface Args {
  readonly models: readonly string[];
}

/** The rejection reason, as kube-scheduler plugins export theirs. */
export const REASON_GPU_MODEL = unresolvable("node(s) didn't have a validated GPU model");

function gpuModelFilter(args: Args): PreFilterPlugin & FilterPlugin {
  const allowed = new Set(args.models);
  return {
    name: 'GpuModelAllowList',
    // Only a node that appears (or changes its labels) can help a rejected pod.
    events: ClusterEvent.NodeAdd | ClusterEvent.NodeUpdate,
    preFilter: (_state, pod) => (pod.spec.requests.milliGPU === 0 ? SKIP : null),
    filter: (_state, _pod, node) => (node.gpuModel !== undefined && allowed.has(node.gpuModel) ? null : REASON_GPU_MODEL),
  };
}

export const plugins: PluginEntry[] = [
  {
    name: 'GpuModelAllowList',
    description: 'GPU pods only on nodes whose GPU model is in args.models',
    extensionPoints: ['PreFilter', 'Filter'],
    factory: (args) => {
      const models = (args as Partial<Args> | undefined)?.models;
      if (!Array.isArray(models) || models.length === 0) throw new PluginArgsError('GpuModelAllowList', ['models'], 'expected a non-empty list of GPU models, e.g. [NVIDIA-A100-SXM4-80GB]');
      return gpuModelFilter({ models });
    },
  },
];

export const profiles: ProfileConfig[] = [];

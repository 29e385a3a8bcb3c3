import { ClusterEvent, SKIP, unresolvable, type FilterPlugin, type PreFilterPlugin, type PreScorePlugin, type ScorePlugin } from '../../api/framework.js';
import { matchesNodeSelectorTerm, matchesNodeSelectorTerms } from '../../api/labels.js';
import type { NodeInfo } from '../../api/node.js';
import type { PodInfo } from '../../api/pod.js';
import { defaultNormalizer } from './args.js';

export const NAME = 'NodeAffinity';
/** ErrReasonPod in nodeaffinity/node_affinity.go. */
export const REASON_NODE_AFFINITY = unresolvable("node(s) didn't match Pod's node affinity/selector");

/** nodeSelector labels must all be present with equal values; required terms are ORed. */
export function fitsNodeAffinity(pod: PodInfo, node: NodeInfo): boolean {
  const sel = pod.spec.nodeSelector;
  if (sel) {
    for (const key in sel) if (node.labels[key] !== sel[key]) return false;
  }
  const required = pod.spec.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution;
  if (required) return matchesNodeSelectorTerms(required.nodeSelectorTerms, node.labels, node.name);
  return true;
}

/** Sum of the weights of the preferred terms the node matches (normalized later so the best is 100). */
export function preferredNodeAffinityScore(pod: PodInfo, node: NodeInfo): number {
  const preferred = pod.spec.affinity?.nodeAffinity?.preferredDuringSchedulingIgnoredDuringExecution;
  if (!preferred) return 0;
  let s = 0;
  for (const term of preferred) {
    if (term.weight !== 0 && matchesNodeSelectorTerm(term.preference, node.labels, node.name)) s += term.weight;
  }
  return s;
}

export function nodeAffinity(): PreFilterPlugin & FilterPlugin & PreScorePlugin & ScorePlugin {
  return {
    name: NAME,
    // Reads only the pod spec and this node (Plugin.nodeLocal): its verdicts are reused per spec.
    nodeLocal: true,
    // Only node labels can help (nodeaffinity EventsToRegister).
    events: ClusterEvent.NodeAdd | ClusterEvent.NodeUpdate,
    // Skips by the spec's required node affinity and node selector alone, writing nothing.
    preFilterSkipsBySpec: true,
    preFilter(_state, pod) {
      const hasRequired = pod.spec.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution !== undefined;
      const hasSelector = pod.spec.nodeSelector !== undefined && Object.keys(pod.spec.nodeSelector).length > 0;
      return hasRequired || hasSelector ? null : SKIP;
    },
    filter: (_state, pod, node) => (fitsNodeAffinity(pod, node) ? null : REASON_NODE_AFFINITY),
    preScore(_state, pod) {
      const preferred = pod.spec.affinity?.nodeAffinity?.preferredDuringSchedulingIgnoredDuringExecution;
      return preferred && preferred.length > 0 ? null : SKIP;
    },
    score: (_state, pod, node) => preferredNodeAffinityScore(pod, node),
    normalizeScore: defaultNormalizer(100, false),
  };
}

import { ClusterEvent, SKIP, unresolvable, type FilterPlugin, type PreFilterPlugin } from '../../api/framework.js';
import type { NodeInfo } from '../../api/node.js';
import type { PodInfo } from '../../api/pod.js';

export const NAME = 'NodeName';
/** ErrReason in nodename.go. */
export const REASON_NODE_NAME = unresolvable("node(s) didn't match the requested node name");

export function fitsNodeName(pod: PodInfo, node: NodeInfo): boolean {
  return pod.spec.nodeName === undefined || pod.spec.nodeName === node.name;
}

export function nodeName(): PreFilterPlugin & FilterPlugin {
  return {
    name: NAME,
    // Reads only the pod spec and this node (Plugin.nodeLocal): its verdicts are reused per spec.
    nodeLocal: true,
    // Only the named node appearing can help.
    events: ClusterEvent.NodeAdd,
    // Skips by spec.nodeName alone, writing nothing (pre-filters.ts calls it once per spec).
    preFilterSkipsBySpec: true,
    // Nothing to check for pods without spec.nodeName: skip the per-node filter entirely.
    preFilter: (_state, pod) => (pod.spec.nodeName === undefined ? SKIP : null),
    filter: (_state, pod, node) => (fitsNodeName(pod, node) ? null : REASON_NODE_NAME),
  };
}

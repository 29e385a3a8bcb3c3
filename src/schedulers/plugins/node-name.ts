import { unresolvable, type FilterPlugin } from '../../api/framework.js';
import type { NodeInfo } from '../../api/node.js';
import type { PodInfo } from '../../api/pod.js';

export const NAME = 'NodeName';
/** ErrReason in nodename.go. */
export const REASON_NODE_NAME = unresolvable("node(s) didn't match the requested node name");

export function fitsNodeName(pod: PodInfo, node: NodeInfo): boolean {
  return pod.spec.nodeName === undefined || pod.spec.nodeName === node.name;
}

export function nodeName(): FilterPlugin {
  return {
    name: NAME,
    filter: (_state, pod, node) => (fitsNodeName(pod, node) ? null : REASON_NODE_NAME),
  };
}

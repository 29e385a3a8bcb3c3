import { ClusterEvent, unresolvable, type FilterPlugin } from '../../api/framework.js';
import type { NodeInfo } from '../../api/node.js';
import type { PodInfo } from '../../api/pod.js';
import { tolerates } from './taint-toleration.js';
import { NODE_RECORD_STRIDE, REC_UNSCHEDULABLE } from '../../api/node-record.js';

export const NAME = 'NodeUnschedulable';
/** ErrReasonUnschedulable in nodeunschedulable.go. */
export const REASON_UNSCHEDULABLE = unresolvable("node(s) were unschedulable");
/** The taint the node lifecycle controller puts on cordoned nodes. */
export const TAINT_UNSCHEDULABLE = { key: 'node.kubernetes.io/unschedulable', effect: 'NoSchedule' } as const;

/** A cordoned node takes a pod only if the pod tolerates node.kubernetes.io/unschedulable:NoSchedule. */
export function fitsUnschedulable(pod: PodInfo, node: NodeInfo): boolean {
  if (!node.unschedulable) return true;
  const tolerations = pod.spec.tolerations;
  return tolerations !== undefined && tolerates(tolerations, TAINT_UNSCHEDULABLE);
}

export function nodeUnschedulable(): FilterPlugin {
  return {
    name: NAME,
    // Reads only the pod spec and this node (Plugin.nodeLocal): its verdicts are reused per spec.
    nodeLocal: true,
    // Only an uncordoned or new node can help.
    events: ClusterEvent.NodeAdd | ClusterEvent.NodeUpdate,
    filter: (_state, pod, node) => (fitsUnschedulable(pod, node) ? null : REASON_UNSCHEDULABLE),
    // A schedulable node is judged from its record, without reading the node (without a call
    // where the framework reads the record itself).
    passesWhereZero: REC_UNSCHEDULABLE,
    filterAt(_state, pod, snapshot, index) {
      const rec = snapshot.nodeRecords;
      if (rec !== undefined && rec[index * NODE_RECORD_STRIDE + REC_UNSCHEDULABLE] === 0) return null;
      return fitsUnschedulable(pod, snapshot.nodes[index]!) ? null : REASON_UNSCHEDULABLE;
    },
  };
}

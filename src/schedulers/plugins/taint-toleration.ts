import { ClusterEvent, unresolvable, type FilterPlugin, type ScorePlugin, type Status } from '../../api/framework.js';
import type { NodeInfo, Taint } from '../../api/node.js';
import type { PodInfo, Toleration } from '../../api/pod.js';
import { defaultNormalizer } from './args.js';
import { NODE_RECORD_STRIDE, REC_TAINTS } from '../../api/node-record.js';

export const NAME = 'TaintToleration';
export const REASON_UNTOLERATED = "node(s) had untolerated taint";

/** ToleratesTaint (k8s.io/api/core/v1/toleration.go). */
export function toleratesTaint(t: Toleration, taint: Taint): boolean {
  if (t.effect !== undefined && t.effect !== taint.effect) return false;
  if (t.key !== undefined && t.key !== '' && t.key !== taint.key) return false;
  const op = t.operator ?? 'Equal';
  if (op === 'Exists') return true;
  // Equal: an empty key with Equal is invalid in the API; treat it as matching nothing.
  if (t.key === undefined || t.key === '') return false;
  return (t.value ?? '') === (taint.value ?? '');
}

export function tolerates(tolerations: readonly Toleration[], taint: Taint): boolean {
  for (const t of tolerations) if (toleratesTaint(t, taint)) return true;
  return false;
}

/** One Status per taint object, so rejecting a node allocates nothing. */
const statusCache = new WeakMap<Taint, Status>();
function untolerated(taint: Taint): Status {
  let s = statusCache.get(taint);
  if (!s) {
    s = unresolvable(`${REASON_UNTOLERATED} {${taint.key}: ${taint.value ?? ''}}`);
    statusCache.set(taint, s);
  }
  return s;
}

/** The first NoSchedule/NoExecute taint the pod does not tolerate, or undefined. */
export function firstUntoleratedTaint(pod: PodInfo, node: NodeInfo): Taint | undefined {
  const tolerations = pod.spec.tolerations ?? [];
  for (const taint of node.taints) {
    if (taint.effect === 'PreferNoSchedule') continue;
    if (!tolerates(tolerations, taint)) return taint;
  }
  return undefined;
}

/** Count of PreferNoSchedule taints not tolerated by the pod's PreferNoSchedule (or effect-less) tolerations. */
export function countIntolerablePreferNoSchedule(pod: PodInfo, node: NodeInfo): number {
  const tolerations = (pod.spec.tolerations ?? []).filter((t) => t.effect === undefined || t.effect === 'PreferNoSchedule');
  let n = 0;
  for (const taint of node.taints) {
    if (taint.effect === 'PreferNoSchedule' && !tolerates(tolerations, taint)) n++;
  }
  return n;
}

export function taintToleration(): FilterPlugin & ScorePlugin {
  return {
    name: NAME,
    // Reads only the pod spec and this node (Plugin.nodeLocal): its verdicts are reused per spec.
    nodeLocal: true,
    // Only a node without the taint can help (tainttoleration EventsToRegister).
    events: ClusterEvent.NodeAdd | ClusterEvent.NodeUpdate,
    filter(_state, pod, node) {
      if (node.taints.length === 0) return null;
      const taint = firstUntoleratedTaint(pod, node);
      return taint === undefined ? null : untolerated(taint);
    },
    // A node without taints is judged from its record's taint count, without reading the node
    // (without a call where the framework reads the record itself).
    passesWhereZero: REC_TAINTS,
    filterAt(_state, pod, snapshot, index) {
      const rec = snapshot.nodeRecords;
      if (rec !== undefined && rec[index * NODE_RECORD_STRIDE + REC_TAINTS] === 0) return null;
      const taint = firstUntoleratedTaint(pod, snapshot.nodes[index]!);
      return taint === undefined ? null : untolerated(taint);
    },
    score: (_state, pod, node) => (node.taints.length === 0 ? 0 : countIntolerablePreferNoSchedule(pod, node)),
    scoreAt(_state, pod, snapshot, index) {
      const rec = snapshot.nodeRecords;
      if (rec !== undefined && rec[index * NODE_RECORD_STRIDE + REC_TAINTS] === 0) return 0;
      const node = snapshot.nodes[index]!;
      return node.taints.length === 0 ? 0 : countIntolerablePreferNoSchedule(pod, node);
    },
    // Fewest untolerated PreferNoSchedule taints scores 100.
    normalizeScore: defaultNormalizer(100, true),
  };
}

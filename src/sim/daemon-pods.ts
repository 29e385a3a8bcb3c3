import { matchesNodeSelectorTerms, type Labels, type NodeSelectorTerm } from '../api/labels.js';
import type { Taint } from '../api/node.js';
import type { PodSpec, Toleration } from '../api/pod.js';

/**
 * The DaemonSet rules that do not depend on the simulator's state, as pure functions: the
 * tolerations the DaemonSet controller adds to every daemon pod, whether a node should run a
 * daemon pod, and the per-node pod a DaemonSet creates. The daemon controller
 * (controllers/daemonsets.ts) and the cluster autoscaler's template nodes
 * (controllers/cluster-autoscaler.ts) both use them, as upstream's daemon controller and
 * cluster-autoscaler's daemonset.GetDaemonSetPodsForNode share pkg/controller/daemon/util.
 */

/** A node as the daemon controller's predicates read it (NodeSpec and NodeInfo both are). */
export interface DaemonNodeView {
  readonly name: string;
  readonly labels: Labels;
  readonly taints: readonly Taint[];
}

/**
 * The tolerations upstream adds to every daemon pod (pkg/controller/daemon/util/daemonset_util.go,
 * AddOrUpdateDaemonPodTolerations): not-ready and unreachable NoExecute without tolerationSeconds
 * (a daemon pod stays on a failed node for good, KUBERNETES.md section 3), disk-, memory- and
 * pid-pressure and unschedulable NoSchedule (so a cordoned node keeps and gets its daemon pods),
 * and network-unavailable NoSchedule for hostNetwork pods.
 */
export const DAEMON_POD_TOLERATIONS: readonly Toleration[] = [
  { key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute' },
  { key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute' },
  { key: 'node.kubernetes.io/disk-pressure', operator: 'Exists', effect: 'NoSchedule' },
  { key: 'node.kubernetes.io/memory-pressure', operator: 'Exists', effect: 'NoSchedule' },
  { key: 'node.kubernetes.io/pid-pressure', operator: 'Exists', effect: 'NoSchedule' },
  { key: 'node.kubernetes.io/unschedulable', operator: 'Exists', effect: 'NoSchedule' },
];
/** Added only for hostNetwork daemon pods (same function). */
export const HOST_NETWORK_TOLERATION: Toleration = { key: 'node.kubernetes.io/network-unavailable', operator: 'Exists', effect: 'NoSchedule' };

/**
 * The template's tolerations plus the defaults it lacks ("AddOrUpdate": a toleration the template
 * already has for the same key and effect is kept as written).
 */
export function daemonPodTolerations(template: readonly Toleration[] | undefined, hostNetwork = false): Toleration[] {
  const out = [...(template ?? [])];
  const defaults = hostNetwork ? [...DAEMON_POD_TOLERATIONS, HOST_NETWORK_TOLERATION] : DAEMON_POD_TOLERATIONS;
  for (const d of defaults) if (!out.some((t) => t.key === d.key && t.effect === d.effect)) out.push(d);
  return out;
}

/** v1helper.ToleratesTaint (pkg/apis/core/v1/helper/helpers.go): empty effect or key match all; Exists ignores the value. */
function toleratesTaint(t: Toleration, taint: Taint): boolean {
  if (t.effect !== undefined && t.effect !== taint.effect) return false;
  if (t.key !== undefined && t.key !== '' && t.key !== taint.key) return false;
  if ((t.operator ?? 'Equal') === 'Exists') return true;
  if (t.key === undefined || t.key === '') return false;
  return (t.value ?? '') === (taint.value ?? '');
}

/** The pod's required node affinity and node selector, as nodeaffinity.GetRequiredNodeAffinity(pod).Match(node). */
function fitsNodeAffinity(spec: PodSpec, node: DaemonNodeView): boolean {
  const selector = spec.nodeSelector;
  if (selector) for (const k in selector) if (node.labels[k] !== selector[k]) return false;
  const terms = spec.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms;
  return terms === undefined || matchesNodeSelectorTerms(terms, node.labels, node.name);
}

/** Whether a daemon pod (tolerations already defaulted) should run on / keep running on the node. */
export interface DaemonPlacement {
  /** The controller creates a pod for the node (no untolerated NoSchedule or NoExecute taint). */
  readonly shouldRun: boolean;
  /** A pod already there may stay (no untolerated NoExecute taint). */
  readonly shouldContinueRunning: boolean;
}

/**
 * NodeShouldRunDaemonPod (pkg/controller/daemon/daemon_controller.go, with `predicates`): the
 * pod's nodeName (if set) and required node affinity / node selector must match the node, and
 * the node's NoSchedule and NoExecute taints must be tolerated; a pod already running stays
 * unless a NoExecute taint is not tolerated. `spec` is the daemon pod's, i.e. with
 * daemonPodTolerations applied (upstream builds it with NewPod, which adds them). Resources are
 * not part of it: since ScheduleDaemonSetPods a pod that does not fit stays Pending.
 */
export function nodeShouldRunDaemonPod(spec: PodSpec, node: DaemonNodeView): DaemonPlacement {
  const fitsNodeName = spec.nodeName === undefined || spec.nodeName === node.name;
  if (!fitsNodeName || !fitsNodeAffinity(spec, node)) return { shouldRun: false, shouldContinueRunning: false };
  const tolerations = spec.tolerations ?? [];
  let noSchedule = false;
  let noExecute = false;
  for (const taint of node.taints) {
    if (taint.effect === 'PreferNoSchedule') continue;
    if (tolerations.some((t) => toleratesTaint(t, taint))) continue;
    if (taint.effect === 'NoExecute') noExecute = true;
    else noSchedule = true;
  }
  return { shouldRun: !noSchedule && !noExecute, shouldContinueRunning: !noExecute };
}

/**
 * The daemon pod for one node (pkg/controller/daemon/util/daemonset_util.go,
 * ReplaceDaemonSetPodNodeNameNodeAffinity): the template with its required node affinity
 * replaced by one term, metadata.name In [node] (the template's own terms were checked by
 * nodeShouldRunDaemonPod), so the default scheduler places it like any pod (Kubernetes >= 1.12,
 * ScheduleDaemonSetPods). `nodeName` is set too: it is how this framework takes the one-node
 * PreFilterResult upstream's NodeAffinity PreFilter returns for such an affinity
 * (plugins/nodeaffinity/node_affinity.go, PreFilter), so a daemon pod's scheduling cycle runs
 * the filters on its node only; the affinity says the same.
 */
export function daemonPodForNode(template: PodSpec, nodeName: string): PodSpec {
  const terms: NodeSelectorTerm[] = [{ matchFields: [{ key: 'metadata.name', operator: 'In', values: [nodeName] }] }];
  return {
    ...template,
    nodeName,
    affinity: {
      ...template.affinity,
      nodeAffinity: { ...template.affinity?.nodeAffinity, requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: terms } },
    },
  };
}

/**
 * Converters from Kubernetes v1 objects (plain JSON as the API server or `yaml` produces them,
 * camelCase field names) to the policy API types. No YAML, no files: the scenario layer and the
 * kube-scheduler extender server both feed this module parsed objects.
 *
 * Every problem becomes an InputIssue naming the path inside the object and what was expected;
 * all problems of one object are thrown together as one InputError. Positions come from the
 * caller's `locate` callback, so a YAML reader can map paths back to lines.
 *
 * Validation follows kube-apiserver where it is cheap to (pkg/apis/core/validation/validation.go):
 * a manifest that the API server would reject is rejected here too, with a similar message.
 *
 * This file is the converters' export list; each kind of field lives in its own file:
 * kube-fields.ts (context, issues, typed readers), kube-resources.ts (quantities, requests),
 * kube-constraints.ts (selectors, affinity, tolerations, taints, spread), kube-pod.ts (PodSpecs,
 * priority classes) and kube-node.ts (NodeSpecs).
 */

export {
  describe, IssueList, readBool, readInt, readList, readMap, readObject, readString, readStringMap,
  type KubeContext, type Locate, type Path,
} from './kube-fields.js';
export { convertLabelSelector, labelSelectorFromKube } from './kube-constraints.js';
export {
  convertPodSpec, convertPriorityClass, DEFAULT_NAMESPACE, HIGHEST_USER_DEFINABLE_PRIORITY, podSpecFromPod, podSpecFromPodSpec,
  priorityClassFromKube, probesAt, SYSTEM_PRIORITY_CLASSES, type PriorityClassInfo,
} from './kube-pod.js';
export { convertNode, nodeSpecFromNode } from './kube-node.js';

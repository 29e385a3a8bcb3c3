import type { PodInfo } from '../api/pod.js';
import type { NodeSpec } from '../api/node.js';

/**
 * What the extender knows of the cluster beyond the request itself. A plain extender
 * (nodeCacheCapable: false) receives whole Node objects but never the pods running on them
 * (KUBERNETES.md section 2); a ClusterSource fills that gap, typically from a watch on the API
 * server (KubeCache). Without one, every node looks empty.
 */
export interface ClusterSource {
  /**
   * The pods bound to a node and not finished, as the policy API sees them, in a stable order.
   * The same array object is returned until that node's pods change, so callers may cache
   * per-node views keyed by it.
   */
  podsOn(nodeName: string): readonly PodInfo[];
  /** A node from the cache (for nodeCacheCapable requests that carry NodeNames only). */
  node(name: string): NodeSpec | undefined;
  /**
   * Every cached node, in a stable order (the same array object while no node changes). The
   * extender decides against this whole cluster, so spreading and pod affinity count the pods
   * on nodes that are not candidates. Absent or empty without a node cache.
   */
  nodes?(): readonly NodeSpec[];
  /**
   * A number that changes whenever any node or any pod of the cache changes, so a caller can
   * tell in O(1) that nothing did. Optional: without it, callers compare per node.
   */
  readonly generation?: number;
  /**
   * Binds a pod (the extender's bind verb): creates the v1 Binding through the API server.
   * Rejects with an Error whose message says why.
   */
  bind?(namespace: string, name: string, uid: string, nodeName: string): Promise<void>;
}

/** The source of an extender with no cache: nodes have no pods, and there is no node cache. */
const NO_PODS: readonly PodInfo[] = Object.freeze([]);

export const NO_CLUSTER_SOURCE: ClusterSource = {
  podsOn: () => NO_PODS,
  node: () => undefined,
};

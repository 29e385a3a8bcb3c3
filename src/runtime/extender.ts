/**
 * The kube-scheduler extender verbs (KUBERNETES.md section 2) over a scheduler profile: the very
 * Framework object the simulator drives, fed from v1 Node objects (or the cache's nodes) and the
 * pods the ClusterSource knows. No HTTP here: server.ts decodes requests and calls these.
 */
import type { NodeInfo } from '../api/node.js';
import type { Framework } from '../schedulers/framework.js';
import type { NodeSpec } from '../sim/cluster.js';
import {
  extenderPriority, type BindingArgs, type ExtenderArgs, type ExtenderFilterResult, type HostPriority,
} from './messages.js';
import { RuntimeNode, RuntimeSnapshot } from './snapshot.js';
import { NO_CLUSTER_SOURCE, type ClusterSource } from './source.js';

/** Reason given for a NodeNames entry the cache does not hold. */
export const REASON_NOT_IN_CACHE = 'node is not in the extender\'s node cache';

/** Error from the bind verb when there is no API server to bind through. */
export const BIND_NEEDS_KUBECONFIG = 'bind needs --kubeconfig: this extender has no API server to create the Binding with';

/** The cluster one request is decided against. */
export interface RequestView {
  readonly snapshot: RuntimeSnapshot;
  /** The request's nodes that the extender knows, in request order. */
  readonly candidates: readonly NodeInfo[];
  /** NodeNames the cache does not hold. */
  readonly missing: readonly string[];
}

export class Extender {
  /** Per cached node: the last view built, reused while its index, spec and pods are the same. */
  private readonly views = new Map<string, RuntimeNode>();

  constructor(readonly framework: Framework, readonly source: ClusterSource = NO_CLUSTER_SOURCE) {}

  /** The profile's name, for messages and metrics. */
  get profile(): string {
    return this.framework.name;
  }

  /**
   * The snapshot a request is decided against. With a node cache it is the whole cluster (so
   * spreading and pod affinity count pods on every node, as kube-scheduler's own snapshot does),
   * the cache's copy of a node standing for the request's; a requested node the cache lacks is
   * added from the request. Without a cache it is the request's nodes alone.
   */
  view(args: ExtenderArgs): RequestView {
    const cached = this.source.nodes?.() ?? [];
    const nodes: RuntimeNode[] = [];
    for (const spec of cached) nodes.push(this.cachedView(nodes.length, spec));
    const byName = new Map<string, RuntimeNode>();
    if (cached.length > 0) for (const n of nodes) byName.set(n.name, n);
    const candidates: NodeInfo[] = [];
    const missing: string[] = [];
    if (args.nodes) {
      for (const spec of args.nodes) {
        let node = byName.get(spec.name);
        if (!node) {
          // Specs decoded from this request are new objects: nothing to reuse.
          node = new RuntimeNode(nodes.length, spec, this.source.podsOn(spec.name));
          nodes.push(node);
        }
        candidates.push(node);
      }
    } else {
      for (const name of args.nodeNames ?? []) {
        const node = byName.get(name);
        if (node) candidates.push(node);
        else missing.push(name);
      }
    }
    return { snapshot: new RuntimeSnapshot(nodes), candidates, missing };
  }

  private cachedView(index: number, spec: NodeSpec): RuntimeNode {
    const pods = this.source.podsOn(spec.name);
    const last = this.views.get(spec.name);
    if (last && last.index === index && last.spec === spec && last.pods === pods) return last;
    const node = new RuntimeNode(index, spec, pods);
    this.views.set(spec.name, node);
    return node;
  }

  /**
   * filter: the candidates where every Filter plugin passes. Rejections whose status is
   * UnschedulableAndUnresolvable go to FailedAndUnresolvableNodes (preemption cannot help there).
   * `nodeObjects` are the request's Node objects, echoed back in Nodes for a plain extender.
   */
  filter(args: ExtenderArgs, nodeObjects?: readonly unknown[]): ExtenderFilterResult {
    const { snapshot, candidates, missing } = this.view(args);
    const failed: Record<string, string> = {};
    const unresolvable: Record<string, string> = {};
    for (const name of missing) failed[name] = REASON_NOT_IN_CACHE;
    const feasible = this.framework.filterNodes(args.pod, snapshot, candidates, (node, status) => {
      if (status.code === 'UnschedulableAndUnresolvable') unresolvable[node.name] = status.reason;
      else failed[node.name] = status.reason;
    });
    const names = feasible.map((n) => n.name);
    const result: ExtenderFilterResult = { NodeNames: names, FailedNodes: failed, FailedAndUnresolvableNodes: unresolvable, Error: '' };
    if (args.nodes) {
      const passed = new Set(names);
      const items = nodeObjects ? nodeObjects.filter((_, i) => passed.has(args.nodes![i]!.name)) : [];
      result.Nodes = { apiVersion: 'v1', kind: 'NodeList', metadata: {}, items };
    } else {
      result.Nodes = null;
    }
    return result;
  }

  /**
   * prioritize: every candidate's framework score - the weighted mean, 0..100, of the Score
   * plugins that scored this pod - mapped to 0..10, in request order. NodeNames the cache does not know score 0.
   */
  prioritize(args: ExtenderArgs): HostPriority[] {
    const { snapshot, candidates, missing } = this.view(args);
    const { totals, weight } = this.framework.scoreNodes(args.pod, snapshot, candidates);
    const result = candidates.map((n, i) => ({ Host: n.name, Score: extenderPriority(totals[i]!, weight) }));
    for (const name of missing) result.push({ Host: name, Score: 0 });
    return result;
  }

  /** bind: creates the Binding through the source (the API server); '' on success. */
  async bind(args: BindingArgs): Promise<string> {
    if (!this.source.bind) return BIND_NEEDS_KUBECONFIG;
    try {
      await this.source.bind(args.podNamespace, args.podName, args.podUID, args.node);
      return '';
    } catch (e) {
      return e instanceof Error ? e.message : String(e);
    }
  }
}

/**
 * The kube-scheduler extender verbs (KUBERNETES.md section 2) over a scheduler profile: the very
 * Framework object the simulator drives, fed from v1 Node objects (or the cache's nodes) and the
 * pods the ClusterSource knows. No HTTP here: server.ts decodes requests and calls these.
 */
import type { PodInfo, PodSpec } from '../api/pod.js';
import { PluginError, type Framework } from '../schedulers/framework.js';
import type { NodeSpec } from '../api/node.js';
import { InputError } from '../util/errors.js';
import {
  extenderPriority, type BindingArgs, type ExtenderArgs, type ExtenderFilterResult, type HostPriority,
} from './messages.js';
import { filterResultBytes, hostPrioritiesBytes } from './response-bytes.js';
import { RuntimeNode, RuntimeSnapshot } from './snapshot.js';
import { NO_CLUSTER_SOURCE, type ClusterSource } from './source.js';

/** Reason given for a NodeNames entry the cache does not hold. */
export const REASON_NOT_IN_CACHE = 'node is not in the extender\'s node cache';

/** Error from the bind verb when binding is off or there is no API server to bind through. */
export const BIND_OFF = 'bind is off: start orchsim serve with --enable-bind and --kubeconfig or --in-cluster to let it create Bindings';

export interface ExtenderOptions {
  /** Serve the bind verb (it needs a source that can bind). Off by default: a bind acts on the cluster. */
  readonly bind?: boolean | undefined;
}

const NO_NODES: readonly NodeSpec[] = [];
const NO_NAMES: readonly string[] = [];

function sameStrings(a: readonly string[], b: readonly string[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** The cluster one request is decided against. */
export interface RequestView {
  readonly snapshot: RuntimeSnapshot;
  /** The request's nodes that the extender knows, in request order. */
  readonly candidates: readonly RuntimeNode[];
  /** NodeNames the cache does not hold. */
  readonly missing: readonly string[];
}

/** How many distinct pod specs and node views the extender remembers before it starts afresh. */
const MAX_INTERNED_SPECS = 10_000;
// Four times Kubernetes' largest supported cluster (5,000 nodes); a node view and its converted
// spec take a few KB, so a neighbour sending ever new nodes holds at most some tens of MB here.
const MAX_VIEWS = 20_000;
const MAX_INTERNED_KEY = 64 * 1024;

/** The cache's nodes as a snapshot, kept from request to request while they do not change. */
interface BaseView {
  readonly generation: number | undefined;
  readonly cached: readonly NodeSpec[];
  readonly pods: (readonly PodInfo[])[];
  readonly snapshot: RuntimeSnapshot;
  readonly byName: ReadonlyMap<string, RuntimeNode>;
}

export class Extender {
  /** Per cached node: the last view built, reused while its index, spec and pods are the same. */
  private readonly views = new Map<string, RuntimeNode>();
  private base: BaseView | undefined;
  /** The last NodeNames request's view, reused for an equal list against the same base. */
  private lastNames: { readonly base: BaseView; readonly names: readonly string[]; readonly view: RequestView } | undefined;
  /** Equal pod specs as one object, so plugins' per-selector caches hit across requests. */
  private readonly specs = new Map<string, PodSpec>();
  /** Specs already interned, to the equal one kept (decoders hand the same spec object back for the same pod version). */
  private readonly interned = new WeakMap<PodSpec, PodSpec>();

  constructor(readonly framework: Framework, readonly source: ClusterSource = NO_CLUSTER_SOURCE, private readonly options: ExtenderOptions = {}) {}

  /** Whether the bind verb acts: enabled, and a source that can create Bindings. */
  get canBind(): boolean {
    return this.options.bind === true && this.source.bind !== undefined;
  }

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
    const base = this.baseView();
    const candidates: RuntimeNode[] = [];
    const missing: string[] = [];
    let extra: RuntimeNode[] | undefined;
    if (args.nodes) {
      const offset = base.snapshot.nodes.length;
      for (const spec of args.nodes) {
        let node = base.byName.get(spec.name);
        if (!node) {
          node = this.cachedView(offset + (extra ??= []).length, spec);
          extra.push(node);
        }
        candidates.push(node);
      }
    } else {
      if (!this.source.nodes) {
        throw new InputError({ file: 'NodeNames', path: [], message: 'this extender has no node cache, so it cannot read NodeNames: start orchsim serve with --kubeconfig or --in-cluster, or set nodeCacheCapable: false in the extender configuration' });
      }
      const names = args.nodeNames ?? NO_NAMES;
      const last = this.lastNames;
      // kube-scheduler sends much the same NodeNames pod after pod: comparing strings is
      // cheaper than looking each one up.
      if (last && last.base === base && sameStrings(last.names, names)) return last.view;
      for (const name of names) {
        const node = base.byName.get(name);
        if (node) candidates.push(node);
        else missing.push(name);
      }
      // Frozen: the view is handed out again, and plugins see the candidates array.
      const view = { snapshot: base.snapshot, candidates: Object.freeze(candidates), missing: Object.freeze(missing) };
      this.lastNames = { base, names: names.slice(), view };
      return view;
    }
    const snapshot = extra ? new RuntimeSnapshot([...base.snapshot.nodes, ...extra]) : base.snapshot;
    return { snapshot, candidates, missing };
  }

  /** The cache's nodes, rebuilt only where a node or its pods changed. */
  private baseView(): BaseView {
    const cached = this.source.nodes?.() ?? NO_NODES;
    const last = this.base;
    const generation = this.source.generation;
    if (last && generation !== undefined && generation === last.generation) return last;
    if (last && last.cached === cached) {
      let same = true;
      for (let i = 0; i < cached.length && same; i++) same = this.source.podsOn(cached[i]!.name) === last.pods[i];
      if (same) return last;
    }
    const nodes: RuntimeNode[] = [];
    const pods: (readonly PodInfo[])[] = [];
    const byName = new Map<string, RuntimeNode>();
    for (const spec of cached) {
      const node = this.cachedView(nodes.length, spec);
      nodes.push(node);
      pods.push(node.pods);
      byName.set(node.name, node);
    }
    this.base = { generation, cached, pods, snapshot: new RuntimeSnapshot(nodes), byName };
    return this.base;
  }

  /**
   * The view of a node, reused while its index, spec object and pods array are the same (specs
   * from the cache, or from the decoder's cache of Node objects by uid and resourceVersion).
   */
  private cachedView(index: number, spec: NodeSpec): RuntimeNode {
    const pods = this.source.podsOn(spec.name);
    const last = this.views.get(spec.name);
    if (last && last.index === index && last.spec === spec && last.pods === pods) return last;
    const node = new RuntimeNode(index, spec, pods);
    // Request nodes can bring any names; start afresh rather than grow without bound.
    if (this.views.size >= MAX_VIEWS) this.views.clear();
    this.views.set(spec.name, node);
    return node;
  }

  /** The pod with its spec replaced by an equal one seen before, if any. */
  private intern(pod: PodInfo): PodInfo {
    const known = this.interned.get(pod.spec);
    if (known !== undefined) return known === pod.spec ? pod : { ...pod, spec: known };
    const key = JSON.stringify(pod.spec);
    // A huge spec is not worth keeping (a request body may be 64 MiB).
    if (key.length > MAX_INTERNED_KEY) return pod;
    const seen = this.specs.get(key);
    if (seen) {
      this.interned.set(pod.spec, seen);
      return { ...pod, spec: seen };
    }
    if (this.specs.size >= MAX_INTERNED_SPECS) this.specs.clear();
    this.specs.set(key, pod.spec);
    this.interned.set(pod.spec, pod.spec);
    return pod;
  }

  /** Filter over the request's candidates: the nodes that pass, and the reason for the others. */
  private runFilter(args: ExtenderArgs): { feasible: RuntimeNode[]; failed: Record<string, string>; unresolvable: Record<string, string> } {
    const { snapshot, candidates, missing } = this.view(args);
    const failed: Record<string, string> = {};
    const unresolvable: Record<string, string> = {};
    for (const name of missing) failed[name] = REASON_NOT_IN_CACHE;
    const pod = this.intern(args.pod);
    const feasible = this.framework.filterNodes(pod, snapshot, candidates, (node, status, plugin) => {
      // An Error status is a broken plugin, not an unschedulable pod: upstream aborts the cycle.
      if (status.code === 'Error') throw new PluginError(plugin, 'Filter', pod.name, node.name, new Error(status.reason));
      if (status.code === 'UnschedulableAndUnresolvable') unresolvable[node.name] = status.reason;
      else failed[node.name] = status.reason;
    }) as RuntimeNode[];
    return { feasible, failed, unresolvable };
  }

  /** The request's Node objects of the nodes that passed, for a plain extender's Nodes. */
  private passedObjects(args: ExtenderArgs, feasible: readonly RuntimeNode[], nodeObjects: readonly unknown[] | undefined): unknown[] {
    if (!nodeObjects || !args.nodes) return [];
    const passed = new Set(feasible.map((n) => n.name));
    return nodeObjects.filter((_, i) => passed.has(args.nodes![i]!.name));
  }

  /**
   * filter: the candidates where every Filter plugin passes. Rejections whose status is
   * UnschedulableAndUnresolvable go to FailedAndUnresolvableNodes (preemption cannot help there).
   * `nodeObjects` are the request's Node objects, echoed back in Nodes for a plain extender.
   */
  filter(args: ExtenderArgs, nodeObjects?: readonly unknown[]): ExtenderFilterResult {
    const { feasible, failed, unresolvable } = this.runFilter(args);
    const result: ExtenderFilterResult = { NodeNames: feasible.map((n) => n.name), FailedNodes: failed, FailedAndUnresolvableNodes: unresolvable, Error: '' };
    result.Nodes = args.nodes ? { apiVersion: 'v1', kind: 'NodeList', metadata: {}, items: this.passedObjects(args, feasible, nodeObjects) } : null;
    return result;
  }

  /** filter's result as UTF-8 JSON, from the nodes' pre-encoded names (see response-bytes.ts). */
  filterBytes(args: ExtenderArgs, nodeObjects?: readonly unknown[]): { body: Buffer; result: Pick<ExtenderFilterResult, 'FailedNodes' | 'FailedAndUnresolvableNodes'> } {
    const { feasible, failed, unresolvable } = this.runFilter(args);
    const nodes = args.nodes ? JSON.stringify({ apiVersion: 'v1', kind: 'NodeList', metadata: {}, items: this.passedObjects(args, feasible, nodeObjects) }) : 'null';
    const body = filterResultBytes(feasible, JSON.stringify(failed), JSON.stringify(unresolvable), nodes);
    return { body, result: { FailedNodes: failed, FailedAndUnresolvableNodes: unresolvable } };
  }

  /** filterBytes as a string. */
  filterJSON(args: ExtenderArgs, nodeObjects?: readonly unknown[]): { json: string; result: Pick<ExtenderFilterResult, 'FailedNodes' | 'FailedAndUnresolvableNodes'> } {
    const { body, result } = this.filterBytes(args, nodeObjects);
    return { json: body.toString('utf8'), result };
  }

  /** Scores 0..10 of the candidates, in request order, and the NodeNames the cache lacks. */
  private runPrioritize(args: ExtenderArgs): { nodes: readonly RuntimeNode[]; scores: Int32Array; missing: readonly string[] } {
    const { snapshot, candidates, missing } = this.view(args);
    const { totals, weight } = this.framework.scoreNodes(this.intern(args.pod), snapshot, candidates);
    const scores = new Int32Array(candidates.length);
    for (let i = 0; i < scores.length; i++) scores[i] = extenderPriority(totals[i]!, weight);
    return { nodes: candidates, scores, missing };
  }

  /**
   * prioritize: every candidate's framework score - the weighted mean, 0..100, of the Score
   * plugins that scored this pod - mapped to 0..10, in request order. NodeNames the cache does
   * not know score 0.
   */
  prioritize(args: ExtenderArgs): HostPriority[] {
    const { nodes, scores, missing } = this.runPrioritize(args);
    const result = nodes.map((n, i) => ({ Host: n.name, Score: scores[i]! }));
    for (const name of missing) result.push({ Host: name, Score: 0 });
    return result;
  }

  /** prioritize's result as UTF-8 JSON (see response-bytes.ts). */
  prioritizeBytes(args: ExtenderArgs): Buffer {
    const { nodes, scores, missing } = this.runPrioritize(args);
    return hostPrioritiesBytes(nodes, scores, missing);
  }

  /** prioritizeBytes as a string. */
  prioritizeJSON(args: ExtenderArgs): string {
    return this.prioritizeBytes(args).toString('utf8');
  }

  /** bind: creates the Binding through the source (the API server); '' on success. */
  async bind(args: BindingArgs): Promise<string> {
    if (!this.canBind) return BIND_OFF;
    try {
      await this.source.bind!(args.podNamespace, args.podName, args.podUID, args.node);
      return '';
    } catch (e) {
      return e instanceof Error ? e.message : String(e);
    }
  }
}

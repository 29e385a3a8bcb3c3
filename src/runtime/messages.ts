/**
 * The kube-scheduler extender messages (k8s.io/kube-scheduler/extender/v1/types.go), decoded
 * from JSON into policy types with the one v1 converter (src/workloads/kube.ts).
 *
 * kube-scheduler encodes the Go field names ("Pod", "NodeNames", "PodUID"); Go's encoding/json
 * matches field names case-insensitively, so "pod" or "nodenames" are accepted too. The objects
 * inside (Pod, Node) keep their Kubernetes camelCase names, and map keys (labels, resource
 * names) are data, never case-folded.
 */
import type { PodInfo } from '../api/pod.js';
import type { NodeSpec } from '../api/node.js';
import { InputError } from '../util/errors.js';
import { convertNode, convertPodSpec, describe, IssueList, readList, readMap, readObject, readString, type Path } from '../workloads/kube.js';

/** MaxExtenderPriority (extender/v1/types.go): prioritize answers 0..10. */
export const MAX_EXTENDER_PRIORITY = 10;

/** ExtenderArgs decoded: the pod, and either whole nodes or node names (nodeCacheCapable). */
export interface ExtenderArgs {
  /** The pod being scheduled; its name is namespace/name. */
  readonly pod: PodInfo;
  readonly nodes?: readonly NodeSpec[] | undefined;
  readonly nodeNames?: readonly string[] | undefined;
}

/** ExtenderFilterResult, encoded with the upstream field names. */
export interface ExtenderFilterResult {
  Nodes?: { apiVersion: 'v1'; kind: 'NodeList'; metadata: Record<string, never>; items: unknown[] } | null;
  NodeNames?: string[] | null;
  FailedNodes: Record<string, string>;
  FailedAndUnresolvableNodes: Record<string, string>;
  Error: string;
}

/** HostPriority. */
export interface HostPriority {
  Host: string;
  Score: number;
}

/** ExtenderBindingArgs decoded. */
export interface BindingArgs {
  readonly podName: string;
  readonly podNamespace: string;
  readonly podUID: string;
  readonly node: string;
}

type Obj = Readonly<Record<string, unknown>>;

/**
 * The value of a message field, matched as Go's encoding/json does: an exact key first, else
 * any key equal ignoring case. Returns the key found too, for error paths.
 */
export function field(m: Obj, name: string): { key: string; value: unknown } {
  if (Object.hasOwn(m, name)) return { key: name, value: m[name] };
  const lower = name.toLowerCase();
  for (const key of Object.keys(m)) if (key.toLowerCase() === lower) return { key, value: m[key] };
  return { key: name, value: undefined };
}

/** A dense id for the pod being scheduled, outside any cache's range of ids. */
const INCOMING_POD_ID = -1;

/**
 * Decodes ExtenderArgs. `request` names the message in errors ("POST /filter"). Throws an
 * InputError listing every problem (paths such as "Nodes.items[3].status.allocatable.cpu").
 * The v1 objects in it are the parsed JSON, never mutated; the node objects are returned too,
 * for the filter result's Nodes list.
 */
export function decodeExtenderArgs(body: unknown, request: string, nodeSpecs?: NodeSpecCache, podSpecs?: PodSpecCache): ExtenderArgs & { readonly nodeObjects?: readonly unknown[] | undefined } {
  const out = new IssueList(request);
  const m = readObject(body, [], out, 'ExtenderArgs: a JSON object with Pod and Nodes or NodeNames');
  if (!m) throw new InputError(out.issues);

  const podField = field(m, 'Pod');
  const podPath: Path = [podField.key];
  const podObj = readObject(podField.value, podPath, out, 'Pod: a v1 Pod object');
  let pod: PodInfo | undefined;
  if (podObj) {
    const meta = readMap(podObj['metadata'], [...podPath, 'metadata'], out) ?? {};
    const name = readString(meta['name'], [...podPath, 'metadata', 'name'], out) ?? '';
    const namespace = readString(meta['namespace'], [...podPath, 'metadata', 'namespace'], out) || 'default';
    const cached = podSpecs?.get(podObj);
    const issuesBefore = out.issues.length;
    const spec = cached ?? convertPodSpec(podObj['spec'], podObj['metadata'], podPath, { file: request }, out);
    // Only a spec that converted without a problem is remembered.
    if (!cached && out.issues.length === issuesBefore) podSpecs?.set(podObj, spec);
    pod = { id: INCOMING_POD_ID, name: `${namespace}/${name}`, spec };
  }

  const nodesField = field(m, 'Nodes');
  const namesField = field(m, 'NodeNames');
  let nodes: NodeSpec[] | undefined;
  let nodeObjects: readonly unknown[] | undefined;
  let nodeNames: string[] | undefined;
  if (nodesField.value !== undefined && nodesField.value !== null) {
    const list = readMap(nodesField.value, [nodesField.key], out);
    if (list) {
      const itemsPath: Path = [nodesField.key, 'items'];
      nodeObjects = readList(list['items'], itemsPath, out);
      nodes = [];
      const seen = new Set<string>();
      nodeObjects.forEach((item, i) => {
        const cached = nodeSpecs?.get(item);
        const issuesBefore = out.issues.length;
        const spec = cached ?? convertNode(item, [...itemsPath, i], out);
        // Only a node that converted without a problem is remembered.
        if (spec && !cached && out.issues.length === issuesBefore) nodeSpecs?.set(item, spec);
        if (!spec) return;
        if (seen.has(spec.name)) out.add([...itemsPath, i, 'metadata', 'name'], `duplicate node "${spec.name}"`);
        seen.add(spec.name);
        nodes!.push(spec);
      });
    }
  } else if (namesField.value !== undefined && namesField.value !== null) {
    const list = readList(namesField.value, [namesField.key], out);
    // The usual case, a list of strings, is taken as it is (kube-scheduler sends thousands).
    if (list.every((v) => typeof v === 'string')) nodeNames = list as string[];
    else {
      nodeNames = [];
      list.forEach((v, i) => {
        const s = readString(v, [namesField.key, i], out);
        if (s !== undefined) nodeNames!.push(s);
      });
    }
  } else {
    out.add([], 'expected Nodes (a v1 NodeList) or NodeNames (a list of node names)');
  }
  out.throwIfAny();
  return { pod: pod!, nodes, nodeNames, nodeObjects };
}

/**
 * Converted Node objects by uid, with the resourceVersion they were converted at.
 * kube-scheduler sends the same Node objects request after request; an object with the same uid
 * and resourceVersion is the same object (the API server's contract), so it is converted once,
 * and the same NodeSpec lets the extender reuse its view of the node. One entry per node, so
 * memory follows the cluster's size; objects without both fields are converted every time.
 */
export class VersionedObjectCache<T> {
  private readonly entries = new Map<string, { readonly resourceVersion: string; readonly name: string; readonly value: T }>();
  constructor(private readonly capacity: number) {}

  /** What was converted from this object's uid at its resourceVersion, if anything. */
  get(item: unknown): T | undefined {
    const id = identity(item);
    if (!id) return undefined;
    const e = this.entries.get(id.uid);
    return e && e.resourceVersion === id.resourceVersion && e.name === id.name ? e.value : undefined;
  }

  set(item: unknown, value: T): void {
    const id = identity(item);
    if (!id) return;
    if (this.entries.size >= this.capacity && !this.entries.has(id.uid)) this.entries.clear();
    this.entries.set(id.uid, { resourceVersion: id.resourceVersion, name: id.name, value });
  }
}

export class NodeSpecCache extends VersionedObjectCache<NodeSpec> {
  /** As many as the extender keeps node views for (MAX_VIEWS). */
  constructor(capacity = 20_000) {
    super(capacity);
  }
}

/**
 * Converted Pod specs by uid and resourceVersion: kube-scheduler sends the same pod object to
 * filter and then to prioritize (and again on each retry), so its second decoding is a lookup.
 * Few entries: only the pods being scheduled now matter.
 */
export class PodSpecCache extends VersionedObjectCache<PodInfo['spec']> {
  constructor(capacity = 4_096) {
    super(capacity);
  }
}

function identity(item: unknown): { uid: string; resourceVersion: string; name: string } | undefined {
  if (typeof item !== 'object' || item === null) return undefined;
  const meta = (item as Obj)['metadata'];
  if (typeof meta !== 'object' || meta === null) return undefined;
  const { uid, resourceVersion, name } = meta as Obj;
  if (typeof uid !== 'string' || uid === '' || typeof resourceVersion !== 'string' || resourceVersion === '' || typeof name !== 'string') return undefined;
  return { uid, resourceVersion, name };
}

/** Decodes ExtenderBindingArgs {PodName, PodNamespace, PodUID, Node}. */
export function decodeBindingArgs(body: unknown, request: string): BindingArgs {
  const out = new IssueList(request);
  const m = readObject(body, [], out, 'ExtenderBindingArgs: a JSON object with PodName, PodNamespace, PodUID and Node');
  if (!m) throw new InputError(out.issues);
  const str = (name: string, required: boolean): string => {
    const f = field(m, name);
    const s = readString(f.value, [f.key], out);
    if ((s === undefined || s === '') && required && (f.value === undefined || f.value === null || f.value === '')) out.add([f.key], `expected ${name}, got ${describe(f.value ?? null)}`);
    return s ?? '';
  };
  const result = { podName: str('PodName', true), podNamespace: str('PodNamespace', false) || 'default', podUID: str('PodUID', false), node: str('Node', true) };
  out.throwIfAny();
  return result;
}

/**
 * Maps a framework total (0..100 times the sum of the weights of the plugins that scored) to an
 * extender priority 0..10: the weighted mean score divided by 10, rounded. The mapping is monotone, so the
 * extender ranks nodes as the framework does, with ties where nodes differ by less than a step.
 */
export function extenderPriority(total: number, totalWeight: number): number {
  if (totalWeight <= 0) return 0;
  return Math.round((total / totalWeight) * (MAX_EXTENDER_PRIORITY / 100));
}

import { matchesLabelSelector, type LabelSelector } from '../../api/labels.js';
import type { NodeInfo } from '../../api/node.js';
import type { PodInfo, PodSpec } from '../../api/pod.js';
import { switchedOn } from '../../util/switches.js';

/**
 * PodTopologySpread's count of a node's pods that a selector matches (countPodsMatchSelector),
 * plain and cached. PreFilter and PreScore ask it for every node at every attempt; the cached
 * counter answers from memory while a node keeps its generation, and recounts a node whose pods
 * changed from the node's spec list: its pods as spec ids, built once per node generation and
 * shared by every selector, with each selector's verdict per spec remembered.
 */

/** labels.Selector.Empty(): no matchLabels and no matchExpressions. */
export function isEmptySelector(selector: LabelSelector): boolean {
  if (selector.matchExpressions !== undefined && selector.matchExpressions.length > 0) return false;
  for (const _ in selector.matchLabels) return false;
  return true;
}

/**
 * countPodsMatchSelector (common.go): pods in `namespace` whose labels match. A nil selector
 * matches nothing, and upstream also returns 0 for an empty selector (`selector.Empty()`), so
 * `{}` counts no pods even though it would match the incoming pod's own labels.
 */
export function countMatchingPods(pods: readonly PodInfo[], selector: LabelSelector | undefined, namespace: string): number {
  if (selector === undefined || isEmptySelector(selector)) return 0;
  let count = 0;
  // Pods of one workload share a spec object: remember the last verdict (a cheap memo, no allocation).
  let lastSpec: PodSpec | undefined;
  let lastMatch = false;
  for (let i = 0; i < pods.length; i++) {
    const spec = pods[i]!.spec;
    if (spec !== lastSpec) {
      lastSpec = spec;
      lastMatch = spec.namespace === namespace && matchesLabelSelector(selector, spec.labels);
    }
    if (lastMatch) count++;
  }
  return count;
}

/** How many of a node's pods a selector matches in a namespace (countMatchingPods, or a cache of it). */
export type NodePodCounter = (node: NodeInfo, selector: LabelSelector | undefined, namespace: string) => number;

export const countOnNode: NodePodCounter = (node, selector, namespace) => countMatchingPods(node.pods, selector, namespace);

/**
 * Whether the cached counter recounts a changed node from its spec list (on unless
 * ORCHSIM_NO_SPREAD_NODE_SPECS is set; then it matches the selector against every pod's labels,
 * as countMatchingPods). Read when the counter is built.
 */
export function nodeSpecListsDefault(): boolean {
  return switchedOn('ORCHSIM_NO_SPREAD_NODE_SPECS');
}

/**
 * Verdicts are remembered per selector for spec ids below this: a bound on the memory of one
 * selector when every pod has a spec of its own (a trace); pods of later specs are matched the
 * plain way.
 */
const REMEMBERED_SPEC_IDS = 4096;
const UNKNOWN = 0;
const NO_MATCH = 1;
const MATCH = 2;

/** One selector's counts by node index, each valid for the node generation it was counted at. */
interface SelectorCounts {
  readonly namespace: string;
  /** Nil or empty: matches nothing (countMatchingPods' first line). */
  readonly matchesNothing: boolean;
  generation: Float64Array;
  count: Int32Array;
  /** By spec id: UNKNOWN, NO_MATCH or MATCH (namespace and labels). */
  verdict: Uint8Array;
}

/**
 * Each node's pods as spec ids, in the order of `node.pods`, for the node generation they were
 * read at. In the autoscaled week (bench/autoscaling.mjs) a node generation is recounted by about
 * 30 selectors (one per workload that scores the node before the node changes again): reading the
 * pods' specs once per generation and a remembered verdict per (selector, spec) replaces ~30
 * label-selector matches per pod.
 */
class NodeSpecLists {
  private readonly ids = new WeakMap<PodSpec, number>();
  private nextId = 0;
  private generation = new Float64Array(0);
  private readonly lists: (Int32Array | undefined)[] = [];

  /** The spec ids of the node's pods at `generation` (the node's current one). */
  of(node: NodeInfo, generation: number): Int32Array {
    const i = node.index;
    if (i >= this.generation.length) {
      const grown = new Float64Array(Math.max(i + 1, 2 * this.generation.length, 64)).fill(NaN);
      grown.set(this.generation);
      this.generation = grown;
      while (this.lists.length < grown.length) this.lists.push(undefined);
    }
    let list = this.lists[i];
    if (list !== undefined && this.generation[i] === generation) return list;
    const pods = node.pods;
    if (list === undefined || list.length < pods.length) this.lists[i] = list = new Int32Array(Math.max(16, 2 * pods.length));
    let lastSpec: PodSpec | undefined;
    let lastId = -1;
    for (let j = 0; j < pods.length; j++) {
      const spec = pods[j]!.spec;
      if (spec !== lastSpec) {
        lastSpec = spec;
        lastId = this.ids.get(spec) ?? this.newId(spec);
      }
      list[j] = lastId;
    }
    this.generation[i] = generation;
    return list;
  }

  private newId(spec: PodSpec): number {
    const id = this.nextId++;
    this.ids.set(spec, id);
    return id;
  }
}

/** The node's pods that match, from its spec list and the selector's remembered verdicts. */
function countFromSpecList(e: SelectorCounts, list: Int32Array, pods: readonly PodInfo[], selector: LabelSelector, remembered: number): number {
  let verdict = e.verdict;
  let count = 0;
  for (let j = 0; j < pods.length; j++) {
    const id = list[j]!;
    let v = id < verdict.length ? verdict[id]! : UNKNOWN;
    if (v === UNKNOWN) {
      const spec = pods[j]!.spec;
      v = spec.namespace === e.namespace && matchesLabelSelector(selector, spec.labels) ? MATCH : NO_MATCH;
      if (id < remembered) {
        if (id >= verdict.length) {
          const grown = new Uint8Array(Math.min(remembered, Math.max(id + 1, 2 * verdict.length, 16)));
          grown.set(verdict);
          e.verdict = verdict = grown;
        }
        verdict[id] = v;
      }
    }
    if (v === MATCH) count++;
  }
  return count;
}

/**
 * countMatchingPods per node, remembered per (selector, namespace) and node generation. PreFilter
 * and PreScore count every node's pods for every attempt (O(total pods)); between two attempts
 * only the nodes whose pods changed have a new generation, so only those are counted again (from
 * the node's spec list unless `specLists` is false). Selectors are keyed by object: a workload's
 * pods share their spec's selector objects. Nodes without a generation are always counted.
 * `rememberedSpecIds` is for tests (the bound on remembered verdicts per selector).
 */
export function cachedNodePodCounter(specLists: boolean = nodeSpecListsDefault(), rememberedSpecIds: number = REMEMBERED_SPEC_IDS): NodePodCounter {
  const bySelector = new WeakMap<LabelSelector, SelectorCounts[]>();
  const lists = specLists ? new NodeSpecLists() : undefined;
  const lookUp = (selector: LabelSelector, namespace: string): SelectorCounts => {
    let list = bySelector.get(selector);
    if (list === undefined) bySelector.set(selector, (list = []));
    for (let i = 0; i < list.length; i++) if (list[i]!.namespace === namespace) return list[i]!;
    const entry: SelectorCounts = {
      namespace, matchesNothing: isEmptySelector(selector), generation: new Float64Array(0), count: new Int32Array(0), verdict: new Uint8Array(0),
    };
    list.push(entry);
    return entry;
  };
  let lastSelector: LabelSelector | undefined;
  let lastNamespace = '';
  let last: SelectorCounts | undefined;
  return (node, selector, namespace) => {
    const generation = node.generation;
    if (generation === undefined || selector === undefined) return countMatchingPods(node.pods, selector, namespace);
    let e = last;
    if (e === undefined || selector !== lastSelector || namespace !== lastNamespace) {
      e = last = lookUp(selector, namespace);
      lastSelector = selector;
      lastNamespace = namespace;
    }
    const i = node.index;
    if (i >= e.generation.length) {
      const size = Math.max(i + 1, 2 * e.generation.length, 64);
      const generations = new Float64Array(size).fill(-1);
      generations.set(e.generation);
      const counts = new Int32Array(size);
      counts.set(e.count);
      e.generation = generations;
      e.count = counts;
    }
    if (e.generation[i] === generation) return e.count[i]!;
    const count = e.matchesNothing ? 0
      : lists !== undefined ? countFromSpecList(e, lists.of(node, generation), node.pods, selector, rememberedSpecIds)
        : countMatchingPods(node.pods, selector, namespace);
    e.generation[i] = generation;
    e.count[i] = count;
    return count;
  };
}

import {
  NO_CLUSTER_SCALING,
  type ClusterAutoscaler, type ClusterAutoscalerContext, type ClusterAutoscalerFactory, type ClusterScaleDecision,
  type ClusterSimulation, type NodeDeletion, type NodeGroupSpec, type NodeGroupStatus, type ScalableNode, type ScaleUp,
} from '../api/autoscaling.js';
import type { RandomSource } from '../api/framework.js';
import type { NodeInfo } from '../api/node.js';
import type { PodInfo } from '../api/pod.js';
import { chooseOption, DEFAULT_EXPANDER, EXPANDER_NAMES, isExpanderName, type ExpanderName, type ScaleUpOption } from './expanders.js';

/**
 * The Kubernetes cluster-autoscaler (kubernetes/autoscaler, cluster-autoscaler/core): every scan
 * it checks cluster health, grows at most one node group for the unschedulable pods (binpacking
 * estimator + expander) and removes under-utilized nodes whose pods fit elsewhere (scale-down
 * planner), with the upstream timers. Flags and defaults: cluster-autoscaler FAQ, "What are the
 * parameters to CA?" (../shared/docs/KUBERNETES.md section 5).
 *
 * Simplified relative to upstream: no node-group balancing, no max-nodes-total / core limits, no
 * scale-up of groups below min, no unready-node scale-down, no daemonset / mirror / local-storage
 * pod rules, and a PodDisruptionBudget is assumed to cover the pods of one controller (the
 * context only tells how many disruptions a pod's budget still allows).
 */

export const NAME = 'cluster-autoscaler';

export interface ClusterAutoscalerOptions {
  /** --scan-interval (s). */
  readonly scanInterval: number;
  /** --expander: one name or a chain applied in order (upstream "priority,least-waste"). */
  readonly expander: ExpanderName | readonly ExpanderName[];
  /** --scale-down-enabled. */
  readonly scaleDownEnabled: boolean;
  /** --scale-down-utilization-threshold: max(cpu, memory) requested / allocatable below which a node is a candidate. */
  readonly scaleDownUtilizationThreshold: number;
  /** --scale-down-gpu-utilization-threshold: the same for GPU nodes, on GPU requested / allocatable. */
  readonly scaleDownGpuUtilizationThreshold: number;
  /** --scale-down-unneeded-time (s): how long a node must be unneeded before it is removed. */
  readonly scaleDownUnneededTime: number;
  /** --scale-down-delay-after-add (s). */
  readonly scaleDownDelayAfterAdd: number;
  /** --scale-down-delay-after-delete (s); 0 means the scan interval, as upstream. */
  readonly scaleDownDelayAfterDelete: number;
  /** --scale-down-delay-after-failure (s); here measured from a group's last failed scale-up. */
  readonly scaleDownDelayAfterFailure: number;
  /** --max-empty-bulk-delete: empty nodes removed in one scan. */
  readonly maxEmptyBulkDelete: number;
  /** --scale-down-non-empty-candidates-count: non-empty nodes checked (drain simulated) per scan. */
  readonly scaleDownNonEmptyCandidatesCount: number;
  /** --max-node-provision-time (s). The simulator enforces it (a node not ready by then fails); kept for the record. */
  readonly maxNodeProvisionTime: number;
  /** --max-total-unready-percentage: the cluster is unhealthy above this share of unready nodes... */
  readonly maxTotalUnreadyPercentage: number;
  /** --ok-total-unready-count: ...and above this many. */
  readonly okTotalUnreadyCount: number;
  /** --initial-node-group-backoff-duration (s): no scale-up of a group this long after its first failure. */
  readonly initialNodeGroupBackoffDuration: number;
  /** --max-node-group-backoff-duration (s): the backoff doubles per failure up to this. */
  readonly maxNodeGroupBackoffDuration: number;
  /** --node-group-backoff-reset-timeout (s): a failure this long after the previous one starts over. */
  readonly nodeGroupBackoffResetTimeout: number;
}

export const CLUSTER_AUTOSCALER_DEFAULTS: ClusterAutoscalerOptions = Object.freeze({
  scanInterval: 10,
  expander: DEFAULT_EXPANDER,
  scaleDownEnabled: true,
  scaleDownUtilizationThreshold: 0.5,
  scaleDownGpuUtilizationThreshold: 0.5,
  scaleDownUnneededTime: 600,
  scaleDownDelayAfterAdd: 600,
  scaleDownDelayAfterDelete: 0,
  scaleDownDelayAfterFailure: 180,
  maxEmptyBulkDelete: 10,
  scaleDownNonEmptyCandidatesCount: 30,
  maxNodeProvisionTime: 900,
  maxTotalUnreadyPercentage: 45,
  okTotalUnreadyCount: 3,
  // utils/backoff ExponentialBackoff as built in main.go: 5 min, doubling to 30 min, reset after 3 h.
  initialNodeGroupBackoffDuration: 300,
  maxNodeGroupBackoffDuration: 1800,
  nodeGroupBackoffResetTimeout: 10800,
});

/**
 * How long a node we asked to delete still counts against its group (and is no candidate nor
 * destination) while it is still listed: --max-graceful-termination-sec 600 plus 300 s for the
 * cloud deletion (MaxCloudProviderNodeDeletionTime 5 min).
 */
export const DELETION_GRACE = 900;

// ---- Option and group validation ----------------------------------------------------------

type Check = (v: number) => boolean;
const positive: [Check, string] = [(v) => v > 0, 'a number > 0'];
const nonNegative: [Check, string] = [(v) => v >= 0, 'a number >= 0'];
const fraction: [Check, string] = [(v) => v >= 0 && v <= 1, 'a number in [0, 1]'];
const percent: [Check, string] = [(v) => v >= 0 && v <= 100, 'a number in [0, 100]'];
const positiveInt: [Check, string] = [(v) => Number.isInteger(v) && v >= 1, 'an integer >= 1'];
const nonNegativeInt: [Check, string] = [(v) => Number.isInteger(v) && v >= 0, 'an integer >= 0'];

const NUMERIC_OPTIONS: Readonly<Record<string, [Check, string]>> = {
  scanInterval: positive,
  scaleDownUtilizationThreshold: fraction,
  scaleDownGpuUtilizationThreshold: fraction,
  scaleDownUnneededTime: nonNegative,
  scaleDownDelayAfterAdd: nonNegative,
  scaleDownDelayAfterDelete: nonNegative,
  scaleDownDelayAfterFailure: nonNegative,
  maxEmptyBulkDelete: positiveInt,
  scaleDownNonEmptyCandidatesCount: positiveInt,
  maxNodeProvisionTime: positive,
  maxTotalUnreadyPercentage: percent,
  okTotalUnreadyCount: nonNegativeInt,
  initialNodeGroupBackoffDuration: positive,
  maxNodeGroupBackoffDuration: positive,
  nodeGroupBackoffResetTimeout: positive,
};

function show(v: unknown): string {
  return typeof v === 'string' ? JSON.stringify(v) : String(v);
}

/**
 * Reads a plain options object: numbers checked against `numeric`, the rest by `other`; unknown
 * keys (typos) and bad values throw a RangeError naming the option and the value.
 */
export function readOptions<T extends object>(
  who: string, input: unknown, defaults: T,
  numeric: Readonly<Record<string, [Check, string]>>,
  other: (key: string, value: unknown) => unknown,
): T {
  if (input === undefined || input === null) return defaults;
  if (typeof input !== 'object' || Array.isArray(input)) throw new RangeError(`${who}: options must be an object, got ${show(input)}`);
  const out: Record<string, unknown> = { ...(defaults as Record<string, unknown>) };
  for (const [key, value] of Object.entries(input as Record<string, unknown>)) {
    if (value === undefined) continue;
    if (!Object.prototype.hasOwnProperty.call(defaults, key)) {
      throw new RangeError(`${who}: unknown option ${key} (known: ${Object.keys(defaults).join(', ')})`);
    }
    const rule = numeric[key];
    if (rule) {
      if (typeof value !== 'number' || !Number.isFinite(value) || !rule[0](value)) {
        throw new RangeError(`${who}: option ${key} must be ${rule[1]}, got ${show(value)}`);
      }
      out[key] = value;
    } else {
      out[key] = other(key, value);
    }
  }
  return out as T;
}

/** The expander option as a chain; accepts a name, a comma-separated list (the flag) or an array. */
export function parseExpander(value: unknown): ExpanderName[] {
  const names = typeof value === 'string' ? value.split(',').map((s) => s.trim()) : value;
  if (!Array.isArray(names) || names.length === 0 || !names.every(isExpanderName)) {
    throw new RangeError(`${NAME}: option expander must be one of ${EXPANDER_NAMES.join(', ')} or a comma-separated chain of them, got ${show(value)}`);
  }
  return names;
}

export function resolveClusterAutoscalerOptions(input: unknown): ClusterAutoscalerOptions {
  const o = readOptions(NAME, input, CLUSTER_AUTOSCALER_DEFAULTS, NUMERIC_OPTIONS, (key, value) => {
    if (key === 'expander') return parseExpander(value);
    if (key === 'scaleDownEnabled') {
      if (typeof value !== 'boolean') throw new RangeError(`${NAME}: option scaleDownEnabled must be a boolean, got ${show(value)}`);
      return value;
    }
    throw new RangeError(`${NAME}: unknown option ${key}`);
  });
  if (o.maxNodeGroupBackoffDuration < o.initialNodeGroupBackoffDuration) {
    throw new RangeError(`${NAME}: option maxNodeGroupBackoffDuration (${o.maxNodeGroupBackoffDuration}) must be >= initialNodeGroupBackoffDuration (${o.initialNodeGroupBackoffDuration})`);
  }
  return Object.freeze(o);
}

/** Node groups must have unique names, 0 <= min <= max integers and a price >= 0. */
export function validateNodeGroups(who: string, groups: readonly NodeGroupSpec[]): void {
  const seen = new Set<string>();
  for (const g of groups) {
    if (seen.has(g.name)) throw new RangeError(`${who}: duplicate node group ${show(g.name)}`);
    seen.add(g.name);
    if (!Number.isInteger(g.min) || g.min < 0) throw new RangeError(`${who}: node group ${g.name}: min must be an integer >= 0, got ${show(g.min)}`);
    if (!Number.isInteger(g.max) || g.max < g.min) throw new RangeError(`${who}: node group ${g.name}: max must be an integer >= min (${g.min}), got ${show(g.max)}`);
    if (!Number.isFinite(g.pricePerHour) || g.pricePerHour < 0) throw new RangeError(`${who}: node group ${g.name}: pricePerHour must be a number >= 0, got ${show(g.pricePerHour)}`);
  }
}

// ---- Pure pieces ---------------------------------------------------------------------------

/** A GPU node is judged on GPU utilization alone (utilization/info.go). */
export function isGpuNode(node: NodeInfo): boolean {
  return node.allocatable.milliGPU > 0 || node.gpuCount > 0;
}

/**
 * Utilization as the scale-down planner computes it: max(cpu, memory) requested / allocatable,
 * or GPU requested / allocatable on GPU nodes.
 */
export function nodeUtilization(node: NodeInfo): number {
  const a = node.allocatable;
  const r = node.requested;
  if (isGpuNode(node)) return a.milliGPU > 0 ? r.milliGPU / a.milliGPU : 0;
  const cpu = a.milliCPU > 0 ? r.milliCPU / a.milliCPU : 0;
  const memory = a.memory > 0 ? r.memory / a.memory : 0;
  return Math.max(cpu, memory);
}

/** clusterstate.IsClusterHealthy: unhealthy when unready nodes exceed both the count and the share. */
export function isClusterHealthy(nodes: readonly ScalableNode[], okTotalUnreadyCount: number, maxTotalUnreadyPercentage: number): boolean {
  let unready = 0;
  for (const n of nodes) if (!n.ready) unready++;
  return healthyWith(unready, nodes.length, okTotalUnreadyCount, maxTotalUnreadyPercentage);
}

function healthyWith(unready: number, total: number, okTotalUnreadyCount: number, maxTotalUnreadyPercentage: number): boolean {
  return !(unready > okTotalUnreadyCount && unready > (maxTotalUnreadyPercentage / 100) * total);
}

/** utils/backoff.exponentialBackoff for node groups, in simulated seconds. */
export class NodeGroupBackoff {
  private readonly entries = new Map<string, { duration: number; until: number; lastFailure: number }>();
  constructor(private readonly initial: number, private readonly max: number, private readonly reset: number) {}

  /** Records a failed scale-up of `group` at `time`. */
  backoff(group: string, time: number): void {
    const e = this.entries.get(group);
    let duration = this.initial;
    if (e && time - e.lastFailure < this.reset) duration = Math.min(2 * e.duration, this.max);
    this.entries.set(group, { duration, until: time + duration, lastFailure: time });
  }

  isBackedOff(group: string, now: number): boolean {
    const e = this.entries.get(group);
    return e !== undefined && now < e.until;
  }

  /** When the group's backoff ends (NaN if it never failed). */
  backedOffUntil(group: string): number {
    return this.entries.get(group)?.until ?? NaN;
  }
}

export const REASON_BARE_POD = 'pod has no controller';
export const REASON_PDB = 'PodDisruptionBudget allows no more disruptions';

/**
 * Evictions planned in one scan, per controller: a PodDisruptionBudget is assumed to cover the
 * pods of one controller, so the n-th planned eviction of a controller's pods needs
 * disruptionsAllowed >= n.
 */
export class EvictionPlan {
  private readonly planned = new Map<string, number>();
  constructor(private readonly ctx: Pick<ClusterAutoscalerContext, 'controllerOf' | 'disruptionsAllowed'>) {}

  /** Why these pods cannot all be evicted on top of the plan, or undefined if they can. */
  check(pods: readonly PodInfo[]): string | undefined {
    const local = new Map<string, number>();
    for (const pod of pods) {
      const c = this.ctx.controllerOf(pod);
      if (c.kind === 'None') return `${pod.name}: ${REASON_BARE_POD}`;
      const key = `${c.kind}/${c.name}`;
      const n = (this.planned.get(key) ?? 0) + (local.get(key) ?? 0);
      if (this.ctx.disruptionsAllowed(pod) - n < 1) return `${pod.name}: ${REASON_PDB}`;
      local.set(key, (local.get(key) ?? 0) + 1);
    }
    return undefined;
  }

  commit(pods: readonly PodInfo[]): void {
    for (const pod of pods) {
      const c = this.ctx.controllerOf(pod);
      const key = `${c.kind}/${c.name}`;
      this.planned.set(key, (this.planned.get(key) ?? 0) + 1);
    }
  }
}

/** A node removed in a what-if, and where each of its pods went. */
export interface Drain {
  readonly node: string;
  readonly placements: readonly { readonly pod: PodInfo; readonly node: string }[];
}

export function nodesByName(nodes: readonly NodeInfo[]): Map<string, NodeInfo> {
  const m = new Map<string, NodeInfo>();
  for (const n of nodes) m.set(n.name, n);
  return m;
}

/**
 * Removes `node` from the what-if and places each of its pods on the first destination where it
 * fits; undefined when some pod fits nowhere (the what-if is then left half-done: callers run
 * each attempt in its own `simulate`).
 */
export function simulateDrain(sim: ClusterSimulation, node: string, isDestination: (n: NodeInfo) => boolean): Drain | undefined {
  const info = sim.nodes.find((n) => n.name === node);
  if (!info) return undefined;
  const pods = sim.removeNode(info);
  const destinations = sim.nodes.filter(isDestination);
  const placements: { pod: PodInfo; node: string }[] = [];
  for (const pod of pods) {
    const to = sim.findNode(pod, destinations);
    if (!to) return undefined;
    sim.place(pod, to);
    placements.push({ pod, node: to.name });
  }
  return { node, placements };
}

/** Re-applies drains found in earlier what-ifs (same cluster, so the same moves fit again). */
export function replayDrains(sim: ClusterSimulation, drains: readonly Drain[]): void {
  if (drains.length === 0) return;
  applyDrains(sim, drains, nodesByName(sim.nodes));
}

/** Removes each drained node and places its pods where the drain put them (nodes looked up by name). */
function applyDrains(sim: ClusterSimulation, drains: readonly Drain[], byName: ReadonlyMap<string, NodeInfo>): void {
  for (const d of drains) {
    const n = byName.get(d.node);
    if (!n) continue;
    sim.removeNode(n);
    for (const p of d.placements) {
      const to = byName.get(p.node);
      if (to) sim.place(p.pod, to);
    }
  }
}

/** Upstream's binpacking order: decreasing cpu/allocatable + memory/allocatable of the template. */
export function podScore(pod: PodInfo, group: NodeGroupSpec): number {
  const a = group.template.allocatable;
  const r = pod.spec.requests;
  return (a.milliCPU > 0 ? r.milliCPU / a.milliCPU : 0) + (a.memory > 0 ? r.memory / a.memory : 0);
}

/** Where a pending pod went in the filter-out-schedulable step: a real node, or the n-th upcoming node. */
type PendingPlacement = { readonly pod: PodInfo; readonly node: string } | { readonly pod: PodInfo; readonly upcoming: number };

/** The upcoming (provisioning) nodes as template nodes, in group order. */
function addUpcoming(sim: ClusterSimulation, groups: readonly NodeGroupStatus[]): NodeInfo[] {
  const out: NodeInfo[] = [];
  for (const g of groups) for (let i = 0; i < g.provisioning; i++) out.push(sim.addNode(g.spec.name));
  return out;
}

/**
 * Adds upcoming nodes, then places every pending pod that fits an existing or upcoming node
 * (upstream filterOutSchedulable, pods by decreasing priority). Returns the pods left and where
 * the others went, so a later what-if can rebuild the same state.
 */
export function filterOutSchedulable(sim: ClusterSimulation, groups: readonly NodeGroupStatus[], pending: readonly PodInfo[]): { remaining: PodInfo[]; placements: PendingPlacement[] } {
  const upcoming = addUpcoming(sim, groups);
  const upcomingIndex = new Map<NodeInfo, number>();
  upcoming.forEach((n, i) => upcomingIndex.set(n, i));
  const sorted = [...pending].sort((a, b) => b.spec.priority - a.spec.priority);
  const remaining: PodInfo[] = [];
  const placements: PendingPlacement[] = [];
  for (const pod of sorted) {
    const to = sim.findNode(pod);
    if (!to) {
      remaining.push(pod);
      continue;
    }
    sim.place(pod, to);
    const u = upcomingIndex.get(to);
    placements.push(u === undefined ? { pod, node: to.name } : { pod, upcoming: u });
  }
  return { remaining, placements };
}

function replayFilterOut(sim: ClusterSimulation, groups: readonly NodeGroupStatus[], placements: readonly PendingPlacement[]): void {
  const upcoming = addUpcoming(sim, groups);
  const byName = placements.length > 0 ? nodesByName(sim.nodes) : undefined;
  for (const p of placements) {
    const to = 'upcoming' in p ? upcoming[p.upcoming] : byName!.get(p.node);
    if (to) sim.place(p.pod, to);
  }
}

/**
 * The binpacking estimator for one group: first-fit of the pods (sorted by decreasing podScore)
 * onto fresh template nodes, at most `maxNodes` of them. A pod that does not fit an empty
 * template node is not helped by this group. Returns the nodes used and the pods they take.
 */
export function estimate(sim: ClusterSimulation, group: NodeGroupSpec, pods: readonly PodInfo[], maxNodes: number): { nodeCount: number; pods: PodInfo[] } {
  const sorted = pods.map((pod, i) => ({ pod, i, score: podScore(pod, group) }));
  sorted.sort((a, b) => b.score - a.score || a.i - b.i);
  const added: NodeInfo[] = [];
  let empty: NodeInfo | undefined;
  const helped: PodInfo[] = [];
  for (const { pod } of sorted) {
    let to = added.length > 0 ? sim.findNode(pod, added) : undefined;
    if (!to) {
      if (!empty) {
        if (added.length >= maxNodes) continue;
        empty = sim.addNode(group.name);
        added.push(empty);
      }
      if (!sim.fits(pod, empty)) continue;
      to = empty;
    }
    if (to === empty) empty = undefined;
    sim.place(pod, to);
    helped.push(pod);
  }
  return { nodeCount: added.length - (empty ? 1 : 0), pods: helped };
}

export function scaleUpReason(option: ScaleUpOption, pending: number, expander: readonly ExpanderName[]): string {
  return `${option.pods.length} of ${pending} unschedulable pod(s) fit on ${option.nodeCount} new node(s) of ${option.group.name} (expander ${expander.join(',')})`;
}

export function scaleDownReason(utilization: number, threshold: number, unneededFor: number): string {
  return `utilization ${utilization.toFixed(2)} < ${threshold} for ${Math.round(unneededFor)}s`;
}

// ---- Scale-down what-ifs, remembered while the cluster stays the same -----------------------

/**
 * The nodes of one node list (ctx.nodes, by identity: the simulator rebuilds it only when nodes
 * come or go, and its ScalableNode objects and live NodeInfo views are stable until then), read
 * once: scans then index plain arrays instead of reading every ScalableNode's fields again.
 */
class NodeTable {
  readonly nodes: readonly NodeInfo[];
  /** The nodes' groups, each named once, and each node's index in it (-1: no group). */
  readonly groupNames: readonly string[];
  readonly groupIndex: Int32Array;
  /** Scratch for one flag per group name. */
  readonly groupFlags: Uint8Array;
  constructor(readonly list: readonly ScalableNode[]) {
    this.nodes = list.map((sn) => sn.node);
    const names: string[] = [];
    const index = new Map<string, number>();
    this.groupIndex = new Int32Array(list.length);
    list.forEach((sn, i) => {
      const g = sn.group;
      let gi = -1;
      if (g !== undefined) {
        gi = index.get(g) ?? -1;
        if (gi < 0) {
          gi = names.push(g) - 1;
          index.set(g, gi);
        }
      }
      this.groupIndex[i] = gi;
    });
    this.groupNames = names;
    this.groupFlags = new Uint8Array(names.length);
  }

  groupOf(i: number): string | undefined {
    const gi = this.groupIndex[i]!;
    return gi < 0 ? undefined : this.groupNames[gi];
  }
}

/**
 * Everything about the nodes that a scan's drain what-ifs read, as of the last `matches`: the
 * node list itself and per node the pods it runs (as a set of objects: requested totals follow
 * from them), whether it may take pods, its cordon, its GPU devices' free shares, taints,
 * labels, allocatable and pod capacity. A pass compares pointers only and allocates nothing
 * while the cluster is unchanged (pods that changed order are compared as sets).
 */
class ClusterFingerprint {
  private table: NodeTable | undefined;
  private pods: PodInfo[][] = [];
  /** Each node's generation when its pods were recorded (NaN: none, or the node has no generation). */
  private generations = new Float64Array(0);
  private flags = new Uint8Array(0);
  private refs: unknown[] = [];
  private gpuOffset = new Int32Array(1);
  private gpuFree = new Float64Array(0);

  /**
   * Whether the nodes are as at the last call (false on the first call and whenever the node
   * list changed); records them either way. `destination[i]`: whether node i may take pods.
   */
  matches(table: NodeTable, destination: Uint8Array): boolean {
    let same = table === this.table;
    if (!same) this.reset(table);
    const { flags, refs, gpuOffset, gpuFree } = this;
    const nodes = table.nodes;
    for (let i = 0; i < nodes.length; i++) {
      const n = nodes[i]!;
      // An unchanged generation means the same pods in the same order (NodeInfo.generation).
      const generation = n.generation ?? NaN;
      if (generation !== this.generations[i]) {
        const was = this.pods[i]!;
        if (!samePods(was, n.pods)) {
          if (same && !sameSet(was, n.pods)) same = false;
          copyInto(was, n.pods);
        }
        this.generations[i] = generation;
      }
      const f = destination[i]! | (n.unschedulable ? 2 : 0);
      if (flags[i] !== f) {
        same = false;
        flags[i] = f;
      }
      const t = 4 * i;
      if (refs[t] !== n.taints || refs[t + 1] !== n.labels || refs[t + 2] !== n.allocatable || refs[t + 3] !== n.allowedPodNumber) {
        same = false;
        refs[t] = n.taints;
        refs[t + 1] = n.labels;
        refs[t + 2] = n.allocatable;
        refs[t + 3] = n.allowedPodNumber;
      }
      const g0 = gpuOffset[i]!;
      const devices = gpuOffset[i + 1]! - g0;
      for (let d = 0; d < devices; d++) {
        const free = n.gpuFree(d);
        if (gpuFree[g0 + d] !== free) {
          same = false;
          gpuFree[g0 + d] = free;
        }
      }
    }
    return same;
  }

  private reset(table: NodeTable): void {
    const nodes = table.nodes;
    const n = nodes.length;
    this.table = table;
    this.pods = Array.from({ length: n }, () => []);
    this.generations = new Float64Array(n).fill(NaN);
    this.flags = new Uint8Array(n).fill(255);
    this.refs = new Array<unknown>(4 * n);
    this.gpuOffset = new Int32Array(n + 1);
    for (let i = 0; i < n; i++) this.gpuOffset[i + 1] = this.gpuOffset[i]! + Math.max(0, nodes[i]!.gpuCount | 0);
    this.gpuFree = new Float64Array(this.gpuOffset[n]!).fill(NaN);
  }
}

function samePods(a: readonly PodInfo[], b: readonly PodInfo[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Same pods in any order (pods on a node are distinct objects). */
function sameSet(a: readonly PodInfo[], b: readonly PodInfo[]): boolean {
  if (a.length !== b.length) return false;
  if (a.length > 32) {
    const s = new Set(a);
    for (const p of b) if (!s.has(p)) return false;
    return true;
  }
  for (const p of b) if (!a.includes(p)) return false;
  return true;
}

function copyInto(to: PodInfo[], from: readonly PodInfo[]): void {
  to.length = from.length;
  for (let i = 0; i < from.length; i++) to[i] = from[i]!;
}

/**
 * One drain what-if as it ran: the node's pods in the order it had them and in the order the
 * what-if removed them, where each went (up to the first that fit nowhere) and, when all fit,
 * the what-ifs that followed in the same scan.
 */
interface DrainRun {
  readonly real: readonly PodInfo[];
  readonly removed: readonly PodInfo[];
  readonly drain: Drain;
  readonly ok: boolean;
  next: DrainTrie | undefined;
}

/** Drain runs after a sequence of drains, by node name (a few variants each: pod orders). */
type DrainTrie = Map<string, DrainRun[]>;

/** Variants kept per node and prefix, and drain runs kept in all (then the cache starts over). */
const RUN_VARIANTS = 4;
const MAX_CACHED_RUNS = 4096;
/** What-ifs seen to leave the pods' order alone before cached drains skip their what-if. */
const ORDER_KEPT_EVIDENCE = 3;

/** A node under the utilization threshold, and since when it is unneeded (Infinity: not yet). */
interface Candidate {
  readonly sn: ScalableNode;
  /** Its pods at the start of the scan, in their order. */
  readonly pods: readonly PodInfo[];
  readonly utilization: number;
  readonly since: number;
}

/** What the planner asks of the policy about each candidate, in order. */
interface PlanSteps {
  /** Skip the candidate, take it as an empty node, or try to drain it (a what-if). */
  consider(c: Candidate): 'skip' | 'empty' | 'drain';
  /** The candidate is unneeded: empty, or its pods fit elsewhere. */
  taken(c: Candidate): void;
}

/**
 * The scale-down planner's what-ifs for one scan, cumulative as upstream: each drain runs after
 * the earlier unneeded nodes are gone and their pods moved.
 *
 * With `cache` on, drain what-ifs are remembered while the cluster is the same
 * (ClusterFingerprint): the drain of the same node after the same earlier drains, with its pods
 * in the same order, places them where it did before without asking the scheduler.
 *
 * A what-if is meant to leave no trace, but the simulator's rollback re-binds a removed node's
 * pods in reverse order, and that order matters later (eviction order, the next drains). So
 * while what-ifs are seen to change pod order, every drain still runs in its own what-if after
 * the same removals and binds as an uncached scan (only the scheduler calls are saved), and the
 * cluster ends exactly as after an uncached scan. Once a few what-ifs were seen to keep the
 * order (and none ever changed it), a remembered drain needs no what-if at all, and drains that
 * do run go on in one what-if until one fails (what-ifs are then O(drains), not O(drains^2)).
 *
 * With `cache` off it is the plain replay-then-drain of earlier versions.
 */
class DrainPlanner {
  private readonly fingerprint = new ClusterFingerprint();
  private root: DrainTrie = new Map();
  private runs = 0;
  /** Evidence on what-ifs and pod order: > 0 what-ifs that kept it, -1 once one changed it. */
  private orderKept = 0;
  // The what-if's real nodes for the current node list (assumed not to change while it does).
  private table: NodeTable | undefined;
  private whatIfNodes: readonly NodeInfo[] | undefined;
  private byName = new Map<string, NodeInfo>();
  /** For each what-if node, its position in ctx.nodes (-1 if not listed there). */
  private listPosition = new Int32Array(0);
  // Per scan.
  private ctx!: ClusterAutoscalerContext;
  private destination: Uint8Array = new Uint8Array(0);
  private destinations: NodeInfo[] | undefined;
  /** The drains so far in this scan (empty nodes included). */
  private readonly drains: Drain[] = [];
  /** Where the drains so far lead in the cache; undefined while not looked up. */
  private cursor: DrainTrie | undefined;
  private checked = false;
  /** Nodes that received pods in the drains so far. */
  private readonly receivers = new Set<string>();

  constructor(private readonly cache: boolean) {}

  /**
   * Plans one scan: goes through the candidates in order, asking `steps` about each, and
   * returns the drains (valid until the next scan). `destination[i]` says whether node i of
   * `table` (ctx.nodes) may take pods.
   */
  run(ctx: ClusterAutoscalerContext, table: NodeTable, destination: Uint8Array, candidates: readonly Candidate[], steps: PlanSteps): readonly Drain[] {
    this.ctx = ctx;
    this.destination = destination;
    this.destinations = undefined;
    this.drains.length = 0;
    this.receivers.clear();
    this.cursor = undefined;
    this.checked = false;
    if (table !== this.table) {
      this.table = table;
      this.whatIfNodes = undefined;
    }
    if (!this.cache) {
      for (const c of candidates) {
        const verdict = steps.consider(c);
        if (verdict === 'skip') continue;
        const name = c.sn.node.name;
        if (verdict === 'empty') this.drains.push({ node: name, placements: [] });
        else if (!this.plainDrain(name)) continue;
        steps.taken(c);
      }
      return this.drains;
    }
    let i = 0;
    let held = false;
    while (i < candidates.length) {
      [i, held] = this.advance(candidates, i, held, steps, undefined);
      if (i >= candidates.length) break;
      // candidates[i] needs a what-if with the drains so far.
      const watched = this.orderKept >= 0 ? this.watch(candidates[i]!.sn.node.name) : undefined;
      const from = i;
      [i, held] = this.ctx.simulate((sim) => {
        this.learnNodes(sim);
        this.replay(sim);
        return this.advance(candidates, from, true, steps, sim);
      });
      if (watched) this.observeOrder(watched);
    }
    return this.drains;
  }

  /** Whether what-ifs were seen to keep pod order (so skipping one changes nothing). */
  private get traceless(): boolean {
    return this.orderKept >= ORDER_KEPT_EVIDENCE;
  }

  /**
   * Goes through the candidates from `i` (candidates[i] already considered when `held`).
   * Without `sim` it stops at the first drain that needs a what-if; with `sim` (a what-if with
   * the drains so far) it drains candidates[i] there, and goes on in it while what-ifs are
   * traceless and the drains succeed. Returns where to go on from, and whether that candidate
   * was considered already.
   */
  private advance(candidates: readonly Candidate[], i: number, held: boolean, steps: PlanSteps, sim: ClusterSimulation | undefined): [number, boolean] {
    for (; i < candidates.length; i++, held = false) {
      const c = candidates[i]!;
      const verdict = held ? 'drain' : steps.consider(c);
      if (verdict === 'skip') continue;
      const name = c.sn.node.name;
      if (verdict === 'empty') {
        if (sim) {
          const n = this.byName.get(name);
          if (n) sim.removeNode(n);
        }
        this.addEmpty(name);
        steps.taken(c);
        continue;
      }
      if (!this.checked) this.lookUp();
      const runs = this.cursor?.get(name);
      // A remembered drain, when what-ifs leave no trace: no what-if needed (nor, if it failed,
      // wanted in the middle of a running one). The node's pods in the what-if are its own pods
      // after those of the drains so far it received, so with none received its own order tells.
      const known = this.traceless && !this.receivers.has(name) ? runs?.find((r) => samePods(r.real, c.pods)) : undefined;
      if (known && (!known.ok || !sim)) {
        if (!known.ok) continue;
        if (!sim) {
          this.accept(known);
          steps.taken(c);
          continue;
        }
      }
      if (!sim) return [i, true];
      const info = this.byName.get(name);
      if (!info) {
        if (this.traceless) continue;
        return [i + 1, false];
      }
      const pods = sim.removeNode(info);
      let run = runs?.find((r) => samePods(r.removed, pods));
      if (run) {
        for (const p of run.drain.placements) sim.place(p.pod, this.byName.get(p.node)!);
      } else {
        const destinations = this.destinationList();
        const placements: { pod: PodInfo; node: string }[] = [];
        let ok = true;
        for (const pod of pods) {
          const to = sim.findNode(pod, destinations);
          if (!to) {
            ok = false;
            break;
          }
          sim.place(pod, to);
          placements.push({ pod, node: to.name });
        }
        run = this.remember(name, c.pods, [...pods], { node: name, placements }, ok);
      }
      if (run.ok) {
        this.accept(run);
        steps.taken(c);
      }
      // A failed drain leaves the what-if half-done; and each drain has its own what-if while
      // what-ifs may leave a trace.
      if (!run.ok || !this.traceless) return [i + 1, false];
    }
    return [i, false];
  }

  /** Removes the drained nodes and places their pods as they were placed. */
  private replay(sim: ClusterSimulation): void {
    applyDrains(sim, this.drains, this.byName);
  }

  /** A node with no pods is unneeded: later what-ifs remove it too. */
  private addEmpty(name: string): void {
    const drain: Drain = { node: name, placements: [] };
    this.drains.push(drain);
    if (this.cursor) this.cursor = this.follow(this.cursor, name, EMPTY, EMPTY, drain, true).next ??= new Map();
  }

  private accept(run: DrainRun): void {
    this.drains.push(run.drain);
    for (const p of run.drain.placements) this.receivers.add(p.node);
    if (this.cursor) this.cursor = run.next ??= new Map();
  }

  /** Checks the cluster against the cache (once per scan, at its first drain what-if). */
  private lookUp(): void {
    this.checked = true;
    if (!this.fingerprint.matches(this.table!, this.destination) || this.runs > MAX_CACHED_RUNS) {
      this.root = new Map();
      this.runs = 0;
    }
    // Only empty nodes can have been drained before the first what-if.
    let cursor = this.root;
    for (const d of this.drains) cursor = this.follow(cursor, d.node, EMPTY, EMPTY, d, true).next ??= new Map();
    this.cursor = cursor;
  }

  /** The run of `name` at `trie` with these pods, made if new. */
  private follow(trie: DrainTrie, name: string, real: readonly PodInfo[], removed: readonly PodInfo[], drain: Drain, ok: boolean): DrainRun {
    const known = trie.get(name)?.find((r) => samePods(r.removed, removed) && samePods(r.real, real));
    return known ?? this.remember(name, real, removed, drain, ok, trie);
  }

  private remember(name: string, real: readonly PodInfo[], removed: readonly PodInfo[], drain: Drain, ok: boolean, trie = this.cursor): DrainRun {
    const run: DrainRun = { real, removed, drain, ok, next: undefined };
    if (!trie) return run;
    let runs = trie.get(name);
    if (!runs) trie.set(name, (runs = []));
    // Another order of the same pods that went to the same places leaves the same cluster
    // behind, so the what-ifs after it carry over (unless GPU pods, whose devices depend on
    // the order of binds, went differently).
    if (ok) {
      const twin = runs.find((r) => r.ok && samePlacements(r.drain, drain));
      if (twin) run.next = twin.next ??= new Map();
    }
    if (runs.length >= RUN_VARIANTS) runs.shift();
    runs.push(run);
    this.runs++;
    return run;
  }

  /**
   * The nodes the next what-if changes (the drained ones, the one to drain and those that get
   * pods) with their pods in their current order, to see what the rollback does to the order.
   * It tells whether the order is kept only if some node it removes has two pods or more and
   * gets none before (a node that got pods and then went may come back in order either way).
   */
  private watch(name: string): { nodes: NodeInfo[]; pods: PodInfo[][] } | undefined {
    if (!this.whatIfNodes) return undefined;
    const nodes: NodeInfo[] = [];
    const seen = new Set<string>();
    const got = new Set<string>();
    let informative = false;
    const consider = (node: string, removed: boolean): void => {
      if (seen.has(node)) return;
      seen.add(node);
      const n = this.byName.get(node);
      if (!n || n.pods.length < 2) return;
      nodes.push(n);
      if (removed && !got.has(node)) informative = true;
    };
    for (const d of this.drains) {
      consider(d.node, true);
      for (const p of d.placements) got.add(p.node);
    }
    consider(name, true);
    for (const r of this.receivers) consider(r, false);
    return informative ? { nodes, pods: nodes.map((n) => [...n.pods]) } : undefined;
  }

  private observeOrder(watched: { nodes: readonly NodeInfo[]; pods: readonly (readonly PodInfo[])[] }): void {
    for (let i = 0; i < watched.nodes.length; i++) {
      if (!samePods(watched.pods[i]!, watched.nodes[i]!.pods)) {
        this.orderKept = -1;
        return;
      }
    }
    this.orderKept++;
  }

  private plainDrain(name: string): Drain | undefined {
    const names = new Set<string>();
    this.table!.nodes.forEach((n, i) => {
      if (this.destination[i] === 1) names.add(n.name);
    });
    for (const d of this.drains) names.delete(d.node);
    const drain = this.ctx.simulate((sim) => {
      replayDrains(sim, this.drains);
      return simulateDrain(sim, name, (n) => names.has(n.name));
    });
    if (drain) this.drains.push(drain);
    return drain;
  }

  /** The what-if's real nodes, read at the start of the first what-if for this node list. */
  private learnNodes(sim: ClusterSimulation): void {
    if (this.whatIfNodes) return;
    const nodes = [...sim.nodes];
    const listed = new Map<string, number>();
    this.table!.nodes.forEach((n, i) => listed.set(n.name, i));
    this.byName = new Map();
    this.listPosition = new Int32Array(nodes.length);
    nodes.forEach((n, i) => {
      this.byName.set(n.name, n);
      this.listPosition[i] = listed.get(n.name) ?? -1;
    });
    this.whatIfNodes = nodes;
  }

  /**
   * The destinations of this scan in what-if order. The nodes already drained and the node being
   * drained are in it but gone from the what-if, where nothing fits them.
   */
  private destinationList(): NodeInfo[] {
    if (this.destinations) return this.destinations;
    const out: NodeInfo[] = [];
    const nodes = this.whatIfNodes!;
    const pos = this.listPosition;
    for (let i = 0; i < nodes.length; i++) {
      const p = pos[i]!;
      if (p >= 0 && this.destination[p] === 1) out.push(nodes[i]!);
    }
    return (this.destinations = out);
  }
}

const EMPTY: readonly PodInfo[] = [];

/** Same pods to the same nodes; for GPU pods also in the same order. */
function samePlacements(a: Drain, b: Drain): boolean {
  const pa = a.placements;
  const pb = b.placements;
  if (pa.length !== pb.length) return false;
  let inOrder = true;
  for (let i = 0; i < pa.length; i++) if (pa[i]!.pod !== pb[i]!.pod || pa[i]!.node !== pb[i]!.node) inOrder = false;
  if (inOrder) return true;
  for (const p of pa) {
    if (p.pod.spec.requests.milliGPU > 0) return false;
    if (!pb.some((q) => q.pod === p.pod && q.node === p.node)) return false;
  }
  return true;
}

// ---- The policy ----------------------------------------------------------------------------

export interface UnneededNode {
  readonly node: string;
  readonly group: string;
  readonly utilization: number;
  readonly empty: boolean;
  /** When it was first found unneeded in the current streak. */
  readonly since: number;
}

export interface ClusterAutoscalerPolicy extends ClusterAutoscaler {
  readonly options: ClusterAutoscalerOptions;
  /** Nodes found unneeded at the last scan, in removal order (for tests and reports). */
  unneeded(): readonly UnneededNode[];
  /** Whether the group is in scale-up backoff at `now`. */
  isBackedOff(group: string, now: number): boolean;
}

/** A group's size as the policy counts it: the cloud's target minus our deletions in flight. */
type Sizes = Map<string, { readonly targetSize: number; readonly size: number }>;

/** Implementation switches that do not change decisions (for tests and measurements). */
export interface ClusterAutoscalerTuning {
  /** Remember scale-down what-ifs while the cluster stays the same (default true). */
  readonly drainCache?: boolean;
  /** Called after each scale-down plan with its drains (unneeded nodes and where their pods would go). */
  readonly observePlan?: (drains: readonly Drain[]) => void;
}

/**
 * A cluster-autoscaler over `groups`. Options are validated as a whole (RangeError naming the
 * option); omitted ones take the upstream defaults (CLUSTER_AUTOSCALER_DEFAULTS).
 */
export function clusterAutoscaler(groups: readonly NodeGroupSpec[], options: Partial<ClusterAutoscalerOptions> = {}, tuning: ClusterAutoscalerTuning = {}): ClusterAutoscalerPolicy {
  validateNodeGroups(NAME, groups);
  const opts = resolveClusterAutoscalerOptions(options);
  const expander = typeof opts.expander === 'string' ? [opts.expander] : [...opts.expander];
  const specs = new Map(groups.map((g) => [g.name, g]));
  const backoff = new NodeGroupBackoff(opts.initialNodeGroupBackoffDuration, opts.maxNodeGroupBackoffDuration, opts.nodeGroupBackoffResetTimeout);
  const delayAfterDelete = opts.scaleDownDelayAfterDelete > 0 ? opts.scaleDownDelayAfterDelete : opts.scanInterval;

  // State kept between scans (upstream StaticAutoscaler fields and the planner's unneeded list).
  let lastScaleUp = -Infinity;
  let lastDeletion = -Infinity;
  let lastFailure = -Infinity;
  const seenFailure = new Map<string, number>();
  const unneededSince = new Map<string, number>();
  let lastUnneeded: UnneededNode[] = [];
  /** Nodes we asked to delete -> when. */
  const deleting = new Map<string, number>();
  const planner = new DrainPlanner(tuning.drainCache ?? true);
  let table: NodeTable | undefined;
  /** Per scan, whether ctx.nodes[i] may take a drained node's pods (reused between scans). */
  let destination = new Uint8Array(0);

  function thresholdOf(node: NodeInfo): number {
    return isGpuNode(node) ? opts.scaleDownGpuUtilizationThreshold : opts.scaleDownUtilizationThreshold;
  }

  /** Group sizes as this policy must count them: targetSize minus our deletions still in flight. */
  function effectiveSizes(ctx: ClusterAutoscalerContext, t: NodeTable): Sizes {
    let inFlight: Map<string, number> | undefined;
    if (deleting.size > 0) {
      inFlight = new Map();
      t.nodes.forEach((n, i) => {
        const group = t.groupOf(i);
        if (group !== undefined && deleting.has(n.name)) inFlight!.set(group, (inFlight!.get(group) ?? 0) + 1);
      });
    }
    const out: Sizes = new Map();
    for (const g of ctx.groups) {
      const name = g.spec.name;
      if (!specs.has(name)) continue;
      // Only registered nodes count toward min: a node still provisioning may never arrive.
      out.set(name, { targetSize: g.targetSize, size: g.targetSize - g.provisioning - (inFlight?.get(name) ?? 0) });
    }
    return out;
  }

  /** The current node list, read once (see NodeTable). */
  function tableOf(ctx: ClusterAutoscalerContext): NodeTable {
    if (table?.list !== ctx.nodes) table = new NodeTable(ctx.nodes);
    return table;
  }

  /**
   * One pass over the nodes: how many are unready, which may take a drained node's pods (ready,
   * not cordoned, not being deleted by us: `destination`) and which of those are scale-down
   * candidates (in a group of ours, under the utilization threshold), in ctx.nodes order.
   */
  function survey(ctx: ClusterAutoscalerContext, t: NodeTable, sizes: Sizes): { unready: number; candidates: Candidate[] } {
    const list = ctx.nodes;
    const nodes = t.nodes;
    const groupIndex = t.groupIndex;
    const ours = t.groupFlags;
    t.groupNames.forEach((g, gi) => (ours[gi] = sizes.has(g) ? 1 : 0));
    const down = opts.scaleDownEnabled;
    if (down && destination.length < nodes.length) destination = new Uint8Array(Math.max(nodes.length, 2 * destination.length));
    const candidates: Candidate[] = [];
    const checkDeleting = deleting.size > 0;
    let unready = 0;
    for (let i = 0; i < nodes.length; i++) {
      const ready = list[i]!.ready;
      if (!ready) unready++;
      if (!down) continue;
      const node = nodes[i]!;
      if (!ready || node.unschedulable || (checkDeleting && deleting.has(node.name))) {
        destination[i] = 0;
        continue;
      }
      destination[i] = 1;
      const gi = groupIndex[i]!;
      if (gi < 0 || ours[gi] === 0) continue;
      const utilization = nodeUtilization(node);
      if (utilization < thresholdOf(node)) candidates.push({ sn: list[i]!, pods: node.pods.slice(), utilization, since: unneededSince.get(node.name) ?? Infinity });
    }
    return { unready, candidates };
  }

  function scaleUp(ctx: ClusterAutoscalerContext, sizes: Sizes, random: RandomSource): ScaleUp | undefined {
    if (ctx.unschedulablePods.length === 0) return undefined;
    const eligible: { spec: NodeGroupSpec; room: number }[] = [];
    for (const [name, g] of sizes) {
      const spec = specs.get(name)!;
      const room = spec.max - g.targetSize;
      if (room > 0 && !backoff.isBackedOff(name, ctx.now)) eligible.push({ spec, room });
    }
    if (eligible.length === 0) return undefined;
    const { remaining, placements } = ctx.simulate((sim) => filterOutSchedulable(sim, ctx.groups, ctx.unschedulablePods));
    if (remaining.length === 0) return undefined;
    const options: ScaleUpOption[] = [];
    for (const { spec, room } of eligible) {
      // Each group in its own what-if, so no group sees another's template nodes.
      const est = ctx.simulate((sim) => {
        replayFilterOut(sim, ctx.groups, placements);
        return estimate(sim, spec, remaining, room);
      });
      if (est.nodeCount > 0 && est.pods.length > 0) options.push({ group: spec, nodeCount: Math.min(est.nodeCount, room), pods: est.pods });
    }
    const best = chooseOption(expander, options, random);
    if (!best) return undefined;
    return { group: best.group.name, count: best.nodeCount, reason: scaleUpReason(best, remaining.length, expander) };
  }

  /** The scale-down planner: which nodes are unneeded now, in removal order. */
  function updateUnneeded(ctx: ClusterAutoscalerContext, t: NodeTable, sizes: Sizes, candidates: Candidate[]): UnneededNode[] {
    if (candidates.length === 0) {
      unneededSince.clear();
      return [];
    }
    // Nodes already unneeded first (oldest first) so the plan is stable, then the emptiest.
    candidates.sort((a, b) => {
      if (a.since !== b.since) return a.since - b.since;
      if (a.utilization !== b.utilization) return a.utilization - b.utilization;
      return a.sn.node.name < b.sn.node.name ? -1 : a.sn.node.name > b.sn.node.name ? 1 : 0;
    });
    const removable = new Map<string, number>();
    for (const [name, g] of sizes) removable.set(name, g.size - specs.get(name)!.min);
    const plan = new EvictionPlan(ctx);
    const out: UnneededNode[] = [];
    let simulated = 0;
    const drains = planner.run(ctx, t, destination, candidates, {
      consider(c) {
        if ((removable.get(c.sn.group!) ?? 0) <= 0) return 'skip';
        if (c.pods.length === 0) return 'empty';
        if (simulated >= opts.scaleDownNonEmptyCandidatesCount || plan.check(c.pods) !== undefined) return 'skip';
        simulated++;
        return 'drain';
      },
      taken(c) {
        const group = c.sn.group!;
        const name = c.sn.node.name;
        if (c.pods.length > 0) plan.commit(c.pods);
        removable.set(group, removable.get(group)! - 1);
        out.push({ node: name, group, utilization: c.utilization, empty: c.pods.length === 0, since: unneededSince.get(name) ?? ctx.now });
      },
    });
    tuning.observePlan?.(drains);
    unneededSince.clear();
    for (const u of out) unneededSince.set(u.node, u.since);
    return out;
  }

  function scaleDown(ctx: ClusterAutoscalerContext, t: NodeTable, sizes: Sizes, candidates: Candidate[], scaledUp: boolean): NodeDeletion[] {
    if (!opts.scaleDownEnabled) return [];
    const unneeded = updateUnneeded(ctx, t, sizes, candidates);
    lastUnneeded = unneeded;
    const now = ctx.now;
    if (scaledUp) return [];
    if (now < lastScaleUp + opts.scaleDownDelayAfterAdd || now < lastDeletion + delayAfterDelete || now < lastFailure + opts.scaleDownDelayAfterFailure) return [];
    const due = unneeded.filter((u) => now - u.since >= opts.scaleDownUnneededTime);
    if (due.length === 0) return [];
    const left = new Map<string, number>();
    for (const [name, g] of sizes) left.set(name, g.size - specs.get(name)!.min);
    const take = (u: UnneededNode): NodeDeletion | undefined => {
      const l = left.get(u.group) ?? 0;
      if (l <= 0) return undefined;
      left.set(u.group, l - 1);
      const sn = ctx.nodes.find((n) => n.node.name === u.node);
      const threshold = sn ? thresholdOf(sn.node) : opts.scaleDownUtilizationThreshold;
      return { node: u.node, reason: scaleDownReason(u.utilization, threshold, now - u.since) + (u.empty ? ' (empty)' : '') };
    };
    const deletions: NodeDeletion[] = [];
    for (const u of due) {
      if (!u.empty) continue;
      if (deletions.length >= opts.maxEmptyBulkDelete) break;
      const d = take(u);
      if (d) deletions.push(d);
    }
    if (deletions.length === 0) {
      // One non-empty node per scan (upstream --max-drain-parallelism 1).
      for (const u of due) {
        if (u.empty) continue;
        const d = take(u);
        if (d) {
          deletions.push(d);
          break;
        }
      }
    }
    return deletions;
  }

  return {
    name: NAME,
    scanInterval: opts.scanInterval,
    options: opts,
    unneeded: () => lastUnneeded,
    isBackedOff: (group, now) => backoff.isBackedOff(group, now),
    reconcile(ctx: ClusterAutoscalerContext, random: RandomSource): ClusterScaleDecision {
      const now = ctx.now;
      // Failed scale-ups: back the group off and delay scale-down.
      for (const g of ctx.groups) {
        const f = g.lastScaleUpFailure;
        if (!specs.has(g.spec.name) || !Number.isFinite(f) || seenFailure.get(g.spec.name) === f) continue;
        seenFailure.set(g.spec.name, f);
        backoff.backoff(g.spec.name, f);
        lastFailure = Math.max(lastFailure, f);
      }
      // Forget deletions that are done (node gone) or timed out.
      const t = tableOf(ctx);
      if (deleting.size > 0) {
        const listed = new Set<string>();
        for (const n of t.nodes) if (deleting.has(n.name)) listed.add(n.name);
        for (const [name, at] of deleting) if (!listed.has(name) || now - at >= DELETION_GRACE) deleting.delete(name);
      }

      // Sizes and the node survey first (the what-ifs below leave what they read unchanged).
      const sizes = effectiveSizes(ctx, t);
      const { unready, candidates } = survey(ctx, t, sizes);
      if (!healthyWith(unready, ctx.nodes.length, opts.okTotalUnreadyCount, opts.maxTotalUnreadyPercentage)) {
        // Upstream CleanUpUnneededNodes: unneeded time starts over once the cluster is healthy.
        unneededSince.clear();
        lastUnneeded = [];
        return NO_CLUSTER_SCALING;
      }

      const up = scaleUp(ctx, sizes, random);
      if (up) lastScaleUp = now;
      const deletions = scaleDown(ctx, t, sizes, candidates, up !== undefined);
      if (deletions.length > 0) {
        lastDeletion = now;
        for (const d of deletions) {
          deleting.set(d.node, now);
          unneededSince.delete(d.node);
        }
      }
      if (!up && deletions.length === 0) return NO_CLUSTER_SCALING;
      return { scaleUps: up ? [up] : [], deletions };
    },
  };
}

/** For registries: options arrive untyped (e.g. from a scenario file) and are validated here. */
export const clusterAutoscalerFactory: ClusterAutoscalerFactory = (groups, options) => clusterAutoscaler(groups, (options ?? {}) as Partial<ClusterAutoscalerOptions>);

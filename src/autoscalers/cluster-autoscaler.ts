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
  return !(unready > okTotalUnreadyCount && unready > (maxTotalUnreadyPercentage / 100) * nodes.length);
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
  const info = nodesByName(sim.nodes).get(node);
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
  const byName = nodesByName(sim.nodes);
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

/**
 * A cluster-autoscaler over `groups`. Options are validated as a whole (RangeError naming the
 * option); omitted ones take the upstream defaults (CLUSTER_AUTOSCALER_DEFAULTS).
 */
export function clusterAutoscaler(groups: readonly NodeGroupSpec[], options: Partial<ClusterAutoscalerOptions> = {}): ClusterAutoscalerPolicy {
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

  function thresholdOf(node: NodeInfo): number {
    return isGpuNode(node) ? opts.scaleDownGpuUtilizationThreshold : opts.scaleDownUtilizationThreshold;
  }

  /** Group sizes as this policy must count them: targetSize minus our deletions still in flight. */
  function effectiveSizes(ctx: ClusterAutoscalerContext): Map<string, NodeGroupStatus & { size: number }> {
    const inFlight = new Map<string, number>();
    for (const n of ctx.nodes) {
      if (n.group !== undefined && deleting.has(n.node.name)) inFlight.set(n.group, (inFlight.get(n.group) ?? 0) + 1);
    }
    const out = new Map<string, NodeGroupStatus & { size: number }>();
    for (const g of ctx.groups) {
      if (!specs.has(g.spec.name)) continue;
      out.set(g.spec.name, { ...g, size: g.targetSize - (inFlight.get(g.spec.name) ?? 0) });
    }
    return out;
  }

  function scaleUp(ctx: ClusterAutoscalerContext, sizes: Map<string, NodeGroupStatus & { size: number }>, random: RandomSource): ScaleUp | undefined {
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
  function updateUnneeded(ctx: ClusterAutoscalerContext, sizes: Map<string, NodeGroupStatus & { size: number }>): UnneededNode[] {
    const destinations = new Set<string>();
    for (const n of ctx.nodes) if (n.ready && !n.node.unschedulable && !deleting.has(n.node.name)) destinations.add(n.node.name);
    const candidates: { sn: ScalableNode; utilization: number }[] = [];
    for (const sn of ctx.nodes) {
      if (sn.group === undefined || !sizes.has(sn.group) || !destinations.has(sn.node.name)) continue;
      const utilization = nodeUtilization(sn.node);
      if (utilization < thresholdOf(sn.node)) candidates.push({ sn, utilization });
    }
    // Nodes already unneeded first (oldest first) so the plan is stable, then the emptiest.
    candidates.sort((a, b) => {
      const sa = unneededSince.get(a.sn.node.name) ?? Infinity;
      const sb = unneededSince.get(b.sn.node.name) ?? Infinity;
      if (sa !== sb) return sa - sb;
      if (a.utilization !== b.utilization) return a.utilization - b.utilization;
      return a.sn.node.name < b.sn.node.name ? -1 : a.sn.node.name > b.sn.node.name ? 1 : 0;
    });
    const removable = new Map<string, number>();
    for (const [name, g] of sizes) removable.set(name, g.size - specs.get(name)!.min);
    const plan = new EvictionPlan(ctx);
    const drains: Drain[] = [];
    const out: UnneededNode[] = [];
    let simulated = 0;
    for (const { sn, utilization } of candidates) {
      const group = sn.group!;
      if ((removable.get(group) ?? 0) <= 0) continue;
      const name = sn.node.name;
      const pods = sn.node.pods;
      if (pods.length > 0) {
        if (simulated >= opts.scaleDownNonEmptyCandidatesCount || plan.check(pods) !== undefined) continue;
        simulated++;
        // Cumulative, as upstream: earlier unneeded nodes are gone and their pods moved.
        const drain = ctx.simulate((sim) => {
          replayDrains(sim, drains);
          return simulateDrain(sim, name, (n) => destinations.has(n.name));
        });
        if (!drain) continue;
        plan.commit(pods);
        drains.push(drain);
      } else {
        drains.push({ node: name, placements: [] });
      }
      destinations.delete(name);
      removable.set(group, removable.get(group)! - 1);
      out.push({ node: name, group, utilization, empty: pods.length === 0, since: unneededSince.get(name) ?? ctx.now });
    }
    unneededSince.clear();
    for (const u of out) unneededSince.set(u.node, u.since);
    return out;
  }

  function scaleDown(ctx: ClusterAutoscalerContext, sizes: Map<string, NodeGroupStatus & { size: number }>, scaledUp: boolean): NodeDeletion[] {
    if (!opts.scaleDownEnabled) return [];
    const unneeded = updateUnneeded(ctx, sizes);
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
      const listed = new Set(ctx.nodes.map((n) => n.node.name));
      for (const [name, at] of deleting) if (!listed.has(name) || now - at >= DELETION_GRACE) deleting.delete(name);

      if (!isClusterHealthy(ctx.nodes, opts.okTotalUnreadyCount, opts.maxTotalUnreadyPercentage)) {
        // Upstream CleanUpUnneededNodes: unneeded time starts over once the cluster is healthy.
        unneededSince.clear();
        lastUnneeded = [];
        return NO_CLUSTER_SCALING;
      }

      const sizes = effectiveSizes(ctx);
      const up = scaleUp(ctx, sizes, random);
      if (up) lastScaleUp = now;
      const deletions = scaleDown(ctx, sizes, up !== undefined);
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

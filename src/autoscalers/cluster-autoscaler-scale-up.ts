import type { ClusterSimulation, NodeGroupSpec, NodeGroupStatus } from '../api/autoscaling.js';
import type { NodeInfo } from '../api/node.js';
import type { PodInfo } from '../api/pod.js';
import { nodesByName } from './cluster-autoscaler-scale-down.js';
import type { ExpanderName, ScaleUpOption } from './expanders.js';

/**
 * The cluster-autoscaler's scale-up (core/scaleup, estimator): pending pods that fit on existing
 * or upcoming nodes are filtered out (FilterOutSchedulable), each node group's template is
 * binpacked with the rest (BinpackingNodeEstimator, pods by decreasing score), and a group whose
 * scale-up failed is backed off exponentially (utils/backoff).
 */

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

export function replayFilterOut(sim: ClusterSimulation, groups: readonly NodeGroupStatus[], placements: readonly PendingPlacement[]): void {
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

import {
  type ClusterAutoscaler, type ClusterAutoscalerContext, type ClusterAutoscalerFactory,
  type ClusterScaleDecision, NO_CLUSTER_SCALING, type NodeDeletion, type NodeGroupSpec, type NodeGroupStatus, type ScalableNode,
  type ScaleUp,
} from '../api/autoscaling.js';
import type { RandomSource } from '../api/framework.js';
import type { NodeInfo } from '../api/node.js';
import type { PodInfo } from '../api/pod.js';
import { CandidateOrder, caCandidateOrderFromEnv } from './cluster-autoscaler-candidate-order.js';
import { type Candidate, DrainPlanner, NodeTable } from './cluster-autoscaler-drain-cache.js';
import { type ClusterAutoscalerOptions, NAME, resolveClusterAutoscalerOptions, validateNodeGroups } from './cluster-autoscaler-options.js';
import { caEvictionSlotsFromEnv, DELETION_GRACE, type Drain, EvictionPlan, isGpuNode, nodeUtilization, scaleDownReason } from './cluster-autoscaler-scale-down.js';
import { estimate, filterOutSchedulable, NodeGroupBackoff, replayFilterOut, scaleUpReason } from './cluster-autoscaler-scale-up.js';
import { chooseOption, type ScaleUpOption } from './expanders.js';
import { type Environment, processEnvironment, switchedOn } from '../util/switches.js';

/**
 * The Kubernetes cluster-autoscaler (kubernetes/autoscaler, cluster-autoscaler/core): every scan
 * it checks cluster health, grows at most one node group for the unschedulable pods (binpacking
 * estimator + expander) and removes under-utilized nodes whose pods fit elsewhere (scale-down
 * planner), with the upstream timers. Flags and defaults: cluster-autoscaler FAQ, "What are the
 * parameters to CA?" (../shared/docs/KUBERNETES.md section 5).
 *
 * Simplified relative to upstream: no node-group balancing, no max-nodes-total / core limits, no
 * scale-up of groups below min, no unready-node scale-down, no mirror / local-storage pod rules
 * (DaemonSet pods: podsToMove; template nodes carry them, ClusterSimulation.addNode), and a PodDisruptionBudget is assumed to cover the pods of one controller (the
 * context only tells how many disruptions a pod's budget still allows).
 *
 * This file is the policy's state between scans and its reconcile; the rules it applies live
 * beside it: cluster-autoscaler-options.ts (flags, defaults, validation), -scale-up.ts
 * (filter-out-schedulable, binpacking estimate, backoff), -scale-down.ts (utilization, eviction
 * plan, drain what-if) and -drain-cache.ts (the scale-down planner's what-ifs over one scan,
 * remembered while the cluster stays the same).
 */

/** clusterstate.IsClusterHealthy: unhealthy when unready nodes exceed both the count and the share. */
export function isClusterHealthy(nodes: readonly ScalableNode[], okTotalUnreadyCount: number, maxTotalUnreadyPercentage: number): boolean {
  let unready = 0;
  for (const n of nodes) if (!n.ready) unready++;
  return healthyWith(unready, nodes.length, okTotalUnreadyCount, maxTotalUnreadyPercentage);
}

function healthyWith(unready: number, total: number, okTotalUnreadyCount: number, maxTotalUnreadyPercentage: number): boolean {
  return !(unready > okTotalUnreadyCount && unready > (maxTotalUnreadyPercentage / 100) * total);
}

/**
 * The pods a drain must find room for: all but DaemonSet pods, which go with the node
 * (simulator/drainability/rules/daemonset: skipped, neither blocking nor moved). They still count
 * in the node's utilization: --ignore-daemonsets-utilization defaults to false.
 */
function podsToMove(ctx: ClusterAutoscalerContext, node: NodeInfo): PodInfo[] {
  const pods = node.pods;
  for (const p of pods) if (ctx.controllerOf(p).kind === 'DaemonSet') return pods.filter((q) => ctx.controllerOf(q).kind !== 'DaemonSet');
  return pods.slice();
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
  /**
   * Remember each node's utilization and threshold while its generation stays the same (a scan
   * surveys every node; issue 23). Default true unless ORCHSIM_NO_CA_UTILIZATION_CACHE=1 (read
   * when the policy is made).
   */
  readonly utilizationCache?: boolean;
  /**
   * Read the context's node versions (ClusterAutoscalerContext.nodeVersions), where it gives
   * them, to pass over nodes unchanged since the last scan without loading them: the survey
   * keeps such a node's destination flag and utilization, the drain cache's fingerprint its
   * record (issue 23). Default true unless ORCHSIM_NO_CA_NODE_VERSIONS=1 (read when the policy is
   * made).
   */
  readonly nodeVersions?: boolean;
  /**
   * Try the last scan's sorted order of the scale-down candidates before sorting them
   * (CandidateOrder; the same order either way). Default true unless
   * ORCHSIM_NO_CA_CANDIDATE_ORDER=1 (read when the policy is made).
   */
  readonly candidateOrder?: boolean;
  /**
   * Keep the scale-down's eviction plan from scan to scan, emptied at each (EvictionPlan.startScan:
   * its slots by controller stay), instead of a new plan per scan. Default true unless
   * ORCHSIM_NO_CA_EVICTION_SLOTS=1 (read when the policy is made).
   */
  readonly evictionSlots?: boolean;
  /**
   * Give the last scan's filter-out-schedulable answer again (which pending pods fit existing or
   * upcoming nodes, and where) while the cluster is unchanged since that scan ended and the
   * pending pods and the groups' provisioning are the same, instead of running its what-if
   * again. Default true unless ORCHSIM_NO_CA_FILTER_OUT_MEMO=1 (read when the policy is made).
   */
  readonly filterOutMemo?: boolean;
}

/** Whether the environment leaves the scans' use of node versions on (ORCHSIM_NO_CA_NODE_VERSIONS=1, non-empty and not 0, turns it off). */
export function caNodeVersionsFromEnv(env: Environment = processEnvironment()): boolean {
  return switchedOn('ORCHSIM_NO_CA_NODE_VERSIONS', env);
}

/** Whether the environment leaves the scale-up's filter-out memo on (ORCHSIM_NO_CA_FILTER_OUT_MEMO=1, non-empty and not 0, turns it off). */
export function caFilterOutMemoFromEnv(env: Environment = processEnvironment()): boolean {
  return switchedOn('ORCHSIM_NO_CA_FILTER_OUT_MEMO', env);
}

/** Whether the environment leaves the survey's utilization cache on (ORCHSIM_NO_CA_UTILIZATION_CACHE=1, non-empty and not 0, turns it off). */
export function caUtilizationCacheFromEnv(env: Environment = processEnvironment()): boolean {
  return switchedOn('ORCHSIM_NO_CA_UTILIZATION_CACHE', env);
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
  /** Changes whenever `deleting` does (a node's destination flag depends on it). */
  let deletingEpoch = 0;
  const planner = new DrainPlanner(tuning.drainCache ?? true);
  const utilizationCache = tuning.utilizationCache ?? caUtilizationCacheFromEnv();
  const useVersions = tuning.nodeVersions ?? caNodeVersionsFromEnv();
  const candidateOrder = new CandidateOrder(tuning.candidateOrder ?? caCandidateOrderFromEnv());
  const keepEvictionSlots = tuning.evictionSlots ?? caEvictionSlotsFromEnv();
  /** The scale-down's eviction plan, kept between scans when keepEvictionSlots (see planFor). */
  let keptPlan: EvictionPlan | undefined;
  const memoFilterOut = tuning.filterOutMemo ?? caFilterOutMemoFromEnv();
  /**
   * The cluster's version (ctx.clusterVersion) at the end of the last scan (NaN: none), and a
   * count of the scans that began with the cluster changed since the scan before ended: while it
   * stays the same, every node is as it was when the count last moved (each scan's what-ifs are
   * reverted, and a scan changes nothing else before it ends). The survey reads the first too.
   */
  let versionAtEnd = NaN;
  let changedScans = 0;
  /** The last filter-out-schedulable answer and what it was computed from (see filterOut). */
  let filterOutMemo: { changedScans: number; pending: readonly PodInfo[]; groups: readonly NodeGroupStatus[]; answer: FilterOutAnswer } | undefined;
  /**
   * The last survey, to be given again while nothing it read has changed: the cluster's version
   * (ctx.clusterVersion) at the end of that scan - its what-ifs revert the nodes to what the
   * survey saw - is the one at the start of this one, for the same node table, deleting list and
   * groups of ours. `epoch` counts the surveys actually made (the drain cache's fingerprint
   * need not look at the nodes either while it stays the same).
   */
  let surveyed: { table: NodeTable; deletingEpoch: number; ours: Uint8Array; unready: number; at: number[]; utilization: number[] } | undefined;
  let surveyEpoch = 0;
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
      // The listed nodes being deleted, found by name (a few) rather than by a pass over the list.
      inFlight = new Map();
      for (const name of deleting.keys()) {
        const at = t.positionsOf(name);
        if (at === undefined) continue;
        for (const i of at) {
          const group = t.groupOf(i);
          if (group !== undefined) inFlight.set(group, (inFlight.get(group) ?? 0) + 1);
        }
      }
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
    const ours = t.groupFlags;
    t.groupNames.forEach((g, gi) => (ours[gi] = sizes.has(g) ? 1 : 0));
    const last = surveyed;
    if (last !== undefined && last.table === t && last.deletingEpoch === deletingEpoch && useVersions && ctx.clusterVersion !== undefined && ctx.clusterVersion() === versionAtEnd && sameItems(last.ours, ours)) {
      return surveyAgain(ctx, last);
    }
    return freshSurvey(ctx, t);
  }

  /**
   * The last survey given again: nothing it read has changed. The same candidates (their pods
   * and since read anew), and `destination` as it left it. Apart from survey, as is
   * freshSurvey: most scans take this path, and each of the three compiles (and, when a first
   * unready node or a first candidate is seen, recompiles) on its own (bench/README.md,
   * "Autoscaled week, sixth pass").
   */
  function surveyAgain(ctx: ClusterAutoscalerContext, last: NonNullable<typeof surveyed>): { unready: number; candidates: Candidate[] } {
    const list = ctx.nodes;
    const nodes = last.table.nodes;
    const candidates: Candidate[] = [];
    for (let k = 0; k < last.at.length; k++) {
      const i = last.at[k]!;
      const node = nodes[i]!;
      candidates.push({ sn: list[i]!, pods: podsToMove(ctx, node), utilization: last.utilization[k]!, since: unneededSince.get(node.name) ?? Infinity });
    }
    return { unready: last.unready, candidates };
  }

  /** survey() when something may have changed: the pass over the nodes. */
  function freshSurvey(ctx: ClusterAutoscalerContext, t: NodeTable): { unready: number; candidates: Candidate[] } {
    const list = ctx.nodes;
    const nodes = t.nodes;
    const groupIndex = t.groupIndex;
    const ours = t.groupFlags;
    const down = opts.scaleDownEnabled;
    surveyEpoch++;
    if (down && destination.length < nodes.length) {
      destination = new Uint8Array(Math.max(nodes.length, 2 * destination.length));
      // The flags kept for unchanged nodes (below) were in the old array.
      t.surveyVersion.fill(NaN);
    }
    const candidates: Candidate[] = [];
    /** The candidates' positions in the list. */
    const at: number[] = [];
    const checkDeleting = deleting.size > 0;
    // Node versions: a node whose version and readiness are those of the last survey of this
    // table, with the same nodes being deleted, keeps its destination flag, and its utilization
    // (recorded at that version) - all without loading the node.
    const versions = useVersions ? ctx.nodeVersions : undefined;
    const slot = t.slot;
    const surveyVersion = t.surveyVersion;
    const surveyReady = t.surveyReady;
    const sameDeleting = t.surveyDeletingEpoch === deletingEpoch;
    t.surveyDeletingEpoch = deletingEpoch;
    let unready = 0;
    for (let i = 0; i < nodes.length; i++) {
      const ready = list[i]!.ready;
      if (!ready) unready++;
      if (!down) continue;
      const version = versions !== undefined ? versions[slot[i]!]! : NaN;
      const readyFlag = ready ? 1 : 0;
      const same = sameDeleting && version === surveyVersion[i] && readyFlag === surveyReady[i];
      if (!same) {
        const node = nodes[i]!;
        destination[i] = !ready || node.unschedulable || (checkDeleting && deleting.has(node.name)) ? 0 : 1;
        surveyVersion[i] = version;
        surveyReady[i] = readyFlag;
      }
      if (destination[i] === 0) continue;
      const gi = groupIndex[i]!;
      if (gi < 0 || ours[gi] === 0) continue;
      if (!(utilizationCache && versions !== undefined && t.utilizationVersion[i] === version)) nodeFigures(t, i, version);
      const utilization = t.utilization[i]!;
      if (utilization < t.threshold[i]!) {
        const node = nodes[i]!;
        candidates.push({ sn: list[i]!, pods: podsToMove(ctx, node), utilization, since: unneededSince.get(node.name) ?? Infinity });
        at.push(i);
      }
    }
    surveyed = useVersions ? { table: t, deletingEpoch, ours: ours.slice(), unready, at, utilization: candidates.map((c) => c.utilization) } : undefined;
    return { unready, candidates };
  }

  /**
   * Node i's utilization and threshold into t.utilization / t.threshold (a changed node, or no
   * version to tell): kept per generation with the utilization cache, computed otherwise.
   */
  function nodeFigures(t: NodeTable, i: number, version: number): void {
    const node = t.nodes[i]!;
    const generation = utilizationCache ? node.generation : undefined;
    if (generation !== undefined && t.utilizationGeneration[i] === generation) {
      // Kept: t.utilization[i] and t.threshold[i] hold them.
    } else {
      t.utilization[i] = nodeUtilization(node);
      t.threshold[i] = thresholdOf(node);
      if (generation !== undefined) t.utilizationGeneration[i] = generation;
    }
    // A version goes with one generation: the figures are as of this version too.
    if (generation !== undefined) t.utilizationVersion[i] = version;
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
    const { remaining, placements } = filterOut(ctx);
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

  /** An empty eviction plan for this scan: the kept one, emptied, or a new one. */
  function planFor(ctx: ClusterAutoscalerContext): EvictionPlan {
    if (!keepEvictionSlots) return new EvictionPlan(ctx);
    if (keptPlan === undefined) keptPlan = new EvictionPlan(ctx);
    else keptPlan.startScan(ctx);
    return keptPlan;
  }

  /**
   * Upstream's filterOutSchedulable in a what-if, or, with memoFilterOut, the last answer again
   * when nothing it read has changed: the nodes (the cluster unchanged since the scan that
   * answered ended), the pending pods (the same objects in the same order) and the upcoming
   * nodes (each group's spec and provisioning count, in order). Pods that wait for an upcoming
   * node stay pending over many scans of an otherwise quiet cluster, and each scan asked the
   * scheduler about each of them again (~2 % of the autoscaled week). The scheduler's answers
   * depend on nothing else: its filters read the cluster and the pod only.
   */
  function filterOut(ctx: ClusterAutoscalerContext): FilterOutAnswer {
    const pending = ctx.unschedulablePods;
    const memo = filterOutMemo;
    if (memo !== undefined && memo.changedScans === changedScans && sameItems(memo.pending, pending) && sameUpcoming(memo.groups, ctx.groups)) return memo.answer;
    const answer = ctx.simulate((sim) => filterOutSchedulable(sim, ctx.groups, pending));
    filterOutMemo = memoFilterOut ? { changedScans, pending: pending.slice(), groups: ctx.groups.slice(), answer } : undefined;
    return answer;
  }

  /** The scale-down planner: which nodes are unneeded now, in removal order. */
  function updateUnneeded(ctx: ClusterAutoscalerContext, t: NodeTable, sizes: Sizes, candidates: Candidate[]): UnneededNode[] {
    if (candidates.length === 0) {
      setUnneededSince(unneededSince, []);
      return [];
    }
    // Nodes already unneeded first (oldest first) so the plan is stable, then the emptiest.
    candidateOrder.sort(candidates);
    const removable = new Map<string, number>();
    for (const [name, g] of sizes) removable.set(name, g.size - specs.get(name)!.min);
    const plan = planFor(ctx);
    const out: UnneededNode[] = [];
    let simulated = 0;
    const drains = planner.run(ctx, t, destination, candidates, useVersions ? ctx.nodeVersions : undefined, useVersions ? surveyEpoch : undefined, {
      consider(c) {
        if ((removable.get(c.sn.group!) ?? 0) <= 0) return 'skip';
        if (c.pods.length === 0) return 'empty';
        if (simulated >= opts.scaleDownNonEmptyCandidatesCount || !plan.allows(c.pods)) return 'skip';
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
    setUnneededSince(unneededSince, out);
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
      try {
        return reconcileScan(ctx, random);
      } finally {
        // After this scan's what-ifs (reverted): the next scan's survey and filter-out memo compare with this.
        versionAtEnd = ctx.clusterVersion !== undefined ? ctx.clusterVersion() : NaN;
      }
    },
  };

  function reconcileScan(ctx: ClusterAutoscalerContext, random: RandomSource): ClusterScaleDecision {
    const now = ctx.now;
    if (!(ctx.clusterVersion !== undefined && ctx.clusterVersion() === versionAtEnd)) changedScans++;
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
      for (const [name, at] of deleting) {
        if (t.positionsOf(name) === undefined || now - at >= DELETION_GRACE) {
          deleting.delete(name);
          deletingEpoch++;
        }
      }
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
        deletingEpoch++;
        unneededSince.delete(d.node);
      }
    }
    if (!up && deletions.length === 0) return NO_CLUSTER_SCALING;
    return { scaleUps: up ? [up] : [], deletions };
  }
}

/**
 * Makes `since` hold exactly the unneeded nodes' names and times (the planner's unneeded list,
 * which names each node once). Most scans find the same nodes unneeded since the same times:
 * then the map already holds them and is left as it is, since a Map's clear allocates a new
 * table even when it is empty (about 1 % of the autoscaled week was clearing and refilling it).
 * The map is only read by name, so leaving it unchanged is the same as refilling it.
 */
export function setUnneededSince(since: Map<string, number>, unneeded: readonly UnneededNode[]): void {
  if (since.size === unneeded.length) {
    let same = true;
    for (const u of unneeded) {
      if (since.get(u.node) !== u.since) {
        same = false;
        break;
      }
    }
    if (same) return;
  }
  if (since.size > 0) since.clear();
  for (const u of unneeded) since.set(u.node, u.since);
}

/** What filterOutSchedulable answers: the pods left, and where the others went. */
type FilterOutAnswer = ReturnType<typeof filterOutSchedulable>;

/** Whether two lists hold the same items (by identity) in the same order. */
function sameItems<T>(a: ArrayLike<T>, b: ArrayLike<T>): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Whether two scans' groups give the same upcoming template nodes (filterOutSchedulable's addUpcoming): the same specs with the same provisioning counts, in order. */
function sameUpcoming(a: readonly NodeGroupStatus[], b: readonly NodeGroupStatus[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i]!.spec !== b[i]!.spec || a[i]!.provisioning !== b[i]!.provisioning) return false;
  return true;
}

/** For registries: options arrive untyped (e.g. from a scenario file) and are validated here. */
export const clusterAutoscalerFactory: ClusterAutoscalerFactory = (groups, options) => clusterAutoscaler(groups, (options ?? {}) as Partial<ClusterAutoscalerOptions>);

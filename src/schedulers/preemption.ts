/**
 * DefaultPreemption, the PostFilter of the default profile: when no node fits a pod, find the
 * node where deleting the fewest, least important lower-priority pods makes room for it.
 * pkg/scheduler/framework/plugins/defaultpreemption/default_preemption.go (SelectVictimsOnNode,
 * calculateNumCandidates, PodEligibleToPreemptOthers) and pkg/scheduler/framework/preemption/
 * preemption.go (DryRunPreemption, SelectCandidate, pickOneNodeForPreemption), as summarised in
 * ../shared/docs/KUBERNETES.md section 8. The dry runs need to take pods off a node and put them
 * back; the simulator hands that in (PreemptionCluster), so this file stays on the policy API.
 *
 * One deliberate difference: upstream dry-runs candidate nodes in parallel and stops when enough
 * are found, so which candidates it finds can vary from run to run; here they are tried one
 * after another from the seeded offset, so a run is repeatable.
 */
import type { DisruptionBudgets, VictimInfo } from '../api/framework.js';
import type { NodeInfo } from '../api/node.js';
import type { PodInfo } from '../api/pod.js';

export type { DisruptionBudgets, VictimInfo } from '../api/framework.js';

/** DefaultPreemptionArgs (pkg/scheduler/apis/config/v1/defaults.go: 10 and 100). */
export interface PreemptionArgs {
  readonly minCandidateNodesPercentage: number;
  readonly minCandidateNodesAbsolute: number;
}

export const DEFAULT_PREEMPTION_ARGS: PreemptionArgs = Object.freeze({ minCandidateNodesPercentage: 10, minCandidateNodesAbsolute: 100 });

/** calculateNumCandidates: 10 % of the potential nodes, at least 100, at most all of them (integer division, as upstream). */
export function numCandidates(numNodes: number, args: PreemptionArgs = DEFAULT_PREEMPTION_ARGS): number {
  let n = Math.trunc((numNodes * args.minCandidateNodesPercentage) / 100);
  if (n < args.minCandidateNodesAbsolute) n = args.minCandidateNodesAbsolute;
  if (n > numNodes) n = numNodes;
  return n;
}

/**
 * MoreImportantPod (pkg/scheduler/util/utils.go): higher priority first, then the pod that
 * started earlier (it has run longer). Negative when `a` is more important than `b`.
 */
export function compareImportance(a: VictimInfo, b: VictimInfo): number {
  if (a.priority !== b.priority) return b.priority - a.priority;
  return a.startTime - b.startTime;
}

/** What SelectVictimsOnNode needs of the cluster: take pods off the node, put them back, ask whether the preemptor fits. */
export interface PreemptionCluster {
  remove(pod: PodInfo, node: NodeInfo): void;
  restore(pod: PodInfo, node: NodeInfo): void;
  /** PreFilter and Filter for the preemptor on this node as it now is. */
  fits(node: NodeInfo): boolean;
}

export interface NodeVictims {
  readonly node: NodeInfo;
  /** From most to least important. */
  readonly victims: readonly VictimInfo[];
  readonly numPDBViolations: number;
}

/**
 * filterPodsWithPDBViolation: with each budget's allowance spent pod by pod in the given order,
 * the pods whose budget would go below zero violate it. Stable: keeps the input order.
 */
export function splitByPDBViolation(pods: readonly VictimInfo[], budgets: DisruptionBudgets | undefined): { violating: VictimInfo[]; nonViolating: VictimInfo[] } {
  const violating: VictimInfo[] = [];
  const nonViolating: VictimInfo[] = [];
  const left = new Map<string, number>();
  for (const v of pods) {
    const budget = budgets?.budgetOf(v.pod);
    if (budget === undefined) {
      nonViolating.push(v);
      continue;
    }
    const allowed = (left.get(budget) ?? budgets!.allowed(budget)) - 1;
    left.set(budget, allowed);
    (allowed < 0 ? violating : nonViolating).push(v);
  }
  return { violating, nonViolating };
}

/**
 * SelectVictimsOnNode: remove every pod of strictly lower priority; if the preemptor still does
 * not fit, the node is no candidate. Otherwise reprieve the potential victims - the ones whose
 * budget they would violate first, then the others, each group from the most important - putting
 * each back and keeping it unless the preemptor no longer fits. The cluster is left as found.
 */
export function selectVictimsOnNode(preemptorPriority: number, node: NodeInfo, pods: readonly VictimInfo[], cluster: PreemptionCluster, budgets: DisruptionBudgets | undefined): NodeVictims | undefined {
  const potential = pods.filter((v) => v.priority < preemptorPriority);
  if (potential.length === 0) return undefined;
  for (const v of potential) cluster.remove(v.pod, node);
  const removed = new Set(potential);
  try {
    if (!cluster.fits(node)) return undefined;
    potential.sort(compareImportance);
    const { violating, nonViolating } = splitByPDBViolation(potential, budgets);
    const victims: VictimInfo[] = [];
    let numPDBViolations = 0;
    const reprieve = (v: VictimInfo): boolean => {
      cluster.restore(v.pod, node);
      removed.delete(v);
      if (cluster.fits(node)) return true;
      cluster.remove(v.pod, node);
      removed.add(v);
      victims.push(v);
      return false;
    };
    for (const v of violating) if (!reprieve(v)) numPDBViolations++;
    for (const v of nonViolating) reprieve(v);
    if (violating.length > 0 && nonViolating.length > 0) victims.sort(compareImportance);
    return { node, victims, numPDBViolations };
  } finally {
    // Back as found (the caller's dry run must not change the cluster).
    for (const v of [...removed].reverse()) cluster.restore(v.pod, node);
  }
}

/** Offset of the largest int32 plus one, so that negative priorities weigh in the sum (minSumPrioritiesScoreFunc). */
const PRIORITY_OFFSET = 2 ** 31;

/**
 * GetEarliestPodStartTime over the highest-priority victims (pkg/scheduler/util/utils.go): the
 * earliest start among the victims with the highest priority.
 */
function earliestStartOfTopVictims(c: NodeVictims): number {
  const top = c.victims[0]!.priority;
  let earliest = Infinity;
  for (const v of c.victims) if (v.priority === top && v.startTime < earliest) earliest = v.startTime;
  return earliest;
}

/**
 * pickOneNodeForPreemption: the fewest PDB violations, then the lowest highest-victim priority,
 * the smallest sum of victim priorities (each offset by 2^31), the fewest victims, the latest start
 * among the highest-priority victims, then the first candidate (upstream: the first in a map,
 * i.e. any).
 */
export function pickOneNode(candidates: readonly NodeVictims[]): NodeVictims | undefined {
  let best: NodeVictims | undefined;
  let key: number[] = [];
  for (const c of candidates) {
    const k = [
      c.numPDBViolations,
      c.victims[0]!.priority,
      c.victims.reduce((a, v) => a + v.priority + PRIORITY_OFFSET, 0),
      c.victims.length,
      -earliestStartOfTopVictims(c),
    ];
    if (best === undefined || lessThan(k, key)) {
      best = c;
      key = k;
    }
  }
  return best;
}

function lessThan(a: readonly number[], b: readonly number[]): boolean {
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return a[i]! < b[i]!;
  return false;
}

/**
 * DryRunPreemption then SelectCandidate: candidate nodes from `offset` round the potential
 * nodes, one at a time, until there is a candidate without PDB violations and `numCandidates`
 * in all; then the best of them (those without violations listed first, as upstream).
 */
export function findPreemption(
  preemptorPriority: number,
  potential: readonly NodeInfo[],
  offset: number,
  args: PreemptionArgs,
  podsOn: (node: NodeInfo) => readonly VictimInfo[],
  cluster: (node: NodeInfo) => PreemptionCluster,
  budgets: DisruptionBudgets | undefined,
): NodeVictims | undefined {
  const n = potential.length;
  if (n === 0) return undefined;
  const want = numCandidates(n, args);
  const nonViolating: NodeVictims[] = [];
  const violating: NodeVictims[] = [];
  for (let i = 0; i < n; i++) {
    const node = potential[(offset + i) % n]!;
    const c = selectVictimsOnNode(preemptorPriority, node, podsOn(node), cluster(node), budgets);
    if (!c || c.victims.length === 0) continue;
    (c.numPDBViolations === 0 ? nonViolating : violating).push(c);
    if (nonViolating.length > 0 && nonViolating.length + violating.length >= want) break;
  }
  return pickOneNode([...nonViolating, ...violating]);
}

import type { ClusterSimulation } from '../api/autoscaling.js';
import type { Scheduler } from '../api/framework.js';
import { hasPodAffinityTerms, type NodeInfo, type NodeSpec } from '../api/node.js';
import type { PodInfo } from '../api/pod.js';
import type { ClusterState, SimNode } from './cluster.js';
import { type Environment, processEnvironment, switchedOn } from '../util/switches.js';

/** What a what-if needs to know of the DaemonSets (the cluster autoscaler controller provides it). */
export interface WhatIfDaemons {
  /** The daemon pods a node built from this spec would run (ids < 0: they exist in what-ifs only). */
  podsFor(node: NodeSpec): readonly PodInfo[];
  isDaemonPod(pod: PodInfo): boolean;
}

/** Whether the environment leaves WhatIfCluster's narrowing of usable lists on (ORCHSIM_NO_WHAT_IF_NARROW=1, non-empty and not 0, turns it off). */
export function whatIfNarrowUsableFromEnv(env: Environment = processEnvironment()): boolean {
  return switchedOn('ORCHSIM_NO_WHAT_IF_NARROW', env);
}

/** The present nodes of a cluster, cached per node list (ClusterState replaces the list when nodes come or go). */
const present = new WeakMap<readonly NodeInfo[], NodeInfo[]>();
function presentNodes(cluster: ClusterState): NodeInfo[] {
  let list = present.get(cluster.nodes);
  if (!list) {
    list = cluster.nodes.filter((n) => !n.removed);
    present.set(cluster.nodes, list);
  }
  return list;
}

/**
 * A what-if cluster for an autoscaler's scan (cluster-autoscaler's ClusterSnapshot Fork):
 * speculative binds, template nodes and removals are applied to the real cluster state and
 * undone in reverse order by `rollback`, so the scheduler's own filters see exactly what the
 * scheduler would see, with no copy of the cluster. Nothing else runs while a what-if is open.
 *
 * `rollback` is upstream's Revert ("reverts snapshot state to moment of forking",
 * cluster-autoscaler/simulator/clustersnapshot/clustersnapshot.go): every node is left exactly
 * as it was - its pods in their order, its GPU devices, its pods with affinity, its generation -
 * and so are the cluster's lists of nodes with affinity pods. Policies rely on it (the cluster
 * autoscaler remembers drains per node generation), so a change here must keep it; the test
 * test/sim/what-if.test.ts checks it. The one trace is not a node: a template node's slot stays
 * behind as a removed slot (ClusterState never gives slots back).
 */
export class WhatIfCluster implements ClusterSimulation {
  private readonly undo: (() => void)[] = [];
  private readonly removedNodes = new Set<number>();
  /** The removed nodes' indices in the order of removal (usableOf narrows by the newest ones). */
  private readonly removedOrder: number[] = [];
  private readonly added: NodeInfo[] = [];
  /**
   * Each touched node's generation before the what-if. The rollback restores the node exactly
   * (its pods in their order), so it restores the generation too: figures cached per generation
   * (PodTopologySpread's counts, the cluster autoscaler's fingerprint) stay valid across a scan.
   */
  private readonly generations = new Map<number, number>();
  /** Each touched node's version (ClusterSnapshot.nodeVersions) before the what-if, restored with the generation for the same reason. */
  private readonly versions = new Map<number, number>();
  /**
   * The cluster's nodes-with-affinity lists before the what-if first bound or unbound a pod with
   * affinity terms: ClusterState removes from them by swapping in the last node, so undoing the
   * binds restores their content but not their order.
   */
  private affinityLists: { readonly withAffinity: SimNode[]; readonly withRequiredAntiAffinity: SimNode[] } | undefined;
  private cachedNodes: NodeInfo[] | undefined;
  private usableMemo: { candidates: readonly NodeInfo[]; length: number; nodes: readonly NodeInfo[] | undefined; adds: number; removals: number; usable: NodeInfo[] } | undefined;
  /** Nodes removed by this what-if so far (never decreases before the rollback, which forgets the memo). */
  private removals = 0;
  /** Template nodes added so far (the same). */
  private adds = 0;
  private seq = 0;

  constructor(
    private readonly cluster: ClusterState,
    private readonly scheduler: Scheduler,
    private readonly template: (group: string, name: string) => NodeSpec,
    /** The DaemonSets' pods: those a template node runs, and which pods are daemon pods (absent: no DaemonSets). */
    private readonly daemons?: WhatIfDaemons | undefined,
    /** Whether usableOf narrows its remembered list after a removal instead of filtering again (see usableOf). */
    private readonly narrowUsable: boolean = whatIfNarrowUsableFromEnv(),
  ) {
    if (!scheduler.findFeasible) throw new Error(`scheduler ${scheduler.name} does not expose its filters (findFeasible), which cluster autoscaling needs`);
  }

  get nodes(): readonly NodeInfo[] {
    if (!this.cachedNodes) {
      if (this.removedNodes.size === 0 && this.added.length === 0) {
        // Unchanged cluster: the present nodes, shared by every what-if until nodes come or go.
        this.cachedNodes = presentNodes(this.cluster);
      } else {
        const out: NodeInfo[] = [];
        for (const n of this.cluster.nodes) if (!n.removed && !this.removedNodes.has(n.index)) out.push(n);
        this.cachedNodes = out;
      }
    }
    return this.cachedNodes;
  }

  addNode(group: string): NodeInfo {
    const spec = this.template(group, `what-if-${group}-${this.seq++}`);
    const node = this.cluster.addNode(spec);
    this.added.push(node);
    this.adds++;
    // Not restored: the slot ends as a removed node, not as it was (NaN marks it).
    this.generations.set(node.index, NaN);
    this.cachedNodes = undefined;
    this.undo.push(() => this.cluster.removeNode(node.index));
    // Its daemon pods take their share first, fitting or not (upstream adds them to the template
    // NodeInfo without a scheduling check).
    if (this.daemons) {
      for (const pod of this.daemons.podsFor(spec)) {
        this.saveAffinityLists(pod);
        this.cluster.bind(pod, node.index);
        this.undo.push(() => this.cluster.unbind(pod, node.index));
      }
    }
    return node;
  }

  removeNode(node: NodeInfo): readonly PodInfo[] {
    const n = this.cluster.nodes[node.index]!;
    if (n !== node || n.removed || this.removedNodes.has(n.index)) throw new Error(`what-if: node ${node.name} is not in the cluster`);
    const pods = [...n.pods];
    // Last to first, so that the rollback (newest first) binds them back in their order.
    for (let i = pods.length - 1; i >= 0; i--) this.unbind(pods[i]!, n.index);
    this.removedNodes.add(n.index);
    this.removedOrder.push(n.index);
    this.removals++;
    this.cachedNodes = undefined;
    this.undo.push(() => {
      this.removedNodes.delete(n.index);
      this.cachedNodes = undefined;
    });
    const daemons = this.daemons;
    return daemons ? pods.filter((p) => !daemons.isDaemonPod(p)) : pods;
  }

  fits(pod: PodInfo, node: NodeInfo): boolean {
    if (!this.usable(node)) return false;
    return this.scheduler.findFeasible!(pod, this.cluster, [node], 1).length === 1;
  }

  findNode(pod: PodInfo, candidates?: readonly NodeInfo[]): NodeInfo | undefined {
    return this.scheduler.findFeasible!(pod, this.cluster, candidates ? this.usableOf(candidates) : this.nodes, 1)[0];
  }

  /**
   * The usable nodes of a candidate list, remembered while the list and the what-if's nodes
   * stay the same (a drain asks for every pod with the same destinations).
   *
   * With `narrowUsable` (the default) the memo is keyed by the numbers of removals and template
   * nodes added instead of the node list: when only nodes were removed since (the rollback
   * forgets the memo), the remembered list only loses the removed nodes, in the same order. That
   * spares a cluster autoscaler scan, which drains node after node in one what-if, rebuilding
   * the whole node list (the `nodes` getter) and filtering every destination again per drained
   * node. Off with ORCHSIM_NO_WHAT_IF_NARROW=1 (read when the what-if is built); the property
   * tests in test/sim/what-if-narrow.test.ts and test/sim/autoscaling-properties.test.ts require
   * the same destinations and byte-identical results either way.
   */
  private usableOf(candidates: readonly NodeInfo[]): readonly NodeInfo[] {
    const memo = this.usableMemo;
    if (this.narrowUsable) {
      // Callers grow a candidate list in place as they add nodes (karpenter's open nodes, the
      // scale-up's added ones): a node added or a list of another length means filtering again.
      if (memo !== undefined && memo.candidates === candidates && memo.adds === this.adds && memo.length === candidates.length) {
        if (memo.removals === this.removals) return memo.usable;
        // Only the nodes removed since drop out: cut each from the remembered list (a scan
        // removes one node between two drains, so this is a search instead of a set lookup per
        // node). In place: the list is the what-if's own, and the scheduler's filters read it
        // only during the call it is given to (a copy per drained node was ~7 % of the
        // autoscaled week's allocations).
        const usable = memo.usable;
        for (let r = memo.removals; r < this.removals; r++) {
          const gone = this.cluster.nodes[this.removedOrder[r]!];
          for (let at = usable.indexOf(gone!); at >= 0; at = usable.indexOf(gone!, at)) usable.splice(at, 1);
        }
        memo.removals = this.removals;
        return usable;
      }
      const usable = candidates.filter((n) => this.usable(n));
      this.usableMemo = { candidates, length: candidates.length, nodes: undefined, adds: this.adds, removals: this.removals, usable };
      return usable;
    }
    if (memo !== undefined && memo.candidates === candidates && memo.nodes === this.nodes) return memo.usable;
    const usable = candidates.filter((n) => this.usable(n));
    this.usableMemo = { candidates, length: candidates.length, nodes: this.nodes, adds: this.adds, removals: this.removals, usable };
    return usable;
  }

  place(pod: PodInfo, node: NodeInfo): void {
    if (!this.usable(node)) throw new Error(`what-if: cannot place ${pod.name} on removed node ${node.name}`);
    this.touch(node.index);
    this.saveAffinityLists(pod);
    this.cluster.bind(pod, node.index);
    this.undo.push(() => this.cluster.unbind(pod, node.index));
  }

  /** Takes one pod off its node (a preemption dry run's victim); undone by `rollback`. */
  removePod(pod: PodInfo, node: NodeInfo): void {
    if (!this.usable(node)) throw new Error(`what-if: node ${node.name} is not in the cluster`);
    this.unbind(pod, node.index);
  }

  /** Puts back a pod `removePod` took off, with its GPU devices; undone by `rollback`. */
  restorePod(pod: PodInfo, node: NodeInfo, gpus: readonly number[] | undefined): void {
    this.touch(node.index);
    this.saveAffinityLists(pod);
    this.cluster.bind(pod, node.index, gpus);
    this.undo.push(() => this.cluster.unbind(pod, node.index));
  }

  /** Undoes every change, newest first: the cluster is exactly as before the what-if (see the class comment). */
  rollback(): void {
    // Newest first: each pod a removal unbound goes back to its node in its old place, and each
    // placed pod leaves from the end of its node's list.
    for (let op = this.undo.pop(); op; op = this.undo.pop()) op();
    // Guarded clears: clearing a Map or Set allocates a new table even when it is empty, and most
    // what-ifs (a PostFilter that found no victim) changed nothing.
    if (this.generations.size > 0) {
      for (const [index, generation] of this.generations) if (!Number.isNaN(generation)) this.cluster.nodes[index]!.generation = generation;
      this.generations.clear();
      for (const [index, version] of this.versions) this.cluster.restoreVersion(index, version);
      this.versions.clear();
    }
    if (this.affinityLists) {
      restoreOrder(this.cluster.havePodsWithAffinity, this.affinityLists.withAffinity);
      restoreOrder(this.cluster.havePodsWithRequiredAntiAffinity, this.affinityLists.withRequiredAntiAffinity);
      this.affinityLists = undefined;
    }
    if (this.removedNodes.size > 0) this.removedNodes.clear();
    // (The undo steps above took the removals out of removedNodes already, not out of this.)
    if (this.removedOrder.length > 0) this.removedOrder.length = 0;
    // Guarded too: setting an array's length calls into the runtime even when it is 0 already.
    if (this.added.length > 0) this.added.length = 0;
    this.cachedNodes = undefined;
    this.usableMemo = undefined;
    this.removals = 0;
    this.adds = 0;
  }

  private usable(node: NodeInfo): boolean {
    const n = this.cluster.nodes[node.index];
    return n === node && !n.removed && !this.removedNodes.has(node.index);
  }

  /** Records a node's generation before the what-if first changes it. */
  private touch(index: number): void {
    if (!this.generations.has(index)) {
      this.generations.set(index, this.cluster.nodes[index]!.generation);
      this.versions.set(index, this.cluster.nodeVersions[index]!);
    }
  }

  /** Remembers the nodes-with-affinity lists before the first change a pod with affinity terms makes to them. */
  private saveAffinityLists(pod: PodInfo): void {
    if (this.affinityLists || !hasPodAffinityTerms(pod.spec)) return;
    this.affinityLists = { withAffinity: [...this.cluster.havePodsWithAffinity], withRequiredAntiAffinity: [...this.cluster.havePodsWithRequiredAntiAffinity] };
  }

  private unbind(pod: PodInfo, index: number): void {
    this.touch(index);
    this.saveAffinityLists(pod);
    const gpus = this.cluster.gpusOf(pod);
    this.cluster.unbind(pod, index);
    this.undo.push(() => this.cluster.bind(pod, index, gpus));
  }
}

/** Puts a list back in a saved order (it holds the same items again once the what-if is undone). */
function restoreOrder<T>(list: T[], saved: readonly T[]): void {
  list.length = 0;
  for (const item of saved) list.push(item);
}

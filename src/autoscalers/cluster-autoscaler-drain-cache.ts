import type { ClusterAutoscalerContext, ClusterSimulation, ScalableNode } from '../api/autoscaling.js';
import type { NodeInfo } from '../api/node.js';
import type { PodInfo } from '../api/pod.js';
import { applyDrains, type Drain, replayDrains, simulateDrain } from './cluster-autoscaler-scale-down.js';

/**
 * The cluster-autoscaler's scale-down planner over one scan (core/scaledown/planner): each
 * candidate's drain what-if runs after the earlier unneeded nodes are gone, and what-ifs are
 * remembered while the cluster stays the same, so a quiet cluster's scans ask the scheduler
 * nothing new.
 *
 * It relies on two promises of the policy API, and on nothing else about the simulator: a
 * what-if's revert leaves the cluster exactly as it was (ClusterAutoscalerContext.simulate, as
 * upstream's ClusterSnapshot.Revert), and a node whose NodeInfo.generation is unchanged has the
 * same pods in the same order.
 */

/**
 * The nodes of one node list (ctx.nodes, by identity: the simulator rebuilds it only when nodes
 * come or go, and its ScalableNode objects and live NodeInfo views are stable until then), read
 * once: scans then index plain arrays instead of reading every ScalableNode's fields again.
 */
export class NodeTable {
  readonly nodes: readonly NodeInfo[];
  /** The nodes' groups, each named once, and each node's index in it (-1: no group). */
  readonly groupNames: readonly string[];
  readonly groupIndex: Int32Array;
  /** Scratch for one flag per group name. */
  readonly groupFlags: Uint8Array;
  /**
   * Each node's scale-down utilization and threshold as of `utilizationGeneration` (NaN: none).
   * Both follow from the node's pods and allocatable, which change only with its generation
   * (NodeInfo.generation; a removed slot's reuse makes a new list, so a new table).
   */
  readonly utilization: Float64Array;
  readonly threshold: Float64Array;
  readonly utilizationGeneration: Float64Array;
  /** Each node's NodeInfo.index: its entry in ClusterAutoscalerContext.nodeVersions. */
  readonly slot: Int32Array;
  /** The node version `utilization` and `threshold` hold for (NaN: none, or not known). */
  readonly utilizationVersion: Float64Array;
  /**
   * Per node, its version and readiness (1/0) at the last survey of this table, when the
   * survey's destination flag for it was set (NaN / 255: not yet); and the policy's count of
   * changes to its deleting list then.
   */
  readonly surveyVersion: Float64Array;
  readonly surveyReady: Uint8Array;
  surveyDeletingEpoch = -1;
  constructor(readonly list: readonly ScalableNode[]) {
    this.nodes = list.map((sn) => sn.node);
    this.utilization = new Float64Array(list.length);
    this.threshold = new Float64Array(list.length);
    this.utilizationGeneration = new Float64Array(list.length).fill(NaN);
    this.slot = new Int32Array(list.length);
    for (let i = 0; i < list.length; i++) this.slot[i] = this.nodes[i]!.index;
    this.utilizationVersion = new Float64Array(list.length).fill(NaN);
    this.surveyVersion = new Float64Array(list.length).fill(NaN);
    this.surveyReady = new Uint8Array(list.length).fill(255);
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

  /** Each name's positions in the list, made at the first positionsOf. */
  private byName: Map<string, number[]> | undefined;

  /**
   * The positions of the nodes named `name` in the list (undefined: none), in list order. Names
   * are unique among a cluster's nodes, but a list is not checked for it, so all are kept. A
   * node's name changes only with its slot's reuse, which makes a new list and so a new table.
   */
  positionsOf(name: string): readonly number[] | undefined {
    let byName = this.byName;
    if (byName === undefined) {
      byName = new Map();
      for (let i = 0; i < this.nodes.length; i++) {
        const n = this.nodes[i]!.name;
        const at = byName.get(n);
        if (at === undefined) byName.set(n, [i]);
        else at.push(i);
      }
      this.byName = byName;
    }
    return byName.get(name);
  }
}

/**
 * Everything about the nodes that a scan's drain what-ifs read, as of the last `matches`: the
 * node list itself and per node the pods it runs, in their order (requested totals follow from
 * them), whether it may take pods, its cordon, its GPU devices' free shares, taints, labels,
 * allocatable and pod capacity. A pass compares pointers only and allocates nothing while the
 * cluster is unchanged; a node whose generation is unchanged is not even looked at for pods.
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
  /** The policy's survey count at the last call (see DrainPlanner.run). */
  private surveyEpoch: number | undefined;
  /** Each node's ClusterAutoscalerContext.nodeVersions entry when recorded (NaN: none). */
  private versionAt = new Float64Array(0);

  /**
   * Whether the nodes are as at the last call (false on the first call and whenever the node
   * list changed); records them either way. `destination[i]`: whether node i may take pods.
   */
  matches(table: NodeTable, destination: Uint8Array, versions: Float64Array | undefined, surveyEpoch: number | undefined): boolean {
    // The same survey as at the last call: nothing has changed (see DrainPlanner.run).
    if (table === this.table && surveyEpoch !== undefined && surveyEpoch === this.surveyEpoch) return true;
    this.surveyEpoch = surveyEpoch;
    let same = table === this.table;
    if (!same) this.reset(table);
    const { flags, refs, gpuOffset, gpuFree, versionAt } = this;
    const nodes = table.nodes;
    const slot = table.slot;
    for (let i = 0; i < nodes.length; i++) {
      if (versions !== undefined) {
        // The version recorded with the rest: everything below is as recorded but the flags.
        const v = versions[slot[i]!]!;
        if (v === versionAt[i]) {
          const f = destination[i]! | (flags[i]! & 2);
          if (flags[i] !== f) {
            same = false;
            flags[i] = f;
          }
          continue;
        }
        versionAt[i] = v;
      }
      const n = nodes[i]!;
      // An unchanged generation means the same pods in the same order (NodeInfo.generation).
      const generation = n.generation ?? NaN;
      if (generation !== this.generations[i]) {
        const was = this.pods[i]!;
        if (!samePods(was, n.pods)) {
          same = false;
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
    // A node of the last table at the same generation has the same pods (NodeInfo.generation):
    // its record moves over rather than being copied again (the list changes with every node
    // that comes or goes, and most of its nodes stay).
    const was = this.table;
    const wasPods = this.pods;
    const wasGenerations = this.generations;
    const pods: PodInfo[][] = new Array<PodInfo[]>(n);
    const generations = new Float64Array(n).fill(NaN);
    const at = was !== undefined ? positionsBySlot(was) : undefined;
    for (let i = 0; i < n; i++) {
      const node = nodes[i]!;
      const j = at !== undefined && node.index < at.length ? at[node.index]! : -1;
      if (j >= 0 && was!.nodes[j] === node) {
        pods[i] = wasPods[j]!;
        generations[i] = wasGenerations[j]!;
      } else {
        pods[i] = [];
      }
    }
    this.table = table;
    this.pods = pods;
    this.generations = generations;
    this.versionAt = new Float64Array(n).fill(NaN);
    this.flags = new Uint8Array(n).fill(255);
    this.refs = new Array<unknown>(4 * n);
    this.gpuOffset = new Int32Array(n + 1);
    for (let i = 0; i < n; i++) this.gpuOffset[i + 1] = this.gpuOffset[i]! + Math.max(0, nodes[i]!.gpuCount | 0);
    this.gpuFree = new Float64Array(this.gpuOffset[n]!).fill(NaN);
  }
}

/** Each node slot's position in the table (-1: none). */
function positionsBySlot(table: NodeTable): Int32Array {
  const slot = table.slot;
  let size = 0;
  for (let i = 0; i < slot.length; i++) if (slot[i]! >= size) size = slot[i]! + 1;
  const at = new Int32Array(size).fill(-1);
  for (let i = 0; i < slot.length; i++) at[slot[i]!] = i;
  return at;
}

function samePods(a: readonly PodInfo[], b: readonly PodInfo[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
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

/** A node under the utilization threshold, and since when it is unneeded (Infinity: not yet). */
export interface Candidate {
  readonly sn: ScalableNode;
  /** Its pods at the start of the scan, in their order. */
  readonly pods: readonly PodInfo[];
  readonly utilization: number;
  readonly since: number;
}

/** What the planner asks of the policy about each candidate, in order. */
export interface PlanSteps {
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
 * in the same order, places them where it did before without asking the scheduler. A what-if
 * leaves no trace, so a remembered drain needs no what-if at all, and the drains that do run go
 * on in one what-if until one fails (what-ifs are O(drains) per scan, not O(drains^2)).
 *
 * With `cache` off it is the plain replay-then-drain of earlier versions.
 */
export class DrainPlanner {
  private readonly fingerprint = new ClusterFingerprint();
  private root: DrainTrie = new Map();
  private runs = 0;
  // The what-if's real nodes for the current node list (assumed not to change while it does).
  private table: NodeTable | undefined;
  private whatIfNodes: readonly NodeInfo[] | undefined;
  private byName = new Map<string, NodeInfo>();
  /** For each what-if node, its position in ctx.nodes (-1 if not listed there). */
  private listPosition = new Int32Array(0);
  // Per scan.
  private ctx!: ClusterAutoscalerContext;
  private destination: Uint8Array = new Uint8Array(0);
  /** The scan's node versions, when the fingerprint may use them (ClusterAutoscalerTuning.nodeVersions). */
  private versions: Float64Array | undefined;
  private surveyEpoch: number | undefined;
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
   * `table` (ctx.nodes) may take pods; `versions`, when given, are ctx.nodeVersions, which the
   * cache's fingerprint then reads instead of an unchanged node's fields; `surveyEpoch`, when
   * given, changes whenever the nodes or `destination` may have changed since the last scan
   * (the policy's count of surveys made: it gives an unchanged cluster's survey again).
   */
  run(
    ctx: ClusterAutoscalerContext, table: NodeTable, destination: Uint8Array, candidates: readonly Candidate[],
    versions: Float64Array | undefined, surveyEpoch: number | undefined, steps: PlanSteps,
  ): readonly Drain[] {
    this.ctx = ctx;
    this.destination = destination;
    this.versions = versions;
    this.surveyEpoch = surveyEpoch;
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
      const from = i;
      [i, held] = this.ctx.simulate((sim) => {
        this.learnNodes(sim);
        this.replay(sim);
        return this.advance(candidates, from, true, steps, sim);
      });
    }
    return this.drains;
  }

  /**
   * Goes through the candidates from `i` (candidates[i] already considered when `held`).
   * Without `sim` it stops at the first drain that needs a what-if; with `sim` (a what-if with
   * the drains so far) it drains candidates[i] there, and goes on in it while the drains
   * succeed. Returns where to go on from, and whether that candidate
   * was considered already.
   */
  private advance(candidates: readonly Candidate[], i: number, held: boolean, steps: PlanSteps, sim: ClusterSimulation | undefined): [number, boolean] {
    for (; i < candidates.length; i++, held = false) {
      const c = candidates[i]!;
      const verdict = held ? 'drain' : steps.consider(c);
      if (verdict === 'skip') continue;
      const name = c.sn.node.name;
      if (verdict === 'empty') {
        if (sim) this.removeEmpty(sim, name);
        this.addEmpty(name);
        steps.taken(c);
        continue;
      }
      if (!this.checked) this.lookUp();
      const runs = this.cursor?.get(name);
      // A remembered drain: no what-if needed (nor, if it failed, wanted in the middle of a
      // running one). The node's pods in the what-if are its own pods after those of the drains
      // so far it received, so with none received its own order tells.
      const known = !this.receivers.has(name) ? runs?.find((r) => samePods(r.real, c.pods)) : undefined;
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
      if (!info) continue;
      const pods = sim.removeNode(info);
      let run = runs?.find((r) => samePods(r.removed, pods));
      if (run) {
        for (const p of run.drain.placements) sim.place(p.pod, this.byName.get(p.node)!);
      } else {
        run = this.drainAfresh(sim, name, c, pods);
      }
      if (run.ok) {
        this.accept(run);
        steps.taken(c);
      }
      // A failed drain leaves the what-if half-done: the next drain starts a new one.
      if (!run.ok) return [i + 1, false];
    }
    return [i, false];
  }

  /**
   * A drain not seen before: each of the node's pods to the first destination where it fits, in
   * the what-if, up to the first that fits nowhere; remembered. Apart from advance, as is
   * removeEmpty, so that advance - the loop most scans run over remembered drains - compiles
   * small, and a first use of these paths recompiles only them (bench/README.md, "Autoscaled
   * week, sixth pass").
   */
  private drainAfresh(sim: ClusterSimulation, name: string, c: Candidate, pods: readonly PodInfo[]): DrainRun {
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
    return this.remember(name, c.pods, [...pods], { node: name, placements }, ok);
  }

  /** An empty candidate leaves the what-if too. */
  private removeEmpty(sim: ClusterSimulation, name: string): void {
    const n = this.byName.get(name);
    if (n) sim.removeNode(n);
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
    if (!this.fingerprint.matches(this.table!, this.destination, this.versions, this.surveyEpoch) || this.runs > MAX_CACHED_RUNS) {
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
    const table = this.table!;
    // Positions in the list by node slot, the name checked (what a by-name map would give:
    // names are unique among the nodes of a cluster).
    const at = positionsBySlot(table);
    this.byName = new Map();
    this.listPosition = new Int32Array(nodes.length);
    for (let i = 0; i < nodes.length; i++) {
      const n = nodes[i]!;
      this.byName.set(n.name, n);
      const p = n.index < at.length ? at[n.index]! : -1;
      this.listPosition[i] = p >= 0 && table.nodes[p]!.name === n.name ? p : -1;
    }
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

import { hasHostnameLabel, type ClusterSnapshot, type NodeChangeLog, type NodeInfo } from '../../api/node.js';
import type { PodInfo, PodSpec } from '../../api/pod.js';
import { fitsNodeAffinity } from './node-affinity.js';
import { nodeHasTopologyKeys, type NodePodCounter, type SpreadConstraint } from './pod-topology-spread.js';
import { switchedOn } from '../../util/switches.js';
import { nodeVersionsDefault } from '../equivalence-cache.js';

/**
 * PodTopologySpread's PreFilter counts (TpValueToMatchNum: matching pods per topology value over
 * the nodes that pass the pod's node affinity and carry every topology key), kept per pod spec
 * and brought up to date incrementally: a node whose NodeInfo object and generation are those
 * it was counted at keeps its contribution; any other node's old contribution is taken off and
 * its new one added. Upstream recounts every node in PreFilter (calPreFilterState in
 * pkg/scheduler/framework/plugins/podtopologyspread/filtering.go); between two cycles of a
 * workload only a few nodes change, so this touches one generation per node instead of its
 * labels, selector and pods. The counts are integers, so the totals are exactly the recount's.
 *
 * What a node contributes depends on the pod spec (namespace, node affinity, constraints - the
 * plugin's defaults are fixed per instance) and on the node's labels, name and pods, all of which
 * change its generation. A node without a generation is counted afresh at every cycle.
 * PreScore's per-domain pod counts (IncrementalSpreadScoreCounts, below) are kept the same way.
 * Off with ORCHSIM_NO_SPREAD_COUNTS=1 (read when the plugin is built; it turns off both, and the
 * plugin's per-spec memo of its constraint lists); the
 * property test in test/schedulers/spread-domain-counts.test.ts requires the same PreFilter and
 * PreScore states as the full recount.
 */

/** Whether PodTopologySpread keeps its PreFilter counts incrementally unless told otherwise. */
export function incrementalSpreadCountsDefault(): boolean {
  return switchedOn('ORCHSIM_NO_SPREAD_COUNTS');
}

/**
 * Whether a spec's pass over the nodes (NodeContributions) visits only the nodes the snapshot's
 * change log (ClusterSnapshot.nodeChanges) names since the spec's last pass, when it can, unless
 * told otherwise: ORCHSIM_NO_SPREAD_CHANGE_LOG=1 turns it off (every node's version compared at
 * every pass).
 */
export function spreadChangeLogDefault(): boolean {
  return switchedOn('ORCHSIM_NO_SPREAD_CHANGE_LOG');
}

/**
 * What each node slot contributed per constraint (its domain id, -1 for none, and its matching
 * pods), valid while the slot holds the same NodeInfo at the same generation. Subclasses keep the
 * totals and say how a contribution is taken off them.
 */
abstract class NodeContributions {
  private seen: (NodeInfo | undefined)[] = [];
  private generation = new Float64Array(0);
  /** Each slot's ClusterSnapshot.nodeVersions entry when last looked at (NaN: none). */
  private version = new Float64Array(0);
  /** Domain id per (node slot, constraint), -1 when the node is not counted. */
  protected domain = new Int32Array(0);
  protected count = new Float64Array(0);
  /** Per (node slot, constraint): 1 when `count` holds a count that no domain total includes (a hostname constraint's). */
  protected counted = new Uint8Array(0);
  private slots = 0;
  /** The change log the last pass read up to `loggedCount` writes of (undefined: none). */
  private log: NodeChangeLog | undefined;
  private loggedCount = 0;
  /** The node slots this pass visits when they come from the log (`visits` entries of it). */
  protected visited = new Int32Array(0);

  /**
   * `useVersions`: read node versions from snapshots that keep them (nodeVersionsDefault);
   * `useLog`: with them, visit the nodes the change log names (spreadChangeLogDefault).
   */
  constructor(protected readonly n: number, protected readonly useVersions: boolean, private readonly useLog: boolean) {}

  /**
   * The node slots of this pass: -1 for every slot of `nodes`, else the number of slots in
   * `visited` - those whose version was written since the last pass, by the snapshot's change
   * log. A slot the log does not name has the version it had then, which that pass (which saw
   * every slot, or every slot written before it) recorded: changed() would pass over it. The
   * log is read when it is the one the last pass read, has not overwritten what that pass did
   * not read, names fewer slots than there are nodes, and the node list is as long as then.
   */
  protected slotsToVisit(snapshot: ClusterSnapshot, size: number): number {
    const log = this.useLog && this.useVersions && snapshot.nodeVersions !== undefined ? snapshot.nodeChanges : undefined;
    const last = this.log;
    const from = this.loggedCount;
    this.log = log;
    this.loggedCount = log !== undefined ? log.count : 0;
    if (log === undefined || log !== last || size !== this.slots) return -1;
    const writes = log.count - from;
    if (writes > log.ring.length || writes >= size) return -1;
    if (this.visited.length < writes) this.visited = new Int32Array(Math.max(writes, 2 * this.visited.length, 16));
    const ring = log.ring;
    const wrap = ring.length - 1;
    const visited = this.visited;
    let m = 0;
    for (let w = from; w < log.count; w++) {
      const k = ring[w & wrap]!;
      if (k < size) visited[m++] = k;
    }
    return m;
  }

  /** Makes room for `size` node slots. */
  protected begin(size: number): void {
    if (size <= this.seen.length) return;
    const n = this.n;
    while (this.seen.length < size) this.seen.push(undefined);
    const generation = new Float64Array(size).fill(NaN);
    generation.set(this.generation);
    this.generation = generation;
    const version = new Float64Array(size).fill(NaN);
    version.set(this.version);
    this.version = version;
    const domain = new Int32Array(size * n).fill(-1);
    domain.set(this.domain);
    this.domain = domain;
    const count = new Float64Array(size * n);
    count.set(this.count);
    this.count = count;
    const counted = new Uint8Array(size * n);
    counted.set(this.counted);
    this.counted = counted;
  }

  /** Whether slot k holds `node` (as of the last update, which saw every node of the snapshot). */
  protected holds(k: number, node: NodeInfo): boolean {
    return k < this.seen.length && this.seen[k] === node;
  }

  /**
   * False when slot k holds `nodes[k]` as it was counted; otherwise its old contribution is taken
   * off, the node recorded, and true: the caller counts it again.
   */
  protected changed(k: number, nodes: readonly NodeInfo[], versions: Float64Array | undefined): boolean {
    // The same version at an index first, without loading the node: `version[k]` is only ever
    // set together with seen[k], and the same version at an index is the same node as it was
    // then, pods included (ClusterSnapshot.nodeVersions) - two loads less per node of a pass that
    // mostly skips (bench/README.md, "Autoscaled week, ninth pass").
    if (versions !== undefined && this.version[k] === versions[k]) return false;
    const node = nodes[k]!;
    if (this.seen[k] === node && this.generation[k] === node.generation) {
      if (versions !== undefined) this.version[k] = versions[k] ?? NaN;
      return false;
    }
    if (this.seen[k] !== undefined) this.take(k);
    this.seen[k] = node;
    this.generation[k] = node.generation ?? NaN;
    this.version[k] = versions !== undefined ? versions[k] ?? NaN : NaN;
    return true;
  }

  /** The snapshot had `size` nodes: slots beyond it (removed nodes) give their contributions back. */
  protected end(size: number): void {
    for (let k = size; k < this.slots; k++) {
      if (this.seen[k] !== undefined) this.take(k);
      this.seen[k] = undefined;
      this.generation[k] = NaN;
      this.version[k] = NaN;
    }
    this.slots = size;
  }

  /** Takes slot k's contribution off the totals (and marks its domains -1). */
  protected abstract take(k: number): void;
}

/**
 * A value per pod spec from the second time the spec is seen: undefined the first time (a
 * one-off pod is counted the plain way and leaves nothing behind).
 */
class SecondSight<T> {
  private readonly bySpec = new WeakMap<PodSpec, T>();
  private readonly seenOnce = new WeakSet<PodSpec>();

  get(spec: PodSpec, create: () => T): T | undefined {
    let e = this.bySpec.get(spec);
    if (e === undefined) {
      if (!this.seenOnce.has(spec)) {
        this.seenOnce.add(spec);
        return undefined;
      }
      this.bySpec.set(spec, (e = create()));
    }
    return e;
  }
}

/** One spec's per-node contributions and per-domain totals. */
class SpecCounts extends NodeContributions {
  /** Per constraint: topology value by domain id, its id by value, matching pods and counted nodes by id. */
  private readonly values: string[][];
  private readonly ids: Map<string, number>[];
  private totals: Float64Array[];
  private nodesIn: Int32Array[];

  constructor(n: number, useVersions: boolean, useLog: boolean) {
    super(n, useVersions, useLog);
    this.values = Array.from({ length: n }, () => []);
    this.ids = Array.from({ length: n }, () => new Map());
    this.totals = Array.from({ length: n }, () => new Float64Array(8));
    this.nodesIn = Array.from({ length: n }, () => new Int32Array(8));
  }

  update(pod: PodInfo, snapshot: ClusterSnapshot, constraints: readonly SpreadConstraint[], countPods: NodePodCounter): Map<string, number>[] {
    const n = this.n;
    const nodes = snapshot.nodes;
    this.begin(nodes.length);
    const versions = this.useVersions ? snapshot.nodeVersions : undefined;
    const ns = pod.spec.namespace;
    const logged = this.slotsToVisit(snapshot, nodes.length);
    const visits = logged < 0 ? nodes.length : logged;
    for (let j = 0; j < visits; j++) {
      const k = logged < 0 ? j : this.visited[j]!;
      if (!this.changed(k, nodes, versions)) continue;
      const node = nodes[k]!;
      if (!fitsNodeAffinity(pod, node) || !nodeHasTopologyKeys(node.labels, constraints)) continue;
      let lastSelector = constraints[0]!.selector;
      let lastCount = 0;
      for (let i = 0; i < n; i++) {
        const c = constraints[i]!;
        // System/List defaults share one selector object: count each node's pods once for all of them.
        const count = i > 0 && c.selector === lastSelector ? lastCount : countPods(node, c.selector, ns);
        lastSelector = c.selector;
        lastCount = count;
        const d = this.idOf(i, node.labels[c.topologyKey]!);
        this.domain[k * n + i] = d;
        this.count[k * n + i] = count;
        this.totals[i]![d] = this.totals[i]![d]! + count;
        this.nodesIn[i]![d] = this.nodesIn[i]![d]! + 1;
      }
    }
    this.end(nodes.length);
    const matchNum: Map<string, number>[] = [];
    for (let i = 0; i < n; i++) {
      const m = new Map<string, number>();
      const values = this.values[i]!;
      const totals = this.totals[i]!;
      const nodesIn = this.nodesIn[i]!;
      for (let d = 0; d < values.length; d++) if (nodesIn[d]! > 0) m.set(values[d]!, totals[d]!);
      matchNum.push(m);
    }
    return matchNum;
  }

  protected take(k: number): void {
    const n = this.n;
    for (let i = 0; i < n; i++) {
      const d = this.domain[k * n + i]!;
      if (d < 0) continue;
      this.totals[i]![d] = this.totals[i]![d]! - this.count[k * n + i]!;
      this.nodesIn[i]![d] = this.nodesIn[i]![d]! - 1;
      this.domain[k * n + i] = -1;
    }
  }

  private idOf(i: number, value: string): number {
    const ids = this.ids[i]!;
    let d = ids.get(value);
    if (d === undefined) {
      d = this.values[i]!.length;
      ids.set(value, d);
      this.values[i]!.push(value);
      if (d >= this.totals[i]!.length) {
        const totals = new Float64Array(2 * d);
        totals.set(this.totals[i]!);
        this.totals[i] = totals;
        const nodesIn = new Int32Array(2 * d);
        nodesIn.set(this.nodesIn[i]!);
        this.nodesIn[i] = nodesIn;
      }
    }
    return d;
  }
}

/**
 * The PreFilter counts of PodTopologySpread for pods of specs seen before; undefined the first
 * time a spec is seen (a one-off pod is counted the plain way and leaves nothing behind).
 */
export class IncrementalSpreadCounts {
  private readonly specs = new SecondSight<SpecCounts>();

  /**
   * `useVersions`: skip a node whose ClusterSnapshot.nodeVersions entry is unchanged without
   * reading it (ORCHSIM_NO_NODE_VERSIONS=1 turns it off); `useLog`: visit only the nodes the
   * change log names since a spec's last pass (ORCHSIM_NO_SPREAD_CHANGE_LOG=1 turns it off).
   */
  constructor(private readonly useVersions: boolean = nodeVersionsDefault(), private readonly useLog: boolean = spreadChangeLogDefault()) {}

  matchNum(pod: PodInfo, snapshot: ClusterSnapshot, constraints: readonly SpreadConstraint[], countPods: NodePodCounter): Map<string, number>[] | undefined {
    return this.specs.get(pod.spec, () => new SpecCounts(constraints.length, this.useVersions, this.useLog))?.update(pod, snapshot, constraints, countPods);
  }
}

/** What PreScore needs to place a node in a domain (see computeSpreadPreScoreState). */
export interface PreScoreDomains {
  readonly isHostname: Uint8Array;
  readonly domains: readonly ({ of(node: NodeInfo): number } | undefined)[];
  /** Per constraint, the domain of a node without the key (-1 when every key is required). */
  readonly emptyDomain: Int32Array;
  readonly requireAllTopologies: boolean;
}

/**
 * PreScore's TopologyValueToPodCounts before it is cut to the feasible nodes' domains: matching
 * pods per domain id (TopologyDomains ids, per constraint; hostname constraints are left out)
 * over the nodes that pass the pod's node affinity and have the keys (or, with system defaults,
 * land in the "" domain), kept per spec like SpecCounts. Upstream (scoring.go PreScore) walks
 * every node at every cycle. The same pass keeps each such node's count for the hostname
 * constraints, which PreScore reads for the feasible nodes instead of asking the counter again
 * (upstream counts them in Score, scoring.go).
 */
class SpecScoreCounts extends NodeContributions {
  readonly totals: Float64Array[];

  constructor(n: number, useVersions: boolean, useLog: boolean) {
    super(n, useVersions, useLog);
    this.totals = Array.from({ length: n }, () => new Float64Array(8));
  }

  update(pod: PodInfo, snapshot: ClusterSnapshot, constraints: readonly SpreadConstraint[], d: PreScoreDomains, countPods: NodePodCounter): void {
    const n = this.n;
    const nodes = snapshot.nodes;
    this.begin(nodes.length);
    const versions = this.useVersions ? snapshot.nodeVersions : undefined;
    const ns = pod.spec.namespace;
    const logged = this.slotsToVisit(snapshot, nodes.length);
    const visits = logged < 0 ? nodes.length : logged;
    for (let j = 0; j < visits; j++) {
      const k = logged < 0 ? j : this.visited[j]!;
      if (!this.changed(k, nodes, versions)) continue;
      const node = nodes[k]!;
      if (!fitsNodeAffinity(pod, node)) continue;
      let all = true;
      for (let i = 0; i < n; i++) {
        const id = d.isHostname[i] === 1 ? (hasHostnameLabel(node.labels) ? 0 : -1) : d.domains[i]!.of(node);
        this.domain[k * n + i] = id;
        if (id < 0) all = false;
      }
      if (!all && d.requireAllTopologies) {
        for (let i = 0; i < n; i++) this.domain[k * n + i] = -1;
        continue;
      }
      let lastSelector = constraints[0]!.selector;
      let lastCount = -1;
      for (let i = 0; i < n; i++) {
        const selector = constraints[i]!.selector;
        if (d.isHostname[i] === 1) {
          // PreScore counts the node's own pods for a hostname constraint when the node is
          // feasible (and not ignored): counted here, for every node, so it reads them.
          this.domain[k * n + i] = -1;
          const c = lastCount >= 0 && selector === lastSelector ? lastCount : countPods(node, selector, ns);
          lastSelector = selector;
          lastCount = c;
          this.count[k * n + i] = c;
          this.counted[k * n + i] = 1;
          continue;
        }
        let id = this.domain[k * n + i]!;
        if (id < 0) id = d.emptyDomain[i]!;
        this.domain[k * n + i] = id;
        if (id < 0) continue;
        // System/List defaults share one selector object: count each node's pods once for all of them.
        const c = lastCount >= 0 && selector === lastSelector ? lastCount : countPods(node, selector, ns);
        lastSelector = selector;
        lastCount = c;
        this.count[k * n + i] = c;
        if (id >= this.totals[i]!.length) {
          const t = new Float64Array(Math.max(id + 1, 2 * this.totals[i]!.length));
          t.set(this.totals[i]!);
          this.totals[i] = t;
        }
        this.totals[i]![id] = this.totals[i]![id]! + c;
      }
    }
    this.end(nodes.length);
  }

  protected take(k: number): void {
    const n = this.n;
    for (let i = 0; i < n; i++) {
      this.counted[k * n + i] = 0;
      const id = this.domain[k * n + i]!;
      if (id < 0) continue;
      this.totals[i]![id] = this.totals[i]![id]! - this.count[k * n + i]!;
      this.domain[k * n + i] = -1;
    }
  }

  /** The node's matching pods for hostname constraint i as of the last update, -1 when not counted there. */
  hostCount(node: NodeInfo, i: number): number {
    const k = node.index;
    return this.holds(k, node) && this.counted[k * this.n + i] === 1 ? this.count[k * this.n + i]! : -1;
  }
}

/** What IncrementalSpreadScoreCounts.totals gives PreScore: per-domain totals and the hostname constraints' per-node counts. */
export interface SpreadScoreCounts {
  readonly totals: readonly Float64Array[];
  hostCount(node: NodeInfo, i: number): number;
}

/** PreScore's per-domain totals for pods of specs seen before (undefined the first time, as IncrementalSpreadCounts). */
export class IncrementalSpreadScoreCounts {
  private readonly specs = new SecondSight<SpecScoreCounts>();

  /** As IncrementalSpreadCounts'. */
  constructor(private readonly useVersions: boolean = nodeVersionsDefault(), private readonly useLog: boolean = spreadChangeLogDefault()) {}

  totals(pod: PodInfo, snapshot: ClusterSnapshot, constraints: readonly SpreadConstraint[], d: PreScoreDomains, countPods: NodePodCounter): SpreadScoreCounts | undefined {
    const e = this.specs.get(pod.spec, () => new SpecScoreCounts(constraints.length, this.useVersions, this.useLog));
    if (e === undefined) return undefined;
    e.update(pod, snapshot, constraints, d, countPods);
    return e;
  }
}

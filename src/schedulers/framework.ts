import {
  ALL_CLUSTER_EVENTS, PluginError, isPermit, isQueueSort, isUnreserve, isWaitingPostFilter, type PermitOutcome, type PermitPlugin, type QueueSortPlugin,
  type UnreservePlugin, type WaitingPodsHandle, type WaitingPostFilterPlugin, isFilter, isPostFilter, type PostFilterPlugin, type PreemptionHandle, type PreemptionResult, isGpuSelect, isPreFilter, isPreScore, isScore, MAX_NODE_SCORE,
  type FitError, type GpuSelectPlugin,
  type CycleState, type FilterPlugin, type Plugin, type PreFilterPlugin, type PreScorePlugin,
  type ProfileConfig, type RandomSource, type Scheduler, type Status, type TieBreak,
} from '../api/framework.js';
import { gpuRequest, selectGpusBestFit } from '../api/gpu.js';
import type { ClusterSnapshot, NodeInfo } from '../api/node.js';
import type { PodInfo } from '../api/pod.js';
import { EquivalenceCache, equivalenceCacheDefault, judgeNode, nodeVersionsDefault, type SpecVerdicts } from './equivalence-cache.js';
import { scanCachedVerdicts, settleRejections, type ScanCursor } from './cached-scan.js';
import { cycleSetupMemoDefault, fillIndexes, FusedScores, fusedScoresDefault, loneScanDefault, nodeChangeLogDefault, selectHost } from './fused-scores.js';
import { REASON_NODE_NAME } from './plugins/node-name.js';
import { NodeRanks } from './node-ranks.js';
import { fastScanDefault, nodeRecordsDefault, numFeasibleNodesToFind, ScanOrder, scanOrderMemoDefault } from './scan-order.js';
import { findPreemption } from './preemption.js';
import type { PluginHandle, PluginRegistry } from './registry.js';
import { fitError, fitErrorAgainDefault, FitErrors, fitErrorReuseDefault } from './fit-error.js';
import { CycleStates, cycleStateReuseDefault } from './cycle-state.js';
import { PreFilters, preFilterSkipMemoDefault } from './pre-filters.js';
import type { FrameworkOptions, WeightedScore } from './framework-options.js';

export { MIN_FEASIBLE_NODES_PERCENTAGE_TO_FIND, MIN_FEASIBLE_NODES_TO_FIND, numFeasibleNodesToFind, zoneInterleavedOrder } from './scan-order.js';
export { formatFitError } from './fit-error.js';
export { PluginError } from '../api/framework.js';

export type { FrameworkOptions } from './framework-options.js';

const NO_NODE = -1;
const NO_NODES: readonly number[] = Object.freeze([]);

/**
 * One scheduler profile instantiated: runs a scheduling cycle for a pod against a snapshot,
 * with the semantics of kube-scheduler's schedulePod (filter with percentageOfNodesToScore and
 * round-robin start, score, normalize, weighted sum, top-score tie-break).
 * The same object is driven by the simulator and by the production runtime.
 */
export class Framework implements Scheduler {
  readonly name: string;
  readonly profile: ProfileConfig;
  readonly plugins: readonly Plugin[];
  private readonly preFilters: PreFilterPlugin[] = [];
  private readonly filters: FilterPlugin[] = [];
  private readonly preScores: PreScorePlugin[] = [];
  private readonly scores: WeightedScore[] = [];
  private readonly percentage: number;
  private readonly tieBreak: TieBreak;

  private nextStartNodeIndex = 0;
  /** The node list's zone-interleaved scan order (NodeTree), made again when the list changes. */
  private readonly scanOrder: ScanOrder;
  /** PreFilter (pre-filters.ts): the plugins' Skips, the filters left to run. */
  private readonly pre: PreFilters;
  /** The same for findFeasible and filterNodes (what-ifs, preemption, the extender), apart so that neither path resets the other's. */
  private readonly candidatesPre: PreFilters;
  private readonly skipScore: Uint8Array;
  private skipMask = 0;
  private readonly feasible: NodeInfo[] = [];
  /** With the equivalence cache: feasible[i].index, read by the score loops. */
  private feasibleIndex = new Int32Array(0);
  private failStatus: (Status | null)[] = [];
  private failPlugin: (Plugin | null)[] = [];
  /** Scan positions of the nodes rejected this cycle (0..failed-1): only their slots are cleared after. */
  private rejectedAt = new Int32Array(0);
  private readonly cursor: ScanCursor = { processed: 0, idx: 0, found: 0, failed: 0, deferred: false, entryStatus: [], entryFailAt: new Int32Array(0), filters: [], changes: undefined };
  private scoreBuf = new Float64Array(64);
  private totalBuf = new Float64Array(64);
  private readonly gpuSelectors: GpuSelectPlugin[] = [];
  private readonly ranks = new NodeRanks();
  /** Number of nodes whose filters ran in the last cycle. */
  lastEvaluated = 0;
  /** Devices chosen for the last scheduled GPU pod. */
  lastGPUs: readonly number[] | undefined;
  /** The rejection summary of the last failed cycle. */
  lastFitError: FitError | undefined;
  /**
   * After a failed cycle: the nodes (snapshot indexes) a filter rejected as Unschedulable, not
   * UnschedulableAndUnresolvable - where removing pods might make room
   * (nodesWherePreemptionMightHelp, pkg/scheduler/framework/preemption/preemption.go).
   * After a failed scan, FitErrors' own list: the cycle stores a flag rather than the array into
   * this long-lived object (an array stored there, and the empty one stored again by the next
   * cycle, each ran V8's write barrier out of line while the GC marks, twice per failed cycle).
   */
  get lastResolvableNodes(): readonly number[] {
    return this.resolvableFromScan === true ? this.fitErrors.resolvable : this.resolvableNodes;
  }
  /** lastResolvableNodes when the cycle did not fail in the scan (a PreFilter rejection, a pinned node). */
  private resolvableNodes: readonly number[] = NO_NODES;
  /** The last cycle failed in the scan: lastResolvableNodes is fitErrors.resolvable. */
  private resolvableFromScan = false;
  /** Builds lastFitError and lastResolvableNodes after a scan that found no node. */
  private readonly fitErrors: FitErrors;
  /** DefaultPreemption's arguments when the profile lists it (PostFilter). */
  preemption: PostFilterPlugin['preemption'] | undefined;
  /** The profile's QueueSort plugin (Coscheduling), if any. */
  queueSort: QueueSortPlugin | undefined;
  private readonly permits: PermitPlugin[] = [];
  private readonly unreserves: UnreservePlugin[] = [];
  private readonly waitingPostFilters: WaitingPostFilterPlugin[] = [];
  /** Each cycle's CycleState: the last one again when no plugin wrote to it (FrameworkOptions.cycleStateReuse). */
  private readonly states: CycleStates;
  /** Set only when the profile has the extension point, so the simulator's fast path stays as it was. */
  readonly permit?: Framework['runPermit'];
  readonly unreserve?: Framework['runUnreserve'];
  readonly postFilterWaiting?: Framework['runWaitingPostFilters'];

  /** Node-local verdicts per spec; undefined when turned off. */
  private readonly equivalence: EquivalenceCache | undefined;
  /** The scan's fast paths over cached verdicts (FrameworkOptions.fastScan). */
  private readonly fastScan: boolean;
  /** FrameworkOptions.nodeRecords. */
  private readonly nodeRecords: boolean;
  /** Totals per (spec, node version) and the scan that keeps selectHost's maximum (FrameworkOptions.fusedScores). */
  private readonly fused: FusedScores | undefined;

  /** Instantiates the profile's plugins from `registry`. */
  constructor(profile: ProfileConfig, registry: PluginRegistry, handle: PluginHandle, options?: FrameworkOptions);
  /** Over plugins already instantiated: one per entry of `profile.plugins`, in its order. */
  constructor(profile: ProfileConfig, plugins: readonly Plugin[], options?: FrameworkOptions);
  constructor(profile: ProfileConfig, source: PluginRegistry | readonly Plugin[], handleOrOptions?: PluginHandle | FrameworkOptions, moreOptions?: FrameworkOptions) {
    const handle = Array.isArray(source) ? undefined : (handleOrOptions as PluginHandle);
    const options = Array.isArray(source) ? (handleOrOptions as FrameworkOptions | undefined) : moreOptions;
    this.name = profile.name;
    this.profile = profile;
    this.percentage = profile.percentageOfNodesToScore ?? 0;
    this.tieBreak = profile.tieBreak ?? 'random';
    if (Array.isArray(source) && source.length !== profile.plugins.length) {
      throw new Error(`profile "${profile.name}": ${source.length} plugin instances for ${profile.plugins.length} plugins`);
    }
    const plugins: Plugin[] = [];
    for (const [i, cfg] of profile.plugins.entries()) {
      let plugin: Plugin;
      if (Array.isArray(source)) plugin = (source as readonly Plugin[])[i]!;
      else {
        const entry = (source as PluginRegistry).get(cfg.name);
        if (!entry) throw new Error(`profile "${profile.name}": unknown plugin "${cfg.name}"`);
        plugin = entry.factory(cfg.args, handle!);
      }
      plugins.push(plugin);
      if (isPreFilter(plugin)) this.preFilters.push(plugin);
      if (isGpuSelect(plugin)) this.gpuSelectors.push(plugin);
      if (isPostFilter(plugin)) this.preemption = plugin.preemption;
      if (isFilter(plugin)) this.filters.push(plugin);
      if (isQueueSort(plugin)) this.queueSort ??= plugin;
      if (isPermit(plugin)) this.permits.push(plugin);
      if (isUnreserve(plugin)) this.unreserves.push(plugin);
      if (isWaitingPostFilter(plugin)) this.waitingPostFilters.push(plugin);
      const weight = cfg.weight ?? 1;
      if (isScore(plugin) && weight > 0) {
        if (isPreScore(plugin)) this.preScores.push(plugin);
        this.scores.push({ plugin, weight, preScore: isPreScore(plugin), nodeLocal: plugin.nodeLocal === true });
      }
    }
    this.plugins = plugins;
    // Filter positions are bits of a 31-bit mask.
    const cache = (options?.equivalenceCache ?? equivalenceCacheDefault()) && this.filters.length <= 30;
    const setupMemo = options?.cycleSetupMemo ?? cycleSetupMemoDefault();
    this.equivalence = cache ? new EquivalenceCache(this.filters, this.scores.length, options?.nodeVersions ?? nodeVersionsDefault(), undefined, setupMemo) : undefined;
    this.fastScan = options?.fastScan ?? fastScanDefault();
    this.nodeRecords = options?.nodeRecords ?? nodeRecordsDefault();
    this.skipScore = new Uint8Array(this.scores.length);
    // Skip masks are 31-bit; the 'rank' tie-break reads every total.
    const fuse = this.equivalence !== undefined && this.fastScan && (options?.fusedScores ?? fusedScoresDefault()) && this.scores.length <= 30 && this.tieBreak !== 'rank';
    this.fused = fuse ? new FusedScores(this.scores, options?.nodeChangeLog ?? nodeChangeLogDefault(), setupMemo, options?.loneScan ?? loneScanDefault()) : undefined;
    if (this.permits.length > 0) this.permit = this.runPermit;
    if (this.unreserves.length > 0) this.unreserve = this.runUnreserve;
    if (this.waitingPostFilters.length > 0) this.postFilterWaiting = this.runWaitingPostFilters;
    const skipMemo = options?.preFilterSkipMemo ?? preFilterSkipMemoDefault();
    this.pre = new PreFilters(this.preFilters, this.filters, skipMemo);
    this.candidatesPre = new PreFilters(this.preFilters, this.filters, skipMemo);
    this.fitErrors = new FitErrors(options?.fitErrorReuse ?? fitErrorReuseDefault(), options?.fitErrorAgain ?? fitErrorAgainDefault());
    this.states = new CycleStates(options?.cycleStateReuse ?? cycleStateReuseDefault());
    this.scanOrder = new ScanOrder(options?.scanOrderMemo ?? scanOrderMemoDefault());
  }

  /**
   * RunPermitPlugins (pkg/scheduler/framework/runtime/framework.go): a rejection ends it; the
   * plugins that ask to wait are collected, and the pod waits until each allows it or the
   * earliest of their timeouts.
   */
  private runPermit(pod: PodInfo, node: NodeInfo, snapshot: ClusterSnapshot, handle: WaitingPodsHandle): PermitOutcome {
    const state: CycleState = new Map();
    let timeout = Infinity;
    let events = 0;
    const waiting: string[] = [];
    for (const p of this.permits) {
      let r;
      try {
        r = p.permit(state, pod, node, snapshot, handle);
      } catch (e) {
        throw e instanceof PluginError ? e : new PluginError(p.name, 'Permit', pod.name, node.name, e);
      }
      if (r === null) continue;
      if (r.code === 'Wait') {
        waiting.push(p.name);
        events |= p.events ?? ALL_CLUSTER_EVENTS;
        timeout = Math.min(timeout, r.timeout);
        continue;
      }
      return { code: 'Reject', plugin: p.name, reason: r.reason, events: p.events ?? ALL_CLUSTER_EVENTS };
    }
    return waiting.length === 0 ? { code: 'Allow' } : { code: 'Wait', timeout, plugins: waiting, events };
  }

  /** RunReservePluginsUnreserve: in reverse order of the profile. */
  private runUnreserve(pod: PodInfo, node: NodeInfo, snapshot: ClusterSnapshot, handle: WaitingPodsHandle): void {
    for (let i = this.unreserves.length - 1; i >= 0; i--) {
      const p = this.unreserves[i]!;
      try {
        p.unreserve(pod, node, snapshot, handle);
      } catch (e) {
        throw e instanceof PluginError ? e : new PluginError(p.name, 'Unreserve', pod.name, node.name, e);
      }
    }
  }

  private runWaitingPostFilters(pod: PodInfo, snapshot: ClusterSnapshot, handle: WaitingPodsHandle): void {
    for (const p of this.waitingPostFilters) {
      try {
        p.postFilter(pod, snapshot, handle);
      } catch (e) {
        throw e instanceof PluginError ? e : new PluginError(p.name, 'PostFilter', pod.name, undefined, e);
      }
    }
  }

  /**
   * Runs one scheduling cycle. Returns the chosen node's index, or -1 when no node fits (then
   * `lastFitError` says why). `random` supplies the tie-break among top-scoring nodes.
   */
  schedule(pod: PodInfo, snapshot: ClusterSnapshot, random: RandomSource): number {
    const nodes = snapshot.nodes;
    const numAllNodes = nodes.length;
    this.lastFitError = undefined;
    this.lastEvaluated = 0;
    this.resolvableFromScan = false;
    if (this.resolvableNodes.length > 0) this.resolvableNodes = NO_NODES;
    if (numAllNodes === 0) {
      this.lastFitError = fitError(pod.name, 0, new Map(), [], ALL_CLUSTER_EVENTS);
      return NO_NODE;
    }
    const state = this.states.take();
    let plugin = '';
    let point = '';
    let current: NodeInfo | undefined;
    let entry: SpecVerdicts | undefined;
    let fusedScan: FusedScores | undefined;
    try {
      // PreFilter: a failure rejects the pod on every node; SKIP turns off that plugin's Filter.
      point = 'PreFilter';
      const pre = this.pre;
      // `!== true`: run's result comes from a call, so V8 does not know it as a boolean, and `!`
      // would test it the generic way (false, "", a heap number, a BigInt...), every cycle.
      if (pre.run(state, pod, snapshot) !== true) {
        const s = pre.rejection!;
        this.lastFitError = fitError(pod.name, numAllNodes, new Map([[s.reason, numAllNodes]]), [pre.rejecter!]);
        // A PreFilter rejection is every node's status (upstream fills the status map with it).
        if (s.code === 'Unschedulable') this.resolvableNodes = nodes.map((n) => n.index);
        return NO_NODE;
      }
      // The filters that run this cycle, so the per-node loop has no skip test.
      const filters = pre.active;

      // Filter, scanning round-robin from where the last cycle stopped, until enough feasible
      // nodes are found.
      point = 'Filter';
      // Filled from index 0 and cut to length after the scan, never emptied first: an array cut to
      // length 0 loses its backing store, and 500 pushes would grow it again every cycle.
      const feasible = this.feasible;
      if (this.failStatus.length < numAllNodes) {
        this.failStatus = new Array<Status | null>(numAllNodes).fill(null);
        this.failPlugin = new Array<Plugin | null>(numAllNodes).fill(null);
      }
      const failStatus = this.failStatus;
      const failPlugin = this.failPlugin;
      const nf = filters.length;
      let processed = 0;
      const pinned = pod.spec.nodeName;
      if (pinned !== undefined) {
        // NodeName set: only that node is considered (PreFilterResult with one node name).
        const node = snapshot.nodeByName(pinned);
        let rejection = `node "${pinned}" not found`;
        let rejecter: Plugin | undefined;
        feasible.length = 0;
        if (node) {
          current = node;
          let status: Status | null = null;
          for (let f = 0; f < nf && status === null; f++) {
            plugin = filters[f]!.name;
            status = filters[f]!.filter(state, pod, node, snapshot);
            if (status !== null) rejecter = filters[f]!;
          }
          if (status === null) feasible.push(node);
          else {
            rejection = status.reason;
            if (status.code === 'Unschedulable') this.resolvableNodes = [node.index];
          }
          processed = 1;
        }
        this.lastEvaluated = processed;
        if (feasible.length === 0) {
          // A missing node can only appear: retry on node events (NodeName registers NodeAdd).
          this.lastFitError = fitError(pod.name, numAllNodes, new Map([[rejection, 1]]), rejecter ? [rejecter] : [], rejecter ? 0 : ALL_CLUSTER_EVENTS);
          return NO_NODE;
        }
      } else {
        const order = this.scanOrder.of(nodes);
        const toFind = numFeasibleNodesToFind(this.percentage, numAllNodes);
        // An integer division is tens of cycles: taken only when the node list has shrunk below the start.
        const next = this.nextStartNodeIndex;
        let idx = next < numAllNodes ? next : next % numAllNodes;
        const startIdx = idx;
        // Rejected nodes this cycle: their slots of failStatus/failPlugin are cleared after.
        let failed = 0;
        if (this.rejectedAt.length < numAllNodes) this.rejectedAt = new Int32Array(numAllNodes);
        const rejectedAt = this.rejectedAt;
        // Feasible nodes found so far (feasible[0..found-1]; the array is cut to `found` after).
        let found = 0;
        entry = this.equivalence?.prepare(pod, filters, numAllNodes, pre.activeEpoch);
        if (entry !== undefined) {
          if (this.feasibleIndex.length < numAllNodes) this.feasibleIndex = new Int32Array(Math.max(numAllNodes, 2 * this.feasibleIndex.length));
          const cur = this.cursor;
          cur.processed = 0;
          cur.idx = idx;
          cur.found = 0;
          cur.failed = 0;
          // `=== true`: a value TurboFan knows to be a boolean, so prepare's compare of it with the
          // last cycle's is a pointer compare, not the generic StrictEqual builtin (a class field
          // is defined as undefined before the constructor sets it, so its loads are untyped).
          fusedScan = this.fused !== undefined && this.fused.prepare(entry, this.nodeRecords === true, snapshot, numAllNodes) ? this.fused : undefined;
          scanCachedVerdicts(cur, order, nodes, toFind, entry, this.equivalence!, this.filters, this.fastScan, this.nodeRecords, state, pod, snapshot, feasible, this.feasibleIndex, failStatus, failPlugin, this.rejectedAt, fusedScan);
          processed = cur.processed;
          found = cur.found;
          failed = settleRejections(cur, entry, this.filters);
        } else {
          for (; processed < numAllNodes && found < toFind; processed++) {
            const node = nodes[order[idx]!]!;
            current = node;
            let status: Status | null = null;
            for (let f = 0; f < nf; f++) {
              plugin = filters[f]!.name;
              status = filters[f]!.filter(state, pod, node, snapshot);
              if (status !== null) {
                failPlugin[processed] = filters[f]!;
                break;
              }
            }
            if (status === null) feasible[found++] = node;
            else {
              failStatus[processed] = status;
              rejectedAt[failed++] = processed;
            }
            if (++idx === numAllNodes) idx = 0;
          }
        }
        // (start + processed) % numAllNodes, with start < numAllNodes and processed <= numAllNodes.
        const after = startIdx + processed;
        this.nextStartNodeIndex = after >= numAllNodes ? after - numAllNodes : after;
        this.lastEvaluated = processed;
        // No node: `feasible` keeps the last cycle's nodes (only this method reads it, up to the
        // count found) - cut to length 0, V8 would drop its backing store and allocate it again.
        if (found === 0) {
          this.lastFitError = this.fitErrors.summarize(pod.name, nodes, order, startIdx, processed, failStatus, failPlugin, entry !== undefined && this.cursor.deferred ? this.cursor : undefined);
          this.resolvableFromScan = true;
          return NO_NODE;
        }
        for (let r = 0; r < failed; r++) {
          const i = rejectedAt[r]!;
          failStatus[i] = null;
          failPlugin[i] = null;
        }
        // Setting an array's length is a runtime call: only when it changes.
        if (feasible.length !== found) feasible.length = found;
      }
      current = undefined;

      // One feasible node: no need to score (schedule_one.go does the same).
      const count = feasible.length;
      if (count === 1 || this.scores.length === 0) {
        let chosen: NodeInfo;
        if (count === 1 || this.tieBreak === 'first') chosen = feasible[0]!;
        else if (this.tieBreak === 'rank') chosen = this.ranks.lowest(feasible, null, 0, snapshot, random);
        else chosen = feasible[random.next() * count >>> 0]!;
        point = 'Reserve';
        return this.reserve(state, pod, chosen, snapshot);
      }

      // PreScore, then the fused scan's pick (fused-scores.ts) or Score, NormalizeScore, weighted sum.
      let total: Float64Array;
      if (this.fused !== undefined && entry !== undefined) {
        this.preScoreInto(state, pod, feasible, snapshot);
        const at = this.fused.settle(entry, this.skipMask, fusedScan !== undefined, random, this.tieBreak === 'random');
        if (at >= 0) {
          point = 'Reserve';
          return this.reserve(state, pod, feasible[at]!, snapshot);
        }
        if (fusedScan !== undefined) fillIndexes(fusedScan, feasible, count, this.feasibleIndex);
        total = this.scoreAfterPreScore(state, pod, feasible, snapshot, entry);
      } else total = this.scoreInto(state, pod, feasible, snapshot, entry);

      // selectHost: the top total score. Ties: reservoir sampling as kube-scheduler's selectHost
      // (random), scan order (first), or the run's fixed node rank (rank).
      point = 'selectHost';
      const best = selectHost(total, count, this.tieBreak === 'random', random);
      const chosen = this.tieBreak === 'rank' ? this.ranks.lowest(feasible, total, total[best]!, snapshot, random) : feasible[best]!;
      point = 'Reserve';
      return this.reserve(state, pod, chosen, snapshot);
    } catch (e) {
      if (e instanceof PluginError) throw e;
      throw new PluginError(point === 'PreFilter' ? this.pre.current?.name ?? '' : plugin, point, pod.name, current?.name, e);
    } finally { this.states.give(state); }
  }

  /**
   * PostFilter (DefaultPreemption) after a failed schedule(): among the nodes the failed cycle
   * rejected as resolvable, from a random offset (pkg/scheduler/framework/plugins/
   * defaultpreemption GetOffsetAndNumCandidates), the node where the fewest, least important
   * lower-priority pods make room (src/schedulers/preemption.ts). The preemptor fits on a node
   * when this profile's PreFilter and Filter plugins pass there with the victims taken off.
   */
  preempt(pod: PodInfo, snapshot: ClusterSnapshot, handle: PreemptionHandle, random: RandomSource): PreemptionResult | undefined {
    const args = this.preemption;
    if (args === undefined || pod.spec.preemptionPolicy === 'Never') return undefined;
    const resolvable = this.lastResolvableNodes;
    if (resolvable.length === 0) return undefined;
    const offset = Math.floor(random.next() * resolvable.length);
    // No lower-priority pod anywhere: every node's SelectVictimsOnNode would find none (the
    // offset is drawn first all the same, so the seeded stream is used as without the shortcut).
    if (handle.hasPodBelow !== undefined && !handle.hasPodBelow(pod.spec.priority)) return undefined;
    const potential = resolvable.map((i) => snapshot.nodes[i]!);
    const fits = (node: NodeInfo) => this.findFeasible(pod, snapshot, [node], 1).length === 1;
    const cluster = { remove: (p: PodInfo, n: NodeInfo) => handle.remove(p, n), restore: (p: PodInfo, n: NodeInfo) => handle.restore(p, n), fits };
    const chosen = findPreemption(pod.spec.priority, potential, offset, args, (n) => handle.podsOn(n), () => cluster, handle.budgets);
    return chosen ? { node: chosen.node.index, victims: chosen.victims.map((v) => v.pod), numPDBViolations: chosen.numPDBViolations } : undefined;
  }

  /**
   * PreScore, Score, NormalizeScore and the weighted sum over `feasible`: the totals, in a
   * buffer reused by the next call (entries 0..feasible.length-1).
   */
  private scoreInto(state: CycleState, pod: PodInfo, feasible: readonly NodeInfo[], snapshot: ClusterSnapshot, entry?: SpecVerdicts): Float64Array {
    this.preScoreInto(state, pod, feasible, snapshot);
    return this.scoreAfterPreScore(state, pod, feasible, snapshot, entry);
  }

  /** PreScore: skipScore[s] = 1 where score slot s's PreScore returned Skip. */
  private preScoreInto(state: CycleState, pod: PodInfo, feasible: readonly NodeInfo[], snapshot: ClusterSnapshot): void {
    let plugin = '';
    try {
      const skipScore = this.skipScore;
      // The same as a bit mask (bit s: slot s), for the fused scan's settle (only read with at most 30 slots).
      let mask = 0;
      const weighted = this.scores;
      // Every slot written in the loop (no fill first: a builtin call for a handful of bytes).
      for (let s = 0; s < weighted.length; s++) {
        const w = weighted[s]!;
        skipScore[s] = 0;
        if (!w.preScore) continue;
        plugin = w.plugin.name;
        const st = (w.plugin as unknown as PreScorePlugin).preScore(state, pod, feasible, snapshot);
        if (st !== null && st.code === 'Skip') {
          skipScore[s] = 1;
          mask |= 1 << s;
        }
      }
      this.skipMask = mask;
    } catch (e) {
      if (e instanceof PluginError) throw e;
      throw new PluginError(plugin, 'PreScore', pod.name, undefined, e);
    }
  }

  /** Score, NormalizeScore and the weighted sum after preScoreInto. */
  private scoreAfterPreScore(state: CycleState, pod: PodInfo, feasible: readonly NodeInfo[], snapshot: ClusterSnapshot, entry?: SpecVerdicts): Float64Array {
    const count = feasible.length;
    let plugin = '';
    let point = 'Score';
    let current: NodeInfo | undefined;
    try {
      const skipScore = this.skipScore;
      const weighted = this.scores;
      if (this.scoreBuf.length < count) {
        this.scoreBuf = new Float64Array(Math.max(count, this.scoreBuf.length * 2));
        this.totalBuf = new Float64Array(this.scoreBuf.length);
      }
      const buf = this.scoreBuf;
      const total = this.totalBuf;
      total.fill(0, 0, count);
      for (let s = 0; s < weighted.length; s++) {
        if (skipScore[s] === 1) continue;
        const w = weighted[s]!;
        const p = w.plugin;
        plugin = p.name;
        point = 'Score';
        if (entry !== undefined && w.nodeLocal) {
          // Raw scores of this spec at the node versions the filter loop has just checked.
          const raw = entry.scoresOf(s);
          const feasibleIndex = this.feasibleIndex;
          // A raw score computed again is taken from the node's record where the plugin can (FrameworkOptions.nodeRecords).
          const at = this.nodeRecords && snapshot.nodeRecords !== undefined && p.scoreAt !== undefined;
          if (p.normalizeScore === undefined) {
            // Raw is final: check and add in one pass, in the same order as the loops below.
            const weight = w.weight;
            if (this.fastScan) {
              // A raw score is checked once, when computed, and only an in-range one is kept: a
              // cached one needs no check (the same error, at the same node, as the loop below).
              for (let i = 0; i < count; i++) {
                const index = feasibleIndex[i]!;
                let v = raw[index]!;
                if (v !== v) {
                  current = feasible[i]!;
                  v = at ? p.scoreAt!(state, pod, snapshot, index) : p.score(state, pod, current, snapshot);
                  if (!(v >= 0 && v <= MAX_NODE_SCORE)) throw new RangeError(`score ${v} of node ${current.name} is outside 0..${MAX_NODE_SCORE}`);
                  raw[index] = v;
                }
                total[i] = total[i]! + weight * v;
              }
              current = undefined;
              continue;
            }
            for (let i = 0; i < count; i++) {
              const index = feasibleIndex[i]!;
              let v = raw[index]!;
              if (v !== v) {
                current = feasible[i]!;
                v = raw[index] = at ? p.scoreAt!(state, pod, snapshot, index) : p.score(state, pod, current, snapshot);
              }
              if (!(v >= 0 && v <= MAX_NODE_SCORE)) {
                current = feasible[i]!;
                throw new RangeError(`score ${v} of node ${current.name} is outside 0..${MAX_NODE_SCORE}`);
              }
              total[i] = total[i]! + weight * v;
            }
            current = undefined;
            continue;
          }
          for (let i = 0; i < count; i++) {
            const index = feasibleIndex[i]!;
            let v = raw[index]!;
            if (v !== v) {
              current = feasible[i]!;
              v = raw[index] = at ? p.scoreAt!(state, pod, snapshot, index) : p.score(state, pod, current, snapshot);
            }
            buf[i] = v;
          }
        } else if (p.scoreAll !== undefined) p.scoreAll(state, pod, feasible, snapshot, buf);
        else {
          for (let i = 0; i < count; i++) {
            current = feasible[i]!;
            buf[i] = p.score(state, pod, current, snapshot);
          }
        }
        current = undefined;
        if (p.normalizeScore) {
          point = 'NormalizeScore';
          p.normalizeScore(state, pod, buf, count);
        }
        const weight = w.weight;
        for (let i = 0; i < count; i++) {
          const v = buf[i]!;
          if (!(v >= 0 && v <= MAX_NODE_SCORE)) {
            current = feasible[i]!;
            throw new RangeError(`score ${v} of node ${current.name} is outside 0..${MAX_NODE_SCORE}`);
          }
          total[i] = total[i]! + weight * v;
        }
      }
      return total;
    } catch (e) {
      if (e instanceof PluginError) throw e;
      throw new PluginError(plugin, point, pod.name, current?.name, e);
    }
  }

  /**
   * The extender's filter: PreFilter once, then every Filter on every candidate, with no
   * percentageOfNodesToScore (kube-scheduler has already chosen the candidates it sends).
   * Returns the nodes that pass, in order; `rejected` hears each other node with its status and
   * the plugin that gave it (a PreFilter rejection applies to every candidate).
   */
  filterNodes(pod: PodInfo, snapshot: ClusterSnapshot, candidates: readonly NodeInfo[], rejected: (node: NodeInfo, status: Status, plugin: string) => void): NodeInfo[] {
    return this.runFilters(pod, snapshot, candidates, Infinity, rejected);
  }

  /**
   * The extender's prioritize: the weighted total score of each of `nodes`, which kube-scheduler
   * has already filtered, and the sum of the weights of the Score plugins that ran (a plugin
   * whose PreScore returned Skip has nothing to say about this pod): each total lies in 0..100
   * times that weight. PreFilter runs first, its verdict ignored, so a plugin's Score may read
   * what its PreFilter stored, as in one upstream cycle.
   */
  scoreNodes(pod: PodInfo, snapshot: ClusterSnapshot, nodes: readonly NodeInfo[]): { totals: Float64Array; weight: number } {
    const state: CycleState = new Map();
    let plugin = '';
    try {
      for (const p of this.preFilters) {
        plugin = p.name;
        p.preFilter(state, pod, snapshot);
      }
    } catch (e) {
      throw new PluginError(plugin, 'PreFilter', pod.name, undefined, e);
    }
    if (nodes.length === 0) return { totals: new Float64Array(0), weight: 0 };
    const totals = this.scoreInto(state, pod, nodes, snapshot).slice(0, nodes.length);
    let weight = 0;
    for (let s = 0; s < this.scores.length; s++) if (this.skipScore[s] === 0) weight += this.scores[s]!.weight;
    return { totals, weight };
  }

  /**
   * PreFilter once, then Filter on each candidate in order, until `limit` nodes pass. The
   * candidates must belong to `snapshot` (their index is their position in snapshot.nodes).
   */
  findFeasible(pod: PodInfo, snapshot: ClusterSnapshot, candidates: readonly NodeInfo[], limit: number): NodeInfo[] {
    return this.runFilters(pod, snapshot, candidates, limit, undefined);
  }

  private runFilters(pod: PodInfo, snapshot: ClusterSnapshot, candidates: readonly NodeInfo[], limit: number, rejected: ((node: NodeInfo, status: Status, plugin: string) => void) | undefined): NodeInfo[] {
    const out: NodeInfo[] = [];
    if (limit <= 0 || candidates.length === 0) return out;
    const state = this.states.take();
    let plugin = '';
    let point = 'PreFilter';
    let current: NodeInfo | undefined;
    const pre = this.candidatesPre;
    try {
      // What-if scans call this per candidate pod: the filters left to run are made again only
      // when the PreFilters skip otherwise than for the last pod (PreFilters.active).
      if (!pre.run(state, pod, snapshot)) {
        if (rejected) for (const node of candidates) rejected(node, pre.rejection!, pre.rejecter!.name);
        return out;
      }
      const filters = pre.active;
      point = 'Filter';
      const pinned = pod.spec.nodeName;
      // Node-local verdicts from the equivalence cache, as in schedule(); the others run as there.
      const cache = this.equivalence;
      const entry = cache?.prepare(pod, filters, snapshot.nodes.length);
      const versions = entry !== undefined ? cache!.snapshotVersions(snapshot) : undefined;
      for (const node of candidates) {
        if (pinned !== undefined && node.name !== pinned) {
          rejected?.(node, REASON_NODE_NAME, 'NodeName');
          continue;
        }
        current = node;
        let status: Status | null = null;
        if (entry !== undefined) {
          const i = node.index;
          const version = versions !== undefined ? versions[i]! : cache!.versionOf(node);
          if (i >= entry.size) entry.grow(i + 1);
          const k = entry.version[i] === version ? entry.failAt[i]! : judgeNode(entry, this.filters, entry.filterMask, state, pod, node, snapshot, version);
          for (let j = 0; j < cache!.others.length && cache!.positions[j]! < k && status === null; j++) {
            plugin = cache!.others[j]!.name;
            status = cache!.others[j]!.filter(state, pod, node, snapshot);
          }
          if (status === null && k < this.filters.length) {
            plugin = this.filters[k]!.name;
            status = entry.failStatus[i]!;
          }
        } else for (const f of filters) {
          plugin = f.name;
          status = f.filter(state, pod, node, snapshot);
          if (status !== null) break;
        }
        if (status !== null) rejected?.(node, status, plugin);
        else if (out.push(node) >= limit) break;
      }
      return out;
    } catch (e) {
      if (e instanceof PluginError) throw e;
      throw new PluginError(point === 'PreFilter' ? pre.current?.name ?? '' : plugin, point, pod.name, current?.name, e);
    } finally { this.states.give(state); }
  }

  /**
   * Reserve: a GPU pod gets devices from the first plugin that picks them, else best fit.
   * Returns the node index; `lastGPUs` holds the devices.
   */
  private reserve(state: CycleState, pod: PodInfo, node: NodeInfo, snapshot: ClusterSnapshot): number {
    this.lastGPUs = undefined;
    const req = gpuRequest(pod.spec.requests);
    if (req) {
      let gpus: readonly number[] | undefined;
      for (const p of this.gpuSelectors) {
        gpus = p.selectGPUs(state, pod, node, snapshot);
        if (gpus !== undefined) break;
      }
      this.lastGPUs = gpus ?? selectGpusBestFit(node, req);
    }
    return node.index;
  }
}

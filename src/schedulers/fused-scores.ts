import { MAX_NODE_SCORE, type CycleState, type RandomSource, type ScorePlugin } from '../api/framework.js';
import type { ClusterSnapshot } from '../api/node.js';
import type { PodInfo } from '../api/pod.js';
import { switchedOn } from '../util/switches.js';
import type { SpecVerdicts } from './equivalence-cache.js';
import type { WeightedScore } from './framework-options.js';
import { allZeroNormalized } from './plugins/args.js';

/**
 * Fused scores: a node's weighted total score kept per (pod spec, node version) beside its
 * Filter verdict in the equivalence cache, and the node scan that reads it and keeps
 * selectHost's running maximum as it goes, so a cycle over cached nodes is one loop instead of
 * the scan, one loop per Score plugin, one per NormalizeScore and selectHost's.
 *
 * A total depends on the spec and the node alone when every Score plugin that runs for the pod
 * is node-local (Plugin.nodeLocal) and either has no NormalizeScore or has one that maps raw
 * scores that are all 0 to one constant (plugins/args.ts allZeroNormalized: the default
 * normalizer's, helper.DefaultNormalizeScore in upstream's pkg/scheduler/framework/plugins/
 * helper/normalize_score.go). The default profile's common case is such: NodeResourcesFit and
 * NodeResourcesBalancedAllocation have no NormalizeScore, TaintToleration's PreScore never skips
 * (upstream pkg/scheduler/framework/plugins/tainttoleration/taint_toleration.go: PreScore only
 * writes the pod's PreferNoSchedule tolerations) and its raw score is 0 on an untainted node, so
 * every untainted feasible node normalizes to 100; NodeAffinity, PodTopologySpread and
 * InterPodAffinity skip at PreScore for a pod without preferred terms or spread constraints.
 * A node whose normalizing raw score is not 0 (or whose score is out of range, or whose Score
 * throws) has no fused total, and the cycle goes the plain way (Framework.scoreInto), which
 * gives the same choice and the same error at the same node.
 *
 * Which plugins run is known only after PreScore, which takes the feasible list, so the scan uses
 * the spec's last cycle's set (`SpecVerdicts.totalsMask`); PreScore runs after the scan as before,
 * and the fused result stands only when it skipped the same plugins. Tie-break draws are taken
 * after PreScore, as selectHost would: the draws for maxima later overtaken (one per node equal to
 * the running maximum) first, then one per tie of the final maximum, in scan order.
 *
 * Off with ORCHSIM_NO_FUSED_SCORES=1 or the Framework option `fusedScores: false`;
 * test/schedulers/fused-scores.test.ts runs both.
 */

/** Whether frameworks fuse the scan and scores unless told otherwise (FrameworkOptions.fusedScores). */
export function fusedScoresDefault(): boolean {
  return switchedOn('ORCHSIM_NO_FUSED_SCORES');
}

/**
 * Whether the fused scan takes the nodes changed since a spec's last cycle from the snapshot's
 * change log (ClusterSnapshot.nodeChanges) and resets their totals first (SpecVerdicts.syncTotals),
 * so its loop over kept totals reads no node version, unless told otherwise
 * (FrameworkOptions.nodeChangeLog). ORCHSIM_NO_NODE_CHANGE_LOG=1 turns it off: every kept total's
 * node version is compared as the scan reaches it.
 */
export function nodeChangeLogDefault(): boolean {
  return switchedOn('ORCHSIM_NO_NODE_CHANGE_LOG');
}

/**
 * Whether the per-cycle set-up that depends only on what the last cycle already had is made again
 * only when that changes, unless told otherwise (FrameworkOptions.cycleSetupMemo): the fused
 * scan's score slots per skip mask (FusedScores.prepare) and the equivalence cache's filter lists
 * per PreFilter outcome (EquivalenceCache.prepare). ORCHSIM_NO_CYCLE_SETUP_MEMO=1 makes both
 * every cycle, as before.
 */
export function cycleSetupMemoDefault(): boolean {
  return switchedOn('ORCHSIM_NO_CYCLE_SETUP_MEMO');
}

/**
 * Whether the fused scan of a spec that every node but at most one rejects (its kept totals
 * say so) looks only for that one node (cached-scan.ts scanLone), unless
 * told otherwise (FrameworkOptions.loneScan). ORCHSIM_NO_LONE_SCAN=1 turns it off: the scan
 * passes over each kept rejection in scan order.
 */
export function loneScanDefault(): boolean {
  return switchedOn('ORCHSIM_NO_LONE_SCAN');
}

/** Marks a node whose total cannot be fused (SpecVerdicts.totals). */
export const NO_TOTAL = -1;
/** Marks a node a node-local filter rejects (SpecVerdicts.totals; the verdict is in failAt and failStatus). */
export const REJECTED = -2;

/** The fused scan's configuration for one cycle and what it found. */
export class FusedScores {
  /** The running slots, in profile order: plugin, weight, normalized value of an all-zero cycle (NaN: no NormalizeScore). */
  private readonly plugins: ScorePlugin[] = [];
  private readonly weights: Float64Array;
  private readonly zeros: Float64Array;
  private readonly at: Uint8Array;
  private n = 0;
  /** The skip mask and records flag the slots are laid out for (mask -1: none yet). */
  private slotsMask = -1;
  private slotsAtRecords = false;
  /** Per slot: may it run in a fused cycle (node-local, no PreScore, a known all-zero normalization). */
  private readonly fusable: Uint8Array;
  private readonly zeroOf: Float64Array;

  /** Set by the scan: every feasible node had a total. */
  ok = false;
  /** Draws selectHost took for maxima that were overtaken later. */
  drawsBefore = 0;
  /** Positions (in the feasible list) of the nodes with the highest total, in scan order. */
  tiePos = new Int32Array(64);
  ties = 0;
  max = 0;
  /**
   * Whether the scan filled the framework's feasibleIndex; the fast scan gathers the feasible
   * nodes as it finds them and leaves it to indexes(), for a cycle whose fused result does not stand.
   */
  indexed = true;
  /** Scans that took the lone-node path (scanLone): for tests, which must see it taken. */
  loneScans = 0;

  constructor(
    private readonly scores: readonly WeightedScore[],
    /** The scan reads the snapshot's node change log, where it has one, instead of comparing each kept node's version (nodeChangeLogDefault). */
    readonly changeLog = nodeChangeLogDefault(),
    /** prepare() lays the slots out only when the skip mask or the records flag changed (cycleSetupMemoDefault). */
    private readonly setupMemo = cycleSetupMemoDefault(),
    /** The scan looks for the one node a spec's kept rejections leave, where they leave one or none (loneScanDefault). */
    readonly loneScan = loneScanDefault(),
  ) {
    const n = scores.length;
    this.weights = new Float64Array(n);
    this.zeros = new Float64Array(n);
    this.at = new Uint8Array(n);
    this.fusable = new Uint8Array(n);
    this.zeroOf = new Float64Array(n);
    for (let s = 0; s < n; s++) {
      const w = scores[s]!;
      const p = w.plugin;
      const zero = p.normalizeScore === undefined ? NaN : allZeroNormalized(p.normalizeScore) ?? -1;
      this.zeroOf[s] = zero;
      this.fusable[s] = w.nodeLocal && !w.preScore && (zero !== zero || (zero >= 0 && zero <= MAX_NODE_SCORE)) ? 1 : 0;
    }
  }

  /**
   * Sets the cycle up for `entry`'s last skip mask (bit s: score slot s skipped at PreScore);
   * false when there is none yet or a slot that would run cannot be fused.
   */
  prepare(entry: SpecVerdicts, records: boolean, snapshot: ClusterSnapshot, size: number): boolean {
    const mask = entry.totalsMask;
    if (mask < 0) return false;
    const atRecords = records && snapshot.nodeRecords !== undefined;
    // The slots depend on the skip mask and on whether the snapshot keeps node records alone (the
    // plugins and their scoreAt are fixed when the profile is built): laid out again only when
    // either differs from the last cycle's - most cycles of a run share both.
    if (!this.setupMemo || mask !== this.slotsMask || atRecords !== this.slotsAtRecords) {
      // A mask with a slot that cannot be fused, or none that runs, is remembered as such (n = 0).
      this.n = this.layOut(mask, atRecords);
      this.slotsMask = mask;
      this.slotsAtRecords = atRecords;
    }
    if (this.n === 0) return false;
    if (this.tiePos.length < size) this.tiePos = new Int32Array(Math.max(size, 2 * this.tiePos.length));
    // The fast scan sets it; a cycle the general loop scans stays unfused.
    this.ok = false;
    this.indexed = true;
    this.drawsBefore = 0;
    this.ties = 0;
    this.max = -Infinity;
    return true;
  }

  /** The running slots for skip mask `mask`: their count, or 0 when one of them cannot be fused or none runs. */
  private layOut(mask: number, atRecords: boolean): number {
    const scores = this.scores;
    let n = 0;
    for (let s = 0; s < scores.length; s++) {
      if ((mask & (1 << s)) !== 0) continue;
      if (this.fusable[s] === 0) return 0;
      const p = scores[s]!.plugin;
      this.plugins[n] = p;
      this.weights[n] = scores[s]!.weight;
      this.zeros[n] = this.zeroOf[s]!;
      this.at[n] = atRecords && p.scoreAt !== undefined ? 1 : 0;
      n++;
    }
    return n;
  }

  /**
   * Node `i`'s weighted total, as scoreInto would add it (the same sum in the same order), from
   * raw scores computed now; NO_TOTAL when it cannot be fused. A non-normalized raw score is
   * taken only in range (as the fast scan's scoreInto does). The raw scores are not kept in the
   * entry (SpecVerdicts.scores, which the plain path's scoring keeps): the total is, and the
   * entry's raw arrays - one more cache line each per changed node, to read and to write, and
   * to reset in recordVerdict - cost more than the rare recomputation after a new skip mask
   * (about 5% of the whole run's time).
   */
  total(i: number, state: CycleState, pod: PodInfo, snapshot: ClusterSnapshot): number {
    let t = 0;
    for (let j = 0; j < this.n; j++) {
      const zero = this.zeros[j]!;
      const p = this.plugins[j]!;
      let v: number;
      try {
        v = this.at[j] === 1 ? p.scoreAt!(state, pod, snapshot, i) : p.score(state, pod, snapshot.nodes[i]!, snapshot);
      } catch {
        // scoreInto calls it again, after every filter, and reports the error as it would have.
        return NO_TOTAL;
      }
      if (zero !== zero && !(v >= 0 && v <= MAX_NODE_SCORE)) return NO_TOTAL;
      if (zero === zero) {
        if (v !== 0) return NO_TOTAL;
        v = zero;
      }
      t = t + this.weights[j]! * v;
    }
    return t;
  }

  /**
   * After PreScore, which skipped the score slots in `mask` (bit s: slot s): the position in the
   * feasible list selectHost would choose, drawing from
   * `random` as it would, or -1 when the fused scan does not stand (not run, a node without a
   * total, or PreScore skipped other plugins than the scan assumed). Records the skip mask in
   * the entry for the spec's next cycle.
   */
  settle(entry: SpecVerdicts, mask: number, scanned: boolean, random: RandomSource, randomTies: boolean): number {
    if (mask !== entry.totalsMask) {
      entry.setTotalsMask(mask);
      return -1;
    }
    if (!scanned || !this.ok) return -1;
    // The result stands: the spec's raw scores, kept by the plain path's cycles, are let go, so
    // recordVerdict does not reset them at every changed node while the totals serve (total()
    // neither reads nor writes them); a later plain cycle computes them afresh.
    entry.dropScores();
    const tiePos = this.tiePos;
    if (!randomTies) return tiePos[0]!;
    for (let d = 0; d < this.drawsBefore; d++) random.next();
    let best = tiePos[0]!;
    for (let j = 1; j < this.ties; j++) if (random.next() * (j + 1) < 1) best = tiePos[j]!;
    return best;
  }
}

/**
 * The node indexes of `feasible[0..count-1]` into `feasibleIndex` where the scan left them
 * unfilled (FusedScores.indexed): the fast scan's snapshot has node k at index k.
 */
export function fillIndexes(fused: FusedScores, feasible: readonly { readonly index: number }[], count: number, feasibleIndex: Int32Array): void {
  if (fused.indexed) return;
  for (let f = 0; f < count; f++) feasibleIndex[f] = feasible[f]!.index;
  fused.indexed = true;
}

/**
 * selectHost (pkg/scheduler/schedule_one.go): the position of the top total among the first
 * `count`; ties by reservoir sampling, one draw per node equal to the running maximum after its
 * first (`randomTies`), else the first in scan order. FusedScores.settle draws the same way.
 */
export function selectHost(total: Float64Array, count: number, randomTies: boolean, random: RandomSource): number {
  let best = 0;
  let maxScore = total[0]!;
  let ties = 1;
  for (let i = 1; i < count; i++) {
    const t = total[i]!;
    if (t > maxScore) {
      maxScore = t;
      best = i;
      ties = 1;
    } else if (t === maxScore && randomTies) {
      ties++;
      if (random.next() * ties < 1) best = i;
    }
  }
  return best;
}

import { PluginError, type CycleState, type FilterPlugin, type Plugin, type Status } from '../api/framework.js';
import type { ClusterSnapshot, NodeChangeLog, NodeInfo } from '../api/node.js';
import type { PodInfo } from '../api/pod.js';
import { NODE_RECORD_STRIDE } from '../api/node-record.js';
import { judgeNode, recordVerdict, type EquivalenceCache, type SpecVerdicts } from './equivalence-cache.js';
import { NO_TOTAL, REJECTED, type FusedScores } from './fused-scores.js';

/**
 * The Filter loop of a scheduling cycle over the equivalence cache's verdicts (src/schedulers/
 * equivalence-cache.ts): the node-local filters' verdicts come from the cache (run only where the
 * node changed); the others run in profile order, those placed before the node-local filter that
 * rejects the node, as the plain chain would have. Framework.schedule calls it; the plain loop
 * (no cache) stays there.
 */

/** Where the scan stands: set by the caller, advanced here. */
export interface ScanCursor {
  /** Nodes looked at (failStatus/failPlugin are indexed by this position). */
  processed: number;
  /** Position in the scan order of the next node. */
  idx: number;
  /** Feasible nodes found: feasible[0..found-1], their indexes in feasibleIndex. */
  found: number;
  /** Nodes rejected: their scan positions in rejectedAt[0..failed-1]. */
  failed: number;
  /**
   * Set by the scan: the fast loops left the rejected nodes' statuses in the entry and recorded
   * nothing of them (not in failStatus/failPlugin/rejectedAt, nor `failed`): only a cycle that
   * found no node reads them (its FitError), and in it every node looked at was rejected.
   */
  deferred: boolean;
  /** Set by settleRejections for a deferred scan that found no node: where its rejections are (FitErrors.summarize reads them there). */
  entryStatus: readonly (Status | null)[];
  entryFailAt: Int32Array;
  filters: readonly FilterPlugin[];
  /** Set by a deferred scan: the snapshot's change log (FitErrors.summarize reads the nodes changed since its last summary there). */
  changes: NodeChangeLog | undefined;
}

/**
 * Scans from `cur.idx` in `order` until `toFind` nodes are feasible or every node was looked at.
 * `filters` is the profile's filter list (the cache's positions refer to it). With `fast` and a
 * snapshot that keeps node versions (node k at index k) and no filter but node-local ones, a
 * specialised loop gives the same verdicts from the same arrays, with no node object read for a
 * cached node and the feasible nodes gathered after the scan (FrameworkOptions.fastScan); with
 * `records` and a snapshot that keeps node records, a changed node is judged from its record
 * (judgeAt; FrameworkOptions.nodeRecords). With `fused` (set up for this cycle; only with the
 * fast path), each feasible node's total is read or computed as it is found and selectHost's
 * running maximum kept (fused-scores.ts).
 */
export function scanCachedVerdicts(
  cur: ScanCursor, order: Int32Array, nodes: readonly NodeInfo[], toFind: number, entry: SpecVerdicts, cache: EquivalenceCache,
  filters: readonly FilterPlugin[], fast: boolean, records: boolean, state: CycleState, pod: PodInfo, snapshot: ClusterSnapshot,
  // The framework's buffers, each sized for every node.
  feasible: NodeInfo[], feasibleIndex: Int32Array, failStatus: (Status | null)[], failPlugin: (Plugin | null)[], rejectedAt: Int32Array,
  fused?: FusedScores,
): void {
  const numAllNodes = nodes.length;
  const nAll = filters.length;
  const mask = entry.filterMask;
  const others = cache.others;
  const positions = cache.positions;
  const no = others.length;
  const versions = cache.snapshotVersions(snapshot);
  let { processed, idx, found, failed } = cur;
  cur.deferred = false;
  // The flags compared with `true`: V8 does not know an argument or field to be a boolean and
  // tests its truth the generic way (false, "", 0, NaN, a BigInt...), about ten instructions
  // each, every cycle (per-instruction counts of the scan, bench/README.md section 16).
  if (fast === true && versions !== undefined && no === 0) {
    cur.deferred = true;
    cur.changes = snapshot.nodeChanges;
    // The arrays are taken once: prepare() sized them for every index and judgeNode only writes them.
    const entryVersion = entry.version;
    const failAt = entry.failAt;
    // A changed node is judged from its record (judgeAt) where the snapshot keeps them.
    const atRecords = records === true && snapshot.nodeRecords !== undefined;
    if (fused !== undefined) {
      const totals = entry.totalsOf();
      // With the cluster's change log the totals of every node changed since the spec's last
      // look are reset first (syncTotals), so a kept total or rejection is current without its
      // version being compared (FusedScores.changeLog).
      const log = fused.changeLog === true ? snapshot.nodeChanges : undefined;
      if (log !== undefined) entry.syncTotals(log, versions);
      else entry.unsync();
      const synced = log !== undefined;
      // The mark as a literal local (its type ties it to REJECTED): an imported binding is loaded
      // and checked at each use in the loops, and a local copied from it is a tagged value that
      // the loops untag and convert to a double at every comparison (perf annotate of the scan).
      const rejected: typeof REJECTED = -2;
      // Every node but at most one kept as rejected (the spec fits nowhere else: a full
      // cluster's queue): scanLone finds it out and looks at that one alone.
      if (synced && fused.loneScan === true && processed === 0 && found === 0 && (toFind > 1 || numAllNodes === 1)) {
        const lone = scanLone(entry, totals, numAllNodes, nodes, versions, filters, mask, state, pod, snapshot, atRecords);
        if (lone !== MORE_THAN_ONE) {
          if (lone >= 0) feasible[found++] = nodes[lone]!;
          // Every node was looked at (at most one is feasible, and toFind > 1 or there is one
          // node): the next scan starts where this one did.
          cur.processed = numAllNodes;
          cur.found = found;
          cur.failed = 0;
          // One feasible node is not scored (Framework.schedule), so its total is not computed;
          // the fused result stands for nothing.
          fused.ok = false;
          fused.indexed = false;
          fused.loneScans++;
          return;
        }
      }
      const tiePos = fused.tiePos;
      let ok = true;
      let max = -Infinity;
      let ties = 0;
      let drawsBefore = 0;
      for (; processed < numAllNodes && found < toFind; processed++) {
        if (ok) {
          // Nodes unchanged since the spec's last cycle whose total or rejection is kept: a loop
          // with no call in it, over scan positions idx..end-1 (no wrap, no more than the nodes
          // left), its node count taken after. Any other node leaves it for the loop below, one
          // node at a time (as does the wrap to position 0).
          const start = idx;
          const end = Math.min(numAllNodes, idx + (numAllNodes - processed));
          let j = idx;
          if (synced) {
            // The same loop without the version compare (the totals were synced above).
            for (; j < end && found < toFind; j++) {
              const i = order[j]!;
              const t = totals[i]!;
              if (t >= 0) {
                if (t > max) {
                  if (ties > 0) drawsBefore += ties - 1;
                  max = t;
                  ties = 1;
                  tiePos[0] = found;
                } else if (t === max) tiePos[ties++] = found;
                feasible[found++] = nodes[i]!;
              } else if (t !== rejected) break;
            }
          } else {
            for (; j < end && found < toFind; j++) {
              const i = order[j]!;
              if (entryVersion[i] !== versions[i]) break;
              const t = totals[i]!;
              if (t >= 0) {
                if (t > max) {
                  if (ties > 0) drawsBefore += ties - 1;
                  max = t;
                  ties = 1;
                  tiePos[0] = found;
                } else if (t === max) tiePos[ties++] = found;
                feasible[found++] = nodes[i]!;
              } else if (t !== rejected) break;
            }
          }
          processed += j - start;
          idx = j === numAllNodes ? 0 : j;
          if (processed >= numAllNodes || found >= toFind) break;
        }
        const i = order[idx]!;
        const version = versions[i]!;
        const k = entryVersion[i] === version ? failAt[i]!
          : atRecords ? judgeAt(entry, filters, mask, state, pod, snapshot, i, version)
          : judgeNode(entry, filters, mask, state, pod, nodes[i]!, snapshot, version);
        if (k === nAll) {
          if (ok) {
            let t = totals[i]!;
            if (t !== t) {
              totals[i] = fused.total(i, state, pod, snapshot);
              // Read back rather than taken from the call: a number from a Float64Array keeps
              // `max` (which it may become) an unboxed double in the loops (V8 boxed it otherwise).
              t = totals[i]!;
            }
            if (t === NO_TOTAL) ok = false;
            else if (t > max) {
              // selectHost drew once per node equal to the maximum it overtakes, after the first.
              if (ties > 0) drawsBefore += ties - 1;
              max = t;
              ties = 1;
              tiePos[0] = found;
            } else if (t === max) tiePos[ties++] = found;
          }
          feasible[found++] = nodes[i]!;
        } else {
          // Kept for the tight loop until the node's version changes (recordVerdict resets it).
          totals[i] = rejected;
        }
        if (++idx === numAllNodes) idx = 0;
      }
      fused.ok = ok;
      fused.ties = ties;
      fused.drawsBefore = drawsBefore;
      fused.max = max;
      // The feasible nodes were gathered as found; their indexes are filled only if the fused
      // result does not stand (fillIndexes).
      fused.indexed = false;
    } else {
      for (; processed < numAllNodes && found < toFind; processed++) {
        const i = order[idx]!;
        const version = versions[i]!;
        const k = entryVersion[i] === version ? failAt[i]!
          : atRecords ? judgeAt(entry, filters, mask, state, pod, snapshot, i, version)
          : judgeNode(entry, filters, mask, state, pod, nodes[i]!, snapshot, version);
        if (k === nAll) feasibleIndex[found++] = i;
        if (++idx === numAllNodes) idx = 0;
      }
      for (let f = 0; f < found; f++) feasible[f] = nodes[feasibleIndex[f]!]!;
    }
  } else for (; processed < numAllNodes && found < toFind; processed++) {
    const at = order[idx]!;
    const node = nodes[at]!;
    // A snapshot keeping node versions has node k at index k (ClusterSnapshot.nodeVersions):
    // a node whose verdict is cached is then never read, only passed on.
    const i = versions !== undefined ? at : node.index;
    const version = versions !== undefined ? versions[i]! : cache.versionOf(node);
    if (i >= entry.size) entry.grow(i + 1);
    const k = entry.version[i] === version ? entry.failAt[i]! : judgeNode(entry, filters, mask, state, pod, node, snapshot, version);
    let status: Status | null = null;
    for (let j = 0; j < no && positions[j]! < k; j++) {
      const p = others[j]!;
      try {
        status = p.filter(state, pod, node, snapshot);
      } catch (e) {
        throw e instanceof PluginError ? e : new PluginError(p.name, 'Filter', pod.name, node.name, e);
      }
      if (status !== null) {
        failPlugin[processed] = p;
        break;
      }
    }
    if (status === null && k < nAll) {
      status = entry.failStatus[i]!;
      failPlugin[processed] = filters[k]!;
    }
    if (status === null) {
      feasibleIndex[found] = i;
      feasible[found++] = node;
    } else {
      failStatus[processed] = status;
      rejectedAt[failed++] = processed;
    }
    if (++idx === numAllNodes) idx = 0;
  }
  cur.processed = processed;
  cur.idx = idx;
  cur.found = found;
  cur.failed = failed;
}

/**
 * After the scan: how many entries of failStatus/failPlugin (at rejectedAt[0..]) the caller must
 * clear. A fast scan (`cur.deferred`) wrote none: a cycle that found a node never reads them (a
 * waiting pod's cycle in an M/M/c queue rejects all but one node, and wrote and cleared two slots
 * per rejected node); for one that found none, the cursor is pointed at the entry's statuses
 * and failing filters, where FitErrors.summarize reads them (`deferred`).
 */
export function settleRejections(cur: ScanCursor, entry: SpecVerdicts, filters: readonly FilterPlugin[]): number {
  if (!cur.deferred) return cur.failed;
  if (cur.found === 0) {
    cur.entryStatus = entry.failStatus;
    cur.entryFailAt = entry.failAt;
    cur.filters = filters;
  }
  return 0;
}

/** scanLone found two or more nodes not kept as rejected: the scan goes node by node. */
const MORE_THAN_ONE = -2;

/**
 * The fused scan of a spec whose synced totals keep every node of the cluster but at most one as
 * rejected: the index of that one node when the spec fits there (its verdict judged if not
 * current, and kept), -1 when it does not or there is none, MORE_THAN_ONE as soon as a second
 * node not kept as rejected turns up (where most nodes fit, at the second or third node; at
 * worst a pass of a few instructions a node before the node-by-node scan's own).
 * The node-by-node scan would give the same: every node looked at, the kept ones passed over
 * with no call, the one other judged (so a Filter that throws there throws the same), at most
 * one feasible node found - which needs no score. A cluster's queue behind a full cluster (the
 * M/M/c) runs most of its cycles so: one node was freed, or none.
 */
function scanLone(
  entry: SpecVerdicts, totals: Float64Array, numAllNodes: number, nodes: readonly NodeInfo[], versions: Float64Array,
  filters: readonly FilterPlugin[], mask: number, state: CycleState, pod: PodInfo, snapshot: ClusterSnapshot, atRecords: boolean,
): number {
  const rejected: typeof REJECTED = -2;
  let lone = -1;
  for (let i = 0; i < numAllNodes; i++) {
    if (totals[i] === rejected) continue;
    if (lone >= 0) return MORE_THAN_ONE;
    lone = i;
  }
  if (lone < 0) return -1;
  const t = totals[lone]!;
  // A kept total (or NO_TOTAL) is a feasible node at its current version.
  if (t === t) return lone;
  const version = versions[lone]!;
  // `=== true`: an argument V8 does not know to be a boolean is tested the generic way.
  const k = entry.version[lone] === version ? entry.failAt[lone]!
    : atRecords === true ? judgeAt(entry, filters, mask, state, pod, snapshot, lone, version)
    : judgeNode(entry, filters, mask, state, pod, nodes[lone]!, snapshot, version);
  if (k === filters.length) return lone;
  totals[lone] = rejected;
  return -1;
}

/**
 * judgeNode (src/schedulers/equivalence-cache.ts) for node `i` of a snapshot with node records:
 * each filter's filterAt where it has one (the same verdict from the node's record), its filter
 * on snapshot.nodes[i] where not; the verdict recorded in `entry` at `version` the same way.
 */
function judgeAt(entry: SpecVerdicts, filters: readonly FilterPlugin[], mask: number, state: CycleState, pod: PodInfo, snapshot: ClusterSnapshot, i: number, version: number): number {
  // A literal local (its type ties it to the record's stride): an imported binding is a module
  // cell, loaded and checked for the hole at each use.
  const stride: typeof NODE_RECORD_STRIDE = 12;
  const record = i * stride;
  let k = filters.length;
  let status: Status | null = null;
  // The mask's bits one by one, lowest (first in profile order) first: the default profile has
  // three node-local filters among some dozen, and each position tested against the mask was a
  // turn of the loop.
  for (let rest = mask; rest !== 0; rest &= rest - 1) {
    const f = 31 - Math.clz32(rest & -rest);
    const p = filters[f]!;
    // A filter every pod passes where a field of the record is 0 is not called there.
    const clear = p.passesWhereZero;
    if (clear !== undefined && snapshot.nodeRecords![record + clear] === 0) continue;
    try {
      status = p.filterAt !== undefined ? p.filterAt(state, pod, snapshot, i) : p.filter(state, pod, snapshot.nodes[i]!, snapshot);
    } catch (e) {
      throw e instanceof PluginError ? e : new PluginError(p.name, 'Filter', pod.name, snapshot.nodes[i]!.name, e);
    }
    if (status !== null) {
      k = f;
      break;
    }
  }
  return recordVerdict(entry, i, version, k, status);
}

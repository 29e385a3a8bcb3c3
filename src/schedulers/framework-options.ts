import type { ScorePlugin } from '../api/framework.js';

/** A Score plugin of a profile with its weight (Framework's scores, in profile order). */
export interface WeightedScore {
  readonly plugin: ScorePlugin;
  readonly weight: number;
  readonly preScore: boolean;
  /** Its raw scores may be reused per (spec, node version) (Plugin.nodeLocal). */
  readonly nodeLocal: boolean;
}

/** A Framework's options: each turns one of its caches or shortcuts off (every one is on unless its ORCHSIM_NO_<NAME> switch is set). */
export interface FrameworkOptions {
  /** Share a failed cycle's reasons and plugins with the last alike (FitErrors). Default: on, unless ORCHSIM_NO_FIT_ERROR_REUSE=1. */
  readonly fitErrorReuse?: boolean | undefined;
  /** With the reuse: a failed full scan's summary given again when no node written in the change log since rejects differently (FitErrors). Default: on, unless ORCHSIM_NO_FIT_ERROR_AGAIN=1. */
  readonly fitErrorAgain?: boolean | undefined;
  /** Do not call again, for the last spec's pods, a PreFilter that declares preFilterSkipsBySpec and skipped (pre-filters.ts). Default: on, unless ORCHSIM_NO_PRE_FILTER_SKIP_MEMO=1. */
  readonly preFilterSkipMemo?: boolean | undefined;
  /**
   * Reuse node-local plugins' verdicts per (pod spec, node version) (src/schedulers/
   * equivalence-cache.ts). Default: on, unless ORCHSIM_NO_EQUIVALENCE_CACHE=1.
   */
  readonly equivalenceCache?: boolean | undefined;
  /**
   * With the cache: take node versions from snapshots that keep them (ClusterSnapshot.nodeVersions).
   * Default: on, unless ORCHSIM_NO_NODE_VERSIONS=1.
   */
  readonly nodeVersions?: boolean | undefined;
  /** With the cache: the node scan's fast paths (scan-order.ts fastScanDefault). Default: on, unless ORCHSIM_NO_FAST_SCAN=1. */
  readonly fastScan?: boolean | undefined;
  /** Hand a cycle the last one's CycleState when no plugin wrote to it (cycle-state.ts). Default: on, unless ORCHSIM_NO_CYCLE_STATE_REUSE=1. */
  readonly cycleStateReuse?: boolean | undefined;
  /** With the cache: judge and score a changed node from node records (scan-order.ts nodeRecordsDefault). Default: on, unless ORCHSIM_NO_NODE_RECORDS=1. */
  readonly nodeRecords?: boolean | undefined;
  /**
   * With the cache and the fast scan: weighted totals per (spec, node version) and selectHost's
   * maximum kept by the scan (fused-scores.ts). Default: on, unless ORCHSIM_NO_FUSED_SCORES=1.
   */
  readonly fusedScores?: boolean | undefined;
  /**
   * With fused scores: reset the kept totals of the nodes the snapshot's change log names
   * (ClusterSnapshot.nodeChanges) instead of comparing each kept node's version in the scan
   * (fused-scores.ts nodeChangeLogDefault). Default: on, unless ORCHSIM_NO_NODE_CHANGE_LOG=1.
   */
  readonly nodeChangeLog?: boolean | undefined;
  /**
   * With fused scores and the change log: a spec whose kept totals leave at most one node not
   * rejected has only that node looked at (cached-scan.ts scanLone). Default: on, unless
   * ORCHSIM_NO_LONE_SCAN=1.
   */
  readonly loneScan?: boolean | undefined;
  /**
   * Per-cycle set-up made again only when its inputs change: the fused scan's score slots per
   * skip mask, the equivalence cache's filter lists per PreFilter outcome (fused-scores.ts
   * cycleSetupMemoDefault). Default: on, unless ORCHSIM_NO_CYCLE_SETUP_MEMO=1.
   */
  readonly cycleSetupMemo?: boolean | undefined;
  /** Keep the node scan order for a new node list with the same zones at the same indexes (scan-order.ts ScanOrder). Default: on, unless ORCHSIM_NO_SCAN_ORDER_MEMO=1. */
  readonly scanOrderMemo?: boolean | undefined;
}

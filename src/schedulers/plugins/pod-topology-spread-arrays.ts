/**
 * PodTopologySpread's PreScore arrays for reuse. PreScore builds, per cycle, arrays by node index
 * (each hostname constraint's counts, the ignored nodes: the cluster's node count each) and one
 * by position in the feasible list; NormalizeScore is the last extension point that reads them
 * (Score runs for every feasible node first, kube-scheduler's RunScorePlugins order), so a plugin
 * instance takes them back there and the next cycle zeroes them instead of allocating. A state
 * whose arrays were taken back is marked spent, and reading it again is an error rather than a
 * silent misreading. Off with ORCHSIM_NO_SPREAD_COUNTS=1 (with the plugin's other per-instance
 * memos).
 */
export class PreScoreArrays {
  private readonly int32: Int32Array[] = [];
  private readonly uint8: Uint8Array[] = [];
  private ignoredAt: Uint8Array = new Uint8Array(0);
  private ignoredAtLent = false;
  private at: Int32Array = new Int32Array(0);
  private atLent = false;

  /** An all-zero Int32Array of exactly `length` (a node count). */
  int32Of(length: number): Int32Array {
    const a = takeOfLength(this.int32, length);
    return a === undefined ? new Int32Array(length) : a.fill(0);
  }

  /** An all-zero Uint8Array of exactly `length` (a node count). */
  uint8Of(length: number): Uint8Array {
    const a = takeOfLength(this.uint8, length);
    return a === undefined ? new Uint8Array(length) : a.fill(0);
  }

  /**
   * A Uint8Array whose first `length` entries are zero, by position in the feasible list: only
   * those are ever read (NormalizeScore reads `count` of them), so one buffer serves every cycle.
   */
  byPosition(length: number): Uint8Array {
    if (this.ignoredAtLent || this.ignoredAt.length < length) return new Uint8Array(length);
    this.ignoredAtLent = true;
    return this.ignoredAt.fill(0, 0, length);
  }

  /**
   * An Int32Array of at least `length` entries by position in the feasible list (and constraint):
   * PreScore writes every entry Score reads (SpreadPreScoreState.at), so it is not zeroed.
   */
  int32ByPosition(length: number): Int32Array {
    if (this.atLent || this.at.length < length) return new Int32Array(length);
    this.atLent = true;
    return this.at;
  }

  /** Takes back a cycle's arrays (after its NormalizeScore). */
  give(hostCounts: readonly (Int32Array | undefined)[], ignoredNode: Uint8Array, ignoredAt: Uint8Array, at: Int32Array): void {
    for (const a of hostCounts) if (a !== undefined && this.int32.length < POOLED) this.int32.push(a);
    if (this.uint8.length < POOLED) this.uint8.push(ignoredNode);
    if (ignoredAt === this.ignoredAt) this.ignoredAtLent = false;
    else if (!this.ignoredAtLent && ignoredAt.length > this.ignoredAt.length) this.ignoredAt = ignoredAt;
    if (at === this.at) this.atLent = false;
    else if (!this.atLent && at.length > this.at.length) this.at = at;
  }
}

/** Arrays kept per kind (a pod has a few hostname constraints at most). */
const POOLED = 4;

function takeOfLength<T extends { readonly length: number }>(pool: T[], length: number): T | undefined {
  for (let i = pool.length - 1; i >= 0; i--) {
    const a = pool[i]!;
    if (a.length !== length) continue;
    pool[i] = pool[pool.length - 1]!;
    pool.pop();
    return a;
  }
  return undefined;
}

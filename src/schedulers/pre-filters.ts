import type { CycleState, FilterPlugin, Plugin, PreFilterPlugin, Status } from '../api/framework.js';
import type { ClusterSnapshot } from '../api/node.js';
import type { PodInfo, PodSpec } from '../api/pod.js';
import { switchedOn } from '../util/switches.js';

/**
 * Whether frameworks remember, for the last pod spec scheduled, which PreFilters that declare
 * Plugin.preFilterSkipsBySpec returned Skip, and do not call them again for pods of that spec,
 * unless told otherwise: ORCHSIM_NO_PRE_FILTER_SKIP_MEMO=1 turns it off (every PreFilter is
 * called in every cycle).
 */
export function preFilterSkipMemoDefault(): boolean {
  return switchedOn('ORCHSIM_NO_PRE_FILTER_SKIP_MEMO');
}

/**
 * The PreFilter extension point of a Framework's scheduling cycle (RunPreFilterPlugins,
 * pkg/scheduler/framework/runtime/framework.go): each PreFilter in profile order until one
 * rejects the pod; a Skip turns that plugin's Filter off for the cycle. Kept out of
 * framework.ts, which is at its size limit.
 *
 * Most cycles skip the same PreFilters as the last one (a stream's pods share their spec), so the
 * filters left to run (`active`) are made again only when the skipped positions differ.
 *
 * A plugin that declares preFilterSkipsBySpec returns Skip for every pod of a spec object or for
 * none, and writes nothing to the cycle state when it does: once it has skipped for the last
 * spec scheduled, it is taken as skipping for that spec's next pods without being called (NodeName
 * and NodeAffinity for a pod with neither a node name nor node affinity, PodTopologySpread for
 * one with no DoNotSchedule constraint). InterPodAffinity declares the narrower
 * preFilterSkipsBySpecWithoutAntiAffinity: its Skip is remembered the same way, but taken as given
 * only in a cycle whose snapshot has no pod with required anti-affinity. Plugins that declare
 * neither (a user's) are called every cycle, as before. When every PreFilter is known to skip and
 * the last cycle skipped them all, a cycle calls nothing and compares nothing: each of an M/M/c
 * queue's cycles (it called one PreFilter of four, about 400 instructions a cycle with the loop).
 */
export class PreFilters {
  /** The last cycle's PreFilters that returned Skip (positions; count -1: unknown). */
  private readonly skippedAt: Int32Array;
  private skippedCount = -1;
  /** The filters that run this cycle: the profile's less those whose PreFilter skipped. */
  readonly active: FilterPlugin[] = [];
  /** Counts the times `active` was made again: while it stays, so does the list (EquivalenceCache.prepare compares nothing). */
  activeEpoch = 0;
  /** After a rejection: the rejecting plugin's position and status. */
  rejecter: PreFilterPlugin | undefined;
  rejection: Status | undefined;
  /** Positions of the PreFilters that declare preFilterSkipsBySpec or preFilterSkipsBySpecWithoutAntiAffinity (bit i: preFilters[i]). */
  private readonly bySpec: number;
  /** Those of them that declare only the latter: their remembered Skip holds while no pod has required anti-affinity. */
  private readonly withoutAnti: number;
  /** Every position's bit (-1, never a set of skips, without the memo or with more than 30 PreFilters). */
  private readonly every: number;
  /** The spec `skips` is for, and the declaring PreFilters that returned Skip for it (bits). */
  private memoSpec: PodSpec | undefined;
  private skips = 0;

  constructor(
    readonly list: readonly PreFilterPlugin[],
    /** The profile's filters, in order. */
    private readonly filters: readonly FilterPlugin[],
    memo: boolean,
  ) {
    this.skippedAt = new Int32Array(list.length);
    let bySpec = 0;
    let withoutAnti = 0;
    // A 31-bit mask: more PreFilters than that are all called, as without the memo.
    if (memo && list.length <= 31) {
      for (let i = 0; i < list.length; i++) {
        if (list[i]!.preFilterSkipsBySpec === true) bySpec |= 1 << i;
        else if (list[i]!.preFilterSkipsBySpecWithoutAntiAffinity === true) withoutAnti |= 1 << i;
      }
    }
    this.bySpec = bySpec | withoutAnti;
    this.withoutAnti = withoutAnti;
    this.every = memo && list.length <= 30 ? (1 << list.length) - 1 : -1;
  }

  /**
   * Runs the PreFilters for `pod`: true when none rejected it (then `active` holds the filters
   * to run), false when one did (`rejecter`, `rejection`). A plugin's exception propagates as
   * it is; `current` names the plugin being called when it is thrown.
   */
  run(state: CycleState, pod: PodInfo, snapshot: ClusterSnapshot): boolean {
    const preFilters = this.list;
    const spec = pod.spec;
    if (spec !== this.memoSpec) {
      this.memoSpec = spec;
      this.skips = 0;
    }
    let known = this.skips;
    // A pod with required anti-affinity somewhere: the Skips remembered on that condition do not hold this cycle.
    const anti = this.withoutAnti !== 0 && snapshot.havePodsWithRequiredAntiAffinity.length !== 0;
    if (anti) known &= ~this.withoutAnti;
    const before = this.skippedCount;
    // Every PreFilter skips, as every one did in the last cycle: the same filters run.
    if (known === this.every && before === preFilters.length) return true;
    const skippedAt = this.skippedAt;
    this.skippedCount = -1;
    let same = true;
    let nSkipped = 0;
    for (let i = 0; i < preFilters.length; i++) {
      let s: Status | null;
      if ((known & (1 << i)) !== 0) s = SKIPPED;
      else {
        const p = preFilters[i]!;
        this.current = p;
        s = p.preFilter(state, pod, snapshot);
        if (s === null) continue;
        if (s.code === 'Skip') {
          // Remembered where it is the spec's alone: for the conditional ones, only in a cycle without anti-affinity.
          if ((this.bySpec & (1 << i)) !== 0 && (!anti || (this.withoutAnti & (1 << i)) === 0)) this.skips |= 1 << i;
        } else {
          this.current = undefined;
          this.rejecter = p;
          this.rejection = s;
          return false;
        }
      }
      if (nSkipped >= before || skippedAt[nSkipped] !== i) same = false;
      skippedAt[nSkipped++] = i;
    }
    this.current = undefined;
    this.skippedCount = nSkipped;
    const filters = this.active;
    if (!same || nSkipped !== before) {
      this.activeEpoch++;
      filters.length = 0;
      for (const f of this.filters) {
        let skip = false;
        for (let j = 0; j < nSkipped && !skip; j++) skip = preFilters[skippedAt[j]!] === (f as Plugin);
        if (!skip) filters.push(f);
      }
    }
    return true;
  }

  /** The PreFilter being called (for the error a throw becomes), undefined between calls. */
  current: PreFilterPlugin | undefined;
}

/** A remembered Skip (only its code is read). */
const SKIPPED: Status = Object.freeze({ code: 'Skip', reason: 'skip' });

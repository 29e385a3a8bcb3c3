import { ALL_CLUSTER_EVENTS, type FitError, type Plugin, type Status } from '../api/framework.js';
import type { NodeChangeLog, NodeInfo } from '../api/node.js';
import { switchedOn } from '../util/switches.js';

/** Builds a FitError; the retry events are the union of the rejecting plugins' registrations. */
export function fitError(pod: string, numAllNodes: number, reasons: Map<string, number>, plugins: readonly Plugin[], extraEvents = 0): FitError {
  let events = extraEvents;
  for (const p of plugins) events |= p.events ?? ALL_CLUSTER_EVENTS;
  return { pod, numAllNodes, reasons, unschedulablePlugins: new Set(plugins.map((p) => p.name)), events };
}

export function formatFitError(e: FitError): string {
  const parts = [...e.reasons].map(([reason, n]) => `${n} ${reason}`).sort();
  return `0/${e.numAllNodes} nodes are available${parts.length ? ': ' + parts.join(', ') : ''}.`;
}

/**
 * Whether frameworks reuse the reasons and plugins of the last failed cycle that every node
 * rejected for one reason by one plugin (FitErrors) unless told otherwise:
 * ORCHSIM_NO_FIT_ERROR_REUSE=1 turns it off.
 */
export function fitErrorReuseDefault(): boolean {
  return switchedOn('ORCHSIM_NO_FIT_ERROR_REUSE');
}

/**
 * Whether frameworks give a failed scan the last failed scan's summary again when the node change
 * log says every node changed since still rejects the pod the same way (FitErrors, "again")
 * unless told otherwise: ORCHSIM_NO_FIT_ERROR_AGAIN=1 turns it off (every node's rejection is
 * read again).
 */
export function fitErrorAgainDefault(): boolean {
  return switchedOn('ORCHSIM_NO_FIT_ERROR_AGAIN');
}

const NO_NODES: readonly number[] = Object.freeze([]);

/**
 * A failed scan's rejections where the fast scan left them (src/schedulers/cached-scan.ts,
 * ScanCursor): in a snapshot with node k at index k, node `i` was rejected with entryStatus[i]
 * by filters[entryFailAt[i]].
 */
export interface DeferredRejections {
  readonly entryStatus: readonly (Status | null)[];
  readonly entryFailAt: Int32Array;
  readonly filters: readonly Plugin[];
  /** The scanned snapshot's change log (ClusterSnapshot.nodeChanges), if it keeps one. */
  readonly changes: NodeChangeLog | undefined;
}

/**
 * The rejection of the i-th node a scan looked at, at position `at` of `order`: in failStatus,
 * or with `deferred` where the fast scan left it (node order[at] itself). Functions rather than
 * closures made per summary: each FitErrors.summarize call allocated two closures and their
 * context, about 90 bytes, and the M/M/c summarizes a failed cycle about 110,000 times.
 */
function statusOf(i: number, at: number, order: Int32Array, failStatus: readonly (Status | null)[], deferred: DeferredRejections | undefined): Status {
  return deferred === undefined ? failStatus[i]! : deferred.entryStatus[order[at]!]!;
}

/** The filter that rejected the i-th node a scan looked at (as statusOf). */
function pluginOf(i: number, at: number, order: Int32Array, failPlugin: readonly (Plugin | null)[], deferred: DeferredRejections | undefined): Plugin {
  return deferred === undefined ? failPlugin[i]! : deferred.filters[deferred.entryFailAt[order[at]!]!]!;
}

/**
 * The summary of a failed scan (upstream's FitError, pkg/scheduler/framework/types.go: the
 * reason counts and the rejecting plugins), and the nodes where preemption might help.
 *
 * A waiting pod fails most often the way the last one did - in an M/M/c queue every node says
 * "Insufficient cpu" - so when every node was rejected for one reason by one plugin and the last
 * such summary had the same reason, count and plugin, its reasons map and plugin set are shared
 * (both are read-only to FitError's readers) rather than built again: the same contents, fewer
 * allocations per waiting pod. Off (a new map and set every time) with `reuse` false
 * (fitErrorReuseDefault); test/schedulers/fit-error-reuse.test.ts requires the same summaries
 * either way.
 */
export class FitErrors {
  /** After summarize(): the nodes rejected as Unschedulable (not ...AndUnresolvable), in scan order. */
  resolvable: readonly number[] = NO_NODES;
  /** Reused between scans: `.length = 0` on a plain array drops its backing store. */
  private readonly resolvableBuf: number[] = [];
  private uniformReason: string | undefined;
  private uniformCount = -1;
  private uniformPlugin: Plugin | undefined;
  private uniformReasons: Map<string, number> | undefined;
  private uniformPlugins: ReadonlySet<string> | undefined;
  private uniformEvents = 0;
  /**
   * "Again": what the last summary was read from, kept only when it was a deferred scan of
   * every node that every node rejected the same way (uniform, all of them, the change log
   * known); againLog undefined otherwise. The next deferred full scan over the same entry
   * arrays, order and first position needs only the nodes written in the log since (againSeen):
   * if each still has the uniform reason, code and plugin, the summary and `resolvable` are the
   * last ones. In an M/M/c queue every waiting pod fails once, one bind after the last failure,
   * so this reads one node instead of all of them.
   */
  private againLog: NodeChangeLog | undefined;
  private againSeen = 0;
  private againStatus: readonly (Status | null)[] | undefined;
  private againFailAt: Int32Array | undefined;
  private againFilters: readonly Plugin[] | undefined;
  private againOrder: Int32Array | undefined;
  private againFirst = -1;
  private againNodes = -1;
  private againCode = '';
  /**
   * The first node's Status in the last summary. Plugins return shared Status constants, so a
   * node whose status is this very object needs no compare of its reason and code (two string
   * compares, each with its type checks, per logged node).
   */
  private againFirstStatus: Status | undefined;

  constructor(private readonly reuse = true, private readonly again = true) {}

  /**
   * The last summary again, or undefined: see againLog. Only for a deferred scan of all
   * `numAllNodes` nodes from position `first` of `order`.
   */
  private summaryAgain(pod: string, numAllNodes: number, order: Int32Array, first: number, d: DeferredRejections): FitError | undefined {
    const log = this.againLog;
    if (log === undefined || d.changes !== log || d.entryStatus !== this.againStatus || d.entryFailAt !== this.againFailAt || d.filters !== this.againFilters ||
      order !== this.againOrder || first !== this.againFirst || numAllNodes !== this.againNodes) return undefined;
    const count = log.count;
    const ring = log.ring;
    if (count - this.againSeen > ring.length) return undefined;
    const wrap = ring.length - 1;
    const reason = this.uniformReason;
    const code = this.againCode;
    const plugin = this.uniformPlugin;
    const same = this.againFirstStatus;
    const status = d.entryStatus;
    const failAt = d.entryFailAt;
    const filters = d.filters;
    // A node logged twice in a row (unbound, then bound again: a pod finished and the next took
    // its place) is read once: its verdict is the entry's now, whichever write logged it.
    let last = -1;
    for (let k = this.againSeen; k < count; k++) {
      const i = ring[k & wrap]!;
      if (i === last || i >= numAllNodes) continue;
      last = i;
      const st = status[i];
      if (st !== same && (st === null || st === undefined || st.reason !== reason || st.code !== code)) return undefined;
      if (filters[failAt[i]!] !== plugin) return undefined;
    }
    this.againSeen = count;
    return { pod, numAllNodes, reasons: this.uniformReasons!, unschedulablePlugins: this.uniformPlugins!, events: this.uniformEvents };
  }

  /**
   * The FitError of a scan that found no feasible node: `processed` nodes, the i-th of them
   * nodes[order[(start + i) % nodes.length]], rejected with failStatus[i] by failPlugin[i]. Clears
   * those entries of both arrays, and fills `resolvable`. With `deferred`, the rejections are
   * read where the fast scan left them instead, and the arrays are not touched.
   */
  summarize(pod: string, nodes: readonly NodeInfo[], order: Int32Array, start: number, processed: number, failStatus: (Status | null)[], failPlugin: (Plugin | null)[], deferred?: DeferredRejections): FitError {
    const numAllNodes = nodes.length;
    // The flags compared with true: as fields V8 does not know them as booleans, and `whole` and
    // `uniform` would be truth-tested the generic way.
    let whole = this.again === true && deferred !== undefined && deferred.changes !== undefined && processed === numAllNodes && processed > 0;
    if (whole) {
      const e = this.summaryAgain(pod, numAllNodes, order, start % numAllNodes, deferred!);
      if (e !== undefined) return e;
    }
    this.againLog = undefined;
    const buf = this.resolvableBuf;
    let n = 0;
    // The first node's position in `order`; positions wrap round (an integer division per node saved).
    const first = processed > 0 ? start % numAllNodes : 0;
    const firstStatus = processed > 0 ? statusOf(0, first, order, failStatus, deferred) : undefined;
    const firstReason = firstStatus?.reason;
    const firstCode = firstStatus?.code;
    const firstPlugin = processed > 0 ? pluginOf(0, first, order, failPlugin, deferred) : undefined;
    let uniform = this.reuse === true && processed > 0;
    let at = first;
    for (let i = 0; i < processed; i++) {
      const st = statusOf(i, at, order, failStatus, deferred);
      if (st.code === 'Unschedulable') {
        const index = deferred === undefined ? nodes[order[at]!]!.index : order[at]!;
        if (n < buf.length) buf[n] = index;
        else buf.push(index);
        n++;
      }
      if (uniform && (st.reason !== firstReason || pluginOf(i, at, order, failPlugin, deferred) !== firstPlugin)) uniform = false;
      // summaryAgain keeps `resolvable` as it is: only when every node has the same code too.
      if (whole && st.code !== firstCode) whole = false;
      if (++at === numAllNodes) at = 0;
    }
    if (n === 0) this.resolvable = NO_NODES;
    else {
      // Shortening keeps the backing store (V8 trims it only when under half is used).
      if (buf.length > n) buf.length = n;
      this.resolvable = buf;
    }
    let e: FitError;
    if (uniform && firstReason === this.uniformReason && processed === this.uniformCount && firstPlugin === this.uniformPlugin) {
      e = { pod, numAllNodes, reasons: this.uniformReasons!, unschedulablePlugins: this.uniformPlugins!, events: this.uniformEvents };
    } else {
      const reasons = new Map<string, number>();
      const rejecters = new Set<Plugin>();
      at = first;
      for (let i = 0; i < processed; i++) {
        const r = statusOf(i, at, order, failStatus, deferred).reason;
        reasons.set(r, (reasons.get(r) ?? 0) + 1);
        rejecters.add(pluginOf(i, at, order, failPlugin, deferred));
        if (++at === numAllNodes) at = 0;
      }
      e = fitError(pod, numAllNodes, reasons, [...rejecters]);
      if (uniform) {
        this.uniformReason = firstReason;
        this.uniformCount = processed;
        this.uniformPlugin = firstPlugin;
        this.uniformReasons = reasons;
        this.uniformPlugins = e.unschedulablePlugins;
        this.uniformEvents = e.events;
      }
    }
    if (whole && uniform) {
      // Every node rejected the same way: kept for summaryAgain.
      const d = deferred!;
      this.againLog = d.changes;
      this.againSeen = d.changes!.count;
      this.againStatus = d.entryStatus;
      this.againFailAt = d.entryFailAt;
      this.againFilters = d.filters;
      this.againOrder = order;
      this.againFirst = first;
      this.againNodes = numAllNodes;
      this.againCode = firstCode!;
      this.againFirstStatus = firstStatus;
    }
    if (deferred === undefined) {
      for (let i = 0; i < processed; i++) {
        failStatus[i] = null;
        failPlugin[i] = null;
      }
    }
    return e;
  }
}

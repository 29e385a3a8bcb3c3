import { ALL_CLUSTER_EVENTS, type FitError, type Plugin, type Status } from '../api/framework.js';
import type { NodeInfo } from '../api/node.js';
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

  constructor(private readonly reuse = true) {}

  /**
   * The FitError of a scan that found no feasible node: `processed` nodes, the i-th of them
   * nodes[order[(start + i) % nodes.length]], rejected with failStatus[i] by failPlugin[i]. Clears
   * those entries of both arrays, and fills `resolvable`. With `deferred`, the rejections are
   * read where the fast scan left them instead, and the arrays are not touched.
   */
  summarize(pod: string, nodes: readonly NodeInfo[], order: Int32Array, start: number, processed: number, failStatus: (Status | null)[], failPlugin: (Plugin | null)[], deferred?: DeferredRejections): FitError {
    const numAllNodes = nodes.length;
    const buf = this.resolvableBuf;
    let n = 0;
    // The i-th node looked at is at position `at` of `order` (deferred: node order[at] itself).
    const statusAt = (i: number, at: number): Status => (deferred === undefined ? failStatus[i]! : deferred.entryStatus[order[at]!]!);
    const pluginAt = (i: number, at: number): Plugin => (deferred === undefined ? failPlugin[i]! : deferred.filters[deferred.entryFailAt[order[at]!]!]!);
    // The first node's position in `order`; positions wrap round (an integer division per node saved).
    const first = processed > 0 ? start % numAllNodes : 0;
    const firstReason = processed > 0 ? statusAt(0, first).reason : undefined;
    const firstPlugin = processed > 0 ? pluginAt(0, first) : undefined;
    let uniform = this.reuse && processed > 0;
    let at = first;
    for (let i = 0; i < processed; i++) {
      const st = statusAt(i, at);
      if (st.code === 'Unschedulable') {
        const index = deferred === undefined ? nodes[order[at]!]!.index : order[at]!;
        if (n < buf.length) buf[n] = index;
        else buf.push(index);
        n++;
      }
      if (uniform && (st.reason !== firstReason || pluginAt(i, at) !== firstPlugin)) uniform = false;
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
        const r = statusAt(i, at).reason;
        reasons.set(r, (reasons.get(r) ?? 0) + 1);
        rejecters.add(pluginAt(i, at));
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
    if (deferred === undefined) {
      for (let i = 0; i < processed; i++) {
        failStatus[i] = null;
        failPlugin[i] = null;
      }
    }
    return e;
  }
}

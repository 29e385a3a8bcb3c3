import type { NodeGroupSpec } from '../api/autoscaling.js';
import type { RandomSource } from '../api/framework.js';
import type { PodInfo } from '../api/pod.js';

/**
 * The cluster-autoscaler expanders (cluster-autoscaler/expander/*): given the scale-up options
 * the estimator produced, pick the node group to grow. Each expander is a pure filter that keeps
 * its best options (ties included); a final uniform draw from the `random` argument breaks ties,
 * as upstream falls back to the random strategy. Chains ("priority,least-waste") apply the
 * filters in order, as upstream's --expander list does.
 */

/** One way to help the pending pods: grow `group` by `nodeCount`, which schedules `pods`. */
export interface ScaleUpOption {
  readonly group: NodeGroupSpec;
  readonly nodeCount: number;
  /** The pending pods this option would schedule. */
  readonly pods: readonly PodInfo[];
}

export const EXPANDER_NAMES = ['random', 'most-pods', 'least-waste', 'least-nodes', 'price', 'priority'] as const;
export type ExpanderName = (typeof EXPANDER_NAMES)[number];
/** cluster-autoscaler's --expander default since 1.30 (least-waste). */
export const DEFAULT_EXPANDER: ExpanderName = 'least-waste';

/** Keeps the best options (several on a tie), in their input order. */
export type ExpanderFilter = (options: readonly ScaleUpOption[]) => ScaleUpOption[];
/** Picks one option (undefined only when there is none). */
export type Expander = (options: readonly ScaleUpOption[], random: RandomSource) => ScaleUpOption | undefined;

export function isExpanderName(s: unknown): s is ExpanderName {
  return typeof s === 'string' && (EXPANDER_NAMES as readonly string[]).includes(s);
}

/** Scores closer than this are a tie (float noise must not decide between equal options). */
const TIE_EPSILON = 1e-9;

/** The options with the lowest score (ties kept, input order). */
function keepLowest(options: readonly ScaleUpOption[], score: (o: ScaleUpOption) => number): ScaleUpOption[] {
  let best = Infinity;
  let kept: ScaleUpOption[] = [];
  for (const o of options) {
    const s = score(o);
    if (kept.length === 0 || s < best - TIE_EPSILON) {
      best = s;
      kept = [o];
    } else if (s === best || Math.abs(s - best) <= TIE_EPSILON) {
      // s === best covers Infinity (e.g. price of an option with no pods), where the difference is NaN.
      kept.push(o);
    }
  }
  return kept;
}

/**
 * Idle fraction of cpu plus idle fraction of memory of the option's new nodes once its pods run
 * on them (expander/waste: wastedCPU + wastedMemory, both in [0, 1]). A dimension the template
 * does not have (allocatable 0) wastes nothing.
 */
export function wastedScore(option: ScaleUpOption): number {
  const alloc = option.group.template.allocatable;
  let cpu = 0;
  let memory = 0;
  for (const p of option.pods) {
    cpu += p.spec.requests.milliCPU;
    memory += p.spec.requests.memory;
  }
  const availCPU = alloc.milliCPU * option.nodeCount;
  const availMemory = alloc.memory * option.nodeCount;
  const wastedCPU = availCPU > 0 ? (availCPU - cpu) / availCPU : 0;
  const wastedMemory = availMemory > 0 ? (availMemory - memory) / availMemory : 0;
  return wastedCPU + wastedMemory;
}

/**
 * Price per hour of the new nodes per pod they schedule. Simplified from expander/price, which
 * divides the node cost by a price of the pods' requests and adds a penalty for nodes far from a
 * "preferred" size; here the cost is nodeCount * pricePerHour / pods (Infinity with no pods).
 */
export function pricePerPod(option: ScaleUpOption): number {
  return option.pods.length === 0 ? Infinity : (option.nodeCount * option.group.pricePerHour) / option.pods.length;
}

/** Filters by name (the tie-breaking draw is separate, see `chooseOption`). */
export const EXPANDER_FILTERS: Readonly<Record<ExpanderName, ExpanderFilter>> = Object.freeze({
  /** expander/random: every option is as good as any other. */
  random: (options) => [...options],
  /** expander/mostpods: the option that schedules the most pods. */
  'most-pods': (options) => keepLowest(options, (o) => -o.pods.length),
  /** expander/waste: least idle cpu + memory fraction after the scale-up. */
  'least-waste': (options) => keepLowest(options, wastedScore),
  /** expander/leastnodes: the fewest new nodes. */
  'least-nodes': (options) => keepLowest(options, (o) => o.nodeCount),
  /** expander/price (simplified, see pricePerPod): the cheapest per pod scheduled. */
  price: (options) => keepLowest(options, pricePerPod),
  /** expander/priority: the highest NodeGroupSpec.priority (upstream reads it from a ConfigMap). */
  priority: (options) => keepLowest(options, (o) => -o.group.priority),
});

/** A uniform pick; always draws exactly once so the stream advances the same whatever the tie. */
export function pickRandom<T>(items: readonly T[], random: RandomSource): T | undefined {
  const u = random.next();
  if (items.length === 0) return undefined;
  return items[Math.min(items.length - 1, Math.floor(u * items.length))];
}

/**
 * Applies a chain of expanders (upstream --expander=a,b,...) then breaks the remaining tie at
 * random. Draws one number from `random` whenever there is at least one option.
 */
export function chooseOption(names: readonly ExpanderName[], options: readonly ScaleUpOption[], random: RandomSource): ScaleUpOption | undefined {
  if (options.length === 0) return undefined;
  let kept: readonly ScaleUpOption[] = options;
  for (const name of names) {
    if (kept.length <= 1) break;
    kept = EXPANDER_FILTERS[name](kept);
  }
  return pickRandom(kept, random);
}

function expander(name: ExpanderName): Expander {
  return (options, random) => chooseOption([name], options, random);
}

/** The expanders by name, each a complete strategy (filter, then a random tie-break). */
export const EXPANDERS: Readonly<Record<ExpanderName, Expander>> = Object.freeze({
  random: expander('random'),
  'most-pods': expander('most-pods'),
  'least-waste': expander('least-waste'),
  'least-nodes': expander('least-nodes'),
  price: expander('price'),
  priority: expander('priority'),
});

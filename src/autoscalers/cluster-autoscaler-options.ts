import type { NodeGroupSpec } from '../api/autoscaling.js';
import { DEFAULT_EXPANDER, EXPANDER_NAMES, type ExpanderName, isExpanderName } from './expanders.js';

/**
 * The cluster-autoscaler's flags, their upstream defaults (cluster-autoscaler FAQ, "What are the
 * parameters to CA?"; ../shared/docs/KUBERNETES.md section 5) and their validation as a whole,
 * with the node groups it is given (Karpenter reads its options with the same helper).
 */

export const NAME = 'cluster-autoscaler';

export interface ClusterAutoscalerOptions {
  /** --scan-interval (s). */
  readonly scanInterval: number;
  /** --expander: one name or a chain applied in order (upstream "priority,least-waste"). */
  readonly expander: ExpanderName | readonly ExpanderName[];
  /** --scale-down-enabled. */
  readonly scaleDownEnabled: boolean;
  /** --scale-down-utilization-threshold: max(cpu, memory) requested / allocatable below which a node is a candidate. */
  readonly scaleDownUtilizationThreshold: number;
  /** --scale-down-gpu-utilization-threshold: the same for GPU nodes, on GPU requested / allocatable. */
  readonly scaleDownGpuUtilizationThreshold: number;
  /** --scale-down-unneeded-time (s): how long a node must be unneeded before it is removed. */
  readonly scaleDownUnneededTime: number;
  /** --scale-down-delay-after-add (s). */
  readonly scaleDownDelayAfterAdd: number;
  /** --scale-down-delay-after-delete (s); 0 means the scan interval, as upstream. */
  readonly scaleDownDelayAfterDelete: number;
  /** --scale-down-delay-after-failure (s); here measured from a group's last failed scale-up. */
  readonly scaleDownDelayAfterFailure: number;
  /** --max-empty-bulk-delete: empty nodes removed in one scan. */
  readonly maxEmptyBulkDelete: number;
  /** --scale-down-non-empty-candidates-count: non-empty nodes checked (drain simulated) per scan. */
  readonly scaleDownNonEmptyCandidatesCount: number;
  /** --max-node-provision-time (s). The simulator enforces it (a node not ready by then fails); kept for the record. */
  readonly maxNodeProvisionTime: number;
  /** --max-total-unready-percentage: the cluster is unhealthy above this share of unready nodes... */
  readonly maxTotalUnreadyPercentage: number;
  /** --ok-total-unready-count: ...and above this many. */
  readonly okTotalUnreadyCount: number;
  /** --initial-node-group-backoff-duration (s): no scale-up of a group this long after its first failure. */
  readonly initialNodeGroupBackoffDuration: number;
  /** --max-node-group-backoff-duration (s): the backoff doubles per failure up to this. */
  readonly maxNodeGroupBackoffDuration: number;
  /** --node-group-backoff-reset-timeout (s): a failure this long after the previous one starts over. */
  readonly nodeGroupBackoffResetTimeout: number;
}

export const CLUSTER_AUTOSCALER_DEFAULTS: ClusterAutoscalerOptions = Object.freeze({
  scanInterval: 10,
  expander: DEFAULT_EXPANDER,
  scaleDownEnabled: true,
  scaleDownUtilizationThreshold: 0.5,
  scaleDownGpuUtilizationThreshold: 0.5,
  scaleDownUnneededTime: 600,
  scaleDownDelayAfterAdd: 600,
  scaleDownDelayAfterDelete: 0,
  scaleDownDelayAfterFailure: 180,
  maxEmptyBulkDelete: 10,
  scaleDownNonEmptyCandidatesCount: 30,
  maxNodeProvisionTime: 900,
  maxTotalUnreadyPercentage: 45,
  okTotalUnreadyCount: 3,
  // utils/backoff ExponentialBackoff as built in main.go: 5 min, doubling to 30 min, reset after 3 h.
  initialNodeGroupBackoffDuration: 300,
  maxNodeGroupBackoffDuration: 1800,
  nodeGroupBackoffResetTimeout: 10800,
});

type Check = (v: number) => boolean;
const positive: [Check, string] = [(v) => v > 0, 'a number > 0'];
const nonNegative: [Check, string] = [(v) => v >= 0, 'a number >= 0'];
const fraction: [Check, string] = [(v) => v >= 0 && v <= 1, 'a number in [0, 1]'];
const percent: [Check, string] = [(v) => v >= 0 && v <= 100, 'a number in [0, 100]'];
const positiveInt: [Check, string] = [(v) => Number.isInteger(v) && v >= 1, 'an integer >= 1'];
const nonNegativeInt: [Check, string] = [(v) => Number.isInteger(v) && v >= 0, 'an integer >= 0'];

const NUMERIC_OPTIONS: Readonly<Record<string, [Check, string]>> = {
  scanInterval: positive,
  scaleDownUtilizationThreshold: fraction,
  scaleDownGpuUtilizationThreshold: fraction,
  scaleDownUnneededTime: nonNegative,
  scaleDownDelayAfterAdd: nonNegative,
  scaleDownDelayAfterDelete: nonNegative,
  scaleDownDelayAfterFailure: nonNegative,
  maxEmptyBulkDelete: positiveInt,
  scaleDownNonEmptyCandidatesCount: positiveInt,
  maxNodeProvisionTime: positive,
  maxTotalUnreadyPercentage: percent,
  okTotalUnreadyCount: nonNegativeInt,
  initialNodeGroupBackoffDuration: positive,
  maxNodeGroupBackoffDuration: positive,
  nodeGroupBackoffResetTimeout: positive,
};

function show(v: unknown): string {
  return typeof v === 'string' ? JSON.stringify(v) : String(v);
}

/**
 * Reads a plain options object: numbers checked against `numeric`, the rest by `other`; unknown
 * keys (typos) and bad values throw a RangeError naming the option and the value.
 */
export function readOptions<T extends object>(
  who: string, input: unknown, defaults: T,
  numeric: Readonly<Record<string, [Check, string]>>,
  other: (key: string, value: unknown) => unknown,
): T {
  if (input === undefined || input === null) return defaults;
  if (typeof input !== 'object' || Array.isArray(input)) throw new RangeError(`${who}: options must be an object, got ${show(input)}`);
  const out: Record<string, unknown> = { ...(defaults as Record<string, unknown>) };
  for (const [key, value] of Object.entries(input as Record<string, unknown>)) {
    if (value === undefined) continue;
    if (!Object.prototype.hasOwnProperty.call(defaults, key)) {
      throw new RangeError(`${who}: unknown option ${key} (known: ${Object.keys(defaults).join(', ')})`);
    }
    const rule = numeric[key];
    if (rule) {
      if (typeof value !== 'number' || !Number.isFinite(value) || !rule[0](value)) {
        throw new RangeError(`${who}: option ${key} must be ${rule[1]}, got ${show(value)}`);
      }
      out[key] = value;
    } else {
      out[key] = other(key, value);
    }
  }
  return out as T;
}

/** The expander option as a chain; accepts a name, a comma-separated list (the flag) or an array. */
export function parseExpander(value: unknown): ExpanderName[] {
  const names = typeof value === 'string' ? value.split(',').map((s) => s.trim()) : value;
  if (!Array.isArray(names) || names.length === 0 || !names.every(isExpanderName)) {
    throw new RangeError(`${NAME}: option expander must be one of ${EXPANDER_NAMES.join(', ')} or a comma-separated chain of them, got ${show(value)}`);
  }
  return names;
}

export function resolveClusterAutoscalerOptions(input: unknown): ClusterAutoscalerOptions {
  const o = readOptions(NAME, input, CLUSTER_AUTOSCALER_DEFAULTS, NUMERIC_OPTIONS, (key, value) => {
    if (key === 'expander') return parseExpander(value);
    if (key === 'scaleDownEnabled') {
      if (typeof value !== 'boolean') throw new RangeError(`${NAME}: option scaleDownEnabled must be a boolean, got ${show(value)}`);
      return value;
    }
    throw new RangeError(`${NAME}: unknown option ${key}`);
  });
  if (o.maxNodeGroupBackoffDuration < o.initialNodeGroupBackoffDuration) {
    throw new RangeError(`${NAME}: option maxNodeGroupBackoffDuration (${o.maxNodeGroupBackoffDuration}) must be >= initialNodeGroupBackoffDuration (${o.initialNodeGroupBackoffDuration})`);
  }
  return Object.freeze(o);
}

/** Node groups must have unique names, 0 <= min <= max integers and a price >= 0. */
export function validateNodeGroups(who: string, groups: readonly NodeGroupSpec[]): void {
  const seen = new Set<string>();
  for (const g of groups) {
    if (seen.has(g.name)) throw new RangeError(`${who}: duplicate node group ${show(g.name)}`);
    seen.add(g.name);
    if (!Number.isInteger(g.min) || g.min < 0) throw new RangeError(`${who}: node group ${g.name}: min must be an integer >= 0, got ${show(g.min)}`);
    if (!Number.isInteger(g.max) || g.max < g.min) throw new RangeError(`${who}: node group ${g.name}: max must be an integer >= min (${g.min}), got ${show(g.max)}`);
    if (!Number.isFinite(g.pricePerHour) || g.pricePerHour < 0) throw new RangeError(`${who}: node group ${g.name}: pricePerHour must be a number >= 0, got ${show(g.pricePerHour)}`);
  }
}

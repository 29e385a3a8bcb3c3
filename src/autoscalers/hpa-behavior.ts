import type { HPAScalingRules } from '../api/autoscaling.js';
import { type Environment, processEnvironment, switchedOn } from '../util/switches.js';

/**
 * The HPA's scaling behavior, after kubernetes pkg/controller/podautoscaler/horizontal.go
 * normalizeDesiredReplicasWithBehaviors: the stabilization window over past recommendations
 * (stabilizeRecommendationWithBehaviors) and the scaling rate limits of the behavior's policies
 * (convertDesiredReplicasWithBehaviorRate; Percent policies round as upstream's int32 math does).
 */

// Condition reasons (horizontal.go setCondition calls) the normalization gives.
export const REASON_TOO_MANY_REPLICAS = 'TooManyReplicas';
export const REASON_TOO_FEW_REPLICAS = 'TooFewReplicas';
export const REASON_SCALE_UP_LIMIT = 'ScaleUpLimit';
export const REASON_SCALE_DOWN_LIMIT = 'ScaleDownLimit';
export const REASON_DESIRED_WITHIN_RANGE = 'DesiredWithinRange';
export const REASON_SCALE_UP_STABILIZED = 'ScaleUpStabilized';
export const REASON_SCALE_DOWN_STABILIZED = 'ScaleDownStabilized';

// ---- stabilization (stabilizeRecommendationWithBehaviors) ----------------------------------

export interface TimestampedRecommendation {
  readonly replicas: number;
  readonly timestamp: number;
}

export interface StabilizeArgs {
  readonly currentReplicas: number;
  /** The unstabilized metric proposal. */
  readonly desiredReplicas: number;
  readonly scaleUpWindowSeconds: number;
  readonly scaleDownWindowSeconds: number;
  readonly now: number;
}

/**
 * stabilizeRecommendationWithBehaviors: a scale-up goes no higher than the lowest recommendation
 * within the scaleUp window, a scale-down no lower than the highest within the scaleDown window
 * (so one quiet sample cannot shed replicas a busy one asked for a minute ago). Records the
 * unstabilized recommendation in place of the last sample older than both windows. Pure: returns
 * the new history.
 */
export function stabilize(
  history: readonly TimestampedRecommendation[], args: StabilizeArgs,
): { readonly replicas: number; readonly reason: string; readonly history: TimestampedRecommendation[] } {
  const next = new RecommendationHistory(history);
  const replicas = next.stabilize(args);
  const reason = args.desiredReplicas >= args.currentReplicas ? REASON_SCALE_UP_STABILIZED : REASON_SCALE_DOWN_STABILIZED;
  return { replicas, reason, history: next.toArray() };
}

/**
 * A recommendation history as two parallel arrays, overwritten in place. The HPA object keeps one
 * for its whole life, so a sync (every 15 s for every HPA) reads a few adjacent cache lines, not
 * one object per entry wherever it was allocated.
 */
export class RecommendationHistory implements Recommendations {
  private replicas: Float64Array;
  private timestamps: Float64Array;
  private size: number;

  constructor(from: readonly TimestampedRecommendation[] = []) {
    this.size = from.length;
    this.replicas = new Float64Array(Math.max(8, from.length));
    this.timestamps = new Float64Array(Math.max(8, from.length));
    from.forEach((r, i) => {
      this.replicas[i] = r.replicas;
      this.timestamps[i] = r.timestamp;
    });
  }

  get length(): number {
    return this.size;
  }

  toArray(): TimestampedRecommendation[] {
    return Array.from({ length: this.size }, (_, i) => ({ replicas: this.replicas[i]!, timestamp: this.timestamps[i]! }));
  }

  push(replicas: number, timestamp: number): void {
    if (this.size === this.replicas.length) {
      const r = new Float64Array(2 * this.size);
      const t = new Float64Array(2 * this.size);
      r.set(this.replicas);
      t.set(this.timestamps);
      this.replicas = r;
      this.timestamps = t;
    }
    this.replicas[this.size] = replicas;
    this.timestamps[this.size] = timestamp;
    this.size++;
  }

  /**
   * stabilize() on this history: records the unstabilized recommendation over the last sample
   * older than both windows (or appends it), and returns the stabilized count.
   */
  stabilize(args: StabilizeArgs): number {
    return this.stabilizeWith(args.currentReplicas, args.desiredReplicas, args.scaleUpWindowSeconds, args.scaleDownWindowSeconds, args.now);
  }

  /** stabilize() with its arguments one by one (no arguments object per sync). */
  stabilizeWith(currentReplicas: number, desiredReplicas: number, scaleUpWindowSeconds: number, scaleDownWindowSeconds: number, now: number): number {
    const stabilized = this.stabilizedFor(currentReplicas, desiredReplicas, scaleUpWindowSeconds, scaleDownWindowSeconds, now);
    this.record(desiredReplicas, scaleUpWindowSeconds, scaleDownWindowSeconds, now);
    return stabilized;
  }

  stabilizedFor(currentReplicas: number, desiredReplicas: number, scaleUpWindowSeconds: number, scaleDownWindowSeconds: number, now: number): number {
    const upCutoff = now - scaleUpWindowSeconds;
    const downCutoff = now - scaleDownWindowSeconds;
    let upRecommendation = desiredReplicas;
    let downRecommendation = desiredReplicas;
    const replicas = this.replicas;
    const timestamps = this.timestamps;
    for (let i = 0; i < this.size; i++) {
      const t = timestamps[i]!;
      const r = replicas[i]!;
      // time.After is strict: a sample exactly at the cutoff is in neither window.
      if (t > upCutoff && r < upRecommendation) upRecommendation = r;
      if (t > downCutoff && r > downRecommendation) downRecommendation = r;
    }
    let stabilized = currentReplicas;
    if (stabilized < upRecommendation) stabilized = upRecommendation;
    if (stabilized > downRecommendation) stabilized = downRecommendation;
    return stabilized;
  }

  /** Over the last sample older than both windows (time.Before is strict), or appended. */
  record(desiredReplicas: number, scaleUpWindowSeconds: number, scaleDownWindowSeconds: number, now: number): void {
    const upCutoff = now - scaleUpWindowSeconds;
    const downCutoff = now - scaleDownWindowSeconds;
    let oldSampleIndex = -1;
    const timestamps = this.timestamps;
    for (let i = 0; i < this.size; i++) {
      const t = timestamps[i]!;
      if (t < upCutoff && t < downCutoff) oldSampleIndex = i;
    }
    if (oldSampleIndex >= 0) {
      this.replicas[oldSampleIndex] = desiredReplicas;
      timestamps[oldSampleIndex] = now;
    } else {
      this.push(desiredReplicas, now);
    }
  }
}

/** What an HPA object keeps of its recommendations: a RecommendationHistory or StabilizationWindows. */
export interface Recommendations {
  readonly length: number;
  push(replicas: number, timestamp: number): void;
  stabilize(args: StabilizeArgs): number;
  /** stabilize() with its arguments one by one. */
  stabilizeWith(currentReplicas: number, desiredReplicas: number, scaleUpWindowSeconds: number, scaleDownWindowSeconds: number, now: number): number;
  /** The count stabilizeWith would return now, without recording the recommendation. */
  stabilizedFor(currentReplicas: number, desiredReplicas: number, scaleUpWindowSeconds: number, scaleDownWindowSeconds: number, now: number): number;
  /**
   * stabilizeWith's record alone: the unstabilized recommendation recorded as stabilizeWith
   * records it, whatever the current count (which only the answer depends on). What a sync whose
   * stabilized count is known to be the current one is left to do: a recommendation equal to the
   * current count stabilizes to it (every window's extremes bracket it), and stabilizedFor tells
   * of any other.
   */
  record(desiredReplicas: number, scaleUpWindowSeconds: number, scaleDownWindowSeconds: number, now: number): void;
}

/**
 * The recommendations one extreme of a window can still be, oldest first (a monotonic deque):
 * a recommendation is dropped once a newer one is as extreme, or once it leaves the window.
 */
class WindowExtreme {
  /**
   * The entries as (replicas, timestamp) pairs side by side: a sync reads the head's timestamp
   * and then its replicas, one cache line (the HPA's state is cold at every 15 s sync).
   */
  private entries = new Float64Array(128);
  /** Entry indices (an entry is two cells). */
  private head = 0;
  private tail = 0;
  /** +1: keeps the maximum; -1: the minimum. */
  constructor(private readonly sign: number) {}

  /** Drops what is at or before the cutoff (time.After is strict), then adds (replicas, timestamp). */
  add(replicas: number, timestamp: number, cutoff: number): void {
    const e = this.entries;
    while (this.head < this.tail && !(e[2 * this.head + 1]! > cutoff)) this.head++;
    while (this.head < this.tail && this.sign * (replicas - e[2 * (this.tail - 1)]!) >= 0) this.tail--;
    if (2 * this.tail === e.length) this.makeRoom();
    const f = this.entries;
    f[2 * this.tail] = replicas;
    f[2 * this.tail + 1] = timestamp;
    this.tail++;
  }

  /** The extreme of what is after the cutoff, or `fallback` when nothing is. */
  extreme(cutoff: number, fallback: number): number {
    const e = this.entries;
    while (this.head < this.tail && !(e[2 * this.head + 1]! > cutoff)) this.head++;
    return this.head < this.tail ? e[2 * this.head]! : fallback;
  }

  /** Moves the entries to the front, in place (growing the array only when it is half full). */
  private makeRoom(): void {
    const n = this.tail - this.head;
    if (2 * (2 * n) > this.entries.length) {
      const e = new Float64Array(2 * this.entries.length);
      e.set(this.entries.subarray(2 * this.head, 2 * this.tail));
      this.entries = e;
    } else {
      this.entries.copyWithin(0, 2 * this.head, 2 * this.tail);
    }
    this.head = 0;
    this.tail = n;
  }
}

/**
 * stabilize() for an HPA object with fixed windows whose syncs never go back in time, as two
 * monotonic deques (issue 23): the lowest recommendation within the scale-up window and the
 * highest within the scale-down window in O(1) amortized per sync instead of a walk over the
 * whole history (about 21 entries at a 15 s sync and the default 300 s scale-down window).
 *
 * Same counts as RecommendationHistory: its history holds every recommendation recorded but those
 * it overwrote, which were outside both windows then and, the cutoffs only moving forward, are
 * outside them for good; a window's extreme is that of the recommendations after its cutoff, the
 * unstabilized one included. ORCHSIM_NO_HPA_WINDOW_DEQUE=1 keeps the walk
 * (hpaWindowDequeDefault); test/autoscalers/hpa.test.ts compares the two.
 */
export class StabilizationWindows implements Recommendations {
  private readonly lowest = new WindowExtreme(-1);
  private readonly highest = new WindowExtreme(1);
  private count = 0;
  private lastNow = Number.NEGATIVE_INFINITY;

  constructor(private readonly scaleUpWindowSeconds: number, private readonly scaleDownWindowSeconds: number) {}

  get length(): number {
    return this.count;
  }

  push(replicas: number, timestamp: number): void {
    if (timestamp < this.lastNow) throw new RangeError(`recommendation time went backwards: ${timestamp} < ${this.lastNow}`);
    this.lastNow = timestamp;
    this.lowest.add(replicas, timestamp, timestamp - this.scaleUpWindowSeconds);
    this.highest.add(replicas, timestamp, timestamp - this.scaleDownWindowSeconds);
    this.count++;
  }

  stabilize(args: StabilizeArgs): number {
    return this.stabilizeWith(args.currentReplicas, args.desiredReplicas, args.scaleUpWindowSeconds, args.scaleDownWindowSeconds, args.now);
  }

  stabilizeWith(currentReplicas: number, desiredReplicas: number, scaleUpWindowSeconds: number, scaleDownWindowSeconds: number, now: number): number {
    const stabilized = this.stabilizedFor(currentReplicas, desiredReplicas, scaleUpWindowSeconds, scaleDownWindowSeconds, now);
    this.push(desiredReplicas, now);
    return stabilized;
  }

  stabilizedFor(currentReplicas: number, desiredReplicas: number, scaleUpWindowSeconds: number, scaleDownWindowSeconds: number, now: number): number {
    this.checkWindows(scaleUpWindowSeconds, scaleDownWindowSeconds);
    const up = this.lowest.extreme(now - scaleUpWindowSeconds, desiredReplicas);
    const down = this.highest.extreme(now - scaleDownWindowSeconds, desiredReplicas);
    const upRecommendation = up < desiredReplicas ? up : desiredReplicas;
    const downRecommendation = down > desiredReplicas ? down : desiredReplicas;
    let stabilized = currentReplicas;
    if (stabilized < upRecommendation) stabilized = upRecommendation;
    if (stabilized > downRecommendation) stabilized = downRecommendation;
    return stabilized;
  }

  /**
   * push, which drops what left the windows at stabilizeWith's cutoffs (the windows are fixed),
   * so the deques end as stabilizeWith leaves them.
   */
  record(desiredReplicas: number, scaleUpWindowSeconds: number, scaleDownWindowSeconds: number, now: number): void {
    this.checkWindows(scaleUpWindowSeconds, scaleDownWindowSeconds);
    this.push(desiredReplicas, now);
  }

  private checkWindows(scaleUpWindowSeconds: number, scaleDownWindowSeconds: number): void {
    if (scaleUpWindowSeconds !== this.scaleUpWindowSeconds || scaleDownWindowSeconds !== this.scaleDownWindowSeconds) {
      throw new RangeError('StabilizationWindows: the windows are fixed when it is made');
    }
  }
}

/** Whether HPA objects use StabilizationWindows unless told otherwise (ORCHSIM_NO_HPA_WINDOW_DEQUE=1, non-empty and not 0, turns it off). */
export function hpaWindowDequeDefault(env: Environment = processEnvironment()): boolean {
  return switchedOn('ORCHSIM_NO_HPA_WINDOW_DEQUE', env);
}

// ---- scaling rate limits (convertDesiredReplicasWithBehaviorRate) --------------------------

export interface ScaleEvent {
  /** Replicas added (scale-up list) or removed (scale-down list); non-negative. */
  readonly replicaChange: number;
  readonly timestamp: number;
}

/** getReplicasChangePerPeriod: the change recorded strictly after now - periodSeconds. */
export function replicasChangePerPeriod(periodSeconds: number, events: readonly ScaleEvent[], now: number): number {
  const cutoff = now - periodSeconds;
  let replicas = 0;
  for (const e of events) if (e.timestamp > cutoff) replicas += e.replicaChange;
  return replicas;
}

/**
 * calculateScaleUpLimitWithScalingRules: the most replicas allowed now. Each policy is measured
 * from the count at the start of its period (current - added + removed within it); Percent rounds
 * up so a small target can always grow. Max picks the largest limit, Min the smallest, Disabled
 * allows none.
 */
export function scaleUpLimit(
  currentReplicas: number, upEvents: readonly ScaleEvent[], downEvents: readonly ScaleEvent[], rules: HPAScalingRules, now: number,
): number {
  if (rules.selectPolicy === 'Disabled') return currentReplicas;
  const pickMin = rules.selectPolicy === 'Min';
  let result = pickMin ? Number.POSITIVE_INFINITY : Number.NEGATIVE_INFINITY;
  for (const policy of rules.policies) {
    const periodStartReplicas = currentReplicas
      - replicasChangePerPeriod(policy.periodSeconds, upEvents, now)
      + replicasChangePerPeriod(policy.periodSeconds, downEvents, now);
    const proposed = policy.type === 'Pods'
      ? periodStartReplicas + policy.value
      : Math.ceil(periodStartReplicas * (1 + policy.value / 100));
    result = pickMin ? Math.min(result, proposed) : Math.max(result, proposed);
  }
  return result;
}

/**
 * calculateScaleDownLimitWithBehaviors: the fewest replicas allowed now. Percent truncates
 * (int32 conversion upstream). Max allows the largest change (smallest limit), Min the smallest.
 */
export function scaleDownLimit(
  currentReplicas: number, upEvents: readonly ScaleEvent[], downEvents: readonly ScaleEvent[], rules: HPAScalingRules, now: number,
): number {
  if (rules.selectPolicy === 'Disabled') return currentReplicas;
  const pickMax = rules.selectPolicy === 'Min';
  let result = pickMax ? Number.NEGATIVE_INFINITY : Number.POSITIVE_INFINITY;
  for (const policy of rules.policies) {
    const periodStartReplicas = currentReplicas
      - replicasChangePerPeriod(policy.periodSeconds, upEvents, now)
      + replicasChangePerPeriod(policy.periodSeconds, downEvents, now);
    const proposed = policy.type === 'Pods'
      ? periodStartReplicas - policy.value
      : Math.trunc(periodStartReplicas * (1 - policy.value / 100));
    result = pickMax ? Math.max(result, proposed) : Math.min(result, proposed);
  }
  return result;
}

export interface RateLimitArgs {
  readonly currentReplicas: number;
  /** The stabilized recommendation. */
  readonly desiredReplicas: number;
  readonly minReplicas: number;
  readonly maxReplicas: number;
  readonly scaleUp: HPAScalingRules;
  readonly scaleDown: HPAScalingRules;
}

/**
 * convertDesiredReplicasWithBehaviorRate: clamps the recommendation to the scaling rate and to
 * [minReplicas, maxReplicas], naming the bound that applied.
 */
export function limitScaleRate(
  args: RateLimitArgs, upEvents: readonly ScaleEvent[], downEvents: readonly ScaleEvent[], now: number,
): { readonly replicas: number; readonly reason: string } {
  if (args.desiredReplicas > args.currentReplicas) {
    // Past events may allow less than the current count: never shrink on a scale-up.
    const limit = Math.max(args.currentReplicas, scaleUpLimit(args.currentReplicas, upEvents, downEvents, args.scaleUp, now));
    const capped = args.maxReplicas > limit;
    const maximum = capped ? limit : args.maxReplicas;
    if (args.desiredReplicas > maximum) return { replicas: maximum, reason: capped ? REASON_SCALE_UP_LIMIT : REASON_TOO_MANY_REPLICAS };
  } else if (args.desiredReplicas < args.currentReplicas) {
    const limit = Math.min(args.currentReplicas, scaleDownLimit(args.currentReplicas, upEvents, downEvents, args.scaleDown, now));
    const capped = args.minReplicas < limit;
    const minimum = capped ? limit : args.minReplicas;
    if (args.desiredReplicas < minimum) return { replicas: minimum, reason: capped ? REASON_SCALE_DOWN_LIMIT : REASON_TOO_FEW_REPLICAS };
  }
  return { replicas: args.desiredReplicas, reason: REASON_DESIRED_WITHIN_RANGE };
}

/** getLongestPolicyPeriod: events older than this are no longer read by any policy. */
export function longestPolicyPeriod(rules: HPAScalingRules): number {
  let longest = 0;
  for (const p of rules.policies) if (p.periodSeconds > longest) longest = p.periodSeconds;
  return longest;
}

/**
 * storeScaleEvent: appends the event, or reuses the slot of the last event older than the
 * longest policy period (markScaleEventsOutdated), so the list stays bounded. Pure.
 */
export function storeScaleEvent(events: readonly ScaleEvent[], replicaChange: number, rules: HPAScalingRules, now: number): ScaleEvent[] {
  const cutoff = now - longestPolicyPeriod(rules);
  let outdated = -1;
  events.forEach((e, i) => { if (e.timestamp < cutoff) outdated = i; });
  const next = events.slice();
  const event = { replicaChange, timestamp: now };
  if (outdated >= 0) next[outdated] = event;
  else next.push(event);
  return next;
}

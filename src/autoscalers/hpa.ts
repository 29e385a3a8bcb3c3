import type { HorizontalAutoscaler, HorizontalPodAutoscalerSpec, HorizontalScaleDecision, MetricSpec, ScaleTargetStatus } from '../api/autoscaling.js';
import {
  hpaWindowDequeDefault, limitScaleRate, REASON_DESIRED_WITHIN_RANGE, REASON_SCALE_DOWN_STABILIZED, REASON_SCALE_UP_STABILIZED, REASON_TOO_FEW_REPLICAS,
  REASON_TOO_MANY_REPLICAS, RecommendationHistory, type Recommendations, type ScaleEvent, StabilizationWindows, storeScaleEvent,
  type TimestampedRecommendation,
} from './hpa-behavior.js';
import { addToTally, computeReplicasForMetrics, countedUtilizationReplicas, metricDescription, type MetricsSlot, milliScale } from './hpa-replica-calculator.js';
import { validateHpaSpec } from './hpa-spec.js';

/**
 * The Horizontal Pod Autoscaler, after kubernetes pkg/controller/podautoscaler/horizontal.go
 * reconcileAutoscaler: one reconcile compares the target's replicas with the metrics' proposal,
 * stabilizes and rate-limits it, and records the scale events. `reconcile` is pure;
 * `horizontalPodAutoscaler` wraps it with the state upstream keeps per HPA key
 * (recommendations, scaleUpEvents, scaleDownEvents). The rules it applies live beside it:
 * hpa-spec.ts (defaulting, validation), hpa-replica-calculator.ts (a replica count per metric),
 * hpa-behavior.ts (stabilization and rate limits).
 */

export const NAME = 'HorizontalPodAutoscaler';

// Condition reasons (horizontal.go setCondition calls); the decision's reason is built from them
// and from those of hpa-behavior.ts.
export const REASON_SCALING_DISABLED = 'ScalingDisabled';
/** Warning event when no replica count could be computed (the target keeps its size). */
export const REASON_FAILED_COMPUTE = 'FailedComputeMetricsReplicas';
/** rescaleReason when the proposal is below the current count (reconcileAutoscaler). */
export const REASON_ALL_METRICS_BELOW_TARGET = 'All metrics below target';

/** What upstream keeps per HPA between syncs. */
export interface HpaState {
  /** undefined until the first sync records the current count (recordInitialRecommendation). */
  readonly recommendations: readonly TimestampedRecommendation[] | undefined;
  readonly scaleUpEvents: readonly ScaleEvent[];
  readonly scaleDownEvents: readonly ScaleEvent[];
}

export const INITIAL_HPA_STATE: HpaState = Object.freeze({ recommendations: undefined, scaleUpEvents: [], scaleDownEvents: [] });

/** A decision plus the intermediate values, for reports and tests. */
export interface HpaDecision extends HorizontalScaleDecision {
  /** The metrics' proposal before stabilization and limits; undefined when metrics were not consulted or failed. */
  readonly metricReplicas: number | undefined;
  /** After stabilization, before the rate limits; undefined when not normalized. */
  readonly stabilizedReplicas: number | undefined;
  /** Upstream's event text when the size changes ("New size: 4; reason: cpu resource utilization (percentage of request) above target"). */
  readonly event: string | undefined;
}

/**
 * One reconcile at `now`: out-of-range counts are corrected without reading metrics; otherwise
 * the metric proposal is stabilized and rate-limited. Pure: returns the decision and the state
 * for the next sync.
 */
export function reconcile(
  spec: HorizontalPodAutoscalerSpec, state: HpaState, target: ScaleTargetStatus, now: number,
): { readonly decision: HpaDecision; readonly state: HpaState } {
  const history = new RecommendationHistory(state.recommendations ?? [{ replicas: target.currentReplicas, timestamp: now }]);
  const out = new Reconciled();
  const next = reconcileInto(spec, state, history, target, now, out);
  return { decision: out.toDecision(), state: { ...next, recommendations: history.toArray() } };
}

/** How a reconcile ended (Reconciled.outcome). */
const SCALING_DISABLED = 0;
const TOO_MANY = 1;
const TOO_FEW = 2;
const FAILED_COMPUTE = 3;
const FROM_METRICS = 4;

/**
 * One reconcile's outcome as numbers and the constant strings it picked; the decision's reason
 * and event are built from them only when read. A sync runs every 15 s for every HPA and its
 * reason is read only when the count changes (the controller records it then), so most syncs
 * build no string and, through HpaAutoscaler.syncInPlace, allocate no decision either.
 */
class Reconciled implements HpaDecision {
  desiredReplicas = 0;
  metricReplicas: number | undefined = undefined;
  stabilizedReplicas: number | undefined = undefined;
  outcome = SCALING_DISABLED;
  current = 0;
  /** FROM_METRICS: the metric that made the proposal. */
  metric: MetricSpec | undefined = undefined;
  /** FROM_METRICS: the rate limit's reason (a constant of hpa-behavior.ts). */
  limitReason = '';
  /** FAILED_COMPUTE: the calculator's error. */
  error = '';

  get reason(): string {
    switch (this.outcome) {
      case SCALING_DISABLED: return REASON_SCALING_DISABLED;
      case TOO_MANY: return REASON_TOO_MANY_REPLICAS;
      case TOO_FEW: return REASON_TOO_FEW_REPLICAS;
      case FAILED_COMPUTE: return `${REASON_FAILED_COMPUTE}: ${this.error}`;
      default: break;
    }
    // The reason's parts joined by "; ".
    const proposal = this.metricReplicas!;
    const current = this.current;
    let reason = proposal > current ? `${this.metric?.name ?? ''} above target` : proposal < current ? REASON_ALL_METRICS_BELOW_TARGET : '';
    if (this.stabilizedReplicas !== proposal) {
      const stabilized = proposal >= current ? REASON_SCALE_UP_STABILIZED : REASON_SCALE_DOWN_STABILIZED;
      reason = reason === '' ? stabilized : `${reason}; ${stabilized}`;
    }
    return reason === '' ? this.limitReason : `${reason}; ${this.limitReason}`;
  }

  /** Upstream's event text when the size changes. */
  get event(): string | undefined {
    if (this.desiredReplicas === this.current || this.outcome === SCALING_DISABLED || this.outcome === FAILED_COMPUTE) return undefined;
    return `New size: ${this.desiredReplicas}; reason: ${this.rescaleReason()}`;
  }

  /** reconcileAutoscaler's rescaleReason. */
  private rescaleReason(): string {
    if (this.outcome === TOO_MANY) return 'Current number of replicas above Spec.MaxReplicas';
    if (this.outcome === TOO_FEW) return 'Current number of replicas below Spec.MinReplicas';
    const proposal = this.metricReplicas!;
    if (proposal > this.current) return `${this.metric ? metricDescription(this.metric) : ''} above target`;
    return proposal < this.current ? REASON_ALL_METRICS_BELOW_TARGET : '';
  }

  /** The decision as a plain object of its own (what sync and reconcile return). */
  toDecision(): HpaDecision {
    return { desiredReplicas: this.desiredReplicas, reason: this.reason, metricReplicas: this.metricReplicas, stabilizedReplicas: this.stabilizedReplicas, event: this.event };
  }
}

/** The metrics' proposal of the reconcile under way (read at once). */
const PROPOSED: MetricsSlot = { ok: false, replicas: NaN, metric: undefined, error: undefined };

/**
 * reconcile() with the recommendation history apart and the outcome written into `out`:
 * `state.recommendations` is not read (nor kept up to date); `history` is, in place, and must
 * already hold the initial recommendation. Returns the state for the next sync (`state` itself
 * when no scale event was recorded).
 */
function reconcileInto(
  spec: HorizontalPodAutoscalerSpec, state: HpaState, history: Recommendations, target: ScaleTargetStatus, now: number, out: Reconciled,
): HpaState {
  const current = target.currentReplicas;
  out.current = current;
  out.metricReplicas = undefined;
  out.stabilizedReplicas = undefined;
  out.metric = undefined;
  let desired: number;
  if (current === 0 && spec.minReplicas !== 0) {
    // A target scaled to zero by hand is left alone.
    out.outcome = SCALING_DISABLED;
    out.desiredReplicas = 0;
    return state;
  } else if (current > spec.maxReplicas) {
    desired = spec.maxReplicas;
    out.outcome = TOO_MANY;
  } else if (current < spec.minReplicas) {
    desired = spec.minReplicas;
    out.outcome = TOO_FEW;
  } else {
    const proposed = computeReplicasForMetrics(spec.metrics, target, now, spec, PROPOSED);
    if (!proposed.ok) {
      out.outcome = FAILED_COMPUTE;
      out.error = proposed.error;
      out.desiredReplicas = current;
      return state;
    }
    out.outcome = FROM_METRICS;
    out.metric = proposed.metric;
    const metricReplicasProposal = Math.max(0, proposed.replicas);
    out.metricReplicas = metricReplicasProposal;
    // normalizeDesiredReplicasWithBehaviors
    const stabilizedReplicas = history.stabilizeWith(
      current, metricReplicasProposal, spec.behavior.scaleUp.stabilizationWindowSeconds, spec.behavior.scaleDown.stabilizationWindowSeconds, now,
    );
    out.stabilizedReplicas = stabilizedReplicas;
    if (stabilizedReplicas === current) {
      // Most syncs: no change, which no rate limit bounds (limitScaleRate's own answer).
      out.limitReason = REASON_DESIRED_WITHIN_RANGE;
      out.desiredReplicas = current;
      return state;
    }
    const limited = limitScaleRate({
      currentReplicas: current,
      desiredReplicas: stabilizedReplicas,
      minReplicas: spec.minReplicas,
      maxReplicas: spec.maxReplicas,
      scaleUp: spec.behavior.scaleUp,
      scaleDown: spec.behavior.scaleDown,
    }, state.scaleUpEvents, state.scaleDownEvents, now);
    out.limitReason = limited.reason;
    desired = limited.replicas;
  }
  out.desiredReplicas = desired;
  if (desired === current) return state;
  if (desired > current) return { recommendations: state.recommendations, scaleUpEvents: storeScaleEvent(state.scaleUpEvents, desired - current, spec.behavior.scaleUp, now), scaleDownEvents: state.scaleDownEvents };
  return { recommendations: state.recommendations, scaleUpEvents: state.scaleUpEvents, scaleDownEvents: storeScaleEvent(state.scaleDownEvents, current - desired, spec.behavior.scaleDown, now) };
}

/** The HPA object: its decisions carry the intermediate values too. */
export interface HpaAutoscaler extends HorizontalAutoscaler {
  sync(target: ScaleTargetStatus, now: number): HpaDecision;
  syncInPlace(target: ScaleTargetStatus, now: number): HpaDecision;
  syncIfSteady(currentReplicas: number, counted: number, usage: number, requests: number, now: number): boolean;
}

/**
 * One HPA object. It assumes the caller applies every decision before the next sync (the
 * recorded scale events are what the rate limits count). `windowDeque`: keep the recommendations
 * as StabilizationWindows (same decisions, O(1) per sync; issue 23) rather than as the history
 * upstream walks; default on unless ORCHSIM_NO_HPA_WINDOW_DEQUE=1 (read when the object is made).
 */
export function horizontalPodAutoscaler(spec: HorizontalPodAutoscalerSpec, windowDeque = hpaWindowDequeDefault()): HpaAutoscaler {
  validateHpaSpec(spec);
  // The scale events in an HpaState; the recommendations in a history of the object's own (or,
  // by default, as the extremes of its two windows: StabilizationWindows).
  let state: HpaState = INITIAL_HPA_STATE;
  const history: Recommendations = windowDeque
    ? new StabilizationWindows(spec.behavior.scaleUp.stabilizationWindowSeconds, spec.behavior.scaleDown.stabilizationWindowSeconds)
    : new RecommendationHistory();
  let lastSync = Number.NEGATIVE_INFINITY;
  // The outcome of the last sync, overwritten by the next (syncInPlace hands it out).
  const outcome = new Reconciled();
  // syncIfSteady's metric: the only one, a Resource metric with a Utilization target.
  const only = spec.metrics.length === 1 ? spec.metrics[0]! : undefined;
  const steady = only !== undefined && only.type === 'Resource' && only.target.type === 'Utilization';
  const steadyMetric = steady ? { resource: only.name, scale: milliScale('Resource', only.name), addPods: addToTally } : undefined;
  const steadyUtilization = steady && only.target.type === 'Utilization' ? only.target.averageUtilization : NaN;
  // The spec's figures a steady sync reads, kept beside its other state.
  const { minReplicas, maxReplicas, tolerance } = spec;
  const upWindow = spec.behavior.scaleUp.stabilizationWindowSeconds;
  const downWindow = spec.behavior.scaleDown.stabilizationWindowSeconds;
  function syncInto(target: ScaleTargetStatus, now: number): void {
    if (!Number.isFinite(now)) throw new RangeError(`HPA sync time must be finite (got ${now})`);
    if (now < lastSync) throw new RangeError(`HPA sync time went backwards: ${now} < ${lastSync}`);
    const current = target.currentReplicas;
    if (!Number.isInteger(current) || current < 0) throw new RangeError(`currentReplicas must be an integer >= 0 (got ${current})`);
    lastSync = now;
    // recordInitialRecommendation at the first sync.
    if (history.length === 0) history.push(current, now);
    state = reconcileInto(spec, state, history, target, now, outcome);
  }
  return {
    spec,
    sync(target, now) {
      syncInto(target, now);
      return outcome.toDecision();
    },
    syncInPlace(target, now) {
      syncInto(target, now);
      return outcome;
    },
    steadyMetric,
    /**
     * reconcileInto's path for a count within [minReplicas, maxReplicas] whose one metric proposes
     * a count the stabilization keeps at the current one: the proposal recorded as its
     * stabilization would record it, no rate limit, no scale event, the state kept. A proposal of
     * the current count is recorded at once (the stabilized count is the current one, as every
     * window's extremes bracket it); another is first stabilized without being recorded
     * (stabilizedFor), and declined when that moves the count. Declines (changing nothing)
     * wherever syncInto would throw and at the first sync (which records the initial
     * recommendation). The last decision handed out by syncInPlace is not updated: nothing reads
     * it after the sync that returned it.
     */
    syncIfSteady(current, counted, usage, requests, now) {
      if (steadyMetric === undefined || history.length === 0 || !Number.isFinite(now) || now < lastSync) return false;
      if (!Number.isInteger(current) || current < 1 || current > maxReplicas || current < minReplicas || !(counted > 0)) return false;
      const proposal = Math.max(0, countedUtilizationReplicas(current, counted, usage, requests, steadyUtilization, tolerance));
      // Mostly the current count; otherwise a proposal the windows hold back (a scale-down within
      // the scale-down window's highest recommendation) still keeps the count.
      if (proposal !== current && history.stabilizedFor(current, proposal, upWindow, downWindow, now) !== current) return false;
      lastSync = now;
      history.record(proposal, upWindow, downWindow, now);
      return true;
    },
  };
}

import type { HorizontalAutoscaler, HorizontalPodAutoscalerSpec, HorizontalScaleDecision, ScaleTargetStatus } from '../api/autoscaling.js';
import {
  limitScaleRate, REASON_SCALE_DOWN_STABILIZED, REASON_SCALE_UP_STABILIZED, REASON_TOO_FEW_REPLICAS,
  REASON_TOO_MANY_REPLICAS, RecommendationHistory, type ScaleEvent, storeScaleEvent,
  type TimestampedRecommendation,
} from './hpa-behavior.js';
import { computeReplicasForMetrics, metricDescription } from './hpa-replica-calculator.js';
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
  const result = reconcileWith(spec, state, history, target, now);
  return { decision: result.decision, state: { ...result.state, recommendations: history.toArray() } };
}

/**
 * reconcile() with the recommendation history apart: `state.recommendations` is not read (nor
 * kept up to date); `history` is, in place, and must already hold the initial recommendation.
 */
function reconcileWith(
  spec: HorizontalPodAutoscalerSpec, state: HpaState, history: RecommendationHistory, target: ScaleTargetStatus, now: number,
): { readonly decision: HpaDecision; readonly state: HpaState } {
  const current = target.currentReplicas;
  let desired: number;
  let reason: string;
  let rescaleReason: string;
  let metricReplicasProposal: number | undefined;
  let stabilizedReplicas: number | undefined;

  if (current === 0 && spec.minReplicas !== 0) {
    // A target scaled to zero by hand is left alone.
    const decision: HpaDecision = { desiredReplicas: 0, reason: REASON_SCALING_DISABLED, metricReplicas: undefined, stabilizedReplicas: undefined, event: undefined };
    return { decision, state };
  } else if (current > spec.maxReplicas) {
    desired = spec.maxReplicas;
    reason = REASON_TOO_MANY_REPLICAS;
    rescaleReason = 'Current number of replicas above Spec.MaxReplicas';
  } else if (current < spec.minReplicas) {
    desired = spec.minReplicas;
    reason = REASON_TOO_FEW_REPLICAS;
    rescaleReason = 'Current number of replicas below Spec.MinReplicas';
  } else {
    const proposed = computeReplicasForMetrics(spec.metrics, target, now, spec);
    if (!proposed.ok) {
      const decision: HpaDecision = {
        desiredReplicas: current, reason: `${REASON_FAILED_COMPUTE}: ${proposed.error}`,
        metricReplicas: undefined, stabilizedReplicas: undefined, event: undefined,
      };
      return { decision, state };
    }
    metricReplicasProposal = Math.max(0, proposed.replicas);
    // The reason's parts joined by "; " (concatenated as they come: a sync runs every 15 s).
    reason = '';
    if (metricReplicasProposal > current) {
      reason = `${proposed.metric?.name ?? ''} above target`;
      rescaleReason = `${proposed.metric ? metricDescription(proposed.metric) : ''} above target`;
    } else if (metricReplicasProposal < current) {
      reason = REASON_ALL_METRICS_BELOW_TARGET;
      rescaleReason = REASON_ALL_METRICS_BELOW_TARGET;
    } else {
      rescaleReason = '';
    }
    // normalizeDesiredReplicasWithBehaviors
    stabilizedReplicas = history.stabilize({
      currentReplicas: current,
      desiredReplicas: metricReplicasProposal,
      scaleUpWindowSeconds: spec.behavior.scaleUp.stabilizationWindowSeconds,
      scaleDownWindowSeconds: spec.behavior.scaleDown.stabilizationWindowSeconds,
      now,
    });
    if (stabilizedReplicas !== metricReplicasProposal) {
      const stabilized = metricReplicasProposal >= current ? REASON_SCALE_UP_STABILIZED : REASON_SCALE_DOWN_STABILIZED;
      reason = reason === '' ? stabilized : `${reason}; ${stabilized}`;
    }
    const limited = limitScaleRate({
      currentReplicas: current,
      desiredReplicas: stabilizedReplicas,
      minReplicas: spec.minReplicas,
      maxReplicas: spec.maxReplicas,
      scaleUp: spec.behavior.scaleUp,
      scaleDown: spec.behavior.scaleDown,
    }, state.scaleUpEvents, state.scaleDownEvents, now);
    reason = reason === '' ? limited.reason : `${reason}; ${limited.reason}`;
    desired = limited.replicas;
  }

  let { scaleUpEvents, scaleDownEvents } = state;
  let event: string | undefined;
  if (desired !== current) {
    event = `New size: ${desired}; reason: ${rescaleReason}`;
    if (desired > current) scaleUpEvents = storeScaleEvent(scaleUpEvents, desired - current, spec.behavior.scaleUp, now);
    else scaleDownEvents = storeScaleEvent(scaleDownEvents, current - desired, spec.behavior.scaleDown, now);
  }
  const unchanged = scaleUpEvents === state.scaleUpEvents && scaleDownEvents === state.scaleDownEvents;
  return {
    decision: { desiredReplicas: desired, reason, metricReplicas: metricReplicasProposal, stabilizedReplicas, event },
    state: unchanged ? state : { recommendations: state.recommendations, scaleUpEvents, scaleDownEvents },
  };
}

/** The HPA object: its decisions carry the intermediate values too. */
export interface HpaAutoscaler extends HorizontalAutoscaler {
  sync(target: ScaleTargetStatus, now: number): HpaDecision;
}

/**
 * One HPA object. It assumes the caller applies every decision before the next sync (the
 * recorded scale events are what the rate limits count).
 */
export function horizontalPodAutoscaler(spec: HorizontalPodAutoscalerSpec): HpaAutoscaler {
  validateHpaSpec(spec);
  // The scale events in an HpaState; the recommendations in a history of the object's own.
  let state: HpaState = INITIAL_HPA_STATE;
  const history = new RecommendationHistory();
  let lastSync = Number.NEGATIVE_INFINITY;
  return {
    spec,
    sync(target, now) {
      if (!Number.isFinite(now)) throw new RangeError(`HPA sync time must be finite (got ${now})`);
      if (now < lastSync) throw new RangeError(`HPA sync time went backwards: ${now} < ${lastSync}`);
      const current = target.currentReplicas;
      if (!Number.isInteger(current) || current < 0) throw new RangeError(`currentReplicas must be an integer >= 0 (got ${current})`);
      lastSync = now;
      // recordInitialRecommendation at the first sync.
      if (history.length === 0) history.push(current, now);
      const result = reconcileWith(spec, state, history, target, now);
      state = result.state;
      return result.decision;
    },
  };
}

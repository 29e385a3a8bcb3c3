import {
  DEFAULT_SCALE_DOWN_RULES, DEFAULT_SCALE_UP_RULES, HPA_DEFAULTS,
  type HPAScalingPolicy, type HPAScalingRules, type HorizontalAutoscaler, type HorizontalPodAutoscalerSpec,
  type HorizontalScaleDecision, type MetricSpec, type PodMetricSample, type ScaledPod, type ScaleTargetStatus,
} from '../api/autoscaling.js';
import { ResourceName, resourceValue, type Resources } from '../api/resources.js';

/**
 * The Horizontal Pod Autoscaler, after kubernetes pkg/controller/podautoscaler: horizontal.go
 * (reconcileAutoscaler, computeReplicasForMetrics, normalizeDesiredReplicasWithBehaviors) and
 * replica_calculator.go (GetResourceReplicas, calcPlainMetricReplicas, GetExternal*Replicas).
 * The math is exported as pure functions; `horizontalPodAutoscaler` wraps them with the state
 * upstream keeps per HPA key (recommendations, scaleUpEvents, scaleDownEvents).
 *
 * Upstream works on int64 milli-values (resource.Quantity.MilliValue) and int32 replica counts;
 * the few places where that integer arithmetic changes a result (the integer utilization
 * percentage, the truncated per-pod average, rounding of Percent policies) are mirrored here.
 */

export const NAME = 'HorizontalPodAutoscaler';

// Condition reasons (horizontal.go setCondition calls); the decision's reason is built from them.
export const REASON_SCALING_DISABLED = 'ScalingDisabled';
export const REASON_TOO_MANY_REPLICAS = 'TooManyReplicas';
export const REASON_TOO_FEW_REPLICAS = 'TooFewReplicas';
export const REASON_SCALE_UP_LIMIT = 'ScaleUpLimit';
export const REASON_SCALE_DOWN_LIMIT = 'ScaleDownLimit';
export const REASON_DESIRED_WITHIN_RANGE = 'DesiredWithinRange';
export const REASON_SCALE_UP_STABILIZED = 'ScaleUpStabilized';
export const REASON_SCALE_DOWN_STABILIZED = 'ScaleDownStabilized';
/** Warning event when no replica count could be computed (the target keeps its size). */
export const REASON_FAILED_COMPUTE = 'FailedComputeMetricsReplicas';
/** rescaleReason when the proposal is below the current count (reconcileAutoscaler). */
export const REASON_ALL_METRICS_BELOW_TARGET = 'All metrics below target';

/** autoscaling validation: MaxPeriodSeconds and MaxStabilizationWindowSeconds. */
export const MAX_PERIOD_SECONDS = 1800;
export const MAX_STABILIZATION_WINDOW_SECONDS = 3600;

/** autoscaling/v2 SetDefaults_HorizontalPodAutoscaler (and kubectl autoscale): cpu at 80% of requests. */
export const DEFAULT_METRIC: MetricSpec = {
  type: 'Resource',
  name: ResourceName.cpu,
  target: { type: 'Utilization', averageUtilization: 80 },
};

// ---- spec: defaulting and validation --------------------------------------------------------

export interface HPAScalingRulesInput {
  readonly stabilizationWindowSeconds?: number | undefined;
  readonly selectPolicy?: HPAScalingRules['selectPolicy'] | undefined;
  readonly policies?: readonly HPAScalingPolicy[] | undefined;
}

/** A spec as a user writes it: everything but maxReplicas may be left out. */
export interface HorizontalPodAutoscalerSpecInput {
  readonly minReplicas?: number | undefined;
  /** Required, as in autoscaling/v2; optional in the type only so `Partial<spec>` is accepted. */
  readonly maxReplicas?: number | undefined;
  readonly metrics?: readonly MetricSpec[] | undefined;
  readonly behavior?: {
    readonly scaleUp?: HPAScalingRulesInput | undefined;
    readonly scaleDown?: HPAScalingRulesInput | undefined;
  } | undefined;
  readonly tolerance?: number | undefined;
  readonly cpuInitializationPeriod?: number | undefined;
  readonly initialReadinessDelay?: number | undefined;
}

/** copyHPAScalingRules: each field the user set replaces the default, the others stay. */
function defaultRules(given: HPAScalingRulesInput | undefined, defaults: HPAScalingRules): HPAScalingRules {
  return {
    stabilizationWindowSeconds: given?.stabilizationWindowSeconds ?? defaults.stabilizationWindowSeconds,
    selectPolicy: given?.selectPolicy ?? defaults.selectPolicy,
    policies: (given?.policies ?? defaults.policies).map((p) => ({ ...p })),
  };
}

/**
 * A well-known resource name as the library's own string constant. Names read from a file are
 * separate string objects, which every comparison with a constant then checks character by
 * character: a sync compares the metric name for every pod.
 */
function canonicalName(name: string): string {
  for (const known of Object.values(ResourceName)) if (name === known) return known;
  return name;
}

/**
 * A full spec with Kubernetes defaults (autoscaling/v2 defaults.go: minReplicas 1, cpu 80% when
 * no metric is given, GenerateHPAScaleUpRules / GenerateHPAScaleDownRules field by field; the
 * kube-controller-manager flags for tolerance and the cpu readiness periods). Throws RangeError
 * when the result is invalid.
 */
export function hpaSpec(input: HorizontalPodAutoscalerSpecInput): HorizontalPodAutoscalerSpec {
  if (input.maxReplicas === undefined) throw new RangeError('invalid HorizontalPodAutoscaler spec: maxReplicas is required');
  const spec: HorizontalPodAutoscalerSpec = {
    minReplicas: input.minReplicas ?? 1,
    maxReplicas: input.maxReplicas,
    metrics: input.metrics !== undefined && input.metrics.length > 0 ? input.metrics.map((m) => ({ ...m, name: canonicalName(m.name) })) : [DEFAULT_METRIC],
    behavior: {
      scaleUp: defaultRules(input.behavior?.scaleUp, DEFAULT_SCALE_UP_RULES),
      scaleDown: defaultRules(input.behavior?.scaleDown, DEFAULT_SCALE_DOWN_RULES),
    },
    tolerance: input.tolerance ?? HPA_DEFAULTS.tolerance,
    cpuInitializationPeriod: input.cpuInitializationPeriod ?? HPA_DEFAULTS.cpuInitializationPeriod,
    initialReadinessDelay: input.initialReadinessDelay ?? HPA_DEFAULTS.initialReadinessDelay,
  };
  validateHpaSpec(spec);
  return spec;
}

/** Problems with a spec, one line each, each naming the field and the value (empty when valid). */
export function hpaSpecIssues(spec: HorizontalPodAutoscalerSpec): string[] {
  const issues: string[] = [];
  const isInt = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v);
  const nonNegative = (path: string, v: number) => {
    if (!(typeof v === 'number' && Number.isFinite(v) && v >= 0)) issues.push(`${path} must be a finite number >= 0 (got ${v})`);
  };
  if (!isInt(spec.minReplicas) || spec.minReplicas < 1) {
    issues.push(`minReplicas must be an integer >= 1 (got ${spec.minReplicas})`);
  }
  if (!isInt(spec.maxReplicas) || spec.maxReplicas < 1) {
    issues.push(`maxReplicas must be an integer >= 1 (got ${spec.maxReplicas})`);
  } else if (isInt(spec.minReplicas) && spec.maxReplicas < spec.minReplicas) {
    issues.push(`maxReplicas must be >= minReplicas (got maxReplicas ${spec.maxReplicas} < minReplicas ${spec.minReplicas})`);
  }
  if (spec.metrics.length === 0) issues.push('metrics must not be empty');
  spec.metrics.forEach((m, i) => {
    const at = `metrics[${i}]`;
    if (m.name === '') issues.push(`${at}.name must not be empty`);
    const t = m.target;
    const allowed = m.type === 'Resource' ? ['Utilization', 'AverageValue'] : m.type === 'Pods' ? ['AverageValue'] : m.type === 'External' ? ['Value', 'AverageValue'] : [];
    if (allowed.length === 0) {
      issues.push(`${at}.type must be Resource, Pods or External (got ${m.type})`);
    } else if (!allowed.includes(t.type)) {
      issues.push(`${at}.target.type must be ${allowed.join(' or ')} for a ${m.type} metric (got ${t.type})`);
    }
    const v = t.type === 'Utilization' ? t.averageUtilization : t.type === 'AverageValue' ? t.averageValue : t.value;
    const field = t.type === 'Utilization' ? 'averageUtilization' : t.type === 'AverageValue' ? 'averageValue' : 'value';
    if (!(typeof v === 'number' && Number.isFinite(v) && v > 0)) issues.push(`${at}.target.${field} must be > 0 (got ${v})`);
    if (t.type === 'Utilization' && !isInt(v)) issues.push(`${at}.target.averageUtilization must be an integer percentage (got ${v})`);
  });
  for (const dir of ['scaleUp', 'scaleDown'] as const) {
    const rules = spec.behavior[dir];
    const at = `behavior.${dir}`;
    const w = rules.stabilizationWindowSeconds;
    if (!isInt(w) || w < 0 || w > MAX_STABILIZATION_WINDOW_SECONDS) {
      issues.push(`${at}.stabilizationWindowSeconds must be an integer in 0..${MAX_STABILIZATION_WINDOW_SECONDS} (got ${w})`);
    }
    if (!['Max', 'Min', 'Disabled'].includes(rules.selectPolicy)) {
      issues.push(`${at}.selectPolicy must be Max, Min or Disabled (got ${rules.selectPolicy})`);
    }
    if (rules.policies.length === 0 && rules.selectPolicy !== 'Disabled') {
      issues.push(`${at}.policies must have at least one policy unless selectPolicy is Disabled`);
    }
    rules.policies.forEach((p, i) => {
      const pat = `${at}.policies[${i}]`;
      if (p.type !== 'Pods' && p.type !== 'Percent') issues.push(`${pat}.type must be Pods or Percent (got ${p.type})`);
      if (!isInt(p.value) || p.value <= 0) issues.push(`${pat}.value must be an integer > 0 (got ${p.value})`);
      if (!isInt(p.periodSeconds) || p.periodSeconds < 1 || p.periodSeconds > MAX_PERIOD_SECONDS) {
        issues.push(`${pat}.periodSeconds must be an integer in 1..${MAX_PERIOD_SECONDS} (got ${p.periodSeconds})`);
      }
    });
  }
  nonNegative('tolerance', spec.tolerance);
  nonNegative('cpuInitializationPeriod', spec.cpuInitializationPeriod);
  nonNegative('initialReadinessDelay', spec.initialReadinessDelay);
  return issues;
}

/** Throws RangeError listing every problem of the spec. */
export function validateHpaSpec(spec: HorizontalPodAutoscalerSpec): void {
  const issues = hpaSpecIssues(spec);
  if (issues.length > 0) throw new RangeError(`invalid HorizontalPodAutoscaler spec: ${issues.join('; ')}`);
}

// ---- replica calculation per metric (replica_calculator.go) --------------------------------

/** The flags the replica calculator is built with (NewReplicaCalculator). */
export type ReplicaCalculatorOptions = Pick<HorizontalPodAutoscalerSpec, 'tolerance' | 'cpuInitializationPeriod' | 'initialReadinessDelay'>;

/** A metric's replica count, or why it could not be computed (the metric is then invalid). */
export type MetricProposal =
  | {
    readonly ok: true;
    readonly replicas: number;
    /**
     * The current value upstream reports in the metric status: the integer utilization
     * percentage for Utilization targets, else the per-pod average (or the total, for External
     * Value targets) in the metric's own unit.
     */
    readonly usage: number;
  }
  | { readonly ok: false; readonly error: string };

const proposal = (replicas: number, usage: number): MetricProposal => ({ ok: true, replicas, usage });
const invalid = (error: string): MetricProposal => ({ ok: false, error });

/**
 * How many milli-units one unit of a metric's samples is. Resource samples are in the unit of
 * `resourceValue` (milli-CPU and milli-GPU already; bytes for memory), Pods and External values
 * in whole units, while upstream always computes on Quantity.MilliValue().
 */
export function milliScale(source: MetricSpec['type'], name: string): number {
  return source === 'Resource' && (name === ResourceName.cpu || name === ResourceName.gpu) ? 1 : 1000;
}

/** Quantity.MilliValue: rounds up to a whole milli-unit (after snapping binary noise such as 0.29 * 1000). */
export function milliValue(value: number, scale: number): number {
  const x = value * scale;
  const r = Math.round(x);
  return Math.abs(x - r) < 1e-6 ? r : Math.ceil(x);
}

export interface PodGroups {
  /** Pods whose sample is used as is (upstream readyPodCount). */
  readonly readyPodCount: number;
  /** Milli-value samples of those pods, by pod name (upstream `metrics` after removeMetricsForPods). */
  readonly samples: ReadonlyMap<string, number>;
  /** Pending pods, and for cpu pods still initializing or never ready: 0% on a scale-up, else left out. */
  readonly unready: readonly string[];
  /** Running pods without a sample. */
  readonly missing: readonly string[];
  /** Deleting or Failed pods: left out entirely. */
  readonly ignored: readonly string[];
}

/** The four groups of groupPods, as numbers. */
const IGNORED = 0;
const UNREADY = 1;
const MISSING = 2;
const COUNTED = 3;

/**
 * groupPods' rule for one pod: ignored (being deleted or failed), unready (Pending; for cpu also
 * still initializing or never ready), missing (no sample), or counted, with its sample in
 * `out.sample`. One rule for the grouping the tests inspect and the tallies the syncs use.
 */
function classifyPod(
  pod: ScaledPod, metricName: string, cpuReadiness: boolean, now: number,
  calc: Pick<ReplicaCalculatorOptions, 'cpuInitializationPeriod' | 'initialReadinessDelay'>,
  out: { sample: PodMetricSample | undefined },
): number {
  if (pod.deleting || pod.phase === 'Failed') return IGNORED;
  if (pod.phase === 'Pending') return UNREADY;
  const sample = pod.metric(metricName);
  if (sample === undefined) return MISSING;
  if (cpuReadiness) {
    let isUnready: boolean;
    if (Number.isNaN(pod.startTime)) {
      isUnready = true; // no status.startTime
    } else {
      const transition = Number.isNaN(pod.readyTransitionTime) ? pod.startTime : pod.readyTransitionTime;
      if (pod.startTime + calc.cpuInitializationPeriod > now) {
        isUnready = !pod.ready || sample.timestamp < transition + sample.window;
      } else {
        isUnready = !pod.ready && pod.startTime + calc.initialReadinessDelay > transition;
      }
    }
    if (isUnready) return UNREADY;
  }
  out.sample = sample;
  return COUNTED;
}

/**
 * groupPods (replica_calculator.go): ignored, unready, missing and counted pods; the counted
 * pods' samples in milli-units by pod name.
 */
export function groupPods(
  pods: readonly ScaledPod[], metricName: string, cpuReadiness: boolean, scale: number, now: number,
  calc: Pick<ReplicaCalculatorOptions, 'cpuInitializationPeriod' | 'initialReadinessDelay'>,
): PodGroups {
  const samples = new Map<string, number>();
  const unready: string[] = [];
  const missing: string[] = [];
  const ignored: string[] = [];
  const out: { sample: PodMetricSample | undefined } = { sample: undefined };
  let readyPodCount = 0;
  for (const pod of pods) {
    const c = classifyPod(pod, metricName, cpuReadiness, now, calc, out);
    if (c === IGNORED) ignored.push(pod.name);
    else if (c === UNREADY) unready.push(pod.name);
    else if (c === MISSING) missing.push(pod.name);
    else {
      samples.set(pod.name, milliValue(out.sample!.value, scale));
      readyPodCount++;
    }
  }
  return { readyPodCount, samples, unready, missing, ignored };
}

/**
 * The same grouping as sums (a sync runs every 15 s for every HPA, so no per-pod maps): counts,
 * summed samples and requests per group, and the summed scale-down fallback of the missing pods
 * (each truncated, as upstream's per-pod int64 arithmetic).
 */
interface PodTally {
  counted: number;
  usage: number;
  requests: number;
  unready: number;
  unreadyRequests: number;
  missing: number;
  missingRequests: number;
  missingFallback: number;
  /** A pod without a request for the resource (the metric is then invalid). */
  missingRequest: boolean;
}

/** tallyPods' result, reused (a sync reads it at once and keeps only numbers). */
const TALLY: PodTally = { counted: 0, usage: 0, requests: 0, unready: 0, unreadyRequests: 0, missing: 0, missingRequests: 0, missingFallback: 0, missingRequest: false };

/**
 * classifyPod's rule applied inline, pod by pod (this loop runs for every pod of every HPA every
 * 15 s). The pods of a Deployment share one requests object and mostly one sample value, so the
 * milli-unit conversions are remembered from the previous pod.
 */
function tallyPods(
  pods: readonly ScaledPod[], metricName: string, resource: string | undefined, cpuReadiness: boolean, scale: number,
  fallbackUtilization: number, now: number, calc: ReplicaCalculatorOptions,
): PodTally {
  const t = TALLY;
  // Sums in locals, stored once at the end.
  let counted = 0;
  let usageSum = 0;
  let requestSum = 0;
  let unready = 0;
  let unreadyRequests = 0;
  let missing = 0;
  let missingRequests = 0;
  let missingFallback = 0;
  t.missingRequest = false;
  const initializationPeriod = calc.cpuInitializationPeriod;
  const readinessDelay = calc.initialReadinessDelay;
  let lastRequests: Resources | undefined;
  let request = 0;
  let lastValue = NaN;
  let usage = 0;
  for (let i = 0; i < pods.length; i++) {
    const pod = pods[i]!;
    if (resource !== undefined) {
      // calculatePodRequests: every pod of the target must request the resource.
      const requests = pod.requests;
      if (requests !== lastRequests) {
        lastRequests = requests;
        request = milliValue(resourceValue(requests, resource), scale);
      }
      if (!(request > 0)) {
        t.missingRequest = true;
        break;
      }
    }
    // classifyPod, inline.
    const phase = pod.phase;
    if (phase === 'Failed' || pod.deleting) continue;
    if (phase === 'Pending') {
      unready++;
      unreadyRequests += request;
      continue;
    }
    const sample = pod.metric(metricName);
    if (sample === undefined) {
      missing++;
      missingRequests += request;
      missingFallback += Math.trunc((request * fallbackUtilization) / 100);
      continue;
    }
    if (cpuReadiness) {
      const startTime = pod.startTime;
      let isUnready: boolean;
      if (Number.isNaN(startTime)) {
        isUnready = true; // no status.startTime
      } else {
        // The Ready transition (startTime when it never changed) is read only where it decides.
        if (startTime + initializationPeriod > now) {
          if (!pod.ready) {
            isUnready = true;
          } else {
            const readyTransition = pod.readyTransitionTime;
            isUnready = sample.timestamp < (Number.isNaN(readyTransition) ? startTime : readyTransition) + sample.window;
          }
        } else if (pod.ready) {
          isUnready = false;
        } else {
          const readyTransition = pod.readyTransitionTime;
          isUnready = startTime + readinessDelay > (Number.isNaN(readyTransition) ? startTime : readyTransition);
        }
      }
      if (isUnready) {
        unready++;
        unreadyRequests += request;
        continue;
      }
    }
    const value = sample.value;
    if (value !== lastValue) {
      lastValue = value;
      usage = milliValue(value, scale);
    }
    counted++;
    usageSum += usage;
    requestSum += request;
  }
  t.counted = counted;
  t.usage = usageSum;
  t.requests = requestSum;
  t.unready = unready;
  t.unreadyRequests = unreadyRequests;
  t.missing = missing;
  t.missingRequests = missingRequests;
  t.missingFallback = missingFallback;
  return t;
}

/**
 * GetResourceUtilizationRatio: the utilization is an integer percentage of the summed requests of
 * the pods that have a sample (int64 division upstream), compared with the target.
 */
export function resourceUtilizationRatio(
  samples: ReadonlyMap<string, number>, requests: ReadonlyMap<string, number>, targetUtilization: number,
): { readonly ratio: number; readonly utilization: number } | undefined {
  let usageTotal = 0;
  let requestsTotal = 0;
  for (const [pod, usage] of samples) {
    const request = requests.get(pod);
    if (request === undefined) continue;
    usageTotal += usage;
    requestsTotal += request;
  }
  if (requestsTotal === 0) return undefined;
  const utilization = Math.trunc((usageTotal * 100) / requestsTotal);
  return { ratio: utilization / targetUtilization, utilization };
}

/** GetMetricUsageRatio: the per-pod average in milli-units, truncated (int64 division upstream). */
export function metricUsageRatio(samples: ReadonlyMap<string, number>, targetMilli: number): { readonly ratio: number; readonly usageMilli: number } {
  let total = 0;
  for (const v of samples.values()) total += v;
  const usageMilli = Math.trunc(total / samples.size);
  return { ratio: usageMilli / targetMilli, usageMilli };
}

const NO_PODS = 'no pods returned by selector while calculating replica count';
const NO_READY_METRICS = 'did not receive metrics for any ready pods';

/**
 * GetResourceReplicas: a Resource metric with a Utilization target. Missing pods count as
 * max(100%, target) of their request on a scale-down (fallbackUtilization) and 0% on a scale-up;
 * unready pods as 0% on a scale-up. If that re-average lands within tolerance, flips direction, or
 * the recount would move against it, the current count stays.
 */
export function resourceUtilizationReplicas(
  currentReplicas: number, resource: string, targetUtilization: number,
  pods: readonly ScaledPod[], now: number, calc: ReplicaCalculatorOptions,
): MetricProposal {
  if (pods.length === 0) return invalid(NO_PODS);
  const scale = milliScale('Resource', resource);
  // A pod without a sample may be the busiest one: on a scale-down assume it uses all of its
  // request (or the target, when the target is above 100%), so a scale-down is never larger
  // than the data shows.
  const fallbackUtilization = Math.max(100, targetUtilization);
  const t = tallyPods(pods, resource, resource, resource === ResourceName.cpu, scale, fallbackUtilization, now, calc);
  if (t.missingRequest) return invalid(`missing request for ${resource}`);
  if (t.counted === 0) return invalid(NO_READY_METRICS);
  // GetResourceUtilizationRatio: an integer percentage of the summed requests.
  const utilization = Math.trunc((t.usage * 100) / t.requests);
  const usageRatio = utilization / targetUtilization;

  const scaleUpWithUnready = t.unready > 0 && usageRatio > 1;
  if (!scaleUpWithUnready && t.missing === 0) {
    if (Math.abs(1 - usageRatio) <= calc.tolerance) return proposal(currentReplicas, utilization);
    return proposal(Math.ceil(usageRatio * t.counted), utilization);
  }
  // Re-average: missing pods at the fallback (scale-down) or 0 (scale-up; at exactly 1 they stay
  // out), unready pods at 0 on a scale-up.
  let usage = t.usage;
  let requests = t.requests;
  let size = t.counted;
  if (t.missing > 0 && usageRatio !== 1) {
    if (usageRatio < 1) usage += t.missingFallback;
    requests += t.missingRequests;
    size += t.missing;
  }
  if (scaleUpWithUnready) {
    requests += t.unreadyRequests;
    size += t.unready;
  }
  const newUsageRatio = Math.trunc((usage * 100) / requests) / targetUtilization;
  if (Math.abs(1 - newUsageRatio) <= calc.tolerance || (usageRatio < 1 && newUsageRatio > 1) || (usageRatio > 1 && newUsageRatio < 1)) {
    return proposal(currentReplicas, utilization);
  }
  const newReplicas = Math.ceil(newUsageRatio * size);
  if ((newUsageRatio < 1 && newReplicas > currentReplicas) || (newUsageRatio > 1 && newReplicas < currentReplicas)) {
    return proposal(currentReplicas, utilization);
  }
  return proposal(newReplicas, utilization);
}

/**
 * calcPlainMetricReplicas: a per-pod average target (a Resource AverageValue target, which keeps
 * the cpu readiness rules, or a Pods metric, which has none). Missing pods count as exactly the
 * target on a scale-down and 0 otherwise; unready pods as 0 on a scale-up.
 */
export function plainMetricReplicas(
  currentReplicas: number, source: 'Resource' | 'Pods', name: string, targetAverageValue: number,
  pods: readonly ScaledPod[], now: number, calc: ReplicaCalculatorOptions,
): MetricProposal {
  if (pods.length === 0) return invalid(NO_PODS);
  const scale = milliScale(source, name);
  const targetMilli = milliValue(targetAverageValue, scale);
  const t = tallyPods(pods, name, undefined, source === 'Resource' && name === ResourceName.cpu, scale, 0, now, calc);
  if (t.counted === 0) return invalid(NO_READY_METRICS);
  // GetMetricUsageRatio: the integer (milli) average of the samples against the target.
  const usageMilli = Math.trunc(t.usage / t.counted);
  const usageRatio = usageMilli / targetMilli;
  const usage = usageMilli / scale;

  const scaleUpWithUnready = t.unready > 0 && usageRatio > 1;
  if (!scaleUpWithUnready && t.missing === 0) {
    if (Math.abs(1 - usageRatio) <= calc.tolerance) return proposal(currentReplicas, usage);
    return proposal(Math.ceil(usageRatio * t.counted), usage);
  }
  let total = t.usage;
  let size = t.counted;
  if (t.missing > 0) {
    // Upstream's `else` (not `else if > 1`): at a ratio of exactly 1 missing pods count as 0.
    if (usageRatio < 1) total += targetMilli * t.missing;
    size += t.missing;
  }
  if (scaleUpWithUnready) size += t.unready;
  const newUsageRatio = Math.trunc(total / size) / targetMilli;
  if (Math.abs(1 - newUsageRatio) <= calc.tolerance || (usageRatio < 1 && newUsageRatio > 1) || (usageRatio > 1 && newUsageRatio < 1)) {
    return proposal(currentReplicas, usage);
  }
  const newReplicas = Math.ceil(newUsageRatio * size);
  if ((newUsageRatio < 1 && newReplicas > currentReplicas) || (newUsageRatio > 1 && newReplicas < currentReplicas)) {
    return proposal(currentReplicas, usage);
  }
  return proposal(newReplicas, usage);
}

/**
 * GetExternalMetricReplicas (via getUsageRatioReplicaCount): a Value target on the metric's
 * total. The ratio scales the number of Running and Ready pods (getReadyPodsCount; none ready
 * gives 0, as upstream, and the min/max clamp follows). At zero current replicas the ratio alone
 * decides (scale from zero).
 */
export function externalValueReplicas(
  currentReplicas: number, value: number, targetValue: number, pods: readonly ScaledPod[], calc: Pick<ReplicaCalculatorOptions, 'tolerance'>,
): MetricProposal {
  const usageMilli = milliValue(value, 1000);
  const usageRatio = usageMilli / milliValue(targetValue, 1000);
  if (currentReplicas === 0) return proposal(Math.ceil(usageRatio), value);
  if (Math.abs(1 - usageRatio) <= calc.tolerance) return proposal(currentReplicas, value);
  if (pods.length === 0) return invalid(`unable to calculate ready pods: ${NO_PODS}`);
  let readyPodCount = 0;
  for (const pod of pods) if (pod.phase === 'Running' && pod.ready) readyPodCount++;
  return proposal(Math.ceil(usageRatio * readyPodCount), value);
}

/**
 * GetExternalPerPodMetricReplicas: an AverageValue target on an External metric: the total
 * divided by the per-pod target, unless the total per current replica is within tolerance.
 * Upstream divides by the Scale's status.replicas; the target here reports spec.replicas only,
 * which it equals once the Deployment has caught up.
 */
export function externalAverageValueReplicas(
  currentReplicas: number, value: number, targetAverageValue: number, calc: Pick<ReplicaCalculatorOptions, 'tolerance'>,
): MetricProposal {
  const usageMilli = milliValue(value, 1000);
  const targetMilli = milliValue(targetAverageValue, 1000);
  const usageRatio = usageMilli / (targetMilli * currentReplicas);
  const replicas = Math.abs(1 - usageRatio) > calc.tolerance ? Math.ceil(usageMilli / targetMilli) : currentReplicas;
  return proposal(replicas, (currentReplicas > 0 ? Math.ceil(usageMilli / currentReplicas) : usageMilli) / 1000);
}

/** computeReplicasForMetric: dispatch on the metric source and target type. */
export function metricReplicas(metric: MetricSpec, target: ScaleTargetStatus, now: number, calc: ReplicaCalculatorOptions): MetricProposal {
  const current = target.currentReplicas;
  const t = metric.target;
  switch (metric.type) {
    case 'Resource':
      if (t.type === 'Utilization') return resourceUtilizationReplicas(current, metric.name, t.averageUtilization, target.pods, now, calc);
      if (t.type === 'AverageValue') return plainMetricReplicas(current, 'Resource', metric.name, t.averageValue, target.pods, now, calc);
      return invalid('invalid resource metric source: neither an average utilization target nor an average value (usage) target was set');
    case 'Pods':
      if (t.type === 'AverageValue') return plainMetricReplicas(current, 'Pods', metric.name, t.averageValue, target.pods, now, calc);
      return invalid('invalid pods metric source: an average value target is required');
    case 'External': {
      const value = target.external(metric.name);
      if (value === undefined) return invalid(`unable to get external metric ${metric.name}`);
      if (t.type === 'AverageValue') return externalAverageValueReplicas(current, value, t.averageValue, calc);
      if (t.type === 'Value') return externalValueReplicas(current, value, t.value, target.pods, calc);
      return invalid('invalid external metric source: neither a value target nor an average value target was set');
    }
    default:
      return invalid(`unknown metric source type ${String((metric as { type: unknown }).type)}`);
  }
}

/**
 * The metric's name in upstream events (computeStatusFor*Metric metricNameProposal), e.g.
 * "cpu resource utilization (percentage of request)".
 */
export function metricDescription(metric: MetricSpec): string {
  switch (metric.type) {
    case 'Resource':
      return metric.target.type === 'Utilization' ? `${metric.name} resource utilization (percentage of request)` : `${metric.name} resource`;
    case 'Pods':
      return `pods metric ${metric.name}`;
    default:
      return `external metric ${metric.name}`;
  }
}

export type MetricsProposal =
  | {
    readonly ok: true;
    /** The largest proposal of the valid metrics. */
    readonly replicas: number;
    /** The metric that made it. */
    readonly metric: MetricSpec | undefined;
    /** Set when some (not all) metrics were invalid and the valid ones do not scale down. */
    readonly error?: string | undefined;
  }
  | { readonly ok: false; readonly error: string };

/**
 * computeReplicasForMetrics: the largest proposal wins. When every metric is invalid, or some are
 * and the valid ones would scale down, there is no proposal: scaling down on partial data could
 * remove capacity the unreadable metric needs.
 */
export function computeReplicasForMetrics(
  metrics: readonly MetricSpec[], target: ScaleTargetStatus, now: number, calc: ReplicaCalculatorOptions,
): MetricsProposal {
  let replicas = 0;
  let chosen: MetricSpec | undefined;
  let invalidCount = 0;
  let firstError = '';
  for (const metric of metrics) {
    const p = metricReplicas(metric, target, now, calc);
    if (!p.ok) {
      if (invalidCount === 0) firstError = `${metric.name}: ${p.error}`;
      invalidCount++;
      continue;
    }
    if (replicas === 0 || p.replicas > replicas) {
      replicas = p.replicas;
      chosen = metric;
    }
  }
  const error = invalidCount > 0 ? `invalid metrics (${invalidCount} invalid out of ${metrics.length}), first error is: ${firstError}` : undefined;
  if (invalidCount >= metrics.length || (invalidCount > 0 && replicas < target.currentReplicas)) {
    return { ok: false, error: error ?? 'no metrics' };
  }
  return { ok: true, replicas, metric: chosen, error };
}

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
export class RecommendationHistory {
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
    const upCutoff = args.now - args.scaleUpWindowSeconds;
    const downCutoff = args.now - args.scaleDownWindowSeconds;
    let upRecommendation = args.desiredReplicas;
    let downRecommendation = args.desiredReplicas;
    let oldSampleIndex = -1;
    const replicas = this.replicas;
    const timestamps = this.timestamps;
    for (let i = 0; i < this.size; i++) {
      const t = timestamps[i]!;
      const r = replicas[i]!;
      // time.After / time.Before are strict: a sample exactly at the cutoff is in neither.
      if (t > upCutoff && r < upRecommendation) upRecommendation = r;
      if (t > downCutoff && r > downRecommendation) downRecommendation = r;
      if (t < upCutoff && t < downCutoff) oldSampleIndex = i;
    }
    let stabilized = args.currentReplicas;
    if (stabilized < upRecommendation) stabilized = upRecommendation;
    if (stabilized > downRecommendation) stabilized = downRecommendation;
    if (oldSampleIndex >= 0) {
      replicas[oldSampleIndex] = args.desiredReplicas;
      timestamps[oldSampleIndex] = args.now;
    } else {
      this.push(args.desiredReplicas, args.now);
    }
    return stabilized;
  }
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

// ---- reconcile (reconcileAutoscaler) -------------------------------------------------------

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

import { clearTally, type HorizontalPodAutoscalerSpec, type MetricSpec, type PodMetricSample, type PodTally, type ScaleTargetStatus, type ScaledPod, type TalliedTarget, type TallyQuery } from '../api/autoscaling.js';
import { milliValue } from '../util/quantity.js';

export type { PodTally, TalliedTarget, TallyQuery } from '../api/autoscaling.js';
import { ResourceName, type Resources, resourceValue } from '../api/resources.js';

/**
 * A replica count per metric, after kubernetes pkg/controller/podautoscaler replica_calculator.go
 * (GetResourceReplicas, calcPlainMetricReplicas, GetExternal*Replicas) and horizontal.go
 * (computeReplicasForMetrics: the largest proposal of the valid metrics). Pure functions.
 *
 * Upstream works on int64 milli-values (resource.Quantity.MilliValue) and int32 replica counts;
 * the few places where that integer arithmetic changes a result (the integer utilization
 * percentage, the truncated per-pod average) are mirrored here.
 */

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

/**
 * A metric's proposal written in place rather than a new object: computeReplicasForMetrics reads
 * each metric's at once (a sync runs every 15 s for every HPA). As a MetricProposal it carries
 * the fields of both cases.
 */
export interface ProposalSlot {
  ok: boolean;
  replicas: number;
  usage: number;
  error: string;
}

const proposal = (replicas: number, usage: number, out?: ProposalSlot): MetricProposal => {
  if (out === undefined) return { ok: true, replicas, usage };
  out.ok = true;
  out.replicas = replicas;
  out.usage = usage;
  out.error = '';
  return out as MetricProposal;
};
const invalid = (error: string, out?: ProposalSlot): MetricProposal => {
  if (out === undefined) return { ok: false, error };
  out.ok = false;
  out.replicas = NaN;
  out.usage = NaN;
  out.error = error;
  return out as unknown as MetricProposal;
};

/**
 * How many milli-units one unit of a metric's samples is. Resource samples are in the unit of
 * `resourceValue` (milli-CPU and milli-GPU already; bytes for memory), Pods and External values
 * in whole units, while upstream always computes on Quantity.MilliValue().
 */
export function milliScale(source: MetricSpec['type'], name: string): number {
  return source === 'Resource' && (name === ResourceName.cpu || name === ResourceName.gpu) ? 1 : 1000;
}

// Quantity.MilliValue lives with the other quantity rules (the HPA controller uses it too).
export { milliValue } from '../util/quantity.js';

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

/** tallyPods' result, reused (a sync reads it at once and keeps only numbers). */
const TALLY: PodTally = { counted: 0, usage: 0, requests: 0, unready: 0, unreadyRequests: 0, missing: 0, missingRequests: 0, missingFallback: 0, missingRequest: false };

/**
 * classifyPod's rule applied inline, pod by pod (this loop runs for every pod of every HPA every
 * 15 s), unless the target keeps the tally itself. The pods of a Deployment share one requests
 * object and mostly one sample value, so the milli-unit conversions are remembered from the
 * previous pod.
 */
function tallyPods(
  pods: readonly ScaledPod[], target: TalliedTarget | undefined, metricName: string, resource: string | undefined, cpuReadiness: boolean, scale: number,
  fallbackUtilization: number, now: number, calc: ReplicaCalculatorOptions,
): PodTally {
  const t = TALLY;
  // One query object, reused (a sync runs every 15 s for every HPA; the target reads it at once).
  const query = QUERY;
  query.metricName = metricName;
  query.resource = resource;
  query.cpuReadiness = cpuReadiness;
  query.scale = scale;
  query.fallbackUtilization = fallbackUtilization;
  query.now = now;
  query.calc = calc;
  if (target?.tallyPods?.(query, t) === true) return t;
  clearTally(t);
  addToTally(pods, pods.length, query, t);
  return t;
}

const QUERY: { -readonly [K in keyof TallyQuery]: TallyQuery[K] } = {
  metricName: '', resource: undefined, cpuReadiness: false, scale: 1, fallbackUtilization: 0, now: 0,
  calc: { tolerance: 0, cpuInitializationPeriod: 0, initialReadinessDelay: 0 },
  addPods: (pods, n, query, into) => addToTally(pods, n, query, into),
};

/**
 * Adds the first `n` pods of `pods` to the sums of `t` (classifyPod's rule, inline). Every sum is
 * of integers (milli-values, truncated fallbacks), so while they stay below 2^53 the order in
 * which pods are added does not change them.
 */
export function addToTally(pods: readonly ScaledPod[], n: number, query: TallyQuery, t: PodTally): void {
  const { metricName, resource, cpuReadiness, scale, fallbackUtilization, now, calc } = query;
  // Sums in locals, stored once at the end.
  let counted = 0;
  let usageSum = 0;
  let requestSum = 0;
  let unready = 0;
  let unreadyRequests = 0;
  let missing = 0;
  let missingRequests = 0;
  let missingFallback = 0;
  const initializationPeriod = calc.cpuInitializationPeriod;
  const readinessDelay = calc.initialReadinessDelay;
  let lastRequests: Resources | undefined;
  let request = 0;
  let lastValue = NaN;
  let usage = 0;
  for (let i = 0; i < n; i++) {
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
  t.counted += counted;
  t.usage += usageSum;
  t.requests += requestSum;
  t.unready += unready;
  t.unreadyRequests += unreadyRequests;
  t.missing += missing;
  t.missingRequests += missingRequests;
  t.missingFallback += missingFallback;
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
  pods: readonly ScaledPod[], now: number, calc: ReplicaCalculatorOptions, target?: TalliedTarget, out?: ProposalSlot,
): MetricProposal {
  if (pods.length === 0) return invalid(NO_PODS, out);
  const scale = milliScale('Resource', resource);
  // A pod without a sample may be the busiest one: on a scale-down assume it uses all of its
  // request (or the target, when the target is above 100%), so a scale-down is never larger
  // than the data shows.
  const fallbackUtilization = Math.max(100, targetUtilization);
  const t = tallyPods(pods, target, resource, resource, resource === ResourceName.cpu, scale, fallbackUtilization, now, calc);
  if (t.missingRequest) return invalid(`missing request for ${resource}`, out);
  if (t.counted === 0) return invalid(NO_READY_METRICS, out);
  // GetResourceUtilizationRatio: an integer percentage of the summed requests.
  const utilization = Math.trunc((t.usage * 100) / t.requests);
  const usageRatio = utilization / targetUtilization;

  const scaleUpWithUnready = t.unready > 0 && usageRatio > 1;
  if (!scaleUpWithUnready && t.missing === 0) return proposal(countedReplicas(currentReplicas, t.counted, usageRatio, calc.tolerance), utilization, out);
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
    return proposal(currentReplicas, utilization, out);
  }
  const newReplicas = Math.ceil(newUsageRatio * size);
  if ((newUsageRatio < 1 && newReplicas > currentReplicas) || (newUsageRatio > 1 && newReplicas < currentReplicas)) {
    return proposal(currentReplicas, utilization, out);
  }
  return proposal(newReplicas, utilization, out);
}

/**
 * GetResourceReplicas' answer when no pod is missing and none unready counts (the usual sync):
 * the current count within tolerance, else the counted pods scaled by the usage ratio.
 */
export function countedReplicas(currentReplicas: number, counted: number, usageRatio: number, tolerance: number): number {
  return Math.abs(1 - usageRatio) <= tolerance ? currentReplicas : Math.ceil(usageRatio * counted);
}

/**
 * GetResourceReplicas for a target whose pods are all counted (none pending, unready or missing):
 * `counted` pods with summed usage and requests in milli-units, as tallied. The integer
 * utilization percentage, its ratio to the target, and countedReplicas.
 */
export function countedUtilizationReplicas(
  currentReplicas: number, counted: number, usage: number, requests: number, targetUtilization: number, tolerance: number,
): number {
  return countedReplicas(currentReplicas, counted, Math.trunc((usage * 100) / requests) / targetUtilization, tolerance);
}

/**
 * calcPlainMetricReplicas: a per-pod average target (a Resource AverageValue target, which keeps
 * the cpu readiness rules, or a Pods metric, which has none). Missing pods count as exactly the
 * target on a scale-down and 0 otherwise; unready pods as 0 on a scale-up.
 */
export function plainMetricReplicas(
  currentReplicas: number, source: 'Resource' | 'Pods', name: string, targetAverageValue: number,
  pods: readonly ScaledPod[], now: number, calc: ReplicaCalculatorOptions, target?: TalliedTarget, out?: ProposalSlot,
): MetricProposal {
  if (pods.length === 0) return invalid(NO_PODS, out);
  const scale = milliScale(source, name);
  const targetMilli = milliValue(targetAverageValue, scale);
  const t = tallyPods(pods, target, name, undefined, source === 'Resource' && name === ResourceName.cpu, scale, 0, now, calc);
  if (t.counted === 0) return invalid(NO_READY_METRICS, out);
  // GetMetricUsageRatio: the integer (milli) average of the samples against the target.
  const usageMilli = Math.trunc(t.usage / t.counted);
  const usageRatio = usageMilli / targetMilli;
  const usage = usageMilli / scale;

  const scaleUpWithUnready = t.unready > 0 && usageRatio > 1;
  if (!scaleUpWithUnready && t.missing === 0) {
    if (Math.abs(1 - usageRatio) <= calc.tolerance) return proposal(currentReplicas, usage, out);
    return proposal(Math.ceil(usageRatio * t.counted), usage, out);
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
    return proposal(currentReplicas, usage, out);
  }
  const newReplicas = Math.ceil(newUsageRatio * size);
  if ((newUsageRatio < 1 && newReplicas > currentReplicas) || (newUsageRatio > 1 && newReplicas < currentReplicas)) {
    return proposal(currentReplicas, usage, out);
  }
  return proposal(newReplicas, usage, out);
}

/**
 * GetExternalMetricReplicas (via getUsageRatioReplicaCount): a Value target on the metric's
 * total. The ratio scales the number of Running and Ready pods (getReadyPodsCount; none ready
 * gives 0, as upstream, and the min/max clamp follows). At zero current replicas the ratio alone
 * decides (scale from zero).
 */
export function externalValueReplicas(
  currentReplicas: number, value: number, targetValue: number, pods: readonly ScaledPod[], calc: Pick<ReplicaCalculatorOptions, 'tolerance'>, out?: ProposalSlot,
): MetricProposal {
  const usageMilli = milliValue(value, 1000);
  const usageRatio = usageMilli / milliValue(targetValue, 1000);
  if (currentReplicas === 0) return proposal(Math.ceil(usageRatio), value, out);
  if (Math.abs(1 - usageRatio) <= calc.tolerance) return proposal(currentReplicas, value, out);
  if (pods.length === 0) return invalid(`unable to calculate ready pods: ${NO_PODS}`, out);
  let readyPodCount = 0;
  for (const pod of pods) if (pod.phase === 'Running' && pod.ready) readyPodCount++;
  return proposal(Math.ceil(usageRatio * readyPodCount), value, out);
}

/**
 * GetExternalPerPodMetricReplicas: an AverageValue target on an External metric: the total
 * divided by the per-pod target, unless the total per current replica is within tolerance.
 * Upstream divides by the Scale's status.replicas; the target here reports spec.replicas only,
 * which it equals once the Deployment has caught up.
 */
export function externalAverageValueReplicas(
  currentReplicas: number, value: number, targetAverageValue: number, calc: Pick<ReplicaCalculatorOptions, 'tolerance'>, out?: ProposalSlot,
): MetricProposal {
  const usageMilli = milliValue(value, 1000);
  const targetMilli = milliValue(targetAverageValue, 1000);
  const usageRatio = usageMilli / (targetMilli * currentReplicas);
  const replicas = Math.abs(1 - usageRatio) > calc.tolerance ? Math.ceil(usageMilli / targetMilli) : currentReplicas;
  return proposal(replicas, (currentReplicas > 0 ? Math.ceil(usageMilli / currentReplicas) : usageMilli) / 1000, out);
}

/** computeReplicasForMetric: dispatch on the metric source and target type. */
export function metricReplicas(metric: MetricSpec, target: ScaleTargetStatus, now: number, calc: ReplicaCalculatorOptions, out?: ProposalSlot): MetricProposal {
  const current = target.currentReplicas;
  const t = metric.target;
  switch (metric.type) {
    case 'Resource':
      if (t.type === 'Utilization') return resourceUtilizationReplicas(current, metric.name, t.averageUtilization, target.pods, now, calc, target, out);
      if (t.type === 'AverageValue') return plainMetricReplicas(current, 'Resource', metric.name, t.averageValue, target.pods, now, calc, target, out);
      return invalid('invalid resource metric source: neither an average utilization target nor an average value (usage) target was set', out);
    case 'Pods':
      if (t.type === 'AverageValue') return plainMetricReplicas(current, 'Pods', metric.name, t.averageValue, target.pods, now, calc, target, out);
      return invalid('invalid pods metric source: an average value target is required', out);
    case 'External': {
      const value = target.external(metric.name);
      if (value === undefined) return invalid(`unable to get external metric ${metric.name}`, out);
      if (t.type === 'AverageValue') return externalAverageValueReplicas(current, value, t.averageValue, calc, out);
      if (t.type === 'Value') return externalValueReplicas(current, value, t.value, target.pods, calc, out);
      return invalid('invalid external metric source: neither a value target nor an average value target was set', out);
    }
    default:
      return invalid(`unknown metric source type ${String((metric as { type: unknown }).type)}`, out);
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

/** computeReplicasForMetrics' result written in place (see ProposalSlot); as a MetricsProposal it carries the fields of both cases. */
export interface MetricsSlot {
  ok: boolean;
  replicas: number;
  metric: MetricSpec | undefined;
  error: string | undefined;
}

/** Each metric's proposal in turn, read at once. */
const METRIC_SLOT: ProposalSlot = { ok: false, replicas: NaN, usage: NaN, error: '' };

/**
 * computeReplicasForMetrics: the largest proposal wins. When every metric is invalid, or some are
 * and the valid ones would scale down, there is no proposal: scaling down on partial data could
 * remove capacity the unreadable metric needs. With `out`, the result is written there.
 */
export function computeReplicasForMetrics(
  metrics: readonly MetricSpec[], target: ScaleTargetStatus, now: number, calc: ReplicaCalculatorOptions, out?: MetricsSlot,
): MetricsProposal {
  let replicas = 0;
  let chosen: MetricSpec | undefined;
  let invalidCount = 0;
  let firstError = '';
  for (let i = 0; i < metrics.length; i++) {
    const metric = metrics[i]!;
    const p = metricReplicas(metric, target, now, calc, METRIC_SLOT);
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
    if (out === undefined) return { ok: false, error: error ?? 'no metrics' };
    out.ok = false;
    out.replicas = NaN;
    out.metric = undefined;
    out.error = error ?? 'no metrics';
    return out as unknown as MetricsProposal;
  }
  if (out === undefined) return { ok: true, replicas, metric: chosen, error };
  out.ok = true;
  out.replicas = replicas;
  out.metric = chosen;
  out.error = error;
  return out as MetricsProposal;
}

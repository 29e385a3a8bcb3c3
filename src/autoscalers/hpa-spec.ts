import {
  DEFAULT_SCALE_DOWN_RULES, DEFAULT_SCALE_UP_RULES, type HorizontalPodAutoscalerSpec, HPA_DEFAULTS,
  type HPAScalingPolicy, type HPAScalingRules, type MetricSpec,
} from '../api/autoscaling.js';
import { ResourceName } from '../api/resources.js';

/**
 * The HorizontalPodAutoscaler spec: autoscaling/v2 defaulting (SetDefaults_HorizontalPodAutoscaler,
 * copyHPAScalingRules) and validation (pkg/apis/autoscaling/validation), so a scenario's HPA is
 * checked as a whole, with every problem named, before anything runs.
 */

/** autoscaling validation: MaxPeriodSeconds and MaxStabilizationWindowSeconds. */
export const MAX_PERIOD_SECONDS = 1800;
export const MAX_STABILIZATION_WINDOW_SECONDS = 3600;

/** autoscaling/v2 SetDefaults_HorizontalPodAutoscaler (and kubectl autoscale): cpu at 80% of requests. */
export const DEFAULT_METRIC: MetricSpec = {
  type: 'Resource',
  name: ResourceName.cpu,
  target: { type: 'Utilization', averageUtilization: 80 },
};

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

const SELECT_POLICIES: readonly HPAScalingRules['selectPolicy'][] = ['Max', 'Min', 'Disabled'];
const POLICY_TYPES: readonly HPAScalingPolicy['type'][] = ['Pods', 'Percent'];

/** copyHPAScalingRules: each field the user set replaces the default, the others stay. */
function defaultRules(given: HPAScalingRulesInput | undefined, defaults: HPAScalingRules): HPAScalingRules {
  return {
    stabilizationWindowSeconds: given?.stabilizationWindowSeconds ?? defaults.stabilizationWindowSeconds,
    selectPolicy: canonical(given?.selectPolicy ?? defaults.selectPolicy, SELECT_POLICIES),
    policies: (given?.policies ?? defaults.policies).map((p) => ({ ...p, type: canonical(p.type, POLICY_TYPES) })),
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

/** A keyword as the library's own constant (see canonicalName): every sync switches on the metric's and target's types. */
function canonical<T extends string>(value: T, known: readonly T[]): T {
  for (const k of known) if (value === k) return k;
  return value;
}

const METRIC_TYPES: readonly MetricSpec['type'][] = ['Resource', 'Pods', 'External'];
const TARGET_TYPES: readonly MetricSpec['target']['type'][] = ['Utilization', 'AverageValue', 'Value'];

/** A metric with its name and keywords as the library's constants (same values). */
function canonicalMetric(m: MetricSpec): MetricSpec {
  return { ...m, type: canonical(m.type, METRIC_TYPES), name: canonicalName(m.name), target: { ...m.target, type: canonical(m.target.type, TARGET_TYPES) } } as MetricSpec;
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
    metrics: input.metrics !== undefined && input.metrics.length > 0 ? input.metrics.map(canonicalMetric) : [DEFAULT_METRIC],
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

import * as z from 'zod';
import type { TieBreak } from '../api/framework.js';
import { bytesSchema, distributionSchema, durationSchema, forwardIssues, gpuRequestSchema, gpuSchema, lazily, lazySection, milliCPUSchema, numberSchema, rateSchema } from './units.js';
import { withInputShape } from './input-shape.js';
import { queueingSchema } from './schema-queueing.js';
import { formatCount, MAX_HORIZON_SECONDS, MAX_NODES, MAX_PODS_PER_WORKLOAD, MAX_SAMPLES } from '../workloads/input-limits.js';

/**
 * The scenario file, validated as a whole before anything runs. Unknown keys are errors
 * (a typo must not silently become a default). Units are parsed here; everything after this
 * layer works in base units (seconds, milli-CPU, bytes, milli-GPU).
 */

/**
 * The workload kinds (and the parts only services have: load, HPA, strategy) are built when a
 * file first has one (lazily, units.ts): the workload dispatcher below picks the kind before
 * parsing, so a file of batch streams never builds a service's schema. The same schemas either
 * way; ORCHSIM_NO_LAZY_SCHEMA=1 builds them all here.
 */
type Built<F extends () => z.ZodType> = z.output<ReturnType<F>>;

/** Counts that become pods or nodes, capped so one number cannot exhaust memory (input-limits.ts). */
const podCount = (min: number) => z.number().int().min(min).max(MAX_PODS_PER_WORKLOAD, `at most ${formatCount(MAX_PODS_PER_WORKLOAD)} pods per workload (the limit)`);
const nodeCount = (min: number) => z.number().int().min(min).max(MAX_NODES, `at most ${formatCount(MAX_NODES)} nodes per scenario (the limit)`);

const labelKey = z.string().min(1).max(316);
const labels = z.record(labelKey, z.string());

const selectorOperator = z.enum(['In', 'NotIn', 'Exists', 'DoesNotExist']);
const nodeSelectorOperator = z.enum(['In', 'NotIn', 'Exists', 'DoesNotExist', 'Gt', 'Lt']);

const labelSelector = z.strictObject({
  matchLabels: labels.optional(),
  matchExpressions: z.array(z.strictObject({ key: labelKey, operator: selectorOperator, values: z.array(z.string()).optional() })).optional(),
});

const nodeSelectorRequirement = z.strictObject({ key: z.string().min(1), operator: nodeSelectorOperator, values: z.array(z.string()).optional() })
  .refine((r) => !['In', 'NotIn'].includes(r.operator) || (r.values?.length ?? 0) > 0, { message: 'In and NotIn need at least one value', path: ['values'] })
  .refine((r) => !['Exists', 'DoesNotExist'].includes(r.operator) || (r.values?.length ?? 0) === 0, { message: 'Exists and DoesNotExist take no values', path: ['values'] })
  .refine((r) => !['Gt', 'Lt'].includes(r.operator) || (r.values?.length === 1 && /^-?\d+$/.test(r.values[0]!)), { message: 'Gt and Lt need exactly one integer value', path: ['values'] });

const nodeSelectorTerm = z.strictObject({
  matchExpressions: z.array(nodeSelectorRequirement).optional(),
  matchFields: z.array(nodeSelectorRequirement).optional(),
});

const podAffinityTerm = z.strictObject({
  labelSelector: labelSelector.optional(),
  namespaces: z.array(z.string()).optional(),
  topologyKey: z.string().min(1),
});

const podAffinity = z.strictObject({
  requiredDuringSchedulingIgnoredDuringExecution: z.array(podAffinityTerm).optional(),
  preferredDuringSchedulingIgnoredDuringExecution: z.array(z.strictObject({ weight: z.number().int().min(1).max(100), podAffinityTerm })).optional(),
});

const affinity = z.strictObject({
  nodeAffinity: z.strictObject({
    requiredDuringSchedulingIgnoredDuringExecution: z.strictObject({ nodeSelectorTerms: z.array(nodeSelectorTerm).min(1) }).optional(),
    preferredDuringSchedulingIgnoredDuringExecution: z.array(z.strictObject({ weight: z.number().int().min(1).max(100), preference: nodeSelectorTerm })).optional(),
  }).optional(),
  podAffinity: podAffinity.optional(),
  podAntiAffinity: podAffinity.optional(),
});

const taintEffect = z.enum(['NoSchedule', 'PreferNoSchedule', 'NoExecute']);
const taint = z.strictObject({ key: z.string().min(1), value: z.string().optional(), effect: taintEffect });
const toleration = z.strictObject({
  key: z.string().optional(),
  operator: z.enum(['Exists', 'Equal']).optional(),
  value: z.string().optional(),
  effect: taintEffect.optional(),
  tolerationSeconds: z.number().int().min(0).optional(),
});
const topologySpreadConstraint = z.strictObject({
  maxSkew: z.number().int().min(1),
  topologyKey: z.string().min(1),
  whenUnsatisfiable: z.enum(['DoNotSchedule', 'ScheduleAnyway']),
  labelSelector: labelSelector.optional(),
  minDomains: z.number().int().min(1).optional(),
});

/** A probe's timing in whole seconds (core/v1 Probe; defaults in src/sim/probes.ts PROBE_DEFAULTS). */
const probeTiming = {
  initialDelaySeconds: z.number().int().min(0).optional(),
  periodSeconds: z.number().int().min(1).optional(),
  timeoutSeconds: z.number().int().min(1).optional(),
  successThreshold: z.number().int().min(1).optional(),
  failureThreshold: z.number().int().min(1).optional(),
};
/** Liveness and startup probes: successThreshold must be 1 (pkg/apis/core/validation validateProbe callers). */
const restartingProbe = lazily(() => z.strictObject(probeTiming).refine((p) => p.successThreshold === undefined || p.successThreshold === 1, { message: 'must be 1 for liveness and startup probes', path: ['successThreshold'] }));

/**
 * How Docker Swarm runs the workload: the Swarm part of a Compose `deploy:` section (placement,
 * restart_policy, update_config, rollback_config) plus `hostPorts`, in Compose syntax. Checked
 * and read with its positions by resolve/workloads.ts (src/workloads/compose-deploy.ts), into the
 * workload's `swarm` settings. Kubernetes ignores it.
 */
const swarmDeploy = z.unknown();

/** Pod template fields shared by every workload type (Kubernetes field names). */
const podFields = {
  namespace: z.string().min(1).optional(),
  labels: labels.optional(),
  /** metadata.annotations; read: karpenter.sh/do-not-disrupt, cluster-autoscaler.kubernetes.io/safe-to-evict. */
  annotations: labels.optional(),
  priority: z.number().int().optional(),
  /** Never: wait rather than preempt lower-priority pods (PriorityClass preemptionPolicy). */
  preemptionPolicy: z.enum(['PreemptLowerPriority', 'Never']).optional(),
  /** Seconds a deleted (preempted) pod keeps its node while it shuts down; default 30. */
  terminationGracePeriodSeconds: z.number().int().min(0).optional(),
  nodeSelector: labels.optional(),
  /** Scheduler profile placing the pods (pod spec.schedulerName); the default profile when absent. */
  schedulerName: z.string().min(1).optional(),
  affinity: affinity.optional(),
  tolerations: z.array(toleration).optional(),
  topologySpreadConstraints: z.array(topologySpreadConstraint).optional(),
  /** GPU models the pod accepts (node label nvidia.com/gpu.product); any when absent. */
  gpuModels: z.array(z.string().min(1)).min(1).optional(),
  /** Delay from bind to Running: image pull and start-up. */
  startup: distributionSchema(durationSchema).optional(),
  /** Container crashes: time between crashes of a running container, the share that are hangs. */
  crashes: lazySection(() => z.strictObject({
    every: distributionSchema(durationSchema),
    hangFraction: z.number().min(0).max(1).optional(),
    livenessPeriod: durationSchema.refine((v) => v > 0, 'must be > 0').optional(),
    livenessFailureThreshold: z.number().int().min(1).optional(),
  })).optional(),
  /**
   * Ready only after this probe passes (none: Ready when the containers start). `neverReadyFraction`:
   * the share of container starts whose readiness probe never passes (a service never fully ready).
   */
  readinessProbe: lazySection(() => z.strictObject({ ...probeTiming, neverReadyFraction: z.number().min(0).max(1).optional() })).optional(),
  /** Gates readiness and liveness until it passes; failureThreshold x periodSeconds is the start-up budget, then the container is restarted. */
  startupProbe: lazySection(restartingProbe).optional(),
  /** Restarts a container it finds failing: during a slow start, and a hung one (`crashes.hangFraction`; its period and failureThreshold win over crashes.liveness*). */
  livenessProbe: lazySection(restartingProbe).optional(),
};

const fixedRequests = z.strictObject({
  cpu: milliCPUSchema.optional(),
  memory: bytesSchema.optional(),
  'nvidia.com/gpu': gpuRequestSchema.optional(),
  gpu: gpuRequestSchema.optional(),
  'ephemeral-storage': bytesSchema.optional(),
});

const drawnRequests = z.strictObject({
  cpu: distributionSchema(milliCPUSchema).optional(),
  memory: distributionSchema(bytesSchema).optional(),
  'nvidia.com/gpu': distributionSchema(gpuRequestSchema).optional(),
  gpu: distributionSchema(gpuRequestSchema).optional(),
  'ephemeral-storage': bytesSchema.optional(),
});

const name = z.string().regex(/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/, 'expected a lowercase name (letters, digits, "-" and ".")');

const positiveDuration = durationSchema.refine((v) => v > 0, 'must be > 0');
/**
 * A service's offered traffic: one base (constant, diurnal or a replayed trace) times steps,
 * spikes and random bursts; requests per second unless a unit is given ("120/m").
 */
const load = lazily(() => z.strictObject({
  constant: rateSchema.optional(),
  diurnal: z.strictObject({
    mean: rateSchema,
    amplitude: z.number().min(0).max(1),
    period: positiveDuration.optional(),
    /** Time of the daily maximum (default: a quarter period, i.e. the mean and rising at 0). */
    peakAt: durationSchema.optional(),
  }).optional(),
  trace: z.strictObject({
    format: z.literal('azure-llm'),
    file: z.string().min(1),
    /** Width of the bins the arrivals are counted in (default 60s). */
    binSeconds: positiveDuration.optional(),
    /** Simulated seconds per trace second (24 plays one hour as a day). */
    timeScale: z.number().gt(0).optional(),
    rateScale: z.number().gt(0).optional(),
    loop: z.boolean().optional(),
  }).optional(),
  steps: z.array(z.strictObject({ at: durationSchema, factor: z.number().min(0), ramp: durationSchema.optional() })).optional(),
  spikes: z.array(z.strictObject({ at: durationSchema, factor: z.number().min(0), duration: durationSchema, ramp: durationSchema.optional() })).optional(),
  bursts: z.strictObject({
    /** Mean time between burst onsets. */
    every: positiveDuration,
    factor: distributionSchema(numberSchema),
    duration: distributionSchema(durationSchema),
    ramp: durationSchema.optional(),
  }).optional(),
  /** Requests per second one ready replica serves; the excess is dropped. */
  capacityPerReplica: rateSchema.refine((v) => v > 0, 'must be > 0'),
  /** CPU use (fraction of the request) of a replica serving at capacity; default 1. */
  utilizationAtCapacity: z.number().gt(0).optional(),
  /** Cap on CPU use as a fraction of the request (the CPU limit / request); default 1. */
  maxUtilization: z.number().gt(0).optional(),
  /** Memory use as a fraction of the request; default 0.5. */
  memoryUtilization: z.number().min(0).optional(),
  /** Served-fraction objective; time below it is SLO violation (default 0.99). */
  slo: z.number().gt(0).max(1).optional(),
  /** Integration step of the request accounting (default 10s). */
  step: positiveDuration.optional(),
}).refine((l) => [l.constant, l.diurnal, l.trace].filter((x) => x !== undefined).length === 1, { message: 'give exactly one base load: constant, diurnal or trace' }));

/** autoscaling/v2 MetricTarget: Utilization (percent of request), AverageValue (per pod) or Value (total). */
const metricTarget = lazily(() => z.union([
  z.strictObject({ type: z.literal('Utilization'), averageUtilization: z.number().int().min(1) }),
  z.strictObject({ type: z.literal('AverageValue'), averageValue: z.number().gt(0) }),
  z.strictObject({ type: z.literal('Value'), value: z.number().gt(0) }),
]));
/** autoscaling/v2 MetricSpec, as in a HorizontalPodAutoscaler manifest. */
const metricSpec = lazily(() => z.union([
  z.strictObject({ type: z.literal('Resource'), resource: z.strictObject({ name: z.enum(['cpu', 'memory']), target: metricTarget() }) }),
  z.strictObject({ type: z.literal('Pods'), pods: z.strictObject({ metric: z.strictObject({ name: z.literal('requests_per_second') }), target: metricTarget() }) }),
  z.strictObject({ type: z.literal('External'), external: z.strictObject({ metric: z.strictObject({ name: z.literal('requests_per_second') }), target: metricTarget() }) }),
]));
const scalingRules = lazily(() => z.strictObject({
  stabilizationWindowSeconds: z.number().int().min(0).max(3600).optional(),
  selectPolicy: z.enum(['Max', 'Min', 'Disabled']).optional(),
  policies: z.array(z.strictObject({ type: z.enum(['Pods', 'Percent']), value: z.number().int().min(1), periodSeconds: z.number().int().min(1).max(1800) })).min(1).optional(),
}));
/** A HorizontalPodAutoscaler on the service (autoscaling/v2 spec fields, Kubernetes defaults). */
const hpa = lazily(() => z.strictObject({
  /** The horizontal autoscaler: the built-in `hpa` (default), or one a plugin module exports (horizontalAutoscalers). */
  policy: z.string().min(1).optional(),
  minReplicas: podCount(1).optional(),
  maxReplicas: podCount(1),
  metrics: z.array(metricSpec()).min(1).optional(),
  behavior: z.strictObject({ scaleUp: scalingRules().optional(), scaleDown: scalingRules().optional() }).optional(),
  /** kube-controller-manager flags. */
  syncPeriod: durationSchema.refine((v) => v > 0, 'must be > 0').optional(),
  tolerance: z.number().min(0).max(1).optional(),
  cpuInitializationPeriod: durationSchema.optional(),
  initialReadinessDelay: durationSchema.optional(),
}).refine((h) => (h.minReplicas ?? 1) <= h.maxReplicas, { message: 'minReplicas must be <= maxReplicas', path: ['minReplicas'] }));

/** intstr.IntOrString of a rolling update: a pod count or a percentage of replicas ("25%"). */
const intOrPercent = lazily(() => z.union([z.number().int().min(0), z.string().regex(/^\d+%$/, 'expected a count or a percentage such as "25%"')]));

/** Deployment spec.strategy (apps/v1); checks as ValidateDeploymentStrategy (pkg/apis/apps/validation/validation.go). */
const strategy = lazily(() => z.strictObject({
  type: z.enum(['RollingUpdate', 'Recreate']),
  rollingUpdate: z.strictObject({
    maxSurge: intOrPercent().optional(),
    maxUnavailable: intOrPercent().refine((v) => typeof v === 'number' || Number(v.slice(0, -1)) <= 100, 'must not be greater than 100%').optional(),
  }).optional(),
}).refine((st) => st.type !== 'Recreate' || st.rollingUpdate === undefined, { message: 'may not be specified when strategy `type` is \'Recreate\'', path: ['rollingUpdate'] })
  .refine((st) => {
    const zero = (v: number | string | undefined) => v !== undefined && (v === 0 || v === '0%');
    return !(zero(st.rollingUpdate?.maxSurge) && zero(st.rollingUpdate?.maxUnavailable));
  }, { message: 'may not be 0 when `maxSurge` is 0', path: ['rollingUpdate', 'maxUnavailable'] }));

const service = lazily(() => z.strictObject({
  type: z.literal('service'),
  name,
  replicas: podCount(0),
  /** Ready replicas the service needs at least (like a PodDisruptionBudget's minAvailable); default 1. */
  minAvailable: z.number().int().min(0).optional(),
  /** How long pods stay on an unreachable node before eviction (default 300s). */
  tolerationSeconds: durationSchema.optional(),
  startAt: durationSchema.optional(),
  requests: fixedRequests.optional(),
  /** Offered traffic and per-replica capacity (the HPA's metrics come from it). */
  load: load().optional(),
  autoscaling: hpa().optional(),
  /** How a rollout replaces the pods (Deployment spec.strategy; default RollingUpdate 25%/25%). */
  strategy: strategy().optional(),
  /** Seconds a new pod must be ready before it counts as available (default 0). */
  minReadySeconds: z.number().int().min(0).optional(),
  /** Seconds without progress before the rollout is ProgressDeadlineExceeded (default 600). */
  progressDeadlineSeconds: z.number().int().min(1).optional(),
  /** Roll back to the previous revision when the progress deadline passes (as CD tools do; Kubernetes does not). */
  rollbackOnFailure: z.boolean().optional(),
  deploy: swarmDeploy.optional(),
  ...podFields,
}).refine((s) => s.autoscaling === undefined || s.load !== undefined, { message: 'an autoscaled service needs a `load` model (its metrics come from the load)', path: ['autoscaling'] })
  .refine((s) => s.progressDeadlineSeconds === undefined || s.progressDeadlineSeconds > (s.minReadySeconds ?? 0), { message: 'must be greater than minReadySeconds', path: ['progressDeadlineSeconds'] }));

/** A rollout: at a time, a service's template changes (`set`) or goes back to an earlier revision (`undo`, kubectl rollout undo). */
const rolloutEvent = lazily(() => z.strictObject({
  at: durationSchema,
  workload: name,
  set: z.strictObject({
    requests: fixedRequests.optional(),
    startup: distributionSchema(durationSchema).optional(),
    /** The new version's crashes; null: it does not crash. */
    crashes: z.union([podFields.crashes.unwrap(), z.null()]).optional(),
    /** The new version's probes; null: it has none of that kind. */
    readinessProbe: z.union([podFields.readinessProbe.unwrap(), z.null()]).optional(),
    startupProbe: z.union([podFields.startupProbe.unwrap(), z.null()]).optional(),
    livenessProbe: z.union([podFields.livenessProbe.unwrap(), z.null()]).optional(),
  }).refine((t) => Object.values(t).some((v) => v !== undefined), 'set at least one of requests, startup, crashes, readinessProbe, startupProbe, livenessProbe').optional(),
  /** true: back to the previous revision; {toRevision: N}: to revision N (kubectl rollout undo --to-revision). */
  undo: z.union([z.literal(true), z.strictObject({ toRevision: z.number().int().min(1) })]).optional(),
}).refine((r) => (r.set === undefined) !== (r.undo === undefined), { message: 'give exactly one of `set` (a new template) or `undo`' }));

/**
 * Gang scheduling (scheduler-plugins' coscheduling PodGroup): minMember pods placed together or
 * not at all, waiting at most scheduleTimeout at Permit (default: the plugin's 60 s).
 */
const gangFields = {
  minMember: podCount(1).optional(),
  scheduleTimeout: durationSchema.optional(),
};

const job = lazily(() => z.strictObject({
  type: z.literal('job'),
  /** The Job's pods form one PodGroup (minMember defaults to parallelism). */
  gang: z.strictObject(gangFields).optional(),
  name,
  completions: podCount(1).default(1),
  parallelism: podCount(1).default(1),
  backoffLimit: z.number().int().min(0).optional(),
  /** Kueue LocalQueue (in the job's namespace): suspended until Kueue admits it (needs a queueing section). */
  queue: z.string().min(1).optional(),
  tolerationSeconds: durationSchema.optional(),
  startAt: durationSchema.optional(),
  duration: distributionSchema(durationSchema),
  requests: fixedRequests.optional(),
  deploy: swarmDeploy.optional(),
  ...podFields,
}));

const arrivalForms = {
  poisson: z.strictObject({ poisson: z.strictObject({ rate: rateSchema.refine((v) => v > 0, 'rate must be > 0') }) }),
  interval: z.strictObject({ interval: durationSchema.refine((v) => v > 0, 'interval must be > 0') }),
};
type Arrival = z.output<typeof arrivalForms.poisson> | z.output<typeof arrivalForms.interval>;
/** {poisson: {rate}} or {interval}, dispatched on the key so errors point inside the chosen form. */
const arrival = withInputShape(z.unknown().transform((v, ctx): Arrival => {
  const o = v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
  const schema = 'poisson' in o ? arrivalForms.poisson : 'interval' in o ? arrivalForms.interval : undefined;
  if (!schema) {
    ctx.addIssue({ code: 'custom', message: `expected {poisson: {rate: "120/h"}} or {interval: "30s"}, got ${JSON.stringify(v)}` });
    return z.NEVER;
  }
  const r = (schema as z.ZodType<Arrival>).safeParse(v);
  if (r.success) return r.data;
  forwardIssues(ctx, r.error.issues);
  return z.NEVER;
}), () => z.union([arrivalForms.poisson, arrivalForms.interval]));

const batch = lazily(() => z.strictObject({
  type: z.literal('batch'),
  /** Each arrival is `size` pods forming one PodGroup (minMember defaults to size). */
  gang: z.strictObject({ size: podCount(1), ...gangFields }).optional(),
  name,
  arrival,
  start: durationSchema.optional(),
  end: durationSchema.optional(),
  count: podCount(0).optional(),
  duration: distributionSchema(durationSchema),
  requests: drawnRequests.optional(),
  /** Kueue LocalQueue: each arrival is a Workload admitted whole (needs a queueing section). */
  queue: z.string().min(1).optional(),
  deploy: swarmDeploy.optional(),
  ...podFields,
}));

/**
 * One pod on every node that should run it (its nodeSelector, affinity and tolerations decide),
 * on nodes added later too; node agents such as node-exporter or a log shipper.
 */
const daemonset = lazily(() => z.strictObject({
  type: z.literal('daemonset'),
  name,
  requests: fixedRequests.optional(),
  /** hostNetwork pods also tolerate node.kubernetes.io/network-unavailable (as upstream adds). */
  hostNetwork: z.boolean().optional(),
  deploy: swarmDeploy.optional(),
  ...podFields,
}));

const manifests = lazily(() => z.strictObject({ manifests: z.string().min(1) }));

/**
 * A `docker stack deploy` file (path relative to the scenario): each service becomes a workload
 * named <stack>_<service>. `stack` is the stack's name (default: the file's `name:`, else its base name).
 */
const compose = lazily(() => z.strictObject({ compose: z.string().min(1), stack: name.optional() }));

/** Pods replayed from a trace file (path relative to the scenario). */
const trace = lazily(() => z.strictObject({
  type: z.literal('trace'),
  name,
  format: z.enum(['openb', 'swf']),
  file: z.string().min(1),
  /** openb: arrive at creation_time and leave at deletion_time (default true); false = all at 0, forever. */
  useTimes: z.boolean().optional(),
  /** swf: the CPU and memory of one processor (default 1 core, no memory). */
  cpuPerProcessor: milliCPUSchema.refine((v) => v > 0, 'must be > 0').optional(),
  memoryPerProcessor: bytesSchema.optional(),
  /** swf: shift arrivals so the first job arrives at 0 (default true). */
  startAtZero: z.boolean().optional(),
  startup: distributionSchema(durationSchema).optional(),
}));

const workload = withInputShape(z.unknown().transform((v, ctx) => {
  // Dispatch on `type` (or `manifests`, `compose`) so the errors are those of the intended kind.
  const o = v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
  const schema = o && 'manifests' in o ? manifests() : o && 'compose' in o ? compose() : o?.type === 'service' ? service() : o?.type === 'job' ? job() : o?.type === 'batch' ? batch() : o?.type === 'trace' ? trace() : o?.type === 'daemonset' ? daemonset() : undefined;
  if (!schema) {
    ctx.addIssue({ code: 'custom', message: `expected a workload with type: service, batch, job, daemonset or trace (or {manifests: FILE} or {compose: FILE}), got ${o ? `type ${JSON.stringify(o.type)}` : JSON.stringify(v)}`, path: o && 'type' in o ? ['type'] : [] });
    return z.NEVER;
  }
  const r = (schema as z.ZodType).safeParse(v);
  if (!r.success) {
    forwardIssues(ctx, r.error.issues);
    return z.NEVER;
  }
  return r.data as Built<typeof service> | Built<typeof job> | Built<typeof batch> | Built<typeof trace> | Built<typeof daemonset> | Built<typeof manifests> | Built<typeof compose>;
}), () => z.union([service(), job(), batch(), daemonset(), trace(), manifests(), compose()]));

const pool = z.strictObject({
  name,
  count: nodeCount(0),
  zones: z.array(z.string().min(1)).min(1).optional(),
  racksPerZone: z.number().int().min(1).optional(),
  resources: z.strictObject({
    cpu: milliCPUSchema,
    memory: bytesSchema,
    'nvidia.com/gpu': gpuSchema.optional(),
    gpu: gpuSchema.optional(),
    'ephemeral-storage': bytesSchema.optional(),
    pods: z.number().int().min(1).optional(),
  }),
  gpuModel: z.string().min(1).optional(),
  instanceType: z.string().min(1).optional(),
  labels: labels.optional(),
  taints: z.array(taint).optional(),
  unschedulable: z.boolean().optional(),
  /** What one node costs per hour (any currency); node-hours x price is reported. */
  pricePerHour: z.number().min(0).optional(),
  /** Docker Swarm: the nodes' role (default worker), for node.role constraints. */
  role: z.enum(['manager', 'worker']).optional(),
  /** Docker Swarm: the engine's labels (engine.labels.* constraints and spread preferences). */
  engineLabels: labels.optional(),
  /** Docker Swarm: node.platform.os / arch (default: the kubernetes.io/os and kubernetes.io/arch labels, else linux / amd64). */
  platform: lazySection(() => z.strictObject({ os: z.string().min(1).optional(), arch: z.string().min(1).optional() })).optional(),
  /** A node group the cluster autoscaler sizes: one group per zone when the pool has zones. */
  autoscaling: lazySection(() => z.strictObject({
    min: nodeCount(0),
    max: nodeCount(0),
    /** Scale-up request to ready node (default: uniform 3-4 minutes, cloud VMs). */
    provisioningDelay: distributionSchema(durationSchema).optional(),
    /** max-node-provision-time: slower nodes count as a failed scale-up (default 15m). */
    maxProvisionTime: durationSchema.optional(),
    /** For the priority expander (higher first). */
    priority: z.number().int().optional(),
  }).refine((a) => a.min <= a.max, { message: 'min must be <= max', path: ['min'] })).optional(),
});

const pluginConfig = z.strictObject({
  name: z.string().min(1),
  weight: z.number().int().min(0).max(100).optional(),
  args: z.unknown().optional(),
});

/** Every TieBreak of the policy API; the assertion below stops compiling if one is left out. */
const TIE_BREAKS = ['random', 'first', 'rank'] as const satisfies readonly TieBreak[];
const everyTieBreak: [Exclude<TieBreak, (typeof TIE_BREAKS)[number]>] extends [never] ? true : false = true;
void everyTieBreak;

export const profileSchema = z.strictObject({
  name: z.string().min(1),
  description: z.string().optional(),
  plugins: z.array(pluginConfig).min(1),
  percentageOfNodesToScore: z.number().int().min(0).max(100).optional(),
  tieBreak: z.enum(TIE_BREAKS).optional(),
});

const failureProcess = lazily(() => z.strictObject({
  name,
  /** gpu: every GPU device of the (selected) nodes fails on its own. */
  domain: z.enum(['node', 'rack', 'zone', 'gpu']),
  /** Only nodes of these pools (e.g. GPU nodes fail more often). */
  pools: z.array(z.string().min(1)).min(1).optional(),
  timeBetweenFailures: distributionSchema(durationSchema),
  repairTime: distributionSchema(durationSchema),
  /** Fraction of the domain's nodes each failure takes down (correlated failures); default 1. */
  fraction: z.number().gt(0).max(1).optional(),
}));

const outage = lazily(() => z.strictObject({
  name: name.optional(),
  at: durationSchema,
  duration: durationSchema.refine((v) => v > 0, 'duration must be > 0'),
  node: z.string().min(1).optional(),
  rack: z.string().min(1).optional(),
  zone: z.string().min(1).optional(),
  /** A planned drain (cordon, then evict through the eviction API) instead of a failure. */
  drain: z.boolean().optional(),
  /** kubectl drain --timeout: give up on evictions a PodDisruptionBudget still refuses (0 = wait without end). */
  drainTimeout: durationSchema.optional(),
}).refine((o) => [o.node, o.rack, o.zone].filter((x) => x !== undefined).length === 1, { message: 'name exactly one domain: node, rack or zone' })
  .refine((o) => o.drainTimeout === undefined || o.drain === true, { message: 'drainTimeout needs drain: true', path: ['drainTimeout'] }));

/** Failures replayed from a trace file (path relative to the scenario). */
const failureTrace = lazily(() => z.strictObject({
  name: name.optional(),
  format: z.enum(['lanl', 'uptime']),
  file: z.string().min(1),
  /** lanl: which system's records to replay. */
  system: z.number().int().min(0).optional(),
  /** lanl: how the system's node numbers map onto cluster nodes (default modulo). */
  mapping: z.enum(['modulo', 'sequential']).optional(),
}).refine((t) => t.format !== 'lanl' || t.system !== undefined, { message: 'a lanl trace needs `system` (which LANL system to replay)', path: ['system'] }));

const failures = lazily(() => z.strictObject({
  /** Sets the node monitor grace period: 40s before Kubernetes 1.32, 50s from 1.32. */
  kubernetesVersion: z.string().regex(/^1\.\d+$/, 'expected a version like "1.31"').optional(),
  nodeMonitorGracePeriod: durationSchema.optional(),
  tolerationSeconds: durationSchema.optional(),
  zoneLabel: z.string().min(1).optional(),
  rackLabel: z.string().min(1).optional(),
  processes: z.array(failureProcess()).default([]),
  outages: z.array(outage()).default([]),
  traces: z.array(failureTrace()).default([]),
}));

/** An IntOrString count or "NN%" (policy/v1 validation: non-negative, at most 100%). */
const budgetIntOrPercent = lazily(() => z.union([
  z.number().int().min(0),
  z.string().regex(/^\d+%$/, 'expected an integer or a percent such as "50%"').refine((v) => Number(v.slice(0, -1)) <= 100, 'a percent must be at most 100%'),
]));

/** A PodDisruptionBudget (policy/v1): which pods, and how many voluntary evictions may take down. */
const disruptionBudget = lazily(() => z.strictObject({
  name,
  namespace: z.string().min(1).optional(),
  /** `workload: NAME` selects that service's or job's pods (its pod labels); or a label selector. */
  selector: z.strictObject({
    workload: z.string().min(1).optional(),
    matchLabels: labels.optional(),
    matchExpressions: labelSelector.shape.matchExpressions,
  }).refine((s) => s.workload !== undefined || Object.keys(s.matchLabels ?? {}).length + (s.matchExpressions?.length ?? 0) > 0, { message: 'select pods: workload, matchLabels or matchExpressions' })
    .refine((s) => s.workload === undefined || (s.matchLabels === undefined && s.matchExpressions === undefined), { message: 'workload selects by the workload\'s labels: give it alone, or use matchLabels / matchExpressions' }),
  minAvailable: budgetIntOrPercent().optional(),
  maxUnavailable: budgetIntOrPercent().optional(),
  unhealthyPodEvictionPolicy: z.enum(['IfHealthyBudget', 'AlwaysAllow']).default('IfHealthyBudget'),
}).refine((b) => (b.minAvailable === undefined) !== (b.maxUnavailable === undefined), { message: 'set exactly one of minAvailable and maxUnavailable (as kubectl create pdb requires)' }));

export const scenarioSchema = z.strictObject({
  name: z.string().min(1).optional(),
  description: z.string().optional(),
  // The descriptions of the top-level keys are what editors show on hover (orchsim schema).
  seed: z.number().int().min(0).max(2 ** 32 - 1).default(1).describe('Seed of every random stream (arrivals, durations, failures, tie-breaks); same seed, same result. Default 1.'),
  horizon: durationSchema.refine((v) => v > 0, 'horizon must be > 0')
    .refine((v) => v <= MAX_HORIZON_SECONDS, `horizon must be at most ${MAX_HORIZON_SECONDS / 86400}d (100 years, the limit)`).default(86400)
    .describe('Simulated time the run covers, e.g. "7d". Default 1d.'),
  sampleInterval: durationSchema.default(300).describe('Interval of the time series; 0: none. Default 5m.'),
  plugins: z.array(z.string().min(1)).optional().describe('Users\' plugin modules (paths relative to the scenario file), loaded before the profile is resolved.'),
  orchestrator: z.enum(['kubernetes', 'swarm']).default('kubernetes').describe('Which orchestrator\'s controllers run the workloads: Kubernetes (default) or Docker Swarm mode.'),
  /** Docker Swarm cluster settings (read with orchestrator: swarm). */
  swarm: lazySection(() => z.strictObject({
    /** dispatcher.heartbeat_period (docker swarm update --dispatcher-heartbeat); 5 s by default. */
    heartbeatPeriod: durationSchema.refine((v) => v > 0 && v <= 3600, 'heartbeatPeriod must be > 0 and at most 1h').optional(),
  })).optional(),
  scheduler: z.strictObject({
    profile: z.union([z.string().min(1), profileSchema]).default('default'),
    queue: z.enum(['kubernetes', 'fifo']).default('kubernetes'),
    profiles: z.array(profileSchema).optional(),
  }).default({ profile: 'default', queue: 'kubernetes' }),
  cluster: z.strictObject({
    pools: z.array(pool).default([]),
    manifests: z.array(z.string().min(1)).default([]),
    /** Alibaba openb node lists (sn,cpu_milli,memory_mib,gpu,model). */
    openbNodes: z.array(z.string().min(1)).default([]),
  }),
  workloads: z.array(workload).default([]).describe('Services, jobs, batch streams, DaemonSets and traces (type: ...), or {manifests: FILE} / {compose: FILE}.'),
  rollouts: lazySection(() => z.array(rolloutEvent())).optional().describe('Template changes and rollbacks of services over time (Deployment rollouts).'),
  failures: lazySection(failures).optional().describe('Random failure processes, scheduled outages and drains, replayed failure traces, and detection timings.'),
  queueing: lazySection(queueingSchema).optional().describe('Kueue: flavors, ClusterQueues with quotas and cohorts, LocalQueues; workloads name a LocalQueue with `queue`.'),
  disruptionBudgets: lazySection(() => z.array(disruptionBudget())).optional().describe('PodDisruptionBudgets: drains and autoscaler scale-downs evict through the eviction API.'),
  /** ResourceQuotas (core/v1): per namespace, hard limits on what its non-terminal pods request. */
  resourceQuotas: lazySection(() => z.array(z.strictObject({
    name: z.string().min(1).optional(),
    namespace: z.string().min(1).default('default'),
    hard: z.strictObject({
      'requests.cpu': milliCPUSchema.optional(),
      cpu: milliCPUSchema.optional(),
      'requests.memory': bytesSchema.optional(),
      memory: bytesSchema.optional(),
      'requests.nvidia.com/gpu': gpuSchema.optional(),
      pods: z.number().int().min(0).optional(),
    }).refine((h) => Object.values(h).some((v) => v !== undefined), 'give at least one of requests.cpu, requests.memory, requests.nvidia.com/gpu, pods'),
  }))).optional(),
  /** The cluster autoscaler over the pools with `autoscaling` (options as the policy defines them). */
  clusterAutoscaler: lazySection(() => z.strictObject({
    /** cluster-autoscaler, karpenter, or one a plugin module exports (clusterAutoscalers). */
    policy: z.string().min(1).default('cluster-autoscaler'),
    options: z.record(z.string(), z.unknown()).optional(),
  })).optional(),
  /**
   * What `orchsim compare` compares when no --profiles are given: arms (a scheduler profile,
   * and/or changes merged into this scenario, e.g. another autoscaler), over common seeds.
   */
  compare: lazySection(() => z.strictObject({
    /** Seeds per arm: the scenario seed and the ones after it. */
    seeds: z.number().int().min(1).max(100_000).default(10),
    /** The arm the others are compared with; the first arm by default. */
    baseline: z.string().min(1).optional(),
    confidence: z.number().gt(0).lt(1).default(0.95),
    /** Shorthand: one arm per scheduler profile, named after it. */
    profiles: z.array(z.string().min(1)).optional(),
    arms: z.array(z.strictObject({
      name: z.string().min(1).regex(/^[^|]+$/, 'must not contain "|"'),
      /** Scheduler profile of this arm (built-in or from scheduler.profiles). */
      profile: z.string().min(1).optional(),
      /** Merged into the scenario for this arm (mappings merge key by key; lists and values replace). */
      set: z.record(z.string(), z.unknown()).optional(),
    })).optional(),
  })).optional(),
}).refine((d) => d.sampleInterval === 0 || d.horizon / d.sampleInterval <= MAX_SAMPLES, {
  message: `horizon / sampleInterval must be at most ${formatCount(MAX_SAMPLES)} samples (the limit): raise sampleInterval, or set it to 0 for no time series`,
  path: ['sampleInterval'],
});

export type ScenarioInput = z.input<typeof scenarioSchema>;
export type ScenarioDoc = z.output<typeof scenarioSchema>;
export type PoolDoc = z.output<typeof pool>;
export type WorkloadDoc = z.output<typeof workload>;
export type ProfileDoc = z.output<typeof profileSchema>;
export type FailuresDoc = Built<typeof failures>;
export type DisruptionBudgetDoc = Built<typeof disruptionBudget>;
export type HpaDoc = Built<typeof hpa>;
export type LoadDoc = Built<typeof load>;
export type ServiceDoc = Built<typeof service>;
export type RolloutDoc = Built<typeof rolloutEvent>;

import { POD_GROUP_LABEL } from '../../api/podgroup.js';
import { DEFAULT_SCHEDULER_NAME, type PodSpec } from '../../api/pod.js';
import { resources } from '../../api/resources.js';
import { DEFAULT_DEPLOYMENT_SETTINGS, PROBE_DEFAULTS, type ContainerProbes, type CrashModel, type DeploymentSettings, type ProbeTiming, type TemplatePatch, type Workload } from '../../api/workload.js';
import type { SwarmServiceSettings } from '../../api/swarm.js';
import type { Distribution } from '../../api/distribution.js';
import { InputError, issueAt } from '../../util/errors.js';
import { readScenarioDeploy } from '../../workloads/compose-deploy.js';
import { readStack } from '../../workloads/compose.js';
import { IssueList } from '../../workloads/kube-fields.js';
import { fixedIntervalArrivals, poissonArrivals } from '../../workloads/arrivals.js';
import { parseAzureLlmTrace, rateBins, rateBinsIssue } from '../../workloads/azure-llm.js';
import { sizedPodSpecs } from '../../workloads/batch.js';
import { formatCount, MAX_PODS_PER_WORKLOAD } from '../../workloads/input-limits.js';
import { loadCurveIssues, type LoadCurveSpec, type RateBins } from '../../workloads/load.js';
import { openbPodList, readOpenbPods } from '../../workloads/openb.js';
import { readSwf, swfNoPodsMessage, swfWorkload } from '../../workloads/swf.js';
import type { ServiceModel } from '../resolve.js';
import type { LoadDoc, ScenarioDoc, ServiceDoc, WorkloadDoc } from '../schema.js';
import { resolveHpa } from './autoscaling.js';
import { addIssue, issueError, readReferencedFile, type DocPath, type ResolveContext } from './context.js';

const NO_DELAY: Distribution = { kind: 'fixed', value: 0 };
const startup = (d: Distribution | undefined) => d ?? NO_DELAY;

type TraceDoc = Extract<WorkloadDoc, { type: 'trace' }>;

/** Workloads in the order they are created, and where each comes from in the file (for duplicate names). */
export interface WorkloadList {
  readonly workloads: Workload[];
  readonly sources: DocPath[];
}

/** The workloads the scenario declares itself, and the files it names for more (read later, in order). */
export interface DeclaredWorkloads extends WorkloadList {
  /** Load models and HPAs of services, by service name. */
  readonly serviceModels: Map<string, ServiceModel>;
  /** `manifests:` entries of the workloads list. */
  readonly manifestFiles: { readonly name: string; readonly path: DocPath }[];
  /** `compose:` entries of the workloads list (docker stack deploy files). */
  readonly stackFiles: { readonly name: string; readonly stack?: string | undefined; readonly path: DocPath }[];
  /** Trace replays (openb pod lists, SWF logs). */
  readonly traces: { readonly w: TraceDoc; readonly path: DocPath }[];
}

/**
 * The workloads section as written: services (with their load models and HPAs), jobs and batch
 * streams become workloads; manifests and traces are noted for reading once the scenario's own
 * mistakes are reported. Issues are collected.
 */
export function resolveWorkloads(doc: ScenarioDoc, ctx: ResolveContext): DeclaredWorkloads {
  const out: DeclaredWorkloads = { workloads: [], sources: [], serviceModels: new Map(), manifestFiles: [], stackFiles: [], traces: [] };
  doc.workloads.forEach((w, i) => {
    if ('manifests' in w) {
      out.manifestFiles.push({ name: w.manifests, path: ['workloads', i, 'manifests'] });
      return;
    }
    if ('compose' in w) {
      out.stackFiles.push({ name: w.compose, stack: w.stack, path: ['workloads', i, 'compose'] });
      return;
    }
    const path = ['workloads', i];
    const swarm = 'deploy' in w && w.deploy !== undefined ? { swarm: swarmSettings(w.deploy, [...path, 'deploy'], ctx) } : {};
    const add = (workload: Workload) => {
      out.workloads.push(workload.kind === 'pods' ? workload : { ...workload, ...swarm });
      out.sources.push([...path, 'name']);
    };
    switch (w.type) {
      case 'service':
        if (w.load || w.autoscaling) {
          out.serviceModels.set(w.name, {
            load: w.load ? resolveLoad(w.load, [...path, 'load'], doc.horizon, ctx) : undefined,
            hpa: w.autoscaling ? resolveHpa(w.autoscaling, [...path, 'autoscaling'], ctx) : undefined,
          });
          const hpa = w.autoscaling;
          if (hpa && (w.replicas < (hpa.minReplicas ?? 1) || w.replicas > hpa.maxReplicas)) {
            addIssue(ctx, [...path, 'replicas'], `replicas ${w.replicas} is outside the autoscaling range [${hpa.minReplicas ?? 1}, ${hpa.maxReplicas}]`);
          }
        }
        add({ kind: 'service', name: w.name, spec: templateSpec(w, true), replicas: w.replicas, startAt: w.startAt ?? 0, startup: startup(w.startup), minAvailable: w.minAvailable, crashes: crashModel(w.crashes, w.livenessProbe), deployment: deploymentSettings(w), ...probeFields(w) });
        break;
      case 'job': {
        const gang = w.gang ? { minMember: w.gang.minMember ?? w.parallelism, scheduleTimeoutSeconds: w.gang.scheduleTimeout } : undefined;
        if (gang && gang.minMember > Math.min(w.parallelism, w.completions)) {
          addIssue(ctx, [...path, 'gang', 'minMember'], `minMember ${gang.minMember} is more than the pods the Job runs at once (${Math.min(w.parallelism, w.completions)}): its group could never be scheduled`);
        }
        const spec = templateSpec(w, false);
        add({ kind: 'job', name: w.name, spec: gang ? { ...spec, labels: { ...spec.labels, [POD_GROUP_LABEL]: w.name } } : spec, completions: w.completions, parallelism: w.parallelism, startAt: w.startAt ?? 0, duration: w.duration, startup: startup(w.startup), backoffLimit: w.backoffLimit, crashes: crashModel(w.crashes, w.livenessProbe), ...(w.queue !== undefined ? { queue: w.queue } : {}), ...probeFields(w), ...(gang ? { gang } : {}) });
        break;
      }
      case 'trace':
        // Trace files are read after the manifests, relative to the scenario file.
        out.traces.push({ w, path });
        break;
      case 'batch': {
        const batch = batchWorkload(w, path, doc.horizon, ctx);
        if (batch) add(batch);
        break;
      }
      case 'daemonset':
        // A DaemonSet's pods get no system-default topology spread constraints (only Services, ReplicaSets and StatefulSets do).
        add({ kind: 'daemonset', name: w.name, spec: templateSpec(w, false), startup: startup(w.startup), hostNetwork: w.hostNetwork, crashes: crashModel(w.crashes, w.livenessProbe), ...probeFields(w) });
        break;
    }
  });
  return out;
}

/**
 * A workload's `deploy:` (Compose syntax, the Swarm settings only) as its Swarm settings; issues
 * and warnings at their positions in the scenario file.
 */
function swarmSettings(deploy: unknown, path: DocPath, ctx: ResolveContext): SwarmServiceSettings {
  const out = new IssueList(ctx.file, ctx.locate);
  const settings = readScenarioDeploy(deploy, path, { out, warn: (_key, p, message) => ctx.warnings.push(issueAt(ctx.file, ctx.locate, p, message)) });
  ctx.issues.push(...out.issues);
  return settings;
}

/**
 * Appends the services of the stack files (`compose:` entries), read relative to the scenario;
 * their warnings join the scenario's.
 */
export function addStackWorkloads(list: WorkloadList, files: DeclaredWorkloads['stackFiles'], ctx: ResolveContext): void {
  for (const { name, stack, path } of files) {
    const { abs, text } = readReferencedFile(ctx, name, path, 'stack');
    const read = readStack(text, name.startsWith('/') ? name : abs, { stack });
    for (const w of read.workloads) {
      list.workloads.push(w);
      list.sources.push(path);
    }
    ctx.warnings.push(...read.warnings);
  }
}

/** A batch stream: its window, arrival process and pod sizes; undefined (and an issue) when it cannot run. */
function batchWorkload(w: Extract<WorkloadDoc, { type: 'batch' }>, path: DocPath, horizon: number, ctx: ResolveContext): Workload | undefined {
  const start = w.start ?? 0;
  const end = Math.min(w.end ?? horizon, horizon);
  if (end < start) {
    addIssue(ctx, [...path, 'end'], `end (${end}s) is before start (${start}s)`);
    return undefined;
  }
  // Checked before the arrival process is built (it throws on a rate or interval of 0).
  const ratePath = 'poisson' in w.arrival ? [...path, 'arrival', 'poisson', 'rate'] : [...path, 'arrival', 'interval'];
  const rate = 'poisson' in w.arrival ? w.arrival.poisson.rate : 1 / w.arrival.interval;
  if (!(rate > 0 && Number.isFinite(rate))) {
    addIssue(ctx, ratePath, 'poisson' in w.arrival ? 'rate must be > 0' : 'interval must be > 0');
    return undefined;
  }
  // Without a count, the window bounds the stream: refuse one that would create more pods than a workload may.
  const expected = ('poisson' in w.arrival ? rate * (end - start) : Math.floor((end - start) * rate) + 1) * (w.gang?.size ?? 1);
  if (w.count === undefined && expected > MAX_PODS_PER_WORKLOAD) {
    addIssue(ctx, ratePath, `this stream would create about ${formatCount(Math.round(expected))} pods from ${start}s to ${end}s, more than the limit of ${formatCount(MAX_PODS_PER_WORKLOAD)} pods per workload: lower the rate, shorten the window or set \`count\``);
    return undefined;
  }
  const arrivals = 'poisson' in w.arrival
    ? poissonArrivals(w.arrival.poisson.rate, start, end)
    : fixedIntervalArrivals(w.arrival.interval, start, end);
  const req = w.requests ?? {};
  const template = templateSpec({ ...w, requests: undefined }, false);
  const pods = sizedPodSpecs(template, { milliCPU: req.cpu, memory: req.memory, milliGPU: req['nvidia.com/gpu'] ?? req.gpu });
  const g = w.gang;
  if (g && (g.minMember ?? g.size) > g.size) {
    addIssue(ctx, [...path, 'gang', 'minMember'], `minMember ${g.minMember} is more than the gang's size ${g.size}: its groups could never be scheduled`);
    return undefined;
  }
  const gang = g ? { gang: { size: g.size, minMember: g.minMember ?? g.size, scheduleTimeoutSeconds: g.scheduleTimeout } } : {};
  return { kind: 'batch', name: w.name, arrivals, pods, duration: w.duration, startup: startup(w.startup), maxPods: w.count ?? Infinity, crashes: crashModel(w.crashes, w.livenessProbe), ...(w.queue !== undefined ? { queue: w.queue } : {}), ...probeFields(w), ...gang };
}

/** Appends the workloads replayed from traces (openb pod lists, SWF logs), read relative to the scenario. */
export function addTraceWorkloads(list: WorkloadList, traces: DeclaredWorkloads['traces'], ctx: ResolveContext): void {
  for (const { w, path } of traces) {
    const { abs, text } = readReferencedFile(ctx, w.file, [...path, 'file'], 'trace');
    let workload: Workload;
    if (w.format === 'openb') {
      const pods = readOpenbPods(text, abs);
      try {
        workload = openbPodList(pods, w.name, { useTimes: w.useTimes ?? true, startup: w.startup });
      } catch (e) {
        // E.g. the multigpu lists have no time columns: replaying their times is a user mistake.
        throw issueError(ctx, [...path, 'useTimes'], `${e instanceof Error ? e.message : String(e)}; set useTimes: false to place every pod at time 0`);
      }
    } else {
      const jobs = readSwf(text, abs);
      const swf = swfWorkload(jobs, w.name, { milliCpuPerProcessor: w.cpuPerProcessor, memoryPerProcessor: w.memoryPerProcessor, startAtZero: w.startAtZero ?? true, startup: w.startup });
      // As the other readers refuse a trace without rows: a log whose every job is skipped.
      if (swf.workload.pods.length === 0) throw issueError(ctx, [...path, 'file'], swfNoPodsMessage(abs, swf));
      workload = swf.workload;
    }
    list.workloads.push(workload);
    list.sources.push([...path, 'name']);
  }
}

/**
 * A service's Deployment settings as written (KUBERNETES.md 7.1 defaults for what is left out,
 * each of maxSurge and maxUnavailable defaulted on its own as SetDefaults_Deployment does);
 * undefined when the service says nothing about them.
 */
export function deploymentSettings(w: ServiceDoc): DeploymentSettings | undefined {
  if (w.strategy === undefined && w.minReadySeconds === undefined && w.progressDeadlineSeconds === undefined && w.rollbackOnFailure === undefined) return undefined;
  const d = DEFAULT_DEPLOYMENT_SETTINGS;
  const st = w.strategy;
  return {
    strategy: st?.type === 'Recreate'
      ? { type: 'Recreate' }
      : { type: 'RollingUpdate', maxSurge: (st?.rollingUpdate?.maxSurge ?? '25%') as `${number}%` | number, maxUnavailable: (st?.rollingUpdate?.maxUnavailable ?? '25%') as `${number}%` | number },
    minReadySeconds: w.minReadySeconds ?? d.minReadySeconds,
    progressDeadlineSeconds: w.progressDeadlineSeconds ?? d.progressDeadlineSeconds,
    rollbackOnFailure: w.rollbackOnFailure ?? d.rollbackOnFailure,
  };
}

/** Liveness probe defaults: periodSeconds 10, failureThreshold 3 (KUBERNETES.md section 3); a livenessProbe's values win. */
export function crashModel(c: PodWorkloadDoc['crashes'], liveness?: PodWorkloadDoc['livenessProbe']): CrashModel | undefined {
  if (!c) return undefined;
  return {
    timeBetweenCrashes: c.every,
    hangFraction: c.hangFraction ?? 0,
    livenessPeriod: liveness ? liveness.periodSeconds ?? PROBE_DEFAULTS.periodSeconds : c.livenessPeriod ?? 10,
    livenessFailureThreshold: liveness ? liveness.failureThreshold ?? PROBE_DEFAULTS.failureThreshold : c.livenessFailureThreshold ?? 3,
  };
}

/** A probe with upstream's defaults filled in (pkg/apis/core/v1/defaults.go SetDefaults_Probe). */
function probeTiming(p: NonNullable<PodWorkloadDoc['livenessProbe']>): ProbeTiming {
  const d = PROBE_DEFAULTS;
  return {
    initialDelaySeconds: p.initialDelaySeconds ?? d.initialDelaySeconds,
    periodSeconds: p.periodSeconds ?? d.periodSeconds,
    timeoutSeconds: p.timeoutSeconds ?? d.timeoutSeconds,
    successThreshold: p.successThreshold ?? d.successThreshold,
    failureThreshold: p.failureThreshold ?? d.failureThreshold,
  };
}

/** A rollout's probe changes (null removes a kind), as a field to spread into its template patch. */
export function probesPatch(set: { readinessProbe?: PodWorkloadDoc['readinessProbe'] | null; startupProbe?: PodWorkloadDoc['startupProbe'] | null; livenessProbe?: PodWorkloadDoc['livenessProbe'] | null }): Pick<TemplatePatch, 'probes'> {
  const { readinessProbe: r, startupProbe: s, livenessProbe: l } = set;
  if (r === undefined && s === undefined && l === undefined) return {};
  return {
    probes: {
      ...(r !== undefined ? { readiness: r && { ...probeTiming(r), neverReadyFraction: r.neverReadyFraction ?? 0 } } : {}),
      ...(s !== undefined ? { startup: s && probeTiming(s) } : {}),
      ...(l !== undefined ? { liveness: l && probeTiming(l) } : {}),
    },
  };
}

/** The workload's probes, as a field to spread into it (nothing without probes, so such workloads stay as they were). */
export function probeFields(w: Pick<PodWorkloadDoc, 'readinessProbe' | 'startupProbe' | 'livenessProbe'>): { probes?: ContainerProbes } {
  if (!w.readinessProbe && !w.startupProbe && !w.livenessProbe) return {};
  const r = w.readinessProbe;
  return {
    probes: {
      ...(r ? { readiness: { ...probeTiming(r), neverReadyFraction: r.neverReadyFraction ?? 0 } } : {}),
      ...(w.startupProbe ? { startup: probeTiming(w.startupProbe) } : {}),
      ...(w.livenessProbe ? { liveness: probeTiming(w.livenessProbe) } : {}),
    },
  };
}

/** The load model of a service document, validated (trace files are read here). */
function resolveLoad(l: LoadDoc, path: DocPath, horizon: number, ctx: ResolveContext): NonNullable<ServiceModel['load']> {
  let trace: RateBins | undefined;
  let curveBase: LoadCurveSpec['base'];
  if (l.trace) {
    const { abs, text } = readReferencedFile(ctx, l.trace.file, [...path, 'trace', 'file'], 'trace');
    const { arrivals } = parseAzureLlmTrace(text, abs);
    const tooMany = rateBinsIssue(arrivals, l.trace.binSeconds ?? 60);
    if (tooMany) throw issueError(ctx, [...path, 'trace', l.trace.binSeconds === undefined ? 'file' : 'binSeconds'], tooMany);
    trace = rateBins(arrivals, l.trace.binSeconds ?? 60);
    curveBase = { trace: { timeScale: l.trace.timeScale, rateScale: l.trace.rateScale, loop: l.trace.loop } };
  } else if (l.diurnal) {
    curveBase = { diurnal: l.diurnal };
  } else {
    curveBase = { constant: l.constant! };
  }
  const curve: LoadCurveSpec = {
    base: curveBase,
    steps: l.steps,
    spikes: l.spikes,
    bursts: l.bursts ? { rate: 1 / l.bursts.every, factor: l.bursts.factor, duration: l.bursts.duration, ramp: l.bursts.ramp } : undefined,
  };
  const issues = loadCurveIssues(curve, { horizon, trace });
  if (issues.length > 0) {
    throw new InputError(issues.map((i) => {
      // The curve's paths (base.diurnal.amplitude) map onto the file's (load.diurnal.amplitude).
      const p = [...path, ...(i.path[0] === 'base' ? i.path.slice(1) : i.path)];
      return issueAt(ctx.file, (q) => ctx.locate(q) ?? ctx.locate(path), p, i.message);
    }));
  }
  return {
    curve,
    trace,
    capacityPerReplica: l.capacityPerReplica,
    utilizationAtCapacity: l.utilizationAtCapacity ?? 1,
    maxUtilization: l.maxUtilization ?? 1,
    memoryUtilization: l.memoryUtilization ?? 0.5,
    slo: l.slo ?? 0.99,
    step: l.step ?? 10,
  };
}

type PodWorkloadDoc = Exclude<WorkloadDoc, { manifests: string } | { compose: string } | { type: 'trace' }>;

function templateSpec(w: PodWorkloadDoc, ownerSelector: boolean): PodSpec {
  const req = w.requests ?? {};
  const fixed = (v: unknown): number => (typeof v === 'number' ? v : 0);
  const labels = w.labels ?? { app: w.name };
  return {
    namespace: w.namespace ?? 'default',
    labels,
    priority: w.priority ?? 0,
    ...(w.preemptionPolicy !== undefined ? { preemptionPolicy: w.preemptionPolicy } : {}),
    ...(w.annotations !== undefined ? { annotations: w.annotations } : {}),
    ...(w.terminationGracePeriodSeconds !== undefined ? { terminationGracePeriodSeconds: w.terminationGracePeriodSeconds } : {}),
    // The default scheduler's pods leave it unset, so the scheduler's per-pod lookup is one comparison.
    ...(w.schedulerName !== undefined && w.schedulerName !== DEFAULT_SCHEDULER_NAME ? { schedulerName: w.schedulerName } : {}),
    requests: resources({
      milliCPU: fixed(req.cpu),
      memory: fixed(req.memory),
      milliGPU: fixed(req['nvidia.com/gpu'] ?? req.gpu),
      ephemeralStorage: fixed(req['ephemeral-storage']),
    }),
    nodeSelector: w.nodeSelector,
    affinity: w.affinity,
    tolerations: 'tolerationSeconds' in w && w.tolerationSeconds !== undefined
      ? [...(w.tolerations ?? []), { key: 'node.kubernetes.io/unreachable', operator: 'Exists' as const, effect: 'NoExecute' as const, tolerationSeconds: w.tolerationSeconds }]
      : w.tolerations,
    topologySpreadConstraints: w.topologySpreadConstraints,
    gpuModels: w.gpuModels,
    // A Deployment's ReplicaSet selects its pods by their labels; system-default spreading uses it.
    ownerSelector: ownerSelector ? { matchLabels: labels } : undefined,
  };
}

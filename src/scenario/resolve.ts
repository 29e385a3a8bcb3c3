import { dirname, resolve as resolvePath } from 'node:path';
import type { ProfileConfig } from '../api/framework.js';
import { WellKnownLabel, type Taint } from '../api/node.js';
import type { PodSpec } from '../api/pod.js';
import { resources } from '../api/resources.js';
import type { ProfileRegistry } from '../schedulers/registry.js';
import type { NodeSpec } from '../api/node.js';
import type { SimNodeGroup } from '../sim/simulation.js';
import type { CrashModel, ServiceLoad, Workload } from '../api/workload.js';
import { fixedIntervalArrivals, poissonArrivals } from '../workloads/arrivals.js';
import { sizedPodSpecs } from '../workloads/batch.js';
import { readManifests } from '../workloads/manifests.js';
import { openbPodList, readOpenbNodes, readOpenbPods } from '../workloads/openb.js';
import { readSwf, swfWorkload } from '../workloads/swf.js';
import { lanlFailures, readLanl, readUptime, uptimeFailures } from '../workloads/failure-traces.js';
import type { Distribution } from '../api/distribution.js';
import { InputError, type InputIssue } from '../util/errors.js';
import type { Locator } from './load.js';
import type { FailuresDoc, HpaDoc, LoadDoc, PoolDoc, ScenarioDoc, WorkloadDoc } from './schema.js';
import type { HorizontalPodAutoscalerSpec, MetricSpec } from '../api/autoscaling.js';
import { hpaSpec, validateHpaSpec } from '../autoscalers/hpa-spec.js';
import { CLUSTER_AUTOSCALERS } from '../autoscalers/registry.js';
import { parseDuration } from '../util/quantity.js';
import { loadCurveIssues, type LoadCurveSpec, type RateBins } from '../workloads/load.js';
import { parseAzureLlmTrace, rateBins } from '../workloads/azure-llm.js';
import { formatCount, MAX_MANIFEST_BYTES, MAX_NODES, MAX_PODS_PER_WORKLOAD, MAX_TRACE_BYTES, readLimitedText } from '../workloads/input-limits.js';
import { NO_FAILURES, type FailureConfig, type FailureDomain } from '../sim/failures.js';

/** Label carrying a node's rack (orchsim convention; Kubernetes has no well-known rack label). */
export const RACK_LABEL = 'orchsim.io/rack';
/** GPU model label as set by NVIDIA GPU feature discovery. */
export const GPU_MODEL_LABEL = 'nvidia.com/gpu.product';
export const POOL_LABEL = 'orchsim.io/pool';

const NO_DELAY: Distribution = { kind: 'fixed', value: 0 };

/** Liveness probe defaults: periodSeconds 10, failureThreshold 3 (KUBERNETES.md section 3). */
function crashModel(c: PodWorkloadDoc['crashes']): CrashModel | undefined {
  if (!c) return undefined;
  return { timeBetweenCrashes: c.every, hangFraction: c.hangFraction ?? 0, livenessPeriod: c.livenessPeriod ?? 10, livenessFailureThreshold: c.livenessFailureThreshold ?? 3 };
}

/** Everything the engine needs, resolved from a scenario document. */
export interface ResolvedScenario {
  readonly name: string;
  readonly file: string;
  readonly seed: number;
  readonly horizon: number;
  readonly sampleInterval: number;
  readonly nodes: NodeSpec[];
  readonly workloads: Workload[];
  readonly profile: ProfileConfig;
  readonly queue: 'kubernetes' | 'fifo';
  readonly failures?: FailureConfig | undefined;
  /** Autoscaled node groups (pools with `autoscaling`, one group per zone). */
  readonly nodeGroups?: readonly SimNodeGroup[] | undefined;
  /** Load models and HPAs of services, by service name (policies and curves are built per run). */
  readonly serviceModels?: ReadonlyMap<string, ServiceModel> | undefined;
  /** The cluster autoscaler policy and its options, instantiated per run. */
  readonly clusterAutoscaler?: { readonly policy: string; readonly options: Record<string, unknown> } | undefined;
}

/** A service's load model and HPA as data; runner.ts builds the run's curve and policy from it. */
export interface ServiceModel {
  /** ServiceLoad with the curve as its spec (and trace bins), before a run builds it. */
  readonly load?: Omit<ServiceLoad, 'curve'> & { readonly curve: LoadCurveSpec; readonly trace?: RateBins | undefined } | undefined;
  readonly hpa?: { readonly spec: HorizontalPodAutoscalerSpec; readonly syncPeriod: number } | undefined;
}

/** The load model of a service document, validated (trace files are read here). */
function resolveLoad(l: LoadDoc, path: (string | number)[], horizon: number, base: string, file: string, locate: Locator): NonNullable<ServiceModel['load']> {
  let trace: RateBins | undefined;
  let curveBase: LoadCurveSpec['base'];
  if (l.trace) {
    const abs = resolvePath(base, l.trace.file);
    const text = readText(abs, [...path, 'trace', 'file'], file, locate, 'trace');
    trace = rateBins(parseAzureLlmTrace(text, abs).arrivals, l.trace.binSeconds ?? 60);
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
      const pos = locate(p) ?? locate(path);
      return { file, line: pos?.line, column: pos?.column, path: p, message: i.message };
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

/** autoscaling/v2 metrics and behavior as written in the file, to a full spec with Kubernetes defaults. */
function resolveHpa(h: HpaDoc, path: (string | number)[], file: string, locate: Locator): NonNullable<ServiceModel['hpa']> {
  const metrics: MetricSpec[] = (h.metrics ?? []).map((m) => m.type === 'Resource'
    ? { type: 'Resource', name: m.resource.name, target: m.resource.target }
    : m.type === 'Pods'
      ? { type: 'Pods', name: m.pods.metric.name, target: m.pods.target }
      : { type: 'External', name: m.external.metric.name, target: m.external.target });
  try {
    const spec = hpaSpec({
      minReplicas: h.minReplicas,
      maxReplicas: h.maxReplicas,
      metrics,
      behavior: h.behavior,
      tolerance: h.tolerance,
      cpuInitializationPeriod: h.cpuInitializationPeriod,
      initialReadinessDelay: h.initialReadinessDelay,
    });
    validateHpaSpec(spec);
    return { spec, syncPeriod: h.syncPeriod ?? 15 };
  } catch (e) {
    const pos = locate(path);
    throw new InputError({ file, line: pos?.line, column: pos?.column, path, message: e instanceof Error ? e.message : String(e) });
  }
}

/** Cloud VMs take about 3-4 minutes from request to a ready node (KUBERNETES.md section 5). */
const DEFAULT_PROVISIONING: Distribution = { kind: 'uniform', min: 180, max: 240 };

/**
 * The node groups of an autoscaled pool: one per zone (like one cloud node group per zone),
 * named <pool>-<zone>, or the pool itself without zones. min and max apply to each group.
 * The pool's initial nodes are assigned to the group of their zone.
 */
export function poolGroups(pool: PoolDoc, nodes: NodeSpec[]): SimNodeGroup[] {
  const a = pool.autoscaling;
  if (!a) return [];
  const zones = pool.zones ?? [];
  const proto = poolNodes({ ...pool, count: 1, racksPerZone: undefined });
  const template = (zone: string | undefined) => {
    const labels: Record<string, string> = { ...proto[0]!.labels };
    delete labels[WellKnownLabel.hostname];
    if (zone !== undefined) labels[WellKnownLabel.zone] = zone;
    return { labels, taints: proto[0]!.taints, allocatable: proto[0]!.allocatable, allowedPodNumber: proto[0]!.allowedPodNumber ?? 110, gpuModel: pool.gpuModel };
  };
  const groupName = (zone: string | undefined) => (zone === undefined || zones.length === 1 ? pool.name : `${pool.name}-${zone}`);
  const groups = (zones.length > 0 ? zones : [undefined]).map((zone): SimNodeGroup => ({
    pool: pool.name,
    spec: { name: groupName(zone), min: a.min, max: a.max, template: template(zone), pricePerHour: pool.pricePerHour ?? 0, priority: a.priority ?? 0 },
    provisioningDelay: a.provisioningDelay ?? DEFAULT_PROVISIONING,
    maxProvisionTime: a.maxProvisionTime ?? 900,
  }));
  for (let i = 0; i < nodes.length; i++) {
    const zone = nodes[i]!.labels[WellKnownLabel.zone];
    nodes[i] = { ...nodes[i]!, group: groupName(zones.length > 0 ? zone : undefined) };
  }
  return groups;
}

/** Nodes of a pool: zones round-robin, racks round-robin within a zone. */
export function poolNodes(pool: PoolDoc): NodeSpec[] {
  const out: NodeSpec[] = [];
  const zones = pool.zones ?? [];
  const perZone = new Map<string, number>();
  const width = String(Math.max(0, pool.count - 1)).length;
  const taints: Taint[] = (pool.taints ?? []).map((t) => ({ key: t.key, value: t.value, effect: t.effect }));
  const allocatable = resources({
    milliCPU: pool.resources.cpu,
    memory: pool.resources.memory,
    milliGPU: pool.resources['nvidia.com/gpu'] ?? pool.resources.gpu ?? 0,
    ephemeralStorage: pool.resources['ephemeral-storage'] ?? 0,
  });
  for (let i = 0; i < pool.count; i++) {
    const name = `${pool.name}-${String(i).padStart(width, '0')}`;
    const labels: Record<string, string> = { [WellKnownLabel.hostname]: name, [POOL_LABEL]: pool.name, ...pool.labels };
    if (zones.length > 0) {
      const zone = zones[i % zones.length]!;
      labels[WellKnownLabel.zone] = zone;
      const k = perZone.get(zone) ?? 0;
      perZone.set(zone, k + 1);
      if (pool.racksPerZone) labels[RACK_LABEL] = `${zone}-rack-${k % pool.racksPerZone}`;
    }
    if (pool.gpuModel) labels[GPU_MODEL_LABEL] = pool.gpuModel;
    if (pool.instanceType) labels[WellKnownLabel.instanceType] = pool.instanceType;
    out.push({ name, labels, taints, unschedulable: pool.unschedulable ?? false, allocatable, allowedPodNumber: pool.resources.pods, pool: pool.name, gpuModel: pool.gpuModel });
  }
  return out;
}

type PodWorkloadDoc = Exclude<WorkloadDoc, { manifests: string } | { type: 'trace' }>;

function templateSpec(w: PodWorkloadDoc, ownerSelector: boolean): PodSpec {
  const req = w.requests ?? {};
  const fixed = (v: unknown): number => (typeof v === 'number' ? v : 0);
  const labels = w.labels ?? { app: w.name };
  return {
    namespace: w.namespace ?? 'default',
    labels,
    priority: w.priority ?? 0,
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

/**
 * Reads a file the scenario points at (a manifest or a trace), within its size limit; a missing,
 * unreadable or oversized file is reported at the scenario's reference to it.
 */
function readText(file: string, issuePath: (string | number)[], scenarioFile: string, locate: Locator, kind: 'manifest' | 'trace'): string {
  const r = kind === 'manifest' ? readLimitedText(file, MAX_MANIFEST_BYTES, 'manifest files') : readLimitedText(file, MAX_TRACE_BYTES, 'trace files');
  if ('text' in r) return r.text;
  const pos = locate(issuePath);
  throw new InputError({ file: scenarioFile, line: pos?.line, column: pos?.column, path: issuePath, message: `cannot read ${kind} file ${file}: ${r.error}` });
}

/**
 * Turns a validated scenario into engine inputs: expands pools into nodes, reads referenced
 * manifests (relative to the scenario file), builds workload generators, picks the profile.
 */
export function resolveScenario(doc: ScenarioDoc, file: string, locate: Locator, profiles: ProfileRegistry, overrides: { seed?: number | undefined; profile?: string | undefined } = {}): ResolvedScenario {
  const base = file === '<built-in>' ? process.cwd() : dirname(resolvePath(file));
  const issues: InputIssue[] = [];
  const nodes: NodeSpec[] = [];
  const workloads: Workload[] = [];
  // Where each node and workload comes from in the file, for duplicate names (parallel to the arrays).
  const nodeSources: (string | number)[][] = [];
  const workloadSources: (string | number)[][] = [];
  const nodeGroups: SimNodeGroup[] = [];
  const serviceModels = new Map<string, ServiceModel>();
  /** Bad input at `path` when the cluster would come to more than MAX_NODES: "<what> come(s) to N nodes, more than...". */
  const checkNodeLimit = (total: number, path: (string | number)[], what: string) => {
    if (total <= MAX_NODES) return;
    const pos = locate(path);
    throw new InputError({ file, line: pos?.line, column: pos?.column, path, message: `${what} ${formatCount(total)} nodes, more than the limit of ${formatCount(MAX_NODES)} nodes per scenario` });
  };
  // Nodes the pools can reach: their counts, or their groups' maxima when autoscaled; checked before building any.
  let reach = 0;
  for (const [i, pool] of doc.cluster.pools.entries()) {
    const groups = pool.autoscaling ? Math.max(1, pool.zones?.length ?? 0) : 0;
    reach += pool.autoscaling ? Math.max(pool.count, groups * pool.autoscaling.max) : pool.count;
    const path = ['cluster', 'pools', i, ...(pool.autoscaling && groups * pool.autoscaling.max > pool.count ? ['autoscaling', 'max'] : ['count'])];
    checkNodeLimit(reach, path, `the pools${pool.autoscaling ? ' (at their autoscaling maxima)' : ''} come to`);
  }
  doc.cluster.pools.forEach((pool, i) => {
    const list = poolNodes(pool).map((n) => ({ ...n, pricePerHour: pool.pricePerHour }));
    const groups = poolGroups(pool, list);
    for (const g of groups) {
      const count = list.filter((n) => n.group === g.spec.name).length;
      if (count < g.spec.min || count > g.spec.max) {
        const pos = locate(['cluster', 'pools', i, 'count']);
        issues.push({ file, line: pos?.line, column: pos?.column, path: ['cluster', 'pools', i, 'count'], message: `node group ${g.spec.name} starts with ${count} node(s), outside its autoscaling range [${g.spec.min}, ${g.spec.max}]${groups.length > 1 ? ' (min and max apply to each zone\'s group)' : ''}` });
      }
    }
    nodeGroups.push(...groups);
    for (const n of list) {
      // A loop: spreading 100,000 arguments can overflow the stack.
      nodes.push(n);
      nodeSources.push(['cluster', 'pools', i, 'name']);
    }
  });
  if (doc.clusterAutoscaler && nodeGroups.length === 0) {
    const pos = locate(['clusterAutoscaler']);
    issues.push({ file, line: pos?.line, column: pos?.column, path: ['clusterAutoscaler'], message: 'a cluster autoscaler needs at least one pool with `autoscaling: {min, max}`' });
  }
  const startup = (d: Distribution | undefined) => d ?? NO_DELAY;

  const manifestFiles: [string, (string | number)[]][] = doc.cluster.manifests.map((m, i) => [m, ['cluster', 'manifests', i]]);
  const traceDocs: { w: Extract<WorkloadDoc, { type: 'trace' }>; path: (string | number)[] }[] = [];
  doc.workloads.forEach((w, i) => {
    if ('manifests' in w) {
      manifestFiles.push([w.manifests, ['workloads', i, 'manifests']]);
      return;
    }
    const path = ['workloads', i];
    switch (w.type) {
      case 'service':
        if (w.load || w.autoscaling) {
          serviceModels.set(w.name, {
            load: w.load ? resolveLoad(w.load, [...path, 'load'], doc.horizon, base, file, locate) : undefined,
            hpa: w.autoscaling ? resolveHpa(w.autoscaling, [...path, 'autoscaling'], file, locate) : undefined,
          });
          const hpa = w.autoscaling;
          if (hpa && (w.replicas < (hpa.minReplicas ?? 1) || w.replicas > hpa.maxReplicas)) {
            const pos = locate([...path, 'replicas']);
            issues.push({ file, line: pos?.line, column: pos?.column, path: [...path, 'replicas'], message: `replicas ${w.replicas} is outside the autoscaling range [${hpa.minReplicas ?? 1}, ${hpa.maxReplicas}]` });
          }
        }
        workloads.push({ kind: 'service', name: w.name, spec: templateSpec(w, true), replicas: w.replicas, startAt: w.startAt ?? 0, startup: startup(w.startup), minAvailable: w.minAvailable, crashes: crashModel(w.crashes) });
        workloadSources.push([...path, 'name']);
        break;
      case 'job':
        workloads.push({ kind: 'job', name: w.name, spec: templateSpec(w, false), completions: w.completions, parallelism: w.parallelism, startAt: w.startAt ?? 0, duration: w.duration, startup: startup(w.startup), backoffLimit: w.backoffLimit, crashes: crashModel(w.crashes) });
        workloadSources.push([...path, 'name']);
        break;
      case 'trace': {
        // Trace files are read below with the manifests, relative to the scenario file.
        traceDocs.push({ w, path });
        break;
      }
      case 'batch': {
        const start = w.start ?? 0;
        const end = Math.min(w.end ?? doc.horizon, doc.horizon);
        if (end < start) {
          const pos = locate([...path, 'end']);
          issues.push({ file, line: pos?.line, column: pos?.column, path: [...path, 'end'], message: `end (${end}s) is before start (${start}s)` });
          break;
        }
        // Checked before the arrival process is built (it throws on a rate or interval of 0).
        const ratePath = 'poisson' in w.arrival ? [...path, 'arrival', 'poisson', 'rate'] : [...path, 'arrival', 'interval'];
        const rate = 'poisson' in w.arrival ? w.arrival.poisson.rate : 1 / w.arrival.interval;
        if (!(rate > 0 && Number.isFinite(rate))) {
          const pos = locate(ratePath);
          issues.push({ file, line: pos?.line, column: pos?.column, path: ratePath, message: 'poisson' in w.arrival ? 'rate must be > 0' : 'interval must be > 0' });
          break;
        }
        // Without a count, the window bounds the stream: refuse one that would create more pods than a workload may.
        const expected = 'poisson' in w.arrival ? rate * (end - start) : Math.floor((end - start) * rate) + 1;
        if (w.count === undefined && expected > MAX_PODS_PER_WORKLOAD) {
          const pos = locate(ratePath);
          issues.push({ file, line: pos?.line, column: pos?.column, path: ratePath, message: `this stream would create about ${formatCount(Math.round(expected))} pods from ${start}s to ${end}s, more than the limit of ${formatCount(MAX_PODS_PER_WORKLOAD)} pods per workload: lower the rate, shorten the window or set \`count\`` });
          break;
        }
        const arrivals = 'poisson' in w.arrival
          ? poissonArrivals(w.arrival.poisson.rate, start, end)
          : fixedIntervalArrivals(w.arrival.interval, start, end);
        const req = w.requests ?? {};
        const template = templateSpec({ ...w, requests: undefined }, false);
        const pods = sizedPodSpecs(template, { milliCPU: req.cpu, memory: req.memory, milliGPU: req['nvidia.com/gpu'] ?? req.gpu });
        workloads.push({ kind: 'batch', name: w.name, arrivals, pods, duration: w.duration, startup: startup(w.startup), maxPods: w.count ?? Infinity, crashes: crashModel(w.crashes) });
        workloadSources.push([...path, 'name']);
        break;
      }
    }
  });
  if (issues.length > 0) throw new InputError(issues);

  for (const [m, path] of manifestFiles) {
    const abs = resolvePath(base, m);
    const text = readText(abs, path, file, locate, 'manifest');
    const read = readManifests(text, m.startsWith('/') ? m : abs);
    checkNodeLimit(nodes.length + read.nodes.length, path, `with the ${formatCount(read.nodes.length)} Nodes of ${m}, the cluster comes to`);
    for (const n of read.nodes) {
      nodes.push(n);
      nodeSources.push(path);
    }
    for (const w of read.workloads) {
      workloads.push(w);
      workloadSources.push(path);
    }
  }

  doc.cluster.openbNodes.forEach((f, i) => {
    const abs = resolvePath(base, f);
    const read = readOpenbNodes(readText(abs, ['cluster', 'openbNodes', i], file, locate, 'trace'), abs);
    checkNodeLimit(nodes.length + read.length, ['cluster', 'openbNodes', i], `with the ${formatCount(read.length)} nodes of ${f}, the cluster comes to`);
    for (const n of read) {
      nodes.push(n);
      nodeSources.push(['cluster', 'openbNodes', i]);
    }
  });
  for (const { w, path } of traceDocs) {
    const abs = resolvePath(base, w.file);
    const text = readText(abs, [...path, 'file'], file, locate, 'trace');
    if (w.format === 'openb') {
      const pods = readOpenbPods(text, abs);
      try {
        workloads.push(openbPodList(pods, w.name, { useTimes: w.useTimes ?? true, startup: w.startup }));
        workloadSources.push([...path, 'name']);
      } catch (e) {
        // E.g. the multigpu lists have no time columns: replaying their times is a user mistake.
        const pos = locate([...path, 'useTimes']);
        throw new InputError({ file, line: pos?.line, column: pos?.column, path: [...path, 'useTimes'], message: `${e instanceof Error ? e.message : String(e)}; set useTimes: false to place every pod at time 0` });
      }
    } else {
      const jobs = readSwf(text, abs);
      workloads.push(swfWorkload(jobs, w.name, { milliCpuPerProcessor: w.cpuPerProcessor, memoryPerProcessor: w.memoryPerProcessor, startAtZero: w.startAtZero ?? true, startup: w.startup }).workload);
      workloadSources.push([...path, 'name']);
    }
  }

  // Names must be unique: they key the random streams and the reports. A clash is reported at
  // the second source, once per pair of sources (two pools of one name clash on every node).
  const duplicates = (kind: string, names: readonly string[], sources: readonly (string | number)[][]) => {
    const first = new Map<string, number>();
    const reported = new Set<string>();
    names.forEach((name, k) => {
      const j = first.get(name);
      if (j === undefined) {
        first.set(name, k);
        return;
      }
      const pair = `${sources[j]!.join('.')}|${sources[k]!.join('.')}`;
      if (reported.has(pair)) return;
      reported.add(pair);
      const pos = locate(sources[k]!);
      const firstPos = locate(sources[j]!);
      issues.push({ file, line: pos?.line, column: pos?.column, path: sources[k]!, message: `duplicate ${kind} name "${name}"${firstPos && sources[j] !== sources[k] ? ` (first from line ${firstPos.line})` : ''}` });
    });
  };
  duplicates('node', nodes.map((n) => n.name), nodeSources);
  duplicates('workload', workloads.map((w) => w.name), workloadSources);

  // The profile: --profile overrides; a name refers to a built-in or to scheduler.profiles.
  const local = new Map((doc.scheduler.profiles ?? []).map((p) => [p.name, p as ProfileConfig]));
  let profile: ProfileConfig | undefined;
  const wanted = overrides.profile ?? doc.scheduler.profile;
  if (typeof wanted === 'string') {
    profile = local.get(wanted) ?? profiles.get(wanted);
    if (!profile) {
      const where = overrides.profile !== undefined ? undefined : locate(['scheduler', 'profile']);
      const known = [...new Set([...local.keys(), ...profiles.names()])].join(', ');
      issues.push({ file: overrides.profile !== undefined ? '--profile' : file, line: where?.line, column: where?.column, path: overrides.profile !== undefined ? [] : ['scheduler', 'profile'], message: `unknown profile "${wanted}" (known: ${known})` });
    }
  } else {
    profile = wanted as ProfileConfig;
  }
  if (issues.length > 0) throw new InputError(issues);

  const failures = doc.failures ? resolveFailures(doc.failures, nodes, file, locate, base) : NO_FAILURES;

  // Cluster autoscaler options: durations may be written "10m"; the policy checks the rest.
  const clusterAutoscalerOptions: Record<string, unknown> = {};
  if (doc.clusterAutoscaler) {
    for (const [k, v] of Object.entries(doc.clusterAutoscaler.options ?? {})) clusterAutoscalerOptions[k] = typeof v === 'string' ? parseDuration(v) ?? v : v;
    try {
      CLUSTER_AUTOSCALERS.get(doc.clusterAutoscaler.policy)!(nodeGroups.map((g) => g.spec), clusterAutoscalerOptions);
    } catch (e) {
      const path = ['clusterAutoscaler', doc.clusterAutoscaler.options ? 'options' : 'policy'];
      const pos = locate(path);
      throw new InputError({ file, line: pos?.line, column: pos?.column, path, message: e instanceof Error ? e.message : String(e) });
    }
  }

  return {
    failures,
    name: doc.name ?? (file === '<built-in>' ? 'default' : file.replace(/^.*\//, '').replace(/\.(ya?ml|json)$/, '')),
    file,
    seed: overrides.seed ?? doc.seed,
    horizon: doc.horizon,
    sampleInterval: doc.sampleInterval,
    nodes,
    workloads,
    profile: profile!,
    queue: doc.scheduler.queue,
    nodeGroups,
    serviceModels,
    clusterAutoscaler: doc.clusterAutoscaler ? { policy: doc.clusterAutoscaler.policy, options: clusterAutoscalerOptions } : undefined,
  };
}

/** Failure domains from node labels, and the processes and outages over them. */
function resolveFailures(f: FailuresDoc, nodes: readonly NodeSpec[], file: string, locate: Locator, base: string): FailureConfig {
  const issues: InputIssue[] = [];
  const at = (path: (string | number)[], message: string) => {
    const pos = locate(path);
    issues.push({ file, line: pos?.line, column: pos?.column, path, message });
  };
  const zoneLabel = f.zoneLabel ?? WellKnownLabel.zone;
  const rackLabel = f.rackLabel ?? RACK_LABEL;
  const domains = (kind: FailureDomain['kind'], pools?: readonly string[]): FailureDomain[] => {
    if (kind === 'gpu') {
      // Every device of every selected GPU node is its own domain.
      return nodes.flatMap((n, i) => {
        if (pools && !pools.includes(n.pool ?? n.labels[POOL_LABEL] ?? '')) return [];
        const devices = Math.floor(n.allocatable.milliGPU / 1000);
        return Array.from({ length: devices }, (_, d) => ({ kind, name: `${n.name}/gpu${d}`, nodes: [i], device: d }));
      });
    }
    const out = new Map<string, number[]>();
    nodes.forEach((n, i) => {
      if (pools && !pools.includes(n.pool ?? n.labels[POOL_LABEL] ?? '')) return;
      const key = kind === 'node' ? n.name : n.labels[kind === 'zone' ? zoneLabel : rackLabel];
      if (key === undefined) return;
      const list = out.get(key) ?? [];
      list.push(i);
      out.set(key, list);
    });
    const labelKey = kind === 'zone' ? zoneLabel : kind === 'rack' ? rackLabel : undefined;
    return [...out].map(([name, list]) => ({ kind, name, nodes: list, ...(labelKey ? { label: { key: labelKey, value: name } } : {}) }));
  };
  const processes = f.processes.map((p, i) => {
    const d = domains(p.domain, p.pools);
    if (d.length === 0) at(['failures', 'processes', i, p.pools ? 'pools' : 'domain'], `no ${p.domain === 'gpu' ? 'GPU device' : `node with a ${p.domain === 'node' ? 'matching pool' : `${p.domain === 'zone' ? zoneLabel : rackLabel} label`}`}${p.pools ? ` in pools ${p.pools.join(', ')}` : ''}`);
    return { name: p.name, domains: d, timeBetweenFailures: p.timeBetweenFailures, repairTime: p.repairTime, fraction: p.fraction ?? 1 };
  });
  const outages: FailureConfig['outages'][number][] = f.outages.map((o, i) => {
    const kind: 'node' | 'rack' | 'zone' = o.zone !== undefined ? 'zone' : o.rack !== undefined ? 'rack' : 'node';
    const wanted = (o.zone ?? o.rack ?? o.node)!;
    const d = domains(kind).find((x) => x.name === wanted);
    if (!d) {
      const known = domains(kind).map((x) => x.name);
      at(['failures', 'outages', i, kind], `unknown ${kind} "${wanted}"${known.length ? ` (known: ${known.slice(0, 10).join(', ')}${known.length > 10 ? ', ...' : ''})` : ''}`);
    }
    return { name: o.name ?? `outage-${i}-${kind}-${wanted}`, domain: d ?? { kind, name: wanted, nodes: [] }, at: o.at, duration: o.duration, drain: o.drain };
  });
  // Trace replay: every record becomes a scheduled outage of the nodes it maps to.
  f.traces.forEach((t, i) => {
    const path = ['failures', 'traces', i];
    const abs = resolvePath(base, t.file);
    const text = readText(abs, [...path, 'file'], file, locate, 'trace');
    const traceName = t.name ?? (t.format === 'lanl' ? `lanl-${t.system}` : `uptime-${t.file.replace(/^.*\//, '').replace(/\.csv$/, '')}`);
    try {
      const events = t.format === 'lanl'
        ? lanlFailures(readLanl(text, abs), { system: t.system!, nodes: nodes.length, mapping: t.mapping }).map((e) => ({ at: e.at, duration: e.duration, nodes: [e.node] }))
        : uptimeFailures(readUptime(text, abs), { nodes: nodes.length });
      events.forEach((e, k) => {
        if (!(e.duration > 0)) return; // a zero-length record takes nothing down
        outages.push({ name: `${traceName}#${k}`, domain: { kind: 'trace', name: e.nodes.length === 1 ? nodes[e.nodes[0]!]!.name : `${e.nodes.length} nodes`, nodes: e.nodes }, at: e.at, duration: e.duration });
      });
    } catch (e) {
      if (e instanceof InputError) throw e;
      at([...path, t.format === 'lanl' ? 'system' : 'file'], e instanceof Error ? e.message : String(e));
    }
  });
  if (issues.length > 0) throw new InputError(issues);
  const minor = f.kubernetesVersion ? Number(f.kubernetesVersion.split('.')[1]) : 32;
  return {
    // node-monitor-grace-period: 40 s up to v1.31, 50 s from v1.32 (KUBERNETES.md section 3).
    nodeMonitorGracePeriod: f.nodeMonitorGracePeriod ?? (minor < 32 ? 40 : 50),
    defaultTolerationSeconds: f.tolerationSeconds ?? 300,
    processes,
    outages,
  };
}

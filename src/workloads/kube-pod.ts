import type { Labels } from '../api/labels.js';
import { DEFAULT_SCHEDULER_NAME, type PodSpec } from '../api/pod.js';
import { PROBE_DEFAULTS, type ContainerProbes, type ProbeTiming } from '../api/workload.js';
import { ZERO_RESOURCES } from '../api/resources.js';
import { affinityAt, tolerationAt, topologySpreadAt } from './kube-constraints.js';
import {
  isObj, IssueList, type KubeContext, listAt, type Obj, type Path, readBool, readInt, readList, readMap,
  readObject, readString, readStringMap, required,
} from './kube-fields.js';
import { podRequests } from './kube-resources.js';

/**
 * PodSpecs from v1 Pods and pod templates, with their priority (PriorityClass resolution as the
 * Priority admission plugin does it) and the PriorityClass objects themselves.
 */

/**
 * Built-in PriorityClasses (pkg/apis/scheduling/types.go: SystemCriticalPriority = 2e9;
 * system-node-critical is SystemCriticalPriority + 1000).
 */
export const SYSTEM_PRIORITY_CLASSES: ReadonlyMap<string, number> = new Map([
  ['system-cluster-critical', 2_000_000_000],
  ['system-node-critical', 2_000_001_000],
]);

/** Largest value a user-defined PriorityClass may have (HighestUserDefinablePriority). */
export const HIGHEST_USER_DEFINABLE_PRIORITY = 1_000_000_000;

export { DEFAULT_NAMESPACE } from './kube-fields.js';
import { DEFAULT_NAMESPACE } from './kube-fields.js';

function priorityAt(spec: Obj, path: Path, ctx: KubeContext, out: IssueList): number {
  // spec.priority wins: an exported pod carries the value its class resolved to when it was admitted.
  const explicit = readInt(spec['priority'], [...path, 'priority'], out);
  if (explicit !== undefined) return explicit;
  const className = readString(spec['priorityClassName'], [...path, 'priorityClassName'], out);
  if (className === undefined || className === '') return ctx.defaultPriority ?? 0;
  const value = ctx.priorityClasses?.get(className) ?? SYSTEM_PRIORITY_CLASSES.get(className);
  if (value === undefined) {
    // The Priority admission plugin rejects such a pod.
    out.add([...path, 'priorityClassName'], `no PriorityClass named "${className}" (define it in a PriorityClass document, or set spec.priority)`);
    return 0;
  }
  return value;
}

/** @internal podSpecFromPodSpec with an explicit path and issue list, for readers that collect a whole file. */
export function convertPodSpec(spec: unknown, meta: unknown, path: Path, ctx: KubeContext, out: IssueList): PodSpec {
  const metaPath = [...path, 'metadata'];
  const specPath = [...path, 'spec'];
  const m = readMap(meta, metaPath, out) ?? {};
  const s = readMap(spec, specPath, out);
  if (s === undefined && (spec === undefined || spec === null)) out.add(specPath, 'expected a pod spec with containers');
  const sp = s ?? {};

  const labels: Labels = readStringMap(m['labels'], [...metaPath, 'labels'], out) ?? {};
  const namespace = readString(m['namespace'], [...metaPath, 'namespace'], out) || DEFAULT_NAMESPACE;
  const requests = s ? podRequests(s, specPath, out) : ZERO_RESOURCES;
  const priority = priorityAt(sp, specPath, ctx, out);

  const result: {
    -readonly [K in keyof PodSpec]: PodSpec[K];
  } = { namespace, labels, requests, priority };
  // Of the annotations, the autoscalers read karpenter.sh/do-not-disrupt and safe-to-evict.
  const annotations = readStringMap(m['annotations'], [...metaPath, 'annotations'], out);
  if (annotations && Object.keys(annotations).length > 0) result.annotations = annotations;
  const nodeSelector = readStringMap(sp['nodeSelector'], [...specPath, 'nodeSelector'], out);
  if (nodeSelector && Object.keys(nodeSelector).length > 0) result.nodeSelector = nodeSelector;
  const affinity = affinityAt(sp['affinity'], [...specPath, 'affinity'], labels, out);
  if (affinity && Object.keys(affinity).length > 0) result.affinity = affinity;
  const tolerations = listAt(sp['tolerations'], [...specPath, 'tolerations'], out, (x, p) => tolerationAt(x, p, out));
  if (tolerations && tolerations.length > 0) result.tolerations = tolerations;
  const spread = listAt(sp['topologySpreadConstraints'], [...specPath, 'topologySpreadConstraints'], out, (x, p) => topologySpreadAt(x, p, labels, out));
  if (spread && spread.length > 0) result.topologySpreadConstraints = spread;
  const nodeName = readString(sp['nodeName'], [...specPath, 'nodeName'], out);
  if (nodeName) result.nodeName = nodeName;
  const schedulerName = readString(sp['schedulerName'], [...specPath, 'schedulerName'], out);
  if (schedulerName && schedulerName !== DEFAULT_SCHEDULER_NAME) result.schedulerName = schedulerName;
  // Admission copies the PriorityClass's preemptionPolicy into the pod; an exported pod carries it.
  const preemptionPolicy = readString(sp['preemptionPolicy'], [...specPath, 'preemptionPolicy'], out);
  if (preemptionPolicy === 'Never' || preemptionPolicy === 'PreemptLowerPriority') result.preemptionPolicy = preemptionPolicy;
  else if (preemptionPolicy) out.add([...specPath, 'preemptionPolicy'], `expected PreemptLowerPriority or Never, not "${preemptionPolicy}"`);
  const grace = readInt(sp['terminationGracePeriodSeconds'], [...specPath, 'terminationGracePeriodSeconds'], out);
  if (grace !== undefined && grace >= 0) result.terminationGracePeriodSeconds = grace;
  const owners = readList(m['ownerReferences'], [...metaPath, 'ownerReferences'], out);
  if (Object.keys(labels).length > 0 && owners.some((r) => isObj(r) && r['controller'] === true && typeof r['kind'] === 'string' && SPREAD_OWNER_KINDS.has(r['kind']))) {
    // A pod of a ReplicaSet, StatefulSet or ReplicationController gets the system-default spread
    // constraints over its owner's selector (helper.DefaultSelector). The owner object is not at
    // hand here; its pods share one template, so their labels, less the ones the controllers
    // set per pod or per revision, select the same pods.
    const shared: Record<string, string> = {};
    for (const [k, v] of Object.entries(labels)) if (!PER_POD_LABELS.has(k)) shared[k] = v;
    if (Object.keys(shared).length > 0) result.ownerSelector = { matchLabels: shared };
  }
  return result;
}

/** Labels a StatefulSet controller gives each pod (and each revision): not part of its selector. */
const PER_POD_LABELS: ReadonlySet<string> = new Set(['statefulset.kubernetes.io/pod-name', 'apps.kubernetes.io/pod-index', 'controller-revision-hash']);

/** Controllers whose selector DefaultSelector uses (Services too, which are not modelled). */
const SPREAD_OWNER_KINDS: ReadonlySet<string> = new Set(['ReplicaSet', 'StatefulSet', 'ReplicationController']);

/**
 * A PodSpec from a pod's `spec` and `metadata`. Issue paths are those of a Pod (or pod template)
 * holding both: "spec.containers[0]...", "metadata.labels..." (prefixed with ctx.path).
 */
export function podSpecFromPodSpec(spec: unknown, meta: unknown, ctx: KubeContext): PodSpec {
  const out = new IssueList(ctx.file, ctx.locate);
  const result = convertPodSpec(spec, meta, ctx.path ?? [], ctx, out);
  out.throwIfAny();
  return result;
}

/** A PodSpec from a v1 Pod object, or a pod template ({metadata, spec}). */
export function podSpecFromPod(pod: unknown, ctx: KubeContext): PodSpec {
  const out = new IssueList(ctx.file, ctx.locate);
  const path = ctx.path ?? [];
  const m = readObject(pod, path, out, 'a Pod object');
  const result = convertPodSpec(m?.['spec'], m?.['metadata'], path, ctx, out);
  out.throwIfAny();
  return result;
}

/**
 * A probe's timing from a container (core/v1 Probe). Zero or absent fields take upstream's
 * defaults, as SetDefaults_Probe fills them (pkg/apis/core/v1/defaults.go); what the probe runs
 * (httpGet, exec, tcpSocket, grpc) is not modelled.
 */
function probeAt(v: unknown, path: Path, out: IssueList, restarting: boolean): ProbeTiming | undefined {
  const m = readMap(v, path, out);
  if (!m) return undefined;
  const field = (key: keyof ProbeTiming): number => {
    const n = readInt(m[key], [...path, key], out, 0);
    return n === undefined || (n === 0 && key !== 'initialDelaySeconds') ? PROBE_DEFAULTS[key] : n;
  };
  const timing: ProbeTiming = {
    initialDelaySeconds: field('initialDelaySeconds'),
    periodSeconds: field('periodSeconds'),
    timeoutSeconds: field('timeoutSeconds'),
    successThreshold: field('successThreshold'),
    failureThreshold: field('failureThreshold'),
  };
  // pkg/apis/core/validation validateContainers: liveness and startup probes need successThreshold 1.
  if (restarting && timing.successThreshold !== 1) out.add([...path, 'successThreshold'], `must be 1 for liveness and startup probes, not ${timing.successThreshold}`);
  return timing;
}

/**
 * @internal The probes of a pod's app containers. orchsim runs a pod as one container: for each kind, the
 * first container that declares such a probe gives it.
 */
export function probesAt(spec: unknown, path: Path, out: IssueList): ContainerProbes | undefined {
  if (!isObj(spec) || !Array.isArray(spec['containers'])) return undefined;
  let readiness: ProbeTiming | undefined;
  let startup: ProbeTiming | undefined;
  let liveness: ProbeTiming | undefined;
  (spec['containers'] as unknown[]).forEach((c, i) => {
    if (!isObj(c)) return;
    const p = [...path, 'containers', i];
    if (!readiness && c['readinessProbe'] != null) readiness = probeAt(c['readinessProbe'], [...p, 'readinessProbe'], out, false);
    if (!startup && c['startupProbe'] != null) startup = probeAt(c['startupProbe'], [...p, 'startupProbe'], out, true);
    if (!liveness && c['livenessProbe'] != null) liveness = probeAt(c['livenessProbe'], [...p, 'livenessProbe'], out, true);
  });
  if (!readiness && !startup && !liveness) return undefined;
  return {
    ...(readiness ? { readiness: { ...readiness, neverReadyFraction: 0 } } : {}),
    ...(startup ? { startup } : {}),
    ...(liveness ? { liveness } : {}),
  };
}

export interface PriorityClassInfo {
  readonly name: string;
  readonly value: number;
  readonly globalDefault: boolean;
}

/** @internal */
export function convertPriorityClass(v: unknown, path: Path, out: IssueList): PriorityClassInfo | undefined {
  const m = readObject(v, path, out, 'a PriorityClass object');
  if (!m) return undefined;
  const meta = readMap(m['metadata'], [...path, 'metadata'], out);
  const name = required(readString(meta?.['name'], [...path, 'metadata', 'name'], out), meta?.['name'], [...path, 'metadata', 'name'], out, 'metadata.name');
  // The API server rejects user classes above HighestUserDefinablePriority; system- names are reserved.
  const value = required(readInt(m['value'], [...path, 'value'], out, -2_147_483_648, HIGHEST_USER_DEFINABLE_PRIORITY), m['value'], [...path, 'value'], out, 'an integer value');
  const globalDefault = readBool(m['globalDefault'], [...path, 'globalDefault'], out) ?? false;
  if (name !== undefined && SYSTEM_PRIORITY_CLASSES.has(name)) out.add([...path, 'metadata', 'name'], `"${name}" is a built-in PriorityClass and cannot be redefined`);
  if (name === undefined || value === undefined) return undefined;
  return { name, value, globalDefault };
}

export function priorityClassFromKube(obj: unknown, ctx: KubeContext): PriorityClassInfo {
  const out = new IssueList(ctx.file, ctx.locate);
  const result = convertPriorityClass(obj, ctx.path ?? [], out);
  out.throwIfAny();
  return result!;
}

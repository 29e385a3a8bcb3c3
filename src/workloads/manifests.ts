/**
 * Reads Kubernetes manifests (multi-document YAML or JSON, as `kubectl get -o yaml` or a repo of
 * manifests gives them) into nodes and workloads, so users can simulate their own cluster.
 *
 * The object -> policy-type conversion lives in kube.ts and knows nothing of YAML; this layer
 * parses, maps issue paths back to line and column, turns controllers into workloads, and throws
 * every issue of the file at once.
 */
import { convertClusterQueue, convertLocalQueue, convertResourceFlavor, convertResourceQuota } from './kueue-objects.js';
import type { ResourceQuotaSpec } from '../api/quota.js';
import type { ClusterQueue, LocalQueue, ResourceFlavor } from '../api/queueing.js';
import { isAlias, isMap, isScalar, isSeq, LineCounter, parseAllDocuments, type Document, type Range } from 'yaml';
import { matchesLabelSelector } from '../api/labels.js';
import { QUEUE_NAME_LABEL } from '../api/queueing.js';
import type { PodSpec } from '../api/pod.js';
import type { NodeSpec } from '../api/node.js';
import { DEFAULT_DEPLOYMENT_SETTINGS, type DeploymentSettings, type IntOrPercent, type Workload } from '../api/workload.js';
import type { Distribution } from '../api/distribution.js';
import { InputError, issueAt, type InputIssue } from '../util/errors.js';
import type { DisruptionBudgetSpec } from '../api/disruption.js';
import { convertPodDisruptionBudget } from './kube-pdb.js';
import { convertPodGroup } from './kube-podgroup.js';
import type { PodGroupSpec } from '../api/podgroup.js';
import { convertHorizontalPodAutoscaler, type ManifestHpa } from './kube-hpa.js';
import { unmodelledFields } from './kube-unmodelled.js';
import { formatCount, MAX_PODS_PER_WORKLOAD, yamlDepthIssue, yamlDocProblems, yamlErrorText, yamlValue } from './input-limits.js';
import {
  convertLabelSelector,
  convertNode,
  convertPodSpec,
  probesAt,
  convertPriorityClass,
  DEFAULT_NAMESPACE,
  describe,
  IssueList,
  readBool,
  readInt,
  readList,
  readMap,
  readObject,
  readString,
  readStringMap,
  type KubeContext,
  type Locate,
  type Path,
} from './kube.js';
import { durationText, oneOf } from './kube-fields.js';

export const SUPPORTED_KINDS = ['Node', 'Pod', 'Deployment', 'ReplicaSet', 'StatefulSet', 'Job', 'DaemonSet', 'PriorityClass', 'PodDisruptionBudget', 'HorizontalPodAutoscaler', 'PodGroup', 'ResourceQuota', 'ResourceFlavor', 'ClusterQueue', 'LocalQueue', 'List'] as const;

/** Run time of a Pod or of each pod of a Job, as a duration ("10m"). Without it a Pod runs until the horizon. */
export const ANNOTATION_DURATION = 'orchsim.io/duration';
/** When the workload starts, as a duration from the start of the run (default 0). */
export const ANNOTATION_START_AT = 'orchsim.io/start-at';

/** A Job without a duration annotation runs each pod this long unless the caller says otherwise. */
export const DEFAULT_JOB_DURATION: Distribution = { kind: 'fixed', value: 3600 };
/** Bind-to-Running delay unless the caller gives one: manifests say nothing about image pulls. */
export const DEFAULT_STARTUP: Distribution = { kind: 'fixed', value: 0 };

export interface ManifestOptions {
  readonly defaultJobDuration?: Distribution | undefined;
  readonly startup?: Distribution | undefined;
}

export interface Manifests {
  readonly nodes: NodeSpec[];
  readonly workloads: Workload[];
  /** PodDisruptionBudgets (policy/v1), as the scenario's `disruptionBudgets:` entries. */
  readonly disruptionBudgets: DisruptionBudgetSpec[];
  /** PodGroups (scheduling.x-k8s.io/v1alpha1, scheduler-plugins' coscheduling). */
  readonly podGroups: PodGroupSpec[];
  /** HorizontalPodAutoscalers (autoscaling/v2), each with the name of the service workload its Deployment became. */
  readonly autoscalers: { readonly workload: string; readonly hpa: ManifestHpa; readonly issue: (message: string) => InputIssue }[];
  /** Fields that change a real cluster's behaviour but are not simulated: one per field per file. */
  readonly warnings: InputIssue[];
  /** Kueue's objects (kueue.x-k8s.io ResourceFlavor, ClusterQueue, LocalQueue), each with an issue at its position (for what the scenario layer checks across objects). */
  readonly queueing: KueueManifests;
  /** ResourceQuotas (core/v1), each with an issue at its position. */
  readonly resourceQuotas: Positioned<ResourceQuotaSpec>[];
}

/** An object read from a file, and an issue at one of its fields (relative to the object). */
export interface Positioned<T> {
  readonly value: T;
  readonly issue: (path: Path, message: string) => InputIssue;
}

export interface KueueManifests {
  readonly flavors: Positioned<ResourceFlavor>[];
  readonly clusterQueues: Positioned<ClusterQueue>[];
  readonly localQueues: Positioned<LocalQueue>[];
}

type Obj = Readonly<Record<string, unknown>>;
type ControllerKind = 'Deployment' | 'ReplicaSet' | 'StatefulSet' | 'Job' | 'DaemonSet';
const CONTROLLER_KINDS: ReadonlySet<string> = new Set<ControllerKind>(['Deployment', 'ReplicaSet', 'StatefulSet', 'Job', 'DaemonSet']);

/** One object of the file (Lists flattened), with where it is. */
interface Entry {
  readonly obj: Obj;
  readonly kind: string;
  readonly path: Path;
  readonly out: IssueList;
  readonly locate: Locate;
}

/**
 * Parses every document of `text` and converts the supported kinds. PriorityClasses are read
 * first, so pods may refer to classes defined later in the file. Throws one InputError with all
 * issues of the file.
 */
export function readManifests(text: string, file: string, options: ManifestOptions = {}): Manifests {
  // Before the real parse, whose composer recurses once per nesting level.
  const deep = yamlDepthIssue(text, file);
  if (deep) throw new InputError(deep);
  const lineCounter = new LineCounter();
  // prettyErrors off: positions come from the LineCounter and messages stay one line.
  // uniqueKeys off: yamlDocProblems checks them in linear time.
  const docs = parseAllDocuments(text, { lineCounter, prettyErrors: false, uniqueKeys: false });
  const issueLists: IssueList[] = [];
  const entries: Entry[] = [];

  for (const doc of docs) {
    const locate = locator(doc, lineCounter);
    const out = new IssueList(file, locate);
    issueLists.push(out);
    if (doc.errors.length > 0) {
      for (const e of doc.errors) {
        const pos = lineCounter.linePos(e.pos[0]);
        out.issues.push({ file, line: pos.line, column: pos.col, path: [], message: `YAML syntax error: ${yamlErrorText(e.message)}` });
      }
      continue;
    }
    const problems = yamlDocProblems(doc);
    if (problems.length > 0) {
      for (const p of problems) {
        const pos = lineCounter.linePos(p.offset);
        out.issues.push({ file, line: pos.line, column: pos.col, path: [], message: `YAML syntax error: ${p.message}` });
      }
      continue;
    }
    if (doc.contents === null) continue; // empty document (e.g. a trailing `---`)
    const r = yamlValue(doc, lineCounter, file);
    if ('issue' in r) out.issues.push(r.issue);
    // Not expected after the alias check; reported all the same, never a stack.
    else if ('error' in r) out.add([], `cannot read document: ${r.error}`);
    else if (r.value !== null && r.value !== undefined) collect(r.value, [], out, locate, entries);
  }

  const result = convertEntries(entries, options);
  const issues: InputIssue[] = issueLists.flatMap((l) => l.issues);
  if (issues.length > 0) throw new InputError(issues);
  return result;
}

function collect(v: unknown, path: Path, out: IssueList, locate: Locate, entries: Entry[]): void {
  const m = readObject(v, path, out, 'a Kubernetes object (a mapping with apiVersion, kind, metadata)');
  if (!m) return;
  const kindPath = [...path, 'kind'];
  const kind = readString(m['kind'], kindPath, out);
  if (kind === undefined) {
    if (m['kind'] === undefined || m['kind'] === null) out.add(kindPath, `expected kind (one of ${SUPPORTED_KINDS.join(', ')})`);
    return;
  }
  // kubectl writes "List"; the API server's own lists are "NodeList", "PodList", ...
  if (kind === 'List' || (kind.endsWith('List') && Array.isArray(m['items']))) {
    readList(m['items'], [...path, 'items'], out).forEach((item, i) => collect(item, [...path, 'items', i], out, locate, entries));
    return;
  }
  if (!(SUPPORTED_KINDS as readonly string[]).includes(kind)) {
    out.add(kindPath, `unsupported kind "${kind}" (supported: ${SUPPORTED_KINDS.join(', ')})`);
    return;
  }
  entries.push({ obj: m, kind, path, out, locate });
}

interface Meta {
  readonly name: string | undefined;
  readonly namespace: string;
  readonly annotations: Readonly<Record<string, string>>;
}

function readMeta(e: Entry, generated: Map<string, number>): Meta {
  const metaPath = [...e.path, 'metadata'];
  const meta = readMap(e.obj['metadata'], metaPath, e.out) ?? {};
  let name = readString(meta['name'], [...metaPath, 'name'], e.out);
  if (!name) {
    const prefix = readString(meta['generateName'], [...metaPath, 'generateName'], e.out);
    if (prefix) {
      // The API server appends a random suffix; a counter keeps runs reproducible.
      const n = (generated.get(prefix) ?? 0) + 1;
      generated.set(prefix, n);
      name = `${prefix}${n}`;
    } else if (meta['name'] === undefined || meta['name'] === null || meta['name'] === '') {
      e.out.add([...metaPath, 'name'], 'expected metadata.name (or metadata.generateName)');
    }
  }
  return {
    name: name || undefined,
    namespace: readString(meta['namespace'], [...metaPath, 'namespace'], e.out) || DEFAULT_NAMESPACE,
    annotations: readStringMap(meta['annotations'], [...metaPath, 'annotations'], e.out) ?? {},
  };
}

/** A workload before names are made unique. */
interface Draft {
  readonly kind: string;
  readonly base: string;
  readonly build: (name: string) => Workload;
}

function convertEntries(entries: readonly Entry[], options: ManifestOptions): Manifests {
  const startup = options.startup ?? DEFAULT_STARTUP;
  const generated = new Map<string, number>();

  // Pass 1: PriorityClasses, so document order does not matter.
  const priorityClasses = new Map<string, number>();
  let defaultPriority: { name: string; value: number } | undefined;
  for (const e of entries) {
    if (e.kind !== 'PriorityClass') continue;
    const pc = convertPriorityClass(e.obj, e.path, e.out);
    if (!pc) continue;
    if (priorityClasses.has(pc.name)) {
      e.out.add([...e.path, 'metadata', 'name'], `duplicate PriorityClass "${pc.name}"`);
      continue;
    }
    priorityClasses.set(pc.name, pc.value);
    if (pc.globalDefault) {
      // The API server allows only one globalDefault class.
      if (defaultPriority) e.out.add([...e.path, 'globalDefault'], `PriorityClass "${defaultPriority.name}" is already the global default`);
      else defaultPriority = { name: pc.name, value: pc.value };
    }
  }

  // Controllers defined in the file: objects they own (a Deployment's ReplicaSets, their Pods, a
  // Job's Pods, as in a `kubectl get all -o yaml` dump) are created by the simulated controller,
  // so reading them too would count them twice.
  const controllers = new Set<string>();
  for (const e of entries) {
    if (!CONTROLLER_KINDS.has(e.kind)) continue;
    const meta = e.obj['metadata'];
    if (typeof meta !== 'object' || meta === null || Array.isArray(meta)) continue;
    const name = (meta as Obj)['name'];
    if (typeof name === 'string') controllers.add(`${e.kind}/${namespaceOf(meta as Obj)}/${name}`);
  }

  const nodes: NodeSpec[] = [];
  const nodeNames = new Map<string, Entry>();
  const drafts: Draft[] = [];
  const objectKeys = new Map<string, Entry>();
  const disruptionBudgets: DisruptionBudgetSpec[] = [];
  const queueing: KueueManifests = { flavors: [], clusterQueues: [], localQueues: [] };
  const resourceQuotas: Positioned<ResourceQuotaSpec>[] = [];
  const podGroups: PodGroupSpec[] = [];
  const hpas: { e: Entry; hpa: ManifestHpa }[] = [];
  const warnings: InputIssue[] = [];
  const warned = new Set<string>();
  /** The API server keeps one object per kind, namespace and name. */
  const firstOfName = (e: Entry, namespace: string, name: string): boolean => {
    const key = `${e.kind}/${namespace}/${name}`;
    const first = objectKeys.get(key);
    if (first) {
      e.out.add([...e.path, 'metadata', 'name'], `duplicate ${e.kind} "${namespace}/${name}"${lineNote(first)}`);
      return false;
    }
    objectKeys.set(key, e);
    return true;
  };

  for (const e of entries) {
    if (e.kind === 'PriorityClass') continue;
    if (e.kind === 'PodDisruptionBudget') {
      const pdb = convertPodDisruptionBudget(e.obj, e.path, e.out);
      if (pdb && firstOfName(e, pdb.namespace, pdb.name)) disruptionBudgets.push(pdb);
      continue;
    }
    if (e.kind === 'PodGroup') {
      const pg = convertPodGroup(e.obj, e.path, e.out);
      if (pg && firstOfName(e, pg.namespace, pg.name)) podGroups.push(pg);
      continue;
    }
    if (e.kind === 'HorizontalPodAutoscaler') {
      const hpa = convertHorizontalPodAutoscaler(e.obj, e.path, e.out);
      if (hpa && firstOfName(e, hpa.namespace, hpa.name)) hpas.push({ e, hpa });
      continue;
    }
    if (e.kind === 'ResourceQuota') {
      const q = convertResourceQuota(e.obj, e.path, e.out);
      if (q && firstOfName(e, q.namespace, q.name)) resourceQuotas.push({ value: q, issue: (path, message) => issueAt(e.out.file, e.locate, [...e.path, ...path], message) });
      continue;
    }
    if (e.kind === 'ResourceFlavor' || e.kind === 'ClusterQueue' || e.kind === 'LocalQueue') {
      const issue = (path: Path, message: string) => issueAt(e.out.file, e.locate, [...e.path, ...path], message);
      if (e.kind === 'ResourceFlavor') {
        const f = convertResourceFlavor(e.obj, e.path, e.out);
        if (f && firstOfName(e, '', f.name)) queueing.flavors.push({ value: f, issue });
      } else if (e.kind === 'ClusterQueue') {
        const c = convertClusterQueue(e.obj, e.path, e.out);
        if (c && firstOfName(e, '', c.name)) queueing.clusterQueues.push({ value: c, issue });
      } else {
        const l = convertLocalQueue(e.obj, e.path, e.out);
        if (l && firstOfName(e, l.namespace, l.name)) queueing.localQueues.push({ value: l, issue });
      }
      continue;
    }
    if (e.kind === 'Node') {
      const node = convertNode(e.obj, e.path, e.out);
      if (!node) continue;
      const first = nodeNames.get(node.name);
      if (first) {
        e.out.add([...e.path, 'metadata', 'name'], `duplicate Node "${node.name}"${lineNote(first)}`);
        continue;
      }
      nodeNames.set(node.name, e);
      nodes.push(node);
      continue;
    }

    if (ownedByControllerInFile(e, controllers)) continue;
    const meta = readMeta(e, generated);
    const ctx: KubeContext = { file: e.out.file, locate: e.locate, priorityClasses, defaultPriority: defaultPriority?.value };
    const podSpecPath = e.kind === 'Pod' ? [...e.path, 'spec'] : [...e.path, 'spec', 'template', 'spec'];
    const podSpecObj = e.kind === 'Pod' ? e.obj['spec'] : isObjValue(e.obj['spec']) && isObjValue(e.obj['spec']['template']) ? e.obj['spec']['template']['spec'] : undefined;
    for (const f of unmodelledFields(podSpecObj, podSpecPath)) {
      if (warned.has(f.field)) continue;
      warned.add(f.field);
      warnings.push(issueAt(e.out.file, e.locate, f.path, `field ${f.field} is not modelled (${f.why})`));
    }
    const draft = e.kind === 'Pod' ? podDraft(e, meta, ctx, startup) : controllerDraft(e, e.kind as ControllerKind, meta, ctx, options, startup);
    if (!draft || meta.name === undefined) continue;
    const key = `${e.kind}/${meta.namespace}/${meta.name}`;
    const first = objectKeys.get(key);
    if (first) {
      e.out.add([...e.path, 'metadata', 'name'], `duplicate ${e.kind} "${meta.namespace}/${meta.name}"${lineNote(first)}`);
      continue;
    }
    objectKeys.set(key, e);
    drafts.push(draft);
  }

  // Names are "<namespace>/<name>"; when two kinds share one, both get "<Kind>/" in front.
  const baseCount = new Map<string, number>();
  for (const d of drafts) baseCount.set(d.base, (baseCount.get(d.base) ?? 0) + 1);
  const names = drafts.map((d) => (baseCount.get(d.base)! > 1 ? `${d.kind}/${d.base}` : d.base));
  const workloads = drafts.map((d, i) => d.build(names[i]!));
  // scaleTargetRef: a Deployment of this file in the HPA's namespace (the HPA controller scales
  // the target's /scale subresource; pkg/controller/podautoscaler/horizontal.go).
  const autoscalers: Manifests['autoscalers'] = [];
  const scaled = new Map<string, Entry>();
  for (const { e, hpa } of hpas) {
    const i = drafts.findIndex((d) => d.kind === 'Deployment' && d.base === `${hpa.namespace}/${hpa.deployment}`);
    const refPath = [...e.path, 'spec', 'scaleTargetRef', 'name'];
    if (i < 0) {
      e.out.add(refPath, `no Deployment "${hpa.namespace}/${hpa.deployment}" in this file (an HPA scales a Deployment defined next to it)`);
      continue;
    }
    const first = scaled.get(names[i]!);
    if (first) {
      // Two HPAs on one target fight; the HPA controller reports AmbiguousSelector and stops scaling it.
      e.out.add(refPath, `Deployment "${hpa.namespace}/${hpa.deployment}" already has a HorizontalPodAutoscaler${lineNote(first)}`);
      continue;
    }
    scaled.set(names[i]!, e);
    autoscalers.push({ workload: names[i]!, hpa, issue: (message) => issueAt(e.out.file, e.locate, [...e.path, 'spec'], message) });
  }
  return { nodes, workloads, disruptionBudgets, podGroups, autoscalers, warnings, queueing, resourceQuotas };
}

function isObjValue(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function namespaceOf(meta: Obj): string {
  const ns = meta['namespace'];
  return typeof ns === 'string' && ns !== '' ? ns : DEFAULT_NAMESPACE;
}

function lineNote(first: Entry): string {
  const pos = first.locate([...first.path, 'metadata', 'name']);
  return pos ? ` (first defined at line ${pos.line})` : '';
}

function ownedByControllerInFile(e: Entry, controllers: ReadonlySet<string>): boolean {
  const meta = e.obj['metadata'];
  if (typeof meta !== 'object' || meta === null || Array.isArray(meta)) return false;
  const refs = (meta as Obj)['ownerReferences'];
  if (!Array.isArray(refs)) return false;
  const ns = namespaceOf(meta as Obj);
  return refs.some((r: unknown) => {
    if (typeof r !== 'object' || r === null) return false;
    const ref = r as Obj;
    return ref['controller'] === true && controllers.has(`${String(ref['kind'])}/${ns}/${String(ref['name'])}`);
  });
}

/** A duration annotation in seconds; `min` is exclusive for run times, inclusive for start times. */
function durationAnnotation(annotations: Readonly<Record<string, string>>, key: string, metaPath: Path, out: IssueList, positive: boolean): number | undefined {
  const raw = annotations[key];
  return raw === undefined ? undefined : durationText(raw, [...metaPath, 'annotations', key], out, positive);
}

/** An intstr.IntOrString of a rolling update: a count >= 0 or a percentage ("25%"). */
function readIntOrPercent(v: unknown, path: Path, out: IssueList): IntOrPercent | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v === 'number' && Number.isInteger(v) && v >= 0) return v;
  if (typeof v === 'string' && /^\d+%$/.test(v)) return v as `${number}%`;
  out.add(path, `expected a count or a percentage such as "25%", got ${describe(v)}`);
  return undefined;
}

/**
 * A Deployment's spec.strategy, minReadySeconds and progressDeadlineSeconds, defaulted as
 * SetDefaults_Deployment (pkg/apis/apps/v1/defaults.go) and checked as ValidateDeploymentSpec
 * (pkg/apis/apps/validation/validation.go); undefined when the manifest sets none of them.
 */
function readDeploymentSettings(spec: Record<string, unknown>, specPath: Path, out: IssueList): DeploymentSettings | undefined {
  const strategyPath = [...specPath, 'strategy'];
  const st = readMap(spec['strategy'], strategyPath, out);
  const minReady = readInt(spec['minReadySeconds'], [...specPath, 'minReadySeconds'], out, 0);
  const deadline = readInt(spec['progressDeadlineSeconds'], [...specPath, 'progressDeadlineSeconds'], out, 1);
  if (!st && minReady === undefined && deadline === undefined) return undefined;
  const d = DEFAULT_DEPLOYMENT_SETTINGS;
  const type = oneOf(st?.['type'], ['RollingUpdate', 'Recreate'] as const, [...strategyPath, 'type'], out) ?? 'RollingUpdate';
  const ruPath = [...strategyPath, 'rollingUpdate'];
  const ru = readMap(st?.['rollingUpdate'], ruPath, out);
  if (type === 'Recreate' && ru) out.add(ruPath, "may not be specified when strategy `type` is 'Recreate'");
  const maxSurge = readIntOrPercent(ru?.['maxSurge'], [...ruPath, 'maxSurge'], out) ?? '25%';
  const maxUnavailable = readIntOrPercent(ru?.['maxUnavailable'], [...ruPath, 'maxUnavailable'], out) ?? '25%';
  const zero = (v: IntOrPercent) => v === 0 || v === '0%';
  if (type === 'RollingUpdate' && zero(maxSurge) && zero(maxUnavailable)) out.add([...ruPath, 'maxUnavailable'], 'may not be 0 when `maxSurge` is 0');
  if (typeof maxUnavailable === 'string' && Number(maxUnavailable.slice(0, -1)) > 100) out.add([...ruPath, 'maxUnavailable'], 'must not be greater than 100%');
  const minReadySeconds = minReady ?? d.minReadySeconds;
  const progressDeadlineSeconds = deadline ?? d.progressDeadlineSeconds;
  if (progressDeadlineSeconds <= minReadySeconds) out.add([...specPath, 'progressDeadlineSeconds'], 'must be greater than minReadySeconds');
  return { strategy: type === 'Recreate' ? { type } : { type, maxSurge, maxUnavailable }, minReadySeconds, progressDeadlineSeconds, rollbackOnFailure: false };
}

/** replicas, parallelism, completions: an integer >= 0, at most MAX_PODS_PER_WORKLOAD (input-limits.ts). */
function readPodCount(v: unknown, path: Path, out: IssueList): number | undefined {
  const n = readInt(v, path, out, 0);
  if (n === undefined || n <= MAX_PODS_PER_WORKLOAD) return n;
  out.add(path, `at most ${formatCount(MAX_PODS_PER_WORKLOAD)} pods per workload (the limit), got ${n}`);
  return undefined;
}

function podDraft(e: Entry, meta: Meta, ctx: KubeContext, startup: Distribution): Draft | undefined {
  // A dump of a live cluster holds finished pods; they no longer take resources.
  const status = e.obj['status'];
  if (typeof status === 'object' && status !== null) {
    const phase = (status as Obj)['phase'];
    if (phase === 'Succeeded' || phase === 'Failed') return undefined;
  }
  const metaPath = [...e.path, 'metadata'];
  const spec = convertPodSpec(e.obj['spec'], e.obj['metadata'], e.path, ctx, e.out);
  const probes = probesAt(e.obj['spec'], [...e.path, 'spec'], e.out);
  const duration = durationAnnotation(meta.annotations, ANNOTATION_DURATION, metaPath, e.out, true) ?? Infinity;
  const at = durationAnnotation(meta.annotations, ANNOTATION_START_AT, metaPath, e.out, false) ?? 0;
  const podName = meta.name;
  if (podName === undefined) return undefined;
  return {
    kind: 'Pod',
    base: `${meta.namespace}/${podName}`,
    build: (name) => ({ kind: 'pods', name, pods: [{ at, name: podName, spec, duration }], startup, ...(probes ? { probes } : {}) }),
  };
}

function controllerDraft(e: Entry, kind: ControllerKind, meta: Meta, ctx: KubeContext, options: ManifestOptions, startup: Distribution): Draft | undefined {
  const out = e.out;
  const metaPath = [...e.path, 'metadata'];
  const specPath = [...e.path, 'spec'];
  const spec = readObject(e.obj['spec'], specPath, out, `the ${kind} spec`) ?? {};
  const templatePath = [...specPath, 'template'];
  const template = readObject(spec['template'], templatePath, out, 'spec.template (the pod template)');
  const templateMeta = readMap(template?.['metadata'], [...templatePath, 'metadata'], out) ?? {};
  const templateAnnotations = readStringMap(templateMeta['annotations'], [...templatePath, 'metadata', 'annotations'], out) ?? {};

  // The Job API adds these labels to the template when manualSelector is not set
  // (pkg/registry/batch/job/strategy.go, generateSelector); selectors and spreading may use them.
  const manualSelector = kind === 'Job' ? readBool(spec['manualSelector'], [...specPath, 'manualSelector'], out) : undefined;
  let podMeta: unknown = template?.['metadata'];
  if (podMeta === undefined || podMeta === null || (typeof podMeta === 'object' && !Array.isArray(podMeta))) {
    // A controller creates its pods in its own namespace, whatever the template says.
    podMeta = { ...templateMeta, namespace: meta.namespace };
    const labels = templateMeta['labels'];
    if (kind === 'Job' && manualSelector !== true && meta.name !== undefined && (labels === undefined || labels === null || (typeof labels === 'object' && !Array.isArray(labels)))) {
      podMeta = { ...templateMeta, namespace: meta.namespace, labels: { 'batch.kubernetes.io/job-name': meta.name, 'job-name': meta.name, ...(labels as Obj | null | undefined) } };
    }
  }
  const podSpec = template ? convertPodSpec(template['spec'], podMeta, templatePath, ctx, out) : undefined;
  const probes = template ? probesAt(template['spec'], [...templatePath, 'spec'], out) : undefined;
  const withProbes = probes ? { probes } : {};

  const selectorPath = [...specPath, 'selector'];
  let selector = convertLabelSelector(spec['selector'], selectorPath, out);
  if (kind !== 'Job' && (spec['selector'] === undefined || spec['selector'] === null)) {
    out.add(selectorPath, `expected spec.selector (required for a ${kind} in apps/v1), e.g. matchLabels: {app: web}`);
  } else if (selector && !selector.matchLabels && !selector.matchExpressions) {
    out.add(selectorPath, 'empty selector is invalid: it would select every pod');
  } else if (selector && podSpec && !matchesLabelSelector(selector, podSpec.labels)) {
    // ValidateDeploymentSpec / ValidateReplicaSetSpec / validateJobSpec wording.
    out.add(selectorPath, '`selector` does not match template `labels`');
  }
  if (kind === 'Job' && !selector && podSpec) selector = { matchLabels: podSpec.labels };

  // orchsim annotations: the object's own win over the template's.
  const annotations = { ...templateAnnotations, ...meta.annotations };
  const annotationPath = (key: string) => (meta.annotations[key] !== undefined ? metaPath : [...templatePath, 'metadata']);
  const startAt = durationAnnotation(annotations, ANNOTATION_START_AT, annotationPath(ANNOTATION_START_AT), out, false) ?? 0;

  if (kind === 'DaemonSet') {
    // apps/v1 DaemonSet: no replicas (one pod per node that should run it), selector required.
    if (annotations[ANNOTATION_DURATION] !== undefined) {
      out.add([...annotationPath(ANNOTATION_DURATION), 'annotations', ANNOTATION_DURATION], `${ANNOTATION_DURATION} applies to Pods and Jobs only; a DaemonSet keeps its pods running`);
    }
    const templateSpecObj = template?.['spec'];
    const hostNetwork = typeof templateSpecObj === 'object' && templateSpecObj !== null && !Array.isArray(templateSpecObj)
      ? readBool((templateSpecObj as Obj)['hostNetwork'], [...templatePath, 'spec', 'hostNetwork'], out)
      : undefined;
    if (!podSpec || !selector || meta.name === undefined) return undefined;
    // No ownerSelector: upstream derives no system-default spreading for DaemonSet pods.
    return { kind, base: `${meta.namespace}/${meta.name}`, build: (name) => ({ kind: 'daemonset', name, spec: podSpec, startup, hostNetwork, ...withProbes }) };
  }

  if (kind !== 'Job') {
    if (annotations[ANNOTATION_DURATION] !== undefined) {
      out.add([...annotationPath(ANNOTATION_DURATION), 'annotations', ANNOTATION_DURATION], `${ANNOTATION_DURATION} applies to Pods and Jobs only; a ${kind} keeps its replicas running`);
    }
    const replicas = readPodCount(spec['replicas'], [...specPath, 'replicas'], out) ?? 1;
    const deployment = kind === 'Deployment' ? readDeploymentSettings(spec, specPath, out) : undefined;
    if (!podSpec || !selector || meta.name === undefined) return undefined;
    const ownedSpec: PodSpec = { ...podSpec, ownerSelector: selector };
    return { kind, base: `${meta.namespace}/${meta.name}`, build: (name) => ({ kind: 'service', name, spec: ownedSpec, replicas, startAt, startup, ...(deployment ? { deployment } : {}), ...withProbes }) };
  }

  const fixed = durationAnnotation(annotations, ANNOTATION_DURATION, annotationPath(ANNOTATION_DURATION), out, true);
  const duration: Distribution = fixed !== undefined ? { kind: 'fixed', value: fixed } : options.defaultJobDuration ?? DEFAULT_JOB_DURATION;
  const parallelismRaw = readPodCount(spec['parallelism'], [...specPath, 'parallelism'], out);
  const completionsRaw = readPodCount(spec['completions'], [...specPath, 'completions'], out);
  const suspend = readBool(spec['suspend'], [...specPath, 'suspend'], out) ?? false;
  if (!podSpec || !selector || meta.name === undefined) return undefined;
  const ownedSpec: PodSpec = { ...podSpec, ownerSelector: selector };
  const base = `${meta.namespace}/${meta.name}`;
  const parallelism = parallelismRaw ?? 1;
  // Without completions a Job is a work queue: `parallelism` pods run and it ends when they are
  // done. JobWorkload has no such mode; `parallelism` completions is the closest equivalent.
  const completions = completionsRaw ?? parallelism;
  // Kueue's label names the Job's LocalQueue: Kueue suspends it until admission, so a Job
  // created suspended (as Kueue users write them) runs once admitted (jobframework).
  const jobLabels = (e.obj['metadata'] as Obj | undefined)?.['labels'];
  const queueLabel = jobLabels && typeof jobLabels === 'object' ? (jobLabels as Obj)[QUEUE_NAME_LABEL] : undefined;
  const queue = typeof queueLabel === 'string' && queueLabel !== '' ? queueLabel : undefined;
  // A suspended Job outside Kueue, or one with parallelism or completions 0, creates no pods.
  if ((suspend && queue === undefined) || parallelism === 0 || completions === 0) return undefined;
  return { kind, base, build: (name) => ({ kind: 'job', name, spec: ownedSpec, completions, parallelism, startAt, duration, startup, ...(queue !== undefined ? { queue } : {}), ...withProbes }) };
}

// ---------------------------------------------------------------------------------------------
// Positions

/**
 * Maps a path to the position of its YAML node. A path that does not exist (a missing field)
 * maps to its deepest existing ancestor's key, i.e. the line of the object lacking the field.
 */
function locator(doc: Document.Parsed, lineCounter: LineCounter): Locate {
  return (path) => {
    let node: unknown = doc.contents;
    // Where the current node is introduced: the key of its pair, or the list item itself.
    let anchor: Range | undefined = rangeOf(node);
    let found = true;
    for (const seg of path) {
      if (isAlias(node)) node = node.resolve(doc);
      if (isMap(node)) {
        const pair = node.items.find((p) => String(isScalar(p.key) ? p.key.value : p.key) === String(seg));
        if (!pair) {
          found = false;
          break;
        }
        anchor = rangeOf(pair.key) ?? anchor;
        node = pair.value;
      } else if (isSeq(node) && typeof seg === 'number' && node.items[seg] !== undefined) {
        node = node.items[seg];
        anchor = rangeOf(node) ?? anchor;
      } else {
        found = false;
        break;
      }
    }
    // The value itself when it exists; `key:` with no value has an empty scalar, so use its key.
    const best = found && !(isScalar(node) && node.value === null) ? rangeOf(node) ?? anchor : anchor;
    if (!best) return undefined;
    const pos = lineCounter.linePos(best[0]);
    return { line: pos.line, column: pos.col };
  };
}

function rangeOf(node: unknown): Range | undefined {
  if (typeof node !== 'object' || node === null || !('range' in node)) return undefined;
  const r = (node as { range?: Range | null }).range;
  return r ?? undefined;
}

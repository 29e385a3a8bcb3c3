/**
 * Converters from Kubernetes v1 objects (plain JSON as the API server or `yaml` produces them,
 * camelCase field names) to the policy API types. No YAML, no files: the scenario layer and the
 * kube-scheduler extender server both feed this module parsed objects.
 *
 * Every problem becomes an InputIssue naming the path inside the object and what was expected;
 * all problems of one object are thrown together as one InputError. Positions come from the
 * caller's `locate` callback, so a YAML reader can map paths back to lines.
 *
 * Validation follows kube-apiserver where it is cheap to (pkg/apis/core/validation/validation.go):
 * a manifest that the API server would reject is rejected here too, with a similar message.
 */
import type { LabelSelector, LabelSelectorRequirement, Labels, NodeSelectorOperator, NodeSelectorRequirement, NodeSelectorTerm, SelectorOperator } from '../api/labels.js';
import { DEFAULT_MAX_PODS, WellKnownLabel, type Taint } from '../api/node.js';
import type {
  Affinity,
  NodeAffinity,
  PodAffinity,
  PodAffinityTerm,
  PodSpec,
  PreferredSchedulingTerm,
  TaintEffect,
  Toleration,
  TopologySpreadConstraint,
  WeightedPodAffinityTerm,
} from '../api/pod.js';
import { addResources, maxResources, resources, ResourceName, ZERO_RESOURCES, type Resources } from '../api/resources.js';
import { MILLI_PER_GPU } from '../api/units.js';
import type { NodeSpec } from '../api/node.js';
import { InputError, type InputIssue } from '../util/errors.js';
import { parseBytes, parseMilliCPU, parseQuantity } from '../util/quantity.js';
import { MAX_QUANTITY } from './input-limits.js';

export type Path = readonly (string | number)[];

/** Maps a path inside the document to a 1-based position; undefined when unknown. */
export type Locate = (path: Path) => { readonly line: number; readonly column: number } | undefined;

export interface KubeContext {
  /** File (or request) name put on every issue. */
  readonly file: string;
  readonly locate?: Locate | undefined;
  /**
   * Path of the given object inside its document (e.g. ["items", 3] in a List); issue paths are
   * prefixed with it. Empty by default, so issues are relative to the object.
   */
  readonly path?: Path | undefined;
  /** PriorityClass name -> value, from PriorityClass documents. The system classes are always known. */
  readonly priorityClasses?: ReadonlyMap<string, number> | undefined;
  /** Value of the PriorityClass with globalDefault: true, for pods that name none (else 0). */
  readonly defaultPriority?: number | undefined;
}

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

export const DEFAULT_NAMESPACE = 'default';

// ---------------------------------------------------------------------------------------------
// Issue collection and typed field readers. Readers record an issue and return undefined on bad
// input, so one pass reports every problem of an object.

/** @internal Collects the issues of one file or object. */
export class IssueList {
  readonly issues: InputIssue[] = [];
  private readonly seen = new Set<string>();
  constructor(readonly file: string, private readonly locate?: Locate | undefined) {}

  add(path: Path, message: string): void {
    // A field read by two converters (metadata of a pod template) must not be reported twice.
    const key = `${path.join('\u0000')}\u0001${message}`;
    if (this.seen.has(key)) return;
    this.seen.add(key);
    const pos = this.locate?.(path);
    this.issues.push({ file: this.file, line: pos?.line, column: pos?.column, path: [...path], message });
  }

  throwIfAny(): void {
    if (this.issues.length > 0) throw new InputError(this.issues);
  }
}

/** @internal A short description of a value for "got ..." in messages. */
export function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'object') return 'a mapping';
  if (typeof v === 'string') return JSON.stringify(v);
  return String(v);
}

type Obj = Readonly<Record<string, unknown>>;

function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** @internal A mapping, or undefined when absent (null counts as absent, as in Go's JSON decoding). */
export function readMap(v: unknown, path: Path, out: IssueList): Obj | undefined {
  if (v === undefined || v === null) return undefined;
  if (isObj(v)) return v;
  out.add(path, `expected a mapping, got ${describe(v)}`);
  return undefined;
}

/** @internal A list; absent reads as empty. */
export function readList(v: unknown, path: Path, out: IssueList): readonly unknown[] {
  if (v === undefined || v === null) return [];
  if (Array.isArray(v)) return v;
  out.add(path, `expected a list, got ${describe(v)}`);
  return [];
}

/** @internal A mapping that must be present (a whole object, a pod template). */
export function readObject(v: unknown, path: Path, out: IssueList, what: string): Obj | undefined {
  if (v === undefined || v === null) {
    out.add(path, `expected ${what}`);
    return undefined;
  }
  if (isObj(v)) return v;
  out.add(path, `expected ${what}, got ${describe(v)}`);
  return undefined;
}

/** @internal */
export function readString(v: unknown, path: Path, out: IssueList): string | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v === 'string') return v;
  out.add(path, `expected a string, got ${describe(v)}${typeof v === 'number' || typeof v === 'boolean' ? ' (quote it in YAML)' : ''}`);
  return undefined;
}

/** @internal */
export function readBool(v: unknown, path: Path, out: IssueList): boolean | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v === 'boolean') return v;
  out.add(path, `expected true or false, got ${describe(v)}`);
  return undefined;
}

/** @internal An integer within [min, max]. */
export function readInt(v: unknown, path: Path, out: IssueList, min = -Infinity, max = Infinity): number | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'number' || !Number.isInteger(v)) {
    out.add(path, `expected an integer, got ${describe(v)}`);
    return undefined;
  }
  if (v < min || v > max) {
    out.add(path, max === Infinity ? `must be at least ${min}, got ${v}` : `must be between ${min} and ${max}, got ${v}`);
    return undefined;
  }
  return v;
}

/** @internal A string -> string map (labels, annotations, nodeSelector); Kubernetes rejects non-string values. */
export function readStringMap(v: unknown, path: Path, out: IssueList): Record<string, string> | undefined {
  const m = readMap(v, path, out);
  if (!m) return undefined;
  const result: Record<string, string> = {};
  for (const [k, value] of Object.entries(m)) {
    const s = readString(value, [...path, k], out);
    if (s !== undefined) result[k] = s;
    else if (value === null) result[k] = ''; // a YAML `key:` with no value is the empty string in Kubernetes
  }
  return result;
}

function required<T>(value: T | undefined, raw: unknown, path: Path, out: IssueList, what: string): T | undefined {
  if (raw === undefined || raw === null) out.add(path, `expected ${what}`);
  return value;
}

function oneOf<T extends string>(v: unknown, allowed: readonly T[], path: Path, out: IssueList): T | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v === 'string' && (allowed as readonly string[]).includes(v)) return v as T;
  out.add(path, `expected one of ${allowed.join(', ')}, got ${describe(v)}`);
  return undefined;
}

// ---------------------------------------------------------------------------------------------
// Resources

/** Resource names Kubernetes defines without a domain (ResourceList keys in core/v1/types.go). */
const NATIVE_CONTAINER_RESOURCES = new Set<string>([ResourceName.cpu, ResourceName.memory, ResourceName.ephemeralStorage]);

const isHugePages = (name: string) => name.startsWith('hugepages-');

/**
 * Extended resources have a domain outside kubernetes.io (helper.IsExtendedResourceName); they and
 * huge pages cannot be overcommitted (helper.IsOvercommitAllowed), so requests must equal limits.
 */
function isExtended(name: string): boolean {
  const slash = name.indexOf('/');
  if (slash < 0) return false;
  const domain = name.slice(0, slash);
  return domain !== 'kubernetes.io' && !domain.endsWith('.kubernetes.io') && !name.startsWith('requests.');
}

/** A resource list in internal units: milli-CPU, bytes, milli-GPU, or the resource's own integer unit. */
type ResourceMap = Map<string, number>;

function readQuantity(name: string, raw: unknown, path: Path, out: IssueList): number | undefined {
  if (typeof raw !== 'string' && typeof raw !== 'number') {
    out.add(path, `expected a quantity for ${name}, got ${describe(raw)}`);
    return undefined;
  }
  let value: number | undefined;
  let expected: string;
  if (name === ResourceName.cpu) {
    value = parseMilliCPU(raw);
    expected = 'a CPU quantity such as "500m" or "2"';
  } else if (name === ResourceName.memory || name === ResourceName.ephemeralStorage || isHugePages(name)) {
    value = parseBytes(raw);
    expected = `a ${name === ResourceName.memory ? 'memory' : name === ResourceName.ephemeralStorage ? 'storage' : 'huge page'} quantity such as "512Mi" or "4Gi"`;
  } else if (name === ResourceName.gpu) {
    // nvidia.com/gpu is an extended resource: whole devices only (ValidateResourceQuantityValue).
    const n = parseQuantity(raw);
    value = n !== undefined && Number.isInteger(n) ? n * MILLI_PER_GPU : undefined;
    expected = 'a whole number of GPUs such as "1"';
  } else {
    const n = parseQuantity(raw);
    value = n !== undefined && Number.isInteger(n) ? n : undefined;
    expected = `a whole number for ${name}`;
  }
  if (value === undefined) {
    out.add(path, `expected ${expected}, got ${describe(raw)}`);
    return undefined;
  }
  if (value < 0) {
    out.add(path, `must not be negative, got ${describe(raw)}`);
    return undefined;
  }
  if (value > MAX_QUANTITY) {
    out.add(path, `${describe(raw)} is too large: quantities are limited to 2^53 in base units (milli-CPU, bytes, milli-GPU)`);
    return undefined;
  }
  return value;
}

/** A container's requests or limits, or a pod's overhead. */
function readContainerResourceList(v: unknown, path: Path, out: IssueList): ResourceMap {
  const result: ResourceMap = new Map();
  const m = readMap(v, path, out);
  if (!m) return result;
  for (const [name, raw] of Object.entries(m)) {
    const p = [...path, name];
    if (!NATIVE_CONTAINER_RESOURCES.has(name) && !isHugePages(name) && !isExtended(name)) {
      // Kubernetes rejects unqualified names it does not define; usually a typo ("cpus", "mem").
      out.add(p, `unknown resource "${name}" (expected cpu, memory, ephemeral-storage, hugepages-<size>, or an extended resource with a domain such as nvidia.com/gpu)`);
      continue;
    }
    const q = readQuantity(name, raw, p, out);
    if (q !== undefined) result.set(name, q);
  }
  return result;
}

function toResources(m: ResourceMap): Resources {
  if (m.size === 0) return ZERO_RESOURCES;
  const scalar: Record<string, number> = {};
  for (const [name, v] of m) {
    if (name === ResourceName.cpu || name === ResourceName.memory || name === ResourceName.ephemeralStorage || name === ResourceName.gpu) continue;
    if (v !== 0) scalar[name] = v;
  }
  return resources({
    milliCPU: m.get(ResourceName.cpu) ?? 0,
    memory: m.get(ResourceName.memory) ?? 0,
    ephemeralStorage: m.get(ResourceName.ephemeralStorage) ?? 0,
    milliGPU: m.get(ResourceName.gpu) ?? 0,
    scalar,
  });
}

function formatInternal(name: string, v: number): string {
  if (name === ResourceName.cpu) return `${v}m`;
  if (name === ResourceName.gpu) return String(v / MILLI_PER_GPU);
  return String(v);
}

/**
 * A container's effective requests: limits fill in missing requests (SetDefaults_ResourceList /
 * defaulting in pkg/apis/core/v1/defaults.go), then the request <= limit rules of
 * ValidateContainerResourceRequirements.
 */
function containerRequests(container: Obj, path: Path, out: IssueList): Resources {
  const resPath = [...path, 'resources'];
  const res = readMap(container['resources'], resPath, out);
  if (!res) return ZERO_RESOURCES;
  const requests = readContainerResourceList(res['requests'], [...resPath, 'requests'], out);
  const limits = readContainerResourceList(res['limits'], [...resPath, 'limits'], out);
  for (const [name, limit] of limits) {
    const request = requests.get(name);
    if (request === undefined) {
      requests.set(name, limit);
    } else if ((isExtended(name) || isHugePages(name)) && request !== limit) {
      out.add([...resPath, 'requests', name], `must be equal to ${name} limit of ${formatInternal(name, limit)} (${name} cannot be overcommitted)`);
    } else if (request > limit) {
      out.add([...resPath, 'requests', name], `must be less than or equal to ${name} limit of ${formatInternal(name, limit)}`);
    }
  }
  for (const name of requests.keys()) {
    if ((isExtended(name) || isHugePages(name)) && !limits.has(name)) {
      out.add([...resPath, 'limits', name], `limit must be set for ${name} (it cannot be overcommitted)`);
    }
  }
  return toResources(requests);
}

function readContainers(v: unknown, path: Path, out: IssueList): Obj[] {
  const result: Obj[] = [];
  readList(v, path, out).forEach((c, i) => {
    const m = readMap(c, [...path, i], out);
    if (m) result.push(m);
    else if (c === null || c === undefined) out.add([...path, i], 'expected a container, got null');
  });
  return result;
}

/**
 * Effective pod request (component-helpers/resource PodRequests): the larger of the sum over
 * containers and the largest init container, plus overhead. Sidecars (init containers with
 * restartPolicy: Always) keep running, so they add to the sum and to every later init step.
 */
function podRequests(spec: Obj, path: Path, out: IssueList): Resources {
  const containersPath = [...path, 'containers'];
  const rawContainers = spec['containers'];
  const containers = readContainers(rawContainers, containersPath, out);
  if (rawContainers === undefined || rawContainers === null || (Array.isArray(rawContainers) && rawContainers.length === 0)) {
    out.add(containersPath, 'expected at least one container');
  }
  let sum = ZERO_RESOURCES;
  containers.forEach((c, i) => {
    sum = addResources(sum, containerRequests(c, [...containersPath, i], out));
  });

  const initPath = [...path, 'initContainers'];
  let initMax = ZERO_RESOURCES;
  let sidecars = ZERO_RESOURCES;
  readContainers(spec['initContainers'], initPath, out).forEach((c, i) => {
    const r = containerRequests(c, [...initPath, i], out);
    const restartPolicy = readString(c['restartPolicy'], [...initPath, i, 'restartPolicy'], out);
    if (restartPolicy === 'Always') {
      sum = addResources(sum, r);
      sidecars = addResources(sidecars, r);
      initMax = maxResources(initMax, sidecars);
    } else {
      initMax = maxResources(initMax, addResources(sidecars, r));
    }
  });

  const overhead = toResources(readContainerResourceList(spec['overhead'], [...path, 'overhead'], out));
  return addResources(maxResources(sum, initMax), overhead);
}

// ---------------------------------------------------------------------------------------------
// Selectors and affinity

const SELECTOR_OPERATORS: readonly SelectorOperator[] = ['In', 'NotIn', 'Exists', 'DoesNotExist'];
const NODE_SELECTOR_OPERATORS: readonly NodeSelectorOperator[] = ['In', 'NotIn', 'Exists', 'DoesNotExist', 'Gt', 'Lt'];

function readValues(v: unknown, path: Path, out: IssueList): string[] | undefined {
  if (v === undefined || v === null) return undefined;
  const values: string[] = [];
  readList(v, path, out).forEach((x, i) => {
    const s = readString(x, [...path, i], out);
    if (s !== undefined) values.push(s);
  });
  return values;
}

/** Shared shape of LabelSelectorRequirement and NodeSelectorRequirement, checked as the API server does. */
function readRequirement<Op extends string>(v: unknown, path: Path, out: IssueList, operators: readonly Op[]): { key: string; operator: Op; values?: string[] } | undefined {
  const m = readMap(v, path, out);
  if (!m) return undefined;
  const key = required(readString(m['key'], [...path, 'key'], out), m['key'], [...path, 'key'], out, 'a label key');
  const operator = required(oneOf(m['operator'], operators, [...path, 'operator'], out), m['operator'], [...path, 'operator'], out, `an operator (${operators.join(', ')})`);
  const values = readValues(m['values'], [...path, 'values'], out);
  if (key === undefined || operator === undefined) return undefined;
  const n = values?.length ?? 0;
  const vp = [...path, 'values'];
  switch (operator) {
    case 'In':
    case 'NotIn':
      if (n === 0) out.add(vp, `must be specified when operator is ${operator}`);
      break;
    case 'Exists':
    case 'DoesNotExist':
      if (n > 0) out.add(vp, `must be empty when operator is ${operator}`);
      break;
    case 'Gt':
    case 'Lt':
      if (n !== 1) out.add(vp, `must have a single element when operator is ${operator}`);
      else if (!/^-?\d+$/.test(values![0]!)) out.add([...vp, 0], `expected an integer for operator ${operator}, got ${describe(values![0])}`);
      break;
  }
  return values === undefined ? { key, operator } : { key, operator, values };
}

function labelSelectorAt(v: unknown, path: Path, out: IssueList): LabelSelector | undefined {
  const m = readMap(v, path, out);
  if (!m) return undefined;
  const matchLabels = readStringMap(m['matchLabels'], [...path, 'matchLabels'], out);
  const exprPath = [...path, 'matchExpressions'];
  const matchExpressions: LabelSelectorRequirement[] = [];
  readList(m['matchExpressions'], exprPath, out).forEach((e, i) => {
    const r = readRequirement(e, [...exprPath, i], out, SELECTOR_OPERATORS);
    if (r) matchExpressions.push(r);
  });
  const sel: { matchLabels?: Labels; matchExpressions?: LabelSelectorRequirement[] } = {};
  if (matchLabels) sel.matchLabels = matchLabels;
  if (m['matchExpressions'] !== undefined && m['matchExpressions'] !== null) sel.matchExpressions = matchExpressions;
  return sel;
}

function nodeSelectorTermAt(v: unknown, path: Path, out: IssueList): NodeSelectorTerm | undefined {
  const m = readMap(v, path, out);
  if (!m) return undefined;
  const term: { matchExpressions?: NodeSelectorRequirement[]; matchFields?: NodeSelectorRequirement[] } = {};
  const exprPath = [...path, 'matchExpressions'];
  if (m['matchExpressions'] !== undefined && m['matchExpressions'] !== null) {
    term.matchExpressions = [];
    readList(m['matchExpressions'], exprPath, out).forEach((e, i) => {
      const r = readRequirement(e, [...exprPath, i], out, NODE_SELECTOR_OPERATORS);
      if (r) term.matchExpressions!.push(r);
    });
  }
  const fieldPath = [...path, 'matchFields'];
  if (m['matchFields'] !== undefined && m['matchFields'] !== null) {
    term.matchFields = [];
    readList(m['matchFields'], fieldPath, out).forEach((e, i) => {
      const r = readRequirement(e, [...fieldPath, i], out, NODE_SELECTOR_OPERATORS);
      if (!r) return;
      // validateNodeFieldSelectorRequirement: only metadata.name, with In/NotIn and one value.
      if (r.key !== 'metadata.name') out.add([...fieldPath, i, 'key'], `expected "metadata.name" (the only supported node field), got ${describe(r.key)}`);
      else if (r.operator !== 'In' && r.operator !== 'NotIn') out.add([...fieldPath, i, 'operator'], `expected In or NotIn for a node field, got ${describe(r.operator)}`);
      else if (r.values?.length !== 1) out.add([...fieldPath, i, 'values'], 'must have one element for a node field');
      term.matchFields!.push(r);
    });
  }
  return term;
}

function weightAt(v: unknown, path: Path, out: IssueList): number | undefined {
  // Preferred terms carry a weight in 1..100 (ValidatePreferredSchedulingTerms, validateWeightedPodAffinityTerms).
  return required(readInt(v, path, out, 1, 100), v, path, out, 'a weight between 1 and 100');
}

function nodeAffinityAt(v: unknown, path: Path, out: IssueList): NodeAffinity | undefined {
  const m = readMap(v, path, out);
  if (!m) return undefined;
  const result: { requiredDuringSchedulingIgnoredDuringExecution?: { nodeSelectorTerms: NodeSelectorTerm[] }; preferredDuringSchedulingIgnoredDuringExecution?: PreferredSchedulingTerm[] } = {};
  const reqPath = [...path, 'requiredDuringSchedulingIgnoredDuringExecution'];
  const req = readMap(m['requiredDuringSchedulingIgnoredDuringExecution'], reqPath, out);
  if (req) {
    const termsPath = [...reqPath, 'nodeSelectorTerms'];
    const raw = readList(req['nodeSelectorTerms'], termsPath, out);
    if (raw.length === 0) out.add(termsPath, 'must have at least one node selector term');
    const nodeSelectorTerms: NodeSelectorTerm[] = [];
    raw.forEach((t, i) => {
      const term = nodeSelectorTermAt(t, [...termsPath, i], out);
      if (term) nodeSelectorTerms.push(term);
    });
    result.requiredDuringSchedulingIgnoredDuringExecution = { nodeSelectorTerms };
  }
  const prefPath = [...path, 'preferredDuringSchedulingIgnoredDuringExecution'];
  if (m['preferredDuringSchedulingIgnoredDuringExecution'] !== undefined && m['preferredDuringSchedulingIgnoredDuringExecution'] !== null) {
    const preferred: PreferredSchedulingTerm[] = [];
    readList(m['preferredDuringSchedulingIgnoredDuringExecution'], prefPath, out).forEach((t, i) => {
      const p = readMap(t, [...prefPath, i], out);
      if (!p) return;
      const weight = weightAt(p['weight'], [...prefPath, i, 'weight'], out);
      const preference = required(nodeSelectorTermAt(p['preference'], [...prefPath, i, 'preference'], out), p['preference'], [...prefPath, i, 'preference'], out, 'a node selector term');
      if (weight !== undefined && preference) preferred.push({ weight, preference });
    });
    result.preferredDuringSchedulingIgnoredDuringExecution = preferred;
  }
  return result;
}

/**
 * Adds matchLabelKeys / mismatchLabelKeys as In / NotIn requirements on the pod's own label
 * values, which is what kube-apiserver does when the pod is created (KEP-3633 for pod affinity,
 * KEP-3243 for topology spread). Keys the pod does not carry are dropped, as upstream.
 */
function mergeLabelKeys(selector: LabelSelector | undefined, m: Obj, path: Path, podLabels: Labels, out: IssueList, withMismatch: boolean): LabelSelector | undefined {
  const extra: LabelSelectorRequirement[] = [];
  const add = (field: string, operator: 'In' | 'NotIn') => {
    const keys = readValues(m[field], [...path, field], out);
    // The API server rejects these keys without a labelSelector to merge them into.
    if (keys && keys.length > 0 && !selector) out.add([...path, field], 'must not be set when labelSelector is not set');
    keys?.forEach((key) => {
      const value = podLabels[key];
      if (value !== undefined) extra.push({ key, operator, values: [value] });
    });
  };
  add('matchLabelKeys', 'In');
  if (withMismatch) add('mismatchLabelKeys', 'NotIn');
  if (extra.length === 0 || !selector) return selector;
  return { ...selector, matchExpressions: [...(selector.matchExpressions ?? []), ...extra] };
}

function topologyKeyAt(v: unknown, path: Path, out: IssueList): string | undefined {
  const key = readString(v, path, out);
  if (v === undefined || v === null || key === '') out.add(path, 'expected a non-empty topologyKey such as topology.kubernetes.io/zone');
  return key || undefined;
}

function podAffinityTermAt(v: unknown, path: Path, podLabels: Labels, out: IssueList): PodAffinityTerm | undefined {
  const m = readMap(v, path, out);
  if (!m) return undefined;
  const topologyKey = topologyKeyAt(m['topologyKey'], [...path, 'topologyKey'], out);
  if (m['namespaceSelector'] !== undefined && m['namespaceSelector'] !== null) {
    // Not representable in PodAffinityTerm; silently dropping it would change which pods count.
    out.add([...path, 'namespaceSelector'], 'namespaceSelector is not supported by the simulator; list the namespaces in "namespaces" instead');
  }
  const namespaces = readValues(m['namespaces'], [...path, 'namespaces'], out);
  const labelSelector = mergeLabelKeys(labelSelectorAt(m['labelSelector'], [...path, 'labelSelector'], out), m, path, podLabels, out, true);
  if (!topologyKey) return undefined;
  const term: { labelSelector?: LabelSelector; namespaces?: string[]; topologyKey: string } = { topologyKey };
  if (labelSelector) term.labelSelector = labelSelector;
  if (namespaces && namespaces.length > 0) term.namespaces = namespaces;
  return term;
}

function podAffinityAt(v: unknown, path: Path, podLabels: Labels, out: IssueList): PodAffinity | undefined {
  const m = readMap(v, path, out);
  if (!m) return undefined;
  const result: { requiredDuringSchedulingIgnoredDuringExecution?: PodAffinityTerm[]; preferredDuringSchedulingIgnoredDuringExecution?: WeightedPodAffinityTerm[] } = {};
  const reqPath = [...path, 'requiredDuringSchedulingIgnoredDuringExecution'];
  if (m['requiredDuringSchedulingIgnoredDuringExecution'] !== undefined && m['requiredDuringSchedulingIgnoredDuringExecution'] !== null) {
    const terms: PodAffinityTerm[] = [];
    readList(m['requiredDuringSchedulingIgnoredDuringExecution'], reqPath, out).forEach((t, i) => {
      const term = podAffinityTermAt(t, [...reqPath, i], podLabels, out);
      if (term) terms.push(term);
    });
    result.requiredDuringSchedulingIgnoredDuringExecution = terms;
  }
  const prefPath = [...path, 'preferredDuringSchedulingIgnoredDuringExecution'];
  if (m['preferredDuringSchedulingIgnoredDuringExecution'] !== undefined && m['preferredDuringSchedulingIgnoredDuringExecution'] !== null) {
    const terms: WeightedPodAffinityTerm[] = [];
    readList(m['preferredDuringSchedulingIgnoredDuringExecution'], prefPath, out).forEach((t, i) => {
      const p = readMap(t, [...prefPath, i], out);
      if (!p) return;
      const weight = weightAt(p['weight'], [...prefPath, i, 'weight'], out);
      const podAffinityTerm = required(
        podAffinityTermAt(p['podAffinityTerm'], [...prefPath, i, 'podAffinityTerm'], podLabels, out),
        p['podAffinityTerm'], [...prefPath, i, 'podAffinityTerm'], out, 'a podAffinityTerm');
      if (weight !== undefined && podAffinityTerm) terms.push({ weight, podAffinityTerm });
    });
    result.preferredDuringSchedulingIgnoredDuringExecution = terms;
  }
  return result;
}

function affinityAt(v: unknown, path: Path, podLabels: Labels, out: IssueList): Affinity | undefined {
  const m = readMap(v, path, out);
  if (!m) return undefined;
  const result: { nodeAffinity?: NodeAffinity; podAffinity?: PodAffinity; podAntiAffinity?: PodAffinity } = {};
  const nodeAffinity = nodeAffinityAt(m['nodeAffinity'], [...path, 'nodeAffinity'], out);
  const podAffinity = podAffinityAt(m['podAffinity'], [...path, 'podAffinity'], podLabels, out);
  const podAntiAffinity = podAffinityAt(m['podAntiAffinity'], [...path, 'podAntiAffinity'], podLabels, out);
  if (nodeAffinity) result.nodeAffinity = nodeAffinity;
  if (podAffinity) result.podAffinity = podAffinity;
  if (podAntiAffinity) result.podAntiAffinity = podAntiAffinity;
  return result;
}

// ---------------------------------------------------------------------------------------------
// Tolerations, taints, topology spread

const TAINT_EFFECTS: readonly TaintEffect[] = ['NoSchedule', 'PreferNoSchedule', 'NoExecute'];

function tolerationAt(v: unknown, path: Path, out: IssueList): Toleration | undefined {
  const m = readMap(v, path, out);
  if (!m) return undefined;
  const key = readString(m['key'], [...path, 'key'], out);
  const operator = oneOf(m['operator'], ['Exists', 'Equal'] as const, [...path, 'operator'], out);
  const value = readString(m['value'], [...path, 'value'], out);
  // An empty effect means "all effects" (core/v1 Toleration), so '' is accepted and dropped.
  const effect = m['effect'] === '' ? undefined : oneOf(m['effect'], TAINT_EFFECTS, [...path, 'effect'], out);
  const tolerationSeconds = readInt(m['tolerationSeconds'], [...path, 'tolerationSeconds'], out);
  // validateTolerations: an empty key needs Exists; Exists takes no value.
  if ((m['key'] === undefined || m['key'] === null || m['key'] === '') && operator !== 'Exists') out.add([...path, 'operator'], 'must be Exists when key is empty (to tolerate every taint)');
  if (operator === 'Exists' && value !== undefined && value !== '') out.add([...path, 'value'], 'must be empty when operator is Exists');
  if (tolerationSeconds !== undefined && effect !== 'NoExecute') out.add([...path, 'tolerationSeconds'], 'only applies with effect NoExecute');
  const t: { key?: string; operator?: 'Exists' | 'Equal'; value?: string; effect?: TaintEffect; tolerationSeconds?: number } = {};
  if (key !== undefined && key !== '') t.key = key;
  if (operator !== undefined) t.operator = operator;
  if (value !== undefined && value !== '') t.value = value;
  if (effect !== undefined) t.effect = effect;
  if (tolerationSeconds !== undefined) t.tolerationSeconds = tolerationSeconds;
  return t;
}

function taintAt(v: unknown, path: Path, out: IssueList): Taint | undefined {
  const m = readMap(v, path, out);
  if (!m) return undefined;
  const key = required(readString(m['key'], [...path, 'key'], out), m['key'], [...path, 'key'], out, 'a taint key');
  const value = readString(m['value'], [...path, 'value'], out);
  const effect = required(oneOf(m['effect'], TAINT_EFFECTS, [...path, 'effect'], out), m['effect'], [...path, 'effect'], out, `an effect (${TAINT_EFFECTS.join(', ')})`);
  if (key === undefined || effect === undefined) return undefined;
  return value !== undefined && value !== '' ? { key, value, effect } : { key, effect };
}

function topologySpreadAt(v: unknown, path: Path, podLabels: Labels, out: IssueList): TopologySpreadConstraint | undefined {
  const m = readMap(v, path, out);
  if (!m) return undefined;
  const maxSkew = required(readInt(m['maxSkew'], [...path, 'maxSkew'], out, 1), m['maxSkew'], [...path, 'maxSkew'], out, 'maxSkew (an integer >= 1)');
  const topologyKey = topologyKeyAt(m['topologyKey'], [...path, 'topologyKey'], out);
  const whenUnsatisfiable = required(
    oneOf(m['whenUnsatisfiable'], ['DoNotSchedule', 'ScheduleAnyway'] as const, [...path, 'whenUnsatisfiable'], out),
    m['whenUnsatisfiable'], [...path, 'whenUnsatisfiable'], out, 'whenUnsatisfiable (DoNotSchedule or ScheduleAnyway)');
  const minDomains = readInt(m['minDomains'], [...path, 'minDomains'], out, 1);
  if (minDomains !== undefined && whenUnsatisfiable === 'ScheduleAnyway') out.add([...path, 'minDomains'], 'can only be set when whenUnsatisfiable is DoNotSchedule');
  // The policies below are not in TopologySpreadConstraint; accept their defaults, reject the rest
  // rather than simulate something else than the manifest says.
  const policyDefaults: Record<string, string> = { nodeAffinityPolicy: 'Honor', nodeTaintsPolicy: 'Ignore' };
  for (const [field, dflt] of Object.entries(policyDefaults)) {
    const got = readString(m[field], [...path, field], out);
    if (got !== undefined && got !== dflt) out.add([...path, field], `only the default ${field} "${dflt}" is supported by the simulator, got ${describe(got)}`);
  }
  const labelSelector = mergeLabelKeys(labelSelectorAt(m['labelSelector'], [...path, 'labelSelector'], out), m, path, podLabels, out, false);
  if (maxSkew === undefined || !topologyKey || whenUnsatisfiable === undefined) return undefined;
  const c: { maxSkew: number; topologyKey: string; whenUnsatisfiable: 'DoNotSchedule' | 'ScheduleAnyway'; labelSelector?: LabelSelector; minDomains?: number } = { maxSkew, topologyKey, whenUnsatisfiable };
  if (labelSelector) c.labelSelector = labelSelector;
  if (minDomains !== undefined) c.minDomains = minDomains;
  return c;
}

function listAt<T>(v: unknown, path: Path, out: IssueList, item: (x: unknown, p: Path) => T | undefined): T[] | undefined {
  if (v === undefined || v === null) return undefined;
  const result: T[] = [];
  readList(v, path, out).forEach((x, i) => {
    const r = item(x, [...path, i]);
    if (r !== undefined) result.push(r);
  });
  return result;
}

// ---------------------------------------------------------------------------------------------
// Pods

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

/** @internal */
export function convertLabelSelector(v: unknown, path: Path, out: IssueList): LabelSelector | undefined {
  return labelSelectorAt(v, path, out);
}

/** A metav1.LabelSelector; undefined when absent. */
export function labelSelectorFromKube(selector: unknown, ctx: KubeContext): LabelSelector | undefined {
  const out = new IssueList(ctx.file, ctx.locate);
  const result = labelSelectorAt(selector, ctx.path ?? [], out);
  out.throwIfAny();
  return result;
}

// ---------------------------------------------------------------------------------------------
// PriorityClass

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

// ---------------------------------------------------------------------------------------------
// Nodes

/**
 * Node conditions the node lifecycle controller turns into NoSchedule taints
 * (pkg/controller/nodelifecycle, nodeConditionToTaintKeyStatusMap and the Ready handling).
 * A dump taken from a live cluster already carries them; hand-written nodes may not.
 */
const CONDITION_TAINTS: readonly { type: string; status: string; key: string }[] = [
  { type: 'Ready', status: 'False', key: 'node.kubernetes.io/not-ready' },
  { type: 'Ready', status: 'Unknown', key: 'node.kubernetes.io/unreachable' },
  { type: 'MemoryPressure', status: 'True', key: 'node.kubernetes.io/memory-pressure' },
  { type: 'DiskPressure', status: 'True', key: 'node.kubernetes.io/disk-pressure' },
  { type: 'PIDPressure', status: 'True', key: 'node.kubernetes.io/pid-pressure' },
  { type: 'NetworkUnavailable', status: 'True', key: 'node.kubernetes.io/network-unavailable' },
];

/** Labels cloud providers put on nodes to name their node pool; the first one present becomes NodeSpec.pool. */
const POOL_LABELS = ['cloud.google.com/gke-nodepool', 'eks.amazonaws.com/nodegroup', 'karpenter.sh/nodepool', 'kubernetes.azure.com/agentpool'];

function nodeResources(alloc: Obj | undefined, cap: Obj | undefined, path: Path, out: IssueList): { allocatable: Resources; pods: number } {
  const m: ResourceMap = new Map();
  let pods = DEFAULT_MAX_PODS;
  // Per resource, allocatable wins and capacity fills in what it lacks.
  const names = new Set([...Object.keys(alloc ?? {}), ...Object.keys(cap ?? {})]);
  for (const name of names) {
    const fromAlloc = alloc !== undefined && alloc[name] !== undefined;
    const raw = fromAlloc ? alloc[name] : cap?.[name];
    const p = [...path, 'status', fromAlloc ? 'allocatable' : 'capacity', name];
    if (name === ResourceName.pods) {
      const n = typeof raw === 'number' || typeof raw === 'string' ? parseQuantity(raw) : undefined;
      if (n === undefined || !Number.isInteger(n) || n < 0) out.add(p, `expected a whole number of pods such as "110", got ${describe(raw)}`);
      else pods = n;
      continue;
    }
    // Other unqualified names (e.g. attachable-volumes-*) do not matter to scheduling here.
    if (!NATIVE_CONTAINER_RESOURCES.has(name) && !isHugePages(name) && !isExtended(name)) continue;
    const q = readQuantity(name, raw, p, out);
    if (q !== undefined) m.set(name, q);
  }
  return { allocatable: toResources(m), pods };
}

/** @internal */
export function convertNode(v: unknown, path: Path, out: IssueList): NodeSpec | undefined {
  const m = readObject(v, path, out, 'a Node object');
  if (!m) return undefined;
  const metaPath = [...path, 'metadata'];
  const meta = readMap(m['metadata'], metaPath, out) ?? {};
  const name = required(readString(meta['name'], [...metaPath, 'name'], out), meta['name'], [...metaPath, 'name'], out, 'metadata.name');
  const labels: Record<string, string> = readStringMap(meta['labels'], [...metaPath, 'labels'], out) ?? {};
  // The kubelet always sets kubernetes.io/hostname; hostname spreading and affinity rely on it.
  if (name && labels[WellKnownLabel.hostname] === undefined) labels[WellKnownLabel.hostname] = name;

  const specPath = [...path, 'spec'];
  const spec = readMap(m['spec'], specPath, out) ?? {};
  const taints = listAt(spec['taints'], [...specPath, 'taints'], out, (x, p) => taintAt(x, p, out)) ?? [];
  const unschedulable = readBool(spec['unschedulable'], [...specPath, 'unschedulable'], out) ?? false;

  const statusPath = [...path, 'status'];
  const status = readMap(m['status'], statusPath, out) ?? {};
  const alloc = readMap(status['allocatable'], [...statusPath, 'allocatable'], out);
  const cap = readMap(status['capacity'], [...statusPath, 'capacity'], out);
  if (!alloc && !cap && status['allocatable'] == null && status['capacity'] == null) {
    out.add(statusPath, 'expected status.allocatable (or status.capacity) with the node\'s cpu and memory');
  }
  const { allocatable, pods } = nodeResources(alloc, cap, path, out);

  const conditionsPath = [...statusPath, 'conditions'];
  readList(status['conditions'], conditionsPath, out).forEach((c, i) => {
    const cm = readMap(c, [...conditionsPath, i], out);
    if (!cm) return;
    const rule = CONDITION_TAINTS.find((r) => r.type === cm['type'] && r.status === cm['status']);
    if (rule && !taints.some((t) => t.key === rule.key && t.effect === 'NoSchedule')) taints.push({ key: rule.key, effect: 'NoSchedule' });
  });

  if (!name) return undefined;
  const pool = POOL_LABELS.map((l) => labels[l]).find((p) => p !== undefined);
  return { name, labels, taints, unschedulable, allocatable, allowedPodNumber: pods, ...(pool !== undefined ? { pool } : {}) };
}

/** A NodeSpec from a v1 Node object. */
export function nodeSpecFromNode(node: unknown, ctx: KubeContext): NodeSpec {
  const out = new IssueList(ctx.file, ctx.locate);
  const result = convertNode(node, ctx.path ?? [], out);
  out.throwIfAny();
  return result!;
}

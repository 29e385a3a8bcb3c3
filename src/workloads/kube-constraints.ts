import type {
  LabelSelector, LabelSelectorRequirement, Labels, NodeSelectorOperator, NodeSelectorRequirement,
  NodeSelectorTerm, SelectorOperator,
} from '../api/labels.js';
import type { Taint } from '../api/node.js';
import type {
  Affinity, NodeAffinity, PodAffinity, PodAffinityTerm, PreferredSchedulingTerm, TaintEffect, Toleration,
  TopologySpreadConstraint, WeightedPodAffinityTerm,
} from '../api/pod.js';
import {
  describe, IssueList, type KubeContext, type Obj, oneOf, type Path, readInt, readList, readMap, readString, readStringMap,
  required,
} from './kube-fields.js';

/**
 * A pod's scheduling constraints from v1 objects: label and node selectors, node and pod
 * (anti-)affinity, tolerations, taints and topology spread constraints, validated as
 * kube-apiserver does where it is cheap to (pkg/apis/core/validation/validation.go).
 */

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

export function labelSelectorAt(v: unknown, path: Path, out: IssueList): LabelSelector | undefined {
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

export function affinityAt(v: unknown, path: Path, podLabels: Labels, out: IssueList): Affinity | undefined {
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

const TAINT_EFFECTS: readonly TaintEffect[] = ['NoSchedule', 'PreferNoSchedule', 'NoExecute'];

export function tolerationAt(v: unknown, path: Path, out: IssueList): Toleration | undefined {
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

export function taintAt(v: unknown, path: Path, out: IssueList): Taint | undefined {
  const m = readMap(v, path, out);
  if (!m) return undefined;
  const key = required(readString(m['key'], [...path, 'key'], out), m['key'], [...path, 'key'], out, 'a taint key');
  const value = readString(m['value'], [...path, 'value'], out);
  const effect = required(oneOf(m['effect'], TAINT_EFFECTS, [...path, 'effect'], out), m['effect'], [...path, 'effect'], out, `an effect (${TAINT_EFFECTS.join(', ')})`);
  if (key === undefined || effect === undefined) return undefined;
  return value !== undefined && value !== '' ? { key, value, effect } : { key, effect };
}

export function topologySpreadAt(v: unknown, path: Path, podLabels: Labels, out: IssueList): TopologySpreadConstraint | undefined {
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

/** Label maps, selectors and their matching rules (k8s.io/apimachinery/pkg/labels). */

export type Labels = Readonly<Record<string, string>>;

export type SelectorOperator = 'In' | 'NotIn' | 'Exists' | 'DoesNotExist';
/** Node selector terms also allow numeric comparisons on label values. */
export type NodeSelectorOperator = SelectorOperator | 'Gt' | 'Lt';

export interface LabelSelectorRequirement {
  readonly key: string;
  readonly operator: SelectorOperator;
  readonly values?: readonly string[] | undefined;
}

/** metav1.LabelSelector: matchLabels and matchExpressions are ANDed. */
export interface LabelSelector {
  readonly matchLabels?: Labels | undefined;
  readonly matchExpressions?: readonly LabelSelectorRequirement[] | undefined;
}

export interface NodeSelectorRequirement {
  readonly key: string;
  readonly operator: NodeSelectorOperator;
  readonly values?: readonly string[] | undefined;
}

/** A node selector term: matchExpressions (on labels) and matchFields (on metadata.name), ANDed. */
export interface NodeSelectorTerm {
  readonly matchExpressions?: readonly NodeSelectorRequirement[] | undefined;
  readonly matchFields?: readonly NodeSelectorRequirement[] | undefined;
}

function has(labels: Labels, key: string): boolean {
  return Object.prototype.hasOwnProperty.call(labels, key);
}

/** Kubernetes parses Gt/Lt values as base-10 integers; a non-integer never matches. */
function parseIntStrict(s: string | undefined): number | undefined {
  if (s === undefined || !/^-?\d+$/.test(s)) return undefined;
  return Number(s);
}

export function matchesRequirement(labels: Labels, key: string, operator: NodeSelectorOperator, values: readonly string[] | undefined): boolean {
  switch (operator) {
    case 'In': return has(labels, key) && (values ?? []).includes(labels[key]!);
    case 'NotIn': return !has(labels, key) || !(values ?? []).includes(labels[key]!);
    case 'Exists': return has(labels, key);
    case 'DoesNotExist': return !has(labels, key);
    case 'Gt':
    case 'Lt': {
      if (!has(labels, key)) return false;
      const actual = parseIntStrict(labels[key]);
      const bound = parseIntStrict(values?.[0]);
      if (actual === undefined || bound === undefined) return false;
      return operator === 'Gt' ? actual > bound : actual < bound;
    }
  }
}

/**
 * metav1.LabelSelector semantics: an empty selector ({}) matches everything; a missing one
 * (undefined) is treated by callers, as in Kubernetes where nil matches nothing.
 */
export function matchesLabelSelector(selector: LabelSelector, labels: Labels): boolean {
  if (selector.matchLabels) {
    for (const key in selector.matchLabels) {
      if (labels[key] !== selector.matchLabels[key] || !has(labels, key)) return false;
    }
  }
  if (selector.matchExpressions) {
    for (const r of selector.matchExpressions) {
      if (!matchesRequirement(labels, r.key, r.operator, r.values)) return false;
    }
  }
  return true;
}

/** A term with no requirements matches no node (Kubernetes: "a null or empty term matches no objects"). */
export function matchesNodeSelectorTerm(term: NodeSelectorTerm, nodeLabels: Labels, nodeName: string): boolean {
  const exprs = term.matchExpressions ?? [];
  const fields = term.matchFields ?? [];
  if (exprs.length === 0 && fields.length === 0) return false;
  for (const r of exprs) if (!matchesRequirement(nodeLabels, r.key, r.operator, r.values)) return false;
  for (const r of fields) {
    // Only metadata.name is a supported field selector for nodes.
    if (r.key !== 'metadata.name') return false;
    if (!matchesRequirement({ 'metadata.name': nodeName }, r.key, r.operator, r.values)) return false;
  }
  return true;
}

/** Terms are ORed. */
export function matchesNodeSelectorTerms(terms: readonly NodeSelectorTerm[], nodeLabels: Labels, nodeName: string): boolean {
  for (const t of terms) if (matchesNodeSelectorTerm(t, nodeLabels, nodeName)) return true;
  return false;
}

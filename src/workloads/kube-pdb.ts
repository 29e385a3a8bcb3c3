import { parseIntOrPercent, type DisruptionBudgetSpec, type IntOrPercent, type UnhealthyPodEvictionPolicy } from '../api/disruption.js';
import { convertLabelSelector } from './kube-constraints.js';
import { describe, type IssueList, oneOf, type Path, readMap, readObject, readObjectName } from './kube-fields.js';

/**
 * A policy/v1 PodDisruptionBudget as the scenario's `disruptionBudgets:` entry it stands for.
 * Checks as ValidatePodDisruptionBudgetSpec (pkg/apis/policy/validation/validation.go): at most
 * one of minAvailable and maxUnavailable, a count >= 0 or a percentage of at most 100%. With
 * neither (policy/v1 has no default; v1beta1 defaulted minAvailable to 1) the disruption
 * controller computes desiredHealthy 0 (pkg/controller/disruption/disruption.go
 * getExpectedPodCount), so every healthy pod may be disrupted: read as maxUnavailable 100%,
 * which allows the same (only status.expectedPods would differ).
 */
export function convertPodDisruptionBudget(v: unknown, path: Path, out: IssueList): DisruptionBudgetSpec | undefined {
  const m = readObject(v, path, out, 'a PodDisruptionBudget object');
  if (!m) return undefined;
  const { name, namespace } = readObjectName(m, path, out);
  const specPath = [...path, 'spec'];
  const spec = readMap(m['spec'], specPath, out) ?? {};
  // policy/v1: an empty or absent selector selects every pod of the namespace (types.go Selector).
  const selector = convertLabelSelector(spec['selector'], [...specPath, 'selector'], out) ?? {};
  const minAvailable = intOrPercent(spec['minAvailable'], [...specPath, 'minAvailable'], out);
  const maxUnavailable = intOrPercent(spec['maxUnavailable'], [...specPath, 'maxUnavailable'], out);
  if (minAvailable !== undefined && maxUnavailable !== undefined) out.add([...specPath, 'maxUnavailable'], 'minAvailable and maxUnavailable cannot be both set');
  const policy: UnhealthyPodEvictionPolicy = oneOf(spec['unhealthyPodEvictionPolicy'], ['IfHealthyBudget', 'AlwaysAllow'] as const, [...specPath, 'unhealthyPodEvictionPolicy'], out) ?? 'IfHealthyBudget';
  const neither = (spec['minAvailable'] ?? null) === null && (spec['maxUnavailable'] ?? null) === null;
  if (name === undefined || (!neither && (minAvailable === undefined) === (maxUnavailable === undefined))) return undefined;
  return { name, namespace, selector, minAvailable, maxUnavailable: neither ? { kind: 'percent', value: 100 } : maxUnavailable, unhealthyPodEvictionPolicy: policy };
}

/** intstr.IntOrString: a count >= 0 or "NN%" of at most 100 (ValidatePodDisruptionBudgetSpec). */
function intOrPercent(v: unknown, path: Path, out: IssueList): IntOrPercent | undefined {
  if (v === undefined || v === null) return undefined;
  const parsed = typeof v === 'number' || typeof v === 'string' ? parseIntOrPercent(v) : undefined;
  if (!parsed || parsed.value < 0 || (parsed.kind === 'percent' && parsed.value > 100)) {
    out.add(path, `expected a count >= 0 or a percentage of at most 100% such as "50%", got ${describe(v)}`);
    return undefined;
  }
  return parsed;
}

import { parseIntOrPercent, type DisruptionBudgetSpec, type IntOrPercent, type UnhealthyPodEvictionPolicy } from '../api/disruption.js';
import { convertLabelSelector } from './kube-constraints.js';
import { describe, type IssueList, oneOf, type Path, readMap, readObject, readString, required } from './kube-fields.js';
import { DEFAULT_NAMESPACE } from './kube-pod.js';

/**
 * A policy/v1 PodDisruptionBudget as the scenario's `disruptionBudgets:` entry it stands for.
 * Checks as ValidatePodDisruptionBudgetSpec (pkg/apis/policy/validation/validation.go): at most
 * one of minAvailable and maxUnavailable, a count >= 0 or a percentage of at most 100%. Neither
 * set is accepted by the API server, and the disruption controller then expects every pod to
 * stay (pkg/controller/disruption/disruption.go getExpectedPodCount: minAvailable defaults to
 * 1 in policy/v1beta1 only); it is refused here rather than guessed.
 */
export function convertPodDisruptionBudget(v: unknown, path: Path, out: IssueList): DisruptionBudgetSpec | undefined {
  const m = readObject(v, path, out, 'a PodDisruptionBudget object');
  if (!m) return undefined;
  const meta = readMap(m['metadata'], [...path, 'metadata'], out);
  const name = required(readString(meta?.['name'], [...path, 'metadata', 'name'], out), meta?.['name'], [...path, 'metadata', 'name'], out, 'metadata.name');
  const namespace = readString(meta?.['namespace'], [...path, 'metadata', 'namespace'], out) || DEFAULT_NAMESPACE;
  const specPath = [...path, 'spec'];
  const spec = readMap(m['spec'], specPath, out) ?? {};
  // policy/v1: an empty or absent selector selects every pod of the namespace (types.go Selector).
  const selector = convertLabelSelector(spec['selector'], [...specPath, 'selector'], out) ?? {};
  const minAvailable = intOrPercent(spec['minAvailable'], [...specPath, 'minAvailable'], out);
  const maxUnavailable = intOrPercent(spec['maxUnavailable'], [...specPath, 'maxUnavailable'], out);
  if (minAvailable !== undefined && maxUnavailable !== undefined) out.add([...specPath, 'maxUnavailable'], 'minAvailable and maxUnavailable cannot be both set');
  if (spec['minAvailable'] === undefined && spec['maxUnavailable'] === undefined) out.add(specPath, 'expected spec.minAvailable or spec.maxUnavailable');
  const policy: UnhealthyPodEvictionPolicy = oneOf(spec['unhealthyPodEvictionPolicy'], ['IfHealthyBudget', 'AlwaysAllow'] as const, [...specPath, 'unhealthyPodEvictionPolicy'], out) ?? 'IfHealthyBudget';
  if (name === undefined || (minAvailable === undefined) === (maxUnavailable === undefined)) return undefined;
  return { name, namespace, selector, minAvailable, maxUnavailable, unhealthyPodEvictionPolicy: policy };
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

import type { PodGroupSpec } from '../api/podgroup.js';
import { describe, type IssueList, type Path, readMap, readObject, readObjectName } from './kube-fields.js';

/** scheduling.x-k8s.io/v1alpha1 (apis/scheduling/v1alpha1/groupversion_info.go). */
export const POD_GROUP_API_VERSION = 'scheduling.x-k8s.io/v1alpha1';

/**
 * A PodGroup of scheduler-plugins' coscheduling (apis/scheduling/v1alpha1/types.go
 * PodGroupSpec): minMember (kubebuilder minimum 1) and scheduleTimeoutSeconds; minResources is
 * not modelled (a warning-free omission: the Permit and PreFilter member counts are).
 */
export function convertPodGroup(v: unknown, path: Path, out: IssueList): PodGroupSpec | undefined {
  const m = readObject(v, path, out, 'a PodGroup object');
  if (!m) return undefined;
  const { name, namespace } = readObjectName(m, path, out);
  const specPath = [...path, 'spec'];
  const spec = readMap(m['spec'], specPath, out) ?? {};
  const minMember = spec['minMember'];
  if (typeof minMember !== 'number' || !Number.isInteger(minMember) || minMember < 1) {
    out.add([...specPath, 'minMember'], `expected a whole number >= 1 (the pods to place together), got ${describe(minMember)}`);
    return undefined;
  }
  const timeout = spec['scheduleTimeoutSeconds'];
  if (timeout !== undefined && timeout !== null && (typeof timeout !== 'number' || !Number.isInteger(timeout) || timeout < 0)) {
    out.add([...specPath, 'scheduleTimeoutSeconds'], `expected whole seconds >= 0, got ${describe(timeout)}`);
    return undefined;
  }
  if (name === undefined) return undefined;
  return { name, namespace, minMember, ...(typeof timeout === 'number' ? { scheduleTimeoutSeconds: timeout } : {}) };
}

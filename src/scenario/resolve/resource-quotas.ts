import type { ResourceQuotaSpec } from '../../api/quota.js';
import type { Positioned } from '../../workloads/manifests.js';
import type { ScenarioDoc } from '../schema.js';
import { addIssue, type ResolveContext } from './context.js';

/**
 * The scenario's `resourceQuotas` and ResourceQuota manifests, one per namespace (orchsim enforces
 * one quota per namespace: a second is refused at its position).
 */
export function resolveResourceQuotas(doc: ScenarioDoc, fromManifests: readonly Positioned<ResourceQuotaSpec>[], ctx: ResolveContext): ResourceQuotaSpec[] {
  const out: ResourceQuotaSpec[] = [];
  const seen = new Set<string>();
  (doc.resourceQuotas ?? []).forEach((q, i) => {
    const h = q.hard;
    const hard = {
      ...(h['requests.cpu'] ?? h.cpu) !== undefined ? { 'requests.cpu': (h['requests.cpu'] ?? h.cpu)! } : {},
      ...(h['requests.memory'] ?? h.memory) !== undefined ? { 'requests.memory': (h['requests.memory'] ?? h.memory)! } : {},
      ...(h['requests.nvidia.com/gpu'] !== undefined ? { 'requests.nvidia.com/gpu': h['requests.nvidia.com/gpu'] } : {}),
      ...(h.pods !== undefined ? { pods: h.pods } : {}),
    };
    if (seen.has(q.namespace)) addIssue(ctx, ['resourceQuotas', i, 'namespace'], `namespace "${q.namespace}" already has a ResourceQuota (orchsim enforces one per namespace)`);
    seen.add(q.namespace);
    out.push({ name: q.name ?? `quota-${q.namespace}`, namespace: q.namespace, hard });
  });
  for (const m of fromManifests) {
    if (seen.has(m.value.namespace)) ctx.issues.push(m.issue(['metadata', 'namespace'], `namespace "${m.value.namespace}" already has a ResourceQuota (orchsim enforces one per namespace)`));
    seen.add(m.value.namespace);
    out.push(m.value);
  }
  return out;
}

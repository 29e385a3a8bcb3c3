import { HPA_DEFAULTS, type MetricSpec } from '../../api/autoscaling.js';
import type { Manifests } from '../../workloads/manifests.js';
import { hpaSpec, validateHpaSpec } from '../../autoscalers/hpa-spec.js';
import type { SimNodeGroup } from '../../sim/simulation.js';
import { parseDuration } from '../../util/quantity.js';
import type { ResolvedScenario, ServiceModel } from '../resolve.js';
import type { HpaDoc, ScenarioDoc } from '../schema.js';
import { addIssue, issueError, type DocPath, type ResolveContext } from './context.js';

/** autoscaling/v2 metrics and behavior as written in the file, to a full spec with Kubernetes defaults. */
export function resolveHpa(h: HpaDoc, path: DocPath, ctx: ResolveContext): NonNullable<ServiceModel['hpa']> {
  const policy = h.policy ?? 'hpa';
  if (!ctx.autoscalers.horizontal.has(policy)) {
    throw issueError(ctx, [...path, 'policy'], `unknown horizontal autoscaler "${policy}" (known: ${[...ctx.autoscalers.horizontal.keys()].join(', ')}; a plugin module may export more as horizontalAutoscalers)`);
  }
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
    return { spec, syncPeriod: h.syncPeriod ?? 15, policy };
  } catch (e) {
    throw issueError(ctx, path, e instanceof Error ? e.message : String(e));
  }
}

/** A cluster autoscaler needs node groups to size: an issue when no pool is autoscaled. */
export function checkClusterAutoscalerGroups(doc: ScenarioDoc, nodeGroups: readonly SimNodeGroup[], ctx: ResolveContext): void {
  if (doc.clusterAutoscaler && nodeGroups.length === 0) {
    addIssue(ctx, ['clusterAutoscaler'], 'a cluster autoscaler needs at least one pool with `autoscaling: {min, max}`');
  }
}

/**
 * The cluster autoscaler policy and its options (durations may be written "10m"), checked by
 * instantiating the policy over the node groups once; each run builds its own.
 */
export function resolveClusterAutoscaler(doc: ScenarioDoc, nodeGroups: readonly SimNodeGroup[], ctx: ResolveContext): ResolvedScenario['clusterAutoscaler'] {
  const ca = doc.clusterAutoscaler;
  if (!ca) return undefined;
  const options: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(ca.options ?? {})) options[k] = typeof v === 'string' ? parseDuration(v) ?? v : v;
  const factory = ctx.autoscalers.cluster.get(ca.policy);
  if (!factory) {
    throw issueError(ctx, ['clusterAutoscaler', 'policy'], `unknown cluster autoscaler "${ca.policy}" (known: ${[...ctx.autoscalers.cluster.keys()].join(', ')}; a plugin module may export more as clusterAutoscalers)`);
  }
  try {
    factory(nodeGroups.map((g) => g.spec), options);
  } catch (e) {
    throw issueError(ctx, ['clusterAutoscaler', ca.options ? 'options' : 'policy'], e instanceof Error ? e.message : String(e));
  }
  return { policy: ca.policy, options };
}

/**
 * The HorizontalPodAutoscalers of manifest files, as the HPAs of the services their Deployments
 * became (the same spec and defaults as a service's `autoscaling:`, hpa-spec.ts). A manifest
 * carries no load model, so such a service's pods read 0 % utilization and the HPA keeps it at
 * minReplicas: said in a warning.
 */
export function addManifestHpas(models: Map<string, ServiceModel>, hpas: Manifests['autoscalers'], ctx: ResolveContext): void {
  for (const { workload, hpa, issue } of hpas) {
    try {
      const spec = hpaSpec({ minReplicas: hpa.minReplicas, maxReplicas: hpa.maxReplicas, metrics: hpa.metrics, behavior: hpa.behavior });
      validateHpaSpec(spec);
      const model = models.get(workload);
      models.set(workload, { ...model, hpa: { spec, syncPeriod: HPA_DEFAULTS.syncPeriod, policy: 'hpa' } });
      if (!model?.load) ctx.warnings.push(issue(`HorizontalPodAutoscaler ${hpa.namespace}/${hpa.name}: Deployment "${workload}" has no load model (manifests carry none), so its pods read 0 % utilization and it scales to minReplicas ${spec.minReplicas}`));
    } catch (e) {
      ctx.issues.push(issue(e instanceof Error ? e.message : String(e)));
    }
  }
}

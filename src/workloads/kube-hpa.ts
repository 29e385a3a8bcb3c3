import type { HPAScalingPolicy, HPAScalingRules, MetricSpec } from '../api/autoscaling.js';
import { type IssueList, listAt, oneOf, type Path, readInt, readMap, readObject, readString, required, readObjectName } from './kube-fields.js';

/** One scaling direction of spec.behavior as written (defaults are added by the scenario layer, hpa-spec.ts). */
export interface ManifestScalingRules {
  readonly stabilizationWindowSeconds?: number | undefined;
  readonly selectPolicy?: HPAScalingRules['selectPolicy'] | undefined;
  readonly policies?: readonly HPAScalingPolicy[] | undefined;
}

/** An autoscaling/v2 HorizontalPodAutoscaler as read: its Deployment, and the spec before defaulting. */
export interface ManifestHpa {
  readonly name: string;
  readonly namespace: string;
  /** spec.scaleTargetRef.name: a Deployment of the same file and namespace. */
  readonly deployment: string;
  readonly minReplicas?: number | undefined;
  readonly maxReplicas: number;
  readonly metrics: readonly MetricSpec[];
  readonly behavior?: { readonly scaleUp?: ManifestScalingRules | undefined; readonly scaleDown?: ManifestScalingRules | undefined } | undefined;
}

/**
 * Reads a HorizontalPodAutoscaler (autoscaling/v2, staging/src/k8s.io/api/autoscaling/v2/types.go).
 * Modelled: a Deployment target, min/maxReplicas, Resource metrics (cpu, memory) with a
 * Utilization target, behavior. Other metric types (Pods, Object, External, ContainerResource)
 * and AverageValue targets need metrics a manifest does not carry: refused, naming the field.
 */
export function convertHorizontalPodAutoscaler(v: unknown, path: Path, out: IssueList): ManifestHpa | undefined {
  const m = readObject(v, path, out, 'a HorizontalPodAutoscaler object');
  if (!m) return undefined;
  const apiVersion = readString(m['apiVersion'], [...path, 'apiVersion'], out);
  if (apiVersion !== undefined && apiVersion !== 'autoscaling/v2') out.add([...path, 'apiVersion'], `expected autoscaling/v2, got "${apiVersion}" (convert it with kubectl convert)`);
  const { name, namespace } = readObjectName(m, path, out);
  const specPath = [...path, 'spec'];
  const spec = readMap(m['spec'], specPath, out) ?? {};
  const refPath = [...specPath, 'scaleTargetRef'];
  const ref = readMap(spec['scaleTargetRef'], refPath, out);
  if (!ref) out.add(refPath, 'expected spec.scaleTargetRef (kind: Deployment, name)');
  const kind = readString(ref?.['kind'], [...refPath, 'kind'], out);
  if (ref && kind !== 'Deployment') out.add([...refPath, 'kind'], `expected kind Deployment (the only scale target modelled), got ${kind === undefined ? 'none' : `"${kind}"`}`);
  const deployment = required(readString(ref?.['name'], [...refPath, 'name'], out), ref?.['name'], [...refPath, 'name'], out, 'the Deployment\'s name');
  // ValidateHorizontalPodAutoscalerSpec: minReplicas >= 1 (0 only behind the HPAScaleToZero gate), maxReplicas >= minReplicas.
  const minReplicas = readInt(spec['minReplicas'], [...specPath, 'minReplicas'], out, 1);
  const maxReplicas = required(readInt(spec['maxReplicas'], [...specPath, 'maxReplicas'], out, 1), spec['maxReplicas'], [...specPath, 'maxReplicas'], out, 'spec.maxReplicas');
  if (minReplicas !== undefined && maxReplicas !== undefined && maxReplicas < minReplicas) out.add([...specPath, 'maxReplicas'], `must be greater than or equal to minReplicas (${minReplicas})`);
  const metrics = listAt(spec['metrics'], [...specPath, 'metrics'], out, (x, p) => metricAt(x, p, out)) ?? [];
  const b = readMap(spec['behavior'], [...specPath, 'behavior'], out);
  const behavior = b && {
    scaleUp: rulesAt(b['scaleUp'], [...specPath, 'behavior', 'scaleUp'], out),
    scaleDown: rulesAt(b['scaleDown'], [...specPath, 'behavior', 'scaleDown'], out),
  };
  if (name === undefined || deployment === undefined || maxReplicas === undefined || kind !== 'Deployment') return undefined;
  return { name, namespace, deployment, minReplicas, maxReplicas, metrics, behavior };
}

function metricAt(v: unknown, path: Path, out: IssueList): MetricSpec | undefined {
  const m = readObject(v, path, out, 'a metric');
  if (!m) return undefined;
  const type = readString(m['type'], [...path, 'type'], out);
  if (type !== 'Resource') {
    out.add([...path, 'type'], `metrics of type ${type === undefined ? '(none)' : `"${type}"`} are not modelled from manifests (Resource cpu or memory with a Utilization target are; the scenario's service \`autoscaling:\` takes Pods and External metrics)`);
    return undefined;
  }
  const r = readMap(m['resource'], [...path, 'resource'], out) ?? {};
  const name = oneOf(r['name'], ['cpu', 'memory'] as const, [...path, 'resource', 'name'], out);
  const t = readMap(r['target'], [...path, 'resource', 'target'], out) ?? {};
  const targetType = readString(t['type'], [...path, 'resource', 'target', 'type'], out);
  if (targetType !== 'Utilization') {
    out.add([...path, 'resource', 'target', 'type'], `expected Utilization (an averageUtilization percentage), got ${targetType === undefined ? 'none' : `"${targetType}"`}`);
    return undefined;
  }
  const pct = required(readInt(t['averageUtilization'], [...path, 'resource', 'target', 'averageUtilization'], out, 1), t['averageUtilization'], [...path, 'resource', 'target', 'averageUtilization'], out, 'averageUtilization (a percentage of the requests)');
  if (name === undefined || pct === undefined) return undefined;
  return { type: 'Resource', name, target: { type: 'Utilization', averageUtilization: pct } };
}

function rulesAt(v: unknown, path: Path, out: IssueList): ManifestScalingRules | undefined {
  const r = readMap(v, path, out);
  if (!r) return undefined;
  // HPAScalingRules: window 0..3600 s, period 1..1800 s (validation.go validateScalingRules); hpa-spec.ts checks them again.
  const stabilizationWindowSeconds = readInt(r['stabilizationWindowSeconds'], [...path, 'stabilizationWindowSeconds'], out, 0, 3600);
  const selectPolicy = oneOf(r['selectPolicy'], ['Max', 'Min', 'Disabled'] as const, [...path, 'selectPolicy'], out);
  const policies = listAt(r['policies'], [...path, 'policies'], out, (x, p): HPAScalingPolicy | undefined => {
    const q = readObject(x, p, out, 'a scaling policy');
    if (!q) return undefined;
    const type = oneOf(q['type'], ['Pods', 'Percent'] as const, [...p, 'type'], out);
    const value = required(readInt(q['value'], [...p, 'value'], out, 1), q['value'], [...p, 'value'], out, 'value (> 0)');
    const periodSeconds = required(readInt(q['periodSeconds'], [...p, 'periodSeconds'], out, 1, 1800), q['periodSeconds'], [...p, 'periodSeconds'], out, 'periodSeconds');
    return type !== undefined && value !== undefined && periodSeconds !== undefined ? { type, value, periodSeconds } : undefined;
  });
  return {
    ...(stabilizationWindowSeconds !== undefined ? { stabilizationWindowSeconds } : {}),
    ...(selectPolicy !== undefined ? { selectPolicy } : {}),
    ...(policies !== undefined ? { policies } : {}),
  };
}

import { describe, expect, it } from 'vitest';
import { readManifests } from '../../src/workloads/manifests.js';
import { formatIssue } from '../../src/util/errors.js';
import { inputError } from '../helpers/plugins.js';

/** PodDisruptionBudget and HorizontalPodAutoscaler manifests, unmodelled-field warnings, spec.schedulerName (issue 18, items 6 and 7). */

const DEPLOYMENT = `apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: shop}
spec:
  replicas: 3
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web, tier: front}}
    spec:
      schedulerName: binpack
      containers: [{name: c, image: x, resources: {requests: {cpu: 500m, memory: 1Gi}}}]
`;

describe('PodDisruptionBudget manifests', () => {
  it('read into disruption budgets: selector, int or percent, unhealthyPodEvictionPolicy', () => {
    const m = readManifests(`${DEPLOYMENT}---
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata: {name: web-pdb, namespace: shop}
spec:
  minAvailable: 2
  selector:
    matchLabels: {app: web}
    matchExpressions: [{key: tier, operator: In, values: [front]}]
---
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata: {name: any}
spec:
  maxUnavailable: "25%"
  unhealthyPodEvictionPolicy: AlwaysAllow
  selector: {matchLabels: {app: db}}
`, 'm.yaml');
    expect(m.disruptionBudgets).toEqual([
      { name: 'web-pdb', namespace: 'shop', selector: { matchLabels: { app: 'web' }, matchExpressions: [{ key: 'tier', operator: 'In', values: ['front'] }] }, minAvailable: { kind: 'int', value: 2 }, maxUnavailable: undefined, unhealthyPodEvictionPolicy: 'IfHealthyBudget' },
      { name: 'any', namespace: 'default', selector: { matchLabels: { app: 'db' } }, minAvailable: undefined, maxUnavailable: { kind: 'percent', value: 25 }, unhealthyPodEvictionPolicy: 'AlwaysAllow' },
    ]);
  });

  it('refuses both minAvailable and maxUnavailable, and percentages above 100%', () => {
    const pdb = (spec: string) => `apiVersion: policy/v1\nkind: PodDisruptionBudget\nmetadata: {name: p}\nspec: ${spec}\n`;
    expect(inputError(() => readManifests(pdb('{minAvailable: 1, maxUnavailable: 1, selector: {matchLabels: {a: b}}}'), 'p.yaml')).issues.map((i) => i.message)).toEqual(['minAvailable and maxUnavailable cannot be both set']);
    // Neither: the disruption controller wants 0 healthy pods, so every disruption is allowed.
    expect(readManifests(pdb('{selector: {matchLabels: {a: b}}}'), 'p.yaml').disruptionBudgets[0]).toMatchObject({ minAvailable: undefined, maxUnavailable: { kind: 'percent', value: 100 } });
    expect(inputError(() => readManifests(`${pdb('{minAvailable: 1}')}---\n${pdb('{minAvailable: 2}')}`, 'p.yaml')).issues.map((i) => [i.line, i.message])).toEqual([[8, 'duplicate PodDisruptionBudget "default/p" (first defined at line 3)']]);
    expect(inputError(() => readManifests(pdb('{minAvailable: "150%"}'), 'p.yaml')).issues.map(formatIssue)).toEqual(['p.yaml:4:22: expected a count >= 0 or a percentage of at most 100% such as "50%", got "150%" (at spec.minAvailable)']);
  });
});

describe('HorizontalPodAutoscaler manifests', () => {
  it('read with their Deployment: replicas range, Resource metrics, behavior', () => {
    const m = readManifests(`${DEPLOYMENT}---
apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata: {name: web, namespace: shop}
spec:
  scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: web}
  minReplicas: 2
  maxReplicas: 10
  metrics:
    - {type: Resource, resource: {name: cpu, target: {type: Utilization, averageUtilization: 60}}}
    - {type: Resource, resource: {name: memory, target: {type: Utilization, averageUtilization: 80}}}
  behavior:
    scaleDown:
      stabilizationWindowSeconds: 120
      policies: [{type: Pods, value: 1, periodSeconds: 60}]
    scaleUp:
      selectPolicy: Min
`, 'h.yaml');
    expect(m.autoscalers.map((a) => [a.workload, a.hpa])).toEqual([['shop/web', {
      name: 'web', namespace: 'shop', deployment: 'web', minReplicas: 2, maxReplicas: 10,
      metrics: [
        { type: 'Resource', name: 'cpu', target: { type: 'Utilization', averageUtilization: 60 } },
        { type: 'Resource', name: 'memory', target: { type: 'Utilization', averageUtilization: 80 } },
      ],
      behavior: { scaleDown: { stabilizationWindowSeconds: 120, policies: [{ type: 'Pods', value: 1, periodSeconds: 60 }] }, scaleUp: { selectPolicy: 'Min' } },
    }]]);
  });

  it('refuses a target not in the file, other metric types and apiVersions', () => {
    const e = inputError(() => readManifests(`apiVersion: autoscaling/v1
kind: HorizontalPodAutoscaler
metadata: {name: h}
spec:
  scaleTargetRef: {kind: Deployment, name: nowhere}
  maxReplicas: 3
  metrics: [{type: Pods, pods: {metric: {name: rps}, target: {type: AverageValue, averageValue: "10"}}}]
`, 'h.yaml'));
    expect(e.issues.map((i) => [i.line, i.message.replace(/ \(.*$/, '')])).toEqual([
      [1, 'expected autoscaling/v2, got "autoscaling/v1"'],
      [7, 'metrics of type "Pods" are not modelled from manifests'],
      [5, 'no Deployment "default/nowhere" in this file'],
    ]);
  });
});

describe('unmodelled pod fields', () => {
  it('each gives one warning per file that names it, at its first occurrence', () => {
    const m = readManifests(`apiVersion: v1
kind: Pod
metadata: {name: a}
spec:
  volumes: [{name: data, emptyDir: {}}]
  schedulingGates: [{name: wait}]
  resourceClaims: [{name: gpu, resourceClaimName: c}]
  containers:
    - name: c
      volumeMounts: [{name: data, mountPath: /d}]
      ports: [{containerPort: 80, hostPort: 8080}]
      resources: {requests: {cpu: 100m}, limits: {cpu: 200m}}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: b}
spec:
  selector: {matchLabels: {app: b}}
  template:
    metadata: {labels: {app: b}}
    spec:
      volumes: [{name: data, emptyDir: {}}]
      containers: [{name: c, resources: {limits: {cpu: 100m}}}]
`, 'w.yaml');
    expect(m.warnings.map((w) => `${w.line}: ${w.message.replace(/ \(.*$/, '')}`)).toEqual([
      '5: field spec.volumes is not modelled',
      '7: field spec.resourceClaims is not modelled',
      '6: field spec.schedulingGates is not modelled',
      '10: field spec.containers[].volumeMounts is not modelled',
      '12: field spec.containers[].resources.limits is not modelled',
      '11: field spec.containers[].ports[].hostPort is not modelled',
    ]);
    // Limits without requests stand for the requests (modelled): no warning for the Deployment's.
    expect(m.workloads.map((w) => w.name)).toEqual(['default/a', 'default/b']);
  });

  it('reads spec.schedulerName; "default-scheduler" is the default and left unset', () => {
    const m = readManifests(`${DEPLOYMENT}---
apiVersion: v1
kind: Pod
metadata: {name: p}
spec: {schedulerName: default-scheduler, containers: [{name: c}]}
`, 's.yaml');
    expect(m.workloads.map((w) => (w.kind === 'service' || w.kind === 'job' ? w.spec.schedulerName : w.kind === 'pods' ? w.pods[0]!.spec.schedulerName : undefined))).toEqual(['binpack', undefined]);
    expect(m.warnings).toEqual([]);
  });
});

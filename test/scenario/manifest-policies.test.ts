import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { prepareScenario, runPrepared } from '../../src/scenario/index.js';

/** A manifest's PodDisruptionBudget and HorizontalPodAutoscaler in a whole scenario, with its warnings. */

const dir = mkdtempSync(join(tmpdir(), 'orchsim-manifest-policies-'));
writeFileSync(join(dir, 'app.yaml'), `apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  replicas: 6
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      volumes: [{name: cache, emptyDir: {}}]
      containers: [{name: c, resources: {requests: {cpu: "1", memory: 1Gi}}}]
---
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata: {name: web}
spec: {maxUnavailable: 1, selector: {matchLabels: {app: web}}}
---
apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata: {name: web}
spec:
  scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: web}
  minReplicas: 2
  maxReplicas: 8
  metrics: [{type: Resource, resource: {name: cpu, target: {type: Utilization, averageUtilization: 50}}}]
  behavior: {scaleDown: {stabilizationWindowSeconds: 60}}
`);
const scenario = join(dir, 's.yaml');
writeFileSync(scenario, `horizon: 30m
sampleInterval: 0
cluster:
  pools:
    - { name: n, count: 3, resources: { cpu: 8, memory: 32Gi } }
  manifests: [app.yaml]
workloads: []
`);

describe('policy manifests in a scenario', () => {
  it('the budget joins the disruption budgets, the HPA becomes the service\'s, and the warnings say what is not modelled', () => {
    const p = prepareScenario(scenario);
    const r = p.resolved;
    expect(r.disruptionBudgets?.map((b) => [b.name, b.maxUnavailable])).toEqual([['web', { kind: 'int', value: 1 }]]);
    const hpa = r.serviceModels?.get('default/web')?.hpa;
    expect(hpa?.spec).toMatchObject({ minReplicas: 2, maxReplicas: 8, behavior: { scaleDown: { stabilizationWindowSeconds: 60 } } });
    expect(r.warnings?.map((w) => `${w.file.replace(/^.*\//, '')}:${w.line}: ${w.message.replace(/ \(.*$/, '')}`)).toEqual([
      'app.yaml:10: field spec.volumes is not modelled',
      'app.yaml:22: HorizontalPodAutoscaler default/web: Deployment "default/web" has no load model',
    ]);
    const out = runPrepared(p);
    // No load: 0 % utilization, so the HPA scales the Deployment down to minReplicas.
    const svc = out.result.metrics.autoscaling?.services.find((s) => s.name === 'default/web');
    expect(svc).toBeDefined();
    expect(out.result.metrics.autoscaling?.actions['hpa']?.['scale-down']).toBeGreaterThan(0);
    expect(out.result.metrics.disruption).toBeDefined();
  });
});

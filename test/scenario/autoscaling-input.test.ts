import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { prepareScenario } from '../../src/scenario/index.js';
import { InputError } from '../../src/util/errors.js';

/** Bad autoscaling input: every mistake is reported with its line and path, never run. */
const dir = mkdtempSync(join(tmpdir(), 'orchsim-autoscaling-'));
let n = 0;
function issues(text: string): { line: number | undefined; path: string; message: string }[] {
  const f = join(dir, `s${n++}.yaml`);
  writeFileSync(f, text);
  try {
    prepareScenario(f);
  } catch (e) {
    if (!(e instanceof InputError)) throw e;
    for (const i of e.issues) expect(i.file).toBe(f);
    return e.issues.map((i) => ({ line: i.line, path: i.path.join('.'), message: i.message }));
  }
  throw new Error('expected the scenario to be rejected');
}

const scenario = (o: { pool?: string; ca?: string; service?: string }) => `
horizon: 2h
cluster:
  pools:
    - { name: web, count: 3, zones: [a, b, c], resources: { cpu: 8, memory: 32Gi }, ${o.pool ?? 'autoscaling: { min: 1, max: 4 }'} }
${o.ca ?? 'clusterAutoscaler: { policy: cluster-autoscaler }'}
workloads:
  - type: service
    name: web
    replicas: 3
    requests: { cpu: 1 }
${o.service ?? `    load: { constant: 100, capacityPerReplica: 50 }
    autoscaling: { maxReplicas: 10 }`}
`;

describe('autoscaling input', () => {
  it('a valid scenario resolves its groups, HPA and load', () => {
    const f = join(dir, 'valid.yaml');
    writeFileSync(f, scenario({}));
    const { resolved } = prepareScenario(f);
    expect(resolved.nodeGroups!.map((g) => g.spec.name)).toEqual(['web-a', 'web-b', 'web-c']);
    expect(resolved.nodes.map((x) => x.group)).toEqual(['web-a', 'web-b', 'web-c']);
    const model = resolved.serviceModels!.get('web')!;
    expect(model.hpa!.spec.minReplicas).toBe(1);
    expect(model.hpa!.spec.behavior.scaleDown.stabilizationWindowSeconds).toBe(300);
    expect(model.load!.slo).toBe(0.99);
  });

  it('an HPA without a load model', () => {
    expect(issues(scenario({ service: '    autoscaling: { maxReplicas: 10 }' }))).toEqual([
      { line: 12, path: 'workloads.0.autoscaling', message: expect.stringContaining('needs a `load` model') },
    ]);
  });

  it('minReplicas above maxReplicas, and replicas outside the range', () => {
    expect(issues(scenario({ service: '    load: { constant: 100, capacityPerReplica: 50 }\n    autoscaling: { minReplicas: 12, maxReplicas: 10 }' }))[0]).toMatchObject({ line: 13, path: 'workloads.0.autoscaling.minReplicas' });
    expect(issues(scenario({ service: '    load: { constant: 100, capacityPerReplica: 50 }\n    autoscaling: { minReplicas: 5, maxReplicas: 10 }' }))).toEqual([
      { line: 10, path: 'workloads.0.replicas', message: 'replicas 3 is outside the autoscaling range [5, 10]' },
    ]);
  });

  it('a load model with two bases, or a negative factor', () => {
    expect(issues(scenario({ service: '    load: { constant: 100, diurnal: { mean: 5, amplitude: 0.5 }, capacityPerReplica: 50 }' }))[0]!.message).toContain('exactly one base load');
    const bad = issues(scenario({ service: '    load: { constant: 100, capacityPerReplica: 50, spikes: [{ at: 1h, factor: -1, duration: 5m }] }' }));
    expect(bad[0]).toMatchObject({ line: 12, path: 'workloads.0.load.spikes.0.factor' });
  });

  it('a node group that starts outside its range, and min above max', () => {
    expect(issues(scenario({ pool: 'autoscaling: { min: 2, max: 4 }' }))[0]).toMatchObject({ line: 5, path: 'cluster.pools.0.count', message: expect.stringContaining('web-a starts with 1 node(s), outside its autoscaling range [2, 4]') });
    expect(issues(scenario({ pool: 'autoscaling: { min: 5, max: 4 }' }))[0]).toMatchObject({ path: 'cluster.pools.0.autoscaling.min' });
  });

  it('a cluster autoscaler without node groups, an unknown option, a bad expander', () => {
    expect(issues(scenario({ pool: 'pricePerHour: 1' }))[0]!.message).toContain('needs at least one pool with `autoscaling');
    expect(issues(scenario({ ca: 'clusterAutoscaler: { options: { scaleDownUnneededTim: 5m } }' }))[0]).toMatchObject({ line: 6, path: 'clusterAutoscaler.options', message: expect.stringContaining('unknown option scaleDownUnneededTim') });
    expect(issues(scenario({ ca: 'clusterAutoscaler: { options: { expander: cheapest } }' }))[0]!.message).toContain('cheapest');
    expect(issues(scenario({ ca: 'clusterAutoscaler: { policy: keda }' }))[0]).toMatchObject({ path: 'clusterAutoscaler.policy' });
  });
});

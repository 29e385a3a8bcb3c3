import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { prepareScenario, runPrepared } from '../../src/scenario/index.js';
import { InputError } from '../../src/util/errors.js';

const dir = mkdtempSync(join(tmpdir(), 'orchsim-quota-'));
let n = 0;
const write = (name: string, text: string) => {
  const f = join(dir, `${n++}-${name}`);
  writeFileSync(f, text);
  return f;
};
const errors = (f: string): string[] => {
  try {
    prepareScenario(f);
  } catch (e) {
    if (e instanceof InputError) return e.issues.map((i) => `${i.line}:${i.column} ${i.message}`);
    throw e;
  }
  return [];
};

const SCENARIO = (quota: string) => `horizon: 6h
cluster:
  pools: [{ name: n, count: 4, resources: { cpu: 16, memory: 64Gi } }]
${quota}
workloads:
  - { type: job, name: a, namespace: team-a, completions: 12, parallelism: 6, duration: 30m, requests: { cpu: 2, memory: 1Gi } }
  - { type: batch, name: b, arrival: { interval: 10m }, count: 10, duration: 20m, requests: { cpu: 1, memory: 1Gi } }
`;

describe('ResourceQuota per namespace (admission, plugin/pkg/admission/resourcequota)', () => {
  it("a namespace's pods never request more than its quota: the rest wait, in creation order, and run when room frees", () => {
    // 8 cpu of quota, pods of 2 cpu: 4 run at a time, never 6; 12 pods of 30 minutes take three
    // waves (0, 30m, 60m), so the last waits 60 minutes... at most 30 minutes after its creation,
    // since the Job creates each replacement when a pod finishes.
    const out = runPrepared(prepareScenario(write('s.yaml', SCENARIO('resourceQuotas:\n  - { namespace: team-a, hard: { requests.cpu: 8, pods: 10 } }'))));
    const q = out.result.metrics.resourceQuotas![0]!;
    expect(q).toMatchObject({ name: 'quota-team-a', namespace: 'team-a', heldAtEnd: 0, peak: { 'requests.cpu': 8000, pods: 4 }, hard: { 'requests.cpu': 8000, pods: 10 } });
    expect(q.podsHeld).toBeGreaterThan(0);
    expect(q.waitSeconds.max).toBe(1800);
    const a = out.result.metrics.workloads.find((w) => w.name === 'a')!;
    expect(a).toMatchObject({ submitted: 12, scheduled: 12, completed: 12 });
    // Another namespace's pods are not held.
    expect(out.result.metrics.workloads.find((w) => w.name === 'b')!.pendingSeconds.max).toBe(0);
    // Without the quota the Job runs 6 at a time: two waves.
    const free = runPrepared(prepareScenario(write('f.yaml', SCENARIO(''))));
    expect(free.result.metrics.resourceQuotas).toBeUndefined();
    expect(free.result.metrics.workloads.find((w) => w.name === 'a')!.pendingSeconds.max).toBe(0);
  });

  it('ResourceQuota manifests: spec.hard read, limits not modelled named, one quota per namespace', () => {
    const manifest = write('q.yaml', `apiVersion: v1
kind: ResourceQuota
metadata: { name: compute, namespace: team-a }
spec:
  hard: { requests.cpu: "8", requests.memory: 16Gi, limits.cpu: "16" }
`);
    const f = write('m.yaml', SCENARIO(`  manifests: [${manifest}]`).replace('cluster:\n  pools: [{ name: n, count: 4, resources: { cpu: 16, memory: 64Gi } }]\n', 'cluster:\n  pools: [{ name: n, count: 4, resources: { cpu: 16, memory: 64Gi } }]\n'));
    expect(errors(f)).toEqual(['5:65 hard limit "limits.cpu" is not modelled (modelled: requests.cpu, cpu, requests.memory, memory, requests.nvidia.com/gpu, pods)']);
    const twice = write('t.yaml', SCENARIO('resourceQuotas:\n  - { namespace: team-a, hard: { pods: 3 } }\n  - { namespace: team-a, hard: { cpu: 4 } }'));
    expect(errors(twice)).toEqual(['6:18 namespace "team-a" already has a ResourceQuota (orchsim enforces one per namespace)']);
  });
});

import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { prepareScenario, runPrepared } from '../../src/scenario/index.js';
import { InputError } from '../../src/util/errors.js';

const dir = mkdtempSync(join(tmpdir(), 'orchsim-kueue-objects-'));
let n = 0;
/** A scenario with the given Kueue manifest file (and optionally its own queueing section). */
function scenario(manifest: string, extra = ''): string {
  const k = n++;
  writeFileSync(join(dir, `kueue-${k}.yaml`), manifest);
  const f = join(dir, `s-${k}.yaml`);
  writeFileSync(f, `horizon: 2h
cluster:
  pools: [{ name: n, count: 2, resources: { cpu: 8, memory: 32Gi } }]
  manifests: [kueue-${k}.yaml]
${extra}`);
  return f;
}

const errors = (f: string): string[] => {
  try {
    prepareScenario(f);
  } catch (e) {
    if (e instanceof InputError) return e.issues.map((i) => `${i.line}:${i.column ?? ''} ${i.message}`);
    throw e;
  }
  return [];
};

// The single ClusterQueue of Kueue's "Run a Job" task (site/content/en/docs/tasks/run/jobs.md and
// its examples/admin/single-clusterqueue-setup.yaml: 9 cpu, 36Gi), and the sample Job of 3 pods.
const SETUP = `apiVersion: kueue.x-k8s.io/v1beta1
kind: ResourceFlavor
metadata: { name: default-flavor }
---
apiVersion: kueue.x-k8s.io/v1beta1
kind: ClusterQueue
metadata: { name: cluster-queue }
spec:
  namespaceSelector: {}
  resourceGroups:
    - coveredResources: ["cpu", "memory"]
      flavors:
        - name: default-flavor
          resources:
            - { name: cpu, nominalQuota: 9 }
            - { name: memory, nominalQuota: 36Gi }
---
apiVersion: kueue.x-k8s.io/v1beta1
kind: LocalQueue
metadata: { namespace: default, name: user-queue }
spec: { clusterQueue: cluster-queue }
`;
const JOB = (name: string, cpu: number) => `---
apiVersion: batch/v1
kind: Job
metadata: { name: ${name}, namespace: default, labels: { kueue.x-k8s.io/queue-name: user-queue } }
spec:
  parallelism: 3
  completions: 3
  template:
    metadata: { annotations: { orchsim.io/duration: 30m } }
    spec:
      restartPolicy: Never
      containers: [{ name: c, image: busybox, resources: { requests: { cpu: ${cpu}, memory: 200Mi } } }]
`;

describe('Kueue objects from manifests (kueue.x-k8s.io/v1beta1)', () => {
  it('a ResourceFlavor, ClusterQueue and LocalQueue from a manifest admit labelled Jobs within the quota', () => {
    // Two Jobs of 3 x 2 cpu against 9 cpu of quota: the first is admitted at once, the second
    // (6 more cpu would make 12) waits for the first to finish after 30 minutes.
    const out = runPrepared(prepareScenario(scenario(SETUP + JOB('a', 2) + JOB('b', 2))));
    const q = out.result.metrics.queueing!;
    expect(q.clusterQueues.map((c) => c.name)).toEqual(['cluster-queue']);
    expect(q.clusterQueues[0]).toMatchObject({ admitted: 2, pendingAtEnd: 0 });
    expect(q.clusterQueues[0]!.admissionWaitSeconds.max).toBe(1800);
    expect(out.result.metrics.pods.completed).toBe(6);
  });

  it('joins the scenario\'s queueing section, and checks names across both', () => {
    const extra = `queueing:
  flavors: [{ name: default-flavor }]
  clusterQueues: [{ name: other, resources: [{ flavor: default-flavor, cpu: { nominal: 4 } }] }]
  localQueues: [{ name: other, clusterQueue: other }]
`;
    // At the manifest's metadata.name (line 3, column 19).
    expect(errors(scenario(SETUP, extra))).toEqual(['3:19 resource flavor "default-flavor" is defined twice (in the scenario\'s queueing section or another manifest)']);
    const ok = prepareScenario(scenario(SETUP.replace('name: default-flavor }', 'name: gpu-flavor }').replace('- name: default-flavor', '- name: gpu-flavor'), extra));
    expect(ok.resolved.queueing!.clusterQueues.map((c) => c.name)).toEqual(['other', 'cluster-queue']);
  });

  it('bad objects are bad input at their line: webhook rules and api versions first, then references to what does not exist', () => {
    const bad = SETUP
      .replace('kueue.x-k8s.io/v1beta1\nkind: LocalQueue', 'kueue.x-k8s.io/v1alpha1\nkind: LocalQueue')
      .replace('{ name: cpu, nominalQuota: 9 }', '{ name: cpu, nominalQuota: 9, lendingLimit: 2 }');
    // Each at its value: lendingLimit's 2 (line 15, column 59), the apiVersion (line 18, column 13).
    expect(errors(scenario(bad))).toEqual([
      '15:59 a lendingLimit needs a cohort (there is nobody to lend to)',
      '18:13 expected kueue.x-k8s.io/v1beta1 or kueue.x-k8s.io/v1beta2, got "kueue.x-k8s.io/v1alpha1"',
    ]);
    const dangling = SETUP.replace('spec: { clusterQueue: cluster-queue }', 'spec: { clusterQueue: nowhere }').replace('- name: default-flavor\n', '- name: missing-flavor\n');
    expect(errors(scenario(dangling))).toEqual([
      '13:17 unknown flavor "missing-flavor" (flavors: default-flavor)',
      '21:23 unknown cluster queue "nowhere" (cluster queues: cluster-queue)',
    ]);
  });
});

import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { prepareScenario } from '../../src/scenario/index.js';
import { createSimulation } from '../../src/scenario/runner.js';

/**
 * The nodes the cluster autoscaler brings (and the template nodes of its what-ifs) carry their
 * pool's labels with their own hostname, keys in the order the pool's own nodes have them: the
 * same keys in the same order give the labels one hidden class, so the scheduler's label reads
 * stay monomorphic when the first new node comes (bench/README.md, "Autoscaled week, sixth pass").
 */
describe("a scaled-up node's labels", () => {
  it("are its pool's nodes' labels with its own hostname, keys in the same order", () => {
    const f = join(mkdtempSync(join(tmpdir(), 'orchsim-template-labels-')), 'scenario.yaml');
    writeFileSync(f, `
horizon: 1h
cluster:
  pools:
    - name: pool
      count: 1
      zones: [zone-a]
      instanceType: m5.large
      labels: { team: web }
      resources: { cpu: 2, memory: 8Gi }
      autoscaling: { min: 1, max: 3, provisioningDelay: 60s }
clusterAutoscaler:
  policy: cluster-autoscaler
workloads:
  - { type: service, name: big, replicas: 2, requests: { cpu: 1500m, memory: 1Gi }, startup: 0s }
`);
    const { resolved, runOptions } = prepareScenario(f);
    const sim = createSimulation(resolved, runOptions);
    sim.run();
    const nodes = sim.cluster.nodes.filter((n) => !n.removed);
    expect(nodes.length).toBeGreaterThan(1);
    const [first, ...added] = nodes;
    expect(Object.keys(first!.labels)[0]).toBe('kubernetes.io/hostname');
    for (const n of added) {
      expect(Object.keys(n.labels)).toEqual(Object.keys(first!.labels));
      // The name wins over the template's hostname.
      expect(n.labels).toEqual({ ...first!.labels, 'kubernetes.io/hostname': n.name });
    }
  });
});

import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { prepareScenario, runPrepared, type RunResult } from '../../src/scenario/index.js';
import { InputError } from '../../src/util/errors.js';

/**
 * PodDisruptionBudgets in whole runs: kubectl drain through the eviction API (KUBERNETES.md 7.6,
 * kubectl pkg/drain/drain.go), deadlocks reported, timeouts, and the scenario key's validation.
 */

const dir = mkdtempSync(join(tmpdir(), 'orchsim-pdb-'));
let n = 0;
function write(yaml: string): string {
  const f = join(dir, `p${n++}.yaml`);
  writeFileSync(f, yaml);
  return f;
}
function run(yaml: string): RunResult {
  return runPrepared(prepareScenario(write(yaml))).result;
}
function issues(yaml: string): { line: number | undefined; path: string; message: string }[] {
  try {
    prepareScenario(write(yaml));
  } catch (e) {
    if (!(e instanceof InputError)) throw e;
    return e.issues.map((i) => ({ line: i.line, path: i.path.join('.'), message: i.message }));
  }
  throw new Error('expected the scenario to be rejected');
}

/** Four replicas of 2 cpu on `nodes` nodes of 4 cpu; node n-0 drained at 10 min. */
const scenario = (o: { nodes?: number; budget?: string; outage?: string } = {}) => `
horizon: 1h
sampleInterval: 0
cluster:
  pools:
    - { name: n, count: ${o.nodes ?? 2}, resources: { cpu: 4, memory: 16Gi } }
workloads:
  - { type: service, name: web, replicas: 4, requests: { cpu: 2, memory: 1Gi }, startup: 10s }
disruptionBudgets:
  - ${o.budget ?? '{ name: web, selector: { workload: web }, maxUnavailable: 1 }'}
failures:
  outages:
    - ${o.outage ?? '{ name: maintenance, at: 10m, node: n-0, duration: 8h, drain: true }'}
`;

describe('kubectl drain through the eviction API', () => {
  it('a drain on a full cluster deadlocks (the replacement is Pending, so every retry is refused) and is reported as never finished', () => {
    const d = run(scenario()).metrics.disruption!;
    // t = 600: the first pod is evicted; its replacement fits nowhere; the second pod is refused every 5 s until the horizon.
    expect(d.evictions).toEqual({ attempted: 602, allowed: 1, blocked: 601, failed: 0 });
    expect(d.budgets[0]).toMatchObject({ expected: 4, desiredHealthy: 3, currentHealthy: 3, disruptionsAllowed: 0 });
    expect(d.drains).toMatchObject({ started: 1, completed: 0, waiting: 1, waitSeconds: { mean: 3000, max: 3000 } });
    expect(d.drains.list[0]).toMatchObject({ source: 'maintenance', nodes: ['n-0'], started: 600, finished: null, outcome: 'waiting', blockedEvictions: 601 });
  });

  it('a drain finishes once the replacement is ready (retried every 5 s)', () => {
    const d = run(scenario({ nodes: 3 })).metrics.disruption!;
    expect(d.drains.list[0]).toMatchObject({ outcome: 'completed', started: 600, finished: 610, waitedSeconds: 10 });
    expect(d.evictions).toMatchObject({ allowed: 2, blocked: 2 });
  });

  it('drainTimeout gives up (kubectl --timeout); the end of the window closes a drain still refused', () => {
    const t = run(scenario({ outage: '{ name: m, at: 10m, node: n-0, duration: 8h, drain: true, drainTimeout: 2m }' })).metrics.disruption!;
    expect(t.drains.list[0]).toMatchObject({ outcome: 'timed-out', finished: 720, waitedSeconds: 120 });
    const w = run(scenario({ outage: '{ name: m, at: 10m, node: n-0, duration: 5m, drain: true }' })).metrics.disruption!;
    expect(w.drains.list[0]).toMatchObject({ outcome: 'blocked', finished: 900 });
  });

  it('minAvailable as a percent, and AlwaysAllow on an unready pod, read as upstream', () => {
    const d = run(scenario({ budget: '{ name: web, selector: { matchLabels: { app: web } }, minAvailable: "50%", unhealthyPodEvictionPolicy: AlwaysAllow }' })).metrics.disruption!;
    // desiredHealthy = ceil(50% x 4) = 2: both pods of n-0 go at once, the drain completes.
    expect(d.drains.list[0]).toMatchObject({ outcome: 'completed', waitedSeconds: 0 });
    expect(d.budgets[0]).toMatchObject({ desiredHealthy: 2, expected: 4 });
  });

  it('a scenario without budgets reports nothing new', () => {
    const r = run(scenario().replace(/disruptionBudgets:\n.*\n/, ''));
    expect(r.metrics.disruption).toBeUndefined();
  });
});

describe('disruptionBudgets: validation', () => {
  it('names the mistakes with their lines', () => {
    const got = issues(scenario({ budget: '{ name: web, selector: { workload: web }, maxUnavailable: 1, minAvailable: 1 }' }));
    expect(got).toEqual([{ line: 10, path: 'disruptionBudgets.0', message: 'set exactly one of minAvailable and maxUnavailable (as kubectl create pdb requires)' }]);
    expect(issues(scenario({ budget: '{ name: web, selector: { workload: web }, maxUnavailable: "150%" }' }))[0]).toMatchObject({ path: 'disruptionBudgets.0.maxUnavailable', message: expect.stringContaining('at most 100%') });
    expect(issues(scenario({ budget: '{ name: web, selector: { workload: web }, minAvailable: "half" }' }))[0]!.path).toBe('disruptionBudgets.0.minAvailable');
    expect(issues(scenario({ budget: '{ name: web, selector: {}, minAvailable: 1 }' }))[0]).toMatchObject({ path: 'disruptionBudgets.0.selector', message: 'select pods: workload, matchLabels or matchExpressions' });
    expect(issues(scenario({ budget: '{ name: web, selector: { workload: api }, minAvailable: 1 }' }))[0]).toMatchObject({ line: 10, path: 'disruptionBudgets.0.selector.workload', message: 'unknown workload "api" (services and jobs: web)' });
    expect(issues(scenario({ outage: '{ at: 10m, node: n-0, duration: 1h, drainTimeout: 1m }' }))[0]).toMatchObject({ path: 'failures.outages.0.drainTimeout', message: 'drainTimeout needs drain: true' });
  });

  it('a selector that matches no pod is accepted (as kube-apiserver accepts it) and allows nothing', () => {
    const d = run(scenario({ budget: '{ name: none, selector: { matchLabels: { app: nothing } }, minAvailable: 1 }' })).metrics.disruption!;
    expect(d.budgets[0]).toMatchObject({ expected: 0, disruptionsAllowed: 0, evictions: { attempted: 0 } });
    expect(d.drains.list[0]!.outcome).toBe('completed');
  });
});

describe('cluster autoscaler scale-down and Karpenter consolidation respect budgets', () => {
  const autoscaled = (policy: string, budget: string) => `
horizon: 2h
sampleInterval: 0
cluster:
  pools:
    - { name: c, count: 2, resources: { cpu: 8, memory: 32Gi }, pricePerHour: 0.4, autoscaling: { min: 0, max: 4, provisioningDelay: 60s } }
clusterAutoscaler: { policy: ${policy} }
workloads:
  - { type: service, name: web, replicas: 2, requests: { cpu: 1, memory: 1Gi }, startup: 5s }
${budget}`;
  const removed = (r: RunResult) => r.metrics.autoscaling!.actions;

  for (const policy of ['cluster-autoscaler', 'karpenter']) {
    it(`${policy}: a budget that allows no disruption keeps the node its pod is on; one that allows it lets it go`, () => {
      const free = run(autoscaled(policy, 'disruptionBudgets: [{ name: web, selector: { workload: web }, maxUnavailable: 1 }]'));
      expect(removed(free)[policy]?.['node-removed']).toBe(1);
      expect(free.metrics.disruption!.evictions).toMatchObject({ allowed: 1, blocked: 0 });
      expect(free.metrics.disruption!.drains).toMatchObject({ started: 1, completed: 1 });
      const held = run(autoscaled(policy, 'disruptionBudgets: [{ name: web, selector: { workload: web }, minAvailable: 2 }]'));
      expect(removed(held)[policy]?.['node-removed']).toBeUndefined();
      expect(held.metrics.disruption!.evictions.attempted).toBe(0);
      expect(held.cluster.nodes).toBe(2);
    });
  }
});

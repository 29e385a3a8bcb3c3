import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { prepareScenario } from '../../src/scenario/index.js';
import { createSimulation } from '../../src/scenario/runner.js';
import type { Lifecycle } from '../../src/sim/simulation.js';

/**
 * Property: an eviction through the eviction API never takes a PodDisruptionBudget's
 * currentHealthy below its desiredHealthy (it may leave it where it already was: an unready or
 * not-started pod's eviction changes no healthy count). Random packed clusters, budgets of every
 * kind, overlapping drains with and without timeouts; no unplanned failures.
 */

const SCALE = Number(process.env.ORCHSIM_PROPERTY_SCALE ?? 1);
const dir = mkdtempSync(join(tmpdir(), 'orchsim-pdb-prop-'));
let fileNo = 0;

const budgetArb = fc.oneof(
  fc.integer({ min: 0, max: 8 }).map((v) => `minAvailable: ${v}`),
  fc.integer({ min: 0, max: 100 }).map((v) => `minAvailable: "${v}%"`),
  fc.integer({ min: 0, max: 4 }).map((v) => `maxUnavailable: ${v}`),
  fc.integer({ min: 0, max: 100 }).map((v) => `maxUnavailable: "${v}%"`),
);
const scenarioArb = fc.record({
  nodes: fc.integer({ min: 2, max: 4 }),
  cpu: fc.constantFrom(2, 4, 8),
  replicas: fc.integer({ min: 1, max: 8 }),
  budget: budgetArb,
  policy: fc.constantFrom('IfHealthyBudget', 'AlwaysAllow'),
  crashes: fc.boolean(),
  drains: fc.array(fc.record({ at: fc.integer({ min: 60, max: 3000 }), node: fc.nat(), duration: fc.integer({ min: 30, max: 2000 }), timeout: fc.constantFrom(0, 60, 600) }), { minLength: 1, maxLength: 4 }),
});

describe('eviction API property', () => {
  it('no eviction through the API leaves a budget below desiredHealthy', () => {
    fc.assert(fc.property(scenarioArb, (a) => {
      const yaml = `
horizon: 1h
sampleInterval: 0
cluster:
  pools: [{ name: n, count: ${a.nodes}, resources: { cpu: ${a.cpu}, memory: 16Gi } }]
workloads:
  - { type: service, name: web, replicas: ${a.replicas}, requests: { cpu: 1, memory: 1Gi }, startup: { exponential: { mean: 20s } }${a.crashes ? ', crashes: { every: { exponential: { mean: 10m } } }' : ''} }
disruptionBudgets:
  - { name: web, selector: { workload: web }, ${a.budget}, unhealthyPodEvictionPolicy: ${a.policy} }
failures:
  outages:
${a.drains.map((d, i) => `    - { name: d${i}, at: ${d.at}, node: n-${d.node % a.nodes}, duration: ${d.duration}, drain: true, drainTimeout: ${d.timeout} }`).join('\n')}
`;
      const f = join(dir, `p${fileNo++}.yaml`);
      writeFileSync(f, yaml);
      const { resolved, runOptions } = prepareScenario(f);
      const violations: string[] = [];
      let evictions = 0;
      const watch = (api: Lifecycle) => {
        const evict = api.evict.bind(api);
        api.evict = (id, removal, approved) => {
          const b = api.disruptionBudgets[0]!;
          const before = b.currentHealthy;
          const out = evict(id, removal, approved);
          evictions++;
          if (out === 'evicted' && b.currentHealthy < b.desiredHealthy && b.currentHealthy < before) {
            violations.push(`t=${api.now} pod ${id}: currentHealthy ${before} -> ${b.currentHealthy} < desiredHealthy ${b.desiredHealthy}`);
          }
          return out;
        };
        return { start() {} };
      };
      createSimulation(resolved, { ...runOptions, controllers: [watch] }).run();
      expect(violations, yaml).toEqual([]);
      return evictions >= 0;
    }), { numRuns: Math.max(1, Math.round(40 * SCALE)), seed: 18 });
  });
});

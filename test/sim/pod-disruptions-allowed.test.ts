import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { prepareScenario } from '../../src/scenario/index.js';
import { createSimulation } from '../../src/scenario/runner.js';
import type { Lifecycle } from '../../src/sim/simulation.js';

/**
 * Lifecycle.podDisruptionsAllowed is podBudget's verdict without its object and key (the cluster
 * autoscaler's disruptionsAllowed, asked per pod per scan): Infinity without a budget, 0 when
 * several budgets select the pod, else the budget's allowed count. Checked for every pod, every
 * minute, over random runs with overlapping budgets, services' minAvailable, crashes and drains.
 */

const SCALE = Number(process.env.ORCHSIM_PROPERTY_SCALE ?? 1);
const dir = mkdtempSync(join(tmpdir(), 'orchsim-pod-budget-'));
let fileNo = 0;

const scenarioArb = fc.record({
  replicas: fc.integer({ min: 1, max: 6 }),
  minAvailable: fc.option(fc.integer({ min: 0, max: 5 }), { nil: undefined }),
  budgets: fc.array(fc.record({ on: fc.constantFrom('web', 'api'), min: fc.integer({ min: 0, max: 4 }) }), { maxLength: 3 }),
  crashes: fc.boolean(),
  drainAt: fc.integer({ min: 60, max: 1800 }),
});

describe('Lifecycle.podDisruptionsAllowed', () => {
  it("answers as podBudget's allowed count (Infinity: none, 0: shared) for every pod throughout random runs", () => {
    let checked = 0;
    let shared = 0;
    let none = 0;
    fc.assert(fc.property(scenarioArb, (a) => {
      const yaml = `
horizon: 1h
sampleInterval: 0
cluster:
  pools: [{ name: n, count: 3, resources: { cpu: 8, memory: 32Gi } }]
workloads:
  - { type: service, name: web, replicas: ${a.replicas}, requests: { cpu: 1, memory: 1Gi }${a.minAvailable !== undefined ? `, minAvailable: ${a.minAvailable}` : ''}, startup: { exponential: { mean: 20s } }${a.crashes ? ', crashes: { every: { exponential: { mean: 10m } } }' : ''} }
  - { type: service, name: api, replicas: 2, requests: { cpu: 1, memory: 1Gi } }
${a.budgets.length > 0 ? `disruptionBudgets:\n${a.budgets.map((b, i) => `  - { name: b${i}, selector: { workload: ${b.on} }, minAvailable: ${b.min} }`).join('\n')}` : ''}
failures:
  outages:
    - { name: d, at: ${a.drainAt}, node: n-0, duration: 600, drain: true }
`;
      const f = join(dir, `p${fileNo++}.yaml`);
      writeFileSync(f, yaml);
      const { resolved, runOptions } = prepareScenario(f);
      const mismatches: string[] = [];
      const watch = (api: Lifecycle) => {
        const check = api.engine.defineEvent('check-budgets', () => {
          for (let id = 0; id < api.pods.infos.length; id++) {
            if (api.pods.infos[id] === undefined) continue;
            const b = api.podBudget(id);
            const want = b === undefined ? Infinity : b.shared ? 0 : b.allowed;
            const got = api.podDisruptionsAllowed(id);
            if (got !== want) mismatches.push(`t=${api.now} pod ${id}: ${got} != ${want}`);
            checked++;
            if (b === undefined) none++;
            else if (b.shared) shared++;
          }
          if (api.now + 60 <= 3600) api.engine.scheduleAt(api.now + 60, check, 0);
        });
        return { start() { api.engine.scheduleAt(30, check, 0); } };
      };
      createSimulation(resolved, { ...runOptions, controllers: [watch] }).run();
      expect(mismatches, yaml).toEqual([]);
    }), { numRuns: Math.max(1, Math.round(30 * SCALE)), seed: 23 });
    // Not vacuous: pods without a budget, with one, and with several were asked about.
    expect(checked).toBeGreaterThan(1000);
    expect(none).toBeGreaterThan(0);
    expect(shared).toBeGreaterThan(0);
  });
});

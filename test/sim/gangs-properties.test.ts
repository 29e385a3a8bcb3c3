import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { PodPhase } from '../../src/api/pod.js';
import { prepareScenario } from '../../src/scenario/index.js';
import type { PodGroupStore } from '../../src/sim/pod-groups.js';
import { createSimulation } from '../../src/scenario/runner.js';
import { accountingViolations, expectDeterministic, overcommitChecker } from '../helpers/invariants.js';

/**
 * Gang scheduling properties, on small random GPU clusters with a stream of gangs (batch
 * `gang:`) and single-GPU pods, under the `gang` profile (default + Coscheduling):
 * - all-or-nothing: no pod fails in these runs, so a group's bound members (Bound, Running or
 *   Succeeded) are at every sample either 0 or at least minMember - Coscheduling binds a
 *   group's members in the one instant its assigned count reaches minMember, and never binds
 *   a member before; what a timeout or PostFilter rejects are only waiting (reserved) pods;
 * - a pod is reserved only while Pending, and never longer than its group's timeout (seen at
 *   the sample grid: reserved at two samples further apart than timeout + interval is a breach);
 * - reserved and bound requests never exceed a node's allocatable (the overcommit checker hears
 *   reservations as it hears binds);
 * - every pod is in exactly one phase, and the pods listed on nodes are the Bound and Running
 *   ones plus the reserved ones;
 * - same scenario, same result.
 */

const SCALE = Number(process.env.ORCHSIM_PROPERTY_SCALE ?? 1);
const dir = mkdtempSync(join(tmpdir(), 'orchsim-gang-prop-'));
let fileNo = 0;

const scenarioArb = fc.record({
  nodes: fc.integer({ min: 1, max: 4 }),
  gpus: fc.constantFrom(2, 4, 8),
  size: fc.integer({ min: 1, max: 4 }),
  missing: fc.integer({ min: 0, max: 2 }),
  gpuPerWorker: fc.constantFrom(1, 2),
  gangRate: fc.integer({ min: 2, max: 12 }),
  singleRate: fc.integer({ min: 0, max: 60 }),
  timeout: fc.constantFrom(10, 30, 60),
  profile: fc.constantFrom('gang', 'gang', 'default'),
  seed: fc.integer({ min: 1, max: 1000 }),
});
type Args = typeof scenarioArb extends fc.Arbitrary<infer T> ? T : never;

const INTERVAL = 10;

function scenarioFile(a: Args): string {
  const minMember = Math.max(1, a.size - a.missing);
  const yaml = `
seed: ${a.seed}
horizon: 2h
sampleInterval: ${INTERVAL}s
cluster:
  pools: [{ name: g, count: ${a.nodes}, resources: { cpu: 32, memory: 128Gi, nvidia.com/gpu: ${a.gpus} } }]
workloads:
  - type: batch
    name: train
    arrival: { poisson: { rate: ${a.gangRate}/h } }
    gang: { size: ${a.size}, minMember: ${minMember}, scheduleTimeout: ${a.timeout}s }
    duration: { lognormal: { median: 20m, sigma: 0.5 } }
    requests: { cpu: 2, memory: 8Gi, nvidia.com/gpu: ${a.gpuPerWorker} }
${a.singleRate > 0 ? `  - type: batch
    name: single
    arrival: { poisson: { rate: ${a.singleRate}/h } }
    duration: { lognormal: { median: 10m, sigma: 0.5 } }
    requests: { cpu: 1, memory: 4Gi, nvidia.com/gpu: 1 }` : ''}
`;
  const f = join(dir, `g${fileNo++}.yaml`);
  writeFileSync(f, yaml);
  return f;
}

function runOnce(a: Args, file: string) {
  const { resolved } = prepareScenario(file, { profile: a.profile });
  const over = overcommitChecker();
  const violations: string[] = [];
  const reservedSince = new Map<number, number>();
  const sim = createSimulation(resolved, {
    onBind: over.onBind,
    onSample: (s, now) => {
      const pods = s.pods;
      for (let id = 0; id < pods.length; id++) {
        if (!pods.isReserved(id)) {
          reservedSince.delete(id);
          continue;
        }
        if (pods.phase[id] !== PodPhase.Pending) violations.push(`t=${now}: ${pods.infos[id]!.name} reserved in phase ${pods.phase[id]}`);
        const since = reservedSince.get(id) ?? now;
        reservedSince.set(id, since);
        if (now - since > a.timeout + INTERVAL) violations.push(`t=${now}: ${pods.infos[id]!.name} reserved since ${since}, timeout ${a.timeout}s`);
      }
      const groups = s.cluster.podGroups as PodGroupStore | undefined;
      if (a.profile === 'gang') {
        for (const g of groups?.declared ?? []) {
          if (g.bound > 0 && g.bound < g.spec.minMember) violations.push(`t=${now}: ${g.fullName} partly bound: ${g.bound} of minMember ${g.spec.minMember}`);
        }
      }
    },
  });
  const result = sim.run();
  const reserved = new Set<number>();
  for (let id = 0; id < sim.pods.length; id++) if (sim.pods.isReserved(id)) reserved.add(id);
  // Reserved (waiting) pods are Pending and listed on their node: the one accounting line that allows.
  const accounting = accountingViolations(sim, result, resolved.workloads).filter((v) => {
    const m = /^(\S+) \(phase Pending\) still listed on node/.exec(v);
    return !(m && [...reserved].some((id) => sim.pods.infos[id]!.name === m[1]));
  });
  return { violations: [...violations, ...over.violations, ...accounting], result };
}

describe('gang scheduling properties', () => {
  it('all-or-nothing, bounded waits, no overcommit, one phase per pod', () => {
    fc.assert(fc.property(scenarioArb, (a) => {
      const { violations, result } = runOnce(a, scenarioFile(a));
      expect(violations).toEqual([]);
      expect(result.gangs).toBeDefined();
    }), { numRuns: 12 * SCALE });
  });

  it('same scenario, same result', () => {
    fc.assert(fc.property(scenarioArb, (a) => {
      const file = scenarioFile(a);
      expectDeterministic(() => runOnce(a, file).result);
    }), { numRuns: 4 * SCALE });
  });
});

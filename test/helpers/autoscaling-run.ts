import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'vitest';
import { prepareScenario } from '../../src/scenario/index.js';
import { POOL_LABEL, type ResolvedScenario } from '../../src/scenario/resolve.js';
import { createSimulation } from '../../src/scenario/runner.js';
import type { AutoscalingResult, ScalingAction, Simulation, SimulationResult } from '../../src/sim/simulation.js';
import { overcommitChecker } from './invariants.js';

/**
 * The autoscaler tests' harness (test/sim/autoscaling.test.ts, autoscaling-karpenter.test.ts): a
 * scenario written as YAML, loaded through the scenario loader as a user's file is, and run with
 * hooks on every bind and sample.
 */

const dir = mkdtempSync(join(tmpdir(), 'orchsim-autoscaling-'));
let fileNo = 0;

export interface Bind {
  readonly time: number;
  readonly pod: string;
  readonly node: string;
}

export interface Run {
  readonly sim: Simulation;
  readonly result: SimulationResult;
  readonly auto: AutoscalingResult;
  readonly resolved: ResolvedScenario;
  readonly binds: Bind[];
  /** Bind-time over-commit violations (requested + request > allocatable). */
  readonly overcommit: string[];
}

export function run(yaml: string, onSample?: (sim: Simulation, now: number) => void): Run {
  const f = join(dir, `s${fileNo++}.yaml`);
  writeFileSync(f, yaml);
  const { resolved, runOptions } = prepareScenario(f);
  const binds: Bind[] = [];
  const oc = overcommitChecker();
  const sim = createSimulation(resolved, {
    ...runOptions,
    onBind: (pod, node, cluster, now) => {
      oc.onBind(pod, node, cluster, now);
      binds.push({ time: now, pod: pod.name, node: cluster.nodes[node]!.name });
    },
    onSample,
  });
  const result = sim.run();
  expect(result.autoscaling, 'the run reports autoscaling').toBeDefined();
  return { sim, result, auto: result.autoscaling!, resolved, binds, overcommit: oc.violations };
}

/** [time, action, target, from, to] of every action, for compact exact comparisons. */
export function brief(actions: readonly ScalingAction[], scaler?: string): [number, string, string, number, number][] {
  return actions.filter((a) => scaler === undefined || a.scaler === scaler).map((a) => [a.time, a.action, a.target, a.from, a.to]);
}

/** Every pod is somewhere: nothing created is lost by the bookkeeping. */
export function expectPodsAccounted(r: SimulationResult): void {
  const p = r.pods;
  expect(p.submitted).toBe(p.pending + p.bound + p.running + p.completed + p.failed + p.deleted);
}

/** Live (not removed) nodes per pool, from the nodes' pool label. */
export function liveNodesByPool(sim: Simulation): Map<string, number> {
  const out = new Map<string, number>();
  for (const n of sim.cluster.nodes) {
    if (n.removed) continue;
    const pool = n.labels[POOL_LABEL] ?? '?';
    out.set(pool, (out.get(pool) ?? 0) + 1);
  }
  return out;
}

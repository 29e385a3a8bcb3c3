import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { ServiceWorkload } from '../../src/api/workload.js';
import { prepareScenario, runPrepared } from '../../src/scenario/index.js';
import { inputError } from '../helpers/plugins.js';

/** The probe keys of a scenario, and what Ready gates in a whole run (serving, availability, rollouts). */

const dir = mkdtempSync(join(tmpdir(), 'orchsim-probes-'));
let n = 0;
function write(text: string): string {
  const f = join(dir, `s${n++}.yaml`);
  writeFileSync(f, text);
  return f;
}

function scenario(probes: string, o: { seed?: number; replicas?: number; minAvailable?: number; rollout?: boolean | string } = {}): string {
  return write(`horizon: 2h
sampleInterval: 0
seed: ${o.seed ?? 7}
cluster:
  pools:
    - { name: n, count: 4, resources: { cpu: 16, memory: 64Gi } }
workloads:
  - type: service
    name: web
    replicas: ${o.replicas ?? 10}
    minAvailable: ${o.minAvailable ?? 4}
    requests: { cpu: 1, memory: 1Gi }
    startup: 20s
    minReadySeconds: 10
    load: { constant: 800, capacityPerReplica: 100 }
${probes}
${o.rollout ? `rollouts:\n  - { at: 1h, workload: web, set: ${typeof o.rollout === 'string' ? o.rollout : '{ requests: { cpu: 500m } }'} }\n` : ''}`);
}

const run = (f: string) => runPrepared(prepareScenario(f)).result.metrics;

describe('probes in a scenario', () => {
  it('fills in upstream defaults (SetDefaults_Probe) and keeps the livenessProbe values for hang detection', () => {
    const f = scenario(`    readinessProbe: { initialDelaySeconds: 5, successThreshold: 2 }
    startupProbe: { periodSeconds: 5, failureThreshold: 60 }
    livenessProbe: { periodSeconds: 20 }
    crashes: { every: 1h, hangFraction: 0.5 }`);
    const w = prepareScenario(f).resolved.workloads[0] as ServiceWorkload;
    expect(w.probes).toEqual({
      readiness: { initialDelaySeconds: 5, periodSeconds: 10, timeoutSeconds: 1, successThreshold: 2, failureThreshold: 3, neverReadyFraction: 0 },
      startup: { initialDelaySeconds: 0, periodSeconds: 5, timeoutSeconds: 1, successThreshold: 1, failureThreshold: 60 },
      liveness: { initialDelaySeconds: 0, periodSeconds: 20, timeoutSeconds: 1, successThreshold: 1, failureThreshold: 3 },
    });
    expect(w.crashes).toMatchObject({ livenessPeriod: 20, livenessFailureThreshold: 3 });
  });

  it('refuses successThreshold other than 1 on liveness and startup probes, at its path', () => {
    const e = inputError(() => prepareScenario(scenario('    livenessProbe: { successThreshold: 2 }')));
    expect(e.issues.map((i) => [i.path, i.message])).toEqual([[['workloads', 0, 'livenessProbe', 'successThreshold'], 'must be 1 for liveness and startup probes']]);
  });

  it('a readiness probe delays Ready, so the rollout and the rollout time stretch by its initial delay and successes', () => {
    const plain = run(scenario('', { rollout: true }));
    const probed = run(scenario('    readinessProbe: { initialDelaySeconds: 30, successThreshold: 2 }', { rollout: true }));
    // App up at 20 s; probes at 30 and 40 pass: Ready at 40 s instead of 20 s.
    expect([plain.availability[0]!.rolloutSeconds, probed.availability[0]!.rolloutSeconds]).toEqual([20, 40]);
    expect([plain.rollouts![0]!.durationSeconds, probed.rollouts![0]!.durationSeconds]).toEqual([60, 100]);
  });

  it('a rollout can change the probes: a slower readiness probe stretches it; null removes one', () => {
    const slower = run(scenario('', { rollout: '{ readinessProbe: { initialDelaySeconds: 60 } }' }));
    // Two rolling steps, each Ready + minReadySeconds 10: up at 20 s, Ready at 20 s (2 x 30 = 60 s)
    // without the probe; Ready at the 60 s probe with it (2 x 70 = 140 s).
    expect(slower.rollouts![0]).toMatchObject({ revision: 2, outcome: 'complete', durationSeconds: 140 });
    const removed = run(scenario('    readinessProbe: { initialDelaySeconds: 30, successThreshold: 2 }', { rollout: '{ readinessProbe: null }' }));
    expect(removed.rollouts![0]!.durationSeconds).toBe(60);
    const w = prepareScenario(scenario('', { rollout: '{ livenessProbe: { periodSeconds: 20 }, crashes: { every: 1h } }' })).resolved.workloads[0] as ServiceWorkload;
    expect(w.rollout!.events[0]).toMatchObject({ kind: 'update', patch: { probes: { liveness: { periodSeconds: 20, failureThreshold: 3 } }, crashes: { livenessPeriod: 20 } } });
  });

  it('a service never fully ready: 0 at all desired replicas, its real availability at minAvailable, and it serves with its ready replicas only', () => {
    const m = run(scenario('    readinessProbe: { neverReadyFraction: 0.5 }'));
    const a = m.availability[0]!;
    expect([a.availability, a.rolloutSeconds]).toEqual([0, NaN]);
    expect(a.availabilityMin).toBeGreaterThan(0);
    expect(a.availabilityMin).toBeLessThanOrEqual(1);
    const served = m.autoscaling!.services[0]!.requests!.servedFraction;
    expect(served).toBeGreaterThan(0);
    expect(served).toBeLessThan(0.95);
  });

  it('property: a never-fully-ready service reads 0 at all desired replicas and its real availability at minAvailable (not 0 once it had minAvailable ready)', () => {
    fc.assert(fc.property(fc.integer({ min: 1, max: 1000 }), fc.integer({ min: 2, max: 8 }), fc.integer({ min: 1, max: 5 }), fc.double({ min: 0.1, max: 0.9, noNaN: true }), (seed, replicas, minAvailable, fraction) => {
      const m = run(scenario(`    readinessProbe: { neverReadyFraction: ${fraction} }`, { seed, replicas, minAvailable: Math.min(minAvailable, replicas) }));
      const a = m.availability[0]!;
      const served = m.autoscaling!.services[0]!.requests!.served;
      expect(a.availabilityMin).toBeGreaterThanOrEqual(0);
      expect(a.availabilityMin).toBeLessThanOrEqual(1);
      if (Number.isNaN(a.rolloutSeconds)) expect(a.availability).toBe(0);
      if (served === 0) expect(a.availabilityMin).toBe(0);
      // No failures here: the ready count only grows, so from the first moment it had minAvailable
      // ready it never drops below: 1 (or 0 when it never got there), and 1 whenever one replica is enough.
      if (Number.isNaN(a.rolloutSeconds)) expect([0, 1]).toContain(a.availabilityMin);
      if (served > 0 && minAvailable === 1) expect(a.availabilityMin).toBe(1);
    }), { numRuns: 12 });
  });
});

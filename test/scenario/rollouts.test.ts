import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { prepareScenario, runPrepared } from '../../src/scenario/index.js';
import { InputError } from '../../src/util/errors.js';
import type { ServiceWorkload } from '../../src/api/workload.js';
import { readManifests } from '../../src/workloads/manifests.js';
import { inputError } from '../helpers/plugins.js';

/** The scenario keys of Deployment rollouts: strategy settings on a service, and the `rollouts:` list. */

const dir = mkdtempSync(join(tmpdir(), 'orchsim-rollouts-'));
let n = 0;
function write(text: string): string {
  const f = join(dir, `s${n++}.yaml`);
  writeFileSync(f, text);
  return f;
}

const cluster = 'cluster:\n  pools:\n    - { name: n, count: 4, resources: { cpu: 16, memory: 64Gi } }\n';

function rejected(text: string) {
  const f = write(text);
  let error: unknown;
  try {
    prepareScenario(f);
  } catch (e) {
    error = e;
  }
  expect(error).toBeInstanceOf(InputError);
  return (error as InputError).issues.map((i) => ({ line: i.line, path: i.path, message: i.message }));
}

describe('rollouts in a scenario', () => {
  it('a rolling update, then an undo: settings with defaults, events in time order, measured in the result', () => {
    const f = write(`horizon: 2h
sampleInterval: 0
${cluster}workloads:
  - type: service
    name: web
    replicas: 10
    requests: { cpu: 1, memory: 1Gi }
    startup: 30s
    strategy: { type: RollingUpdate, rollingUpdate: { maxSurge: 3 } }
    minReadySeconds: 10
rollouts:
  - { at: 1h, workload: web, undo: true }
  - { at: 30m, workload: web, set: { requests: { cpu: 500m }, crashes: { every: 1h } } }
`);
    const { resolved } = prepareScenario(f);
    const w = resolved.workloads[0] as ServiceWorkload;
    expect(w.rollout).toMatchObject({
      strategy: { type: 'RollingUpdate', maxSurge: 3, maxUnavailable: '25%' }, minReadySeconds: 10, progressDeadlineSeconds: 600, rollbackOnFailure: false,
      events: [{ at: 1800, kind: 'update', patch: { requests: { milliCPU: 500 }, crashes: { hangFraction: 0 } } }, { at: 3600, kind: 'undo' }],
    });
    const rollouts = runPrepared(prepareScenario(f)).result.metrics.rollouts!;
    expect(rollouts.map((r) => [r.revision, r.cause, r.start, r.outcome, r.rolledBack])).toEqual([[2, 'update', 1800, 'complete', true], [3, 'undo', 3600, 'complete', false]]);
    // 10 replicas, surge 3, maxUnavailable floor(2.5) = 2: at least 8 available, at most 13 pods.
    expect(rollouts[0]).toMatchObject({ minAvailable: 8, maxPods: 13 });
  });

  it('a run without rollouts has no rollouts section', () => {
    const f = write(`horizon: 1h\nsampleInterval: 0\n${cluster}workloads:\n  - { type: service, name: web, replicas: 2, strategy: { type: Recreate } }\n`);
    expect(runPrepared(prepareScenario(f)).result.metrics.rollouts).toBeUndefined();
  });

  it('bad strategies are reported as the API server would, at their line', () => {
    const svc = (extra: string) => `${cluster}workloads:\n  - type: service\n    name: web\n    replicas: 2\n${extra}`;
    expect(rejected(svc('    strategy: { type: RollingUpdate, rollingUpdate: { maxSurge: 0, maxUnavailable: "0%" } }\n'))).toEqual([
      { line: 8, path: ['workloads', 0, 'strategy', 'rollingUpdate', 'maxUnavailable'], message: 'may not be 0 when `maxSurge` is 0' },
    ]);
    expect(rejected(svc('    strategy: { type: Recreate, rollingUpdate: { maxSurge: 1 } }\n'))[0]).toMatchObject({ path: ['workloads', 0, 'strategy', 'rollingUpdate'], message: expect.stringContaining("'Recreate'") });
    expect(rejected(svc('    strategy: { type: RollingUpdate, rollingUpdate: { maxUnavailable: 150% } }\n'))[0]).toMatchObject({ message: 'must not be greater than 100%' });
    expect(rejected(svc('    strategy: { type: RollingUpdate, rollingUpdate: { maxSurge: "a lot" } }\n'))[0]!.path).toEqual(['workloads', 0, 'strategy', 'rollingUpdate', 'maxSurge']);
    expect(rejected(svc('    minReadySeconds: 60\n    progressDeadlineSeconds: 30\n'))).toEqual([
      { line: 9, path: ['workloads', 0, 'progressDeadlineSeconds'], message: 'must be greater than minReadySeconds' },
    ]);
  });

  it('bad rollouts name the entry: unknown service, a job, before the start, set and undo together, an impossible revision', () => {
    const head = `${cluster}workloads:\n  - { type: service, name: web, replicas: 2, startAt: 10m }\n  - { type: job, name: etl, duration: 1m }\nrollouts:\n`;
    expect(rejected(`${head}  - { at: 1h, workload: api, undo: true }\n`)).toEqual([{ line: 8, path: ['rollouts', 0, 'workload'], message: 'no service named "api" (services: web)' }]);
    expect(rejected(`${head}  - { at: 1h, workload: etl, undo: true }\n`)[0]!.message).toBe('"etl" is a job workload: rollouts apply to services (Deployments)');
    expect(rejected(`${head}  - { at: 5m, workload: web, set: { startup: 1m } }\n`)[0]).toMatchObject({ path: ['rollouts', 0, 'at'], message: 'the rollout at 300s comes before "web" starts (startAt 600s)' });
    expect(rejected(`${head}  - { at: 1h, workload: web, set: { startup: 1m }, undo: true }\n`)[0]).toMatchObject({ path: ['rollouts', 0], message: 'give exactly one of `set` (a new template) or `undo`' });
    expect(rejected(`${head}  - { at: 1h, workload: web, set: {} }\n`)[0]).toMatchObject({ path: ['rollouts', 0, 'set'], message: 'set at least one of requests, startup, crashes, readinessProbe, startupProbe, livenessProbe' });
    expect(rejected(`${head}  - { at: 1h, workload: web, set: { image: v2 } }\n`)[0]).toMatchObject({ path: ['rollouts', 0, 'set', 'image'] });
    expect(rejected(`${head}  - { at: 1h, workload: web, set: { startup: 1m } }\n  - { at: 2h, workload: web, undo: { toRevision: 3 } }\n`)[0]).toMatchObject({
      line: 9, path: ['rollouts', 1, 'undo', 'toRevision'], message: 'revision 3 cannot exist by 7200s: "web" has at most 2 revisions by then',
    });
  });
});

describe('Deployment manifests: strategy, minReadySeconds, progressDeadlineSeconds', () => {
  const deployment = (spec: string) => `apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  replicas: 4
  selector: {matchLabels: {app: web}}
${spec}  template:
    metadata: {labels: {app: web}}
    spec:
      containers: [{name: web, resources: {requests: {cpu: 250m}}}]
`;

  it('are read with the Kubernetes defaults for what is left out', () => {
    const w = readManifests(deployment('  strategy: {type: RollingUpdate, rollingUpdate: {maxSurge: 1}}\n  minReadySeconds: 5\n'), 'd.yaml').workloads[0] as ServiceWorkload;
    expect(w.deployment).toEqual({ strategy: { type: 'RollingUpdate', maxSurge: 1, maxUnavailable: '25%' }, minReadySeconds: 5, progressDeadlineSeconds: 600, rollbackOnFailure: false });
    expect((readManifests(deployment('  strategy: {type: Recreate}\n'), 'd.yaml').workloads[0] as ServiceWorkload).deployment?.strategy).toEqual({ type: 'Recreate' });
    expect((readManifests(deployment(''), 'd.yaml').workloads[0] as ServiceWorkload).deployment).toBeUndefined();
  });

  it('are validated as the API server does, at their line', () => {
    const e = inputError(() => readManifests(deployment('  strategy: {type: RollingUpdate, rollingUpdate: {maxSurge: 0, maxUnavailable: 0}}\n  minReadySeconds: 30\n  progressDeadlineSeconds: 20\n'), 'd.yaml'));
    expect(e.issues.map((i) => [i.line, i.message])).toEqual([
      [7, 'may not be 0 when `maxSurge` is 0'],
      [9, 'must be greater than minReadySeconds'],
    ]);
    expect(inputError(() => readManifests(deployment('  strategy: {type: Recreate, rollingUpdate: {maxSurge: 1}}\n'), 'd.yaml')).issues[0]!.message).toBe("may not be specified when strategy `type` is 'Recreate'");
    expect(inputError(() => readManifests(deployment('  strategy: {type: Blue}\n'), 'd.yaml')).issues[0]!.message).toBe('expected one of RollingUpdate, Recreate, got "Blue"');
  });
});

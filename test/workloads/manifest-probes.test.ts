import { describe, expect, it } from 'vitest';
import type { ServiceWorkload } from '../../src/api/workload.js';
import { readManifests } from '../../src/workloads/manifests.js';

/** Probe timings from pod templates (core/v1 Probe; defaults: pkg/apis/core/v1/defaults.go SetDefaults_Probe). */

const deployment = (containers: string) => `apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  replicas: 2
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers:
${containers}
`;

describe('readManifests: probes', () => {
  it('reads readiness, startup and liveness timings; zero and absent fields take the defaults; the handler is not modelled', () => {
    const { workloads } = readManifests(deployment(`      - name: app
        readinessProbe: {httpGet: {path: /ready, port: 8080}, initialDelaySeconds: 5, periodSeconds: 5, successThreshold: 2}
        startupProbe: {tcpSocket: {port: 8080}, failureThreshold: 30, periodSeconds: 0}
        livenessProbe: {exec: {command: [true]}, timeoutSeconds: 3}`), 'web.yaml');
    expect((workloads[0] as ServiceWorkload).probes).toEqual({
      readiness: { initialDelaySeconds: 5, periodSeconds: 5, timeoutSeconds: 1, successThreshold: 2, failureThreshold: 3, neverReadyFraction: 0 },
      startup: { initialDelaySeconds: 0, periodSeconds: 10, timeoutSeconds: 1, successThreshold: 1, failureThreshold: 30 },
      liveness: { initialDelaySeconds: 0, periodSeconds: 10, timeoutSeconds: 3, successThreshold: 1, failureThreshold: 3 },
    });
  });

  it('takes each kind of probe from the first container that declares one; none: no probes', () => {
    const { workloads } = readManifests(deployment(`      - {name: a, livenessProbe: {periodSeconds: 20}}
      - {name: b, readinessProbe: {periodSeconds: 7}, livenessProbe: {periodSeconds: 30}}`), 'web.yaml');
    const p = (workloads[0] as ServiceWorkload).probes!;
    expect([p.readiness?.periodSeconds, p.liveness?.periodSeconds, p.startup]).toEqual([7, 20, undefined]);
    expect(readManifests(deployment('      - {name: a}'), 'web.yaml').workloads[0]).not.toHaveProperty('probes');
  });

  it('refuses a liveness or startup probe with successThreshold other than 1, and negative timings, naming the path', () => {
    expect(() => readManifests(deployment('      - {name: a, livenessProbe: {successThreshold: 2}}'), 'web.yaml')).toThrow(/must be 1 for liveness and startup probes, not 2 \(at spec.template.spec.containers\[0\].livenessProbe.successThreshold\)/);
    expect(() => readManifests(deployment('      - {name: a, readinessProbe: {periodSeconds: -1}}'), 'web.yaml')).toThrow(/readinessProbe\.periodSeconds/);
  });
});

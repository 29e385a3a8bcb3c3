import { writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ClusterEvent } from '../../../src/api/framework.js';
import { prepareScenario } from '../../../src/scenario/index.js';
import { createSimulation } from '../../../src/scenario/runner.js';
import type { Controller, Lifecycle } from '../../../src/sim/simulation.js';

/**
 * A new behaviour is one controller file plus one line of wiring (DESIGN.md "Controllers").
 * This example is written the way a controller under src/sim/controllers/ is: it says what it
 * watches, what it owns, and acts only through the lifecycle API.
 *
 * activeDeadlineSeconds (Pod spec; enforced by the kubelet, which fails the pod with reason
 * DeadlineExceeded once it has been active that long; pkg/kubelet/active_deadline.go). Watches:
 * pods bound. Owns: one deadline event per pod of the workload.
 */
class ActiveDeadlineController implements Controller {
  private readonly evDeadline: number;

  constructor(private readonly api: Lifecycle, workload: string, seconds: number) {
    this.evDeadline = api.engine.defineEvent('active-deadline', (id) => this.onDeadline(id));
    api.on('podBound', (id) => {
      if (api.workloads[api.pods.workload[id]!]!.w.name === workload) api.engine.schedule(seconds, this.evDeadline, id);
    });
  }

  /** Nothing to schedule up front: deadlines start with the pods. */
  start(): void {}

  private onDeadline(id: number): void {
    const api = this.api;
    if (!api.pods.isOnNode(id)) return; // finished or gone before its deadline
    api.stopContainers(id);
    api.removePod(id, 'failed');
    api.clusterChanged(ClusterEvent.AssignedPodDelete);
  }
}

const dir = mkdtempSync(join(tmpdir(), 'orchsim-controller-'));
const file = join(dir, 'deadline.yaml');
writeFileSync(file, `
seed: 3
horizon: 2h
sampleInterval: 0
cluster:
  pools: [{ name: n, count: 2, resources: { cpu: 8, memory: 16Gi } }]
workloads:
  - type: batch
    name: etl
    arrival: { poisson: { rate: 60/h } }
    duration: { uniform: { min: 30s, max: 150s } }
    requests: { cpu: 1, memory: 1Gi }
    startup: 5s
`);

describe('a controller added with one line of wiring', () => {
  it('activeDeadlineSeconds fails the pods that run past it; arrivals stay the same', () => {
    const { resolved } = prepareScenario(file);
    const without = createSimulation(resolved).run();
    const withDeadline = createSimulation(resolved, { controllers: [(api) => new ActiveDeadlineController(api, 'etl', 60)] }).run();
    // Same arrivals (common random numbers): the controller changes what happens to them only.
    expect(withDeadline.pods.submitted).toBe(without.pods.submitted);
    expect(without.pods.failed).toBe(0);
    // A pod lives 5 s of start-up plus its duration: those over 60 s are failed at their deadline.
    expect(withDeadline.pods.failed).toBeGreaterThan(0);
    expect(withDeadline.pods.completed + withDeadline.pods.failed + withDeadline.pods.running + withDeadline.pods.bound + withDeadline.pods.pending).toBe(withDeadline.pods.submitted);
    expect(withDeadline.incidents.lostCpuHours).toBeGreaterThan(0);
    expect(withDeadline.pods.completed).toBeLessThan(without.pods.completed);
  });
});

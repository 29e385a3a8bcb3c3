import { describe, expect, it } from 'vitest';
import { parseScenario, prepareScenarioValue, runPrepared } from '../../../src/scenario/index.js';

/** scenarios/swarm-vs-k8s.yaml under each orchestrator, on the scenario's seed: the story the README tells. */
function arm(orchestrator: 'kubernetes' | 'swarm') {
  const parsed = parseScenario('scenarios/swarm-vs-k8s.yaml');
  return runPrepared(prepareScenarioValue({ ...(parsed.value as object), orchestrator }, parsed.file, parsed.locate));
}

describe('Kubernetes against Swarm on the same cluster, workload and failures', () => {
  const k8sOut = arm('kubernetes');
  const swarmOut = arm('swarm');
  const k8s = k8sOut.result;
  const swarm = swarmOut.result;
  it('both see the same failures; Swarm detects them by heartbeats in 13.5-16.5 s, Kubernetes after 50 s', () => {
    expect(swarm.orchestrator).toBe('swarm');
    expect(swarm.metrics.incidents.count).toBe(k8s.metrics.incidents.count);
    expect(k8s.metrics.incidents.mttdSeconds.mean).toBe(50);
    const detection = swarmOut.incidents.map((i) => i.detected - i.onset);
    expect(detection.length).toBeGreaterThan(0);
    for (const d of detection) {
      expect(d).toBeGreaterThanOrEqual(13.5);
      expect(d).toBeLessThanOrEqual(16.5);
    }
  });
  it('so Swarm recovers replicas in well under a minute, Kubernetes after its 300 s toleration, and Swarm keeps services more available', () => {
    expect(swarm.metrics.incidents.mttrSeconds.mean).toBeLessThan(60);
    expect(k8s.metrics.incidents.mttrSeconds.mean).toBeGreaterThan(350);
    const worst = (r: typeof k8s) => Math.min(...r.metrics.availability.map((a) => a.availability));
    expect(worst(swarm)).toBeGreaterThan(worst(k8s));
  });
  it("Swarm's one-task-at-a-time update takes longer than the Deployment's 25% surge, and keeps more replicas up", () => {
    const ks = k8s.metrics.rollouts![0]!;
    const sw = swarm.metrics.rollouts![0]!;
    expect(sw.outcome).toBe('complete');
    expect(sw.durationSeconds).toBeGreaterThan(3 * ks.durationSeconds);
    expect(sw.minAvailable).toBe(11);
    expect(ks.minAvailable).toBe(9);
  });
});

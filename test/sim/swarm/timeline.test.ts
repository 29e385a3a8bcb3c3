import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { prepareScenario, runPrepared, type RunResult } from '../../../src/scenario/index.js';
import { SWARM_GRACE_PERIOD_MULTIPLIER, SWARM_HEARTBEAT_EPSILON, SWARM_HEARTBEAT_PERIOD } from '../../../src/sim/controllers/swarm/dispatcher.js';
import { SWARM_COMMIT_DEBOUNCE_GAP } from '../../../src/sim/controllers/swarm/scheduler.js';
import { RandomStreams } from '../../../src/util/random.js';

const dir = mkdtempSync(join(tmpdir(), 'orchsim-swarm-'));
let n = 0;
function run(yaml: string, seed?: number): { result: RunResult; incidents: ReturnType<typeof runPrepared>['incidents'] } {
  const f = join(dir, `s${n++}.yaml`);
  writeFileSync(f, yaml);
  const out = runPrepared(prepareScenario(f, { seed }));
  return { result: out.result, incidents: out.incidents };
}

/** The first heartbeat period the dispatcher draws for a run with this seed (stream swarm/heartbeat). */
function firstPeriod(seed: number): number {
  return SWARM_HEARTBEAT_PERIOD + (2 * new RandomStreams(seed).get('swarm/heartbeat').next() - 1) * SWARM_HEARTBEAT_EPSILON;
}

const zoneA = (extra = '', outage = '{ at: 6h, node: n-0, duration: 2h }') => `
orchestrator: swarm
horizon: 1d
seed: 7
cluster:
  pools:
    - { name: n, count: 6, zones: [a, b], resources: { cpu: 8, memory: 32Gi } }
workloads:
  - type: service
    name: web
    replicas: 3
    requests: { cpu: 1, memory: 1Gi }
    startup: 10s
    nodeSelector: { topology.kubernetes.io/zone: a }
${extra}
failures:
  outages:
    - ${outage}
`;

describe('Swarm node failure timeline (SWARM.md section 8)', () => {
  it('a dead node is DOWN after 3 heartbeat periods, its replicas restarted elsewhere after the 5 s restart delay, to the second', () => {
    const { result, incidents } = run(zoneA());
    const i = incidents[0]!;
    const down = SWARM_GRACE_PERIOD_MULTIPLIER * firstPeriod(7);
    expect(down).toBeGreaterThanOrEqual(13.5);
    expect(down).toBeLessThanOrEqual(16.5);
    expect(i.affectedReplicas).toBeGreaterThan(0);
    // DOWN; tasks shut down at once; the replacement placed at the next tick (50 ms debounce);
    // its image pull (10 s) overlaps the 5 s restart delay, so it runs 10 s after it was placed.
    expect(i.detected - i.onset).toBeCloseTo(down, 9);
    expect(i.evicted - i.detected).toBe(0);
    expect(i.lastBound - i.evicted).toBeCloseTo(SWARM_COMMIT_DEBOUNCE_GAP, 9);
    expect(i.recovered - i.lastBound).toBeCloseTo(10, 9);
    expect(i.recovered - i.onset).toBeCloseTo(down + SWARM_COMMIT_DEBOUNCE_GAP + 10, 9);
    expect(i.path).toBe('rescheduled');
    expect(result.metrics.incidents.mttdSeconds.mean).toBeCloseTo(down, 9);
  });

  it('with a start-up shorter than the restart delay, the replacement runs when the delay is over', () => {
    const { incidents } = run(zoneA().replace('startup: 10s', 'startup: 1s'));
    const i = incidents[0]!;
    expect(i.recovered - i.detected).toBeCloseTo(5, 9);
  });

  it('a node back before it is DOWN: its tasks failed with the machine and are restarted after the delay, nothing detected', () => {
    const { incidents } = run(zoneA('', '{ at: 6h, node: n-0, duration: 5s }'));
    const i = incidents[0]!;
    expect(Number.isNaN(i.detected)).toBe(true);
    // Back at +5 s: the agent reports the tasks failed; replacements start after the 5 s delay (start-up 10 s overlaps it).
    expect(i.recovered - i.onset).toBeCloseTo(5 + SWARM_COMMIT_DEBOUNCE_GAP + 10, 9);
  });

  it('the heartbeat period is a cluster setting', () => {
    const { incidents } = run(zoneA().replace('orchestrator: swarm', 'orchestrator: swarm\nswarm: { heartbeatPeriod: 10s }'));
    const period = 10 + (2 * new RandomStreams(7).get('swarm/heartbeat').next() - 1) * SWARM_HEARTBEAT_EPSILON;
    expect(incidents[0]!.detected - incidents[0]!.onset).toBeCloseTo(3 * period, 9);
  });

  it('Kubernetes on the same scenario: 50 s + 300 s + start-up (the same metric code)', () => {
    const { incidents } = run(zoneA().replace('orchestrator: swarm', 'orchestrator: kubernetes'));
    expect(incidents[0]!.recovered - incidents[0]!.onset).toBe(360);
  });
});

import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { orchsimAll, SMALL_SCENARIO } from '../helpers/cli.js';

const dir = mkdtempSync(join(tmpdir(), 'orchsim-swarm-cli-'));
const small = join(dir, 'small.yaml');
writeFileSync(small, SMALL_SCENARIO);
const withAutoscaler = join(dir, 'ca.yaml');
writeFileSync(withAutoscaler, `orchestrator: swarm
cluster:
  pools:
    - { name: n, count: 2, resources: { cpu: 8, memory: 32Gi }, autoscaling: { min: 1, max: 4 } }
workloads:
  - { type: service, name: web, replicas: 2, requests: { cpu: 1, memory: 1Gi } }
clusterAutoscaler: {}
`);

describe('orchestrator: swarm on the command line', () => {
  it('run --orchestrator swarm runs the scenario under Swarm; validate names the orchestrator; a bad value and a cluster autoscaler are bad input', async () => {
    const [k, s, j, v, bad, ca] = await orchsimAll([
      ['run', small],
      ['run', small, '--orchestrator', 'swarm'],
      ['run', small, '--orchestrator', 'swarm', '--json'],
      ['validate', join('scenarios', 'swarm-stack.yaml')],
      ['run', small, '--orchestrator', 'nomad'],
      ['validate', withAutoscaler],
    ]);
    expect(k!.stdout).toMatch(/^orchsim run: small \(seed 3, profile default, queue kubernetes, horizon 2h\)/);
    expect(s!.code).toBe(0);
    expect(s!.stdout).toMatch(/^orchsim run: small \(seed 3, orchestrator swarm, horizon 2h\)/);
    expect(s!.stdout).toMatch(/\nswarm {8}\d+ scheduler ticks/);
    const result = JSON.parse(j!.stdout) as { orchestrator?: string; metrics: { swarm?: { ticks: number }; pods: { scheduled: number } } };
    expect(result.orchestrator).toBe('swarm');
    expect(result.metrics.pods.scheduled).toBe(4);
    expect(result.metrics.swarm!.ticks).toBeGreaterThan(0);
    expect(v!.stdout).toContain('valid (7 nodes, 3 workloads, orchestrator swarm)');
    expect(bad!.code).toBe(2);
    expect(bad!.stderr).toContain('expected kubernetes or swarm');
    expect(ca!.code).toBe(2);
    expect(ca!.stderr).toMatch(/ca\.yaml:7:\d+: Docker Swarm has no cluster autoscaler/);
    expect(ca!.stderr).not.toMatch(/\n\s+at /);
  });
});

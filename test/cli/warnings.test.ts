import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { orchsimAll } from '../helpers/cli.js';

/** Input warnings: printed by run and validate on stderr, stdout (and --json) left as it was. */

const dir = mkdtempSync(join(tmpdir(), 'orchsim-warnings-'));
const file = join(dir, 'w.yaml');
writeFileSync(file, `horizon: 10m
sampleInterval: 0
cluster:
  pools:
    - { name: n, count: 2, resources: { cpu: 8, memory: 32Gi } }
workloads:
  - { type: service, name: web, replicas: 2, requests: { cpu: 1, memory: 1Gi } }
  - { type: service, name: gang, schedulerName: volcano, replicas: 2, requests: { cpu: 1, memory: 1Gi } }
`);

describe('warnings on the command line', () => {
  it('validate and run --json print them to stderr, naming the file, line and workload', async () => {
    const [v, r] = await orchsimAll([['validate', file], ['run', file, '--json']]);
    for (const x of [v!, r!]) {
      expect(x.code).toBe(0);
      expect(x.stderr).toContain(`warning: ${file}:8:`);
      expect(x.stderr).toContain('workload "gang": schedulerName "volcano" matches no profile');
    }
    expect(v!.stdout).toMatch(/valid \(2 nodes, 2 workloads, profile default\)/);
    // A second profile in use is named in the summary.
    writeFileSync(join(dir, 'two.yaml'), readFileSync(file, 'utf8').replace('volcano', 'binpack'));
    const [two] = await orchsimAll([['validate', join(dir, 'two.yaml')]]);
    expect(two!.stderr).toBe('');
    expect(two!.stdout).toMatch(/valid \(2 nodes, 2 workloads, profile default for default-scheduler, binpack by schedulerName\)/);
    const result = JSON.parse(r!.stdout);
    expect(result.metrics.pods.pending).toBe(2);
  });

  it('compare and sweep print each warning once (however many arms), before the runs; --json stdout stays JSON', async () => {
    const sweep = join(dir, 'sweep.yaml');
    writeFileSync(sweep, 'scenario: w.yaml\nprofiles: [default, binpack]\nseeds: 2\ngrid:\n  cluster.pools.0.count: [2, 3]\n');
    const [c, s] = await orchsimAll([
      ['compare', file, '--profiles', 'default,binpack', '--seeds', '2', '--json'],
      ['sweep', sweep, '--out', join(dir, 'sweep-out'), '--json'],
    ]);
    for (const x of [c!, s!]) {
      expect(x.code, x.stderr).toBe(0);
      expect(x.stderr.split('\n').filter((l) => l.includes('matches no profile'))).toHaveLength(1);
      expect(() => JSON.parse(x.stdout)).not.toThrow();
    }
  });
});

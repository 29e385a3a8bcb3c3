import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { prepareScenario, runPrepared } from '../../src/scenario/index.js';
import { InputError } from '../../src/util/errors.js';

const dir = mkdtempSync(join(tmpdir(), 'orchsim-resolve-'));
let n = 0;
function write(text: string): string {
  const f = join(dir, `s${n++}.yaml`);
  writeFileSync(f, text);
  return f;
}

describe('scheduler profiles in a scenario', () => {
  it('accepts tieBreak: rank, as documented (issue 16, bug c)', () => {
    const f = write(`
horizon: 1h
scheduler:
  profile:
    name: ranked
    tieBreak: rank
    plugins:
      - { name: NodeUnschedulable }
      - { name: NodeResourcesFit }
cluster:
  pools:
    - { name: n, count: 3, resources: { cpu: 4, memory: 16Gi } }
workloads:
  - { type: service, name: web, replicas: 4, requests: { cpu: 1, memory: 1Gi } }
`);
    const prepared = prepareScenario(f);
    expect(prepared.resolved.profile.tieBreak).toBe('rank');
    expect(runPrepared(prepared).result.metrics.pods).toBeDefined();
  });
});

describe('a cluster with no node (issue 16, bug b)', () => {
  const web = 'workloads:\n  - { type: service, name: web, replicas: 2, requests: { cpu: 1, memory: 1Gi } }\n';
  const rejected = (text: string) => {
    const f = write(text);
    let error: unknown;
    try {
      prepareScenario(f);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(InputError);
    return (error as InputError).issues.map((i) => ({ ...i, file: i.file === f ? 'FILE' : i.file }));
  };

  it('is bad input, reported at cluster.pools with what to add', () => {
    expect(rejected(`horizon: 1h\ncluster:\n  pools: []\n${web}`)).toEqual([
      { file: 'FILE', line: 3, column: 10, path: ['cluster', 'pools'], message: expect.stringMatching(/^the cluster has no node: add a pool with a count above 0 or `autoscaling`.*cluster\.manifests.*cluster\.openbNodes/) },
    ]);
    // Pools of no node, and no pool at all.
    expect(rejected(`cluster:\n  pools:\n    - { name: n, count: 0, resources: { cpu: 4, memory: 16Gi } }\n${web}`)[0]).toMatchObject({ line: 3, path: ['cluster', 'pools'] });
    expect(rejected(`cluster: {}\n${web}`)[0]).toMatchObject({ line: 1, path: ['cluster', 'pools'] });
  });

  it('an autoscaled pool that starts empty is a cluster', () => {
    const f = write(`cluster:\n  pools:\n    - { name: n, count: 0, resources: { cpu: 4, memory: 16Gi }, autoscaling: { min: 0, max: 3 } }\nclusterAutoscaler: { policy: cluster-autoscaler }\n${web}`);
    expect(prepareScenario(f).resolved.nodes).toHaveLength(0);
  });
});

import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { prepareScenario, runPrepared } from '../../src/scenario/index.js';

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

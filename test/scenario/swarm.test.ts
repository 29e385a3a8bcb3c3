import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SWARM_DEFAULT_NODE_META, SWARM_DEFAULT_SETTINGS, SWARM_DEFAULT_UPDATE_CONFIG } from '../../src/api/swarm.js';
import type { ServiceWorkload } from '../../src/api/workload.js';
import { prepareScenario } from '../../src/scenario/index.js';
import { formatIssue } from '../../src/util/errors.js';
import { inputError } from '../helpers/plugins.js';

/** Scenario wiring of Docker Swarm inputs: `{compose: FILE}` workloads, `deploy:` on workloads, Swarm node metadata on pools. */

const dir = mkdtempSync(join(tmpdir(), 'orchsim-swarm-'));
let n = 0;
function write(text: string, ext = 'yaml'): string {
  const f = join(dir, `f${n++}.${ext}`);
  writeFileSync(f, text);
  return f;
}
const POOL = 'cluster:\n  pools:\n    - { name: n, count: 3, zones: [a], labels: { zone: a }, resources: { cpu: 4, memory: 16Gi } }\n';

describe('{compose: FILE} workloads', () => {
  it('reads the stack file relative to the scenario, after the scenario\'s own workloads; its warnings join the scenario\'s', () => {
    const stack = write('services:\n  web:\n    networks: [front]\n    deploy: { replicas: 2, resources: { reservations: { cpus: "0.5", memory: 256M } } }\n', 'yml');
    const f = write(`${POOL}workloads:\n  - { type: service, name: own, replicas: 1 }\n  - compose: ${stack.replace(/^.*\//, '')}\n    stack: shop\n`);
    const r = prepareScenario(f).resolved;
    expect(r.workloads.map((w) => w.name)).toEqual(['own', 'shop_web']);
    expect((r.workloads[1] as ServiceWorkload).replicas).toBe(2);
    expect(r.warnings!.map(formatIssue)).toEqual([expect.stringMatching(new RegExp(`${stack.replace(/[.]/g, '\\.')}:3:\\d+: field networks is not modelled`))]);
  });

  it('a bad stack file is reported in that file, at its line', () => {
    const stack = write('services:\n  web:\n    deploy:\n      placement:\n        constraints: ["zone == a"]\n', 'yml');
    const e = inputError(() => prepareScenario(write(`${POOL}workloads:\n  - compose: ${stack}\n`)));
    expect(e.issues.map(formatIssue)).toEqual([`${stack}:5:23: constraint key "zone" matches no node (expected node.id, node.hostname, node.ip, node.role, node.platform.os, node.platform.arch, node.labels.<label> or engine.labels.<label>) (at services.web.deploy.placement.constraints[0])`]);
  });

  it('a missing stack file is reported at the scenario\'s reference to it', () => {
    const f = write(`${POOL}workloads:\n  - compose: nope.yml\n`);
    expect(inputError(() => prepareScenario(f)).issues.map(formatIssue)).toEqual([expect.stringMatching(new RegExp(`^${f.replace(/[.]/g, '\\.')}:5:\\d+: cannot read stack file .*nope\\.yml`))]);
  });

  it('unknown keys of the entry, and a stack name that is not a name', () => {
    const e = inputError(() => prepareScenario(write(`${POOL}workloads:\n  - { compose: a.yml, stack: Shop, file: x }\n`)));
    expect(e.issues.map((i) => `${i.line}: ${i.message} (${i.path.join('.')})`).sort()).toEqual([
      '5: expected a lowercase name (letters, digits, "-" and ".") (workloads.0.stack)',
      '5: unknown key "file" (workloads.0.file)',
    ]);
  });

  it('one stack read twice under one name clashes (the scenario\'s own names have no "_", so they cannot)', () => {
    const stack = write('services:\n  web: {}\n', 'yml');
    const e = inputError(() => prepareScenario(write(`${POOL}workloads:\n  - { compose: ${stack}, stack: s }\n  - { compose: ${stack}, stack: s }\n`)));
    expect(e.issues.map((i) => `${i.line}: ${i.message}`)).toEqual(['6: duplicate workload name "s_web" (first from line 5)']);
  });
});

describe('deploy: on a scenario workload', () => {
  it('becomes the workload\'s swarm settings; absent, none', () => {
    const f = write(`${POOL}workloads:
  - type: service
    name: api
    replicas: 2
    deploy:
      placement: { constraints: [node.role == worker], preferences: [{ spread: node.labels.zone }], max_replicas_per_node: 1 }
      update_config: { parallelism: 2, order: start-first }
      hostPorts: [8080]
  - { type: daemonset, name: agent, deploy: { restart_policy: { condition: none } } }
  - { type: job, name: j, duration: 1m, deploy: { rollback_config: { parallelism: 0 } } }
  - { type: batch, name: b, arrival: { interval: 10m }, duration: 1m, deploy: {} }
  - { type: service, name: plain, replicas: 1 }
`);
    const w = prepareScenario(f).resolved.workloads;
    expect(w.map((x) => ('swarm' in x ? x.swarm : 'none'))).toEqual([
      {
        ...SWARM_DEFAULT_SETTINGS,
        placement: { constraints: [{ key: 'node.role', operator: '==', value: 'worker' }], preferences: ['node.labels.zone'], maxReplicas: 1 },
        updateConfig: { ...SWARM_DEFAULT_UPDATE_CONFIG, parallelism: 2, order: 'start-first' },
        hostPorts: [8080],
      },
      { ...SWARM_DEFAULT_SETTINGS, restartPolicy: { condition: 'none', delay: 5, maxAttempts: 0, window: 0 } },
      { ...SWARM_DEFAULT_SETTINGS, rollbackConfig: { ...SWARM_DEFAULT_UPDATE_CONFIG, parallelism: 0 } },
      SWARM_DEFAULT_SETTINGS,
      'none',
    ]);
    expect(w[4]).not.toHaveProperty('swarm');
  });

  it('bad deploy fields: file, line and path in the scenario, all at once', () => {
    const f = write(`${POOL}workloads:
  - type: service
    name: api
    replicas: 2
    deploy:
      replicas: 3
      placement:
        constraints: ["node.labels.zone = a"]
      update_config: { delay: 10 }
`);
    const e = inputError(() => prepareScenario(f));
    expect(e.issues.map((i) => `${i.line}: ${i.message} (${i.path.join('.')})`)).toEqual([
      '9: replicas is set on the workload itself, not in deploy: `replicas` (workloads.0.deploy.replicas)',
      expect.stringMatching(/^11: expected "<key> == <value>" or "<key> != <value>".* \(workloads\.0\.deploy\.placement\.constraints\.0\)$/),
      expect.stringMatching(/^12: expected a duration such as "5s".*got 10 \(workloads\.0\.deploy\.update_config\.delay\)$/),
    ]);
  });
});

describe('Swarm node metadata on pools', () => {
  const nodes = (pool: string) => prepareScenario(write(`cluster:\n  pools:\n    - { name: n, count: 1, resources: { cpu: 1, memory: 1Gi }${pool} }\n`)).resolved.nodes;
  it('role, engine labels and platform; os and arch default to the kubernetes.io labels', () => {
    expect(nodes(', role: manager, engineLabels: { storage: ssd }, platform: { os: windows }')[0]!.swarm).toEqual({ role: 'manager', os: 'windows', arch: 'amd64', engineLabels: { storage: 'ssd' } });
    expect(nodes(', labels: { kubernetes.io/os: linux, kubernetes.io/arch: arm64 }')[0]!.swarm).toEqual({ ...SWARM_DEFAULT_NODE_META, arch: 'arm64' });
    expect(nodes(', labels: { kubernetes.io/arch: arm64 }, platform: { arch: aarch64 }')[0]!.swarm!.arch).toBe('aarch64');
  });
  it('a pool that says nothing of Swarm gives nodes without metadata (readers use SWARM_DEFAULT_NODE_META)', () => {
    expect(nodes('')[0]).not.toHaveProperty('swarm');
  });
  it('bad values are schema errors at their line', () => {
    const e = inputError(() => nodes(', role: leader, platform: { cpu: x86 }'));
    expect(e.issues.map((i) => `${i.line}: ${i.path.join('.')}`)).toEqual(['3: cluster.pools.0.role', '3: cluster.pools.0.platform.cpu']);
  });
});

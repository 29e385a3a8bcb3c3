import { describe, expect, it } from 'vitest';
import { SWARM_DEFAULT_RESTART_POLICY, SWARM_DEFAULT_SETTINGS, SWARM_DEFAULT_UPDATE_CONFIG } from '../../src/api/swarm.js';
import { formatIssue, type InputIssue } from '../../src/util/errors.js';
import {
  parseComposeBytes,
  parseComposeConstraint,
  parseComposeCpus,
  parseGoDuration,
  readComposeDeploy,
  readScenarioDeploy,
  type DeployReader,
} from '../../src/workloads/compose-deploy.js';
import { IssueList } from '../../src/workloads/kube-fields.js';

const Mi = 2 ** 20;
const Gi = 2 ** 30;

/** Reads a deploy mapping; issues and warnings as "path: message" lines. */
function read(deploy: unknown, restart?: unknown) {
  const out = new IssueList('stack.yml');
  const warnings: { key: string; path: string; message: string }[] = [];
  const r: DeployReader = { out, warn: (key, path, message) => warnings.push({ key, path: path.join('.'), message }) };
  const d = readComposeDeploy(deploy, ['deploy'], r, restart !== undefined ? { value: restart, path: ['restart'] } : undefined);
  return { d, issues: out.issues.map((i: InputIssue) => `${i.path.join('.')}: ${i.message}`), warnings };
}

describe('deploy defaults are swarmkit\'s (api/defaults/service.go)', () => {
  it('an absent or empty deploy is a replicated service of 1 with the default settings', () => {
    for (const deploy of [undefined, null, {}]) {
      const { d, issues } = read(deploy);
      expect(issues).toEqual([]);
      expect(d).toEqual({ mode: 'replicated', replicas: undefined, reservations: { milliCPU: 0, memory: 0, milliGPU: 0 }, limits: undefined, labels: {}, settings: { ...SWARM_DEFAULT_SETTINGS, hostPorts: undefined } });
    }
    expect(SWARM_DEFAULT_RESTART_POLICY).toEqual({ condition: 'any', delay: 5, maxAttempts: 0, window: 0 });
    expect(SWARM_DEFAULT_UPDATE_CONFIG).toEqual({ parallelism: 1, delay: 0, failureAction: 'pause', monitor: 5, maxFailureRatio: 0, order: 'stop-first' });
  });

  it('fields left out of restart_policy and update_config keep their defaults; a monitor of 0 is the default 5 s (moby convert)', () => {
    const { d, issues } = read({ restart_policy: { condition: 'on-failure' }, update_config: { parallelism: 2, order: 'start-first', monitor: '0s' }, rollback_config: { failure_action: 'continue' } });
    expect(issues).toEqual([]);
    expect(d.settings.restartPolicy).toEqual({ condition: 'on-failure', delay: 5, maxAttempts: 0, window: 0 });
    expect(d.settings.updateConfig).toEqual({ ...SWARM_DEFAULT_UPDATE_CONFIG, parallelism: 2, order: 'start-first' });
    expect(d.settings.rollbackConfig).toEqual({ ...SWARM_DEFAULT_UPDATE_CONFIG, failureAction: 'continue' });
  });

  it('reads every field', () => {
    const { d, issues } = read({
      mode: 'replicated',
      replicas: 6,
      endpoint_mode: 'dnsrr',
      labels: ['tier=front', 'bare'],
      placement: { constraints: ['node.role==worker', 'node.labels.zone != c'], preferences: [{ spread: 'node.labels.zone' }, { spread: 'engine.labels.rack' }], max_replicas_per_node: 2 },
      resources: { reservations: { cpus: '0.25', memory: '20M', generic_resources: [{ discrete_resource_spec: { kind: 'NVIDIA-GPU', value: 2 } }] }, limits: { cpus: 1, memory: '1gb', pids: 100 } },
      restart_policy: { condition: 'none', delay: '1m30s', max_attempts: 3, window: '2m' },
      update_config: { parallelism: 0, delay: '10s', failure_action: 'rollback', monitor: '30s', max_failure_ratio: 0.25, order: 'start-first' },
      rollback_config: { parallelism: 3, delay: '500ms', failure_action: 'pause', monitor: '1h', max_failure_ratio: 1, order: 'stop-first' },
    });
    expect(issues).toEqual([]);
    expect(d.replicas).toBe(6);
    expect(d.labels).toEqual({ tier: 'front', bare: '' });
    expect(d.reservations).toEqual({ milliCPU: 250, memory: 20 * Mi, milliGPU: 2000 });
    expect(d.limits).toEqual({ milliCPU: 1000, memory: Gi });
    expect(d.settings.placement).toEqual({
      constraints: [{ key: 'node.role', operator: '==', value: 'worker' }, { key: 'node.labels.zone', operator: '!=', value: 'c' }],
      preferences: ['node.labels.zone', 'engine.labels.rack'],
      maxReplicas: 2,
    });
    expect(d.settings.restartPolicy).toEqual({ condition: 'none', delay: 90, maxAttempts: 3, window: 120 });
    expect(d.settings.updateConfig).toEqual({ parallelism: 0, delay: 10, failureAction: 'rollback', monitor: 30, maxFailureRatio: 0.25, order: 'start-first' });
    expect(d.settings.rollbackConfig).toEqual({ parallelism: 3, delay: 0.5, failureAction: 'pause', monitor: 3600, maxFailureRatio: 1, order: 'stop-first' });
  });

  it.each([
    ['replicated', 'replicated'],
    ['global', 'global'],
    ['replicated-job', 'replicated-job'],
    [undefined, 'replicated'],
  ])('mode %s', (mode, expected) => {
    expect(read({ mode }).d.mode).toBe(expected);
  });

  it('replicas with global mode is refused, as the docker CLI does', () => {
    expect(read({ mode: 'global', replicas: 2 }).issues).toEqual(['deploy.replicas: replicas can only be used with replicated or replicated-job mode']);
  });

  it('the service-level restart: stands in for a missing restart_policy (docker/cli convertRestartPolicy)', () => {
    expect(read({}, 'on-failure:4').d.settings.restartPolicy).toEqual({ condition: 'on-failure', delay: 5, maxAttempts: 4, window: 0 });
    expect(read({}, 'unless-stopped').d.settings.restartPolicy.condition).toBe('any');
    expect(read({}, 'no').d.settings.restartPolicy).toEqual(SWARM_DEFAULT_RESTART_POLICY);
    expect(read({ restart_policy: { condition: 'none' } }, 'always').d.settings.restartPolicy.condition).toBe('none');
    expect(read({}, 'sometimes').issues).toEqual(['restart: expected "no", "always", "unless-stopped" or "on-failure[:max-retries]", got "sometimes"']);
  });
});

describe('units', () => {
  it.each([
    ['0.5', 500], ['.25', 250], [2, 2000], ['1.', 1000], ['0.0015', 2], ['0.000000001', 1], ['3', 3000],
  ])('cpus %s -> %d milli-CPU (rounded up)', (v, milli) => {
    expect(parseComposeCpus(v)).toBe(milli);
  });
  it.each(['500m', '1/2', '-1', 'abc', '', '0.0000000001', '1e3'])('cpus %s is not a CPU count', (v) => {
    expect(parseComposeCpus(v)).toBeUndefined();
  });

  it.each([
    ['512M', 512 * Mi], ['512m', 512 * Mi], ['512mb', 512 * Mi], ['512MiB', 512 * Mi], ['1g', Gi], ['1gb', Gi], ['1.5g', 1.5 * Gi],
    ['2048k', 2 * Mi], ['1024kb', Mi], ['2b', 2], ['300', 300], [4194304, 4 * Mi], ['10 M', 10 * Mi], ['1t', 2 ** 40], ['1mib', Mi],
  ])('memory %s -> %d bytes (multiples of 1024, docker/go-units RAMInBytes)', (v, bytes) => {
    expect(parseComposeBytes(v)).toBe(bytes);
  });
  it.each(['512Mi', '1bb', '1kbb', '12q', 'M', '', '-1m', '1 GB '.repeat(2)])('memory %s is not a byte value', (v) => {
    expect(parseComposeBytes(v)).toBeUndefined();
  });

  it.each([
    ['5s', 5], ['1m30s', 90], ['1.5h', 5400], ['300ms', 0.3], ['2h45m', 9900], ['0', 0], ['10us', 1e-5], ['1µs', 1e-6], ['-5s', -5], ['.5s', 0.5],
  ])('duration %s -> %d s (Go time.ParseDuration)', (v, seconds) => {
    expect(parseGoDuration(v)).toBeCloseTo(seconds, 12);
  });
  it.each(['5', '1d', 's', '', '1m 30s', '5 s', '1x'])('duration %s is not a Go duration', (v) => {
    expect(parseGoDuration(v)).toBeUndefined();
  });

  it('bad units name the field and what is expected', () => {
    const { issues } = read({
      resources: { reservations: { cpus: '500m', memory: '512Mi' }, limits: { cpus: '0.0001', memory: '1k' } },
      restart_policy: { delay: 5, window: '-1m' },
      update_config: { monitor: '5 seconds', max_failure_ratio: 2 },
    });
    expect(issues).toEqual([
      'deploy.resources.reservations.cpus: expected a number of CPUs such as "0.5" or 2 (at most 9 decimals), got "500m"',
      'deploy.resources.reservations.memory: expected a byte value such as "512M", "1.5g" or "1gb" (units b, k, m, g, t, p, optionally followed by b or ib; multiples of 1024), got "512Mi"',
      'deploy.resources.limits.cpus: invalid cpu value "0.0001": must be at least 0.001',
      'deploy.resources.limits.memory: invalid memory value "1k": must be at least 4MiB',
      'deploy.restart_policy.delay: expected a duration such as "5s", "1m30s" or "500ms" (Go syntax: ns, us, ms, s, m, h; a bare number has no unit), got 5',
      'deploy.restart_policy.window: cannot be negative, got "-1m"',
      'deploy.update_config.max_failure_ratio: expected a fraction from 0 to 1 (update-maxfailureratio cannot be less than 0 or bigger than 1), got 2',
      'deploy.update_config.monitor: expected a duration such as "5s", "1m30s" or "500ms" (Go syntax: ns, us, ms, s, m, h), got "5 seconds"',
    ]);
  });
});

describe('generic resources', () => {
  it('NVIDIA-GPU and gpu kinds add whole GPUs; other kinds are warned about', () => {
    const { d, issues, warnings } = read({
      resources: { reservations: { generic_resources: [
        { discrete_resource_spec: { kind: 'gpu', value: 1 } },
        { discrete_resource_spec: { kind: 'NVIDIA-GPU', value: 2 } },
        { discrete_resource_spec: { kind: 'SSD', value: 1 } },
        { named_resource_spec: { kind: 'GPU', value: 'UUID1' } },
      ] } },
    });
    expect(issues).toEqual([]);
    expect(d.reservations.milliGPU).toBe(3000);
    expect(warnings.map((w) => w.path)).toEqual(['deploy.resources.reservations.generic_resources.2.discrete_resource_spec.kind', 'deploy.resources.reservations.generic_resources.3.named_resource_spec']);
    expect(warnings[0]!.message).toMatch(/generic resource kind "SSD" is not simulated/);
  });
  it('a count that is not a positive integer, or a missing kind, is bad input', () => {
    const { issues } = read({ resources: { reservations: { generic_resources: [{ discrete_resource_spec: { kind: 'gpu', value: 0.5 } }, { discrete_resource_spec: { value: 1 } }] } } });
    expect(issues).toEqual([
      'deploy.resources.reservations.generic_resources.0.discrete_resource_spec.value: expected an integer, got 0.5',
      'deploy.resources.reservations.generic_resources.1.discrete_resource_spec.kind: expected kind, e.g. NVIDIA-GPU',
    ]);
  });
});

describe('placement constraints (manager/constraint/constraint.go)', () => {
  it.each([
    ['node.labels.zone == a', { key: 'node.labels.zone', operator: '==', value: 'a' }],
    ['node.role!=manager', { key: 'node.role', operator: '!=', value: 'manager' }],
    ['  node.platform.os ==  linux ', { key: 'node.platform.os', operator: '==', value: 'linux' }],
    ['NODE.Hostname==web-1', { key: 'NODE.Hostname', operator: '==', value: 'web-1' }],
    ['engine.labels.storage==ssd', { key: 'engine.labels.storage', operator: '==', value: 'ssd' }],
    ['node.ip==10.0.0.0/8', { key: 'node.ip', operator: '==', value: '10.0.0.0/8' }],
    ['node.labels.Rack == r(1|2)', { key: 'node.labels.Rack', operator: '==', value: 'r(1|2)' }],
  ])('%s', (text, expected) => {
    expect(parseComposeConstraint(text)).toEqual(expected);
  });

  it.each([
    ['node.labels.zone = a', /expected "<key> == <value>" or "<key> != <value>"/],
    ['node.labels.zone', /operators: ==, !=/],
    ['node.labels.zone !== a', /constraint key "node.labels.zone !" is invalid/],
    ['== a', /constraint key "" is invalid/],
    ['node.labels.zone == a>b', /constraint value "a>b" is invalid/],
    ['node.labels.zone == ', /constraint value "" is invalid/],
    ['zone == a', /constraint key "zone" matches no node/],
    ['node.labels. == a', /matches no node/],
    ['node.label.zone == a', /matches no node \(expected node.id, node.hostname, node.ip, node.role, node.platform.os, node.platform.arch, node.labels.<label> or engine.labels.<label>\)/],
  ])('%s is refused', (text, message) => {
    const r = parseComposeConstraint(text);
    expect('error' in r && r.error).toMatch(message);
  });

  it('constraints must be a list of strings; preferences a list of {spread}', () => {
    const { issues, warnings } = read({ placement: { constraints: { zone: 'a' }, preferences: [{ spread: 'node.id' }, { pack: 'x' }, 'node.labels.zone'], max_replicas_per_node: -1 } });
    expect(issues).toEqual([
      'deploy.placement.constraints: expected a list of constraints such as ["node.labels.zone == a"], got a mapping',
      'deploy.placement.preferences.1.pack: unknown key "pack" in a placement preference (only spread exists) (expected spread)',
      'deploy.placement.preferences.1: expected {spread: node.labels.<label>}',
      'deploy.placement.preferences.2: expected a mapping, got "node.labels.zone"',
      'deploy.placement.max_replicas_per_node: must be at least 0, got -1',
    ]);
    expect(warnings.map((w) => w.message)).toEqual(['spread over "node.id" has no effect: Swarm spreads only over node.labels.<label> or engine.labels.<label>']);
  });
});

describe('unknown keys are bad input', () => {
  it('names the key, where it is and what is expected', () => {
    const { issues } = read({ replica: 3, placement: { constraint: [] }, restart_policy: { attempts: 1 }, update_config: { parallel: 2 }, resources: { reservations: { gpus: 1 } } });
    expect(issues).toEqual([
      'deploy.replica: unknown key "replica" in deploy (expected mode, replicas, endpoint_mode, labels, placement, resources, restart_policy, update_config, rollback_config)',
      'deploy.resources.reservations.gpus: unknown key "gpus" in reservations (expected cpus, memory, generic_resources, devices)',
      'deploy.placement.constraint: unknown key "constraint" in placement (expected constraints, preferences, max_replicas_per_node)',
      'deploy.restart_policy.attempts: unknown key "attempts" in restart_policy (expected condition, delay, max_attempts, window)',
      'deploy.update_config.parallel: unknown key "parallel" in update_config (expected parallelism, delay, failure_action, monitor, max_failure_ratio, order)',
    ]);
  });
  it('rollback_config cannot roll back', () => {
    expect(read({ rollback_config: { failure_action: 'rollback' } }).issues).toEqual(['deploy.rollback_config.failure_action: expected one of pause, continue, got "rollback"']);
  });
});

describe('a scenario workload\'s deploy: (Swarm settings only)', () => {
  const scenario = (deploy: unknown) => {
    const out = new IssueList('s.yaml');
    const s = readScenarioDeploy(deploy, ['workloads', 0, 'deploy'], { out, warn: () => {} });
    return { s, issues: out.issues.map(formatIssue) };
  };
  it('reads placement, policies and hostPorts', () => {
    const { s, issues } = scenario({ placement: { constraints: ['node.role == worker'] }, update_config: { order: 'start-first' }, hostPorts: [80, 443] });
    expect(issues).toEqual([]);
    expect(s).toEqual({ ...SWARM_DEFAULT_SETTINGS, placement: { constraints: [{ key: 'node.role', operator: '==', value: 'worker' }], preferences: [], maxReplicas: 0 }, updateConfig: { ...SWARM_DEFAULT_UPDATE_CONFIG, order: 'start-first' }, hostPorts: [80, 443] });
  });
  it('replicas, resources and mode belong to the workload', () => {
    const { issues } = scenario({ replicas: 2, resources: {}, mode: 'global', hostPorts: [80, 80, 0] });
    expect(issues.join('\n')).toMatch(/replicas is set on the workload itself, not in deploy: `replicas`/);
    expect(issues.join('\n')).toMatch(/resources is set on the workload itself, not in deploy: `requests`/);
    expect(issues.join('\n')).toMatch(/mode is the workload's type, not a deploy: key \(service = replicated, daemonset = global, job = replicated-job\)/);
    expect(issues.join('\n')).toMatch(/duplicate host port 80/);
    expect(issues.join('\n')).toMatch(/must be between 1 and 65535, got 0/);
  });
});

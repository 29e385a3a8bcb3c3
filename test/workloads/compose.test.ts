import { describe, expect, it } from 'vitest';
import { resources } from '../../src/api/resources.js';
import { SWARM_DEFAULT_SETTINGS, SWARM_DEFAULT_UPDATE_CONFIG } from '../../src/api/swarm.js';
import type { DaemonSetWorkload, JobWorkload, ServiceWorkload } from '../../src/api/workload.js';
import { formatIssue } from '../../src/util/errors.js';
import { LABEL_SERVICE_NAME, LABEL_STACK_NAMESPACE, readStack } from '../../src/workloads/compose.js';
import { MAX_STACK_SERVICES } from '../../src/workloads/input-limits.js';
import { inputError } from '../helpers/plugins.js';

const Mi = 2 ** 20;

// Line numbers in comments where tests assert on them.
const STACK = `version: "3.8"
x-policy: &policy
  restart_policy: { condition: on-failure, delay: 10s }
services:
  web:
    image: nginx:1.27
    networks: [front]                                   # line 7
    ports:
      - { published: 80, target: 80, mode: host }
      - "8080:80"                                       # line 10
    labels: { tier: front }
    deploy:
      <<: *policy
      replicas: 6
      placement:
        preferences: [{ spread: node.labels.zone }]
        max_replicas_per_node: 2
      resources:
        reservations: { cpus: "0.5", memory: 512M }
        limits: { cpus: "1", memory: 1G }              # line 20
  agent:
    image: agent
    volumes: [/var/run/docker.sock:/var/run/docker.sock]  # line 23
    deploy:
      mode: global
      resources: { reservations: { cpus: "0.1", memory: 64M } }
  migrate:
    image: tools
    deploy:
      mode: replicated-job
      replicas: 3
      labels: { orchsim.io/duration: 10m, orchsim.io/start-at: 1h }
networks: { front: {} }
`;

describe('readStack', () => {
  const stack = readStack(STACK, 'dir/web-stack.yml');

  it('names the stack after the file and each workload <stack>_<service>', () => {
    expect(stack.name).toBe('web-stack');
    expect(stack.workloads.map((w) => [w.kind, w.name])).toEqual([['service', 'web-stack_web'], ['daemonset', 'web-stack_agent'], ['job', 'web-stack_migrate']]);
    expect(readStack(STACK, 'x.yml', { stack: 'prod' }).workloads[0]!.name).toBe('prod_web');
    expect(readStack(`name: shop\nservices: { a: { image: x } }\n`, 'x.yml').workloads[0]!.name).toBe('shop_a');
  });

  it('replicated -> a service with its replicas, reservations as requests, the Swarm settings and host ports', () => {
    const web = stack.workloads[0] as ServiceWorkload;
    expect(web.replicas).toBe(6);
    expect(web.spec).toEqual({
      namespace: 'web-stack',
      labels: { tier: 'front', [LABEL_STACK_NAMESPACE]: 'web-stack', [LABEL_SERVICE_NAME]: 'web-stack_web' },
      priority: 0,
      requests: resources({ milliCPU: 500, memory: 512 * Mi }),
      ownerSelector: { matchLabels: { [LABEL_SERVICE_NAME]: 'web-stack_web' } },
    });
    expect(web.startup).toEqual({ kind: 'fixed', value: 0 });
    expect(web.swarm).toEqual({
      ...SWARM_DEFAULT_SETTINGS,
      placement: { constraints: [], preferences: ['node.labels.zone'], maxReplicas: 2 },
      restartPolicy: { condition: 'on-failure', delay: 10, maxAttempts: 0, window: 0 },
      hostPorts: [80],
    });
  });

  it('global -> a DaemonSet (one task per node); replicated-job -> a Job of `replicas` completions, all at once', () => {
    const agent = stack.workloads[1] as DaemonSetWorkload;
    expect(agent.spec.requests).toEqual(resources({ milliCPU: 100, memory: 64 * Mi }));
    expect(agent.swarm).toEqual({ ...SWARM_DEFAULT_SETTINGS, hostPorts: [] });
    const job = stack.workloads[2] as JobWorkload;
    expect([job.completions, job.parallelism, job.startAt, job.duration]).toEqual([3, 3, 3600, { kind: 'fixed', value: 600 }]);
  });

  it('warns, once per field, with file and line (in line order), about what is not modelled', () => {
    expect(stack.warnings.map(formatIssue)).toEqual([
      expect.stringMatching(/^dir\/web-stack\.yml:7:\d+: field networks is not modelled \(overlay networks.*\(at services\.web\.networks\)$/),
      expect.stringMatching(/^dir\/web-stack\.yml:10:\d+: field ports \(ingress mode\) is not modelled/),
      expect.stringMatching(/^dir\/web-stack\.yml:20:\d+: field deploy\.resources\.limits is not modelled .*\(at services\.web\.deploy\.resources\.limits\)$/),
      expect.stringMatching(/^dir\/web-stack\.yml:23:\d+: field volumes is not modelled/),
    ]);
  });

  it.each([
    ['healthcheck', 'healthcheck: { test: [CMD, "true"] }'],
    ['build', 'build: .'],
    ['depends_on', 'depends_on: [db]'],
    ['configs', 'configs: [conf]'],
    ['secrets', 'secrets: [pw]'],
  ])('warns about %s', (key, line) => {
    const s = readStack(`services:\n  a:\n    image: x\n    ${line}\n`, 's.yml');
    expect(s.warnings.map(formatIssue)).toEqual([expect.stringMatching(new RegExp(`^s\\.yml:4:\\d+: field ${key} is not modelled`))]);
  });

  it('a version other than 3.x, an unknown top-level key, no services: bad input at their lines', () => {
    const e = inputError(() => readStack(`version: "2.4"\nservice:\n  a: {}\n`, 's.yml'));
    expect(e.issues.map(formatIssue)).toEqual([
      's.yml:1:1: docker stack deploy reads Compose file format 3.x (or a file without version), got "2.4" (at version)',
      's.yml:1:1: expected services: a mapping of service names to services (at services)',
      expect.stringMatching(/^s\.yml:2:\d+: unknown top-level key "service" \(expected version, name, services, networks, volumes, configs, secrets or an x- extension\)/),
    ]);
    expect(inputError(() => readStack('', 'e.yml')).message).toMatch(/^e\.yml:.*expected a stack file: a mapping with `services:`, got an empty file/);
    expect(inputError(() => readStack('version: "3"\n', 'e.yml')).message).toMatch(/expected services: a mapping of service names to services/);
    expect(readStack(`version: 3.9\nx-anything: 1\nservices: {}\n`, 'ok.yml').workloads).toEqual([]);
  });

  it('every bad deploy field of the file at once, in line order, with file:line', () => {
    const e = inputError(() => readStack(`services:
  web:
    deploy:
      replica: 3
      placement:
        constraints: ["node.labels.zone = a"]
  api:
    deploy:
      mode: global-job
  db:
    deploy:
      mode: global
      replicas: 2
      labels: { orchsim.io/duration: 1h }
`, 'bad.yml'));
    expect(e.issues.map(formatIssue)).toEqual([
      expect.stringMatching(/^bad\.yml:4:\d+: unknown key "replica" in deploy/),
      expect.stringMatching(/^bad\.yml:6:\d+: expected "<key> == <value>" or "<key> != <value>", e\.g\. "node\.labels\.zone == a" .*got "node\.labels\.zone = a" \(at services\.web\.deploy\.placement\.constraints\[0\]\)$/),
      expect.stringMatching(/^bad\.yml:9:\d+: mode global-job is not supported/),
      expect.stringMatching(/^bad\.yml:13:\d+: replicas can only be used with replicated or replicated-job mode/),
      expect.stringMatching(/^bad\.yml:14:\d+: orchsim\.io\/duration applies to replicated-job services only/),
    ]);
  });

  it('a bad value merged in from an anchor is shown at the anchor', () => {
    const e = inputError(() => readStack(`x-policy: &policy\n  restart_policy: { condition: sometimes }\nservices:\n  a:\n    deploy:\n      <<: *policy\n`, 's.yml'));
    expect(e.issues.map(formatIssue)).toEqual([expect.stringMatching(/^s\.yml:2:\d+: expected one of none, on-failure, any, got "sometimes" \(at services\.a\.deploy\.restart_policy\.condition\)$/)]);
  });

  it('host ports: long syntax in host mode only; a port published twice is refused', () => {
    const s = readStack(`services:\n  a:\n    ports:\n      - { target: 80, published: "8080", mode: host }\n      - { target: 443, mode: host }\n`, 's.yml');
    expect((s.workloads[0] as ServiceWorkload).swarm!.hostPorts).toEqual([8080]);
    const e = inputError(() => readStack(`services:\n  a:\n    ports:\n      - { target: 80, published: 80, mode: host }\n      - { target: 81, published: 80, mode: host }\n      - { target: 82, published: 82, mode: bridge }\n`, 's.yml'));
    expect(e.issues.map(formatIssue)).toEqual([
      expect.stringMatching(/^s\.yml:5:\d+: port 80 is published twice/),
      expect.stringMatching(/^s\.yml:6:\d+: expected one of host, ingress, got "bridge"/),
    ]);
  });

  it('defaults: replicas 1, swarmkit settings, no requests', () => {
    const s = readStack('services:\n  a:\n    image: x\n', 's.yml');
    const a = s.workloads[0] as ServiceWorkload;
    expect([a.replicas, a.startAt]).toEqual([1, 0]);
    expect(a.swarm).toEqual({ ...SWARM_DEFAULT_SETTINGS, hostPorts: [] });
    expect(a.swarm!.updateConfig).toEqual(SWARM_DEFAULT_UPDATE_CONFIG);
    expect(a.spec.requests).toEqual(resources({}));
    expect(s.warnings).toEqual([]);
  });

  it('a replicated-job of 0 replicas runs nothing; replicas 0 of a service is kept (scaled to zero)', () => {
    const s = readStack('services:\n  j: { deploy: { mode: replicated-job, replicas: 0 } }\n  s: { deploy: { replicas: 0 } }\n', 's.yml');
    expect(s.workloads.map((w) => w.name)).toEqual(['s_s']);
  });

  it('input limits: services per file, YAML syntax and alias bombs are bad input with a position', () => {
    const many = `services:\n${Array.from({ length: MAX_STACK_SERVICES + 1 }, (_, i) => `  s${i}: {}\n`).join('')}`;
    expect(inputError(() => readStack(many, 'big.yml')).message).toMatch(/^big\.yml:1:\d+: at most 10,000 services per stack file \(the limit\), got 10,001/);
    expect(inputError(() => readStack('services:\n  a: [\n', 's.yml')).message).toMatch(/^s\.yml:\d+:\d+: YAML syntax error/);
    const bomb = `x-a: &a [1,1,1,1,1,1,1,1,1,1]\nx-b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a,*a]\nx-c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b,*b]\nx-d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c,*c]\nx-e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d,*d]\nx-f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e,*e]\nx-g: [*f,*f,*f,*f,*f,*f,*f,*f,*f,*f]\nservices: {}\n`;
    expect(inputError(() => readStack(bomb, 'bomb.yml')).message).toMatch(/alias bomb/);
    expect(inputError(() => readStack(`services:\n  a: {}\n  a: {}\n`, 'dup.yml')).message).toMatch(/^dup\.yml:3:\d+: YAML syntax error: Map keys must be unique/);
  });

  it('a service name Docker would refuse, and a service that is not a mapping', () => {
    const e = inputError(() => readStack(`services:\n  "web app": {}\n  b: 3\n`, 's.yml'));
    expect(e.issues.map((i) => `${i.line}: ${i.message}`)).toEqual([
      '2: service name "web app" is invalid (letters, digits, ".", "_" and "-")',
      '3: expected a mapping, got 3',
    ]);
  });
});

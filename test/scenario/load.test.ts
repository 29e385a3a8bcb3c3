import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { prepareScenario } from '../../src/scenario/index.js';
import { InputError } from '../../src/util/errors.js';

const dir = mkdtempSync(join(tmpdir(), 'orchsim-scenario-'));
let n = 0;
function write(text: string, ext = 'yaml'): string {
  const f = join(dir, `s${n++}.${ext}`);
  writeFileSync(f, text);
  return f;
}

/** The issues of a scenario that must fail, as "line: message (at path)". */
function issues(text: string, ext = 'yaml'): { line: number | undefined; path: string; message: string }[] {
  const f = write(text, ext);
  try {
    prepareScenario(f);
  } catch (e) {
    if (!(e instanceof InputError)) throw e;
    for (const i of e.issues) expect(i.file).toBe(f);
    return e.issues.map((i) => ({ line: i.line, path: i.path.join('.'), message: i.message }));
  }
  throw new Error('expected the scenario to be rejected');
}

const VALID = `
horizon: 1h
cluster:
  pools:
    - name: workers
      count: 3
      zones: [a, b, c]
      resources: { cpu: 4, memory: 16Gi }
workloads:
  - type: service
    name: web
    replicas: 3
    requests: { cpu: 500m, memory: 1Gi }
`;

describe('scenario files: valid input', () => {
  it('resolves pools, zones, units and defaults', () => {
    const { resolved } = prepareScenario(write(VALID));
    expect(resolved.horizon).toBe(3600);
    expect(resolved.nodes.map((x) => [x.name, x.labels['topology.kubernetes.io/zone']])).toEqual([['workers-0', 'a'], ['workers-1', 'b'], ['workers-2', 'c']]);
    expect(resolved.nodes[0]!.allocatable.memory).toBe(16 * 2 ** 30);
    expect(resolved.profile.name).toBe('default');
    const web = resolved.workloads[0]!;
    expect(web.kind === 'service' && web.spec.requests.milliCPU).toBe(500);
  });
  it('reads JSON too', () => {
    const { resolved } = prepareScenario(write(JSON.stringify({ cluster: { pools: [{ name: 'p', count: 1, resources: { cpu: '2', memory: '1Gi' } }] } }), 'json'));
    expect(resolved.nodes).toHaveLength(1);
  });
});

describe('scenario files: bad input names the line, the path and what was expected', () => {
  it('unknown keys, pointing at the key', () => {
    expect(issues(VALID.replace('replicas: 3', 'replicas: 3\n    replica: 4'))).toEqual([{ line: 13, path: 'workloads.0.replica', message: 'unknown key "replica" (did you mean "replicas"?)' }]);
    expect(issues(`${VALID}\nhorizn: 2h\n`)[0]).toMatchObject({ path: 'horizn', message: 'unknown key "horizn" (did you mean "horizon"?)' });
    // Nothing near: no guess.
    expect(issues(`${VALID}\nbanana: 2h\n`)[0]).toMatchObject({ path: 'banana', message: 'unknown key "banana"' });
  });
  it('a negative quantity is refused, also one that rounds up to zero', () => {
    expect(issues(VALID.replace('memory: 16Gi', 'memory: "-0.5"'))[0]).toMatchObject({ line: 8, message: 'expected a memory quantity such as "512Mi" or "4Gi" of at least 0, got "-0.5"' });
    expect(issues(VALID.replace('cpu: 500m', 'cpu: -100u'))[0]).toMatchObject({ line: 13, path: 'workloads.0.requests.cpu' });
  });
  it('wrong units', () => {
    expect(issues(VALID.replace('cpu: 500m', 'cpu: 500x'))).toEqual([{ line: 13, path: 'workloads.0.requests.cpu', message: 'expected a CPU quantity such as "500m" or 2, got "500x"' }]);
    expect(issues(VALID.replace('memory: 16Gi', 'memory: 16GB'))[0]).toMatchObject({ line: 8, path: 'cluster.pools.0.resources.memory' });
    expect(issues(VALID.replace('horizon: 1h', 'horizon: 1 hour'))[0]).toMatchObject({ line: 2, message: 'expected a duration such as "90s", "5m", "2h" or "7d", got "1 hour"' });
  });
  it('negative counts', () => {
    expect(issues(VALID.replace('count: 3', 'count: -3'))[0]).toMatchObject({ line: 6, path: 'cluster.pools.0.count' });
    expect(issues(VALID.replace('replicas: 3', 'replicas: -1'))[0]).toMatchObject({ line: 12, path: 'workloads.0.replicas' });
  });
  it('bad YAML', () => {
    const [i] = issues('cluster:\n  pools: [\n');
    expect(i!.line).toBeGreaterThanOrEqual(2);
    expect(i!.message).toMatch(/^invalid YAML/);
  });
  it('a missing section and an unknown workload type', () => {
    expect(issues('seed: 1\n')[0]).toMatchObject({ path: 'cluster', message: 'missing required field (expected object)' });
    expect(issues(VALID.replace('type: service', 'type: daemon'))[0]).toMatchObject({ line: 10, path: 'workloads.0.type' });
  });
  it('distributions with the wrong shape', () => {
    const batch = `${VALID}  - type: batch\n    name: b\n    arrival: { poisson: { rate: 10/h } }\n    duration: { normal: { mean: 5m } }\n`;
    expect(issues(batch)[0]).toMatchObject({ line: 17, path: 'workloads.1.duration' });
    const badRate = batch.replace('10/h', 'often').replace('{ normal: { mean: 5m } }', '5m');
    expect(issues(badRate)[0]).toMatchObject({ line: 16, path: 'workloads.1.arrival.poisson.rate' });
  });
  it('unknown profile, unknown plugin and bad plugin args', () => {
    expect(issues(`${VALID}scheduler: { profile: fastest }\n`)[0]!.message).toMatch(/unknown profile "fastest" \(known: .*default.*binpack/);
    const inline = `${VALID}scheduler:\n  profile:\n    name: mine\n    plugins:\n      - name: NodeResourcesFit\n        args: { scoringStrategy: { type: Most } }\n      - name: Nope\n`;
    const got = issues(inline);
    expect(got[0]).toMatchObject({ line: 19, path: 'scheduler.profile.plugins.0.args.scoringStrategy.type' });
    expect(got[1]).toMatchObject({ line: 20, path: 'scheduler.profile.plugins.1.name' });
  });
  it('a missing file and a missing manifest', () => {
    expect(() => prepareScenario(join(dir, 'nope.yaml'))).toThrow(/nope\.yaml: file not found/);
    expect(issues(VALID.replace('  pools:', '  manifests: [missing.yaml]\n  pools:'))[0]).toMatchObject({ line: 4, path: 'cluster.manifests.0' });
  });
});

describe('scenario files: traces', () => {
  const nodes = write('sn,cpu_milli,memory_mib,gpu,model\nn-1,32000,65536,2,A10\nn-2,32000,65536,0,\n', 'csv');
  const pods = write('name,cpu_milli,memory_mib,num_gpu,gpu_milli,gpu_spec,qos,pod_phase,creation_time,deletion_time,scheduled_time\np-1,1000,1024,1,500,,LS,Running,10,70,10\np-2,2000,2048,0,0,,LS,Running,20,,20\n', 'csv');
  const swf = write('; MaxProcs: 4\n1 0 5 60 2 -1 -1 2 100 -1 1 1 1 -1 1 -1 -1 -1\n2 30 -1 -1 1 -1 -1 1 100 -1 5 1 1 -1 1 -1 -1 -1\n', 'swf');
  const scenario = (extra = '') => `
horizon: 1h
cluster:
  openbNodes: [${nodes}]
workloads:
  - { type: trace, name: gpu-pods, format: openb, file: ${pods}${extra} }
  - { type: trace, name: hpc, format: swf, file: ${swf}, cpuPerProcessor: 500m }
`;
  it('reads openb nodes and replays openb and SWF traces with their times', () => {
    const { resolved } = prepareScenario(write(scenario()));
    expect(resolved.nodes.map((n) => [n.name, n.allocatable.milliGPU, n.gpuModel])).toEqual([['n-1', 2000, 'A10'], ['n-2', 0, undefined]]);
    const [gpu, hpc] = resolved.workloads;
    expect(gpu?.kind === 'pods' && gpu.pods.map((p) => [p.at, p.duration, p.spec.requests.milliGPU])).toEqual([[10, 60, 500], [20, Infinity, 0]]);
    // SWF: job 2 has no run time (cancelled): skipped; job 1 uses 2 processors x 500m.
    expect(hpc?.kind === 'pods' && hpc.pods.map((p) => [p.at, p.duration, p.spec.requests.milliCPU])).toEqual([[0, 60, 1000]]);
  });
  it('a bad trace row is reported in the trace file, at its line', () => {
    const bad = write('name,cpu_milli,memory_mib,num_gpu,gpu_milli\np-1,1000,1024,1,500\np-2,x,1,0,0\n', 'csv');
    expect(() => prepareScenario(write(scenario().replace(pods, bad)))).toThrow(new RegExp(`${bad.replace(/[.]/g, '\\.')}:3`));
    // The 5-column (multigpu) lists have no times to replay.
    const noTimes = write('name,cpu_milli,memory_mib,num_gpu,gpu_milli\np-1,1000,1024,1,500\n', 'csv');
    expect(issues(scenario().replace(pods, noTimes))[0]).toMatchObject({ path: 'workloads.0.useTimes' });
  });
});

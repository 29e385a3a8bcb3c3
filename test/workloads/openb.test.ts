import { inputError } from '../helpers/plugins.js';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { GPU_MODEL_LABEL, gpuRequest, isValidGpuRequest } from '../../src/api/gpu.js';
import { resources } from '../../src/api/resources.js';
import type { InputError } from '../../src/util/errors.js';
import { MAX_ISSUES_PER_FILE } from '../../src/workloads/trace-lines.js';
import { OPENB_MAX_PODS, openbPodList, openbPodSpec, readOpenbNodes, readOpenbPods, type OpenbPod } from '../../src/workloads/openb.js';

const Mi = 2 ** 20;
const NODE_HEADER = 'sn,cpu_milli,memory_mib,gpu,model';
const POD_HEADER = 'name,cpu_milli,memory_mib,num_gpu,gpu_milli,gpu_spec,qos,pod_phase,creation_time,deletion_time,scheduled_time';
const MULTI_HEADER = 'name,cpu_milli,memory_mib,num_gpu,gpu_milli';

const csv = (...lines: string[]) => `${lines.join('\n')}\n`;
const podRow = (name: string, cpu: number, mem: number, k: number, m: number, spec = '', times = '0,100,0') => `${name},${cpu},${mem},${k},${m},${spec},LS,Running,${times}`;

/** The single issue of an error, checked to be at `file:line` with `text` in its message. */
function expectIssue(e: InputError, file: string, line: number | undefined, text: string, path?: readonly (string | number)[]) {
  expect(e.issues).toHaveLength(1);
  const issue = e.issues[0]!;
  expect(issue.file).toBe(file);
  expect(issue.line).toBe(line);
  expect(issue.message).toContain(text);
  if (path) expect(issue.path).toEqual(path);
  if (line !== undefined) expect(e.message).toContain(`${file}:${line}`);
}

describe('readOpenbNodes', () => {
  it('makes one node per row: cpu, memory in bytes, GPUs in milli, model as label and gpuModel', () => {
    const nodes = readOpenbNodes(csv(NODE_HEADER, 'n0,64000,262144,2,P100', 'n1,32000,131072,0,'), 'nodes.csv');
    expect(nodes).toHaveLength(2);
    const [gpu, cpu] = nodes;
    expect(gpu).toEqual({
      name: 'n0',
      labels: { 'kubernetes.io/hostname': 'n0', [GPU_MODEL_LABEL]: 'P100' },
      taints: [],
      unschedulable: false,
      allocatable: resources({ milliCPU: 64000, memory: 262144 * Mi, milliGPU: 2000 }),
      allowedPodNumber: OPENB_MAX_PODS,
      gpuModel: 'P100',
    });
    expect(cpu!.labels).toEqual({ 'kubernetes.io/hostname': 'n1' });
    expect(cpu!.gpuModel).toBeUndefined();
    expect(cpu!.allocatable.milliGPU).toBe(0);
  });

  it('ignores the model of a node without GPUs', () => {
    const [n] = readOpenbNodes(csv(NODE_HEADER, 'n0,1000,1024,0,T4'), 'nodes.csv');
    expect(n!.gpuModel).toBeUndefined();
    expect(n!.labels[GPU_MODEL_LABEL]).toBeUndefined();
  });

  it('accepts CRLF, a byte-order mark, blank lines and a complete last line without newline', () => {
    const nodes = readOpenbNodes(`\uFEFF${NODE_HEADER}\r\nn0,1000,1024,1,T4\r\n\r\nn1,2000,2048,0,`, 'nodes.csv');
    expect(nodes.map((n) => n.name)).toEqual(['n0', 'n1']);
    expect(nodes[0]!.gpuModel).toBe('T4');
  });

  it('rejects an empty file and a file with only the header', () => {
    expectIssue(inputError(() => readOpenbNodes('', 'nodes.csv')), 'nodes.csv', 1, 'empty file: expected the node-list header "sn,cpu_milli,memory_mib,gpu,model"');
    expectIssue(inputError(() => readOpenbNodes(' \n\n', 'nodes.csv')), 'nodes.csv', 1, 'empty file');
    expectIssue(inputError(() => readOpenbNodes(csv(NODE_HEADER), 'nodes.csv')), 'nodes.csv', undefined, 'no node rows after the header');
  });

  it('rejects an unknown header, and says so when it is a pod list', () => {
    expectIssue(inputError(() => readOpenbNodes(csv('sn,cpu,memory,gpu,model', 'n0,1,1,0,'), 'nodes.csv')), 'nodes.csv', 1, 'expected the node-list header "sn,cpu_milli,memory_mib,gpu,model", got "sn,cpu,memory,gpu,model"', ['header']);
    const e = inputError(() => readOpenbNodes(csv(POD_HEADER, podRow('p', 1, 1, 0, 0)), 'pods.csv'));
    expectIssue(e, 'pods.csv', 1, 'this is a pod list, read it with readOpenbPods');
  });

  it('reports wrong column counts, non-numbers, negatives, quotes and duplicates with their line', () => {
    const text = csv(
      NODE_HEADER,
      'n0,1000,1024,1,T4', // 2: fine
      'n1,1000,1024,1', // 3: 4 columns
      'n2,lots,1024,1,T4', // 4: not a number
      'n3,1000,-5,1,T4', // 5: negative memory
      '"n4",1000,1024,1,T4', // 6: quoted
      'n0,1000,1024,1,T4', // 7: duplicate of line 2
      'n5,1000,1024,1.5,T4', // 8: fractional GPU count
    );
    const e = inputError(() => readOpenbNodes(text, 'nodes.csv'));
    const at = e.issues.map((i) => [i.line, i.column, i.path, i.message] as const);
    expect(at).toEqual([
      [3, undefined, ['row', 3], 'expected 5 columns (sn,cpu_milli,memory_mib,gpu,model) as in the node-list header, got 4'],
      [4, 4, ['row', 4, 'cpu_milli'], 'expected cpu_milli to be a non-negative integer, got "lots"'],
      [5, 9, ['row', 5, 'memory_mib'], 'memory_mib must not be negative, got -5'],
      [6, 1, ['row', 6], expect.stringContaining('found a quote character: quoted CSV fields are not supported')],
      [7, 1, ['row', 7, 'sn'], 'duplicate node name "n0" (first on line 2)'],
      [8, 14, ['row', 8, 'gpu'], 'expected gpu to be a non-negative integer, got "1.5"'],
    ]);
    expect(e.message).toContain('nodes.csv:4:4: expected cpu_milli to be a non-negative integer, got "lots" (at row[4].cpu_milli)');
  });

  it('flags a truncated last line', () => {
    const e = inputError(() => readOpenbNodes(`${NODE_HEADER}\nn0,1000,1024,1,T4\nn1,1000,10`, 'nodes.csv'));
    expectIssue(e, 'nodes.csv', 3, 'got 3 (this is the last line and it has no newline: the file looks truncated)');
  });

  it(`lists at most ${MAX_ISSUES_PER_FILE} issues and counts the rest`, () => {
    const rows = Array.from({ length: MAX_ISSUES_PER_FILE + 5 }, (_, i) => `n${i},x,1,0,`);
    const e = inputError(() => readOpenbNodes(csv(NODE_HEADER, ...rows), 'nodes.csv'));
    expect(e.issues).toHaveLength(MAX_ISSUES_PER_FILE + 1);
    expect(e.issues[MAX_ISSUES_PER_FILE - 1]!.line).toBe(MAX_ISSUES_PER_FILE + 1);
    expect(e.issues[MAX_ISSUES_PER_FILE]!.message).toBe(`5 more issue(s) not listed (only the first ${MAX_ISSUES_PER_FILE} are)`);
  });
});

describe('readOpenbPods', () => {
  it('reads the 11-column header with times and the raw gpu_spec', () => {
    const pods = readOpenbPods(csv(POD_HEADER, podRow('p0', 12000, 16384, 1, 460, 'V100M16|V100M32', '5,105,7'), podRow('p1', 8000, 30517, 0, 0)), 'pods.csv');
    expect(pods).toEqual([
      { name: 'p0', cpuMilli: 12000, memoryMib: 16384, numGpu: 1, gpuMilli: 460, gpuSpec: 'V100M16|V100M32', models: ['V100M16', 'V100M32'], creationTime: 5, deletionTime: 105, scheduledTime: 7 },
      { name: 'p1', cpuMilli: 8000, memoryMib: 30517, numGpu: 0, gpuMilli: 0, gpuSpec: '', models: [], creationTime: 0, deletionTime: 100, scheduledTime: 0 },
    ]);
  });

  it('reads the 5-column multigpu header: no spec, no times', () => {
    const [p] = readOpenbPods(csv(MULTI_HEADER, 'p0,88000,327680,8,1000'), 'multigpu.csv');
    expect(p).toEqual({ name: 'p0', cpuMilli: 88000, memoryMib: 327680, numGpu: 8, gpuMilli: 1000, gpuSpec: '', models: [], creationTime: undefined, deletionTime: undefined, scheduledTime: undefined });
  });

  it('leaves blank time fields undefined', () => {
    const [p] = readOpenbPods(csv(POD_HEADER, podRow('p0', 1, 1, 0, 0, '', ',,')), 'pods.csv');
    expect([p!.creationTime, p!.deletionTime, p!.scheduledTime]).toEqual([undefined, undefined, undefined]);
  });

  it('clamps gpu_milli above 1000 to 1000 (FGD.md section 1)', () => {
    const pods = readOpenbPods(csv(MULTI_HEADER, 'p0,1,1,1,1500', 'p1,1,1,2,2000'), 'pods.csv');
    expect(pods.map((p) => p.gpuMilli)).toEqual([1000, 1000]);
  });

  it('gives num_gpu 0 no share and no model constraint, whatever gpu_milli and gpu_spec say', () => {
    const [p] = readOpenbPods(csv(POD_HEADER, podRow('p0', 1000, 1, 0, 500, 'T4')), 'pods.csv');
    expect(p!.gpuMilli).toBe(0);
    expect(p!.gpuSpec).toBe('T4');
    expect(p!.models).toEqual([]);
  });

  it('rejects a share below 1000 on several GPUs, naming gpu_milli', () => {
    const e = inputError(() => readOpenbPods(csv(MULTI_HEADER, 'p0,1,1,1,500', 'p1,1,1,2,500'), 'pods.csv'));
    expectIssue(e, 'pods.csv', 3, 'a pod with num_gpu 2 must have gpu_milli 1000 (multi-GPU pods take whole GPUs', ['row', 3, 'gpu_milli']);
    expect(e.issues[0]!.column).toBe(10);
  });

  it('rejects an unknown header, listing both known ones, and a node list', () => {
    const e = inputError(() => readOpenbPods(csv('name,cpu_milli,memory_mib,num_gpu,gpu_milli,gpu_spec,qos', 'p,1,1,0,0,,LS'), 'pods.csv'));
    expectIssue(e, 'pods.csv', 1, `expected a pod-list header: 11 columns "${POD_HEADER}" or 5 columns "${MULTI_HEADER}" (multigpu files), got`);
    expect(e.issues[0]!.message).toContain('(7 columns)');
    expectIssue(inputError(() => readOpenbPods(csv(NODE_HEADER, 'n0,1,1,0,'), 'nodes.csv')), 'nodes.csv', 1, 'this is a node list, read it with readOpenbNodes');
    expectIssue(inputError(() => readOpenbPods('', 'pods.csv')), 'pods.csv', 1, 'empty file: expected a pod-list header');
    expectIssue(inputError(() => readOpenbPods(csv(MULTI_HEADER), 'pods.csv')), 'pods.csv', undefined, 'no pod rows after the header');
  });

  it('reports wrong column counts against the header in use', () => {
    const full = inputError(() => readOpenbPods(csv(POD_HEADER, 'p0,1,1,0,0,,LS'), 'pods.csv'));
    expectIssue(full, 'pods.csv', 2, `expected 11 columns (${POD_HEADER}) as in the pod-list header, got 7`, ['row', 2]);
    const multi = inputError(() => readOpenbPods(csv(MULTI_HEADER, podRow('p0', 1, 1, 0, 0)), 'pods.csv'));
    expectIssue(multi, 'pods.csv', 2, `expected 5 columns (${MULTI_HEADER}) as in the multigpu pod-list header, got 11`);
  });

  it('reports every bad field of the file with line, column and expectation', () => {
    const text = csv(
      POD_HEADER,
      podRow('p0', 1000, 1, 1, 1000), // 2: fine
      podRow('p1', -1, 1, 1, 1000), // 3: negative cpu
      podRow('p2', 1000, 1, 1, 1000, 'T4||P100'), // 4: empty model
      podRow('p3', 1000, 1, 1, 1000, '', 'soon,100,0'), // 5: bad creation_time
      podRow('p4', 1000, 1, 1, 1000, '', '50,10,50'), // 6: deleted before created
      podRow('', 1000, 1, 1, 1000), // 7: no name
      podRow('p0', 1000, 1, 1, 1000), // 8: duplicate
      'p5,1000,1,one,1000,,LS,Running,0,100,0', // 9: num_gpu not a number
      'p6,1000,1,1,1000,"T4",LS,Running,0,100,0', // 10: quote
    );
    const e = inputError(() => readOpenbPods(text, 'pods.csv'));
    expect(e.issues.map((i) => [i.line, i.column, i.path, i.message] as const)).toEqual([
      [3, 4, ['row', 3, 'cpu_milli'], 'cpu_milli must not be negative, got -1'],
      [4, 18, ['row', 4, 'gpu_spec'], `expected GPU models separated by '|', got an empty model name in "T4||P100"`],
      [5, 30, ['row', 5, 'creation_time'], 'expected creation_time to be a non-negative integer, got "soon"'],
      [6, 33, ['row', 6, 'deletion_time'], 'deletion_time 10 is before creation_time 50'],
      [7, 1, ['row', 7, 'name'], 'expected a pod name, got an empty field'],
      [8, 1, ['row', 8, 'name'], 'duplicate pod name "p0" (first on line 2)'],
      [9, 11, ['row', 9, 'num_gpu'], 'expected num_gpu to be a non-negative integer, got "one"'],
      [10, 18, ['row', 10], expect.stringContaining('found a quote character')],
    ]);
    expect(e.message.split('\n')[0]).toBe('pods.csv:3:4: cpu_milli must not be negative, got -1 (at row[3].cpu_milli)');
  });

  it('flags a truncated last line', () => {
    const e = inputError(() => readOpenbPods(`${POD_HEADER}\n${podRow('p0', 1, 1, 0, 0)}\np1,1000,20`, 'pods.csv'));
    expectIssue(e, 'pods.csv', 3, 'got 3 (this is the last line and it has no newline: the file looks truncated)');
  });
});

describe('openbPodSpec', () => {
  const pod = (p: Partial<OpenbPod>): OpenbPod => ({ name: 'p', cpuMilli: 1000, memoryMib: 1024, numGpu: 0, gpuMilli: 0, gpuSpec: '', models: [], ...p });

  it('requests cpu, memory in bytes and m * k milli-GPU', () => {
    expect(openbPodSpec(pod({ numGpu: 1, gpuMilli: 460 })).requests).toEqual(resources({ milliCPU: 1000, memory: 1024 * Mi, milliGPU: 460 }));
    expect(openbPodSpec(pod({ numGpu: 4, gpuMilli: 1000 })).requests.milliGPU).toBe(4000);
    expect(openbPodSpec(pod({ numGpu: 0, gpuMilli: 700 })).requests.milliGPU).toBe(0);
  });

  it('is a default-namespace, unlabelled, priority-0 pod with the model constraint when it has one', () => {
    const s = openbPodSpec(pod({ numGpu: 1, gpuMilli: 500, gpuSpec: 'T4|P100', models: ['T4', 'P100'] }));
    expect(s).toMatchObject({ namespace: 'default', labels: {}, priority: 0, gpuModels: ['T4', 'P100'] });
    expect(openbPodSpec(pod({ numGpu: 1, gpuMilli: 500 })).gpuModels).toBeUndefined();
    // A CPU-only pod has no constraint (FGD.md section 1), even if models were filled in by hand.
    expect(openbPodSpec(pod({ models: ['T4'] })).gpuModels).toBeUndefined();
  });

  it('shares one spec between pods with equal (cpu, memory, m, k, models), and only then', () => {
    const pods = readOpenbPods(csv(
      POD_HEADER,
      podRow('a', 2000, 512, 1, 300),
      podRow('b', 2000, 512, 1, 300, '', '9,99,9'),
      podRow('c', 2000, 512, 1, 300, 'T4'),
      podRow('d', 2000, 512, 1, 400),
      podRow('e', 2000, 512, 0, 300),
      podRow('f', 2000, 512, 0, 0, 'T4'),
    ), 'pods.csv');
    const [a, b, c, d, e, f] = pods.map(openbPodSpec);
    expect(a).toBe(b);
    expect(a).not.toBe(c);
    expect(a).not.toBe(d);
    expect(e).toBe(f);
    expect(Object.isFrozen(a)).toBe(true);
  });

  it('throws an InputError for a hand-built split multi-GPU pod', () => {
    const e = inputError(() => openbPodSpec(pod({ name: 'x', numGpu: 2, gpuMilli: 500 })));
    expectIssue(e, 'openb pod x', undefined, 'a pod with num_gpu 2 must have gpu_milli 1000', ['gpu_milli']);
  });
});

describe('openbPodList', () => {
  const pods = readOpenbPods(csv(POD_HEADER, podRow('p0', 1000, 1, 1, 500, '', '10,70,12'), podRow('p1', 1000, 1, 0, 0, '', '20,,20')), 'pods.csv');

  it('follows the FGD protocol by default: all at time 0, never deleted, in file order', () => {
    const w = openbPodList(pods, 'default');
    expect(w.kind).toBe('pods');
    expect(w.name).toBe('default');
    expect(w.pods.map((p) => [p.at, p.name, p.duration])).toEqual([[0, 'p0', Infinity], [0, 'p1', Infinity]]);
    expect(w.pods[0]!.spec).toBe(openbPodSpec(pods[0]!));
    expect(w.startup).toEqual({ kind: 'fixed', value: 0 });
  });

  it('replays creation and deletion times with useTimes', () => {
    const w = openbPodList(pods, 'timed', { useTimes: true });
    expect(w.pods.map((p) => [p.at, p.duration])).toEqual([[10, 60], [20, Infinity]]);
  });

  it('refuses useTimes for pods without times (multigpu files)', () => {
    const multi = readOpenbPods(csv(MULTI_HEADER, 'p0,1,1,0,0'), 'm.csv');
    expect(() => openbPodList(multi, 'm', { useTimes: true })).toThrow(/pod p0 has no creation_time/);
  });
});

describe('openb rows to specs (property)', () => {
  // Rows as the FGD rules allow them: CPU-only (any gpu_milli), a share of one GPU, or whole GPUs
  // with gpu_milli 1000 or above (clamped).
  const row = fc.record({
    cpu: fc.integer({ min: 0, max: 128_000 }),
    mem: fc.integer({ min: 0, max: 1 << 20 }),
    k: fc.integer({ min: 0, max: 8 }),
    share: fc.integer({ min: 0, max: 999 }),
    whole: fc.integer({ min: 1000, max: 3000 }),
    wholeSingle: fc.boolean(),
    spec: fc.constantFrom('', 'T4', 'V100M16|V100M32'),
  });

  it('reads back every valid row and builds a valid GPU request of m * k', () => {
    fc.assert(fc.property(fc.array(row, { minLength: 1, maxLength: 30 }), (rows) => {
      const raw = rows.map((r) => ({ ...r, milli: r.k > 1 || (r.k === 1 && r.wholeSingle) ? r.whole : r.share }));
      const pods = readOpenbPods(csv(POD_HEADER, ...raw.map((r, i) => podRow(`p${i}`, r.cpu, r.mem, r.k, r.milli, r.spec))), 'pods.csv');
      expect(pods).toHaveLength(rows.length);
      pods.forEach((p, i) => {
        const r = raw[i]!;
        const m = r.k === 0 ? 0 : Math.min(r.milli, 1000);
        expect([p.cpuMilli, p.memoryMib, p.numGpu, p.gpuMilli]).toEqual([r.cpu, r.mem, r.k, m]);
        const spec = openbPodSpec(p);
        expect(spec.requests.milliGPU).toBe(m * r.k);
        expect(isValidGpuRequest(spec.requests.milliGPU)).toBe(true);
        const req = gpuRequest(spec.requests);
        if (m > 0) expect(req).toEqual({ milliPerGpu: m, count: r.k });
        else expect(req).toBeUndefined();
      });
    }));
  });
});

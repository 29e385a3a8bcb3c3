import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { spawn } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { orchsim, run, type Exited } from '../helpers/cli.js';

/**
 * The hostile-input corpus (issue 21): inputs made to exhaust memory or time, block, echo
 * content, pollute prototypes or crash the readers of a results directory. Each runs the built
 * CLI in a child with a 1 GB heap (`--max-old-space-size=1024`), so an unbounded case fails fast
 * instead of swapping, and must end with exit 2, a position where the input has one, no stack
 * trace and a short message. Small cases are in test/fixtures/hostile-input; large ones are
 * generated here, once, into a temporary folder. The time bound is a hang guard only.
 */

const DIR = 'test/fixtures/hostile-input';
const HANG_GUARD_MS = 240_000;
const tmp = mkdtempSync(join(tmpdir(), 'orchsim-hostile-'));

/** The CLI with a 1 GB heap, killed after HANG_GUARD_MS (then `signal` says so). */
function bounded(...args: string[]): Promise<Exited & { ms: number }> {
  const t0 = performance.now();
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, ['--max-old-space-size=1024', 'dist/cli/main.js', ...args], { env: { ...process.env, ORCHSIM_DEBUG: '' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const guard = setTimeout(() => child.kill('SIGKILL'), HANG_GUARD_MS);
    child.on('error', fail);
    child.on('close', (code, signal) => {
      clearTimeout(guard);
      done({ code: code ?? -1, stdout, stderr, signal, ms: performance.now() - t0 });
    });
  });
}

/** Runs the argument lists two at a time (the machine has two cores), results in order. */
async function boundedAll(lists: readonly (readonly string[])[]): Promise<(Exited & { ms: number })[]> {
  const out: (Exited & { ms: number })[] = new Array(lists.length);
  let next = 0;
  const worker = async () => {
    for (let i = next++; i < lists.length; i = next++) out[i] = await bounded(...lists[i]!);
  };
  await Promise.all([worker(), worker()]);
  return out;
}

/** Exit 2, "error: invalid input", the position (a `file:line[:col]:` prefix when `line`), no stack, a short report. */
function expectBadInput(r: Exited & { ms: number }, what: string, position: RegExp | undefined, message: RegExp): void {
  const text = `${what}: exit ${r.code}, ${Math.round(r.ms)} ms\n${r.stderr.slice(0, 2000)}`;
  expect(r.signal, text).toBeNull();
  expect(r.code, text).toBe(2);
  expect(r.stderr, text).toMatch(/^error: invalid input\n/);
  expect(r.stderr, text).not.toMatch(/\n\s+at |FATAL ERROR|heap out of memory/);
  expect(r.stderr, text).toMatch(message);
  if (position) expect(r.stderr, text).toMatch(position);
  // Never the file's content echoed back: a few lines of a few hundred characters at most.
  expect(r.stderr.length, text).toBeLessThan(3000);
  expect(r.stdout, text).toBe('');
}

const CLUSTER = 'cluster:\n  pools:\n    - { name: n, count: 2, resources: { cpu: 8, memory: 32Gi } }\n';
const writeTmp = (name: string, text: string) => {
  const f = join(tmp, name);
  writeFileSync(f, text);
  return f;
};

afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('kind 1: limits bound memory and time', () => {
  let files: Record<string, string>;
  beforeAll(() => {
    const keys = (n: number, prefix: string) => Array.from({ length: n }, (_, i) => `${prefix}${i}: 1\n`).join('');
    files = {
      flow: writeTmp('flow-list.yaml', `${CLUSTER}workloads: [${'1,'.repeat(7_500_000)}1]\n`),
      json: writeTmp('array.json', `{"cluster": {"pools": [${'0,'.repeat(7_000_000)}0]}}`),
      map: writeTmp('map.yaml', `${CLUSTER}${keys(1_250_000, 'k')}`),
      commas: writeTmp('commas.yaml', `${CLUSTER}workloads: [${','.repeat(15_000_000)}]\n`),
      // Within the limits: 200,000 unknown keys (400,000 values) validate, and are not all listed.
      within: writeTmp('within.yaml', `${CLUSTER}workloads: []\n${keys(200_000, 'unknown')}`),
      scalar: writeTmp('scalar-2m.yaml', `${CLUSTER}workloads: []\nname: "${'a'.repeat(2 << 20)}"\n`),
      quoted: writeTmp('quoted.yaml', `${CLUSTER}workloads: []\n${Array.from({ length: 9 }, (_, i) => `k${i}: "${'b'.repeat((1 << 20) - 100)}"\n`).join('')}`),
      manyRows: writeTmp('rows.yaml', `${CLUSTER}workloads:\n  - { type: trace, name: t, format: openb, file: rows.csv }\n`),
      blank: writeTmp('blank.yaml', `${CLUSTER}workloads:\n  - { type: trace, name: t, format: openb, file: blank.csv }\n`),
    };
    const header = 'name,cpu_milli,memory_mib,num_gpu,gpu_milli,gpu_spec,qos,pod_phase,creation_time,deletion_time,scheduled_time\n';
    writeTmp('rows.csv', header + Array.from({ length: 1_000_001 }, (_, i) => `p${i},1000,1024,0,0,,LS,Running,0,,\n`).join(''));
    writeTmp('blank.csv', header + '\n'.repeat(5_000_000));
  });

  it('a 15 MiB flow list, a JSON array, a map of 1.25M keys, a file of commas and long strings are refused at their limits; rows and blank lines of a trace are bounded', async () => {
    const [flow, json, map, commas, rows, blank, scalar, quoted] = await boundedAll([
      ['validate', files.flow!], ['validate', files.json!], ['validate', files.map!], ['validate', files.commas!], ['validate', files.manyRows!], ['validate', files.blank!],
      ['validate', files.scalar!], ['validate', files.quoted!],
    ]);
    expectBadInput(scalar!, 'one long scalar', /scalar-2m\.yaml:5:7: /, /a value of 2,097,154 characters, more than 1,048,576/);
    expectBadInput(quoted!, 'long quoted strings', /quoted\.yaml:13:5: /, /more than 8,388,608 characters in long double-quoted strings/);
    expectBadInput(flow!, 'flow list', /flow-list\.yaml:4:\d+: /, /more than 500,000 values/);
    expectBadInput(json!, 'JSON array', /array\.json:1:\d+: /, /more than 500,000 values/);
    expectBadInput(map!, 'map', /map\.yaml:\d+:\d+: /, /more than 500,000 values/);
    expectBadInput(commas!, 'commas', /commas\.yaml:4:\d+: /, /more than 2,000,000 values and indicators/);
    expectBadInput(rows!, 'trace rows', /rows\.csv:1000002:1: /, /more than 1,000,000 rows/);
    expectBadInput(blank!, 'blank trace', /blank\.csv/, /no pod rows after the header/);
  });

  it('an input within the limits validates: 200,000 unknown keys reported as a few and a count', async () => {
    const r = await bounded('validate', files.within!);
    expectBadInput(r, 'within limits', /within\.yaml:5:1: /, /unknown keys "unknown0", "unknown1", "unknown2", "unknown3", "unknown4" and 199,995 more/);
  });

  it('derived tables are bounded before they are allocated: rate bins of an Azure trace, GPUs of an openb node and of a Node manifest', async () => {
    const rs = await boundedAll(['azure-20-years', 'azure-1970-9999', 'openb-gpu-huge', 'manifest-node-gpu-huge'].map((f) => ['validate', join(DIR, `${f}.yaml`)]));
    expectBadInput(rs[0]!, 'azure 20 years', /azure-20-years\.yaml:11:\d+: /, /631,152,001 of them, more than 1,000,000/);
    expectBadInput(rs[1]!, 'azure 1970-9999', /azure-1970-9999\.yaml:11:\d+: /, /more than 1,000,000 \(the limit\)/);
    expectBadInput(rs[2]!, 'openb GPUs', /openb-gpu-huge\.csv:2:\d+: /, /at most 1024 GPUs per node/);
    expectBadInput(rs[3]!, 'Node manifest GPUs', /node-gpu-huge\.yaml:9:\d+: /, /at most 1024 GPUs per node/);
  });

  it('the FGD experiment\'s tuned pod list is bounded: a trace with no GPU pod, and one GPU pod in 1,000 tuned a million-fold', async () => {
    const pods = join(tmp, 'fgd-one-gpu-pod.csv');
    writeFileSync(pods, ['name,cpu_milli,memory_mib,num_gpu,gpu_milli,gpu_spec,qos,pod_phase,creation_time,deletion_time,scheduled_time', 'p-0000,1000,1024,1,100,,LS,Running,0,10,0',
      ...Array.from({ length: 999 }, (_, i) => `p-${String(i + 1).padStart(4, '0')},1000,1024,0,0,,LS,Running,0,10,0`)].join('\n') + '\n');
    const nodes = join(DIR, 'traces/fgd-nodes.csv');
    const rs = await boundedAll([
      ['experiment', 'fgd', '--nodes', nodes, '--pods', join(DIR, 'traces/fgd-pods-no-gpu.csv'), '--seeds', '1', '--policies', 'FGD'],
      ['experiment', 'fgd', '--nodes', nodes, '--pods', pods, '--seeds', '1', '--policies', 'FGD', '--tune', '1000000'],
    ]);
    expectBadInput(rs[0]!, 'FGD, no GPU pod', /--tune: /, /no pod of the trace asks for a GPU/);
    expectBadInput(rs[1]!, 'FGD, tuned a million-fold', /--tune: /, /takes more than 1,000,000 pods \(the limit\)/);
  });
});

describe('kind 2: only regular files are read', () => {
  it('a FIFO named as a scenario, a manifest or a trace, and a device as a trace, are refused without blocking', async () => {
    const fifo = join(tmp, 'fifo');
    expect((await run('mkfifo', [fifo])).code).toBe(0);
    const manifest = writeTmp('fifo-manifest.yaml', `${CLUSTER}workloads:\n  - { manifests: fifo }\n`);
    const trace = writeTmp('fifo-trace.yaml', `${CLUSTER}workloads:\n  - { type: trace, name: t, format: swf, file: fifo }\n`);
    const device = writeTmp('device-trace.yaml', `${CLUSTER}workloads:\n  - { type: trace, name: t, format: swf, file: /dev/zero }\n`);
    const rs = await boundedAll([['validate', fifo], ['validate', manifest], ['validate', trace], ['validate', device]]);
    expectBadInput(rs[0]!, 'FIFO scenario', undefined, /fifo: is a FIFO \(named pipe\), expected a regular file/);
    expectBadInput(rs[1]!, 'FIFO manifest', /fifo-manifest\.yaml:5:\d+: /, /is a FIFO \(named pipe\), expected a regular file/);
    expectBadInput(rs[2]!, 'FIFO trace', /fifo-trace\.yaml:5:\d+: /, /is a FIFO \(named pipe\), expected a regular file/);
    expectBadInput(rs[3]!, 'device trace', /device-trace\.yaml:5:\d+: /, /is a character device, expected a regular file/);
  });
});

describe('kind 3: content is quoted as a short excerpt', () => {
  it('a 200-line scalar and a long first line of a trace are cut, never echoed whole', async () => {
    const lines = Array.from({ length: 200 }, (_, i) => `  secret line ${i} of a document that is not a scenario`).join('\n');
    const scalar = writeTmp('scalar.yaml', `${CLUSTER}workloads: []\nhorizon: |\n${lines}\n`);
    writeTmp('secret.csv', `${'SECRET'.repeat(2000)}\nrow\n`);
    const header = writeTmp('header.yaml', 'cluster:\n  openbNodes: [secret.csv]\nworkloads: []\n');
    const [a, b] = await boundedAll([['validate', scalar], ['validate', header]]);
    expectBadInput(a!, '200-line scalar', /scalar\.yaml:5:\d+: /, /more characters/);
    expect(a!.stderr).not.toMatch(/secret line 199/);
    expectBadInput(b!, 'trace header', /secret\.csv:1:1: /, /more characters/);
  });
});

describe('kind 4: prototype names in keys and paths', () => {
  it('sweep grid paths, arm sets of sweeps and compare blocks: refused at their position', async () => {
    const sweeps = ['grid-proto-tostring', 'grid-proto-hasownproperty', 'grid-constructor', 'sweep-arm-set-proto'];
    const rs = await boundedAll([
      ...sweeps.map((f) => ['sweep', join(DIR, `${f}.yaml`), '--out', join(tmp, `out-${f}`)]),
      ['compare', join(DIR, 'compare-arm-set-proto.yaml'), '--seeds', '1'],
      ['compare', join(DIR, 'compare-arm-set-constructor.yaml'), '--seeds', '1'],
    ]);
    expectBadInput(rs[0]!, sweeps[0]!, /grid-proto-tostring\.yaml:4:3: /, /segment "__proto__" is not allowed/);
    expectBadInput(rs[1]!, sweeps[1]!, /grid-proto-hasownproperty\.yaml:4:3: /, /segment "__proto__" is not allowed/);
    expectBadInput(rs[2]!, sweeps[2]!, /grid-constructor\.yaml:4:3: /, /segment "constructor" is not allowed/);
    expectBadInput(rs[3]!, sweeps[3]!, /sweep-arm-set-proto\.yaml:6:12: /, /the key "__proto__" is not allowed/);
    expectBadInput(rs[4]!, 'compare set __proto__', /compare-arm-set-proto\.yaml:11:14: /, /the key "__proto__" is not allowed/);
    expectBadInput(rs[5]!, 'compare set constructor', /compare-arm-set-constructor\.yaml:12:20: /, /"constructor" is not allowed/);
    for (const f of sweeps) expect(existsSync(join(tmp, `out-${f}`)), f).toBe(false);
  });
});

describe('kind 5: damaged results directories', () => {
  const base = join(tmp, 'results');
  const damaged = (name: string, edit: (dir: string) => void): string => {
    const dir = join(tmp, `damaged-${name}`);
    cpSync(base, dir, { recursive: true });
    edit(dir);
    return dir;
  };
  const editRuns = (dir: string, f: (r: Record<string, unknown>, i: number) => unknown) => {
    const file = join(dir, 'runs.jsonl');
    const lines = readFileSync(file, 'utf8').trimEnd().split('\n');
    writeFileSync(file, lines.map((l, i) => JSON.stringify(f(JSON.parse(l) as Record<string, unknown>, i))).join('\n') + '\n');
  };
  const editPlan = (dir: string, f: (p: Record<string, unknown>) => unknown) => {
    const file = join(dir, 'plan.json');
    writeFileSync(file, JSON.stringify(f(JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>), null, 2) + '\n');
  };

  beforeAll(async () => {
    mkdirSync(tmp, { recursive: true });
    const r = await orchsim('compare', join(DIR, 'small.yaml'), '--profiles', 'default,binpack', '--seeds', '2', '--workers', '1', '--out', base);
    expect(r.code, r.stderr).toBe(0);
  });

  it('report and merge refuse damaged records and plans with the file and line (exit 2), and --out a file', async () => {
    const cases: { name: string; dir: string; position: RegExp; message: RegExp }[] = [
      { name: 'no metrics', dir: damaged('no-metrics', (d) => editRuns(d, ({ metrics: _m, ...r }, i) => (i === 1 ? r : { ...r, metrics: _m }))), position: /runs\.jsonl:2:1: /, message: /missing required field.*\(at metrics\)/ },
      { name: 'metrics null', dir: damaged('metrics-null', (d) => editRuns(d, (r, i) => (i === 0 ? { ...r, metrics: null } : r))), position: /runs\.jsonl:1:1: /, message: /\(at metrics\)/ },
      { name: 'metric a string', dir: damaged('metric-string', (d) => editRuns(d, (r, i) => (i === 2 ? { ...r, metrics: { ...(r.metrics as object), 'utilization.cpu': 'abc' } } : r))), position: /runs\.jsonl:3:1: /, message: /expected number.*\(at metrics\.utilization\.cpu\)/ },
      { name: 'a run of another plan', dir: damaged('foreign', (d) => editRuns(d, (r, i) => (i === 0 ? { ...r, arm: 'spread', id: `base|spread|${String(r.seed)}` } : r))), position: /runs\.jsonl:1:1: /, message: /arm "spread" is not in plan\.json/ },
      { name: 'seeds as strings', dir: damaged('seed-strings', (d) => editPlan(d, (p) => ({ ...p, seeds: (p.seeds as number[]).map(String) }))), position: /plan\.json:\d+:\d+: /, message: /expected number.*\(at seeds\[0\]\)/ },
      { name: '200,000 variants', dir: damaged('variants', (d) => editPlan(d, (p) => ({ ...p, variants: Array.from({ length: 200_000 }, (_, i) => ({ name: `v${i}`, params: {} })) }))), position: /plan\.json:\d+:\d+: /, message: /variants/ },
      { name: 'plan not an object', dir: damaged('plan-null', (d) => writeFileSync(join(d, 'plan.json'), 'null\n')), position: /plan\.json:1: /, message: /expected a plan/ },
    ];
    const rs = await boundedAll([
      ...cases.map((c) => ['report', c.dir]),
      ...cases.slice(0, 3).map((c) => ['merge', '--out', join(tmp, `merged-${c.name.replace(/\W/g, '')}`), c.dir]),
    ]);
    cases.forEach((c, i) => expectBadInput(rs[i]!, `report: ${c.name}`, c.position, c.message));
    cases.slice(0, 3).forEach((c, i) => expectBadInput(rs[cases.length + i]!, `merge: ${c.name}`, c.position, c.message));
    const outFile = writeTmp('merged-is-a-file', 'x');
    expectBadInput(await bounded('merge', '--out', outFile, base), 'merge --out a file', undefined, /merged-is-a-file: is a file, expected an output folder/);
  });
});

describe('kind 7: small things', () => {
  it('escape sequences in names are printed escaped, and report.md escapes names', async () => {
    const evil = writeTmp('evil.yaml', `name: "evil\\e[2J\\a [x](http://e) <b>"\n${CLUSTER}workloads: []\nhorizon: 1h\n`);
    const out = join(tmp, 'evil-out');
    const [v, c] = await boundedAll([['validate', evil], ['compare', evil, '--profiles', 'default,binpack', '--seeds', '1', '--workers', '1', '--out', out]]);
    expect(v!.code, v!.stderr).toBe(0);
    expect(c!.code, c!.stderr).toBe(0);
    for (const r of [v!, c!]) expect(r.stdout + r.stderr).not.toMatch(/[\u0000-\u0008\u000b-\u001a\u001c-\u001f\u007f-\u009f]|\u001b(?!\[K)/);
    expect(c!.stdout).toContain('evil\\u001b[2J\\u0007');
    const md = readFileSync(join(out, 'report.md'), 'utf8');
    expect(md).toContain('\\[x\\](http://e) \\<b\\>');
    expect(md).not.toMatch(/\u001b/);
  });

  it('unknown tags are errors; an SWF log whose jobs all lack a run time yields no pods (exit 2)', async () => {
    const rs = await boundedAll(['tag-include', 'tag-js-function', 'swf-no-pods'].map((f) => ['validate', join(DIR, `${f}.yaml`)]));
    expectBadInput(rs[0]!, '!include', /tag-include\.yaml:5:12: /, /Unresolved tag: !include/);
    expectBadInput(rs[1]!, '!!js/function', /tag-js-function\.yaml:1:7: /, /Unresolved tag: tag:yaml\.org,2002:js\/function/);
    expectBadInput(rs[2]!, 'SWF no pods', /swf-no-pods\.yaml:6:\d+: /, /yields no pods: all 2 jobs are skipped \(2 with run time unknown/);
  });

  it('run --out removes the temporary files a killed run left (dead PID), not a live one\'s', async () => {
    const out = join(tmp, 'run-out');
    mkdirSync(out, { recursive: true });
    const dead = 2 ** 22 + 12345; // above the default pid_max of 2^22: never a live process
    writeFileSync(join(out, `.result.json.${dead}.tmp`), 'half');
    writeFileSync(join(out, `.timeseries.csv.${process.pid}.tmp`), 'live');
    const r = await orchsim('run', resolve(DIR, 'small.yaml'), '--out', out);
    expect(r.code, r.stderr).toBe(0);
    expect(existsSync(join(out, `.result.json.${dead}.tmp`))).toBe(false);
    expect(existsSync(join(out, `.timeseries.csv.${process.pid}.tmp`))).toBe(true);
    expect(existsSync(join(out, 'result.json'))).toBe(true);
  });
});

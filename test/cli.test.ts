import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { prepareScenario } from '../src/scenario/index.js';
import { formatIssue, InputError } from '../src/util/errors.js';
import { orchsim, orchsimAll, SMALL_SCENARIO } from './helpers/cli.js';

const dir = mkdtempSync(join(tmpdir(), 'orchsim-cli-'));
const SMALL = join(dir, 'small.yaml');
writeFileSync(SMALL, `${SMALL_SCENARIO}  - type: batch
    name: jobs
    arrival: { poisson: { rate: 60/h } }
    duration: { exponential: { mean: 10m } }
    requests: { cpu: { choice: [1, 2] }, memory: 2Gi }
`);

function expectNoStack(stderr: string): void {
  expect(stderr).not.toMatch(/\n\s+at .+:\d+:\d+/);
}

describe('orchsim run', () => {
  it('runs the built-in default scenario and prints a summary', async () => {
    const r = await orchsim('run');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^orchsim run: default \(seed 42, profile default/);
    expect(r.stdout).toMatch(/cluster\s+300 nodes/);
    expect(r.stdout).toMatch(/utilization\s+cpu \d+\.\d%/);
    expect(r.stdout).toMatch(/pending time mean/);
  });

  it('--json prints the documented result fields; --out writes result.json and timeseries.csv', async () => {
    const out = join(dir, 'out');
    const r = await orchsim('run', SMALL, '--json', '--out', out);
    expect(r.code).toBe(0);
    const result = JSON.parse(r.stdout);
    expect(result).toMatchObject({ scenario: 'small', seed: 3, profile: 'default' });
    for (const k of ['cpu', 'memory', 'gpu']) expect(result.metrics.utilization[k]).toBeGreaterThanOrEqual(0);
    for (const k of ['submitted', 'scheduled', 'unschedulable', 'completed']) expect(typeof result.metrics.pods[k]).toBe('number');
    for (const k of ['mean', 'p50', 'p95', 'p99']) expect(typeof result.metrics.pendingSeconds[k]).toBe('number');
    expect(readFileSync(join(out, 'result.json'), 'utf8')).toBe(r.stdout);
    const csv = readFileSync(join(out, 'timeseries.csv'), 'utf8').trim().split('\n');
    expect(csv[0]).toBe('time,cpu,memory,gpu,pending,running,completed');
    expect(csv).toHaveLength(1 + 13); // samples at 0, 10m, ..., 2h
  });

  it('--seed and --profile override the scenario, and the same seed gives byte-identical JSON', async () => {
    const [a, b] = await orchsimAll([
      ['run', SMALL, '--json', '--seed', '9', '--profile', 'binpack'],
      ['run', SMALL, '--json', '--seed', '9', '--profile', 'binpack'],
    ]);
    expect(a!.code).toBe(0);
    expect(JSON.parse(a!.stdout)).toMatchObject({ seed: 9, profile: 'binpack' });
    expect(a!.stdout).toBe(b!.stdout);
  });
});

describe('bad input: exit 2, the position, never a stack trace', () => {
  const cases: [string, string, RegExp][] = [
    ['unknown key', 'cluster:\n  pools: []\n  nodez: 3\n', /bad\.yaml:3:3: unknown key "nodez" \(at cluster\.nodez\)/],
    ['wrong unit', 'cluster:\n  pools:\n    - { name: p, count: 1, resources: { cpu: 2, memory: 4GB } }\n', /bad\.yaml:3:\d+: expected a memory quantity such as "512Mi" or "4Gi", got "4GB" \(at cluster\.pools\[0\]\.resources\.memory\)/],
    ['negative count', 'cluster:\n  pools:\n    - { name: p, count: -2, resources: { cpu: 2, memory: 4Gi } }\n', /bad\.yaml:3:\d+: .*>=0.* \(at cluster\.pools\[0\]\.count\)/],
    ['bad YAML', 'cluster: {\n  pools: [\n', /bad\.yaml:\d+:\d+: invalid YAML/],
    ['not a mapping', '- just\n- a list\n', /bad\.yaml:1: expected a scenario/],
  ];
  // In-process: prepareScenario is what `run` calls first, and the CLI prints these issue lines
  // as they are; the CLI itself runs the first case here and the corpus' cases (bad-input.test).
  it.each(cases)('%s (in-process)', (name, text, message) => {
    const f = join(dir, name.replace(/ /g, '-'), 'bad.yaml');
    mkdirSync(dirname(f));
    writeFileSync(f, text);
    let error: unknown;
    try {
      prepareScenario(f);
    } catch (e) {
      error = e;
    }
    expect(error, `${name} was accepted`).toBeInstanceOf(InputError);
    expect((error as InputError).issues.map(formatIssue).join('\n')).toMatch(message);
  });

  it(`${cases[0]![0]} through the CLI: exit 2, the issue line, nothing on stdout`, async () => {
    const [, text, message] = cases[0]!;
    const f = join(dir, 'bad.yaml');
    writeFileSync(f, text);
    const r = await orchsim('run', f);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^error: invalid input\n/);
    expect(r.stderr).toMatch(message);
    expectNoStack(r.stderr);
    expect(r.stdout).toBe('');
  });

  it('a missing file, an unknown profile, a bad seed and an unknown option', async () => {
    const argLists = [['run', join(dir, 'nope.yaml')], ['run', SMALL, '--profile', 'fastest'], ['run', '--seed', 'abc'], ['run', '--frobnicate'], ['validate']];
    const results = await orchsimAll(argLists);
    results.forEach((r, i) => {
      expect(r.code, argLists[i]!.join(' ')).toBe(2);
      expectNoStack(r.stderr);
    });
  });

  it('does not touch an existing --out directory when the input is bad', async () => {
    const out = join(dir, 'keep');
    expect((await orchsim('run', SMALL, '--out', out)).code).toBe(0);
    const before = readFileSync(join(out, 'result.json'), 'utf8');
    writeFileSync(join(dir, 'broken.yaml'), 'cluster: 3\n');
    expect((await orchsim('run', join(dir, 'broken.yaml'), '--out', out)).code).toBe(2);
    expect(readFileSync(join(out, 'result.json'), 'utf8')).toBe(before);
    expect(existsSync(join(out, '.result.json.tmp'))).toBe(false);
  });
});

describe('orchsim validate and profiles', () => {
  it('validate reports a valid scenario', async () => {
    const r = await orchsim('validate', SMALL);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/valid \(6 nodes, 2 workloads, profile default\)/);
  });
  it('profiles lists the built-in profiles and plugins', async () => {
    const [r, json] = await orchsimAll([['profiles'], ['profiles', '--json']]);
    expect(r!.code).toBe(0);
    for (const name of ['default', 'binpack', 'spread', 'random', 'first-fit', 'gang', 'NodeResourcesFit', 'PodTopologySpread', 'InterPodAffinity', 'Coscheduling']) expect(r!.stdout).toContain(name);
    expect((JSON.parse(json!.stdout) as { profiles: { name: string }[] }).profiles.map((p) => p.name)).toEqual(['default', 'gang', 'binpack', 'spread', 'random', 'first-fit']);
  });
  it('--help shows examples', async () => {
    const r = await orchsim('run', '--help');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('Examples:');
  });
});

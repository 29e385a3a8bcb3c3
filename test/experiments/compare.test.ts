import { cpSync, existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { mergeInto, planTasks, setPaths, shardTasks } from '../../src/experiments/compare.js';
import { comparePlan, sweepPlan } from '../../src/experiments/plans.js';
import { InputError } from '../../src/util/errors.js';
import { orchsim, orchsimAll, orchsimSteps, SMALL_SCENARIO, type Step } from '../helpers/cli.js';


const dir = mkdtempSync(join(tmpdir(), 'orchsim-compare-'));
const SMALL = join(dir, 'small.yaml');
writeFileSync(SMALL, `${SMALL_SCENARIO}  - type: batch
    name: jobs
    arrival: { poisson: { rate: 120/h } }
    duration: { exponential: { mean: 20m } }
    requests: { cpu: { choice: [1, 2, 4] }, memory: 2Gi }
compare:
  seeds: 3
  arms:
    - { name: spread, profile: spread }
    - { name: binpack, profile: binpack }
    - name: small-nodes
      profile: spread
      set: { cluster: { pools: [{ name: n, count: 4, zones: [a, b], resources: { cpu: 8, memory: 32Gi } }] } }
`);
const SWEEP = join(dir, 'sweep.yaml');
writeFileSync(SWEEP, `
scenario: small.yaml
profiles: [default, binpack]
seeds: 3
grid:
  cluster.pools.0.count: [5, 7]
`);

const read = (f: string) => readFileSync(f, 'utf8');
const ids = (f: string) => read(f).trim().split('\n').map((l) => (JSON.parse(l) as { id: string }).id);

describe('experiment plans', () => {
  it('compare: arms from --profiles or the compare: block, seeds from the scenario seed', () => {
    const p = comparePlan(SMALL);
    expect(p.arms).toEqual(['spread', 'binpack', 'small-nodes']);
    expect(p.baseline).toBe('spread');
    expect(p.seeds).toEqual([3, 4, 5]);
    expect(comparePlan(SMALL, { profiles: ['default', 'random'], seeds: 2, baseline: 'random' })).toMatchObject({ arms: ['default', 'random'], baseline: 'random', seeds: [3, 4] });
    expect(() => comparePlan(SMALL, { profiles: ['default'], baseline: 'nope' })).toThrow(/baseline "nope" is not one of the arms/);
    expect(() => comparePlan(SMALL, { profiles: ['default', 'default'] })).toThrow(/unique/);
    // The built-in default scenario has a compare: block; a scenario without one needs --profiles.
    expect(comparePlan(undefined).arms).toEqual(['default', 'binpack', 'spread']);
    const bare = join(dir, 'bare.yaml');
    writeFileSync(bare, read(SMALL).replace(/\ncompare:[\s\S]*$/, '\n'));
    expect(() => comparePlan(bare)).toThrow(InputError);
    expect(() => comparePlan(bare)).toThrow(/nothing to compare/);
  });

  it('sweep: every grid combination x arms x seeds, in a fixed order; shards partition it', () => {
    const p = sweepPlan(SWEEP);
    expect(p.variants).toEqual([{ name: 'v1', params: { 'cluster.pools.0.count': 5 } }, { name: 'v2', params: { 'cluster.pools.0.count': 7 } }]);
    const tasks = planTasks(p);
    expect(tasks).toHaveLength(2 * 2 * 3);
    const shards = [0, 1, 2].map((i) => shardTasks(tasks, i, 3));
    expect(shards.flat().length).toBe(tasks.length);
    expect(new Set(shards.flat()).size).toBe(tasks.length);
    expect(() => shardTasks(tasks, 3, 3)).toThrow(/shard/);
  });

  it('set paths and merges without touching the original', () => {
    const doc = { a: { b: [{ c: 1 }, { c: 2 }] }, d: 1 };
    expect(setPaths(doc, { 'a.b.1.c': 5, 'e.f': 'x' }, 's.yaml')).toEqual({ a: { b: [{ c: 1 }, { c: 5 }] }, d: 1, e: { f: 'x' } });
    expect(doc.a.b[1]!.c).toBe(2);
    expect(() => setPaths(doc, { 'a.b.7.c': 1 }, 's.yaml')).toThrow(/no list item 7/);
    expect(() => setPaths(doc, { 'd.x': 1 }, 's.yaml')).toThrow(/not a mapping or list/);
    expect(mergeInto(doc, { a: { z: 1 }, d: 2 })).toEqual({ a: { b: [{ c: 1 }, { c: 2 }], z: 1 }, d: 2 });
  });
});

describe('orchsim compare', () => {
  it('gives byte-identical results.json and runs.jsonl with 1 and 2 workers; a rerun resumes without running', async () => {
    const one = join(dir, 'c1');
    const two = join(dir, 'c2');
    const [a, b] = await Promise.all([orchsim('compare', SMALL, '--workers', '1', '--out', one), orchsim('compare', SMALL, '--workers', '2', '--out', two, '--json')]);
    expect(a.code).toBe(0);
    expect(a.stdout).toMatch(/spread - binpack|binpack - spread|difference from spread/);
    expect(b.code).toBe(0);
    expect(read(join(one, 'results.json'))).toBe(read(join(two, 'results.json')));
    expect(read(join(one, 'runs.jsonl'))).toBe(read(join(two, 'runs.jsonl')));
    expect(b.stdout).toBe(read(join(two, 'results.json')));
    const results = JSON.parse(b.stdout);
    expect(results.arms).toEqual(['spread', 'binpack', 'small-nodes']);
    expect(results.runs).toBe(9);
    const cpu = results.groups[0].metrics.find((m: { key: string }) => m.key === 'utilization.cpu');
    expect(cpu.arms.map((x: { n: number }) => x.n)).toEqual([3, 3, 3]);
    // Fewer nodes, the same pods: more of the cluster requested, on every seed.
    const fewer = cpu.differences.find((d: { arm: string }) => d.arm === 'small-nodes');
    expect(fewer.mean).toBeGreaterThan(0);
    expect(fewer.significant).toBe(true);
    const again = await orchsim('compare', SMALL, '--workers', '2', '--out', one);
    expect(again.code).toBe(0);
    expect(again.stdout).toMatch(/0 runs in .*; 9 finished runs found/);
    expect(read(join(one, 'results.json'))).toBe(read(join(two, 'results.json')));
  });

  it('refuses an --out directory holding another experiment, and bad input, with exit 2 and no stack', async () => {
    const out = join(dir, 'c3');
    const [first, unknown] = await Promise.all([
      orchsim('compare', SMALL, '--profiles', 'default,binpack', '--seeds', '2', '--out', out),
      orchsim('compare', SMALL, '--profiles', 'default,nosuch'),
    ]);
    expect(first.code).toBe(0);
    const before = read(join(out, 'runs.jsonl'));
    const other = await orchsim('compare', SMALL, '--profiles', 'default,random', '--seeds', '2', '--out', out);
    expect(other.code).toBe(2);
    expect(other.stderr).toMatch(/holds the runs of another experiment/);
    expect(read(join(out, 'runs.jsonl'))).toBe(before);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/nosuch/);
    expect(unknown.stderr).not.toMatch(/\n\s+at .+:\d+:\d+/);
  });
});

describe('orchsim sweep and merge', () => {
  /** An uninterrupted, unsharded sweep with 1 worker: what every other way of running it must give. */
  const whole = join(dir, 'whole');
  /** The steps (files written, runs appended) the uninterrupted sweep took. */
  let steps: Step[];
  beforeAll(async () => {
    const r = await orchsimSteps(undefined, 'sweep', SWEEP, '--out', whole, '--workers', '1');
    expect(r.code, r.stderr).toBe(0);
    steps = r.steps;
  });

  it('merged shards are byte-identical to an unsharded run', async () => {
    const shardDirs = [0, 1, 2].map((i) => join(dir, `shard-${i}`));
    const shards = await orchsimAll(shardDirs.map((d, i) => ['sweep', SWEEP, '--out', d, '--shard', String(i), '--shards', '3', '--workers', '1']));
    shardDirs.forEach((d, i) => {
      expect(shards[i]!.code).toBe(0);
      expect(existsSync(join(d, 'results.json'))).toBe(false);
    });
    const merged = join(dir, 'merged');
    // A missing shard is an error naming what is missing.
    const [m, partial] = await Promise.all([orchsim('merge', '--out', merged, ...shardDirs), orchsim('merge', '--out', join(dir, 'partial'), shardDirs[0]!, shardDirs[1]!)]);
    expect(m.code).toBe(0);
    for (const f of ['plan.json', 'runs.jsonl', 'results.json']) expect(read(join(merged, f))).toBe(read(join(whole, f)));
    expect(partial.code).toBe(2);
    expect(partial.stderr).toMatch(/run\(s\) of the plan are in no shard/);
  });

  it('a sweep cut off mid-write and rerun with 2 workers ends with each run exactly once, as an uninterrupted one', async () => {
    // As if killed while appending the 6th line: the finished sweep's files, with 5 whole lines
    // and half of the next in runs.jsonl.
    const cut = join(dir, 'cut');
    cpSync(whole, cut, { recursive: true });
    const lines = read(join(cut, 'runs.jsonl')).split('\n');
    writeFileSync(join(cut, 'runs.jsonl'), lines.slice(0, 5).join('\n') + '\n' + lines[5]!.slice(0, 40));
    const r = await orchsim('sweep', SWEEP, '--out', cut, '--workers', '2');
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/7 runs in .*, 5 already done/);
    const got = ids(join(cut, 'runs.jsonl'));
    expect(new Set(got).size).toBe(12);
    expect(got).toHaveLength(12);
    expect(read(join(cut, 'runs.jsonl'))).toBe(read(join(whole, 'runs.jsonl')));
    expect(read(join(cut, 'results.json'))).toBe(read(join(whole, 'results.json')));
  });

  it('a sweep killed (SIGKILL) mid-way and restarted ends with each run exactly once', async () => {
    const out = join(dir, 'killed');
    const runs = join(out, 'runs.jsonl');
    // Killed just before it appends its third run to runs.jsonl.
    const appends = steps.flatMap((s, i) => (s.op === 'append' ? [i + 1] : []));
    expect(appends).toHaveLength(12);
    const killed = await orchsimSteps(appends[2], 'sweep', SWEEP, '--out', out, '--workers', '1');
    expect(killed.signal, killed.stderr).toBe('SIGKILL');
    expect(ids(runs)).toHaveLength(2);
    const r = await orchsim('sweep', SWEEP, '--out', out, '--workers', '2');
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/10 runs in .*, 2 already done/);
    const got = ids(runs);
    expect(got).toHaveLength(12);
    expect(new Set(got).size).toBe(12);
    expect(read(join(out, 'results.json'))).toBe(read(join(whole, 'results.json')));
  });
});

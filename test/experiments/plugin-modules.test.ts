import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { orchsim, orchsimAll } from '../helpers/cli.js';

/**
 * Issue 17: one module format in every command. The same module gives byte-identical results in
 * a 1-worker and a 2-worker compare (worker threads load it too), a sweep and a plan load it
 * from the scenario's `plugins:`, and a resumed experiment refuses a module that changed.
 */
const dir = mkdtempSync(join(tmpdir(), 'orchsim-plugin-experiments-'));
const MODULE = join(dir, 'prefer-zone-b.mjs');
const moduleText = (zone: string) => `
export const plugins = [{
  name: 'PreferZone',
  extensionPoints: ['Score'],
  factory: () => ({ name: 'PreferZone', score: (_state, _pod, node) => (node.labels['topology.kubernetes.io/zone'] === '${zone}' ? 100 : 0) }),
}];
export const profiles = [{ name: 'mine', plugins: [{ name: 'NodeUnschedulable' }, { name: 'NodeResourcesFit', weight: 1 }, { name: 'PreferZone', weight: 5 }] }];
`;
writeFileSync(MODULE, moduleText('b'));
const SCENARIO = join(dir, 'small.yaml');
writeFileSync(SCENARIO, `
name: small
seed: 3
horizon: 2h
sampleInterval: 10m
plugins: [./prefer-zone-b.mjs]
cluster:
  pools:
    - { name: n, count: 6, zones: [a, b], resources: { cpu: 8, memory: 32Gi } }
workloads:
  - { type: service, name: web, replicas: 4, requests: { cpu: 1, memory: 1Gi } }
  - type: batch
    name: jobs
    arrival: { poisson: { rate: 120/h } }
    duration: { exponential: { mean: 20m } }
    requests: { cpu: { choice: [1, 2, 4] }, memory: 2Gi }
`);
const PLAIN = join(dir, 'plain.yaml');
writeFileSync(PLAIN, readFileSync(SCENARIO, 'utf8').replace('plugins: [./prefer-zone-b.mjs]\n', ''));
const read = (f: string) => readFileSync(f, 'utf8');

describe('plugin modules in compare, sweep and plan', () => {
  it('compare --plugin: the same results with 1 and 2 workers and from a TypeScript module; the module is recorded in plan.json; a changed module is refused on resume', async () => {
    const [one, two] = [join(dir, 'one'), join(dir, 'two')];
    const [a, b] = await Promise.all([
      orchsim('compare', PLAIN, '--plugin', MODULE, '--profiles', 'default,mine', '--seeds', '2', '--workers', '1', '--out', one),
      orchsim('compare', PLAIN, '--plugin', MODULE, '--profiles', 'default,mine', '--seeds', '2', '--workers', '2', '--out', two),
    ]);
    expect(a.code, a.stderr).toBe(0);
    expect(b.code, b.stderr).toBe(0);
    expect(read(join(two, 'results.json'))).toBe(read(join(one, 'results.json')));
    expect(read(join(two, 'runs.jsonl'))).toBe(read(join(one, 'runs.jsonl')));
    const plan = JSON.parse(read(join(one, 'plan.json'))) as { modules: { file: string; sha256: string }[] };
    expect(plan.modules).toEqual([{ file: MODULE, sha256: expect.stringMatching(/^[0-9a-f]{64}$/) }]);
    // The arms differ: the module's profile is really used.
    const results = JSON.parse(read(join(one, 'results.json'))) as { arms: string[] };
    expect(results.arms).toEqual(['default', 'mine']);
    const runs = read(join(one, 'runs.jsonl')).trim().split('\n').map((l) => JSON.parse(l) as { arm: string; metrics: Record<string, number> });
    const util = (arm: string) => runs.filter((r) => r.arm === arm).map((r) => JSON.stringify(r.metrics));
    expect(util('mine')).not.toEqual(util('default'));

    // A TypeScript module, in 2 worker threads, gives the JavaScript module's results.
    const ts = join(dir, 'prefer-zone.ts');
    writeFileSync(ts, moduleText('b').replace('score: (_state, _pod, node) =>', 'score: (_state: unknown, _pod: unknown, node: { labels: Record<string, string> }): number =>'));
    const typed = await orchsim('compare', PLAIN, '--plugin', ts, '--profiles', 'default,mine', '--seeds', '2', '--workers', '2', '--out', join(dir, 'ts'));
    expect(typed.code, typed.stderr).toBe(0);
    expect(read(join(dir, 'ts', 'results.json'))).toBe(read(join(two, 'results.json')));

    // The module changes: resuming into the same directory is refused, naming the module.
    writeFileSync(MODULE, moduleText('a'));
    try {
      const again = await orchsim('compare', PLAIN, '--plugin', MODULE, '--profiles', 'default,mine', '--seeds', '2', '--workers', '1', '--out', one);
      expect(again.code).toBe(2);
      expect(again.stderr).toContain(`plugin module ${MODULE} changed since these runs were made`);
    } finally {
      writeFileSync(MODULE, moduleText('b'));
    }
  });

  it('sweep and plan load the scenario\'s plugins: (the worker threads too)', async () => {
    const sweep = join(dir, 'sweep.yaml');
    writeFileSync(sweep, 'scenario: small.yaml\nprofiles: [default, mine]\nseeds: 2\ngrid:\n  cluster.pools.0.count: [5, 6]\n');
    const [s, p] = await Promise.all([
      orchsim('sweep', sweep, '--out', join(dir, 'sweep'), '--workers', '2', '--json'),
      orchsim('plan', SCENARIO, '--pool', 'n=2..8', '--slo', 'availability>=0.9', '--seeds', '2', '--workers', '2', '--json'),
    ]);
    expect(s.code, s.stderr).toBe(0);
    expect((JSON.parse(s.stdout) as { arms: string[] }).arms).toEqual(['default', 'mine']);
    expect(p.code, p.stderr + p.stdout.slice(0, 500)).toBe(0);
    expect(JSON.parse(p.stdout)).toHaveProperty('answer');
  });

  it('an arm whose plugin fails is reported and left out; the other arms are compared and written (exit 1)', async () => {
    const broken = join(dir, 'broken.mjs');
    writeFileSync(broken, `
export const plugins = [{ name: 'Broken', factory: () => ({ name: 'Broken', score: (_s, pod) => { if (pod.name === 'jobs-3') throw new Error('cannot score ' + pod.name); return 50; } }) }];
export const profiles = [{ name: 'broken', plugins: [{ name: 'NodeResourcesFit', weight: 1 }, { name: 'Broken', weight: 1 }] }];
`);
    const out = join(dir, 'broken-out');
    const r = await orchsim('compare', PLAIN, '--plugin', broken, '--profiles', 'default,broken', '--seeds', '2', '--workers', '2', '--out', out);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/arm broken: 2 of 2 runs failed .*plugin Broken Score failed for pod jobs-3 on node n-\d at simulated time [\d.]+ s: cannot score jobs-3/);
    expect(r.stderr).not.toMatch(/\n\s+at /);
    const results = JSON.parse(read(join(out, 'results.json'))) as { groups: { metrics: { key: string; arms: { arm: string; n: number; mean: number | null }[] }[] }[] };
    const cpu = results.groups[0]!.metrics.find((m) => m.key === 'utilization.cpu')!;
    expect(cpu.arms.find((a) => a.arm === 'default')).toMatchObject({ n: 2 });
    expect(cpu.arms.find((a) => a.arm === 'broken')).toMatchObject({ n: 0 });
    expect(read(join(out, 'report.md'))).toMatch(/Failed, left out of the tables: arm broken, 2 of 2 runs \(seeds 3, 4\); the first: plugin Broken Score failed/);
    expect(read(join(out, 'report.html'))).toContain('Failed, left out of the tables: arm broken');
    const runs = read(join(out, 'runs.jsonl')).trim().split('\n').map((l) => JSON.parse(l) as { arm: string; failure?: string });
    expect(runs.filter((x) => x.failure !== undefined).map((x) => x.arm)).toEqual(['broken', 'broken']);
  });

  it('the same module gives the same run in run, a 2-worker compare, a sharded sweep and a plan', async () => {
    const mine = join(dir, 'mine.yaml');
    writeFileSync(mine, read(SCENARIO).replace('plugins: [./prefer-zone-b.mjs]\n', 'plugins: [./prefer-zone-b.mjs]\nscheduler: { profile: mine }\n'));
    const sweep = join(dir, 'same-sweep.yaml');
    writeFileSync(sweep, 'scenario: mine.yaml\nprofiles: [mine]\nseeds: 2\ngrid:\n  cluster.pools.0.count: [6]\n');
    const out = (name: string) => join(dir, `same-${name}`);
    const [run, compare, shard0, shard1, plan] = await orchsimAll([
      ['run', mine, '--json'],
      ['compare', mine, '--profiles', 'mine', '--seeds', '2', '--workers', '2', '--out', out('compare')],
      ['sweep', sweep, '--out', out('shard-0'), '--shard', '0', '--shards', '2', '--workers', '1'],
      ['sweep', sweep, '--out', out('shard-1'), '--shard', '1', '--shards', '2', '--workers', '1'],
      ['plan', mine, '--pool', 'n=6', '--slo', 'availability>=0.5', '--seeds', '2', '--workers', '2', '--out', out('plan')],
    ]);
    for (const r of [run, compare, shard0, shard1, plan]) expect(r!.code, r!.stderr).toBe(0);
    type Rec = { seed: number; metrics: Record<string, number | null> };
    const records = (file: string) => read(file).trim().split('\n').map((l) => JSON.parse(l) as Rec).sort((a, b) => a.seed - b.seed).map((r) => JSON.stringify([r.seed, r.metrics]));
    const compared = records(join(out('compare'), 'runs.jsonl'));
    expect(compared).toHaveLength(2);
    expect([...records(join(out('shard-0'), 'runs.jsonl')), ...records(join(out('shard-1'), 'runs.jsonl'))].sort()).toEqual(compared);
    expect(records(join(out('plan'), 'runs.jsonl'))).toEqual(compared);
    // `run` is the scenario's seed (3): its result is the compare's first run.
    const result = JSON.parse(run!.stdout) as { seed: number; metrics: { utilization: { cpu: number; memory: number }; pods: { unschedulable: number } } };
    const first = JSON.parse(compared[0]!) as [number, Record<string, number>];
    expect(result.seed).toBe(first[0]);
    expect([result.metrics.utilization.cpu, result.metrics.utilization.memory, result.metrics.pods.unschedulable]).toEqual([first[1]['utilization.cpu'], first[1]['utilization.memory'], first[1]['pods.unschedulable']]);
  });
});

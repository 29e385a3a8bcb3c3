import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { orchsim, orchsimAll } from '../helpers/cli.js';
import { OPENB_NODES, OPENB_PODS } from '../helpers/openb.js';

/**
 * Issue 17, guard rails: a plugin call that never returns is ended after the time budget
 * (--plugin-timeout, default 1 s) and named with its plugin, pod, node and simulated time; run
 * exits 1, compare keeps the other arm, plan stops its search with the candidates decided so far.
 * The hanging plugin loops forever, so every budget is exceeded whatever the machine's speed; the
 * budgets here are short only to keep the tests quick.
 */
const dir = mkdtempSync(join(tmpdir(), 'orchsim-plugin-timeout-'));
const HANG = join(dir, 'hang.mjs');
writeFileSync(HANG, `
// Never returns for pod jobs-3 on a cluster of at most two nodes; scores 50 everywhere else.
export const plugins = [{ name: 'Stuck', factory: () => ({ name: 'Stuck', score: (_s, pod, _node, snapshot) => {
  if (pod.name === 'jobs-3' && snapshot.nodes.length <= 2) for (;;) {}
  return 50;
} }) }];
export const profiles = [{ name: 'stuck', plugins: [{ name: 'NodeResourcesFit', weight: 1 }, { name: 'Stuck', weight: 1 }] }];
`);
const OK = join(dir, 'ok.mjs');
writeFileSync(OK, `
export const plugins = [{ name: 'PreferB', factory: () => ({ name: 'PreferB', score: (_s, _pod, node) => (node.labels['topology.kubernetes.io/zone'] === 'b' ? 100 : 0) }) }];
export const profiles = [{ name: 'mine', plugins: [{ name: 'NodeResourcesFit', weight: 1 }, { name: 'PreferB', weight: 3 }] }];
`);
const scenario = (nodes: number, profile = 'default') => `
name: small
seed: 3
horizon: 2h
sampleInterval: 10m
scheduler: { profile: ${profile} }
cluster:
  pools:
    - { name: n, count: ${nodes}, zones: [a, b], resources: { cpu: 8, memory: 32Gi } }
workloads:
  - { type: service, name: web, replicas: 2, requests: { cpu: 1, memory: 1Gi } }
  - type: batch
    name: jobs
    arrival: { poisson: { rate: 120/h } }
    duration: { exponential: { mean: 20m } }
    requests: { cpu: { choice: [1, 2] }, memory: 2Gi }
`;
const TWO = join(dir, 'two.yaml');
writeFileSync(TWO, scenario(2));
const PLAN = join(dir, 'plan.yaml');
writeFileSync(PLAN, scenario(6, 'stuck'));
const read = (f: string) => readFileSync(f, 'utf8');
const NAMED = /plugin Stuck Score did not return within 0\.5 s for pod jobs-3 on node n-[01] at simulated time [\d.]+ s/;

describe('a plugin that never returns', () => {
  it('run: exit 1 naming the plugin, extension point, pod, node and simulated time; no stack trace', async () => {
    const r = await orchsim('run', TWO, '--plugin', HANG, '--profile', 'stuck', '--plugin-timeout', '500ms');
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(new RegExp(`^error: run failed: ${NAMED.source} \\(the time budget per call is set with --plugin-timeout\\)\\n$`));
    expect(r.stdout).toBe('');
  });

  it('a watched run (module on a worker thread) gives the same bytes as an unwatched one (--plugin-timeout 0, in this thread)', async () => {
    const [watched, unwatched, bad] = await orchsimAll([
      ['run', TWO, '--plugin', OK, '--profile', 'mine', '--json'],
      ['run', TWO, '--plugin', OK, '--profile', 'mine', '--json', '--plugin-timeout', '0'],
      ['run', TWO, '--plugin', OK, '--plugin-timeout', '-1'],
    ]);
    expect(watched!.code).toBe(0);
    expect(watched!.stdout).toBe(unwatched!.stdout);
    expect(bad!.code).toBe(2);
    expect(bad!.stderr).toMatch(/--plugin-timeout .*expected a duration/);
  });

  it('compare: the stuck arm is reported failed and left out; the other arm is compared and written (exit 1)', async () => {
    const out = join(dir, 'compare');
    const r = await orchsim('compare', TWO, '--plugin', HANG, '--profiles', 'default,stuck', '--seeds', '2', '--workers', '2', '--plugin-timeout', '0.5', '--out', out);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(new RegExp(`arm stuck: 2 of 2 runs failed .*first, seed 3: ${NAMED.source}`));
    const runs = read(join(out, 'runs.jsonl')).trim().split('\n').map((l) => JSON.parse(l) as { arm: string; failure?: string });
    expect(runs.map((x) => [x.arm, x.failure !== undefined])).toEqual([['default', false], ['default', false], ['stuck', true], ['stuck', true]]);
    expect(read(join(out, 'report.md'))).toMatch(/Failed, left out of the tables: arm stuck, 2 of 2 runs/);
  });

  it('plan: the search stops at the candidate whose run hung, keeps the candidates decided before it, says so (exit 1)', async () => {
    const out = join(dir, 'plan');
    const r = await orchsim('plan', PLAN, '--plugin', HANG, '--pool', 'n=1..8', '--slo', 'availability>=0.9', '--seeds', '2', '--plugin-timeout', '0.5', '--out', out);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(new RegExp(`error: the search stopped at candidate n=[12], seed [34]: ${NAMED.source}`));
    const results = JSON.parse(read(join(out, 'results.json'))) as { answer: unknown; candidates: { name: string; verdict: string }[]; failure: { candidate: string; seed: number; message: string } };
    expect(results.answer).toBeNull();
    expect(results.failure.message).toMatch(NAMED);
    expect(results.candidates.length).toBeGreaterThan(0);
    expect(results.candidates.every((c) => Number(c.name.slice(2)) > 2)).toBe(true);
    // The runs behind the decided candidates are kept; the failed one is not.
    const runs = read(join(out, 'runs.jsonl')).trim().split('\n').map((l) => JSON.parse(l) as { failure?: string });
    expect(runs.length).toBe(results.candidates.length * 2);
    expect(runs.every((x) => x.failure === undefined)).toBe(true);
    expect(read(join(out, 'report.md'))).toMatch(/No answer: the search stopped at n=[12], seed [34], where a plugin failed: plugin Stuck Score did not return/);
  });

  it('experiment fgd: the experiment stops with exit 1 naming the plugin, pod and node (the protocol has no clock)', async () => {
    const nodes = join(dir, 'nodes.csv');
    const pods = join(dir, 'pods.csv');
    writeFileSync(nodes, OPENB_NODES);
    writeFileSync(pods, OPENB_PODS);
    const gpuHang = join(dir, 'gpu-hang.mjs');
    writeFileSync(gpuHang, `export const plugins = [{ name: 'StuckGpu', factory: () => ({ name: 'StuckGpu', score: () => { for (;;) {} } }) }];\n`);
    const r = await orchsim('experiment', 'fgd', '--nodes', nodes, '--pods', pods, '--plugin', gpuHang, '--policies', 'BestFit,StuckGpu', '--seeds', '1', '--plugin-timeout', '0.5');
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^error: run failed: plugin StuckGpu Score did not return within 0\.5 s for pod \S+ on node \S+ \(the time budget/);
  });

  it('validate: a plugin that does not return in the check over random clusters is bad input naming its module and export (exit 2)', async () => {
    const loops = join(dir, 'loops.mjs');
    writeFileSync(loops, `export const plugins = [{ name: 'Loops', factory: () => ({ name: 'Loops', filter: () => { for (;;) {} } }) }];\nexport const profiles = [{ name: 'loops', plugins: [{ name: 'Loops' }] }];\n`);
    const file = join(dir, 'loops.yaml');
    writeFileSync(file, scenario(2, 'loops'));
    const r = await orchsim('validate', file, '--plugin', loops, '--plugin-timeout', '0.5');
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/loops\.mjs: plugin Loops does not return: its Filter call for pod \S+ on node \S+ took more than 0\.5 s in the check over random clusters .*\(at plugins\[0\]\)/);
  });
});

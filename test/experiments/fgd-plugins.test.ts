import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fgdPolicyProfile, prepareExperiment, resolveFgdPolicies, runFgdExperiment, summarize } from '../../src/experiments/fgd.js';
import { runTask } from '../../src/experiments/fgd-runner.js';
import { formatFgdTable, perSeedCurvesCSV } from '../../src/report/fgd-report.js';
import { ensurePolicies, loadPolicies } from '../../src/scenario/plugin-module.js';
import { InputError } from '../../src/util/errors.js';
import { readOpenbNodes, readOpenbPods } from '../../src/workloads/openb.js';
import { orchsimAll } from '../helpers/cli.js';
import { OPENB_NODES, OPENB_PODS } from '../helpers/openb.js';

/**
 * Issue 17, item 1: `orchsim experiment fgd --plugin FILE` measures a user's GPU scheduling
 * plugin in the FGD protocol, next to the six built-in policies.
 */
const dir = mkdtempSync(join(tmpdir(), 'orchsim-fgd-plugins-'));
const MODULE = join(dir, 'my-gpu.mjs');
// MyBestFit: the built-in BestFit as a user would write it (FGD.md section 6). MostFreeGpu: the
// node with the most free GPU, in a profile that leaves the protocol's settings to the experiment.
writeFileSync(MODULE, `
const freeGpu = (node) => { let s = 0; for (let g = 0; g < node.gpuCount; g++) s += node.gpuFree(g); return s; };
export const plugins = [
  {
    name: 'MyBestFit',
    extensionPoints: ['Score'],
    factory: () => ({
      name: 'MyBestFit',
      score: (_state, pod, node) => {
        const r = (0.5 * (node.allocatable.milliCPU - node.requested.milliCPU - pod.spec.requests.milliCPU)) / 128000 + (0.5 * (freeGpu(node) - pod.spec.requests.milliGPU)) / 8000;
        return Math.trunc((1 - r) * 100);
      },
    }),
  },
  { name: 'MostFreeGpu', extensionPoints: ['Score'], factory: () => ({ name: 'MostFreeGpu', score: (_state, _pod, node) => Math.min(100, Math.round(freeGpu(node) / 80)) }) },
];
export const profiles = [{ name: 'spread-gpus', plugins: [{ name: 'NodeResourcesFit', weight: 0 }, { name: 'MostFreeGpu', weight: 1 }] }];
`);
const NODES_FILE = join(dir, 'nodes.csv');
// Named like the default trace, so that the table shows the paper's columns.
const PODS_FILE = join(dir, 'openb_pod_list_default.csv');
writeFileSync(NODES_FILE, OPENB_NODES);
writeFileSync(PODS_FILE, OPENB_PODS);

const experiment = () => prepareExperiment(readOpenbNodes(OPENB_NODES, 'nodes.csv'), readOpenbPods(OPENB_PODS, 'pods.csv'));
const inputError = (f: () => unknown): InputError => {
  try {
    f();
  } catch (e) {
    if (e instanceof InputError) return e;
    throw e;
  }
  throw new Error('expected an InputError');
};

describe("users' policies in the FGD experiment", () => {
  it("a module's plugin runs in the built-in policies' profile: a reimplementation of BestFit gives BestFit's runs", async () => {
    const set = await loadPolicies([{ file: MODULE }]);
    const e = experiment();
    expect(fgdPolicyProfile('MyBestFit', set.modules, e.typicalPods)).toEqual({
      name: 'MyBestFit',
      percentageOfNodesToScore: 100,
      tieBreak: 'rank',
      plugins: [{ name: 'NodeResourcesFit', weight: 0 }, { name: 'MyBestFit', weight: 1, args: undefined }],
    });
    for (const seed of [1, 2, 3, 4]) {
      const mine = runFgdExperiment(e, 'MyBestFit', seed, 1.3, { policies: set });
      expect(mine.policy).toBe('MyBestFit');
      expect({ ...mine, policy: 'BestFit' }).toEqual(runFgdExperiment(e, 'BestFit', seed, 1.3));
    }
    // Built-in policies run as before when modules are loaded.
    expect(runFgdExperiment(e, 'FGD', 5, 1.3, { policies: set })).toEqual(runFgdExperiment(e, 'FGD', 5, 1.3));
  });

  it("a module's profile runs as written, with every node scored and ties by rank unless it says otherwise; the FGD plugin in it gets the trace's typical pods", async () => {
    const file = join(dir, 'profiles.mjs');
    writeFileSync(file, `
export const plugins = [{ name: 'Nothing', factory: () => ({ name: 'Nothing', score: () => 0 }) }];
export const profiles = [
  { name: 'fgd-and-nothing', plugins: [{ name: 'NodeResourcesFit', weight: 0 }, { name: 'FGD' }, { name: 'Nothing' }] },
  { name: 'own-settings', percentageOfNodesToScore: 50, tieBreak: 'first', plugins: [{ name: 'NodeResourcesFit' }] },
];
`);
    const set = await loadPolicies([{ file }]);
    const e = experiment();
    const p = fgdPolicyProfile('fgd-and-nothing', set.modules, e.typicalPods);
    expect(p).toMatchObject({ name: 'fgd-and-nothing', percentageOfNodesToScore: 100, tieBreak: 'rank' });
    expect(p.plugins[1]).toEqual({ name: 'FGD', args: { typicalPods: e.typicalPods, memoize: true } });
    expect(fgdPolicyProfile('own-settings', set.modules, e.typicalPods)).toMatchObject({ percentageOfNodesToScore: 50, tieBreak: 'first' });
    // FGD with a score that is always 0 beside it decides as FGD does.
    const run = runFgdExperiment(e, 'fgd-and-nothing', 3, 1.3, { policies: set });
    expect({ ...run, policy: 'FGD' }).toEqual(runFgdExperiment(e, 'FGD', 3, 1.3));
  });

  it('unknown names are bad input listing the known ones; a module profile named like a built-in policy is ambiguous', async () => {
    const set = await loadPolicies([{ file: MODULE }]);
    expect(inputError(() => resolveFgdPolicies(['FGD', 'Nope'], set.modules)).issues).toEqual([{
      file: '--policies',
      path: [],
      message: 'unknown policy "Nope": expected a built-in policy or a profile or plugin of a --plugin module (known: Random, DotProd, GpuClustering, GpuPacking, BestFit, FGD, spread-gpus, MyBestFit, MostFreeGpu)',
    }]);
    expect(inputError(() => resolveFgdPolicies(['MyBestFit'], [])).message).toContain('(or load your own with --plugin) (known: Random, DotProd, GpuClustering, GpuPacking, BestFit, FGD)');
    // Built-ins first (their order), then the users' in the order given, each once.
    expect(resolveFgdPolicies(['spread-gpus', 'FGD', 'MyBestFit', 'Random', 'spread-gpus'], set.modules)).toEqual(['Random', 'FGD', 'spread-gpus', 'MyBestFit']);

    const clash = join(dir, 'clash.mjs');
    writeFileSync(clash, `export const plugins = [{ name: 'Zero', factory: () => ({ name: 'Zero', score: () => 0 }) }];\nexport const profiles = [{ name: 'BestFit', plugins: [{ name: 'Zero' }] }];\n`);
    const clashing = await loadPolicies([{ file: clash }]);
    expect(inputError(() => resolveFgdPolicies(['BestFit'], clashing.modules)).issues[0]).toMatchObject({ file: clash, path: ['profiles', 0, 'name'] });
    // Not asked for, it is no problem.
    expect(resolveFgdPolicies(['FGD', 'Zero'], clashing.modules)).toEqual(['FGD', 'Zero']);
  });

  it("results list the built-in policies first, then the users' in the order given; the paper's columns show a dash for users' policies", async () => {
    const set = await loadPolicies([{ file: MODULE }]);
    const e = experiment();
    const runs = ['spread-gpus', 'FGD', 'MyBestFit', 'BestFit'].flatMap((p) => [2, 1].map((seed) => runFgdExperiment(e, p, seed, 1.3, { policies: set })));
    const summary = summarize(runs);
    expect(Object.keys(summary)).toEqual(['BestFit', 'FGD', 'spread-gpus', 'MyBestFit']);
    expect(summary['MyBestFit']!.seeds).toEqual([1, 2]);
    const csv = perSeedCurvesCSV(runs).split('\n').slice(1).filter(Boolean).map((l) => l.split(',').slice(0, 2).join(','));
    expect([...new Set(csv)]).toEqual(['BestFit,1', 'BestFit,2', 'FGD,1', 'FGD,2', 'spread-gpus,1', 'spread-gpus,2', 'MyBestFit,1', 'MyBestFit,2']);
    const table = formatFgdTable({ nodesFile: 'nodes.csv', podsFile: 'openb_pod_list_default.csv', nodes: 2, gpus: 4, pods: 4, seeds: [1, 2], tune: 1.3, summary }).split('\n');
    expect(table[2]).toMatch(/^policy +alloc@100 +alloc@130 +frag@100 +frag@130 +paper@100 +paper@130 +paper frag@100 +Δ@100$/);
    expect(table[3]).toMatch(/^BestFit .* 92\.86 +93\.08 +7\.05 +[+-]\d+\.\d\d$/);
    expect(table[5]).toMatch(/^spread-gpus .* - +- +- +-$/);
    expect(table[6]).toMatch(/^MyBestFit .* - +- +- +-$/);
  });

  it('a task names its modules; they are loaded (ensurePolicies) before it runs, as a worker does', async () => {
    const task = { nodesFile: NODES_FILE, podsFile: PODS_FILE, policy: 'MyBestFit', seed: 1, tune: 1.3, modules: [join(dir, 'later.mjs')] };
    writeFileSync(task.modules[0]!, `export const plugins = [{ name: 'MyBestFit', factory: () => ({ name: 'MyBestFit', score: () => 0 }) }];\n`);
    expect(() => runTask(task)).toThrow(/were not loaded before the run/);
    await ensurePolicies([{ file: task.modules[0]! }]);
    expect(runTask(task).run.policy).toBe('MyBestFit');
  });
});

describe('orchsim experiment fgd --plugin (CLI)', () => {
  const fgd = (...args: string[]) => ['experiment', 'fgd', '--nodes', NODES_FILE, '--pods', PODS_FILE, '--seeds', '1-4', ...args];

  it('runs the module policies after the built-in ones, the same with 1 and 2 workers, built-in results unchanged; bad names and modules exit 2', async () => {
    const mine = ['--plugin', MODULE, '--policies', 'FGD,spread-gpus,MyBestFit,BestFit'];
    const bad = join(dir, 'bad.mjs');
    writeFileSync(bad, 'export const plugins = [;\n');
    const [one, two, builtin, unused, table, unknown, broken] = await orchsimAll([
      fgd(...mine, '--workers', '1', '--json'),
      fgd(...mine, '--workers', '2', '--json'),
      fgd('--workers', '2', '--json'),
      fgd('--plugin', MODULE, '--workers', '2', '--json'),
      fgd(...mine, '--workers', '2'),
      fgd('--plugin', MODULE, '--policies', 'FGD,Nope'),
      fgd('--plugin', bad, '--policies', 'FGD'),
    ]);
    expect(one!.code, one!.stderr).toBe(0);
    expect(two!.stdout).toBe(one!.stdout);
    const json = JSON.parse(one!.stdout) as { policies: Record<string, unknown> };
    expect(Object.keys(json.policies)).toEqual(['BestFit', 'FGD', 'spread-gpus', 'MyBestFit']);
    expect(json.policies['MyBestFit']).toEqual(json.policies['BestFit']);
    expect(json.policies['spread-gpus']).not.toEqual(json.policies['BestFit']);
    // The built-in policies' results are those of a run without modules.
    const plain = JSON.parse(builtin!.stdout) as { policies: Record<string, unknown> };
    expect(json.policies['FGD']).toEqual(plain.policies['FGD']);
    expect(json.policies['BestFit']).toEqual(plain.policies['BestFit']);
    // --plugin without naming its policies: the built-in run, and a note saying how to name them.
    expect(unused!.stdout).toBe(builtin!.stdout);
    expect(unused!.stderr).toContain('note: no policy of');

    expect(table!.code).toBe(0);
    expect(table!.stdout).toMatch(/\nMyBestFit +[\d.]+ +[\d.]+ +[\d.]+ +[\d.]+ +- +- +- +- +[\d.]+\n/);

    expect(unknown!.code).toBe(2);
    expect(unknown!.stderr).toContain('--policies: unknown policy "Nope"');
    expect(unknown!.stderr).toContain('(known: Random, DotProd, GpuClustering, GpuPacking, BestFit, FGD, spread-gpus, MyBestFit, MostFreeGpu)');
    expect(broken!.code).toBe(2);
    expect(broken!.stderr).toContain(`${bad}: cannot load the module`);
    expect(broken!.stderr).not.toMatch(/\n\s+at /);
  });
});

import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { run } from '../helpers/cli.js';

const LIST_MODULES = new URL('../helpers/list-modules.mjs', import.meta.url).href;

/**
 * Which of tsc's files each bundled file of dist/ holds (scripts/entry-bundles.mjs), or none
 * where dist/ was built with ORCHSIM_NO_BUNDLE=1 (each file is then its own module).
 */
const BUNDLED: Record<string, string[]> = existsSync('dist/chunks/modules.json') ? JSON.parse(readFileSync('dist/chunks/modules.json', 'utf8')) : {};

/**
 * The modules (dist/ paths as tsc wrote them, and package names) a CLI command loads, from the
 * loader hook's lines: a bundled entry or chunk counts as the modules in it, all of which it runs;
 * of dist/orchsim.cjs (scripts/core-bundle.mjs), which holds them all, the modules that ran and the
 * packages it required, as load.js reports them.
 */
async function modulesLoadedBy(...args: string[]): Promise<{ code: number; modules: string[] }> {
  const r = await run(process.execPath, ['--import', LIST_MODULES, 'dist/cli/main.js', ...args], { env: { ...process.env, ORCHSIM_DEBUG: '' } });
  const modules = [...r.stderr.matchAll(/^orchsim-test (?:module|ran) (.*)$/gm)].flatMap((m) => {
    const url = m[1]!;
    const pkg = /\/node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(url);
    if (pkg) return [pkg[1]!];
    const dist = /\/dist\/(.*)$/.exec(url);
    return dist ? BUNDLED[dist[1]!] ?? [dist[1]!] : [url];
  });
  return { code: r.code, modules };
}

/** Packages no start-up needs: charts, PNG rendering, the Kubernetes client, statistics, metrics. */
const HEAVY_PACKAGES = ['vega', 'vega-lite', 'vega-embed', '@resvg/resvg-js', '@kubernetes/client-node', '@stdlib/stats-base-dists-t-quantile', 'prom-client'];

describe('the CLI loads what a command runs, when it runs', () => {
  it('--help loads no scenario, simulation, scheduler, experiment or report code', async () => {
    const { code, modules } = await modulesLoadedBy('--help');
    expect(code).toBe(0);
    // The hook saw the CLI itself: the list is real.
    expect(modules).toContain('cli/main.js');
    // Small leaves the option parsers and help texts use: --metrics-start's parser (openmetrics.js
    // and the field names it imports), the FGD policy names, the schema kinds.
    const leaves = ['report/openmetrics.js', 'sim/sampled-state.js', 'experiments/fgd-policies.js', 'scenario/schema-kinds.js'];
    const loaded = modules.filter((m) => /^(sim|schedulers|experiments|autoscalers|workloads|scenario|report|runtime)\//.test(m) && !leaves.includes(m) && m !== 'runtime/defaults.js');
    expect(loaded).toEqual([]);
    expect(modules.filter((m) => HEAVY_PACKAGES.includes(m))).toEqual([]);
  });

  it('validate loads the scenario code and no experiment, report or serve code', async () => {
    const { code, modules } = await modulesLoadedBy('validate', 'scenarios/default.yaml');
    expect(code).toBe(0);
    expect(modules).toContain('scenario/schema.js');
    // The worker pool runs a plugin module's checks on a watched thread (cli/plugin-check.ts).
    const leaves = ['experiments/pool.js', 'experiments/worker-errors.js', 'experiments/fgd-policies.js', 'report/openmetrics.js', 'runtime/defaults.js'];
    const loaded = modules.filter((m) => /^(experiments|report|runtime)\//.test(m) && !leaves.includes(m));
    expect(loaded).toEqual([]);
    // Validating builds the scheduler (plugin names and arguments) but never runs it: no simulation
    // (scenario/prepare.ts). The leaves: failure-process defaults and the sampled-state field names.
    const simLeaves = ['sim/failures.js', 'sim/sampled-state.js'];
    expect(modules.filter((m) => /^sim\//.test(m) && !simLeaves.includes(m))).toEqual([]);
    expect(modules).not.toContain('scenario/runner.js');
    expect(modules.filter((m) => HEAVY_PACKAGES.includes(m))).toEqual([]);
  });
});

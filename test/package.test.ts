import { describe, expect, it } from 'vitest';
import { run } from './helpers/cli.js';

describe('the package entry point', () => {
  it('imports as `orchsim` and runs a scenario through the public API', async () => {
    // Self-reference through package.json "exports" (dist is built by the global setup).
    const script = `
      import { prepareScenario, runPrepared, builtinPlugins, Framework } from 'orchsim';
      const out = runPrepared(prepareScenario('scenarios/zone-spread.yaml'));
      console.log(out.result.scenario, typeof Framework, builtinPlugins().list().length);
    `;
    const r = await run(process.execPath, ['--input-type=module', '-e', script]);
    expect(r.stderr).toBe('');
    expect(r.stdout.trim()).toMatch(/^zone-spread function \d+$/);
  });

  it('run, compare and plan as plain functions returning data; internals are not exported from the root', async () => {
    const script = `
      import * as orchsim from 'orchsim';
      const one = orchsim.run('scenarios/zone-spread.yaml', { seed: 3 });
      const two = orchsim.runPrepared(orchsim.prepareScenario('scenarios/zone-spread.yaml', { seed: 3 }));
      const c = await orchsim.compare('scenarios/zone-spread.yaml', { profiles: ['default', 'binpack'], seeds: 2 });
      const internals = ['Simulation', 'Engine', 'EventQueue', 'ClusterState', 'createSimulation', 'buildFramework', 'runScenario', 'readManifests', 'runExperiment'];
      console.log(JSON.stringify({
        same: JSON.stringify(one.result) === JSON.stringify(two.result),
        arms: c.results.arms,
        runs: c.records.length,
        plan: typeof orchsim.plan,
        withPlugins: typeof orchsim.prepareScenarioWithPlugins,
        internals: internals.filter((k) => k in orchsim),
      }));
    `;
    const r = await run(process.execPath, ['--input-type=module', '-e', script]);
    expect(r.stderr).toBe('');
    expect(JSON.parse(r.stdout)).toEqual({ same: true, arms: ['default', 'binpack'], runs: 4, plan: 'function', withPlugins: 'function', internals: [] });
  });

  it('the bin runs as a program (npx orchsim), also after a test run rebuilt it', async () => {
    // Run as npx runs it: the file itself, through its #! line, which needs the executable bit.
    const r = await run('dist/cli/main.js', ['--version']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout.trim()).toMatch(/^\d+\.\d+\.\d+$/);
  });
});

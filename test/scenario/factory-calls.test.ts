import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { runExperiment, runTask } from '../../src/experiments/compare.js';
import { comparePlan } from '../../src/experiments/plans.js';
import { BUILTIN_PLUGINS, BUILTIN_PROFILES } from '../../src/schedulers/builtins.js';
import { prepareScenario, runPrepared } from '../../src/scenario/index.js';
import { SMALL_SCENARIO } from '../helpers/cli.js';

/**
 * One pass from file to run (issue 16): the profile is resolved once and every plugin factory
 * runs once per run. Checking the profile before anything runs is that same instantiation: the
 * first run uses the plugins built when the scenario was prepared.
 */

const dir = mkdtempSync(join(tmpdir(), 'orchsim-factory-'));
const FILE = join(dir, 'small.yaml');
writeFileSync(FILE, `${SMALL_SCENARIO}compare:\n  seeds: 3\n  profiles: [default, binpack]\n`);

const profile = (name: string) => BUILTIN_PROFILES.find((p) => p.name === name)!;

/** Counts the factory calls of every built-in plugin, by plugin name. */
function countFactoryCalls(): () => Record<string, number> {
  const spies = BUILTIN_PLUGINS.map((entry) => [entry.name, vi.spyOn(entry, 'factory')] as const);
  return () => Object.fromEntries(spies.map(([name, spy]) => [name, spy.mock.calls.length]).filter(([, n]) => n !== 0));
}

/** `times` calls of each plugin of the profile, none of any other. */
const eachPluginOf = (name: string, times: number) => Object.fromEntries(profile(name).plugins.map((p) => [p.name, times]));

afterEach(() => {
  vi.restoreAllMocks();
});

describe('plugin factories run once per run', () => {
  it('orchsim run (prepareScenario, then runPrepared): once, the check included', () => {
    const calls = countFactoryCalls();
    const prepared = prepareScenario(FILE);
    expect(calls()).toEqual(eachPluginOf('default', 1));
    const first = runPrepared(prepared);
    expect(calls()).toEqual(eachPluginOf('default', 1));
    // Plugins keep state: a second run of the same preparation builds its own, and agrees.
    const second = runPrepared(prepared);
    expect(calls()).toEqual(eachPluginOf('default', 2));
    expect(second.result).toEqual(first.result);
  });

  it('orchsim validate: once', () => {
    const calls = countFactoryCalls();
    prepareScenario(FILE, { profile: 'binpack' });
    expect(calls()).toEqual(eachPluginOf('binpack', 1));
  });

  it('the per-run path of compare, sweep and plan (runTask, on a worker or inline): once per run', () => {
    let calls = countFactoryCalls();
    runTask({ scenarioFile: FILE, variant: { name: 'base', params: {} }, arm: { name: 'binpack', profile: 'binpack' }, seed: 5 });
    expect(calls()).toEqual(eachPluginOf('binpack', 1));
    vi.restoreAllMocks();
    // A plan candidate: a variant that sizes a pool, the scenario's own profile.
    calls = countFactoryCalls();
    runTask({ scenarioFile: FILE, variant: { name: 'n=3', params: { 'cluster.pools.0.count': 3 } }, arm: { name: 'plan' }, seed: 5 });
    expect(calls()).toEqual(eachPluginOf('default', 1));
  });

  it('a whole compare (one worker): once per run, plus the check of each arm before any run', async () => {
    const plan = comparePlan(FILE);
    const calls = countFactoryCalls();
    const outcome = await runExperiment(plan, { workers: 1 });
    expect(outcome.ran).toBe(6);
    const expected: Record<string, number> = {};
    for (const arm of ['default', 'binpack']) {
      for (const p of profile(arm).plugins) expected[p.name] = (expected[p.name] ?? 0) + 1 + 3;
    }
    expect(calls()).toEqual(expected);
  });
});

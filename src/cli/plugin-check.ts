import type { ProfileConfig } from '../api/framework.js';
import { ensurePolicies, type PluginModule } from '../scenario/plugin-module.js';
import { CallTimeoutError } from '../util/call-watch.js';
import { InputError } from '../util/errors.js';

/** Random clusters each user plugin is checked on by validate (orchsim/testing's default is 200). */
const PLUGIN_CHECK_RUNS = 100;

/**
 * orchsim validate's check of users' plugins: each one alone (with the arguments the profile
 * gives it) must decide the same for the same input and seed, keep scores in 0..100, never
 * throw and return from every call within the time budget, over random clusters
 * (orchsim/testing). A plugin that fails is bad input, named with its module and the shrunk
 * counterexample. Skipped, and said, where fast-check is not installed.
 */
export async function checkModulePlugins(modules: readonly PluginModule[], profile: ProfileConfig): Promise<string[]> {
  if (modules.length === 0) return [];
  let testing: typeof import('../testing/index.js');
  try {
    testing = await import('../testing/index.js');
  } catch {
    return ['plugins not checked for determinism (install fast-check next to orchsim)'];
  }
  const names: string[] = [];
  for (const mod of modules) {
    for (const [i, entry] of mod.plugins.entries()) {
      const args = profile.plugins.find((p) => p.name === entry.name)?.args;
      // Arguments it is not given in the profile: the plugin may need them, so it is checked in use only.
      if (args === undefined && !profile.plugins.some((p) => p.name === entry.name)) continue;
      const report = testing.checkPlacementInvariants({ name: entry.name, plugins: [{ name: entry.name, args }] }, { plugins: [entry], invariants: ['deterministic', 'scoresInRange', 'noThrow'], numRuns: PLUGIN_CHECK_RUNS, seed: 1 });
      if (!report.ok) {
        const what = report.invariant === 'deterministic' ? 'is not deterministic (the same cluster, pod and seed gave another result; use the random stream its factory is handed, never Math.random or a clock)' : report.invariant === 'scoresInRange' ? 'scores outside 0..100' : 'throws';
        throw new InputError({ file: mod.file, path: ['plugins', i], message: `plugin ${entry.name} ${what}: ${report.message ?? ''}` });
      }
      names.push(entry.name);
    }
  }
  return names.length > 0 ? [`plugins ${names.join(', ')} deterministic over ${PLUGIN_CHECK_RUNS} random clusters`] : [];
}

export interface PluginCheckTask {
  readonly files: readonly string[];
  readonly profile: ProfileConfig;
}

/** In the worker: the task's modules (loaded once per thread), checked. */
export async function runPluginCheck(task: PluginCheckTask): Promise<string[]> {
  const set = await ensurePolicies(task.files.map((file) => ({ file })));
  return checkModulePlugins(set.modules, task.profile);
}

const workerUrl = new URL('./plugin-check-worker.js', import.meta.url);

/**
 * checkModulePlugins on a worker thread watched with a time budget per call (as run does), so
 * a plugin that never returns is named rather than hanging validate: like one that throws, it is
 * bad input at its module's export. `budgetSeconds` undefined: in this thread, unwatched.
 */
export async function checkModulePluginsWatched(modules: readonly PluginModule[], profile: ProfileConfig, budgetSeconds: number | undefined): Promise<string[]> {
  if (modules.length === 0) return [];
  if (budgetSeconds === undefined) return checkModulePlugins(modules, profile);
  // The pool (and worker_threads) only when there is a module to check: most scenarios have none.
  const { runPool } = await import('../experiments/pool.js');
  try {
    const [lines] = await runPool<PluginCheckTask, string[]>([{ files: modules.map((m) => m.file), profile }], {
      workers: 1,
      workerUrl,
      inline: () => {
        throw new Error('a watched check needs a worker thread');
      },
      callBudgetSeconds: budgetSeconds,
    });
    return lines!;
  } catch (e) {
    if (!(e instanceof CallTimeoutError)) throw e;
    const call = e.call;
    const owner = modules.find((m) => m.plugins.some((p) => p.name === call.label));
    const i = owner?.plugins.findIndex((p) => p.name === call.label) ?? -1;
    throw new InputError({
      file: owner?.file ?? modules[0]!.file,
      path: i >= 0 ? ['plugins', i] : ['plugins'],
      message: `plugin ${call.label} does not return: its ${call.point} call${call.pod !== undefined ? ` for pod ${call.pod}` : ''}${call.node !== undefined ? ` on node ${call.node}` : ''} took more than ${e.budgetSeconds} s in the check over random clusters (--plugin-timeout sets the budget)`,
    });
  }
}

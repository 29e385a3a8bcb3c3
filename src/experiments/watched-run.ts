import { prepareScenarioWithPlugins, runPrepared, type RunOutput } from '../scenario/index.js';
import { runPool } from './pool.js';

/**
 * `orchsim run` of a scenario with plugin modules: on a worker thread, so that the main thread
 * can end a call into the user's code that outlasts the time budget (src/util/call-watch.ts).
 * The worker runs exactly what the main thread would (same modules, scenario, seed), so the
 * result is byte-identical to an unwatched run.
 */
export interface WatchedRunTask {
  readonly scenario: string | undefined;
  readonly seed?: number | undefined;
  readonly profile?: string | undefined;
  readonly orchestrator?: 'kubernetes' | 'swarm' | undefined;
  readonly pluginFiles: readonly string[];
  /** Sample the cluster by zone and the services too (for metrics.om). */
  readonly sampledState?: boolean | undefined;
}

/** In the worker: load, prepare and run. */
export async function runWatchedTask(t: WatchedRunTask, onProgress?: (fraction: number) => void): Promise<RunOutput> {
  const prepared = await prepareScenarioWithPlugins(t.scenario, { seed: t.seed, profile: t.profile, orchestrator: t.orchestrator, pluginFiles: t.pluginFiles });
  return runPrepared(prepared, { onProgress, sampledState: t.sampledState });
}

const workerUrl = new URL('./run-worker.js', import.meta.url);

/**
 * Runs the task on a worker thread watched with a budget per call; a call that outlasts it
 * throws a CallTimeoutError, a plugin that throws its PluginError (as an inline run would).
 */
export async function runWatched(t: WatchedRunTask, budgetSeconds: number, onProgress?: (fraction: number) => void): Promise<RunOutput> {
  const [out] = await runPool([t], {
    workers: 1,
    workerUrl,
    inline: () => {
      throw new Error('a watched run needs a worker thread');
    },
    callBudgetSeconds: budgetSeconds,
    onProgress: onProgress ? (_i, fraction) => onProgress(fraction as number) : undefined,
  });
  return out!;
}

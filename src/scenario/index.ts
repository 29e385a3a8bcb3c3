import { runScenario, type RunOutput, type RunOptions } from './runner.js';
import type { PreparedScenario } from './prepare.js';

export { BUILTIN_SCENARIO } from './default.js';
export type { ResolvedScenario } from './resolve.js';
export type { RunOutput, RunResult } from './runner.js';
export { loadScenario, parseScenario, pluginSources, prepareScenario, prepareScenarioValue, prepareScenarioWithPlugins, type PrepareOptions, type PreparedScenario } from './prepare.js';

/** Runs a prepared scenario (the first run uses the scheduler built when preparing it). */
export function runPrepared(p: PreparedScenario, extra: Pick<RunOptions, 'onProgress' | 'sampledState'> = {}): RunOutput {
  return runScenario(p.resolved, { ...p.runOptions, ...extra });
}

import { loadedPolicies, type ModuleSource, type PolicySet } from '../scenario/plugin-module.js';
import { buildFramework } from '../scenario/runner.js';
import { InputError } from '../util/errors.js';
import { readTextFile } from '../util/files.js';
import { RandomStreams } from '../util/random.js';
import { readOpenbNodes, readOpenbPods } from '../workloads/openb.js';
import { fgdPolicyProfile, fgdPolicySource, prepareExperiment, runFgdExperiment, type FgdRun, type PreparedExperiment } from './fgd.js';

/** One unit of work: a (policy, seed) run on a trace. */
export interface FgdTask {
  readonly nodesFile: string;
  readonly podsFile: string;
  /** A built-in policy, or a profile or plugin of one of `modules`. */
  readonly policy: string;
  readonly seed: number;
  readonly tune: number;
  /** The users' plugin modules (--plugin), in order; every task of an experiment has the same list. */
  readonly modules?: readonly string[] | undefined;
}

/** The task's plugin modules: load them with ensurePolicies before runTask (a worker does for each task). */
export function fgdTaskModules(t: FgdTask): ModuleSource[] {
  return (t.modules ?? []).map((file) => ({ file }));
}

export interface FgdTaskResult {
  readonly run: FgdRun;
  /** Wall seconds of the run itself (reading and preparing the trace excluded). */
  readonly seconds: number;
}

const prepared = new Map<string, PreparedExperiment>();

/** Reads and prepares a trace once per process (each worker keeps its own copy). */
export function loadExperiment(nodesFile: string, podsFile: string): PreparedExperiment {
  const key = `${nodesFile}\u0000${podsFile}`;
  let e = prepared.get(key);
  if (!e) {
    e = prepareExperiment(readOpenbNodes(readTextFile(nodesFile), nodesFile), readOpenbPods(readTextFile(podsFile), podsFile));
    prepared.set(key, e);
  }
  return e;
}

export function runTask(t: FgdTask): FgdTaskResult {
  const e = loadExperiment(t.nodesFile, t.podsFile);
  const t0 = performance.now();
  const modules = fgdTaskModules(t);
  const run = runFgdExperiment(e, t.policy, t.seed, t.tune, modules.length > 0 ? { policies: loadedPolicies(modules) } : {});
  return { run, seconds: (performance.now() - t0) / 1000 };
}

/**
 * Instantiates each user policy's profile once, before any run: a module's profile naming an
 * unknown plugin or giving bad arguments, or a module's plugin that cannot run alone without
 * arguments, is bad input naming the module.
 */
export function checkFgdPolicies(policies: readonly string[], set: PolicySet, e: PreparedExperiment): void {
  for (const name of policies) {
    const source = fgdPolicySource(name, set.modules);
    if (!source || source.kind === 'builtin') continue;
    const profile = fgdPolicyProfile(name, set.modules, e.typicalPods);
    try {
      buildFramework(profile, new RandomStreams(0), set.plugins, source.kind === 'profile' ? { file: source.module.file, path: ['profiles', source.index] } : undefined);
    } catch (err) {
      if (!(err instanceof InputError) || source.kind === 'profile') throw err;
      throw new InputError({ file: source.module.file, path: ['plugins', source.index], message: `plugin "${name}" cannot run as an FGD policy (the only score, given no arguments): ${err.issues.map((i) => i.message).join('; ')}` });
    }
  }
}

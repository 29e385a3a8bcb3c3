import { readTextFile } from '../util/files.js';
import { readOpenbNodes, readOpenbPods } from '../workloads/openb.js';
import { prepareExperiment, runFgdExperiment, type FgdPolicy, type FgdRun, type PreparedExperiment } from './fgd.js';

/** One unit of work: a (policy, seed) run on a trace. */
export interface FgdTask {
  readonly nodesFile: string;
  readonly podsFile: string;
  readonly policy: FgdPolicy;
  readonly seed: number;
  readonly tune: number;
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
  const run = runFgdExperiment(e, t.policy, t.seed, t.tune);
  return { run, seconds: (performance.now() - t0) / 1000 };
}

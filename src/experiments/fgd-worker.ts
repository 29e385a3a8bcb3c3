import { parentPort } from 'node:worker_threads';
import { fgdTaskModules, runTask, type FgdTask } from './fgd-runner.js';
import { ensurePolicies } from '../scenario/plugin-module.js';
import { InputError } from '../util/errors.js';

/** Worker thread: runs the tasks it is sent, one at a time, and posts each result back. */
parentPort!.on('message', async (msg: { index: number; task: FgdTask }) => {
  try {
    // The task's plugin modules (--plugin), loaded once per worker (the main thread checked them first).
    await ensurePolicies(fgdTaskModules(msg.task));
    parentPort!.postMessage({ index: msg.index, result: runTask(msg.task) });
  } catch (e) {
    // Bad input keeps its issues, so the CLI reports it as such (exit 2) with any number of workers.
    parentPort!.postMessage({ index: msg.index, error: e instanceof Error ? e.message : String(e), ...(e instanceof InputError ? { issues: e.issues } : {}) });
  }
});

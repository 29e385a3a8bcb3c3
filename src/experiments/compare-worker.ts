import { parentPort } from 'node:worker_threads';
import { runTask, taskModules, type RunTask } from './compare.js';
import { ensurePolicies } from '../scenario/plugin-module.js';
import { InputError } from '../util/errors.js';

/** Worker thread: runs the comparison tasks it is sent, one at a time, and posts each record back. */
parentPort!.on('message', async (msg: { index: number; task: RunTask }) => {
  try {
    // The task's plugin modules, loaded once per worker (the main thread checked them first).
    await ensurePolicies(taskModules(msg.task));
    parentPort!.postMessage({ index: msg.index, result: runTask(msg.task) });
  } catch (e) {
    // Bad input keeps its issues, so the CLI reports it as such (exit 2) with any number of workers.
    parentPort!.postMessage({ index: msg.index, error: e instanceof Error ? e.message : String(e), ...(e instanceof InputError ? { issues: e.issues } : {}) });
  }
});

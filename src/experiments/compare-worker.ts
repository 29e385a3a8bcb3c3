import { parentPort, workerData } from 'node:worker_threads';
import { installCallWatch } from '../util/call-watch.js';
import { runTaskOutcome, taskModules, type RunTask } from './compare.js';
import { ensurePolicies } from '../scenario/plugin-module.js';
import { postedFailure } from './worker-errors.js';

// Calls into users' plugins report to the main thread, which ends a call that never returns.
installCallWatch((workerData as { callWatch?: SharedArrayBuffer } | null)?.callWatch);

/** Worker thread: runs the comparison tasks it is sent, one at a time, and posts each record back. */
parentPort!.on('message', async (msg: { index: number; task: RunTask }) => {
  try {
    // The task's plugin modules, loaded once per worker (the main thread checked them first).
    await ensurePolicies(taskModules(msg.task));
    parentPort!.postMessage({ index: msg.index, result: runTaskOutcome(msg.task) });
  } catch (e) {
    // Bad input keeps its issues and a plugin's failure its details, so the CLI reports them as
    // it would in one thread (exit 2, exit 1) with any number of workers.
    parentPort!.postMessage({ index: msg.index, ...postedFailure(e) });
  }
});

import { parentPort, workerData } from 'node:worker_threads';
import { installCallWatch } from '../util/call-watch.js';
import { fgdTaskModules, runTask, type FgdTask } from './fgd-runner.js';
import { ensurePolicies } from '../scenario/plugin-module.js';
import { postedFailure } from './worker-errors.js';

// Calls into users' plugins report to the main thread, which ends a call that never returns.
installCallWatch((workerData as { callWatch?: SharedArrayBuffer } | null)?.callWatch);

/** Worker thread: runs the tasks it is sent, one at a time, and posts each result back. */
parentPort!.on('message', async (msg: { index: number; task: FgdTask }) => {
  try {
    // The task's plugin modules (--plugin), loaded once per worker (the main thread checked them first).
    await ensurePolicies(fgdTaskModules(msg.task));
    parentPort!.postMessage({ index: msg.index, result: runTask(msg.task) });
  } catch (e) {
    // Bad input keeps its issues and a plugin's failure its details (exit 2, exit 1).
    parentPort!.postMessage({ index: msg.index, ...postedFailure(e) });
  }
});

import { parentPort, workerData } from 'node:worker_threads';
import { postedFailure } from '../experiments/worker-errors.js';
import { installCallWatch } from '../util/call-watch.js';
import { runPluginCheck, type PluginCheckTask } from './plugin-check.js';

// Calls into users' plugins report to the main thread, which ends a call that never returns.
installCallWatch((workerData as { callWatch?: SharedArrayBuffer } | null)?.callWatch);

/** Worker thread of `orchsim validate`: the users' plugins checked over random clusters. */
parentPort!.on('message', async (msg: { index: number; task: PluginCheckTask }) => {
  try {
    parentPort!.postMessage({ index: msg.index, result: await runPluginCheck(msg.task) });
  } catch (e) {
    parentPort!.postMessage({ index: msg.index, ...postedFailure(e) });
  }
});

import { parentPort, workerData } from 'node:worker_threads';
import { installCallWatch } from '../util/call-watch.js';
import { postedFailure } from './worker-errors.js';
import { runWatchedTask, type WatchedRunTask } from './watched-run.js';

// Calls into users' plugins report to the main thread, which ends a call that never returns.
installCallWatch((workerData as { callWatch?: SharedArrayBuffer } | null)?.callWatch);

/** Worker thread of `orchsim run` with plugin modules: the run, its progress posted as it goes. */
parentPort!.on('message', async (msg: { index: number; task: WatchedRunTask }) => {
  try {
    const out = await runWatchedTask(msg.task, (fraction) => parentPort!.postMessage({ index: msg.index, progress: fraction }));
    parentPort!.postMessage({ index: msg.index, result: out });
  } catch (e) {
    parentPort!.postMessage({ index: msg.index, ...postedFailure(e) });
  }
});

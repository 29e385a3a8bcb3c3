import { parentPort } from 'node:worker_threads';
import { runTask, type FgdTask } from './fgd-runner.js';

/** Worker thread: runs the tasks it is sent, one at a time, and posts each result back. */
parentPort!.on('message', (msg: { index: number; task: FgdTask }) => {
  try {
    parentPort!.postMessage({ index: msg.index, result: runTask(msg.task) });
  } catch (e) {
    parentPort!.postMessage({ index: msg.index, error: e instanceof Error ? e.message : String(e) });
  }
});

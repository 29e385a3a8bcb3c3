import { parentPort } from 'node:worker_threads';
import { runTask, type RunTask } from './compare.js';
import { InputError } from '../util/errors.js';

/** Worker thread: runs the comparison tasks it is sent, one at a time, and posts each record back. */
parentPort!.on('message', (msg: { index: number; task: RunTask }) => {
  try {
    parentPort!.postMessage({ index: msg.index, result: runTask(msg.task) });
  } catch (e) {
    // Bad input keeps its issues, so the CLI reports it as such (exit 2) with any number of workers.
    parentPort!.postMessage({ index: msg.index, error: e instanceof Error ? e.message : String(e), ...(e instanceof InputError ? { issues: e.issues } : {}) });
  }
});

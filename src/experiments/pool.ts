import { Worker } from 'node:worker_threads';

/**
 * Runs tasks on `workers` worker threads (one task at a time per worker) and returns the results
 * in task order, so the output does not depend on which worker finished first. With 1 worker or
 * fewer, the tasks run in this thread through `inline`.
 */
export async function runPool<T, R>(tasks: readonly T[], options: { workers: number; workerUrl: URL; inline: (t: T) => R; onResult?: (done: number, total: number, result: R) => void }): Promise<R[]> {
  const results = new Array<R>(tasks.length);
  if (options.workers <= 1 || tasks.length <= 1) {
    tasks.forEach((t, i) => {
      results[i] = options.inline(t);
      options.onResult?.(i + 1, tasks.length, results[i]!);
    });
    return results;
  }
  let next = 0;
  let done = 0;
  const n = Math.min(options.workers, tasks.length);
  await new Promise<void>((resolve, reject) => {
    const pool: Worker[] = [];
    const stop = (e?: Error) => {
      for (const w of pool) void w.terminate();
      if (e) reject(e);
      else resolve();
    };
    for (let k = 0; k < n; k++) {
      const w = new Worker(options.workerUrl);
      pool.push(w);
      const feed = () => {
        if (next < tasks.length) {
          const index = next++;
          w.postMessage({ index, task: tasks[index] });
        }
      };
      w.on('message', (msg: { index: number; result?: R; error?: string }) => {
        if (msg.error !== undefined) return stop(new Error(msg.error));
        results[msg.index] = msg.result!;
        done++;
        options.onResult?.(done, tasks.length, msg.result!);
        if (done === tasks.length) stop();
        else feed();
      });
      w.on('error', (e) => stop(e));
      feed();
    }
  });
  return results;
}

import { Worker } from 'node:worker_threads';
import { InputError, type InputIssue } from '../util/errors.js';

export interface PoolOptions<T, R> {
  readonly workers: number;
  readonly workerUrl: URL;
  /** Runs a task in this thread (with 1 worker or fewer, or a single task). */
  readonly inline: (t: T) => R;
}

/**
 * Worker threads kept across batches of tasks (a capacity search runs many small batches, one
 * candidate cluster at a time, and starting a worker costs the module load). One task at a time
 * per worker; each batch's results come back in task order, whichever worker finished first.
 */
export class WorkerPool<T, R> {
  private readonly idle: Worker[] = [];
  private readonly all: Worker[] = [];

  constructor(private readonly options: PoolOptions<T, R>) {}

  async run(tasks: readonly T[], onResult?: (done: number, total: number, result: R) => void): Promise<R[]> {
    const results = new Array<R>(tasks.length);
    if (this.options.workers <= 1 || tasks.length <= 1) {
      tasks.forEach((t, i) => {
        results[i] = this.options.inline(t);
        onResult?.(i + 1, tasks.length, results[i]!);
      });
      return results;
    }
    while (this.all.length < Math.min(this.options.workers, tasks.length)) {
      const w = new Worker(this.options.workerUrl);
      this.all.push(w);
      this.idle.push(w);
    }
    let next = 0;
    let done = 0;
    await new Promise<void>((resolve, reject) => {
      const busy: Worker[] = [];
      let failed = false;
      const release = (w: Worker) => {
        w.removeAllListeners('message');
        w.removeAllListeners('error');
        w.removeAllListeners('exit');
        busy.splice(busy.indexOf(w), 1);
        this.idle.push(w);
      };
      const stop = (e: Error) => {
        if (failed) return;
        failed = true;
        // A worker that failed mid-task may hold state: end them all rather than reuse them.
        void this.close();
        reject(e);
      };
      const feed = (w: Worker) => {
        if (next >= tasks.length) {
          release(w);
          if (busy.length === 0) resolve();
          return;
        }
        const index = next++;
        w.postMessage({ index, task: tasks[index] });
      };
      const workers = this.idle.splice(0, Math.min(this.idle.length, tasks.length));
      for (const w of workers) {
        busy.push(w);
        w.on('message', (msg: { index: number; result?: R; error?: string; issues?: InputIssue[] }) => {
          if (msg.issues !== undefined) return stop(new InputError(msg.issues));
          if (msg.error !== undefined) return stop(new Error(msg.error));
          results[msg.index] = msg.result!;
          done++;
          try {
            onResult?.(done, tasks.length, msg.result!);
          } catch (e) {
            // The caller's own failure (say, appending to a file on a full disk): end the batch
            // with it rather than throwing out of an event listener.
            return stop(e instanceof Error ? e : new Error(String(e)));
          }
          feed(w);
        });
        w.on('error', (e) => stop(e));
        // A worker that ends without an error event (process.exit in a plugin, say) would
        // otherwise leave the batch waiting forever.
        w.on('exit', (code) => stop(new Error(`a worker thread exited (code ${code}) while running a task`)));
      }
      for (const w of workers) feed(w);
    });
    return results;
  }

  /** Ends the worker threads. */
  async close(): Promise<void> {
    const workers = this.all.splice(0);
    this.idle.length = 0;
    await Promise.all(workers.map((w) => w.terminate()));
  }
}

/**
 * Runs tasks on `workers` worker threads (one task at a time per worker) and returns the results
 * in task order, so the output does not depend on which worker finished first. With 1 worker or
 * fewer, the tasks run in this thread through `inline`.
 */
export async function runPool<T, R>(tasks: readonly T[], options: PoolOptions<T, R> & { onResult?: (done: number, total: number, result: R) => void }): Promise<R[]> {
  const pool = new WorkerPool(options);
  try {
    return await pool.run(tasks, options.onResult);
  } finally {
    await pool.close();
  }
}
